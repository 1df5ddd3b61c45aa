"""The tamper-evident chain: how a record is sealed into a line, and how lines are checked.

A line is the record's canonical JSON (keys sorted at every level, no spaces, UTF-8) without
``hash``, followed by ``,"hash":"<hex>"}`` in place of its closing brace, where ``hash`` is
HMAC-SHA256(key, canonical JSON); the record also carries ``sequence`` (1, 2, ...) and
``previousHash`` (the ``hash`` of the record before, or 64 zeros for the first). The HMAC
covers the exact bytes on disk, so any change to a record line is detected; the key lives
outside the log (`AuditKey`), so nobody who can only write the log can re-seal an edited
record. Deleting, reordering or cutting records breaks ``sequence``/``previousHash``.

Also here: the line readers (backwards from the end for the tail, forwards for verify),
and what verify reports (`Problem`, `VerifyResult`), accumulated by `_Report`.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, NamedTuple

import orjson

GENESIS_HASH = "0" * 64

_CANONICAL = orjson.OPT_SORT_KEYS
_SUFFIX_RE = re.compile(rb',"hash":"([0-9a-f]{64})"\}\Z')
_SUFFIX_LEN = len(b',"hash":""}') + 64
_CHUNK = 1 << 20
_TAIL_BLOCK = 16 * 1024  # the first block read back from the end (most tails fit)


class ChainHead(NamedTuple):
    """The newest record's sequence and hash; (0, GENESIS_HASH) for an empty log."""

    sequence: int
    hash: str


EMPTY_HEAD = ChainHead(0, GENESIS_HASH)


class SealedRecord(NamedTuple):
    """A record sealed in advance (`AuditLog.seal`): its chain fields and its line (no newline)."""

    sequence: int
    previous: str
    hash: str
    line: bytes


ProblemKind = Literal[
    "edited",  # the HMAC does not match: the record was changed (or the key is wrong)
    "missing",  # a sequence gap: records were deleted (or moved later in the file)
    "reordered",  # a sequence at or below one already seen: lines moved or duplicated
    "chain",  # previousHash is not the hash of the record before
    "garbage",  # a line that is not a sealed record
    "truncated",  # the log ends before the head the store remembers: the tail was cut
    "head_mismatch",  # the record at the remembered head's sequence is another record
    "torn",  # the fragment of an interrupted append, vouched for by the next record
    "torn_tail",  # the last line is incomplete: an append was interrupted (a crash)
    "forged_head",  # the head the store remembers is not sealed with the audit key
    "unwritten",  # records committed in the store and not yet in the log (it was unwritable)
]
BENIGN_KINDS: frozenset[str] = frozenset({"torn", "torn_tail", "unwritten"})


@dataclass(frozen=True)
class Problem:
    """One finding of `AuditLog.verify`: where (1-based line, sequence if known) and why."""

    kind: ProblemKind
    line: int
    sequence: int | None
    message: str

    @property
    def tampering(self) -> bool:
        """False for the traces of a crash, True for anything a crash cannot explain."""
        return self.kind not in BENIGN_KINDS


@dataclass(frozen=True)
class VerifyResult:
    """What `AuditLog.verify` found.

    ok: every line is a sealed record in order and the head matches (nothing to report).
    tampered: some problem that a crash cannot explain (edit, deletion, cut, reorder, garbage).
    """

    records: int
    lines: int
    head: ChainHead
    problems: tuple[Problem, ...]
    problem_count: int
    tampered: bool

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    @property
    def first_problem(self) -> Problem | None:
        return self.problems[0] if self.problems else None

    def summary(self) -> str:
        """One sentence for a status line."""
        if self.ok:
            return f"Audit log intact: {self.records} records, head at sequence {self.head[0]}."
        first = self.problems[0]
        where = f"line {first.line}" + (
            f" (sequence {first.sequence})" if first.sequence is not None else ""
        )
        lead = "Audit log tampered" if self.tampered else "Audit log has an interrupted write"
        more = f" ({self.problem_count} problems)" if self.problem_count > 1 else ""
        return f"{lead}{more}: {where}: {first.message}"


class _Sealer:
    """HMAC-SHA256 with the key's pads computed once (a third faster per record)."""

    def __init__(self, key: bytes) -> None:
        self._base = hmac.new(key, digestmod=hashlib.sha256)

    def __call__(self, body: bytes) -> str:
        h = self._base.copy()
        h.update(body)
        return h.hexdigest()


def _line_for(record: Mapping[str, Any], seal: _Sealer) -> tuple[bytes, str]:
    body = orjson.dumps(record, option=_CANONICAL)
    digest = seal(body)
    return body[:-1] + b',"hash":"' + digest.encode("ascii") + b'"}', digest


def _split_sealed(line: bytes) -> tuple[bytes, str] | None:
    """(canonical body, hash) of a line shaped like a sealed record, else None."""
    if len(line) <= _SUFFIX_LEN or not line.startswith(b"{"):
        return None
    m = _SUFFIX_RE.search(line, len(line) - _SUFFIX_LEN)
    if m is None:
        return None
    return line[:-_SUFFIX_LEN] + b"}", m.group(1).decode("ascii")


def _parse_body(body: bytes) -> dict[str, Any] | None:
    """A record's body, or a whole line, parsed: the JSON object, else None."""
    try:
        rec = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    return rec if isinstance(rec, dict) else None


def _chain_fields(rec: Mapping[str, Any]) -> tuple[int, str] | None:
    seq, prev = rec.get("sequence"), rec.get("previousHash")
    if type(seq) is not int or not isinstance(prev, str):
        return None
    return seq, prev


def _parse_head(line: bytes) -> ChainHead | None:
    """Head of an unverified line that looks like a record (used by append to chain on)."""
    split = _split_sealed(line)
    if split is None:
        return None
    rec = _parse_body(split[0])
    if rec is None or (fields := _chain_fields(rec)) is None:
        return None
    return ChainHead(fields[0], split[1])


def _lines_backwards(fd: int, end: int) -> Iterator[bytes]:
    """The lines before offset `end`, newest first, without their newlines; the first one is
    what follows the last newline (b"" when the file ends with one, or is empty).

    Reads backwards in blocks that grow from _TAIL_BLOCK to _CHUNK, and gathers a line that
    spans blocks in pieces joined once, so a long torn tail costs time linear in its size (it
    was quadratic: each block was prepended to all that was read before it).
    """
    pieces: list[bytes] = []  # the line being gathered, its later pieces first
    pos, block = end, _TAIL_BLOCK
    while pos > 0:
        step = min(block, pos)
        pos -= step
        block = min(2 * block, _CHUNK)
        parts = os.pread(fd, step, pos).split(b"\n")
        pieces.append(parts[-1])
        if len(parts) > 1:  # the gathered line starts in this block: it is complete
            yield b"".join(reversed(pieces))
            yield from reversed(parts[1:-1])
            pieces = [parts[0]]
    yield b"".join(reversed(pieces))


def _iter_lines(
    path: Path, limit: int, progress: Callable[[int, int], None] | None = None
) -> Iterator[tuple[int, bytes, bool]]:
    """(1-based number, line without newline, whether a newline ended it) of the file at
    `path`, up to `limit` bytes."""
    try:
        f = open(path, "rb")  # noqa: SIM115 - a generator closes it in finally
    except FileNotFoundError:
        return
    # A line longer than a chunk is gathered in pieces joined once: prepending what was
    # read so far to each new chunk made a long torn tail cost quadratic time.
    lineno, pieces, left = 0, [], limit
    try:
        while left > 0 and (chunk := f.read(min(_CHUNK, left))):
            left -= len(chunk)
            if progress is not None:
                progress(limit - left, limit)
            lines = chunk.split(b"\n")
            if len(lines) > 1 and pieces:
                lines[0] = b"".join([*pieces, lines[0]])
                pieces = []
            pieces.append(lines.pop())
            for line in lines:
                lineno += 1
                yield lineno, line, True
        if tail := b"".join(pieces):
            yield lineno + 1, tail, False
    finally:
        f.close()


def _torn_marker(fragment: bytes) -> dict[str, Any]:
    return {"bytes": len(fragment), "sha256": hashlib.sha256(fragment).hexdigest()}


class _Report:
    """Accumulates verify's findings; keeps the first 100 in detail."""

    LIMIT = 100

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.count = 0
        self.records = 0
        self.tampered = False

    def add(self, kind: ProblemKind, line: int, sequence: int | None, message: str) -> None:
        self.count += 1
        self.tampered = self.tampered or kind not in BENIGN_KINDS
        if len(self.problems) < self.LIMIT:
            self.problems.append(Problem(kind, line, sequence, message))

    def check(
        self,
        lineno: int,
        rec: dict[str, Any],
        split: tuple[bytes, str],
        prev: ChainHead,
        seal: _Sealer,
    ) -> ChainHead:
        """Check one record line against the chain so far; returns the head to continue from.

        After a problem the check resynchronises on the record as written, so that one edit or
        one deletion is reported once rather than as a cascade.
        """
        body, stored = split
        fields = _chain_fields(rec)
        seq = fields[0] if fields else None
        if not hmac.compare_digest(seal(body), stored):
            self.add(
                "edited",
                lineno,
                seq,
                "the record's hash does not match its contents: it was edited "
                "(or the audit key is not the one that sealed it)",
            )
            return ChainHead(seq, stored) if seq is not None and seq > prev.sequence else prev
        self.records += 1
        if fields is None:
            self.add("garbage", lineno, None, "a sealed line without sequence/previousHash")
            return prev
        seq, previous = fields
        expected = prev.sequence + 1
        if seq <= prev.sequence:
            self.add(
                "reordered",
                lineno,
                seq,
                f"sequence {seq} comes after sequence {prev.sequence}: records were moved or "
                "duplicated",
            )
            return prev
        if seq > expected:
            gap = (f"record {expected} is" if seq == expected + 1
                   else f"records {expected} to {seq - 1} are")
            self.add(
                "missing",
                lineno,
                seq,
                f"sequence {seq} follows {prev.sequence}: {gap} missing "
                "(deleted, or moved out of order)",
            )
        elif not hmac.compare_digest(previous, prev.hash):
            self.add(
                "chain",
                lineno,
                seq,
                f"previousHash is not the hash of record {prev.sequence}: the record before "
                "it was replaced",
            )
        return ChainHead(seq, stored)

    def judge_pending(
        self,
        pending: tuple[int, bytes],
        rec: dict[str, Any] | None,
        split: tuple[bytes, str] | None,
        seal: _Sealer,
        line: bytes = b"",
    ) -> None:
        """An unsealed line is a benign torn write only if the next record vouches for it,
        or is the same record written again whole (`append_sealed` after a crash)."""
        lineno, fragment = pending
        vouched = (
            rec is not None
            and split is not None
            and (rec.get("recoveredTornLine") == _torn_marker(fragment)
                 or (bool(fragment) and line.startswith(fragment)))
            and hmac.compare_digest(seal(split[0]), split[1])
        )
        if vouched:
            self.add(
                "torn",
                lineno,
                None,
                f"the fragment ({len(fragment)} bytes) of an append interrupted by a crash; "
                "the next record vouches for it and the chain continues intact",
            )
        else:
            self.add("garbage", lineno, None, "this line is not a sealed audit record")
