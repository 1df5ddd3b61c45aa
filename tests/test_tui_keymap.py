"""Keys a user remaps: every binding has an id, and keymap.toml in the config folder maps
ids to keys (Textual's keymaps, https://textual.textualize.io/api/app/#textual.app.App.set_keymap);
`?` (or its remapped key) lists the keys in force."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console
from textual.widgets import ContentSwitcher
from textual.widgets._key_panel import BindingsTable
from tui_helpers import new_store, sign_in

from iamtui.app import IamApp, load_keymap


def _app(tmp_path: Path, keymap: str) -> IamApp:
    new_store(tmp_path).close()
    path = tmp_path / "keymap.toml"
    path.write_text(keymap, encoding="utf-8")
    return IamApp(tmp_path / "db.json", keys_dir=tmp_path / "keys", keymap_file=path)


def _section(app: IamApp) -> str | None:
    return app.screen.query_one("#content", ContentSwitcher).current


def _key_panel_text(app: IamApp) -> str:
    console = Console(width=120, record=True, color_system=None)
    console.print(app.screen.query_one(BindingsTable).render_bindings_table())
    return console.export_text()


async def test_a_remapped_key_works_and_the_key_panel_shows_it(tmp_path: Path) -> None:
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
        await pilot.press("f1")  # `?`, remapped: the keys in force, beside the screen
        await pilot.pause()
        lines = _key_panel_text(app).splitlines()
        assert any(line.split() == ["u", "Users"] for line in lines), lines
        assert not any(line.split() == ["2", "Users"] for line in lines)


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
