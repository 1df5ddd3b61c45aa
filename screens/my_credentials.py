"""My security credentials: whoever is signed in manages their own password, MFA device and
access keys, as on the console's page of that name.

Every call names no user (the CLI's form without --user-name), so the service acts on
the caller and authorizes on the caller's own ARN: the self-manage policies the IAM
User Guide documents ("AWS: Allows IAM users to manage their own credentials on the
Security credentials page", and its MFA-authenticated variant, with
`arn:aws:iam::*:user/${aws:username}`) decide what works. A part the caller may not
read says so in its row instead of failing the page.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Static

from iamtui.errors import AccessDenied, IamError, InvalidInput, NoSuchEntity
from iamtui.screens.mfa_enroll import MfaEnrollModal, deactivate_device, enroll_done, resync_device
from iamtui.screens.modals import Field, FormModal, SecretModal
from iamtui.screens.ops import Failed, run_op
from iamtui.screens.session import session_of
from iamtui.screens.widgets.detail_pane import DetailPane
from iamtui.screens.widgets.resource_table import Column, Row
from iamtui.screens.widgets.status_line import StatusLine
from iamtui.security.passwords import PasswordPolicy


def _date(moment: Any) -> str:
    return moment.strftime("%Y-%m-%d") if moment else "Never"  # a day: the page fits 80 columns


def policy_rules(policy: PasswordPolicy) -> str:
    """The account password policy in one sentence, for the change-password form."""
    kinds = [word for word, needed in (
        ("uppercase", policy.require_uppercase_characters),
        ("lowercase", policy.require_lowercase_characters),
        ("numbers", policy.require_numbers), ("symbols", policy.require_symbols)) if needed]
    text = f"At least {policy.minimum_password_length} characters"
    if kinds:
        text += ", with " + ", ".join(kinds)
    if policy.password_reuse_prevention:
        text += f"; none of your last {policy.password_reuse_prevention}"
    return text + "."


def not_allowed(what: str, error: IamError) -> Row:
    """A row saying that a part of the page could not be read, and why (AWS's code)."""
    reason = "Not allowed" if isinstance(error, AccessDenied) else error.code
    return Row(f"none:{what}", (what, "-", reason, "-", "-"))


class MyCredentialsPane(DetailPane):
    """The caller's console password, MFA devices and access keys, with their verbs."""

    columns = (Column("credential", "Credential", 16), Column("id", "ID", 20),
               Column("status", "Status", 12), Column("created", "Created", 10),
               Column("used", "Last used", 10))
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "change_password", "Password", id="my_credentials.password"),
        Binding("m", "assign_mfa", "Add MFA", id="my_credentials.assign_mfa"),
        Binding("c", "create_key", "New key", id="my_credentials.new_key"),
        Binding("t", "toggle_key", "On/off", id="my_credentials.on_off"),
        Binding("x", "resync_mfa", "Resync MFA", show=False, id="my_credentials.resync_mfa"),
        Binding("d", "remove", "Delete", id="my_credentials.delete"),
    ]

    def load(self) -> list[Row]:
        principal = session_of(self).principal
        if principal.kind == "assumed-role":  # a role session holds only temporary keys
            return [Row("none:role", ("Role session", principal.session_name or "-",
                                      "No long-term credentials", "-", "-"))]
        rows = [self._password_row()]
        for what, read in (("MFA device", self._mfa_rows), ("Access key", self._key_rows)):
            try:
                rows += read()
            except IamError as error:
                rows.append(not_allowed(what, error))
        return rows

    def _password_row(self) -> Row:
        service, principal = session_of(self)
        if principal.is_root:
            return Row("none:password", ("Console password", "root user", "Set", "-", "-"))
        try:
            user = service.get_user(principal)
        except IamError as error:
            return not_allowed("Console password", error)
        return Row("password", ("Console password", "-", "-", "-",
                                _date(user.password_last_used)))

    def _mfa_rows(self) -> list[Row]:
        service, principal = session_of(self)
        return [Row(f"mfa:{d.serial_number}", (
            "MFA device", d.serial_number.rsplit("/", 1)[-1], "Assigned",
            _date(d.enable_date), "-")) for d in service.list_mfa_devices(principal)] or \
            [Row("empty:mfa", ("MFA device", "-", "None (m)", "-", "-"))]

    def _key_rows(self) -> list[Row]:
        service, principal = session_of(self)
        return [Row(f"key:{k.access_key_id}", (
            "Access key", k.access_key_id, k.status, _date(k.create_date),
            _date(k.last_used_date))) for k in service.list_access_keys(principal)] or \
            [Row("empty:keys", ("Access key", "-", "None (c)", "-", "-"))]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        _, principal = session_of(self)
        if principal.kind == "assumed-role":
            return False
        key = self.current or ""
        if action == "change_password":
            return principal.kind == "user"
        if action == "toggle_key":
            return key.startswith("key:")
        if action == "resync_mfa":
            return key.startswith("mfa:")
        if action == "remove":
            return key.startswith(("key:", "mfa:"))
        return True

    def _current_row(self, prefix: str) -> str | None:
        key = self.current or ""
        return key.split(":", 1)[1] if key.startswith(prefix) else None

    def action_change_password(self) -> None:
        """ChangePassword: the current password, then the new one twice (hashed in the
        form's worker); the account's rules are shown when the user may read them."""
        service, principal = session_of(self)
        try:
            note = policy_rules(service.get_account_password_policy(principal))
        except NoSuchEntity:
            note = "The account's default password rules apply."
        except IamError:
            note = "A password the account's policy refuses is refused with the rule it breaks."

        def apply(values: dict[str, str]) -> None:
            if values["new"] != values["again"]:
                raise InvalidInput("The two new passwords differ.")
            service.change_password(principal, values["old"], values["new"])

        def done(values: dict[str, str] | None) -> None:
            if values:
                self.notify("Your console password was changed.")
                self.reload()

        self.app.push_screen(FormModal(
            "Change my console password",
            [Field("old", "Current password", password=True),
             Field("new", "New password", password=True),
             Field("again", "New password again", password=True)],
            submit="Change password", apply=apply, note=note), done)

    def action_assign_mfa(self) -> None:
        self.app.push_screen(MfaEnrollModal(None), enroll_done(self))

    def action_resync_mfa(self) -> None:
        serial = self._current_row("mfa:")
        if serial is not None:
            resync_device(self, None, serial)

    def action_create_key(self) -> None:
        """CreateAccessKey for myself: the secret is shown once."""
        service, principal = session_of(self)
        new = run_op(self, service.create_access_key, principal,
                     success="Created an access key for you")
        if isinstance(new, Failed):
            return
        self.reload()
        self.app.push_screen(SecretModal(
            "Your new access key", [("Access key ID", new.key.access_key_id),
                                    ("Secret access key", new.secret_access_key)],
            new.secret_access_key))

    def action_toggle_key(self) -> None:
        key_id = self._current_row("key:")
        if key_id is None:
            return
        row = next(r for r in self.table.rows if r.key == f"key:{key_id}")
        status = "Inactive" if row.cells[2] == "Active" else "Active"
        service, _ = session_of(self)
        self.op(service.update_access_key, key_id, status,
                success=f"Access key {key_id} is now {status.lower()}")

    def action_remove(self) -> None:
        serial, key_id = self._current_row("mfa:"), self._current_row("key:")
        service, _ = session_of(self)
        if serial is not None:
            deactivate_device(self, None, serial, then=self.reload)
        elif key_id is not None:
            self.confirm(f"Delete your access key {key_id}? Anything using it stops "
                         "working.", lambda: self.op(service.delete_access_key, key_id,
                                                     success=f"Deleted access key {key_id}"))


class MyCredentialsScreen(Screen[None]):
    """The page: who I am, then my credentials; `esc` goes back."""

    CSS_PATH = "my_credentials.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="my_credentials.back"),
        Binding("question_mark", "app.toggle_help", "Keys", show=False, id="app.keys"),
    ]

    def compose(self) -> ComposeResult:
        _, principal = session_of(self)
        yield StatusLine(classes="status-line")
        yield Static(f"My security credentials · {principal.arn}", classes="title")
        yield MyCredentialsPane(id="my-credentials")
        yield Static(hint(principal.kind), classes="hint")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#my-credentials", MyCredentialsPane).table.focus()

    def action_back(self) -> None:
        self.dismiss(None)


def hint(kind: str) -> str:
    """What the page lets this kind of principal do."""
    if kind == "assumed-role":
        return "A role session has no password, MFA device or access keys of its own: " \
               "back to your user (ctrl+t) to manage yours."
    return "p change password · m assign MFA · c new access key · t on/off · d delete"
