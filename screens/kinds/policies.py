"""Policies: managed ones (type, attached count, used as boundary) and resource-based
ones, in one table with the same verbs.

`t` cycles the type filter (all, AWS managed, customer managed, resource-based). AWS
managed policies are read-only, so `e` and `d` are hidden on their rows. `n` asks for
the name (or, under the resource-based filter, the resource's ARN), then opens the
policy editor; `e` writes a new version of the policy under the cursor. Resource-based
rows are handled by screens/kinds/resource_policies.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.style import Style
from textual.binding import Binding, BindingType
from textual.widgets import Static

from iamtui.arn import (
    is_aws_managed_policy_arn,
    validate_description,
    validate_path,
    validate_policy_name,
)
from iamtui.policy import PolicyType
from iamtui.screens.kinds import resource_policies
from iamtui.screens.modals import Field, FormModal
from iamtui.screens.navigation import OpenEntity
from iamtui.screens.ops import Failed, run_op
from iamtui.screens.policy_detail import new_policy_version
from iamtui.screens.policy_editor import managed_policy_quota
from iamtui.screens.row_keys import is_resource_key, resource_arn
from iamtui.screens.sections import ResourceSection
from iamtui.screens.session import session_of
from iamtui.screens.widgets.kind_section import EditableKind, KindSection
from iamtui.screens.widgets.permissions import TEMPLATE, open_editor, policy_type_label
from iamtui.screens.widgets.resource_table import Column, Row

if TYPE_CHECKING:
    from iamtui.service import IamService, Principal

# The counts come right after the name so they stay in view on an 80-column terminal.
COLUMNS = (
    # the name keeps 34 cells at 80 columns: AmazonS3FullAccess and AmazonS3ReadOnlyAccess
    # read whole, not as two "AmazonS3…" (the table scrolls sideways for the rest)
    Column("name", "Policy name", 50, min_width=34), Column("attached", "Attached", 8),
    Column("boundary", "Boundary of", 11), Column("type", "Type", 16),
    Column("description", "Description", 60), Column("updated", "Updated", 10),
)

# What `t` cycles through: (label, which rows stay).
TYPE_FILTERS: tuple[tuple[str, str | None], ...] = (
    ("All types", None), ("AWS managed", "AWS managed"),
    ("Customer managed", "Customer managed"),
    (resource_policies.TYPE_LABEL, resource_policies.TYPE_LABEL))


def _style(column: str, value: str) -> Style | None:
    if column == "type" and value == "AWS managed":
        return Style(color="bright_black")
    return None


def load(service: IamService, principal: Principal) -> list[Row]:
    """Every managed policy, AWS's and the account's own, with usage counts, then the
    resource-based policies."""
    rows = []
    for p in service.list_policies(principal):
        rows.append(Row(p.arn, (
            p.policy_name, str(p.attachment_count), str(p.permissions_boundary_usage_count),
            policy_type_label(p.arn), (p.description or "").replace("\n", " "),
            f"{p.update_date:%Y-%m-%d}"),
            (p.policy_name, p.attachment_count, p.permissions_boundary_usage_count,
             policy_type_label(p.arn), p.description or "", p.update_date)))
    return rows + resource_policies.resource_rows(service, principal)


def name_of(arn: str) -> str:
    """The policy's name, the last part of its ARN (rows are keyed by ARN)."""
    return arn.rsplit("/", 1)[-1]


def customer_managed(arn: str) -> bool:
    """Whether the account may change this policy (AWS managed ones are read-only)."""
    return not is_aws_managed_policy_arn(arn)


def open_policy(section: ResourceSection, arn: str) -> None:
    """Enter: the policy's detail; the table refreshes when it closes."""
    if is_resource_key(arn):
        resource_policies.open_resource_policy(section, arn)
        return
    section.post_message(OpenEntity("policy", arn, on_close=section.action_refresh))


def create_policy(section: ResourceSection) -> None:
    """A form for the name, then the document in the policy editor."""
    if TYPE_FILTERS[getattr(section, "type_filter", 0)][0] == resource_policies.TYPE_LABEL:
        resource_policies.create_resource_policy(section)
        return
    service, principal = session_of(section)

    def named(values: dict[str, str] | None) -> None:
        if values is None:
            return
        name = values["name"]

        def save(document: str) -> bool:
            policy = run_op(
                section, service.create_policy, principal, name, document,
                path=values["path"] or "/", description=values["description"] or None,
                success=f"Created policy {name}")
            if isinstance(policy, Failed):
                return False
            section.reload_and_select(policy.arn)
            return True

        open_editor(section, f"Policies › new policy {name}", TEMPLATE, PolicyType.IDENTITY,
                    save, section.action_refresh, save_label="Create policy",
                    quotas=(managed_policy_quota(),))

    def check(values: dict[str, str]) -> None:
        """What CreatePolicy would refuse, refused here, before the document is written."""
        validate_policy_name(values["name"])
        validate_path(values["path"] or "/", policy=True)
        if values["description"]:
            validate_description(values["description"])

    section.app.push_screen(FormModal("New customer managed policy", [
        Field("name", "Policy name", placeholder="ReadReports"),
        Field("path", "Path", "/", required=False),
        Field("description", "Description", required=False)],
        submit="Next: write it", apply=check), named)


def edit_policy(section: ResourceSection, arn: str) -> None:
    """e: a new default version of a customer managed policy, in the editor."""
    if is_resource_key(arn):
        resource_policies.open_resource_policy(section, arn)
        return
    new_policy_version(section, arn, ("Policies", name_of(arn)), section.action_refresh)


def delete_policy(section: ResourceSection, arn: str) -> None:
    """d: DeletePolicy after a confirmation (typing the name when it is in use)."""
    if is_resource_key(arn):
        resource_policies.delete_resource_policy(section, arn)
        return
    name = name_of(arn)
    row = next((r for r in section.table.rows if r.key == arn), None)
    in_use = row is not None and (row.cells[1] != "0" or row.cells[2] != "0")
    warning = " It is in use: it will be detached and removed as a boundary first." \
        if in_use else ""
    section.confirm(
        f"Delete policy {name} and all its versions?{warning}",
        lambda: section.op(session_of(section).service.delete_policy, arn,
                           cascade=True, success=f"Deleted policy {name}"),
        type_to_confirm=name if in_use else None)


POLICIES = EditableKind("Policies", "policy", COLUMNS, load, open=open_policy,
                        create=create_policy, delete=delete_policy,
                        arn_of=resource_arn,
                        styler=_style, edit=edit_policy, can_edit=customer_managed,
                        can_delete=customer_managed)


class PolicySection(KindSection):
    """The policies table, with `t` to cycle the type filter."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("t", "cycle_type", "Type filter", id="policies.type_filter")]

    def __init__(self, **kwargs: object) -> None:
        super().__init__(POLICIES, **kwargs)
        self.type_filter = 0
        self._all_rows: list[Row] = []

    def _show(self, rows: list[Row], revision: int) -> None:
        self.loaded_revision = revision
        self._all_rows = rows
        self._apply_type()
        self._move_to_selected()

    def _apply_type(self) -> None:
        label, wanted = TYPE_FILTERS[self.type_filter]
        rows = self._all_rows if wanted is None else \
            [r for r in self._all_rows if r.cells[3] == wanted]
        self.table.set_rows(rows)
        self.query_one(".section-title", Static).update(f"Policies · {label}")
        self._update_status()
        self.refresh_bindings()

    def action_cycle_type(self) -> None:
        """All types -> AWS managed -> customer managed -> resource-based -> all types."""
        self.type_filter = (self.type_filter + 1) % len(TYPE_FILTERS)
        self._apply_type()
