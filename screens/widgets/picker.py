"""A modal that picks one row of a list, filtering as you type (attach a policy, add to a group)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from iamtui.screens.widgets.resource_table import Column, ResourceTable, Row


class PickerModal(ModalScreen[str | None]):
    """Type to filter, up/down to move, enter to pick; dismisses with the row's key or None."""

    DEFAULT_CSS = """
    PickerModal { align: center middle; }
    PickerModal > .picker {
        width: 100; max-width: 95%; height: 24; max-height: 90%;
        padding: 0 1; border: thick $primary; background: $surface;
    }
    PickerModal .picker-title { text-style: bold; margin-bottom: 1; }
    PickerModal .picker-status { color: $text-muted; height: 1; }
    PickerModal ResourceTable { height: 1fr; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="picker.cancel"),
        Binding("down", "move(1)", "Down", show=False, id="picker.down"),
        Binding("up", "move(-1)", "Up", show=False, id="picker.up"),
        Binding("pagedown", "move(10)", "Page down", show=False, id="picker.page_down"),
        Binding("pageup", "move(-10)", "Page up", show=False, id="picker.page_up"),
        Binding("enter", "pick", "Pick", priority=True, id="picker.pick"),
    ]

    def __init__(self, title: str, columns: Sequence[Column], rows: Sequence[Row], *,
                 empty_text: str = "Nothing to pick.") -> None:
        super().__init__()
        self.title_text, self.columns, self.rows, self.empty_text = \
            title, columns, rows, empty_text

    def compose(self) -> ComposeResult:
        with Vertical(classes="picker"):
            yield Label(self.title_text, classes="picker-title")
            yield Input(placeholder="Type to filter…", id="picker-filter", compact=True)
            yield ResourceTable(self.columns, empty_text=self.empty_text, id="picker-table")
            yield Static("", classes="picker-status")

    @property
    def table(self) -> ResourceTable:
        """The table of rows."""
        return self.query_one("#picker-table", ResourceTable)

    def on_mount(self) -> None:
        self.table.set_rows(self.rows)
        self._status()
        self.query_one("#picker-filter", Input).focus()

    def _status(self, total: int | None = None) -> None:
        shown = self.table.row_count
        total = self.table.total_count if total is None else total
        self.query_one(".picker-status", Static).update(
            f"{total} to choose from" if shown == total else f"{shown} of {total} match")

    def on_input_changed(self, event: Input.Changed) -> None:
        self.table.set_rows(self.matching(event.value))
        self.table.cursor = 0  # the best match, not wherever the cursor was
        self._status(len(self.rows))

    def matching(self, text: str) -> list[Row]:
        """Rows containing `text` (any case), those whose first cell starts with it first:
        typing a name puts that name under the cursor even when longer names contain it."""
        needle = text.strip().lower()
        if not needle:
            return list(self.rows)
        hits = [r for r in self.rows if needle in " ".join(r.cells).lower()]
        return sorted(hits, key=lambda r: not r.cells[0].lower().startswith(needle))

    def on_resource_table_activated(self, event: ResourceTable.Activated) -> None:
        event.stop()
        self.dismiss(event.key)

    def action_move(self, delta: int) -> None:
        self.table.action_cursor(delta)

    def action_pick(self) -> None:
        key = self.table.current_key
        if key is not None:
            self.dismiss(key)
        else:
            self.notify("Nothing matches the filter.", severity="warning")

    def action_cancel(self) -> None:
        self.dismiss(None)
