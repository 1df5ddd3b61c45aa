"""`?`: the keys in force on a screen, each with the binding id that keymap.toml remaps.

Textual's key panel shows a key and what it does, not the id; a user writing keymap.toml
(`"section.new" = "ctrl+n"`) needs that id. This screen lists, for the screen below it,
every binding of the focused widget and of the widgets around it (the focused one first,
as Textual resolves a key), after the keymap's remaps, with its id.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar, NamedTuple

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Label, Static

from iamtui.screens.widgets.resource_table import Column, ResourceTable, Row

NO_ID = "—"  # Textual's own bindings (an input's cursor keys) have none: not remappable


class KeyRow(NamedTuple):
    """One action's keys as shown (several when remapped to more than one), what it does,
    and its binding id (NO_ID when it has none)."""

    keys: str
    description: str
    binding_id: str


def keys_in_force(screen: Screen[object]) -> list[KeyRow]:
    """The bindings active on `screen`, the focused widget's first, one row per action of
    each widget (its keys joined, as Textual's key panel does); Textual's system bindings
    (ctrl+c, tab) are left out, as there."""
    rows: list[KeyRow] = []
    seen: dict[tuple[int, str], int] = {}  # (widget, action) -> its row
    display = screen.app.get_key_display
    for node, binding, _enabled, _tooltip in screen.active_bindings.values():
        if binding.system:
            continue
        where = (id(node), binding.action)
        key = display(binding)
        if where in seen:
            row = rows[seen[where]]
            if key not in row.keys.split(" "):
                rows[seen[where]] = row._replace(keys=f"{row.keys} {key}")
            continue
        seen[where] = len(rows)
        rows.append(KeyRow(key, binding.description or binding.action, binding.id or NO_ID))
    return rows


class KeysScreen(ModalScreen[None]):
    """The keys in force on the screen below, with their ids; `esc` or `?` closes it."""

    DEFAULT_CSS = """
    KeysScreen { align: center middle; }
    KeysScreen > .keys {
        width: 100; max-width: 100%; height: 100%; max-height: 40;
        padding: 0 1; border: thick $primary; background: $surface;
    }
    KeysScreen .keys-hint { color: $text-muted; height: auto; }
    KeysScreen ResourceTable { height: 1fr; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Close", id="keys.close"),
        # the same id as the screens' `?`, so a remapped `?` closes the list it opened
        Binding("question_mark", "dismiss", "Close", show=False, id="app.keys"),
    ]

    def __init__(self, rows: Sequence[KeyRow], keymap_file: Path) -> None:
        super().__init__()
        self.rows, self.keymap_file = list(rows), keymap_file

    def compose(self) -> ComposeResult:
        with Vertical(classes="keys"):
            yield Label("Keys in force (the focused part first)", classes="dialog-title")
            yield ResourceTable(
                (Column("keys", "Key", 14), Column("description", "Does", 28),
                 Column("id", "Id in keymap.toml", 40)), id="keys-table")
            yield Static(f'Remap a key by its id in {self.keymap_file}, e.g. '
                         f'"section.new" = "ctrl+n". esc closes.', classes="keys-hint",
                         markup=False)

    def on_mount(self) -> None:
        table = self.query_one("#keys-table", ResourceTable)
        table.set_rows([Row(str(i), tuple(row)) for i, row in enumerate(self.rows)])
        table.focus()
