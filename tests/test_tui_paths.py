"""Save and load dialogs start in the user's documents folder (or home), shown in full,
and then where the last file went (issue 12)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from helpers import ACCOUNT_ID, ROOT_PASSWORD
from textual.command import CommandList
from textual.widgets import Input
from tui_helpers import new_store, settle, type_text

from iamtui.app import IamApp
from iamtui.screens import paths
from iamtui.screens.modals import FormModal
from iamtui.screens.widgets.resource_table import ResourceTable


def test_documents_folder_else_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_DOCUMENTS_DIR", raising=False)
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    assert paths.documents_folder() == tmp_path  # no Documents folder: home
    (tmp_path / "Documents").mkdir()
    assert paths.documents_folder() == tmp_path / "Documents"
    (tmp_path / ".config").mkdir()
    (tmp_path / "Dokumente").mkdir()  # a German desktop names it in user-dirs.dirs
    (tmp_path / ".config" / "user-dirs.dirs").write_text(
        'XDG_DESKTOP_DIR="$HOME/Schreibtisch"\nXDG_DOCUMENTS_DIR="$HOME/Dokumente"\n')
    assert paths.documents_folder() == tmp_path / "Dokumente"


async def test_the_test_set_dialogs_start_in_documents_then_remember(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    (home / "Documents").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_DOCUMENTS_DIR", raising=False)
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    svc = new_store(tmp_path)
    svc.create_user(svc.root_principal(), "alice")
    svc.close()
    app = IamApp(tmp_path / "db.json", keys_dir=tmp_path / "keys")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("ctrl+r", *ROOT_PASSWORD, "enter")
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        app.screen.query_one("#users ResourceTable", ResourceTable).move_to(
            f"arn:aws:iam::{ACCOUNT_ID}:user/alice")
        await pilot.press("T")  # the tester on alice
        await settle(pilot)
        await type_text(pilot, "s3:GetObject")
        await pilot.press("enter")
        await settle(pilot)

        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, FormModal)
        field = app.screen.query_one("#field-path", Input)
        assert field.value == str(home / "Documents" / "policy-tests.json")  # in full
        field.value = str(tmp_path / "sets" / "alice.json")
        (tmp_path / "sets").mkdir()
        await pilot.press("enter")
        await settle(pilot)
        assert (tmp_path / "sets" / "alice.json").exists()

        await pilot.press("ctrl+l")  # loading starts at the set just saved
        await pilot.pause()
        assert app.screen.query_one("#field-path", Input).value == \
            str(tmp_path / "sets" / "alice.json")
        await pilot.press("escape")
        await pilot.pause()

        await pilot.press("ctrl+p")  # another purpose starts in that folder
        await pilot.pause()
        await type_text(pilot, "export account")
        commands = app.screen.query_one(CommandList)
        deadline = time.monotonic() + 30
        while commands.option_count == 0 or commands.highlighted is None:  # searching
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.query_one("#field-path", Input).value == \
            str(tmp_path / "sets" / "iamtui-account-details.json")
