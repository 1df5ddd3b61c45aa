"""Passwords: Argon2id hashing, AWS's account password policy, lockout and PCI settings.

AWS pages these tests follow:
- IAM User Guide, "Set an account password policy for IAM users":
  https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_account-policy.html
- IAM API Reference, UpdateAccountPasswordPolicy (defaults and valid ranges):
  https://docs.aws.amazon.com/IAM/latest/APIReference/API_UpdateAccountPasswordPolicy.html
- IAM API Reference, PasswordPolicy (GetAccountPasswordPolicy's shape, ExpirePasswords):
  https://docs.aws.amazon.com/IAM/latest/APIReference/API_PasswordPolicy.html
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import argon2
import pytest
from hypothesis import given
from hypothesis import strategies as st

from iamtui.errors import InvalidInput, PasswordPolicyViolation, ValidationError
from iamtui.security import passwords as pw
from iamtui.security.passwords import (
    DEFAULT_RULES,
    UNTIL_UNLOCKED,
    AccountSecuritySettings,
    LockoutSettings,
    LockoutState,
    PasswordPolicy,
    check_password,
)

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fast_hashing() -> Iterator[None]:
    previous = pw.use_fast_hashing()
    yield
    pw.configure_hashing(previous)


def violation(password: str, policy: PasswordPolicy | None, **kw: object) -> str:
    with pytest.raises(PasswordPolicyViolation) as info:
        check_password(password, policy, user_name=kw.pop("user_name", "alice"), **kw)  # type: ignore[arg-type]
    return info.value.message


# ---------------------------------------------------------------- hashing


def test_hash_is_argon2id_with_fresh_salt_and_verifies() -> None:
    first, second = pw.hash_password("correct horse"), pw.hash_password("correct horse")
    assert first.startswith("$argon2id$")
    assert first != second  # a fresh salt each time
    assert pw.verify_password(first, "correct horse")
    assert not pw.verify_password(first, "correct horsE")


def test_verify_never_raises_on_garbage_hash() -> None:
    assert pw.verify_password("not a hash", "x") is False
    assert pw.verify_password("", "x") is False


def test_weaker_hash_needs_rehash_and_current_does_not() -> None:
    old = argon2.PasswordHasher(time_cost=1, memory_cost=64, parallelism=1).hash("pw")
    argon2i = argon2.PasswordHasher(
        time_cost=4, memory_cost=1024, parallelism=1, type=argon2.Type.I
    ).hash("pw")
    assert pw.verify_password(old, "pw")  # an old hash still signs the user in...
    assert pw.needs_rehash(old)  # ...and is then rehashed
    assert pw.needs_rehash(argon2i)
    assert not pw.needs_rehash(pw.hash_password("pw"))
    assert pw.needs_rehash("garbage")


def test_production_profile_rehashes_test_hashes_but_not_the_reverse() -> None:
    cheap = pw.hash_password("pw")
    pw.configure_hashing("production")
    try:
        assert pw.needs_rehash(cheap)
        params = argon2.extract_parameters(pw.hash_password("pw"))
    finally:
        pw.use_fast_hashing()
    default = argon2.PasswordHasher()  # production is argon2-cffi's default or stronger
    assert params.time_cost >= default.time_cost
    assert params.memory_cost >= default.memory_cost
    assert not pw.needs_rehash(f"$argon2id$v=19$m={params.memory_cost},t={params.time_cost},"
                               f"p={params.parallelism}$c2FsdHNhbHRzYWx0c2FsdA$"
                               "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g")


@pytest.mark.parametrize(
    ("value", "expected"), [("test", "test"), ("production", "production"), ("fast!", "production")]
)
def test_profile_comes_from_the_environment_once(value: str, expected: str) -> None:
    # A fresh interpreter reads IAMTUI_ARGON2_PROFILE at import; a typo stays on production.
    code = "from iamtui.security import passwords as p; print(p.hashing_profile())"
    env = {"IAMTUI_ARGON2_PROFILE": value, "PATH": ""}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == expected


def test_unknown_profile_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown Argon2 profile"):
        pw.configure_hashing("turbo")
    assert pw.hashing_profile() == "test"


def test_dummy_verify_spends_one_real_verify(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = pw._hasher

    class Counting:
        """Delegates to the configured hasher, recording each verified hash."""

        def hash(self, password: str) -> str:
            return real.hash(password)

        def verify(self, h: str, p: str) -> bool:
            calls.append(h)
            return real.verify(h, p)

    monkeypatch.setattr(pw, "_hasher", Counting())
    wrong = real.hash("x")
    assert pw.dummy_verify("guess") is None
    pw.verify_password(wrong, "guess")
    # Same number of Argon2 verifies, with the same parameters, as a real wrong password.
    assert len(calls) == 2
    assert calls[0] != wrong
    assert argon2.extract_parameters(calls[0]) == argon2.extract_parameters(calls[1])


# ---------------------------------------------------------------- policy settings


def test_policy_defaults_are_aws_defaults() -> None:
    # UpdateAccountPasswordPolicy: unspecified parameters revert to these defaults.
    assert PasswordPolicy().to_aws() == {
        "MinimumPasswordLength": 6,
        "RequireSymbols": False,
        "RequireNumbers": False,
        "RequireUppercaseCharacters": False,
        "RequireLowercaseCharacters": False,
        "AllowUsersToChangePassword": False,
        "ExpirePasswords": False,
        "HardExpiry": False,
    }


def test_to_aws_reports_expiry_and_reuse_when_set() -> None:
    policy = PasswordPolicy(max_password_age=90, password_reuse_prevention=24, hard_expiry=True)
    out = policy.to_aws()
    assert out["ExpirePasswords"] is True
    assert out["MaxPasswordAge"] == 90
    assert out["PasswordReusePrevention"] == 24
    assert out["HardExpiry"] is True


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"minimum_password_length": 5}, "Value '5' at 'minimumPasswordLength' failed to satisfy "
         "constraint: Member must have value greater than or equal to 6"),
        ({"minimum_password_length": 129}, "Value '129' at 'minimumPasswordLength' failed to "
         "satisfy constraint: Member must have value less than or equal to 128"),
        ({"max_password_age": 0}, "Member must have value greater than or equal to 1"),
        ({"max_password_age": 1096}, "Member must have value less than or equal to 1095"),
        ({"password_reuse_prevention": 0}, "Member must have value greater than or equal to 1"),
        ({"password_reuse_prevention": 25}, "Member must have value less than or equal to 24"),
        ({"minimum_password_length": "8"}, "Member must be an integer"),
        ({"minimum_password_length": True}, "Member must be an integer"),
        ({"require_symbols": "yes"}, "Value 'yes' at 'requireSymbols'"),
    ],
)
def test_out_of_range_settings_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError) as info:
        PasswordPolicy(**kwargs)  # type: ignore[arg-type]
    assert info.value.message.startswith("1 validation error detected: ")
    assert message in info.value.message


@pytest.mark.parametrize(
    "kwargs",
    [
        {"minimum_password_length": 6},
        {"minimum_password_length": 128},
        {"max_password_age": 1},
        {"max_password_age": 1095},
        {"password_reuse_prevention": 1},
        {"password_reuse_prevention": 24},
    ],
)
def test_range_ends_are_accepted(kwargs: dict[str, int]) -> None:
    PasswordPolicy(**kwargs)  # type: ignore[arg-type]


def test_every_bad_setting_is_reported_at_once() -> None:
    with pytest.raises(ValidationError) as info:
        PasswordPolicy(minimum_password_length=200, max_password_age=5000)
    assert info.value.message.startswith("2 validation errors detected: ")
    assert "minimumPasswordLength" in info.value.message
    assert "maxPasswordAge" in info.value.message


def test_from_aws_takes_request_parameters_and_refuses_unknown_ones() -> None:
    policy = PasswordPolicy.from_aws({"MinimumPasswordLength": 14, "RequireSymbols": True})
    assert policy == PasswordPolicy(minimum_password_length=14, require_symbols=True)
    with pytest.raises(InvalidInput, match="MinimumLength"):
        PasswordPolicy.from_aws({"MinimumLength": 14})


def test_policy_is_frozen() -> None:
    with pytest.raises(AttributeError):
        PasswordPolicy().minimum_password_length = 3  # type: ignore[misc]


# ---------------------------------------------------------------- checking passwords


def test_default_rules_match_aws_default_policy() -> None:
    # User Guide, "Default password policy": 8..128 characters, three of four kinds.
    assert DEFAULT_RULES.minimum_password_length == 8
    assert DEFAULT_RULES.maximum_password_length == 128
    assert DEFAULT_RULES.minimum_character_types == 3
    assert pw.default_rules() is DEFAULT_RULES


def test_default_rules_accept_three_kinds_and_refuse_two() -> None:
    check_password("Abcdefg1", None, user_name="alice")  # upper, lower, number
    check_password("abcdef1!", None, user_name="alice")  # lower, number, symbol
    message = violation("abcdefg1", None)
    assert message.startswith("Password does not meet the default password policy: ")
    assert "must contain at least 3 of" in message


def test_default_rules_length_limits() -> None:
    assert "must be at least 8 characters" in violation("Ab1!", None)
    assert "must be at most 128 characters" in violation("Ab1!" * 33, None)
    check_password("Ab1!" * 32, None, user_name="alice")  # exactly 128


def test_password_equal_to_user_name_or_email_is_refused() -> None:
    assert "must not be the same as your user name" in violation(
        "Alice-Admin1", None, user_name="alice-admin1"
    )
    msg = violation("Bob@Example1.com", None, user_name="bob", email="bob@example1.com")
    assert "must not be the same as your email address" in msg


@pytest.mark.parametrize(
    ("policy", "password", "expected"),
    [
        (PasswordPolicy(minimum_password_length=14), "Short1!", "must be at least 14 characters"),
        (PasswordPolicy(require_uppercase_characters=True), "lower1!x",
         "must contain an uppercase letter (A-Z)"),
        (PasswordPolicy(require_lowercase_characters=True), "UPPER1!X",
         "must contain a lowercase letter (a-z)"),
        (PasswordPolicy(require_numbers=True), "NoDigits!", "must contain a number (0-9)"),
        (PasswordPolicy(require_symbols=True), "NoSymbol1",
         "must contain a symbol (! @ # $ % ^ & * ( ) _ + - = [ ] { } | ')"),
    ],
)
def test_each_custom_rule_has_its_message(
    policy: PasswordPolicy, password: str, expected: str
) -> None:
    message = violation(password, policy)
    assert message == f"Password does not meet the account password policy: {expected}"


def test_every_broken_rule_is_named() -> None:
    policy = PasswordPolicy(
        minimum_password_length=14,
        require_uppercase_characters=True,
        require_numbers=True,
        require_symbols=True,
        password_reuse_prevention=3,
    )
    old = [pw.hash_password("secret"), pw.hash_password("other")]
    message = violation("secret", policy, previous_hashes=old)
    assert message == (
        "Password does not meet the account password policy: must be at least 14 characters; "
        "must contain an uppercase letter (A-Z); must contain a number (0-9); "
        "must contain a symbol (! @ # $ % ^ & * ( ) _ + - = [ ] { } | '); "
        "must not be one of your last 3 passwords"
    )


def test_symbols_are_only_aws_symbols() -> None:
    policy = PasswordPolicy(require_symbols=True)
    for symbol in "!@#$%^&*()_+-=[]{}|'":
        check_password(f"abcdef{symbol}", policy, user_name="alice")
    for other in ".,;:?/~`\"<> ":
        assert "must contain a symbol" in violation(f"abcdef{other}", policy)


def test_letters_outside_basic_latin_do_not_count() -> None:
    policy = PasswordPolicy(require_uppercase_characters=True, require_numbers=True)
    message = violation("Écoleéé٣٣", policy)  # É is not A-Z; Arabic-Indic digits are not 0-9
    assert "uppercase letter" in message
    assert "number" in message


def test_characters_outside_aws_pattern_are_refused() -> None:
    assert "printable Latin-1" in violation("Abcdef1!\u0001", PasswordPolicy())
    assert "printable Latin-1" in violation("Abcdef1!\u4e2d", None)
    check_password("Ab1!\tçà ü", PasswordPolicy(), user_name="alice")


def test_reuse_checks_only_the_newest_n_hashes() -> None:
    history = [pw.hash_password(p) for p in ("newest", "middle", "oldest")]  # newest first
    policy = PasswordPolicy(password_reuse_prevention=2)
    assert "must not be one of your last 2 passwords" in violation(
        "middle", policy, previous_hashes=history
    )
    check_password("oldest", policy, user_name="alice", previous_hashes=history)
    one = PasswordPolicy(password_reuse_prevention=1)
    assert "must not be the same as your last password" in violation(
        "newest", one, previous_hashes=history
    )
    # Without reuse prevention, history is not consulted.
    check_password("newest", PasswordPolicy(), user_name="alice", previous_hashes=history)


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!@#$",
               min_size=0, max_size=40))
def test_check_password_either_passes_or_names_a_reason(password: str) -> None:
    policy = PasswordPolicy(minimum_password_length=10, require_numbers=True, require_symbols=True)
    try:
        check_password(password, policy, user_name="someone-else")
    except PasswordPolicyViolation as err:
        reasons = err.message.split(": ", 1)[1].split("; ")
        assert reasons and all(r.startswith("must ") for r in reasons)
        assert ("at least 10" in err.message) == (len(password) < 10)
    else:
        assert len(password) >= 10
        assert any(c.isdigit() for c in password)
        assert set(password) & set("!@#$")


# ---------------------------------------------------------------- expiry


def test_password_expiry_follows_max_password_age() -> None:
    policy = PasswordPolicy(max_password_age=90)
    changed = NOW - timedelta(days=90)
    assert pw.password_expired(changed, policy, NOW)
    assert not pw.password_expired(changed + timedelta(seconds=1), policy, NOW)
    assert pw.password_expires_at(changed, policy) == NOW


def test_passwords_never_expire_without_max_age_or_policy() -> None:
    ancient = NOW - timedelta(days=10_000)
    assert not pw.password_expired(ancient, PasswordPolicy(), NOW)
    assert not pw.password_expired(ancient, None, NOW)
    assert pw.password_expires_at(ancient, None) is None


# ---------------------------------------------------------------- PCI DSS preset


def test_pci_dss_preset_numbers() -> None:
    settings = pw.pci_dss_policy()
    policy = settings.password_policy
    assert policy is not None
    assert policy.minimum_password_length == 12  # 8.3.6
    assert policy.require_numbers  # 8.3.6: numeric...
    assert policy.require_uppercase_characters and policy.require_lowercase_characters  # ...alpha
    assert policy.password_reuse_prevention == 4  # 8.3.7
    assert policy.max_password_age == 90  # 8.3.9
    assert settings.lockout == LockoutSettings(threshold=10, duration_minutes=30)  # 8.3.4
    assert settings.idle_session_timeout_minutes == 15  # 8.2.8
    check_password("Correct1horse", policy, user_name="alice")
    assert "at least 12" in violation("Short1horse", policy)


def test_security_settings_round_trip_through_dict() -> None:
    settings = pw.pci_dss_policy()
    assert AccountSecuritySettings.from_dict(settings.to_dict()) == settings
    empty = AccountSecuritySettings()
    assert AccountSecuritySettings.from_dict(empty.to_dict()) == empty



def test_the_default_lockout_protects_until_one_is_chosen() -> None:
    """No settings stored (a new store), or a null lockout (what stores written before the
    default hold when nobody chose one): 10 attempts, 30 minutes. Turned off, it stays off
    (issue 10, item 3)."""
    default = LockoutSettings(threshold=10, duration_minutes=30)
    assert AccountSecuritySettings().lockout == default
    assert AccountSecuritySettings.from_dict({}).lockout == default
    assert AccountSecuritySettings.from_dict({"Lockout": None}).lockout == default
    off = AccountSecuritySettings(lockout=None)
    assert off.to_dict()["Lockout"] is False
    assert AccountSecuritySettings.from_dict(off.to_dict()) == off

@pytest.mark.parametrize(
    ("kwargs", "member"),
    [
        ({"threshold": 0}, "lockoutThreshold"),
        ({"threshold": 11}, "lockoutThreshold"),
        ({"duration_minutes": 29}, "lockoutDurationMinutes"),
    ],
)
def test_lockout_settings_ranges(kwargs: dict[str, int], member: str) -> None:
    with pytest.raises(ValidationError, match=member):
        LockoutSettings(**kwargs)  # type: ignore[arg-type]
    LockoutSettings(threshold=1, duration_minutes=None)  # until an administrator unlocks


def test_idle_timeout_range() -> None:
    with pytest.raises(ValidationError, match="idleSessionTimeoutMinutes"):
        AccountSecuritySettings(idle_session_timeout_minutes=0)
    settings = AccountSecuritySettings(idle_session_timeout_minutes=15)
    assert not pw.session_idle_expired(NOW - timedelta(minutes=14), settings, NOW)
    assert pw.session_idle_expired(NOW - timedelta(minutes=15), settings, NOW)
    assert not pw.session_idle_expired(NOW - timedelta(days=9), AccountSecuritySettings(), NOW)


# ---------------------------------------------------------------- lockout counters


def test_lockout_after_threshold_for_duration() -> None:
    settings = LockoutSettings(threshold=3, duration_minutes=30)
    state = LockoutState()
    for expected in (1, 2):
        state = pw.record_failed_sign_in(state, settings, NOW)
        assert state == LockoutState(failed_attempts=expected)
        assert not pw.is_locked(state, NOW)
    state = pw.record_failed_sign_in(state, settings, NOW)
    assert state.locked_until == NOW + timedelta(minutes=30)
    assert pw.is_locked(state, NOW + timedelta(minutes=29, seconds=59))
    assert not pw.is_locked(state, NOW + timedelta(minutes=30))


def test_failures_while_locked_do_not_extend_the_lock() -> None:
    settings = LockoutSettings(threshold=1, duration_minutes=30)
    locked = pw.record_failed_sign_in(LockoutState(), settings, NOW)
    assert pw.record_failed_sign_in(locked, settings, NOW + timedelta(minutes=10)) == locked


def test_counting_restarts_after_lock_expires() -> None:
    settings = LockoutSettings(threshold=2, duration_minutes=30)
    state = LockoutState()
    for _ in range(2):
        state = pw.record_failed_sign_in(state, settings, NOW)
    later = NOW + timedelta(minutes=31)
    state = pw.record_failed_sign_in(state, settings, later)
    assert state == LockoutState(failed_attempts=1)


def test_success_resets_and_admin_unlock_clears() -> None:
    settings = LockoutSettings(threshold=1, duration_minutes=None)
    state = pw.record_failed_sign_in(LockoutState(), settings, NOW)
    assert state.locked_until == UNTIL_UNLOCKED
    assert pw.is_locked(state, NOW + timedelta(days=3650))
    # A locked user cannot be reset by a "success"; only an administrator unlocks.
    assert pw.record_successful_sign_in(state, NOW) == state
    assert pw.unlock(state) == LockoutState()
    partial = LockoutState(failed_attempts=4)
    assert pw.record_successful_sign_in(partial, NOW) == LockoutState()


def test_without_lockout_settings_failures_are_only_counted() -> None:
    state = LockoutState()
    for _ in range(50):
        state = pw.record_failed_sign_in(state, None, NOW)
    assert state == LockoutState(failed_attempts=50)
    assert not pw.is_locked(state, NOW)
