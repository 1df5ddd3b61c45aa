"""TUI benchmark: the Users section with 5,000 users, opened and filtered in a headless app.

    .venv/bin/python bench/tui.py [--users 5000] [--runs 5]

Loads the seeded account of `bench/workload.py` into a fresh store (one import), then in
Textual's headless `run_test` times, from the moment a key reaches the app to the first
frame composed for the terminal that shows the result: `2` until the users table holds
every row, and each filter keystroke until the table shows the matching rows. Median of
`--runs` runs; targets (issue 5): open < 1 s, a keystroke < 100 ms.

Pilot's `press` + `pause` is also timed for the same keystrokes: it waits until the
process looks idle (sleeps of 20 ms at a time), so it measures the harness more than
the app; a bare app with one Input shows that floor. A plain Textual DataTable filled
with the same rows is the baseline for the open.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

# This folder must not be on the path at all: bench/store.py would shadow the store
# package (the editable install's finder comes after the path). workload.py is loaded by file.
BENCH = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH]
_spec = importlib.util.spec_from_file_location("workload", BENCH / "workload.py")
workload = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(workload)  # type: ignore[union-attr]

from textual import events  # noqa: E402 (after the path fix above)
from textual._compositor import CompositorUpdate  # noqa: E402

from iamtui.app import IamApp  # noqa: E402
from iamtui.screens.widgets.resource_table import ResourceTable  # noqa: E402
from iamtui.service import IamService  # noqa: E402

PASSWORD = "Bench!Passw0rd"


def build_store(folder: Path, users: int) -> Path:
    db, _ = workload.seed_store(folder, users=users, root_password=PASSWORD,
                                fast_hashing=False, groups=50, roles=100, policies=300)
    return db


class FrameClock:
    """When the app last composed a frame for the terminal, and what it showed then.

    Headless, Textual computes each screen update but skips the write; this wrapper also
    turns the update into the terminal's bytes (what a real driver would write), so a
    frame's time includes everything but the terminal's own drawing.
    """

    def __init__(self, app: IamApp) -> None:
        self.app = app
        self.waiting: tuple[Callable[[], bool], asyncio.Future[float]] | None = None
        display = app._display

        def timed_display(screen: object, renderable: object) -> None:
            display(screen, renderable)  # type: ignore[arg-type]
            if renderable is None or self.waiting is None:
                return
            if isinstance(renderable, CompositorUpdate):
                renderable.render_segments(app.console)  # the bytes a terminal would get
            done, future = self.waiting
            if done() and not future.done():
                future.set_result(time.perf_counter())

        app._display = timed_display  # type: ignore[method-assign]

    async def key_to_frame(self, key: str, done: Callable[[], bool]) -> float:
        """Seconds from a key reaching the app to the first frame in which `done()` holds."""
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.waiting = (done, future)
        start = time.perf_counter()
        self.app._driver.send_message(events.Key(key, key if len(key) == 1 else None))  # type: ignore[union-attr]
        end = await asyncio.wait_for(future, 30)
        self.waiting = None
        return end - start


async def one_run(db: Path, keys: Path, users: int, needle: str, *,
                  settled: bool = True) -> tuple[float, list[float], list[float]]:
    """(open, keystrokes key-to-frame, keystrokes as Pilot press + pause)."""
    app = IamApp(db, keys_dir=keys)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()  # the app opened the store; sign in as root, as the screen would
        app._signed_in(app.service.root_principal(console=True))
        await pilot.pause()
        if settled:  # the dashboard's checks done, as for someone who reads it first
            await app.workers.wait_for_complete()
            await pilot.pause()
        clock = FrameClock(app)
        table = app.screen.query_one("#users").query_one(ResourceTable)
        opened = await clock.key_to_frame(
            "2", lambda: table.total_count == users and table.region.height > 0)
        await app.workers.wait_for_complete()
        await pilot.press("slash")
        await pilot.pause()
        to_frame = []
        for i in range(len(needle)):
            typed = needle[: i + 1]
            to_frame.append(await clock.key_to_frame(
                needle[i], lambda typed=typed: table._filter == typed))  # type: ignore[misc]
            await pilot.pause()
        assert table.row_count < users, "the filter did not narrow the table"
        await pilot.press(*["backspace"] * len(needle))
        await pilot.pause()
        pressed = []
        for ch in needle:
            start = time.perf_counter()
            await pilot.press(ch)
            await pilot.pause()
            pressed.append(time.perf_counter() - start)
    return opened, to_frame, pressed


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
        busy = [asyncio.run(one_run(db, folder / "keys", args.users, "user-12", settled=False))
                for _ in range(args.runs)]
        service = IamService.open(db, keys_dir=folder / "keys")
        start = time.perf_counter()
        service.security_status(service.root_principal())
        checks = time.perf_counter() - start
        cells = [(s.user.user_name, s.user.path, ", ".join(s.groups), "No", "None", "None",
                  "Never", "2024-01-01") for s in service.user_summaries(
                      service.root_principal())]
        service.close()
    baseline = asyncio.run(datatable_baseline(cells))
    overhead = statistics.median(
        t for _ in range(args.runs) for t in asyncio.run(keystroke_overhead("user-12")))
    opened = statistics.median(r[0] for r in results)
    to_frame = [k for r in results for k in r[1]]
    pressed = statistics.median(k for r in results for k in r[2])
    ms = 1e3
    print(f"users table with {args.users:,} users, median of {args.runs} runs "
          "(key reaches the app -> first frame showing the result)")
    print(f"  open: key 2 until every row is in and drawn   {opened * ms:7.0f} ms  (< 1000)")
    print(f"  the same, pressed while the dashboard's checks still run "
          f"{statistics.median(r[0] for r in busy) * ms:5.0f} ms "
          f"(the checks alone, in this process: {checks * ms:.0f} ms)")
    print(f"  filter keystroke, median                      "
          f"{statistics.median(to_frame) * ms:7.1f} ms  (< 100)")
    print(f"  filter keystroke, worst                       {max(to_frame) * ms:7.1f} ms")
    print(f"  filter keystroke as Pilot press + pause       {pressed * ms:7.1f} ms "
          f"(the harness's idle waits; on a bare app with one Input: {overhead * ms:.1f} ms)")
    print(f"  baseline: Textual DataTable filled with the same rows "
          f"{baseline * ms:7.0f} ms ({baseline / opened:.1f}x the open)")


if __name__ == "__main__":
    main()
