"""The line at the top of every screen: who is signed in, to which account, on which store."""

from __future__ import annotations

from iamtui.screens.session import session_of
from rich.cells import cell_len
from textual.events import Resize
from textual.widgets import Static


def shorten_path(path: str, room: int) -> str:
    """`path` in `room` cells, cut from the left (`…/iamtui/db.json`); never shorter
    than its file name, which says which store it is."""
    if cell_len(path) <= room:
        return path
    name = path.rsplit("/", 1)[-1]
    return "…" + path[len(path) - max(room - 1, len(name) + 1):]


class StatusLine(Static):
    """`who (MFA) · account · store path`; when the line is too narrow the path is cut from
    the left (`…/iamtui/db.json`), down to the store's file name."""

    def on_mount(self) -> None:
        self._fit(self.size.width)

    def on_resize(self, event: Resize) -> None:
        self._fit(event.size.width)

    def _fit(self, width: int) -> None:
        import iamtui.screens.main as main  # looked up here: tests pin the store path in the text

        text = main.status_text(session_of(self))
        if width and cell_len(text) > width:
            head, path = text.rsplit(" · ", 1)  # who and which account matter most
            text = f"{head} · {shorten_path(path, width - cell_len(head) - 3)}"
        self.update(text)
