"""The TUI driven by key presses (Textual's Pilot): first run, sign-in, the users table."""

from __future__ import annotations

from pathlib import Path

from helpers import ACCOUNT_ID, ROOT_PASSWORD
from textual.widgets import Input
from tui_helpers import type_text

from iamtui.app import IamApp
from iamtui.service import IamService
from screens.main import MainScreen
from screens.modals import ConfirmModal, FormModal
from screens.sign_in import SignInScreen
from screens.widgets.resource_table import ResourceTable


async def test_first_run_creates_the_store_and_signs_in_as_root(tmp_path: Path) -> None:
    db = tmp_path / "s" / "db.json"
    app = IamApp(db, keys_dir=tmp_path / "keys")
    async with app.run_test(size=(100, 40)) as pilot:
        await type_text(pilot, ACCOUNT_ID)
        await pilot.press("enter")
        await type_text(pilot, "acme")
        await pilot.press("enter")
        await type_text(pilot, ROOT_PASSWORD)
        await pilot.press("enter")
        await type_text(pilot, ROOT_PASSWORD)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.principal is not None and app.principal.is_root
        # the best practice offered next: an administrator user, then MFA for root
        assert isinstance(app.screen, FormModal)
        app.screen.query_one("#field-name", Input).value = ""  # the suggested name, replaced
        await type_text(pilot, "ops-admin")
        await pilot.press("enter")
        await type_text(pilot, "Adm1n!Passw0rd")
        await pilot.press("enter")
        await type_text(pilot, "Adm1n!Passw0rd")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)  # root MFA: "Cancel" has the focus
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
    svc = IamService.open(db, keys_dir=tmp_path / "keys")
    root = svc.root_principal()
    assert svc.account().alias == "acme"
    assert [u.user_name for u in svc.get_group(root, "Admins").users] == ["ops-admin"]
    assert [p.arn for p in svc.list_attached_group_policies(root, "Admins")] == [
        "arn:aws:iam::aws:policy/AdministratorAccess"]
    assert svc.sign_in(ACCOUNT_ID, "ops-admin", "Adm1n!Passw0rd").name == "ops-admin"
    svc.close()


async def test_sign_in_then_create_filter_and_delete_users(tmp_path: Path) -> None:
    db = tmp_path / "db.json"
    IamService.initialize(db, root_password=ROOT_PASSWORD, account_id=ACCOUNT_ID,
                          keys_dir=tmp_path / "keys").close()
    app = IamApp(db, keys_dir=tmp_path / "keys")
    async with app.run_test(size=(120, 40)) as pilot:
        assert isinstance(app.screen, SignInScreen)
        await type_text(pilot, "root")
        await pilot.press("enter")
        await type_text(pilot, "wrong-password")
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, SignInScreen)  # still here: wrong password
        await type_text(pilot, ROOT_PASSWORD)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)

        await pilot.press("2")
        for name in ("alice", "bob", "carol"):
            await pilot.press("n")
            await type_text(pilot, name)
            await pilot.press("enter", "enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
        table = app.screen.query_one(ResourceTable)
        assert [r.cells[0] for r in table.rows] == ["alice", "bob", "carol"]

        await pilot.press("slash")
        await type_text(pilot, "bo")
        await pilot.pause()
        assert [r.cells[0] for r in table.rows] == ["bob"]
        await pilot.press("enter")  # back to the table, filter kept
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("enter")  # Cancel has the focus: a stray enter deletes nothing
        await pilot.pause()
        assert [r.cells[0] for r in table.rows] == ["bob"]
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("shift+tab", "enter")  # the Delete button
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert table.rows == []
    svc = IamService.open(db, keys_dir=tmp_path / "keys")
    names = [u.user_name for u in svc.list_users(svc.root_principal())]
    svc.close()
    assert names == ["alice", "carol"]


async def test_a_section_loads_when_shown_and_again_after_a_change(tmp_path: Path) -> None:
    """Hidden sections read nothing at sign-in; showing one reads the store, and showing
    it again after a change elsewhere (here another process) shows the change."""
    from tui_helpers import settle, sign_in

    db = tmp_path / "db.json"
    IamService.initialize(db, root_password=ROOT_PASSWORD, account_id=ACCOUNT_ID,
                          keys_dir=tmp_path / "keys").close()
    app = IamApp(db, keys_dir=tmp_path / "keys")
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        users = app.screen.query_one("#users")
        assert users.loaded_revision is None and users.table.total_count == 0
        other = IamService.open(db, keys_dir=tmp_path / "keys")
        other.create_user(other.root_principal(), "alice")
        await pilot.press("2")
        await settle(pilot)
        assert [r.cells[0] for r in users.table.rows] == ["alice"]
        await pilot.press("3")
        other.create_user(other.root_principal(), "bob")
        other.close()
        await pilot.press("2")
        await settle(pilot)
        assert [r.cells[0] for r in users.table.rows] == ["alice", "bob"]
        assert users.loaded_revision == app.service.store.revision
