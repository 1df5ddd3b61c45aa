"""Console sign-in: password, lockout, forced password change, then TOTP when enrolled.

As on AWS's sign-in page, whoever signs in says first whether they are the root user
or an IAM user: `IamService.sign_in_root(account, password, totp=None)` for the root
user, `IamService.sign_in(account, user_name, password, totp=None, new_password=None)`
for an IAM user. A user name is only ever an IAM user's name, so `root` (in any case)
is an ordinary IAM user name, as in AWS. Both return the signed-in `Principal`
(console=True, `mfa_authenticated_at` set when a code was checked, so
aws:MultiFactorAuthPresent and aws:MultiFactorAuthAge work) or raise one of these,
which a front end tells apart to know what to ask next:

- `SignInFailed`: unknown account or user, no console password, a wrong password,
  or a locked account: one message for all, at the cost of one password verify and
  one audited, counted attempt each, so neither the answer nor its timing tells
  which user names exist or which are locked.
- `PasswordChangeRequired`: the password is right but must be changed first
  (the administrator set PasswordResetRequired, or it is older than MaxPasswordAge).
  Ask for a new password and call `sign_in` again with `new_password=`: the
  change and the sign-in happen together, and no Principal exists before it.
- `PasswordExpired`: expired under HardExpiry: only an administrator can reset it
  (`update_login_profile`).
- `MfaCodeRequired`: the password is right and an MFA device is enabled, but no code
  (or a blank one) was given: call again with `totp=`. Not a failed attempt: nothing
  is counted and no code is spent. `InvalidAuthenticationCode` for a wrong, malformed
  or replayed code, which counts.

The order is password, then MFA (the code checked, not yet spent), then the password
change (refused at once when the user may not change their own password), so the new
password is asked for only after both factors, and no code is spent on an attempt that
cannot finish. Every attempt is audited as a ConsoleLogin event
with its real outcome (a user name that does not exist as HIDDEN_DUE_TO_SECURITY_REASONS,
a locked account as locked); wrong passwords and wrong codes count toward the lockout;
a hash made with older Argon2 parameters is replaced at the next successful sign-in.

AWS pages followed: AWS Sign-In User Guide, "Determine your user type" and "How to sign
in to AWS" (the sign-in page's choice of root user or IAM user); IAM User Guide, "How IAM
users sign in to AWS", "Set an account password policy for IAM users" (expiry, HardExpiry,
the forced change at next sign-in) and CloudTrail's "ConsoleLogin" event examples.
The root user's password is kept in the store's meta; AWS's password policy does not
apply to it, the lockout does (a root lock always ends after its duration, 30 minutes
when the setting says "until unlocked", since nobody can unlock the root user).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Final

from iamtui import audit
from iamtui.errors import (
    IamError,
    InvalidAuthenticationCode,
    PasswordExpired,
    SignInFailed,
)
from iamtui.model import Account, LoginProfile, User, iso_z, parse_timestamp
from iamtui.security.passwords import (
    MIN_LOCKOUT_MINUTES,
    UNTIL_UNLOCKED,
    LockoutSettings,
    check_password,
    dummy_verify,
    hash_password,
    needs_rehash,
    password_expired,
    record_failed_sign_in,
    record_successful_sign_in,
    session_idle_expired,
    verify_password,
)
from iamtui.service.core import Principal, View
from iamtui.service.mfa_devices import DEVICE_BY_SERIAL, ROOT_OWNER, MfaDeviceOperations
from iamtui.service.passwords import (
    PasswordOperations,
    lock_message,
    lockout_state,
    password_history,
    security_settings,
    with_lockout,
    with_new_password,
)
from iamtui.service.tables import LOGIN_PROFILES, USERS
from iamtui.store import Tx

GENERIC_FAILURE: Final = "Your authentication information is incorrect. Please try again."
ROOT_PROFILE_NAME: Final = "<root_account>"
"""The user name of the root user's LoginProfile-shaped state: not a valid IAM user name."""


class PasswordChangeRequired(IamError):
    """The password is right but must be changed first: sign in again with new_password."""

    code, http_status = "PasswordResetRequired", 401

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason  # "reset" (PasswordResetRequired) or "expired" (MaxPasswordAge)


class MfaCodeRequired(IamError):
    """The password is right and MFA is enabled, but no code was given: sign in again with
    the current code. Not a failed attempt."""

    code, http_status = "MfaCodeRequired", 401


@dataclass(frozen=True)
class _Subject:
    """Who is signing in, with their password state seen as a LoginProfile."""

    principal: Principal
    profile: LoginProfile
    mfa_owner: str  # the user name, or ROOT_OWNER
    user: User | None  # None for the root user

    @property
    def is_root(self) -> bool:
        return self.user is None


def _root_profile(meta: dict[str, Any], account: Account) -> LoginProfile:
    """The root user's password state (meta["root"]) in LoginProfile's shape."""
    root = meta["root"]
    changed = root.get("password_last_changed")
    until = root.get("locked_until")
    return LoginProfile(ROOT_PROFILE_NAME, root["password_hash"], account.created,
                        password_last_changed=parse_timestamp(changed) if changed else None,
                        failed_attempts=int(root.get("failed_attempts", 0)),
                        locked_until=parse_timestamp(until) if until else None)


class SignInOperations(PasswordOperations, MfaDeviceOperations):
    """Console sign-in over login profiles, the password policy and virtual MFA."""

    def sign_in(self, account: str, user_name: str, password: str, totp: str | None = None,
                *, new_password: str | None = None) -> Principal:
        """Sign in to the console of `account` (its 12-digit ID or alias) as the IAM user
        `user_name`: AWS's "IAM user" sign-in. `user_name` always names an IAM user, `root`
        included; the root user signs in with `sign_in_root`. See the module docstring for
        what each error means."""
        view = self.store.snapshot()
        return self._sign_in(view, self._user_subject(view, account, user_name), password,
                             totp, new_password)

    def sign_in_root(self, account: str, password: str, totp: str | None = None) -> Principal:
        """Sign in to the console of `account` (its 12-digit ID or alias) as its root user:
        AWS's "Root user" sign-in. The root user's password never has to be changed at
        sign-in (AWS's password policy does not apply to it); the lockout and MFA do."""
        view = self.store.snapshot()
        return self._sign_in(view, self._root_subject(view, account), password, totp, None)

    def _sign_in(self, view: View, subject: _Subject | None, password: str,
                 totp: str | None, new_password: str | None) -> Principal:
        secrets = [s for s in (password, totp, new_password) if s]
        if subject is None:
            dummy_verify(password)  # the same cost as a wrong password
            self._audit_console_login(audit.Identity.unknown_user(self.account_id),
                                      error=GENERIC_FAILURE, secrets=secrets)
            raise SignInFailed(GENERIC_FAILURE)
        now = self.clock()
        settings = security_settings(view)
        identity = subject.principal.audit_identity()
        state = lockout_state(subject.profile)
        if state.is_locked(now):
            # A locked account answers exactly like a wrong password or an unknown name,
            # even to the right password (AWS's console says nothing more either): a lock
            # that answered "locked" would tell a guesser which names exist, and one that
            # answered the right password differently would let the guessing go on through
            # the lock. The verify and the (unchanging) count keep the cost the same; the
            # audit records the truth.
            verify_password(subject.profile.password_hash, password)
            self._count_failure(subject, lock_message(state), secrets)
            raise SignInFailed(GENERIC_FAILURE)
        if not verify_password(subject.profile.password_hash, password):
            self._count_failure(subject, GENERIC_FAILURE, secrets)
            raise SignInFailed(GENERIC_FAILURE)

        policy = None if subject.is_root else settings.password_policy
        last_changed = subject.profile.password_last_changed or subject.profile.create_date
        expired = password_expired(last_changed, policy, now)
        if expired and policy is not None and policy.hard_expiry:
            error = PasswordExpired("Your password has expired and the password policy does "
                                    "not let you set a new one: ask an administrator to reset "
                                    "it.")
            self._audit_console_login(identity, error=error.message, secrets=secrets)
            raise error
        change_needed = not subject.is_root and (expired or
                                                 subject.profile.password_reset_required)

        # Both factors first: the new password is asked for only once the password and
        # the code are right (the code is checked here, spent only at the commit).
        mfa_at: datetime | None = None
        used: tuple[Any, int] | None = None
        if self.enabled_devices(view, subject.mfa_owner):
            if totp is None or not totp.strip():
                # asking for the code is not a failed attempt: nothing counted, nothing spent
                error = MfaCodeRequired("Enter the code from your MFA device.")
                self._audit_console_login(identity, error=error.message, secrets=secrets)
                raise error
            try:
                used = self.check_mfa_code(view, subject.mfa_owner, totp)
            except InvalidAuthenticationCode as exc:
                self._count_failure(subject, exc.message, secrets, mfa_used=True)
                raise
            mfa_at = now

        principal = replace(subject.principal, mfa_authenticated_at=mfa_at,
                            session_issued_at=now)
        new_hash = None
        if change_needed:
            # a user who may not change the password hears so before typing a new one
            self._refuse_unless_may_change(view, subject, principal, secrets)
            if new_password is None:
                reason = "expired" if expired else "reset"
                error = PasswordChangeRequired(
                    "Your password has expired: choose a new one." if expired else
                    "Your administrator requires you to choose a new password.", reason)
                self._audit_console_login(identity, error=error.message, secrets=secrets)
                raise error
            new_hash = self._new_password_at_sign_in(view, subject, new_password, secrets)
        if not self._commit_sign_in(subject, password, used, new_hash):
            # another sign-in used the same code in the meantime: a replay
            error = InvalidAuthenticationCode("This authentication code was already used; "
                                              "wait for the next code.")
            self._count_failure(subject, error.message, secrets, mfa_used=True)
            raise error
        self._audit_console_login(identity, error=None, secrets=secrets, mfa_used=used is not None)
        if new_hash is not None:  # the console changes it with ChangePassword: a change
            self._record(principal, "ChangePassword", {}, secrets_used=secrets)
        return principal

    def console_session_idle_expired(self, last_activity: datetime) -> bool:
        """True when a console session last active at `last_activity` has been idle longer
        than the account's idle timeout (PCI DSS 8.2.8): the TUI then signs out."""
        return session_idle_expired(last_activity, security_settings(self.store.snapshot()),
                                    self.clock())

    # ------------------------------------------------------------------ steps

    @staticmethod
    def _account_named(view: View, account: str) -> Account | None:
        """The store's account if `account` is its ID or alias."""
        acct = Account.from_record(view.meta["account"])
        return acct if isinstance(account, str) and account in (acct.account_id,
                                                                 acct.alias) else None

    def _root_subject(self, view: View, account: str) -> _Subject | None:
        """The root user of `account`, if `account` names this store's account."""
        acct = self._account_named(view, account)
        if acct is None:
            return None
        return _Subject(Principal.root(acct.account_id, console=True),
                        _root_profile(view.meta, acct), ROOT_OWNER, None)

    def _user_subject(self, view: View, account: str, user_name: str) -> _Subject | None:
        """The IAM user `user_name` names in `account`, if they may sign in with a password.
        Never the root user, whatever the name."""
        acct = self._account_named(view, account)
        if acct is None or not isinstance(user_name, str):
            return None
        user = USERS.find_one(view, "name", user_name)
        if user is None:
            return None
        profile = LOGIN_PROFILES.get(view, user.user_name.casefold())
        if profile is None:
            return None
        return _Subject(Principal.for_user(user, acct.account_id, console=True), profile,
                        user.user_name, user)

    def _refuse_unless_may_change(self, view: View, subject: _Subject, principal: Principal,
                                  secrets: list[str]) -> None:
        """AccessDenied (audited) when the user must choose a new password but may not
        change their own."""
        from iamtui.errors import AccessDenied

        if self.may_change_own_password(view, principal):
            return
        error = AccessDenied(
            "You must choose a new password, but you are not allowed to change your own "
            "password (AllowUsersToChangePassword is off and no policy allows "
            "iam:ChangePassword): ask an administrator to reset it.")
        self._audit_console_login(subject.principal.audit_identity(), error=error.message,
                                  secrets=secrets)
        raise error

    def _new_password_at_sign_in(self, view: View, subject: _Subject, new_password: str,
                                 secrets: list[str]) -> str:
        """Check that the new password is acceptable under the policy; its hash."""
        try:
            check_password(new_password, security_settings(view).password_policy,
                           user_name=subject.profile.user_name,
                           previous_hashes=password_history(subject.profile))
        except IamError as exc:
            self._audit_console_login(subject.principal.audit_identity(),
                                      error=exc.message, secrets=secrets)
            raise
        return hash_password(new_password)

    def _commit_sign_in(self, subject: _Subject, password: str, used: tuple[Any, int] | None,
                        new_hash: str | None) -> bool:
        """Reset the counters, spend the MFA step, rehash or change the password, and note
        when the password was used. False (nothing written) if the code was spent meanwhile."""
        rehash = new_hash is None and needs_rehash(subject.profile.password_hash)
        fresh_hash = hash_password(password) if rehash else None  # hashing outside the lock
        now = self.clock()
        with self.store.transaction() as tx:
            if used is not None:
                device, step = used
                current = DEVICE_BY_SERIAL.get(tx, device.serial_number)
                if current.last_used_step is not None and current.last_used_step >= step:
                    return False
                self.mark_step_used(tx, device, step)
            profile = self._current_profile(tx, subject)
            if profile is None:
                return True
            profile = with_lockout(profile, record_successful_sign_in(lockout_state(profile),
                                                                      now))
            if new_hash is not None:
                profile = with_new_password(profile, new_hash, now, reset_required=False)
            elif fresh_hash is not None and profile.password_hash == subject.profile.password_hash:
                profile = replace(profile, password_hash=fresh_hash)
            self._save_profile(tx, subject, profile)
            if subject.user is not None:
                user = USERS.get(tx, subject.user.user_id)
                if user is not None:
                    USERS.put(tx, replace(user, password_last_used=now))
        return True

    def _count_failure(self, subject: _Subject, message: str, secrets: list[str], *,
                       mfa_used: bool = False) -> None:
        """A failed attempt: counted toward the lockout and audited. The caller answers as
        it would anyway: the attempt that locks the account does not say so."""
        settings = security_settings(self.store.snapshot()).lockout
        if settings is not None and subject.is_root and settings.duration_minutes is None:
            settings = LockoutSettings(settings.threshold, MIN_LOCKOUT_MINUTES)
        now = self.clock()

        def count(tx: Tx) -> None:
            profile = self._current_profile(tx, subject)
            if profile is not None:
                state = record_failed_sign_in(lockout_state(profile), settings, now)
                self._save_profile(tx, subject, with_lockout(profile, state))

        self._audit_console_login(subject.principal.audit_identity(), error=message,
                                  secrets=secrets, mfa_used=mfa_used, also=count)

    def _current_profile(self, tx: View, subject: _Subject) -> LoginProfile | None:
        if subject.is_root:
            return _root_profile(tx.meta, Account.from_record(tx.meta["account"]))
        return LOGIN_PROFILES.get(tx, subject.profile.user_name.casefold())

    @staticmethod
    def _save_profile(tx: Any, subject: _Subject, profile: LoginProfile) -> None:
        if not subject.is_root:
            LOGIN_PROFILES.put(tx, profile)
            return
        root = dict(tx.meta["root"])
        root["password_hash"] = profile.password_hash
        root["failed_attempts"] = profile.failed_attempts
        root["locked_until"] = iso_z(profile.locked_until) if profile.locked_until else None
        tx.meta["root"] = root

    def _audit_console_login(self, identity: audit.Identity, *, error: str | None,
                             secrets: list[str], mfa_used: bool = False,
                             also: Callable[[Tx], None] | None = None) -> None:
        """Append a ConsoleLogin event, then note the chain's head and apply `also` (the
        failure count) in one transaction, which runs even if the append fails: every
        outcome then costs one append and one transaction, and no failure goes uncounted.

        Typed secrets never enter the event by construction; one found in its free text
        anyway is cut out there; fields that merely contain the same characters (a wrong
        password "0" and the event time) are left intact."""
        record = audit.console_login_event(
            identity, success=error is None, mfa_used=mfa_used,
            error_message=error or "Failed authentication", now=self.clock)
        for key in _FREE_TEXT:
            if record.get(key) is not None:
                record[key] = audit.redact(record[key], secrets)
        self._append_audit(record, also)


# Only these hold text that could ever carry what someone typed; the rest is structure.
_FREE_TEXT: Final = ("errorMessage", "requestParameters")


def lockout_remaining(locked_until: datetime, now: datetime) -> timedelta | None:
    """How long a lock still lasts, or None when only an administrator can lift it."""
    return None if locked_until == UNTIL_UNLOCKED else max(timedelta(0), locked_until - now)


__all__ = [
    "GENERIC_FAILURE",
    "ROOT_PROFILE_NAME",
    "MfaCodeRequired",
    "PasswordChangeRequired",
    "SignInOperations",
    "lockout_remaining",
]
