"""Property tests of the audit trail: tamper evidence, redaction, and the lookup pre-filter."""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iamtui.audit import (
    HIDDEN,
    SECRET_PARAMETER_NAMES,
    AuditKey,
    AuditLog,
    ChainHead,
    EventFilter,
    Identity,
    chain,
    console_login_event,
    make_event,
    redact,
)

ACCOUNT = "123456789012"
KEY = AuditKey(b"p" * 32)


def _sample_log() -> tuple[bytes, ChainHead]:
    with tempfile.TemporaryDirectory() as d:
        log = AuditLog(Path(d) / "a.jsonl", KEY, fsync=False)
        t = datetime(2026, 2, 3, tzinfo=UTC)
        alice = Identity.iam_user(ACCOUNT, "alice")
        head = log.append(
            make_event("CreateUser", identity=alice, request_parameters={"userName": 'é"\\x'})
        )
        head = log.append(console_login_event(alice, success=False, mfa_used=False, now=lambda: t))
        head = log.append(
            make_event(
                "DeleteUser",
                identity=alice,
                request_parameters={"userName": "bob", "list": [1, 2.5, None, True]},
                error_code="AccessDenied",
                error_message="denied",
            )
        )
        head = log.append(make_event("ListUsers", identity=Identity.root(ACCOUNT), read_only=True))
        return (Path(d) / "a.jsonl").read_bytes(), head


SAMPLE, SAMPLE_HEAD = _sample_log()


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pos=st.integers(0, len(SAMPLE) - 1), delta=st.integers(1, 255))
def test_any_single_byte_change_is_detected(pos: int, delta: int) -> None:
    changed = bytearray(SAMPLE)
    changed[pos] = (changed[pos] + delta) % 256
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "a.jsonl"
        path.write_bytes(bytes(changed))
        log = AuditLog(path, KEY)
        assert not log.verify().ok
        # With the head the store remembers, nothing a byte change does passes for a crash.
        assert log.verify(SAMPLE_HEAD).tampered


def test_sample_is_clean() -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "a.jsonl"
        path.write_bytes(SAMPLE)
        assert AuditLog(path, KEY).verify(SAMPLE_HEAD).ok


# Ordinary text has no capital S, so only planted secrets start with the marker.
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.text(alphabet="abcdefgh: -_", max_size=12)
)
secret_names = st.sampled_from(sorted(SECRET_PARAMETER_NAMES)).flatmap(
    lambda n: st.sampled_from([n, n.upper(), n[:1].upper() + n[1:]])
)
secret_values = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=10).map(
    lambda s: "S3CR3T" + s
)


def _with_secret(children: st.SearchStrategy) -> st.SearchStrategy:
    plain = st.dictionaries(st.text(alphabet="abcdefgh", max_size=8), children, max_size=3)
    return st.lists(children, max_size=3) | st.builds(
        lambda d, k, v: {**d, k: v}, plain, secret_names, secret_values
    )


documents = st.recursive(json_scalars, _with_secret, max_leaves=12)


def _planted(value: object) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _planted(v)]
    if isinstance(value, list):
        return [s for v in value for s in _planted(v)]
    return [value] if isinstance(value, str) and value.startswith("S3CR3T") else []


@given(documents)
def test_redaction_leaves_no_planted_secret(doc: object) -> None:
    planted = _planted(doc)
    text = orjson.dumps(redact({"requestParameters": doc})).decode()
    assert "S3CR3T" not in text
    if planted:
        assert HIDDEN in text


names = st.sampled_from(["alice", "bob", 'q"uote', "back\\slash", "ünï", "a b"])
event_names = st.sampled_from(["CreateUser", "DeleteUser", "ConsoleLogin", "ListUsers"])


@st.composite
def events(draw: st.DrawFn) -> dict:
    who = Identity.iam_user(ACCOUNT, draw(names))
    name = draw(event_names)
    at = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=draw(st.integers(0, 100)))
    if name == "ConsoleLogin":
        return console_login_event(who, success=draw(st.booleans()), mfa_used=True, now=lambda: at)
    failed = draw(st.booleans())
    return make_event(
        name,
        identity=who,
        # A nested eventTime and userName must not fool the byte-level pre-filter.
        request_parameters={"userName": draw(names), "eventTime": "2030-01-01T00:00:00Z"},
        error_code="AccessDenied" if failed else None,
        now=lambda: at,
    )


filters = st.builds(
    EventFilter,
    user_name=st.none() | names,
    event_name=st.none() | event_names,
    start_time=st.none()
    | st.integers(0, 100).map(lambda s: datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=s)),
    end_time=st.none()
    | st.integers(0, 100).map(lambda s: datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=s)),
    result=st.none() | st.sampled_from(["success", "failure"]),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(events(), max_size=30), st.lists(filters, min_size=1, max_size=4))
def test_lookup_matches_a_plain_scan(evs: list[dict], fs: list[EventFilter]) -> None:
    with tempfile.TemporaryDirectory() as d:
        log = AuditLog(Path(d) / "a.jsonl", KEY, fsync=False)
        if evs:
            log.append_many(evs)
        records = log.page(0, 1000)
        for f in fs:
            expected = [r["sequence"] for r in records if f.matches(r)]
            assert [r["sequence"] for r in log.page(0, 1000, f)] == expected
            assert log.count(f) == len(expected)
            assert [r["sequence"] for r in log.page(1, 2, f)] == expected[1:3]


@settings(max_examples=300, deadline=None)
@given(
    data=st.binary(max_size=80).map(lambda b: bytes(c if c % 5 else 10 for c in b)),
    first_block=st.integers(1, 9),
    chunk=st.integers(1, 17),
)
def test_line_readers_agree_with_a_plain_split(data: bytes, first_block: int, chunk: int) -> None:
    """The tail reader (backwards, growing blocks) and verify's reader (forwards, chunks)
    cut lines exactly as bytes.split does, wherever the block boundaries fall."""
    saved = chain._TAIL_BLOCK, chain._CHUNK
    chain._TAIL_BLOCK, chain._CHUNK = first_block, chunk
    try:
        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / "a.jsonl"
            path.write_bytes(data)
            fd = os.open(path, os.O_RDONLY)
            try:
                backwards = list(chain._lines_backwards(fd, len(data)))
            finally:
                os.close(fd)
            forwards = list(AuditLog(path, KEY)._iter_lines(len(data)))
    finally:
        chain._TAIL_BLOCK, chain._CHUNK = saved
    lines = data.split(b"\n")
    assert backwards == lines[::-1]
    expected = [(i + 1, line, True) for i, line in enumerate(lines[:-1])]
    if lines[-1]:
        expected.append((len(lines), lines[-1], False))
    assert forwards == expected
