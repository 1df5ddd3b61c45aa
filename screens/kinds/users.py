"""Users: the table (name, groups, console access, MFA, keys, activity) and its verbs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from rich.style import Style

from iamtui.screens.kinds.named import create_named
from iamtui.screens.navigation import OpenEntity, SessionEnded
from iamtui.screens.sections import ResourceKind, ResourceSection
from iamtui.screens.session import session_of
from iamtui.screens.widgets.resource_table import Column, Row

if TYPE_CHECKING:
    from iamtui.service import IamService, Principal

COLUMNS = (
    Column("name", "User name"), Column("path", "Path", 20), Column("groups", "Groups", 30),
    Column("console", "Console access", 18), Column("mfa", "MFA", 8),
    Column("keys", "Access keys", 16), Column("activity", "Last activity", 14),
    Column("created", "Created", 12),
)


def age(moment: datetime | None, now: datetime) -> str:
    """`today`, `3 days`, `Never`: how long ago, as the IAM console writes it."""
    if moment is None:
        return "Never"
    days = (now - moment).days
    return "today" if days <= 0 else "1 day" if days == 1 else f"{days} days"


def aged(moment: datetime | None, now: datetime, fresh: str) -> str:
    """`12 days old`, or `fresh` ("set today") for something from today."""
    how_long = age(moment, now)
    return fresh if how_long == "today" else f"{how_long} old"


def _style(column: str, value: str) -> Style | None:
    if column == "mfa" and value == "None":
        return Style(color="yellow")
    if column == "keys" and value.endswith("days old") and int(value.split()[-3]) > 90:
        return Style(color="red")
    return None


HIDEABLE = ("groups", "console", "mfa", "keys", "activity")  # UserSummary.hidden's names
NOT_ALLOWED = "not allowed"


def load(service: IamService, principal: Principal) -> list[Row]:
    now = service.clock()  # the store's clock: ages agree with the dates it records
    rows = []
    for s in service.user_summaries(principal):
        u = s.user
        console = f"Yes, password {aged(s.password_last_changed, now, 'set today')}" \
            if s.console_access else "No"
        keys = "None" if not s.access_keys else \
            f"{s.access_keys}, {'' if s.access_keys == 1 else 'oldest '}" \
            f"{aged(s.oldest_key_created, now, 'created today')}"
        shown = [", ".join(s.groups) or "-", console, "Yes" if s.mfa_devices else "None", keys,
                 age(s.last_activity, now)]
        # a column the principal may not read says so, rather than "None" or "No"
        shown = [NOT_ALLOWED if column in s.hidden else value
                 for column, value in zip(HIDEABLE, shown, strict=True)]
        rows.append(Row(u.arn, (u.user_name, u.path, *shown,
                                u.create_date.strftime("%Y-%m-%d")),
                        # Groups sort by the groups' names (a user in none last), not by count
                        (u.user_name, u.path, tuple(g.casefold() for g in s.groups) or None,
                         s.console_access, s.mfa_devices,
                         s.access_keys, s.last_activity or datetime.min.replace(tzinfo=UTC),
                         u.create_date)))
    return rows


def name_of(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def open_user(section: ResourceSection, arn: str) -> None:
    section.post_message(OpenEntity("user", name_of(arn), on_close=section.action_refresh))


def create_user(section: ResourceSection) -> None:
    """n: CreateUser from a form (name and path)."""
    create_named(section, "user", "alice",
                 session_of(section).service.create_user)


def delete_user(section: ResourceSection, arn: str) -> None:
    """d: DeleteUser after a confirmation (typing the name when the user has keys)."""
    name = name_of(arn)
    summary = next((r for r in section.table.rows if r.key == arn), None)
    has_keys = summary is not None and summary.cells[5] != "None"
    yourself = session_of(section).principal.arn == arn

    def delete() -> None:
        if section.op(session_of(section).service.delete_user, name, cascade=True,
                      success=f"Deleted user {name}") and yourself:
            section.app.post_message(SessionEnded(
                f"You deleted your own user {name}: sign in as another user."))

    section.confirm(
        (f"This is you: you are signed in as {name}, and deleting it signs you out for "
         "good. " if yourself else "")
        + f"Delete user {name}? Its password, access keys, MFA devices, group memberships "
        "and policies go with it.",
        delete, type_to_confirm=name if has_keys or yourself else None)


USERS = ResourceKind("Users", "user", COLUMNS, load, open=open_user, create=create_user,
                     delete=delete_user, arn_of=lambda arn: arn, styler=_style)
