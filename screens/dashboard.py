"""The first screen after sign-in: what the account holds, and what to fix first.

The IAM console's dashboard is the reference: resource counts, the security
recommendations (`IamService.security_status`, the same checks `iamtui
security-status` prints), and the credential report. `enter` on a failing check
lists the entities to fix; `enter` on a user there opens the user, `m` enrolls an
MFA device for it; `c` shows the credential report, where `s` saves it as CSV.
"""

from __future__ import annotations

import contextlib
import csv
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.style import Style
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from iamtui.errors import AccessDenied, IamError
from iamtui.local_paths import expand_home
from iamtui.screens.mfa_enroll import MfaEnrollModal
from iamtui.screens.modals import Field, FormModal
from iamtui.screens.navigation import OpenEntity
from iamtui.screens.ops import report_error
from iamtui.screens.paths import remember_path, suggested_path
from iamtui.screens.session import session_of, signed_in
from iamtui.screens.widgets.resource_table import Column, ResourceTable, Row
from iamtui.screens.workers import deliver

if TYPE_CHECKING:
    from iamtui.service import IamService, Principal
    from iamtui.service.reports import SecurityCheck, SecurityStatus

ROOT_ADVICE = ("You are signed in as the root user. It may do everything and cannot be "
               "limited by policies: use it only for account tasks. Create an administrator "
               "user and sign in as it day to day.")


def root_advice(status: SecurityStatus | None) -> str:
    """The root user's warning; once an administrator exists, it names whom to use."""
    if status is None:
        return ROOT_ADVICE
    check = status.check("non-root-administrator")
    admins = [n.removeprefix("administrator: ") for n in check.notes]
    if not check.passed or not admins:
        return ROOT_ADVICE
    return ("You are signed in as the root user. It may do everything and cannot be "
            "limited by policies: use it only for account tasks. Day to day, sign in as an "
            f"administrator ({', '.join(admins[:3])}{', …' if len(admins) > 3 else ''}).")
PASS_STYLE = Style(color="green", bold=True)
FAIL_STYLE = Style(color="red", bold=True)


def check_options(status: SecurityStatus) -> list[Option]:
    """One line per check: PASS/FAIL in colour, its title, and how many entities fail it."""
    options = []
    for c in status.checks:
        line = Text.assemble(("PASS  " if c.passed else "FAIL  ",
                              PASS_STYLE if c.passed else FAIL_STYLE), c.title)
        if c.failing:
            line.append(f"  ({len(c.failing)} to fix)", style="dim")
        options.append(Option(line, id=c.check_id))
    return options


class Dashboard(Vertical, can_focus=True):
    """Counts of each kind, the root-user advice and the security checks.

    The checks are an OptionList, not a ResourceTable: a section's first ResourceTable
    is the one the main screen and its tests take for the section's table.
    """

    DEFAULT_CSS = """
    Dashboard { padding: 0 1; }
    Dashboard > #root-advice { color: $warning; margin-bottom: 1; height: auto; }
    Dashboard > #counts { height: auto; margin-bottom: 1; }
    Dashboard > .section-title { text-style: bold; }
    Dashboard > #checks { height: 1fr; }
    Dashboard > #dash-status { color: $text-muted; height: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "refresh", "Refresh", id="dashboard.refresh"),
        Binding("c", "credential_report", "Credential report", id="dashboard.credential_report"),
    ]

    status: SecurityStatus | None = None

    def compose(self) -> ComposeResult:
        advice = Static(ROOT_ADVICE, id="root-advice")
        # Set here, not in on_mount: a screen torn down while mounting has no children.
        advice.display = session_of(self).principal.is_root
        yield advice
        yield Static("Loading…", id="counts")
        yield Static("Security status", classes="section-title")
        yield OptionList(id="checks")
        yield Static("enter: the entities to fix · c: credential report · r: refresh",
                     id="dash-status")

    loaded_revision: int | None = None  # the store revision the dashboard shows

    def on_mount(self) -> None:
        self.action_refresh()

    def on_focus(self) -> None:
        self.query_one("#checks", OptionList).focus()  # the section's keys live there

    def on_show(self) -> None:
        self.reload_if_changed()

    def reload_if_changed(self) -> None:
        """Run the checks again if the store changed since they ran (or are running)."""
        if self.status is not None and \
                self.loaded_revision != session_of(self).revision:
            self.action_refresh()

    def action_refresh(self) -> None:
        """Count each kind and run the checks, off the event loop (the admin check
        evaluates every principal)."""
        if not signed_in(self):
            return  # the session ended before the screen got here (signed out, app closing)
        service, principal = session_of(self)
        self.loaded_revision = service.revision  # read first: later changes reload
        self._run_checks(service, principal)

    @work(thread=True, exclusive=True, group="dashboard")
    def _run_checks(self, service: IamService, principal: Principal) -> None:
        """The counts and the checks of the session that asked, whatever happens to it."""
        counts: list[tuple[str, str]] = [("Account", service.account_id)]
        # the console's dashboard shows the alias beside the ID; not allowed to list it
        # (ListAccountAliases), the ID alone
        with contextlib.suppress(IamError):
            counts += [("Alias", a) for a in service.list_account_aliases(principal)]
        for label, count in (("Users", lambda: len(service.list_users(principal))),
                             ("Groups", lambda: len(service.list_groups(principal))),
                             ("Roles", lambda: len(service.list_roles(principal))),
                             ("Customer managed policies",
                              lambda: len(service.list_policies(principal, scope="Local")))):
            try:
                counts.append((label, str(count())))
            except IamError:
                counts.append((label, "—"))  # not allowed to list them: say nothing
        try:
            status = service.security_status(principal)
        except AccessDenied:  # said in place of the checks (as a refused table says it)
            status = None
        except IamError as error:
            deliver(self, report_error, self, error)
            status = None
        deliver(self, self._show, counts, status)

    def _show(self, counts: list[tuple[str, str]], status: SecurityStatus | None) -> None:
        lines = [[(k, v) for k, v in counts if k in ("Account", "Alias")],
                 [(k, v) for k, v in counts if k not in ("Account", "Alias")]]
        self.query_one("#counts", Static).update("\n".join(
            "   ".join(f"[b]{label}[/b] {value}" for label, value in line)
            for line in lines))
        self.status = status
        self.query_one("#root-advice", Static).update(root_advice(status))
        checks = self.query_one("#checks", OptionList)
        highlighted = checks.highlighted
        checks.clear_options()
        if status is None:
            checks.add_option(Option("Not allowed to read the security status "
                                     "(iam:GetAccountSummary, iam:GetCredentialReport, "
                                     "iam:GetAccountAuthorizationDetails).", disabled=True))
            return
        checks.add_options(check_options(status))
        checks.highlighted = highlighted if highlighted is not None else 0
        failed = sum(not c.passed for c in status.checks)
        self.query_one("#dash-status", Static).update(
            (f"{failed} of {len(status.checks)} checks fail" if failed else
             f"All {len(status.checks)} checks pass") +
            " · enter: what to fix")  # c (credential report) is in the footer

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()  # the main screen's sidebar listens for its own selections
        if self.status is None or event.option.id is None:
            return
        check = self.status.check(event.option.id)
        self.app.push_screen(FailingEntitiesScreen(check), lambda _: self.action_refresh())

    def action_credential_report(self) -> None:
        self.app.push_screen(CredentialReportScreen())


class FailingEntitiesScreen(Screen[None]):
    """The entities one check found wanting, and what to do about them."""

    DEFAULT_CSS = """
    FailingEntitiesScreen > .title { background: $boost; text-style: bold; padding: 0 1; }
    FailingEntitiesScreen > .advice { padding: 0 1; margin-bottom: 1; height: auto; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="failing_entities.back"),
        Binding("m", "enroll_mfa", "Assign MFA", id="failing_entities.assign_mfa"),
    ]

    def __init__(self, check: SecurityCheck) -> None:
        super().__init__()
        self.check = check

    def compose(self) -> ComposeResult:
        state = "passes" if self.check.passed else f"fails for {len(self.check.failing)}"
        yield Static(f"{self.check.title}: {state}", classes="title")
        notes = "\n".join(self.check.notes)
        yield Static(self.check.advice + (f"\n{notes}" if notes else ""), classes="advice")
        table = ResourceTable((Column("type", "Type", 12), Column("name", "Name", 40),
                               Column("detail", "Detail", 60)),
                              empty_text="Nothing to fix.")
        yield table
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        table = self.query_one(ResourceTable)
        table.set_rows([Row(f"{i}:{f.type}:{f.name}", (f.type, f.name, f.detail))
                        for i, f in enumerate(self.check.failing)])
        table.focus()

    def _current(self) -> tuple[str, str] | None:
        key = self.query_one(ResourceTable).current_key
        if key is None:
            return None
        _, kind, name = key.split(":", 2)
        return kind, name

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "enroll_mfa":  # only the root user can enroll the root user's MFA
            root = session_of(self).principal.is_root
            return self.check.check_id == "users-mfa" or (
                self.check.check_id == "root-mfa" and root)
        return True

    def action_enroll_mfa(self) -> None:
        """Assign an MFA device to the entity under the cursor, then re-run the check."""
        current = self._current()
        if current is None or not self.check_action("enroll_mfa", ()):
            return
        user = None if current[0] == "RootUser" else current[1]
        self.app.push_screen(MfaEnrollModal(user), self._enrolled)

    def _enrolled(self, device: object) -> None:
        if device is not None:
            self.dismiss(None)  # the dashboard re-runs its checks

    def on_resource_table_activated(self, event: ResourceTable.Activated) -> None:
        event.stop()
        current = self._current()
        if current is not None and current[0] in ("User", "Role"):  # unused permissions: roles
            self.post_message(OpenEntity(current[0].lower(), current[1], trail=("Dashboard",)))

    def action_back(self) -> None:
        self.dismiss(None)


def report_rows(text: str) -> tuple[list[str], list[Row]]:
    """The credential report's CSV as a header and table rows (keyed by user)."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, [])
    return header, [Row(cells[0], tuple(cells)) for cells in reader if cells]


class CredentialReportScreen(Screen[None]):
    """The latest credential report (generated first when missing or older than 4 hours)."""

    DEFAULT_CSS = """
    CredentialReportScreen > .title { background: $boost; text-style: bold; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="credential_report.back"),
        Binding("s", "save", "Save CSV", priority=True,
                id="credential_report.save_csv"),  # before the table's sort
        Binding("left", "scroll_columns(-8)", "Scroll left", show=False,
                id="credential_report.scroll_left"),
        Binding("right", "scroll_columns(8)", "Scroll right", show=False,
                id="credential_report.scroll_right"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.content = ""

    def compose(self) -> ComposeResult:
        yield Static("Credential report", classes="title", id="report-title")
        yield ResourceTable([Column("user", "user", 24)], empty_text="Generating…",
                            id="report")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.load()

    @work(thread=True, exclusive=True)
    def load(self) -> None:
        service, principal = session_of(self)
        try:
            service.generate_credential_report(principal)
            report = service.get_credential_report(principal)
        except IamError as error:
            deliver(self, report_error, self, error)
            return
        deliver(self, self._show, report.text, report.generated_time.isoformat())

    def _show(self, text: str, generated: str) -> None:
        self.content = text
        header, rows = report_rows(text)
        old = self.query_one("#report", ResourceTable)
        table = ResourceTable([Column(h, h, 40) for h in header], id="report-table")
        self.mount(table, after=old)
        old.remove()
        table.set_rows(rows)
        table.focus()
        self.query_one("#report-title", Static).update(
            f"Credential report, generated {generated} · {len(rows)} rows · s: save as CSV")

    def action_scroll_columns(self, step: int) -> None:
        for table in self.query(ResourceTable):
            table.scroll_to(x=max(0, table.scroll_x + step), animate=False)

    def action_save(self) -> None:
        if not self.content:
            return

        def done(values: dict[str, Any] | None) -> None:
            if values:
                self.save_to(expand_home(values["path"]))

        self.app.push_screen(FormModal("Save the credential report as CSV", [
            Field("path", "File", suggested_path(self, "credential-report",
                                                 "credential-report.csv"))],
            submit="Save"), done)

    def save_to(self, path: Path) -> None:
        """Write the report's CSV (as GetCredentialReport returns it) to `path`."""
        try:
            path.write_text(self.content, encoding="utf-8")
        except OSError as error:
            self.notify(f"Could not write {path}: {error.strerror}", severity="error", markup=False)
            return
        remember_path(self, "credential-report", path)
        self.notify(f"Saved the credential report to {path}", markup=False)

    def action_back(self) -> None:
        self.dismiss(None)
