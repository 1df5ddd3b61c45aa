"""The Access advisor tab of a user, group, role or policy (IAM User Guide, "Refine
permissions in AWS using last accessed information"): the services its permissions allow,
the access level granted, and when each was last used, newest first.

One pane serves the four detail screens: `access_advisor_tab(kind, name)` is the tab.
The report reads the audit trail and the action catalog, so it is computed in a worker.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from textual import work
from textual.widgets import TabPane

from iamtui.errors import IamError
from iamtui.screens.ops import refusal_text, report_error
from iamtui.screens.session import session_of
from iamtui.screens.widgets.detail_pane import DetailPane
from iamtui.screens.widgets.resource_table import Column, Row
from iamtui.screens.workers import deliver

if TYPE_CHECKING:
    from iamtui.service import IamService, Principal

AdvisorKind = Literal["user", "group", "role", "policy"]
NOT_ACCESSED = "Not accessed"  # the console: "Not accessed in the tracking period"


def entity_arn(service: IamService, principal: Principal, kind: AdvisorKind,
               name: str) -> str:
    """The ARN of the user, group or role `name`; a policy is named by its ARN already."""
    if kind == "user":
        return service.get_user(principal, name).arn
    if kind == "group":
        return service.get_group(principal, name).group.arn
    if kind == "role":
        return service.get_role(principal, name).arn
    return name


def last_accessed_text(when: str | None, now: datetime) -> str:
    """As the console says it: `Today`, `1 day ago`, `3 days ago`, or `Not accessed`."""
    if when is None:
        return NOT_ACCESSED
    days = (now - datetime.fromisoformat(when)).days
    return "Today" if days < 1 else "1 day ago" if days == 1 else f"{days} days ago"


class AccessAdvisorPane(DetailPane):
    """Services allowed and their last use; newest use first, never-used ones last."""

    # a service's name whole (the longest common one is IAM's, 39 cells) before its access
    columns = (Column("service", "Service", 40, min_width=40), Column("access", "Access", 24),
               Column("last", "Last accessed", 14, min_width=13))
    empty_text = "No policy allows any service."
    hint = "Last accessed: from the audit trail, over a tracking period of 400 days."

    def __init__(self, kind: AdvisorKind, name: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.kind, self.entity_name = kind, name

    def load(self) -> list[Row]:
        service, principal = session_of(self)
        job = service.access_advisor(principal, entity_arn(service, principal, self.kind,
                                                           self.entity_name))
        now = service.clock()
        rows = []
        for item in job.services:
            namespace, when = item["ServiceNamespace"], item.get("LastAuthenticated")
            rows.append(Row(namespace, (item["ServiceName"], job.access.get(namespace, ""),
                                        last_accessed_text(when, now)),
                            sort_values=(item["ServiceName"].lower(), "", when or "")))
        # the most recently used first; the never used keep name order (a stable sort)
        return sorted(rows, key=lambda r: r.sort_values[2] if r.sort_values else "",
                      reverse=True)

    def reload(self) -> None:
        self._load_in_worker()

    @work(thread=True, exclusive=True, group="access-advisor")
    def _load_in_worker(self) -> None:
        try:
            rows = self.load()
        except IamError as error:
            deliver(self, report_error, self, error)
            deliver(self, self._show, [], refusal_text(error))
            return
        deliver(self, self._show, rows)

    def _show(self, rows: list[Row], refusal: str | None = None) -> None:
        if refusal is None:
            self.table.set_rows(rows)
        else:
            self.table.show_refusal(refusal)
        self.refresh_bindings()


def access_advisor_tab(kind: AdvisorKind, name: str) -> TabPane:
    """The "Access advisor" tab of a detail screen."""
    return TabPane("Access advisor", AccessAdvisorPane(kind, name, id="access-advisor-pane"),
                   id="access-advisor")
