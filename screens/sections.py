"""A section of the main screen: one kind of resource in a table, with the same verbs everywhere.

Each kind (users, groups, ...) is a `ResourceKind`: its columns, how to load its rows
from IamService, and what `enter`, `n` and `d` do. One `ResourceSection` serves them
all, so the keys work the same on every table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.style import Style
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, Static

from iamtui.errors import IamError
from iamtui.screens.copy import copy_menu
from iamtui.screens.ops import Operations, refusal_text, report_error
from iamtui.screens.session import session_of
from iamtui.screens.widgets.resource_table import Column, ResourceTable, Row
from iamtui.screens.workers import deliver

if TYPE_CHECKING:
    from iamtui.service import IamService, Principal


@dataclass(frozen=True)
class ResourceKind:
    """How one kind of resource appears: columns, rows, and its verbs."""

    name: str  # "Users"
    singular: str  # "user"
    columns: tuple[Column, ...]
    load: Callable[[IamService, Principal], list[Row]]
    open: Callable[[ResourceSection, str], None] | None = None
    create: Callable[[ResourceSection], None] | None = None
    delete: Callable[[ResourceSection, str], None] | None = None
    arn_of: Callable[[str], str] | None = None
    styler: Callable[[str, str], Style | None] | None = None


class ResourceSection(Operations, Vertical):
    """The table of one kind, with filter-as-you-type and the common bindings."""

    DEFAULT_CSS = """
    ResourceSection { height: 1fr; }
    ResourceSection > #filter { display: none; margin: 0 0 1 0; }
    ResourceSection.filtering > #filter { display: block; }
    ResourceSection > .section-title { text-style: bold; padding: 0 1; }
    ResourceSection > .section-status { color: $text-muted; padding: 0 1; height: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "filter", "Filter", id="section.filter"),
        Binding("n", "create", "New", id="section.new"),
        Binding("d", "delete", "Delete", id="section.delete"),
        Binding("r", "refresh", "Refresh", id="section.refresh"),
        Binding("y", "copy_arn", "Copy", id="section.copy_arn"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="section.clear_filter"),
    ]

    def __init__(self, kind: ResourceKind, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.kind = kind
        self.loaded_revision: int | None = None  # the store revision the rows show
        self._select: str | None = None  # a row to put the cursor on once loaded

    def compose(self) -> ComposeResult:
        yield Static(self.kind.name, classes="section-title")
        yield Input(placeholder=f"Filter {self.kind.name.lower()}…", id="filter", compact=True)
        yield ResourceTable(self.kind.columns, styler=self.kind.styler, markable=True,
                            empty_text=f"No {self.kind.name.lower()} yet. Press n to create one.")
        yield Static("", classes="section-status")

    @property
    def table(self) -> ResourceTable:
        return self.query_one(ResourceTable)

    def on_show(self) -> None:
        """Load when first shown, and again if the store changed since: a hidden section
        costs nothing (5,000 users take 0.2 s to read)."""
        self.reload_if_changed()

    def reload_if_changed(self) -> None:
        """Read the rows again if the store changed since they were read."""
        if self.loaded_revision != session_of(self).revision:
            self.action_refresh()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide the verbs this kind does not have from the footer."""
        available = {"create": self.kind.create, "delete": self.kind.delete,
                     "copy_arn": self.kind.arn_of}
        if action in available:
            return available[action] is not None
        if action == "clear_filter":  # nothing to clear: escape goes on to the screen
            return self.has_class("filtering") or bool(self.query_one("#filter", Input).value)
        return True

    @work(thread=True, exclusive=True, group="load")
    def action_refresh(self) -> None:
        session = session_of(self)
        revision = session.revision  # read first: a later change reloads again
        try:
            rows = self.kind.load(session.service, session.principal)
        except IamError as error:
            # a denial is audited, and that commit moves the revision: count it as seen,
            # or following the store would ask (and be refused) again every second
            deliver(self, self._refused, error, session.revision)
            return
        deliver(self, self._show, rows, revision)

    def _refused(self, error: IamError, revision: int) -> None:
        self.loaded_revision = revision
        self.table.show_refusal(refusal_text(error))
        self.query_one(".section-status", Static).update("")
        report_error(self, error)

    def _show(self, rows: list[Row], revision: int) -> None:
        self.loaded_revision = revision
        self.table.set_rows(rows)
        self._update_status()
        self._move_to_selected()

    def after_change(self) -> None:
        self.action_refresh()

    def reload_and_select(self, key: str) -> None:
        """Reload, then put the cursor on row `key` (what was just created)."""
        self._select = key
        self.action_refresh()

    def _move_to_selected(self) -> None:
        if self._select is not None and self.table.move_to(self._select):
            self._select = None

    def _update_status(self) -> None:
        table = self.table
        shown, total = table.row_count, table.total_count
        plural = self.kind.name.lower()
        if shown == total:
            text = f"1 {self.kind.singular}" if total == 1 else f"{total} {plural}"
        else:
            text = f"{shown} of {total} {plural} match"
        if table.marked:  # what `b` and `d` would work on
            text += f" · {len(table.marked)} marked (b: act on them, d: delete them)"
        # one line of fixed height: no layout pass on each filter keystroke
        self.query_one(".section-status", Static).update(text, layout=False)

    def on_resource_table_marks_changed(self, event: ResourceTable.MarksChanged) -> None:
        self._update_status()
        self.refresh_bindings()

    def action_filter(self) -> None:
        self.add_class("filtering")
        self.query_one("#filter", Input).focus()

    @on(Input.Changed, "#filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self.table.set_filter(event.value)
        self._update_status()

    @on(Input.Submitted, "#filter")
    def filter_submitted(self) -> None:
        self.table.focus()

    def action_clear_filter(self) -> None:
        filter_input = self.query_one("#filter", Input)
        if filter_input.value or self.has_class("filtering"):
            filter_input.value = ""
            self.remove_class("filtering")
            self.table.focus()

    def on_resource_table_activated(self, event: ResourceTable.Activated) -> None:
        if self.kind.open is not None:
            self.kind.open(self, event.key)

    def action_create(self) -> None:
        if self.kind.create is not None:
            self.kind.create(self)

    def action_delete(self) -> None:
        key = self.table.current_key
        if key is not None and self.kind.delete is not None:
            self.kind.delete(self, key)

    def action_copy_arn(self) -> None:
        """y: copy the row's name, ARN or JSON, from a small menu."""
        key = self.table.current_key
        if key is not None and self.kind.arn_of is not None:
            copy_menu(self, key)
