"""What following the store costs the TUI (python bench/live_poll.py [users]).

The open section reads `IamService.revision` once a second (screens/main.py,
LIVE_SECONDS). Reports medians of several runs, each the mean over many calls, of:
the revision read when nothing changed (the common case: the lock token and two stats),
the same read right after another process committed (it catches up by reading only the
new journal lines), and, for scale, one reload of the Users section's rows, which the
poll avoids unless the revision moved. Figures are per call.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)

from iamtui.screens.kinds.users import load  # noqa: E402
from iamtui.service import IamService  # noqa: E402

PASSWORD = "Sup3r$ecretRoot"
RUNS = 7


def median_of(runs: int, calls: int, one: object) -> float:
    """Median over `runs` of the mean seconds per call of `one()`."""
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        for _ in range(calls):
            one()  # type: ignore[operator]
        samples.append((time.perf_counter() - start) / calls)
    return statistics.median(samples)


def main(users: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db, keys = Path(tmp) / "db.json", Path(tmp) / "keys"
        svc = IamService.initialize(db, root_password=PASSWORD, account_id="111122223333",
                                    keys_dir=keys)
        root = svc.root_principal()
        for i in range(users):
            svc.create_user(root, f"user{i:05d}")
        app_side = IamService.open(db, keys_dir=keys)  # the TUI's service
        app_root = app_side.root_principal()
        app_side.revision  # noqa: B018  (caught up once before timing)

        unchanged = median_of(RUNS, 2000, lambda: app_side.revision)

        counter = iter(range(10**9))

        def after_commit() -> None:
            svc.create_user(root, f"extra{next(counter)}")  # another process commits
            start = time.perf_counter()
            app_side.revision  # noqa: B018
            after_commit.spent += time.perf_counter() - start  # type: ignore[attr-defined]

        samples = []
        for _ in range(RUNS):
            after_commit.spent = 0.0  # type: ignore[attr-defined]
            for _ in range(20):
                after_commit()
            samples.append(after_commit.spent / 20)  # type: ignore[attr-defined]
        caught_up = statistics.median(samples)

        reload = median_of(RUNS, 3, lambda: load(app_side, app_root))
        app_side.close()
        svc.close()
    print(f"{users} users, medians of {RUNS} runs, per call:")
    print(f"  revision, nothing changed   {unchanged * 1e6:9.1f} µs")
    print(f"  revision, after a commit    {caught_up * 1e6:9.1f} µs "
          f"({caught_up / unchanged:.0f}x)")
    print(f"  Users rows reload           {reload * 1e6:9.1f} µs "
          f"({reload / unchanged:.0f}x the idle poll)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
