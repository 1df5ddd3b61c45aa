"""Console passwords: login profiles, ChangePassword, and the account password policy.

AWS pages followed:
- IAM API Reference: CreateLoginProfile, GetLoginProfile, UpdateLoginProfile,
  DeleteLoginProfile, ChangePassword, UpdateAccountPasswordPolicy,
  GetAccountPasswordPolicy, DeleteAccountPasswordPolicy.
- IAM User Guide, "Set an account password policy for IAM users" and
  "Permitting IAM users to change their own passwords": AllowUsersToChangePassword
  gives every user iam:ChangePassword on itself and iam:GetAccountPasswordPolicy;
  without it a user needs a policy that allows iam:ChangePassword on its own ARN.

Beyond AWS (see `iamtui.security.passwords`): the sign-in lockout and the idle
session timeout live beside the password policy in the store's meta under
"security", and `unlock_login_profile` lets an administrator lift a lockout.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any, Final

from iamtui.errors import (
    AccessDenied,
    AccountLocked,
    EntityAlreadyExists,
    IamError,
    NoSuchEntity,
    PasswordExpired,
)
from iamtui.model import LoginProfile
from iamtui.policy import ContextEntry, Decision
from iamtui.security.passwords import (
    UNTIL_UNLOCKED,
    AccountSecuritySettings,
    LockoutSettings,
    LockoutState,
    PasswordPolicy,
    check_password,
    hash_password,
    password_expired,
    record_failed_sign_in,
    unlock,
    verify_password,
)
from iamtui.service.core import Change, Principal, ServiceCore, View
from iamtui.service.owners import OWNERS
from iamtui.service.tables import LOGIN_PROFILES
from iamtui.store import Tx

SECURITY_META: Final = "security"
"""The store meta key holding `AccountSecuritySettings.to_dict()`."""

HISTORY_KEPT: Final = 24
"""Password hashes kept per user, the current one included: PasswordReusePrevention's maximum."""


class InvalidUserType(IamError):
    """ChangePassword called by someone who is not an IAM user (AWS: InvalidUserType)."""

    code, http_status = "InvalidUserType", 400


class _Keep:
    """Marker: leave an extension setting as it is."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Final = _Keep()


def security_settings(view: View) -> AccountSecuritySettings:
    """The account's password policy, lockout and idle timeout, as stored."""
    data = view.meta.get(SECURITY_META)
    return AccountSecuritySettings.from_dict(data) if data else AccountSecuritySettings()


def lockout_state(profile: LoginProfile) -> LockoutState:
    """A login profile's lockout counters as the pure lockout functions take them."""
    return LockoutState(profile.failed_attempts, profile.locked_until)


def lock_message(state: LockoutState) -> str:
    """What a locked-out person is told: until when, or that an administrator must unlock."""
    if state.locked_until == UNTIL_UNLOCKED:
        return ("This account is locked after too many failed sign-in attempts; an "
                "administrator must unlock it.")
    until = state.locked_until.strftime("%Y-%m-%d %H:%M UTC") if state.locked_until else "?"
    return f"This account is locked after too many failed sign-in attempts, until {until}."


def with_lockout(profile: LoginProfile, state: LockoutState) -> LoginProfile:
    """`profile` carrying the counters of `state`."""
    return replace(profile, failed_attempts=state.failed_attempts,
                   locked_until=state.locked_until)


def password_history(profile: LoginProfile | None) -> tuple[str, ...]:
    """The user's password hashes, newest first, the current one first (for reuse checks)."""
    if profile is None:
        return ()
    return (profile.password_hash, *profile.previous_hashes)


def with_new_password(profile: LoginProfile, new_hash: str, now: Any, *,
                      reset_required: bool) -> LoginProfile:
    """`profile` after a password change: history shifted, counters cleared."""
    previous = password_history(profile)[:HISTORY_KEPT - 1]
    return replace(profile, password_hash=new_hash, previous_hashes=previous,
                   password_last_changed=now, password_reset_required=reset_required,
                   failed_attempts=0, locked_until=None)


def _structural_text() -> tuple[str, ...]:
    """The keys and fixed values every audit event carries (what a secret must not deface)."""
    from iamtui import audit

    sample = audit.console_login_event(audit.Identity.root("000000000000"), success=False,
                                       mfa_used=False)
    sample |= audit.make_event("X", identity=audit.Identity.iam_user("0", "u"),
                               error_code="E", error_message="m", request_parameters={"a": 1},
                               response_elements={"b": 2})
    fixed = {"eventName", "eventSource", "eventType", "awsRegion", "eventVersion", "type",
             "ConsoleLogin", "MFAUsed", "MobileVersion"}
    out: list[str] = []

    def walk(value: Any) -> None:
        for key, inner in value.items():
            out.append(key)
            if isinstance(inner, dict):
                walk(inner)
            elif key in fixed and isinstance(inner, str):
                out.append(inner)

    walk(sample)
    return (*out, "ConsoleLogin", "Success", "Failure", "Yes", "No", "IAMUser", "Root",
            "AssumedRole", "Unknown", audit.IAM_SOURCE, audit.SIGNIN_SOURCE, audit.STS_SOURCE,
            audit.API_CALL, audit.CONSOLE_SIGN_IN, *audit.SECRET_PARAMETER_NAMES, audit.HIDDEN,
            "true", "false", "null")


_STRUCTURE: tuple[str, ...] | None = None


def scrubbable(secrets: Sequence[str | None]) -> list[str]:
    """The secrets to pass to the audit as literal values to cut out.

    Secrets never enter an event by construction; cutting them out is a second
    guard. A typed value that is part of the event's own structure (a wrong
    password "e" or "ConsoleLogin") is left out: cutting it would deface the
    record's keys and fixed values without hiding anything secret.
    """
    global _STRUCTURE
    if _STRUCTURE is None:
        _STRUCTURE = _structural_text()
    return [s for s in secrets if s and not any(s in text for text in _STRUCTURE)]


@contextlib.contextmanager
def secret_change(service: ServiceCore, caller: Principal, event: str, resource: str,
                  params: Mapping[str, Any], *, secrets: Sequence[str],
                  context: Sequence[ContextEntry] = (),
                  authorize: Callable[[Tx], None] | None = None) -> Iterator[Change]:
    """`ServiceCore._change` for operations that handle secrets: the audit event is
    scrubbed of every value in `secrets`, and `authorize` may replace the policy check."""
    def check(tx: Tx) -> None:
        if authorize is None:
            service._authorize(tx, caller, f"iam:{event}", resource, context)
        else:
            authorize(tx)

    with service._audited(caller, event, params, authorize=check,
                          secrets_used=scrubbable(secrets)) as change:
        yield change


class PasswordOperations(ServiceCore):
    """Login profiles, ChangePassword and the account password policy."""

    # ------------------------------------------------------------------ helpers

    def _login_user(self, view: View, user_name: str) -> Any:
        return OWNERS["user"].get(view, user_name)

    def _login_profile(self, view: View, user_name: str) -> LoginProfile:
        profile = LOGIN_PROFILES.get(view, user_name.casefold())
        if profile is None:
            raise NoSuchEntity(f"Login Profile for User {user_name} cannot be found.")
        return profile

    def _check_new_password(self, view: View, password: str, user_name: str,
                            profile: LoginProfile | None) -> None:
        """The account policy (or AWS's default rules) and reuse of the newest N passwords."""
        check_password(password, security_settings(view).password_policy, user_name=user_name,
                       previous_hashes=password_history(profile))

    # ------------------------------------------------------------------ login profiles

    def create_login_profile(self, caller: Principal, user_name: str, password: str, *,
                             password_reset_required: bool = False) -> LoginProfile:
        """CreateLoginProfile: give a user a console password (checked against the policy)."""
        params = {"userName": user_name, "passwordResetRequired": password_reset_required}
        user = self._subject(caller, "CreateLoginProfile", params, self._login_user, user_name,
                             read_only=False)
        with secret_change(self, caller, "CreateLoginProfile", user.arn, params,
                           secrets=[password]) as change:
            tx = change.tx
            user = self._login_user(tx, user_name)
            if LOGIN_PROFILES.get(tx, user.user_name.casefold()) is not None:
                raise EntityAlreadyExists(
                    f"Login Profile for user {user.user_name} already exists.")
            self._check_new_password(tx, password, user.user_name, None)
            now = self.clock()
            profile = LoginProfile(user.user_name, hash_password(password), now,
                                   password_reset_required=password_reset_required,
                                   password_last_changed=now)
            LOGIN_PROFILES.put(tx, profile)
            change.response = {"loginProfile": {"userName": user.user_name,
                                                "passwordResetRequired":
                                                    password_reset_required}}
        return profile

    def get_login_profile(self, caller: Principal, user_name: str | None = None) -> LoginProfile:
        """GetLoginProfile; without a name, the calling user's own."""
        if user_name is None:
            if caller.kind != "user":
                raise NoSuchEntity("Must specify userName when calling with non-User "
                                   "credentials")
            user_name = caller.name
        params = {"userName": user_name}
        user = self._subject(caller, "GetLoginProfile", params, self._login_user, user_name)
        view = self._read(caller, "GetLoginProfile", user.arn, params=params)
        return self._login_profile(view, user.user_name)

    def update_login_profile(self, caller: Principal, user_name: str, *,
                             password: str | None = None,
                             password_reset_required: bool | None = None) -> LoginProfile:
        """UpdateLoginProfile: an administrator sets a new password and/or the reset flag.

        A new password is checked like any other (policy, reuse), restarts the
        password's age, and lifts a lockout: the administrator vouches for the user.
        """
        params = {"userName": user_name, "passwordResetRequired": password_reset_required}
        user = self._subject(caller, "UpdateLoginProfile", params, self._login_user, user_name,
                             read_only=False)
        with secret_change(self, caller, "UpdateLoginProfile", user.arn, params,
                           secrets=[password or ""]) as change:
            tx = change.tx
            profile = self._login_profile(tx, user.user_name)
            if password is not None:
                self._check_new_password(tx, password, user.user_name, profile)
                profile = with_new_password(
                    profile, hash_password(password), self.clock(),
                    reset_required=profile.password_reset_required)
            if password_reset_required is not None:
                profile = replace(profile, password_reset_required=password_reset_required)
            LOGIN_PROFILES.put(tx, profile)
        return profile

    def delete_login_profile(self, caller: Principal, user_name: str) -> None:
        """DeleteLoginProfile: the user can no longer sign in to the console."""
        params = {"userName": user_name}
        user = self._subject(caller, "DeleteLoginProfile", params, self._login_user, user_name,
                             read_only=False)
        with self._change(caller, "DeleteLoginProfile", user.arn, params) as change:
            self._login_profile(change.tx, user.user_name)
            LOGIN_PROFILES.delete(change.tx, user.user_name.casefold())

    def unlock_login_profile(self, caller: Principal, user_name: str) -> LoginProfile:
        """Lift a sign-in lockout (not in AWS, which has no lockout).

        Authorized as iam:UpdateLoginProfile on the user: whoever may reset the
        user's password may also unlock it. Audited as UnlockLoginProfile.
        """
        params = {"userName": user_name}
        user = self._subject(caller, "UnlockLoginProfile", params, self._login_user, user_name,
                             action="iam:UpdateLoginProfile", read_only=False)
        with self._change(caller, "UnlockLoginProfile", user.arn, params,
                          action="iam:UpdateLoginProfile") as change:
            profile = self._login_profile(change.tx, user.user_name)
            profile = with_lockout(profile, unlock(lockout_state(profile)))
            LOGIN_PROFILES.put(change.tx, profile)
        return profile

    # ------------------------------------------------------------------ ChangePassword

    def may_change_own_password(self, view: View, caller: Principal) -> bool:
        """AWS's rule: AllowUsersToChangePassword, or a policy allowing iam:ChangePassword
        on the user's own ARN; an explicit deny in the user's policies still wins."""
        result = self.evaluate_caller(view, caller, "iam:ChangePassword", caller.arn)
        if result.decision == Decision.EXPLICIT_DENY:
            return False
        policy = security_settings(view).password_policy
        return result.allowed or (policy is not None and policy.allow_users_to_change_password)

    def change_password(self, caller: Principal, old_password: str, new_password: str) -> None:
        """ChangePassword: the calling IAM user changes its own console password.

        The old password must be right (a wrong one counts toward the lockout),
        and the new one must satisfy the policy and not reuse a recent password.
        With HardExpiry, an expired password can only be reset by an administrator.
        """
        if caller.kind != "user":
            raise InvalidUserType("Only an IAM user can change its password with "
                                  "ChangePassword; the root user's password is not affected.")

        def authorize(tx: Tx) -> None:
            self._check_still_valid(tx, caller)
            if not self.may_change_own_password(tx, caller):
                raise AccessDenied(
                    f"User: {caller.arn} is not authorized to perform: iam:ChangePassword on "
                    f"resource: {caller.arn} because the account password policy does not "
                    "allow users to change their own password and no identity-based policy "
                    "allows the iam:ChangePassword action")

        failed: LoginProfile | None = None
        try:
            with secret_change(self, caller, "ChangePassword", caller.arn, {},
                               secrets=[old_password, new_password],
                               authorize=authorize) as change:
                tx = change.tx
                profile = self._login_profile(tx, caller.name)
                settings = security_settings(tx)
                state = lockout_state(profile)
                if state.is_locked(self.clock()):  # no guessing the old password while locked
                    raise AccountLocked(lock_message(state), state.locked_until or self.clock())
                if not verify_password(profile.password_hash, old_password):
                    failed = with_lockout(profile, record_failed_sign_in(
                        lockout_state(profile), settings.lockout, self.clock()))
                    raise AccessDenied("The old password is incorrect.")
                policy = settings.password_policy
                last = profile.password_last_changed or profile.create_date
                if policy is not None and policy.hard_expiry and \
                        password_expired(last, policy, self.clock()):
                    raise PasswordExpired("Your password has expired, and the password "
                                          "policy sets HardExpiry: ask an administrator to "
                                          "reset it.")
                self._check_new_password(tx, new_password, caller.name, profile)
                LOGIN_PROFILES.put(tx, with_new_password(
                    profile, hash_password(new_password), self.clock(), reset_required=False))
        finally:
            if failed is not None:  # the failed attempt is kept though the change is not
                with self.store.transaction() as tx:
                    current = LOGIN_PROFILES.get(tx, failed.user_name.casefold())
                    if current is not None and current.password_hash == failed.password_hash:
                        LOGIN_PROFILES.put(tx, with_lockout(current, lockout_state(failed)))

    # ------------------------------------------------------------------ the account policy

    def get_account_password_policy(self, caller: Principal) -> PasswordPolicy:
        """GetAccountPasswordPolicy; NoSuchEntity while AWS's default rules apply."""
        view = self._read_password_policy(caller)
        policy = security_settings(view).password_policy
        if policy is None:
            raise NoSuchEntity(f"The Password Policy with domain name {self.account_id} "
                               "cannot be found.")
        return policy

    def get_account_security_settings(self, caller: Principal) -> AccountSecuritySettings:
        """The password policy with our lockout and idle-timeout settings (no error if unset);
        authorized as iam:GetAccountPasswordPolicy."""
        return security_settings(self._read_password_policy(caller))

    def _read_password_policy(self, caller: Principal) -> Any:
        view = self.store.snapshot()
        if caller.kind == "user":
            # AllowUsersToChangePassword also lets every user read the policy.
            policy = security_settings(view).password_policy
            if policy is not None and policy.allow_users_to_change_password:
                self._check_still_valid(view, caller)
                return view
        return self._read(caller, "GetAccountPasswordPolicy", "*")

    def update_account_password_policy(
            self, caller: Principal, policy: PasswordPolicy, *,
            lockout: LockoutSettings | _Keep | None = KEEP,
            idle_session_timeout_minutes: int | _Keep | None = KEEP) -> AccountSecuritySettings:
        """UpdateAccountPasswordPolicy: replace the policy (AWS: no partial updates).

        `lockout` and `idle_session_timeout_minutes` are iamtui's own settings: KEEP
        leaves them as they are, None turns them off. Expiry applies at once to
        existing passwords; length and character rules at each password's next change.
        """
        current = security_settings(self.store.snapshot())
        settings = AccountSecuritySettings(
            password_policy=policy,
            lockout=current.lockout if isinstance(lockout, _Keep) else lockout,
            idle_session_timeout_minutes=(
                current.idle_session_timeout_minutes
                if isinstance(idle_session_timeout_minutes, _Keep)
                else idle_session_timeout_minutes))
        params = {**policy.to_aws(), **_extension_params(settings)}
        params.pop("ExpirePasswords", None)
        with self._change(caller, "UpdateAccountPasswordPolicy", "*", params) as change:
            change.tx.meta[SECURITY_META] = settings.to_dict()
        return settings

    def delete_account_password_policy(self, caller: Principal) -> None:
        """DeleteAccountPasswordPolicy: AWS's default rules apply again; our lockout and
        idle-timeout settings are kept (turn them off with update and None)."""
        with self._change(caller, "DeleteAccountPasswordPolicy", "*", {}) as change:
            current = security_settings(change.tx)
            if current.password_policy is None:
                raise NoSuchEntity(f"The Password Policy with domain name {self.account_id} "
                                   "cannot be found.")
            change.tx.meta[SECURITY_META] = replace(current, password_policy=None).to_dict()


def _extension_params(settings: AccountSecuritySettings) -> dict[str, Any]:
    lockout = settings.lockout
    return {
        "lockoutThreshold": lockout.threshold if lockout else None,
        "lockoutDurationMinutes": lockout.duration_minutes if lockout else None,
        "idleSessionTimeoutMinutes": settings.idle_session_timeout_minutes,
    }


__all__ = ["HISTORY_KEPT", "KEEP", "SECURITY_META", "InvalidUserType", "PasswordOperations",
           "lock_message", "lockout_state", "password_history", "scrubbable", "secret_change",
           "security_settings",
           "with_lockout", "with_new_password"]
