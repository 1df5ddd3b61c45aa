"""The audit log section from the keyboard: events newest first, filters (user, event
name, result, time range), the full record, and a verify that finds a tampered record.

CloudTrail User Guide, "Working with CloudTrail event history" (lookup attributes: user
name, event name; a time range); the chain check is iamtui's own (`AuditLog.verify`).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import ACCOUNT_ID, ROOT_PASSWORD, FakeClock
from textual.pilot import Pilot
from textual.widgets import Input, Static, TextArea
from tui_helpers import new_store, wait_for_workers

from iamtui.app import IamApp
from iamtui.audit import Identity, make_event
from iamtui.errors import EntityAlreadyExists
from iamtui.screens.audit_log import AuditSection, parse_time
from iamtui.screens.main import MainScreen
from iamtui.screens.widgets.lazy_table import PAGE, LazyTable
from iamtui.service import IamService

SIZE = (140, 40)


@pytest.fixture
def db(tmp_path: Path, clock: FakeClock) -> Path:
    path = tmp_path / "db.json"
    svc = new_store(tmp_path, clock=clock)
    root = svc.root_principal()
    svc.create_user(root, "alice")
    clock.advance(days=1)
    svc.create_user(root, "bob")
    with pytest.raises(EntityAlreadyExists):
        svc.create_user(root, "bob")
    svc.close()
    return path


def make_app(db: Path, clock: FakeClock) -> IamApp:
    return IamApp(db, keys_dir=db.parent / "keys", clock=clock)


async def open_audit(pilot: Pilot) -> AuditSection:
    for key in ("ctrl+r", *ROOT_PASSWORD, "enter"):
        await pilot.press(key)
    await wait_for_workers(pilot.app)
    await pilot.pause()
    assert isinstance(pilot.app.screen, MainScreen)
    await pilot.press("7")
    await wait_for_workers(pilot.app)
    await pilot.pause()
    return pilot.app.screen.query_one(AuditSection)


def events(section: AuditSection) -> list[tuple[str, ...]]:
    table = section.query_one(LazyTable)
    return [table.row(i) for i in range(table.count)]  # type: ignore[misc]


async def apply(pilot: Pilot, section: AuditSection, **values: str) -> None:
    for name, value in values.items():
        section.query_one(f"#f-{name}", Input).value = value
    section.query_one("#f-user", Input).focus()
    await pilot.press("enter")
    await wait_for_workers(pilot.app)
    await pilot.pause()


async def test_events_filters_and_detail(db: Path, clock: FakeClock) -> None:
    app = make_app(db, clock)
    async with app.run_test(size=SIZE) as pilot:
        section = await open_audit(pilot)
        rows = events(section)
        assert section.query_one(LazyTable).has_focus
        names = [r[2] for r in rows]
        # newest first: the sign-in, then the failed create, ..., the account's creation
        assert names[:2] == ["ConsoleLogin", "CreateUser"]
        assert rows[1][4] == "bob"
        failed = [r for r in rows if r[3].startswith("Failure")]
        assert [(r[2], r[4], r[3], r[5]) for r in failed] == [
            ("CreateUser", "bob", "Failure", "EntityAlreadyExists")]
        await apply(pilot, section, event="CreateUser")
        assert [(r[4], r[3].split()[0]) for r in events(section)] == [
            ("bob", "Failure"), ("bob", "Success"), ("alice", "Success")]
        await apply(pilot, section, result="failure")
        assert [r[4] for r in events(section)] == ["bob"]
        detail = json.loads(section.query_one("#audit-detail", TextArea).text)
        assert detail["errorCode"] == "EntityAlreadyExists"
        assert detail["requestParameters"]["userName"] == "bob"
        # the time range: only the first day (alice)
        day = clock.now.date().isoformat()
        first_day = (clock.now.date().fromordinal(clock.now.date().toordinal() - 1)).isoformat()
        await apply(pilot, section, result="", start=first_day, end=first_day)
        assert [r[4] for r in events(section)] == ["alice"]
        await apply(pilot, section, start=day, end="")
        assert "alice" not in [r[4] for r in events(section)]
        section.query_one(LazyTable).focus()
        await pilot.press("escape")  # clears every filter
        await wait_for_workers(pilot.app)
        await pilot.pause()
        assert events(section) == rows


async def test_verify_points_at_a_tampered_record(db: Path, clock: FakeClock) -> None:
    log_path = IamService.open(db, keys_dir=db.parent / "keys").audit.path
    lines = log_path.read_bytes().splitlines(keepends=True)
    target = next(i for i, line in enumerate(lines) if b'"userName":"alice"' in line)
    lines[target] = lines[target].replace(b'"userName":"alice"', b'"userName":"mallory"')
    log_path.write_bytes(b"".join(lines))
    app = make_app(db, clock)
    async with app.run_test(size=SIZE) as pilot:
        section = await open_audit(pilot)
        await pilot.press("v")
        await wait_for_workers(pilot.app)
        await pilot.pause()
        await wait_for_workers(pilot.app)  # the reload verify asked for
        await pilot.pause()
        status = str(section.query_one("#audit-status", Static).render())
        assert "tampered" in status and f"line {target + 1}" in status
        table = section.query_one(LazyTable)
        assert table.row(table.cursor)[4] == "mallory"  # type: ignore[index]


async def test_intact_log_verifies(db: Path, clock: FakeClock) -> None:
    app = make_app(db, clock)
    async with app.run_test(size=SIZE) as pilot:
        section = await open_audit(pilot)
        await pilot.press("v")
        await wait_for_workers(pilot.app)
        await pilot.pause()
        assert "intact" in str(section.query_one("#audit-status", Static).render())


async def test_many_events_load_a_page_at_a_time(db: Path, clock: FakeClock,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    svc = IamService.open(db, keys_dir=db.parent / "keys", clock=clock)
    with svc.store.transaction():  # the events join it: one commit, then one append
        for i in range(3 * PAGE):
            svc._append_audit(make_event("GetUser", identity=Identity.root(ACCOUNT_ID),
                                         request_parameters={"userName": f"u{i}"},
                                         read_only=True, now=clock))
    svc.trail.flush("GetUser")
    svc.close()
    from iamtui.audit import AuditLog

    calls: list[tuple[int, int]] = []
    real_page = AuditLog.page

    def counting(self: AuditLog, offset: int, limit: int, *args: object,
                 **kwargs: object) -> list:
        calls.append((offset, limit))
        return real_page(self, offset, limit, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(AuditLog, "page", counting)
    app = make_app(db, clock)
    async with app.run_test(size=SIZE) as pilot:
        section = await open_audit(pilot)
        table = section.query_one(LazyTable)
        assert table.count > 3 * PAGE
        assert {offset for offset, _ in calls} == {0}  # only the first page was read
        await pilot.press("end")
        await pilot.pause()
        assert max(offset for offset, _ in calls) == (table.count - 1) // PAGE * PAGE
        visible = {i // PAGE * PAGE for i in range(table.count - table.size.height,
                                                    table.count)}
        assert {offset for offset, _ in calls} == {0} | visible  # nothing in between


def test_parse_time() -> None:
    assert parse_time("") is None
    assert parse_time("2026-11-28", end=True).isoformat() == "2026-11-28T23:59:59+00:00"
    assert parse_time("2026-11-28T10:00").isoformat() == "2026-11-28T10:00:00+00:00"


def screen_text(pilot: Pilot) -> list[str]:
    """The screen as lines of text."""
    return [strip.text for strip in pilot.app.screen._compositor.render_strips()]


async def test_filters_read_as_filters_apart_from_the_header(db: Path, clock: FakeClock) -> None:
    app = make_app(db, clock)
    async with app.run_test(size=(200, 50)) as pilot:
        section = await open_audit(pilot)
        filters, table = section.query_one("#audit-filters"), section.query_one(LazyTable)
        lines = screen_text(pilot)
        row = lines[filters.region.y]
        assert row[filters.region.x:].lstrip().startswith("Filter:")
        assert lines[filters.region.y + 1][filters.region.x:].strip() == ""  # a gap
        assert table.region.y == filters.region.y + 2
        assert lines[table.region.y][table.region.x:].startswith("Time")
        # short fields, not spread across the width like the table's columns below
        assert max(field.region.right for field in filters.query(Input)) - table.region.x < 100


async def test_target_and_result_in_view_at_80_columns(db: Path, clock: FakeClock) -> None:
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        section = await open_audit(pilot)
        table = section.query_one(LazyTable)
        failed = next(i for i in range(table.count)
                      if table.row(i)[3].startswith("Failure"))  # type: ignore[index]
        table.cursor = failed
        await pilot.pause()
        detail = section.query_one("#audit-detail", TextArea)
        top = screen_text(pilot)[detail.region.y]
        assert "CreateUser → bob · Failure (EntityAlreadyExists)" in top
        # issue 12: the Result column reads whole at 80 columns, beside time, who, event
        header = screen_text(pilot)[table.region.y]
        columns = header.split("│", 1)[1].split()
        assert columns[:4] == ["Time", "Who", "Event", "Result"], header
        assert table.size.height >= 7  # the gap above the table left it its rows
