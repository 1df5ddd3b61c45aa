"""Users and groups are each a name and a path: one form creates either, one renames or
moves either, so the two tables behave the same."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from screens.modals import Field, FormModal
from screens.ops import Failed, run_op
from screens.sections import ResourceSection


def create_named(section: ResourceSection, singular: str, placeholder: str,
                 create: Callable[..., object]) -> None:
    """n: Create<Kind> from a form of name and path; the table refreshes after it."""
    app = section.app

    def done(values: dict[str, str] | None) -> None:
        if values is not None and not isinstance(run_op(
                section, create, app.principal, values["name"],  # type: ignore[attr-defined]
                path=values["path"] or "/", success=f"Created {singular} {values['name']}"),
                Failed):
            section.action_refresh()

    app.push_screen(FormModal(f"New {singular}", [
        Field("name", f"{singular.capitalize()} name", placeholder=placeholder),
        Field("path", "Path", "/", required=False)]), done)


def edit_named(section: Any, singular: str, name: str, path: str,
               update: Callable[..., object], *, note: str = "") -> None:
    """e: Update<Kind>, renaming or moving it; nothing is sent when nothing changed.
    `update` is IamService's update_user or update_group."""
    app = section.app

    def done(values: dict[str, str] | None) -> None:
        if values is None:
            return
        new_name = values["name"] if values["name"] != name else None
        new_path = values["path"] if values["path"] and values["path"] != path else None
        if (new_name or new_path) and not isinstance(run_op(
                section, update, app.principal, name,  # type: ignore[attr-defined]
                **{f"new_{singular}_name": new_name}, new_path=new_path,
                success=f"Updated {singular} {values['name']}"), Failed):
            section.action_refresh()

    app.push_screen(FormModal(f"Edit {singular} {name}", [
        Field("name", f"{singular.capitalize()} name", name),
        Field("path", "Path", path, required=False)], submit="Save", note=note), done)
