"""simulate-principal-policy: a stored principal's policies through the engine.

Semantics from the IAM API reference (SimulatePrincipalPolicy: PolicySourceArn,
PolicyInputList, PermissionsBoundaryPolicyInputList, CallerArn, ContextEntries,
ResourcePolicy; data types EvaluationResult and Statement with SourcePolicyType
user | group | role | aws-managed | user-managed | resource), the IAM User Guide
("Policy evaluation logic"; "How IAM roles differ from resource-based policies": a role's
trust policy is its resource-based policy) and the AWS CLI examples of
`aws iam simulate-principal-policy`.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from helpers import ACCOUNT_ID, ROOT_PASSWORD
from test_service_account_details import (
    EXAMPLE,
    EXAMPLE_ACCOUNT,
    OTHER_ACCOUNT,
    load,
    make_service,  # noqa: F401  (fixture)
    needs_data,
)

from iamtui.cli import main
from iamtui.errors import AccessDenied, InvalidInput, NoSuchEntity
from iamtui.model import ResourcePolicy
from iamtui.policy import (
    ContextEntry,
    PolicyInput,
    PolicySourceType,
    PolicyType,
    compile_policy,
)
from iamtui.service import IamService, Principal
from iamtui.service.tables import RESOURCE_POLICIES

USER_ARN = f"arn:aws:iam::{ACCOUNT_ID}:user/alice"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT_ID}:role/deploy"
GROUP_ARN = f"arn:aws:iam::{ACCOUNT_ID}:group/devs"
STAMP = "2024-01-01 00:00:00+00:00"


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: str, resource: str = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: str, resource: str = "*") -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource}


def account_export() -> dict[str, Any]:
    """alice: an inline policy, a customer managed policy, group devs (an inline policy and
    AWS managed AmazonS3ReadOnlyAccess), a boundary; role deploy trusting alice."""
    a = ACCOUNT_ID
    mine = doc(allow("s3:PutObject", "arn:aws:s3:::alice-bucket/*"),
               allow("s3:PutObject", "arn:aws:s3:::home/${aws:username}/*"))
    return {
        "UserDetailList": [{
            "Path": "/", "UserName": "alice", "UserId": "AIDAALICE00000EXAMPLE", "Arn": USER_ARN,
            "CreateDate": STAMP, "GroupList": ["devs"],
            "UserPolicyList": [{"PolicyName": "alice-own", "PolicyDocument": mine}],
            "AttachedManagedPolicies": [{"PolicyName": "ec2-describe",
                                         "PolicyArn": f"arn:aws:iam::{a}:policy/ec2-describe"}],
            "PermissionsBoundary": {"PermissionsBoundaryType": "PermissionsBoundaryPolicy",
                                    "PermissionsBoundaryArn": f"arn:aws:iam::{a}:policy/fence"},
            "Tags": [{"Key": "team", "Value": "red"}]}],
        "GroupDetailList": [{
            "Path": "/", "GroupName": "devs", "GroupId": "AGPADEVS000000EXAMPLE",
            "Arn": GROUP_ARN, "CreateDate": STAMP,
            "GroupPolicyList": [{"PolicyName": "no-delete",
                                 "PolicyDocument": doc(deny("s3:DeleteObject"))}],
            "AttachedManagedPolicies": [{
                "PolicyName": "AmazonS3ReadOnlyAccess",
                "PolicyArn": "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"}]}],
        "RoleDetailList": [{
            "Path": "/", "RoleName": "deploy", "RoleId": "AROADEPLOY0000EXAMPLE",
            "Arn": ROLE_ARN, "CreateDate": STAMP,
            "AssumeRolePolicyDocument": doc({"Effect": "Allow", "Action": "sts:AssumeRole",
                                             "Principal": {"AWS": USER_ARN}}),
            "InstanceProfileList": [],
            "RolePolicyList": [{"PolicyName": "deploy-lambda",
                                "PolicyDocument": doc(allow("lambda:*"))}],
            "AttachedManagedPolicies": [], "Tags": [], "RoleLastUsed": {}}],
        "Policies": [
            _policy("ec2-describe", doc(allow("ec2:Describe*"))),
            # the boundary: S3 and EC2 only
            _policy("fence", doc(allow("s3:*"), allow("ec2:*"), allow("sts:AssumeRole"))),
        ],
    }


def _policy(name: str, document: dict[str, Any]) -> dict[str, Any]:
    return {"PolicyName": name, "PolicyId": f"ANPA{name.upper():0<17}"[:21],
            "Arn": f"arn:aws:iam::{ACCOUNT_ID}:policy/{name}", "Path": "/",
            "DefaultVersionId": "v1", "AttachmentCount": 1, "PermissionsBoundaryUsageCount": 0,
            "IsAttachable": True, "CreateDate": STAMP, "UpdateDate": STAMP,
            "PolicyVersionList": [{"Document": document, "VersionId": "v1",
                                   "IsDefaultVersion": True, "CreateDate": STAMP}]}


@pytest.fixture
def account(service: IamService, root: Principal) -> IamService:
    service.import_account_authorization_details(root, account_export())
    return service


def decide(service: IamService, caller: Principal, source: str, action: str,
           resource: str = "*", **options: Any) -> dict[str, Any]:
    [result] = service.simulate_principal_policy(caller, source, [action], [resource],
                                                 **options)
    return result.to_aws()


def sources(result: dict[str, Any]) -> list[tuple[str, str]]:
    return [(m["SourcePolicyId"], m["SourcePolicyType"]) for m in result["MatchedStatements"]]


# ------------------------------------------------------------------ a user's policies


def test_user_inline_managed_and_group_policies(account: IamService, root: Principal) -> None:
    """A user's simulation includes its own and its groups' policies; SourcePolicyType
    says where each statement came from."""
    put = decide(account, root, USER_ARN, "s3:PutObject", "arn:aws:s3:::alice-bucket/k")
    assert put["EvalDecision"] == "allowed"
    assert ("alice-own", "user") in sources(put)
    read = decide(account, root, USER_ARN, "s3:GetObject", "arn:aws:s3:::any/k")
    assert ("AmazonS3ReadOnlyAccess", "aws-managed") in sources(read)
    assert read["PermissionsBoundaryDecisionDetail"] == {"AllowedByPermissionsBoundary": True}
    # the group's explicit deny wins over everything
    delete = decide(account, root, USER_ARN, "s3:DeleteObject", "arn:aws:s3:::alice-bucket/k")
    assert delete["EvalDecision"] == "explicitDeny"
    assert sources(delete) == [("no-delete", "group")]
    describe = decide(account, root, USER_ARN, "ec2:DescribeInstances")
    assert describe["EvalDecision"] == "allowed"
    assert ("ec2-describe", "user-managed") in sources(describe)


def test_boundary_limits_and_can_be_replaced(account: IamService, root: Principal) -> None:
    """The boundary caps what a policy added through PolicyInputList grants; passing
    PermissionsBoundaryPolicyInputList replaces the stored boundary."""
    extra = PolicyInput(compile_policy(json.dumps(doc(allow("dynamodb:GetItem")))),
                        "PolicyInputList.1")
    capped = decide(account, root, USER_ARN, "dynamodb:GetItem", policy_input_list=[extra])
    assert capped["EvalDecision"] == "implicitDeny"
    assert capped["PermissionsBoundaryDecisionDetail"] == {
        "AllowedByPermissionsBoundary": False}
    wide = PolicyInput(compile_policy(json.dumps(doc(allow("*")))),
                       "PermissionsBoundaryPolicyInputList.1")
    freed = decide(account, root, USER_ARN, "dynamodb:GetItem", policy_input_list=[extra],
                   permissions_boundary_policy_input_list=[wide])
    assert freed["EvalDecision"] == "allowed"
    assert ("PolicyInputList.1", "none") in sources(freed)


def test_group_and_role_sources(account: IamService, root: Principal) -> None:
    """A group or a role can be the source too (a group has no boundary)."""
    group = decide(account, root, GROUP_ARN, "s3:GetObject")
    assert group["EvalDecision"] == "allowed" and "PermissionsBoundaryDecisionDetail" not in group
    role = decide(account, root, ROLE_ARN, "lambda:InvokeFunction")
    assert role["EvalDecision"] == "allowed"
    assert sources(role) == [("deploy-lambda", "role")]


def test_context_is_what_the_caller_gives(account: IamService, root: Principal) -> None:
    """As AWS's simulator: a key no entry supplies is listed in MissingContextValues; our
    --fill-principal-context fills in what the source principal implies."""
    home = "arn:aws:s3:::home/alice/notes.txt"
    bare = decide(account, root, USER_ARN, "s3:PutObject", home)
    assert bare["EvalDecision"] == "implicitDeny"
    assert "aws:username" in bare["MissingContextValues"]
    filled = decide(account, root, USER_ARN, "s3:PutObject", home,
                    fill_principal_context=True)
    assert filled["EvalDecision"] == "allowed"
    assert filled["MissingContextValues"] == []
    # a value the caller gives is never overwritten
    bob = decide(account, root, USER_ARN, "s3:PutObject", home,
                 context_entries=[ContextEntry("aws:username", ("bob",))],
                 fill_principal_context=True)
    assert bob["EvalDecision"] == "implicitDeny"


# ------------------------------------------------------------------ resource-based policies


def test_trust_policy_decides_sts_assume_role(account: IamService, root: Principal) -> None:
    """A role's trust policy names alice: she may assume it, though no identity policy of
    hers allows sts:AssumeRole (same account, principal named directly)."""
    assumed = decide(account, root, USER_ARN, "sts:AssumeRole", ROLE_ARN)
    assert assumed["EvalDecision"] == "allowed"
    assert sources(assumed) == [("deploy", "resource")]
    # the role's trust policy does not name the group's members in general
    assert decide(account, root, ROLE_ARN, "sts:AssumeRole",
                  ROLE_ARN)["EvalDecision"] == "implicitDeny"


def test_stored_resource_policy_is_used(account: IamService, root: Principal) -> None:
    """The resource's stored policy takes part; --resource-policy replaces it."""
    bucket = "arn:aws:sqs:us-east-1:111122223333:jobs"
    with account.store.transaction() as tx:
        RESOURCE_POLICIES.put(tx, ResourcePolicy(bucket, json.dumps(doc({
            "Effect": "Allow", "Action": "sqs:SendMessage", "Resource": bucket,
            "Principal": {"AWS": USER_ARN}})), datetime(2024, 1, 1, tzinfo=UTC)))
    sent = decide(account, root, USER_ARN, "sqs:SendMessage", bucket)
    assert sent["EvalDecision"] == "allowed"
    assert sources(sent) == [(bucket, "resource")]
    other = PolicyInput(compile_policy(json.dumps(doc({
        "Effect": "Allow", "Action": "sqs:SendMessage", "Resource": bucket,
        "Principal": {"AWS": "arn:aws:iam::111122223333:user/bob"}})), PolicyType.RESOURCE),
        "ResourcePolicy", PolicySourceType.RESOURCE)
    assert decide(account, root, USER_ARN, "sqs:SendMessage", bucket,
                  resource_policy=other)["EvalDecision"] == "implicitDeny"
    with pytest.raises(InvalidInput, match="CallerArn is required"):
        decide(account, root, ROLE_ARN, "sqs:SendMessage", bucket, resource_policy=other)


# ------------------------------------------------------------------ errors and authorization


def test_errors(account: IamService, root: Principal) -> None:
    with pytest.raises(NoSuchEntity, match="The user with name nobody cannot be found"):
        decide(account, root, f"arn:aws:iam::{ACCOUNT_ID}:user/nobody", "s3:GetObject")
    with pytest.raises(InvalidInput, match="user, group or role"):
        decide(account, root, f"arn:aws:iam::{ACCOUNT_ID}:policy/fence", "s3:GetObject")
    with pytest.raises(InvalidInput):
        decide(account, root, "not-an-arn", "s3:GetObject")
    with pytest.raises(InvalidInput, match="service:ActionName"):
        decide(account, root, USER_ARN, "GetObject")


def test_authorized_as_simulate_principal_policy_on_the_source(account: IamService,
                                                               root: Principal) -> None:
    """iam:SimulatePrincipalPolicy on the source ARN (Service Authorization Reference:
    resource types user, group, role); a denial is audited."""
    bob = Principal.for_user(account.create_user(root, "bob"), ACCOUNT_ID)
    with pytest.raises(AccessDenied, match=f"iam:SimulatePrincipalPolicy on resource: "
                                           f"{USER_ARN}"):
        decide(account, bob, USER_ARN, "s3:GetObject")
    last = account.audit.page(0, 1)[0]
    assert (last["eventName"], last["errorCode"]) == ("SimulatePrincipalPolicy", "AccessDenied")


# ------------------------------------------------------------------ the real account


@needs_data
def test_real_users_hand_checked(make_service: Any) -> None:  # noqa: F811
    """Decisions for imported users of the cloudsplaining example, checked by hand:
    fp1-allow-and-deny-user's one policy allows and denies iam:* (deny wins);
    privesc4-CreateAccessKey-user may only iam:CreateAccessKey; obama is in group admin
    with AdministratorAccess attached directly too."""
    service = make_service(EXAMPLE_ACCOUNT)
    root = service.root_principal()
    service.import_account_authorization_details(root, load(EXAMPLE),
                                                 map_accounts=[OTHER_ACCOUNT])
    arn = f"arn:aws:iam::{EXAMPLE_ACCOUNT}:user/"
    both = decide(service, root, arn + "fp1-allow-and-deny-user", "iam:CreateUser")
    assert both["EvalDecision"] == "explicitDeny"
    assert sources(both) == [("fp1-allow-and-deny", "user-managed")]
    key = decide(service, root, arn + "privesc4-CreateAccessKey-user", "iam:CreateAccessKey",
                 f"arn:aws:iam::{EXAMPLE_ACCOUNT}:user/someone")
    assert key["EvalDecision"] == "allowed"
    assert sources(key) == [("privesc4-CreateAccessKey", "user-managed")]
    assert decide(service, root, arn + "privesc4-CreateAccessKey-user",
                  "iam:CreateUser")["EvalDecision"] == "implicitDeny"
    admin = decide(service, root, arn + "obama", "ec2:RunInstances")
    assert admin["EvalDecision"] == "allowed"
    assert set(sources(admin)) == {("AdministratorAccess", "aws-managed")}
    assert len(admin["MatchedStatements"]) == 2  # attached to him and to his group


@needs_data
def test_real_trust_policies(make_service: Any) -> None:  # noqa: F811
    """privesc-sre-role trusts the user privesc-sre-user by ARN: allowed by the trust policy
    alone. privesc-permissive-role-trust trusts the account (root): that delegates to the
    caller's identity policies, so obama (AdministratorAccess) may assume it and
    privesc4-CreateAccessKey-user may not."""
    service = make_service(EXAMPLE_ACCOUNT)
    root = service.root_principal()
    service.import_account_authorization_details(root, load(EXAMPLE),
                                                 map_accounts=[OTHER_ACCOUNT])
    user = f"arn:aws:iam::{EXAMPLE_ACCOUNT}:user/"
    role = f"arn:aws:iam::{EXAMPLE_ACCOUNT}:role/"
    sre = decide(service, root, user + "privesc-sre-user", "sts:AssumeRole",
                 role + "privesc-sre-role")
    assert sre["EvalDecision"] == "allowed"
    assert ("privesc-sre-role", "resource") in sources(sre)
    assert decide(service, root, user + "privesc4-CreateAccessKey-user", "sts:AssumeRole",
                  role + "privesc-sre-role")["EvalDecision"] == "implicitDeny"
    permissive = role + "privesc-permissive-role-trust"
    assert decide(service, root, user + "obama", "sts:AssumeRole",
                  permissive)["EvalDecision"] == "allowed"
    assert decide(service, root, user + "privesc4-CreateAccessKey-user", "sts:AssumeRole",
                  permissive)["EvalDecision"] == "implicitDeny"


# ------------------------------------------------------------------ the CLI


def test_cli_output_is_shaped_like_simulate_custom_policy(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Same EvaluationResults shape as simulate-custom-policy (AWS CLI examples of both)."""
    monkeypatch.setenv("IAMTUI_CONFIG_DIR", str(tmp_path / "config"))
    db = str(tmp_path / "db" / "iamtui.json")

    def run(*argv: str) -> tuple[int, str, str]:
        monkeypatch.setattr("sys.stdin", io.StringIO(ROOT_PASSWORD + "\n"))
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    auth = ("--db", db, "--as-root", "--root-password-stdin")
    assert run("init", "--account-id", ACCOUNT_ID, "--db", db, "--root-password-stdin")[0] == 0
    export = tmp_path / "export.json"
    export.write_text(json.dumps(account_export()))
    assert run("import-account-authorization-details", f"file://{export}", *auth)[0] == 0
    code, out, err = run("simulate-principal-policy", "--policy-source-arn", USER_ARN,
                         "--action-names", "s3:PutObject", "s3:DeleteObject",
                         "--resource-arns", "arn:aws:s3:::alice-bucket/k",
                         "--context-entries",
                         "ContextKeyName=aws:username,ContextKeyValues=alice", *auth)
    assert code == 0, err
    principal = json.loads(out)
    extra = json.dumps(doc(allow("s3:PutObject")))
    code, out, _ = run("simulate-custom-policy", "--policy-input-list", extra,
                       "--action-names", "s3:PutObject", "--resource-arns",
                       "arn:aws:s3:::alice-bucket/k")
    custom = json.loads(out)
    assert set(principal) == set(custom) == {"EvaluationResults"}
    first, theirs = principal["EvaluationResults"][0], custom["EvaluationResults"][0]
    assert set(theirs) <= set(first)
    assert set(first["MatchedStatements"][0]) == set(theirs["MatchedStatements"][0])
    assert [r["EvalDecision"] for r in principal["EvaluationResults"]] == [
        "allowed", "explicitDeny"]
    code, out, _ = run("simulate-principal-policy", "--policy-source-arn", USER_ARN,
                       "--action-names", "sts:AssumeRole", "--resource-arns", ROLE_ARN,
                       "--explain", *auth)
    assert code == 0 and "allowed" in out
    code, _, err = run("simulate-principal-policy", "--policy-source-arn",
                       f"arn:aws:iam::{ACCOUNT_ID}:user/ghost", "--action-names", "s3:Get",
                       *auth)
    assert code == 254 and "(NoSuchEntity)" in err and "SimulatePrincipalPolicy" in err
