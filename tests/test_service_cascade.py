"""`--cascade` is the requests an operator would make by hand, no more: every step of
delete-user, delete-group, delete-role and delete-policy is authorized as its own IAM action
on the ARN the request by hand names (Service Authorization Reference for IAM: DeleteAccessKey,
DeactivateMFADevice, ... act on the user; RemoveUserFromGroup on the group;
RemoveRoleFromInstanceProfile on the instance profile), a refused step stops the cascade
before anything is removed, and each step is audited as its own CloudTrail-shaped event.

- IAM User Guide, "Deleting an IAM user" (what has to go first, and the API calls doing it):
  https://docs.aws.amazon.com/IAM/latest/UserGuide/id_users_remove.html
- Service Authorization Reference, IAM's actions and their resource types:
  https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from helpers import ACCOUNT_ID, CliRunner, FakeClock

from iamtui.errors import AccessDenied
from iamtui.model import InstanceProfile
from iamtui.security import mfa
from iamtui.service import IamService, Principal
from iamtui.service.tables import (
    ACCESS_KEYS,
    ATTACHMENTS,
    GROUPS,
    INLINE_POLICIES,
    INSTANCE_PROFILES,
    LOGIN_PROFILES,
    MEMBERSHIPS,
    MFA_DEVICES,
    POLICIES,
    POLICY_VERSIONS,
    ROLES,
    USERS,
)

USER_STEPS = ("DeleteLoginProfile", "DeleteAccessKey", "DeactivateMFADevice",
              "DeleteUserPolicy", "DetachUserPolicy", "RemoveUserFromGroup")
ALLOW_S3 = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*",'
            '"Resource":"*"}]}')
TRUST = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":'
         '{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}')
SERIAL = f"arn:aws:iam::{ACCOUNT_ID}:mfa/victim-phone"


def policy(allow: tuple[str, ...], deny: tuple[str, ...] = ()) -> str:
    """Allow `allow` and deny `deny` (IAM action names) on every resource."""
    statements = [{"Effect": "Allow", "Action": [f"iam:{a}" for a in allow], "Resource": "*"}]
    if deny:
        statements.append({"Effect": "Deny", "Action": [f"iam:{a}" for a in deny],
                           "Resource": "*"})
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def operator(service: IamService, root: Principal, name: str, document: str) -> Principal:
    """An IAM user acting with one inline policy."""
    user = service.create_user(root, name)
    service.put_user_policy(root, name, "ops", document)
    return Principal.for_user(user, ACCOUNT_ID)


def victim(service: IamService, root: Principal, now: datetime) -> dict[str, Any]:
    """A user with everything DeleteUser refuses to delete over: a password, an access key,
    an enabled MFA device, an inline policy, an attached policy, a group."""
    service.create_user(root, "victim")
    service.create_login_profile(root, "victim", "Correct-Horse-Battery-9")
    key = service.create_access_key(root, "victim").key.access_key_id
    seed = service.create_virtual_mfa_device(root, "victim-phone").base32_seed
    step = mfa.time_step(now)
    service.enable_mfa_device(root, "victim", SERIAL, mfa.code_at(seed, step - 1),
                              mfa.code_at(seed, step))
    service.put_user_policy(root, "victim", "s3", ALLOW_S3)
    arn = service.create_policy(root, "S3All", ALLOW_S3).arn
    service.attach_user_policy(root, "victim", arn)
    group = service.create_group(root, "devs")
    service.add_user_to_group(root, "devs", "victim")
    return {"key": key, "policy": arn, "group": group.arn}


def victim_state(service: IamService) -> tuple[Any, ...]:
    """Everything hanging on the victim, to compare before and after."""
    view = service.store.snapshot()
    device = MFA_DEVICES.get(view, SERIAL)
    return (USERS.find_one(view, "name", "victim") is not None,
            LOGIN_PROFILES.get(view, "victim") is not None,
            [k.access_key_id for k in ACCESS_KEYS.find_by(view, "user", "victim")],
            device.user_name if device else None,
            [p.policy_name for p in INLINE_POLICIES.find_by(view, "owner", "victim")],
            [a.policy_arn for a in ATTACHMENTS.find_by(view, "owner", "victim")],
            [m.group_name for m in MEMBERSHIPS.find_by(view, "user", "victim")])


def events_since(service: IamService, count: int) -> list[dict[str, Any]]:
    """The audit events appended after the log held `count`, oldest first."""
    return service.audit.page(count, 1000, newest_first=False)


def names(events: list[dict[str, Any]]) -> list[tuple[str, str | None]]:
    return [(e["eventName"], e.get("errorCode")) for e in events]


# ---------------------------------------------------------------------------- delete-user


def test_cli_cascade_refused_step_removes_nothing(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """The reported attack, by the CLI: allowed only iam:DeleteUser and denied every step,
    `delete-user --user-name victim --cascade` is refused (254, AccessDenied) and the
    victim keeps its password, key, MFA device, policies and group; the refused step and
    the refused DeleteUser are both audited."""
    cli = CliRunner(tmp_path, monkeypatch, capsys)
    cli.init()
    service = IamService.open(cli.db, keys_dir=cli.config / "keys")
    try:
        root = service.root_principal()
        victim(service, root, datetime.now(UTC))
        operator(service, root, "mallory", policy(("DeleteUser",), USER_STEPS))
        key = service.create_access_key(root, "mallory")
        before, logged = victim_state(service), service.audit.count()
    finally:
        service.close()
    monkeypatch.setenv("IAMTUI_ACCESS_KEY_ID", key.key.access_key_id)
    monkeypatch.setenv("IAMTUI_SECRET_ACCESS_KEY", key.secret_access_key)
    code, out, err = cli.run("delete-user", "--user-name", "victim", "--cascade")
    assert (code, out) == (254, "")
    assert err.startswith("An error occurred (AccessDenied) when calling the DeleteUser "
                          "operation: User: arn:aws:iam::111122223333:user/mallory is not "
                          "authorized to perform: iam:DeleteLoginProfile on resource: "
                          "arn:aws:iam::111122223333:user/victim with an explicit deny")
    service = IamService.open(cli.db, keys_dir=cli.config / "keys")
    try:
        assert victim_state(service) == before
        events = events_since(service, logged)
        assert names(events) == [("DeleteLoginProfile", "AccessDenied"),
                                 ("DeleteUser", "AccessDenied")]
        assert events[0]["requestParameters"] == {"userName": "victim"}
        assert {e["userIdentity"]["userName"] for e in events} == {"mallory"}
    finally:
        service.close()


@pytest.mark.parametrize("denied", USER_STEPS)
def test_each_user_step_is_authorized(service: IamService, root: Principal, clock: FakeClock,
                                      denied: str) -> None:
    """Denying any one of the steps refuses the whole cascade: nothing is removed, even
    the steps before the denied one (they are all authorized first)."""
    victim(service, root, clock())
    mallory = operator(service, root, "mallory", policy(("DeleteUser", *USER_STEPS),
                                                        (denied,)))
    before, logged = victim_state(service), service.audit.count()
    with pytest.raises(AccessDenied, match=f"iam:{denied} on resource"):
        service.delete_user(mallory, "victim", cascade=True)
    assert victim_state(service) == before
    assert names(events_since(service, logged)) == [(denied, "AccessDenied"),
                                                    ("DeleteUser", "AccessDenied")]


def test_allowed_user_cascade_audits_every_step(service: IamService, root: Principal,
                                                clock: FakeClock) -> None:
    """Allowed, the cascade removes everything and leaves the trail a person doing it by
    hand would: one event per request, with its parameters, then DeleteUser."""
    made = victim(service, root, clock())
    mallory = operator(service, root, "mallory", policy(("DeleteUser", *USER_STEPS)))
    logged = service.audit.count()
    service.delete_user(mallory, "victim", cascade=True)
    assert victim_state(service) == (False, False, [], None, [], [], [])
    events = events_since(service, logged)
    assert [(e["eventName"], e["requestParameters"]) for e in events] == [
        ("DeleteLoginProfile", {"userName": "victim"}),
        ("DeleteAccessKey", {"userName": "victim", "accessKeyId": made["key"]}),
        ("DeactivateMFADevice", {"userName": "victim", "serialNumber": SERIAL}),
        ("DeleteUserPolicy", {"userName": "victim", "policyName": "s3"}),
        ("DetachUserPolicy", {"userName": "victim", "policyArn": made["policy"]}),
        ("RemoveUserFromGroup", {"groupName": "devs", "userName": "victim"}),
        ("DeleteUser", {"userName": "victim", "cascade": True}),
    ]
    assert all("errorCode" not in e for e in events)
    assert {e["userIdentity"]["userName"] for e in events} == {"mallory"}
    assert service.audit.verify().ok


def test_user_steps_use_the_manual_requests_resource_and_context(
        service: IamService, root: Principal, clock: FakeClock) -> None:
    """RemoveUserFromGroup is authorized on the group (as by hand), DetachUserPolicy with
    iam:PolicyARN: a policy scoped that way allows the cascade, and one that denies
    detaching this policy refuses it."""
    made = victim(service, root, clock())
    user_arn = f"arn:aws:iam::{ACCOUNT_ID}:user/victim"
    scoped = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": [f"iam:{a}" for a in USER_STEPS[:-1]] + ["iam:DeleteUser"],
         "Resource": user_arn},
        {"Effect": "Allow", "Action": "iam:RemoveUserFromGroup", "Resource": made["group"]}]}
    mallory = operator(service, root, "mallory", json.dumps(scoped))
    scoped["Statement"].append({"Effect": "Deny", "Action": "iam:DetachUserPolicy",
                                "Resource": "*", "Condition": {"ArnEquals": {
                                    "iam:PolicyARN": made["policy"]}}})
    service.put_user_policy(root, "mallory", "ops", json.dumps(scoped))
    before = victim_state(service)
    with pytest.raises(AccessDenied, match="iam:DetachUserPolicy"):
        service.delete_user(mallory, "victim", cascade=True)
    assert victim_state(service) == before
    scoped["Statement"].pop()
    service.put_user_policy(root, "mallory", "ops", json.dumps(scoped))
    service.delete_user(mallory, "victim", cascade=True)
    assert victim_state(service)[0] is False


def test_deleting_oneself_needs_mfa_to_deactivate_ones_own_device(
        service: IamService, root: Principal, clock: FakeClock) -> None:
    """DeactivateMFADevice on one's own device needs a session with MFA when one has MFA
    (IAM User Guide, "Assign MFA devices in the AWS CLI or AWS API"); the cascade of a
    user deleting itself asks the same."""
    victim(service, root, clock())
    service.put_user_policy(root, "victim", "ops", policy(("DeleteUser", *USER_STEPS)))
    user = USERS.find_one(service.store.snapshot(), "name", "victim")
    before = victim_state(service)
    with pytest.raises(AccessDenied, match=r"iam:DeactivateMFADevice.*MFA device"):
        service.delete_user(Principal.for_user(user, ACCOUNT_ID), "victim", cascade=True)
    assert victim_state(service) == before
    with_mfa = Principal.for_user(user, ACCOUNT_ID, mfa_at=clock())
    service.delete_user(with_mfa, "victim", cascade=True)
    assert victim_state(service)[0] is False


# ---------------------------------------------------------------------------- groups, roles


def test_group_cascade_authorizes_and_audits_each_step(service: IamService,
                                                       root: Principal) -> None:
    """delete-group --cascade: RemoveUserFromGroup per member, DeleteGroupPolicy per inline
    policy, DetachGroupPolicy per managed policy; one refused step changes nothing."""
    service.create_group(root, "devs")
    for name in ("bob", "carol"):
        service.create_user(root, name)
        service.add_user_to_group(root, "devs", name)
    service.put_group_policy(root, "devs", "s3", ALLOW_S3)
    arn = service.create_policy(root, "S3All", ALLOW_S3).arn
    service.attach_group_policy(root, "devs", arn)
    steps = ("RemoveUserFromGroup", "DeleteGroupPolicy", "DetachGroupPolicy")
    mallory = operator(service, root, "mallory", policy(("DeleteGroup", *steps),
                                                        ("DetachGroupPolicy",)))
    logged = service.audit.count()
    with pytest.raises(AccessDenied, match="iam:DetachGroupPolicy"):
        service.delete_group(mallory, "devs", cascade=True)
    view = service.store.snapshot()
    assert len(MEMBERSHIPS.find_by(view, "group", "devs")) == 2
    assert service.list_group_policies(root, "devs") == ["s3"]
    assert ATTACHMENTS.find_by(view, "policy", arn)
    assert names(events_since(service, logged)) == [("DetachGroupPolicy", "AccessDenied"),
                                                    ("DeleteGroup", "AccessDenied")]
    service.put_user_policy(root, "mallory", "ops", policy(("DeleteGroup", *steps)))
    logged = service.audit.count()
    service.delete_group(mallory, "devs", cascade=True)
    assert GROUPS.count(service.store.snapshot()) == 0
    assert [(e["eventName"], e["requestParameters"]) for e in events_since(service, logged)] == [
        ("RemoveUserFromGroup", {"groupName": "devs", "userName": "bob"}),
        ("RemoveUserFromGroup", {"groupName": "devs", "userName": "carol"}),
        ("DeleteGroupPolicy", {"groupName": "devs", "policyName": "s3"}),
        ("DetachGroupPolicy", {"groupName": "devs", "policyArn": arn}),
        ("DeleteGroup", {"groupName": "devs", "cascade": True}),
    ]


def test_role_cascade_authorizes_and_audits_each_step(service: IamService,
                                                      root: Principal) -> None:
    """delete-role --cascade: DeleteRolePolicy, DetachRolePolicy, and
    RemoveRoleFromInstanceProfile on the instance profile's ARN."""
    service.create_role(root, "web", TRUST)
    service.put_role_policy(root, "web", "s3", ALLOW_S3)
    arn = service.create_policy(root, "S3All", ALLOW_S3).arn
    service.attach_role_policy(root, "web", arn)
    profile_arn = f"arn:aws:iam::{ACCOUNT_ID}:instance-profile/web-profile"
    with service.store.transaction() as tx:
        INSTANCE_PROFILES.put(tx, InstanceProfile("web-profile", "AIPAEXAMPLE1234567890",
                                                  profile_arn, service.clock(),
                                                  role_names=("web",)))
    steps = ("DeleteRolePolicy", "DetachRolePolicy", "RemoveRoleFromInstanceProfile")
    mallory = operator(service, root, "mallory", policy(("DeleteRole", *steps),
                                                        ("RemoveRoleFromInstanceProfile",)))
    logged = service.audit.count()
    with pytest.raises(AccessDenied, match=f"RemoveRoleFromInstanceProfile on resource: "
                                           f"{profile_arn}"):
        service.delete_role(mallory, "web", cascade=True)
    view = service.store.snapshot()
    assert ROLES.find_one(view, "name", "web") is not None
    assert service.list_role_policies(root, "web") == ["s3"]
    assert ATTACHMENTS.find_by(view, "policy", arn)
    assert INSTANCE_PROFILES.all(view)[0].role_names == ("web",)
    assert names(events_since(service, logged)) == [
        ("RemoveRoleFromInstanceProfile", "AccessDenied"), ("DeleteRole", "AccessDenied")]
    service.put_user_policy(root, "mallory", "ops", policy(("DeleteRole", *steps)))
    logged = service.audit.count()
    service.delete_role(mallory, "web", cascade=True)
    assert ROLES.count(service.store.snapshot()) == 0
    assert [(e["eventName"], e["requestParameters"]) for e in events_since(service, logged)] == [
        ("DeleteRolePolicy", {"roleName": "web", "policyName": "s3"}),
        ("DetachRolePolicy", {"roleName": "web", "policyArn": arn}),
        ("RemoveRoleFromInstanceProfile", {"instanceProfileName": "web-profile",
                                           "roleName": "web"}),
        ("DeleteRole", {"roleName": "web", "cascade": True}),
    ]


# ---------------------------------------------------------------------------- delete-policy


def test_policy_cascade_authorizes_all_steps_first_and_audits_each(service: IamService,
                                                                    root: Principal) -> None:
    """delete-policy --cascade: Detach{User,Group,Role}Policy per use,
    Delete{User,Role}PermissionsBoundary per boundary, DeletePolicyVersion per version
    besides the default. A refused last step leaves every earlier one undone."""
    arn = service.create_policy(root, "S3All", ALLOW_S3).arn
    service.create_policy_version(root, arn, ALLOW_S3, set_as_default=True)
    service.create_user(root, "bob")
    service.attach_user_policy(root, "bob", arn)
    service.create_group(root, "devs")
    service.attach_group_policy(root, "devs", arn)
    service.create_role(root, "web", TRUST, permissions_boundary=arn)
    steps = ("DetachUserPolicy", "DetachGroupPolicy", "DeleteRolePermissionsBoundary",
             "DeletePolicyVersion")
    mallory = operator(service, root, "mallory", policy(("DeletePolicy", *steps),
                                                        ("DeletePolicyVersion",)))
    logged = service.audit.count()
    with pytest.raises(AccessDenied, match="iam:DeletePolicyVersion"):
        service.delete_policy(mallory, arn, cascade=True)
    view = service.store.snapshot()
    assert len(ATTACHMENTS.find_by(view, "policy", arn)) == 2
    assert ROLES.find_one(view, "name", "web").permissions_boundary == arn
    assert len(POLICY_VERSIONS.find_by(view, "policy", arn)) == 2
    assert names(events_since(service, logged)) == [("DeletePolicyVersion", "AccessDenied"),
                                                    ("DeletePolicy", "AccessDenied")]
    service.put_user_policy(root, "mallory", "ops", policy(("DeletePolicy", *steps)))
    logged = service.audit.count()
    service.delete_policy(mallory, arn, cascade=True)
    assert POLICIES.get(service.store.snapshot(), arn) is None
    assert [(e["eventName"], e["requestParameters"]) for e in events_since(service, logged)] == [
        ("DetachUserPolicy", {"userName": "bob", "policyArn": arn}),
        ("DetachGroupPolicy", {"groupName": "devs", "policyArn": arn}),
        ("DeleteRolePermissionsBoundary", {"roleName": "web"}),
        ("DeletePolicyVersion", {"policyArn": arn, "versionId": "v1"}),
        ("DeletePolicy", {"policyArn": arn, "cascade": True}),
    ]
