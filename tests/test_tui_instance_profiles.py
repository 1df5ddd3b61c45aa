"""A role's Instance profiles tab: listed, created for the role, added to and removed from,
from the keyboard, and its snapshot at 80x24; deleting a service-linked role from the table.

Semantics from the IAM User Guide, "Use instance profiles" (the console creates an
instance profile named as the role, holding it; a profile holds one role, a role may be in
several profiles)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from helpers import ACCOUNT_ID, FakeClock
from textual.pilot import Pilot
from tui_helpers import new_store, settle, sign_in, wait_for_workers

import iamtui.screens.widgets.status_line as status_line
from iamtui.app import IamApp
from iamtui.screens.modals import ConfirmModal, FormModal
from iamtui.screens.role_detail import RoleDetailScreen
from iamtui.screens.widgets.picker import PickerModal
from iamtui.screens.widgets.resource_table import ResourceTable
from iamtui.service import IamService

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
    "Action": "sts:AssumeRole"}]})


def seed(tmp_path: Path, **kwargs: Any) -> Path:
    """Roles Builder and Other; an empty profile `spare`, and `taken` holding Other."""
    svc = new_store(tmp_path, **kwargs)
    root = svc.root_principal()
    svc.create_role(root, "Builder", TRUST)
    svc.create_role(root, "Other", TRUST)
    svc.create_instance_profile(root, "spare", path="/ci/")
    svc.create_instance_profile(root, "taken")
    svc.add_role_to_instance_profile(root, "taken", "Other")
    svc.close()
    return tmp_path / "db.json"


async def open_builder(pilot: Pilot) -> RoleDetailScreen:
    await sign_in(pilot)
    await pilot.press("4")
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, RoleDetailScreen) and screen.role_name == "Builder"
    screen.show_tab("instance-profiles")
    await pilot.pause()
    return screen


def listed(screen: RoleDetailScreen) -> list[tuple[str, ...]]:
    pane = screen.query_one("#instance-profiles")
    return [r.cells for r in pane.query_one(ResourceTable).rows]


async def test_create_add_and_remove_from_the_roles_tab(tmp_path: Path) -> None:
    db = seed(tmp_path)
    app = IamApp(db, keys_dir=tmp_path / "keys")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_builder(pilot)
        assert listed(screen) == []
        await pilot.press("n")  # the console's way: a profile named as the role
        await pilot.pause()
        assert isinstance(app.screen, FormModal)
        await pilot.press("enter", "enter")  # name (the role's), path (/): create
        await settle(pilot)
        assert app.screen is screen
        assert [r[0] for r in listed(screen)] == ["Builder"]
        await pilot.press("a")  # only profiles without a role are offered
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, PickerModal)
        assert [r.key for r in picker.rows] == ["spare"]
        await pilot.press("enter")
        await settle(pilot)
        assert [(r[0], r[1]) for r in listed(screen)] == [("Builder", "/"), ("spare", "/ci/")]
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("shift+tab", "enter")
        await settle(pilot)
        assert [r[0] for r in listed(screen)] == ["spare"]
    svc = IamService.open(db, keys_dir=tmp_path / "keys")
    try:
        root = svc.root_principal()
        assert svc.get_instance_profile(root, "Builder").roles == ()
        assert [r.role_name for r in svc.get_instance_profile(root, "spare").roles] == [
            "Builder"]
        events = [e["eventName"] for e in svc.audit.page(0, 4)][::-1]
        assert events == ["CreateInstanceProfile", "AddRoleToInstanceProfile",
                          "AddRoleToInstanceProfile", "RemoveRoleFromInstanceProfile"]
        assert f"arn:aws:iam::{ACCOUNT_ID}:instance-profile/Builder" == \
            svc.get_instance_profile(root, "Builder").profile.arn
    finally:
        svc.close()


def test_instance_profiles_tab_at_80x24(tmp_path: Path, monkeypatch: Any,
                                        snap_compare: Any) -> None:
    """The tab's rows, hint and keys (n, a, d) whole at 80x24."""
    from datetime import UTC, datetime

    clock = FakeClock(datetime(2026, 8, 1, 12, 0, tzinfo=UTC))
    db = seed(tmp_path, clock=clock)
    svc = IamService.open(db, keys_dir=tmp_path / "keys", clock=clock)
    svc.add_role_to_instance_profile(svc.root_principal(), "spare", "Builder")
    svc.close()
    real_status = status_line.status_text
    monkeypatch.setattr(status_line, "status_text",
                        lambda *args: real_status(*args).replace(str(tmp_path), "/srv/iamtui"))
    app = IamApp(db, keys_dir=tmp_path / "keys", clock=clock)

    async def tab(pilot: Pilot) -> None:
        await open_builder(pilot)
        await wait_for_workers(pilot.app)
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=tab)


def with_config_role(tmp_path: Path) -> Path:
    """`seed`, and AWS Config's service-linked role (the Roles table's first row)."""
    db = seed(tmp_path)
    svc = IamService.open(db, keys_dir=tmp_path / "keys")
    svc.create_service_linked_role(svc.root_principal(), "config.amazonaws.com")
    svc.close()
    return db


async def roles_section(pilot: Pilot) -> None:
    await sign_in(pilot)
    await pilot.press("4")
    await settle(pilot)


async def test_deleting_a_service_linked_role_runs_its_deletion_task(tmp_path: Path) -> None:
    """`d` on a service-linked role does what the console does: DeleteServiceLinkedRole
    (DeleteRole would answer UnmodifiableEntity), then reports the task's status (IAM User
    Guide, "Using service-linked roles": deleting a service-linked role)."""
    db = with_config_role(tmp_path)
    app = IamApp(db, keys_dir=tmp_path / "keys")
    async with app.run_test(size=(100, 30)) as pilot:
        await roles_section(pilot)
        await pilot.press("d")  # the first row: AWSServiceRoleForConfig
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("shift+tab", "enter")
        await settle(pilot)
    svc = IamService.open(db, keys_dir=tmp_path / "keys")
    try:
        root = svc.root_principal()
        assert [r.role_name for r in svc.list_roles(root)] == ["Builder", "Other"]
        assert svc.audit.page(0, 1)[0]["eventName"] == "DeleteServiceLinkedRole"
    finally:
        svc.close()


async def test_a_service_linked_roles_summary_says_so(tmp_path: Path) -> None:
    """The summary names the service that alone may change the role ("Using service-linked
    roles")."""
    db = with_config_role(tmp_path)
    app = IamApp(db, keys_dir=tmp_path / "keys")
    async with app.run_test(size=(100, 30)) as pilot:
        await roles_section(pilot)
        await pilot.press("enter")  # AWSServiceRoleForConfig
        await settle(pilot)
        summary = str(app.screen.query_one("#summary-body").render())
        assert "Service-linked role: only config.amazonaws.com may change" in summary
