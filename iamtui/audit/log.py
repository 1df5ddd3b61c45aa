"""The audit trail file: append sealed records, verify the chain, page through events.

Records are appended to a JSON Lines file, one sealed record per line (see chain.py for
the line format). Cutting the newest records is caught by comparing with the head
(``sequence``, ``hash``) that the store remembers (`AuditLog.verify`). The service seals a
record ahead (`AuditLog.seal`), commits it with the change it records, and writes it after
the commit (`AuditLog.append_sealed`); see iamtui/service/trail.py.

A crash while appending can leave a partial last line. `AuditLog.verify` reports it as a torn
tail, not as tampering. The next append first ends that fragment with a newline (so it never
glues onto it) and records the fragment's length and SHA-256 in ``recoveredTornLine``; the
fragment then stays visible as a benign "torn" line, while a garbled line that no record
vouches for is reported as tampering. (Only the unterminated fragment is vouched for: if the
recovering append is itself cut short, the older fragment is then reported as garbage, a
false alarm that needs two crashes in a row at the moment of writing.)
"""

from __future__ import annotations

import contextlib
import fcntl
import hmac
import os
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from iamtui.audit.chain import (
    _CANONICAL,
    EMPTY_HEAD,
    ChainHead,
    SealedRecord,
    VerifyResult,
    _chain_fields,
    _iter_lines,
    _line_for,
    _lines_backwards,
    _parse_body,
    _parse_head,
    _Report,
    _Sealer,
    _split_sealed,
    _torn_marker,
)
from iamtui.audit.index import EventIndex
from iamtui.audit.key import AuditKey
from iamtui.audit.records import EVENT_VERSION, AuditEvent, format_event_time, redact
from iamtui.errors import ValidationError
from iamtui.security import utc_now
from iamtui.store.files import fsync_dir, write_all


class AuditLog(EventIndex):
    """The audit trail file: append sealed records, verify the chain, page through events
    (`count`, `page` and `lookup_events` are the EventIndex's)."""

    def __init__(
        self,
        path: Path,
        key: AuditKey | bytes,
        *,
        now: Callable[[], datetime] = utc_now,
        fsync: bool = True,
    ) -> None:
        super().__init__(Path(path))
        secret = key.secret if isinstance(key, AuditKey) else bytes(key)
        if len(secret) < 16:
            raise ValidationError("The audit key must be at least 16 bytes.")
        self._seal = _Sealer(secret)
        self._now = now
        self._fsync = fsync

    # ---------------------------------------------------------------- writing

    def append(self, event: AuditEvent) -> ChainHead:
        """Seal `event` as the next record and append it durably; returns the new head.

        The event is redacted again, chain fields given by the caller are replaced, and
        eventTime/eventID/eventVersion are filled in when missing. The record is written in one
        write under an exclusive lock on the log file, after re-reading the tail under that
        lock, so records from several processes interleave whole and correctly chained.
        """
        return self.append_many([event])

    def append_many(self, events: Iterable[AuditEvent]) -> ChainHead:
        """Append several events with one lock, one write and one fsync (bulk import, bench)."""
        prepared = [self._prepare(e) for e in events]
        fd = self._open_for_append()
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            head, fragment, unterminated = self._read_tail(fd)
            chunks: list[bytes] = []
            if unterminated:
                # Never glue onto a torn line: end it (the next record vouches for a fragment).
                chunks.append(b"\n")
            for i, rec in enumerate(prepared):
                rec["sequence"] = head.sequence + 1
                rec["previousHash"] = head.hash
                if i == 0 and fragment:
                    rec["recoveredTornLine"] = _torn_marker(fragment)
                line, digest = _line_for(rec, self._seal)
                chunks.append(line + b"\n")
                head = ChainHead(head.sequence + 1, digest)
            if prepared:
                os.write(fd, b"".join(chunks))
                if self._fsync:
                    os.fsync(fd)
            return head
        finally:
            os.close(fd)  # closing releases the flock

    def head(self) -> ChainHead:
        """The newest record's head as written (not verified); EMPTY_HEAD for no records."""
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return EMPTY_HEAD
        try:
            fcntl.flock(fd, fcntl.LOCK_SH)
            return self._read_tail(fd)[0]
        finally:
            os.close(fd)

    def mac(self, data: bytes) -> str:
        """HMAC-SHA256 of `data` with the audit key, for things sealed beside the log (the
        caller prefixes a label of its own, so that no such input is ever a record's body)."""
        if data.startswith(b"{"):
            raise ValueError("a record's body is sealed by append or seal, not by mac")
        return self._seal(data)

    def seal(self, event: AuditEvent, after: ChainHead) -> SealedRecord:
        """Seal `event` as the record that follows `after`, without writing it.

        The caller keeps the line (the store commits it with the change it records) and
        writes it later with `append_sealed`; the bytes sealed are the bytes written.
        """
        rec = self._prepare(event)
        rec["sequence"], rec["previousHash"] = after.sequence + 1, after.hash
        line, digest = _line_for(rec, self._seal)
        return SealedRecord(after.sequence + 1, after.hash, digest, line)

    def append_sealed(self, records: Iterable[SealedRecord]) -> ChainHead:
        """Write the records (from `seal`, oldest first) the log does not hold yet, durably.

        Under the exclusive lock, the newest line sealed with this key tells how far the log
        goes: records at or below its sequence are skipped (another process wrote them, or a
        crash left them behind after writing), the rest are written in one write. Whatever
        was cut or edited before them stays for `verify` to report; nothing is renumbered.
        Returns the newest head sealed in the log afterwards.
        """
        fd = self._open_for_append()
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            head = self._sealed_tail(fd)[0]
            todo = [r for r in records if r.sequence > head.sequence]
            if not todo:
                return head
            size = os.fstat(fd).st_size
            # never glue onto a torn line; the record it was part of follows it whole
            chunks = [b"\n"] if size and os.pread(fd, 1, size - 1) != b"\n" else []
            chunks += [r.line + b"\n" for r in todo]
            write_all(fd, b"".join(chunks))
            if self._fsync:
                os.fsync(fd)
            return ChainHead(todo[-1].sequence, todo[-1].hash)
        finally:
            os.close(fd)  # closing releases the flock

    def sealed_tail(self) -> ChainHead:
        """The newest record whose seal this key verifies (EMPTY_HEAD if none): unlike
        `head`, a line written by someone without the key is never taken for the head."""
        return self.newest_sealed()[0]

    def newest_sealed(self) -> tuple[ChainHead, dict[str, Any] | None]:
        """`sealed_tail`, with that record (None for an empty log)."""
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return EMPTY_HEAD, None
        try:
            fcntl.flock(fd, fcntl.LOCK_SH)
            return self._sealed_tail(fd)
        finally:
            os.close(fd)

    def _sealed_tail(self, fd: int) -> tuple[ChainHead, dict[str, Any] | None]:
        """Read back from the end to the newest line sealed with this key; linear in the
        bytes read (pieces of a long line are joined once, when its start is found)."""
        pos = os.fstat(fd).st_size
        pieces: list[bytes] = []  # the line being read, its pieces newest first
        while pos > 0:
            step = min(64 * 1024, pos)
            pos -= step
            parts = os.pread(fd, step, pos).split(b"\n")
            pieces.append(parts[-1])
            if len(parts) == 1:
                continue
            candidates = [b"".join(reversed(pieces)), *reversed(parts[1:-1])]
            for line in candidates:
                if (found := self._verified(line)) is not None:
                    return found
            pieces = [parts[0]]
        found = self._verified(b"".join(reversed(pieces)))
        return found if found is not None else (EMPTY_HEAD, None)

    def _verified(self, line: bytes) -> tuple[ChainHead, dict[str, Any]] | None:
        """(head, record) of a line sealed with this key, else None."""
        split = _split_sealed(line)
        if split is None or not hmac.compare_digest(self._seal(split[0]), split[1]):
            return None
        rec = _parse_body(split[0])
        fields = _chain_fields(rec) if rec is not None else None
        return (ChainHead(fields[0], split[1]), rec) if fields is not None and rec else None

    def _prepare(self, event: Mapping[str, Any]) -> dict[str, Any]:
        if not isinstance(event, Mapping) or not isinstance(event.get("eventName"), str):
            raise ValidationError("An audit event must be a mapping with a string eventName.")
        rec = redact({k: v for k, v in event.items() if k not in ("hash", "recoveredTornLine")})
        rec.setdefault("eventVersion", EVENT_VERSION)
        rec.setdefault("eventTime", format_event_time(self._now()))
        rec.setdefault("eventID", str(uuid.uuid4()))
        # Round-trip through JSON so what is sealed is exactly what a reader will parse.
        return orjson.loads(orjson.dumps(rec, option=_CANONICAL))

    def _open_for_append(self) -> int:
        flags = os.O_RDWR | os.O_APPEND | os.O_CREAT
        try:
            fd = os.open(self.path, flags | os.O_EXCL, 0o600)
        except FileExistsError:
            return os.open(self.path, flags, 0o600)
        with contextlib.suppress(OSError):  # best effort: the record itself is fsynced
            fsync_dir(self.path.parent)  # make the new file's name durable too
        return fd

    def _read_tail(self, fd: int) -> tuple[ChainHead, bytes, bool]:
        """(head of the newest readable record, torn fragment, whether the file lacks its
        final newline). A last record complete but for its newline is no fragment."""
        lines = _lines_backwards(fd, os.fstat(fd).st_size)
        fragment = next(lines)
        if fragment and (head := _parse_head(fragment)) is not None:
            # A record complete but for its newline: chain on it, just end the line.
            return head, b"", True
        for line in lines:
            if (head := _parse_head(line)) is not None:
                return head, fragment, bool(fragment)
        return EMPTY_HEAD, fragment, bool(fragment)

    # ---------------------------------------------------------------- verifying

    def verify(
        self,
        expected_head: ChainHead | tuple[int, str] | None = None,
        *,
        progress: Callable[[int, int], None] | None = None,
    ) -> VerifyResult:
        """Check every line: seal, sequence, chain; and that the log reaches `expected_head`.

        Pass the head the store saved from the last `append` to catch a cut tail. The log may
        be ahead of it (a crash between the append and the store's save), never behind.
        `progress(bytes_done, bytes_total)` is called after each megabyte read (for a bar).
        """
        report = _Report()
        prev = EMPTY_HEAD
        want = ChainHead(*expected_head) if expected_head is not None else None
        seen_expected: str | None = None
        pending: tuple[int, bytes] | None = None  # an unsealed line, judged by the next one
        lineno = 0
        for lineno, line, terminated in self._iter_lines(self._settled_size(), progress):
            split = _split_sealed(line)
            rec = _parse_body(split[0]) if split is not None else None
            if pending is not None:
                report.judge_pending(pending, rec, split, self._seal, line)
                pending = None
            if split is None or rec is None:
                if terminated:
                    pending = (lineno, line)
                else:
                    report.add(
                        "torn_tail",
                        lineno,
                        None,
                        f"the last line is incomplete ({len(line)} bytes, no newline): an "
                        "append was interrupted, e.g. by a crash; not by itself a sign of "
                        "tampering",
                    )
                continue
            before = prev
            prev = report.check(lineno, rec, split, prev, self._seal)
            if (
                want is not None
                and seen_expected is None
                and prev is not before
                and prev.sequence == want.sequence
            ):
                seen_expected = prev.hash
        if pending is not None:
            report.judge_pending(pending, None, None, self._seal)
        if want is not None and want.sequence > 0:
            if seen_expected is None and prev.sequence < want.sequence:
                report.add(
                    "truncated",
                    lineno,
                    prev.sequence or None,
                    f"the log ends at sequence {prev.sequence} but the store recorded "
                    f"sequence {want.sequence}: the newest records were cut off",
                )
            elif seen_expected is None or not hmac.compare_digest(seen_expected, want.hash):
                report.add(
                    "head_mismatch",
                    lineno,
                    want.sequence,
                    f"record {want.sequence} is not the one the store recorded: "
                    "the log was replaced or rewritten",
                )
        return VerifyResult(
            records=report.records,
            lines=lineno,
            head=prev,
            problems=tuple(report.problems),
            problem_count=report.count,
            tampered=report.tampered,
        )

    def _settled_size(self) -> int:
        """The file's size when no append is half-written (writers hold the lock throughout)."""
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return 0
        try:
            fcntl.flock(fd, fcntl.LOCK_SH)
            return os.fstat(fd).st_size
        finally:
            os.close(fd)

    def _iter_lines(
        self, limit: int, progress: Callable[[int, int], None] | None = None
    ) -> Iterator[tuple[int, bytes, bool]]:
        """(1-based number, line without newline, whether a newline ended it) up to `limit`."""
        return _iter_lines(self.path, limit, progress)
