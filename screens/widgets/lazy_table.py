"""A table over a source too big to load: rows are fetched a page at a time as they scroll in.

The audit log may hold 100,000 events; `ResourceTable` wants every row in memory. Here the
table knows only the row count; `render_line` asks `fetch(offset, limit)` for the page a
visible row falls in and keeps a few pages cached, so opening, scrolling and jumping to
the end cost one page each. Column widths are fixed (the columns' max widths).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

from textual.message import Message

from iamtui.screens.widgets.line_table import CellStyler, Column, LineTable

PAGE = 200
CACHED_PAGES = 16

Fetch = Callable[[int, int], Sequence[tuple[str, ...]]]


class LazyTable(LineTable):
    """Rows 0..count-1 drawn from `fetch`, a page at a time, with a cursor."""

    class Highlighted(Message):
        """The cursor moved to row `index`."""

        def __init__(self, table: LazyTable, index: int | None) -> None:
            super().__init__()
            self.table, self.index = table, index

        @property
        def control(self) -> LazyTable:
            """The table the cursor moved in (so `@on(..., "#id")` can route it)."""
            return self.table

    def __init__(self, columns: Sequence[Column], *, styler: CellStyler | None = None,
                 empty_text: str = "Nothing here.", **kwargs: Any) -> None:
        super().__init__(columns, styler=styler, empty_text=empty_text, **kwargs)
        self.count = 0
        self._fetch: Fetch | None = None
        self._pages: OrderedDict[int, Sequence[tuple[str, ...]]] = OrderedDict()

    @property
    def line_count(self) -> int:
        return self.count

    def set_source(self, count: int, fetch: Fetch) -> None:
        """Show `count` rows that `fetch(offset, limit)` gives; the cursor goes to the top."""
        self.count, self._fetch = count, fetch
        self.refusal = None
        self._pages.clear()
        self.resize_virtual()
        self.scroll_to(y=0, animate=False)
        self.cursor = 0
        self.refresh()

    def show_refusal(self, text: str) -> None:
        self.set_source(0, lambda offset, limit: [])
        super().show_refusal(text)

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

    def cells_at(self, index: int) -> Sequence[str] | None:
        return self.row(index)

    def cursor_moved(self) -> None:
        self.post_message(self.Highlighted(self, self.cursor if self.count else None))
