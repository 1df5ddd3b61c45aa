"""Administering groups, roles and policies from the keyboard (Textual's Pilot).

Each test signs in through the sign-in screen, drives the screens with key presses,
and then checks the store through IamService, so a screen that only looks right
but changes nothing fails.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import ACCOUNT_ID
from textual.widgets import Input
from tui_helpers import new_store, settle, sign_in, type_text

from iamtui.app import IamApp
from iamtui.screens.main import MainScreen
from iamtui.screens.modals import ConfirmModal, FormModal
from iamtui.screens.policy_detail import PolicyDetailScreen
from iamtui.screens.policy_editor import PolicyEditorScreen
from iamtui.screens.role_detail import RoleDetailScreen
from iamtui.screens.widgets.resource_table import ResourceTable
from iamtui.service import IamService

SIZE = (140, 44)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Path]:
    new_store(tmp_path).close()
    path = tmp_path / "db.json"
    yield path


def service(db: Path) -> IamService:
    return IamService.open(db, keys_dir=db.parent / "keys")


def section_table(app: IamApp, section: str) -> ResourceTable:
    return app.screen.query_one(f"#{section}").query_one(ResourceTable)


def names(table: ResourceTable) -> list[str]:
    return [r.cells[0] for r in table.rows]


async def test_create_rename_and_delete_a_group(db: Path) -> None:
    app = IamApp(db, keys_dir=db.parent / "keys")
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("n")
        assert isinstance(app.screen, FormModal)
        await type_text(pilot, "Developers")
        await pilot.press("enter", "enter")
        await settle(pilot)
        table = section_table(app, "groups")
        assert names(table) == ["Developers"]

        await pilot.press("e")  # rename: UpdateGroup
        assert isinstance(app.screen, FormModal)
        await pilot.press("ctrl+u")
        await type_text(pilot, "Builders")
        await pilot.press("enter", "enter")
        await settle(pilot)
        assert names(table) == ["Builders"]

        await pilot.press("d")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("shift+tab", "enter")
        await settle(pilot)
        assert names(table) == []
    svc = service(db)
    assert svc.list_groups(svc.root_principal()) == []
    svc.close()


TRUST_ACCOUNT = ('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
                 f'"Principal": {{"AWS": "arn:aws:iam::{ACCOUNT_ID}:root"}}, '
                 '"Action": "sts:AssumeRole"}]}')


def notifications(app: IamApp) -> list[tuple[str, str]]:
    """(title, message) of every toast so far."""
    return [(n.title, n.message) for n in app._notifications]


async def test_create_a_role_with_its_trust_policy_then_edit_and_delete_it(db: Path) -> None:
    app = IamApp(db, keys_dir=db.parent / "keys")
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await pilot.press("4")
        await settle(pilot)
        await pilot.press("n")
        await type_text(pilot, "ReportsReader")
        await pilot.press("enter", "enter")  # name, path "/"
        await type_text(pilot, "Reads reports")
        await pilot.press("enter", "ctrl+u")
        await type_text(pilot, "2h")
        await pilot.press("enter")
        await settle(pilot)
        editor = app.screen
        assert isinstance(editor, PolicyEditorScreen)
        assert editor.findings == []  # the template is a valid trust policy
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        table = section_table(app, "roles")
        assert names(table) == ["ReportsReader"]
        assert "Service: ec2.amazonaws.com" in table.rows[0].cells[2]

        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RoleDetailScreen)
        await pilot.press("right_square_bracket")  # the Trust policy tab
        await pilot.pause()
        await pilot.press("e")
        await settle(pilot)
        editor = app.screen
        assert isinstance(editor, PolicyEditorScreen)
        # A trust policy needs a Principal: the finding shows and the save is refused.
        editor.editor.load_text('{"Version": "2012-10-17", "Statement": [{"Effect": '
                                '"Allow", "Action": "sts:AssumeRole"}]}')
        await pilot.pause(0.3)
        await settle(pilot)
        assert any(f.finding_type == "ERROR" for f in editor.findings)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is editor
        assert notifications(app)[-1][0] == "MalformedPolicyDocument"
        editor.editor.load_text(TRUST_ACCOUNT)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, RoleDetailScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert "AWS: arn:aws:iam::111122223333:root" in table.rows[0].cells[2]

        svc = service(db)
        role = svc.get_role(svc.root_principal(), "ReportsReader")
        svc.close()
        assert role.assume_role_policy_document == TRUST_ACCOUNT
        assert (role.description, role.max_session_duration) == ("Reads reports", 7200)

        await pilot.press("d")
        await pilot.press("shift+tab", "enter")
        await settle(pilot)
        assert names(table) == []
    svc = service(db)
    assert svc.list_roles(svc.root_principal()) == []
    svc.close()


READ_REPORTS_V2 = ('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
                   '"Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}')


async def test_customer_managed_policy_new_version_set_default_and_delete(db: Path) -> None:
    """Versions as the IAM User Guide describes them ("Versioning IAM policies",
    https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-versioning.html):
    a new version can become the default, any other version can be made the default
    again, and the default version cannot be deleted."""
    app = IamApp(db, keys_dir=db.parent / "keys")
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await pilot.press("5")
        await settle(pilot)
        section = app.screen.query_one("#policies")
        table = section_table(app, "policies")
        assert "AdministratorAccess" in names(table)
        await pilot.press("t", "t")  # All types -> AWS managed -> Customer managed
        assert names(table) == []

        await pilot.press("n")
        await type_text(pilot, "ReadReports")
        await pilot.press("enter", "enter", "enter")  # name, path, no description
        await settle(pilot)
        assert isinstance(app.screen, PolicyEditorScreen)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert names(table) == ["ReadReports"]
        arn = f"arn:aws:iam::{ACCOUNT_ID}:policy/ReadReports"

        await pilot.press("enter")
        await settle(pilot)
        detail = app.screen
        assert isinstance(detail, PolicyDetailScreen)
        await pilot.press("e")  # a new version, from the default one
        await settle(pilot)
        editor = app.screen
        assert isinstance(editor, PolicyEditorScreen)
        editor.editor.load_text(READ_REPORTS_V2)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is detail
        assert "Version v2 (default)" in str(detail.query_one("#document-title").render())
        shown = detail.query_one("#policy-document").text
        assert json.loads(shown) == json.loads(READ_REPORTS_V2) and "\n" in shown  # indented

        await pilot.press("right_square_bracket")  # Versions: v2 (default), v1
        await pilot.pause()
        versions = detail.query_one("#versions-pane").table
        assert [r.cells[:2] for r in versions.rows] == [("v2", "Yes"), ("v1", "")]
        pane = detail.query_one("#versions-pane")
        assert versions.current_key == "v1"  # the cursor stayed on the row it was on
        assert pane.check_action("set_default", ())
        await pilot.press("m")
        await settle(pilot)
        assert [r.cells[:2] for r in versions.rows] == [("v2", ""), ("v1", "Yes")]
        assert not pane.check_action("remove", ())  # not the default version
        await pilot.press("up", "d")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("shift+tab", "enter")
        await settle(pilot)
        assert [r.cells[0] for r in versions.rows] == ["v1"]
        await pilot.press("escape")
        await settle(pilot)

        svc = service(db)
        policy = svc.get_policy(svc.root_principal(), arn)
        assert policy.default_version_id == "v1"
        assert [v.version_id for v in svc.list_policy_versions(svc.root_principal(), arn)] \
            == ["v1"]
        svc.close()

        await pilot.press("t", "t")  # via Resource-based to All types: AWS managed
        # policies cannot be edited or deleted
        table.move_to("arn:aws:iam::aws:policy/AdministratorAccess")
        await pilot.pause()
        assert not section.check_action("edit", ()) and not section.check_action("delete", ())
        table.move_to(arn)
        await pilot.pause()
        assert section.check_action("edit", ()) and section.check_action("delete", ())
        await pilot.press("d", "shift+tab", "enter")
        await settle(pilot)
        assert "ReadReports" not in names(table)
    svc = service(db)
    assert svc.list_policies(svc.root_principal(), scope="Local") == []
    svc.close()


async def test_the_cursor_row_stays_in_view_when_the_type_filter_brings_rows_back(
        db: Path) -> None:
    """At 80x24, after `t` narrows the policies to the one customer policy and back to
    all types, the cursor is still on that policy and its row is on screen (a `d` there
    must never act on a row out of sight)."""
    svc = service(db)
    svc.create_policy(svc.root_principal(), "S3Reader", json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}]}))
    svc.close()
    app = IamApp(db, keys_dir=db.parent / "keys")
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await pilot.press("5")
        await settle(pilot)
        table = section_table(app, "policies")
        for _ in range(4):  # all -> AWS managed -> customer -> resource-based -> all
            await pilot.press("t")
            await settle(pilot)
        assert table.current_key == f"arn:aws:iam::{ACCOUNT_ID}:policy/S3Reader"
        visible = table.size.height - 1  # the header takes a line
        assert table.row_count > visible
        assert table.scroll_y <= table.cursor < table.scroll_y + visible


async def test_resource_based_policies_from_the_policies_table(db: Path) -> None:
    """The resource-based filter lists the stored resource policies; `n` asks for the
    resource's ARN (a role's is refused: its policy is the trust policy), the editor
    checks the document as a resource-based policy (a Principal in each statement),
    `enter` edits it and `d` deletes it; each step is in the store."""
    bucket = "arn:aws:s3:::reports"
    app = IamApp(db, keys_dir=db.parent / "keys")
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await pilot.press("5")
        await settle(pilot)
        table = section_table(app, "policies")
        await pilot.press("t", "t", "t")  # -> AWS managed -> Customer managed -> Resource
        assert names(table) == []
        await pilot.press("n")
        await type_text(pilot, f"arn:aws:iam::{ACCOUNT_ID}:role/web")
        await pilot.press("enter")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, FormModal)
        assert "trust policy" in str(form.query_one("#form-error").render())
        form.query_one("#field-arn", Input).value = bucket
        await pilot.press("enter")
        await settle(pilot)
        editor = app.screen
        assert isinstance(editor, PolicyEditorScreen)
        statement = json.loads(editor.text)["Statement"][0]
        assert statement["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}
        assert statement["Resource"] == f"{bucket}/*"  # GetObject acts on the objects
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert names(table) == ["reports"]
        assert table.rows[0].cells[3] == "Resource-based"
        assert table.rows[0].cells[4].startswith(f"{bucket} · 1 statement: s3:GetObject")

        await pilot.press("enter")  # edit: the stored document, saved over
        await settle(pilot)
        editor = app.screen
        assert isinstance(editor, PolicyEditorScreen)
        document = json.loads(editor.text)
        document["Statement"][0]["Action"] = ["s3:GetObject", "s3:ListBucket"]
        editor.editor.load_text(json.dumps(document, indent=2))
        await pilot.press("ctrl+s")
        await settle(pilot)
        svc = service(db)
        stored = svc.get_resource_policy(svc.root_principal(), bucket)
        assert json.loads(stored.policy_document)["Statement"][0]["Action"] == [
            "s3:GetObject", "s3:ListBucket"]
        svc.close()

        await pilot.press("d")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("shift+tab", "enter")
        await settle(pilot)
        assert names(table) == []
    svc = service(db)
    assert svc.list_resource_policies(svc.root_principal()) == []
    svc.close()


async def test_moving_down_never_hides_the_cursor_under_the_horizontal_scrollbar(
        db: Path) -> None:
    """At 80x24 the policies table scrolls sideways, and its scrollbar takes the last
    line; going down row by row, the cursor's row stays above it."""
    app = IamApp(db, keys_dir=db.parent / "keys")
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await pilot.press("5")
        await settle(pilot)
        table = section_table(app, "policies")
        assert table.virtual_size.width > table.size.width  # it does scroll sideways
        shown = table.scrollable_content_region.height - 1  # less the header
        for _ in range(25):
            await pilot.press("down")
            await pilot.pause()
            assert table.scroll_y <= table.cursor < table.scroll_y + shown


async def test_the_first_forms_refuse_what_create_would_before_the_editor_opens(
        db: Path) -> None:
    """A role's maximum session duration is 3,600-43,200 s and names match [\\w+=,.@-]
    (IAM API Reference, CreateRole and CreatePolicy): such values are refused in the
    first form, so nothing written in the editor afterwards is lost to them."""
    app = IamApp(db, keys_dir=db.parent / "keys")
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        for key, values, expected in (
                ("4", ("app-role", "", "", "99h"), "43200"),
                ("5", ("bad name!", "", ""), "policyName")):
            await pilot.press(key)
            await settle(pilot)
            await pilot.press("n")
            form = app.screen
            assert isinstance(form, FormModal)
            for name, value in zip(("name", "path", "description", "duration"), values,
                                   strict=False):
                if value:
                    form.query_one(f"#field-{name}", Input).value = value
            form.query_one("#submit").press()
            await settle(pilot)
            assert app.screen is form  # no editor: the form says why
            error = str(form.query_one("#form-error").render())
            assert error.startswith("ValidationError: ") and expected in error, error
            await pilot.press("escape")
            await settle(pilot)
