"""One managed policy, in tabs: its document, its versions, and who uses it.

AWS managed policies are read-only: the verbs that would change one are hidden.
A customer managed policy keeps at most 5 versions; `e` (or `n` on Versions) writes
a new one in the policy editor, which becomes the default, as the console's
"Set as default" checkbox does by default.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.widgets import Footer, Static, TabbedContent, TabPane, TextArea

from iamtui.arn import is_aws_managed_policy_arn
from iamtui.policy import PolicyType
from iamtui.screens.navigation import EntityKind, OpenEntity
from iamtui.screens.ops import Failed, run_op
from iamtui.screens.policy_editor import managed_policy_quota
from iamtui.screens.policy_versions import PolicyVersionsDiffScreen
from iamtui.screens.session import session_of
from iamtui.screens.widgets.access_advisor import access_advisor_tab
from iamtui.screens.widgets.detail_pane import DetailPane, TagsPane
from iamtui.screens.widgets.detail_screen import DetailScreen, header
from iamtui.screens.widgets.permissions import (
    open_editor,
    policy_type_label,
    pretty,
    statement_line,
)
from iamtui.screens.widgets.policy_summary import PolicySummaryView
from iamtui.screens.widgets.resource_table import Column, ResourceTable, Row

if TYPE_CHECKING:
    from textual.dom import DOMNode

MAX_VERSIONS = 5  # IAM User Guide, "Versioning IAM policies"


def new_policy_version(node: DOMNode, arn: str, trail: tuple[str, ...],
                       then: Callable[[], object]) -> None:
    """Write a new version of a customer managed policy, starting from the default one."""
    service, principal = session_of(node)
    policy = run_op(node, service.get_policy, principal, arn)
    if isinstance(policy, Failed):
        return
    version = run_op(node, service.get_policy_version, principal, arn,
                     policy.default_version_id)
    if isinstance(version, Failed):
        return

    def save(document: str) -> bool:
        return not isinstance(run_op(
            node, service.create_policy_version, principal, arn, document, set_as_default=True,
            success=f"Saved a new default version of {policy.policy_name}"), Failed)

    open_editor(node, " › ".join((*trail, "new version")), pretty(version.document),
                PolicyType.IDENTITY, save, then, save_label="Save as new version",
                quotas=(managed_policy_quota(),))


class VersionsPane(DetailPane):
    """A policy's versions: `n` new, `m` make it the default, `d` delete, `enter` show it."""

    columns = (Column("version", "Version", 8), Column("default", "Default", 8),
               Column("created", "Created", 22))
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new", "New version", id="versions.new_version"),
        # not `s`: the table sorts with it
        Binding("m", "set_default", "Make default", id="versions.make_default"),
        Binding("d", "remove", "Delete", id="versions.delete"),
        Binding("c", "compare", "Compare", id="versions.compare"),
    ]

    def __init__(self, arn: str, trail: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.arn, self.trail = arn, trail
        self.read_only = is_aws_managed_policy_arn(arn)

    def load(self) -> list[Row]:
        service, principal = session_of(self)
        return [Row(v.version_id, (v.version_id, "Yes" if v.is_default_version else "",
                                   f"{v.create_date:%Y-%m-%d %H:%M UTC}"))
                for v in service.list_policy_versions(principal, self.arn)]

    def _is_default(self, version_id: str | None) -> bool:
        return any(r.key == version_id and r.cells[1] == "Yes" for r in self.table.rows)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.read_only and action in ("new", "set_default", "remove"):
            return False
        if action in ("set_default", "remove"):
            return self.current is not None and not self._is_default(self.current)
        if action == "compare":
            return self.table.total_count > 1
        return True

    def action_compare(self) -> None:
        """c: the version under the cursor beside the default one (or, on the default,
        beside the version before it), differences highlighted."""
        current = self.current
        rows = self.table.rows
        default = next((r.key for r in rows if r.cells[1] == "Yes"), None)
        if current is None or default is None:
            return
        left = default
        if current == default:  # the default against its predecessor
            ids = sorted((r.key for r in rows), key=lambda v: int(v.lstrip("v")))
            index = ids.index(current)
            left = ids[index - 1] if index > 0 else ids[min(1, len(ids) - 1)]
        self.app.push_screen(PolicyVersionsDiffScreen(self.arn, left, current,
                                                      trail=self.trail),
                             lambda _: self._changed())

    def action_new(self) -> None:
        if self.table.total_count >= MAX_VERSIONS:
            self.notify(f"A managed policy can have up to {MAX_VERSIONS} versions: delete one "
                        "(d) before you write another.", title="LimitExceeded",
                        severity="error")
            return
        new_policy_version(self, self.arn, self.trail, self._changed)

    def action_set_default(self) -> None:
        version = self.current
        if version is not None:
            service, _ = session_of(self)
            if self.op(service.set_default_policy_version, self.arn, version,
                       success=f"{version} is now the default version"):
                self._changed()

    def action_remove(self) -> None:
        version = self.current
        if version is None:
            return
        service, _ = session_of(self)
        self.confirm(f"Delete version {version} of this policy?",
                     lambda: self.op(service.delete_policy_version, self.arn, version,
                                     success=f"Deleted version {version}"))

    def _changed(self) -> None:
        self.reload()
        screen = self.screen
        if isinstance(screen, PolicyDetailScreen):
            screen.load()

    def on_resource_table_activated(self, event: ResourceTable.Activated) -> None:
        screen = self.screen
        if isinstance(screen, PolicyDetailScreen):
            screen.show_version(event.key)


class EntitiesPane(DetailPane):
    """The users, groups and roles a policy is attached to or bounds; `enter` opens one."""

    columns = (Column("type", "Type", 6), Column("name", "Name", 40),
               Column("usage", "Used as", 22), Column("arn", "ARN", 90))
    empty_text = "Not attached to any user, group or role, nor used as a boundary."

    def __init__(self, arn: str, trail: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.arn, self.trail = arn, trail

    def load(self) -> list[Row]:
        service, principal = session_of(self)
        rows = []
        for usage, label in (("PermissionsPolicy", "Permissions policy"),
                             ("PermissionsBoundary", "Permissions boundary")):
            found = service.list_entities_for_policy(principal, self.arn,
                                                     policy_usage_filter=usage)
            for kind, entities, attr in (("User", found.users, "user_name"),
                                         ("Group", found.groups, "group_name"),
                                         ("Role", found.roles, "role_name")):
                for entity in entities:
                    name = getattr(entity, attr)
                    rows.append(Row(f"{kind}:{name}:{usage}", (kind, name, label, entity.arn)))
        return rows

    def on_resource_table_activated(self, event: ResourceTable.Activated) -> None:
        kind, name, _ = event.key.split(":", 2)
        entity: EntityKind = "user" if kind == "User" else "group" if kind == "Group" else "role"
        self.post_message(OpenEntity(entity, name, trail=self.trail, on_close=self.reload))


class PolicyDetailScreen(DetailScreen):
    """The detail of one managed policy; `esc` goes back."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("e", "edit", "New version", id="policy_detail.new_version")]

    def __init__(self, arn: str, *, trail: tuple[str, ...] = ("Policies",),
                 statement: str | None = None) -> None:
        super().__init__()
        self.arn = arn
        self.statement = statement  # the default version's document opens at it (Sid, "#N")
        self.read_only = is_aws_managed_policy_arn(arn)
        self.trail = (*trail, arn.rsplit("/", 1)[-1])

    def compose(self) -> ComposeResult:
        service, principal = session_of(self)
        yield from header(self, self.trail)
        yield Static(id="policy-summary", classes="summary-body")
        with TabbedContent(id="tabs"):
            with TabPane("Document", id="document"):
                yield Static("", id="document-title", classes="pane-hint")
                yield TextArea.code_editor("", language="json", read_only=True,
                                           id="policy-document")
            with TabPane("Versions", id="versions"):
                yield VersionsPane(self.arn, self.trail, id="versions-pane")
            with TabPane("Entities attached", id="entities"):
                yield EntitiesPane(self.arn, self.trail, id="entities-pane")
            if not self.read_only:
                with TabPane("Tags", id="tags"):
                    yield TagsPane.of(service, principal, "policy", self.arn, id="tags-pane")
            with TabPane("Permissions summary", id="permissions-summary"):
                yield PolicySummaryView(classes="summary-body")
            yield access_advisor_tab("policy", self.arn)
        yield Footer(compact=True, show_command_palette=False)

    def load(self) -> None:
        """Read the policy again: summary and default version's document."""
        service, principal = session_of(self)
        policy = self.fetch(lambda: service.get_policy(principal, self.arn))
        if policy is None:
            return
        self.default_version = policy.default_version_id
        description = (policy.description or "-").replace("\n", " ")
        # $variables go in as text: a path or description may hold brackets, not markup
        self.query_one("#policy-summary", Static).update(Content.from_markup(
            f"[b]{policy_type_label(policy.arn)}[/b] · $arn\n"
            "[b]Description[/b] $description\n"
            f"[b]Attached to[/b] {policy.attachment_count} · [b]used as boundary by[/b] "
            f"{policy.permissions_boundary_usage_count} · [b]default version[/b] "
            f"{policy.default_version_id} · [b]updated[/b] "
            f"{policy.update_date:%Y-%m-%d %H:%M UTC}", arn=policy.arn, description=description))
        self.show_version(policy.default_version_id, switch=False)

    def show_version(self, version_id: str, *, switch: bool = True) -> None:
        """Show one version's document in the Document tab."""
        service, principal = session_of(self)
        version = run_op(self, service.get_policy_version, principal, self.arn, version_id)
        if isinstance(version, Failed):
            return
        default = " (default)" if version.is_default_version else ""
        self.query_one("#document-title", Static).update(f"Version {version_id}{default}")
        document = self.query_one("#policy-document", TextArea)
        document.load_text(pretty(version.document))
        line = statement_line(document.text, self.statement) \
            if version.is_default_version else None
        if line is not None:
            document.move_cursor((line, 0))
            document.scroll_to(y=line, animate=False, immediate=True)
        self.query_one(PolicySummaryView).show([version.document])
        if switch:
            self.show_tab("document")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "edit":
            return not self.read_only
        return True

    def action_edit(self) -> None:
        if not self.read_only:
            self.query_one("#versions-pane", VersionsPane).action_new()
