"""Sign-in: account, user name (or root), password, then a TOTP code when enrolled."""

from __future__ import annotations

from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Vertical
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label, Static

from iamtui.errors import IamError
from iamtui.service import IamService, Principal


class SignInScreen(Screen[Principal]):
    """The first screen on an existing store; dismisses with the signed-in principal."""

    CSS_PATH = "sign_in.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+q", "app.quit", "Quit")]

    def __init__(self, service: IamService, *, notice: str = "") -> None:
        super().__init__()
        self.service, self.notice = service, notice

    def compose(self) -> ComposeResult:
        account = self.service.account()
        with Center(), Vertical(id="sign-in") as box:
            box.border_title = "iamtui"  # in the frame: the MFA step fits 24 rows
            yield Static(f"Sign in to account {account.alias or account.account_id}",
                         id="sign-in-title")
            yield Label("Account alias or ID")
            yield Input(account.alias or account.account_id, id="account", compact=True)
            yield Label("User name (root for the root user)")
            yield Input(placeholder="user name", id="user", compact=True)
            yield Label("Password")
            yield Input(password=True, id="password", compact=True)
            yield Label("MFA code", classes="hidden totp")
            yield Input(placeholder="6 digits from your authenticator", id="totp",
                        classes="hidden totp", max_length=6, compact=True)
            yield Label("New password (yours must be changed now)", classes="hidden change")
            yield Input(password=True, id="new-password", classes="hidden change", compact=True)
            yield Label("New password again", classes="hidden change")
            yield Input(password=True, id="new-password2", classes="hidden change", compact=True)
            yield Static(self.notice, id="sign-in-error")
            yield Button("Sign in", variant="primary", id="sign-in-button")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#user", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        order = [i.id for i in self.query(Input) if i.id and not i.has_class("hidden")]
        position = order.index(event.input.id or "")
        if position + 1 < len(order):
            self.query_one(f"#{order[position + 1]}", Input).focus()
        else:
            self._attempt()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self._attempt()

    def _attempt(self) -> None:
        values = {i.id: i.value for i in self.query(Input) if i.id}
        error = self.query_one("#sign-in-error", Static)
        changing = not self.query_one("#new-password").has_class("hidden")
        if changing and values["new-password"] != values["new-password2"]:
            error.update("The two new passwords differ.")
            return
        error.update("Signing in…")
        self.query_one("#sign-in-button", Button).disabled = True
        self._sign_in(values["account"].strip(), values["user"].strip(), values["password"],
                      values["totp"] or None, values["new-password"] if changing else None)

    @work(thread=True, exclusive=True)
    def _sign_in(self, account: str, user: str, password: str, totp: str | None,
                 new_password: str | None) -> None:
        # Argon2 takes ~200 ms on purpose: a worker keeps the screen responsive.
        try:
            principal = self.service.sign_in(account, user, password, totp,
                                             new_password=new_password)
        except IamError as error:
            self.app.call_from_thread(self._failed, error)
            return
        self.app.call_from_thread(self.dismiss, principal)

    def _reveal(self, group: str, first: str, message: str) -> None:
        for widget in self.query(f".{group}"):
            widget.remove_class("hidden")
        self.query_one(f"#{first}", Input).focus()
        self.query_one("#sign-in-error", Static).update(message)

    def _failed(self, error: IamError) -> None:
        """Each refusal says what to do next (see IamService.sign_in)."""
        self.query_one("#sign-in-button", Button).disabled = False
        if error.code == "MfaCodeRequired":
            self._reveal("totp", "totp", "Enter the code from your authenticator app.")
            return
        if error.code == "PasswordResetRequired":
            self._reveal("change", "new-password", error.message)
            return
        self.query_one("#sign-in-error", Static).update(error.message)
        if error.code == "InvalidAuthenticationCode":
            self.query_one("#totp", Input).value = ""
            self.query_one("#totp", Input).focus()
            return
        self.query_one("#password", Input).value = ""
        self.query_one("#password", Input).focus()
