"""A table that stays fluid with thousands of rows: it renders only the lines on screen.

Textual's DataTable measures every cell through Rich, which takes seconds at 10,000
rows; here column widths come from plain string lengths once per data change, and
`render_line` draws just the visible rows, so filtering is a list comprehension.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.events import Click
from textual.message import Message

from iamtui.screens.widgets.line_table import GAP, CellStyler, Column, LineTable

__all__ = ["GAP", "CellStyler", "Column", "ResourceTable", "Row"]

MIN_TEXT_WIDTH = 16  # a long column is narrowed to fit the screen, down to this


@dataclass(frozen=True)
class Row:
    """One row: a key the app knows it by, the cells shown, and values to sort by."""

    key: str
    cells: tuple[str, ...]
    sort_values: tuple[Any, ...] | None = None
    search_text: str = field(default="", compare=False)

    def sort_key(self, column: int) -> tuple[int, Any]:
        value = self.sort_values[column] if self.sort_values else self.cells[column]
        if value is None or value == "":
            return (1, "")  # blanks last, whichever the direction
        return (0, value.lower() if isinstance(value, str) else value)


class ResourceTable(LineTable):
    """Rows of one kind of resource: cursor, sort, filter, and only visible lines drawn."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "activate", "Open", id="resource_table.open"),
        Binding("s", "sort_next", "Sort", id="resource_table.sort"),
        Binding("S", "sort_reverse", "Reverse", show=False, id="resource_table.reverse"),
        Binding("space", "toggle_mark", "Mark", show=False, id="resource_table.mark"),
        Binding("asterisk,ctrl+a", "mark_all", "Mark all", show=False,
                id="resource_table.mark_all"),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {"resource-table--sorted", "resource-table--marked"}
    DEFAULT_CSS = """
    ResourceTable > .resource-table--sorted { text-style: bold underline; color: $text-accent; }
    ResourceTable > .resource-table--marked { background: $accent 35%; text-style: bold; }
    """
    MARK = "✓ "  # before a marked row's first cell: marks show without colour too

    class Highlighted(Message):
        """The cursor moved to a row."""

        def __init__(self, table: ResourceTable, key: str | None) -> None:
            super().__init__()
            self.table, self.key = table, key

        @property
        def control(self) -> ResourceTable:
            """The table the cursor moved in (so `@on(..., "#id")` can route it)."""
            return self.table

    class MarksChanged(Message):
        """Rows were marked or unmarked (for work on all of them at once)."""

        def __init__(self, table: ResourceTable) -> None:
            super().__init__()
            self.table = table

        @property
        def control(self) -> ResourceTable:
            """The table whose marks changed (so `@on(..., "#id")` can route it)."""
            return self.table

    class Activated(Message):
        """Enter (or a click) on a row."""

        def __init__(self, table: ResourceTable, key: str) -> None:
            super().__init__()
            self.table, self.key = table, key

        @property
        def control(self) -> ResourceTable:
            """The table whose row was opened (so `@on(..., "#id")` can route it)."""
            return self.table

    def __init__(self, columns: Sequence[Column], *, styler: CellStyler | None = None,
                 empty_text: str = "Nothing here yet.", markable: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(columns, styler=styler, empty_text=empty_text, **kwargs)
        self.markable = markable
        self.marked: set[str] = set()  # keys of the rows marked with space
        self._all: list[Row] = []
        self._rows: list[Row] = []
        self.widths = [cell_len(c.label) for c in self.columns]
        self._data_widths = [0 for _ in self.columns]  # each column's widest cell
        self._filter = ""
        self._sort_column: int | None = None
        self._sort_reverse = False
        self._highlighted: str | None = None
        self._last_key: str | None = None  # the row to come back to after an empty view

    # ------------------------------------------------------------------ data

    @property
    def rows(self) -> list[Row]:
        """The rows shown, after filter and sort."""
        return self._rows

    @property
    def row_count(self) -> int:
        return len(self._rows)

    @property
    def total_count(self) -> int:
        return len(self._all)

    @property
    def line_count(self) -> int:
        return len(self._rows)

    def cells_at(self, index: int) -> Sequence[str] | None:
        if not 0 <= index < len(self._rows):
            return None
        row = self._rows[index]
        if row.key in self.marked:
            return (self.MARK + row.cells[0], *row.cells[1:])
        return row.cells

    def row_style(self, index: int) -> Style | None:
        if 0 <= index < len(self._rows) and self._rows[index].key in self.marked:
            return self.get_component_rich_style("resource-table--marked")
        return None

    @property
    def marked_rows(self) -> list[Row]:
        """The marked rows, in the order shown (marked rows hidden by the filter last)."""
        shown = [r for r in self._rows if r.key in self.marked]
        keys = {r.key for r in shown}
        return shown + [r for r in self._all if r.key in self.marked and r.key not in keys]

    def set_marks(self, keys: set[str]) -> None:
        """Mark exactly the rows keyed `keys` (after bulk work: those left to retry)."""
        self.marked = set(keys)
        self.refresh()
        self.post_message(self.MarksChanged(self))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("toggle_mark", "mark_all"):
            return self.markable
        return True

    def action_toggle_mark(self) -> None:
        """Space: mark or unmark the row under the cursor, then move down (mark a run
        of rows by holding space)."""
        key = self.current_key
        if key is None:
            return
        self.marked ^= {key}
        self.post_message(self.MarksChanged(self))
        self.action_cursor(1)
        self.refresh()

    def action_mark_all(self) -> None:
        """`*` or ctrl+a: mark every row shown (the filter decides); again: unmark them."""
        shown = {r.key for r in self._rows}
        self.marked = self.marked - shown if shown <= self.marked else self.marked | shown
        self.post_message(self.MarksChanged(self))
        self.refresh()

    @property
    def current_key(self) -> str | None:
        """The key of the row under the cursor."""
        return self._rows[self.cursor].key if 0 <= self.cursor < len(self._rows) else None

    def show_refusal(self, text: str) -> None:
        self.set_rows([])
        super().show_refusal(text)

    def set_rows(self, rows: Sequence[Row]) -> None:
        """Replace the data, keeping the cursor on the same key where it still exists."""
        self.refusal = None
        keep = self.current_key or self._last_key
        self._all = [r if r.search_text else Row(r.key, r.cells, r.sort_values,
                                                 " ".join(r.cells).lower()) for r in rows]
        widths = [0 for _ in self.columns]
        for row in self._all:
            for i, cell in enumerate(row.cells):
                if len(cell) > widths[i]:
                    widths[i] = cell_len(cell)
        if self.markable and self._all:  # room for the mark: marking moves no column
            widths[0] = max(widths[0], max(cell_len(r.cells[0]) for r in self._all)
                            + cell_len(self.MARK))
        self._data_widths = widths
        gone = self.marked - {r.key for r in self._all}
        if gone:  # deleted elsewhere: a mark on a row that is no more means nothing
            self.marked -= gone
            self.post_message(self.MarksChanged(self))
        self._fit_columns()
        self._apply(keep)

    def _fit_columns(self) -> None:
        """Column widths for the width on screen: every cell whole when they all fit;
        otherwise each column capped at its max_width, the room left given back to the
        capped ones, and when even that is too wide the widest narrowed, none below
        MIN_TEXT_WIDTH (or its column's min_width); past that the table scrolls sideways."""
        labels = [self.header_width(i) for i in range(len(self.columns))]
        natural = [max(d, w) for d, w in zip(self._data_widths, labels, strict=True)]
        width = self.size.width
        if len(self._all) + 1 > self.size.height:  # the vertical scrollbar takes its columns
            width -= self.styles.scrollbar_size_vertical
        room = width - GAP * (len(natural) - 1)
        if width <= 0 or sum(natural) <= room:
            widths = list(natural) if width > 0 else \
                [min(w, c.max_width) for w, c in zip(natural, self.columns, strict=True)]
        else:
            widths = [min(w, c.max_width) for w, c in zip(natural, self.columns, strict=True)]
            spare = room - sum(widths)
            while spare > 0:  # give the room back, a cell at a time, to cut columns
                cut = [i for i, w in enumerate(widths) if w < natural[i]]
                if not cut:
                    break
                for i in cut[:spare]:
                    widths[i] += 1
                spare = room - sum(widths)
            # short columns (a decision, a date, a count) stay whole; long text gives way
            # a column's min_width (a name that identifies its row) holds as well
            floors = [max(min(w, max(MIN_TEXT_WIDTH, label)), min(n, c.min_width))
                      for w, n, label, c in zip(widths, natural, labels, self.columns,
                                                strict=True)]
            widths = [max(w, f) for w, f in zip(widths, floors, strict=True)]
            while sum(widths) > room:  # still too wide: narrow the widest column
                widest = max(range(len(widths)), key=lambda i: widths[i] - floors[i])
                if widths[widest] <= floors[widest]:
                    break  # all at their floor: the table scrolls sideways
                widths[widest] -= 1
        if widths != self.widths:
            self.widths = widths
            self.resize_virtual()
            self.refresh()

    def on_resize(self) -> None:
        self._fit_columns()

    def set_filter(self, text: str) -> None:
        """Show only rows whose cells contain `text` (case-insensitive)."""
        self._filter = text.lower().strip()
        self._apply(self.current_key or self._last_key)

    def sort_by(self, column: int | None, *, reverse: bool = False) -> None:
        self._sort_column, self._sort_reverse = column, reverse
        self._fit_columns()  # the sorted header's arrow takes two cells more
        self._apply(self.current_key)

    def header_width(self, index: int) -> int:
        """The cells column `index`'s header needs: its label, and ` ▲` when sorted."""
        return cell_len(self.columns[index].label) + (2 if index == self._sort_column else 0)

    def move_to(self, key: str) -> bool:
        """Put the cursor on the row with `key`; False when it is not shown."""
        for i, row in enumerate(self._rows):
            if row.key == key:
                self.cursor = i
                return True
        return False

    def _apply(self, keep: str | None) -> None:
        needle = self._filter
        rows = [r for r in self._all if needle in r.search_text] if needle else list(self._all)
        if self._sort_column is not None:
            column = self._sort_column
            rows.sort(key=lambda r: r.sort_key(column), reverse=self._sort_reverse)
        self._rows = rows
        self.resize_virtual()
        if keep is None or not self.move_to(keep):
            self.cursor = min(self.cursor, max(0, len(rows) - 1))
        self.refresh()

    # ------------------------------------------------------------------ drawing

    def empty_message(self) -> str:
        if self._filter and self.refusal is None:
            return f"No rows match “{self._filter}”."
        return super().empty_message()

    def header_cell(self, index: int, style: Style) -> tuple[str, Style]:
        label = self.columns[index].label
        if index != self._sort_column:
            return label, style
        return (label + (" ▼" if self._sort_reverse else " ▲"),
                self.get_component_rich_style("resource-table--sorted"))

    # ------------------------------------------------------------------ cursor

    def cursor_moved(self) -> None:
        key = self.current_key
        if key is not None:
            self._last_key = key
        if key != self._highlighted:  # listeners (the footer's bindings) only on a change
            self._highlighted = key
            self.post_message(self.Highlighted(self, key))

    def action_activate(self) -> None:
        key = self.current_key
        if key is not None:
            self.post_message(self.Activated(self, key))

    def action_sort_next(self) -> None:
        column = 0 if self._sort_column is None else (self._sort_column + 1) % len(self.columns)
        self.sort_by(column, reverse=False)

    def action_sort_reverse(self) -> None:
        self.sort_by(self._sort_column or 0, reverse=not self._sort_reverse)

    def on_click(self, event: Click) -> None:
        if event.y == 0:  # a click on a header sorts by that column
            x, start = event.x + round(self.scroll_x), 0
            for i, width in enumerate(self.widths):
                if start <= x < start + width + GAP:
                    same = self._sort_column == i
                    self.sort_by(i, reverse=same and not self._sort_reverse)
                    return
                start += width + GAP
            return
        index = self.row_at(event.y)
        if index is not None:
            if index == self.cursor and event.chain == 2:
                self.action_activate()
            self.cursor = index
