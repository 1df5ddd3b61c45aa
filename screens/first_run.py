"""First run: create the store, its account and the root user, then say how to use it."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label, Static
from textual.worker import Worker, WorkerState

from iamtui.errors import IamError
from iamtui.screens.mfa_enroll import MfaEnrollModal
from iamtui.screens.modals import ConfirmModal, Field, FormModal
from iamtui.screens.ops import FAILED, run_op
from iamtui.screens.session import session_of
from iamtui.screens.widgets.status_line import shorten_path
from iamtui.service import IamService


class FirstRunScreen(Screen[IamService]):
    """No store yet: create one. Dismisses with the opened service."""

    CSS_PATH = "first_run.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+q", "app.quit", "Quit", id="app.quit")]

    def __init__(self, db_path: Path, *, keys_dir: Path | None = None) -> None:
        super().__init__()
        self.db_path, self.keys_dir = db_path, keys_dir

    def compose(self) -> ComposeResult:
        with Center(), Vertical(id="first-run") as box:
            # title and store in the frame: the form fits 24 rows whatever the path's length
            box.border_title = "Welcome to iamtui"
            box.border_subtitle = f"new store: {shorten_path(str(self.db_path), 52)}"
            yield Static("Create the account and its root user. The root user may do "
                         "everything: give it a strong password and keep it for "
                         "account-level tasks only.", id="intro")
            yield Label("Account ID (12 digits)")
            yield Input(placeholder="random if left empty", id="account-id", max_length=12,
                        compact=True)
            yield Label("Account alias (optional)")
            yield Input(placeholder="my-company", id="alias", compact=True)
            yield Label("Root password")
            yield Input(password=True, id="password", compact=True)
            yield Label("Root password again")
            yield Input(password=True, id="password2", compact=True)
            yield Static("", id="first-run-error")
            yield Button("Create account", variant="primary", id="create")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#account-id", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        inputs = list(self.query(Input))
        index = inputs.index(event.input)
        if index + 1 < len(inputs):
            inputs[index + 1].focus()
        else:
            self._create()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self._create()

    def _create(self) -> None:
        values = {i.id: i.value for i in self.query(Input) if i.id}
        error = self.query_one("#first-run-error", Static)
        if values["password"] != values["password2"]:
            self._show_error("The two passwords differ.")
            return
        error.update("Creating…")
        self._initialize(values["account-id"].strip() or None, values["alias"].strip() or None,
                         values["password"])

    def _show_error(self, message: str | Content) -> None:
        """Say what is wrong; the introduction makes room, so that at 24 rows the
        message and the button stay in view."""
        self.query_one("#first-run").add_class("-error")
        self.query_one("#first-run-error", Static).update(message)

    @work(thread=True, exclusive=True, group="first-run")
    def _initialize(self, account_id: str | None, alias: str | None,
                    password: str) -> IamService | IamError:
        try:
            service = IamService.initialize(self.db_path, root_password=password,
                                            account_id=account_id, alias=alias,
                                            keys_dir=self.keys_dir)
        except IamError as exc:
            return exc
        return service

    @on(Worker.StateChanged)
    def _initialized(self, event: Worker.StateChanged) -> None:
        # dismissed once the worker ended: a screen dismissed from inside its own worker
        # cancels that worker as it unmounts
        if event.worker.group != "first-run" or event.state != WorkerState.SUCCESS:
            return
        outcome = event.worker.result
        if isinstance(outcome, IamError):
            self._show_error(Content(outcome.message))  # text, not markup
        elif outcome is not None:
            self.dismiss(outcome)


ADMINS_GROUP = "Admins"
ADMINISTRATOR_ACCESS = "arn:aws:iam::aws:policy/AdministratorAccess"


def offer_administrator(app: App[object]) -> None:
    """The IAM best practice after creating an account: an administrator user for daily
    work (in an `Admins` group with AdministratorAccess), then MFA for the root user."""
    def create(values: dict[str, str] | None) -> None:
        if values:
            if values["password"] != values["again"]:
                app.notify("The two passwords differ; nothing was created.",
                           severity="error")
            else:
                create_administrator(app, values["name"], values["password"])
        offer_root_mfa(app)

    app.push_screen(FormModal("Create an administrator user (recommended)", [
        Field("name", "User name", "admin"),
        Field("password", "Console password", password=True),
        Field("again", "Console password again", password=True)],
        note="Don't use the root user day to day: this user joins the Admins group, which "
             "has AdministratorAccess. Escape skips this.", submit="Create"), create)


def create_administrator(app: App[object], name: str, password: str) -> bool:
    """Admins group (created if missing) with AdministratorAccess, and `name` in it with
    a console password; each step as the signed-in root, errors shown as toasts."""
    service, root = session_of(app)
    if not any(g.group_name.casefold() == ADMINS_GROUP.casefold()
               for g in service.list_groups(root)):
        if run_op(app, service.create_group, root, ADMINS_GROUP) is FAILED:
            return False
        run_op(app, service.attach_group_policy, root, ADMINS_GROUP, ADMINISTRATOR_ACCESS)
    steps = ((service.create_user, (root, name)),
             (service.create_login_profile, (root, name, password)),
             (service.add_user_to_group, (root, ADMINS_GROUP, name)))
    for op, args in steps:
        if run_op(app, op, *args) is FAILED:
            return False
    app.notify(f"Created {name} in {ADMINS_GROUP}. From now on, sign in as the IAM user "
               f"{name} (\"IAM user\" on the sign-in screen).")
    return True


def offer_root_mfa(app: App[object]) -> None:
    """Ask whether to enroll an MFA device for the root user now."""
    def answer(yes: bool | None) -> None:
        if yes:
            app.push_screen(MfaEnrollModal(None))

    app.push_screen(ConfirmModal("Protect the root user with MFA now? (recommended)",
                                 confirm="Enroll MFA"), answer)
