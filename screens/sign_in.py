"""Sign-in: root user or IAM user, account, user name, password, then a TOTP code.

As on AWS's sign-in page, the first thing chosen is who signs in: "IAM user" (account
alias or ID, user name, password) or "Root user" (the account and the root password).
A user name is only ever an IAM user's, so an IAM user may be called `root`. The choice
is a RadioSet at the top (tab to it, arrows and space) or ctrl+r from anywhere.
https://docs.aws.amazon.com/signin/latest/userguide/how-to-sign-in.html
"""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Vertical
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label, RadioButton, RadioSet, Static
from textual.worker import Worker, WorkerState

from iamtui.errors import IamError
from iamtui.service import IamService, Principal


class Choice(RadioButton):
    """A radio button whose dot is there only when chosen: the choice reads without
    colour (monochrome terminals, colour blindness, a screen read as text)."""

    @property  # type: ignore[override]
    def BUTTON_INNER(self) -> str:  # the name ToggleButton reads
        return "●" if self.value else " "


class SignInScreen(Screen[Principal]):
    """The first screen on an existing store; dismisses with the signed-in principal."""

    CSS_PATH = "sign_in.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+r", "toggle_root", "Root user / IAM user", id="sign_in.toggle_root"),
        Binding("ctrl+q", "app.quit", "Quit", id="app.quit"),
    ]

    def __init__(self, service: IamService, *, notice: str = "", root: bool = False) -> None:
        super().__init__()
        self.service, self.notice, self.start_as_root = service, notice, root

    def compose(self) -> ComposeResult:
        account = self.service.account()
        with Center(), Vertical(id="sign-in") as box:
            # title and account in the frame: the MFA step fits 24 rows
            box.border_title = f"iamtui · sign in to {account.alias or account.account_id}"
            with RadioSet(id="who", compact=True):
                yield Choice("IAM user", value=not self.start_as_root, id="as-user")
                yield Choice("Root user", value=self.start_as_root, id="as-root")
            yield Label("Account alias or ID")
            yield Input(account.alias or account.account_id, id="account", compact=True)
            yield Label("IAM user name", classes="user")
            yield Input(placeholder="user name", id="user", classes="user", compact=True)
            yield Label("Password", id="password-label")
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
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self._show_who()
        self.query_one("#password" if self.as_root else "#user", Input).focus()

    @property
    def as_root(self) -> bool:
        """True when "Root user" is chosen."""
        return self.query_one("#as-root", Choice).value

    def action_toggle_root(self) -> None:
        """ctrl+r: switch between the root user and an IAM user."""
        button = self.query_one("#as-user" if self.as_root else "#as-root", Choice)
        button.value = True  # the RadioSet turns the other off and posts Changed

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        """A new choice starts over: no password, MFA code or new password carried across,
        and the focus on the first field to fill (unless it is on the choice itself)."""
        self._show_who()
        for field in ("password", "totp", "new-password", "new-password2"):
            self.query_one(f"#{field}", Input).value = ""
        for widget in self.query(".totp, .change"):
            widget.add_class("hidden")
        self.query_one("#sign-in-error", Static).update("")
        if not event.radio_set.has_focus:
            user = self.query_one("#user", Input)
            (user if not self.as_root and not user.value else
             self.query_one("#password", Input)).focus()

    def _show_who(self) -> None:
        """The user name only for an IAM user; the password label says whose it is."""
        for widget in self.query(".user"):
            widget.set_class(self.as_root, "hidden")
        self.query_one("#password-label", Label).update(
            "Root user password" if self.as_root else "Password")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter goes on to the next empty field shown; with none left, it signs in (a
        fresh MFA code typed above filled new-password fields signs in at once)."""
        order = [i for i in self.query(Input) if i.id and not i.has_class("hidden")]
        later = order[order.index(event.input) + 1:]
        empty = next((i for i in later if not i.value), None)
        if empty is not None:
            empty.focus()
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
        user = None if self.as_root else values["user"].strip()
        self._sign_in(values["account"].strip(), user, values["password"],
                      values["totp"] or None, values["new-password"] if changing else None)

    @work(thread=True, exclusive=True, group="sign-in")
    def _sign_in(self, account: str, user: str | None, password: str, totp: str | None,
                 new_password: str | None) -> Principal | IamError:
        """Sign in as the IAM user `user`, or as the root user when `user` is None: the
        principal, or the refusal. The screen acts on it once the worker has ended."""
        # Argon2 takes ~200 ms on purpose: a worker keeps the screen responsive.
        try:
            if user is None:
                return self.service.sign_in_root(account, password, totp)
            return self.service.sign_in(account, user, password, totp,
                                        new_password=new_password)
        except IamError as error:
            return error

    @on(Worker.StateChanged)
    def _signed_in(self, event: Worker.StateChanged) -> None:
        # Dismissed only after the worker ended: dismissing from inside it unmounted the
        # screen while the worker still ran, which cancels it (WorkerCancelled under load).
        if event.worker.group != "sign-in" or event.state != WorkerState.SUCCESS:
            return
        outcome = event.worker.result
        if isinstance(outcome, IamError):
            self._failed(outcome)
        elif outcome is not None:
            self.dismiss(outcome)

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
