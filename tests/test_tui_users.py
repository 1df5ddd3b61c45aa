"""The TUI driven by key presses (Textual's Pilot): first run, sign-in, the users table."""

from __future__ import annotations

from pathlib import Path

from helpers import ACCOUNT_ID, ROOT_PASSWORD
from textual.widgets import Input
from tui_helpers import initialized_app, new_store, settle, sign_in, type_text, wait_for_workers

from iamtui.app import IamApp
from iamtui.screens.main import MainScreen
from iamtui.screens.modals import ConfirmModal, FormModal
from iamtui.screens.sign_in import SignInScreen
from iamtui.screens.widgets.resource_table import ResourceTable
from iamtui.service import IamService


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
        await wait_for_workers(app)
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
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        # the dashboard behind the dialogs counts the new user and names whom to use
        counts = str(app.screen.query_one("#counts").render())
        assert "Users 1" in counts and "Groups 1" in counts
        advice = str(app.screen.query_one("#root-advice").render())
        assert "sign in as an administrator (user ops-admin)" in advice
    svc = IamService.open(app.db_path, keys_dir=tmp_path / "keys")
    root = svc.root_principal()
    assert svc.account().alias == "acme"
    assert [u.user_name for u in svc.get_group(root, "Admins").users] == ["ops-admin"]
    assert [p.arn for p in svc.list_attached_group_policies(root, "Admins")] == [
        "arn:aws:iam::aws:policy/AdministratorAccess"]
    assert svc.sign_in(ACCOUNT_ID, "ops-admin", "Adm1n!Passw0rd").name == "ops-admin"
    svc.close()


async def test_sign_in_then_create_filter_and_delete_users(tmp_path: Path) -> None:
    app = initialized_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        assert isinstance(app.screen, SignInScreen)
        await pilot.press("ctrl+r")  # "Root user"
        await type_text(pilot, "wrong-password")
        await pilot.press("enter")
        await wait_for_workers(app)
        await pilot.pause()
        assert isinstance(app.screen, SignInScreen)  # still here: wrong password
        await type_text(pilot, ROOT_PASSWORD)
        await pilot.press("enter")
        await wait_for_workers(app)
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)

        await pilot.press("2")
        table = app.screen.query_one(ResourceTable)
        for name in ("carol", "alice", "bob"):
            await pilot.press("n")
            await type_text(pilot, name)
            await pilot.press("enter", "enter")
            await wait_for_workers(app)
            await pilot.pause()
            assert table.current_key == f"arn:aws:iam::{ACCOUNT_ID}:user/{name}"  # the new row
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
        await wait_for_workers(app)
        await pilot.pause()
        assert table.rows == []
    svc = IamService.open(app.db_path, keys_dir=tmp_path / "keys")
    names = [u.user_name for u in svc.list_users(svc.root_principal())]
    svc.close()
    assert names == ["alice", "carol"]


async def test_a_section_loads_when_shown_and_again_after_a_change(tmp_path: Path) -> None:
    """Hidden sections read nothing at sign-in; showing one reads the store, and showing
    it again after a change elsewhere (here another process) shows the change."""
    app = initialized_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        users = app.screen.query_one("#users")
        assert users.loaded_revision is None and users.table.total_count == 0
        other = IamService.open(app.db_path, keys_dir=tmp_path / "keys")
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


async def test_escape_leaves_a_sections_input_so_number_keys_switch_sections(
        tmp_path: Path) -> None:
    """Sign-in lands in the dashboard's checks; in the tester (whose actions input takes
    the keys) `7` is typed, escape hands the keys back, and `2` then shows the users."""
    from textual.widgets import ContentSwitcher
    app = initialized_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        assert app.focused is not None and app.focused.id == "checks"
        switcher = app.screen.query_one("#content", ContentSwitcher)
        await pilot.press("6")
        await settle(pilot)
        await pilot.press("7")
        assert switcher.current == "tester"  # typed into the actions input
        await pilot.press("escape", "6")  # chosen again: the keys go back to its input
        await settle(pilot)
        assert app.focused is app.screen.query_one("#actions")
        await pilot.press("escape", "2")
        await settle(pilot)
        assert switcher.current == "users"
        await pilot.press("escape", "3")  # from the users table too (no filter to clear)
        await settle(pilot)
        assert switcher.current == "groups"
        await pilot.press("escape", "3")  # the section in view again: the keys go back in
        await settle(pilot)
        assert app.focused is app.screen.query_one("#groups").query_one(ResourceTable)


async def test_a_name_aws_rejects_keeps_the_form_open_with_the_reason(tmp_path: Path) -> None:
    """CreateUser refuses names outside [\\w+=,.@-] (IAM User Guide, "IAM object quotas
    and names"): the form says so with AWS's error code, keeps the text, and creating
    succeeds once the name is fixed."""
    app = initialized_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("n")
        await type_text(pilot, "bad/name")
        await pilot.press("enter", "enter")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, FormModal)
        assert str(form.query_one("#form-error").render()).startswith("ValidationError: ")
        name = form.query_one("#field-name", Input)
        assert name.value == "bad/name"
        name.value = "good-name"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        table = app.screen.query_one("#users").query_one(ResourceTable)
        assert [r.cells[0] for r in table.rows] == ["good-name"]


async def test_first_run_fits_80x24_and_toasts_keep_clear_of_dialog_buttons(
        tmp_path: Path) -> None:
    """The first-run form and its Create button are whole at 80x24 (no scrolling to find
    the button); a toast shows at the top right, not over the buttons at the bottom."""
    from textual.widgets import Button
    from textual.widgets._toast import Toast

    app = IamApp(tmp_path / "s" / "db.json", keys_dir=tmp_path / "keys")
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause()
        box = app.screen.query_one("#first-run")
        assert box.region.bottom <= 23  # the footer takes the last line
        assert str(box.border_subtitle).endswith("/s/db.json")  # which store, cut at the left
        assert app.screen.region.contains_region(app.screen.query_one(Button).region)
        app.notify("Account created.")
        await pilot.pause()
        toast = app.screen.query_one(Toast)
        assert toast.region.y <= 2 and toast.region.right >= 78


async def test_the_status_line_keeps_who_the_account_and_the_store_at_80_columns(
        tmp_path: Path) -> None:
    """The header always names who is signed in, the account and the store; a long store
    path is shortened from the left, its file name kept."""
    deep = tmp_path / ("a-rather-long-folder-name-" * 3) / "stores"
    deep.mkdir(parents=True)
    app = initialized_app(deep)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        line = str(app.screen.query_one("#status").render())
        assert line.startswith(" root user (no MFA) · account 111122223333 · …")
        assert line.endswith("/db.json") and len(line) <= 80


ADMIN_PASSWORD = "Adm1n!Passw0rd#x"


def store_with_admin(tmp_path: Path) -> IamApp:
    """A store with ops-admin (AdministratorAccess, a console password) and bob."""
    svc = new_store(tmp_path)
    root = svc.root_principal()
    for name in ("bob", "ops-admin"):
        svc.create_user(root, name)
    svc.create_login_profile(root, "ops-admin", ADMIN_PASSWORD)
    svc.attach_policy(root, "user", "ops-admin", "arn:aws:iam::aws:policy/AdministratorAccess")
    svc.close()
    return IamApp(tmp_path / "db.json", keys_dir=tmp_path / "keys")


async def test_deleting_your_own_user_warns_then_returns_to_sign_in(tmp_path: Path) -> None:
    """Issue 12, item 4: the confirmation says "this is you" and asks for the name; after
    the delete the app is back at the sign-in screen, not a session whose every call is
    InvalidClientTokenId (IAM API Reference, "Common Errors": the security token
    included in the request is invalid)."""
    app = store_with_admin(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot, "ops-admin", ADMIN_PASSWORD)
        await pilot.press("2")
        await settle(pilot)
        table = app.screen.query_one("#users").query_one(ResourceTable)
        await pilot.press("down")  # bob, then ops-admin
        assert table.current_key is not None and table.current_key.endswith("user/ops-admin")
        await pilot.press("d")
        await pilot.pause()
        confirm = app.screen
        assert isinstance(confirm, ConfirmModal)
        assert confirm.question.startswith("This is you: you are signed in as ops-admin")
        assert confirm.type_to_confirm == "ops-admin"
        await type_text(pilot, "ops-admin")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen)
        assert app.principal is None
        assert "You deleted your own user ops-admin" in str(
            app.screen.query_one("#sign-in-error").render())


async def test_a_user_deleted_elsewhere_ends_the_session(tmp_path: Path) -> None:
    """Issue 12, item 4: the signed-in user deleted by the CLI while the app is open: the
    next call (a refresh) or the periodic check returns to sign-in, without a toast of
    InvalidClientTokenId per screen."""
    for trigger in ("refresh", "check"):
        app = store_with_admin(tmp_path / trigger)
        async with app.run_test(size=(120, 40)) as pilot:
            await sign_in(pilot, "ops-admin", ADMIN_PASSWORD)
            await pilot.press("2")
            await settle(pilot)
            svc = IamService.open(app.db_path, keys_dir=tmp_path / trigger / "keys")
            svc.delete_user(svc.root_principal(), "ops-admin", cascade=True)
            svc.close()
            if trigger == "refresh":
                await pilot.press("r")
            else:
                app.lock_if_idle()
            await settle(pilot)
            assert isinstance(app.screen, SignInScreen)
            assert "no longer exists" in str(app.screen.query_one("#sign-in-error").render())
            assert not [n for n in app._notifications if n.title == "InvalidClientTokenId"]


async def test_the_groups_column_sorts_by_group_names(tmp_path: Path) -> None:
    """Issue 12: Users' Groups column sorts by the groups' names (it sorted by their
    count), users in no group last; the header's arrow reads whole at 80 columns."""
    svc = new_store(tmp_path)
    root = svc.root_principal()
    for group in ("Admins", "Developers", "Zeta"):
        svc.create_group(root, group)
    for user, groups in (("ann", ["Zeta"]), ("ben", ["Admins", "Developers"]), ("cid", []),
                         ("dee", ["Developers"])):
        svc.create_user(root, user)
        for group in groups:
            svc.add_user_to_group(root, group, user)
    svc.close()
    app = IamApp(tmp_path / "db.json", keys_dir=tmp_path / "keys")
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("s", "s", "s")  # User name, Path, Groups
        await pilot.pause()
        table = app.screen.query_one("#users").query_one(ResourceTable)
        assert [r.cells[0] for r in table.rows] == ["ben", "dee", "ann", "cid"]
        header = "".join(s.text for s in [table.render_line(0)])
        assert "Groups ▲" in header
