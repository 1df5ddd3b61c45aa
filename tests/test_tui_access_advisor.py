"""The Access advisor tab (user, group, role and policy detail screens) and the dashboard's
check for permissions unused for 90 days.

AWS pages: IAM User Guide, "Refine permissions in AWS using last accessed information"
(the console's Access advisor / Last accessed tab lists the services the entity's
permissions allow and when each was last accessed, "Not accessed in the tracking period"
otherwise); IAM User Guide, "Understanding permissions granted by a policy" (the access
level words).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from helpers import ACCOUNT_ID, ROOT_PASSWORD, FakeClock
from textual.pilot import Pilot
from textual.widgets import OptionList
from tui_helpers import pin_store_folder, settle

from iamtui.app import IamApp
from iamtui.model import Tag
from iamtui.screens.group_detail import GroupDetailScreen
from iamtui.screens.policy_detail import PolicyDetailScreen
from iamtui.screens.role_detail import RoleDetailScreen
from iamtui.screens.user_detail import UserDetailScreen
from iamtui.screens.widgets.access_advisor import NOT_ACCESSED, AccessAdvisorPane
from iamtui.service import IamService, Principal

SEEDED = datetime(2026, 8, 1, 12, 0, tzinfo=UTC)
NOW = SEEDED + timedelta(days=100)
POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["iam:TagUser", "iam:GetUser"], "Resource": "*"},
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]})
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
    "Action": "sts:AssumeRole"}]})
READERS = f"arn:aws:iam::{ACCOUNT_ID}:policy/Readers"


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> IamApp:
    """alice (in Developers, which has Readers) used iam 3 days before NOW, never s3;
    bob, in no group and with no policy, allows nothing; Builder is a role with Readers."""
    clock = FakeClock(SEEDED)
    db = tmp_path / "db.json"
    svc = IamService.initialize(db, root_password=ROOT_PASSWORD, account_id=ACCOUNT_ID,
                                clock=clock, keys_dir=tmp_path / "keys")
    root = svc.root_principal()
    alice = svc.create_user(root, "alice")
    svc.create_user(root, "bob")
    svc.create_policy(root, "Readers", POLICY)
    svc.create_group(root, "Developers")
    svc.attach_group_policy(root, "Developers", READERS)
    svc.add_user_to_group(root, "Developers", "alice")
    svc.create_role(root, "Builder", TRUST)
    svc.attach_role_policy(root, "Builder", READERS)
    clock.now = NOW - timedelta(days=3)
    svc.tag_user(Principal.for_user(alice, ACCOUNT_ID), "alice", [Tag("team", "web")])
    svc.close()
    clock.now = NOW
    pin_store_folder(monkeypatch, tmp_path)
    return IamApp(db, keys_dir=tmp_path / "keys", clock=clock)


async def _sign_in(pilot: Pilot) -> None:
    for key in ("ctrl+r", *ROOT_PASSWORD, "enter"):
        await pilot.press(key)
    await settle(pilot)


def _rows(app: IamApp) -> list[tuple[str, ...]]:
    pane = app.screen.query_one(AccessAdvisorPane)
    return [r.cells for r in pane.table.rows]


async def _open_tab(pilot: Pilot, screen: Any) -> list[tuple[str, ...]]:
    await pilot.app.push_screen(screen)
    await settle(pilot)
    screen.show_tab("access-advisor")
    await settle(pilot)
    return _rows(pilot.app)


async def test_user_tab_lists_services_newest_use_first(app: IamApp) -> None:
    """alice's services through her group, the last use of iam (3 days ago) first, s3
    never accessed; access levels as the console words them."""
    async with app.run_test(size=(100, 30)) as pilot:
        await _sign_in(pilot)
        rows = await _open_tab(pilot, UserDetailScreen("alice"))
        assert rows == [
            ("AWS Identity and Access Management (IAM)", "Limited: Read, Tagging",
             "3 days ago"),
            ("Amazon S3", "Limited: Read", NOT_ACCESSED)]


async def test_one_pane_serves_group_role_and_policy(app: IamApp) -> None:
    """The same tab on the group (its members' uses count), the role (none yet) and the
    policy (every user and role it applies to); a user with no policy has no service."""
    async with app.run_test(size=(100, 30)) as pilot:
        await _sign_in(pilot)
        group = await _open_tab(pilot, GroupDetailScreen("Developers"))
        assert group[0][2] == "3 days ago"
        await pilot.press("escape")
        role = await _open_tab(pilot, RoleDetailScreen("Builder"))
        assert [r[2] for r in role] == [NOT_ACCESSED, NOT_ACCESSED]
        await pilot.press("escape")
        policy = await _open_tab(pilot, PolicyDetailScreen(READERS))
        assert [r[0] for r in policy] == ["AWS Identity and Access Management (IAM)",
                                          "Amazon S3"]
        assert policy[0][2] == "3 days ago"
        await pilot.press("escape")
        assert await _open_tab(pilot, UserDetailScreen("bob")) == []


async def test_dashboard_lists_principals_with_unused_permissions(app: IamApp) -> None:
    """The dashboard's check fails for alice (s3 unused) and the role Builder (nothing
    used), 100 days after they were made; bob allows nothing, so nothing is unused. Enter
    on a failing role opens it, as on a user."""
    async with app.run_test(size=(100, 30)) as pilot:
        await _sign_in(pilot)
        await pilot.press("1")
        await settle(pilot)
        checks = app.screen.query_one("#checks", OptionList)
        lines = [str(checks.get_option_at_index(i).prompt)
                 for i in range(checks.option_count)]
        assert "FAIL  No permissions unused for 90 days  (2 to fix)" in lines
        status = app.screen.query_one("Dashboard").status  # type: ignore[attr-defined]
        failing = status.check("unused-permissions").failing
        assert [(f.type, f.name) for f in failing] == [("Role", "Builder"), ("User", "alice")]
        checks.focus()
        checks.highlighted = [o.id for o in checks.options].index("unused-permissions")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("enter")  # the first failing entity: the role opens
        await settle(pilot)
        assert isinstance(app.screen, RoleDetailScreen) and app.screen.role_name == "Builder"


def test_access_advisor_tab_at_80x24(app: IamApp, snap_compare: Any) -> None:
    """alice's Access advisor tab at 80x24: the service names and last uses whole."""
    async def open_tab(pilot: Pilot) -> None:
        await _sign_in(pilot)
        await _open_tab(pilot, UserDetailScreen("alice"))
    assert snap_compare(app, terminal_size=(80, 24), run_before=open_tab)
