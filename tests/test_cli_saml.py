"""The SAML commands end to end through `iamtui.cli.main`.

AWS CLI reference: `aws iam create-saml-provider` (--saml-metadata-document
file://metadata.xml, --name, --tags), `get-saml-provider`, `list-saml-providers`,
`update-saml-provider`, `delete-saml-provider`, the SAML provider tag commands, and
`aws sts assume-role-with-saml` (--role-arn, --principal-arn, --saml-assertion,
--duration-seconds), which needs no credentials (STS API Reference, AssumeRoleWithSAML).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from helpers import ACCOUNT_ID, CliRunner
from saml_idp import IdP
from test_service_saml import PAIR, PROVIDER, ROLE, matches_model, trust


@pytest.fixture(scope="module")
def idp() -> IdP:
    return IdP()


def test_provider_commands(cli_run: CliRunner, idp: IdP, tmp_path: Path) -> None:
    """create (from file://), get, list, update, tag, untag, list tags and delete, each
    answer as botocore's model of IAM says."""
    (tmp_path / "metadata.xml").write_text(idp.metadata())
    made = cli_run.as_root("create-saml-provider", "--name", "Okta",
                           "--saml-metadata-document", f"file://{tmp_path}/metadata.xml",
                           "--tags", "Key=team,Value=id")
    assert made == {"SAMLProviderArn": PROVIDER, "Tags": [{"Key": "team", "Value": "id"}]}
    matches_model("iam", "CreateSAMLProvider", made)
    got = cli_run.as_root("get-saml-provider", "--saml-provider-arn", PROVIDER)
    matches_model("iam", "GetSAMLProvider", got)
    assert got["SAMLMetadataDocument"] == idp.metadata()
    listed = cli_run.as_root("list-saml-providers")
    matches_model("iam", "ListSAMLProviders", listed)
    assert [p["Arn"] for p in listed["SAMLProviderList"]] == [PROVIDER]
    (tmp_path / "new.xml").write_text(IdP("https://new.example.com").metadata())
    updated = cli_run.as_root("update-saml-provider", "--saml-provider-arn", PROVIDER,
                              "--saml-metadata-document", f"file://{tmp_path}/new.xml")
    assert updated == {"SAMLProviderArn": PROVIDER}
    matches_model("iam", "UpdateSAMLProvider", updated)
    cli_run.as_root("tag-saml-provider", "--saml-provider-arn", PROVIDER,
                    "--tags", "Key=env,Value=prod")
    cli_run.as_root("untag-saml-provider", "--saml-provider-arn", PROVIDER,
                    "--tag-keys", "team")
    tags = cli_run.as_root("list-saml-provider-tags", "--saml-provider-arn", PROVIDER)
    matches_model("iam", "ListSAMLProviderTags", tags)
    assert tags["Tags"] == [{"Key": "env", "Value": "prod"}]
    assert cli_run.as_root("delete-saml-provider", "--saml-provider-arn", PROVIDER) == {}
    code, _, err = cli_run.root("get-saml-provider", "--saml-provider-arn", PROVIDER)
    assert code != 0 and "(NoSuchEntity) when calling the GetSAMLProvider operation: " \
        f"Manifest not found for arn {PROVIDER}" in err


def test_bad_metadata_is_invalid_input(cli_run: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "m.xml").write_text("<EntityDescriptor>" + " " * 1000)
    code, _, err = cli_run.root("create-saml-provider", "--name", "Okta",
                                "--saml-metadata-document", f"file://{tmp_path}/m.xml")
    assert code != 0
    assert "(InvalidInput) when calling the CreateSAMLProvider operation: Could not parse " \
        "metadata" in err


def _federation(cli_run: CliRunner, idp: IdP, tmp_path: Path) -> None:
    """The provider Okta (from its metadata file) and the role Federated trusting it."""
    (tmp_path / "metadata.xml").write_text(idp.metadata())
    cli_run.as_root("create-saml-provider", "--name", "Okta",
                    "--saml-metadata-document", f"file://{tmp_path}/metadata.xml")
    (tmp_path / "trust.json").write_text(trust())
    cli_run.as_root("create-role", "--role-name", "Federated",
                    "--assume-role-policy-document", f"file://{tmp_path}/trust.json")


def test_assume_role_with_saml_needs_no_credentials(cli_run: CliRunner, idp: IdP,
                                                     tmp_path: Path) -> None:
    """`assume-role-with-saml` with the response in a file and no credentials at all;
    the new session then acts as the role with IAMTUI_SESSION_TOKEN."""
    _federation(cli_run, idp, tmp_path)
    (tmp_path / "response.b64").write_text(
        idp.response(roles=[PAIR], now=datetime.now(UTC)))
    answer = cli_run.ok("assume-role-with-saml", "--role-arn", ROLE, "--principal-arn",
                        PROVIDER, "--saml-assertion", f"file://{tmp_path}/response.b64",
                        "--duration-seconds", "900")
    matches_model("sts", "AssumeRoleWithSAML", answer)
    assert answer["AssumedRoleUser"]["Arn"] == \
        f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/Federated/alice"
    creds = answer["Credentials"]
    cli_run.monkeypatch.setenv("IAMTUI_ACCESS_KEY_ID", creds["AccessKeyId"])
    cli_run.monkeypatch.setenv("IAMTUI_SECRET_ACCESS_KEY", creds["SecretAccessKey"])
    cli_run.monkeypatch.setenv("IAMTUI_SESSION_TOKEN", creds["SessionToken"])
    assert cli_run.ok("get-caller-identity")["Arn"] == answer["AssumedRoleUser"]["Arn"]
    code, _, err = cli_run.run("assume-role-with-saml", "--role-arn", ROLE,
                               "--principal-arn", PROVIDER, "--saml-assertion", "bm90IHhtbA==")
    assert code != 0 and "(InvalidIdentityToken) when calling the AssumeRoleWithSAML " \
        "operation" in err
    audit = cli_run.as_root("lookup-events", "--max-results", "50")
    assert "SAMLUser" in json.dumps(audit)


def test_session_policies_from_the_command_line(cli_run: CliRunner, idp: IdP,
                                                tmp_path: Path) -> None:
    """--policy-arns in the AWS CLI's shorthand (arn=ARN) and --policy from a file limit
    the session; a malformed --policy is MalformedPolicyDocument."""
    _federation(cli_run, idp, tmp_path)
    allow = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["iam:ListUsers", "iam:ListRoles"], "Resource": "*"}]}
    cli_run.as_root("put-role-policy", "--role-name", "Federated", "--policy-name", "list",
                    "--policy-document", json.dumps(allow))
    only_roles = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "iam:ListRoles", "Resource": "*"}]}
    arn = cli_run.as_root("create-policy", "--policy-name", "OnlyRoles", "--policy-document",
                          json.dumps(only_roles))["Policy"]["Arn"]
    response = idp.response(roles=[PAIR], now=datetime.now(UTC))
    creds = cli_run.ok("assume-role-with-saml", "--role-arn", ROLE, "--principal-arn",
                       PROVIDER, "--saml-assertion", response,
                       "--policy-arns", f"arn={arn}")["Credentials"]
    for name, key in (("IAMTUI_ACCESS_KEY_ID", "AccessKeyId"),
                      ("IAMTUI_SECRET_ACCESS_KEY", "SecretAccessKey"),
                      ("IAMTUI_SESSION_TOKEN", "SessionToken")):
        cli_run.monkeypatch.setenv(name, creds[key])
    assert cli_run.ok("list-roles")["Roles"]
    code, _, err = cli_run.run("list-users")
    assert code != 0 and "AccessDenied" in err
    (tmp_path / "bad.json").write_text('{"Version": "2012-10-17", "Statement": "x"}')
    code, _, err = cli_run.run("assume-role-with-saml", "--role-arn", ROLE, "--principal-arn",
                               PROVIDER, "--saml-assertion", response,
                               "--policy", f"file://{tmp_path}/bad.json")
    assert code != 0 and "(MalformedPolicyDocument)" in err


def test_completion_offers_the_providers_the_caller_may_list(
        cli_run: CliRunner, idp: IdP, monkeypatch: pytest.MonkeyPatch) -> None:
    """`--saml-provider-arn` completes to the ARNs ListSAMLProviders gives the caller."""
    from iamtui.cli import main

    cli_run.as_root("create-saml-provider", "--name", "Okta",
                    "--saml-metadata-document", idp.metadata())
    cli_run.as_root("create-user", "--user-name", "reader")
    cli_run.as_root("attach-user-policy", "--user-name", "reader", "--policy-arn",
                    "arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    key = cli_run.as_root("create-access-key", "--user-name", "reader")["AccessKey"]
    monkeypatch.setenv("IAMTUI_ACCESS_KEY_ID", key["AccessKeyId"])
    monkeypatch.setenv("IAMTUI_SECRET_ACCESS_KEY", key["SecretAccessKey"])
    cli_run.capsys.readouterr()
    assert main(["__complete", "get-saml-provider", "--db", str(cli_run.db),
                 "--saml-provider-arn", "arn:"]) == 0
    assert cli_run.capsys.readouterr().out.split() == [PROVIDER]
