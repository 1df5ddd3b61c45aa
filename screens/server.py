"""The Server screen: whether `iamtui serve` runs against this store, the lines to point the
AWS CLI, boto3 and Terraform at it, and the calls arriving over HTTP, live.

The server announces itself in a status file beside the store (IamService.server_status;
a file left by a killed server counts as none). The calls are the audit trail's records
that came over HTTP (they alone carry a sourceIPAddress): who called (the caller's ARN),
what, the result, from which address and client. Reading them needs
cloudtrail:LookupEvents, as the Audit log does. Each second the screen looks again, off
the event loop, and reads the calls only when the store's revision moved (every served
call is a commit) or the server started or stopped.

Opened with f12 or the palette's "server"; keys: l hides or shows the lines to paste, c
copies them, r reloads, esc goes back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from rich.style import Style
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Static

from iamtui.errors import IamError
from iamtui.screens.ops import report_error
from iamtui.screens.session import session_of
from iamtui.screens.widgets.resource_table import Column, ResourceTable, Row
from iamtui.screens.widgets.status_line import StatusLine
from iamtui.serve.endpoint import paste_lines
from iamtui.service.serving import ServerStatus

LIVE_SECONDS = 1.0  # as the main screen follows the store
MAX_CALLS = 200  # the newest calls shown; the Audit log has them all
HINT = "l lines · c copy them · r reload · esc back"

# at 80 columns the caller's whole ARN (a user's: 35 cells) beside the time, action and
# result; the address and client after them, scrolled to
COLUMNS = (Column("time", "Time", 8), Column("action", "Action", 28),
           Column("result", "Result", 22), Column("caller", "Caller", 64, min_width=35),
           Column("ip", "Source IP", 39), Column("agent", "User agent", 60))


def call_row(record: Mapping[str, Any]) -> Row:
    """One call over HTTP as a row: when, which action, its result, who, from where."""
    ident = record.get("userIdentity")
    ident = ident if isinstance(ident, Mapping) else {}
    when = str(record.get("eventTime", ""))  # 2026-12-04T14:02:11Z
    service = str(record.get("eventSource", "")).split(".", 1)[0]
    action = f"{service}:{record.get('eventName', '')}" if service else \
        str(record.get("eventName", ""))
    result = str(record.get("errorCode") or "Success")
    caller = str(ident.get("arn") or ident.get("type") or "anonymous")
    return Row(str(record.get("eventID") or record.get("requestID") or when),
               (when[11:19], action, result, caller,
                str(record.get("sourceIPAddress", "")), str(record.get("userAgent", ""))),
               (when, action, result, caller, "", ""))


class CallsTable(ResourceTable):
    """The calls: nothing to open (the Audit log shows each record whole), so no `enter`."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return False if action == "activate" else super().check_action(action, parameters)


def _styler(column: str, cell: str) -> Style | None:
    if column == "result":
        return Style(color="green") if cell == "Success" else Style(color="red")
    return None


def state_text(status: ServerStatus | None, store: str) -> str:
    """The screen's first lines: running where and since when, or how to start one."""
    if status is None:
        return ("No server is running against this store. Start one in a terminal "
                f"(--tls for HTTPS):\n  iamtui serve --db {store} --as-root")
    return (f"Running at {status.url} · process {status.pid} · since "
            f"{status.started_at:%Y-%m-%d %H:%M} UTC")


class ServerScreen(Screen[None]):
    """`iamtui serve` against this store: running or not, where, and who calls it."""

    CSS_PATH = "server.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="server.back"),
        Binding("l", "toggle_lines", "Lines", id="server.lines"),
        Binding("c", "copy_lines", "Copy lines", id="server.copy_lines"),
        Binding("r", "reload", "Reload", id="server.reload"),
        Binding("question_mark", "app.toggle_help", "Keys", show=False, id="app.keys"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.status: ServerStatus | None = None
        self.loaded_revision: int | None = None  # the store revision the calls show
        self.denied = False  # the last read of the calls was refused (and said so)
        self.show_lines = True  # `l` hides them: the calls then take the room

    def compose(self) -> ComposeResult:
        yield StatusLine(classes="status-line")
        yield Static("Server · IAM and STS over HTTP (iamtui serve)", classes="title")
        yield Static("", id="server-state")
        yield Static("", id="server-lines")
        yield Static("Calls over HTTP, newest first (UTC; from the audit log, live)",
                     classes="subtitle")
        yield CallsTable(COLUMNS, styler=_styler, id="server-calls",
                            empty_text="No call over HTTP yet.")
        yield Static("", id="server-hint")
        yield Footer(compact=True, show_command_palette=False)

    @property
    def table(self) -> ResourceTable:
        return self.query_one("#server-calls", ResourceTable)

    def on_mount(self) -> None:
        self.table.focus()
        self.action_reload()
        self.set_interval(LIVE_SECONDS, self._poll)

    def _poll(self) -> None:
        if self.is_current and not any(w.group == "server" and w.is_running
                                       for w in self.app.workers):
            self._load(force=False)

    def action_reload(self) -> None:
        """r: read the status and the calls again."""
        self._load(force=True)

    @work(thread=True, group="server")
    def _load(self, *, force: bool) -> None:
        # in a thread: the revision may wait on another process's write lock, and a first
        # read of a long log scans it
        app = self.app
        service, principal = session_of(self)
        status, revision = service.server_status(), service.revision
        if not force and status == self.status and revision == self.loaded_revision:
            return  # nothing new: one stat and one small read a second
        try:
            calls = [call_row(r) for r in service.calls_over_http(principal,
                                                                  max_results=MAX_CALLS)]
        except IamError as error:
            # the denial's audit record is a commit: count it as seen, or each second
            # would ask (and be refused) again
            app.call_from_thread(self._show, status, None, service.revision, error)
            return
        app.call_from_thread(self._show, status, calls, revision, None)

    def _show(self, status: ServerStatus | None, calls: list[Row] | None, revision: int,
              error: IamError | None) -> None:
        self.status, self.loaded_revision = status, revision
        self.query_one("#server-state", Static).update(
            state_text(status, str(session_of(self).service.path)))
        self.query_one("#server-state", Static).set_class(status is not None, "running")
        lines = self.query_one("#server-lines", Static)
        lines.update("\n".join(paste_lines(status.url, status.ca_bundle)) if status else "")
        lines.display = status is not None and self.show_lines
        hint = self.query_one("#server-hint", Static)
        if calls is None:
            self.table.empty_text = "Reading the calls needs cloudtrail:LookupEvents."
            self.table.set_rows([])
            hint.update(HINT)
            if error is not None and not self.denied:  # said once, not each second
                report_error(self, error)
            self.denied = True
            return
        self.denied = False
        self.table.set_rows(calls)
        shown = len(calls)
        count = f"the newest {shown} calls" if shown == MAX_CALLS else \
            f"{shown} call{'s' if shown != 1 else ''}"
        hint.update(f"{count} over HTTP · {HINT}")

    def action_toggle_lines(self) -> None:
        """l: hide or show the lines to paste (at 24 rows, the calls get their room)."""
        self.show_lines = not self.show_lines
        self.query_one("#server-lines", Static).display = \
            self.status is not None and self.show_lines

    def action_copy_lines(self) -> None:
        """c: the endpoint and the lines to paste, to the clipboard."""
        if self.status is None:
            self.notify("No server is running against this store.", severity="warning")
            return
        self.app.copy_to_clipboard("\n".join([self.status.url,
                                              *paste_lines(self.status.url,
                                                           self.status.ca_bundle)]))
        self.notify(f"Copied the lines for {self.status.url}")

    def action_back(self) -> None:
        self.dismiss(None)
