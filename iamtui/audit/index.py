"""Reading the log lazily: a line-offset index, filters, and pages of events.

The audit screen stays fluid with 100,000 events: a line-offset index (one scan for
newlines, extended as the file grows) gives `count` and a page of the newest records
without parsing the rest; filtered pages use a byte-level pre-check before parsing.
"""

from __future__ import annotations

import itertools
import os
import threading
from array import array
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import orjson

from iamtui.audit.chain import _CHUNK, _parse_body
from iamtui.audit.records import format_event_time, is_failure
from iamtui.errors import ValidationError


@dataclass(frozen=True)
class EventFilter:
    """Which events to list; every given criterion must match (times inclusive, UTC)."""

    user_name: str | None = None  # userIdentity.userName: who made the request
    event_name: str | None = None
    event_source: str | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    result: Literal["success", "failure"] | None = None
    # who made the request, or the user it was about (requestParameters userName/newUserName)
    involving_user: str | None = None
    # iamtui's own: requests that came over HTTP (`iamtui serve`), which alone carry a
    # sourceIPAddress (the CLI's and the app's calls come from no address)
    over_http: bool = False

    def __post_init__(self) -> None:
        if self.result not in (None, "success", "failure"):
            raise ValidationError(
                f"Unknown result filter {self.result!r}: use 'success' or 'failure'."
            )

    @property
    def empty(self) -> bool:
        return self == _NO_FILTER

    def _start(self) -> str | None:
        return None if self.start_time is None else format_event_time(self.start_time)

    def _end(self) -> str | None:
        return None if self.end_time is None else format_event_time(self.end_time)

    def matches(self, record: Mapping[str, Any]) -> bool:
        """True when the parsed `record` meets every criterion."""
        ident = record.get("userIdentity")
        if self.user_name is not None and (
            not isinstance(ident, Mapping) or ident.get("userName") != self.user_name
        ):
            return False
        if self.involving_user is not None and not _involves(record, self.involving_user):
            return False
        if self.event_name is not None and record.get("eventName") != self.event_name:
            return False
        if self.event_source is not None and record.get("eventSource") != self.event_source:
            return False
        if self.over_http and not isinstance(record.get("sourceIPAddress"), str):
            return False
        when = record.get("eventTime")
        start, end = self._start(), self._end()
        if start is not None and (not isinstance(when, str) or when < start):
            return False
        if end is not None and (not isinstance(when, str) or when > end):
            return False
        return self.result is None or (self.result == "failure") == is_failure(record)


_NO_FILTER = EventFilter()


def _involves(record: Mapping[str, Any], user_name: str) -> bool:
    """Whether `user_name` made the request or is the user it names."""
    ident = record.get("userIdentity")
    if isinstance(ident, Mapping) and ident.get("userName") == user_name:
        return True
    params = record.get("requestParameters")
    return isinstance(params, Mapping) and user_name in (params.get("userName"),
                                                         params.get("newUserName"))


class _Prefilter:
    """Byte-level checks on canonical lines that reject most non-matches without parsing."""

    def __init__(self, f: EventFilter) -> None:
        self.filter = f
        self.needles: list[bytes] = []
        if f.user_name is not None:
            self.needles.append(b'"userName":' + orjson.dumps(f.user_name))
        if f.involving_user is not None:  # "userName" or "newUserName", as JSON writes it
            self.needles.append(b'serName":' + orjson.dumps(f.involving_user))
        if f.event_name is not None:
            self.needles.append(b'"eventName":' + orjson.dumps(f.event_name))
        if f.event_source is not None:
            self.needles.append(b'"eventSource":' + orjson.dumps(f.event_source))
        if f.over_http:
            self.needles.append(b'"sourceIPAddress":')
        start, end = f._start(), f._end()
        self.start = start.encode() if start else None
        self.end = end.encode() if end else None

    def maybe(self, line: bytes) -> bool:
        for needle in self.needles:
            if needle not in line:
                return False
        if self.start is not None or self.end is not None:
            at = line.find(b'"eventTime":"')
            if at < 0:
                return False
            if line.find(b'"eventTime":"', at + 1) >= 0:
                return self._rest(line)  # a nested eventTime too: let the parser decide
            when = line[at + 13 : at + 33]
            if (self.start is not None and when < self.start) or (
                self.end is not None and when > self.end
            ):
                return False
        return self._rest(line)

    def _rest(self, line: bytes) -> bool:
        if self.filter.result == "failure":
            return (
                b'"errorCode":' in line
                or b'"errorMessage":' in line
                or b'"ConsoleLogin":"Failure"' in line
            )
        return True

    def match(self, line: bytes) -> dict[str, Any] | None:
        if not self.maybe(line):
            return None
        rec = _parse_body(line)
        return rec if rec is not None and self.filter.matches(rec) else None


@dataclass
class _Index:
    """Start offsets of the complete lines, plus the offset after the last newline."""

    signature: tuple[int, int] = (-1, -1)  # (st_dev, st_ino)
    size: int = 0
    mtime_ns: int = 0
    starts: array = field(default_factory=lambda: array("q"))
    end: int = 0  # offset just after the last newline indexed

    def __len__(self) -> int:
        return len(self.starts)


@dataclass
class _Matches:
    """Line numbers matching one filter, newest first, found by a lazy backward scan."""

    lines_seen: int  # how many lines the index had when the scan started
    found: list[int] = field(default_factory=list)
    next_line: int = -1  # the next (older) line to examine; -1 when the scan is complete


class EventIndex:
    """The events of the log file at `path`, counted and paged without parsing them all."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._index = _Index()
        self._matches: dict[EventFilter, _Matches] = {}
        # The index and match cache are shared state: a TUI may read from a worker thread.
        self._lock = threading.RLock()

    def count(self, filters: EventFilter | None = None) -> int:
        """Number of lines (events) in the log, or of the events matching `filters`."""
        with self._lock:
            return self._count(filters)

    def _count(self, filters: EventFilter | None) -> int:
        index = self._refresh()
        if filters is None or filters.empty:
            return len(index)
        m = self._scan(filters, None)
        return len(m.found)

    def page(
        self,
        offset: int,
        limit: int,
        filters: EventFilter | None = None,
        *,
        newest_first: bool = True,
    ) -> list[dict[str, Any]]:
        """Events `offset` .. `offset+limit-1` (newest first by default), parsed lazily.

        Without a filter only the lines of the page are read and parsed; with one, the file is
        scanned backwards from the newest line just far enough, and the matches are cached.
        Unreadable lines are left out (`verify` is where they are reported).
        """
        if offset < 0 or limit < 0:
            raise ValidationError("page offset and limit must not be negative.")
        with self._lock:
            return self._page(offset, limit, filters, newest_first)

    def _page(
        self, offset: int, limit: int, filters: EventFilter | None, newest_first: bool
    ) -> list[dict[str, Any]]:
        index = self._refresh()
        n = len(index)
        if filters is None or filters.empty:
            if newest_first:
                hi = n - offset
                lo = max(0, hi - limit)
                wanted = range(hi - 1, lo - 1, -1)
            else:
                wanted = range(offset, min(n, offset + limit))
            return [r for r in self._read_lines(index, list(wanted)) if r is not None]
        if newest_first:
            m = self._scan(filters, offset + limit)
            wanted = m.found[offset : offset + limit]
        else:
            m = self._scan(filters, None)
            total = len(m.found)
            wanted = [m.found[total - 1 - i] for i in range(offset, min(total, offset + limit))]
        return [r for r in self._read_lines(index, wanted) if r is not None]

    def lookup_events(
        self,
        *,
        user_name: str | None = None,
        event_name: str | None = None,
        event_source: str | None = None,
        start_time: datetime | None = None,
        end_time: datetime | None = None,
        result: Literal["success", "failure"] | None = None,
        max_results: int | None = None,
        newest_first: bool = True,
        involving_user: str | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Events matching every given attribute, like CloudTrail's LookupEvents, lazily.

        The events are those in the file when iteration starts; later appends are not seen.
        """
        f = EventFilter(user_name, event_name, event_source, start_time, end_time, result,
                        involving_user)
        with self._lock:
            index = self._refresh()
        n = len(index)
        lines = range(n - 1, -1, -1) if newest_first else range(n)
        found = (rec for _, rec in self._matching(index, _Prefilter(f), lines))
        return itertools.islice(found, max_results)

    def _refresh(self) -> _Index:
        """Bring the line index up to date with the file: extend it if it only grew."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            self._index = _Index()
            self._matches.clear()
            return self._index
        idx = self._index
        sig = (st.st_dev, st.st_ino)
        if sig == idx.signature and st.st_size == idx.size and st.st_mtime_ns == idx.mtime_ns:
            return idx
        # Anything but growth (replaced, shrunk, rewritten in place) means starting over.
        if sig != idx.signature or st.st_size <= idx.size:
            idx = _Index(signature=sig)
            self._matches.clear()
        with open(self.path, "rb") as f:
            f.seek(idx.end)
            pos = idx.end
            starts = idx.starts
            while True:
                chunk = f.read(_CHUNK)
                if not chunk:
                    break
                at = chunk.find(b"\n")
                while at >= 0:
                    starts.append(idx.end)
                    idx.end = pos + at + 1
                    at = chunk.find(b"\n", at + 1)
                pos += len(chunk)
        idx.size, idx.mtime_ns = pos, st.st_mtime_ns
        self._index = idx
        return idx

    def _scan(self, filters: EventFilter, need: int | None) -> _Matches:
        """Find matches newest first until `need` are known (None: all); cached per filter."""
        index = self._index
        n = len(index)
        m = self._matches.get(filters)
        pre = _Prefilter(filters)
        if m is None:
            if len(self._matches) >= 16:
                self._matches.pop(next(iter(self._matches)))  # forget the oldest filter
            m = self._matches[filters] = _Matches(lines_seen=n, next_line=n - 1)
        elif m.lines_seen < n:
            # Lines appended since: they are newer than everything found so far.
            newer = self._scan_range(index, pre, n - 1, m.lines_seen - 1, None)
            m.found[:0] = newer
            m.lines_seen = n
        if m.next_line >= 0 and (need is None or len(m.found) < need):
            more = None if need is None else need - len(m.found)
            found = self._scan_range(index, pre, m.next_line, -1, more)
            m.found.extend(found)
            m.next_line = (found[-1] - 1) if more is not None and len(found) >= more else -1
        return m

    def _scan_range(
        self, index: _Index, pre: _Prefilter, first: int, stop: int, want: int | None
    ) -> list[int]:
        """Line numbers from `first` down to `stop` (exclusive) matching, at most `want`."""
        found = self._matching(index, pre, range(first, stop, -1))
        return [i for i, _ in itertools.islice(found, want)]

    def _matching(
        self, index: _Index, pre: _Prefilter, lines: range
    ) -> Iterator[tuple[int, dict[str, Any]]]:
        """(line number, record) for the lines in `lines` (step 1 or -1) that match `pre`,
        reading the file in blocks of lines."""
        block = 2048
        with open(self.path, "rb") as f:
            for at in range(0, len(lines), block):
                part = lines[at : at + block]
                lo, hi = min(part), max(part)
                data = self._read_span(f, index, lo, hi).split(b"\n")
                for i in part:
                    rec = pre.match(data[i - lo])
                    if rec is not None:
                        yield i, rec

    @staticmethod
    def _read_span(f: Any, index: _Index, lo: int, hi: int) -> bytes:
        start = index.starts[lo]
        end = index.starts[hi + 1] if hi + 1 < len(index) else index.end
        f.seek(start)
        return f.read(end - start)

    def _read_lines(self, index: _Index, wanted: list[int]) -> list[dict[str, Any] | None]:
        if not wanted:
            return []
        lo, hi = min(wanted), max(wanted)
        if hi - lo + 1 > 4 * len(wanted) + 64:
            # Scattered matches: read each line rather than the whole span.
            out = []
            with open(self.path, "rb") as f:
                for i in wanted:
                    out.append(_parse_body(self._read_span(f, index, i, i).rstrip(b"\n")))
            return out
        with open(self.path, "rb") as f:
            lines = self._read_span(f, index, lo, hi).split(b"\n")
        return [_parse_body(lines[i - lo]) for i in wanted]
