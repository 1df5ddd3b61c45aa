"""Login profiles, ChangePassword and the account password policy, service and CLI.

AWS pages these tests follow:
- IAM API Reference, CreateLoginProfile / GetLoginProfile / UpdateLoginProfile /
  DeleteLoginProfile: https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateLoginProfile.html
- IAM API Reference, ChangePassword (the caller's own password; InvalidUserType):
  https://docs.aws.amazon.com/IAM/latest/APIReference/API_ChangePassword.html
- IAM API Reference, UpdateAccountPasswordPolicy (defaults and ranges) and
  GetAccountPasswordPolicy (NoSuchEntity while no custom policy is set):
  https://docs.aws.amazon.com/IAM/latest/APIReference/API_UpdateAccountPasswordPolicy.html
- IAM User Guide, "Permitting IAM users to change their own passwords"
  (AllowUsersToChangePassword grants iam:ChangePassword on oneself and
  iam:GetAccountPasswordPolicy; the IAMUserChangePassword managed policy):
  https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_enable-user-change.html
- AWS CLI reference, create-login-profile / update-account-password-policy:
  https://docs.aws.amazon.com/cli/latest/reference/iam/create-login-profile.html
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import ACCOUNT_ID, ROOT_PASSWORD, CliRunner, FakeClock

from iamtui.errors import (
    AccessDenied,
    AccountLocked,
    EntityAlreadyExists,
    NoSuchEntity,
    PasswordPolicyViolation,
    SignInFailed,
    ValidationError,
)
from iamtui.model import InlinePolicy
from iamtui.security.passwords import LockoutSettings, PasswordPolicy
from iamtui.service import IamService, Principal
from iamtui.service.passwords import InvalidUserType
from iamtui.service.tables import INLINE_POLICIES, LOGIN_PROFILES

PASSWORD = "Corr3ct-Horse!"
NEW_PASSWORD = "Batt3ry-Staple!"


def user(service: IamService, root: Principal, name: str = "alice") -> Principal:
    return Principal.for_user(service.create_user(root, name), ACCOUNT_ID)


def allow_inline(service: IamService, name: str, actions: list[str], resource: str) -> None:
    with service.store.transaction() as tx:
        INLINE_POLICIES.put(tx, InlinePolicy("user", name, "p", json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": actions, "Resource": resource}]})))


# ---------------------------------------------------------------------- login profiles


def test_login_profile_lifecycle(service: IamService, root: Principal,
                                 clock: FakeClock) -> None:
    """Create/Get/Update/DeleteLoginProfile with AWS's errors.
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateLoginProfile.html"""
    user(service, root)
    profile = service.create_login_profile(root, "alice", PASSWORD,
                                           password_reset_required=True)
    assert (profile.user_name, profile.create_date, profile.password_reset_required) == \
        ("alice", clock(), True)
    assert service.get_login_profile(root, "ALICE") == profile
    with pytest.raises(EntityAlreadyExists, match="Login Profile for user alice already"):
        service.create_login_profile(root, "alice", PASSWORD)
    updated = service.update_login_profile(root, "alice", password_reset_required=False)
    assert updated.password_reset_required is False
    service.delete_login_profile(root, "alice")
    with pytest.raises(NoSuchEntity, match="Login Profile for User alice cannot be found"):
        service.get_login_profile(root, "alice")
    with pytest.raises(NoSuchEntity, match="Login Profile for User alice cannot be found"):
        service.delete_login_profile(root, "alice")
    with pytest.raises(NoSuchEntity, match="The user with name bob cannot be found"):
        service.create_login_profile(root, "bob", PASSWORD)


def test_get_login_profile_without_name_is_the_callers(service: IamService,
                                                       root: Principal) -> None:
    """GetLoginProfile without UserName: the calling user's.
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetLoginProfile.html"""
    alice = user(service, root)
    service.create_login_profile(root, "alice", PASSWORD)
    allow_inline(service, "alice", ["iam:GetLoginProfile"], "arn:aws:iam::*:user/${aws:username}")
    assert service.get_login_profile(alice).user_name == "alice"
    with pytest.raises(NoSuchEntity, match="Must specify userName"):
        service.get_login_profile(root)


def test_default_rules_apply_without_a_policy_and_each_broken_rule_is_named(
        service: IamService, root: Principal) -> None:
    """With no custom policy AWS's default applies: 8+ characters, 3 of 4 character types,
    not the user name."""
    user(service, root)
    with pytest.raises(PasswordPolicyViolation) as broken:
        service.create_login_profile(root, "alice", "abc")
    message = broken.value.message
    assert "default password policy" in message
    assert "at least 8 characters" in message and "at least 3 of" in message
    with pytest.raises(PasswordPolicyViolation, match="user name"):
        service.create_login_profile(root, "alice", "alice")
    assert LOGIN_PROFILES.count(service.store.snapshot()) == 0


def test_custom_policy_names_every_rule_broken(service: IamService, root: Principal) -> None:
    """A custom policy's character rules, each broken one named.
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_UpdateAccountPasswordPolicy.html"""
    user(service, root)
    service.update_account_password_policy(root, PasswordPolicy(
        minimum_password_length=14, require_symbols=True, require_numbers=True,
        require_uppercase_characters=True, require_lowercase_characters=True))
    with pytest.raises(PasswordPolicyViolation) as broken:
        service.create_login_profile(root, "alice", "lowercaseonly")
    message = broken.value.message
    for rule in ("at least 14 characters", "uppercase letter", "a number", "a symbol"):
        assert rule in message
    assert "lowercase letter" not in message
    service.create_login_profile(root, "alice", "Upper&lower123x")


def test_admin_reset_checks_reuse_and_lifts_a_lockout(service: IamService, root: Principal,
                                                      clock: FakeClock) -> None:
    """PasswordReusePrevention applies to an administrator's reset too.
    https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_account-policy.html"""
    user(service, root)
    service.update_account_password_policy(root, PasswordPolicy(password_reuse_prevention=2),
                                           lockout=LockoutSettings(3, None))
    service.create_login_profile(root, "alice", PASSWORD)
    for _ in range(3):
        with pytest.raises(SignInFailed):
            service.sign_in("example", "alice", "Wrong-Passw0rd")
    with pytest.raises(SignInFailed):  # locked: the generic answer, even to the password
        service.sign_in("example", "alice", PASSWORD)
    with pytest.raises(PasswordPolicyViolation, match="last 2 passwords"):
        service.update_login_profile(root, "alice", password=PASSWORD)
    service.update_login_profile(root, "alice", password=NEW_PASSWORD)
    assert service.sign_in("example", "alice", NEW_PASSWORD).name == "alice"


def test_denied_operator_changes_nothing_and_is_audited(service: IamService,
                                                        root: Principal) -> None:
    """iam:CreateLoginProfile is needed on the user's ARN.
    https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html"""
    bob = user(service, root, "bob")
    user(service, root, "alice")
    with pytest.raises(AccessDenied, match="iam:CreateLoginProfile"):
        service.create_login_profile(bob, "alice", PASSWORD)
    assert LOGIN_PROFILES.count(service.store.snapshot()) == 0
    event = service.audit.page(0, 1)[0]
    assert (event["eventName"], event["errorCode"]) == ("CreateLoginProfile", "AccessDenied")
    assert PASSWORD not in json.dumps(event)


# ---------------------------------------------------------------------- ChangePassword


def test_change_password_needs_the_account_setting_or_a_policy(service: IamService,
                                                               root: Principal) -> None:
    """AllowUsersToChangePassword lets users change their own password and read the policy.
    https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_enable-user-change.html"""
    alice = user(service, root)
    service.create_login_profile(root, "alice", PASSWORD)
    with pytest.raises(AccessDenied, match="iam:ChangePassword"):
        service.change_password(alice, PASSWORD, NEW_PASSWORD)
    service.update_account_password_policy(
        root, PasswordPolicy(allow_users_to_change_password=True))
    service.change_password(alice, PASSWORD, NEW_PASSWORD)
    assert service.sign_in("example", "alice", NEW_PASSWORD).name == "alice"
    # AllowUsersToChangePassword also lets users read the policy
    assert service.get_account_password_policy(alice).allow_users_to_change_password


def test_change_password_allowed_by_iam_user_change_password_policy(
        service: IamService, root: Principal) -> None:
    """A policy allowing iam:ChangePassword on ${aws:username} (IAMUserChangePassword) suffices.
    https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_enable-user-change.html"""
    alice = user(service, root)
    service.create_login_profile(root, "alice", PASSWORD)
    allow_inline(service, "alice", ["iam:ChangePassword"], "arn:aws:iam::*:user/${aws:username}")
    service.change_password(alice, PASSWORD, NEW_PASSWORD)
    event = service.audit.page(0, 1)[0]
    assert event["eventName"] == "ChangePassword" and "errorCode" not in event


def test_explicit_deny_beats_allow_users_to_change_password(service: IamService,
                                                            root: Principal) -> None:
    """An explicit deny wins over any allow (Policy evaluation logic)."""
    alice = user(service, root)
    service.create_login_profile(root, "alice", PASSWORD)
    service.update_account_password_policy(
        root, PasswordPolicy(allow_users_to_change_password=True))
    with service.store.transaction() as tx:
        INLINE_POLICIES.put(tx, InlinePolicy("user", "alice", "no", json.dumps({
            "Version": "2012-10-17", "Statement": [
                {"Effect": "Deny", "Action": "iam:ChangePassword", "Resource": "*"}]})))
    with pytest.raises(AccessDenied):
        service.change_password(alice, PASSWORD, NEW_PASSWORD)


def test_change_password_rules(service: IamService, root: Principal) -> None:
    """A wrong old password is refused and counted; reuse is refused; root cannot use it."""
    alice = user(service, root)
    service.update_account_password_policy(root, PasswordPolicy(
        allow_users_to_change_password=True, password_reuse_prevention=3),
        lockout=LockoutSettings(threshold=5))
    service.create_login_profile(root, "alice", PASSWORD)
    with pytest.raises(AccessDenied, match="old password is incorrect"):
        service.change_password(alice, "Wrong-Passw0rd", NEW_PASSWORD)
    profile = LOGIN_PROFILES.get(service.store.snapshot(), "alice")
    assert profile is not None and profile.failed_attempts == 1
    for _ in range(4):
        with pytest.raises(AccessDenied):
            service.change_password(alice, "Wrong-Passw0rd", NEW_PASSWORD)
    with pytest.raises(AccountLocked):  # locked now: not even the right password works
        service.change_password(alice, PASSWORD, NEW_PASSWORD)
    service.unlock_login_profile(root, "alice")
    service.change_password(alice, PASSWORD, NEW_PASSWORD)
    with pytest.raises(PasswordPolicyViolation, match="last 3 passwords"):
        service.change_password(alice, NEW_PASSWORD, PASSWORD)
    with pytest.raises(InvalidUserType):
        service.change_password(root, ROOT_PASSWORD, NEW_PASSWORD)
    events = json.dumps(service.audit.page(0, 10))
    assert PASSWORD not in events and NEW_PASSWORD not in events


# ------------------------------------------------- requiring a new password (console)

CHANGE_PASSWORD_ARN = "arn:aws:iam::aws:policy/IAMUserChangePassword"


def attach_only_change_password(service: IamService, root: Principal, name: str) -> Principal:
    """A caller allowed AttachUserPolicy only for IAMUserChangePassword (iam:PolicyARN)."""
    caller = user(service, root, name)
    with service.store.transaction() as tx:
        INLINE_POLICIES.put(tx, InlinePolicy("user", name, "p", json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": "iam:AttachUserPolicy", "Resource": "*",
                "Condition": {"ArnEquals": {"iam:PolicyARN": CHANGE_PASSWORD_ARN}}}]})))
    return caller


@pytest.mark.parametrize("may_change", [True, False])
def test_requiring_a_new_password_is_authorized_before_anything_is_told(
        service: IamService, root: Principal, may_change: bool) -> None:
    """IAM User Guide, "Permit IAM users to change their own passwords": the console
    attaches IAMUserChangePassword (AttachUserPolicy) unless the user may already change
    their password. A caller who may not attach it hears AccessDenied either way, so it
    cannot learn whether the user may change their password; the denial is audited."""
    user(service, root)
    service.update_account_password_policy(
        root, PasswordPolicy(allow_users_to_change_password=may_change))
    mallory = user(service, root, "mallory")
    allow_inline(service, "mallory", ["iam:GetUser", "s3:*"], "*")
    with pytest.raises(AccessDenied, match="iam:AttachUserPolicy"):
        service.let_user_change_password(mallory, "alice")
    event = service.audit.page(0, 1)[0]
    assert (event["eventName"], event["errorCode"], event["readOnly"]) == \
        ("AttachUserPolicy", "AccessDenied", False)
    assert service.list_attached_user_policies(root, "alice") == []


def test_requiring_a_new_password_is_authorized_with_the_policy_arn(
        service: IamService, root: Principal) -> None:
    """Service Authorization Reference, AttachUserPolicy: iam:PolicyARN is in the request
    context, for an existing user and for a missing one (then NoSuchEntity, as attach)."""
    user(service, root)
    attacher = attach_only_change_password(service, root, "attacher")
    assert service.let_user_change_password(attacher, "alice") is True
    assert [p.arn for p in service.list_attached_user_policies(root, "alice")] == \
        [CHANGE_PASSWORD_ARN]
    user(service, root, "bob")
    service.update_account_password_policy(
        root, PasswordPolicy(allow_users_to_change_password=True))
    assert service.let_user_change_password(attacher, "bob") is False
    assert service.list_attached_user_policies(root, "bob") == []
    with pytest.raises(NoSuchEntity, match="ghost"):
        service.let_user_change_password(attacher, "ghost")


# ---------------------------------------------------------------------- the account policy


def test_password_policy_get_update_delete(service: IamService, root: Principal) -> None:
    """Get/Update/DeleteAccountPasswordPolicy: defaults, ExpirePasswords, NoSuchEntity.
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountPasswordPolicy.html"""
    with pytest.raises(NoSuchEntity, match=f"Password Policy with domain name {ACCOUNT_ID} "
                                           "cannot be found"):
        service.get_account_password_policy(root)
    service.update_account_password_policy(root, PasswordPolicy(minimum_password_length=10,
                                                                max_password_age=60))
    policy = service.get_account_password_policy(root)
    assert policy.to_aws() == {
        "MinimumPasswordLength": 10, "RequireSymbols": False, "RequireNumbers": False,
        "RequireUppercaseCharacters": False, "RequireLowercaseCharacters": False,
        "AllowUsersToChangePassword": False, "ExpirePasswords": True, "MaxPasswordAge": 60,
        "HardExpiry": False}
    service.delete_account_password_policy(root)
    with pytest.raises(NoSuchEntity):
        service.get_account_password_policy(root)
    with pytest.raises(NoSuchEntity):
        service.delete_account_password_policy(root)


def test_out_of_range_settings_are_refused() -> None:
    """UpdateAccountPasswordPolicy's ranges; iamtui's lockout bounds (PCI DSS 8.3.4).
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_UpdateAccountPasswordPolicy.html"""
    with pytest.raises(ValidationError, match="minimumPasswordLength"):
        PasswordPolicy(minimum_password_length=5)
    with pytest.raises(ValidationError, match="less than or equal to 10"):
        LockoutSettings(threshold=11)
    with pytest.raises(ValidationError, match="greater than or equal to 30"):
        LockoutSettings(duration_minutes=10)


def test_extension_settings_are_kept_unless_given(service: IamService, root: Principal) -> None:
    """iamtui's lockout and idle timeout live beside AWS's policy, which has no partial updates.
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_UpdateAccountPasswordPolicy.html"""
    service.update_account_password_policy(root, PasswordPolicy(),
                                           lockout=LockoutSettings(5, 45),
                                           idle_session_timeout_minutes=15)
    service.update_account_password_policy(root, PasswordPolicy(minimum_password_length=12))
    settings = service.get_account_security_settings(root)
    assert settings.lockout == LockoutSettings(5, 45)
    assert settings.idle_session_timeout_minutes == 15
    service.delete_account_password_policy(root)
    settings = service.get_account_security_settings(root)
    assert settings.password_policy is None and settings.lockout == LockoutSettings(5, 45)
    service.update_account_password_policy(root, PasswordPolicy(), lockout=None)
    assert service.get_account_security_settings(root).lockout is None


def test_reading_the_policy_needs_permission(service: IamService, root: Principal) -> None:
    """GetAccountPasswordPolicy needs iam:GetAccountPasswordPolicy.
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountPasswordPolicy.html"""
    alice = user(service, root)
    service.update_account_password_policy(root, PasswordPolicy())
    with pytest.raises(AccessDenied, match="iam:GetAccountPasswordPolicy"):
        service.get_account_password_policy(alice)


# ---------------------------------------------------------------------- CLI


class Cli(CliRunner):
    """Runs commands against one store (the shared runner, named for these tests)."""


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> Cli:
    runner = Cli(tmp_path, monkeypatch, capsys)
    runner.init("--alias", "example")
    return runner


def test_cli_login_profile_with_password_from_stdin(cli: Cli) -> None:
    """create-login-profile's flags and answer; the password can come from stdin.
    https://docs.aws.amazon.com/cli/latest/reference/iam/create-login-profile.html"""
    cli.as_root("create-user", "--user-name", "alice")
    out = cli.as_root("create-login-profile", "--user-name", "alice", "--password-stdin",
                      "--password-reset-required", stdin=PASSWORD + "\n")
    assert set(out["LoginProfile"]) == {"UserName", "CreateDate", "PasswordResetRequired"}
    assert out["LoginProfile"]["PasswordResetRequired"] is True
    got = cli.as_root("get-login-profile", "--user-name", "alice")
    assert got["LoginProfile"]["UserName"] == "alice"
    code, _, err = cli.run("create-login-profile", "--user-name", "alice", "--password", "x",
                           "--as-root", "--root-password-stdin", stdin=ROOT_PASSWORD + "\n")
    assert code == 254
    assert err.startswith("An error occurred (EntityAlreadyExists) when calling the "
                          "CreateLoginProfile operation")
    assert cli.as_root("delete-login-profile", "--user-name", "alice") == {}
    store_and_audit = b"".join(p.read_bytes() for p in cli.db.parent.rglob("*") if p.is_file())
    assert PASSWORD.encode() not in store_and_audit


def test_cli_shows_the_lockout_in_force(cli: Cli) -> None:
    """A new store has iamtui's lockout before any password policy (10 attempts, 30
    minutes); get-account-password-policy keeps AWS's NoSuchEntity while no policy is set
    but says which lockout applies, and shows the values in force once one is
    (issue 10, item 3).
    https://docs.aws.amazon.com/cli/latest/reference/iam/get-account-password-policy.html"""
    code, _, err = cli.root("get-account-password-policy")
    assert code == 254 and "(NoSuchEntity)" in err
    assert "lockout: 10 failed attempts lock for 30 minutes" in err
    cli.as_root("update-account-password-policy", "--minimum-password-length", "8")
    got = cli.as_root("get-account-password-policy")
    assert got["IamtuiAccountSecurity"] == {
        "Lockout": {"Threshold": 10, "DurationMinutes": 30}, "IdleSessionTimeoutMinutes": None}
    cli.as_root("update-account-password-policy", "--no-lockout")
    got = cli.as_root("get-account-password-policy")
    assert got["IamtuiAccountSecurity"]["Lockout"] is None
    cli.as_root("delete-account-password-policy")
    code, _, err = cli.root("get-account-password-policy")
    assert code == 254 and "lockout is off" in err

def test_cli_password_policy_pci_dss(cli: Cli) -> None:
    """update-/get-/delete-account-password-policy, with the --pci-dss preset.
    https://docs.aws.amazon.com/cli/latest/reference/iam/update-account-password-policy.html"""
    code, _, err = cli.run("get-account-password-policy", "--as-root", "--root-password-stdin",
                           stdin=ROOT_PASSWORD + "\n")
    assert code == 254 and "(NoSuchEntity)" in err
    assert cli.as_root("update-account-password-policy", "--pci-dss") == {}
    got = cli.as_root("get-account-password-policy")
    assert got["PasswordPolicy"] == {
        "MinimumPasswordLength": 12, "RequireSymbols": False, "RequireNumbers": True,
        "RequireUppercaseCharacters": True, "RequireLowercaseCharacters": True,
        "AllowUsersToChangePassword": True, "ExpirePasswords": True, "MaxPasswordAge": 90,
        "PasswordReusePrevention": 4, "HardExpiry": False}
    assert got["IamtuiAccountSecurity"] == {
        "Lockout": {"Threshold": 10, "DurationMinutes": 30}, "IdleSessionTimeoutMinutes": 15}
    cli.as_root("update-account-password-policy", "--minimum-password-length", "8",
                "--require-symbols", "--lockout-threshold", "5", "--lockout-until-unlocked")
    got = cli.as_root("get-account-password-policy")
    assert got["PasswordPolicy"]["RequireSymbols"] is True
    assert got["PasswordPolicy"]["MinimumPasswordLength"] == 8
    assert "MaxPasswordAge" not in got["PasswordPolicy"]
    assert got["IamtuiAccountSecurity"]["Lockout"] == {"Threshold": 5, "DurationMinutes": None}
    code, _, err = cli.run("update-account-password-policy", "--minimum-password-length", "200",
                           "--as-root", "--root-password-stdin", stdin=ROOT_PASSWORD + "\n")
    assert code == 254 and "(ValidationError)" in err and "minimumPasswordLength" in err
    assert cli.as_root("delete-account-password-policy") == {}


def test_cli_change_password_reads_both_from_stdin_and_unlock(cli: Cli,
                                                              monkeypatch: pytest.MonkeyPatch
                                                              ) -> None:
    """change-password acts as the calling user (an access key here); unlock-login-profile
    lifts a lockout (iamtui's own command)."""
    cli.as_root("create-user", "--user-name", "alice")
    cli.as_root("create-login-profile", "--user-name", "alice", "--password-stdin",
                stdin=PASSWORD + "\n")
    cli.as_root("update-account-password-policy", "--allow-users-to-change-password",
                "--lockout-threshold", "3", "--lockout-until-unlocked")
    pair = cli.as_root("create-access-key", "--user-name", "alice")["AccessKey"]
    monkeypatch.setenv("IAMTUI_ACCESS_KEY_ID", pair["AccessKeyId"])
    monkeypatch.setenv("IAMTUI_SECRET_ACCESS_KEY", pair["SecretAccessKey"])
    code, out, err = cli.run("change-password", "--old-password-stdin", "--new-password-stdin",
                             stdin=f"{PASSWORD}\n{NEW_PASSWORD}\n")
    assert (code, out) == (0, ""), err  # like the AWS CLI, ChangePassword prints nothing
    code, _, err = cli.run("change-password", "--old-password", "nope", "--new-password-stdin",
                           stdin=f"{NEW_PASSWORD}\n")
    assert code == 254 and "old password is incorrect" in err
    monkeypatch.delenv("IAMTUI_ACCESS_KEY_ID")
    monkeypatch.delenv("IAMTUI_SECRET_ACCESS_KEY")
    svc = IamService.open(cli.db)
    try:
        for _ in range(2):
            with pytest.raises(SignInFailed):
                svc.sign_in(ACCOUNT_ID, "alice", "Wrong-Passw0rd")
        with pytest.raises(SignInFailed):  # locked: the generic answer, even to the password
            svc.sign_in(ACCOUNT_ID, "alice", NEW_PASSWORD)
    finally:
        svc.close()
    cli.as_root("unlock-login-profile", "--user-name", "alice")
    svc = IamService.open(cli.db)
    try:
        assert svc.sign_in(ACCOUNT_ID, "alice", NEW_PASSWORD).name == "alice"
    finally:
        svc.close()
