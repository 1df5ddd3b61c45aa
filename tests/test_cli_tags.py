"""The tag commands of every taggable entity, end to end through `iamtui.cli.main`.

AWS CLI Command Reference, iam: tag-user, untag-user, list-user-tags and their siblings for
roles, customer managed policies, instance profiles, virtual MFA devices, server
certificates, SAML providers and OIDC providers (`--tags Key=k,Value=v ...`,
`--tag-keys KEY ...`); IAM API Reference, ListUserTags ... ListOpenIDConnectProviderTags for
the answer's shape. All eight are registered by one helper, so each is checked here the
same way: tag, untag, list, and NoSuchEntity for an entity that does not exist.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from cert_factory import certificate, private_key_pem, rsa_key
from helpers import ACCOUNT_ID, CliRunner
from oidc_helpers import assert_matches_aws_model
from saml_idp import IdP

ARN = f"arn:aws:iam::{ACCOUNT_ID}:"
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"AWS": f"{ARN}root"}, "Action": "sts:AssumeRole"}]})
POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]})


def _files(tmp_path: Path, **texts: str) -> dict[str, str]:
    for name, text in texts.items():
        (tmp_path / name).write_text(text)
    return {name: f"file://{tmp_path / name}" for name in texts}


def _server_certificate(cli: CliRunner, tmp_path: Path) -> None:
    key = rsa_key()
    files = _files(tmp_path, cert=certificate(key), key=private_key_pem(key))
    cli.as_root("upload-server-certificate", "--server-certificate-name", "web",
                "--certificate-body", files["cert"], "--private-key", files["key"])


def _saml_provider(cli: CliRunner, tmp_path: Path) -> None:
    files = _files(tmp_path, metadata=IdP().metadata())
    cli.as_root("create-saml-provider", "--name", "Okta",
                "--saml-metadata-document", files["metadata"])


Make = Callable[[CliRunner, Path], object]
# entity, its option and the value naming the one made, and how to make it
KINDS: list[tuple[str, str, str, Make]] = [
    ("user", "--user-name", "alice",
     lambda cli, _: cli.as_root("create-user", "--user-name", "alice")),
    ("role", "--role-name", "deploy",
     lambda cli, _: cli.as_root("create-role", "--role-name", "deploy",
                                "--assume-role-policy-document", TRUST)),
    ("policy", "--policy-arn", f"{ARN}policy/read",
     lambda cli, _: cli.as_root("create-policy", "--policy-name", "read",
                                "--policy-document", POLICY)),
    ("instance-profile", "--instance-profile-name", "web",
     lambda cli, _: cli.as_root("create-instance-profile", "--instance-profile-name", "web")),
    ("mfa-device", "--serial-number", f"{ARN}mfa/phone",
     lambda cli, tmp: cli.as_root("create-virtual-mfa-device", "--virtual-mfa-device-name",
                                  "phone", "--outfile", str(tmp / "seed.txt"),
                                  "--bootstrap-method", "Base32StringSeed")),
    ("server-certificate", "--server-certificate-name", "web", _server_certificate),
    ("saml-provider", "--saml-provider-arn", f"{ARN}saml-provider/Okta", _saml_provider),
    ("open-id-connect-provider", "--open-id-connect-provider-arn",
     f"{ARN}oidc-provider/token.actions.githubusercontent.com",
     lambda cli, _: cli.as_root("create-open-id-connect-provider", "--url",
                                "https://token.actions.githubusercontent.com",
                                "--thumbprint-list", "a" * 40)),
]


@pytest.mark.parametrize(("entity", "option", "value", "make"), KINDS,
                         ids=[k[0] for k in KINDS])
def test_tag_untag_and_list_tags(cli_run: CliRunner, tmp_path: Path, entity: str,
                                 option: str, value: str, make: Make) -> None:
    """tag-X adds or overwrites, untag-X removes by key, list-X-tags answers AWS's shape
    (and a table of Key and Value)."""
    from iamtui.commands.registry import COMMANDS

    make(cli_run, tmp_path)
    assert cli_run.as_root(f"tag-{entity}", option, value, "--tags", "Key=env,Value=dev",
                           "Key=team,Value=ops") == {}
    assert cli_run.as_root(f"tag-{entity}", option, value, "--tags",
                           "Key=env,Value=prod") == {}
    assert cli_run.as_root(f"untag-{entity}", option, value, "--tag-keys", "team") == {}
    listed = cli_run.as_root(f"list-{entity}-tags", option, value)
    assert listed["Tags"] == [{"Key": "env", "Value": "prod"}]
    assert_matches_aws_model("iam", COMMANDS[f"list-{entity}-tags"].operation, listed)
    table = cli_run.as_root("--output", "table", f"list-{entity}-tags", option, value)
    assert "Key" in table and "env" in table and "prod" in table


@pytest.mark.parametrize(("entity", "option", "value"), [k[:3] for k in KINDS],
                         ids=[k[0] for k in KINDS])
def test_tag_commands_on_a_missing_entity(cli_run: CliRunner, entity: str, option: str,
                                          value: str) -> None:
    """Each of the three refuses an entity that does not exist with NoSuchEntity, named
    after its own operation."""
    from iamtui.commands.registry import COMMANDS

    for name, rest in ((f"tag-{entity}", ("--tags", "Key=k,Value=v")),
                       (f"untag-{entity}", ("--tag-keys", "k")),
                       (f"list-{entity}-tags", ())):
        code, _, err = cli_run.root(name, option, value + "x", *rest)
        assert code == 254
        assert f"(NoSuchEntity) when calling the {COMMANDS[name].operation} operation" in err
