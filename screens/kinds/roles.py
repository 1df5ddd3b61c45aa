"""Roles: the table (name, trusted entities, description, session, last used) and its verbs.

`n` asks for the name and settings, then opens the policy editor on a trust policy
template; the role is created when that trust policy is saved.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from iamtui.arn import (
    validate_description,
    validate_max_session_duration,
    validate_path,
    validate_role_name,
)
from iamtui.errors import ValidationError
from iamtui.policy import PolicyType
from iamtui.screens.modals import Field, FormModal
from iamtui.screens.navigation import OpenEntity
from iamtui.screens.ops import Failed, run_op
from iamtui.screens.policy_editor import trust_policy_quota
from iamtui.screens.role_detail import edit_role, parse_duration
from iamtui.screens.sections import ResourceSection
from iamtui.screens.session import session_of
from iamtui.screens.widgets.kind_section import EditableKind
from iamtui.screens.widgets.permissions import open_editor
from iamtui.screens.widgets.resource_table import Column, Row

if TYPE_CHECKING:
    from iamtui.service import IamService, Principal

COLUMNS = (
    Column("name", "Role name"), Column("path", "Path", 16),
    Column("trusted", "Trusted entities", 40), Column("description", "Description", 40),
    Column("session", "Max session", 11), Column("used", "Last activity", 16),
    Column("created", "Created", 12),
)

TRUST_TEMPLATE = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
    "Action": "sts:AssumeRole"}]}, indent=2)


def trusted_entities(document: str) -> str:
    """`AWS: arn:...:root, Service: ec2.amazonaws.com`: who may assume the role."""
    try:
        statements: Any = json.loads(document).get("Statement", [])
    except (ValueError, AttributeError):
        return "?"
    if isinstance(statements, dict):
        statements = [statements]
    found: list[str] = []
    for statement in statements if isinstance(statements, list) else []:
        principal = statement.get("Principal") if isinstance(statement, dict) else None
        if principal == "*":
            found.append("Anyone (*)")
        elif isinstance(principal, dict):
            for kind, values in principal.items():
                for value in values if isinstance(values, list) else [values]:
                    found.append(f"{kind}: {value}")
    return ", ".join(dict.fromkeys(found)) or "-"


def load(service: IamService, principal: Principal) -> list[Row]:
    """One row per role."""
    rows = []
    for role in service.list_roles(principal):
        last = role.role_last_used.last_used_date if role.role_last_used else None
        hours = f"{role.max_session_duration / 3600:g} h"
        rows.append(Row(role.arn, (
            role.role_name, role.path, trusted_entities(role.assume_role_policy_document),
            (role.description or "-").replace("\n", " "), hours,
            f"{last:%Y-%m-%d}" if last else "Never", f"{role.create_date:%Y-%m-%d}"),
            (role.role_name, role.path, None, role.description or "",
             role.max_session_duration, last.isoformat() if last else "", role.create_date)))
    return rows


def name_of(arn: str) -> str:
    """The role's name, the last part of its ARN (rows are keyed by ARN)."""
    return arn.rsplit("/", 1)[-1]


def open_role(section: ResourceSection, arn: str) -> None:
    """Enter: the role's detail; the table refreshes when it closes."""
    section.post_message(OpenEntity("role", name_of(arn), on_close=section.action_refresh))


def create_role(section: ResourceSection) -> None:
    """A form for the name and settings, then the trust policy in the editor."""
    service, principal = session_of(section)

    def check(values: dict[str, str]) -> None:
        """What CreateRole would refuse, refused here, before the trust policy is written."""
        validate_role_name(values["name"])
        validate_path(values["path"] or "/")
        if values["description"]:
            validate_description(values["description"])
        seconds = parse_duration(values["duration"])
        if seconds is None:
            raise ValidationError("Maximum session duration: seconds (3600-43200), or like "
                                  "1h, 12h.")
        validate_max_session_duration(seconds)

    def settings(values: dict[str, str] | None) -> None:
        if values is None:
            return
        seconds = parse_duration(values["duration"]) or 3600
        name = values["name"]

        def save(document: str) -> bool:
            role = run_op(
                section, service.create_role, principal, name, document,
                path=values["path"] or "/", description=values["description"] or None,
                max_session_duration=seconds, success=f"Created role {name}")
            if isinstance(role, Failed):
                return False
            section.reload_and_select(role.arn)
            return True

        open_editor(section, f"Roles › new role {name} › trust policy", TRUST_TEMPLATE,
                    PolicyType.TRUST, save, section.action_refresh,
                    save_label="Create role", quotas=(trust_policy_quota(),))

    section.app.push_screen(FormModal("New role (next: its trust policy, who may assume it)", [
        Field("name", "Role name", placeholder="ReportsReader"),
        Field("path", "Path", "/", required=False),
        Field("description", "Description", required=False),
        Field("duration", "Maximum session duration (seconds, or 1h-12h)", "3600")],
        submit="Next: trust policy", apply=check), settings)


def edit_role_row(section: ResourceSection, arn: str) -> None:
    """e: the description and maximum session duration of the role under the cursor."""
    edit_role(section, name_of(arn), section.action_refresh)


def delete_role(section: ResourceSection, arn: str) -> None:
    """d: DeleteRole after a confirmation; its policies are removed first. A service-linked
    role is deleted as the console does it: DeleteServiceLinkedRole, then its task's
    status."""
    name = name_of(arn)
    if ":role/aws-service-role/" in arn:
        section.confirm(f"Delete service-linked role {name}? Its service can no longer act "
                        "for you; the deletion runs as a task that fails while the role is "
                        "in use.", lambda: delete_service_linked_role(section, name))
        return
    section.confirm(
        f"Delete role {name}? Its inline policies go with it and its managed policies are "
        "detached; sessions of the role stop working.",
        lambda: section.op(session_of(section).service.delete_role, name,
                           cascade=True, success=f"Deleted role {name}"))


def delete_service_linked_role(section: ResourceSection, name: str) -> None:
    """DeleteServiceLinkedRole, then the deletion task's status as a toast."""
    service, principal = session_of(section)
    task = run_op(section, service.delete_service_linked_role, principal, name)
    if isinstance(task, Failed):
        return
    status = run_op(section, service.get_service_linked_role_deletion_status, principal, task)
    if not isinstance(status, Failed):
        section.notify(f"Deletion of {name}: {status.status}"
                       + (f" ({status.reason})" if status.reason else ""),
                       severity="information" if status.status == "SUCCEEDED" else "error")
    section.action_refresh()


ROLES = EditableKind("Roles", "role", COLUMNS, load, open=open_role, create=create_role,
                     delete=delete_role, arn_of=lambda arn: arn, edit=edit_role_row)
