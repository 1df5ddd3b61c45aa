"""A user's detail screen driven from the keyboard: policies from the picker, groups,
console password and access keys; and a limited operator's AccessDenied."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import ACCOUNT_ID
from textual.pilot import Pilot
from textual.widgets import Checkbox, Input
from tui_helpers import new_store, settle, sign_in, type_text

from iamtui.app import IamApp
from iamtui.screens.modals import ConfirmModal, FormModal, SecretModal
from iamtui.screens.user_detail import UserDetailScreen
from iamtui.screens.widgets.picker import PickerModal
from iamtui.screens.widgets.resource_table import ResourceTable
from iamtui.service import IamService

SIZE = (140, 44)
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
OPERATOR_PASSWORD = "Operat0r!Passw0rd"


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "db.json"
    svc = new_store(tmp_path)
    root = svc.root_principal()
    svc.create_user(root, "alice")
    svc.create_group(root, "Developers")
    svc.create_group(root, "Auditors")
    svc.close()
    yield path


def open_service(db: Path) -> IamService:
    return IamService.open(db, keys_dir=db.parent / "keys")


async def open_alice(pilot: Pilot) -> UserDetailScreen:
    await sign_in(pilot)
    await pilot.press("2")
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, UserDetailScreen) and screen.user_name == "alice"
    return screen


def pane_rows(screen: UserDetailScreen, tab: str) -> list[tuple[str, ...]]:
    return [r.cells for r in screen.query_one(f"#{tab}").query_one(ResourceTable).rows]


def toasts(app: IamApp) -> list[tuple[str, str]]:
    return [(n.title, n.message) for n in app._notifications]


async def test_attach_and_detach_a_policy_from_the_picker(db: Path) -> None:
    app = IamApp(db, keys_dir=db.parent / "keys")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_alice(pilot)
        await pilot.press("right_square_bracket")  # Permissions
        await pilot.pause()
        assert pane_rows(screen, "permissions") == []
        await pilot.press("a")
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, PickerModal)
        await type_text(pilot, "readonlyacc")  # filter as you type, any case
        await pilot.pause()
        shown = [r.cells[0] for r in picker.table.rows]
        assert shown[0] == "ReadOnlyAccess"  # the name typed comes first, under the cursor
        assert all("readonlyacc" in name.lower() for name in shown)
        assert "AdministratorAccess" not in shown
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        assert pane_rows(screen, "permissions") == [
            ("ReadOnlyAccess", "AWS managed", "directly", READ_ONLY)]
        svc = open_service(db)
        assert [p.arn for p in svc.list_attached_user_policies(svc.root_principal(), "alice")] \
            == [READ_ONLY]
        svc.close()

        await pilot.press("d")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("shift+tab", "enter")
        await settle(pilot)
        assert pane_rows(screen, "permissions") == []
    svc = open_service(db)
    assert svc.list_attached_user_policies(svc.root_principal(), "alice") == []
    svc.close()


async def test_add_the_user_to_a_group_and_see_its_policies(db: Path) -> None:
    svc = open_service(db)
    svc.attach_group_policy(svc.root_principal(), "Developers", READ_ONLY)
    svc.close()
    app = IamApp(db, keys_dir=db.parent / "keys")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_alice(pilot)
        await pilot.press("right_square_bracket", "right_square_bracket")  # Groups
        await pilot.pause()
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, PickerModal)
        await type_text(pilot, "dev")
        await pilot.press("enter")
        await settle(pilot)
        assert [row[0] for row in pane_rows(screen, "groups")] == ["Developers"]
        # The group's policy now shows on Permissions, as coming through the group.
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert pane_rows(screen, "permissions") == [
            ("ReadOnlyAccess", "AWS managed", "group Developers", READ_ONLY)]
    svc = open_service(db)
    assert [g.group_name for g in svc.list_groups_for_user(svc.root_principal(), "alice")] \
        == ["Developers"]
    svc.close()


async def test_access_key_secret_is_shown_once_and_never_listed(db: Path) -> None:
    """CreateAccessKey returns the secret once; ListAccessKeys never does (IAM User Guide,
    "Manage access keys for IAM users":
    https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html)."""
    app = IamApp(db, keys_dir=db.parent / "keys")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_alice(pilot)
        for _ in range(3):  # Security credentials
            await pilot.press("right_square_bracket")
        await pilot.pause()
        await pilot.press("c")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, SecretModal)
        secret = modal.secret
        assert len(secret) == 40
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        rows = pane_rows(screen, "credentials")
        key_rows = [r for r in rows if r[0] == "Access key"]
        assert len(key_rows) == 1 and key_rows[0][2] == "Active"
        key_id = key_rows[0][1]
        assert all(secret not in cell for row in rows for cell in row)

        await pilot.press("down")  # from the password row to the key
        await pilot.press("t")  # deactivate
        await settle(pilot)
        assert [r[2] for r in pane_rows(screen, "credentials") if r[1] == key_id] \
            == ["Inactive"]
        svc = open_service(db)
        keys = svc.list_access_keys(svc.root_principal(), "alice")
        assert [(k.access_key_id, k.status) for k in keys] == [(key_id, "Inactive")]
        assert all(secret not in repr(k) for k in keys)
        svc.close()

        await pilot.press("d")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("shift+tab", "enter")
        await settle(pilot)
        assert [r[0] for r in pane_rows(screen, "credentials")] == ["Console password"]
    svc = open_service(db)
    assert svc.list_access_keys(svc.root_principal(), "alice") == []
    svc.close()


async def test_console_password_refused_by_the_policy_then_set(db: Path) -> None:
    app = IamApp(db, keys_dir=db.parent / "keys")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_alice(pilot)
        for _ in range(3):
            await pilot.press("right_square_bracket")
        await pilot.pause()
        await pilot.press("p")
        assert isinstance(app.screen, FormModal)
        await type_text(pilot, "short")
        await pilot.press("enter")
        await type_text(pilot, "short")
        await pilot.press("enter")  # the last text field submits
        await settle(pilot)
        # refused: the form stays, says which rule, and keeps what was typed
        form = app.screen
        assert isinstance(form, FormModal)
        error = str(form.query_one("#form-error").render())
        assert error.startswith("PasswordPolicyViolation: ") and "8 characters" in error
        assert form.query_one("#field-password", Input).value == "short"
        assert pane_rows(screen, "credentials")[0][2] == "Not set"

        await pilot.press("shift+tab")  # to the first password (its text selected)
        await type_text(pilot, OPERATOR_PASSWORD)
        await pilot.press("enter")
        await type_text(pilot, OPERATOR_PASSWORD)
        await pilot.press("tab")
        reset = app.screen.query_one("#field-reset", Checkbox)
        assert reset.has_focus and reset.value  # checked unless unticked
        await pilot.press("space", "tab", "enter")  # untick, then the Set password button
        await settle(pilot)
        assert pane_rows(screen, "credentials")[0][2] == "Enabled"
    svc = open_service(db)
    assert not svc.get_login_profile(svc.root_principal(), "alice").password_reset_required
    svc.close()


async def test_limited_operator_is_denied_creating_a_group(db: Path) -> None:
    """An identity-based policy that allows only reads leaves iam:CreateGroup implicitly
    denied (IAM User Guide, "Policy evaluation logic":
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html);
    the toast names the action and the resource, as AWS's AccessDenied message does."""
    svc = open_service(db)
    root = svc.root_principal()
    svc.create_user(root, "operator")
    svc.create_login_profile(root, "operator", OPERATOR_PASSWORD)
    svc.put_user_policy(root, "operator", "ReadIam", json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["iam:List*", "iam:Get*"],
                       "Resource": "*"}]}))
    svc.close()
    app = IamApp(db, keys_dir=db.parent / "keys")
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "operator", OPERATOR_PASSWORD)
        await pilot.press("3")
        await settle(pilot)
        table = app.screen.query_one("#groups").query_one(ResourceTable)
        assert [r.cells[0] for r in table.rows] == ["Auditors", "Developers"]  # reads work
        await pilot.press("n")
        await type_text(pilot, "Sneaky")
        await pilot.press("enter", "enter")
        await settle(pilot)
        form = app.screen  # the form stays open with AWS's message, what was typed kept
        assert isinstance(form, FormModal)
        message = str(form.query_one("#form-error").render())
        assert message.startswith("Access denied: ")
        assert "iam:CreateGroup" in message
        assert f"arn:aws:iam::{ACCOUNT_ID}:group/Sneaky" in message
        assert "operator" in message
        await pilot.press("escape")
        await settle(pilot)
        assert [r.cells[0] for r in table.rows] == ["Auditors", "Developers"]
    svc = open_service(db)
    assert [g.group_name for g in svc.list_groups(svc.root_principal())] \
        == ["Auditors", "Developers"]
    svc.close()


async def test_the_mouse_works_too(db: Path) -> None:
    """Tabs and rows answer clicks: a click on a tab shows it, a double click opens a row."""
    app = IamApp(db, keys_dir=db.parent / "keys")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_alice(pilot)
        await pilot.click("#--content-tab-groups")
        await pilot.pause()
        assert screen.query_one("TabbedContent").active == "groups"
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("enter")  # Auditors, the first group offered
        await settle(pilot)
        await pilot.click("#groups ResourceTable", offset=(2, 1), times=2)
        await settle(pilot)
        assert type(app.screen).__name__ == "GroupDetailScreen"
        assert app.screen.group_name == "Auditors"


async def test_activity_shows_events_of_and_for_the_user(db: Path) -> None:
    """The Activity tab lists what was done to alice (root's CreateUser, her new key)
    as well as what she did (her sign-in), newest first, each with who did it."""
    svc = open_service(db)
    root = svc.root_principal()
    svc.create_login_profile(root, "alice", OPERATOR_PASSWORD)
    svc.sign_in(ACCOUNT_ID, "alice", OPERATOR_PASSWORD)
    svc.create_group(root, "Others")  # about neither: not listed
    svc.close()
    app = IamApp(db, keys_dir=db.parent / "keys")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_alice(pilot)
        rows = [(event, who, result) for _, event, who, result in pane_rows(screen, "activity")]
    assert rows[-3:] == [("ConsoleLogin", "alice", "Success"),
                         ("CreateLoginProfile", "root", "Success"),
                         ("CreateUser", "root", "Success")]
    assert all(event != "CreateGroup" for event, _, _ in rows)


async def set_password_with_reset(pilot: Pilot) -> None:
    """p on the Security credentials tab, the password twice, the reset left ticked."""
    for _ in range(3):
        await pilot.press("right_square_bracket")
    await pilot.pause()
    await pilot.press("p")
    assert isinstance(pilot.app.screen, FormModal)
    await type_text(pilot, OPERATOR_PASSWORD)
    await pilot.press("enter")
    await type_text(pilot, OPERATOR_PASSWORD)
    await pilot.press("enter")
    await settle(pilot)


async def test_a_required_reset_attaches_iam_user_change_password(db: Path) -> None:
    """Issue 12, item 3: with "Require a new password at the next sign-in" ticked and no
    policy letting alice change her password, the form attaches the AWS managed policy
    IAMUserChangePassword, as AWS's console does (IAM User Guide, "Permit IAM users to
    change their own passwords"; "Manage passwords for IAM users"), audited as
    AttachUserPolicy; her first sign-in then sets a new password instead of ending at
    "not allowed to change your own password"."""
    app = IamApp(db, keys_dir=db.parent / "keys")
    async with app.run_test(size=SIZE) as pilot:
        await open_alice(pilot)
        await set_password_with_reset(pilot)
        assert not isinstance(app.screen, FormModal)
        assert "Attached IAMUserChangePassword to alice" in toasts(app)[-1][1]
    svc = open_service(db)
    root = svc.root_principal()
    assert [p.policy_name for p in svc.list_attached_policies(root, "user", "alice")] == [
        "IAMUserChangePassword"]
    assert "AttachUserPolicy" in [e["eventName"] for e in svc.audit.page(0, 5)]
    assert svc.sign_in(ACCOUNT_ID, "alice", OPERATOR_PASSWORD,
                       new_password="N3w!Passw0rd#x").name == "alice"
    svc.close()


async def test_a_required_reset_warns_when_the_policy_cannot_be_attached(db: Path) -> None:
    """Issue 12, item 3, the other way: an operator who may set passwords but not attach
    policies gets the password set and a warning that alice cannot change it unless the
    account or a policy lets her (the operator may not learn which: the refusal comes
    before that check, see tests/test_service_passwords.py)."""
    svc = open_service(db)
    root = svc.root_principal()
    svc.create_user(root, "operator")
    svc.create_login_profile(root, "operator", OPERATOR_PASSWORD)
    svc.put_user_policy(root, "operator", "Passwords", json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["iam:List*", "iam:Get*",
                                                     "iam:CreateLoginProfile"],
                       "Resource": "*"}]}))
    svc.close()
    app = IamApp(db, keys_dir=db.parent / "keys")
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "operator", OPERATOR_PASSWORD)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("enter")  # alice, first by name
        await settle(pilot)
        assert isinstance(app.screen, UserDetailScreen) and app.screen.user_name == "alice"
        await set_password_with_reset(pilot)
        assert not isinstance(app.screen, FormModal)
        message = toasts(app)[-1][1]
        assert "Warning: alice must choose a new password" in message
        assert "IAMUserChangePassword could not be attached (AccessDenied)" in message
        assert "unless the account lets users change their own password" in message
    svc = open_service(db)
    assert svc.list_attached_policies(svc.root_principal(), "user", "alice") == []
    svc.close()


async def test_mfa_device_tags_from_the_security_credentials(db: Path) -> None:
    """l on an MFA device's row opens its tags (IAM API Reference, TagMFADevice,
    UntagMFADevice, ListMFADeviceTags): a adds one, d removes it, esc goes back."""
    from datetime import UTC, datetime

    from iamtui.model import Tag
    from iamtui.screens.user_detail import MfaDeviceTagsScreen
    from iamtui.security import mfa

    svc = open_service(db)
    root = svc.root_principal()
    new = svc.create_virtual_mfa_device(root, "alice-phone")
    step = mfa.time_step(datetime.now(UTC))
    serial = new.device.serial_number
    svc.enable_mfa_device(root, "alice", serial, mfa.code_at(new.base32_seed, step - 1),
                          mfa.code_at(new.base32_seed, step))
    svc.close()
    app = IamApp(db, keys_dir=db.parent / "keys")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_alice(pilot)
        for _ in range(3):  # Security credentials
            await pilot.press("right_square_bracket")
        await settle(pilot)
        assert [r[0] for r in pane_rows(screen, "credentials")] == ["Console password",
                                                                     "MFA device"]
        await pilot.press("down", "l")
        await settle(pilot)
        assert isinstance(app.screen, MfaDeviceTagsScreen)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, FormModal)
        await type_text(pilot, "team")
        await pilot.press("tab")
        await type_text(pilot, "blue")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, MfaDeviceTagsScreen)
        svc = open_service(db)
        assert svc.list_mfa_device_tags(svc.root_principal(), serial) == (Tag("team", "blue"),)
        svc.close()
        assert [r.cells for r in app.screen.query_one(ResourceTable).rows] == [
            ("team", "blue")]
        await pilot.press("d")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("shift+tab", "enter")
        await settle(pilot)
        svc = open_service(db)
        assert svc.list_mfa_device_tags(svc.root_principal(), serial) == ()
        svc.close()
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
