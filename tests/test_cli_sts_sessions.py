"""The session commands end to end: get-session-token, get-federation-token, assume-role's
session policies and tags, get-access-key-info, decode-authorization-message, and sessions
used by later commands from the environment or a profile; every output checked against
botocore's STS model (the one the AWS CLI vendors).

AWS CLI Command Reference, `aws sts get-session-token`, `get-federation-token`,
`assume-role`, `get-access-key-info`, `decode-authorization-message`; STS API Reference,
DecodeAuthorizationMessage (the DecodedMessage shape); AWS CLI User Guide, "Configuration
and credential file settings" (aws_session_token beside a temporary pair).
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from helpers import ACCOUNT_ID, CliRunner
from hypothesis import given
from hypothesis import strategies as st

POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["iam:ListUsers", "iam:GetUser", "sts:*"],
     "Resource": "*"}]})


def check_output(operation: str, data: dict[str, Any]) -> None:
    """`data` is a valid output of the STS operation: botocore's validator finds no
    missing, unknown or ill-typed member."""
    import awscli.formatter  # noqa: F401 (awscli first: its own botocore and models)
    import botocore.session
    from botocore.validate import ParamValidator

    shape = botocore.session.get_session().get_service_model("sts") \
        .operation_model(operation).output_shape
    report = ParamValidator().validate(data, shape)
    assert not report.has_errors(), report.generate_report()


@pytest.fixture
def alice(cli_run: CliRunner) -> dict[str, str]:
    """alice with an access key and POLICY; returns the key pair's environment."""
    cli_run.as_root("create-user", "--user-name", "alice")
    cli_run.as_root("put-user-policy", "--user-name", "alice", "--policy-name", "p",
                    "--policy-document", POLICY)
    key = cli_run.as_root("create-access-key", "--user-name", "alice")["AccessKey"]
    return {"IAMTUI_ACCESS_KEY_ID": key["AccessKeyId"],
            "IAMTUI_SECRET_ACCESS_KEY": key["SecretAccessKey"]}


def use(cli_run: CliRunner, env: dict[str, str]) -> None:
    for name in ("IAMTUI_ACCESS_KEY_ID", "IAMTUI_SECRET_ACCESS_KEY", "IAMTUI_SESSION_TOKEN"):
        cli_run.monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        cli_run.monkeypatch.setenv(name, value)


def session_env(creds: dict[str, str]) -> dict[str, str]:
    return {"IAMTUI_ACCESS_KEY_ID": creds["AccessKeyId"],
            "IAMTUI_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
            "IAMTUI_SESSION_TOKEN": creds["SessionToken"]}


def test_get_session_token_then_act_with_it(cli_run: CliRunner, alice: dict) -> None:
    """The credentials act as alice; without MFA they cannot call IAM (InvalidClientTokenId)
    and may call get-caller-identity."""
    use(cli_run, alice)
    out = cli_run.ok("get-session-token", "--duration-seconds", "900")
    check_output("GetSessionToken", out)
    use(cli_run, session_env(out["Credentials"]))
    me = cli_run.ok("get-caller-identity")
    assert me["Arn"] == f"arn:aws:iam::{ACCOUNT_ID}:user/alice"
    code, _, err = cli_run.run("list-users")
    assert code == 254 and "(InvalidClientTokenId)" in err


def test_get_federation_token_then_act_with_it(cli_run: CliRunner, alice: dict) -> None:
    use(cli_run, alice)
    out = cli_run.ok("get-federation-token", "--name", "app",
                     "--policy", json.dumps({"Version": "2012-10-17", "Statement": [
                         {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}),
                     "--policy-arns", "arn=arn:aws:iam::aws:policy/ReadOnlyAccess",
                     "--duration-seconds", "3600")
    check_output("GetFederationToken", out)
    assert out["FederatedUser"] == {"FederatedUserId": f"{ACCOUNT_ID}:app",
                                    "Arn": f"arn:aws:sts::{ACCOUNT_ID}:federated-user/app"}
    use(cli_run, session_env(out["Credentials"]))
    assert cli_run.ok("get-caller-identity")["Arn"].endswith(":federated-user/app")
    code, _, err = cli_run.run("list-users")
    assert code == 254 and "(AccessDenied)" in err


def test_a_temporary_pair_in_a_profile_acts_as_its_session(cli_run: CliRunner,
                                                          alice: dict) -> None:
    """`configure` keeps aws_session_token beside an ASIA pair; later commands use it."""
    use(cli_run, alice)
    creds = cli_run.ok("get-session-token")["Credentials"]
    use(cli_run, {})
    cli_run.ok("configure", "--profile", "temp", "--stdin",
               stdin=f"{creds['AccessKeyId']}\n{creds['SecretAccessKey']}\n"
                     f"{creds['SessionToken']}\n")
    text = (cli_run.config / "credentials").read_text()
    assert "aws_session_token" in text
    me = cli_run.ok("get-caller-identity", "--profile", "temp")
    assert me["Arn"].endswith(":user/alice")
    code, _, err = cli_run.run("configure", "--profile", "temp2", "--stdin",
                               stdin=f"{creds['AccessKeyId']}\n{creds['SecretAccessKey']}\n")
    assert code == 252 and "session token" in err


def test_assume_role_with_session_policy_and_tags(cli_run: CliRunner, alice: dict) -> None:
    trust = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:user/alice"},
         "Action": ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"]}]})
    cli_run.as_root("create-role", "--role-name", "Ops", "--assume-role-policy-document", trust)
    use(cli_run, alice)
    out = cli_run.ok("assume-role", "--role-arn", f"arn:aws:iam::{ACCOUNT_ID}:role/Ops",
                     "--role-session-name", "s1", "--tags", "Key=team,Value=blue",
                     "--transitive-tag-keys", "team", "--source-identity", "alice",
                     "--policy-arns", '[{"arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}]')
    check_output("AssumeRole", out)
    assert out["SourceIdentity"] == "alice" and 0 < out["PackedPolicySize"] <= 100


def test_access_denied_carries_a_message_that_decodes(cli_run: CliRunner, alice: dict) -> None:
    """An AccessDenied ends with "Encoded authorization failure message: ..."; a caller
    allowed sts:DecodeAuthorizationMessage gets AWS's DecodedMessage back; an altered one
    is InvalidAuthorizationMessageException."""
    use(cli_run, alice)
    code, _, err = cli_run.run("create-user", "--user-name", "bob")
    assert code == 254 and "(AccessDenied)" in err
    found = re.search(r"Encoded authorization failure message: (\S+)", err)
    assert found is not None
    encoded = found.group(1)
    out = cli_run.ok("decode-authorization-message", "--encoded-message", encoded)
    check_output("DecodeAuthorizationMessage", out)
    decoded = json.loads(out["DecodedMessage"])
    assert decoded["allowed"] is False and decoded["explicitDeny"] is False
    assert decoded["matchedStatements"] == {"items": []}
    assert decoded["context"]["action"] == "iam:CreateUser"
    assert decoded["context"]["resource"] == f"arn:aws:iam::{ACCOUNT_ID}:user/bob"
    assert decoded["context"]["principal"]["arn"] == f"arn:aws:iam::{ACCOUNT_ID}:user/alice"
    keys = {c["key"] for c in decoded["context"]["conditions"]["items"]}
    assert "aws:username" in keys
    tampered = encoded[:-6] + ("AAAAAA" if not encoded.endswith("AAAAAA") else "BBBBBB")
    code, _, err = cli_run.run("decode-authorization-message", "--encoded-message", tampered)
    assert code == 254 and "(InvalidAuthorizationMessageException)" in err


def test_an_explicit_deny_decodes_to_the_statement(cli_run: CliRunner, alice: dict) -> None:
    cli_run.as_root("put-user-policy", "--user-name", "alice", "--policy-name", "no",
                    "--policy-document", json.dumps({"Version": "2012-10-17", "Statement": [
                        {"Sid": "NoUsers", "Effect": "Deny", "Action": "iam:ListUsers",
                         "Resource": "*"}]}))
    use(cli_run, alice)
    _, _, err = cli_run.run("list-users")
    encoded = re.search(r"Encoded authorization failure message: (\S+)", err).group(1)
    decoded = json.loads(cli_run.ok("decode-authorization-message", "--encoded-message",
                                    encoded)["DecodedMessage"])
    assert decoded["explicitDeny"] is True
    [statement] = decoded["matchedStatements"]["items"]
    assert statement["statementId"] == "NoUsers" and statement["effect"] == "DENY"
    assert statement["actions"] == {"items": [{"value": "iam:ListUsers"}]}


def test_get_access_key_info(cli_run: CliRunner, alice: dict) -> None:
    out = cli_run.as_root("get-access-key-info", "--access-key-id",
                          alice["IAMTUI_ACCESS_KEY_ID"])
    check_output("GetAccessKeyInfo", out)
    assert out == {"Account": ACCOUNT_ID}


@given(st.lists(st.from_regex(r"arn:aws:iam::(aws|[0-9]{12}):policy/[A-Za-z0-9+=,.@_-]{1,20}",
                              fullmatch=True), max_size=10))
def test_policy_arns_parse_from_shorthand_and_json_alike(arns: list[str]) -> None:
    """`--policy-arns arn=A arn=B` and `--policy-arns '[{"arn": "A"}, ...]'` are the same
    list (AWS CLI: shorthand and JSON for lists of structures)."""
    from iamtui.commands.sts import parse_policy_arns

    assert parse_policy_arns([f"arn={a}" for a in arns]) == arns
    assert parse_policy_arns([json.dumps([{"arn": a} for a in arns])]) == arns


def test_policy_arns_refuse_other_forms() -> None:
    from iamtui.commands.registry import ArgumentError
    from iamtui.commands.sts import parse_policy_arns

    for bad in (["arn:aws:iam::aws:policy/X"], ['[{"ARN": "x"}]'], ["[1,"]):
        with pytest.raises(ArgumentError, match="--policy-arns"):
            parse_policy_arns(bad)


def test_get_scoped_credentials_from_a_session_token(cli_run: CliRunner, alice: dict) -> None:
    """`aws sts get-scoped-credentials` (STS API Reference, GetScopedCredentials): a user
    scopes down through get-session-token first; the new pair keeps alice's identity and
    may do only what the scope-down policy allows; long-term keys are refused
    (InvalidSubjectCredentials)."""
    from oidc_helpers import assert_matches_boto3_model

    use(cli_run, alice)
    code, _, err = cli_run.run("get-scoped-credentials", "--duration-seconds", "900")
    assert code == 254 and "(InvalidSubjectCredentials)" in err
    use(cli_run, session_env(cli_run.ok("get-session-token")["Credentials"]))
    out = cli_run.ok("get-scoped-credentials", "--policy", json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "sts:GetCallerIdentity", "Resource": "*"}]}),
        "--scoped-session-description", "just looking")
    assert_matches_boto3_model("sts", "GetScopedCredentials", out)
    assert out["ScopedPoliciesCount"] == 1
    assert out["SessionInfo"]["Arn"] == f"arn:aws:iam::{ACCOUNT_ID}:user/alice"
    use(cli_run, session_env(out["Credentials"]))
    assert cli_run.ok("get-caller-identity")["Arn"].endswith(":user/alice")
    code, _, err = cli_run.run("get-scoped-credentials", "--duration-seconds", "200000")
    assert code == 254 and "(ValidationError)" in err
