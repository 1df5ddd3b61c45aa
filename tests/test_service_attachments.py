"""IamService managed policy attachments of users, groups and roles.

Semantics from the IAM API reference (AttachUserPolicy, AttachGroupPolicy,
AttachRolePolicy, DetachUserPolicy, ..., ListAttachedUserPolicies, ...), the IAM User
Guide ("IAM and AWS STS quotas": managed policies per user, group or role) and the
Service Authorization Reference (iam:PolicyARN condition key).
"""

from __future__ import annotations

import json
import re

import pytest
from helpers import ACCOUNT_ID

from iamtui.arn import group_arn, new_unique_id, role_arn
from iamtui.errors import AccessDenied, LimitExceeded, NoSuchEntity, ValidationError
from iamtui.model import Group, Role
from iamtui.service import IamService, Principal
from iamtui.service.tables import ATTACHMENTS, GROUPS, ROLES

ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
READ_ONLY = "arn:aws:iam::aws:policy/IAMReadOnlyAccess"
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
    "Action": "sts:AssumeRole"}]})


def doc(action: str = "s3:GetObject", resource: str = "*") -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": action, "Resource": resource}]})


def make_owner(service: IamService, root: Principal, kind: str, name: str) -> None:
    """A user through the service; a group or role straight into the store, so these tests
    are about attachments only."""
    if kind == "user":
        service.create_user(root, name)
        return
    with service.store.transaction() as tx:
        if kind == "group":
            GROUPS.put(tx, Group(name, new_unique_id("group"), group_arn(ACCOUNT_ID, "/", name),
                                 service.clock()))
        else:
            ROLES.put(tx, Role(name, new_unique_id("role"), role_arn(ACCOUNT_ID, "/", name),
                               service.clock(), TRUST))


KINDS = ["user", "group", "role"]


@pytest.mark.parametrize("kind", KINDS)
def test_attach_list_detach(service: IamService, root: Principal, kind: str) -> None:
    """Attach*Policy / ListAttached*Policies / Detach*Policy for each owner kind, with
    AWS managed and customer managed policies (API reference)."""
    make_owner(service, root, kind, "owner")
    local = service.create_policy(root, "local", doc(), path="/team/").arn
    attach = getattr(service, f"attach_{kind}_policy")
    detach = getattr(service, f"detach_{kind}_policy")
    listed = getattr(service, f"list_attached_{kind}_policies")
    attach(root, "owner", ADMIN)
    attach(root, "OWNER", local)  # names ignore case
    attach(root, "owner", local)  # attaching again is a no-op, as in AWS
    assert [(p.policy_name, p.arn) for p in listed(root, "owner")] == [
        ("AdministratorAccess", ADMIN), ("local", local)]
    assert [p.policy_name for p in listed(root, "owner", path_prefix="/team/")] == ["local"]
    assert service.get_policy(root, local).attachment_count == 1
    detach(root, "owner", ADMIN)
    assert [p.arn for p in listed(root, "owner")] == [local]
    with pytest.raises(NoSuchEntity, match=re.escape(f"Policy {ADMIN} was not found.")):
        detach(root, "owner", ADMIN)
    event = service.audit.page(0, 1)[0]
    assert (event["eventName"], event["errorCode"]) == (
        f"Detach{kind.capitalize()}Policy", "NoSuchEntity")


@pytest.mark.parametrize(("kind", "quota"), [("user", "PoliciesPerUser"),
                                             ("group", "PoliciesPerGroup"),
                                             ("role", "PoliciesPerRole")])
def test_ten_managed_policies_per_owner(service: IamService, root: Principal, kind: str,
                                        quota: str) -> None:
    """IAM and AWS STS quotas: 10 managed policies attached per user, group or role;
    the 11th is LimitExceeded and nothing changes."""
    make_owner(service, root, kind, "owner")
    attach = getattr(service, f"attach_{kind}_policy")
    arns = [service.create_policy(root, f"p{i}", doc()).arn for i in range(11)]
    for arn in arns[:10]:
        attach(root, "owner", arn)
    with pytest.raises(LimitExceeded, match=f"Cannot exceed quota for {quota}: 10"):
        attach(root, "owner", arns[10])
    assert len(ATTACHMENTS.find_by(service.store.snapshot(), "policy", arns[10])) == 0


@pytest.mark.parametrize("kind", KINDS)
def test_missing_owner_or_policy(service: IamService, root: Principal, kind: str) -> None:
    """NoSuchEntity for an unknown owner, and for a policy that does not exist or is not
    attachable (API reference, Attach*Policy errors)."""
    attach = getattr(service, f"attach_{kind}_policy")
    with pytest.raises(NoSuchEntity, match=f"The {kind} with name ghost cannot be found."):
        attach(root, "ghost", ADMIN)
    make_owner(service, root, kind, "owner")
    missing = f"arn:aws:iam::{ACCOUNT_ID}:policy/nothing"
    with pytest.raises(NoSuchEntity, match="does not exist or is not attachable"):
        attach(root, "owner", missing)
    with pytest.raises(NoSuchEntity):
        attach(root, "owner", "arn:aws:iam::aws:policy/NoSuchAwsPolicy")
    with pytest.raises(ValidationError):
        attach(root, "bad name", ADMIN)
    assert ATTACHMENTS.count(service.store.snapshot()) == 0


def test_operator_allowed_by_attached_managed_policy(service: IamService,
                                                     root: Principal) -> None:
    """An operator whose attached managed policy allows an action may do it, and only
    that (IAM User Guide, "Policy evaluation logic"); denials are audited."""
    alice = Principal.for_user(service.create_user(root, "alice"), ACCOUNT_ID)
    service.create_user(root, "bob")
    with pytest.raises(AccessDenied):
        service.list_users(alice)
    service.attach_user_policy(root, "alice", READ_ONLY)
    assert {u.user_name for u in service.list_users(alice)} == {"alice", "bob"}
    with pytest.raises(AccessDenied, match="iam:AttachUserPolicy"):
        service.attach_user_policy(alice, "bob", ADMIN)
    event = service.audit.page(0, 1)[0]
    assert (event["eventName"], event["errorCode"]) == ("AttachUserPolicy", "AccessDenied")
    assert event["userIdentity"]["userName"] == "alice"
    assert service.list_attached_user_policies(root, "bob") == []
    service.detach_user_policy(root, "alice", READ_ONLY)
    with pytest.raises(AccessDenied):
        service.list_users(alice)


def test_policy_arn_condition_limits_what_an_operator_attaches(service: IamService,
                                                               root: Principal) -> None:
    """iam:PolicyARN on AttachUserPolicy (Service Authorization Reference; IAM User Guide
    example "allow attaching only specific managed policies")."""
    grant = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": ["iam:AttachUserPolicy", "iam:DetachUserPolicy"],
        "Resource": "*",
        "Condition": {"ArnEquals": {"iam:PolicyARN": READ_ONLY}}}]})
    alice = Principal.for_user(service.create_user(root, "alice"), ACCOUNT_ID)
    service.create_user(root, "bob")
    service.attach_user_policy(root, "alice", service.create_policy(root, "g", grant).arn)
    service.attach_user_policy(alice, "bob", READ_ONLY)
    with pytest.raises(AccessDenied):
        service.attach_user_policy(alice, "bob", ADMIN)
    assert [p.arn for p in service.list_attached_user_policies(root, "bob")] == [READ_ONLY]


def test_group_attachment_reaches_members(service: IamService, root: Principal) -> None:
    """A user gets the managed policies attached to its groups (IAM User Guide, "IAM user
    groups")."""
    from iamtui.model import GroupMembership
    from iamtui.service.tables import MEMBERSHIPS

    alice = Principal.for_user(service.create_user(root, "alice"), ACCOUNT_ID)
    make_owner(service, root, "group", "readers")
    with service.store.transaction() as tx:
        MEMBERSHIPS.put(tx, GroupMembership("readers", "alice"))
    service.attach_group_policy(root, "readers", READ_ONLY)
    assert service.list_users(alice)
    service.detach_group_policy(root, "readers", READ_ONLY)
    with pytest.raises(AccessDenied):
        service.list_users(alice)
