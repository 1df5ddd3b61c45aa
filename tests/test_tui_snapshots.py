"""Snapshots of the TUI (pytest-textual-snapshot): the sign-in screen asking for an MFA
code, the users table, a user's detail, and the policy editor showing findings.
`pytest --snapshot-update` rewrites them; review the SVGs under tests/__snapshots__/
before committing.

Everything that varies between runs is pinned: the store's clock (so dates and ages
are fixed), the temporary directory in the status line, and the text cursor's blink.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from helpers import ACCOUNT_ID, ROOT_PASSWORD, FakeClock
from textual.pilot import Pilot
from textual.widgets import Input, TextArea
from tui_helpers import pin_store_folder, wait_for_workers

from iamtui.app import IamApp
from iamtui.screens.policy_editor import PolicyEditorScreen
from iamtui.service import IamService

SEEDED = datetime(2026, 8, 1, 12, 0, tzinfo=UTC)
NOW = SEEDED + timedelta(days=119)
SIZE = (130, 32)
PASSWORD = "Alic3!Passw0rd#"
INLINE = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]})
WITH_FINDINGS = """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": "iam:PassRole",
      "Resource": "*"
    },
    {
      "Effect": "Allow",
      "Action": "s3:GetObject",
      "Resource": "reports/*"
    }
  ]
}"""


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> IamApp:
    """An app over a seeded store, its clock fixed at NOW, the rest pinned."""
    clock = FakeClock(SEEDED)
    db = tmp_path / "db.json"
    svc = IamService.initialize(db, root_password=ROOT_PASSWORD, account_id=ACCOUNT_ID,
                                alias="example", clock=clock, keys_dir=tmp_path / "keys")
    root = svc.root_principal()
    for name in ("alice", "bob", "carol", "dave"):
        svc.create_user(root, name)
    svc.create_group(root, "Developers")
    svc.create_group(root, "Admins")
    svc.attach_group_policy(root, "Developers", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
    for user, group in (("alice", "Developers"), ("alice", "Admins"), ("bob", "Developers")):
        svc.add_user_to_group(root, group, user)
    svc.create_login_profile(root, "alice", PASSWORD)
    svc.create_login_profile(root, "carol", PASSWORD)
    svc.create_access_key(root, "alice")
    clock.advance(days=30)
    svc.create_access_key(root, "bob")
    svc.attach_user_policy(root, "alice", "arn:aws:iam::aws:policy/ReadOnlyAccess")
    svc.put_user_policy(root, "alice", "ReadReports", INLINE)
    svc.put_user_permissions_boundary(root, "alice", "arn:aws:iam::aws:policy/PowerUserAccess")
    svc.close()
    clock.now = NOW
    pin_store_folder(monkeypatch, tmp_path)
    return IamApp(db, keys_dir=tmp_path / "keys", clock=clock)


async def _sign_in(pilot: Pilot) -> None:
    for key in ("ctrl+r", *ROOT_PASSWORD, "enter"):
        await pilot.press(key)
    await wait_for_workers(pilot.app)
    await pilot.pause()


async def _users(pilot: Pilot) -> None:
    await _sign_in(pilot)
    await pilot.press("2")
    await wait_for_workers(pilot.app)
    await pilot.pause()


def test_users_table(app: IamApp, snap_compare: Any) -> None:
    assert snap_compare(app, terminal_size=SIZE, run_before=_users)


def test_user_detail_permissions(app: IamApp, snap_compare: Any) -> None:
    async def open_alice(pilot: Pilot) -> None:
        await _users(pilot)
        await pilot.press("enter", "right_square_bracket")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=open_alice)


def test_policy_editor_with_findings(app: IamApp, snap_compare: Any) -> None:
    async def edit(pilot: Pilot) -> None:
        await _sign_in(pilot)
        await pilot.press("5")
        await wait_for_workers(pilot.app)
        await pilot.press("n", *"ReadReports", "enter", "enter", "enter")
        await pilot.pause()
        editor = pilot.app.screen
        assert isinstance(editor, PolicyEditorScreen)
        editor.editor.cursor_blink = False
        editor.editor.load_text(WITH_FINDINGS)
        await pilot.pause(0.3)
        await wait_for_workers(pilot.app)
        await pilot.pause()
        assert [f.issue_code for f in editor.findings] == [
            "INVALID_ARN_PREFIX", "PASS_ROLE_WITH_STAR_IN_RESOURCE"]

    assert snap_compare(app, terminal_size=SIZE, run_before=edit)


@pytest.fixture
def mfa_app(tmp_path: Path) -> IamApp:
    """A store where alice has a console password and an enabled virtual MFA device."""
    from iamtui.security import mfa

    clock = FakeClock(NOW)
    db = tmp_path / "db.json"
    svc = IamService.initialize(db, root_password=ROOT_PASSWORD, account_id=ACCOUNT_ID,
                                alias="example", clock=clock, keys_dir=tmp_path / "keys")
    root = svc.root_principal()
    svc.create_user(root, "alice")
    svc.create_login_profile(root, "alice", PASSWORD)
    new = svc.create_virtual_mfa_device(root, "alice-phone")
    step = mfa.time_step(clock())
    svc.enable_mfa_device(root, "alice", new.device.serial_number,
                          mfa.code_at(new.base32_seed, step - 1),
                          mfa.code_at(new.base32_seed, step))
    svc.close()
    return IamApp(db, keys_dir=tmp_path / "keys", clock=clock)


def test_sign_in_asks_for_the_mfa_code(mfa_app: IamApp, snap_compare: Any) -> None:
    """After a right password, a user with MFA is asked for the code on the same screen."""
    async def password(pilot: Pilot) -> None:
        for key in (*"alice", "enter", *PASSWORD, "enter"):
            await pilot.press(key)
        await wait_for_workers(pilot.app)
        await pilot.pause()
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False
        assert pilot.app.screen.query_one("#totp", Input).has_focus

    assert snap_compare(mfa_app, terminal_size=(80, 24), run_before=password)


# ---------------------------------------------------------------- at 80x24 (issue 12)

SMALL = (80, 24)


def _no_blink(pilot: Pilot) -> None:
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False


def test_users_sorted_by_groups_at_80x24(app: IamApp, snap_compare: Any) -> None:
    """The footer's actions whole (`e Edit`, `? Keys`), the sort arrow in the header, the
    Groups column sorted by the groups' names."""
    async def sorted_by_groups(pilot: Pilot) -> None:
        await _users(pilot)
        await pilot.press("s", "s", "s")  # User name, Path, Groups
        await pilot.pause()

    assert snap_compare(app, terminal_size=SMALL, run_before=sorted_by_groups)


def test_policies_names_whole_at_80x24(app: IamApp, snap_compare: Any) -> None:
    async def policies(pilot: Pilot) -> None:
        await _sign_in(pilot)
        await pilot.press("5")
        await wait_for_workers(pilot.app)
        await pilot.pause()

    assert snap_compare(app, terminal_size=SMALL, run_before=policies)


def test_audit_log_result_at_80x24(app: IamApp, snap_compare: Any) -> None:
    async def audit(pilot: Pilot) -> None:
        await _sign_in(pilot)
        await pilot.press("7")
        await wait_for_workers(pilot.app)
        await pilot.pause()
        detail = pilot.app.screen.query_one("#audit-detail", TextArea)
        detail.cursor_blink = False
        # event and request IDs are random: pinned, as the clock is
        detail.load_text(re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
                                "00000000-0000-4000-8000-000000000000", detail.text))
        _no_blink(pilot)
        await pilot.pause()

    assert snap_compare(app, terminal_size=SMALL, run_before=audit)


def test_tester_explanation_whole_at_80x24(app: IamApp, snap_compare: Any) -> None:
    async def tester(pilot: Pilot) -> None:
        await _sign_in(pilot)
        await pilot.press("6")
        await pilot.pause()
        await pilot.press("f2", *"alice", "enter")
        await pilot.pause()
        await pilot.press(*"s3:GetObject", "enter")
        await wait_for_workers(pilot.app)
        await pilot.pause()
        _no_blink(pilot)

    assert snap_compare(app, terminal_size=SMALL, run_before=tester)


def test_settings_changes_marked_at_80x24(app: IamApp, snap_compare: Any) -> None:
    async def settings(pilot: Pilot) -> None:
        await _sign_in(pilot)
        await pilot.press("8")
        await pilot.pause()
        await pilot.press("enter", "1", "2", "escape")
        await pilot.pause()
        _no_blink(pilot)

    assert snap_compare(app, terminal_size=SMALL, run_before=settings)


def test_first_run_error_keeps_the_button_at_80x24(tmp_path: Path,
                                                     snap_compare: Any) -> None:
    app = IamApp(tmp_path / "db.json", keys_dir=tmp_path / "keys")

    async def weak(pilot: Pilot) -> None:
        await pilot.press(*ACCOUNT_ID, "enter", "enter", *"short", "enter", *"short", "enter")
        await wait_for_workers(pilot.app)
        await pilot.pause()
        _no_blink(pilot)
        box = pilot.app.screen.query_one("#first-run")
        box.border_subtitle = "new store: /srv/iamtui/db.json"  # not the temporary path
        await pilot.pause()

    assert snap_compare(app, terminal_size=SMALL, run_before=weak)
