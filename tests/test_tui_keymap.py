"""Keys a user remaps: every binding has an id, and keymap.toml in the config folder maps
ids to keys (Textual's keymaps, https://textual.textualize.io/api/app/#textual.app.App.set_keymap);
`?` (or its remapped key) lists the keys in force, each with the id to remap it by."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import ContentSwitcher
from tui_helpers import new_store, settle, sign_in

import iamtui.app
from iamtui.app import IamApp, load_keymap
from iamtui.screens.keys import NO_ID, KeyRow, KeysScreen
from iamtui.screens.widgets.resource_table import ResourceTable


def _app(tmp_path: Path, keymap: str) -> IamApp:
    new_store(tmp_path).close()
    path = tmp_path / "keymap.toml"
    path.write_text(keymap, encoding="utf-8")
    return IamApp(tmp_path / "db.json", keys_dir=tmp_path / "keys", keymap_file=path)


def _section(app: IamApp) -> str | None:
    return app.screen.query_one("#content", ContentSwitcher).current


def _keys_shown(app: IamApp) -> list[KeyRow]:
    """The rows of the Keys screen's table, as drawn."""
    assert isinstance(app.screen, KeysScreen)
    return [KeyRow(*row.cells) for row in app.screen.query_one(ResourceTable).rows]


async def test_a_remapped_key_works_and_the_keys_screen_shows_it_with_its_id(
        tmp_path: Path) -> None:
    app = _app(tmp_path, '"app.keys" = "f1"\n[main]\nshow_users = "u"\n')
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        assert _section(app) == "dashboard"
        await pilot.press("2")  # the default key of Users is no longer bound
        await pilot.pause()
        assert _section(app) == "dashboard"
        await pilot.press("u")
        await pilot.pause()
        assert _section(app) == "users"
        await pilot.press("question_mark")  # remapped away: nothing opens
        await pilot.pause()
        assert not isinstance(app.screen, KeysScreen)
        await pilot.press("f1")  # `?`, remapped: the keys in force, with their ids
        await pilot.pause()
        shown = _keys_shown(app)
        assert KeyRow("u", "Users", "main.show_users") in shown
        assert KeyRow("f1", "Keys", "app.keys") in shown
        assert not any(row.keys == "2" for row in shown)
        # the focused table's keys come first; Textual's own keys have no id to remap
        assert shown[0] == KeyRow("↑ k", "Up", "line_table.up")
        assert KeyRow("/", "Filter", "section.filter") in shown
        assert KeyRow("tab", "Focus Next", NO_ID) in shown
        await pilot.press("f1")  # the same key closes the list
        await pilot.pause()
        assert not isinstance(app.screen, KeysScreen)
        assert _section(app) == "users"


async def test_a_bad_keymap_is_reported_and_the_default_keys_stay(tmp_path: Path) -> None:
    app = _app(tmp_path, '[main]\nshow_users = 2\n')
    async with app.run_test(size=(120, 40)) as pilot:
        assert any(n.title == "Keymap not loaded" and "main.show_users" in n.message
                   for n in app._notifications)
        await sign_in(pilot)
        await pilot.press("2")
        await pilot.pause()
        assert _section(app) == "users"


def test_the_keymap_file_takes_dotted_ids_or_tables(tmp_path: Path) -> None:
    path = tmp_path / "keymap.toml"
    assert load_keymap(path) == {}  # no file: the default keys
    path.write_text('"section.new" = "ctrl+n"\n[tester]\nrun = "f9,ctrl+r"\n')
    assert load_keymap(path) == {"section.new": "ctrl+n", "tester.run": "f9,ctrl+r"}
    path.write_text('section.new = "ctrl+n"\n')  # TOML's dotted key is the same table
    assert load_keymap(path) == {"section.new": "ctrl+n"}
    path.write_text('section.new = ["ctrl+n"]\n')
    with pytest.raises(ValueError, match=r"section\.new"):
        load_keymap(path)
    path.write_text('section.new = "ctrl+n\n')
    with pytest.raises(ValueError):
        load_keymap(path)


def test_keys_screen_snapshot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                              snap_compare: Any) -> None:
    """The Keys screen at 80x24 over the Users section, `n` remapped to ctrl+n. The keymap
    is handed over as loaded (the file's temporary path would change every run)."""
    new_store(tmp_path).close()
    monkeypatch.setattr(iamtui.app, "load_keymap", lambda path: {"section.new": "ctrl+n"})
    app = IamApp(tmp_path / "db.json", keys_dir=tmp_path / "keys",
                 keymap_file=Path("/home/you/.config/iamtui/keymap.toml"))

    async def open_keys(pilot: Pilot) -> None:
        await sign_in(pilot)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=open_keys)
