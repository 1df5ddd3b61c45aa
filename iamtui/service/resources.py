"""Resource-based policies stored for any resource ARN (a bucket, a queue, a key...).

`aws iam` has no such commands: these are iamtui's own, so that the permission
tester and operators' authorization can use a resource's policy the way AWS does
("Identity-based policies and resource-based policies", IAM User Guide). They are
authorized as iamtui's own IAM actions on the resource's ARN:
iam:PutResourcePolicy, iam:GetResourcePolicy, iam:DeleteResourcePolicy and
iam:ListResourcePolicies (on "*"). No AWS service defines these action names, so
a policy that grants "iam:*" or "*" grants them too, and nothing else does.

A role's resource-based policy is its trust policy (update-assume-role-policy), so
role ARNs are refused here. IAM users, groups, policies and the rest of IAM's and STS's
resources have no resource-based policy in AWS, so put-resource-policy refuses their ARNs:
a policy stored on a user's own ARN must not let it grant itself IAM actions. Policies an
older iamtui stored on such ARNs are ignored by authorization (see
ServiceCore.resource_policy_input); get- and delete-resource-policy still reach them, so
they can be read and removed. An import cannot bring any: GetAccountAuthorizationDetails'
shape has no place for resource-based policies.
"""

from __future__ import annotations

from iamtui.arn import Arn, constraint_error, validate_policy_document_text
from iamtui.errors import InvalidInput
from iamtui.model import ResourcePolicy
from iamtui.policy import PolicyType, parse_policy
from iamtui.service.core import Principal, ServiceCore, is_iam_or_sts_arn
from iamtui.service.owners import ArnAddressed
from iamtui.service.tables import RESOURCE_POLICIES

# iamtui's own operations (AWS has none for this), so its own words.
STORED_POLICY: ArnAddressed[ResourcePolicy] = ArnAddressed(
    RESOURCE_POLICIES, "No resource-based policy is stored for {arn}.")


def validate_resource_arn(arn: str, field: str = "resourceArn") -> str:
    """Any well-formed ARN of at most 2048 characters, but not an IAM role's."""
    if not isinstance(arn, str) or not 1 <= len(arn) <= 2048:
        raise constraint_error(arn, field, "Member must have length between 1 and 2048")
    parsed = Arn.parse(arn)
    if "*" in arn or "?" in arn:
        raise InvalidInput(f"ARN {arn} is not valid: a resource ARN names one resource, "
                           "without wildcards.")
    if parsed.service == "iam" and parsed.resource_type == "role":
        raise InvalidInput(f"{arn} is a role: its resource-based policy is its trust policy; "
                           "change it with update-assume-role-policy.")
    return arn


class ResourcePolicyOperations(ServiceCore):
    """put-/get-/delete-/list-resource-policies (iamtui's own operations)."""

    def put_resource_policy(self, caller: Principal, resource_arn: str,
                            policy_document: str) -> ResourcePolicy:
        """Store (or replace) the resource-based policy of `resource_arn`; the document is
        checked as AWS checks resource-based policies (a Principal in every statement)."""
        validate_resource_arn(resource_arn)
        if is_iam_or_sts_arn(resource_arn):
            raise InvalidInput(
                f"{resource_arn} is an IAM or STS resource: in AWS, IAM users, groups, "
                "policies and the other IAM and STS resources have no resource-based policy "
                "(only a role's trust policy is one, for sts:AssumeRole), so no policy can be "
                "stored here. Grant IAM actions with identity-based policies instead.")
        validate_policy_document_text(policy_document)
        parse_policy(policy_document, PolicyType.RESOURCE)
        params = {"resourceArn": resource_arn, "policyDocument": policy_document}
        with self._change(caller, "PutResourcePolicy", resource_arn, params) as change:
            stored = ResourcePolicy(resource_arn, policy_document, self.clock())
            RESOURCE_POLICIES.put(change.tx, stored)
        return stored

    def get_resource_policy(self, caller: Principal, resource_arn: str) -> ResourcePolicy:
        """The resource-based policy stored for `resource_arn` (NoSuchEntity if none)."""
        validate_resource_arn(resource_arn)
        view = self._read(caller, "GetResourcePolicy", resource_arn,
                          params={"resourceArn": resource_arn})
        return STORED_POLICY.get(view, resource_arn)

    def delete_resource_policy(self, caller: Principal, resource_arn: str) -> None:
        """Remove the resource-based policy of `resource_arn` (NoSuchEntity if none)."""
        validate_resource_arn(resource_arn)
        with self._change(caller, "DeleteResourcePolicy", resource_arn,
                          {"resourceArn": resource_arn}) as change:
            STORED_POLICY.get(change.tx, resource_arn)
            RESOURCE_POLICIES.delete(change.tx, resource_arn)

    def list_resource_policies(self, caller: Principal, *,
                               arn_prefix: str = "") -> list[ResourcePolicy]:
        """Every stored resource-based policy whose ARN starts with `arn_prefix`, by ARN."""
        view = self._read(caller, "ListResourcePolicies", "*",
                          params={"arnPrefix": arn_prefix or None})
        found = [p for p in RESOURCE_POLICIES.all(view) if p.resource_arn.startswith(arn_prefix)]
        return sorted(found, key=lambda p: p.resource_arn)
