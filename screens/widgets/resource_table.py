"""A table that stays fluid with thousands of rows: it renders only the lines on screen.

Textual's DataTable measures every cell through Rich, which takes seconds at 10,000
rows; here column widths come from plain string lengths once per data change, and
`render_line` draws just the visible rows, so filtering is a list comprehension.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.events import Click
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

GAP = 2  # spaces between columns


@dataclass(frozen=True)
class Column:
    """One column: its key, the header label, and the most cells it may take."""

    key: str
    label: str
    max_width: int = 48


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


CellStyler = Callable[[str, str], Style | None]


class ResourceTable(ScrollView, can_focus=True):
    """Rows of one kind of resource: cursor, sort, filter, and only visible lines drawn."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home,g", "first", "First", show=False),
        Binding("end,G", "last", "Last", show=False),
        Binding("enter", "activate", "Open"),
        Binding("s", "sort_next", "Sort"),
        Binding("S", "sort_reverse", "Reverse", show=False),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "resource-table--header", "resource-table--cursor", "resource-table--sorted"}
    DEFAULT_CSS = """
    ResourceTable { height: 1fr; }
    ResourceTable > .resource-table--header { text-style: bold; color: $text-accent; }
    ResourceTable > .resource-table--sorted { text-style: bold underline; color: $text-accent; }
    ResourceTable > .resource-table--cursor { background: $block-cursor-blurred-background; }
    ResourceTable:focus > .resource-table--cursor {
        background: $block-cursor-background; color: $block-cursor-foreground;
    }
    """

    cursor: reactive[int] = reactive(0, always_update=True)

    class Highlighted(Message):
        """The cursor moved to a row."""

        def __init__(self, table: ResourceTable, key: str | None) -> None:
            super().__init__()
            self.table, self.key = table, key

    class Activated(Message):
        """Enter (or a click) on a row."""

        def __init__(self, table: ResourceTable, key: str) -> None:
            super().__init__()
            self.table, self.key = table, key

    def __init__(self, columns: Sequence[Column], *, styler: CellStyler | None = None,
                 empty_text: str = "Nothing here yet.", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.columns = tuple(columns)
        self.styler = styler
        self.empty_text = empty_text
        self._all: list[Row] = []
        self._rows: list[Row] = []
        self._widths: list[int] = [cell_len(c.label) for c in self.columns]
        self._filter = ""
        self._sort_column: int | None = None
        self._sort_reverse = False
        self._highlighted: str | None = None

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
    def current_key(self) -> str | None:
        """The key of the row under the cursor."""
        return self._rows[self.cursor].key if 0 <= self.cursor < len(self._rows) else None

    def set_rows(self, rows: Sequence[Row]) -> None:
        """Replace the data, keeping the cursor on the same key where it still exists."""
        keep = self.current_key
        self._all = [r if r.search_text else Row(r.key, r.cells, r.sort_values,
                                                 " ".join(r.cells).lower()) for r in rows]
        widths = [cell_len(c.label) for c in self.columns]
        for row in self._all:
            for i, cell in enumerate(row.cells):
                if len(cell) > widths[i]:
                    widths[i] = cell_len(cell)
        self._widths = [min(w, c.max_width) for w, c in zip(widths, self.columns, strict=True)]
        self._apply(keep)

    def set_filter(self, text: str) -> None:
        """Show only rows whose cells contain `text` (case-insensitive)."""
        self._filter = text.lower().strip()
        self._apply(self.current_key)

    def sort_by(self, column: int | None, *, reverse: bool = False) -> None:
        self._sort_column, self._sort_reverse = column, reverse
        self._apply(self.current_key)

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
        width = sum(self._widths) + GAP * max(0, len(self._widths) - 1)
        self.virtual_size = Size(width, len(rows) + 1)
        if keep is None or not self.move_to(keep):
            self.cursor = min(self.cursor, max(0, len(rows) - 1))
        self.refresh()

    # ------------------------------------------------------------------ drawing

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        if y == 0:
            strip = self._header()
        else:
            index = scroll_y + y - 1
            if index >= len(self._rows):
                if not self._rows and y == 1:
                    text = self.empty_text if not self._filter else \
                        f"No rows match “{self._filter}”."
                    return Strip([Segment(text, Style(dim=True))]).crop_extend(0, width, None)
                return Strip.blank(width, self.rich_style)
            strip = self._row(self._rows[index], index == self.cursor)
        return strip.crop_extend(scroll_x, scroll_x + width, self.rich_style)

    def _fit(self, text: str, width: int) -> str:
        if cell_len(text) <= width:
            return text + " " * (width - cell_len(text))
        return text[: max(0, width - 1)] + "…"

    def _header(self) -> Strip:
        base = self.get_component_rich_style("resource-table--header")
        sorted_style = self.get_component_rich_style("resource-table--sorted")
        segments = []
        for i, (column, width) in enumerate(zip(self.columns, self._widths, strict=True)):
            label = column.label
            if i == self._sort_column:
                label += " ▼" if self._sort_reverse else " ▲"
            segments.append(Segment(self._fit(label, width),
                                    sorted_style if i == self._sort_column else base))
            segments.append(Segment(" " * GAP, base))
        return Strip(segments)

    def _row(self, row: Row, is_cursor: bool) -> Strip:
        cursor_style = self.get_component_rich_style("resource-table--cursor") if is_cursor \
            else None
        segments = []
        for column, width, cell in zip(self.columns, self._widths, row.cells, strict=True):
            style = self.styler(column.key, cell) if self.styler else None
            if cursor_style is not None:
                style = (style or Style()) + cursor_style
            segments.append(Segment(self._fit(cell, width), style))
            segments.append(Segment(" " * GAP, cursor_style))
        strip = Strip(segments)
        if cursor_style is not None:
            strip = strip.extend_cell_length(max(self.size.width, strip.cell_length),
                                             cursor_style)
        return strip

    # ------------------------------------------------------------------ cursor

    def watch_cursor(self, old: int, new: int) -> None:
        self._scroll_to_cursor()
        self.refresh()
        key = self.current_key
        if key != self._highlighted:  # listeners (the footer's bindings) only on a change
            self._highlighted = key
            self.post_message(self.Highlighted(self, key))

    def _scroll_to_cursor(self) -> None:
        visible = max(1, self.size.height - 1)
        top = round(self.scroll_y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + visible:
            self.scroll_to(y=self.cursor - visible + 1, animate=False)

    def action_cursor(self, delta: int) -> None:
        if self._rows:
            self.cursor = max(0, min(len(self._rows) - 1, self.cursor + delta))

    def action_page(self, direction: int) -> None:
        self.action_cursor(direction * max(1, self.size.height - 2))

    def action_first(self) -> None:
        if self._rows:
            self.cursor = 0

    def action_last(self) -> None:
        if self._rows:
            self.cursor = len(self._rows) - 1

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
        y = event.y
        if y == 0:  # a click on a header sorts by that column
            x, start = event.x + round(self.scroll_x), 0
            for i, width in enumerate(self._widths):
                if start <= x < start + width + GAP:
                    same = self._sort_column == i
                    self.sort_by(i, reverse=same and not self._sort_reverse)
                    return
                start += width + GAP
            return
        index = round(self.scroll_y) + y - 1
        if 0 <= index < len(self._rows):
            if index == self.cursor and event.chain == 2:
                self.action_activate()
            self.cursor = index
