"""The audit trail: CloudTrail-shaped events in an append-only, tamper-evident JSON Lines file.

One record per line, with CloudTrail's fields (eventVersion, eventTime, eventSource,
eventName, userIdentity, requestParameters, responseElements, errorCode, errorMessage,
eventID, readOnly, eventType, recipientAccountId, ...) plus three chain fields:
``sequence`` (1, 2, ...), ``previousHash`` (the ``hash`` of the record before, or 64 zeros
for the first) and ``hash``.

A line is the record's canonical JSON (keys sorted at every level, no spaces, UTF-8) without
``hash``, followed by ``,"hash":"<hex>"}`` in place of its closing brace, where ``hash`` is
HMAC-SHA256(key, canonical JSON). The HMAC covers the exact bytes on disk, so any change to
a record line is detected; the key lives outside the log (`AuditKey`), so nobody who can
only write the log can re-seal an edited record. Deleting, reordering or cutting records
breaks ``sequence``/``previousHash``; cutting the newest records is caught by comparing with
the head (``sequence``, ``hash``) that the store remembers (`AuditLog.verify`). The service
seals a record ahead (`AuditLog.seal`), commits it with the change it records, and writes it
after the commit (`AuditLog.append_sealed`); see iamtui/service/trail.py.

Secrets never reach the file: `redact` replaces secret-bearing parameters at any depth with
CloudTrail's ``HIDDEN_DUE_TO_SECURITY_REASONS``, and literal secret values the caller names.

A crash while appending can leave a partial last line. `AuditLog.verify` reports it as a torn
tail, not as tampering. The next append first ends that fragment with a newline (so it never
glues onto it) and records the fragment's length and SHA-256 in ``recoveredTornLine``; the
fragment then stays visible as a benign "torn" line, while a garbled line that no record
vouches for is reported as tampering. (Only the unterminated fragment is vouched for: if the
recovering append is itself cut short, the older fragment is then reported as garbage, a
false alarm that needs two crashes in a row at the moment of writing.)

Reading is lazy so that the audit screen stays fluid with 100,000 events: a line-offset index
(one scan for newlines, extended as the file grows) gives `count` and a page of the newest
records without parsing the rest; filtered pages use a byte-level pre-check before parsing.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import itertools
import os
import re
import secrets
import threading
import uuid
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, NamedTuple

import orjson

from iamtui.errors import ValidationError

EVENT_VERSION = "1.11"
IAM_SOURCE = "iam.amazonaws.com"
SIGNIN_SOURCE = "signin.amazonaws.com"
STS_SOURCE = "sts.amazonaws.com"
API_CALL = "AwsApiCall"
CONSOLE_SIGN_IN = "AwsConsoleSignIn"
# IAM and the sign-in endpoint are global; CloudTrail files their events under us-east-1.
GLOBAL_REGION = "us-east-1"
HIDDEN = "HIDDEN_DUE_TO_SECURITY_REASONS"
GENESIS_HASH = "0" * 64

HIDDEN_DUE_TO_SECURITY_REASONS = HIDDEN

IdentityType = Literal["Root", "IAMUser", "AssumedRole", "Unknown"]
# An event as handed to `AuditLog.append`: what `make_event` returns, or any such mapping.
AuditEvent = Mapping[str, Any]

# Parameter names (compared case-insensitively) whose values are secrets wherever they occur.
SECRET_PARAMETER_NAMES: frozenset[str] = frozenset(
    name.lower()
    for name in (
        "password",
        "oldPassword",
        "newPassword",
        "secretAccessKey",
        "sessionToken",
        "authenticationCode",
        "authenticationCode1",
        "authenticationCode2",
        "tokenCode",
        "totpCode",
        "base32StringSeed",
        "QRCodePNG",
        "seed",
        "secret",
        "privateKey",
        "passwordHash",
    )
)

_CANONICAL = orjson.OPT_SORT_KEYS
_SUFFIX_RE = re.compile(rb',"hash":"([0-9a-f]{64})"\}\Z')
_SUFFIX_LEN = len(b',"hash":""}') + 64
_CHUNK = 1 << 20
_TAIL_BLOCK = 16 * 1024  # the first block read back from the end (most tails fit)


def utc_now() -> datetime:
    """The current time in UTC; the default clock of `AuditLog` and `make_event`."""
    return datetime.now(UTC)


def format_event_time(when: datetime) -> str:
    """CloudTrail's eventTime: UTC, ISO-8601, whole seconds, 'Z' (a naive time is taken as UTC)."""
    if when.tzinfo is not None:
        when = when.astimezone(UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


# --------------------------------------------------------------------------- redaction


MIN_SCRUBBED = 4


def redact(value: Any, secret_values: Iterable[str] = ()) -> Any:
    """Return a JSON-shaped copy of `value` with every secret replaced by `HIDDEN`.

    Values under a key in `SECRET_PARAMETER_NAMES` (any depth, any case) are replaced whole;
    each string in `secret_values` is cut out of every string value where it occurs. Field
    names are ours, never secrets, and are left alone; so are secrets shorter than
    MIN_SCRUBBED characters (a mistyped one-letter password must not cut every "e" out of
    the record: such text never holds a secret except by that coincidence).
    Tuples become lists, as they would in JSON.
    """
    needles = sorted({s for s in secret_values if len(s) >= MIN_SCRUBBED}, key=len, reverse=True)
    return _redact(value, needles)


def _redact(value: Any, needles: list[str]) -> Any:
    if isinstance(value, Mapping):
        out: dict[Any, Any] = {}
        for k, v in value.items():
            if isinstance(k, str) and k.lower() in SECRET_PARAMETER_NAMES and v is not None:
                out[k] = HIDDEN
            else:
                out[k] = _redact(v, needles)
        return out
    if isinstance(value, list | tuple):
        return [_redact(v, needles) for v in value]
    if isinstance(value, str):
        return _scrub(value, needles)
    return value


def _scrub(text: str, needles: list[str]) -> str:
    for needle in needles:
        if needle in text:
            text = text.replace(needle, HIDDEN)
    return text


# --------------------------------------------------------------------------- events


@dataclass(frozen=True)
class Identity:
    """CloudTrail's userIdentity: who made the request."""

    type: IdentityType
    account_id: str
    arn: str | None = None
    user_name: str | None = None
    access_key_id: str | None = None
    principal_id: str | None = None

    @classmethod
    def root(cls, account_id: str, *, access_key_id: str | None = None) -> Identity:
        """The account's root user."""
        return cls(
            "Root",
            account_id,
            arn=f"arn:aws:iam::{account_id}:root",
            access_key_id=access_key_id,
            principal_id=account_id,
        )

    @classmethod
    def iam_user(
        cls,
        account_id: str,
        user_name: str,
        *,
        path: str = "/",
        user_id: str | None = None,
        access_key_id: str | None = None,
    ) -> Identity:
        """An IAM user, signed in with a password or calling with an access key."""
        return cls(
            "IAMUser",
            account_id,
            arn=f"arn:aws:iam::{account_id}:user{path}{user_name}",
            user_name=user_name,
            access_key_id=access_key_id,
            principal_id=user_id,
        )

    @classmethod
    def assumed_role(
        cls,
        account_id: str,
        role_name: str,
        session_name: str,
        *,
        role_id: str | None = None,
        access_key_id: str | None = None,
    ) -> Identity:
        """A role session from sts:AssumeRole; its ARN is the STS assumed-role ARN."""
        return cls(
            "AssumedRole",
            account_id,
            arn=f"arn:aws:sts::{account_id}:assumed-role/{role_name}/{session_name}",
            access_key_id=access_key_id,
            principal_id=f"{role_id}:{session_name}" if role_id else None,
        )

    @classmethod
    def unknown_user(cls, account_id: str) -> Identity:
        """A sign-in with a user name that does not exist: the name typed is never logged."""
        return cls("IAMUser", account_id, user_name=HIDDEN)

    def to_dict(self) -> dict[str, Any]:
        """The userIdentity element, without the fields that do not apply."""
        out: dict[str, Any] = {"type": self.type}
        if self.principal_id is not None:
            out["principalId"] = self.principal_id
        if self.arn is not None:
            out["arn"] = self.arn
        out["accountId"] = self.account_id
        if self.access_key_id is not None:
            out["accessKeyId"] = self.access_key_id
        if self.user_name is not None:
            out["userName"] = self.user_name
        return out


def make_event(
    event_name: str,
    *,
    identity: Identity | Mapping[str, Any],
    source: str = IAM_SOURCE,
    request_parameters: Mapping[str, Any] | None = None,
    response_elements: Mapping[str, Any] | None = None,
    error_code: str | None = None,
    error_message: str | None = None,
    read_only: bool = False,
    additional_event_data: Mapping[str, Any] | None = None,
    event_type: str | None = None,
    recipient_account_id: str | None = None,
    source_ip_address: str | None = None,
    user_agent: str | None = None,
    secret_values: Iterable[str] = (),
    now: Callable[[], datetime] = utc_now,
) -> dict[str, Any]:
    """Build one CloudTrail-shaped event, already redacted, ready for `AuditLog.append`.

    eventType is AwsConsoleSignIn for the sign-in source and AwsApiCall otherwise unless given;
    errorCode/errorMessage/additionalEventData appear only when set, as in CloudTrail.
    `secret_values` are literal secrets the caller handled (say, the password typed) that must
    not appear anywhere in the record, even inside an error message.
    """
    ident = identity.to_dict() if isinstance(identity, Identity) else dict(identity)
    event: dict[str, Any] = {
        "eventVersion": EVENT_VERSION,
        "userIdentity": ident,
        "eventTime": format_event_time(now()),
        "eventSource": source,
        "eventName": event_name,
        "awsRegion": GLOBAL_REGION,
    }
    if source_ip_address is not None:
        event["sourceIPAddress"] = source_ip_address
    if user_agent is not None:
        event["userAgent"] = user_agent
    if error_code is not None:
        event["errorCode"] = error_code
    if error_message is not None:
        event["errorMessage"] = error_message
    event["requestParameters"] = dict(request_parameters) if request_parameters else None
    event["responseElements"] = dict(response_elements) if response_elements else None
    if additional_event_data is not None:
        event["additionalEventData"] = dict(additional_event_data)
    event["eventID"] = str(uuid.uuid4())
    event["readOnly"] = read_only
    event["eventType"] = event_type or (CONSOLE_SIGN_IN if source == SIGNIN_SOURCE else API_CALL)
    event["recipientAccountId"] = recipient_account_id or ident.get("accountId")
    return redact(event, secret_values)


def console_login_event(
    identity: Identity | Mapping[str, Any],
    *,
    success: bool,
    mfa_used: bool,
    error_message: str = "Failed authentication",
    secret_values: Iterable[str] = (),
    now: Callable[[], datetime] = utc_now,
) -> dict[str, Any]:
    """A ConsoleLogin sign-in event: responseElements.ConsoleLogin is Success or Failure."""
    return make_event(
        "ConsoleLogin",
        identity=identity,
        source=SIGNIN_SOURCE,
        response_elements={"ConsoleLogin": "Success" if success else "Failure"},
        error_message=None if success else error_message,
        additional_event_data={"MobileVersion": "No", "MFAUsed": "Yes" if mfa_used else "No"},
        secret_values=secret_values,
        now=now,
    )


def is_failure(record: Mapping[str, Any]) -> bool:
    """True when the event records a failed request or a failed sign-in."""
    if record.get("errorCode") is not None or record.get("errorMessage") is not None:
        return True
    response = record.get("responseElements")
    return isinstance(response, Mapping) and response.get("ConsoleLogin") == "Failure"


class EventRow(NamedTuple):
    """The columns of CloudTrail's event history table, for one record."""

    sequence: int | None
    event_time: str
    user_name: str
    event_name: str
    event_source: str
    result: Literal["Success", "Failure"]
    error_code: str


def event_row(record: Mapping[str, Any]) -> EventRow:
    """A record as one row of the audit screen: who did what, when, and did it work."""
    ident = record.get("userIdentity")
    ident = ident if isinstance(ident, Mapping) else {}
    who = ident.get("userName") or ident.get("arn") or ident.get("type") or ""
    if ident.get("type") == "Root" and not ident.get("userName"):
        who = "root"
    seq = record.get("sequence")
    return EventRow(
        sequence=seq if type(seq) is int else None,
        event_time=str(record.get("eventTime", "")),
        user_name=str(who),
        event_name=str(record.get("eventName", "")),
        event_source=str(record.get("eventSource", "")),
        result="Failure" if is_failure(record) else "Success",
        error_code=str(record.get("errorCode") or ""),
    )


# --------------------------------------------------------------------------- key


@dataclass(frozen=True, repr=False)
class AuditKey:
    """The HMAC key that seals the chain; kept in its own 0600 file, never in the log."""

    secret: bytes

    def __repr__(self) -> str:
        return "AuditKey(<hidden>)"

    @classmethod
    def generate(cls) -> AuditKey:
        """A fresh random 256-bit key."""
        return cls(secrets.token_bytes(32))

    @classmethod
    def from_key_file(cls, data: bytes, path: Path | None = None) -> AuditKey:
        """The key in a key file's contents (64 hex digits, as `key_file` writes them).
        Reading the file, and refusing one that others may read, is the service's job
        (iamtui.service.keyfiles), which also creates it, once, at `iamtui init`."""
        text = data.decode("ascii", "replace").strip()
        if not re.fullmatch(r"[0-9a-f]{64}", text):
            raise ValidationError(
                f"The audit key file {path} is damaged (expected 64 hex digits); restore it "
                "from a backup, or the audit log cannot be verified."
            )
        return cls(bytes.fromhex(text))

    def key_file(self) -> bytes:
        """What a key file holds: the key in hex, on one line."""
        return self.secret.hex().encode("ascii") + b"\n"


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# --------------------------------------------------------------------------- chain


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


def _torn_marker(fragment: bytes) -> dict[str, Any]:
    return {"bytes": len(fragment), "sha256": hashlib.sha256(fragment).hexdigest()}


# --------------------------------------------------------------------------- filters


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
        rec = _parse_line(line)
        return rec if rec is not None and self.filter.matches(rec) else None


def _parse_line(line: bytes) -> dict[str, Any] | None:
    try:
        rec = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    return rec if isinstance(rec, dict) else None


# --------------------------------------------------------------------------- the log


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


class AuditLog:
    """The audit trail file: append sealed records, verify the chain, page through events."""

    def __init__(
        self,
        path: Path,
        key: AuditKey | bytes,
        *,
        now: Callable[[], datetime] = utc_now,
        fsync: bool = True,
    ) -> None:
        self.path = Path(path)
        secret = key.secret if isinstance(key, AuditKey) else bytes(key)
        if len(secret) < 16:
            raise ValidationError("The audit key must be at least 16 bytes.")
        self._seal = _Sealer(secret)
        self._now = now
        self._fsync = fsync
        self._index = _Index()
        self._matches: dict[EventFilter, _Matches] = {}
        # The index and match cache are shared state: a TUI may read from a worker thread.
        self._lock = threading.RLock()

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
            data = memoryview(b"".join(chunks))
            while data:
                data = data[os.write(fd, data):]
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
        _fsync_dir(self.path.parent)  # make the new file's name durable too
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
        try:
            f = open(self.path, "rb")  # noqa: SIM115 - a generator closes it in finally
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

    # ---------------------------------------------------------------- reading

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
                    out.append(_parse_line(self._read_span(f, index, i, i).rstrip(b"\n")))
            return out
        with open(self.path, "rb") as f:
            lines = self._read_span(f, index, lo, hi).split(b"\n")
        return [_parse_line(lines[i - lo]) for i in wanted]


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
