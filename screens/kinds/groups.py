"""Groups: the table (name, path, members, policies, created) and its verbs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from iamtui.screens.kinds.named import create_named, edit_named
from iamtui.screens.navigation import OpenEntity
from iamtui.screens.sections import ResourceSection
from iamtui.screens.session import session_of
from iamtui.screens.widgets.kind_section import EditableKind
from iamtui.screens.widgets.resource_table import Column, Row

if TYPE_CHECKING:
    from iamtui.service import IamService, Principal

COLUMNS = (
    Column("name", "Group name"), Column("path", "Path", 20), Column("users", "Users", 6),
    Column("policies", "Attached policies", 40), Column("inline", "Inline", 6),
    Column("created", "Created", 12),
)


def load(service: IamService, principal: Principal) -> list[Row]:
    """One row per group, with its member and policy counts."""
    rows = []
    for group in service.list_groups(principal):
        name = group.group_name
        members = len(service.get_group(principal, name).users)
        attached = [p.policy_name for p in service.list_attached_group_policies(principal, name)]
        inline = len(service.list_group_policies(principal, name))
        rows.append(Row(group.arn, (name, group.path, str(members), ", ".join(attached) or "-",
                               str(inline), f"{group.create_date:%Y-%m-%d}"),
                        (name, group.path, members, len(attached), inline, group.create_date)))
    return rows


def name_of(arn: str) -> str:
    """The group's name, the last part of its ARN (rows are keyed by ARN)."""
    return arn.rsplit("/", 1)[-1]


def open_group(section: ResourceSection, arn: str) -> None:
    """Enter: the group's detail; the table refreshes when it closes."""
    section.post_message(OpenEntity("group", name_of(arn), on_close=section.action_refresh))


def create_group(section: ResourceSection) -> None:
    """n: CreateGroup from a form (name and path)."""
    create_named(section, "group", "Developers",
                 session_of(section).service.create_group)


def edit_group(section: ResourceSection, arn: str) -> None:
    """UpdateGroup: rename or move the group; members and policies follow it."""
    row = next((r for r in section.table.rows if r.key == arn), None)
    edit_named(section, "group", name_of(arn), row.cells[1] if row else "/",
               session_of(section).service.update_group)


def delete_group(section: ResourceSection, arn: str) -> None:
    """d: DeleteGroup after a confirmation; members and policies are removed first."""
    name = name_of(arn)
    section.confirm(
        f"Delete group {name}? Its members are removed from it and its policies detached or "
        "deleted; the users themselves stay.",
        lambda: section.op(session_of(section).service.delete_group, name,
                           cascade=True, success=f"Deleted group {name}"))


GROUPS = EditableKind("Groups", "group", COLUMNS, load, open=open_group, create=create_group,
                      delete=delete_group, arn_of=lambda arn: arn, edit=edit_group)
