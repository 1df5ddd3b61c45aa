"""The Permissions tab of a user, group or role: attached, inline, via groups and boundary.

`a` attaches a managed policy from a picker, `i` writes a new inline policy in the
policy editor, `e` edits the inline policy under the cursor, `d` detaches or deletes
what is under the cursor, `b` sets the permissions boundary (users and roles), and
`enter` opens the policy (or the group it comes through).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from textual.binding import Binding, BindingType

from iamtui.arn import is_aws_managed_policy_arn, policy_size
from iamtui.errors import IamError
from iamtui.policy import PolicyType
from iamtui.policy.document import LineIndex, parse_json
from iamtui.screens.modals import Field, FormModal
from iamtui.screens.navigation import OpenEntity
from iamtui.screens.ops import Failed, run_op
from iamtui.screens.policy_editor import PolicyEditorScreen, SizeQuota, inline_policy_quota
from iamtui.screens.session import session_of
from iamtui.screens.widgets.detail_pane import DetailPane
from iamtui.screens.widgets.picker import PickerModal
from iamtui.screens.widgets.resource_table import Column, Row

if TYPE_CHECKING:
    from textual.dom import DOMNode

Owner = Literal["user", "group", "role"]

TEMPLATE = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": "*"}]}, indent=2)

POLICY_COLUMNS = (Column("name", "Policy name", 34), Column("type", "Type", 16),
                  Column("attached", "Attached", 9), Column("description", "Description", 70))


def pretty(document: str) -> str:
    """A document indented for reading; as stored when it is not plain JSON (duplicate
    keys, a syntax error), since reformatting would hide what is wrong with it."""
    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        if len({k for k, _ in items}) != len(items):
            raise ValueError("duplicate key")
        return dict(items)
    try:
        return json.dumps(json.loads(document, object_pairs_hook=pairs), indent=2)
    except (ValueError, RecursionError):
        return document


def policy_type_label(arn: str) -> str:
    """`AWS managed` or `Customer managed`, as the console's Type column says."""
    return "AWS managed" if is_aws_managed_policy_arn(arn) else "Customer managed"


def pick_policy(node: DOMNode, title: str, then: Callable[[str], object], *,
                exclude: Collection[str] = ()) -> None:
    """Open a filterable picker of every managed policy; call `then(arn)` on a pick."""
    service, principal = session_of(node)
    policies = run_op(node, service.list_policies, principal)
    if isinstance(policies, Failed):
        return
    rows = [Row(p.arn, (p.policy_name, policy_type_label(p.arn), str(p.attachment_count),
                        (p.description or "").replace("\n", " ")))
            for p in policies if p.arn not in exclude]

    def done(arn: str | None) -> None:
        if arn:
            then(arn)
    node.app.push_screen(PickerModal(title, POLICY_COLUMNS, rows,
                                     empty_text="No policies to pick."), done)


def open_policy(node: DOMNode, arn: str, trail: tuple[str, ...]) -> None:
    """Open the detail of a managed policy."""
    node.post_message(OpenEntity("policy", arn, trail=trail))


def statement_line(text: str, statement_id: str | None) -> int | None:
    """The line (from 0) where the statement named `statement_id` starts in the policy
    `text`: the one with that Sid or, as "#3" (the engine's name for a statement without
    one), the third; None when there is no such statement or the text does not parse."""
    if not statement_id:
        return None
    try:
        root = parse_json(text)
    except IamError:  # MalformedPolicyDocument: the top, then
        return None
    given = next((v for k, v in root.members() if k.value == "Statement"), None)
    if given is None:
        return None
    statements = given.value if given.kind == "array" else [given]
    wanted = None
    for index, node in enumerate(statements):
        sid = next((v.value for k, v in node.members() if k.value == "Sid"), None)
        if sid == statement_id or (sid is None and statement_id == f"#{index + 1}"):
            wanted = node
            break
    if wanted is None:
        return None
    return LineIndex(text).position(wanted.start).line - 1


def open_editor(node: DOMNode, title: str, text: str, policy_type: PolicyType,
                save: Callable[[str], bool], after: Callable[[], object],
                save_label: str = "Save", quotas: Sequence[SizeQuota] = (),
                line: int | None = None) -> None:
    """Push the policy editor; `after` runs when it closes, saved or not; `quotas` are
    the size quotas the save applies (shown, and checked live); `line` is where the
    cursor starts (from 0), scrolled into view."""
    node.app.push_screen(PolicyEditorScreen(title, text, policy_type, save,
                                            save_label=save_label, quotas=quotas, line=line),
                         lambda _: after())


def _other_inline_size(node: DOMNode, kind: Owner, owner_name: str, name: str) -> int:
    """The size of the owner's other inline policies (one aggregate quota covers them
    all); those the signed-in principal may not read count as nothing."""
    service, principal = session_of(node)
    try:
        others = service.list_owner_policies(principal, kind, owner_name)
    except IamError:
        return 0
    total = 0
    for other in others:
        if other.casefold() == name.casefold():
            continue
        try:
            total += policy_size(service.get_owner_policy(principal, kind, owner_name,
                                                          other).document)
        except IamError:
            continue
    return total


def edit_inline_policy(node: DOMNode, kind: Owner, owner_name: str, name: str,
                       trail: tuple[str, ...], after: Callable[[], object], *,
                       text: str | None = None, statement: str | None = None) -> None:
    """Put{User,Group,Role}Policy through the policy editor: the inline policy `name`
    as stored (or `text`, for a new one), with the owner's aggregate size quota; the
    cursor on `statement` (a Sid, or "#N"), when given."""
    service, principal = session_of(node)
    if text is None:
        policy = run_op(node, service.get_owner_policy, principal, kind, owner_name, name)
        if isinstance(policy, Failed):
            return
        text = pretty(policy.document)

    def save(document: str) -> bool:
        return not isinstance(run_op(
            node, service.put_owner_policy, principal, kind, owner_name, name, document,
            success=f"Saved inline policy {name}"), Failed)

    open_editor(node, " › ".join((*trail, f"inline policy {name}")), text,
                PolicyType.IDENTITY, save, after,
                quotas=(inline_policy_quota(kind, owner_name,
                                            _other_inline_size(node, kind, owner_name, name)),),
                line=statement_line(text, statement))


class PermissionsPane(DetailPane):
    """What grants or limits an owner's permissions, one row per policy."""

    columns = (Column("name", "Policy name", 50), Column("type", "Type", 22),
               Column("via", "Attached via", 24), Column("arn", "ARN", 90))
    empty_text = "No permissions. Press a to attach a policy or i to add an inline one."
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "attach", "Attach", id="permissions.attach"),
        Binding("i", "inline", "Inline", id="permissions.inline"),
        Binding("e", "edit", "Edit", id="permissions.edit"),
        Binding("d", "remove", "Remove", id="permissions.remove"),
        Binding("b", "boundary", "Boundary", id="permissions.boundary"),
    ]

    def __init__(self, kind: Owner, owner_name: str, trail: tuple[str, ...],
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.kind, self.owner_name, self.trail = kind, owner_name, trail

    # ------------------------------------------------------------ rows

    def load(self) -> list[Row]:
        service, principal = session_of(self)
        rows = self._own_rows(self.kind, self.owner_name, "directly")
        if self.kind == "user":
            for group in service.list_groups_for_user(principal, self.owner_name):
                rows += self._own_rows("group", group.group_name, f"group {group.group_name}")
        if self.kind in ("user", "role"):
            owner = service.get_user(principal, self.owner_name) if self.kind == "user" \
                else service.get_role(principal, self.owner_name)
            if owner.permissions_boundary:
                arn = owner.permissions_boundary
                rows.append(Row(f"boundary:{arn}", (arn.rsplit("/", 1)[-1],
                                                    "Permissions boundary", "-", arn)))
        return rows

    def _own_rows(self, kind: Owner, name: str, via: str) -> list[Row]:
        service, principal = session_of(self)
        prefix = "" if kind == self.kind else f"group:{name}:"
        rows = [Row(f"{prefix}managed:{p.arn}", (p.policy_name, policy_type_label(p.arn),
                                                 via, p.arn))
                for p in service.list_attached_policies(principal, kind, name)]
        rows += [Row(f"{prefix}inline:{policy}", (policy, "Inline", via, "-"))
                 for policy in service.list_owner_policies(principal, kind, name)]
        return rows

    # ------------------------------------------------------------ which verbs apply

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        key = self.current or ""
        if action == "edit":
            return key.startswith("inline:")
        if action == "remove":
            return key.startswith(("inline:", "managed:", "boundary:"))
        if action == "boundary":
            return self.kind != "group"
        return True

    # ------------------------------------------------------------ verbs

    def on_resource_table_activated(self, event: Any) -> None:
        key: str = event.key
        if key.startswith("group:"):
            self.post_message(OpenEntity("group", key.split(":", 2)[1], trail=self.trail,
                                         on_close=self.reload))
        elif key.startswith(("managed:", "boundary:")):
            open_policy(self, key.split(":", 1)[1], self.trail)
        elif key.startswith("inline:"):
            self.action_edit()

    def action_attach(self) -> None:
        attached = {k.split(":", 1)[1] for k in (r.key for r in self.table.rows)
                    if k.startswith("managed:")}
        service, _ = session_of(self)
        pick_policy(self, f"Attach a policy to {self.kind} {self.owner_name}",
                    lambda arn: self.op(service.attach_policy, self.kind, self.owner_name, arn,
                                        success=f"Attached {arn.rsplit('/', 1)[-1]} to "
                                                f"{self.owner_name}"),
                    exclude=attached)

    def action_inline(self) -> None:
        def named(values: dict[str, str] | None) -> None:
            if values:
                edit_inline_policy(self, self.kind, self.owner_name, values["name"],
                                   self.trail, self.reload, text=TEMPLATE)
        self.app.push_screen(FormModal(f"New inline policy for {self.kind} {self.owner_name}",
                                       [Field("name", "Policy name",
                                              placeholder="ReadReports")],
                                       submit="Next: write it"), named)

    def action_edit(self) -> None:
        key = self.current or ""
        if key.startswith("inline:"):
            edit_inline_policy(self, self.kind, self.owner_name, key.split(":", 1)[1],
                               self.trail, self.reload)

    def action_remove(self) -> None:
        key = self.current or ""
        service, _ = session_of(self)
        what, _, ident = key.partition(":")
        short = ident.rsplit("/", 1)[-1]
        if what == "managed":
            self.confirm(f"Detach {short} from {self.kind} {self.owner_name}?",
                         lambda: self.op(service.detach_policy, self.kind, self.owner_name,
                                         ident, success=f"Detached {short}"), verb="Detach")
        elif what == "inline":
            self.confirm(f"Delete inline policy {ident} of {self.kind} {self.owner_name}?",
                         lambda: self.op(service.delete_owner_policy, self.kind,
                                         self.owner_name, ident,
                                         success=f"Deleted inline policy {ident}"))
        elif what == "boundary":
            self.confirm(f"Remove the permissions boundary {short} from {self.owner_name}?",
                         lambda: self.op(service.set_owner_boundary, self.kind,
                                         self.owner_name, None,
                                         success="Permissions boundary removed"),
                         verb="Remove")

    def action_boundary(self) -> None:
        if self.kind == "group":
            return
        service, _ = session_of(self)
        pick_policy(self, f"Permissions boundary for {self.kind} {self.owner_name}",
                    lambda arn: self.op(service.set_owner_boundary, self.kind,
                                        self.owner_name, arn,
                                        success=f"Boundary set to {arn.rsplit('/', 1)[-1]}"))
