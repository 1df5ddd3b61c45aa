"""Service-linked roles: roles a service defines, that only the service may change.

Semantics from the IAM User Guide, "Using service-linked roles" (the role's name is
AWSServiceRoleFor<Service>, with `_<suffix>` when the service takes one; its path is
/aws-service-role/<service principal>/; it trusts only the service, carries the
service's permissions, and cannot be edited or deleted but through the service: its trust
policy and permissions are UnmodifiableEntity, its description can be edited) and the IAM
API reference (CreateServiceLinkedRole, DeleteServiceLinkedRole,
GetServiceLinkedRoleDeletionStatus). AWS deletes such a role in a task that first checks
nothing still uses it; here the task runs at once, and fails while an instance profile
holds the role.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

from iamtui.arn import (
    DEFAULT_QUOTAS,
    new_unique_id,
    role_arn,
    validate_description,
    validate_instance_profile_name,
    validate_role_name,
)
from iamtui.errors import InvalidInput, LimitExceeded, NoSuchEntity, ValidationError
from iamtui.model import PolicyAttachment, Role
from iamtui.policy import ContextEntry
from iamtui.service.core import Principal
from iamtui.service.inline import OwnerOperations, owned_dependents
from iamtui.service.owners import (
    OWNERS,
    SERVICE_ROLE_PATH,
    is_service_linked,
    resource_tag_context,
)
from iamtui.service.principals import managed_policy
from iamtui.service.tables import (
    ATTACHMENTS,
    DELETION_TASKS,
    INSTANCE_PROFILES,
    ROLES,
    DeletionTask,
)

# Services whose role iamtui knows: the name after AWSServiceRoleFor and the AWS managed
# policy the service attaches (each as a real account's export shows it; the policies
# ship in iamtui/data/aws_managed_policies.json).
KNOWN_SERVICES: dict[str, tuple[str, str | None]] = {
    "ssm.amazonaws.com": ("AmazonSSM", "AmazonSSMServiceRolePolicy"),
    "config.amazonaws.com": ("Config", "AWSConfigServiceRolePolicy"),
    "organizations.amazonaws.com": ("Organizations", "AWSOrganizationsServiceTrustPolicy"),
    "securityhub.amazonaws.com": ("SecurityHub", "AWSSecurityHubServiceRolePolicy"),
    "sso.amazonaws.com": ("SSO", "AWSSSOServiceRolePolicy"),
    "support.amazonaws.com": ("Support", "AWSSupportServiceRolePolicy"),
    "trustedadvisor.amazonaws.com": ("TrustedAdvisor", "AWSTrustedAdvisorServiceRolePolicy"),
    "elasticloadbalancing.amazonaws.com": ("ElasticLoadBalancing",
                                           "AWSElasticLoadBalancingServiceRolePolicy"),
    "transitgateway.amazonaws.com": ("VPCTransitGateway",
                                     "AWSVPCTransitGatewayServiceRolePolicy"),
    "member.org.stacksets.cloudformation.amazonaws.com": (
        "CloudFormationStackSetsOrgMember", "CloudFormationStackSetsOrgMemberServiceRolePolicy"),
    "autoscaling.amazonaws.com": ("AutoScaling", None),
    "elasticbeanstalk.amazonaws.com": ("ElasticBeanstalk", None),
    "ecs.amazonaws.com": ("ECS", None),
    "rds.amazonaws.com": ("RDS", None),
    "lex.amazonaws.com": ("LexBots", None),  # the AWS CLI reference's example
}
_SERVICE_PRINCIPAL = re.compile(r"[a-z0-9-]+(\.[a-z0-9-]+)*\.amazonaws\.com")


def service_role_name(service: str, custom_suffix: str | None = None) -> str:
    """AWSServiceRoleFor<Service>[_suffix]: a known service's own name, else the service
    principal's first label, capitalized (`lambda.amazonaws.com` -> AWSServiceRoleForLambda)."""
    known = KNOWN_SERVICES.get(service)
    name = known[0] if known else service.split(".", 1)[0].capitalize()
    return f"AWSServiceRoleFor{name}" + (f"_{custom_suffix}" if custom_suffix else "")


def service_trust_policy(service: str) -> str:
    """The trust policy of a service-linked role: only the service may assume it."""
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]},
        separators=(",", ":"))


def _task_role_arn(account_id: str, task_id: str) -> str:
    """The role a DeletionTaskId names: task/aws-service-role/<service>/<role>/<uuid>."""
    parts = task_id.split("/")
    if len(parts) != 5 or parts[0] != "task" or parts[1] != "aws-service-role":
        raise InvalidInput(f"Invalid deletion task id: {task_id}")
    return role_arn(account_id, f"/aws-service-role/{parts[2]}/", parts[3])


@dataclass(frozen=True)
class DeletionStatus:
    """GetServiceLinkedRoleDeletionStatus's answer."""

    status: str  # SUCCEEDED | IN_PROGRESS | FAILED | NOT_STARTED
    reason: str | None = None

    def to_aws(self) -> dict[str, Any]:
        """{"Status", "Reason": {"Reason", "RoleUsageList"}} as AWS's model shapes it."""
        out: dict[str, Any] = {"Status": self.status}
        if self.reason is not None:
            out["Reason"] = {"Reason": self.reason, "RoleUsageList": []}
        return out


class ServiceLinkedRoleOperations(OwnerOperations):
    """create-service-linked-role, delete-service-linked-role and its deletion status."""

    def create_service_linked_role(self, caller: Principal, aws_service_name: str, *,
                                   description: str | None = None,
                                   custom_suffix: str | None = None) -> Role:
        """CreateServiceLinkedRole: the service's role, its trust policy and (when iamtui
        ships it) the service's managed policy attached. Authorized as
        iam:CreateServiceLinkedRole on the new role with iam:AWSServiceName."""
        validate_instance_profile_name(aws_service_name, "aWSServiceName")  # same rule
        if description is not None:
            validate_description(description)
        if custom_suffix is not None:
            validate_role_name(custom_suffix, "customSuffix")  # 1-64 of [\w+=,.@-]
        if not _SERVICE_PRINCIPAL.fullmatch(aws_service_name):
            raise InvalidInput(f"Invalid service name: {aws_service_name}")
        name = service_role_name(aws_service_name, custom_suffix)
        try:
            validate_role_name(name)
        except ValidationError:
            raise InvalidInput(f"The role name {name} is longer than 64 characters: choose a "
                               "shorter suffix.") from None
        path = f"{SERVICE_ROLE_PATH}{aws_service_name}/"
        arn = role_arn(self.account_id, path, name)
        params = {"aWSServiceName": aws_service_name, "description": description,
                  "customSuffix": custom_suffix}
        with self._change(caller, "CreateServiceLinkedRole", arn, params, context=[
                ContextEntry("iam:AWSServiceName", (aws_service_name,))]) as change:
            tx = change.tx
            if ROLES.find_one(tx, "name", name) is not None:
                raise InvalidInput(f"Service role name {name} has been taken in this account, "
                                   "please try a different suffix.")
            if ROLES.count(tx) >= DEFAULT_QUOTAS.roles:
                raise LimitExceeded(f"Cannot exceed quota for RolesPerAccount: "
                                    f"{DEFAULT_QUOTAS.roles}")
            role = Role(name, new_unique_id("role"), arn, self.clock(),
                        service_trust_policy(aws_service_name), path, description)
            ROLES.put(tx, role)
            policy_name = (KNOWN_SERVICES.get(aws_service_name) or ("", None))[1]
            policy_arn = f"arn:aws:iam::aws:policy/aws-service-role/{policy_name}"
            if policy_name and managed_policy(tx, policy_arn) is not None:
                ATTACHMENTS.put(tx, PolicyAttachment(policy_arn, "role", name))
            change.response = {"role": {"roleName": name, "roleId": role.role_id, "arn": arn}}
        return role

    def delete_service_linked_role(self, caller: Principal, role_name: str) -> str:
        """DeleteServiceLinkedRole: start the role's deletion task and return its
        DeletionTaskId. The task removes the role with its policies, or fails (the role
        stays) while an instance profile holds it."""
        validate_role_name(role_name)
        params = {"roleName": role_name}
        role = self._subject(caller, "DeleteServiceLinkedRole", params, OWNERS["role"].get,
                             role_name, read_only=False)
        with self._change(caller, "DeleteServiceLinkedRole", role.arn, params,
                          context=resource_tag_context(role.tags)) as change:
            tx = change.tx
            role = OWNERS["role"].get(tx, role_name)
            if not is_service_linked(role):
                raise InvalidInput(f"Role {role.role_name} is not a service-linked role: "
                                   "delete it with DeleteRole.")
            service = role.path[len(SERVICE_ROLE_PATH):].strip("/")
            task_id = f"task/aws-service-role/{service}/{role.role_name}/{uuid.uuid4()}"
            profiles = INSTANCE_PROFILES.find_by(tx, "role", role.role_name)
            if profiles:
                names = ", ".join(p.instance_profile_name for p in profiles)
                DELETION_TASKS.put(tx, DeletionTask(
                    task_id, role.arn, "FAILED", self.clock(),
                    f"The role is in instance profile {names}: remove it first."))
            else:
                for dependent in owned_dependents(tx, role, "role"):
                    dependent.remove()
                ROLES.delete(tx, role.role_id)
                DELETION_TASKS.put(tx, DeletionTask(task_id, role.arn, "SUCCEEDED",
                                                    self.clock()))
            change.response = {"deletionTaskId": task_id}
        return task_id

    def get_service_linked_role_deletion_status(self, caller: Principal,
                                                deletion_task_id: str) -> DeletionStatus:
        """GetServiceLinkedRoleDeletionStatus, authorized on the role the task names."""
        if not isinstance(deletion_task_id, str) or not 1 <= len(deletion_task_id) <= 1000:
            raise ValidationError("1 validation error detected: Value at 'deletionTaskId' "
                                  "failed to satisfy constraint: Member must have length "
                                  "between 1 and 1000")
        arn = _task_role_arn(self.account_id, deletion_task_id)
        view = self._read(caller, "GetServiceLinkedRoleDeletionStatus", arn,
                          params={"deletionTaskId": deletion_task_id})
        task = DELETION_TASKS.get(view, deletion_task_id)
        if task is None:
            raise NoSuchEntity(f"Deletion task {deletion_task_id} cannot be found.")
        return DeletionStatus(task.status, task.reason)
