"""The IAM console's policy summary as a widget: per service, the access level granted
(full, or limited per access level), the resources and the request conditions, for one
policy or for everything attached to a user, group or role.

The summary reads AWS's action catalog, so it is computed in a worker thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text
from textual import work
from textual.widgets import Static

from iamtui.errors import IamError, MalformedPolicyDocument
from iamtui.policy import PolicyType, parse_policy
from iamtui.policy.summary import ServiceSummary, summarize
from iamtui.screens.ops import report_error
from iamtui.screens.session import session_of
from iamtui.screens.workers import deliver
from iamtui.service.documents import owner_documents as documents_of

if TYPE_CHECKING:
    from textual.dom import DOMNode


def summary_table(rows: Sequence[ServiceSummary]) -> Table:
    """The summary as the console lays it out: Service, Access level, Resource, Request
    condition; denies after allows."""
    table = Table(expand=True, show_edge=False, pad_edge=False)
    for header, ratio in (("Service", 2), ("Effect", 1), ("Access level", 2),
                          ("Resource", 3), ("Request condition", 3)):
        table.add_column(header, ratio=ratio, overflow="fold")
    for row in rows:
        table.add_row(Text(row.name), Text(row.effect, style="green" if row.effect == "Allow"
                                            else "red"),
                      Text(row.access), Text("\n".join(row.resources)),
                      Text("\n".join(row.conditions) or "None"))
    return table


class PolicySummaryView(Static):
    """A policy summary; `show(documents)` recomputes it off the UI thread."""

    def show(self, documents: Sequence[str], kind: PolicyType = PolicyType.IDENTITY) -> None:
        """Summarise these policy documents together."""
        self.update("Summarising…")
        self._summarise(list(documents), kind)

    @work(thread=True, exclusive=True, group="policy-summary")
    def _summarise(self, documents: list[str], kind: PolicyType) -> None:
        parsed = []
        for text in documents:
            try:
                parsed.append(parse_policy(text, kind))
            except MalformedPolicyDocument:
                continue  # a stored document AWS would not take now: nothing to summarise
        rows = summarize(parsed)
        deliver(self, self._render_rows, rows)

    def _render_rows(self, rows: list[ServiceSummary]) -> None:
        self.update(summary_table(rows) if rows else "This policy grants no permissions.")


def owner_documents(node: DOMNode, kind: str, name: str) -> list[str] | None:
    """The documents that apply to a user, group or role; None when one cannot be read
    (the error is shown)."""
    service, principal = session_of(node)
    try:
        return documents_of(service, principal, kind, name)
    except IamError as error:
        report_error(node, error)
        return None


class OwnerPolicySummary(PolicySummaryView):
    """What everything attached to a user, group or role grants together, read again each
    time the pane is shown (a policy may have been attached meanwhile)."""

    def __init__(self, kind: str, name: str, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.kind, self.owner_name = kind, name

    def on_show(self) -> None:
        documents = owner_documents(self, self.kind, self.owner_name)
        if documents is not None:
            self.show(documents)
