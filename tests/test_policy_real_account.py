"""The engine on a real account: the cloudsplaining `get-account-authorization-details`
exports in ../shared/data (see its README.md).

Every policy document AWS accepted there must parse, and a few decisions for real
principals are checked by hand. A principal's policies are found by walking the export
here, as IAM does: a user's inline policies and attached managed policies (their default
version), plus the inline and attached policies of each of the user's groups.

References:
- IAM API Reference, GetAccountAuthorizationDetails (UserDetailList, GroupDetailList,
  RoleDetailList, Policies with PolicyVersionList and IsDefaultVersion):
  https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountAuthorizationDetails.html
- IAM User Guide, "Policy evaluation logic" and "Cross-account policy evaluation logic":
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
- IAM User Guide, "AWS JSON policy elements: Principal" (role trust policies):
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from iamtui.policy import (
    ALLOWED,
    EXPLICIT_DENY,
    IMPLICIT_DENY,
    Caller,
    ContextEntry,
    EvalRequest,
    EvalResult,
    PolicyInput,
    PolicySourceType,
    PolicyType,
    RequestContext,
    compile_policy,
    evaluate,
    parse_policy,
    validate_policy,
)

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
EXAMPLE = DATA / "authz-details-cloudsplaining-example.json"
TEST = DATA / "authz-details-cloudsplaining-test.json"

pytestmark = pytest.mark.skipif(
    not (EXAMPLE.is_file() and TEST.is_file()),
    reason=f"the shared sample data is not beside the clone ({DATA} is missing)")

ACCOUNT = "200611803367"  # the example export's account
SSO_SESSION = (f"arn:aws:sts::{ACCOUNT}:assumed-role/"
               "AWSReservedSSO_AdministratorAccess_dc6414f7f2ab04fc/elad@codsec.io")


@cache
def export(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def text(document: dict[str, Any]) -> str:
    """Exports hold documents as JSON objects; the engine takes policy text."""
    return json.dumps(document, indent=4)


def all_documents(data: dict[str, Any]) -> list[tuple[str, str, PolicyType]]:
    """(where, text, type) of every policy document in an export."""
    found = []
    for policy in data.get("Policies", []):
        for version in policy["PolicyVersionList"]:
            found.append((f"{policy['Arn']}@{version['VersionId']}", text(version["Document"]),
                          PolicyType.IDENTITY))
    for kind, name_key, list_key in (("UserDetailList", "UserName", "UserPolicyList"),
                                     ("GroupDetailList", "GroupName", "GroupPolicyList"),
                                     ("RoleDetailList", "RoleName", "RolePolicyList")):
        for entity in data.get(kind, []):
            for inline in entity.get(list_key, []):
                found.append((f"{entity[name_key]}/{inline['PolicyName']}",
                              text(inline["PolicyDocument"]), PolicyType.IDENTITY))
    for role in data.get("RoleDetailList", []):
        found.append((f"{role['RoleName']} trust", text(role["AssumeRolePolicyDocument"]),
                      PolicyType.TRUST))
    return found


def managed(data: dict[str, Any], arn: str) -> PolicyInput:
    """An attached managed policy: its default version, typed as AWS or customer managed."""
    (policy,) = [p for p in data["Policies"] if p["Arn"] == arn]
    (version,) = [v for v in policy["PolicyVersionList"] if v["IsDefaultVersion"]]
    assert version["VersionId"] == policy["DefaultVersionId"]
    source = (PolicySourceType.AWS_MANAGED if ":aws:policy/" in arn
              else PolicySourceType.USER_MANAGED)
    return PolicyInput(compile_policy(text(version["Document"])), policy["PolicyName"], source)


def user_policies(data: dict[str, Any], user_name: str) -> tuple[str, list[PolicyInput]]:
    """The user's ARN and every identity-based policy that applies to the user."""
    (user,) = [u for u in data["UserDetailList"] if u["UserName"] == user_name]
    inputs = [PolicyInput(compile_policy(text(p["PolicyDocument"])), p["PolicyName"],
                          PolicySourceType.USER) for p in user.get("UserPolicyList", [])]
    inputs += [managed(data, p["PolicyArn"]) for p in user["AttachedManagedPolicies"]]
    for group_name in user["GroupList"]:
        (group,) = [g for g in data["GroupDetailList"] if g["GroupName"] == group_name]
        inputs += [PolicyInput(compile_policy(text(p["PolicyDocument"])), p["PolicyName"],
                               PolicySourceType.GROUP) for p in group.get("GroupPolicyList", [])]
        inputs += [managed(data, p["PolicyArn"]) for p in group["AttachedManagedPolicies"]]
    return user["Arn"], inputs


def as_user(user_name: str, action: str, resource: str = "*",
            ctx: RequestContext | None = None, path: Path = EXAMPLE) -> EvalResult:
    data = export(path)
    arn, inputs = user_policies(data, user_name)
    return evaluate(EvalRequest(action, resource, ctx or RequestContext(), Caller.from_arn(arn)),
                    inputs)


def trust(role_name: str) -> PolicyInput:
    (role,) = [r for r in export(EXAMPLE)["RoleDetailList"] if r["RoleName"] == role_name]
    return PolicyInput(compile_policy(text(role["AssumeRolePolicyDocument"]), PolicyType.TRUST),
                       "ResourcePolicy", PolicySourceType.RESOURCE)


def assume(role_name: str, caller: str, identity: list[PolicyInput] | None = None,
           ) -> EvalResult:
    """sts:AssumeRole on the role, its trust policy being the resource-based policy."""
    (role,) = [r for r in export(EXAMPLE)["RoleDetailList"] if r["RoleName"] == role_name]
    return evaluate(EvalRequest("sts:AssumeRole", role["Arn"], RequestContext(),
                                Caller.from_arn(caller)), identity or [],
                    resource_policy=trust(role_name))


class TestEveryDocumentParses:
    """GetAccountAuthorizationDetails returns documents AWS accepted when they were saved:
    each must pass the same checks here (identity policies, and trust policies as
    resource-based policies without Resource)."""

    @pytest.mark.parametrize("path,count", [(EXAMPLE, 202), (TEST, 42)],
                             ids=["example", "test"])
    def test_all_documents(self, path: Path, count: int) -> None:
        documents = all_documents(export(path))
        assert len(documents) == count  # every version, inline policy and trust policy
        failures = []
        for where, document, policy_type in documents:
            try:
                parse_policy(document, policy_type)
            except Exception as exc:  # collect them all for one report
                failures.append(f"{where}: {type(exc).__name__}: {exc}")
            else:
                compile_policy(document, policy_type)
        assert failures == []

    @pytest.mark.parametrize("path", [EXAMPLE, TEST], ids=["example", "test"])
    def test_no_errors_in_compact_form(self, path: Path) -> None:
        for where, document, policy_type in all_documents(export(path)):
            compact = json.dumps(json.loads(document), separators=(",", ":"))
            assert validate_policy(compact, policy_type).errors == [], where

    def test_trust_policies_are_not_identity_policies(self) -> None:
        role = export(EXAMPLE)["RoleDetailList"][0]
        report = validate_policy(text(role["AssumeRolePolicyDocument"]), PolicyType.IDENTITY)
        assert "UNSUPPORTED_PRINCIPAL" in [f.issue_code for f in report.errors]


class TestUserDecisions:
    """Policy evaluation logic, on principals of the example export (hand-checked against
    the documents printed in the comments)."""

    def test_allow_and_deny_in_one_policy(self) -> None:
        # fp1-allow-and-deny: Allow iam:* and Deny iam:* on *
        result = as_user("fp1-allow-and-deny-user", "iam:CreateUser")
        assert result.decision == EXPLICIT_DENY
        assert [m.source.source_id for m in result.matched] == ["fp1-allow-and-deny"]
        assert result.to_aws()["MatchedStatements"][0]["SourcePolicyType"] == "user-managed"
        assert as_user("fp1-allow-and-deny-user", "s3:GetObject").decision == IMPLICIT_DENY

    def test_allow_all_and_deny_all_in_two_policies(self) -> None:
        # deny-all (Deny * on *) beside fp2-allow-all (Allow * on *)
        for action in ("s3:GetObject", "iam:CreateUser", "ec2:RunInstances"):
            result = as_user("fp2-allow-and-deny-multiple-policies-user", action)
            assert result.decision == EXPLICIT_DENY
            assert [m.source.source_id for m in result.matched] == ["deny-all"]

    def test_deny_only(self) -> None:
        # fp3-deny-iam: Deny iam:* and nothing else
        assert as_user("fp3-deny-iam-user", "iam:ListUsers").decision == EXPLICIT_DENY
        assert as_user("fp3-deny-iam-user", "s3:ListBucket").decision == IMPLICIT_DENY

    def test_not_action(self) -> None:
        # fn4-exploitableNotAction: Allow NotAction [iam:Update*, iam:Create*, iam:Attach*]
        user = "fn4-exploitableNotAction-user"
        assert as_user(user, "iam:CreateUser").decision == IMPLICIT_DENY
        assert as_user(user, "IAM:attachUserPolicy").decision == IMPLICIT_DENY
        assert as_user(user, "iam:DeleteUser").decision == ALLOWED
        assert as_user(user, "iam:PutUserPolicy").decision == ALLOWED
        assert as_user(user, "s3:GetObject", "arn:aws:s3:::any/key").decision == ALLOWED

    def test_resource_constraint(self) -> None:
        # fn2-exploitableResourceConstraint: iam:CreatePolicyVersion on
        # arn:aws:iam::*:policy/fn2-*
        user = "fn2-exploitableResourceConstraint-user"
        mine = f"arn:aws:iam::{ACCOUNT}:policy/fn2-anything"
        other = f"arn:aws:iam::{ACCOUNT}:policy/privesc1-CreateNewPolicyVersion"
        assert as_user(user, "iam:CreatePolicyVersion", mine).decision == ALLOWED
        assert as_user(user, "iam:CreatePolicyVersion", other).decision == IMPLICIT_DENY
        assert as_user(user, "iam:CreatePolicyVersion", mine.replace("fn2-", "FN2-")
                       ).decision == IMPLICIT_DENY  # resources are case-sensitive

    @pytest.mark.parametrize("user,issued,expected", [
        # fn3: DateGreaterThan aws:TokenIssueTime 2020-01-01T00:00:01Z
        ("fn3-exploitableConditionConstraint-user", "2021-03-09T10:00:00Z", ALLOWED),
        ("fn3-exploitableConditionConstraint-user", "2019-12-31T00:00:00Z", IMPLICIT_DENY),
        # fp5: DateLessThan, the same date
        ("fp5-nonExploitableConditionConstraint-user", "2021-03-09T10:00:00Z", IMPLICIT_DENY),
        ("fp5-nonExploitableConditionConstraint-user", "2019-12-31T00:00:00Z", ALLOWED),
    ])
    def test_date_condition(self, user: str, issued: str, expected: str) -> None:
        ctx = RequestContext([ContextEntry("aws:TokenIssueTime", (issued,), "date")])
        result = as_user(user, "iam:CreatePolicyVersion", ctx=ctx)
        assert result.decision == expected
        assert result.missing_context == ()

    def test_date_condition_without_the_key(self) -> None:
        result = as_user("fn3-exploitableConditionConstraint-user", "iam:CreatePolicyVersion")
        assert result.decision == IMPLICIT_DENY
        assert result.missing_context == ("aws:TokenIssueTime",)

    def test_group_managed_policy(self) -> None:
        # privesc-sre-user has no policy of its own; its group privesc-sre-group has
        # privesc-sre-admin-policy: Allow iam:*, ec2:*, s3:* on *
        result = as_user("privesc-sre-user", "ec2:RunInstances")
        assert result.decision == ALLOWED
        assert [m.source.source_id for m in result.matched] == ["privesc-sre-admin-policy"]
        assert as_user("privesc-sre-user", "lambda:InvokeFunction").decision == IMPLICIT_DENY

    def test_user_group_inline_and_managed_policies_add_up(self) -> None:
        # biden: inline InsecureUserPolicy (s3:PutObject, PutObjectAcl, GetObject),
        # AWSLambdaFullAccess; group biden: AmazonRDSFullAccess and the inline
        # InlinePolicyForBidenGroup (s3:GetObject, s3:PutObjectAcl)
        get = as_user("biden", "s3:GetObject", "arn:aws:s3:::b/k")
        assert get.decision == ALLOWED
        assert sorted(m.source.source_id for m in get.matched) == [
            "AWSLambdaFullAccess", "InlinePolicyForBidenGroup", "InsecureUserPolicy"]
        types = {m["SourcePolicyType"] for m in get.to_aws()["MatchedStatements"]}
        assert types == {"user", "group", "aws-managed"}
        assert as_user("biden", "rds:CreateDBInstance").decision == ALLOWED
        assert as_user("biden", "lambda:CreateFunction").decision == ALLOWED
        assert as_user("biden", "iam:CreateUser").decision == IMPLICIT_DENY

    def test_administrator(self) -> None:
        for action in ("iam:CreateUser", "s3:DeleteBucket", "organizations:LeaveOrganization"):
            assert as_user("obama", action).decision == ALLOWED

    def test_the_test_export(self) -> None:
        # the smaller export: userwithlotsofpermissions is in group admin
        # (AdministratorAccess) and has InsecureUserPolicy inline
        result = as_user("userwithlotsofpermissions", "iam:CreateAccessKey", path=TEST)
        assert result.decision == ALLOWED
        assert as_user("biden", "iam:DeleteRole", path=TEST).decision == IMPLICIT_DENY

    def test_only_the_default_version_counts(self) -> None:
        # AWSCodeCommitPowerUser: v11 (default) added codeguru-reviewer statements to v10
        data = export(EXAMPLE)
        arn = "arn:aws:iam::aws:policy/AWSCodeCommitPowerUser"
        (policy,) = [p for p in data["Policies"] if p["Arn"] == arn]
        versions = {v["VersionId"]: v for v in policy["PolicyVersionList"]}
        request = EvalRequest("codeguru-reviewer:AssociateRepository", "*")
        old = PolicyInput(compile_policy(text(versions["v10"]["Document"])), "v10")
        assert evaluate(request, [managed(data, arn)]).decision == ALLOWED
        assert evaluate(request, [old]).decision == IMPLICIT_DENY


class TestManagedPolicyDocuments:
    """AWS managed policies of the test export, evaluated as documents (IAM User Guide,
    "AWS managed policies for job functions": PowerUserAccess allows everything but IAM,
    Organizations and Account management, with a few IAM exceptions)."""

    def policy(self, name: str) -> PolicyInput:
        return managed(export(TEST), f"arn:aws:iam::aws:policy/{name}")

    def test_power_user(self) -> None:
        power = [self.policy("PowerUserAccess")]
        for action, expected in [("s3:PutObject", ALLOWED), ("ec2:RunInstances", ALLOWED),
                                 ("iam:CreateUser", IMPLICIT_DENY),
                                 ("organizations:LeaveOrganization", IMPLICIT_DENY),
                                 ("iam:CreateServiceLinkedRole", ALLOWED),
                                 ("iam:ListRoles", ALLOWED), ("iam:ListUsers", IMPLICIT_DENY)]:
            assert evaluate(EvalRequest(action, "*"), power).decision == expected, action

    def test_s3_read_only(self) -> None:
        read = [self.policy("AmazonS3ReadOnlyAccess")]
        assert evaluate(EvalRequest("s3:GetObject", "arn:aws:s3:::b/k"), read).allowed
        assert evaluate(EvalRequest("s3:listbucket", "arn:aws:s3:::b"), read).allowed
        assert not evaluate(EvalRequest("s3:PutObject", "arn:aws:s3:::b/k"), read).allowed


class TestRoleTrustPolicies:
    """AWS JSON policy elements: Principal, on the roles' trust policies: a service
    principal, a user ARN, a role ARN (its sessions), a session ARN, this account's
    root (delegating to identity policies) and another account's root (cross-account)."""

    def test_service_principal(self) -> None:
        role = "AWS-QuickSetup-EnableCRecording-1clff_ap-northeast-1"  # ssm.amazonaws.com
        assert assume(role, "ssm.amazonaws.com").decision == ALLOWED
        assert assume(role, "ec2.amazonaws.com").decision == IMPLICIT_DENY

    def test_user_principal(self) -> None:
        # privesc-sre-role trusts the user privesc-sre-user, who has no sts permission:
        # a resource-based policy naming the user suffices within the account
        user = f"arn:aws:iam::{ACCOUNT}:user/privesc-sre-user"
        assert assume("privesc-sre-role", user).decision == ALLOWED
        other = f"arn:aws:iam::{ACCOUNT}:user/fp3-deny-iam-user"
        assert assume("privesc-sre-role", other).decision == IMPLICIT_DENY

    def test_role_principal_covers_its_sessions(self) -> None:
        starting = f"arn:aws:sts::{ACCOUNT}:assumed-role/privesc-AssumeRole-starting-role/s1"
        other = f"arn:aws:sts::{ACCOUNT}:assumed-role/privesc-sre-role/s1"
        assert assume("privesc-AssumeRole-intermediate-role", starting).decision == ALLOWED
        assert assume("privesc-AssumeRole-intermediate-role", other).decision == IMPLICIT_DENY

    def test_session_principal(self) -> None:
        assert assume("fn3-exploitableConditionConstraint-role", SSO_SESSION).decision == ALLOWED
        other_session = SSO_SESSION.replace("elad@codsec.io", "someone@else")
        assert assume("fn3-exploitableConditionConstraint-role", other_session).decision \
            == IMPLICIT_DENY

    def test_own_account_root_delegates(self) -> None:
        # privesc-permissive-role-trust trusts arn:aws:iam::200611803367:root; the
        # fn4 user's NotAction policy allows sts:AssumeRole, the fp3 user's does not
        allowed_arn, allowed = user_policies(export(EXAMPLE), "fn4-exploitableNotAction-user")
        assert assume("privesc-permissive-role-trust", allowed_arn, allowed).decision == ALLOWED
        denied_arn, denied = user_policies(export(EXAMPLE), "fp3-deny-iam-user")
        assert assume("privesc-permissive-role-trust", denied_arn, denied).decision \
            == IMPLICIT_DENY
        # obama (AdministratorAccess) is in another account, 012345678901: the trust
        # names only 200611803367, so the owner's side does not allow
        admin_arn, admin = user_policies(export(EXAMPLE), "obama")
        result = assume("privesc-permissive-role-trust", admin_arn, admin)
        assert result.decision == IMPLICIT_DENY and result.cross_account

    def test_other_account_root_is_cross_account(self) -> None:
        # OrganizationAccountAccessRole trusts arn:aws:iam::072528804237:root
        caller = "arn:aws:iam::072528804237:user/ops"
        may_assume = [PolicyInput(compile_policy(json.dumps({
            "Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "sts:AssumeRole",
                                                   "Resource": "*"}})), "PolicyInputList.1")]
        result = assume("OrganizationAccountAccessRole", caller, may_assume)
        assert result.decision == ALLOWED and result.cross_account
        assert assume("OrganizationAccountAccessRole", caller).decision == IMPLICIT_DENY
        stranger = "arn:aws:iam::111122223333:user/ops"
        assert assume("OrganizationAccountAccessRole", stranger, may_assume).decision \
            == IMPLICIT_DENY
