"""The Server screen: whether `iamtui serve` runs against this store, the lines to point the
AWS CLI, boto3 and Terraform at it, and the calls arriving over HTTP, live.

The server announces itself in a status file beside the store (IamService.server_status;
a file left by a killed server counts as none). The calls are the audit trail's records
that came over HTTP (they alone carry a sourceIPAddress): who called (the caller's ARN),
what, the result, from which address and client. Reading them needs
cloudtrail:LookupEvents, as the Audit log does. Each second the screen looks again, off
the event loop, and reads the calls only when the store's revision moved (every served
call is a commit) or the server started or stopped.

From the screen a server can also run inside the app (`n`: on 127.0.0.1, a port asked
for; `x` stops it; the app stops it when it exits): a second IamService on the store, as
another process would open it (the store's lock keeps the two apart), answering from a
thread. Enabling serving the first time is the root user's, as with `iamtui serve`.

Opened with f12 or the palette's "server"; keys: n start, x stop, l hides or shows the
lines to paste, c copies them, r reloads, esc goes back.
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

from iamtui.errors import IamError, InvalidInput
from iamtui.screens.modals import Field, FormModal
from iamtui.screens.ops import report_error
from iamtui.screens.session import SessionApp, session_of
from iamtui.screens.widgets.resource_table import Column, ResourceTable, Row
from iamtui.screens.widgets.status_line import StatusLine
from iamtui.screens.workers import deliver
from iamtui.serve.endpoint import paste_lines
from iamtui.service.serving import ServerStatus

LIVE_SECONDS = 1.0  # as the main screen follows the store
MAX_CALLS = 200  # the newest calls shown; the Audit log has them all
DEFAULT_PORT = 8787  # as `iamtui serve`

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


def start_local_server(app: SessionApp, port: int) -> None:
    """Serve the signed-in store from this process on 127.0.0.1:`port` (serving enabled
    first, which is the root user's to do: AccessDenied for anyone else)."""
    # imported here: the server brings every command's model, which the app needs only now
    from iamtui.serve.server import RunningServer
    from iamtui.service import IamService

    service, principal = app.session
    if not service.serving_enabled():
        service.enable_serving(principal)
    own = IamService.open(service.path, keys_dir=service.keys_dir)
    try:
        app.local_server = RunningServer(own, "127.0.0.1", port)
    except BaseException:
        own.close()
        raise
    app.local_server.serve_in_thread()


def stop_local_server(app: SessionApp) -> bool:
    """Stop the server this app started, if any (its status file goes with it)."""
    running, app.local_server = app.local_server, None
    if running is None:
        return False
    try:
        running.close()
    finally:
        running.service.close()
    return True


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
        # n as a section's "new" (s sorts the table)
        Binding("n", "start", "Start", id="server.start"),
        Binding("x", "stop", "Stop", id="server.stop"),
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
            deliver(self, self._show, status, None, service.revision, error)
            return
        deliver(self, self._show, status, calls, revision, None)

    def _show(self, status: ServerStatus | None, calls: list[Row] | None, revision: int,
              error: IamError | None) -> None:
        self.status, self.loaded_revision = status, revision
        self.refresh_bindings()  # start or stop, as the server runs or not
        self.query_one("#server-state", Static).update(
            state_text(status, str(session_of(self).service.path)))
        self.query_one("#server-state", Static).set_class(status is not None, "running")
        lines = self.query_one("#server-lines", Static)
        lines.update("\n".join(paste_lines(status.url, status.ca_bundle)) if status else "")
        lines.display = status is not None and self.show_lines
        hint = self.query_one("#server-hint", Static)
        if calls is None:
            self.table.show_refusal("Reading the calls needs cloudtrail:LookupEvents.")
            hint.update("")
            if error is not None and not self.denied:  # said once, not each second
                report_error(self, error)
            self.denied = True
            return
        self.denied = False
        self.table.set_rows(calls)
        shown = len(calls)
        count = f"the newest {shown} calls" if shown == MAX_CALLS else \
            f"{shown} call{'s' if shown != 1 else ''}"
        hint.update(f"{count} over HTTP (the Audit log has every event)")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Start while no server runs on the store; stop the one this app runs."""
        if action == "start":
            return self.status is None
        if action == "stop":
            return isinstance(self.app, SessionApp) and self.app.local_server is not None
        return True

    def action_start(self) -> None:
        """n: a server on 127.0.0.1, in this app, at the port asked for."""
        app = self.app
        if not isinstance(app, SessionApp) or self.status is not None:
            return

        def start(values: dict[str, str]) -> None:
            text = values["port"].strip()
            if not text.isdigit() or not 1 <= int(text) <= 65535:
                raise InvalidInput(f"{text!r} is not a port: give a number from 1 to 65535.")
            start_local_server(app, int(text))

        def started(values: dict[str, str] | None) -> None:
            if values:
                self.notify(f"Serving this store at {app.local_server.status.url}"
                            if app.local_server else "Started")
                self.action_reload()

        app.push_screen(FormModal(
            "Serve this store (IAM and STS over HTTP)",
            [Field("port", "Port on 127.0.0.1", value=str(DEFAULT_PORT))], submit="Start",
            apply=start, note="The server runs while the app does (x stops it). Clients sign "
                              "with access keys created after serving was enabled."), started)

    def action_stop(self) -> None:
        """x: stop the server this app started."""
        if isinstance(self.app, SessionApp) and stop_local_server(self.app):
            self.notify("Stopped the server")
            self.action_reload()

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
