"""What both tables share: columns, a cursor, and drawing only the lines on screen.

`ResourceTable` holds its rows in memory (filter and sort); `LazyTable` fetches pages
of a source too big to load. Each says how many rows there are and what row `i` holds;
this base draws the header and the visible rows, moves the cursor and scrolls to it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.events import Click
from textual.geometry import Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

GAP = 2  # spaces between columns


@dataclass(frozen=True)
class Column:
    """One column: its key, the header label, the most cells it may take, and the fewest
    it keeps when the table is narrowed to fit (a name that must identify its row)."""

    key: str
    label: str
    max_width: int = 48
    min_width: int = 0


CellStyler = Callable[[str, str], Style | None]


def fit(text: str, width: int) -> str:
    """`text` padded to `width` cells, or cut with an ellipsis."""
    length = cell_len(text)
    if length <= width:
        return text + " " * (width - length)
    return text[: max(0, width - 1)] + "…"


class LineTable(ScrollView, can_focus=True):
    """A header line and one line per row, drawn on demand, with a keyboard cursor."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor(-1)", "Up", show=False, id="line_table.up"),
        Binding("down,j", "cursor(1)", "Down", show=False, id="line_table.down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="line_table.page_up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="line_table.page_down"),
        Binding("home,g", "first", "First", show=False, id="line_table.first"),
        Binding("end,G", "last", "Last", show=False, id="line_table.last"),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {"line-table--header", "line-table--cursor"}
    DEFAULT_CSS = """
    LineTable { height: 1fr; }
    LineTable > .line-table--header { text-style: bold; color: $text-accent; }
    LineTable > .line-table--cursor { background: $block-cursor-blurred-background; }
    LineTable:focus > .line-table--cursor {
        background: $block-cursor-background; color: $block-cursor-foreground;
    }
    """

    cursor: reactive[int] = reactive(0, always_update=True)

    def __init__(self, columns: Sequence[Column], *, styler: CellStyler | None = None,
                 empty_text: str = "Nothing here.", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.columns = tuple(columns)
        self.widths = [c.max_width for c in self.columns]
        self.styler = styler
        self.empty_text = empty_text
        self.refusal: str | None = None  # why there are no rows, when reading them failed

    # ---------------------------------------------------------- what a table supplies

    @property
    def line_count(self) -> int:
        """How many rows there are (the header not counted)."""
        raise NotImplementedError

    def cells_at(self, index: int) -> Sequence[str] | None:
        """The cells of row `index`, or None past the end."""
        raise NotImplementedError

    def header_cell(self, index: int, style: Style) -> tuple[str, Style]:
        """Column `index`'s header text and style; a table may mark its sort column."""
        return self.columns[index].label, style

    def header_segments(self, style: Style) -> list[Segment]:
        """The header line."""
        segments = []
        for index, width in enumerate(self.widths):
            label, cell_style = self.header_cell(index, style)
            segments += [Segment(fit(label, width), cell_style), Segment(" " * GAP, style)]
        return segments

    def empty_message(self) -> str:
        return self.refusal if self.refusal is not None else self.empty_text

    def show_refusal(self, text: str) -> None:
        """No rows, because reading them was refused: say so instead of the empty text (an
        empty table would tell a caller without permission that none exist). A table drops
        its rows first, and clears the refusal when it is given rows again."""
        self.refusal = text
        self.refresh()

    def row_style(self, index: int) -> Style | None:
        """A style for the whole of row `index` (a marked row), under the cursor's."""
        return None

    def cursor_moved(self) -> None:
        """Tell listeners where the cursor is (after it moved or the rows changed)."""

    # ------------------------------------------------------------------ drawing

    def resize_virtual(self) -> None:
        """Size the scrollable area to the columns and the rows."""
        width = sum(self.widths) + GAP * max(0, len(self.widths) - 1)
        self.virtual_size = Size(width, self.line_count + 1)

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        if y == 0:
            strip = Strip(self.header_segments(
                self.get_component_rich_style("line-table--header")))
            return strip.crop_extend(scroll_x, scroll_x + width, self.rich_style)
        index = scroll_y + y - 1
        if self.line_count == 0 and y == 1:
            return Strip([Segment(self.empty_message(), Style(dim=True))]).crop_extend(
                0, width, None)
        cells = self.cells_at(index)
        if cells is None:
            return Strip.blank(width, self.rich_style)
        cursor = self.get_component_rich_style("line-table--cursor") \
            if index == self.cursor else None
        row_style = self.row_style(index)
        segments = []
        for column, column_width, cell in zip(self.columns, self.widths, cells, strict=True):
            style = self.styler(column.key, cell) if self.styler else None
            if row_style is not None:
                style = (style or Style()) + row_style
            if cursor is not None:
                style = (style or Style()) + cursor
            segments += [Segment(fit(cell, column_width), style), Segment(" " * GAP, cursor)]
        strip = Strip(segments)
        if cursor is not None:
            strip = strip.extend_cell_length(max(width, strip.cell_length), cursor)
        return strip.crop_extend(scroll_x, scroll_x + width, self.rich_style)

    # ------------------------------------------------------------------ cursor

    def watch_cursor(self, old: int, new: int) -> None:
        self.scroll_to_cursor()
        # rows just replaced: the new height is laid out only after this refresh, and a
        # scroll past the old height would stop short, leaving the cursor out of sight
        self.call_after_refresh(self.scroll_to_cursor)
        self.refresh()
        self.cursor_moved()

    def scroll_to_cursor(self) -> None:
        """Scroll just enough that the cursor's row is on screen (above a horizontal
        scrollbar, when there is one)."""
        visible = self.visible_rows
        top = round(self.scroll_y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + visible:
            self.scroll_to(y=self.cursor - visible + 1, animate=False)

    def action_cursor(self, delta: int) -> None:
        if self.line_count:
            self.cursor = max(0, min(self.line_count - 1, self.cursor + delta))

    @property
    def visible_rows(self) -> int:
        """How many rows show at once: the height less the header and any scrollbar."""
        return max(1, self.scrollable_content_region.height - 1)

    def action_page(self, direction: int) -> None:
        self.action_cursor(direction * max(1, self.visible_rows - 1))

    def action_first(self) -> None:
        if self.line_count:
            self.cursor = 0

    def action_last(self) -> None:
        if self.line_count:
            self.cursor = self.line_count - 1

    def row_at(self, y: int) -> int | None:
        """The row index under line `y` of the table (None for the header and below)."""
        index = round(self.scroll_y) + y - 1
        return index if y > 0 and 0 <= index < self.line_count else None

    def on_click(self, event: Click) -> None:
        index = self.row_at(event.y)
        if index is not None:
            self.cursor = index
