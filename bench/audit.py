"""Benchmark of the audit trail with 100,000 events (python bench/audit.py [events]).

Builds a seeded log, then reports the median of several runs for: one durable append
(fsync) onto the full log, a bulk append, verifying the whole chain, counting events, and
fetching the newest page of 100 with and without a filter, each from a cold reader (a new
AuditLog, which must first index the file) and a warm one (the index is cached).

Then a torn tail: a crash left a long unterminated last line (5 and 20 MB). Finding the head
under the append lock and verifying must stay linear in its size: the 20 MB case should cost
about 4x the 5 MB one (it was 16x and 6 s), and about what one plain read of the file costs.
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # this file is named audit.py: import the package, not itself

from iamtui.audit import (  # noqa: E402
    AuditKey,
    AuditLog,
    EventFilter,
    Identity,
    console_login_event,
    make_event,
)

ACCOUNT = "123456789012"


def workload(n: int, seed: int = 7) -> list[dict]:
    """`n` seeded events: API calls by 50 users, sign-ins, some AccessDenied, a few rare ones."""
    rng = random.Random(seed)
    users = [Identity.iam_user(ACCOUNT, f"user{i:02d}") for i in range(50)]
    t = datetime(2026, 1, 1, tzinfo=UTC)
    calls = ["CreateUser", "AttachUserPolicy", "PutUserPolicy", "CreateGroup", "AddUserToGroup"]
    reads = ["ListUsers", "GetUser", "ListAttachedUserPolicies", "GetPolicyVersion"]
    out = []
    for _ in range(n):
        t += timedelta(seconds=rng.randint(0, 30))
        who = rng.choice(users)
        roll = rng.random()

        def at(t: datetime = t) -> datetime:
            return t

        if roll < 0.10:
            ev = console_login_event(who, success=rng.random() < 0.8, mfa_used=True, now=at)
        elif roll < 0.15:
            ev = make_event(
                "DeleteUser",
                identity=who,
                request_parameters={"userName": rng.choice(users).user_name},
                error_code="AccessDenied",
                error_message=f"User: {who.arn} is not authorized to perform: iam:DeleteUser",
                now=at,
            )
        elif roll < 0.151:
            ev = make_event("DeleteAccessKey", identity=who, now=at)  # rare: 0.1%
        elif roll < 0.55:
            ev = make_event(
                rng.choice(reads),
                identity=who,
                request_parameters={"userName": rng.choice(users).user_name},
                read_only=True,
                now=at,
            )
        else:
            ev = make_event(
                rng.choice(calls),
                identity=who,
                request_parameters={
                    "userName": rng.choice(users).user_name,
                    "policyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess",
                },
                response_elements={"user": {"userName": who.user_name, "path": "/"}},
                now=at,
            )
        ev["eventID"] = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        out.append(ev)
    return out


def timed(fn: Callable[[], object], runs: int) -> float:
    """Median wall time of `fn` in milliseconds."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    """Build the workload, measure, print the table."""
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    key = AuditKey(b"bench-key-" * 4)
    events = workload(n)
    rows: list[tuple[str, float, str]] = []
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "iam.db.audit.jsonl"
        bulk = AuditLog(path, key)
        start = time.perf_counter()
        for i in range(0, n, 1000):
            bulk.append_many(events[i : i + 1000])
        build_ms = (time.perf_counter() - start) * 1000
        size_mb = path.stat().st_size / 1e6
        rows.append((f"bulk append ({n} events, batches of 1000)", build_ms / n, "per event"))

        extra = workload(400, seed=8)
        durable = AuditLog(path, key)
        it = iter(extra)
        rows.append(
            (
                "append 1 event, fsync'd, onto the full log",
                timed(lambda: durable.append(next(it)), 200),
                "",
            )
        )
        fast = AuditLog(path, key, fsync=False)
        rows.append(("append 1 event, no fsync", timed(lambda: fast.append(next(it)), 200), ""))

        head = durable.head()
        verify_log = AuditLog(path, key)
        result = verify_log.verify(head)
        assert result.ok, result.summary()
        rows.append(
            (
                f"verify whole file ({result.records} records)",
                timed(lambda: verify_log.verify(head), 3),
                "ms total",
            )
        )

        rows.append(
            ("count, cold (index the file)", timed(lambda: AuditLog(path, key).count(), 5), "")
        )
        warm = AuditLog(path, key)
        warm.count()
        rows.append(("count, warm", timed(warm.count, 20), ""))
        rows.append(
            ("newest page of 100, cold", timed(lambda: AuditLog(path, key).page(0, 100), 5), "")
        )
        rows.append(("newest page of 100, warm", timed(lambda: warm.page(0, 100), 20), ""))
        rows.append(
            ("page of 100 at offset 50,000, warm", timed(lambda: warm.page(50_000, 100), 20), "")
        )

        def filtered(f: EventFilter) -> Callable[[], object]:
            def run() -> object:
                warm._matches.clear()  # measure the scan, not the cached matches
                return warm.page(0, 100, f)

            return run

        user = EventFilter(user_name="user07")  # ~2% of events
        fails = EventFilter(result="failure")  # ~7%
        rare = EventFilter(event_name="DeleteAccessKey")  # ~0.1%
        rows.append(("newest 100 by user (~2%), warm index", timed(filtered(user), 5), ""))
        rows.append(("newest 100 failures (~7%), warm index", timed(filtered(fails), 5), ""))
        rows.append(("newest 100 of a rare event (~0.1%)", timed(filtered(rare), 3), "scans all"))
        rows.append(
            ("same page again (cached matches)", timed(lambda: warm.page(0, 100, rare), 20), "")
        )
        rows.append(
            (
                "count by user, uncached",
                timed(lambda: (warm._matches.clear(), warm.count(user)), 3),
                "",
            )
        )

    rows += torn_tail_rows(key)
    print(f"audit log: {n} events, {size_mb:.1f} MB")
    print(f"{'operation':<48} {'median ms':>10}")
    print("-" * 70)
    for name, ms, note in rows:
        print(f"{name:<48} {ms:>10.3f}  {note}")


def torn_tail_rows(key: AuditKey) -> list[tuple[str, float, str]]:
    """head(), append and verify over 100 records and a torn last line of 5 and 20 MB."""
    rows: list[tuple[str, float, str]] = []
    medians: dict[tuple[str, int], float] = {}
    for mb in (5, 20):
        with tempfile.TemporaryDirectory() as d:
            rows += _torn_tail_case(Path(d) / "torn.audit.jsonl", key, mb, medians)
    for what in ("head", "verify"):
        ratio = medians[what, 20] / medians[what, 5]
        rows.append((f"{what}: 20 MB / 5 MB torn tail", ratio, "ratio; linear ~4, quadratic ~16"))
    return rows


def _torn_tail_case(
    path: Path, key: AuditKey, mb: int, medians: dict[tuple[str, int], float]
) -> list[tuple[str, float, str]]:
    ident = Identity.iam_user(ACCOUNT, "user00")
    log = AuditLog(path, key, fsync=False)
    log.append_many([make_event("CreateUser", identity=ident) for _ in range(100)])
    with open(path, "ab") as f:
        f.write(b'{"eventName":"' + b"x" * (mb * 1_000_000))  # no newline: a torn record
    base = path.read_bytes()

    def append() -> object:
        path.write_bytes(base)  # the same torn tail every run
        return log.append(make_event("ListUsers", identity=ident))

    read = medians["read", mb] = timed(path.read_bytes, 5)
    head = medians["head", mb] = timed(log.head, 5)
    verify = medians["verify", mb] = timed(log.verify, 3)
    return [
        (f"read the file once ({mb} MB torn tail), baseline", read, ""),
        (f"head() over a {mb} MB torn tail", head, f"{head / read:.1f}x a plain read"),
        (f"append onto a {mb} MB torn tail", timed(append, 3), ""),
        (f"verify with a {mb} MB torn tail", verify, f"{verify / read:.1f}x a plain read"),
    ]


if __name__ == "__main__":
    main()
