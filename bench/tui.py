"""TUI benchmark: the Users section with 5,000 users, opened and filtered in a headless app.

    .venv/bin/python bench/tui.py [--users 5000] [--runs 5]

Loads the seeded account of `bench/workload.py` into a fresh store (one import), then in
Textual's headless `run_test`: the time from pressing `2` until the users table holds
every row and has drawn, and the time each filter keystroke takes until the table shows
the matching rows. Median of `--runs` runs; targets (issue 5): open < 1 s, a keystroke
< 100 ms. A plain Textual DataTable filled with the same rows is timed as the baseline.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import statistics
import sys
import tempfile
import time
from pathlib import Path

# This folder must not be on the path at all: bench/store.py would shadow the store
# package (the editable install's finder comes after the path). workload.py is loaded by file.
BENCH = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH]
_spec = importlib.util.spec_from_file_location("workload", BENCH / "workload.py")
workload = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(workload)  # type: ignore[union-attr]

from iamtui.app import IamApp  # noqa: E402 (after the path fix above)
from iamtui.service import IamService  # noqa: E402
from screens.main import MainScreen  # noqa: E402
from screens.widgets.resource_table import ResourceTable  # noqa: E402

PASSWORD = "Bench!Passw0rd"


def build_store(folder: Path, users: int) -> Path:
    details = workload.account(users=users, groups=50, roles=100, policies=300)
    db = folder / "db.json"
    service = IamService.initialize(db, root_password=PASSWORD,
                                    account_id=workload.ACCOUNT_ID, keys_dir=folder / "keys")
    service.import_account_authorization_details(service.root_principal(), details)
    service.close()
    return db


async def one_run(db: Path, keys: Path, users: int, needle: str) -> tuple[float, list[float]]:
    app = IamApp(db, keys_dir=keys)
    async with app.run_test(size=(160, 48)) as pilot:
        app.service = IamService.open(db, keys_dir=keys)
        app.principal = app.service.root_principal(console=True)
        await app.push_screen(MainScreen())
        await pilot.pause()
        start = time.perf_counter()
        await pilot.press("2")
        table = app.screen.query_one("#users").query_one(ResourceTable)
        while table.total_count < users:
            await asyncio.sleep(0.002)
        await pilot.pause()
        opened = time.perf_counter() - start
        await pilot.press("slash")
        keystrokes = []
        for ch in needle:
            start = time.perf_counter()
            await pilot.press(ch)
            await pilot.pause()
            keystrokes.append(time.perf_counter() - start)
        assert table.row_count < users, "the filter did not narrow the table"
        app.service.close()
    return opened, keystrokes


async def datatable_baseline(rows: list[tuple[str, ...]]) -> float:
    """Filling Textual's own DataTable with the same cells (the cost the table avoids)."""
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable

    class Baseline(App[None]):
        def compose(self) -> ComposeResult:
            yield DataTable()

    app = Baseline()
    async with app.run_test(size=(160, 48)) as pilot:
        table = app.query_one(DataTable)
        start = time.perf_counter()
        table.add_columns(*(f"c{i}" for i in range(len(rows[0]))))
        table.add_rows(rows)
        await pilot.pause()
        return time.perf_counter() - start


async def keystroke_overhead(needle: str) -> list[float]:
    """The same press-and-pause on an app holding one empty Input: what the harness costs."""
    from textual.app import App, ComposeResult
    from textual.widgets import Input

    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            yield Input()

    app = Bare()
    times = []
    async with app.run_test(size=(160, 48)) as pilot:
        for ch in needle:
            start = time.perf_counter()
            await pilot.press(ch)
            await pilot.pause()
            times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db = build_store(folder, args.users)
        results = [asyncio.run(one_run(db, folder / "keys", args.users, "user-12"))
                   for _ in range(args.runs)]
        service = IamService.open(db, keys_dir=folder / "keys")
        cells = [(s.user.user_name, s.user.path, ", ".join(s.groups), "No", "None", "None",
                  "Never", "2024-01-01") for s in service.user_summaries(
                      service.root_principal())]
        service.close()
    baseline = asyncio.run(datatable_baseline(cells))
    overhead = statistics.median(
        t for _ in range(args.runs) for t in asyncio.run(keystroke_overhead("user-12")))
    opened = statistics.median(r[0] for r in results)
    per_key = [k for r in results for k in r[1]]
    print(f"users table with {args.users:,} users, median of {args.runs} runs")
    print(f"  open (press 2 until every row is in and drawn)  {opened * 1e3:7.0f} ms  (< 1000)")
    print(f"  filter keystroke, median                        "
          f"{statistics.median(per_key) * 1e3:7.1f} ms  (< 100)")
    print(f"  filter keystroke, worst                         {max(per_key) * 1e3:7.1f} ms")
    print(f"  the same keystroke on a bare app with one Input {overhead * 1e3:7.1f} ms "
          f"(harness; the filter's own cost is about "
          f"{(statistics.median(per_key) - overhead) * 1e3:.0f} ms)")
    print(f"  baseline: Textual DataTable filled with the same rows "
          f"{baseline * 1e3:7.0f} ms ({baseline / opened:.1f}x the open)")


if __name__ == "__main__":
    main()
