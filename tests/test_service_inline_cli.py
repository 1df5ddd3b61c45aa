"""The group, role, inline policy and boundary commands end to end through `iamtui.cli.main`,
with `aws iam`'s flags and JSON answers (AWS CLI Command Reference, iam: create-group,
get-group, add-user-to-group, delete-group, create-role, get-role, put-role-policy,
get-role-policy, list-user-policies, put-user-permissions-boundary) and its error
output `An error occurred (CODE) when calling the OPERATION operation: MESSAGE`.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from helpers import ACCOUNT_ID, ROOT_PASSWORD, CliRunner, parsed

from iamtui import cli

TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
    "Action": "sts:AssumeRole"}]}
READ_S3 = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket/*"}]}


class Cli(CliRunner):
    """Runs commands as root against one store, returning (exit code, JSON, stderr)."""

    def __call__(self, *argv: str) -> tuple[int, Any, str]:
        code, out, err = self.root(*argv)
        return code, parsed(out), err


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> Cli:
    runner = Cli(tmp_path, monkeypatch, capsys)
    runner.init()
    return runner


def test_group_lifecycle(run: Cli) -> None:
    """create-group / add-user-to-group / get-group print AWS's shapes; delete-group is
    refused while the group has members, and --cascade removes them."""
    code, out, _ = run("create-group", "--group-name", "devs", "--path", "/eng/")
    assert code == 0
    assert out["Group"]["Arn"] == f"arn:aws:iam::{ACCOUNT_ID}:group/eng/devs"
    assert set(out["Group"]) == {"Path", "GroupName", "GroupId", "Arn", "CreateDate"}
    run("create-user", "--user-name", "bob")
    assert run("add-user-to-group", "--group-name", "devs", "--user-name", "bob")[0] == 0
    code, out, _ = run("get-group", "--group-name", "DEVS")
    assert out["Group"]["GroupName"] == "devs"
    assert [u["UserName"] for u in out["Users"]] == ["bob"]
    code, out, _ = run("list-groups-for-user", "--user-name", "bob")
    assert [g["GroupName"] for g in out["Groups"]] == ["devs"]
    code, out, err = run("delete-group", "--group-name", "devs")
    assert code == cli.EXIT_SERVICE_ERROR and out is None
    assert err.strip() == ("An error occurred (DeleteConflict) when calling the DeleteGroup "
                           "operation: Cannot delete entity, must remove users from group "
                           "first.")
    assert run("delete-group", "--group-name", "devs", "--cascade")[0] == 0
    assert run("list-groups")[1] == {"Groups": []}


def test_role_and_its_inline_policy(run: Cli, tmp_path: Path) -> None:
    """create-role takes the trust policy as JSON text, get-role shows it decoded;
    put-role-policy takes file://, get-role-policy shows the document as a JSON object."""
    code, out, _ = run("create-role", "--role-name", "web", "--assume-role-policy-document",
                       json.dumps(TRUST), "--max-session-duration", "7200",
                       "--description", "web tier", "--tags", "Key=team,Value=red")
    assert code == 0
    role = out["Role"]
    assert role["AssumeRolePolicyDocument"] == TRUST
    assert (role["MaxSessionDuration"], role["Description"]) == (7200, "web tier")
    assert role["Tags"] == [{"Key": "team", "Value": "red"}]
    policy_file = tmp_path / "read-s3.json"
    policy_file.write_text(json.dumps(READ_S3, indent=2))
    assert run("put-role-policy", "--role-name", "web", "--policy-name", "read",
               "--policy-document", f"file://{policy_file}")[0] == 0
    code, out, _ = run("get-role-policy", "--role-name", "web", "--policy-name", "read")
    assert out == {"RoleName": "web", "PolicyName": "read", "PolicyDocument": READ_S3}
    assert run("list-role-policies", "--role-name", "web")[1] == {"PolicyNames": ["read"]}
    code, out, _ = run("get-role", "--role-name", "web")
    assert out["Role"]["RoleLastUsed"] == {}
    assert run("delete-role", "--role-name", "web")[0] == cli.EXIT_SERVICE_ERROR
    assert run("delete-role", "--role-name", "web", "--cascade")[0] == 0
    assert run("list-roles")[1] == {"Roles": []}


def test_errors_exit_254_with_aws_wording(run: Cli) -> None:
    """Bad input gives the AWS error code and message, and changes nothing."""
    code, _, err = run("create-role", "--role-name", "web", "--assume-role-policy-document",
                       json.dumps(TRUST), "--max-session-duration", "60")
    assert code == cli.EXIT_SERVICE_ERROR
    assert err.startswith("An error occurred (ValidationError) when calling the CreateRole "
                          "operation:")
    run("create-user", "--user-name", "bob")
    code, _, err = run("put-user-policy", "--user-name", "bob", "--policy-name", "p",
                       "--policy-document", '{"Version":"2012-10-17","Statement":[]')
    assert code == cli.EXIT_SERVICE_ERROR and "(MalformedPolicyDocument)" in err
    assert "PutUserPolicy operation" in err
    assert run("list-user-policies", "--user-name", "bob")[1] == {"PolicyNames": []}
    code, _, err = run("put-user-permissions-boundary", "--user-name", "bob",
                       "--permissions-boundary", "arn:aws:iam::aws:policy/Missing")
    assert code == cli.EXIT_SERVICE_ERROR and "(NoSuchEntity)" in err
    assert run("list-roles")[1] == {"Roles": []}


def test_boundary_commands(run: Cli) -> None:
    run("create-user", "--user-name", "bob")
    arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
    assert run("put-user-permissions-boundary", "--user-name", "bob",
               "--permissions-boundary", arn)[0] == 0
    boundary = run("get-user", "--user-name", "bob")[1]["User"]["PermissionsBoundary"]
    assert boundary == {"PermissionsBoundaryType": "PermissionsBoundaryPolicy",
                        "PermissionsBoundaryArn": arn}
    assert run("delete-user-permissions-boundary", "--user-name", "bob")[0] == 0
    assert "PermissionsBoundary" not in run("get-user", "--user-name", "bob")[1]["User"]


def test_table_output(run: Cli, capsys: pytest.CaptureFixture[str],
                      monkeypatch: pytest.MonkeyPatch) -> None:
    run("create-group", "--group-name", "devs")
    monkeypatch.setattr("sys.stdin", io.StringIO(ROOT_PASSWORD + "\n"))
    assert cli.main(["list-groups", "--explain", "--db", str(run.db), "--as-root",
                     "--root-password-stdin"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["GroupName", "Path", "Arn", "Created"]
    assert lines[2].split()[:2] == ["devs", "/"]
