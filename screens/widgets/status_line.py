"""The line at the top of every screen: who is signed in, to which account, on which store."""

from __future__ import annotations

from rich.cells import cell_len
from textual.events import Resize
from textual.widgets import Static


class StatusLine(Static):
    """`who (MFA) · account · store path`; the path goes first when the line is too narrow."""

    def on_mount(self) -> None:
        self._fit(self.size.width)

    def on_resize(self, event: Resize) -> None:
        self._fit(event.size.width)

    def _fit(self, width: int) -> None:
        import screens.main as main  # looked up here: tests pin the store path in the text

        text = main.status_text(self.app)
        if width and cell_len(text) > width:
            text = text.rsplit(" · ", 1)[0]  # who and which account matter more than where
        self.update(text)
