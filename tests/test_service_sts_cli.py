"""The STS commands end to end through `iamtui.cli.main`: assume-role, get-caller-identity,
revoke-role-sessions, and acting as a role session with IAMTUI_SESSION_TOKEN.

AWS CLI reference: `aws sts assume-role`, `aws sts get-caller-identity` (output shapes);
AWS CLI User Guide, "Environment variables to configure the AWS CLI" (AWS_SESSION_TOKEN
beside the key pair for temporary credentials).
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest
from helpers import ACCOUNT_ID, ROOT_PASSWORD, FakeClock

from iamtui.arn import new_unique_id, role_arn
from iamtui.cli import main
from iamtui.model import InlinePolicy, Role
from iamtui.service import IamService
from iamtui.service.tables import INLINE_POLICIES, ROLES

ENV = ("IAMTUI_ACCESS_KEY_ID", "IAMTUI_SECRET_ACCESS_KEY", "IAMTUI_SESSION_TOKEN",
       "IAMTUI_PROFILE", "IAMTUI_DB")


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """An initialized store with user alice and two roles (12-hour maximum sessions):
    `Ops` (trusting alice; allows iam:ListUsers) and `Chained` (trusting Ops)."""
    monkeypatch.setenv("IAMTUI_CONFIG_DIR", str(tmp_path / "config"))
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    path = str(tmp_path / "store.json")
    service = IamService.initialize(path, root_password=ROOT_PASSWORD, account_id=ACCOUNT_ID)
    try:
        now = service.clock()
        ops_trust = json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:user/alice"},
            "Action": "sts:AssumeRole"}]})
        chained_trust = json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": role_arn(ACCOUNT_ID, "/", "Ops")},
            "Action": "sts:AssumeRole"}]})
        with service.store.transaction() as tx:
            for name, doc in (("Ops", ops_trust), ("Chained", chained_trust)):
                ROLES.put(tx, Role(name, new_unique_id("role"), role_arn(ACCOUNT_ID, "/", name),
                                   now, doc, max_session_duration=43200))
            INLINE_POLICIES.put(tx, InlinePolicy("role", "Ops", "list", json.dumps({
                "Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Action": ["iam:ListUsers", "iam:PutRolePolicy"],
                     "Resource": "*"}]})))
        service.create_user(service.root_principal(), "alice")
    finally:
        service.close()
    return path


def run(argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        *, as_root: bool = False) -> tuple[int, str, str]:
    if as_root:
        monkeypatch.setattr(sys, "stdin", io.StringIO(ROOT_PASSWORD + "\n"))
        argv = [*argv, "--as-root", "--root-password-stdin"]
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def alice_session(db: str) -> dict:
    """Temporary credentials for alice in Ops, made through the service."""
    service = IamService.open(db)
    try:
        from iamtui.service import Principal
        from iamtui.service.sts import aws_assume_role
        from iamtui.service.tables import USERS
        alice = USERS.find_one(service.store.snapshot(), "name", "alice")
        assert alice is not None
        caller = Principal.for_user(alice, ACCOUNT_ID)
        return aws_assume_role(service.assume_role(caller, role_arn(ACCOUNT_ID, "/", "Ops"),
                                                   "cli"))["Credentials"]
    finally:
        service.close()


def use_session(monkeypatch: pytest.MonkeyPatch, creds: dict) -> None:
    monkeypatch.setenv("IAMTUI_ACCESS_KEY_ID", creds["AccessKeyId"])
    monkeypatch.setenv("IAMTUI_SECRET_ACCESS_KEY", creds["SecretAccessKey"])
    monkeypatch.setenv("IAMTUI_SESSION_TOKEN", creds["SessionToken"])


def test_get_caller_identity_as_root(db: str, capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """`get-caller-identity` prints {UserId, Account, Arn}; for root, the account's ID."""
    code, out, _ = run(["get-caller-identity", "--db", db], capsys, monkeypatch, as_root=True)
    assert code == 0
    assert json.loads(out) == {"UserId": ACCOUNT_ID, "Account": ACCOUNT_ID,
                               "Arn": f"arn:aws:iam::{ACCOUNT_ID}:root"}


def test_session_credentials_from_the_environment(db: str, capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """With IAMTUI_SESSION_TOKEN beside the temporary key pair, commands act as the role
    session, with the role's permissions."""
    use_session(monkeypatch, alice_session(db))
    code, out, err = run(["get-caller-identity", "--db", db], capsys, monkeypatch)
    assert code == 0, err
    me = json.loads(out)
    assert me["Arn"] == f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/Ops/cli"
    assert me["UserId"].startswith("AROA") and me["UserId"].endswith(":cli")
    code, out, err = run(["list-users", "--db", db], capsys, monkeypatch)
    assert code == 0, err
    assert [u["UserName"] for u in json.loads(out)["Users"]] == ["alice"]
    code, _, err = run(["create-user", "--user-name", "bob", "--db", db], capsys, monkeypatch)
    assert code == 254 and "(AccessDenied)" in err


def test_assume_role_from_a_session(db: str, capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """`assume-role` prints Credentials and AssumedRoleUser in AWS's shape; chaining from a
    session is refused above one hour."""
    use_session(monkeypatch, alice_session(db))
    chained = role_arn(ACCOUNT_ID, "/", "Chained")
    code, _, err = run(["assume-role", "--role-arn", chained, "--role-session-name", "two",
                        "--duration-seconds", "7200", "--db", db], capsys, monkeypatch)
    assert code == 254 and "(ValidationError)" in err and "1 hour" in err
    code, out, err = run(["assume-role", "--role-arn", chained, "--role-session-name", "two",
                          "--db", db], capsys, monkeypatch)
    assert code == 0, err
    data = json.loads(out)
    assert set(data) == {"Credentials", "AssumedRoleUser"}
    assert set(data["Credentials"]) == {"AccessKeyId", "SecretAccessKey", "SessionToken",
                                        "Expiration"}
    assert data["Credentials"]["AccessKeyId"].startswith("ASIA")
    assert data["AssumedRoleUser"]["Arn"] == \
        f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/Chained/two"
    use_session(monkeypatch, data["Credentials"])
    code, out, _ = run(["get-caller-identity", "--db", db], capsys, monkeypatch)
    assert json.loads(out)["Arn"].endswith(":assumed-role/Chained/two")


def test_wrong_or_missing_token(db: str, capsys: pytest.CaptureFixture[str],
                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A wrong session token is InvalidClientTokenId; temporary keys without one too."""
    creds = alice_session(db)
    use_session(monkeypatch, {**creds, "SessionToken": "bogus"})
    code, _, err = run(["get-caller-identity", "--db", db], capsys, monkeypatch)
    assert code == 254 and "(InvalidClientTokenId)" in err
    monkeypatch.delenv("IAMTUI_SESSION_TOKEN")
    code, _, err = run(["get-caller-identity", "--db", db], capsys, monkeypatch)
    assert code == 254 and "(InvalidClientTokenId)" in err


def use_clock(monkeypatch: pytest.MonkeyPatch, clock: FakeClock) -> None:
    """Make every IamService.open (the CLI's and the helpers') run on `clock`."""
    real_open = IamService.open.__func__  # type: ignore[attr-defined]
    monkeypatch.setattr(IamService, "open", classmethod(
        lambda cls, path=None, **kw: real_open(cls, path, clock=clock)))


def test_expired_session_on_the_command_line(db: str, capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch,
                                             clock: FakeClock) -> None:
    """After Expiration the CLI fails with ExpiredToken (clock injected, nothing sleeps)."""
    use_clock(monkeypatch, clock)
    use_session(monkeypatch, alice_session(db))
    clock.advance(seconds=3599)
    assert run(["get-caller-identity", "--db", db], capsys, monkeypatch)[0] == 0
    clock.advance(seconds=1)
    code, _, err = run(["get-caller-identity", "--db", db], capsys, monkeypatch)
    assert code == 254 and "(ExpiredToken)" in err


def test_revoke_role_sessions_command(db: str, capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch,
                                      clock: FakeClock) -> None:
    """`revoke-role-sessions` as root: sessions issued before it are denied, later ones
    are not; `list-role-sessions` shows both until they expire."""
    use_clock(monkeypatch, clock)
    old = alice_session(db)
    clock.advance(seconds=5)
    code, out, err = run(["revoke-role-sessions", "--role-name", "Ops", "--db", db], capsys,
                         monkeypatch, as_root=True)
    assert code == 0, err
    assert json.loads(out)["PolicyName"] == "AWSRevokeOlderSessions"
    clock.advance(seconds=5)
    new = alice_session(db)
    use_session(monkeypatch, old)
    code, _, err = run(["list-users", "--db", db], capsys, monkeypatch)
    assert code == 254 and "(AccessDenied)" in err and "explicit deny" in err
    use_session(monkeypatch, new)
    assert run(["list-users", "--db", db], capsys, monkeypatch)[0] == 0
    monkeypatch.delenv("IAMTUI_SESSION_TOKEN")
    monkeypatch.delenv("IAMTUI_ACCESS_KEY_ID")
    monkeypatch.delenv("IAMTUI_SECRET_ACCESS_KEY")
    code, out, _ = run(["list-role-sessions", "--role-name", "Ops", "--db", db], capsys,
                       monkeypatch, as_root=True)
    assert [s["AccessKeyId"] for s in json.loads(out)["Sessions"]] == [
        old["AccessKeyId"], new["AccessKeyId"]]
    code, out, _ = run(["get-caller-identity", "--db", db, "--output", "table"], capsys,
                       monkeypatch, as_root=True)
    assert code == 0 and "UserId" in out and ACCOUNT_ID in out


def test_user_with_access_key_assumes_role_with_mfa(db: str, capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    clock: FakeClock) -> None:
    """As a user (access key pair in the environment): get-caller-identity names the user;
    assume-role with --serial-number/--token-code passes a trust policy requiring MFA, and
    the session's own commands then work with IAMTUI_SESSION_TOKEN."""
    from iamtui.security.mfa import code_at, time_step
    from iamtui.service import Principal

    use_clock(monkeypatch, clock)
    service = IamService.open(db)
    try:
        root = service.root_principal()
        key = service.create_access_key(root, "alice")
        device = service.create_virtual_mfa_device(root, "alice-app")
        step = time_step(clock())
        seed, serial = device.base32_seed, device.device.serial_number
        service.enable_mfa_device(root, "alice", serial, code_at(seed, step - 1),
                                  code_at(seed, step))
        service.update_assume_role_policy(root, "Ops", json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"},
                "Action": "sts:AssumeRole",
                "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]}))
        service.put_user_policy(root, "alice", "assume", json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}))
        alice = Principal.for_user(service.get_user(root, "alice"), ACCOUNT_ID)
    finally:
        service.close()
    monkeypatch.setenv("IAMTUI_ACCESS_KEY_ID", key.key.access_key_id)
    monkeypatch.setenv("IAMTUI_SECRET_ACCESS_KEY", key.secret_access_key)
    code, out, err = run(["get-caller-identity", "--db", db], capsys, monkeypatch)
    assert code == 0, err
    assert json.loads(out) == {"UserId": alice.principal_id, "Account": ACCOUNT_ID,
                               "Arn": alice.arn}
    ops = role_arn(ACCOUNT_ID, "/", "Ops")
    code, _, err = run(["assume-role", "--role-arn", ops, "--role-session-name", "mfa",
                        "--db", db], capsys, monkeypatch)
    assert code == 254 and "(AccessDenied)" in err
    clock.advance(seconds=30)
    code, out, err = run(["assume-role", "--role-arn", ops, "--role-session-name", "mfa",
                          "--serial-number", serial, "--token-code",
                          code_at(seed, time_step(clock())), "--db", db], capsys, monkeypatch)
    assert code == 0, err
    use_session(monkeypatch, json.loads(out)["Credentials"])
    code, out, err = run(["get-caller-identity", "--db", db], capsys, monkeypatch)
    assert code == 0, err
    assert json.loads(out)["Arn"] == f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/Ops/mfa"
