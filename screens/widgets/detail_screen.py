"""What every detail screen shares: a breadcrumb, tabs switched with `[` and `]`, esc back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Static, TabbedContent, TextArea, Tree

from iamtui.errors import IamError
from iamtui.screens.copy import copy_menu
from iamtui.screens.navigation import test_this_message
from iamtui.screens.ops import report_error
from iamtui.screens.session import signed_in
from iamtui.screens.widgets.detail_pane import DetailPane
from iamtui.screens.widgets.palette import IamCommands
from iamtui.screens.widgets.resource_table import ResourceTable
from iamtui.screens.widgets.status_line import StatusLine

T = TypeVar("T")


def crumbs(trail: tuple[str, ...]) -> str:
    """`Users › alice › Groups › admins`."""
    return " › ".join(trail)


def header(screen: Screen[object], trail: tuple[str, ...]) -> ComposeResult:
    """Who is signed in where (as on the main screen), then the breadcrumb."""
    if signed_in(screen):  # not in a bare host app
        yield StatusLine(classes="status-line")
    yield Static(crumbs(trail), classes="breadcrumb")


class DetailScreen(Screen[None]):
    """A detail screen: subclasses compose a `.breadcrumb`, a TabbedContent and a Footer."""

    DEFAULT_CSS = """
    DetailScreen .status-line { background: $primary; color: $text; height: 1; }
    DetailScreen .breadcrumb { background: $boost; padding: 0 1; text-style: bold; }
    DetailScreen .summary-body { padding: 1 2; height: auto; }
    DetailScreen .pane-hint { color: $text-muted; padding: 0 1; }
    DetailScreen TabbedContent { height: 1fr; }
    DetailScreen TabbedContent > ContentSwitcher { height: 1fr; }
    DetailScreen TabPane { height: 1fr; padding: 0; }
    DetailScreen TextArea { height: 1fr; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="detail.back"),
        Binding("right_square_bracket", "tab(1)", "Next tab", id="detail.next_tab"),
        Binding("left_square_bracket", "tab(-1)", "Prev tab", show=False, id="detail.prev_tab"),
        Binding("y", "copy_arn", "Copy", id="detail.copy_arn"),
        Binding("T", "test_this", "Test this", show=False, id="detail.test_this"),
        Binding("question_mark", "app.toggle_help", "Keys", show=False, id="app.keys"),
    ]
    COMMANDS: ClassVar[set[Any]] = {IamCommands}
    arn: str = ""
    _shown_once = False  # the first resume is the screen being shown at all

    def on_mount(self) -> None:
        self.load()
        self.call_after_refresh(self._focus_tab)

    def load(self) -> None:
        """Read the entity shown and fill the screen; subclasses say how."""

    def fetch(self, read: Callable[[], T]) -> T | None:
        """The entity, read with `read`; when that fails (deleted meanwhile, access denied)
        the error is shown, the screen closes, and None comes back."""
        try:
            return read()
        except IamError as error:
            report_error(self, error)
            self.dismiss(None)
            return None

    def on_screen_resume(self) -> None:
        # Back from a nested detail or the editor: what they changed shows here too.
        if not self._shown_once:
            self._shown_once = True
            return
        if not self.is_current:  # uncovered only on its way out (sign out, switch role)
            return
        self.load()
        self._focus_tab()

    def action_back(self) -> None:
        self.dismiss(None)

    def action_tab(self, step: int) -> None:
        """Move to the next (or previous) tab, round the end."""
        tabs = self.query_one(TabbedContent)
        panes = [p.id for p in tabs.query("TabPane") if p.id]
        if not panes:
            return
        index = panes.index(tabs.active) if tabs.active in panes else 0
        tabs.active = panes[(index + step) % len(panes)]

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self.call_after_refresh(self._focus_tab)

    def _focus_tab(self) -> None:
        """Read the active tab again (another tab may have changed what it shows) and put
        the keyboard in its table (or document), so its keys work."""
        tabs = self.query_one(TabbedContent)
        pane = tabs.active_pane
        if pane is None:
            return
        for detail in pane.query(DetailPane):
            detail.reload()
        # a `.live-view` runs slow work in a worker: it catches up only when the store moved
        for view in pane.query(".live-view"):
            view.reload_if_changed()  # type: ignore[attr-defined]
        targets = list(pane.query(ResourceTable)) or list(pane.query(TextArea)) or \
            list(pane.query(Tree))
        if targets:
            targets[0].focus()

    def show_tab(self, tab_id: str) -> None:
        """Switch to a tab by its id."""
        self.query_one(TabbedContent).active = tab_id

    def action_test_this(self) -> None:
        """T: the tester on this user, group or role, or on this policy as a custom one."""
        if self.arn:
            self.post_message(test_this_message(self.arn))

    def action_copy_arn(self) -> None:
        """y: copy the name, ARN or JSON, from a small menu."""
        if self.arn:
            copy_menu(self, self.arn)
