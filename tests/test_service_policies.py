"""IamService managed policy operations: create, read, list, versions, delete, tags.

Semantics from the IAM API reference (CreatePolicy, GetPolicy, ListPolicies,
CreatePolicyVersion, SetDefaultPolicyVersion, DeletePolicyVersion, DeletePolicy,
ListEntitiesForPolicy) and the IAM User Guide ("Versioning IAM policies",
"IAM and AWS STS quotas").
"""

from __future__ import annotations

import json
import re

import pytest
from helpers import ACCOUNT_ID, FakeClock

from iamtui.errors import (
    AccessDenied,
    DeleteConflict,
    EntityAlreadyExists,
    InvalidInput,
    LimitExceeded,
    MalformedPolicyDocument,
    NoSuchEntity,
    ValidationError,
)
from iamtui.model import Group, Tag
from iamtui.service import IamService, Principal
from iamtui.service.tables import ATTACHMENTS, GROUPS, POLICIES, POLICY_VERSIONS, USERS

ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
LOCAL = f"arn:aws:iam::{ACCOUNT_ID}:policy/"


def doc(action: str | list[str] = "s3:GetObject", resource: str = "*",
        effect: str = "Allow") -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": effect, "Action": action, "Resource": resource}]})


def add_group(service: IamService, name: str) -> None:
    """A group straight into the store (these tests are about policies, not groups)."""
    from iamtui.arn import group_arn, new_unique_id

    with service.store.transaction() as tx:
        GROUPS.put(tx, Group(name, new_unique_id("group"), group_arn(ACCOUNT_ID, "/", name),
                             service.clock()))


def last_event(service: IamService) -> dict:
    return service.audit.page(0, 1)[0]


# ----------------------------------------------------------------------- CreatePolicy


def test_create_policy_makes_v1_the_default(service: IamService, root: Principal,
                                            clock: FakeClock) -> None:
    """CreatePolicy: the document becomes version v1, the default (API reference,
    CreatePolicy; IAM User Guide, "Versioning IAM policies")."""
    policy = service.create_policy(root, "ReadBuckets", doc(), path="/team/",
                                   description="read S3", tags=[Tag("env", "prod")])
    assert policy.arn == f"arn:aws:iam::{ACCOUNT_ID}:policy/team/ReadBuckets"
    assert policy.policy_id.startswith("ANPA") and len(policy.policy_id) == 21
    assert policy.default_version_id == "v1" and policy.create_date == clock.now
    [v1] = service.list_policy_versions(root, policy.arn)
    assert (v1.version_id, v1.is_default_version, v1.document) == ("v1", True, doc())
    got = service.get_policy(root, policy.arn)
    assert (got.description, got.tags, got.attachment_count) == ("read S3",
                                                                (Tag("env", "prod"),), 0)


def test_policy_names_are_unique_regardless_of_case_and_path(service: IamService,
                                                             root: Principal) -> None:
    """CreatePolicy: EntityAlreadyExists for a name in use (names ignore case)."""
    service.create_policy(root, "Readers", doc())
    with pytest.raises(EntityAlreadyExists, match="A policy called READERS already exists"):
        service.create_policy(root, "READERS", doc(), path="/other/")


def test_bad_documents_and_names_change_nothing(service: IamService, root: Principal) -> None:
    """CreatePolicy: MalformedPolicyDocument, ValidationError and the 6,144-character
    quota (IAM and AWS STS quotas: managed policy size, white space not counted)."""
    with pytest.raises(MalformedPolicyDocument):
        service.create_policy(root, "p", '{"Version":"2012-10-17","Statement":[]]')
    with pytest.raises(MalformedPolicyDocument):  # a Principal belongs in resource policies
        service.create_policy(root, "p", json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}]}))
    with pytest.raises(ValidationError, match="policyName"):
        service.create_policy(root, "bad name", doc())
    with pytest.raises(InvalidInput, match="asterisk"):
        service.create_policy(root, "p", doc(), path="/a*/")
    actions = [f"s3:Get{i:05d}" for i in range(600)]
    big = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": actions, "Resource": "*"}]}, indent=8)
    with pytest.raises(LimitExceeded, match="Cannot exceed quota for PolicySize: 6144"):
        service.create_policy(root, "p", big)
    assert POLICIES.count(service.store.snapshot()) == 0


def test_whitespace_does_not_count_toward_the_size_quota(service: IamService,
                                                         root: Principal) -> None:
    """IAM and AWS STS quotas: sizes do not count white space."""
    actions = [f"s3:G{i:04d}" for i in range(400)]  # about 5,000 characters without spaces
    text = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": actions, "Resource": "*"}]}, indent=12)
    assert len(text) > 6144
    assert service.create_policy(root, "roomy", text).default_version_id == "v1"


# -------------------------------------------------------------------- AWS managed


def test_aws_managed_policies_are_readable(service: IamService, root: Principal) -> None:
    """GetPolicy / GetPolicyVersion work on AWS managed policies (IAM User Guide,
    "AWS managed policies")."""
    policy = service.get_policy(root, ADMIN)
    assert policy.policy_name == "AdministratorAccess" and policy.is_aws_managed
    version = service.get_policy_version(root, ADMIN, policy.default_version_id)
    assert json.loads(version.document)["Statement"][0]["Action"] == "*"


@pytest.mark.parametrize("change", [
    lambda s, c: s.create_policy_version(c, ADMIN, doc(), set_as_default=True),
    lambda s, c: s.set_default_policy_version(c, ADMIN, "v1"),
    lambda s, c: s.delete_policy_version(c, ADMIN, "v1"),
    lambda s, c: s.delete_policy(c, ADMIN, cascade=True),
    lambda s, c: s.tag_policy(c, ADMIN, [Tag("k", "v")]),
])
def test_aws_managed_policies_cannot_be_changed(service: IamService, root: Principal,
                                                change) -> None:
    """AWS managed policies belong to the account 'aws': changing one is AccessDenied,
    also for the root user (IAM User Guide, "AWS managed policies": you cannot change
    the permissions defined in AWS managed policies). The refusal is audited."""
    with pytest.raises(AccessDenied, match="AWS managed policies cannot be changed"):
        change(service, root)
    assert last_event(service)["errorCode"] == "AccessDenied"
    assert service.get_policy(root, ADMIN).default_version_id != "v2"


# ---------------------------------------------------------------------- versions


def test_versions_default_switch_and_limit_of_five(service: IamService, root: Principal,
                                                   clock: FakeClock) -> None:
    """CreatePolicyVersion / SetDefaultPolicyVersion: at most 5 versions; the default is
    the one in effect (IAM User Guide, "Versioning IAM policies")."""
    arn = service.create_policy(root, "p", doc("s3:GetObject")).arn
    clock.advance(minutes=1)
    v2 = service.create_policy_version(root, arn, doc("s3:PutObject"))
    assert (v2.version_id, v2.is_default_version) == ("v2", False)
    assert service.get_policy(root, arn).default_version_id == "v1"
    v3 = service.create_policy_version(root, arn, doc("s3:ListBucket"), set_as_default=True)
    policy = service.get_policy(root, arn)
    assert (policy.default_version_id, policy.update_date) == ("v3", clock.now)
    versions = service.list_policy_versions(root, arn)
    assert [(v.version_id, v.is_default_version) for v in versions] == [
        ("v3", True), ("v2", False), ("v1", False)]
    assert v3.is_default_version
    service.create_policy_version(root, arn, doc("s3:A"))
    service.create_policy_version(root, arn, doc("s3:B"))
    with pytest.raises(LimitExceeded, match="A managed policy can have up to 5 versions"):
        service.create_policy_version(root, arn, doc("s3:C"))
    assert len(service.list_policy_versions(root, arn)) == 5
    service.set_default_policy_version(root, arn, "v1")
    assert [v.version_id for v in service.list_policy_versions(root, arn)
            if v.is_default_version] == ["v1"]
    with pytest.raises(NoSuchEntity, match="version v9 does not exist"):
        service.set_default_policy_version(root, arn, "v9")
    with pytest.raises(ValidationError, match="versionId"):
        service.get_policy_version(root, arn, "1")


def test_cannot_delete_the_default_version(service: IamService, root: Principal) -> None:
    """DeletePolicyVersion: DeleteConflict for the default version; others go."""
    arn = service.create_policy(root, "p", doc()).arn
    service.create_policy_version(root, arn, doc("s3:PutObject"))
    default_conflict = re.escape("Cannot delete the default version of a policy.")
    with pytest.raises(DeleteConflict, match=default_conflict):
        service.delete_policy_version(root, arn, "v1")
    service.delete_policy_version(root, arn, "v2")
    assert [v.version_id for v in service.list_policy_versions(root, arn)] == ["v1"]
    with pytest.raises(NoSuchEntity):
        service.get_policy_version(root, arn, "v2")


def test_the_default_version_is_what_operators_get(service: IamService,
                                                   root: Principal) -> None:
    """The default version is the one in effect wherever the policy is attached
    (IAM User Guide, "Versioning IAM policies")."""
    alice = Principal.for_user(service.create_user(root, "alice"), ACCOUNT_ID)
    arn = service.create_policy(root, "lister", doc("iam:ListUsers")).arn
    service.attach_user_policy(root, "alice", arn)
    assert service.list_users(alice)
    service.create_policy_version(root, arn, doc("iam:GetUser"), set_as_default=True)
    with pytest.raises(AccessDenied):
        service.list_users(alice)
    service.set_default_policy_version(root, arn, "v1")
    assert service.list_users(alice)


# ------------------------------------------------------------------ DeletePolicy


def test_delete_policy_conflicts_then_cascade(service: IamService, root: Principal) -> None:
    """DeletePolicy: refused while attached, used as a boundary, or with versions besides
    the default (API reference, DeletePolicy); the cascade undoes all of it first."""
    arn = service.create_policy(root, "p", doc()).arn
    service.create_user(root, "alice")
    service.create_user(root, "bob", permissions_boundary=arn)
    service.attach_user_policy(root, "alice", arn)
    attached = re.escape("Cannot delete a policy attached to entities.")
    with pytest.raises(DeleteConflict, match=attached):
        service.delete_policy(root, arn)
    service.detach_user_policy(root, "alice", arn)
    with pytest.raises(DeleteConflict, match="attached to entities"):  # bob's boundary
        service.delete_policy(root, arn)
    assert service.get_policy(root, arn).permissions_boundary_usage_count == 1
    service.attach_user_policy(root, "alice", arn)
    service.create_policy_version(root, arn, doc("s3:PutObject"))
    service.delete_policy(root, arn, cascade=True)
    view = service.store.snapshot()
    assert POLICIES.get(view, arn) is None
    assert POLICY_VERSIONS.find_by(view, "policy", arn) == []
    assert ATTACHMENTS.find_by(view, "policy", arn) == []
    assert USERS.find_one(view, "name", "bob").permissions_boundary is None
    response = last_event(service)["responseElements"]
    assert response["detachedFromUsers"] == ["alice"] and response["deletedVersions"] == ["v2"]


def test_delete_policy_needs_other_versions_deleted_first(service: IamService,
                                                          root: Principal) -> None:
    """DeletePolicy: delete the non-default versions first; the default one goes with the
    policy (API reference, DeletePolicy)."""
    arn = service.create_policy(root, "p", doc()).arn
    service.create_policy_version(root, arn, doc("s3:PutObject"), set_as_default=True)
    with pytest.raises(DeleteConflict, match="more than one version"):
        service.delete_policy(root, arn)
    service.delete_policy_version(root, arn, "v1")
    service.delete_policy(root, arn)
    assert POLICY_VERSIONS.count(service.store.snapshot()) == 0
    with pytest.raises(NoSuchEntity, match=re.escape(f"Policy {arn} was not found.")):
        service.get_policy(root, arn)


def test_cascade_authorizes_each_step(service: IamService, root: Principal) -> None:
    """A cascade is the detaches it stands for: an operator allowed only iam:DeletePolicy
    cannot detach the policy from others through it (Service Authorization Reference:
    DetachUserPolicy is its own action)."""
    arn = service.create_policy(root, "p", doc()).arn
    op = service.create_policy(root, "deleter", doc("iam:DeletePolicy")).arn
    carol = Principal.for_user(service.create_user(root, "carol"), ACCOUNT_ID)
    service.attach_user_policy(root, "carol", op)
    service.create_user(root, "alice")
    service.attach_user_policy(root, "alice", arn)
    with pytest.raises(AccessDenied, match="iam:DetachUserPolicy"):
        service.delete_policy(carol, arn, cascade=True)
    assert service.get_policy(root, arn).attachment_count == 1
    service.create_policy_version(root, op, doc(["iam:DeletePolicy", "iam:DetachUserPolicy"]),
                                  set_as_default=True)
    service.delete_policy(carol, arn, cascade=True)
    assert ATTACHMENTS.find_by(service.store.snapshot(), "policy", arn) == []


# ------------------------------------------------------------------ ListPolicies


def test_list_policies_scopes_and_counts(service: IamService, root: Principal) -> None:
    """ListPolicies: Scope All/AWS/Local, OnlyAttached, PolicyUsageFilter, PathPrefix; the
    AttachmentCount and PermissionsBoundaryUsageCount of each (API reference)."""
    a = service.create_policy(root, "a", doc(), path="/x/").arn
    b = service.create_policy(root, "b", doc()).arn
    service.create_user(root, "u1", permissions_boundary=b)
    service.create_user(root, "u2")
    service.attach_user_policy(root, "u1", a)
    service.attach_user_policy(root, "u2", a)
    service.attach_user_policy(root, "u2", ADMIN)
    local = {p.policy_name: p for p in service.list_policies(root, scope="Local")}
    assert set(local) == {"a", "b"}
    assert (local["a"].attachment_count, local["a"].permissions_boundary_usage_count) == (2, 0)
    assert (local["b"].attachment_count, local["b"].permissions_boundary_usage_count) == (0, 1)
    aws = service.list_policies(root, scope="AWS")
    assert all(p.is_aws_managed for p in aws) and len(aws) > 5
    every = service.list_policies(root)
    assert len(every) == len(aws) + 2
    assert [p.policy_name for p in every] == sorted((p.policy_name for p in every),
                                                    key=str.lower)
    attached = service.list_policies(root, only_attached=True)
    assert {p.policy_name for p in attached} == {"a", "AdministratorAccess"}
    assert next(p for p in attached if p.arn == ADMIN).attachment_count == 1
    assert [p.policy_name for p in service.list_policies(
        root, policy_usage_filter="PermissionsBoundary")] == ["b"]
    assert {p.policy_name for p in service.list_policies(
        root, scope="Local", policy_usage_filter="PermissionsPolicy")} == {"a"}
    assert [p.policy_name for p in service.list_policies(root, path_prefix="/x/")] == ["a"]
    with pytest.raises(ValidationError, match="enum value set: \\[All, AWS, Local\\]"):
        service.list_policies(root, scope="Mine")  # type: ignore[arg-type]


def test_list_entities_for_policy(service: IamService, root: Principal) -> None:
    """ListEntitiesForPolicy: PolicyGroups, PolicyUsers, PolicyRoles; EntityFilter and
    PolicyUsageFilter (API reference)."""
    arn = service.create_policy(root, "p", doc()).arn
    service.create_user(root, "alice")
    service.create_user(root, "bob", permissions_boundary=arn)
    add_group(service, "devs")
    service.attach_user_policy(root, "alice", arn)
    service.attach_group_policy(root, "devs", arn)
    found = service.list_entities_for_policy(root, arn)
    assert [u.user_name for u in found.users] == ["alice", "bob"]
    assert [g.group_name for g in found.groups] == ["devs"] and found.roles == ()
    only = service.list_entities_for_policy(root, arn, entity_filter="Group")
    assert (only.users, [g.group_name for g in only.groups]) == ((), ["devs"])
    bounded = service.list_entities_for_policy(root, arn,
                                               policy_usage_filter="PermissionsBoundary")
    assert [u.user_name for u in bounded.users] == ["bob"] and bounded.groups == ()
    with pytest.raises(NoSuchEntity):
        service.list_entities_for_policy(root, LOCAL + "missing")


# ------------------------------------------------------------------ tags, operators


def test_policy_tags(service: IamService, root: Principal) -> None:
    """TagPolicy / UntagPolicy / ListPolicyTags (API reference)."""
    arn = service.create_policy(root, "p", doc(), tags=[Tag("team", "red")]).arn
    service.tag_policy(root, arn, [Tag("TEAM", "blue"), Tag("env", "prod")])
    assert {(t.key, t.value) for t in service.list_policy_tags(root, arn)} == {
        ("TEAM", "blue"), ("env", "prod")}
    service.untag_policy(root, arn, ["team"])
    assert [t.key for t in service.list_policy_tags(root, arn)] == ["env"]
    with pytest.raises(LimitExceeded):
        service.tag_policy(root, arn, [Tag(f"k{i}", "v") for i in range(50)])


def test_operator_needs_permission_and_denials_are_audited(service: IamService,
                                                           root: Principal) -> None:
    """An operator may manage policies only as its own policies allow (IAM User Guide,
    "Policy evaluation logic"); a denied request changes nothing and is audited."""
    alice = Principal.for_user(service.create_user(root, "alice"), ACCOUNT_ID)
    with pytest.raises(AccessDenied, match="iam:CreatePolicy"):
        service.create_policy(alice, "p", doc())
    event = last_event(service)
    assert (event["eventName"], event["errorCode"]) == ("CreatePolicy", "AccessDenied")
    assert POLICIES.count(service.store.snapshot()) == 0
    scoped = doc("iam:*Policy*", f"arn:aws:iam::{ACCOUNT_ID}:policy/team/*")
    grant = service.create_policy(root, "team-admin", scoped).arn
    service.attach_user_policy(root, "alice", grant)
    created = service.create_policy(alice, "mine", doc(), path="/team/")
    assert service.get_policy(alice, created.arn).policy_name == "mine"
    with pytest.raises(AccessDenied):
        service.create_policy(alice, "elsewhere", doc())
    with pytest.raises(AccessDenied):
        service.delete_policy(alice, grant)  # /team-admin is outside /team/


def test_resource_tags_condition_on_policies(service: IamService, root: Principal) -> None:
    """aws:ResourceTag/<key> applies to managed policies (Service Authorization Reference,
    resource type policy)."""
    alice = Principal.for_user(service.create_user(root, "alice"), ACCOUNT_ID)
    grant = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "iam:CreatePolicyVersion", "Resource": "*",
        "Condition": {"StringEquals": {"aws:ResourceTag/owner": "alice"}}}]})
    service.attach_user_policy(root, "alice", service.create_policy(root, "g", grant).arn)
    mine = service.create_policy(root, "mine", doc(), tags=[Tag("owner", "alice")]).arn
    theirs = service.create_policy(root, "theirs", doc()).arn
    assert service.create_policy_version(alice, mine, doc("s3:PutObject")).version_id == "v2"
    with pytest.raises(AccessDenied):
        service.create_policy_version(alice, theirs, doc("s3:PutObject"))


def test_bad_arn_is_invalid_input(service: IamService, root: Principal) -> None:
    """A policy ARN parameter must be an ARN (InvalidInput, API reference Common Errors)."""
    with pytest.raises(InvalidInput):
        service.get_policy(root, "not-an-arn-but-long-enough")
    with pytest.raises(ValidationError):
        service.get_policy(root, "short")


def test_version_ids_are_never_reused(service: IamService, root: Principal) -> None:
    """Deleting versions leaves gaps; new versions keep counting up (IAM User Guide,
    "Versioning IAM policies": e.g. v1, v3, v5, v6, v7 after deleting v2 and v4)."""
    arn = service.create_policy(root, "p", doc()).arn
    for action in ("s3:A", "s3:B", "s3:C", "s3:D"):
        service.create_policy_version(root, arn, doc(action))
    service.delete_policy_version(root, arn, "v2")
    service.delete_policy_version(root, arn, "v4")
    service.create_policy_version(root, arn, doc("s3:E"))
    service.create_policy_version(root, arn, doc("s3:F"))
    assert [v.version_id for v in service.list_policy_versions(root, arn)] == [
        "v7", "v6", "v5", "v3", "v1"]
    service.delete_policy_version(root, arn, "v7")  # the highest: its number stays used
    assert service.create_policy_version(root, arn, doc("s3:G")).version_id == "v8"
    service.delete_policy_version(root, arn, "v8")
    assert service.store.snapshot().meta["policy_version_high_water"] == {arn: 8}
    service.delete_policy(root, arn, cascade=True)  # and a new policy starts at v1 again
    assert service.store.snapshot().meta["policy_version_high_water"] == {}
