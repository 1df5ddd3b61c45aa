"""Text from input reaches the TUI as text, never as markup (issue 10 item 13): an error
message quoting `[/]` or `[@click=app.quit]` and a stored path or description with brackets
are shown literally. (Textual parses a str as markup: `[/]` alone raised MarkupError and
brought the app down; `[@click=...]` made a clickable action.)

IAM paths may hold any printable ASCII (IAM API Reference, CreateUser: Path pattern
(\u002F)|(\u002F[\u0021-\u007E]+\u002F)) and descriptions brackets too (CreateRole:
Description pattern [\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*).
"""

from __future__ import annotations

from pathlib import Path

from textual.app import App
from textual.widgets import Static
from tui_helpers import new_store, settle, sign_in

from iamtui.app import IamApp
from iamtui.errors import ValidationError
from iamtui.screens.modals import Field, FormModal
from iamtui.screens.ops import report_error
from iamtui.screens.role_detail import RoleDetailScreen
from iamtui.screens.user_detail import UserDetailScreen

HOSTILE = "[/] [@click=app.quit]x[/] [b]y"
TRUST = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
         '"Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}')


def rendered(widget: Static) -> str:
    return str(widget.render())


class FormApp(App[None]):
    def on_mount(self) -> None:
        def refuse(values: dict[str, str]) -> None:
            raise ValidationError(f"Value '{values['name']}' at 'userName' failed to satisfy "
                                  r"constraint: Member must satisfy regular expression "
                                  r"pattern: [\w+=,.@-]+")

        self.push_screen(FormModal("New user", [Field("name", "Name", HOSTILE)], apply=refuse))


async def test_a_refused_form_shows_the_error_text_as_it_is() -> None:
    app = FormApp()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("enter")
        await settle(pilot)
        assert app.is_running
        shown = rendered(app.screen.query_one("#form-error", Static))
        assert f"Value '{HOSTILE}'" in shown and r"[\w+=,.@-]+" in shown


async def test_an_error_toast_shows_the_error_text_as_it_is() -> None:
    app = App[None]()
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        report_error(app, ValidationError(f"The user with name {HOSTILE} cannot be found."))
        await pilot.pause()
        await pilot.pause()
        assert app.is_running
        toasts = [str(t.render()) for t in app.screen.query("Toast")]
        assert any(HOSTILE in t for t in toasts), toasts


async def test_a_path_and_a_description_with_brackets_show_literally(tmp_path: Path) -> None:
    svc = new_store(tmp_path)
    root = svc.root_principal()
    svc.create_user(root, "alice", path="/[/]x/")
    svc.create_role(root, "web", TRUST, description=HOSTILE)
    svc.close()
    app = IamApp(tmp_path / "db.json", keys_dir=tmp_path / "keys")
    async with app.run_test(size=(140, 44)) as pilot:
        await sign_in(pilot)
        await app.push_screen(UserDetailScreen("alice"))
        await settle(pilot)
        assert isinstance(app.screen, UserDetailScreen)
        summary = rendered(app.screen.query_one("#summary-body", Static))
        assert "/[/]x/" in summary and "user/[/]x/alice" in summary
        await app.pop_screen()
        await app.push_screen(RoleDetailScreen("web"))
        await settle(pilot)
        assert isinstance(app.screen, RoleDetailScreen)
        assert HOSTILE in rendered(app.screen.query_one("#summary-body", Static))


def test_a_finding_quoting_the_document_is_listed_as_text() -> None:
    """The editor's findings list quotes the document: `"Action": "s3:[/]x"`."""
    from iamtui.policy import validate_policy
    from iamtui.screens.policy_editor import finding_label

    document = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
                '"Action":"s3:[/]x","Resource":"*"}]}')
    findings = validate_policy(document).findings
    labels = [str(finding_label(f)) for f in findings]
    assert any("Action 's3:[/]x'" in label for label in labels), labels
    assert not any("[red]" in label or "[/]\n" in label for label in labels), labels
