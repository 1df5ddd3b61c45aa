"""The resource table fits its columns to the screen: whole cells when there is room,
short columns kept whole and long text narrowed when there is not."""

from __future__ import annotations

from textual import on
from textual.app import App, ComposeResult

from iamtui.screens.widgets.lazy_table import LazyTable
from iamtui.screens.widgets.resource_table import MIN_TEXT_WIDTH, Column, ResourceTable, Row

COLUMNS = (Column("name", "Policy name", 30), Column("decision", "Decision", 14),
           Column("description", "Description", 40))
ROWS = [Row("a", ("AWSElasticLoadBalancingServiceRolePolicy", "explicitDeny",
                  "Allows Elastic Load Balancing to call AWS services on your behalf")),
        Row("b", ("ReadOnly", "allowed", "Reads"))]


class TableApp(App[None]):
    def compose(self) -> ComposeResult:
        yield ResourceTable(COLUMNS)

    def on_mount(self) -> None:
        self.query_one(ResourceTable).set_rows(ROWS)


async def widths_at(width: int) -> list[int]:
    app = TableApp()
    async with app.run_test(size=(width, 10)) as pilot:
        await pilot.pause()
        return list(app.query_one(ResourceTable).widths)


async def test_a_wide_screen_shows_every_cell_whole_past_the_columns_caps() -> None:
    assert await widths_at(160) == [len(ROWS[0].cells[0]), len("explicitDeny"),
                                    len(ROWS[0].cells[2])]


async def test_a_narrow_screen_keeps_short_columns_whole_and_narrows_long_text() -> None:
    name, decision, description = await widths_at(60)
    assert decision == len("explicitDeny")
    assert MIN_TEXT_WIDTH <= name < 30 and MIN_TEXT_WIDTH <= description < 40
    assert name + decision + description + 2 * 2 <= 60


async def test_between_the_two_the_room_left_goes_back_to_cut_columns() -> None:
    name, decision, description = await widths_at(100)
    assert decision == len("explicitDeny")
    assert name > 30 and description > 40  # past their caps, sharing what is left
    assert name + decision + description + 2 * 2 == 100


async def test_after_a_filter_that_matches_nothing_the_cursor_comes_back_to_its_row() -> None:
    app = TableApp()
    async with app.run_test(size=(100, 10)) as pilot:
        await pilot.pause()
        table = app.query_one(ResourceTable)
        table.move_to("b")
        table.set_filter("no such text")
        assert table.current_key is None
        table.set_filter("")
        await pilot.pause()
        assert table.current_key == "b"


async def test_table_messages_route_to_the_handler_of_their_tables_id() -> None:
    """Each table message carries `control` (the table that sent it), so a handler with a
    selector hears its own table only. Without `control`, `@on` refuses the selector when
    the class below is defined, and this test fails there."""
    heard: list[tuple[str, str | int | None]] = []

    class TwoTables(App[None]):
        def compose(self) -> ComposeResult:
            yield ResourceTable(COLUMNS, id="left")
            yield ResourceTable(COLUMNS, id="right")
            yield LazyTable(COLUMNS, id="pages")

        def on_mount(self) -> None:
            for table in self.query(ResourceTable):
                table.set_rows(ROWS)

        @on(ResourceTable.Activated, "#right")
        def right_opened(self, event: ResourceTable.Activated) -> None:
            heard.append(("right opened", event.key))

        @on(ResourceTable.Highlighted, "#left")
        def left_moved(self, event: ResourceTable.Highlighted) -> None:
            heard.append(("left moved", event.key))

        @on(LazyTable.Highlighted, "#pages")
        def pages_moved(self, event: LazyTable.Highlighted) -> None:
            heard.append(("pages moved", event.index))

    app = TwoTables()
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.pause()
        left, right = app.query_one("#left", ResourceTable), app.query_one("#right", ResourceTable)
        heard.clear()
        right.move_to("b")
        left.move_to("b")
        left.action_activate()  # no handler for the left table's Activated
        right.action_activate()
        app.query_one(LazyTable).set_source(3, lambda offset, limit: [("x", "y", "z")] * 3)
        await pilot.pause()
        assert sorted(heard, key=str) == [("left moved", "b"), ("pages moved", 0),
                                          ("right opened", "b")]
        assert ResourceTable.Activated(right, "b").control is right


def test_users_rows_say_how_old_passwords_and_keys_are_in_words(service, root, clock) -> None:
    """The Users table's console and key cells, as the IAM console words them: today's
    are 'set today' / 'created today', older ones 'N days old'; keys past 90 days red."""
    from iamtui.screens.kinds.users import _style, load

    service.create_user(root, "alice")
    service.create_login_profile(root, "alice", "Alic3!Passw0rd#")
    service.create_access_key(root, "alice")
    cells = {r.cells[0]: r.cells for r in load(service, root)}["alice"]
    assert (cells[3], cells[5]) == ("Yes, password set today", "1, created today")
    clock.advance(days=120)
    service.create_access_key(root, "alice")
    cells = {r.cells[0]: r.cells for r in load(service, root)}["alice"]
    assert (cells[3], cells[5]) == ("Yes, password 120 days old", "2, oldest 120 days old")
    assert _style("keys", cells[5]) is not None and _style("keys", "1, 12 days old") is None
