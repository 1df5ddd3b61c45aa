"""My security credentials (issue 12): the signed-in user manages their own password, MFA
device and access keys, and the policies AWS documents for that work as written.

The two policies below are the IAM User Guide's, statement for statement (the signing
certificate, SSH key and Git credential statements included, though iamtui has none of
those credentials):
- "AWS: Allows IAM users to manage their own credentials on the Security credentials page"
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_examples_aws_my-sec-creds-self-manage-no-mfa.html
- "AWS: Allows MFA-authenticated IAM users to manage their own credentials on the Security
  credentials page"
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_examples_aws_my-sec-creds-self-manage.html
ChangePassword: IAM API Reference; "How an IAM user changes their own password".
"""

from __future__ import annotations

import gc
import json
import time
import weakref
from datetime import timedelta
from pathlib import Path
from typing import Any

import pyotp
import pytest
from helpers import ACCOUNT_ID, FakeClock
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input, Static
from tui_helpers import collected, new_store, pin_store_folder, settle, sign_in, type_text

import iamtui.service.access_keys as access_keys
from iamtui.app import IamApp
from iamtui.errors import AccessDenied
from iamtui.screens.main import MainScreen
from iamtui.screens.mfa_enroll import MfaEnrollModal
from iamtui.screens.modals import ConfirmModal, FormModal, SecretModal
from iamtui.screens.my_credentials import MyCredentialsScreen
from iamtui.security import mfa
from iamtui.security.passwords import PasswordPolicy

PASSWORD = "Alic3!Passw0rd#"
NEW_PASSWORD = "N3w!Passw0rd#Long"
SEED = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
OWN = "arn:aws:iam::*:user/${aws:username}"


def _statement(sid: str, actions: list[str], resource: str = OWN) -> dict[str, Any]:
    return {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resource}


_OTHER_CREDENTIALS = [
    _statement("AllowManageOwnSigningCertificates", [
        "iam:DeleteSigningCertificate", "iam:ListSigningCertificates",
        "iam:UpdateSigningCertificate", "iam:UploadSigningCertificate"]),
    _statement("AllowManageOwnSSHPublicKeys", [
        "iam:DeleteSSHPublicKey", "iam:GetSSHPublicKey", "iam:ListSSHPublicKeys",
        "iam:UpdateSSHPublicKey", "iam:UploadSSHPublicKey"]),
    _statement("AllowManageOwnGitCredentials", [
        "iam:CreateServiceSpecificCredential", "iam:DeleteServiceSpecificCredential",
        "iam:ListServiceSpecificCredentials", "iam:ResetServiceSpecificCredential",
        "iam:UpdateServiceSpecificCredential"]),
]
_OWN_PASSWORD = _statement("AllowManageOwnPasswords", ["iam:ChangePassword", "iam:GetUser"])
_OWN_KEYS = _statement("AllowManageOwnAccessKeys", [
    "iam:CreateAccessKey", "iam:DeleteAccessKey", "iam:ListAccessKeys", "iam:UpdateAccessKey",
    "iam:GetAccessKeyLastUsed"])

SELF_MANAGE_NO_MFA = json.dumps({"Version": "2012-10-17", "Statement": [
    _statement("AllowViewAccountInfo", ["iam:GetAccountPasswordPolicy",
                                        "iam:GetAccountSummary"], "*"),
    _OWN_PASSWORD, _OWN_KEYS, *_OTHER_CREDENTIALS]})

SELF_MANAGE_WITH_MFA = json.dumps({"Version": "2012-10-17", "Statement": [
    _statement("AllowViewAccountInfo", ["iam:GetAccountPasswordPolicy",
                                        "iam:ListVirtualMFADevices"], "*"),
    _OWN_PASSWORD, _OWN_KEYS, *_OTHER_CREDENTIALS,
    _statement("AllowManageOwnVirtualMFADevice", ["iam:CreateVirtualMFADevice"],
               "arn:aws:iam::*:mfa/*"),
    _statement("AllowManageOwnUserMFA", ["iam:DeactivateMFADevice", "iam:EnableMFADevice",
                                         "iam:ListMFADevices", "iam:ResyncMFADevice"]),
    {"Sid": "DenyAllExceptListedIfNoMFA", "Effect": "Deny",
     "NotAction": ["iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:GetUser",
                   "iam:GetMFADevice", "iam:ListMFADevices", "iam:ListVirtualMFADevices",
                   "iam:ResyncMFADevice", "sts:GetSessionToken"],
     "Resource": "*",
     "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}},
]})


@pytest.fixture
def db(tmp_path: Path, clock: FakeClock) -> Path:
    """alice has the policy without MFA, carol the MFA-authenticated one; bob has none."""
    svc = new_store(tmp_path, clock=clock)
    root = svc.root_principal()
    svc.update_account_password_policy(root, PasswordPolicy(minimum_password_length=12,
                                                            require_symbols=True))
    for name in ("alice", "bob", "carol"):
        svc.create_user(root, name)
        svc.create_login_profile(root, name, PASSWORD)
    svc.create_policy(root, "SelfManageNoMfa", SELF_MANAGE_NO_MFA)
    svc.create_policy(root, "SelfManageWithMfa", SELF_MANAGE_WITH_MFA)
    svc.attach_user_policy(root, "alice", f"arn:aws:iam::{ACCOUNT_ID}:policy/SelfManageNoMfa")
    svc.attach_user_policy(root, "carol",
                           f"arn:aws:iam::{ACCOUNT_ID}:policy/SelfManageWithMfa")
    svc.create_access_key(root, "bob")
    svc.close()
    return tmp_path / "db.json"


def make_app(db: Path, clock: FakeClock) -> IamApp:
    return IamApp(db, keys_dir=db.parent / "keys", clock=clock)


async def wait_until(pilot: Pilot, condition: Any, ceiling: float = 30.0) -> None:
    """Wait (settling the app) until `condition()` holds."""
    deadline = time.monotonic() + ceiling
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        await settle(pilot)


def rows(app: IamApp) -> dict[str, tuple[str, ...]]:
    """The page's rows by key."""
    table = app.screen.query_one("#my-credentials").table
    return {r.key: tuple(str(c) for c in r.cells) for r in table.rows}


def toasts(app: IamApp) -> str:
    return " | ".join(f"{n.title}: {n.message}" for n in app._notifications)


async def open_page(pilot: Pilot) -> None:
    await pilot.press("f9")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, MyCredentialsScreen))


async def cursor_to(pilot: Pilot, key: str) -> None:
    table = pilot.app.screen.query_one("#my-credentials").table
    assert table.move_to(key)
    await pilot.pause()


async def test_without_mfa_policy_keys_and_password_but_not_mfa(
        db: Path, clock: FakeClock) -> None:
    app = make_app(db, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "alice", PASSWORD)
        await open_page(pilot)
        shown = rows(app)
        assert "password" in shown
        # the policy leaves MFA out (the page says so) and alice has no key yet
        assert shown["none:MFA device"][2] == "Not allowed"
        assert not [k for k in shown if k.startswith("key:")]

        # a new key: the secret is shown once, in the modal, never in the page
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, SecretModal))
        secret = app.screen.secret
        await pilot.press("escape")
        await settle(pilot)
        keys = [k for k in rows(app) if k.startswith("key:")]
        assert len(keys) == 1 and secret not in str(rows(app))
        key_id = keys[0].split(":", 1)[1]

        await cursor_to(pilot, keys[0])
        await pilot.press("t")  # UpdateAccessKey: Inactive
        await settle(pilot)
        assert rows(app)[keys[0]][2] == "Inactive"
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.click("#confirm")
        await settle(pilot)
        assert rows(app)["empty:keys"][2] == "None (c)"
        assert f"Deleted access key {key_id}" in toasts(app)

        # MFA is not in this policy: CreateVirtualMFADevice is refused
        await pilot.press("m")
        await settle(pilot)
        assert not isinstance(app.screen, MfaEnrollModal)
        assert "iam:CreateVirtualMFADevice" in toasts(app)

        # ${aws:username} scopes every statement to alice herself
        bob_key = app.service.list_access_keys(app.service.root_principal(), "bob")[0]
        for call in (lambda: app.service.create_access_key(app.principal, "bob"),
                     lambda: app.service.list_access_keys(app.principal, "bob"),
                     lambda: app.service.delete_access_key(app.principal,
                                                           bob_key.access_key_id, "bob")):
            with pytest.raises(AccessDenied, match="user/bob"):
                call()

        # signing out leaves no screen that held the secret (or anything else of hers)
        held = [weakref.ref(o) for o in gc.get_objects()
                if isinstance(o, Screen) and o.id != "_default"]
        await pilot.press("ctrl+o")
        await wait_until(pilot, lambda: collected(*held))


async def change_password(pilot: Pilot, old: str, new: str) -> None:
    await pilot.press("p")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, FormModal))
    for value in (old, new, new):
        await type_text(pilot, value)
        await pilot.press("enter")
    await settle(pilot)


async def test_change_my_password_applies_the_password_policy(
        db: Path, clock: FakeClock) -> None:
    app = make_app(db, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "alice", PASSWORD)
        await open_page(pilot)
        await change_password(pilot, PASSWORD, "short1!")
        form = app.screen
        assert isinstance(form, FormModal)  # refused in the form, nothing typed lost
        note = str(form.query_one(".dialog-note", Static).render())
        assert "At least 12 characters, with symbols" in note
        assert "PasswordPolicyViolation" in str(form.query_one("#form-error").render())
        await pilot.press("escape")
        await settle(pilot)

        await change_password(pilot, "wrong-Passw0rd!", NEW_PASSWORD)
        assert "The old password is incorrect" in str(app.screen.query_one("#form-error")
                                                       .render())
        await pilot.press("escape")
        await settle(pilot)

        await change_password(pilot, PASSWORD, NEW_PASSWORD)
        assert isinstance(app.screen, MyCredentialsScreen)
        assert "Your console password was changed" in toasts(app)
        assert app.service.sign_in(ACCOUNT_ID, "alice", NEW_PASSWORD).name == "alice"


async def test_bob_without_policy_sees_what_he_may_not_do(db: Path, clock: FakeClock) -> None:
    app = make_app(db, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "bob", PASSWORD)
        await open_page(pilot)
        shown = rows(app)
        assert {k: v[2] for k, v in shown.items()} == {
            "none:Console password": "Not allowed",
            "none:MFA device": "Not allowed",
            "none:Access key": "Not allowed"}
        await change_password(pilot, PASSWORD, NEW_PASSWORD)
        error = str(app.screen.query_one("#form-error").render())
        assert "Access denied" in error and "iam:ChangePassword" in error


async def test_mfa_policy_allows_only_mfa_setup_until_signed_in_with_mfa(
        db: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mfa, "new_seed", lambda: SEED)
    totp = pyotp.TOTP(SEED)
    app = make_app(db, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "carol", PASSWORD)
        await open_page(pilot)
        shown = rows(app)
        # without MFA the deny leaves GetUser and ListMFADevices, not ListAccessKeys
        assert "password" in shown
        assert shown["none:Access key"][2] == "Not allowed"
        assert shown["empty:mfa"][2] == "None (m)"
        await pilot.press("c")
        await settle(pilot)
        assert not isinstance(app.screen, SecretModal)
        assert "iam:CreateAccessKey" in toasts(app) and "explicit deny" in toasts(app)
        await change_password(pilot, PASSWORD, NEW_PASSWORD)
        assert "iam:ChangePassword" in str(app.screen.query_one("#form-error").render())
        await pilot.press("escape")
        await settle(pilot)

        # what the deny leaves: assigning her own MFA device
        await pilot.press("m")
        await wait_until(pilot, lambda: isinstance(app.screen, MfaEnrollModal))
        await pilot.press(*totp.at(clock.now - timedelta(seconds=30)), "enter",
                          *totp.at(clock.now), "enter")
        await wait_until(pilot, lambda: "Assigned" in str(
            app.screen.query_one("#assigned", Static).render()))
        await pilot.press("enter")
        await settle(pilot)
        assert [k for k in rows(app) if k.startswith("mfa:")] == [
            f"mfa:arn:aws:iam::{ACCOUNT_ID}:mfa/carol"]

        # sign out, sign in again with the device: now the page is hers to manage
        await pilot.press("ctrl+o")
        await settle(pilot)
        clock.advance(minutes=1)
        await type_text(pilot, "carol")
        await pilot.press("enter", *PASSWORD, "enter")
        await settle(pilot)
        await pilot.press(*totp.at(clock.now), "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen))
        assert app.principal.mfa_authenticated_at is not None
        await open_page(pilot)
        assert "none:Access key" not in rows(app)
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, SecretModal))
        await pilot.press("escape")
        await settle(pilot)
        await change_password(pilot, PASSWORD, NEW_PASSWORD)
        assert isinstance(app.screen, MyCredentialsScreen)

        # removing the device: DeactivateMFADevice is allowed with MFA; deleting the
        # device is not in the policy, so it stays unassigned (and the page says so)
        await cursor_to(pilot, f"mfa:arn:aws:iam::{ACCOUNT_ID}:mfa/carol")
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.click("#confirm")
        await settle(pilot)
        assert not [k for k in rows(app) if k.startswith("mfa:")]
        assert "stays unassigned" in toasts(app)


async def test_a_role_session_has_no_credentials_of_its_own(db: Path, clock: FakeClock) -> None:
    app = make_app(db, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot)  # root sets alice up to switch to a role
        root = app.service.root_principal()
        app.service.put_user_policy(root, "alice", "Assume", json.dumps({
            "Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}))
        app.service.create_role(root, "Ops", json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": "sts:AssumeRole",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}}]}))
        await pilot.press("ctrl+o")
        await settle(pilot)
        await sign_in(pilot, "alice", PASSWORD)
        await pilot.press("ctrl+t")
        await wait_until(pilot, lambda: isinstance(app.screen, FormModal))
        await type_text(pilot, "Ops")
        await pilot.click("#submit")
        await wait_until(pilot, lambda: app.switched is not None)
        await open_page(pilot)
        assert list(rows(app)) == ["none:role"]
        await pilot.press("c")
        await settle(pilot)
        assert not isinstance(app.screen, SecretModal)  # no verb applies


def _pin(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What varies between runs: the store's folder, a new key's random ID."""
    monkeypatch.setattr(access_keys, "new_access_key_id", lambda: "AKIAIOSFODNN7EXAMPLE")
    pin_store_folder(monkeypatch, db.parent, "/srv")


def test_my_credentials_snapshot_80x24(db: Path, clock: FakeClock, snap_compare: Any,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    _pin(db, monkeypatch)

    async def run_before(pilot: Pilot) -> None:
        await sign_in(pilot, "alice", PASSWORD)
        app = pilot.app
        app.service.create_access_key(app.principal)
        await open_page(pilot)
        await settle(pilot)

    assert snap_compare(make_app(db, clock), terminal_size=(80, 24), run_before=run_before)


def test_change_password_snapshot_80x24(db: Path, clock: FakeClock, snap_compare: Any,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    _pin(db, monkeypatch)

    async def run_before(pilot: Pilot) -> None:
        await sign_in(pilot, "alice", PASSWORD)
        await open_page(pilot)
        await pilot.press("p")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, FormModal))
        pilot.app.screen.query_one(Input).cursor_blink = False
        await settle(pilot)

    assert snap_compare(make_app(db, clock), terminal_size=(80, 24), run_before=run_before)
