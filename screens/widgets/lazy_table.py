"""A table over a source too big to load: rows are fetched a page at a time as they scroll in.

The audit log may hold 100,000 events; `ResourceTable` wants every row in memory. Here the
table knows only the row count; `render_line` asks `fetch(offset, limit)` for the page a
visible row falls in and keeps a few pages cached, so opening, scrolling and jumping to
the end cost one page each. Column widths are fixed (the columns' max widths).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from screens.widgets.resource_table import GAP, Column

PAGE = 200
CACHED_PAGES = 16

Fetch = Callable[[int, int], Sequence[tuple[str, ...]]]
CellStyler = Callable[[str, str], Style | None]


class LazyTable(ScrollView, can_focus=True):
    """Rows 0..count-1 drawn from `fetch`, a page at a time, with a cursor."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home,g", "first", "First", show=False),
        Binding("end,G", "last", "Last", show=False),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {"lazy-table--header", "lazy-table--cursor"}
    DEFAULT_CSS = """
    LazyTable { height: 1fr; }
    LazyTable > .lazy-table--header { text-style: bold; color: $text-accent; }
    LazyTable > .lazy-table--cursor { background: $block-cursor-blurred-background; }
    LazyTable:focus > .lazy-table--cursor {
        background: $block-cursor-background; color: $block-cursor-foreground;
    }
    """

    cursor: reactive[int] = reactive(0, always_update=True)

    class Highlighted(Message):
        """The cursor moved to row `index`."""

        def __init__(self, table: LazyTable, index: int | None) -> None:
            super().__init__()
            self.table, self.index = table, index

    def __init__(self, columns: Sequence[Column], *, styler: CellStyler | None = None,
                 empty_text: str = "Nothing here.", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.columns = tuple(columns)
        self.widths = [c.max_width for c in self.columns]
        self.styler = styler
        self.empty_text = empty_text
        self.count = 0
        self._fetch: Fetch | None = None
        self._pages: OrderedDict[int, Sequence[tuple[str, ...]]] = OrderedDict()

    def set_source(self, count: int, fetch: Fetch) -> None:
        """Show `count` rows that `fetch(offset, limit)` gives; the cursor goes to the top."""
        self.count, self._fetch = count, fetch
        self._pages.clear()
        width = sum(self.widths) + GAP * max(0, len(self.widths) - 1)
        self.virtual_size = Size(width, count + 1)
        self.scroll_to(y=0, animate=False)
        self.cursor = 0
        self.refresh()

    def row(self, index: int) -> tuple[str, ...] | None:
        """Row `index`, fetching its page when it is not cached."""
        if self._fetch is None or not 0 <= index < self.count:
            return None
        number = index // PAGE
        page = self._pages.get(number)
        if page is None:
            page = self._fetch(number * PAGE, PAGE)
            self._pages[number] = page
            while len(self._pages) > CACHED_PAGES:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(number)
        offset = index - number * PAGE
        return page[offset] if offset < len(page) else None

    # ------------------------------------------------------------------ drawing

    def _fit(self, text: str, width: int) -> str:
        if cell_len(text) <= width:
            return text + " " * (width - cell_len(text))
        return text[: max(0, width - 1)] + "…"

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        if y == 0:
            style = self.get_component_rich_style("lazy-table--header")
            segments = []
            for column, w in zip(self.columns, self.widths, strict=True):
                segments += [Segment(self._fit(column.label, w), style), Segment(" " * GAP)]
            return Strip(segments).crop_extend(scroll_x, scroll_x + width, self.rich_style)
        index = scroll_y + y - 1
        if self.count == 0 and y == 1:
            return Strip([Segment(self.empty_text, Style(dim=True))]).crop_extend(
                0, width, None)
        cells = self.row(index)
        if cells is None:
            return Strip.blank(width, self.rich_style)
        cursor = self.get_component_rich_style("lazy-table--cursor") \
            if index == self.cursor else None
        segments = []
        for column, w, cell in zip(self.columns, self.widths, cells, strict=True):
            style = self.styler(column.key, cell) if self.styler else None
            if cursor is not None:
                style = (style or Style()) + cursor
            segments += [Segment(self._fit(cell, w), style), Segment(" " * GAP, cursor)]
        strip = Strip(segments)
        if cursor is not None:
            strip = strip.extend_cell_length(max(width, strip.cell_length), cursor)
        return strip.crop_extend(scroll_x, scroll_x + width, self.rich_style)

    # ------------------------------------------------------------------ cursor

    def watch_cursor(self, old: int, new: int) -> None:
        visible = max(1, self.size.height - 1)
        top = round(self.scroll_y)
        if new < top:
            self.scroll_to(y=new, animate=False)
        elif new >= top + visible:
            self.scroll_to(y=new - visible + 1, animate=False)
        self.refresh()
        self.post_message(self.Highlighted(self, new if self.count else None))

    def action_cursor(self, delta: int) -> None:
        if self.count:
            self.cursor = max(0, min(self.count - 1, self.cursor + delta))

    def action_page(self, direction: int) -> None:
        self.action_cursor(direction * max(1, self.size.height - 2))

    def action_first(self) -> None:
        if self.count:
            self.cursor = 0

    def action_last(self) -> None:
        if self.count:
            self.cursor = self.count - 1
