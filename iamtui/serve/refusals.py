"""How many records of unauthenticated refusals `iamtui serve` writes: a bounded number.

Every request the server refuses before it knows the caller (a bad or missing signature, an
unknown key, a body it cannot read) is audited, as CloudTrail records failed
authentications. Each record is a store commit and a line of the log, so someone sending
bad signatures in a loop would otherwise grow both without bound. Within each minute at
most PER_SOURCE such records are written per source address and at most TOTAL in all; the
rest are only counted, and one summary record per minute (written with the first request
after that minute, or when the server stops) says how many were left out and from where.
Calls of a verified caller are never limited here: each is authorized and audited.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

PER_SOURCE = 10  # records per source address per window
TOTAL = 60  # records from all sources per window
WINDOW = timedelta(minutes=1)
MAX_SOURCES = 1024  # addresses counted apart in a window; the rest share one count
OTHER_SOURCES = "other addresses"
SUMMARY_SOURCES = 10  # the busiest addresses a summary names


@dataclass(frozen=True)
class Summary:
    """What one window left out: how many records in all, and the busiest sources."""

    start: datetime
    end: datetime
    suppressed: int
    by_source: dict[str, int]

    def event_data(self) -> dict[str, Any]:
        """The summary as the record's additionalEventData."""
        return {"suppressedRequests": self.suppressed, "bySourceIPAddress": self.by_source,
                "windowStart": _stamp(self.start), "windowEnd": _stamp(self.end),
                "limits": {"perSourcePerMinute": PER_SOURCE, "totalPerMinute": TOTAL}}


class RefusalLimiter:
    """Decides which refusals get a record; thread-safe."""

    def __init__(self, *, per_source: int = PER_SOURCE, total: int = TOTAL,
                 window: timedelta = WINDOW, max_sources: int = MAX_SOURCES) -> None:
        self.per_source, self.total, self.window = per_source, total, window
        self.max_sources = max_sources
        self._lock = threading.Lock()
        self._start: datetime | None = None
        self._written: Counter[str] = Counter()
        self._suppressed: Counter[str] = Counter()

    def admit(self, source: str, now: datetime) -> tuple[bool, Summary | None]:
        """Whether the refusal of a request from `source` at `now` gets its own record, and
        the summary of a past window to write first, if one is due."""
        summary = self.due(now)
        with self._lock:
            if self._start is None or now - self._start >= self.window:
                self._start = now
                self._written.clear()
            key = self._key(source)
            if self._written[key] >= self.per_source or self._written.total() >= self.total:
                self._suppressed[key] += 1
                return False, summary
            self._written[key] += 1
            return True, summary

    def due(self, now: datetime, *, stopping: bool = False) -> Summary | None:
        """The summary of the window that has ended by `now` (any window, when `stopping`)
        if it left records out; each summary is given once."""
        with self._lock:
            if self._start is None or not self._suppressed:
                return None
            if not stopping and now - self._start < self.window:
                return None
            busiest = dict(self._suppressed.most_common(SUMMARY_SOURCES))
            summary = Summary(self._start, min(now, self._start + self.window),
                              self._suppressed.total(), busiest)
            self._suppressed.clear()
            if not stopping:
                self._start = None
                self._written.clear()
            return summary

    def _key(self, source: str) -> str:
        # a bounded table: past max_sources addresses in one window, one shared count
        known = source in self._written or source in self._suppressed
        if known or len(self._written.keys() | self._suppressed.keys()) < self.max_sources:
            return source
        return OTHER_SOURCES


def _stamp(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


__all__ = ["MAX_SOURCES", "PER_SOURCE", "TOTAL", "WINDOW", "RefusalLimiter", "Summary"]
