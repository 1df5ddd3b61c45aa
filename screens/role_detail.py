"""One role, in tabs: summary (description, max session), trust policy, permissions, sessions,
tags, instance profiles.

`e` edits what the active tab shows: the description and maximum session duration on
Summary, the trust policy (in the policy editor, checked as a TRUST policy) on Trust
policy; the Permissions tab has its own `e` for inline policies.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.widgets import Footer, Static, TabbedContent, TabPane, TextArea

from iamtui.policy import PolicyType
from iamtui.screens.modals import Field, FormModal
from iamtui.screens.ops import Failed, run_op
from iamtui.screens.policy_editor import trust_policy_quota
from iamtui.screens.role_profiles import InstanceProfilesPane
from iamtui.screens.session import session_of
from iamtui.screens.widgets.access_advisor import access_advisor_tab
from iamtui.screens.widgets.detail_pane import DetailPane, TagsPane
from iamtui.screens.widgets.detail_screen import DetailScreen, header
from iamtui.screens.widgets.escalation import escalation_tab
from iamtui.screens.widgets.permissions import PermissionsPane, open_editor, pretty
from iamtui.screens.widgets.policy_summary import OwnerPolicySummary
from iamtui.screens.widgets.resource_table import Column, Row

if TYPE_CHECKING:
    from textual.dom import DOMNode


def parse_duration(text: str) -> int | None:
    """`3600`, `1h`, `12h`, `90m` -> seconds; None when it is not a duration."""
    text = text.strip().lower()
    units = {"h": 3600, "m": 60, "s": 1}
    try:
        if text and text[-1] in units:
            return int(text[:-1]) * units[text[-1]]
        return int(text)
    except ValueError:
        return None


def edit_role(node: DOMNode, role_name: str, then: Callable[[], object]) -> None:
    """UpdateRole from a form: the description and the maximum session duration."""
    service, principal = session_of(node)
    role = run_op(node, service.get_role, principal, role_name)
    if isinstance(role, Failed):
        return

    def done(values: dict[str, str] | None) -> None:
        if not values:
            return
        seconds = parse_duration(values["duration"])
        if seconds is None:
            node.notify("Maximum session duration: seconds (3600-43200), or like 1h, 12h.",
                        title="ValidationError", severity="error")
            return
        if not isinstance(run_op(node, service.update_role, principal, role_name,
                                 description=values["description"],
                                 max_session_duration=seconds,
                                 success=f"Updated role {role_name}"), Failed):
            then()

    node.app.push_screen(FormModal(f"Edit role {role_name}", [
        Field("description", "Description", role.description or "", required=False),
        Field("duration", "Maximum session duration (seconds, or 1h-12h)",
              str(role.max_session_duration))], submit="Save"), done)


def edit_trust_policy(node: DOMNode, role_name: str, trail: tuple[str, ...],
                      then: Callable[[], object]) -> None:
    """UpdateAssumeRolePolicy through the policy editor (checked as a trust policy)."""
    service, principal = session_of(node)
    role = run_op(node, service.get_role, principal, role_name)
    if isinstance(role, Failed):
        return

    def save(document: str) -> bool:
        return not isinstance(run_op(node, service.update_assume_role_policy, principal,
                                     role_name, document,
                                     success=f"Trust policy of {role_name} saved"), Failed)

    open_editor(node, " › ".join((*trail, "trust policy")),
                pretty(role.assume_role_policy_document),
                PolicyType.TRUST, save, then, save_label="Save trust policy",
                quotas=(trust_policy_quota(),))


class SessionsPane(DetailPane):
    """The role's unexpired sessions (from AssumeRole); `x` revokes every one of them."""

    columns = (Column("session", "Session name", 32), Column("key", "Access key ID", 22),
               Column("by", "Assumed by", 60), Column("issued", "Issued", 22),
               Column("expires", "Expires", 22), Column("mfa", "MFA", 4))
    empty_text = "No active sessions."
    hint = ("x revokes every session issued until now, as the console's \"Revoke active "
            "sessions\" does: an inline policy (AWSRevokeOlderSessions) denies them; they "
            "stay listed until they expire.")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("x", "revoke", "Revoke sessions", id="sessions.revoke_sessions")]

    def __init__(self, role_name: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.role_name = role_name

    def load(self) -> list[Row]:
        service, principal = session_of(self)
        return [Row(s.access_key_id, (
            s.session_name, s.access_key_id, s.source_arn, f"{s.issued_at:%Y-%m-%d %H:%M UTC}",
            f"{s.expiration:%Y-%m-%d %H:%M UTC}", "Yes" if s.mfa_authenticated_at else "No"))
            for s in service.list_role_sessions(principal, self.role_name)]

    def action_revoke(self) -> None:
        service, _ = session_of(self)
        self.confirm(f"Revoke every active session of role {self.role_name}? Whoever holds "
                     "their credentials loses access at once.",
                     lambda: self.op(service.revoke_role_sessions, self.role_name,
                                     success=f"Sessions of {self.role_name} issued until now "
                                             "are revoked"),
                     verb="Revoke")


class RoleDetailScreen(DetailScreen):
    """The detail of one role; `esc` goes back."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("e", "edit", "Edit", id="role_detail.edit")]

    def __init__(self, role_name: str, *, trail: tuple[str, ...] = ("Roles",)) -> None:
        super().__init__()
        self.role_name = role_name
        self.trail = (*trail, role_name)

    def compose(self) -> ComposeResult:
        service, principal = session_of(self)
        yield from header(self, self.trail)
        with TabbedContent(id="tabs"):
            with TabPane("Summary", id="summary"):
                yield Static(id="summary-body", classes="summary-body")
            with TabPane("Trust policy", id="trust"):
                yield TextArea.code_editor("", language="json", read_only=True,
                                           id="trust-document")
            with TabPane("Permissions", id="permissions"):
                yield PermissionsPane("role", self.role_name, self.trail)
            with TabPane("Sessions", id="sessions"):
                yield SessionsPane(self.role_name)
            with TabPane("Tags", id="tags"):
                yield TagsPane.of(service, principal, "role", self.role_name, id="tags-pane")
            with TabPane("Instance profiles", id="instance-profiles"):
                yield InstanceProfilesPane(self.role_name)
            with TabPane("Permissions summary", id="permissions-summary"):
                yield OwnerPolicySummary("role", self.role_name, classes="summary-body")
            yield access_advisor_tab("role", self.role_name)
            yield escalation_tab("role", self.role_name, self.trail)
        yield Footer(compact=True, show_command_palette=False)

    def load(self) -> None:
        """Read the role again (summary and trust policy)."""
        service, principal = session_of(self)
        role = self.fetch(lambda: service.get_role(principal, self.role_name))
        if role is None:
            return
        self.arn = role.arn
        hours = role.max_session_duration / 3600
        # the service a service-linked role's path names ("Using service-linked roles")
        linked = (role.path.split("/")[2] if role.path.startswith("/aws-service-role/")
                  else "")
        last = role.role_last_used.last_used_date if role.role_last_used else None
        # $variables go in as text: a path or description may hold brackets, not markup
        self.query_one("#summary-body", Static).update(Content.from_markup(
            "[b]ARN[/b]                      $arn\n"
            f"[b]Role ID[/b]                  {role.role_id}\n"
            "[b]Path[/b]                     $path\n"
            "[b]Description[/b]              $description\n"
            f"[b]Maximum session duration[/b] {role.max_session_duration} s "
            f"({hours:g} h)\n"
            f"[b]Created[/b]                  {role.create_date:%Y-%m-%d %H:%M UTC}\n"
            f"[b]Last used[/b]                "
            f"{f'{last:%Y-%m-%d %H:%M UTC}' if last else 'Never'}\n"
            "[b]Permissions boundary[/b]     $boundary\n\n"
            + ("[b]Service-linked role[/b]: only $linked may change its trust policy or "
               "permissions; d in the Roles table deletes it through a deletion task.\n\n"
               if linked else "")
            + "[dim]e edit description and maximum session duration[/]",
            arn=role.arn, path=role.path, description=role.description or "-",
            boundary=role.permissions_boundary or "not set", linked=linked))
        self.query_one("#trust-document", TextArea).load_text(
            pretty(role.assume_role_policy_document))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "edit":
            return self.query_one(TabbedContent).active in ("summary", "trust")
        return True

    def on_tabbed_content_tab_activated(self, event: Any) -> None:
        self.refresh_bindings()

    def action_edit(self) -> None:
        active = self.query_one(TabbedContent).active
        if active == "summary":
            edit_role(self, self.role_name, self.load)
        elif active == "trust":
            edit_trust_policy(self, self.role_name, self.trail, self.load)
