"""A policy's versions side by side (issue 12): `c` on the Versions tab compares the
version under the cursor with the default, the differences highlighted, and `m` there
makes the right-hand version the default (SetDefaultPolicyVersion; IAM User Guide,
"Versioning IAM policies": a customer managed policy keeps up to five versions, one of
them the default, and setting the default changes nothing else)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from helpers import ACCOUNT_ID, ROOT_PASSWORD, FakeClock
from hypothesis import given
from hypothesis import strategies as st
from textual.pilot import Pilot
from textual.widgets import Static, TabbedContent
from tui_helpers import new_store, pin_store_folder, settle

from iamtui.app import IamApp
from iamtui.screens.policy_detail import PolicyDetailScreen
from iamtui.screens.policy_versions import PolicyVersionsDiffScreen, side_by_side
from iamtui.screens.widgets.resource_table import ResourceTable
from iamtui.service import IamService

REPORTS = f"arn:aws:iam::{ACCOUNT_ID}:policy/Reports"


def document(*actions: str, resource: str = "arn:aws:s3:::reports/*") -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": list(actions), "Resource": resource}]})


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """Reports with three versions; v3 (the default) reads and writes, on another bucket."""
    svc = new_store(tmp_path, clock=FakeClock(datetime(2026, 8, 1, 12, 0, tzinfo=UTC)))
    root = svc.root_principal()
    svc.create_policy(root, "Reports", document("s3:GetObject"))
    svc.create_policy_version(root, REPORTS, document("s3:GetObject", "s3:ListBucket"),
                              set_as_default=True)
    svc.create_policy_version(root, REPORTS, document("s3:GetObject", "s3:PutObject",
                                                      resource="arn:aws:s3:::archive/*"),
                              set_as_default=True)
    svc.close()
    return tmp_path / "db.json"


async def open_versions(pilot: Pilot) -> None:
    """Root, Policies, Reports, its Versions tab, the cursor on v1."""
    await pilot.press("ctrl+r", *ROOT_PASSWORD, "enter")
    await settle(pilot)
    await pilot.press("5")
    await settle(pilot)
    pilot.app.screen.query_one("#policies").query_one(ResourceTable).move_to(REPORTS)
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, PolicyDetailScreen)
    pilot.app.screen.query_one(TabbedContent).active = "versions"
    await settle(pilot)
    table = pilot.app.screen.query_one("#versions-pane").query_one(ResourceTable)
    assert table.move_to("v1")


async def compare_v1(pilot: Pilot) -> None:
    await open_versions(pilot)
    await pilot.press("c")
    await settle(pilot)


async def test_compare_with_the_default_then_make_it_the_default(db: Path) -> None:
    app = IamApp(db, keys_dir=db.parent / "keys")
    async with app.run_test(size=(140, 40)) as pilot:
        await compare_v1(pilot)
        screen = app.screen
        assert isinstance(screen, PolicyVersionsDiffScreen)
        assert screen.chosen == ["v3", "v1"]  # the default on the left, v1 on the right
        assert str(screen.query_one("#left-title", Static).render()) == "v3 (default)"
        tags = [line[2] for line in screen.lines]
        assert "replace" in tags or "delete" in tags  # s3:PutObject and archive are v3's
        assert any("archive" in (line[0] or "") and line[2] != "equal" for line in screen.lines)

        await pilot.press("left_square_bracket")  # the left one older: v2
        assert screen.chosen == ["v2", "v1"]
        assert any("s3:ListBucket" in (line[0] or "") and line[2] == "delete"
                   for line in screen.lines)

        await pilot.press("m")  # v1 becomes the default
        await settle(pilot)
        assert screen.default == "v1"
        assert str(screen.query_one("#right-title", Static).render()) == "v1 (default)"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, PolicyDetailScreen)
        assert "default version v1" in str(app.screen.query_one("#policy-summary").render())
    svc = IamService.open(db, keys_dir=db.parent / "keys")
    assert svc.get_policy(svc.root_principal(), REPORTS).default_version_id == "v1"
    svc.close()


def test_side_by_side_keeps_equal_lines_level() -> None:
    lines = side_by_side("a\nb\nc\nd", "a\nB\nc\nx\nd")
    assert lines == [("a", "a", "equal"), ("b", "B", "replace"), ("c", "c", "equal"),
                     (None, "x", "insert"), ("d", "d", "equal")]


@given(st.lists(st.sampled_from("abcde"), max_size=12),
       st.lists(st.sampled_from("abcde"), max_size=12))
def test_side_by_side_loses_no_line_of_either_side(left: list[str], right: list[str]) -> None:
    lines = side_by_side("\n".join(left), "\n".join(right))
    assert [x for x, _, _ in lines if x is not None] == left
    assert [y for _, y, _ in lines if y is not None] == right
    assert all((x == y) == (tag == "equal") for x, y, tag in lines)


def test_versions_diff_snapshot(db: Path, monkeypatch: pytest.MonkeyPatch,
                                snap_compare: Any) -> None:
    pin_store_folder(monkeypatch, db.parent)
    app = IamApp(db, keys_dir=db.parent / "keys")
    assert snap_compare(app, terminal_size=(80, 24), run_before=compare_v1)
