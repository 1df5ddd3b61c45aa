"""The policy editor stays responsive while it validates: key-to-frame time of typing into
a 6,144-character policy (the managed policy quota) in a headless app.

    .venv/bin/python bench/editor.py [--keys 30] [--runs 3]

The editor validates ~150 ms after the last keystroke, in a worker thread, with every
check of validate-policy (bench/validate.py times one: ~25 ms). Times, from the moment a
key reaches the app to the first frame composed for the terminal that shows it (the
FrameClock of bench/tui.py):

- typing: keys sent back to back, 60 ms apart (a fast typist), so checks start and
  run while keys keep coming;
- pausing: a key every 250 ms, so each key lands while the check of the previous text
  is running or just done;
- without checks: the same editor with validation switched off, the baseline.

Prints the median and the slowest keystroke of each over `--runs` runs, and the ratio of
the medians to the baseline.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import statistics
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH]


def _load(name: str):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


tui, validate = _load("tui"), _load("validate")

from textual.app import App  # noqa: E402 (after the path fix above)

from iamtui.policy import PolicyType, ValidationReport  # noqa: E402
from iamtui.screens import policy_editor  # noqa: E402
from iamtui.screens.policy_editor import PolicyEditorScreen  # noqa: E402


class Host(App[None]):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def on_mount(self) -> None:
        self.push_screen(PolicyEditorScreen("bench", self.text, PolicyType.IDENTITY,
                                            lambda _: False))


async def one_run(text: str, keys: int, gap: float) -> list[float]:
    app = Host(text)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        screen = app.screen
        assert isinstance(screen, PolicyEditorScreen)
        editor = screen.editor
        row = next(i for i, line in enumerate(text.split("\n")) if "s3:GetObject" in line)
        editor.move_cursor((row, text.split("\n")[row].index("s3:GetObject") + 3))
        clock = tui.FrameClock(app)  # type: ignore[arg-type]
        times = []
        for _ in range(keys):
            length = len(editor.text)
            times.append(await clock.key_to_frame(
                "x", lambda n=length: len(editor.text) == n + 1))  # type: ignore[misc]
            await asyncio.sleep(gap)
        await app.workers.wait_for_complete()
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keys", type=int, default=30)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    text = validate.policy()
    results: dict[str, list[float]] = {}
    real = policy_editor.analyze_document
    for name, gap, checks in (("typing", 0.06, True), ("pausing", 0.25, True),
                              ("without checks", 0.06, False)):
        policy_editor.analyze_document = real if checks else (  # type: ignore[assignment]
            lambda text, kind: ValidationReport(None, []))
        times: list[float] = []
        for _ in range(args.runs):
            times += asyncio.run(one_run(text, args.keys, gap))
        results[name] = times
    policy_editor.analyze_document = real  # type: ignore[assignment]
    base = statistics.median(results["without checks"])
    for name, times in results.items():
        median = statistics.median(times)
        print(f"{name:15} key-to-frame median {median * 1000:6.1f} ms   slowest "
              f"{max(times) * 1000:6.1f} ms   ({len(times)} keys)   x{median / base:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
