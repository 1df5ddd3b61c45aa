"""An input for a whole number that takes digits only while it is being edited.

Out of editing, the number keys keep their meaning everywhere else (1-8 switch
sections, as the help says): a `1` meant for the Dashboard never lands in "Minimum
length". `enter` or `e` starts editing (so does a click), `enter` or `esc` ends it,
and leaving the field ends it too.
"""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.reactive import reactive
from textual.widgets import Input

# Input's own actions that change the text: refused out of editing, so their keys go on
# to the screen's bindings like the digits do.
EDITING_ACTIONS = frozenset({
    "delete_left", "delete_right", "delete_left_word", "delete_right_word",
    "delete_left_all", "delete_right_all", "cut", "paste"})


class NumberField(Input):
    """A digits-only Input that holds keys only while `editing`."""

    DEFAULT_CSS = """
    NumberField.-editing { background: $accent 40%; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("e", "edit", "Edit", id="number_field.edit"),
        Binding("escape", "done", "Done", show=False, id="number_field.done"),
    ]

    editing: reactive[bool] = reactive(False)

    def __init__(self, value: str | None = None, **kwargs: object) -> None:
        super().__init__(value, restrict=r"[0-9]*", **kwargs)  # type: ignore[arg-type]

    def watch_editing(self, editing: bool) -> None:
        self.set_class(editing, "-editing")
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "edit":
            return not self.editing
        if action == "done":
            return self.editing
        if action in EDITING_ACTIONS:
            return self.editing
        return True

    def check_consume_key(self, key: str, character: str | None) -> bool:
        # out of editing no key is the field's: 1-8 and e reach the bindings
        return self.editing and super().check_consume_key(key, character)

    async def _on_key(self, event: events.Key) -> None:
        if not self.editing and event.is_printable:
            # not typed into the field: the key goes on to the bindings (1-8, e, ?)
            event.prevent_default()

    def _on_paste(self, event: events.Paste) -> None:
        if not self.editing:
            event.prevent_default()

    def _on_click(self, event: events.Click) -> None:
        self.editing = True

    def _on_blur(self, event: events.Blur) -> None:
        self.editing = False

    def action_edit(self) -> None:
        """`e` (or `enter`): start editing, the text selected so typing replaces it."""
        self.editing = True
        self.select_all()

    def action_done(self) -> None:
        """`esc`: stop editing; the value stays as typed."""
        self.editing = False

    async def action_submit(self) -> None:
        """`enter` starts editing; while editing it ends it and submits the value."""
        if not self.editing:
            self.action_edit()
            return
        self.editing = False
        await super().action_submit()
