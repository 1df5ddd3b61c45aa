"""The audit log: every event (time, who, event, target, result), filtered, in full, verified.

CloudTrail's event history is the reference (CloudTrail User Guide, "Working with
CloudTrail event history": filter by user name, event name, time range). Rows come a
page at a time from the log file (`LazyTable`), so 100,000 events open as fast as ten.
Reading it needs cloudtrail:LookupEvents, checked (and audited) through
`IamService.lookup_events` before the first page.

Keys: / filters (enter applies, esc clears), v verifies the chain in a worker and puts
the cursor on the first bad record, r reloads.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar

from rich.style import Style
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Static, TextArea

from iamtui.audit import EventFilter, event_row
from iamtui.errors import IamError, ValidationError
from iamtui.screens.ops import report_error
from iamtui.screens.session import session_of
from iamtui.screens.widgets.lazy_table import LazyTable
from iamtui.screens.widgets.resource_table import Column
from iamtui.screens.workers import deliver

# time, who, event and result first: at 80 columns (about 63 cells) they fit whole, and
# the detail's title gives the highlighted row's target and error code
COLUMNS = (Column("time", "Time", 19), Column("who", "Who", 12), Column("event", "Event", 18),
           Column("result", "Result", 7), Column("target", "Target", 40),
           Column("error", "Error code", 28))
# (field, placeholder, tooltip): the filters, in the order CloudTrail's lookup lists them
FILTERS = (("user", "user", "User name, exactly"),
           ("event", "event", "Event name, exactly (CreateUser)"),
           ("result", "result", "success or failure"),
           ("start", "from date", "From 2026-11-01 or 2026-11-01T09:00 (UTC)"),
           ("end", "to date", "To 2026-11-30 (its last second) or 2026-11-30T18:00 (UTC)"))
TARGET_KEYS = ("userName", "groupName", "roleName", "policyArn", "policyName",
               "accessKeyId", "serialNumber", "instanceProfileName", "resourceArn")


def _styler(column: str, cell: str) -> Style | None:
    if column == "result":
        return Style(color="red") if cell.startswith("Failure") else Style(color="green")
    return None


def target_of(record: Mapping[str, Any]) -> str:
    """What the request acted on: the first name or ARN in its parameters."""
    params = record.get("requestParameters")
    if isinstance(params, Mapping):
        for key in TARGET_KEYS:
            value = params.get(key)
            if isinstance(value, str) and value:
                return value
    return ""


def record_cells(record: Mapping[str, Any]) -> tuple[str, ...]:
    """One event as the table's six cells."""
    row = event_row(record)
    return (row.event_time.replace("T", " ").rstrip("Z"), row.user_name, row.event_name,
            row.result, target_of(record), row.error_code or "")


def detail_title(cells: Sequence[str]) -> str:
    """`CreateUser → bob · Failure (AccessDenied)`: a row's event, target and result."""
    _, _, event, result, target, code = cells
    result += f" ({code})" if code else ""
    return f"{event} → {target} · {result}" if target else f"{event} · {result}"


def parse_time(text: str, *, end: bool = False) -> datetime | None:
    """`2026-11-28` or `2026-11-28T12:00` (UTC); a bare date as an end means its last second."""
    text = text.strip()
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError(f"{text!r} is not a date or time (use 2026-11-28 or "
                              "2026-11-28T12:00).") from None
    if end and len(text) == 10:
        when = when.replace(hour=23, minute=59, second=59)
    return when if when.tzinfo else when.replace(tzinfo=UTC)


class AuditSection(Vertical):
    """The events table over the log, its filters, the full record, and verify."""

    DEFAULT_CSS = """
    AuditSection { height: 1fr; }
    AuditSection > .section-title { text-style: bold; padding: 0 1; height: 1; }
    AuditSection > #audit-filters { height: 1; padding: 0 1; margin-bottom: 1; }
    AuditSection > #audit-filters > Label { width: auto; margin-right: 1; text-style: bold; }
    AuditSection > #audit-filters > Input { width: 1fr; max-width: 16; margin-right: 1; }
    AuditSection > LazyTable { height: 1fr; min-height: 5; }
    AuditSection > #audit-detail { height: 9; }
    AuditSection > #audit-status { height: auto; color: $text-muted; padding: 0 1; }
    AuditSection > #audit-status.bad { color: $error; text-style: bold; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "filter", "Filter", id="audit.filter"),
        Binding("v", "verify", "Verify chain", id="audit.verify_chain"),
        Binding("r", "reload", "Reload", id="audit.reload"),
        Binding("escape", "clear_filters", "Clear filters", show=False, id="audit.clear_filters"),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.filters = EventFilter()
        self.records: dict[int, dict[str, Any]] = {}
        self.loaded = False
        self.loaded_revision: int | None = None  # the store revision the events show
        self._pending_problem: tuple[int, str] | None = None  # (line, summary) after verify

    def compose(self) -> ComposeResult:
        yield Static("Audit log", classes="section-title")
        # a labelled line of short fields, apart from the table, so it does not read as a
        # second header
        with Horizontal(id="audit-filters"):
            yield Label("Filter:")
            for name, placeholder, tooltip in FILTERS:
                field = Input(placeholder=placeholder, id=f"f-{name}", compact=True)
                field.tooltip = tooltip
                yield field
        yield LazyTable(COLUMNS, styler=_styler, id="events",
                        empty_text="No events match.")
        yield TextArea("", read_only=True, id="audit-detail", soft_wrap=True)
        yield Static("/ filter · v verify the chain · r reload", id="audit-status")

    def on_mount(self) -> None:
        self.query_one("#audit-detail", TextArea).cursor_blink = False

    def on_show(self) -> None:
        if not self.loaded:
            self.action_reload()
        self.call_after_refresh(self.table.focus)  # the section has no ResourceTable

    @property
    def table(self) -> LazyTable:
        return self.query_one("#events", LazyTable)

    def action_reload(self) -> None:
        """Show the events matching the filters (counted in a worker: a filtered count
        scans the file, about 0.4 s at 100,000 events)."""
        self._load(self.filters)

    def reload_if_changed(self) -> None:
        """Following the store (the main screen asks each second): new events come in
        above, and the cursor stays on the event it was on."""
        if self.loaded and self.loaded_revision != session_of(self).revision:
            self._load(self.filters, keep=True)

    @work(thread=True, exclusive=True, group="audit-load")
    def _load(self, filters: EventFilter, *, keep: bool = False) -> None:
        service, principal = session_of(self)
        revision = service.revision  # read first: a later change loads again
        try:
            service.lookup_events(principal, max_results=1)  # authorizes and audits the read
        except IamError as error:
            # the denial's audit record is a commit: seen, or following would ask again
            deliver(self, self._denied, error, service.revision)
            return
        log = service.audit
        count, total = log.count(filters), log.count()
        deliver(self, self._show, log, filters, count, total, revision, keep)

    def _denied(self, error: IamError, revision: int | None = None) -> None:
        self.loaded_revision = revision
        report_error(self, error)
        self.table.show_refusal("Reading the audit log needs cloudtrail:LookupEvents.")

    def _show(self, log: Any, filters: EventFilter, count: int, total: int,
              revision: int | None = None, keep: bool = False) -> None:
        # newest first and append-only: n new events move the cursor's event down n rows
        before = (self.table.count, self.table.cursor) if keep and self.loaded else None
        self.loaded = True
        self.loaded_revision = revision
        self.records = {}

        def fetch(offset: int, limit: int) -> Sequence[tuple[str, ...]]:
            page = log.page(offset, limit, filters)
            if len(self.records) > 20 * limit:
                self.records.clear()
            for i, record in enumerate(page):
                self.records[offset + i] = record
            return [record_cells(r) for r in page]

        self.table.set_source(count, fetch)
        self.query_one("#audit-status", Static).update(
            (f"{count} events" if filters.empty else f"{count} of {total} events match")
            + " · / filter · v verify the chain · r reload")
        if before is not None and count:
            self.table.cursor = min(count - 1, before[1] + max(0, count - before[0]))
        self.show_detail(self.table.cursor if count else 0)
        if self._pending_problem is not None:
            line, summary = self._pending_problem
            self._pending_problem = None
            self._status(summary, bad=True)
            index = count - line
            if 0 <= index < count:
                self.table.cursor = index
            self.table.focus()

    def on_lazy_table_highlighted(self, event: LazyTable.Highlighted) -> None:
        if event.index is not None:
            self.show_detail(event.index)

    def show_detail(self, index: int) -> None:
        """The full record under the cursor, indented; its title names the event, target
        and result, which are off screen at 80 columns."""
        cells = self.table.row(index)  # brings its page (and record) in
        record = self.records.get(index)
        detail = self.query_one("#audit-detail", TextArea)
        detail.load_text(json.dumps(record, indent=2, ensure_ascii=False) if record else "")
        detail.border_title = detail_title(cells) if cells else ""

    # ------------------------------------------------------------------ filters

    def action_filter(self) -> None:
        self.query_one("#f-user", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.apply_filters()

    def apply_filters(self) -> None:
        """Read the filter inputs into an EventFilter and reload."""
        def value(name: str) -> str | None:
            return self.query_one(f"#f-{name}", Input).value.strip() or None

        result = (value("result") or "").lower() or None
        try:
            if result not in (None, "success", "failure"):
                raise ValidationError("Result is success or failure.")
            self.filters = EventFilter(
                user_name=value("user"), event_name=value("event"),
                start_time=parse_time(value("start") or ""),
                end_time=parse_time(value("end") or "", end=True),
                result=result)  # type: ignore[arg-type]
        except IamError as error:
            report_error(self, error)
            return
        self.action_reload()
        self.table.focus()

    def action_clear_filters(self) -> None:
        for field in self.query("#audit-filters Input").results(Input):
            field.value = ""
        if not self.filters.empty:
            self.filters = EventFilter()
            self.action_reload()
        self.table.focus()

    # ------------------------------------------------------------------ verify

    @work(thread=True, exclusive=True, group="audit-verify")
    def action_verify(self) -> None:
        """Check every seal and link of the chain, off the event loop."""
        service, principal = session_of(self)
        deliver(self, self._status, "Verifying the chain…", bad=False)
        try:
            result = service.verify_audit_log(principal)
        except IamError as error:
            deliver(self, report_error, self, error)
            return
        deliver(self, self._verified, result)

    def _status(self, text: str, *, bad: bool) -> None:
        status = self.query_one("#audit-status", Static)
        status.update(text)
        status.set_class(bad, "bad")

    def _verified(self, result: Any) -> None:
        self._status(result.summary(), bad=not result.ok)
        if result.ok:
            self.notify(result.summary())
            return
        self.notify(result.summary(), severity="error", timeout=10)
        problem = result.first_problem
        if problem is None:
            return
        # the bad line, in the unfiltered newest-first table (once it is loaded)
        for field in self.query("#audit-filters Input").results(Input):
            field.value = ""
        self.filters = EventFilter()
        self._pending_problem = (problem.line, result.summary())
        self.action_reload()
