"""Console sign-in: generic failures, audit, lockout, forced changes, rehash, MFA at sign-in.

AWS pages these tests follow:
- IAM User Guide, "Set an account password policy for IAM users" (expiry, HardExpiry,
  the forced change at the next sign-in, AllowUsersToChangePassword):
  https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_account-policy.html
- IAM User Guide, "Logging IAM and AWS STS API calls with AWS CloudTrail": a sign-in
  with an unknown user name is logged as HIDDEN_DUE_TO_SECURITY_REASONS:
  https://docs.aws.amazon.com/IAM/latest/UserGuide/cloudtrail-integration.html
- IAM User Guide, "AWS global condition context keys" (aws:MultiFactorAuthPresent,
  aws:MultiFactorAuthAge):
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
- IAM User Guide, "AWS: Allows MFA-authenticated IAM users to manage their own
  credentials" (the Bool MFA condition pattern):
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_examples_aws_my-sec-creds-self-manage.html
Lockout is iamtui's own (PCI DSS v4.0 requirement 8.3.4), not AWS's.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import argon2
import pytest
from helpers import ACCOUNT_ID, ROOT_PASSWORD, CliRunner, FakeClock
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from iamtui.audit import HIDDEN
from iamtui.errors import (
    AccessDenied,
    InvalidAuthenticationCode,
    PasswordExpired,
    PasswordPolicyViolation,
)
from iamtui.errors import SignInFailed as SignInFailedError
from iamtui.model import InlinePolicy
from iamtui.security import mfa
from iamtui.security.passwords import (
    LockoutSettings,
    PasswordPolicy,
    needs_rehash,
    verify_password,
)
from iamtui.service import IamService, Principal
from iamtui.service import signin as signin_module
from iamtui.service.signin import (
    GENERIC_FAILURE,
    MfaCodeRequired,
    PasswordChangeRequired,
)
from iamtui.service.tables import INLINE_POLICIES, LOGIN_PROFILES, USERS

PASSWORD = "Corr3ct-Horse!"
NEW_PASSWORD = "Batt3ry-Staple!"


@pytest.fixture
def alice(service: IamService, root: Principal) -> str:
    service.create_user(root, "alice")
    service.create_login_profile(root, "alice", PASSWORD)
    return "alice"


def last_events(service: IamService, n: int = 1) -> list[dict]:
    return service.audit.page(0, n)


def enroll(service: IamService, root: Principal, clock: FakeClock,
           user: str | None = "alice", name: str = "alice-phone") -> str:
    """A device enabled for `user` at the current step; returns its seed."""
    new = service.create_virtual_mfa_device(root, name)
    step = mfa.time_step(clock())
    service.enable_mfa_device(root, user, new.device.serial_number,
                              mfa.code_at(new.base32_seed, step - 1),
                              mfa.code_at(new.base32_seed, step))
    return new.base32_seed


def set_lockout(service: IamService, root: Principal, threshold: int = 3,
                minutes: int | None = 30, **policy: object) -> None:
    service.update_account_password_policy(
        root, PasswordPolicy(**policy),  # type: ignore[arg-type]
        lockout=LockoutSettings(threshold, minutes))


# ---------------------------------------------------------------------- success


def test_sign_in_gives_a_console_principal_and_records_use(service: IamService, alice: str,
                                                           clock: FakeClock) -> None:
    """A console sign-in; PasswordLastUsed is recorded and a ConsoleLogin event written.
    https://docs.aws.amazon.com/IAM/latest/UserGuide/cloudtrail-integration.html"""
    principal = service.sign_in("example", "alice", PASSWORD)
    assert (principal.kind, principal.name, principal.console) == ("user", "alice", True)
    assert principal.mfa_authenticated_at is None
    assert service.sign_in(ACCOUNT_ID, "ALICE", PASSWORD).name == "alice"  # ID; names fold
    user = USERS.find_one(service.store.snapshot(), "name", "alice")
    assert user is not None and user.password_last_used == clock()
    event = last_events(service)[0]
    assert event["eventName"] == "ConsoleLogin"
    assert event["eventSource"] == "signin.amazonaws.com"
    assert event["responseElements"] == {"ConsoleLogin": "Success"}
    assert event["userIdentity"]["userName"] == "alice"
    assert event["additionalEventData"]["MFAUsed"] == "No"


def test_root_signs_in_with_its_own_password(service: IamService) -> None:
    """The root user signs in with its own password.
    https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user.html"""
    principal = service.sign_in_root("example", ROOT_PASSWORD)
    assert principal.is_root and principal.console
    assert service.sign_in_root(ACCOUNT_ID, ROOT_PASSWORD).is_root  # the ID works too
    with pytest.raises(SignInFailedError):
        service.sign_in_root("example", "not-the-password")
    with pytest.raises(SignInFailedError):
        service.sign_in_root("999999999999", ROOT_PASSWORD)


# ---------------------------------------------------------------------- root or IAM user


def test_an_iam_user_named_root_signs_in_as_that_user(service: IamService,
                                                      root: Principal) -> None:
    """Sign-in says root or IAM user explicitly, as AWS's sign-in page does ("Root user":
    the root user's credentials; "IAM user": account ID or alias, user name and password),
    so `root` is an ordinary IAM user name, in any case (issue 10, item 4).
    https://docs.aws.amazon.com/signin/latest/userguide/user-types-list.html
    https://docs.aws.amazon.com/signin/latest/userguide/how-to-sign-in.html"""
    created = service.create_user(root, "ROOT")
    service.create_login_profile(root, "ROOT", PASSWORD)
    for typed in ("ROOT", "root", "Root"):
        principal = service.sign_in("example", typed, PASSWORD)
        assert (principal.kind, principal.name, principal.arn) == ("user", "ROOT", created.arn)
        assert not principal.is_root
    with pytest.raises(SignInFailedError):  # the root user's password is not this user's
        service.sign_in("example", "root", ROOT_PASSWORD)
    with pytest.raises(SignInFailedError):  # nor the other way round
        service.sign_in_root("example", PASSWORD)
    assert service.sign_in_root("example", ROOT_PASSWORD).is_root
    event = last_events(service)[0]
    assert event["userIdentity"]["type"] == "Root"


def test_the_user_name_root_never_reaches_the_root_user(service: IamService,
                                                        root: Principal) -> None:
    """Without an IAM user of that name, "root" is an unknown user name: the generic
    answer, audited as HIDDEN_DUE_TO_SECURITY_REASONS, and the root user's lockout
    counters do not move (issue 10, item 4)."""
    with pytest.raises(SignInFailedError) as failed:
        service.sign_in("example", "root", ROOT_PASSWORD)
    assert failed.value.message == GENERIC_FAILURE
    assert last_events(service)[0]["userIdentity"]["userName"] == HIDDEN
    assert service.store.snapshot().meta["root"].get("failed_attempts", 0) == 0


def test_cli_root_is_a_user_name_and_as_root_is_the_root_user(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """`create-user --user-name root` works as in AWS; `--as-root` is the root user and an
    access key of the IAM user "root" is that user, never the root user.
    https://docs.aws.amazon.com/cli/latest/reference/iam/create-user.html"""
    cli = CliRunner(tmp_path, monkeypatch, capsys)
    cli.init()
    made = cli.as_root("create-user", "--user-name", "root")["User"]
    assert made["Arn"] == f"arn:aws:iam::{ACCOUNT_ID}:user/root"
    cli.as_root("create-login-profile", "--user-name", "root", "--password-stdin",
                stdin=PASSWORD + "\n")
    assert cli.as_root("get-caller-identity")["Arn"] == f"arn:aws:iam::{ACCOUNT_ID}:root"
    pair = cli.as_root("create-access-key", "--user-name", "root")["AccessKey"]
    monkeypatch.setenv("IAMTUI_ACCESS_KEY_ID", pair["AccessKeyId"])
    monkeypatch.setenv("IAMTUI_SECRET_ACCESS_KEY", pair["SecretAccessKey"])
    assert cli.ok("get-caller-identity")["Arn"] == made["Arn"]
    code, _, err = cli.run("list-users")  # the IAM user "root" has no policy
    assert code == 254 and "AccessDenied" in err and "user/root is not authorized" in err
    svc = IamService.open(cli.db)
    try:
        assert svc.sign_in(ACCOUNT_ID, "root", PASSWORD).arn == made["Arn"]
    finally:
        svc.close()


def test_lookup_events_for_user_name_root_shows_both(service: IamService,
                                                     root: Principal) -> None:
    """CloudTrail's event history names the root user "root", so the Username lookup
    attribute "root" finds the root user's events; it must find the IAM user named root
    too, whose events carry that userName (issue 10, item 4).
    https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_LookupEvents.html"""
    service.create_user(root, "root")
    service.create_login_profile(root, "root", PASSWORD)
    service.sign_in("example", "root", PASSWORD)
    found = service.lookup_events(root, user_name="root")
    kinds = {json.loads(e["CloudTrailEvent"])["userIdentity"]["type"] for e in found}
    assert kinds == {"Root", "IAMUser"}
    names = [e["EventName"] for e in found
             if json.loads(e["CloudTrailEvent"])["userIdentity"]["type"] == "IAMUser"]
    assert names == ["ConsoleLogin"]


# ---------------------------------------------------------------------- generic failures


def test_unknown_user_and_wrong_password_look_the_same(service: IamService, alice: str) -> None:
    """One message for both, so the answer does not tell which user names exist."""
    with pytest.raises(SignInFailedError) as wrong:
        service.sign_in("example", "alice", "Wrong-Passw0rd")
    with pytest.raises(SignInFailedError) as unknown:
        service.sign_in("example", "mallory", "Wrong-Passw0rd")
    with pytest.raises(SignInFailedError) as other_account:
        service.sign_in("999999999999", "alice", PASSWORD)
    assert type(wrong.value) is type(unknown.value) is SignInFailedError
    assert wrong.value.message == unknown.value.message == other_account.value.message \
        == GENERIC_FAILURE


def test_unknown_user_is_audited_as_hidden(service: IamService, alice: str) -> None:
    """CloudTrail logs a mistyped user name as HIDDEN_DUE_TO_SECURITY_REASONS."""
    with pytest.raises(SignInFailedError):
        service.sign_in("example", "mallory", "Wrong-Passw0rd")
    event = last_events(service)[0]
    assert event["eventName"] == "ConsoleLogin"
    assert event["userIdentity"]["userName"] == HIDDEN
    assert event["responseElements"] == {"ConsoleLogin": "Failure"}
    assert "mallory" not in json.dumps(event) and "Wrong-Passw0rd" not in json.dumps(event)
    with pytest.raises(SignInFailedError):
        service.sign_in("example", "alice", "Wrong-Passw0rd")
    event = last_events(service)[0]
    assert event["userIdentity"]["userName"] == "alice"
    assert event["errorMessage"] == GENERIC_FAILURE
    assert "Wrong-Passw0rd" not in json.dumps(event)


def test_unknown_user_costs_a_password_verify(service: IamService, alice: str,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """The same cost either way: an unknown user pays a dummy verify."""
    calls: list[str] = []
    monkeypatch.setattr(signin_module, "dummy_verify", lambda pw: calls.append(pw))
    with pytest.raises(SignInFailedError):
        service.sign_in("example", "mallory", "Wrong-Passw0rd")
    assert calls == ["Wrong-Passw0rd"]


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(typed=st.text(min_size=1, max_size=40))
def test_any_wrong_password_fails_the_same_way_and_is_counted(service: IamService,
                                                             alice: str, typed: str) -> None:
    """Whatever is typed (even text of the audit record itself, like "0" or "Failure"),
    the answer is the generic error, the attempt is counted, and the event stays whole."""
    assume(typed != PASSWORD)
    service.unlock_login_profile(service.root_principal(), "alice")  # below the default lock
    before = LOGIN_PROFILES.get(service.store.snapshot(), "alice")
    assert before is not None
    with pytest.raises(SignInFailedError) as failed:
        service.sign_in("example", "alice", typed)
    assert failed.value.message == GENERIC_FAILURE
    after = LOGIN_PROFILES.get(service.store.snapshot(), "alice")
    assert after is not None and after.failed_attempts == before.failed_attempts + 1
    event = last_events(service)[0]
    assert (event["eventName"], event["eventSource"], event["eventType"]) == \
        ("ConsoleLogin", "signin.amazonaws.com", "AwsConsoleSignIn")
    assert event["responseElements"] == {"ConsoleLogin": "Failure"}
    assert event["userIdentity"]["userName"] == "alice"
    assert event["eventTime"] == "2026-11-28T12:00:00Z"


def test_user_without_console_password_gets_the_generic_error(service: IamService,
                                                              root: Principal) -> None:
    """A user without a login profile cannot sign in to the console.
    https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_admin-change-user.html"""
    service.create_user(root, "bob")
    with pytest.raises(SignInFailedError, match="authentication information is incorrect"):
        service.sign_in("example", "bob", "Anything-1")


# ---------------------------------------------------------------------- lockout


def test_lockout_after_threshold_until_an_administrator_unlocks(
        service: IamService, root: Principal, alice: str, clock: FakeClock) -> None:
    """iamtui's lockout (PCI DSS 8.3.4; AWS has none): locked until unlocked.
    https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_account-policy.html"""
    set_lockout(service, root, threshold=3, minutes=None)
    for _ in range(3):
        with pytest.raises(SignInFailedError, match="authentication information is incorrect"):
            service.sign_in("example", "alice", "Wrong-Passw0rd")
    with pytest.raises(SignInFailedError):  # the right password does not help now
        service.sign_in("example", "alice", PASSWORD)
    clock.advance(days=400)
    with pytest.raises(SignInFailedError):
        service.sign_in("example", "alice", PASSWORD)
    event = last_events(service)[0]
    assert event["responseElements"] == {"ConsoleLogin": "Failure"}
    assert "administrator must unlock" in event["errorMessage"]  # the audit knows why
    service.unlock_login_profile(root, "alice")
    assert service.sign_in("example", "alice", PASSWORD).name == "alice"


def test_lockout_expires_after_its_duration(service: IamService, root: Principal, alice: str,
                                            clock: FakeClock) -> None:
    """iamtui's lockout (PCI DSS 8.3.4): a timed lock ends by itself.
    https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_account-policy.html"""
    set_lockout(service, root, threshold=3, minutes=30)
    for _ in range(3):
        with pytest.raises(SignInFailedError):
            service.sign_in("example", "alice", "Wrong-Passw0rd")
    clock.advance(minutes=29)
    with pytest.raises(SignInFailedError):
        service.sign_in("example", "alice", PASSWORD)
    assert "until 2026-11-28 12:30 UTC" in last_events(service)[0]["errorMessage"]
    clock.advance(minutes=1)
    assert service.sign_in("example", "alice", PASSWORD).name == "alice"


def test_success_resets_the_failure_count(service: IamService, root: Principal,
                                          alice: str) -> None:
    """iamtui's lockout counts failures in a row only.
    https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_account-policy.html"""
    set_lockout(service, root, threshold=3)
    for _ in range(2):
        with pytest.raises(SignInFailedError):
            service.sign_in("example", "alice", "Wrong-Passw0rd")
    service.sign_in("example", "alice", PASSWORD)
    for _ in range(2):
        with pytest.raises(SignInFailedError):
            service.sign_in("example", "alice", "Wrong-Passw0rd")
    assert service.sign_in("example", "alice", PASSWORD).name == "alice"


def test_failed_mfa_codes_count_toward_the_lockout(service: IamService, root: Principal,
                                                   alice: str, clock: FakeClock) -> None:
    """Wrong MFA codes count like wrong passwords (issue #4).
    https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_enable_virtual.html"""
    set_lockout(service, root, threshold=3)
    seed = enroll(service, root, clock)
    clock.advance(minutes=5)
    wrong = f"{(int(mfa.code_at(seed, mfa.time_step(clock()))) + 1) % 1_000_000:06d}"
    for _ in range(3):
        with pytest.raises(InvalidAuthenticationCode):
            service.sign_in("example", "alice", PASSWORD, wrong)
    good = mfa.code_at(seed, mfa.time_step(clock()))
    with pytest.raises(SignInFailedError):  # locked by the third wrong code
        service.sign_in("example", "alice", PASSWORD, good)
    assert "locked" in last_events(service)[0]["errorMessage"]


def test_a_failure_is_counted_even_when_the_audit_write_fails(
        service: IamService, alice: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A full disk must not turn into unlimited guesses: the count does not wait for the
    audit (iamtui's lockout, PCI DSS 8.3.4). The count and the failure's record commit
    together; the record reaches the log once it can be written."""
    def broken(records: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(service.audit, "append_sealed", broken)
    with pytest.raises(SignInFailedError):
        service.sign_in("example", "alice", "Wrong-Passw0rd")
    profile = LOGIN_PROFILES.get(service.store.snapshot(), "alice")
    assert profile is not None and profile.failed_attempts == 1
    assert service.audit.page(0, 1)[0]["eventName"] != "ConsoleLogin"
    monkeypatch.undo()
    service.close()
    reopened = IamService.open(service.store.path, keys_dir=service.keys_dir)
    assert reopened.audit.page(0, 1)[0]["responseElements"] == {"ConsoleLogin": "Failure"}
    assert reopened.verify_audit_log(reopened.root_principal()).ok
    reopened.close()


def test_unlock_needs_permission_and_is_audited(service: IamService, root: Principal,
                                                alice: str) -> None:
    """Unlocking is authorized as iam:UpdateLoginProfile and audited.
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_UpdateLoginProfile.html"""
    bob = Principal.for_user(service.create_user(root, "bob"), ACCOUNT_ID)
    with pytest.raises(AccessDenied, match="iam:UpdateLoginProfile"):
        service.unlock_login_profile(bob, "alice")
    assert last_events(service)[0]["eventName"] == "UnlockLoginProfile"


def test_root_lockout_always_ends(service: IamService, root: Principal,
                                  clock: FakeClock) -> None:
    """Nobody can unlock the root user, so its lock lasts the minimum 30 minutes."""
    set_lockout(service, root, threshold=3, minutes=None)
    for _ in range(3):
        with pytest.raises(SignInFailedError):
            service.sign_in_root("example", "Wrong-Passw0rd")
    with pytest.raises(SignInFailedError):
        service.sign_in_root("example", ROOT_PASSWORD)
    assert "locked" in last_events(service)[0]["errorMessage"]
    clock.advance(minutes=30)
    assert service.sign_in_root("example", ROOT_PASSWORD).is_root


def test_a_locked_account_answers_like_an_unknown_name(service: IamService,
                                                        alice: str) -> None:
    """A locked account gets the generic answer, like an unknown user name, even to the
    right password: "locked" would tell which names exist, and a different answer to the
    right password would let guessing go on through the lock (AWS's console says nothing
    more than "incorrect" either). The audit records the truth (issue 10, item 3).
    https://docs.aws.amazon.com/IAM/latest/UserGuide/cloudtrail-integration.html"""
    answers = []
    for _ in range(10):  # the default lockout: 10 attempts
        with pytest.raises(SignInFailedError) as failed:
            service.sign_in("example", "alice", "Wrong-Passw0rd")
        answers.append(failed.value)
    for password in ("Wrong-Passw0rd", PASSWORD):
        with pytest.raises(SignInFailedError) as failed:
            service.sign_in("example", "alice", password)
        answers.append(failed.value)
        event = last_events(service)[0]
        assert event["userIdentity"]["userName"] == "alice"
        assert event["errorMessage"].startswith("This account is locked")
    with pytest.raises(SignInFailedError) as unknown:
        service.sign_in("example", "mallory", PASSWORD)
    answers.append(unknown.value)
    assert last_events(service)[0]["userIdentity"]["userName"] == HIDDEN
    assert {(type(a), a.code, a.message, a.http_status) for a in answers} == \
        {(SignInFailedError, "SignInFailed", GENERIC_FAILURE, 401)}
    profile = LOGIN_PROFILES.get(service.store.snapshot(), "alice")
    assert profile is not None and profile.failed_attempts == 10  # no longer counting


def test_a_locked_account_costs_what_a_wrong_password_costs(
        service: IamService, root: Principal, alice: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Timing: an unknown name, a wrong password and a locked account (with a wrong or the
    right password) each cost one password verify, one audit append and one store
    transaction, so that the time of the answer tells no more than the answer."""
    set_lockout(service, root, threshold=3)
    service.create_user(root, "bob")
    service.create_login_profile(root, "bob", PASSWORD)
    for _ in range(3):
        with pytest.raises(SignInFailedError):
            service.sign_in("example", "bob", "Wrong-Passw0rd")
    costs: list[str] = []
    real_verify, real_dummy = signin_module.verify_password, signin_module.dummy_verify
    real_append, real_transaction = service.audit.append_sealed, service.store.transaction
    monkeypatch.setattr(signin_module, "verify_password",
                        lambda h, pw: costs.append("verify") or real_verify(h, pw))
    monkeypatch.setattr(signin_module, "dummy_verify",
                        lambda pw: costs.append("verify") or real_dummy(pw))
    monkeypatch.setattr(service.audit, "append_sealed",
                        lambda records: costs.append("append") or real_append(records))
    monkeypatch.setattr(service.store, "transaction",
                        lambda *a, **k: costs.append("transaction") or
                        real_transaction(*a, **k))
    seen = {}
    for case, user, password in (("unknown", "mallory", PASSWORD),
                                 ("wrong", "alice", "Wrong-Passw0rd"),
                                 ("locked", "bob", "Wrong-Passw0rd"),
                                 ("locked, right password", "bob", PASSWORD)):
        costs.clear()
        with pytest.raises(SignInFailedError):
            service.sign_in("example", user, password)
        seen[case] = sorted(costs)
    assert all(c == ["append", "transaction", "verify"] for c in seen.values()), seen


def test_a_new_store_locks_after_ten_failures_for_thirty_minutes(
        service: IamService, root: Principal, alice: str, clock: FakeClock) -> None:
    """No password policy set, yet the lockout is on: 10 attempts, 30 minutes (PCI DSS
    v4.0 8.3.4's limits, iamtui's own; AWS has no lockout). The account settings show it
    and can turn it off (issue 10, item 3)."""
    assert service.get_account_security_settings(root).lockout == LockoutSettings(10, 30)
    for _ in range(10):
        with pytest.raises(SignInFailedError):
            service.sign_in("example", "alice", "Wrong-Passw0rd")
    with pytest.raises(SignInFailedError):
        service.sign_in("example", "alice", PASSWORD)
    clock.advance(minutes=30)
    assert service.sign_in("example", "alice", PASSWORD).name == "alice"
    for _ in range(10):
        with pytest.raises(SignInFailedError):
            service.sign_in_root("example", "Wrong-Passw0rd")
    with pytest.raises(SignInFailedError):  # the root user too
        service.sign_in_root("example", ROOT_PASSWORD)
    clock.advance(minutes=30)
    assert service.sign_in_root("example", ROOT_PASSWORD).is_root


def test_the_lockout_can_be_turned_off(service: IamService, root: Principal,
                                       alice: str) -> None:
    """An administrator may turn the default lockout off; it then stays off (a policy
    update that does not mention it keeps it off)."""
    service.update_account_password_policy(root, PasswordPolicy(), lockout=None)
    service.update_account_password_policy(root, PasswordPolicy(minimum_password_length=10))
    assert service.get_account_security_settings(root).lockout is None
    for _ in range(12):
        with pytest.raises(SignInFailedError):
            service.sign_in("example", "alice", "Wrong-Passw0rd")
    assert service.sign_in("example", "alice", PASSWORD).name == "alice"


def test_idle_timeout_setting_ends_console_sessions(service: IamService, root: Principal,
                                                    clock: FakeClock) -> None:
    """iamtui's own idle timeout (PCI DSS 8.2.8), off until set."""
    start = clock()
    clock.advance(hours=5)
    assert not service.console_session_idle_expired(start)
    service.update_account_password_policy(root, PasswordPolicy(),
                                           idle_session_timeout_minutes=15)
    assert service.console_session_idle_expired(start)
    assert not service.console_session_idle_expired(clock() - timedelta(minutes=14))


# ---------------------------------------------------------------------- forced changes


def test_reset_required_forces_a_change_before_anything_else(
        service: IamService, root: Principal, clock: FakeClock) -> None:
    """PasswordResetRequired: a new password at the next sign-in.
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateLoginProfile.html"""
    service.create_user(root, "carol")
    service.create_login_profile(root, "carol", PASSWORD, password_reset_required=True)
    service.update_account_password_policy(root, PasswordPolicy(
        allow_users_to_change_password=True, password_reuse_prevention=1))
    with pytest.raises(PasswordChangeRequired) as required:
        service.sign_in("example", "carol", PASSWORD)
    assert required.value.reason == "reset"
    with pytest.raises(PasswordPolicyViolation, match="last password"):
        service.sign_in("example", "carol", PASSWORD, new_password=PASSWORD)
    principal = service.sign_in("example", "carol", PASSWORD, new_password=NEW_PASSWORD)
    assert principal.name == "carol"
    assert service.sign_in("example", "carol", NEW_PASSWORD).name == "carol"
    with pytest.raises(SignInFailedError):
        service.sign_in("example", "carol", PASSWORD)


def test_forced_change_needs_permission_to_change_ones_password(
        service: IamService, root: Principal) -> None:
    """Without AllowUsersToChangePassword or an iam:ChangePassword policy, only an
    administrator can set the new password."""
    service.create_user(root, "carol")
    service.create_login_profile(root, "carol", PASSWORD, password_reset_required=True)
    with pytest.raises(AccessDenied, match="ask an administrator"):
        service.sign_in("example", "carol", PASSWORD, new_password=NEW_PASSWORD)
    with service.store.transaction() as tx:  # attach IAMUserChangePassword's statement inline
        INLINE_POLICIES.put(tx, InlinePolicy("user", "carol", "change-own", json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": "iam:ChangePassword",
                "Resource": "arn:aws:iam::*:user/${aws:username}"}]})))
    assert service.sign_in("example", "carol", PASSWORD,
                           new_password=NEW_PASSWORD).name == "carol"


def test_both_factors_are_checked_before_the_new_password_is_asked(
        service: IamService, root: Principal, alice: str, clock: FakeClock) -> None:
    """Issue 12, item 5: with a reset required and MFA enabled, the code is asked for and
    checked first (a wrong one refused as such), then the new password; the code is
    spent only when the sign-in with the new password completes. A user who may not
    change the password hears so at once, before typing a new one, no code spent.
    (IAM User Guide, "How IAM users sign in to AWS": MFA, then the forced change.)"""
    seed = enroll(service, root, clock)
    clock.advance(minutes=1)
    service.update_login_profile(root, "alice", password_reset_required=True)
    with pytest.raises(MfaCodeRequired):
        service.sign_in("example", "alice", PASSWORD)
    with pytest.raises(InvalidAuthenticationCode):
        service.sign_in("example", "alice", PASSWORD, "000000")
    code = mfa.code_at(seed, mfa.time_step(clock()))
    with pytest.raises(AccessDenied, match="not allowed to change your own password"):
        service.sign_in("example", "alice", PASSWORD, code)
    service.update_account_password_policy(root, PasswordPolicy(
        allow_users_to_change_password=True))
    with pytest.raises(PasswordChangeRequired):
        service.sign_in("example", "alice", PASSWORD, code)
    principal = service.sign_in("example", "alice", PASSWORD, code, new_password=NEW_PASSWORD)
    assert principal.mfa_authenticated_at == clock()
    with pytest.raises(InvalidAuthenticationCode, match="already used"):
        service.sign_in("example", "alice", NEW_PASSWORD, code)


def test_expired_password_must_be_changed(service: IamService, root: Principal, alice: str,
                                          clock: FakeClock) -> None:
    """MaxPasswordAge: an expired password must be changed at sign-in.
    https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_account-policy.html"""
    service.update_account_password_policy(root, PasswordPolicy(
        max_password_age=90, allow_users_to_change_password=True))
    clock.advance(days=89)
    service.sign_in("example", "alice", PASSWORD)
    clock.advance(days=1)
    with pytest.raises(PasswordChangeRequired) as required:
        service.sign_in("example", "alice", PASSWORD)
    assert required.value.reason == "expired"
    service.sign_in("example", "alice", PASSWORD, new_password=NEW_PASSWORD)
    clock.advance(days=89)
    assert service.sign_in("example", "alice", NEW_PASSWORD).name == "alice"


def test_hard_expiry_only_an_administrator_can_reset(service: IamService, root: Principal,
                                                     alice: str, clock: FakeClock) -> None:
    """HardExpiry: after expiry only an administrator can reset the password.
    https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_account-policy.html"""
    service.update_account_password_policy(root, PasswordPolicy(
        max_password_age=30, hard_expiry=True, allow_users_to_change_password=True))
    clock.advance(days=31)
    with pytest.raises(PasswordExpired, match="administrator"):
        service.sign_in("example", "alice", PASSWORD)
    with pytest.raises(PasswordExpired):
        service.sign_in("example", "alice", PASSWORD, new_password=NEW_PASSWORD)
    service.update_login_profile(root, "alice", password=NEW_PASSWORD)
    assert service.sign_in("example", "alice", NEW_PASSWORD).name == "alice"


def test_old_hash_is_rehashed_at_the_next_sign_in(service: IamService, alice: str) -> None:
    """A hash made with weaker Argon2 parameters is replaced at the next sign-in (issue #4).
    https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_account-policy.html"""
    weak = argon2.PasswordHasher(time_cost=1, memory_cost=64, parallelism=1).hash(PASSWORD)
    assert needs_rehash(weak)
    with service.store.transaction() as tx:
        profile = LOGIN_PROFILES.get(tx, "alice")
        assert profile is not None
        LOGIN_PROFILES.put(tx, replace(profile, password_hash=weak))
    service.sign_in("example", "alice", PASSWORD)
    stored = LOGIN_PROFILES.get(service.store.snapshot(), "alice")
    assert stored is not None and stored.password_hash != weak
    assert not needs_rehash(stored.password_hash)
    assert verify_password(stored.password_hash, PASSWORD)
    assert stored.previous_hashes == ()  # the same password: no new history entry


# ---------------------------------------------------------------------- MFA at sign-in


def test_mfa_code_required_then_accepted_once(service: IamService, root: Principal,
                                              alice: str, clock: FakeClock) -> None:
    """With MFA enabled the code is asked for, and each code works once.
    https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_enable_virtual.html"""
    seed = enroll(service, root, clock)
    clock.advance(seconds=30)
    with pytest.raises(MfaCodeRequired):
        service.sign_in("example", "alice", PASSWORD)
    code = mfa.code_at(seed, mfa.time_step(clock()))
    principal = service.sign_in("example", "alice", PASSWORD, code)
    assert principal.mfa_authenticated_at == clock()
    assert last_events(service)[0]["additionalEventData"]["MFAUsed"] == "Yes"
    with pytest.raises(InvalidAuthenticationCode, match="already used"):
        service.sign_in("example", "alice", PASSWORD, code)


@pytest.mark.parametrize("missing", [None, "", "   "])
def test_a_missing_code_asks_for_it_uncounted(service: IamService, root: Principal,
                                              alice: str, clock: FakeClock,
                                              missing: str | None) -> None:
    """The right password without a code (or with a blank one) asks for the code: not a
    failed attempt, so any number of them lock nothing, and no code step is spent
    (issue 10, item 12)."""
    seed = enroll(service, root, clock)
    clock.advance(minutes=1)
    [device] = service.enabled_devices(service.store.snapshot(), "alice")
    for _ in range(15):  # more than the default lockout's 10
        with pytest.raises(MfaCodeRequired, match="Enter the code"):
            service.sign_in("example", "alice", PASSWORD, missing)
    profile = LOGIN_PROFILES.get(service.store.snapshot(), "alice")
    assert profile is not None and (profile.failed_attempts, profile.locked_until) == (0, None)
    [after] = service.enabled_devices(service.store.snapshot(), "alice")
    assert after.last_used_step == device.last_used_step
    event = last_events(service)[0]
    assert event["responseElements"] == {"ConsoleLogin": "Failure"}
    assert event["errorMessage"] == "Enter the code from your MFA device."
    code = mfa.code_at(seed, mfa.time_step(clock()))
    assert service.sign_in("example", "alice", PASSWORD, code).mfa_authenticated_at


def test_stale_and_earlier_codes_are_refused(service: IamService, root: Principal, alice: str,
                                             clock: FakeClock) -> None:
    """Codes outside one step of drift, or from a step already used, are refused.
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_EnableMFADevice.html"""
    seed = enroll(service, root, clock)
    clock.advance(minutes=10)
    now = mfa.time_step(clock())
    with pytest.raises(InvalidAuthenticationCode, match="not valid"):
        service.sign_in("example", "alice", PASSWORD, mfa.code_at(seed, now - 3))
    service.sign_in("example", "alice", PASSWORD, mfa.code_at(seed, now))
    with pytest.raises(InvalidAuthenticationCode, match="already used"):
        service.sign_in("example", "alice", PASSWORD, mfa.code_at(seed, now - 1))


def test_full_width_digits_are_refused(service: IamService, root: Principal, alice: str,
                                       clock: FakeClock) -> None:
    """A code is exactly six ASCII digits: pyotp normalizes full-width digits, so
    `９７１３９７` would verify there.
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_EnableMFADevice.html"""
    seed = enroll(service, root, clock)
    clock.advance(seconds=60)
    code = mfa.code_at(seed, mfa.time_step(clock()))
    wide = "".join(chr(ord("０") + int(c)) for c in code)
    with pytest.raises(InvalidAuthenticationCode, match="six digits"):
        service.sign_in("example", "alice", PASSWORD, wide)
    assert service.sign_in("example", "alice", PASSWORD, code).mfa_authenticated_at


@settings(max_examples=50, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(typed=st.one_of(st.text(max_size=12),
                       st.text(alphabet=st.characters(categories=["Nd"]), min_size=6,
                               max_size=6)))
def test_any_wrong_code_is_refused_with_the_code_error(service: IamService, root: Principal,
                                                      alice: str, clock: FakeClock,
                                                      typed: str) -> None:
    """Anything but the device's current code (any text, any Unicode digits) is refused
    with InvalidAuthenticationCode, never another error, and no session is made. (No code
    at all, or a blank one, asks for the code: test_a_missing_code_asks_for_it_uncounted.)
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_EnableMFADevice.html"""
    assume(typed.strip())
    if not service.enabled_devices(service.store.snapshot(), "alice"):
        enroll(service, root, clock)
        clock.advance(minutes=1)
    service.unlock_login_profile(root, "alice")  # wrong codes count: stay below the lock
    [device] = service.enabled_devices(service.store.snapshot(), "alice")
    seed = service._seed(device)
    now = mfa.time_step(clock())
    assume(typed not in {mfa.code_at(seed, s) for s in range(now - 1, now + 2)})
    with pytest.raises(InvalidAuthenticationCode):
        service.sign_in("example", "alice", PASSWORD, typed)


def test_mfa_condition_applies_to_the_signed_in_operator(service: IamService, root: Principal,
                                                         alice: str, clock: FakeClock) -> None:
    """A Bool aws:MultiFactorAuthPresent condition allows the MFA session only."""
    with service.store.transaction() as tx:
        for name in ("alice", "bob"):
            INLINE_POLICIES.put(tx, InlinePolicy("user", name, "mfa-only", json.dumps({
                "Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*",
                    "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]})))
    service.create_user(root, "bob")
    service.create_login_profile(root, "bob", PASSWORD)
    seed = enroll(service, root, clock)
    clock.advance(seconds=30)
    with_mfa = service.sign_in("example", "alice", PASSWORD,
                               mfa.code_at(seed, mfa.time_step(clock())))
    without = service.sign_in("example", "bob", PASSWORD)
    assert [u.user_name for u in service.list_users(with_mfa)] == ["alice", "bob"]
    with pytest.raises(AccessDenied, match="iam:ListUsers"):
        service.list_users(without)
    context = service.caller_context(service.store.snapshot(), with_mfa)
    clock.advance(seconds=120)
    later = service.caller_context(service.store.snapshot(), with_mfa)
    present = context.get("aws:multifactorauthpresent")
    age = later.get("aws:multifactorauthage")
    assert present is not None and present.values == ("true",)
    assert age is not None and age.values == ("120",)


def test_root_mfa_enrollment_and_sign_in(service: IamService, root: Principal,
                                         clock: FakeClock) -> None:
    """The root user enrolls a virtual device (root-account-mfa-device) and then needs it.
    https://docs.aws.amazon.com/IAM/latest/UserGuide/enable-virt-mfa-for-root.html"""
    seed = enroll(service, root, clock, user=None, name="root-account-mfa-device")
    devices = service.list_mfa_devices(root)
    assert [d.serial_number for d in devices] == \
        [f"arn:aws:iam::{ACCOUNT_ID}:mfa/root-account-mfa-device"]
    clock.advance(seconds=30)
    with pytest.raises(MfaCodeRequired):
        service.sign_in_root("example", ROOT_PASSWORD)
    principal = service.sign_in_root("example", ROOT_PASSWORD,
                                     mfa.code_at(seed, mfa.time_step(clock())))
    assert principal.is_root and principal.mfa_authenticated_at == clock()


# ---------------------------------------------------------------------- secrets at rest


def test_passwords_and_seeds_never_reach_the_store_or_the_audit(
        service: IamService, root: Principal, clock: FakeClock) -> None:
    """Passwords and seeds are secrets: never stored in clear nor logged.
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateVirtualMFADevice.html"""
    service.create_user(root, "dave")
    service.create_login_profile(root, "dave", PASSWORD)
    new = service.create_virtual_mfa_device(root, "dave-phone")
    step = mfa.time_step(clock())
    service.enable_mfa_device(root, "dave", new.device.serial_number,
                              mfa.code_at(new.base32_seed, step - 1),
                              mfa.code_at(new.base32_seed, step))
    with pytest.raises(SignInFailedError):
        service.sign_in("example", "dave", NEW_PASSWORD)
    clock.advance(seconds=30)
    service.sign_in("example", "dave", PASSWORD,
                    mfa.code_at(new.base32_seed, mfa.time_step(clock())))
    with pytest.raises(PasswordPolicyViolation):
        service.update_login_profile(root, "dave", password="short")
    service.update_login_profile(root, "dave", password=NEW_PASSWORD)
    folder = Path(service.store.path).parent
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert any(p.name.endswith(".audit.jsonl") for p in files)
    for path in files:
        data = path.read_bytes()
        for secret in (PASSWORD, NEW_PASSWORD, "short", new.base32_seed):
            assert secret.encode() not in data, (path, secret)
