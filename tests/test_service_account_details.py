"""get-account-authorization-details and import-account-authorization-details.

Shapes from the IAM API reference (GetAccountAuthorizationDetails; data types UserDetail,
GroupDetail, RoleDetail, ManagedPolicyDetail, PolicyVersion, InstanceProfile) and the AWS
CLI example of `aws iam get-account-authorization-details`
(https://docs.aws.amazon.com/IAM/latest/UserGuide/iam_example_iam_GetAccountAuthorizationDetails_section.html).
The real exports are salesforce/cloudsplaining's examples (see shared/data/README.md).
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from helpers import ACCOUNT_ID, ROOT_PASSWORD, FakeClock
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iamtui.cli import main
from iamtui.errors import AccessDenied, EntityAlreadyExists, InvalidInput, NoSuchEntity
from iamtui.model import parse_timestamp
from iamtui.service import IamService, Principal
from iamtui.service.tables import (
    ATTACHMENTS,
    GROUPS,
    INSTANCE_PROFILES,
    POLICIES,
    ROLES,
    USERS,
)

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
EXAMPLE = DATA / "authz-details-cloudsplaining-example.json"
SMALL = DATA / "authz-details-cloudsplaining-test.json"
EXAMPLE_ACCOUNT, OTHER_ACCOUNT = "200611803367", "012345678901"

needs_data = pytest.mark.skipif(not EXAMPLE.exists() or not SMALL.exists(),
                                reason=f"the cloudsplaining exports are not in {DATA}")


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture
def make_service(tmp_path: Path, clock: FakeClock) -> Iterator[Any]:
    opened: list[IamService] = []

    def make(account_id: str) -> IamService:
        svc = IamService.initialize(tmp_path / account_id / "iamtui.json",
                                    root_password=ROOT_PASSWORD, account_id=account_id,
                                    clock=clock, keys_dir=tmp_path / "keys")
        opened.append(svc)
        return svc

    yield make
    for svc in opened:
        svc.close()


def counts(service: IamService) -> tuple[int, ...]:
    view = service.store.snapshot()
    return tuple(t.count(view) for t in (USERS, GROUPS, ROLES, POLICIES, ATTACHMENTS,
                                         INSTANCE_PROFILES))


# ------------------------------------------------------------------ normalizing


def _norm_value(key: str, value: Any) -> Any:
    if key in ("CreateDate", "UpdateDate", "LastUsedDate") and isinstance(value, str):
        return parse_timestamp(value).isoformat()  # boto3's '2023-03-09 10:41:45+00:00' too
    if isinstance(value, dict):
        return {k: _norm_value(k, v) for k, v in value.items()}
    if isinstance(value, list):
        items = [_norm_value(key, v) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True))
    return value


def normalize(details: dict[str, Any]) -> dict[str, Any]:
    """Entities by name, documents as objects, lists as sets, timestamps as instants.

    Counts are left out (the export's own may disagree with its contents), and AWS managed
    policies are compared by ARN: their documents are the shipped ones.
    """
    out: dict[str, Any] = {}
    for key, name in (("UserDetailList", "UserName"), ("GroupDetailList", "GroupName"),
                      ("RoleDetailList", "RoleName")):
        out[key] = {e[name]: _norm_value(key, e) for e in details.get(key, [])}
    local, aws = {}, set()
    for p in details.get("Policies", []):
        if p["Arn"].startswith("arn:aws:iam::aws:"):
            aws.add(p["Arn"])
        else:
            rest = {k: v for k, v in p.items()
                    if k not in ("AttachmentCount", "PermissionsBoundaryUsageCount")}
            local[p["Arn"]] = _norm_value("Policies", rest)
    out["LocalPolicies"], out["AwsPolicies"] = local, aws
    return out


def attached_aws(details: dict[str, Any]) -> set[str]:
    """The AWS managed policies an export's users, groups and roles use."""
    used = set()
    for key in ("UserDetailList", "GroupDetailList", "RoleDetailList"):
        for e in details.get(key, []):
            used |= {a["PolicyArn"] for a in e["AttachedManagedPolicies"]}
            if "PermissionsBoundary" in e:
                used.add(e["PermissionsBoundary"]["PermissionsBoundaryArn"])
    return {a for a in used if a.startswith("arn:aws:iam::aws:")}


def map_account(details: dict[str, Any], source: str, target: str) -> dict[str, Any]:
    return json.loads(re.sub(rf"(?<!\d){source}(?!\d)", target, json.dumps(details)))


# ------------------------------------------------------------------ import of real exports


@needs_data
def test_import_the_example_account(make_service: Any) -> None:
    """All of a real export arrives: 44 users, 5 groups, 78 roles (service roles under
    /aws-service-role/ included), 46 customer managed policies and the instance profiles;
    the 38 AWS managed policies stay references, never customer policies."""
    service = make_service(EXAMPLE_ACCOUNT)
    root = service.root_principal()
    summary = service.import_account_authorization_details(
        root, load(EXAMPLE), map_accounts=[OTHER_ACCOUNT])
    assert (summary.users, summary.groups, summary.roles, summary.policies) == (44, 5, 78, 46)
    assert summary.instance_profiles == 2 and summary.aws_managed_kept == 0
    view = service.store.snapshot()
    assert not [p for p in POLICIES.all(view) if p.arn.startswith("arn:aws:iam::aws:")]
    role = ROLES.find_one(view, "name", "AWSServiceRoleForSupport")
    assert role is not None and role.path == "/aws-service-role/support.amazonaws.com/"
    user = USERS.find_one(view, "name", "fn1-privesc3-partial-user")
    assert user is not None
    assert user.create_date == parse_timestamp("2023-03-09T10:41:45Z")
    assert {a.policy_arn for a in ATTACHMENTS.find_by(view, "owner", "admin")
            if a.owner_kind == "group"} >= {"arn:aws:iam::aws:policy/AdministratorAccess"}


@needs_data
def relations(export: dict[str, Any]) -> int:
    """What an export's entities hold, each one request by hand: inline policies, attached
    managed policies, group memberships, roles in instance profiles (each profile once)."""
    count = 0
    for kind, inline in (("User", "UserPolicyList"), ("Group", "GroupPolicyList"),
                         ("Role", "RolePolicyList")):
        for entity in export.get(f"{kind}DetailList", []):
            count += len(entity.get(inline) or []) + len(entity.get("AttachedManagedPolicies")
                                                         or [])
            count += len(entity.get("GroupList") or []) if kind == "User" else 0
    profiles = {p["Arn"]: len(p.get("Roles") or []) for r in export.get("RoleDetailList", [])
                for p in r.get("InstanceProfileList") or []}
    return count + sum(profiles.values())


def test_import_is_one_transaction_and_one_audit_event(make_service: Any) -> None:
    """One transaction and one summary event for the whole import, after one event per
    entity it added and per relation it made (and no hashing at all: an export carries no
    passwords)."""
    service = make_service(OTHER_ACCOUNT)
    before = service.audit.count()
    revision = service.store.snapshot().revision
    export = load(SMALL)
    summary = service.import_account_authorization_details(service.root_principal(), export)
    entities = (summary.users + summary.groups + summary.roles + summary.policies
                + summary.instance_profiles + summary.aws_managed_kept)
    assert relations(export) > 0
    assert service.audit.count() == before + entities + relations(export) + 1
    event = service.audit.page(0, 1)[0]
    assert event["eventName"] == "ImportAccountAuthorizationDetails"
    assert event["responseElements"]["Users"] == 3
    # one store revision for the data (+1 for the audit head the service remembers)
    assert service.store.snapshot().revision <= revision + 2


@needs_data
def test_round_trip_of_the_small_export(make_service: Any) -> None:
    """Exporting what was imported gives the same entities and documents."""
    service = make_service(OTHER_ACCOUNT)
    root = service.root_principal()
    original = load(SMALL)
    service.import_account_authorization_details(root, original)
    exported = service.get_account_authorization_details(root)
    assert {k: len(v) for k, v in exported.items()} == {
        "UserDetailList": 3, "GroupDetailList": 2, "RoleDetailList": 3,
        "Policies": 2 + len(attached_aws(original))}
    mine, theirs = normalize(exported), normalize(original)
    for key in ("UserDetailList", "GroupDetailList", "RoleDetailList", "LocalPolicies"):
        assert mine[key] == theirs[key], key
    # AWS lists the AWS managed policies that are in use
    assert mine["AwsPolicies"] == attached_aws(original)


@needs_data
def test_round_trip_of_the_example_with_a_mapped_account(make_service: Any) -> None:
    """With --map-account-id the other account's ID becomes this store's everywhere."""
    service = make_service(EXAMPLE_ACCOUNT)
    root = service.root_principal()
    original = load(EXAMPLE)
    service.import_account_authorization_details(root, original,
                                                 map_accounts=[OTHER_ACCOUNT])
    exported = service.get_account_authorization_details(root)
    expected = normalize(map_account(original, OTHER_ACCOUNT, EXAMPLE_ACCOUNT))
    mine = normalize(exported)
    for key in ("UserDetailList", "GroupDetailList", "RoleDetailList", "LocalPolicies"):
        assert mine[key] == expected[key], key
    assert mine["AwsPolicies"] == attached_aws(original)
    # the counts are the store's own truth: attachments actually made
    by_arn = {p["Arn"]: p for p in exported["Policies"]}
    admin = by_arn["arn:aws:iam::aws:policy/AdministratorAccess"]
    used = sum(a["PolicyArn"] == admin["Arn"]
               for k in ("UserDetailList", "GroupDetailList", "RoleDetailList")
               for e in original[k] for a in e["AttachedManagedPolicies"])
    assert admin["AttachmentCount"] == used


@needs_data
def test_export_of_another_account_is_refused(service: IamService, root: Principal) -> None:
    """The account comes from the ARNs; a store models one account."""
    with pytest.raises(InvalidInput) as refused:
        service.import_account_authorization_details(root, load(EXAMPLE))
    message = refused.value.message
    assert EXAMPLE_ACCOUNT in message and OTHER_ACCOUNT in message and ACCOUNT_ID in message
    assert "--map-account-id" in message
    assert counts(service) == (0, 0, 0, 0, 0, 0)


@needs_data
def test_clash_refused_naming_the_first_and_nothing_changes(make_service: Any) -> None:
    """EntityAlreadyExists, as CreateUser words it, and not a single entity added."""
    service = make_service(OTHER_ACCOUNT)
    root = service.root_principal()
    data = load(SMALL)
    clash = data["UserDetailList"][1]["UserName"]
    service.create_user(root, clash.upper())  # names clash regardless of case
    before = counts(service)
    with pytest.raises(EntityAlreadyExists,
                       match=f"User with name {clash} already exists"):
        service.import_account_authorization_details(root, data)
    assert counts(service) == before
    assert service.audit.page(0, 1)[0]["errorCode"] == "EntityAlreadyExists"


@needs_data
def test_importing_twice_is_refused(make_service: Any) -> None:
    service = make_service(OTHER_ACCOUNT)
    root = service.root_principal()
    service.import_account_authorization_details(root, load(SMALL))
    before = counts(service)
    with pytest.raises(EntityAlreadyExists, match="already exists"):
        service.import_account_authorization_details(root, load(SMALL))
    assert counts(service) == before


# ------------------------------------------------------------------ hand-made exports


def small_export(account: str = ACCOUNT_ID) -> dict[str, Any]:
    """The shape of the AWS CLI example, cut down, with boto3's timestamps."""
    trust = {"Version": "2012-10-17", "Statement": [{"Sid": "", "Effect": "Allow",
             "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    role = {"Path": "/", "RoleName": "EC2role", "RoleId": "AROA1234567890EXAMPLE",
            "Arn": f"arn:aws:iam::{account}:role/EC2role",
            "CreateDate": "2014-07-30 17:09:20+00:00", "AssumeRolePolicyDocument": trust}
    doc = {"Version": "2012-10-17",
           "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    return {
        "UserDetailList": [{
            "Path": "/", "UserName": "Alice", "UserId": "AIDA1111111111EXAMPLE",
            "Arn": f"arn:aws:iam::{account}:user/Alice",
            "CreateDate": "2013-10-14 18:32:24+00:00", "GroupList": ["Admins"],
            "UserPolicyList": [{"PolicyName": "read", "PolicyDocument": doc}],
            "AttachedManagedPolicies": [], "Tags": [{"Key": "team", "Value": "red"}],
            "PermissionsBoundary": {
                "PermissionsBoundaryType": "PermissionsBoundaryPolicy",
                "PermissionsBoundaryArn": "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"}}],
        "GroupDetailList": [{
            "Path": "/", "GroupName": "Admins", "GroupId": "AGPA1111111111EXAMPLE",
            "Arn": f"arn:aws:iam::{account}:group/Admins",
            "CreateDate": "2013-10-14 18:32:24+00:00", "GroupPolicyList": [],
            "AttachedManagedPolicies": [{
                "PolicyName": "AdministratorAccess",
                "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}]}],
        "RoleDetailList": [role | {
            "InstanceProfileList": [{
                "Path": "/", "InstanceProfileName": "EC2role",
                "InstanceProfileId": "AIPA1234567890EXAMPLE",
                "Arn": f"arn:aws:iam::{account}:instance-profile/EC2role",
                "CreateDate": "2014-07-30 17:09:20+00:00", "Roles": [role]}],
            "RolePolicyList": [],
            "AttachedManagedPolicies": [{
                "PolicyName": "Custom", "PolicyArn": f"arn:aws:iam::{account}:policy/Custom"}],
            "Tags": [], "RoleLastUsed": {}}],
        "Policies": [{
            "PolicyName": "Custom", "PolicyId": "ANPA1111111111EXAMPLE",
            "Arn": f"arn:aws:iam::{account}:policy/Custom", "Path": "/",
            "DefaultVersionId": "v2", "AttachmentCount": 1,
            "PermissionsBoundaryUsageCount": 0, "IsAttachable": True,
            "CreateDate": "2014-07-30 17:09:20+00:00", "UpdateDate": "2014-08-30 17:09:20+00:00",
            "PolicyVersionList": [
                {"Document": doc, "VersionId": "v2", "IsDefaultVersion": True,
                 "CreateDate": "2014-08-30 17:09:20+00:00"},
                {"Document": json.dumps(doc), "VersionId": "v1", "IsDefaultVersion": False,
                 "CreateDate": "2014-07-30 17:09:20+00:00"}]}],
    }


def test_export_has_the_documented_shape(service: IamService, root: Principal) -> None:
    """Keys of UserDetail, GroupDetail, RoleDetail (with InstanceProfileList and
    RoleLastUsed) and ManagedPolicyDetail (with PolicyVersionList), as in the CLI example;
    documents are objects and dates ISO 8601, as the AWS CLI prints them."""
    service.import_account_authorization_details(root, small_export())
    out = service.get_account_authorization_details(root)
    assert set(out) == {"UserDetailList", "GroupDetailList", "RoleDetailList", "Policies"}
    user = out["UserDetailList"][0]
    assert list(user) == ["Path", "UserName", "UserId", "Arn", "CreateDate", "GroupList",
                          "UserPolicyList", "AttachedManagedPolicies", "PermissionsBoundary",
                          "Tags"]
    assert user["GroupList"] == ["Admins"] and user["CreateDate"] == "2013-10-14T18:32:24+00:00"
    assert user["UserPolicyList"][0]["PolicyDocument"]["Statement"][0]["Action"] == \
        "s3:GetObject"
    assert user["Tags"] == [{"Key": "team", "Value": "red"}]
    group = out["GroupDetailList"][0]
    assert list(group) == ["Path", "GroupName", "GroupId", "Arn", "CreateDate",
                           "GroupPolicyList", "AttachedManagedPolicies"]
    role = out["RoleDetailList"][0]
    assert list(role) == ["Path", "RoleName", "RoleId", "Arn", "CreateDate",
                          "AssumeRolePolicyDocument", "InstanceProfileList", "RolePolicyList",
                          "AttachedManagedPolicies", "Tags", "RoleLastUsed"]
    profile = role["InstanceProfileList"][0]
    assert profile["InstanceProfileId"] == "AIPA1234567890EXAMPLE"
    assert profile["Roles"][0]["RoleName"] == "EC2role"
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "ec2.amazonaws.com"}
    by_name = {p["PolicyName"]: p for p in out["Policies"]}
    # the customer policy, and the AWS managed ones in use (attached or as a boundary)
    assert set(by_name) == {"Custom", "AdministratorAccess", "AmazonS3ReadOnlyAccess"}
    custom = by_name["Custom"]
    assert list(custom) == ["PolicyName", "PolicyId", "Arn", "Path", "DefaultVersionId",
                            "AttachmentCount", "PermissionsBoundaryUsageCount", "IsAttachable",
                            "CreateDate", "UpdateDate", "PolicyVersionList"]
    assert [(v["VersionId"], v["IsDefaultVersion"]) for v in custom["PolicyVersionList"]] == \
        [("v2", True), ("v1", False)]
    assert list(custom["PolicyVersionList"][0]) == ["Document", "VersionId",
                                                    "IsDefaultVersion", "CreateDate"]
    assert custom["AttachmentCount"] == 1
    assert by_name["AmazonS3ReadOnlyAccess"]["PermissionsBoundaryUsageCount"] == 1
    assert by_name["AdministratorAccess"]["PolicyVersionList"][0]["IsDefaultVersion"]


def test_filter(service: IamService, root: Principal) -> None:
    """Filter=User gives users only; LocalManagedPolicy leaves AWS's out."""
    service.import_account_authorization_details(root, small_export())
    assert set(service.get_account_authorization_details(root, ["User"])) == {
        "UserDetailList"}
    local = service.get_account_authorization_details(root, ["LocalManagedPolicy"])
    assert [p["PolicyName"] for p in local["Policies"]] == ["Custom"]
    with pytest.raises(InvalidInput, match="enum value set"):
        service.get_account_authorization_details(root, ["Users"])


def test_unknown_group_or_policy_is_refused(service: IamService, root: Principal) -> None:
    data = small_export()
    data["GroupDetailList"] = []
    with pytest.raises(NoSuchEntity, match="The group with name Admins cannot be found"):
        service.import_account_authorization_details(root, data)
    data = small_export()
    data["Policies"] = []
    with pytest.raises(NoSuchEntity, match="Policy arn:aws:iam::111122223333:policy/Custom"):
        service.import_account_authorization_details(root, data)
    assert counts(service) == (0, 0, 0, 0, 0, 0)


def test_unshipped_aws_managed_policy_is_kept_as_aws_managed(service: IamService,
                                                             root: Principal) -> None:
    """An AWS managed policy iamtui does not ship keeps its export's document, marked
    AWS managed, and is listed as an AWS managed policy again."""
    data = small_export()
    arn = "arn:aws:iam::aws:policy/service-role/NotShippedExample"
    data["GroupDetailList"][0]["AttachedManagedPolicies"].append(
        {"PolicyName": "NotShippedExample", "PolicyArn": arn})
    data["Policies"].append({
        "PolicyName": "NotShippedExample", "PolicyId": "ANPA2222222222EXAMPLE", "Arn": arn,
        "Path": "/service-role/", "DefaultVersionId": "v1", "AttachmentCount": 1,
        "PermissionsBoundaryUsageCount": 0, "IsAttachable": True,
        "CreateDate": "2020-01-01 00:00:00+00:00", "UpdateDate": "2020-01-01 00:00:00+00:00",
        "PolicyVersionList": [{"Document": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"}]},
            "VersionId": "v1", "IsDefaultVersion": True,
            "CreateDate": "2020-01-01 00:00:00+00:00"}]})
    summary = service.import_account_authorization_details(root, data)
    assert summary.aws_managed_kept == 1 and summary.policies == 1
    stored = POLICIES.get(service.store.snapshot(), arn)
    assert stored is not None and stored.is_aws_managed
    aws_only = service.get_account_authorization_details(root, ["AWSManagedPolicy"])
    assert arn in {p["Arn"] for p in aws_only["Policies"]}
    # a second export naming the same AWS managed policy shares it: no clash
    second = {"GroupDetailList": [data["GroupDetailList"][0] | {
        "GroupName": "Ops", "GroupId": "AGPA3333333333EXAMPLE",
        "Arn": f"arn:aws:iam::{ACCOUNT_ID}:group/Ops"}], "Policies": [data["Policies"][-1]]}
    again = service.import_account_authorization_details(root, second)
    assert (again.groups, again.aws_managed_kept) == (1, 0)


def test_url_encoded_documents_are_read(service: IamService, root: Principal) -> None:
    """The raw API returns documents URL-encoded (RFC 3986), the AWS CLI decodes them; an
    export may hold either, or the JSON text."""
    from urllib.parse import quote

    data = small_export()
    document = data["UserDetailList"][0]["UserPolicyList"][0]["PolicyDocument"]
    data["UserDetailList"][0]["UserPolicyList"][0]["PolicyDocument"] = quote(
        json.dumps(document))
    data["RoleDetailList"][0]["AssumeRolePolicyDocument"] = json.dumps(
        data["RoleDetailList"][0]["AssumeRolePolicyDocument"])
    service.import_account_authorization_details(root, data)
    out = service.get_account_authorization_details(root, ["User", "Role"])
    assert out["UserDetailList"][0]["UserPolicyList"][0]["PolicyDocument"] == document
    assert out["RoleDetailList"][0]["AssumeRolePolicyDocument"]["Statement"][0]["Action"] == \
        "sts:AssumeRole"


def test_operator_without_permission_is_denied(service: IamService, root: Principal) -> None:
    """Export needs iam:GetAccountAuthorizationDetails; import changes nothing when denied."""
    alice = Principal.for_user(service.create_user(root, "alice"), ACCOUNT_ID)
    with pytest.raises(AccessDenied, match="iam:GetAccountAuthorizationDetails"):
        service.get_account_authorization_details(alice)
    before = counts(service)
    with pytest.raises(AccessDenied, match="iam:ImportAccountAuthorizationDetails"):
        service.import_account_authorization_details(alice, small_export())
    assert counts(service) == before
    assert service.audit.page(0, 1)[0]["errorCode"] == "AccessDenied"


def test_import_audits_each_entity_it_adds(service: IamService, root: Principal) -> None:
    """Besides its summary event, an import writes one event per entity it adds and per
    relation it makes, named and shaped as the request making it by hand (IAM API
    reference: CreatePolicy, CreateGroup, CreateUser, CreateRole, CreateInstanceProfile,
    then PutUserPolicy, Attach*Policy, AddUserToGroup, AddRoleToInstanceProfile), marked
    "imported": true: whoever watches the trail for a new role and whom it trusts, or for
    AdministratorAccess attached to a group, sees an imported one too (CloudTrail logs what
    a service does for a caller, CloudFormation say, as such events)."""
    data = small_export()
    trust = data["RoleDetailList"][0]["AssumeRolePolicyDocument"]
    logged = service.audit.count()
    service.import_account_authorization_details(root, data)
    events = service.audit.page(logged, 100, newest_first=False)
    assert [e["eventName"] for e in events] == [
        "CreatePolicy", "CreateGroup", "CreateUser", "CreateRole", "CreateInstanceProfile",
        "PutUserPolicy", "AttachGroupPolicy", "AttachRolePolicy", "AddUserToGroup",
        "AddRoleToInstanceProfile", "ImportAccountAuthorizationDetails"]
    assert all(e["requestParameters"].get("imported") is True for e in events[:-1])
    assert all(e["userIdentity"]["type"] == "Root" and "errorCode" not in e for e in events)
    assert events[6]["requestParameters"] == {
        "groupName": "Admins", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess",
        "imported": True}
    assert events[8]["requestParameters"] == {"groupName": "Admins", "userName": "Alice",
                                              "imported": True}
    assert json.loads(events[5]["requestParameters"]["policyDocument"]) == \
        data["UserDetailList"][0]["UserPolicyList"][0]["PolicyDocument"]
    policy, group, user, role, profile = (e["requestParameters"] for e in events[:5])
    assert policy["policyName"] == "Custom" and "s3:GetObject" in policy["policyDocument"]
    assert events[0]["responseElements"]["policy"]["arn"] == \
        f"arn:aws:iam::{ACCOUNT_ID}:policy/Custom"
    assert group == {"groupName": "Admins", "path": "/", "imported": True}
    assert user["userName"] == "Alice" and user["tags"] == [{"key": "team", "value": "red"}]
    assert user["permissionsBoundary"] == "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
    assert events[2]["responseElements"]["user"] == {
        "userName": "Alice", "userId": "AIDA1111111111EXAMPLE",
        "arn": f"arn:aws:iam::{ACCOUNT_ID}:user/Alice"}
    assert role["roleName"] == "EC2role" and json.loads(
        role["assumeRolePolicyDocument"]) == trust
    assert profile["instanceProfileName"] == "EC2role"
    assert service.audit.verify().ok


def test_refused_import_audits_no_entity(service: IamService, root: Principal) -> None:
    """An import that adds nothing (a clash) leaves only its own failed event."""
    service.create_group(root, "Admins")
    logged = service.audit.count()
    with pytest.raises(EntityAlreadyExists):
        service.import_account_authorization_details(root, small_export())
    events = service.audit.page(logged, 100, newest_first=False)
    assert [(e["eventName"], e.get("errorCode")) for e in events] == [
        ("ImportAccountAuthorizationDetails", "EntityAlreadyExists")]


def test_malformed_document_names_its_owner(service: IamService, root: Principal) -> None:
    data = small_export()
    data["UserDetailList"][0]["UserPolicyList"][0]["PolicyDocument"] = {"Statement": "x"}
    with pytest.raises(Exception, match="user Alice policy read"):
        service.import_account_authorization_details(root, data)
    assert counts(service) == (0, 0, 0, 0, 0, 0)


# ------------------------------------------------------------------ the CLI


def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        *argv: str) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(ROOT_PASSWORD + "\n"))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_import_then_export(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    """`import-account-authorization-details file://F`, then the export as JSON and table."""
    monkeypatch.setenv("IAMTUI_CONFIG_DIR", str(tmp_path / "config"))
    db = str(tmp_path / "db" / "iamtui.json")
    auth = ("--db", db, "--as-root", "--root-password-stdin")
    assert run(monkeypatch, capsys, "init", "--account-id", ACCOUNT_ID, *auth[:2],
               "--root-password-stdin")[0] == 0
    export = tmp_path / "export.json"
    export.write_text(json.dumps(small_export()))
    code, out, err = run(monkeypatch, capsys, "import-account-authorization-details",
                         f"file://{export}", *auth)
    assert code == 0, err
    assert json.loads(out)["Users"] == 1
    code, out, _ = run(monkeypatch, capsys, "get-account-authorization-details",
                       "--filter", "User", "Role", *auth)
    assert code == 0
    assert set(json.loads(out)) == {"UserDetailList", "RoleDetailList"}
    code, out, _ = run(monkeypatch, capsys, "get-account-authorization-details",
                       "--explain", *auth)
    assert code == 0 and "EC2role" in out and "Kind" in out
    code, _, err = run(monkeypatch, capsys, "import-account-authorization-details",
                       f"file://{export}", *auth)
    assert code == 254
    assert err.startswith("An error occurred (EntityAlreadyExists) when calling the "
                          "ImportAccountAuthorizationDetails operation: ")
    export.write_text('{"UserDetailList": [\n  {"UserName": "x",}\n]}')
    code, out, err = run(monkeypatch, capsys, "import-account-authorization-details",
                         f"file://{export}", *auth)
    assert (code, out) == (252, "")
    assert "Error parsing parameter 'details': Invalid JSON: Expecting property name " \
           "enclosed in double quotes at line 2, column 20" in err


def test_names_paths_and_arns_are_checked(service: IamService, root: Principal) -> None:
    """An export edited by hand is held to AWS's name rules, and an ARN must be the one its
    path and name make (the simulator finds principals by ARN)."""
    data = small_export()
    data["UserDetailList"][0]["UserName"] = "bad name"
    with pytest.raises(Exception, match="userName"):
        service.import_account_authorization_details(root, data)
    data = small_export()
    data["UserDetailList"][0]["Arn"] = f"arn:aws:iam::{ACCOUNT_ID}:user/eng/Alice"
    with pytest.raises(InvalidInput, match="path and name make"):
        service.import_account_authorization_details(root, data)
    assert counts(service) == (0, 0, 0, 0, 0, 0)


def test_not_an_export(service: IamService, root: Principal) -> None:
    with pytest.raises(InvalidInput, match="not the output of get-account-authorization"):
        service.import_account_authorization_details(root, {"Users": []})
    with pytest.raises(InvalidInput, match="shape"):
        service.import_account_authorization_details(root, {"UserDetailList": [{"x": 1}]})


# ------------------------------------------------------------------ property: round trip

_NAME = st.from_regex(r"[A-Za-z0-9+=,.@_-]{1,20}", fullmatch=True)
_TAG_VALUE = st.from_regex(r"[A-Za-z0-9 _.:/=+@-]{0,12}", fullmatch=True)
_PATH = st.sampled_from(["/", "/eng/", "/a/b.c/", "/aws-service-role/x.amazonaws.com/"])
_ACTION = st.sampled_from(["s3:GetObject", "iam:*", "ec2:Describe*", "sts:AssumeRole"])
_STAMP = st.datetimes(min_value=datetime(2010, 1, 1), max_value=datetime(2030, 1, 1),
                      timezones=st.just(UTC)).map(
    lambda d: d.replace(microsecond=0).isoformat(sep=" "))


@st.composite
def exports(draw: st.DrawFn) -> dict[str, Any]:
    """Small random exports: users in groups with inline and managed policies, tags."""
    names = draw(st.lists(_NAME, min_size=1, max_size=6, unique_by=str.casefold))
    policy_names = draw(st.lists(_NAME, max_size=3, unique_by=str.casefold))
    policies = [{
        "PolicyName": n, "PolicyId": f"ANPA{i:017d}",
        "Arn": f"arn:aws:iam::{ACCOUNT_ID}:policy/{n}", "Path": "/", "DefaultVersionId": "v1",
        "AttachmentCount": 0, "PermissionsBoundaryUsageCount": 0, "IsAttachable": True,
        "CreateDate": draw(_STAMP), "UpdateDate": draw(_STAMP),
        "PolicyVersionList": [{"Document": {"Version": "2012-10-17", "Statement": [
            {"Effect": draw(st.sampled_from(["Allow", "Deny"])), "Action": draw(_ACTION),
             "Resource": "*"}]}, "VersionId": "v1", "IsDefaultVersion": True,
            "CreateDate": draw(_STAMP)}]} for i, n in enumerate(policy_names)]
    users = []
    for i, name in enumerate(names):
        path = draw(_PATH)
        attached = draw(st.lists(st.sampled_from([p["Arn"] for p in policies]
                                                 + ["arn:aws:iam::aws:policy/ReadOnlyAccess"]),
                                 unique=True, max_size=3))
        user = {"Path": path, "UserName": name, "UserId": f"AIDA{i:017d}",
                "Arn": f"arn:aws:iam::{ACCOUNT_ID}:user{path}{name}",
                "CreateDate": draw(_STAMP), "GroupList": ["team"] if i % 2 else [],
                "AttachedManagedPolicies": [{"PolicyName": a.rsplit("/", 1)[-1],
                                             "PolicyArn": a} for a in attached],
                "Tags": [{"Key": k, "Value": v} for k, v in draw(st.dictionaries(
                    st.sampled_from(["team", "env", "cost"]), _TAG_VALUE,
                    max_size=2)).items()]}
        if draw(st.booleans()):
            user["UserPolicyList"] = [{"PolicyName": "own", "PolicyDocument": {
                "Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Action": draw(_ACTION), "Resource": "*"}]}}]
        users.append(user)
    group = {"Path": "/", "GroupName": "team", "GroupId": "AGPA00000000000000001",
             "Arn": f"arn:aws:iam::{ACCOUNT_ID}:group/team", "CreateDate": draw(_STAMP),
             "GroupPolicyList": [], "AttachedManagedPolicies": []}
    return {"UserDetailList": users, "GroupDetailList": [group], "RoleDetailList": [],
            "Policies": policies}


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=exports())
def test_round_trip_property(tmp_path_factory: pytest.TempPathFactory,
                             data: dict[str, Any]) -> None:
    """For any export of this shape, exporting what was imported gives it back."""
    tmp = tmp_path_factory.mktemp("prop")
    svc = IamService.initialize(tmp / "db" / "iamtui.json", root_password=ROOT_PASSWORD,
                                account_id=ACCOUNT_ID, keys_dir=tmp / "keys")
    try:
        root = svc.root_principal()
        svc.import_account_authorization_details(root, data)
        mine, theirs = normalize(svc.get_account_authorization_details(root)), normalize(data)
        for key in ("UserDetailList", "GroupDetailList", "RoleDetailList", "LocalPolicies"):
            assert mine[key] == theirs[key]
        assert mine["AwsPolicies"] == attached_aws(data)
    finally:
        svc.close()
