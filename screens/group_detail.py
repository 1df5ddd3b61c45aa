"""One group, in tabs: its members (add/remove) and its permissions (attached and inline)."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, Static, TabbedContent, TabPane

from iamtui.screens.navigation import OpenEntity
from iamtui.screens.ops import Failed, run_op
from iamtui.screens.session import session_of
from iamtui.screens.widgets.access_advisor import access_advisor_tab
from iamtui.screens.widgets.detail_pane import DetailPane
from iamtui.screens.widgets.detail_screen import DetailScreen, header
from iamtui.screens.widgets.permissions import PermissionsPane
from iamtui.screens.widgets.picker import PickerModal
from iamtui.screens.widgets.policy_summary import OwnerPolicySummary
from iamtui.screens.widgets.resource_table import Column, ResourceTable, Row


class MembersPane(DetailPane):
    """The users in a group: `a` add a user (picker), `d` remove, `enter` open the user."""

    columns = (Column("user", "User name", 40), Column("path", "Path", 20),
               Column("created", "Created", 12))
    empty_text = "No members. Press a to add a user."
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "add", "Add", id="members.add"),
        Binding("d", "remove", "Remove", id="members.remove")]

    def __init__(self, group_name: str, trail: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.group_name, self.trail = group_name, trail

    def load(self) -> list[Row]:
        service, principal = session_of(self)
        detail = service.get_group(principal, self.group_name)
        return [Row(u.user_name, (u.user_name, u.path, f"{u.create_date:%Y-%m-%d}"))
                for u in detail.users]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.current is not None if action == "remove" else True

    def action_add(self) -> None:
        service, principal = session_of(self)
        users = run_op(self, service.list_users, principal)
        if isinstance(users, Failed):
            return
        members = {r.key for r in self.table.rows}
        rows = [Row(u.user_name, (u.user_name, u.path)) for u in users
                if u.user_name not in members]

        def done(user: str | None) -> None:
            if user:
                self.op(service.add_user_to_group, self.group_name, user,
                        success=f"Added {user} to {self.group_name}")
        self.app.push_screen(PickerModal(
            f"Add a user to {self.group_name}",
            (Column("user", "User name", 40), Column("path", "Path", 30)), rows,
            empty_text="Every user is already a member."), done)

    def action_remove(self) -> None:
        user = self.current
        if user is None:
            return
        service, _ = session_of(self)
        self.confirm(f"Remove {user} from group {self.group_name}?",
                     lambda: self.op(service.remove_user_from_group, self.group_name, user,
                                     success=f"Removed {user} from {self.group_name}"),
                     verb="Remove")

    def on_resource_table_activated(self, event: ResourceTable.Activated) -> None:
        self.post_message(OpenEntity("user", event.key, trail=self.trail, on_close=self.reload))


class GroupDetailScreen(DetailScreen):
    """The detail of one group; `esc` goes back."""

    def __init__(self, group_name: str, *, trail: tuple[str, ...] = ("Groups",)) -> None:
        super().__init__()
        self.group_name = group_name
        self.trail = (*trail, group_name)

    def compose(self) -> ComposeResult:
        yield from header(self, self.trail)
        yield Static(id="group-summary", classes="pane-hint")
        with TabbedContent(id="tabs"):
            with TabPane("Members", id="members"):
                yield MembersPane(self.group_name, self.trail)
            with TabPane("Permissions", id="permissions"):
                yield PermissionsPane("group", self.group_name, self.trail)
            with TabPane("Permissions summary", id="permissions-summary"):
                yield OwnerPolicySummary("group", self.group_name, classes="summary-body")
            yield access_advisor_tab("group", self.group_name)
        yield Footer(compact=True, show_command_palette=False)

    def load(self) -> None:
        """Read the group again (its summary; the tabs load themselves)."""
        service, principal = session_of(self)
        detail = self.fetch(lambda: service.get_group(principal, self.group_name))
        if detail is None:
            return
        group = detail.group
        self.arn = group.arn
        self.query_one("#group-summary", Static).update(
            f"{group.arn} · created {group.create_date:%Y-%m-%d %H:%M UTC}")
