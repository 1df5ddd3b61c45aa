"""The policy commands of the CLI: simulate-custom-policy, get-context-keys-for-custom-policy,
validate-policy.

References:
- IAM API Reference, SimulateCustomPolicy (CallerArn is required with a ResourcePolicy),
  EvaluationResult, Statement, Position, ContextEntry, GetContextKeysForCustomPolicy:
  https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulateCustomPolicy.html
- AWS CLI command reference, `aws iam simulate-custom-policy` and
  `aws iam get-context-keys-for-custom-policy`, their examples (output shapes, positions):
  https://docs.aws.amazon.com/cli/latest/reference/iam/simulate-custom-policy.html
- AWS CLI User Guide, "Command line return codes": 252 for a command line that cannot
  be parsed, 254 for an error returned by the service:
  https://docs.aws.amazon.com/cli/latest/userguide/cli-chap-retcodes.html
- IAM Access Analyzer API, ValidatePolicy / ValidatePolicyFinding / Position:
  https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_ValidatePolicy.html
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from iamtui.cli import main

# The AWS CLI reference's simulate-custom-policy example policy, verbatim.
EXAMPLE = ('{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*",'
           '"Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":'
           '"2018-08-16T12:00:00Z"}}}}')
ALLOW_S3 = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}, indent=4)
ALICE = "arn:aws:iam::111122223333:user/alice"
SOURCE_TYPES = {"user", "group", "role", "aws-managed", "user-managed", "resource", "none"}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run the CLI in-process: exit code, stdout, stderr."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def simulate(capsys: pytest.CaptureFixture[str], *argv: str) -> list[dict[str, Any]]:
    code, out, err = run(capsys, "simulate-custom-policy", *argv)
    assert code == 0, err
    return json.loads(out)["EvaluationResults"]


def date_entry(value: str) -> str:
    return json.dumps([{"ContextKeyName": "aws:CurrentTime", "ContextKeyValues": [value],
                        "ContextKeyType": "date"}])


class TestSimulateCustomPolicyShape:
    """AWS CLI reference, simulate-custom-policy examples 1 and 2; API Reference,
    EvaluationResult and Statement."""

    def test_example_1_allowed(self, capsys: pytest.CaptureFixture[str]) -> None:
        (result,) = simulate(capsys, "--policy-input-list", EXAMPLE, "--action-names",
                             "dynamodb:CreateBackup", "--context-entries",
                             date_entry("2019-04-25T11:00:00Z"))
        assert set(result) == {"EvalActionName", "EvalResourceName", "EvalDecision",
                               "MatchedStatements", "MissingContextValues"}
        assert result["EvalActionName"] == "dynamodb:CreateBackup"
        assert result["EvalResourceName"] == "*"
        assert result["EvalDecision"] == "allowed"
        assert result["MissingContextValues"] == []
        (statement,) = result["MatchedStatements"]
        assert statement["SourcePolicyId"] == "PolicyInputList.1"
        assert statement["SourcePolicyType"] in SOURCE_TYPES
        assert statement["StartPosition"] == {"Line": 1, "Column": 38}
        assert statement["EndPosition"] == {"Line": 1, "Column": 167}

    def test_example_2_implicit_deny(self, capsys: pytest.CaptureFixture[str]) -> None:
        (result,) = simulate(capsys, "--policy-input-list", EXAMPLE, "--action-names",
                             "dynamodb:CreateBackup", "--context-entries",
                             date_entry("2014-04-25T11:00:00Z"))
        assert result["EvalDecision"] == "implicitDeny"
        assert result["MatchedStatements"] == []
        assert result["MissingContextValues"] == []

    def test_example_shorthand_with_quotes(self, capsys: pytest.CaptureFixture[str]) -> None:
        (result,) = simulate(
            capsys, "--policy-input-list", EXAMPLE, "--action-names", "dynamodb:CreateBackup",
            "--context-entries", "ContextKeyName='aws:CurrentTime',"
            "ContextKeyValues='2019-04-25T11:00:00Z',ContextKeyType=date")
        assert result["EvalDecision"] == "allowed"

    def test_missing_context_values(self, capsys: pytest.CaptureFixture[str]) -> None:
        (result,) = simulate(capsys, "--policy-input-list", EXAMPLE, "--action-names",
                             "dynamodb:CreateBackup")
        assert result["EvalDecision"] == "implicitDeny"
        assert result["MissingContextValues"] == ["aws:CurrentTime"]

    def test_one_result_per_action_and_resource(self, capsys: pytest.CaptureFixture[str],
                                                ) -> None:
        results = simulate(capsys, "--policy-input-list", ALLOW_S3, "--action-names",
                           "s3:GetObject", "s3:PutObject", "iam:CreateUser", "--resource-arns",
                           "arn:aws:s3:::a/k", "arn:aws:s3:::b/k")
        pairs = [(r["EvalActionName"], r["EvalResourceName"], r["EvalDecision"])
                 for r in results]
        assert sorted(pairs) == sorted([
            ("s3:GetObject", "arn:aws:s3:::a/k", "allowed"),
            ("s3:GetObject", "arn:aws:s3:::b/k", "allowed"),
            ("s3:PutObject", "arn:aws:s3:::a/k", "allowed"),
            ("s3:PutObject", "arn:aws:s3:::b/k", "allowed"),
            ("iam:CreateUser", "arn:aws:s3:::a/k", "implicitDeny"),
            ("iam:CreateUser", "arn:aws:s3:::b/k", "implicitDeny")])
        # API Reference, EvaluationResult: same account with a resource ARN: present, empty
        assert all(r["EvalDecisionDetails"] == {} for r in results)

    def test_multiline_positions_and_second_policy(self, capsys: pytest.CaptureFixture[str],
                                                   ) -> None:
        deny = json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}]}, indent=4)
        results = simulate(capsys, "--policy-input-list", ALLOW_S3, deny,
                           "--action-names", "s3:DeleteBucket", "s3:ListBucket")
        by_action = {r["EvalActionName"]: r for r in results}
        (denied,) = by_action["s3:DeleteBucket"]["MatchedStatements"]
        assert by_action["s3:DeleteBucket"]["EvalDecision"] == "explicitDeny"
        assert denied["SourcePolicyId"] == "PolicyInputList.2"
        # the statement's "{" is line 4, column 9 and its "}" line 8, column 9: AWS
        # reports the positions just past each
        assert denied["StartPosition"] == {"Line": 4, "Column": 10}
        assert denied["EndPosition"] == {"Line": 8, "Column": 10}
        (allowed,) = by_action["s3:ListBucket"]["MatchedStatements"]
        assert allowed["SourcePolicyId"] == "PolicyInputList.1"

    def test_file_documents(self, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
        path = tmp_path / "policy.json"
        path.write_text(ALLOW_S3, encoding="utf-8")
        (result,) = simulate(capsys, "--policy-input-list", f"file://{path}",
                             "--action-names", "s3:ListBucket", "--resource-arns",
                             "arn:aws:s3:::mybucket")
        assert result["EvalDecision"] == "allowed"
        assert result["EvalResourceName"] == "arn:aws:s3:::mybucket"

    def test_context_entries_json_and_shorthand(self, capsys: pytest.CaptureFixture[str],
                                                ) -> None:
        policy = json.dumps({"Version": "2012-10-17", "Statement": {
            "Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {
                "ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]},
                "Bool": {"aws:MultiFactorAuthPresent": "true"}}}})
        as_json = json.dumps([
            {"ContextKeyName": "aws:TagKeys", "ContextKeyValues": ["a", "b"],
             "ContextKeyType": "stringList"},
            {"ContextKeyName": "aws:MultiFactorAuthPresent", "ContextKeyValues": ["true"],
             "ContextKeyType": "boolean"}])
        (result,) = simulate(capsys, "--policy-input-list", policy, "--action-names",
                             "s3:GetObject", "--context-entries", as_json)
        assert result["EvalDecision"] == "allowed"
        (result,) = simulate(
            capsys, "--policy-input-list", policy, "--action-names", "s3:GetObject",
            "--context-entries",
            "ContextKeyName=aws:TagKeys,ContextKeyValues=a,c,ContextKeyType=stringList",
            "ContextKeyName=aws:MultiFactorAuthPresent,ContextKeyValues=true,"
            "ContextKeyType=boolean")
        assert result["EvalDecision"] == "implicitDeny"  # "c" is not in the policy's set

    def test_boundary_and_resource_policy(self, capsys: pytest.CaptureFixture[str]) -> None:
        boundary = json.dumps({"Version": "2012-10-17", "Statement": {
            "Effect": "Allow", "Action": "ec2:*", "Resource": "*"}})
        resource_policy = json.dumps({"Version": "2012-10-17", "Statement": {
            "Effect": "Allow", "Principal": {"AWS": ALICE}, "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::bucket/*"}})
        results = simulate(capsys, "--policy-input-list", ALLOW_S3,
                           "--permissions-boundary-policy-input-list", boundary,
                           "--resource-policy", resource_policy, "--caller-arn", ALICE,
                           "--action-names", "s3:GetObject", "s3:PutObject",
                           "--resource-arns", "arn:aws:s3:::bucket/k")
        by_action = {r["EvalActionName"]: r for r in results}
        get, put = by_action["s3:GetObject"], by_action["s3:PutObject"]
        # the resource policy names the user: no boundary limits it
        assert get["EvalDecision"] == "allowed"
        assert get["MatchedStatements"][0]["SourcePolicyId"] == "ResourcePolicy"
        assert get["MatchedStatements"][0]["SourcePolicyType"] == "resource"
        assert put["EvalDecision"] == "implicitDeny"
        assert put["PermissionsBoundaryDecisionDetail"] == {
            "AllowedByPermissionsBoundary": False}

    def test_table_output(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, out, _ = run(capsys, "simulate-custom-policy", "--policy-input-list", ALLOW_S3,
                           "--action-names", "s3:GetObject", "iam:CreateUser",
                           "--explain")
        assert code == 0
        header, rule, *rows = out.splitlines()
        assert header.split() == ["Action", "Resource", "Decision", "Reason"]
        assert set(rule.replace(" ", "")) == {"-"}
        assert rows[0].split()[:3] == ["s3:GetObject", "*", "allowed"]
        assert "PolicyInputList.1" in rows[0]
        assert rows[1].split()[:3] == ["iam:CreateUser", "*", "implicitDeny"]
        assert "\033[" not in out  # no colour when stdout is not a terminal


class TestSimulateCustomPolicyErrors:
    """AWS CLI return codes (252 command line, 254 service error) and the error line
    `An error occurred (CODE) when calling the OPERATION operation: MESSAGE`."""

    PREFIX = ("An error occurred (MalformedPolicyDocument) when calling the "
              "SimulateCustomPolicy operation: ")

    @pytest.mark.parametrize("document", [
        '{"Version":"2012-10-17"',
        '{"Version":"2012-10-17","Statement":{"Effect":"Deny","Effect":"Allow",'
        '"Action":"*","Resource":"*"}}',
        '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*"}}',
        '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*",'
        '"Action":"*","Resource":"*"}}',
    ])
    def test_malformed_policy(self, capsys: pytest.CaptureFixture[str], document: str) -> None:
        code, out, err = run(capsys, "simulate-custom-policy", "--policy-input-list",
                             document, "--action-names", "s3:GetObject")
        assert code == 254
        assert out == ""
        assert err.startswith(self.PREFIX)
        assert "PolicyInputList.1" in err

    def test_second_policy_named(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, _, err = run(capsys, "simulate-custom-policy", "--policy-input-list", ALLOW_S3,
                           "{", "--action-names", "s3:GetObject")
        assert code == 254 and "PolicyInputList.2" in err

    def test_missing_required_argument(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, out, err = run(capsys, "simulate-custom-policy", "--action-names", "s3:GetObject")
        assert code == 252 and out == ""
        assert "--policy-input-list" in err

    def test_missing_file(self, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
        code, out, err = run(capsys, "simulate-custom-policy", "--policy-input-list",
                             f"file://{tmp_path}/absent.json", "--action-names", "s3:GetObject")
        assert code == 252 and out == ""
        assert "absent.json" in err

    def test_unknown_option(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, _, _ = run(capsys, "simulate-custom-policy", "--policy-input-list", ALLOW_S3,
                         "--action-names", "s3:GetObject", "--no-such-option")
        assert code == 252

    def test_bad_context_entry(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, _, err = run(capsys, "simulate-custom-policy", "--policy-input-list", ALLOW_S3,
                           "--action-names", "s3:GetObject", "--context-entries",
                           date_entry("yesterday"))
        assert code == 254
        assert err.startswith("An error occurred (InvalidInput) when calling the "
                              "SimulateCustomPolicy operation: ")

    def test_resource_policy_needs_caller(self, capsys: pytest.CaptureFixture[str]) -> None:
        resource_policy = json.dumps({"Version": "2012-10-17", "Statement": {
            "Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}})
        code, _, err = run(capsys, "simulate-custom-policy", "--policy-input-list", ALLOW_S3,
                           "--action-names", "s3:GetObject", "--resource-policy",
                           resource_policy)
        assert code == 254 and "(InvalidInput)" in err and "CallerArn" in err


class TestGetContextKeysForCustomPolicy:
    """AWS CLI reference, get-context-keys-for-custom-policy example; API Reference,
    GetContextKeysForCustomPolicy."""

    def test_example(self, capsys: pytest.CaptureFixture[str]) -> None:
        policy = ('{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*",'
                  '"Resource":"arn:aws:dynamodb:us-west-2:123456789012:table/${aws:username}",'
                  '"Condition":{"DateGreaterThan":{"aws:CurrentTime":"2015-08-16T12:00:00Z"}}}}')
        code, out, _ = run(capsys, "get-context-keys-for-custom-policy", "--policy-input-list",
                           policy)
        assert code == 0
        assert json.loads(out) == {"ContextKeyNames": ["aws:username", "aws:CurrentTime"]}

    def test_keys_of_several_policies_once(self, capsys: pytest.CaptureFixture[str],
                                           tmp_path: Path) -> None:
        first = json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:*", "Resource": "*",
             "Condition": {"StringLike": {"s3:prefix": "home/${aws:username}/*"},
                           "IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}]})
        second = json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Deny", "Action": "*", "Resource": "*",
             "Condition": {"Null": {"AWS:SOURCEIP": "true"}}}]})
        path = tmp_path / "second.json"
        path.write_text(second, encoding="utf-8")
        code, out, _ = run(capsys, "get-context-keys-for-custom-policy", "--policy-input-list",
                           first, f"file://{path}")
        assert code == 0
        assert json.loads(out) == {"ContextKeyNames": ["s3:prefix", "aws:username",
                                                       "aws:SourceIp"]}

    def test_no_variables_in_old_version(self, capsys: pytest.CaptureFixture[str]) -> None:
        policy = json.dumps({"Version": "2008-10-17", "Statement": {
            "Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/${aws:username}"}})
        code, out, _ = run(capsys, "get-context-keys-for-custom-policy", "--policy-input-list",
                           policy)
        assert code == 0 and json.loads(out) == {"ContextKeyNames": []}

    def test_malformed(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, _, err = run(capsys, "get-context-keys-for-custom-policy", "--policy-input-list",
                           "[]")
        assert code == 254
        assert err.startswith("An error occurred (MalformedPolicyDocument) when calling the "
                              "GetContextKeysForCustomPolicy operation: ")


class TestValidatePolicy:
    """IAM Access Analyzer API, ValidatePolicy: {"findings": [ValidatePolicyFinding]}, each
    with findingDetails, findingType, issueCode, learnMoreLink and locations (path and a
    span of Positions: line from 1, column and offset from 0)."""

    def findings(self, capsys: pytest.CaptureFixture[str], document: str,
                 *extra: str) -> list[dict[str, Any]]:
        code, out, err = run(capsys, "validate-policy", "--policy-document", document, *extra)
        assert code == 0, err
        return json.loads(out)["findings"]

    def test_clean_policy(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert self.findings(capsys, ALLOW_S3.replace('"s3:*"', '"s3:GetObject"').replace(
            '"*"', '"arn:aws:s3:::b/*"')) == []

    def test_finding_shape(self, capsys: pytest.CaptureFixture[str]) -> None:
        document = json.dumps({"Statement": [
            {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]}, indent=2)
        findings = self.findings(capsys, document)
        assert {f["issueCode"] for f in findings} == {"MISSING_VERSION",
                                                      "IAMTUI_ALLOW_WITH_NOT_ACTION"}
        for finding in findings:
            assert set(finding) == {"findingDetails", "findingType", "issueCode",
                                    "learnMoreLink", "locations"}
            assert finding["findingType"] in {"ERROR", "SECURITY_WARNING", "WARNING",
                                              "SUGGESTION"}
            for location in finding["locations"]:
                for end in ("start", "end"):
                    position = location["span"][end]
                    assert set(position) == {"line", "column", "offset"}
                    line = document.split("\n")[position["line"] - 1]
                    line_start = position["offset"] - position["column"]
                    assert document[line_start:line_start + len(line)] == line
        (not_action,) = [f for f in findings if f["issueCode"] == "IAMTUI_ALLOW_WITH_NOT_ACTION"]
        assert not_action["findingType"] == "SECURITY_WARNING"
        assert not_action["locations"][0]["path"] == [
            {"value": "Statement"}, {"index": 0}, {"value": "NotAction"}]

    def test_errors_are_findings_not_failures(self, capsys: pytest.CaptureFixture[str]) -> None:
        findings = self.findings(capsys, '{"Version": "2012-10-17", "Statement": [}')
        assert [(f["findingType"], f["issueCode"]) for f in findings] == [
            ("ERROR", "JSON_SYNTAX_ERROR")]

    def test_policy_type(self, capsys: pytest.CaptureFixture[str]) -> None:
        document = json.dumps({"Version": "2012-10-17", "Statement": {
            "Effect": "Allow", "NotPrincipal": {"AWS": "111122223333"}, "Action": "s3:*",
            "Resource": "arn:aws:s3:::b/*"}})
        codes = {f["issueCode"] for f in self.findings(
            capsys, document, "--policy-type", "RESOURCE_POLICY")}
        assert "ALLOW_WITH_NOT_PRINCIPAL" in codes
        identity = {f["issueCode"] for f in self.findings(capsys, document)}
        assert "UNSUPPORTED_PRINCIPAL" in identity

    def test_pass_role_and_full_access(self, capsys: pytest.CaptureFixture[str]) -> None:
        document = json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"},
            {"Effect": "Allow", "Action": "*", "Resource": "*"}]})
        codes = [f["issueCode"] for f in self.findings(capsys, document)]
        assert "PASS_ROLE_WITH_STAR_IN_RESOURCE" in codes and "IAMTUI_FULL_ACCESS" in codes

    def test_import_permission_is_administrator_access(
            self, capsys: pytest.CaptureFixture[str]) -> None:
        """validate-policy says iam:ImportAccountAuthorizationDetails is an administrator's
        permission (README, "Beyond aws iam")."""
        document = json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "iam:Import*", "Resource": "*"}]})
        (finding,) = self.findings(capsys, document)
        assert (finding["findingType"], finding["issueCode"]) == (
            "SECURITY_WARNING", "IAMTUI_IMPORT_IS_ADMINISTRATOR_ACCESS")
        assert "equivalent to administrator access" in finding["findingDetails"]

    def test_table(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, out, _ = run(capsys, "validate-policy", "--policy-document",
                           '{"Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": '
                           '"*"}}', "--output", "table")
        assert code == 0 and "MISSING_VERSION" in out

    def test_bad_policy_type(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, _, _ = run(capsys, "validate-policy", "--policy-document", ALLOW_S3,
                         "--policy-type", "SCP")
        assert code == 252


class TestNoTextualOnTheCommandLinePath:
    """A one-shot simulation is a short process: `python -m iamtui simulate-custom-policy`
    must not import textual (it costs about 270 ms to import: the TUI alone loads it)."""

    def test_python_m_iamtui_does_not_import_textual(self, tmp_path: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
        env["IAMTUI_DB"] = str(tmp_path / "store.json")
        proc = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "iamtui", "simulate-custom-policy",
             "--policy-input-list", ALLOW_S3, "--action-names", "s3:GetObject"],
            capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60, check=False)
        assert proc.returncode == 0, proc.stderr
        assert json.loads(proc.stdout)["EvaluationResults"][0]["EvalDecision"] == "allowed"
        imported = [line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines()
                    if line.startswith("import time:")]
        assert "iamtui.policy" in imported  # the import log was read
        assert not [name for name in imported if name.split(".")[0] == "textual"]
