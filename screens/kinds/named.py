"""Users and groups are each a name and a path: one form creates either, one renames or
moves either, so the two tables behave the same. The forms call IamService themselves,
so a name AWS rejects is shown in the form and nothing typed is lost."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from iamtui.model import Group, User
from iamtui.screens.modals import Field, FormModal
from iamtui.screens.sections import ResourceSection
from iamtui.screens.session import session_of


def create_named(section: ResourceSection, singular: str, placeholder: str,
                 create: Callable[..., User | Group]) -> None:
    """n: Create<Kind> from a form of name and path; the table refreshes after it."""
    app = section.app
    principal = session_of(section).principal

    created: list[str] = []  # the new entity's ARN, its row's key

    def apply(values: dict[str, str]) -> None:
        entity = create(principal, values["name"], path=values["path"] or "/")
        created.append(entity.arn)

    def done(values: dict[str, str] | None) -> None:
        if values is not None:
            section.notify(f"Created {singular} {values['name']}")
            section.reload_and_select(created[-1])

    app.push_screen(FormModal(f"New {singular}", [
        Field("name", f"{singular.capitalize()} name", placeholder=placeholder),
        Field("path", "Path", "/", required=False)], apply=apply), done)


def edit_named(section: Any, singular: str, name: str, path: str,
               update: Callable[..., object], *, note: str = "") -> None:
    """e: Update<Kind>, renaming or moving it; nothing is sent when nothing changed.
    `update` is IamService's update_user or update_group."""
    app = section.app
    principal = session_of(section).principal

    def changes(values: dict[str, str]) -> tuple[str | None, str | None]:
        new_name = values["name"] if values["name"] != name else None
        new_path = values["path"] if values["path"] and values["path"] != path else None
        return new_name, new_path

    def apply(values: dict[str, str]) -> None:
        new_name, new_path = changes(values)
        if new_name or new_path:
            update(principal, name, **{f"new_{singular}_name": new_name}, new_path=new_path)

    def done(values: dict[str, str] | None) -> None:
        if values is not None and any(changes(values)):
            section.notify(f"Updated {singular} {values['name']}")
            section.action_refresh()

    app.push_screen(FormModal(f"Edit {singular} {name}", [
        Field("name", f"{singular.capitalize()} name", name),
        Field("path", "Path", path, required=False)], submit="Save", note=note,
        apply=apply), done)
