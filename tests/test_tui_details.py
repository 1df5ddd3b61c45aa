"""Detail screens driven from the keyboard: a group's members and inline policies, a
user's inline policy and permissions boundary, a role's settings, permissions and tags,
and who uses a managed policy."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import ACCOUNT_ID, ROOT_PASSWORD
from textual.pilot import Pilot
from textual.widgets import Static
from tui_helpers import new_store, settle, type_text

from iamtui.app import IamApp
from iamtui.arn import policy_size
from iamtui.errors import IamError
from iamtui.model import Tag
from iamtui.screens.group_detail import GroupDetailScreen
from iamtui.screens.main import MainScreen
from iamtui.screens.modals import ConfirmModal, FormModal
from iamtui.screens.policy_detail import PolicyDetailScreen
from iamtui.screens.policy_editor import PolicyEditorScreen
from iamtui.screens.role_detail import RoleDetailScreen
from iamtui.screens.user_detail import UserDetailScreen
from iamtui.screens.widgets.picker import PickerModal
from iamtui.screens.widgets.resource_table import ResourceTable
from iamtui.security.passwords import LockoutSettings, PasswordPolicy
from iamtui.service import IamService, Principal

SIZE = (140, 44)
POWER_USER = "arn:aws:iam::aws:policy/PowerUserAccess"
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
    "Action": "sts:AssumeRole"}]})
DOCUMENT = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]})
REPORTS = f"arn:aws:iam::{ACCOUNT_ID}:policy/Reports"


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "db.json"
    svc = new_store(tmp_path)
    root = svc.root_principal()
    for user in ("alice", "bob"):
        svc.create_user(root, user)
    svc.create_group(root, "Developers")
    svc.add_user_to_group(root, "Developers", "alice")
    svc.create_role(root, "Builder", TRUST)
    svc.create_policy(root, "Reports", DOCUMENT)
    svc.close()
    yield path


def open_service(db: Path) -> IamService:
    return IamService.open(db, keys_dir=db.parent / "keys")


async def open_first(pilot: Pilot, section_key: str) -> None:
    """Sign in as root, go to a section, open its first row."""
    for key in ("ctrl+r", *ROOT_PASSWORD, "enter"):
        await pilot.press(key)
    await settle(pilot)
    assert isinstance(pilot.app.screen, MainScreen)
    await pilot.press(section_key)
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


def rows(screen: object, tab: str) -> list[tuple[str, ...]]:
    pane = screen.query_one(f"#{tab}")  # type: ignore[attr-defined]
    return [r.cells for r in pane.query_one(ResourceTable).rows]


async def confirm(pilot: Pilot) -> None:
    assert isinstance(pilot.app.screen, ConfirmModal)
    await pilot.press("shift+tab", "enter")
    await settle(pilot)


async def test_group_members_and_inline_policy(db: Path) -> None:
    app = IamApp(db, keys_dir=db.parent / "keys")
    async with app.run_test(size=SIZE) as pilot:
        await open_first(pilot, "3")
        screen = app.screen
        assert isinstance(screen, GroupDetailScreen)
        assert [r[0] for r in rows(screen, "members")] == ["alice"]
        await pilot.press("a")
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, PickerModal)
        assert [r.cells[0] for r in picker.table.rows] == ["bob"]  # members are not offered
        await pilot.press("enter")
        await settle(pilot)
        assert [r[0] for r in rows(screen, "members")] == ["alice", "bob"]
        await pilot.press("d")  # alice, under the cursor
        await confirm(pilot)
        assert [r[0] for r in rows(screen, "members")] == ["bob"]

        await pilot.press("right_square_bracket")  # Permissions
        await pilot.pause()
        await pilot.press("i")
        assert isinstance(app.screen, FormModal)
        await type_text(pilot, "ReadReports")
        await pilot.press("enter")
        await settle(pilot)
        editor = app.screen
        assert isinstance(editor, PolicyEditorScreen)
        editor.editor.load_text(DOCUMENT)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        assert rows(screen, "permissions") == [("ReadReports", "Inline", "directly", "-")]

        await pilot.press("e")  # edit it again: the editor opens on the stored document
        await settle(pilot)
        editor = app.screen
        assert isinstance(editor, PolicyEditorScreen)
        assert json.loads(editor.text) == json.loads(DOCUMENT)
        editor.editor.load_text(DOCUMENT.replace("GetObject", "PutObject"))
        await pilot.press("ctrl+s")
        await settle(pilot)
        svc = open_service(db)
        stored = svc.get_group_policy(svc.root_principal(), "Developers", "ReadReports")
        svc.close()
        assert "s3:PutObject" in stored.document

        await pilot.press("d")
        await confirm(pilot)
        assert rows(screen, "permissions") == []
    svc = open_service(db)
    root = svc.root_principal()
    assert svc.list_group_policies(root, "Developers") == []
    assert [u.user_name for u in svc.get_group(root, "Developers").users] == ["bob"]
    svc.close()


async def test_user_boundary_from_the_picker_then_removed(db: Path) -> None:
    """A permissions boundary is a managed policy set on a user (IAM User Guide,
    "Permissions boundaries for IAM entities": https://docs.aws.amazon.com/IAM/latest/
    UserGuide/access_policies_boundaries.html)."""
    app = IamApp(db, keys_dir=db.parent / "keys")
    async with app.run_test(size=SIZE) as pilot:
        await open_first(pilot, "2")
        screen = app.screen
        assert isinstance(screen, UserDetailScreen) and screen.user_name == "alice"
        await pilot.press("right_square_bracket")
        await pilot.pause()
        await pilot.press("b")
        await settle(pilot)
        assert isinstance(app.screen, PickerModal)
        await type_text(pilot, "poweruser")
        await pilot.press("enter")
        await settle(pilot)
        assert rows(screen, "permissions") == [
            ("PowerUserAccess", "Permissions boundary", "-", POWER_USER)]
        svc = open_service(db)
        assert svc.get_user(svc.root_principal(), "alice").permissions_boundary == POWER_USER
        svc.close()
        await pilot.press("d")
        await confirm(pilot)
        assert rows(screen, "permissions") == []
    svc = open_service(db)
    assert svc.get_user(svc.root_principal(), "alice").permissions_boundary is None
    svc.close()


async def test_role_settings_permissions_and_tags(db: Path) -> None:
    app = IamApp(db, keys_dir=db.parent / "keys")
    async with app.run_test(size=SIZE) as pilot:
        await open_first(pilot, "4")
        screen = app.screen
        assert isinstance(screen, RoleDetailScreen)
        await pilot.press("e")  # Summary: description and maximum session duration
        assert isinstance(app.screen, FormModal)
        await type_text(pilot, "Builds things")
        await pilot.press("enter", "ctrl+u")
        await type_text(pilot, "12h")
        await pilot.press("enter")
        await settle(pilot)
        assert "Builds things" in str(screen.query_one("#summary-body").render())

        await pilot.press("right_square_bracket", "right_square_bracket")  # Permissions
        await pilot.pause()
        assert not screen.check_action("edit", ())  # nothing for the screen's e here
        await pilot.press("a")
        await settle(pilot)
        await type_text(pilot, "Reports")
        await pilot.press("enter")
        await settle(pilot)
        assert rows(screen, "permissions") == [
            ("Reports", "Customer managed", "directly", REPORTS)]

        await pilot.press("right_square_bracket", "right_square_bracket")  # Sessions, Tags
        await pilot.pause()
        await pilot.press("a")
        await type_text(pilot, "team")
        await pilot.press("enter")
        await type_text(pilot, "build")
        await pilot.press("enter")
        await settle(pilot)
        assert rows(screen, "tags") == [("team", "build")]
        svc = open_service(db)
        role = svc.get_role(svc.root_principal(), "Builder")
        svc.close()
        assert (role.description, role.max_session_duration) == ("Builds things", 43200)
        assert role.tags == (Tag("team", "build"),)
        await pilot.press("d")
        await confirm(pilot)
        assert rows(screen, "tags") == []
    svc = open_service(db)
    assert svc.list_role_tags(svc.root_principal(), "Builder") == ()
    svc.close()


async def test_policy_entities_and_a_read_only_aws_managed_policy(db: Path) -> None:
    svc = open_service(db)
    root = svc.root_principal()
    svc.attach_user_policy(root, "alice", REPORTS)
    svc.attach_group_policy(root, "Developers", REPORTS)
    svc.put_role_permissions_boundary(root, "Builder", REPORTS)
    svc.close()
    app = IamApp(db, keys_dir=db.parent / "keys")
    async with app.run_test(size=SIZE) as pilot:
        await open_first(pilot, "5")  # the first row: AdministratorAccess, AWS managed
        screen = app.screen
        assert isinstance(screen, PolicyDetailScreen)
        assert screen.read_only and not screen.check_action("edit", ())
        versions = screen.query_one("#versions-pane")
        for verb in ("new", "set_default", "remove"):
            assert not versions.check_action(verb, ())
        await pilot.press("escape")
        await settle(pilot)

        table = app.screen.query_one("#policies").query_one(ResourceTable)
        assert table.move_to(REPORTS)
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, PolicyDetailScreen) and not screen.read_only
        await pilot.press("right_square_bracket", "right_square_bracket")  # Entities
        await pilot.pause()
        assert sorted(r[:3] for r in rows(screen, "entities")) == [
            ("Group", "Developers", "Permissions policy"),
            ("Role", "Builder", "Permissions boundary"),
            ("User", "alice", "Permissions policy")]
        entities = screen.query_one("#entities").query_one(ResourceTable)
        assert entities.move_to("Role:Builder:PermissionsBoundary")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RoleDetailScreen)
        crumb = str(app.screen.query_one(".breadcrumb").render())
        assert crumb == "Policies › Reports › Builder"


async def test_rename_and_move_a_user_from_the_users_table(db: Path) -> None:
    app = IamApp(db, keys_dir=db.parent / "keys")
    async with app.run_test(size=SIZE) as pilot:
        for key in ("ctrl+r", *ROOT_PASSWORD, "enter", "2"):
            await pilot.press(key)
        await settle(pilot)
        await pilot.press("e")  # alice
        assert isinstance(app.screen, FormModal)
        await pilot.press("ctrl+u")
        await type_text(pilot, "alicia")
        await pilot.press("enter", "ctrl+u")
        await type_text(pilot, "/staff/")
        await pilot.press("enter")
        await settle(pilot)
        table = app.screen.query_one("#users").query_one(ResourceTable)
        assert [r.cells[:3] for r in table.rows] == [
            ("alicia", "/staff/", "Developers"), ("bob", "/", "-")]
    svc = open_service(db)
    user = svc.get_user(svc.root_principal(), "alicia")
    svc.close()
    assert user.arn == f"arn:aws:iam::{ACCOUNT_ID}:user/staff/alicia"


async def test_a_sixth_policy_version_is_refused_before_writing_it(db: Path) -> None:
    """A managed policy keeps at most five versions (IAM User Guide, "Versioning IAM
    policies": https://docs.aws.amazon.com/IAM/latest/UserGuide/
    access_policies_managed-versioning.html)."""
    svc = open_service(db)
    for _ in range(4):
        svc.create_policy_version(svc.root_principal(), REPORTS, DOCUMENT)
    svc.close()
    app = IamApp(db, keys_dir=db.parent / "keys")
    async with app.run_test(size=SIZE) as pilot:
        await open_first(pilot, "5")
        await pilot.press("escape")
        await settle(pilot)
        app.screen.query_one("#policies").query_one(ResourceTable).move_to(REPORTS)
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        await pilot.press("e")
        await pilot.pause()
        assert app.screen is screen  # no editor: there is no room for another version
        note = list(app._notifications)[-1]
        assert note.title == "LimitExceeded" and "5 versions" in note.message


async def _palette(pilot: Pilot, query: str) -> None:
    await pilot.press("ctrl+p")
    await pilot.pause()
    await type_text(pilot, query)
    await pilot.pause(0.5)  # the palette searches in a worker after a short delay
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


async def test_palette_jumps_to_sections_and_opens_entities_by_short_name(db: Path) -> None:
    app = IamApp(db, keys_dir=db.parent / "keys")
    async with app.run_test(size=SIZE) as pilot:
        for key in ("ctrl+r", *ROOT_PASSWORD, "enter"):
            await pilot.press(key)
        await settle(pilot)
        await _palette(pilot, ":roles")
        assert isinstance(app.screen, MainScreen)
        assert app.screen.query_one("#content").current == "roles"
        await _palette(pilot, "u bob")
        assert isinstance(app.screen, UserDetailScreen) and app.screen.user_name == "bob"
        await _palette(pilot, "policy reports")  # from a detail screen too
        assert isinstance(app.screen, PolicyDetailScreen) and app.screen.arn == REPORTS


async def test_unlock_a_user_locked_out_by_failed_sign_ins(db: Path) -> None:
    password = "Alic3!Passw0rd#"
    svc = open_service(db)
    root = svc.root_principal()
    svc.update_account_password_policy(root, PasswordPolicy(),
                                       lockout=LockoutSettings(threshold=3))
    svc.create_login_profile(root, "alice", password)
    for _ in range(3):
        with pytest.raises(IamError, match="authentication information is incorrect"):
            svc.sign_in(ACCOUNT_ID, "alice", "wrong-password")
    svc.close()
    app = IamApp(db, keys_dir=db.parent / "keys")
    async with app.run_test(size=SIZE) as pilot:
        await open_first(pilot, "2")
        screen = app.screen
        for _ in range(3):  # Security credentials
            await pilot.press("right_square_bracket")
        await pilot.pause()
        assert rows(screen, "credentials")[0][2].startswith("Locked")
        await pilot.press("u")
        await settle(pilot)
        assert rows(screen, "credentials")[0][2] == "Enabled"
    svc = open_service(db)
    assert svc.sign_in(ACCOUNT_ID, "alice", password).name == "alice"
    svc.close()


async def test_role_sessions_listed_and_revoked(db: Path) -> None:
    """Revoking a role's sessions adds the AWSRevokeOlderSessions inline policy (IAM User
    Guide, "Revoking IAM role temporary security credentials":
    https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_revoke-sessions.html)."""
    svc = open_service(db)
    root = svc.root_principal()
    alice = svc.get_user(root, "alice")
    svc.update_assume_role_policy(root, "Builder", json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                                                "Principal": {"AWS": alice.arn},
                                                "Action": "sts:AssumeRole"}]}))
    caller = Principal.for_user(alice, ACCOUNT_ID)
    session = svc.assume_role(caller, f"arn:aws:iam::{ACCOUNT_ID}:role/Builder", "build-42")
    svc.close()
    app = IamApp(db, keys_dir=db.parent / "keys")
    async with app.run_test(size=SIZE) as pilot:
        await open_first(pilot, "4")
        screen = app.screen
        assert isinstance(screen, RoleDetailScreen)
        screen.show_tab("sessions")
        await pilot.pause()
        listed = rows(screen, "sessions")
        assert [(r[0], r[2]) for r in listed] == [("build-42", alice.arn)]
        assert session.credentials.secret_access_key not in " ".join(listed[0])
        await pilot.press("x")
        await confirm(pilot)
    svc = open_service(db)
    assert "AWSRevokeOlderSessions" in svc.list_role_policies(svc.root_principal(), "Builder")
    svc.close()


async def test_palette_exports_the_account_and_imports_it_into_a_new_store(
        db: Path, tmp_path: Path) -> None:
    """`export account authorization details` writes AWS's shape to a new 0600 file (an
    existing file is refused); on a fresh store, `import …` loads it in one transaction;
    a second import is refused in the form (EntityAlreadyExists), and a file that is not
    JSON is named with its line and column."""
    from textual.widgets import Input

    export = tmp_path / "details.json"
    app = IamApp(db, keys_dir=db.parent / "keys")
    async with app.run_test(size=SIZE) as pilot:
        for key in ("ctrl+r", *ROOT_PASSWORD, "enter"):
            await pilot.press(key)
        await settle(pilot)
        await _palette(pilot, "export account")
        form = app.screen
        assert isinstance(form, FormModal)
        form.query_one("#field-path", Input).value = str(export)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
    assert export.stat().st_mode & 0o777 == 0o600
    exported = json.loads(export.read_text())
    users = sorted(u["UserName"] for u in exported["UserDetailList"])
    assert "bob" in users

    fresh = tmp_path / "fresh" / "db.json"
    IamService.initialize(fresh, root_password=ROOT_PASSWORD, account_id=ACCOUNT_ID,
                          keys_dir=tmp_path / "fresh-keys").close()
    broken = tmp_path / "broken.json"
    broken.write_text('{"UserDetailList": [\n  {"UserName": "x",}\n]}')
    app = IamApp(fresh, keys_dir=tmp_path / "fresh-keys")
    async with app.run_test(size=SIZE) as pilot:
        for key in ("ctrl+r", *ROOT_PASSWORD, "enter"):
            await pilot.press(key)
        await settle(pilot)
        for path, refusal in ((broken, "InvalidInput: Invalid JSON: "), (export, None),
                              (export, "EntityAlreadyExists: ")):
            await _palette(pilot, "import account")
            form = app.screen
            assert isinstance(form, FormModal)
            form.query_one("#field-path", Input).value = str(path)
            await pilot.press("enter", "enter")
            await settle(pilot)
            if refusal is None:
                assert isinstance(app.screen, MainScreen)
                continue
            error = str(form.query_one("#form-error").render())
            assert error.startswith(refusal), error
            if path == broken:
                assert "line 2, column 20" in error
            await pilot.press("escape")
            await settle(pilot)
    svc = IamService.open(fresh, keys_dir=tmp_path / "fresh-keys")
    assert sorted(u.user_name for u in svc.list_users(svc.root_principal())) == users
    svc.close()


def sized_document(size: int) -> str:
    """A valid identity policy of exactly `size` characters without white space."""
    base = {"Version": "2012-10-17", "Statement": [{
        "Sid": "", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    short = policy_size(json.dumps(base))
    base["Statement"][0]["Sid"] = "A" * (size - short)
    text = json.dumps(base, indent=2)
    assert policy_size(text) == size
    return text


async def test_inline_editor_shows_the_owners_aggregate_quota_and_checks_it_live(
        db: Path) -> None:
    """Issue 12, item 6: a user's inline policies share one quota of 2,048 characters
    without white space (IAM User Guide, "IAM and AWS STS quotas", IAM object quotas:
    user policy size 2,048, role 10,240, group 5,120; managed policy 6,144). The editor
    shows what the save would count and says it is over before ctrl+s, which refuses."""
    svc = open_service(db)
    svc.put_user_policy(svc.root_principal(), "alice", "Big", sized_document(1500))
    svc.close()
    app = IamApp(db, keys_dir=db.parent / "keys")
    async with app.run_test(size=SIZE) as pilot:
        await open_first(pilot, "2")
        assert isinstance(app.screen, UserDetailScreen)
        await pilot.press("right_square_bracket")  # Permissions
        await pilot.pause()
        await pilot.press("i")
        await type_text(pilot, "More")
        await pilot.press("enter")
        await settle(pilot)
        editor = app.screen
        assert isinstance(editor, PolicyEditorScreen)
        editor.editor.load_text(sized_document(600))
        await pilot.pause(0.3)  # past the editor's debounce
        await settle(pilot)
        line = str(editor.query_one("#size-line", Static).render())
        assert "Size 600" in line and "inline policies of user alice 2,100/2,048" in line
        assert [f.issue_code for f in editor.findings] == ["POLICY_SIZE_EXCEEDED"]
        assert "over the quota of 2,048 by 52" in editor.findings[0].detail
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is editor  # refused: LimitExceeded, the document kept
        editor.editor.load_text(sized_document(548))
        await pilot.pause(0.3)
        await settle(pilot)
        assert editor.findings == []
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is not editor
