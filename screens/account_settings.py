"""Account settings: the password policy (AWS's ranges), lockout, idle timeout, the alias.

IAM User Guide, "Set an account password policy for IAM users": minimum length 6-128,
the four character classes, users may change their own password, expiry 1-1095 days,
reuse prevention 1-24, hard expiry. Lockout (threshold 1-10, at least 30 minutes) and
the idle timeout (1-1440 minutes) are iamtui's, for PCI DSS v4.0 requirement 8; f2
fills in the PCI DSS preset (`pci_dss_policy`). A blank number means "off" / "never".

Keys: f2 PCI DSS preset, ctrl+s save (out-of-range values are refused with AWS's
message and nothing changes), r reload.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Checkbox, Input, Label, Static

from iamtui.errors import IamError, ValidationError
from iamtui.screens.ops import report_error
from iamtui.screens.session import session_of
from iamtui.security.passwords import (
    DEFAULT_RULES,
    SYMBOLS_TEXT,
    AccountSecuritySettings,
    LockoutSettings,
    PasswordPolicy,
    pci_dss_policy,
)

# (field, label with AWS's range, what a blank means): the numbers of the form; each label
# fits the label column (36 cells) so that it reads whole at 80 columns
NUMBERS = (("minimum_password_length", "Minimum length (6–128)", "6"),
           ("max_password_age", "Expire passwords after days (1–1095)", "never"),
           ("password_reuse_prevention", "Prevent reuse of last N (1–24)", "off"),
           ("lockout_threshold", "Lock after N failed sign-ins (1–10)", "never"),
           ("lockout_minutes", "Lock for minutes (≥30)", "until unlocked"),
           ("idle_minutes", "End idle sessions after min (1–1440)", "never"))
CHECKS = (("require_uppercase_characters", "Require an uppercase letter (A–Z)"),
          ("require_lowercase_characters", "Require a lowercase letter (a–z)"),
          ("require_numbers", "Require a number (0–9)"),
          ("require_symbols", f"Require a symbol ({SYMBOLS_TEXT.replace(' ', '')})"),
          ("allow_users_to_change_password", "Allow users to change their own password"),
          ("hard_expiry", "Password expiration requires administrator reset"))
ALIAS_LABEL = "Alias (3–63 of a-z 0-9 -)"


def default_rules_text() -> str:
    """AWS's default password rules, in words (what applies while no custom policy is set)."""
    rules = DEFAULT_RULES
    return (f"{rules.minimum_password_length}–{rules.maximum_password_length} characters, "
            f"at least {rules.minimum_character_types} of uppercase letters, lowercase "
            "letters, numbers and symbols; not the user name or email")


def policy_status(settings: AccountSecuritySettings) -> str:
    """What applies now, and what saving the form does."""
    if settings.password_policy:
        return "A custom password policy is set: the values below apply. Saving replaces it."
    return (f"No custom password policy: AWS's default rules apply now ({default_rules_text()})."
            " Saving creates a custom policy with the values below, which start at the "
            "API's defaults.")


def _number(text: str, label: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isascii() or not text.isdigit():
        raise ValidationError(f"{label.split(' (')[0]}: {text!r} is not a whole number.")
    return int(text)


def form_values(settings: AccountSecuritySettings) -> dict[str, Any]:
    """The form's fields for `settings` (AWS's defaults when there is no policy)."""
    policy = settings.password_policy or PasswordPolicy()
    lockout = settings.lockout
    values: dict[str, Any] = {
        "minimum_password_length": str(policy.minimum_password_length),
        "max_password_age": str(policy.max_password_age or ""),
        "password_reuse_prevention": str(policy.password_reuse_prevention or ""),
        "lockout_threshold": str(lockout.threshold) if lockout else "",
        "lockout_minutes": str(lockout.duration_minutes or "") if lockout else "",
        "idle_minutes": str(settings.idle_session_timeout_minutes or ""),
    }
    values |= {name: getattr(policy, name) for name, _ in CHECKS}
    return values


class AccountSettingsSection(VerticalScroll, can_focus=False):
    """The form; saving replaces the policy as a whole (UpdateAccountPasswordPolicy)."""

    DEFAULT_CSS = """
    AccountSettingsSection { height: 1fr; padding: 0 1; }
    AccountSettingsSection .section-title { text-style: bold; margin-top: 1; }
    AccountSettingsSection .row { height: 1; }
    AccountSettingsSection .row > Label { width: 36; margin-right: 1; }
    AccountSettingsSection .row > Input { width: 16; }
    AccountSettingsSection Checkbox { height: 1; border: none; padding: 0; }
    AccountSettingsSection #settings-status { color: $text-muted; height: auto; }
    AccountSettingsSection #settings-error { color: $error; height: auto; }
    AccountSettingsSection .row > #alias { width: 1fr; max-width: 40; }
    AccountSettingsSection Horizontal.buttons { height: auto; margin-top: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "pci_preset", "PCI DSS preset", id="account_settings.pci_dss_preset"),
        Binding("ctrl+s", "save", "Save", id="account_settings.save"),
        Binding("f5", "reload", "Reload", id="account_settings.reload"),
    ]

    def compose(self) -> ComposeResult:
        yield Static("Password policy", classes="section-title")
        yield Static("", id="settings-status")
        yield from self.number_rows(NUMBERS[:3])
        for name, label in CHECKS:
            yield Checkbox(label, id=name, compact=True)
        yield Static("Sign-in lockout and sessions (iamtui's, for PCI DSS 8.3.4 and 8.2.8)",
                     classes="section-title")
        yield from self.number_rows(NUMBERS[3:])
        yield Static("Account alias (sign in with it instead of the account ID)",
                     classes="section-title")
        with Horizontal(classes="row"):
            yield Label(ALIAS_LABEL)
            yield Input(id="alias", placeholder="none", compact=True)
        yield Static("", id="settings-error")
        with Horizontal(classes="buttons"):
            yield Button("Save (ctrl+s)", variant="primary", id="save")
            yield Button("PCI DSS preset (f2)", id="pci")

    @staticmethod
    def number_rows(numbers: tuple[tuple[str, str, str], ...]) -> ComposeResult:
        """A label and, beside it, an input whose placeholder says what blank means."""
        for name, label, blank in numbers:
            with Horizontal(classes="row"):
                yield Label(label)
                yield Input(id=name, placeholder=blank, compact=True, restrict=r"[0-9]*")

    def on_show(self) -> None:
        self.action_reload()
        self.call_after_refresh(self.query_one("#minimum_password_length", Input).focus)

    def action_reload(self) -> None:
        """Show the settings as stored."""
        service, principal = session_of(self)
        try:
            settings = service.get_account_security_settings(principal)
        except IamError as error:
            report_error(self, error)
            return
        self.fill(form_values(settings))
        self.query_one("#alias", Input).value = service.account().alias or ""
        self.query_one("#settings-status", Static).update(policy_status(settings))
        self.query_one("#settings-error", Static).update("")

    def fill(self, values: dict[str, Any]) -> None:
        for name, value in values.items():
            widget = self.query_one(f"#{name}")
            if isinstance(widget, Checkbox):
                widget.value = bool(value)
            elif isinstance(widget, Input):
                widget.value = str(value)

    def action_pci_preset(self) -> None:
        """Fill in PCI DSS v4.0's settings (saved only with ctrl+s)."""
        self.fill(form_values(pci_dss_policy()))
        self.notify("PCI DSS v4.0 settings filled in: ctrl+s saves them.")

    def settings(self) -> AccountSecuritySettings:
        """The form as settings; ValidationError (AWS's message) when a value is out of
        range."""
        numbers = {name: _number(self.query_one(f"#{name}", Input).value, label)
                   for name, label, _ in NUMBERS}
        checks = {name: self.query_one(f"#{name}", Checkbox).value for name, _ in CHECKS}
        policy = PasswordPolicy(
            minimum_password_length=numbers["minimum_password_length"] or 6,
            max_password_age=numbers["max_password_age"],
            password_reuse_prevention=numbers["password_reuse_prevention"], **checks)
        lockout = None
        if numbers["lockout_threshold"] is not None:
            lockout = LockoutSettings(numbers["lockout_threshold"], numbers["lockout_minutes"])
        return AccountSecuritySettings(policy, lockout, numbers["idle_minutes"])

    @on(Button.Pressed, "#save")
    def save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#pci")
    def pci_pressed(self) -> None:
        self.action_pci_preset()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def action_save(self) -> None:
        """UpdateAccountPasswordPolicy with the lockout and idle settings, then the alias."""
        service, principal = session_of(self)
        error = self.query_one("#settings-error", Static)
        try:
            wanted = self.settings()
            service.update_account_password_policy(
                principal, wanted.password_policy, lockout=wanted.lockout,
                idle_session_timeout_minutes=wanted.idle_session_timeout_minutes)
            alias = self.query_one("#alias", Input).value.strip() or None
            if alias != service.account().alias:
                service.update_account_alias(principal, alias)
        except IamError as exc:
            error.update(Content(f"{exc.code}: {exc.message}"))  # text, not markup
            report_error(self, exc)
            return
        error.update("")
        self.notify("Account settings saved.")
        self.action_reload()
