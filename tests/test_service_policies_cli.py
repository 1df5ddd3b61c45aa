"""Managed policy, attachment and resource policy commands end to end through
`iamtui.cli.main`, with `aws iam`'s flags and JSON answers (AWS CLI Command Reference,
iam: create-policy, get-policy, list-policies, create-policy-version, get-policy-version,
list-policy-versions, delete-policy, list-entities-for-policy, attach-user-policy,
list-attached-user-policies) and its error output
`An error occurred (CODE) when calling the OPERATION operation: MESSAGE`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers import ACCOUNT_ID, CliRunner, parsed

from iamtui import cli

READ_S3 = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket/*"}]}
WRITE_S3 = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::bucket/*"}]}
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
POLICY_KEYS = {"PolicyName", "PolicyId", "Arn", "Path", "DefaultVersionId", "AttachmentCount",
               "PermissionsBoundaryUsageCount", "IsAttachable", "CreateDate", "UpdateDate"}


class Cli(CliRunner):
    """Runs commands against one store, as root unless credentials are in the environment;
    returns (exit code, JSON or text, stderr)."""

    def __call__(self, *argv: str, as_root: bool = True) -> tuple[int, Any, str]:
        code, out, err = self.root(*argv) if as_root else self.run(*argv)
        return code, parsed(out), err


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> Cli:
    runner = Cli(tmp_path, monkeypatch, capsys)
    runner.init()
    return runner


def test_policy_and_versions(run: Cli, tmp_path: Path) -> None:
    """create-policy (file:// document), get-policy, create-policy-version --set-as-default,
    get-policy-version (Document as a JSON object), list-policy-versions, and AWS's errors
    for the default version and the sixth version."""
    doc_file = tmp_path / "read.json"
    doc_file.write_text(json.dumps(READ_S3, indent=2))
    code, out, _ = run("create-policy", "--policy-name", "ReadBucket", "--policy-document",
                       f"file://{doc_file}", "--path", "/app/", "--description", "read",
                       "--tags", "Key=team,Value=red")
    assert code == 0
    policy = out["Policy"]
    assert set(policy) >= POLICY_KEYS
    arn = policy["Arn"]
    assert arn == f"arn:aws:iam::{ACCOUNT_ID}:policy/app/ReadBucket"
    assert (policy["DefaultVersionId"], policy["AttachmentCount"]) == ("v1", 0)
    assert policy["PolicyId"].startswith("ANPA")
    assert policy["CreateDate"].endswith("+00:00")

    code, out, _ = run("create-policy-version", "--policy-arn", arn, "--policy-document",
                       json.dumps(WRITE_S3), "--set-as-default")
    assert code == 0
    assert set(out["PolicyVersion"]) == {"VersionId", "IsDefaultVersion", "CreateDate"}
    assert (out["PolicyVersion"]["VersionId"], out["PolicyVersion"]["IsDefaultVersion"]) == (
        "v2", True)
    code, out, _ = run("get-policy-version", "--policy-arn", arn, "--version-id", "v1")
    assert out["PolicyVersion"]["Document"] == READ_S3  # a JSON object, as the AWS CLI prints
    assert out["PolicyVersion"]["IsDefaultVersion"] is False
    code, out, _ = run("list-policy-versions", "--policy-arn", arn)
    assert [v["VersionId"] for v in out["Versions"]] == ["v2", "v1"]
    assert "Document" not in out["Versions"][0]
    code, out, _ = run("get-policy", "--policy-arn", arn)
    assert out["Policy"]["DefaultVersionId"] == "v2"
    assert out["Policy"]["Tags"] == [{"Key": "team", "Value": "red"}]

    code, _, err = run("delete-policy-version", "--policy-arn", arn, "--version-id", "v2")
    assert code == cli.EXIT_SERVICE_ERROR
    assert err.strip() == ("An error occurred (DeleteConflict) when calling the "
                           "DeletePolicyVersion operation: Cannot delete the default version "
                           "of a policy.")
    for i in range(3):
        assert run("create-policy-version", "--policy-arn", arn, "--policy-document",
                   json.dumps(READ_S3))[0] == 0, i
    code, _, err = run("create-policy-version", "--policy-arn", arn, "--policy-document",
                       json.dumps(READ_S3))
    assert code == cli.EXIT_SERVICE_ERROR and "(LimitExceeded)" in err
    assert "up to 5 versions" in err


def test_attach_list_entities_and_delete(run: Cli) -> None:
    """attach-user-policy / list-attached-user-policies / list-entities-for-policy /
    list-policies counts; delete-policy is refused while attached and --cascade works."""
    assert run("create-user", "--user-name", "alice")[0] == 0
    code, out, _ = run("create-policy", "--policy-name", "p", "--policy-document",
                       json.dumps(READ_S3))
    arn = out["Policy"]["Arn"]
    assert run("attach-user-policy", "--user-name", "alice", "--policy-arn", arn)[0] == 0
    assert run("attach-user-policy", "--user-name", "alice", "--policy-arn", ADMIN)[0] == 0
    code, out, _ = run("list-attached-user-policies", "--user-name", "alice")
    assert out == {"AttachedPolicies": [
        {"PolicyName": "AdministratorAccess", "PolicyArn": ADMIN},
        {"PolicyName": "p", "PolicyArn": arn}]}
    code, out, _ = run("list-entities-for-policy", "--policy-arn", arn)
    assert out["PolicyGroups"] == [] and out["PolicyRoles"] == []
    assert [u["UserName"] for u in out["PolicyUsers"]] == ["alice"]
    assert out["PolicyUsers"][0]["UserId"].startswith("AIDA")
    code, out, _ = run("list-policies", "--only-attached")
    assert {(p["PolicyName"], p["AttachmentCount"]) for p in out["Policies"]} == {
        ("AdministratorAccess", 1), ("p", 1)}
    assert "Description" not in out["Policies"][0]

    code, _, err = run("delete-policy", "--policy-arn", arn)
    assert (code, err.strip()) == (cli.EXIT_SERVICE_ERROR, (
        "An error occurred (DeleteConflict) when calling the DeletePolicy operation: "
        "Cannot delete a policy attached to entities."))
    assert run("delete-policy", "--policy-arn", arn, "--cascade")[0] == 0
    code, out, _ = run("list-attached-user-policies", "--user-name", "alice")
    assert [p["PolicyName"] for p in out["AttachedPolicies"]] == ["AdministratorAccess"]
    code, _, err = run("get-policy", "--policy-arn", arn)
    assert code == cli.EXIT_SERVICE_ERROR and "(NoSuchEntity)" in err


def test_errors_in_aws_shape(run: Cli) -> None:
    """Unknown owners and policies, AWS managed policies and bad enum values answer with
    AWS's codes on stderr (exit 254)."""
    code, _, err = run("attach-role-policy", "--role-name", "ghost", "--policy-arn", ADMIN)
    assert code == cli.EXIT_SERVICE_ERROR
    assert err.strip() == ("An error occurred (NoSuchEntity) when calling the "
                           "AttachRolePolicy operation: The role with name ghost cannot be "
                           "found.")
    code, _, err = run("delete-policy", "--policy-arn", ADMIN)
    assert code == cli.EXIT_SERVICE_ERROR and "(AccessDenied)" in err
    code, _, err = run("list-policies", "--scope", "Mine")
    assert code == cli.EXIT_SERVICE_ERROR and "(ValidationError)" in err
    code, out, _ = run("get-policy", "--policy-arn", ADMIN)
    assert out["Policy"]["Arn"] == ADMIN and out["Policy"]["DefaultVersionId"].startswith("v")


def test_table_output(run: Cli) -> None:
    """--output table prints rows for people."""
    run("create-policy", "--policy-name", "p", "--policy-document", json.dumps(READ_S3))
    code, out, _ = run("list-policies", "--scope", "Local", "--explain")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:2] == ["PolicyName", "Scope"]
    assert lines[2].split()[:3] == ["p", "Local", "v1"]


def test_resource_policy_commands(run: Cli) -> None:
    """put-/get-/list-/delete-resource-policy (iamtui's own commands)."""
    bucket = "arn:aws:s3:::reports"
    policy = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"},
        "Action": "s3:GetObject", "Resource": f"{bucket}/*"}]}
    code, out, _ = run("put-resource-policy", "--resource-arn", bucket, "--policy-document",
                       json.dumps(policy))
    assert code == 0 and out["ResourcePolicy"]["ResourceArn"] == bucket
    code, out, _ = run("get-resource-policy", "--resource-arn", bucket)
    assert out["ResourcePolicy"]["PolicyDocument"] == policy
    code, out, _ = run("list-resource-policies")
    assert [p["ResourceArn"] for p in out["ResourcePolicies"]] == [bucket]
    assert run("delete-resource-policy", "--resource-arn", bucket)[0] == 0
    code, _, err = run("get-resource-policy", "--resource-arn", bucket)
    assert code == cli.EXIT_SERVICE_ERROR and "(NoSuchEntity)" in err
    del policy["Statement"][0]["Principal"]
    code, _, err = run("put-resource-policy", "--resource-arn", bucket, "--policy-document",
                       json.dumps(policy))
    assert code == cli.EXIT_SERVICE_ERROR and "(MalformedPolicyDocument)" in err


def test_operator_with_access_key(run: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """A user acting with its access key may do what its attached managed policy allows and
    nothing else (IAM User Guide, "Policy evaluation logic")."""
    run("create-user", "--user-name", "alice")
    code, out, _ = run("create-access-key", "--user-name", "alice")
    assert code == 0
    monkeypatch.setenv("IAMTUI_ACCESS_KEY_ID", out["AccessKey"]["AccessKeyId"])
    monkeypatch.setenv("IAMTUI_SECRET_ACCESS_KEY", out["AccessKey"]["SecretAccessKey"])
    code, _, err = run("list-policies", "--scope", "Local", as_root=False)
    assert code == cli.EXIT_SERVICE_ERROR and "(AccessDenied)" in err
    assert "iam:ListPolicies" in err
    run("attach-user-policy", "--user-name", "alice", "--policy-arn",
        "arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    code, out, _ = run("list-policies", "--scope", "Local", as_root=False)
    assert (code, out) == (0, {"Policies": []})
    code, _, err = run("create-policy", "--policy-name", "x", "--policy-document",
                       json.dumps(READ_S3), as_root=False)
    assert code == cli.EXIT_SERVICE_ERROR and "iam:CreatePolicy" in err
