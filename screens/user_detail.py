"""One user, in tabs: summary, tags, activity (and more as the service grows)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Static, TabbedContent, TabPane

from iamtui.errors import IamError
from screens.ops import report_error
from screens.widgets.resource_table import Column, ResourceTable, Row


class UserDetailScreen(Screen[None]):
    """The detail of one user; `esc` goes back."""

    CSS_PATH = "detail.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("y", "copy_arn", "Copy ARN"),
    ]

    def __init__(self, user_name: str) -> None:
        super().__init__()
        self.user_name = user_name
        self.arn = ""

    def compose(self) -> ComposeResult:
        yield Static(f"Users › {self.user_name}", classes="breadcrumb")
        with TabbedContent():
            with TabPane("Summary", id="summary"):
                yield Static(id="summary-body")
            with TabPane("Tags", id="tags"):
                yield ResourceTable((Column("key", "Key"), Column("value", "Value", 64)),
                                    empty_text="No tags.", id="tags-table")
            with TabPane("Activity", id="activity"):
                yield ResourceTable((Column("time", "Time"), Column("event", "Event"),
                                     Column("who", "Who"), Column("result", "Result", 60)),
                                    empty_text="No recorded events.", id="activity-table")
        yield Footer()

    def on_mount(self) -> None:
        self.load()

    def load(self) -> None:
        app = self.app
        service, principal = app.service, app.principal  # type: ignore[attr-defined]
        try:
            user = service.get_user(principal, self.user_name)
        except IamError as error:
            report_error(self, error)
            self.dismiss(None)
            return
        self.arn = user.arn
        boundary = user.permissions_boundary or "not set"
        self.query_one("#summary-body", Static).update(
            f"[b]ARN[/b]                  {user.arn}\n"
            f"[b]User ID[/b]              {user.user_id}\n"
            f"[b]Path[/b]                 {user.path}\n"
            f"[b]Created[/b]              {user.create_date:%Y-%m-%d %H:%M UTC}\n"
            f"[b]Permissions boundary[/b] {boundary}")
        self.query_one("#tags-table", ResourceTable).set_rows(
            [Row(t.key, (t.key, t.value)) for t in user.tags])
        events = service.audit.lookup_events(user_name=user.user_name, max_results=200)
        self.query_one("#activity-table", ResourceTable).set_rows([
            Row(e["eventID"], (e["eventTime"], e["eventName"],
                               e["userIdentity"].get("userName") or e["userIdentity"].get("type"),
                               e.get("errorCode") or "Success")) for e in events])

    def action_back(self) -> None:
        self.dismiss(None)

    def action_copy_arn(self) -> None:
        self.app.copy_to_clipboard(self.arn)
        self.notify(f"Copied {self.arn}")
