"""Password hashing (Argon2id) and the account password policy with AWS IAM's rules.

Sources (AWS documentation):
- IAM User Guide, "Set an account password policy for IAM users"
  (id_credentials_passwords_account-policy.html): the default policy when none
  is set, the custom options, and that expiry applies at once while length and
  character rules apply at the next change.
- IAM API Reference, UpdateAccountPasswordPolicy and the PasswordPolicy data
  type: parameter defaults (MinimumPasswordLength 6, booleans false, no expiry,
  no reuse prevention) and valid ranges (MinimumPasswordLength 6-128,
  MaxPasswordAge 1-1095, PasswordReusePrevention 1-24), and ExpirePasswords in
  GetAccountPasswordPolicy's answer.

Beyond AWS (IAM has no lockout policy), `AccountSecuritySettings` carries
sign-in lockout and idle-session timeout, so that `pci_dss_policy()` can meet
PCI DSS v4.0 requirement 8 in one step.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import argon2
from argon2.exceptions import InvalidHashError, VerificationError

from iamtui.errors import InvalidInput, PasswordPolicyViolation, ValidationError

# --------------------------------------------------------------------------
# Hashing: one configured PasswordHasher for the whole process
# --------------------------------------------------------------------------

PROFILE_ENV = "IAMTUI_ARGON2_PROFILE"
"""Environment variable naming the Argon2 profile; read once, at import."""

_PROFILES: dict[str, argon2.Parameters] = {
    # argon2-cffi's own default (RFC 9106 "low memory": t=3, m=64 MiB, p=4), ~190 ms here.
    "production": argon2.profiles.RFC_9106_LOW_MEMORY,
    # Cheap but still Argon2id, so tests exercise the real code path in well under 1 ms.
    "test": argon2.Parameters(
        type=argon2.Type.ID,
        version=argon2.low_level.ARGON2_VERSION,
        salt_len=16,
        hash_len=32,
        time_cost=2,
        memory_cost=256,
        parallelism=1,
    ),
}

_profile: str = "production"
_hasher: argon2.PasswordHasher = argon2.PasswordHasher.from_parameters(_PROFILES["production"])
_dummy_hashes: dict[str, str] = {}


def configure_hashing(profile: str) -> str:
    """Switch every hash and verify to the Argon2 `profile` ("production" or "test").

    Returns the previous profile's name so a caller (a test fixture) can restore it.
    """
    global _profile, _hasher
    if profile not in _PROFILES:
        raise ValueError(f"unknown Argon2 profile {profile!r}; use one of {sorted(_PROFILES)}")
    previous = _profile
    _profile = profile
    _hasher = argon2.PasswordHasher.from_parameters(_PROFILES[profile])
    return previous


def use_fast_hashing() -> str:
    """Use cheap Argon2 parameters (for tests); returns the previous profile's name."""
    return configure_hashing("test")


def hashing_profile() -> str:
    """The name of the Argon2 profile in use."""
    return _profile


# An unknown value falls back to production: a typo must never weaken hashing silently.
if os.environ.get(PROFILE_ENV, "production") in _PROFILES:
    configure_hashing(os.environ.get(PROFILE_ENV, "production"))


def hash_password(password: str) -> str:
    """Hash `password` with Argon2id and a fresh random salt, in PHC string form."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True if `password` matches `password_hash`; never raises on a mismatch or a bad hash.

    The parameters are read from the hash itself, so hashes made under any
    profile verify; follow a success with `needs_rehash`.
    """
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True if `password_hash` is weaker than the current profile (rehash it at sign-in).

    Weaker means not Argon2id, an older Argon2 version, or less time, memory,
    hash or salt length than the configured parameters. A stronger hash is
    left alone: rehashing it would be a downgrade.
    """
    try:
        have = argon2.extract_parameters(password_hash)
    except InvalidHashError:
        return True
    want = _PROFILES[_profile]
    return (
        have.type is not argon2.Type.ID
        or have.version < want.version
        or have.time_cost < want.time_cost
        or have.memory_cost < want.memory_cost
        or have.hash_len < want.hash_len
        or have.salt_len < want.salt_len
    )


def dummy_verify(password: str) -> None:
    """Spend what a real verify costs, against a fixed hash of a random password.

    Call it when the user name is unknown (or has no password) so that an
    unknown user and a wrong password take the same time and give the same answer.
    """
    dummy = _dummy_hashes.get(_profile)
    if dummy is None:
        dummy = _dummy_hashes[_profile] = _hasher.hash(secrets.token_urlsafe(24))
    verify_password(dummy, password)


# --------------------------------------------------------------------------
# The account password policy (AWS's settings)
# --------------------------------------------------------------------------

SYMBOLS = frozenset("!@#$%^&*()_+-=[]{}|'")
"""The non-alphanumeric characters AWS counts as symbols."""

SYMBOLS_TEXT = "! @ # $ % ^ & * ( ) _ + - = [ ] { } | '"

MAXIMUM_PASSWORD_LENGTH = 128
"""The longest password the default policy (and the console) accepts."""

API_MAXIMUM_PASSWORD_LENGTH = 512
"""The longest password CreateLoginProfile and ChangePassword accept."""

_UPPER = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_LOWER = frozenset("abcdefghijklmnopqrstuvwxyz")
_DIGITS = frozenset("0123456789")


def _allowed_character(ch: str) -> bool:
    # AWS's password pattern: tab, LF, CR and U+0020 through U+00FF.
    return ch in "\t\n\r" or "\u0020" <= ch <= "\u00ff"


def _constraint_error(problems: Sequence[str]) -> ValidationError:
    """One ValidationError in AWS's format, listing every failed constraint."""
    count = len(problems)
    noun = "error" if count == 1 else "errors"
    return ValidationError(f"{count} validation {noun} detected: " + "; ".join(problems))


def _check_int(
    problems: list[str], value: Any, member: str, low: int, high: int | None = None
) -> None:
    """Add AWS-style constraint messages for an integer setting to `problems`."""
    if isinstance(value, bool) or not isinstance(value, int):
        problems.append(
            f"Value '{value}' at '{member}' failed to satisfy constraint: "
            "Member must be an integer"
        )
        return
    if value < low:
        problems.append(
            f"Value '{value}' at '{member}' failed to satisfy constraint: "
            f"Member must have value greater than or equal to {low}"
        )
    if high is not None and value > high:
        problems.append(
            f"Value '{value}' at '{member}' failed to satisfy constraint: "
            f"Member must have value less than or equal to {high}"
        )


def _check_bool(problems: list[str], value: Any, member: str) -> None:
    if not isinstance(value, bool):
        problems.append(
            f"Value '{value}' at '{member}' failed to satisfy constraint: "
            "Member must be a boolean"
        )


# AWS API parameter name -> dataclass field name.
_AWS_FIELDS: dict[str, str] = {
    "MinimumPasswordLength": "minimum_password_length",
    "RequireSymbols": "require_symbols",
    "RequireNumbers": "require_numbers",
    "RequireUppercaseCharacters": "require_uppercase_characters",
    "RequireLowercaseCharacters": "require_lowercase_characters",
    "AllowUsersToChangePassword": "allow_users_to_change_password",
    "MaxPasswordAge": "max_password_age",
    "PasswordReusePrevention": "password_reuse_prevention",
    "HardExpiry": "hard_expiry",
}


def _camel(aws_name: str) -> str:
    """AWS's validation messages name members in camelCase (minimumPasswordLength)."""
    return aws_name[0].lower() + aws_name[1:]


@dataclass(frozen=True)
class PasswordPolicy:
    """A custom account password policy, with UpdateAccountPasswordPolicy's defaults.

    Every field left out takes AWS's default: minimum length 6, no character
    requirements, users may not change their own password, passwords never
    expire (`max_password_age=None`, AWS's 0), reuse is not prevented
    (`password_reuse_prevention=None`), no hard expiry. Out-of-range values
    raise `ValidationError` with AWS's message.
    """

    minimum_password_length: int = 6
    require_symbols: bool = False
    require_numbers: bool = False
    require_uppercase_characters: bool = False
    require_lowercase_characters: bool = False
    allow_users_to_change_password: bool = False
    max_password_age: int | None = None
    password_reuse_prevention: int | None = None
    hard_expiry: bool = False

    def __post_init__(self) -> None:
        problems: list[str] = []
        _check_int(problems, self.minimum_password_length, "minimumPasswordLength", 6, 128)
        for aws_name, name in _AWS_FIELDS.items():
            value = getattr(self, name)
            if name == "max_password_age" and value is not None:
                _check_int(problems, value, _camel(aws_name), 1, 1095)
            elif name == "password_reuse_prevention" and value is not None:
                _check_int(problems, value, _camel(aws_name), 1, 24)
            elif name.startswith(("require_", "allow_", "hard_")):
                _check_bool(problems, value, _camel(aws_name))
        if problems:
            raise _constraint_error(problems)

    @property
    def expire_passwords(self) -> bool:
        """AWS's ExpirePasswords: true when a maximum password age is set."""
        return self.max_password_age is not None

    @classmethod
    def from_aws(cls, params: Mapping[str, Any]) -> PasswordPolicy:
        """Build from UpdateAccountPasswordPolicy's parameters (PascalCase names).

        Missing parameters take their defaults (the operation does not support
        partial updates); an unknown parameter raises `InvalidInput`.
        """
        unknown = sorted(set(params) - set(_AWS_FIELDS))
        if unknown:
            raise InvalidInput(
                f"Unknown password policy parameter(s): {', '.join(unknown)}. "
                f"Known: {', '.join(_AWS_FIELDS)}."
            )
        return cls(**{_AWS_FIELDS[k]: v for k, v in params.items()})

    def to_aws(self) -> dict[str, Any]:
        """The `PasswordPolicy` member of GetAccountPasswordPolicy's answer.

        MaxPasswordAge and PasswordReusePrevention appear only when set, and
        ExpirePasswords tells whether a maximum age is set, as AWS answers.
        """
        out: dict[str, Any] = {
            "MinimumPasswordLength": self.minimum_password_length,
            "RequireSymbols": self.require_symbols,
            "RequireNumbers": self.require_numbers,
            "RequireUppercaseCharacters": self.require_uppercase_characters,
            "RequireLowercaseCharacters": self.require_lowercase_characters,
            "AllowUsersToChangePassword": self.allow_users_to_change_password,
            "ExpirePasswords": self.expire_passwords,
        }
        if self.max_password_age is not None:
            out["MaxPasswordAge"] = self.max_password_age
        if self.password_reuse_prevention is not None:
            out["PasswordReusePrevention"] = self.password_reuse_prevention
        out["HardExpiry"] = self.hard_expiry
        return out


@dataclass(frozen=True)
class DefaultPasswordRules:
    """AWS's default password policy, in force while no custom policy is set.

    From the IAM User Guide ("Default password policy"): 8 to 128 characters,
    at least three of uppercase letters, lowercase letters, numbers and
    symbols, and not identical to the account's name or email address (for an
    IAM user: the user name or email address).
    """

    minimum_password_length: int = 8
    maximum_password_length: int = MAXIMUM_PASSWORD_LENGTH
    minimum_character_types: int = 3


DEFAULT_RULES = DefaultPasswordRules()


def default_rules() -> DefaultPasswordRules:
    """The rules that apply when the account has no custom password policy."""
    return DEFAULT_RULES


# --------------------------------------------------------------------------
# Beyond AWS: lockout, idle timeout, and the PCI DSS preset
# --------------------------------------------------------------------------

MAX_LOCKOUT_THRESHOLD = 10
MIN_LOCKOUT_MINUTES = 30


@dataclass(frozen=True)
class LockoutSettings:
    """Lock a user's console sign-in after `threshold` failed attempts in a row.

    `threshold` is 1..10 and `duration_minutes` at least 30, or None to stay
    locked until an administrator unlocks: PCI DSS v4.0 requirement 8.3.4
    (at most 10 attempts, then at least 30 minutes or until identity confirmed).
    """

    threshold: int = MAX_LOCKOUT_THRESHOLD
    duration_minutes: int | None = MIN_LOCKOUT_MINUTES

    def __post_init__(self) -> None:
        problems: list[str] = []
        _check_int(problems, self.threshold, "lockoutThreshold", 1, MAX_LOCKOUT_THRESHOLD)
        if self.duration_minutes is not None:
            _check_int(problems, self.duration_minutes, "lockoutDurationMinutes",
                       MIN_LOCKOUT_MINUTES, 366 * 24 * 60)
        if problems:
            raise _constraint_error(problems)


DEFAULT_LOCKOUT: Final = LockoutSettings()
"""The lockout in force until an administrator sets another: 10 attempts, 30 minutes."""


def lockout_dict(lockout: LockoutSettings) -> dict[str, Any]:
    """A lockout in the PascalCase shape the store and get-account-password-policy use."""
    return {"Threshold": lockout.threshold, "DurationMinutes": lockout.duration_minutes}


MAX_IDLE_TIMEOUT_MINUTES = 24 * 60


@dataclass(frozen=True)
class AccountSecuritySettings:
    """Everything that governs sign-in for the account, kept side by side.

    - `password_policy`: AWS's custom password policy, or None for AWS's
      default rules (`DEFAULT_RULES`).
    - `lockout`: sign-in lockout (not in AWS), or None for no lockout. A new store
      has `DEFAULT_LOCKOUT` (10 attempts, 30 minutes: PCI DSS 8.3.4's limits) before
      anyone sets a password policy: a store is never open to unlimited guessing
      unless an administrator turns the lockout off.
    - `idle_session_timeout_minutes`: end a console session after this many
      idle minutes (1..1440), or None for no idle timeout. PCI DSS 8.2.8: 15.
    """

    password_policy: PasswordPolicy | None = None
    lockout: LockoutSettings | None = DEFAULT_LOCKOUT
    idle_session_timeout_minutes: int | None = None

    def __post_init__(self) -> None:
        if self.idle_session_timeout_minutes is not None:
            problems: list[str] = []
            _check_int(problems, self.idle_session_timeout_minutes,
                       "idleSessionTimeoutMinutes", 1, MAX_IDLE_TIMEOUT_MINUTES)
            if problems:
                raise _constraint_error(problems)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form for the store (the password policy in AWS's shape).

        A lockout turned off is stored as `"Lockout": false`: null (what stores written
        before the default existed hold when nobody chose a lockout) reads as the default.
        """
        return {
            "PasswordPolicy": None if self.password_policy is None else {
                k: getattr(self.password_policy, v) for k, v in _AWS_FIELDS.items()
            },
            "Lockout": False if self.lockout is None else lockout_dict(self.lockout),
            "IdleSessionTimeoutMinutes": self.idle_session_timeout_minutes,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AccountSecuritySettings:
        """The inverse of `to_dict`."""
        policy = data.get("PasswordPolicy")
        lockout = data.get("Lockout")
        return cls(
            password_policy=None if policy is None else PasswordPolicy.from_aws(policy),
            lockout=(DEFAULT_LOCKOUT if lockout is None else None if lockout is False
                     else LockoutSettings(threshold=lockout["Threshold"],
                                          duration_minutes=lockout["DurationMinutes"])),
            idle_session_timeout_minutes=data.get("IdleSessionTimeoutMinutes"),
        )


def pci_dss_policy() -> AccountSecuritySettings:
    """Settings that meet PCI DSS v4.0 requirement 8 for passwords and sessions.

    - 8.3.6: at least 12 characters with both letters and digits. AWS's policy
      cannot say "a letter", so this asks for an uppercase letter, a lowercase
      letter and a number, which is stricter and still expressible in AWS.
    - 8.3.7: a new password is not any of the last 4 (PasswordReusePrevention 4).
    - 8.3.9: passwords change at least every 90 days (MaxPasswordAge 90);
      users may change their own password so that they can.
    - 8.3.4: lock out after at most 10 failed attempts, for at least 30 minutes.
    - 8.2.8: re-authenticate after 15 minutes idle.
    """
    return AccountSecuritySettings(
        password_policy=PasswordPolicy(
            minimum_password_length=12,
            require_numbers=True,
            require_uppercase_characters=True,
            require_lowercase_characters=True,
            allow_users_to_change_password=True,
            max_password_age=90,
            password_reuse_prevention=4,
        ),
        lockout=LockoutSettings(threshold=10, duration_minutes=30),
        idle_session_timeout_minutes=15,
    )


# --------------------------------------------------------------------------
# Checking a new password
# --------------------------------------------------------------------------

def _character_problems(password: str) -> list[str]:
    if all(_allowed_character(ch) for ch in password):
        return []
    return ["must use only printable Latin-1 characters, tab, line feed or carriage return"]


def _identity_problems(password: str, user_name: str, email: str | None) -> list[str]:
    folded = password.casefold()
    problems = []
    if user_name and folded == user_name.casefold():
        problems.append("must not be the same as your user name")
    if email and folded == email.casefold():
        problems.append("must not be the same as your email address")
    return problems


def _reused(password: str, previous_hashes: Iterable[str], count: int) -> bool:
    """True if `password` matches one of the newest `count` hashes (newest first)."""
    return any(verify_password(h, password) for h in list(previous_hashes)[:count])


def check_password(
    password: str,
    policy: PasswordPolicy | None,
    *,
    user_name: str,
    email: str | None = None,
    previous_hashes: Sequence[str] = (),
) -> None:
    """Raise `PasswordPolicyViolation` naming every rule `password` breaks.

    `policy` None means AWS's default rules (`DEFAULT_RULES`). `previous_hashes`
    are the user's password hashes, newest first, starting with the current
    password's (so "last 1" forbids keeping the same password); with a
    PasswordReusePrevention of N the newest N are checked (one verify each,
    stopping at the first match). A password equal to the user name or email
    is refused under either policy.
    """
    problems: list[str] = []
    length = len(password)
    if policy is None:
        rules = DEFAULT_RULES
        if length < rules.minimum_password_length:
            problems.append(f"must be at least {rules.minimum_password_length} characters")
        if length > rules.maximum_password_length:
            problems.append(f"must be at most {rules.maximum_password_length} characters")
        problems += _character_problems(password)
        chars = set(password)
        kinds = sum(bool(chars & kind) for kind in (_UPPER, _LOWER, _DIGITS, SYMBOLS))
        if kinds < rules.minimum_character_types:
            problems.append(
                f"must contain at least {rules.minimum_character_types} of: uppercase letters, "
                f"lowercase letters, numbers, symbols ({SYMBOLS_TEXT})"
            )
        problems += _identity_problems(password, user_name, email)
        scope = "the default password policy"
    else:
        if length < policy.minimum_password_length:
            problems.append(f"must be at least {policy.minimum_password_length} characters")
        if length > API_MAXIMUM_PASSWORD_LENGTH:
            problems.append(f"must be at most {API_MAXIMUM_PASSWORD_LENGTH} characters")
        problems += _character_problems(password)
        chars = set(password)
        if policy.require_uppercase_characters and not chars & _UPPER:
            problems.append("must contain an uppercase letter (A-Z)")
        if policy.require_lowercase_characters and not chars & _LOWER:
            problems.append("must contain a lowercase letter (a-z)")
        if policy.require_numbers and not chars & _DIGITS:
            problems.append("must contain a number (0-9)")
        if policy.require_symbols and not chars & SYMBOLS:
            problems.append(f"must contain a symbol ({SYMBOLS_TEXT})")
        problems += _identity_problems(password, user_name, email)
        n = policy.password_reuse_prevention
        if n is not None and _reused(password, previous_hashes, n):
            problems.append(
                "must not be the same as your last password" if n == 1
                else f"must not be one of your last {n} passwords"
            )
        scope = "the account password policy"
    if problems:
        raise PasswordPolicyViolation(
            f"Password does not meet {scope}: " + "; ".join(problems)
        )


def password_expires_at(last_changed: datetime, policy: PasswordPolicy | None) -> datetime | None:
    """When a password set at `last_changed` expires, or None if passwords never expire."""
    if policy is None or policy.max_password_age is None:
        return None
    return last_changed + timedelta(days=policy.max_password_age)


def password_expired(
    last_changed: datetime, policy: PasswordPolicy | None, now: datetime
) -> bool:
    """True if a password set at `last_changed` is past the policy's maximum age at `now`.

    AWS applies a new expiry period at once, to passwords already older than it.
    """
    expires = password_expires_at(last_changed, policy)
    return expires is not None and now >= expires


# --------------------------------------------------------------------------
# Lockout counters (pure: the caller stores the returned state)
# --------------------------------------------------------------------------

UNTIL_UNLOCKED = datetime.max.replace(tzinfo=UTC)
"""`locked_until` value meaning: locked until an administrator unlocks."""


@dataclass(frozen=True)
class LockoutState:
    """A user's sign-in lockout counters, as the store keeps them."""

    failed_attempts: int = 0
    locked_until: datetime | None = None

    def is_locked(self, now: datetime) -> bool:
        """True while a lock is in force at `now`."""
        return self.locked_until is not None and now < self.locked_until


def is_locked(state: LockoutState, now: datetime) -> bool:
    """True while `state` holds a lock in force at `now`."""
    return state.is_locked(now)


def record_failed_sign_in(
    state: LockoutState, settings: LockoutSettings | None, now: datetime
) -> LockoutState:
    """The counters after a failed sign-in at `now`.

    A failure while locked changes nothing (the lock is not extended, so a
    stranger cannot keep someone out forever). After an expired lock counting
    starts again. Reaching the threshold locks for the duration, or until an
    administrator unlocks (`UNTIL_UNLOCKED`) when the duration is None.
    """
    if state.is_locked(now):
        return state
    previous = 0 if state.locked_until is not None else state.failed_attempts
    attempts = previous + 1
    if settings is None or attempts < settings.threshold:
        return LockoutState(failed_attempts=attempts, locked_until=None)
    until = (
        UNTIL_UNLOCKED if settings.duration_minutes is None
        else now + timedelta(minutes=settings.duration_minutes)
    )
    return LockoutState(failed_attempts=attempts, locked_until=until)


def record_successful_sign_in(state: LockoutState, now: datetime) -> LockoutState:
    """The counters after a successful sign-in: reset (a locked user cannot succeed)."""
    if state.is_locked(now):
        return state
    return LockoutState()


def unlock(state: LockoutState) -> LockoutState:
    """The counters after an administrator unlocks the user."""
    return LockoutState()


def session_idle_expired(
    last_activity: datetime, settings: AccountSecuritySettings, now: datetime
) -> bool:
    """True if a session last active at `last_activity` has been idle too long at `now`."""
    minutes = settings.idle_session_timeout_minutes
    return minutes is not None and now - last_activity >= timedelta(minutes=minutes)


__all__ = [
    "API_MAXIMUM_PASSWORD_LENGTH",
    "DEFAULT_LOCKOUT",
    "DEFAULT_RULES",
    "MAXIMUM_PASSWORD_LENGTH",
    "PROFILE_ENV",
    "SYMBOLS",
    "UNTIL_UNLOCKED",
    "AccountSecuritySettings",
    "DefaultPasswordRules",
    "LockoutSettings",
    "LockoutState",
    "PasswordPolicy",
    "check_password",
    "configure_hashing",
    "default_rules",
    "dummy_verify",
    "hash_password",
    "hashing_profile",
    "is_locked",
    "lockout_dict",
    "needs_rehash",
    "password_expired",
    "password_expires_at",
    "pci_dss_policy",
    "record_failed_sign_in",
    "record_successful_sign_in",
    "session_idle_expired",
    "unlock",
    "use_fast_hashing",
    "verify_password",
]
