"""OIDC federation on the command line: the provider commands as `aws iam` has them,
`assume-role-with-web-identity` as `aws sts` has it (no credentials needed), and iamtui's
own set-open-id-connect-provider-jwks and test-web-identity.

AWS CLI reference: create-open-id-connect-provider, get-open-id-connect-provider,
list-open-id-connect-providers, add-client-id-to-open-id-connect-provider,
update-open-id-connect-provider-thumbprint, list-open-id-connect-provider-tags,
`aws sts assume-role-with-web-identity`; IAM User Guide, "Available keys for AWS web
identity federation" and "Create an OpenID Connect (OIDC) identity provider in IAM".
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from helpers import ACCOUNT_ID, CliRunner
from oidc_helpers import GITHUB, assert_matches_aws_model, github_claims, jwks, rsa_key

ARN = f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/token.actions.githubusercontent.com"
ROLE = f"arn:aws:iam::{ACCOUNT_ID}:role/deploy"
THUMB = "6938fd4d98bab03faadb97b34396831e3780aea1"


def _github_role(cli_run: CliRunner, tmp_path: Path) -> None:
    made = cli_run.as_root("create-open-id-connect-provider", "--url", GITHUB,
                           "--client-id-list", "sts.amazonaws.com", "--thumbprint-list", THUMB,
                           "--tags", "Key=team,Value=ci")
    assert made == {"OpenIDConnectProviderArn": ARN, "Tags": [{"Key": "team", "Value": "ci"}]}
    assert_matches_aws_model("iam", "CreateOpenIDConnectProvider", made)
    (tmp_path / "jwks.json").write_text(jwks(rsa_key()))
    set_keys = cli_run.as_root("set-open-id-connect-provider-jwks",
                               "--open-id-connect-provider-arn", ARN,
                               "--jwks", f"file://{tmp_path}/jwks.json")
    assert set_keys["KeyIds"] == ["rsa-1"]
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": ARN},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud":
                                       "sts.amazonaws.com"},
                      "StringLike": {"token.actions.githubusercontent.com:sub":
                                     "repo:acme/app:ref:refs/heads/main"}}}]}
    cli_run.as_root("create-role", "--role-name", "deploy", "--assume-role-policy-document",
                    json.dumps(trust))


def test_provider_commands_print_awss_shapes(cli_run: CliRunner, tmp_path: Path) -> None:
    _github_role(cli_run, tmp_path)
    got = cli_run.as_root("get-open-id-connect-provider", "--open-id-connect-provider-arn",
                          ARN)
    assert got["Url"] == "token.actions.githubusercontent.com"
    assert_matches_aws_model("iam", "GetOpenIDConnectProvider", got)
    cli_run.as_root("add-client-id-to-open-id-connect-provider",
                    "--open-id-connect-provider-arn", ARN, "--client-id", "my-app")
    cli_run.as_root("update-open-id-connect-provider-thumbprint",
                    "--open-id-connect-provider-arn", ARN, "--thumbprint-list", "a" * 40)
    got = cli_run.as_root("get-open-id-connect-provider", "--open-id-connect-provider-arn",
                          ARN)
    assert got["ClientIDList"] == ["sts.amazonaws.com", "my-app"]
    assert got["ThumbprintList"] == ["a" * 40]
    listed = cli_run.as_root("list-open-id-connect-providers")
    assert listed == {"OpenIDConnectProviderList": [{"Arn": ARN}]}
    tags = cli_run.as_root("list-open-id-connect-provider-tags",
                           "--open-id-connect-provider-arn", ARN)
    assert tags == {"Tags": [{"Key": "team", "Value": "ci"}]}
    cli_run.as_root("delete-open-id-connect-provider", "--open-id-connect-provider-arn", ARN)
    code, _, err = cli_run.root("get-open-id-connect-provider",
                                "--open-id-connect-provider-arn", ARN)
    assert code == 254 and err.strip() == (
        "An error occurred (NoSuchEntity) when calling the GetOpenIDConnectProvider "
        f"operation: OpenIDConnect Provider not found for arn {ARN}")


def test_a_duplicate_url_is_entity_already_exists(cli_run: CliRunner, tmp_path: Path) -> None:
    _github_role(cli_run, tmp_path)
    code, _, err = cli_run.root("create-open-id-connect-provider", "--url", GITHUB)
    assert code == 254 and "(EntityAlreadyExists) when calling the " \
        "CreateOpenIDConnectProvider operation: Provider with url" in err


def test_a_github_job_assumes_the_role_without_credentials(cli_run: CliRunner,
                                                           tmp_path: Path) -> None:
    """The exchange needs no IAM credentials: the token is the proof. The credentials it
    returns then act as the role."""
    _github_role(cli_run, tmp_path)
    now = int(time.time())
    (tmp_path / "token").write_text(rsa_key().sign(github_claims(now)) + "\n")
    out = cli_run.ok("assume-role-with-web-identity", "--role-arn", ROLE,
                     "--role-session-name", "gh-42", "--web-identity-token",
                     f"file://{tmp_path}/token")
    assert_matches_aws_model("sts", "AssumeRoleWithWebIdentity", out)
    assert out["SubjectFromWebIdentityToken"] == "repo:acme/app:ref:refs/heads/main"
    creds = out["Credentials"]
    cli_run.monkeypatch.setenv("IAMTUI_ACCESS_KEY_ID", creds["AccessKeyId"])
    cli_run.monkeypatch.setenv("IAMTUI_SECRET_ACCESS_KEY", creds["SecretAccessKey"])
    cli_run.monkeypatch.setenv("IAMTUI_SESSION_TOKEN", creds["SessionToken"])
    me = cli_run.ok("get-caller-identity")
    assert me["Arn"] == f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/deploy/gh-42"


def test_session_policies_on_the_command_line(cli_run: CliRunner, tmp_path: Path) -> None:
    """`--policy file://...` and `--policy-arns arn=ARN` limit the session as on
    `aws sts assume-role` (AWS CLI reference, assume-role-with-web-identity), and the
    answer carries PackedPolicySize."""
    _github_role(cli_run, tmp_path)
    (tmp_path / "token").write_text(rsa_key().sign(github_claims(int(time.time()))))
    (tmp_path / "deny.json").write_text(json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Action": "*", "Resource": "*"}]}))
    out = cli_run.ok("assume-role-with-web-identity", "--role-arn", ROLE,
                     "--role-session-name", "gh", "--web-identity-token",
                     f"file://{tmp_path}/token", "--policy", f"file://{tmp_path}/deny.json",
                     "--policy-arns", "arn=arn:aws:iam::aws:policy/ReadOnlyAccess")
    assert_matches_aws_model("sts", "AssumeRoleWithWebIdentity", out)
    assert out["PackedPolicySize"] > 0
    code, _, err = cli_run.run("assume-role-with-web-identity", "--role-arn", ROLE,
                               "--role-session-name", "gh", "--web-identity-token",
                               f"file://{tmp_path}/token", "--policy-arns",
                               f"arn=arn:aws:iam::{ACCOUNT_ID}:policy/none")
    assert code == 254 and "(MalformedPolicyDocument)" in err


def test_a_job_on_another_branch_is_access_denied(cli_run: CliRunner, tmp_path: Path) -> None:
    _github_role(cli_run, tmp_path)
    text = rsa_key().sign(github_claims(int(time.time()),
                                        sub="repo:acme/app:ref:refs/heads/dev"))
    code, _, err = cli_run.run("assume-role-with-web-identity", "--role-arn", ROLE,
                               "--role-session-name", "gh", "--web-identity-token", text)
    assert code == 254 and err.strip() == (
        "An error occurred (AccessDenied) when calling the AssumeRoleWithWebIdentity "
        "operation: Not authorized to perform sts:AssumeRoleWithWebIdentity")


def test_test_web_identity_from_claims(cli_run: CliRunner, tmp_path: Path) -> None:
    """"Can a GitHub Actions job from acme/app on branch Y assume deploy?", offline."""
    _github_role(cli_run, tmp_path)
    claims = {"iss": GITHUB, "aud": "sts.amazonaws.com",
              "sub": "repo:acme/app:ref:refs/heads/main"}
    (tmp_path / "claims.json").write_text(json.dumps(claims))
    yes = cli_run.as_root("test-web-identity", "--role-arn", ROLE, "--claims",
                          f"file://{tmp_path}/claims.json")
    assert yes["EvalDecision"] == "allowed" and yes["SignatureVerified"] is False
    claims["sub"] = "repo:acme/app:ref:refs/heads/dev"
    no = cli_run.as_root("test-web-identity", "--role-arn", ROLE, "--claims",
                         json.dumps(claims))
    assert no["EvalDecision"] == "implicitDeny" and no["ErrorCode"] == "AccessDenied"
    code, _, err = cli_run.root("test-web-identity", "--role-arn", ROLE)
    assert code == 252 and "--claims" in err
    code, _, err = cli_run.root("test-web-identity", "--role-arn", ROLE, "--claims", "[1]")
    assert code == 252 and "JSON object" in err


def test_test_web_identity_from_a_token(cli_run: CliRunner, tmp_path: Path) -> None:
    _github_role(cli_run, tmp_path)
    text = rsa_key().sign(github_claims(int(time.time())))
    out = cli_run.as_root("test-web-identity", "--role-arn", ROLE, "--web-identity-token",
                          text)
    assert out["EvalDecision"] == "allowed" and out["SignatureVerified"] is True
    assert text not in json.dumps(out)
