"""The palette of a user without list rights does not flood the audit log (issue 12).

Every opening of the palette lists users, groups, roles and policies to offer them; a
user allowed none of it would leave four AccessDenied records per opening. The first
refusal is recorded (CloudTrail records denied calls too: IAM User Guide, "Logging IAM
and AWS STS API calls with AWS CloudTrail"); the same request is not made again in that
sign-in. (Not "until the store changes": each denial is itself a commit.)"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from textual.command import CommandList
from textual.pilot import Pilot
from tui_helpers import new_store, settle, sign_in

from iamtui.app import IamApp
from iamtui.service import IamService

PASSWORD = "V1ewer!Passw0rd#"


def denied_lists(db: Path) -> int:
    svc = IamService.open(db, keys_dir=db.parent / "keys")
    try:
        return sum(1 for r in svc.audit.lookup_events(event_name="ListUsers")
                   if r.get("errorCode") == "AccessDenied")
    finally:
        svc.close()


async def open_and_close_palette(pilot: Pilot) -> None:
    await pilot.press("ctrl+p")
    commands = pilot.app.screen.query_one(CommandList)
    deadline = time.monotonic() + 30
    while commands.option_count == 0:  # the sections are offered once gathering is done
        assert time.monotonic() < deadline
        await asyncio.sleep(0.05)
    await pilot.press("escape")
    await pilot.pause()


async def test_repeated_palette_searches_leave_one_denied_record(tmp_path: Path) -> None:
    svc = new_store(tmp_path)
    root = svc.root_principal()
    svc.create_user(root, "viewer")
    svc.create_login_profile(root, "viewer", PASSWORD)
    svc.close()
    db = tmp_path / "db.json"
    app = IamApp(db, keys_dir=tmp_path / "keys")
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(pilot, "viewer", PASSWORD)
        await settle(pilot)
        before = denied_lists(db)  # the dashboard's counts asked once
        for _ in range(3):
            await open_and_close_palette(pilot)
        assert denied_lists(db) == before + 1

        other = IamService.open(db, keys_dir=tmp_path / "keys")
        other.create_user(other.root_principal(), "newcomer")  # the store moved on
        other.close()
        await open_and_close_palette(pilot)
        await settle(pilot)
        assert denied_lists(db) == before + 1  # once per sign-in


async def test_a_section_refused_its_listing_does_not_ask_again_each_second(
        tmp_path: Path) -> None:
    """Following the store (a poll each second) must not turn one AccessDenied into one
    a second: the denial's own audit commit is not a change to follow."""
    svc = new_store(tmp_path)
    root = svc.root_principal()
    svc.create_user(root, "viewer")
    svc.create_login_profile(root, "viewer", PASSWORD)
    svc.close()
    db = tmp_path / "db.json"
    app = IamApp(db, keys_dir=tmp_path / "keys")
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(pilot, "viewer", PASSWORD)
        await pilot.press("2")
        await settle(pilot)
        refused = denied_lists(db)
        main = app.screen
        for _ in range(3):  # three ticks of the timer, each waited for
            main.poll_store()
            await settle(pilot)
        assert denied_lists(db) == refused
