"""Bulk work on marked rows (issue 12, "Live and bulk"): `space` marks a row, `*` every
row shown; `d` deletes the marked ones and `b` adds them to a group or attaches or
detaches a managed policy, after one confirmation. Each entity is its own call,
authorized and audited on its own, so a refusal (an explicit deny, say) leaves the
others done and the summary names it.

AWS semantics: an explicit deny overrides any allow (IAM User Guide, "Policy evaluation
logic"); each DeleteUser, AddUserToGroup and AttachUserPolicy is one API call and one
CloudTrail event (IAM API Reference; "Logging IAM and AWS STS API calls with AWS
CloudTrail")."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from helpers import FakeClock
from textual.pilot import Pilot
from tui_helpers import new_store, pin_store_folder, settle, sign_in, type_text

from iamtui.app import IamApp
from iamtui.screens.bulk import BulkResultModal
from iamtui.screens.modals import ConfirmModal
from iamtui.screens.widgets.picker import PickerModal
from iamtui.screens.widgets.resource_table import ResourceTable
from iamtui.service import IamService

PASSWORD = "Op3rat0r!Passw0rd"
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
REPORTS = "arn:aws:iam::111122223333:policy/Reports"
DOCUMENT = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}
# everything in IAM, but carol may not be deleted
OPS_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
    {"Effect": "Deny", "Action": "iam:DeleteUser", "Resource": "arn:aws:iam::*:user/carol"}]})


def seeded(tmp_path: Path, clock: FakeClock | None = None) -> IamApp:
    """alice, bob, carol and dave, a Developers group, and ops, who may do anything in
    IAM but delete carol."""
    svc = new_store(tmp_path, **({"clock": clock} if clock else {}))
    root = svc.root_principal()
    for name in ("alice", "bob", "carol", "dave"):
        svc.create_user(root, name)
    svc.create_group(root, "Developers")
    svc.create_user(root, "ops")
    svc.create_login_profile(root, "ops", PASSWORD)
    svc.put_user_policy(root, "ops", "Operate", OPS_POLICY)
    svc.close()
    return IamApp(tmp_path / "db.json", keys_dir=tmp_path / "keys",
                  **({"clock": clock} if clock else {}))


async def users_as_ops(pilot: Pilot) -> ResourceTable:
    await sign_in(pilot, "ops", PASSWORD)
    await pilot.press("2")
    await settle(pilot)
    return pilot.app.screen.query_one("#users ResourceTable", ResourceTable)


async def mark_alice_bob_carol_then_delete(pilot: Pilot) -> None:
    table = await users_as_ops(pilot)
    await pilot.press("space", "space", "space")  # alice, bob, carol (space moves down)
    assert {k.rsplit("/", 1)[-1] for k in table.marked} == {"alice", "bob", "carol"}
    await pilot.press("d")
    await pilot.pause()


async def confirm_and_wait(pilot: Pilot) -> None:
    assert isinstance(pilot.app.screen, ConfirmModal)
    await pilot.click("#confirm")
    await settle(pilot)


async def test_bulk_delete_audits_each_user_and_names_the_refusal(tmp_path: Path) -> None:
    app = seeded(tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await mark_alice_bob_carol_then_delete(pilot)
        assert "Delete 3 marked users: alice, bob, carol?" in app.screen.question
        await confirm_and_wait(pilot)
        assert isinstance(app.screen, BulkResultModal)
        summary = str(app.screen.query_one("#bulk-summary").render())
        assert summary.startswith("2 deleted, 1 refused: AccessDenied")
        assert "carol" in str(app.screen.query_one(".dialog-error").render())
        await pilot.press("escape")
        await settle(pilot)
        table = app.screen.query_one("#users ResourceTable", ResourceTable)
        assert [r.cells[0] for r in table.rows] == ["carol", "dave", "ops"]
        assert [k.rsplit("/", 1)[-1] for k in table.marked] == ["carol"]  # left to retry
    svc = IamService.open(tmp_path / "db.json", keys_dir=tmp_path / "keys")
    records = list(svc.audit.lookup_events(event_name="DeleteUser"))
    svc.close()
    # one record per entity, each as ops: two allowed, carol's refused
    by_user = {r["requestParameters"]["userName"]: r for r in records}
    assert sorted(by_user) == ["alice", "bob", "carol"] and len(records) == 3
    assert by_user["carol"].get("errorCode") == "AccessDenied"
    assert all(r["userIdentity"]["userName"] == "ops" for r in records)


async def test_mark_all_shown_then_add_to_group_and_attach_and_detach(tmp_path: Path) -> None:
    app = seeded(tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        table = await users_as_ops(pilot)
        await pilot.press("slash")
        await type_text(pilot, "c")  # alice and carol (ops's password cell holds an "a")
        await pilot.press("enter", "asterisk")
        assert sorted(k.rsplit("/", 1)[-1] for k in table.marked) == ["alice", "carol"]

        await pilot.press("b")  # what to do: add to a group
        await pilot.pause()
        assert isinstance(app.screen, PickerModal)
        await type_text(pilot, "group")
        await pilot.press("enter")
        await pilot.pause()
        await type_text(pilot, "Developers")
        await pilot.press("enter")
        await pilot.pause()
        await confirm_and_wait(pilot)
        assert str(app.screen.query_one("#bulk-summary").render()) == "2 added"
        assert str(app.screen.query_one(".dialog-title").render()) == \
            "Add to a group (Developers): 2 marked users"
        await pilot.press("escape")
        await settle(pilot)
        assert not table.marked  # all done: nothing left marked

        await pilot.press("asterisk", "b")
        await pilot.pause()
        await type_text(pilot, "attach")
        await pilot.press("enter")
        await pilot.pause()
        await type_text(pilot, "ReadOnlyAccess")
        await pilot.press("enter")
        await pilot.pause()
        await confirm_and_wait(pilot)
        assert str(app.screen.query_one("#bulk-summary").render()) == "2 attached"
        await pilot.press("escape")
        await settle(pilot)

        await pilot.press("asterisk", "b")
        await pilot.pause()
        await type_text(pilot, "detach")
        await pilot.press("enter")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, PickerModal)
        assert [r.key for r in picker.rows] == [READ_ONLY]  # only what is attached
        await pilot.press("enter")
        await pilot.pause()
        await confirm_and_wait(pilot)
        assert str(app.screen.query_one("#bulk-summary").render()) == "2 detached"
    svc = IamService.open(tmp_path / "db.json", keys_dir=tmp_path / "keys")
    root = svc.root_principal()
    assert [u.user_name for u in svc.get_group(root, "Developers").users] == \
        ["alice", "carol"]
    for event in ("AddUserToGroup", "AttachUserPolicy", "DetachUserPolicy"):
        assert len(list(svc.audit.lookup_events(event_name=event))) == 2  # one per user
    assert svc.list_attached_policies(root, "user", "alice") == []
    svc.close()


@pytest.fixture
def snap_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> IamApp:
    """The seeded app with its clock and the store's folder pinned, for snapshots."""
    pin_store_folder(monkeypatch, tmp_path)
    return seeded(tmp_path, FakeClock(datetime(2026, 8, 1, 12, 0, tzinfo=UTC)))


def test_bulk_confirmation_snapshot(snap_app: IamApp, snap_compare: Any) -> None:
    assert snap_compare(snap_app, terminal_size=(80, 24),
                        run_before=mark_alice_bob_carol_then_delete)


def test_bulk_summary_snapshot(snap_app: IamApp, snap_compare: Any) -> None:
    async def run(pilot: Pilot) -> None:
        await mark_alice_bob_carol_then_delete(pilot)
        await confirm_and_wait(pilot)

    assert snap_compare(snap_app, terminal_size=(80, 24), run_before=run)


async def test_groups_take_a_policy_and_policies_delete_in_bulk(tmp_path: Path) -> None:
    """Groups attach a managed policy each (AttachGroupPolicy); an AWS managed policy
    cannot be deleted (it belongs to the account "aws": IAM User Guide, "AWS managed
    policies"), so deleting it with a customer managed one deletes only the latter."""
    app = seeded(tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await sign_in(pilot)  # as root
        other = IamService.open(tmp_path / "db.json", keys_dir=tmp_path / "keys")
        other.create_group(other.root_principal(), "Admins")  # with Developers: two
        other.create_policy(other.root_principal(), "Reports", json.dumps(DOCUMENT))
        other.close()
        await pilot.press("3")
        await settle(pilot)
        groups = app.screen.query_one("#groups ResourceTable", ResourceTable)
        await pilot.press("asterisk", "b")
        await pilot.pause()
        await type_text(pilot, "attach")
        await pilot.press("enter")
        await pilot.pause()
        await type_text(pilot, "ReadOnlyAccess")
        await pilot.press("enter")
        await pilot.pause()
        await confirm_and_wait(pilot)
        assert str(app.screen.query_one("#bulk-summary").render()) == "2 attached"
        await pilot.press("escape")
        await settle(pilot)
        assert all("ReadOnlyAccess" in row.cells[3] for row in groups.rows)

        await pilot.press("5")
        await settle(pilot)
        policies = app.screen.query_one("#policies ResourceTable", ResourceTable)
        for arn in (REPORTS, READ_ONLY):
            assert policies.move_to(arn)
            await pilot.press("space")
        await pilot.press("d")
        await pilot.pause()
        await confirm_and_wait(pilot)
        summary = str(app.screen.query_one("#bulk-summary").render())
        assert summary.startswith("1 deleted, 1 refused: ")
        await pilot.press("escape")
        await settle(pilot)
        assert not policies.move_to(REPORTS) and policies.move_to(READ_ONLY)
