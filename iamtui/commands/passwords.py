"""Console password commands: login profiles, change-password and the account password policy.

Passwords are taken like the AWS CLI takes them (`--password`), or, so that they
stay out of the shell history and the process list, one line each from standard
input with `--password-stdin` (`--old-password-stdin --new-password-stdin` read
two lines, old then new). With `--root-password-stdin` too, the root password is
the first line.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from iamtui.commands.registry import ArgumentError, Response, arg, command
from iamtui.commands.session import read_secret, session
from iamtui.model import aws_login_profile

if TYPE_CHECKING:  # argon2 loads with this module: commands import it only when they run
    from iamtui.security.passwords import AccountSecuritySettings, PasswordPolicy

_USER = arg("--user-name", required=True, help="the user's name")
_BOOL = argparse.BooleanOptionalAction


def _secret(args: argparse.Namespace, value: str | None, stdin_flag: bool, option: str, *,
            required: bool = True) -> str | None:
    """A password from its option or from standard input; never both, never echoed."""
    if value is not None and stdin_flag:
        raise ArgumentError(f"Give {option} or {option}-stdin, not both.")
    if stdin_flag:
        return read_secret(f"{option}: ", from_stdin=True)
    if value is None and required:
        raise ArgumentError(f"the following arguments are required: {option} "
                            f"(or {option}-stdin)")
    return value


@command("create-login-profile", "Give a user a console password.", _USER,
         arg("--password", help="the new password (prefer --password-stdin)"),
         arg("--password-stdin", action="store_true",
             help="read the password from standard input"),
         arg("--password-reset-required", action=_BOOL, default=False,
             help="the user must choose a new password at the next sign-in"))
def run_create_login_profile(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        password = _secret(args, args.password, args.password_stdin, "--password")
        assert password is not None
        profile = svc.create_login_profile(caller, args.user_name, password,
                                           password_reset_required=args.password_reset_required)
    return Response({"LoginProfile": aws_login_profile(profile)})


@command("get-login-profile", "Show a user's login profile (the caller's own without a name).",
         arg("--user-name", help="the user's name"))
def run_get_login_profile(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        profile = svc.get_login_profile(caller, args.user_name)
    data = aws_login_profile(profile)
    table = [[profile.user_name, data["CreateDate"], str(profile.password_reset_required),
              str(profile.failed_attempts),
              profile.locked_until.isoformat() if profile.locked_until else "-"]]
    return Response({"LoginProfile": data}, table=table,
                    headers=["UserName", "Created", "ResetRequired", "FailedAttempts",
                             "LockedUntil"])


@command("update-login-profile", "Set a user's password or its reset-required flag.", _USER,
         arg("--password", help="the new password (prefer --password-stdin)"),
         arg("--password-stdin", action="store_true",
             help="read the new password from standard input"),
         arg("--password-reset-required", action=_BOOL, default=None,
             help="whether the user must choose a new password at the next sign-in"))
def run_update_login_profile(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        password = _secret(args, args.password, args.password_stdin, "--password",
                           required=False)
        svc.update_login_profile(caller, args.user_name, password=password,
                                 password_reset_required=args.password_reset_required)
    return Response({})


@command("delete-login-profile", "Remove a user's console password.", _USER)
def run_delete_login_profile(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        svc.delete_login_profile(caller, args.user_name)
    return Response({})


@command("unlock-login-profile",
         "Lift a user's sign-in lockout (iamtui's own; needs iam:UpdateLoginProfile).", _USER)
def run_unlock_login_profile(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        svc.unlock_login_profile(caller, args.user_name)
    return Response({})


@command("change-password", "Change the calling IAM user's own console password.",
         arg("--old-password", help="the current password"),
         arg("--old-password-stdin", action="store_true",
             help="read the current password from standard input (first line)"),
         arg("--new-password", help="the new password"),
         arg("--new-password-stdin", action="store_true",
             help="read the new password from standard input (next line)"))
def run_change_password(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        old = _secret(args, args.old_password, args.old_password_stdin, "--old-password")
        new = _secret(args, args.new_password, args.new_password_stdin, "--new-password")
        assert old is not None and new is not None
        svc.change_password(caller, old, new)
    return Response({})


# ---------------------------------------------------------------------- the account policy

_POLICY_FLAGS = {
    "minimum_password_length": "MinimumPasswordLength",
    "require_symbols": "RequireSymbols",
    "require_numbers": "RequireNumbers",
    "require_uppercase_characters": "RequireUppercaseCharacters",
    "require_lowercase_characters": "RequireLowercaseCharacters",
    "allow_users_to_change_password": "AllowUsersToChangePassword",
    "max_password_age": "MaxPasswordAge",
    "password_reuse_prevention": "PasswordReusePrevention",
    "hard_expiry": "HardExpiry",
}


def settings_from_args(args: argparse.Namespace) -> tuple[PasswordPolicy, Any, Any]:
    from iamtui.security.passwords import LockoutSettings, PasswordPolicy, pci_dss_policy

    """The policy and our lockout / idle settings the flags ask for (KEEP where unsaid)."""
    from iamtui.service.passwords import KEEP

    given = {aws: getattr(args, attr) for attr, aws in _POLICY_FLAGS.items()
             if getattr(args, attr) is not None}
    if given.get("MaxPasswordAge") == 0:  # AWS: 0 means passwords never expire
        given["MaxPasswordAge"] = None
    lockout: Any = KEEP
    idle: Any = KEEP
    if args.pci_dss:
        preset: AccountSecuritySettings = pci_dss_policy()
        assert preset.password_policy is not None
        base = PasswordPolicy(**{**_as_fields(preset.password_policy), **_as_fields_aws(given)})
        lockout, idle = preset.lockout, preset.idle_session_timeout_minutes
    else:
        base = PasswordPolicy.from_aws(given)
    if args.no_lockout:
        lockout = None
    elif args.lockout_threshold is not None or args.lockout_duration_minutes is not None \
            or args.lockout_until_unlocked:
        current = lockout if isinstance(lockout, LockoutSettings) else LockoutSettings()
        lockout = LockoutSettings(
            threshold=args.lockout_threshold or current.threshold,
            duration_minutes=None if args.lockout_until_unlocked
            else (args.lockout_duration_minutes or current.duration_minutes))
    if args.no_idle_session_timeout:
        idle = None
    elif args.idle_session_timeout_minutes is not None:
        idle = args.idle_session_timeout_minutes
    return base, lockout, idle


def _as_fields(policy: PasswordPolicy) -> dict[str, Any]:
    return {attr: getattr(policy, attr) for attr in _POLICY_FLAGS}


def _as_fields_aws(given: dict[str, Any]) -> dict[str, Any]:
    names = {aws: attr for attr, aws in _POLICY_FLAGS.items()}
    return {names[k]: v for k, v in given.items()}


@command("update-account-password-policy",
         "Set the account password policy (every flag left out takes AWS's default), and "
         "iamtui's sign-in lockout and idle timeout.",
         arg("--minimum-password-length", type=int, help="6-128 (default 6)"),
         arg("--require-symbols", action=_BOOL, default=None),
         arg("--require-numbers", action=_BOOL, default=None),
         arg("--require-uppercase-characters", action=_BOOL, default=None),
         arg("--require-lowercase-characters", action=_BOOL, default=None),
         arg("--allow-users-to-change-password", action=_BOOL, default=None),
         arg("--max-password-age", type=int, help="days, 1-1095 (0 or absent: never expire)"),
         arg("--password-reuse-prevention", type=int, help="remember 1-24 previous passwords"),
         arg("--hard-expiry", action=_BOOL, default=None,
             help="expired passwords can only be reset by an administrator"),
         arg("--pci-dss", action="store_true",
             help="start from PCI DSS v4.0's settings (12 characters, letters and digits, "
                  "last 4 not reused, 90 days, lockout after 10 for 30 minutes, 15 minutes "
                  "idle); other flags given override them"),
         arg("--lockout-threshold", type=int,
             help="lock after this many failures in a row (1-10; default 10)"),
         arg("--lockout-duration-minutes", type=int,
             help="for this long (at least 30; default 30)"),
         arg("--lockout-until-unlocked", action="store_true",
             help="stay locked until an administrator runs unlock-login-profile"),
         arg("--no-lockout", action="store_true", help="turn the lockout off"),
         arg("--idle-session-timeout-minutes", type=int, help="1-1440"),
         arg("--no-idle-session-timeout", action="store_true"))
def run_update_account_password_policy(args: argparse.Namespace) -> Response:
    policy, lockout, idle = settings_from_args(args)
    with session(args) as (svc, caller):
        svc.update_account_password_policy(caller, policy, lockout=lockout,
                                           idle_session_timeout_minutes=idle)
    return Response({})


def extensions(settings: AccountSecuritySettings) -> dict[str, Any]:
    """iamtui's settings beside AWS's policy, in the same PascalCase style: the values in
    force (the default lockout included), null for a setting that is off."""
    from iamtui.security.passwords import lockout_dict

    return {"Lockout": lockout_dict(settings.lockout) if settings.lockout else None,
            "IdleSessionTimeoutMinutes": settings.idle_session_timeout_minutes}


def lockout_text(settings: AccountSecuritySettings) -> str:
    """The lockout in force, in words."""
    lockout = settings.lockout
    if lockout is None:
        return "iamtui's sign-in lockout is off."
    until = (f"for {lockout.duration_minutes} minutes" if lockout.duration_minutes
             else "until an administrator unlocks")
    return f"iamtui's sign-in lockout: {lockout.threshold} failed attempts lock {until}."


@command("get-account-password-policy",
         "Show the account password policy (and iamtui's lockout and idle timeout).")
def run_get_account_password_policy(args: argparse.Namespace) -> Response:
    from iamtui.errors import NoSuchEntity

    with session(args) as (svc, caller):
        settings = svc.get_account_security_settings(caller)
        try:
            policy = svc.get_account_password_policy(caller)
        except NoSuchEntity as exc:
            # AWS's answer while no custom policy exists; the lockout is in force anyway
            raise NoSuchEntity(f"{exc.message} AWS's default password rules apply; "
                               f"{lockout_text(settings)}") from None
    data: dict[str, Any] = {"PasswordPolicy": policy.to_aws(),
                            "IamtuiAccountSecurity": extensions(settings)}
    rows = [[k, str(v)] for k, v in policy.to_aws().items()]
    rows += [[f"iamtui:{k}", str(v)] for k, v in extensions(settings).items()]
    return Response(data, table=rows, headers=["Setting", "Value"])


@command("delete-account-password-policy",
         "Remove the account password policy: AWS's default rules apply again.")
def run_delete_account_password_policy(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        svc.delete_account_password_policy(caller)
    return Response({})
