"""Instance profiles: create, get, list, delete, add and remove a role, the tags, and
list-instance-profiles-for-role; authorized on the profile's ARN and audited.

Semantics from the IAM User Guide, "Use instance profiles" (a profile holds one role, a
quota that cannot be raised; a role still in a profile cannot be deleted) and "IAM and AWS
STS quotas" (1,000 instance profiles per account); the IAM API reference's
CreateInstanceProfile, GetInstanceProfile, ListInstanceProfiles, DeleteInstanceProfile,
AddRoleToInstanceProfile, RemoveRoleFromInstanceProfile, ListInstanceProfilesForRole and
Tag/Untag/ListInstanceProfileTags pages; output shapes from AWS's API model (botocore).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from aws_model import output_errors
from helpers import ACCOUNT_ID

from iamtui.errors import (
    AccessDenied,
    DeleteConflict,
    EntityAlreadyExists,
    LimitExceeded,
    NoSuchEntity,
    ValidationError,
)
from iamtui.model import Tag
from iamtui.service import IamService, Principal
from iamtui.service.tables import INSTANCE_PROFILES, ROLES

TRUST = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":'
         '{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}')


def operator(service: IamService, root: Principal, statements: list[dict]) -> Principal:
    """An IAM user acting with one inline policy of `statements`."""
    user = service.create_user(root, "alice")
    service.put_user_policy(root, "alice", "ops", json.dumps(
        {"Version": "2012-10-17", "Statement": statements}))
    return Principal.for_user(user, ACCOUNT_ID)


def test_create_get_list(service: IamService, root: Principal) -> None:
    """CreateInstanceProfile makes an empty profile with an AIPA ID and an
    `instance-profile/PATH/NAME` ARN ("IAM identifiers"); names ignore case."""
    made = service.create_instance_profile(root, "Web", path="/app/", tags=[Tag("t", "1")])
    assert made.arn == f"arn:aws:iam::{ACCOUNT_ID}:instance-profile/app/Web"
    assert made.instance_profile_id.startswith("AIPA") and len(made.instance_profile_id) == 21
    got = service.get_instance_profile(root, "web")
    assert got.profile == made and got.roles == ()
    service.create_instance_profile(root, "batch")
    assert [p.profile.instance_profile_name for p in service.list_instance_profiles(root)] \
        == ["batch", "Web"]
    assert [p.profile.instance_profile_name
            for p in service.list_instance_profiles(root, path_prefix="/app/")] == ["Web"]
    with pytest.raises(EntityAlreadyExists, match="Instance Profile WEB already exists"):
        service.create_instance_profile(root, "WEB")
    with pytest.raises(NoSuchEntity, match="Instance Profile nope cannot be found"):
        service.get_instance_profile(root, "nope")


@pytest.mark.parametrize("name", ["", "bad name", "x" * 129])
def test_names_follow_awss_rule(service: IamService, root: Principal, name: str) -> None:
    """InstanceProfileName: 1-128 characters of [\\w+=,.@-] (API reference)."""
    with pytest.raises(ValidationError, match="instanceProfileName"):
        service.create_instance_profile(root, name)


def test_one_role_per_profile(service: IamService, root: Principal) -> None:
    """"An instance profile can contain only one IAM role" ("Use instance profiles"):
    LimitExceeded naming AWS's quota, InstanceSessionsPerInstanceProfile."""
    service.create_role(root, "a", TRUST)
    service.create_role(root, "b", TRUST)
    service.create_instance_profile(root, "web")
    service.add_role_to_instance_profile(root, "web", "A")
    with pytest.raises(LimitExceeded, match="InstanceSessionsPerInstanceProfile: 1"):
        service.add_role_to_instance_profile(root, "web", "b")
    with pytest.raises(NoSuchEntity, match="role with name ghost"):
        service.add_role_to_instance_profile(root, "web", "ghost")
    assert [r.role_name for r in service.get_instance_profile(root, "web").roles] == ["a"]
    assert [p.profile.instance_profile_name
            for p in service.list_instance_profiles_for_role(root, "a")] == ["web"]
    assert service.list_instance_profiles_for_role(root, "b") == []
    with pytest.raises(NoSuchEntity):
        service.remove_role_from_instance_profile(root, "web", "b")
    service.remove_role_from_instance_profile(root, "web", "a")
    assert service.get_instance_profile(root, "web").roles == ()


def test_profile_quota(service: IamService, root: Principal) -> None:
    """1,000 instance profiles per account ("IAM and AWS STS quotas")."""
    made = service.create_instance_profile(root, "p0")
    with service.store.transaction() as tx:
        for i in range(1, 1000):
            INSTANCE_PROFILES.put(tx, replace(made, instance_profile_name=f"p{i}",
                                              instance_profile_id=f"AIPA{i:017d}"))
    with pytest.raises(LimitExceeded, match="InstanceProfilesPerAccount: 1000"):
        service.create_instance_profile(root, "one-too-many")


def test_delete_conflicts_while_a_role_is_in(service: IamService, root: Principal) -> None:
    """DeleteInstanceProfile and DeleteRole both refuse while the role is in the profile
    (DeleteConflict, "must remove roles from instance profile first"); --cascade removes it
    first, audited as RemoveRoleFromInstanceProfile."""
    service.create_role(root, "ec2", TRUST)
    service.create_instance_profile(root, "web")
    service.add_role_to_instance_profile(root, "web", "ec2")
    for delete in (lambda: service.delete_instance_profile(root, "web"),
                   lambda: service.delete_role(root, "ec2")):
        with pytest.raises(DeleteConflict, match="must remove roles from instance profile"):
            delete()
    service.delete_instance_profile(root, "web", cascade=True)
    events = [e["eventName"] for e in service.audit.page(0, 2)][::-1]
    assert events == ["RemoveRoleFromInstanceProfile", "DeleteInstanceProfile"]
    assert INSTANCE_PROFILES.count(service.store.snapshot()) == 0
    service.delete_role(root, "ec2")
    assert ROLES.count(service.store.snapshot()) == 0


def test_tags(service: IamService, root: Principal) -> None:
    """TagInstanceProfile overwrites a key given again (keys ignore case), at most 50 tags;
    UntagInstanceProfile removes by key."""
    service.create_instance_profile(root, "web", tags=[Tag("Team", "red")])
    service.tag_instance_profile(root, "web", [Tag("team", "blue"), Tag("env", "prod")])
    assert service.list_instance_profile_tags(root, "web") == (Tag("team", "blue"),
                                                                Tag("env", "prod"))
    service.untag_instance_profile(root, "web", ["ENV"])
    assert service.list_instance_profile_tags(root, "web") == (Tag("team", "blue"),)
    with pytest.raises(LimitExceeded, match="maximum limit of 50"):
        service.tag_instance_profile(root, "web", [Tag(f"k{i}", "") for i in range(50)])


def test_authorized_on_the_profile_arn_and_audited(service: IamService,
                                                   root: Principal) -> None:
    """Each operation is its IAM action on the instance profile's ARN (Service
    Authorization Reference: instance-profile resource, aws:ResourceTag); adding a role
    also asks for iam:PassRole on the role (see test_adding_a_role_needs_pass_role)."""
    service.create_role(root, "ec2", TRUST)
    service.create_instance_profile(root, "web", path="/app/", tags=[Tag("team", "red")])
    service.create_instance_profile(root, "other")
    alice = operator(service, root, [
        {"Effect": "Allow", "Action": ["iam:GetInstanceProfile",
                                       "iam:AddRoleToInstanceProfile"],
         "Resource": f"arn:aws:iam::{ACCOUNT_ID}:instance-profile/app/*",
         "Condition": {"StringEquals": {"aws:ResourceTag/team": "red"}}},
        {"Effect": "Allow", "Action": "iam:PassRole",
         "Resource": f"arn:aws:iam::{ACCOUNT_ID}:role/ec2"}])
    service.add_role_to_instance_profile(alice, "web", "ec2")
    assert service.get_instance_profile(alice, "web").roles[0].role_name == "ec2"
    with pytest.raises(AccessDenied, match="iam:GetInstanceProfile on resource: "
                       f"arn:aws:iam::{ACCOUNT_ID}:instance-profile/other"):
        service.get_instance_profile(alice, "other")
    with pytest.raises(AccessDenied, match="iam:DeleteInstanceProfile"):
        service.delete_instance_profile(alice, "web", cascade=True)
    last = service.audit.page(0, 1)[0]
    assert (last["eventName"], last["errorCode"]) == ("DeleteInstanceProfile", "AccessDenied")
    assert service.get_instance_profile(root, "web").roles  # nothing changed


def test_adding_a_role_needs_pass_role(service: IamService, root: Principal) -> None:
    """AddRoleToInstanceProfile: "The caller of this operation must be granted the PassRole
    permission on the IAM role by a permissions policy" (IAM API Reference,
    AddRoleToInstanceProfile), with iam:AssociatedResourceArn
    arn:aws:ec2:*:ACCOUNT:instance/*. Without it, a user allowed only to edit profiles
    could put any role, an administrator's included, into a profile an instance uses."""
    service.create_role(root, "admin", TRUST)
    service.create_role(root, "app", TRUST)
    service.create_instance_profile(root, "web")
    alice = operator(service, root, [
        {"Effect": "Allow", "Action": "iam:AddRoleToInstanceProfile", "Resource": "*"},
        {"Effect": "Allow", "Action": "iam:PassRole",
         "Resource": f"arn:aws:iam::{ACCOUNT_ID}:role/app",
         "Condition": {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"},
                       "ArnLike": {"iam:AssociatedResourceArn":
                                   f"arn:aws:ec2:*:{ACCOUNT_ID}:instance/*"}}}])
    with pytest.raises(AccessDenied, match="iam:PassRole on resource: "
                       f"arn:aws:iam::{ACCOUNT_ID}:role/admin"):
        service.add_role_to_instance_profile(alice, "web", "admin")
    last = service.audit.page(0, 1)[0]
    assert (last["eventName"], last["errorCode"]) == ("AddRoleToInstanceProfile",
                                                      "AccessDenied")
    assert service.get_instance_profile(root, "web").roles == ()  # nothing changed
    # a role that does not exist is refused the same way: PassRole comes first
    with pytest.raises(AccessDenied, match="iam:PassRole on resource: "
                       f"arn:aws:iam::{ACCOUNT_ID}:role/ghost"):
        service.add_role_to_instance_profile(alice, "web", "ghost")
    service.add_role_to_instance_profile(alice, "web", "app")
    assert service.get_instance_profile(root, "web").roles[0].role_name == "app"


def test_cli_answers_validate_against_awss_model(cli_run) -> None:
    """Every instance profile command answers in the output shape of AWS's API model, and
    `wait instance-profile-exists` polls GetInstanceProfile (waiters-2.json)."""
    cli_run.as_root("create-role", "--role-name", "ec2", "--assume-role-policy-document", TRUST)
    answers = {
        "CreateInstanceProfile": cli_run.as_root(
            "create-instance-profile", "--instance-profile-name", "web", "--path", "/app/",
            "--tags", "Key=team,Value=red"),
        "AddRoleToInstanceProfile": cli_run.as_root(
            "add-role-to-instance-profile", "--instance-profile-name", "web",
            "--role-name", "ec2"),
        "GetInstanceProfile": cli_run.as_root("get-instance-profile",
                                              "--instance-profile-name", "web"),
        "ListInstanceProfiles": cli_run.as_root("list-instance-profiles",
                                                "--path-prefix", "/app/"),
        "ListInstanceProfilesForRole": cli_run.as_root("list-instance-profiles-for-role",
                                                       "--role-name", "ec2"),
        "ListInstanceProfileTags": cli_run.as_root("list-instance-profile-tags",
                                                   "--instance-profile-name", "web"),
        "TagInstanceProfile": cli_run.as_root("tag-instance-profile",
                                              "--instance-profile-name", "web",
                                              "--tags", "Key=env,Value=prod"),
        "UntagInstanceProfile": cli_run.as_root("untag-instance-profile",
                                                "--instance-profile-name", "web",
                                                "--tag-keys", "env"),
    }
    for operation, answer in answers.items():
        assert output_errors(operation, answer) == "", operation
    assert answers["GetInstanceProfile"]["InstanceProfile"]["Roles"][0]["RoleName"] == "ec2"
    assert cli_run.as_root("wait", "instance-profile-exists",
                           "--instance-profile-name", "web") == {}
    code, _, err = cli_run.root("delete-role", "--role-name", "ec2")
    assert code == 254 and "(DeleteConflict) when calling the DeleteRole operation" in err
    cli_run.as_root("remove-role-from-instance-profile", "--instance-profile-name", "web",
                    "--role-name", "ec2")
    cli_run.as_root("delete-instance-profile", "--instance-profile-name", "web")
    code, _, err = cli_run.root("get-instance-profile", "--instance-profile-name", "web")
    assert code == 254 and "(NoSuchEntity)" in err


def test_wait_for_a_missing_profile_gives_up_after_40_attempts(cli_run, monkeypatch) -> None:
    """instance-profile-exists: every second, 40 times, retried while 404 (waiters-2.json)."""
    from iamtui.commands import waiters

    slept: list[float] = []
    monkeypatch.setattr(waiters, "sleep", slept.append)
    code, _, err = cli_run.root("wait", "instance-profile-exists",
                                "--instance-profile-name", "nope")
    assert code == 255 and "Waiter InstanceProfileExists failed: Max attempts exceeded" in err
    assert slept == [1] * 39


EXPORT = Path("/work/shared/data/authz-details-cloudsplaining-example.json")


@pytest.mark.skipif(not EXPORT.exists(), reason=f"the cloudsplaining export is not at {EXPORT}")
def test_a_real_exports_instance_profiles_import_and_export(tmp_path: Path, clock) -> None:
    """A real `get-account-authorization-details` export (RoleDetailList[].
    InstanceProfileList) imports its profiles with their IDs, and they then behave as
    profiles made here: listed for their role, exported again, and holding the role
    against DeleteRole."""
    from helpers import ROOT_PASSWORD

    data = json.loads(EXPORT.read_text(encoding="utf-8"))
    service = IamService.initialize(tmp_path / "iamtui.json", root_password=ROOT_PASSWORD,
                                    account_id="200611803367", clock=clock,
                                    keys_dir=tmp_path / "keys")
    try:
        root = service.root_principal()
        service.import_account_authorization_details(root, data,
                                                     map_accounts=["012345678901"])
        theirs = {p["InstanceProfileId"]: (r["RoleName"], p["InstanceProfileName"])
                  for r in data["RoleDetailList"] for p in r["InstanceProfileList"]}
        assert len(theirs) == 2
        mine = {p.profile.instance_profile_id: (p.roles[0].role_name,
                                                p.profile.instance_profile_name)
                for p in service.list_instance_profiles(root)}
        assert mine == theirs
        for role_name, profile_name in theirs.values():
            found = service.list_instance_profiles_for_role(root, role_name)
            assert [p.profile.instance_profile_name for p in found] == [profile_name]
            with pytest.raises(DeleteConflict):
                service.delete_role(root, role_name, cascade=False)
        exported = service.get_account_authorization_details(root)
        again = {p["InstanceProfileId"] for r in exported["RoleDetailList"]
                 for p in r["InstanceProfileList"]}
        assert again == set(theirs)
    finally:
        service.close()


def test_completion_offers_instance_profile_names(cli_run, monkeypatch) -> None:
    """`--instance-profile-name` completes the names the caller may list, as
    `--role-name` does (iamtui's shell completion)."""
    from iamtui.cli import main

    for name in ("web", "batch"):
        cli_run.as_root("create-instance-profile", "--instance-profile-name", name)
    cli_run.as_root("create-user", "--user-name", "alice")
    cli_run.as_root("attach-user-policy", "--user-name", "alice", "--policy-arn",
                    "arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    key = cli_run.as_root("create-access-key", "--user-name", "alice")["AccessKey"]
    monkeypatch.setenv("IAMTUI_ACCESS_KEY_ID", key["AccessKeyId"])
    monkeypatch.setenv("IAMTUI_SECRET_ACCESS_KEY", key["SecretAccessKey"])
    cli_run.capsys.readouterr()
    assert main(["__complete", "get-instance-profile", "--db", str(cli_run.db),
                 "--instance-profile-name", ""]) == 0
    assert cli_run.capsys.readouterr().out.split() == ["batch", "web"]
