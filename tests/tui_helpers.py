"""Driving the TUI in Pilot tests: typing, waiting for workers, signing in."""

from __future__ import annotations

import asyncio
import gc
import time
import weakref
from pathlib import Path
from typing import Any

from helpers import ACCOUNT_ID, ROOT_PASSWORD
from textual._context import visible_screen_stack
from textual.app import App
from textual.pilot import Pilot
from textual.worker import WorkerCancelled

from iamtui.app import IamApp
from iamtui.screens.main import MainScreen
from iamtui.service import IamService


async def type_text(pilot: Pilot, text: str) -> None:
    """Type `text` key by key (spaces as the space key)."""
    for ch in text:
        await pilot.press(ch if ch != " " else "space")


async def wait_for_workers(app: App[Any], ceiling: float = 60.0) -> None:
    """Wait until no live worker of `app` runs.

    A cancelled worker is not waited for: its result is dropped (an exclusive worker
    cancelled by its successor, a section reloaded twice on a busy machine); the
    successor is. A worker that fails fails the test (WorkerFailed)."""
    deadline = time.monotonic() + ceiling
    while live := [w for w in app.workers if not w.is_cancelled and not w.is_finished]:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"workers still running: {[w.name for w in live]}")
        # a worker's result may itself be an exception (a form's worker returns the
        # IamError to show): only what a worker raised counts as its failure
        raised = await asyncio.gather(*(_raised_by(w) for w in live))
        failed = [e for e in raised if e is not None]
        if failed:
            raise failed[0]
        await asyncio.sleep(0)  # let finished workers leave the manager


async def wait_until(pilot: Pilot, condition: Any, ceiling: float = 60.0) -> None:
    """Wait (no key pressed, no worker waited for: one may poll forever) until
    `condition()` holds; fail past a generous ceiling."""
    deadline = time.monotonic() + ceiling
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        await asyncio.sleep(0.05)
    await pilot.pause()


async def _raised_by(worker: Any) -> BaseException | None:
    """What `worker` raised (WorkerFailed), or None when it returned or was cancelled."""
    try:
        await worker.wait()
    except WorkerCancelled:
        return None
    except Exception as error:  # WorkerFailed: handed to the test to raise
        return error
    return None


async def settle(pilot: Pilot) -> None:
    """Wait for the app's workers, then for the screen to catch up."""
    await wait_for_workers(pilot.app)
    await pilot.pause()


async def sign_in(pilot: Pilot, user: str | None = None,
                  password: str = ROOT_PASSWORD) -> None:
    """Sign in through the sign-in screen and land on the main screen: as the IAM user
    `user`, or as the root user without one (ctrl+r chooses "Root user")."""
    if user is None:
        await pilot.press("ctrl+r")
    else:
        await type_text(pilot, user)
        await pilot.press("enter")
    await type_text(pilot, password)
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, MainScreen)


def new_store(tmp_path: Path, **kwargs: Any) -> IamService:
    """A new store of the test account (root password ROOT_PASSWORD) at tmp_path/db.json,
    its keys in tmp_path/keys, open for seeding: close it before an app opens the store.
    `kwargs` go to IamService.initialize (alias, clock)."""
    return IamService.initialize(tmp_path / "db.json", root_password=ROOT_PASSWORD,
                                 account_id=ACCOUNT_ID, keys_dir=tmp_path / "keys", **kwargs)


def initialized_app(tmp_path: Path) -> IamApp:
    """An app over a new store of the test account (root password ROOT_PASSWORD)."""
    new_store(tmp_path).close()
    return IamApp(tmp_path / "db.json", keys_dir=tmp_path / "keys")


def collected(*refs: weakref.ref[Any]) -> bool:
    """True once nothing holds what `refs` point to. asyncio drops cancelled timers (a
    closed toast's, a removed screen's) lazily, and each keeps the context it was set in:
    cancelling more than a hundred makes the loop sweep them all at its next turn."""
    # Pilot's clicks ask the compositor, which notes the screens it saw in the test's
    # own context: the test would hold them, not the app.
    visible_screen_stack.set([])
    loop = asyncio.get_running_loop()
    for _ in range(128):
        loop.call_later(3600, lambda: None).cancel()
    gc.collect()
    return all(ref() is None for ref in refs)


def pin_store_folder(monkeypatch: Any, folder: Path, shown: str = "/srv/iamtui") -> None:
    """Snapshots: the header names the store's folder as `shown`, not the test's tmp path."""
    from iamtui.screens.widgets import status_line

    real = status_line.status_text
    monkeypatch.setattr(status_line, "status_text",
                        lambda *args, **kwargs: real(*args, **kwargs).replace(str(folder), shown))
