"""IamService resource-based policies (iamtui's own put-/get-/delete-/list-resource-policies).

The documents follow AWS's rules for resource-based policies (IAM User Guide, "IAM JSON
policy elements: Principal": required in resource-based policies), and a stored policy
takes part in evaluation as AWS describes ("Policy evaluation logic": a resource-based
policy can grant access by itself within an account).
"""

from __future__ import annotations

import json
from typing import Any

import hypothesis.strategies as st
import pytest
from helpers import ACCOUNT_ID, CliRunner
from hypothesis import given, settings

from iamtui.errors import (
    AccessDenied,
    InvalidInput,
    MalformedPolicyDocument,
    NoSuchEntity,
    ValidationError,
)
from iamtui.model import ResourcePolicy
from iamtui.service import IamService, Principal
from iamtui.service.resources import validate_resource_arn
from iamtui.service.tables import RESOURCE_POLICIES

BUCKET = "arn:aws:s3:::reports"
QUEUE = f"arn:aws:sqs:eu-west-1:{ACCOUNT_ID}:jobs"


def bucket_policy(principal: str, action: str = "s3:GetObject",
                  resource: str = f"{BUCKET}/*") -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": principal}, "Action": action,
        "Resource": resource}]})


def test_put_get_list_delete(service: IamService, root: Principal) -> None:
    """The four operations, and replacing a stored policy."""
    who = f"arn:aws:iam::{ACCOUNT_ID}:root"
    stored = service.put_resource_policy(root, BUCKET, bucket_policy(who))
    assert service.get_resource_policy(root, BUCKET) == stored
    service.put_resource_policy(root, QUEUE, bucket_policy(who, "sqs:SendMessage", QUEUE))
    service.put_resource_policy(root, BUCKET, bucket_policy(who, "s3:PutObject"))
    assert "s3:PutObject" in service.get_resource_policy(root, BUCKET).policy_document
    assert [p.resource_arn for p in service.list_resource_policies(root)] == [BUCKET, QUEUE]
    assert [p.resource_arn for p in service.list_resource_policies(
        root, arn_prefix="arn:aws:sqs:")] == [QUEUE]
    service.delete_resource_policy(root, BUCKET)
    with pytest.raises(NoSuchEntity, match="No resource-based policy is stored"):
        service.get_resource_policy(root, BUCKET)
    with pytest.raises(NoSuchEntity):
        service.delete_resource_policy(root, BUCKET)


def test_documents_are_checked_as_resource_policies(service: IamService,
                                                    root: Principal) -> None:
    """A resource-based policy needs a Principal (IAM User Guide, Principal element);
    bad ARNs and role ARNs are refused; nothing is stored."""
    no_principal = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "s3:GetObject", "Resource": f"{BUCKET}/*"}]})
    with pytest.raises(MalformedPolicyDocument):
        service.put_resource_policy(root, BUCKET, no_principal)
    with pytest.raises(InvalidInput):
        service.put_resource_policy(root, "bucket-reports", bucket_policy("*"))
    with pytest.raises(InvalidInput, match="trust policy"):
        service.put_resource_policy(root, f"arn:aws:iam::{ACCOUNT_ID}:role/r",
                                    bucket_policy("*"))
    assert RESOURCE_POLICIES.count(service.store.snapshot()) == 0


def test_stored_policy_grants_access_by_itself(service: IamService, root: Principal) -> None:
    """Within one account a resource-based policy that names a user grants access even
    without an identity-based policy (IAM User Guide, "Policy evaluation logic"), but never
    an IAM action: iamtui's own iam:*ResourcePolicy actions are granted by identity-based
    policies alone, like every IAM action (IAM has no resource-based policies but trust
    policies)."""
    alice_user = service.create_user(root, "alice")
    alice = Principal.for_user(alice_user, ACCOUNT_ID)
    grant = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": alice_user.arn},
        "Action": ["s3:GetObject", "iam:GetResourcePolicy"], "Resource": [BUCKET,
                                                                          f"{BUCKET}/*"]}]})
    with pytest.raises(AccessDenied):
        service.put_resource_policy(alice, BUCKET, grant)
    event = service.audit.page(0, 1)[0]
    assert (event["eventName"], event["errorCode"]) == ("PutResourcePolicy", "AccessDenied")
    service.put_resource_policy(root, BUCKET, grant)
    view = service.store.snapshot()
    assert service.evaluate_caller(view, alice, "s3:GetObject", f"{BUCKET}/q3.csv").allowed
    with pytest.raises(AccessDenied, match="iam:GetResourcePolicy"):
        service.get_resource_policy(alice, BUCKET)
    with pytest.raises(AccessDenied, match="iam:DeleteResourcePolicy"):
        service.delete_resource_policy(alice, BUCKET)
    assert service.list_resource_policies(root)


def test_resource_policy_is_used_when_evaluating(service: IamService, root: Principal) -> None:
    """The permission tester's evaluation of a caller reads the stored policy (an explicit
    deny in it wins over an identity-based allow: "Policy evaluation logic")."""
    alice_user = service.create_user(root, "alice")
    alice = Principal.for_user(alice_user, ACCOUNT_ID)
    service.attach_user_policy(root, "alice", "arn:aws:iam::aws:policy/AmazonS3FullAccess")
    view = service.store.snapshot()
    assert service.evaluate_caller(view, alice, "s3:GetObject", f"{BUCKET}/a").allowed
    deny = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": f"{BUCKET}/*"}]})
    service.put_resource_policy(root, f"{BUCKET}/a", deny)
    view = service.store.snapshot()
    assert not service.evaluate_caller(view, alice, "s3:GetObject", f"{BUCKET}/a").allowed


_PART = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12)


@settings(max_examples=200)
@given(service_name=_PART, region=st.sampled_from(["", "eu-west-1", "us-east-1"]),
       account=st.sampled_from(["", ACCOUNT_ID]),
       resource=st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_/.:", min_size=1,
                        max_size=40))
def test_resource_arns_accepted(service_name: str, region: str, account: str,
                                resource: str) -> None:
    """Any well-formed ARN names a resource ("Amazon Resource Names", IAM User Guide), except
    a role's (whose resource-based policy is its trust policy)."""
    arn = f"arn:aws:{service_name}:{region}:{account}:{resource}"
    is_role = service_name == "iam" and resource.split("/")[0].split(":")[0] == "role"
    if is_role or service_name.startswith("-"):  # service names start with a letter or digit
        with pytest.raises(InvalidInput):
            validate_resource_arn(arn)
    else:
        assert validate_resource_arn(arn) == arn


@given(text=st.text(max_size=60))
def test_non_arns_refused(text: str) -> None:
    """Text that is not arn:partition:service:region:account:resource is InvalidInput or
    ValidationError, never accepted and never another exception."""
    try:
        validate_resource_arn(text)
    except (InvalidInput, ValidationError):
        return
    assert text.startswith("arn:") and text.count(":") >= 5


# ------------------------------------------------------------------ IAM has no resource policies

ADMIN_EVERYTHING = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*",'
                    '"Resource":"*"}]}')


def self_grant(who: str, action: str = "iam:PutUserPolicy") -> str:
    """A resource-based policy letting `who` do `action` on anything."""
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": who}, "Action": action, "Resource": "*"}]})


def test_the_reported_attack_put_resource_policy_on_own_user(service: IamService,
                                                             root: Principal) -> None:
    """With only iam:PutResourcePolicy, a user stored a policy on its own ARN allowing
    iam:PutUserPolicy, then gave itself * on *. AWS IAM users, groups and policies have no
    resource-based policy (IAM User Guide, "AWS services that work with IAM": IAM's
    resource-based policies are role trust policies only), so the put is refused
    (InvalidInput, saying why), nothing is stored, and the escalation stays denied."""
    mallory_user = service.create_user(root, "mallory")
    service.put_user_policy(root, "mallory", "only", json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                                                "Action": "iam:PutResourcePolicy",
                                                "Resource": "*"}]}))
    mallory = Principal.for_user(mallory_user, ACCOUNT_ID)
    with pytest.raises(InvalidInput, match=r"IAM or STS resource.*no resource-based policy"):
        service.put_resource_policy(mallory, mallory_user.arn, self_grant(mallory_user.arn))
    assert RESOURCE_POLICIES.count(service.store.snapshot()) == 0
    with pytest.raises(AccessDenied, match="iam:PutUserPolicy"):
        service.put_user_policy(mallory, "mallory", "admin", ADMIN_EVERYTHING)
    assert service.list_user_policies(root, "mallory") == ["only"]


@pytest.mark.parametrize("arn", [
    f"arn:aws:iam::{ACCOUNT_ID}:user/mallory",
    f"arn:aws:iam::{ACCOUNT_ID}:group/admins",
    f"arn:aws:iam::{ACCOUNT_ID}:policy/Admin",
    f"arn:aws:iam::{ACCOUNT_ID}:instance-profile/web",
    f"arn:aws:iam::{ACCOUNT_ID}:mfa/phone",
    f"arn:aws:iam::{ACCOUNT_ID}:root",
    "arn:aws:iam::aws:policy/AdministratorAccess",
    f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/web/session",
    f"arn:aws-cn:iam::{ACCOUNT_ID}:user/mallory",
])
def test_put_resource_policy_refuses_iam_and_sts_arns(service: IamService, root: Principal,
                                                      arn: str) -> None:
    """Even the root user cannot store a resource-based policy on an IAM or STS ARN."""
    with pytest.raises(InvalidInput, match="Grant IAM actions with identity-based policies"):
        service.put_resource_policy(root, arn, self_grant(f"arn:aws:iam::{ACCOUNT_ID}:root"))
    assert RESOURCE_POLICIES.count(service.store.snapshot()) == 0


def test_cli_put_resource_policy_on_a_user_is_an_error(tmp_path: Any, monkeypatch: Any,
                                                       capsys: Any) -> None:
    """The command prints AWS's error line and exits 254 (AWS CLI, "Error handling")."""
    cli = CliRunner(tmp_path, monkeypatch, capsys)
    cli.init()
    arn = f"arn:aws:iam::{ACCOUNT_ID}:user/mallory"
    code, out, err = cli.root("put-resource-policy", "--resource-arn", arn,
                              "--policy-document", self_grant(arn))
    assert (code, out) == (254, "")
    assert err.startswith("An error occurred (InvalidInput) when calling the "
                          f"PutResourcePolicy operation: {arn} is an IAM or STS resource")


def test_policies_stored_on_iam_arns_by_an_older_version_are_ignored(
        service: IamService, root: Principal) -> None:
    """A policy an older iamtui stored on a user's ARN (written here straight into the
    table) grants nothing: not the IAM action it allows, not even on another resource's
    stored policy for an iam: action. It can still be read and deleted, to clean up."""
    mallory_user = service.create_user(root, "mallory")
    mallory = Principal.for_user(mallory_user, ACCOUNT_ID)
    with service.store.transaction() as tx:
        RESOURCE_POLICIES.put(tx, ResourcePolicy(mallory_user.arn,
                                                 self_grant(mallory_user.arn, "*"),
                                                 service.clock()))
        RESOURCE_POLICIES.put(tx, ResourcePolicy(BUCKET, self_grant(mallory_user.arn, "iam:*"),
                                                 service.clock()))
    view = service.store.snapshot()
    for action in ("iam:PutUserPolicy", "iam:CreateAccessKey", "s3:GetObject"):
        assert not service.evaluate_caller(view, mallory, action, mallory_user.arn).allowed
    assert not service.evaluate_caller(view, mallory, "iam:PutResourcePolicy", BUCKET).allowed
    with pytest.raises(AccessDenied, match="iam:PutUserPolicy"):
        service.put_user_policy(mallory, "mallory", "admin", ADMIN_EVERYTHING)
    with pytest.raises(AccessDenied):
        service.get_resource_policy(mallory, BUCKET)
    simulated = service.simulate_principal_policy(root, mallory_user.arn,
                                                  ["iam:PutUserPolicy"], [mallory_user.arn])
    assert [r.decision for r in simulated] == ["implicitDeny"]
    assert service.get_resource_policy(root, mallory_user.arn).resource_arn == mallory_user.arn
    service.delete_resource_policy(root, mallory_user.arn)
    assert RESOURCE_POLICIES.get(service.store.snapshot(), mallory_user.arn) is None


def test_trust_policy_governs_the_sts_actions_of_role_sessions(service: IamService,
                                                               root: Principal) -> None:
    """A role's trust policy is the resource-based policy of sts:AssumeRole and of
    sts:TagSession and sts:SetSourceIdentity with it (IAM User Guide, "Passing session tags
    in AWS STS", "Monitor and control actions taken with assumed roles"), and of nothing
    else: not of an IAM action on the role."""
    alice_user = service.create_user(root, "alice")
    alice = Principal.for_user(alice_user, ACCOUNT_ID)
    role = service.create_role(root, "web", json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": alice_user.arn},
            "Action": ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"]}]}))
    view = service.store.snapshot()
    for action in ("sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"):
        assert service.evaluate_caller(view, alice, action, role.arn).allowed, action
    for action in ("iam:GetRole", "iam:UpdateAssumeRolePolicy", "sts:GetCallerIdentity"):
        assert not service.evaluate_caller(view, alice, action, role.arn).allowed, action
