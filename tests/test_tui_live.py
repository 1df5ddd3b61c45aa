"""The open section follows changes made elsewhere (issue 12, "Live and bulk"): another
process (the CLI, a second app) writes the store; the table shows it within about a
second, without `r`, and keeps its cursor and filter."""

from __future__ import annotations

from pathlib import Path

from tui_helpers import new_store, settle, sign_in, wait_until

from iamtui.app import IamApp
from iamtui.screens.audit_log import AuditSection
from iamtui.screens.widgets.resource_table import ResourceTable
from iamtui.service import IamService


def names(table: ResourceTable) -> list[str]:
    return [row.cells[0] for row in table.rows]


async def test_users_follow_another_process_keeping_cursor_and_filter(tmp_path: Path) -> None:
    seed = new_store(tmp_path)
    root = seed.root_principal()
    for name in ("alice", "bob", "carol"):
        seed.create_user(root, name)
    seed.close()
    app = IamApp(tmp_path / "db.json", keys_dir=tmp_path / "keys")
    async with app.run_test(size=(120, 30)) as pilot:
        await sign_in(pilot)
        await pilot.press("2")
        await settle(pilot)
        table = app.screen.query_one("#users ResourceTable", ResourceTable)
        await pilot.press("down")  # the cursor on bob
        assert table.current_key is not None and table.current_key.endswith("/bob")

        other = IamService.open(tmp_path / "db.json", keys_dir=tmp_path / "keys")
        try:
            other.create_user(other.root_principal(), "aaron")  # sorts before bob
            await wait_until(pilot, lambda: "aaron" in names(table), ceiling=30.0)
            assert table.current_key.endswith("/bob")  # the same user, not the same row

            await pilot.press("slash", "a")  # filter "a": alice, aaron, carol
            await pilot.press("enter")
            other.delete_user(other.root_principal(), "alice")
            await wait_until(pilot, lambda: "alice" not in names(table), ceiling=30.0)
            assert sorted(names(table)) == ["aaron", "carol"]  # the filter still applies
        finally:
            other.close()


async def test_the_audit_log_follows_new_events_keeping_its_event(tmp_path: Path) -> None:
    seed = new_store(tmp_path)
    root = seed.root_principal()
    for name in ("alice", "bob", "carol"):
        seed.create_user(root, name)
    seed.close()
    app = IamApp(tmp_path / "db.json", keys_dir=tmp_path / "keys")
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(pilot)
        await pilot.press("7")
        await settle(pilot)
        section = app.screen.query_one(AuditSection)
        table = section.table
        await pilot.press("down")  # the second newest event
        await settle(pilot)
        count, cursor = table.count, table.cursor
        event_id = section.records[cursor]["eventID"]

        other = IamService.open(tmp_path / "db.json", keys_dir=tmp_path / "keys")
        try:
            other.create_user(other.root_principal(), "dave")
        finally:
            other.close()
        await wait_until(pilot, lambda: table.count > count, ceiling=30.0)
        assert section.records[table.cursor]["eventID"] == event_id  # the same event
        assert table.cursor == cursor + (table.count - count)


def app_with_alice(tmp_path: Path) -> IamApp:
    """The app on a new store that holds one user, alice."""
    seed = new_store(tmp_path)
    seed.create_user(seed.root_principal(), "alice")
    seed.close()
    return IamApp(tmp_path / "db.json", keys_dir=tmp_path / "keys")


async def test_a_revision_read_late_is_ignored_once_the_sections_are_gone(tmp_path: Path) -> None:
    """The revision is read in a thread; it may arrive while the app closes and removes the
    sections (a CI failure: NoMatches for '#roles'). Following it then does nothing."""
    app = app_with_alice(tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await sign_in(pilot)
        await pilot.press("3")  # groups in view
        await settle(pilot)
        main = app.screen
        await main.query_one("#groups").remove()  # as at shutdown: the section is gone
        main._follow(10_000)  # a revision the section never loaded; must not raise


async def test_a_revision_read_late_does_not_reload_a_covered_section(tmp_path: Path) -> None:
    """A detail screen opened while the revision was read covers the section: the section
    reloads when uncovered, not behind the detail screen."""
    app = app_with_alice(tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await sign_in(pilot)
        await pilot.press("2")
        await settle(pilot)
        main = app.screen
        section = main.query_one("#users")
        loaded = section.loaded_revision
        await pilot.press("enter")  # alice's detail screen covers the users
        await settle(pilot)
        assert app.screen is not main
        other = IamService.open(tmp_path / "db.json", keys_dir=tmp_path / "keys")
        try:
            other.create_user(other.root_principal(), "bob")
            revision = other.revision
        finally:
            other.close()
        main._follow(revision)
        await settle(pilot)
        assert section.loaded_revision == loaded  # not reloaded behind the detail screen
        await pilot.press("escape")
        await wait_until(pilot, lambda: section.loaded_revision == revision, ceiling=30.0)
