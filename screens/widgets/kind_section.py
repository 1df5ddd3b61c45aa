"""A section with `e` edit and verbs that depend on the row (no edit or delete of an AWS
managed policy): the footer follows the cursor, so it only shows keys that work there."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from textual.binding import Binding, BindingType

from iamtui.screens.bulk import start_bulk
from iamtui.screens.navigation import test_this_message
from iamtui.screens.sections import ResourceKind, ResourceSection
from iamtui.screens.widgets.resource_table import ResourceTable


@dataclass(frozen=True)
class EditableKind(ResourceKind):
    """A ResourceKind with an `edit` verb and per-row checks for edit and delete."""

    edit: Callable[[ResourceSection, str], None] | None = None
    can_edit: Callable[[str], bool] | None = None
    can_delete: Callable[[str], bool] | None = None


class KindSection(ResourceSection):
    """ResourceSection plus `e` edit; per-row verbs are hidden where they do not apply."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("e", "edit", "Edit", id="section.edit"),
        Binding("b", "bulk", "Marked…", id="section.bulk"),
        Binding("T", "test_this", "Test this", show=False, id="section.test_this")]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        kind = self.kind
        key = self.table.current_key if self.is_mounted else None
        if action == "edit":
            edit = getattr(kind, "edit", None)
            can_edit = getattr(kind, "can_edit", None)
            return edit is not None and key is not None and (can_edit is None
                                                              or can_edit(key))
        if action == "test_this":  # not a resource-based policy's row
            return key is not None and key.startswith("arn:")
        if action == "bulk":
            return self.is_mounted and bool(self.table.marked)
        if action == "delete":
            if self.is_mounted and self.table.marked:
                return kind.delete is not None
            can_delete = getattr(kind, "can_delete", None)
            if kind.delete is None or key is None:
                return False
            return can_delete is None or can_delete(key)
        return super().check_action(action, parameters)

    def on_resource_table_highlighted(self, event: ResourceTable.Highlighted) -> None:
        self.refresh_bindings()

    def action_edit(self) -> None:
        key = self.table.current_key
        edit = getattr(self.kind, "edit", None)
        if key is not None and edit is not None and self.check_action("edit", ()):
            edit(self, key)

    def action_bulk(self) -> None:
        """b: delete, add to a group, attach or detach a policy, for every marked row."""
        start_bulk(self)

    def action_delete(self) -> None:
        """d: the marked rows when there are any (one confirmation), else the cursor's."""
        if self.table.marked:
            start_bulk(self, "delete")
        else:
            super().action_delete()

    def action_test_this(self) -> None:
        """T: the tester on the row's user, group or role, or its policy as a custom one."""
        key = self.table.current_key
        if key is not None and key.startswith("arn:"):
            self.post_message(test_this_message(key))
