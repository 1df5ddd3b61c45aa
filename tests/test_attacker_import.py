"""An attacker with iamtui's import: ImportAccountAuthorizationDetails adds users, roles,
policies, memberships and attachments, and each is a request AWS would authorize on its
own (CreateRole with iam:PermissionsBoundary, AttachRolePolicy with iam:PolicyARN,
AddUserToGroup on the group...). Authorized only as the import on "*", it let a caller
whom the same policies confine in AWS step out of them.

IAM User Guide, "Permissions boundaries for IAM entities" (delegating: deny CreateRole
unless iam:PermissionsBoundary is the boundary) and the Service Authorization Reference
(the condition keys of CreateUser, CreateRole, AttachRolePolicy, AddUserToGroup).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from helpers import ACCOUNT_ID

from iamtui.errors import AccessDenied
from iamtui.service import IamService, Principal
from iamtui.service.tables import GROUPS, MEMBERSHIPS, POLICIES, ROLES, USERS

BOUNDARY = f"arn:aws:iam::{ACCOUNT_ID}:policy/boundary"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"


def delegated_admin(service: IamService, root: Principal, *extra: dict) -> Principal:
    """All of IAM, but roles and users only with the boundary (the delegation pattern)."""
    service.create_policy(root, "boundary", json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}))
    user = service.create_user(root, "mallory")
    service.put_user_policy(root, "mallory", "ops", json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
            {"Effect": "Deny", "Action": ["iam:CreateRole", "iam:CreateUser"],
             "Resource": "*",
             "Condition": {"StringNotEquals": {"iam:PermissionsBoundary": BOUNDARY}}},
            *extra]}))
    return Principal.for_user(user, ACCOUNT_ID)


def role_export(boundary: str | None) -> dict[str, Any]:
    """One role mallory may assume, with AdministratorAccess attached."""
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:user/mallory"},
        "Action": "sts:AssumeRole"}]}
    role: dict[str, Any] = {
        "Path": "/", "RoleName": "escape", "RoleId": "AROA1234567890EXAMPLE",
        "Arn": f"arn:aws:iam::{ACCOUNT_ID}:role/escape",
        "CreateDate": "2024-01-01 00:00:00+00:00", "AssumeRolePolicyDocument": trust,
        "RolePolicyList": [], "AttachedManagedPolicies": [
            {"PolicyName": "AdministratorAccess", "PolicyArn": ADMIN}]}
    if boundary:
        role["PermissionsBoundary"] = {"PermissionsBoundaryType": "PermissionsBoundaryPolicy",
                                       "PermissionsBoundaryArn": boundary}
    return {"RoleDetailList": [role]}


def test_an_import_cannot_create_a_role_the_caller_may_not(service: IamService,
                                                           root: Principal) -> None:
    """Without the boundary the import is the CreateRole the Deny refuses: nothing is
    added, and the refusal is audited (as CreateRole, then as the import)."""
    mallory = delegated_admin(service, root)
    with pytest.raises(AccessDenied, match="iam:CreateRole on resource: "
                       f"arn:aws:iam::{ACCOUNT_ID}:role/escape"):
        service.import_account_authorization_details(mallory, role_export(None))
    assert ROLES.find_one(service.store.snapshot(), "name", "escape") is None
    events = [(e["eventName"], e.get("errorCode")) for e in service.audit.page(0, 2)][::-1]
    assert events == [("CreateRole", "AccessDenied"),
                      ("ImportAccountAuthorizationDetails", "AccessDenied")]
    # with the boundary, the same import is what mallory may do by hand
    service.import_account_authorization_details(mallory, role_export(BOUNDARY))
    assert ROLES.find_one(service.store.snapshot(), "name", "escape") is not None


def test_an_import_cannot_attach_a_policy_the_caller_may_not(service: IamService,
                                                             root: Principal) -> None:
    """The attachment is AttachRolePolicy with iam:PolicyARN: denied by hand, denied here."""
    mallory = delegated_admin(service, root, {
        "Effect": "Deny", "Action": "iam:Attach*Policy", "Resource": "*",
        "Condition": {"ArnEquals": {"iam:PolicyARN": ADMIN}}})
    with pytest.raises(AccessDenied, match="iam:AttachRolePolicy"):
        service.import_account_authorization_details(mallory, role_export(BOUNDARY))
    assert ROLES.find_one(service.store.snapshot(), "name", "escape") is None
    # the refused step is audited as its own request, as by hand, then the import
    refused, summary = service.audit.page(0, 2)[::-1]
    assert (refused["eventName"], refused["errorCode"]) == ("AttachRolePolicy", "AccessDenied")
    assert refused["requestParameters"] == {"roleName": "escape", "policyArn": ADMIN,
                                            "imported": True}
    assert (summary["eventName"], summary["errorCode"]) == (
        "ImportAccountAuthorizationDetails", "AccessDenied")


def test_an_import_cannot_join_a_group_the_caller_may_not_add_to(service: IamService,
                                                                 root: Principal) -> None:
    """A user of the export joining an existing group is AddUserToGroup on that group."""
    admins = service.create_group(root, "Admins")
    mallory = delegated_admin(service, root, {
        "Effect": "Deny", "Action": "iam:AddUserToGroup", "Resource": admins.arn})
    export = {"UserDetailList": [{
        "Path": "/", "UserName": "sock", "UserId": "AIDA1111111111EXAMPLE",
        "Arn": f"arn:aws:iam::{ACCOUNT_ID}:user/sock",
        "CreateDate": "2024-01-01 00:00:00+00:00", "GroupList": ["Admins"],
        "UserPolicyList": [], "AttachedManagedPolicies": [],
        "PermissionsBoundary": {"PermissionsBoundaryType": "PermissionsBoundaryPolicy",
                                "PermissionsBoundaryArn": BOUNDARY}}]}
    with pytest.raises(AccessDenied, match=f"iam:AddUserToGroup on resource: {admins.arn}"):
        service.import_account_authorization_details(mallory, export)
    view = service.store.snapshot()
    assert USERS.find_one(view, "name", "sock") is None
    assert MEMBERSHIPS.find_by(view, "group", "Admins") == []
    assert GROUPS.count(view) == 1


def test_only_root_imports_aws_managed_policies_the_package_does_not_ship(
        service: IamService, root: Principal) -> None:
    """An unshipped AWS managed policy keeps the export's document and, like every AWS
    managed policy, can never be changed or deleted afterwards, not even by root (AWS
    managed policies belong to the account "aws": IAM User Guide, "AWS managed
    policies"). Planted by a user, an administrator policy under arn:aws:iam::aws:policy/
    would look like AWS's and stay for good: only the root user brings such policies in."""
    user = service.create_user(root, "mallory")
    service.put_user_policy(root, "mallory", "ops", json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "iam:*", "Resource": "*"}]}))
    mallory = Principal.for_user(user, ACCOUNT_ID)
    arn = "arn:aws:iam::aws:policy/ReadOnlyAccessV9"
    export = {"Policies": [{
        "PolicyName": "ReadOnlyAccessV9", "PolicyId": "ANPA2222222222EXAMPLE", "Arn": arn,
        "Path": "/", "DefaultVersionId": "v1", "IsAttachable": True,
        "CreateDate": "2020-01-01 00:00:00+00:00",
        "PolicyVersionList": [{"Document": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"}]},
            "VersionId": "v1", "IsDefaultVersion": True,
            "CreateDate": "2020-01-01 00:00:00+00:00"}]}]}
    with pytest.raises(AccessDenied, match="AWS managed policies"):
        service.import_account_authorization_details(mallory, export)
    assert POLICIES.get(service.store.snapshot(), arn) is None
    assert service.audit.page(0, 1)[0]["errorCode"] == "AccessDenied"
    assert service.import_account_authorization_details(root, export).aws_managed_kept == 1


def test_an_import_cannot_pass_a_role_the_caller_may_not(service: IamService,
                                                        root: Principal) -> None:
    """A role in an instance profile is AddRoleToInstanceProfile, which also needs
    iam:PassRole on the role (its API reference: "The caller of this operation must be
    granted the PassRole permission on the IAM role"): refused without it, and audited as
    the AddRoleToInstanceProfile that was refused."""
    mallory = delegated_admin(service, root, {
        "Effect": "Deny", "Action": "iam:PassRole", "Resource": "*"})
    export = role_export(BOUNDARY)
    role = export["RoleDetailList"][0]
    role["AttachedManagedPolicies"] = []
    role["InstanceProfileList"] = [{
        "Path": "/", "InstanceProfileName": "escape", "InstanceProfileId": "AIPA1234567890EXAMPLE",
        "Arn": f"arn:aws:iam::{ACCOUNT_ID}:instance-profile/escape",
        "CreateDate": "2024-01-01 00:00:00+00:00", "Roles": [
            {k: role[k] for k in ("Path", "RoleName", "RoleId", "Arn", "CreateDate",
                                  "AssumeRolePolicyDocument")}]}]
    with pytest.raises(AccessDenied, match=f"iam:PassRole on resource: {role['Arn']}"):
        service.import_account_authorization_details(mallory, export)
    assert ROLES.find_one(service.store.snapshot(), "name", "escape") is None
    refused = service.audit.page(0, 2)[1]
    assert (refused["eventName"], refused["errorCode"]) == ("AddRoleToInstanceProfile",
                                                            "AccessDenied")
