"""The CLI's access key commands and credential sources, end to end through `main`.

AWS pages followed: AWS CLI Command Reference (iam create-access-key, update-access-key,
delete-access-key, list-access-keys, get-access-key-last-used; configure), AWS CLI User
Guide "Configuration and credentials precedence" (command line options, then environment
variables, then the credentials file) and "Command line return codes" (253: the
environment or configuration is invalid, e.g. missing credentials; 254: a service error).
"""

from __future__ import annotations

import io
import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from helpers import ROOT_PASSWORD, CliRunner

from iamtui.cli import main
from iamtui.model import InlinePolicy
from iamtui.service import IamService
from iamtui.service.tables import INLINE_POLICIES

OWN_KEYS_AND_USERS = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
                      '"Action":["iam:ListAccessKeys","iam:GetAccessKeyLastUsed"],'
                      '"Resource":"arn:aws:iam::*:user/${aws:username}"},'
                      '{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}]}')


class Cli(CliRunner):
    """Runs `iamtui` commands against one store, with a config folder of its own."""

    def env_keys(self, pair: dict[str, Any]) -> None:
        self.monkeypatch.setenv("IAMTUI_ACCESS_KEY_ID", pair["AccessKeyId"])
        self.monkeypatch.setenv("IAMTUI_SECRET_ACCESS_KEY", pair["SecretAccessKey"])

    def configure(self, pair: dict[str, Any], *flags: str) -> dict[str, Any]:
        return self.ok("configure", "--stdin", *flags,
                       stdin=f"{pair['AccessKeyId']}\n{pair['SecretAccessKey']}\n")

    def user_with_key(self, name: str, policy: str | None = OWN_KEYS_AND_USERS
                      ) -> dict[str, Any]:
        self.as_root("create-user", "--user-name", name)
        if policy:
            svc = IamService.open(self.db)
            try:
                with svc.store.transaction() as tx:
                    INLINE_POLICIES.put(tx, InlinePolicy("user", name, "p", policy))
            finally:
                svc.close()
        return self.as_root("create-access-key", "--user-name", name)["AccessKey"]


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> Cli:
    runner = Cli(tmp_path, monkeypatch, capsys)
    runner.init()
    return runner


def own_key_ids(cli: Cli, *flags: str) -> list[str]:
    """Who is calling, told by list-access-keys without --user-name (the caller's keys)."""
    return [k["AccessKeyId"] for k in cli.ok("list-access-keys", *flags)["AccessKeyMetadata"]]


def test_create_access_key_prints_aws_shape(cli: Cli) -> None:
    """create-access-key prints {"AccessKey": {UserName, AccessKeyId, Status,
    SecretAccessKey, CreateDate}}; list-access-keys never shows the secret."""
    cli.as_root("create-user", "--user-name", "alice")
    key = cli.as_root("create-access-key", "--user-name", "alice")["AccessKey"]
    assert set(key) == {"UserName", "AccessKeyId", "Status", "SecretAccessKey", "CreateDate"}
    assert (key["UserName"], key["Status"], len(key["SecretAccessKey"])) == ("alice", "Active", 40)
    listed = cli.as_root("list-access-keys", "--user-name", "alice")
    assert listed == {"AccessKeyMetadata": [{
        "UserName": "alice", "AccessKeyId": key["AccessKeyId"], "Status": "Active",
        "CreateDate": key["CreateDate"]}]}
    code, out, _ = cli.run("list-access-keys", "--user-name", "alice", "--output", "table",
                           "--as-root", "--root-password-stdin", stdin=ROOT_PASSWORD + "\n")
    assert code == 0 and key["AccessKeyId"] in out and key["SecretAccessKey"] not in out


def test_env_credentials_act_as_the_user(cli: Cli) -> None:
    """$IAMTUI_ACCESS_KEY_ID/$IAMTUI_SECRET_ACCESS_KEY sign commands as the key's user,
    allowed by that user's policies and denied beyond them (exit 254, AccessDenied)."""
    cli.env_keys(cli.user_with_key("alice"))
    assert [u["UserName"] for u in cli.ok("list-users")["Users"]] == ["alice"]
    code, _, err = cli.run("create-user", "--user-name", "mallory")
    assert code == 254 and "(AccessDenied)" in err and "iam:CreateUser" in err


def test_user_without_policies_is_denied(cli: Cli) -> None:
    cli.env_keys(cli.user_with_key("bob", policy=None))
    code, _, err = cli.run("list-users")
    assert code == 254 and "(AccessDenied) when calling the ListUsers operation" in err


def test_root_creates_its_own_key_and_uses_it(cli: Cli) -> None:
    """`iamtui create-access-key` as root without --user-name creates the root user's own
    key (CreateAccessKey); the pair then works for list-users."""
    key = cli.as_root("create-access-key")["AccessKey"]
    assert "UserName" not in key and key["AccessKeyId"].startswith("AKIA")
    cli.as_root("create-user", "--user-name", "alice")
    cli.env_keys(key)
    assert [u["UserName"] for u in cli.ok("list-users")["Users"]] == ["alice"]
    assert own_key_ids(cli) == [key["AccessKeyId"]]


def test_configure_writes_a_private_profile(cli: Cli) -> None:
    """`configure` saves the pair as ~/.aws/credentials does (INI, aws_access_key_id and
    aws_secret_access_key) in a 0600 file within a 0700 folder; the default profile is
    then used."""
    pair = cli.user_with_key("alice")
    saved = cli.configure(pair)
    path = Path(saved["CredentialsFile"])
    assert path == cli.config / "credentials"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    text = path.read_text()
    assert "[default]" in text and f"aws_access_key_id = {pair['AccessKeyId']}" in text
    assert "SecretAccessKey" not in json.dumps(saved)
    assert own_key_ids(cli) == [pair["AccessKeyId"]]


def test_named_profiles(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """--profile NAME (or $IAMTUI_PROFILE) picks a profile; other profiles are kept."""
    alice, bob = cli.user_with_key("alice"), cli.user_with_key("bob")
    cli.configure(alice)
    cli.configure(bob, "--profile", "bob")
    assert own_key_ids(cli) == [alice["AccessKeyId"]]
    assert own_key_ids(cli, "--profile", "bob") == [bob["AccessKeyId"]]
    monkeypatch.setenv("IAMTUI_PROFILE", "bob")
    assert own_key_ids(cli) == [bob["AccessKeyId"]]
    code, _, err = cli.run("list-users", "--profile", "carol")
    assert code == 253 and "The config profile (carol) could not be found" in err


def test_precedence_root_then_env_then_profile(cli: Cli) -> None:
    """--as-root wins; then environment variables; then the profile. An explicit
    --profile is a command line option, which comes before environment variables."""
    alice, bob = cli.user_with_key("alice"), cli.user_with_key("bob")
    cli.configure(alice)
    cli.configure(alice, "--profile", "alice")
    assert own_key_ids(cli) == [alice["AccessKeyId"]]
    cli.env_keys(bob)
    assert own_key_ids(cli) == [bob["AccessKeyId"]]
    assert cli.as_root("list-access-keys") == {"AccessKeyMetadata": []}  # root's own: none
    assert own_key_ids(cli, "--profile", "alice") == [alice["AccessKeyId"]]


def test_group_or_world_readable_credentials_file_is_refused(cli: Cli) -> None:
    pair = cli.user_with_key("alice")
    path = Path(cli.configure(pair)["CredentialsFile"])
    path.chmod(0o644)
    code, out, err = cli.run("list-users")
    assert code == 253 and out == ""
    assert "mode 0644" in err and f"chmod 600 {path}" in err
    path.chmod(0o600)
    assert cli.ok("list-users")


def test_no_credentials_is_a_clear_configuration_error(cli: Cli) -> None:
    """Without credentials: exit 253 (AWS CLI return codes) and how to get some."""
    code, out, err = cli.run("list-users")
    assert code == 253 and out == ""
    assert "(NoCredentials)" in err and "Unable to locate credentials" in err
    assert "iamtui configure" in err and "--as-root" in err


def test_partial_env_credentials(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IAMTUI_ACCESS_KEY_ID", "AKIAAAAAAAAAAAAAAAAA")
    code, _, err = cli.run("list-users")
    assert code == 253 and "missing: IAMTUI_SECRET_ACCESS_KEY" in err


def test_bad_pairs_are_refused(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """A wrong secret: SignatureDoesNotMatch; an unknown or inactive key:
    InvalidClientTokenId "The security token included in the request is invalid."."""
    pair = cli.user_with_key("alice")
    cli.env_keys({**pair, "SecretAccessKey": "A" * 40})
    code, _, err = cli.run("list-users")
    assert code == 254 and "(SignatureDoesNotMatch)" in err and "A" * 40 not in err
    cli.env_keys(pair)
    cli.as_root("update-access-key", "--access-key-id", pair["AccessKeyId"], "--status",
                "Inactive", "--user-name", "alice")
    code, _, err = cli.run("list-users")
    assert code == 254 and "(InvalidClientTokenId)" in err
    assert "The security token included in the request is invalid." in err
    cli.as_root("delete-access-key", "--access-key-id", pair["AccessKeyId"],
                "--user-name", "alice")
    code, _, err = cli.run("list-users")
    assert code == 254 and "(InvalidClientTokenId)" in err


def test_update_with_a_bad_status_is_a_validation_error(cli: Cli) -> None:
    pair = cli.user_with_key("alice")
    code, _, err = cli.run("update-access-key", "--access-key-id", pair["AccessKeyId"],
                           "--status", "Off", "--user-name", "alice", "--as-root",
                           "--root-password-stdin", stdin=ROOT_PASSWORD + "\n")
    assert code == 254 and "(ValidationError)" in err


def test_get_access_key_last_used(cli: Cli) -> None:
    """get-access-key-last-used: {"UserName", "AccessKeyLastUsed": {...}}, with "N/A"
    service and region and no date before the key is used (AccessKeyLastUsed)."""
    pair = cli.user_with_key("alice")
    before = cli.as_root("get-access-key-last-used", "--access-key-id", pair["AccessKeyId"])
    assert before == {"UserName": "alice",
                      "AccessKeyLastUsed": {"ServiceName": "N/A", "Region": "N/A"}}
    cli.env_keys(pair)
    after = cli.ok("get-access-key-last-used", "--access-key-id", pair["AccessKeyId"])
    last = after["AccessKeyLastUsed"]
    assert after["UserName"] == "alice"
    assert (last["ServiceName"], last["Region"]) == ("iam", "us-east-1")
    assert last["LastUsedDate"].endswith("+00:00")


def test_quota_and_delete_through_the_cli(cli: Cli) -> None:
    pair = cli.user_with_key("alice")
    cli.as_root("create-access-key", "--user-name", "alice")
    code, _, err = cli.run("create-access-key", "--user-name", "alice", "--as-root",
                           "--root-password-stdin", stdin=ROOT_PASSWORD + "\n")
    assert code == 254 and "Cannot exceed quota for AccessKeysPerUser: 2" in err
    assert cli.as_root("delete-access-key", "--access-key-id", pair["AccessKeyId"],
                       "--user-name", "alice") == {}
    assert len(cli.as_root("list-access-keys", "--user-name", "alice")
               ["AccessKeyMetadata"]) == 1


def test_configure_refuses_malformed_input(cli: Cli) -> None:
    code, _, err = cli.run("configure", "--stdin", stdin="not-a-key\n" + "x" * 40 + "\n")
    assert code == 252 and "nothing was saved" in err
    assert not (cli.config / "credentials").exists()
    code, _, err = cli.run("configure")  # stdin is not a terminal here
    assert code == 252 and "--stdin" in err


def test_secret_never_reaches_the_files_beside_the_store(cli: Cli) -> None:
    pair = cli.user_with_key("alice")
    cli.env_keys(pair)
    cli.ok("list-users")
    secret = pair["SecretAccessKey"].encode()
    files = [p for p in cli.db.parent.iterdir() if p.is_file()]
    assert any(p.name.endswith(".audit.jsonl") for p in files)
    assert all(secret not in p.read_bytes() for p in files)
    assert all(secret not in p.read_bytes() for p in (cli.config / "keys").iterdir())
    assert os.environ["IAMTUI_SECRET_ACCESS_KEY"] == pair["SecretAccessKey"]


def test_configure_at_a_terminal_prompts_and_keeps_values(
        cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """At a terminal, `configure` asks for the key ID and then the secret without echo,
    showing saved values masked; an empty answer keeps the saved value (aws configure)."""
    alice, bob = cli.user_with_key("alice"), cli.user_with_key("bob")
    cli.configure(alice)
    prompts: list[str] = []
    answers = iter([bob["AccessKeyId"], ""])  # a new key ID, then Enter for the secret

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    def fake_input(prompt: str) -> str:
        prompts.append(prompt)
        return next(answers)

    def fake_getpass(prompt: str) -> str:
        prompts.append("(no echo) " + prompt)
        return next(answers)

    monkeypatch.setattr("builtins.input", fake_input)
    monkeypatch.setattr("getpass.getpass", fake_getpass)
    monkeypatch.setattr("sys.stdin", Terminal())
    cli.capsys.readouterr()
    assert main(["configure", "--db", str(cli.db)]) == 0
    assert prompts == [f"IAMTUI Access Key ID [{'*' * 16}{alice['AccessKeyId'][-4:]}]: ",
                       f"(no echo) IAMTUI Secret Access Key [{'*' * 16}"
                       f"{alice['SecretAccessKey'][-4:]}]: "]
    text = (cli.config / "credentials").read_text()
    assert bob["AccessKeyId"] in text and alice["SecretAccessKey"] in text
    assert alice["AccessKeyId"] not in text
