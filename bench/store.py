"""Benchmark of the store at AWS's largest account quotas (python bench/store.py).

Reports the median of several runs for: opening the store, one small write, a
5,000-user import in one transaction, a lookup by name; and, as the baseline, one
write through plain TinyDB with its default JSONStorage on the same data.
Targets (GitHub issue #3): write < 50 ms, open < 500 ms, import < 2 s.
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # this file is named store.py: import the package, not itself

import tinydb  # noqa: E402

from bench.workloads.store_account import USERS, account, user  # noqa: E402
from iamtui.store import Index, Schema, Store  # noqa: E402

SCHEMA = Schema(indexes={
    "users": {"name": Index("UserName", casefold=True, unique=True), "group": Index("Groups")},
    "groups": {"name": Index("GroupName", casefold=True, unique=True)},
    "roles": {"name": Index("RoleName", casefold=True, unique=True)},
    "policies": {"name": Index("PolicyName", casefold=True, unique=True)},
    "policy_versions": {"policy": Index("PolicyId")},
})


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
    tables = account(seed=1)
    rng = random.Random(2)
    results: list[tuple[str, float, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "db" / "iamtui.json"
        store = Store.open(path, create=True, schema=SCHEMA)
        with store.transaction() as tx:
            for name, records in tables.items():
                table = tx.table(name)
                for key, record in records.items():
                    table.put(key, record)
        store.compact()
        size_mb = path.stat().st_size / 1e6
        results.append(("open (compacted file)", timed(
            lambda: Store.open(path, schema=SCHEMA).close(), 7), "< 500 ms"))

        user_keys = list(tables["users"])

        def one_write() -> None:
            key = rng.choice(user_keys)
            with store.transaction() as tx:
                users = tx.table("users")
                rec = dict(users.get(key) or {})
                rec["Tags"] = [{"Key": "n", "Value": str(rng.random())}]
                users.put(key, rec)

        results.append(("single write (one user)", timed(one_write, 60), "< 50 ms"))
        # reopen with the journal as large as it gets before compaction folds it in
        version_keys = list(tables["policy_versions"])
        limit = path.stat().st_size * store.compact_ratio - 3_000_000
        def journal_size() -> int:
            return store.journal_path.stat().st_size if store.journal_path.exists() else 0

        while journal_size() < limit:  # rewrite 1,000 documents (~1.5 MB) per transaction
            with store.transaction() as tx:
                versions = tx.table("policy_versions")
                for key in rng.sample(version_keys, 1000):
                    versions.put(key, dict(versions.get(key) or {}, CreateDate="2026-02-02"))
        journal_mb = journal_size() / 1e6
        results.append((f"open (+{journal_mb:.0f} MB journal)", timed(
            lambda: Store.open(path, schema=SCHEMA).close(), 5), "< 500 ms"))
        def fold() -> None:  # the rare slow write: the journal folded into the file
            one_write()
            store.compact()

        results.append(("write that compacts (worst case)", timed(fold, 3), "rare"))
        names = [r["UserName"] for r in tables["users"].values()]
        snap = store.snapshot()
        lookups = 10_000
        per = timed(lambda: [snap.table("users").find_one("name", rng.choice(names).upper())
                             for _ in range(lookups)], 3) / lookups
        results.append(("lookup by name (index)", per, "in memory"))
        store.close()

        def import_users() -> None:
            fresh = Path(tempfile.mkdtemp(dir=tmp)) / "import.json"
            with Store.open(fresh, create=True, schema=SCHEMA) as s, s.transaction() as tx:
                table = tx.table("users")
                irng = random.Random(3)
                for i in range(USERS):
                    rec = user(irng, i)
                    table.put(rec["UserId"], rec)

        results.append((f"import {USERS} users, one tx", timed(import_users, 3), "< 2000 ms"))

        base_path = Path(tmp) / "plain-tinydb.json"
        plain = tinydb.TinyDB(base_path)
        for name, records in tables.items():
            plain.table(name).insert_multiple(records.values())
        users_table = plain.table("users")
        doc_ids = [doc.doc_id for doc in users_table.all()]

        def plain_write() -> None:
            users_table.update({"Tags": [{"Key": "n", "Value": str(rng.random())}]},
                               doc_ids=[rng.choice(doc_ids)])

        baseline = timed(plain_write, 5)
        plain.close()

    ours = results[1][1]
    print(f"store at quota scale: {sum(map(len, tables.values()))} records, "
          f"{size_mb:.1f} MB TinyDB file")
    print(f"{'measure':34} {'median':>12}  target")
    for label, ms, target in results:
        shown = f"{ms * 1000:.1f} us" if ms < 0.1 else f"{ms:.1f} ms"
        print(f"{label:34} {shown:>12}  {target}")
    print(f"{'plain TinyDB JSONStorage write':34} {baseline:>9.1f} ms  baseline: "
          f"{baseline / ours:.0f}x slower than the store")


if __name__ == "__main__":
    main()
