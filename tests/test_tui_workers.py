"""A worker thread's result reaches its widget only while the widget is in the app: one
that arrives after the widget was removed (its screen closed, the app exiting) is
dropped, instead of failing the worker on widgets that are gone (a CI failure:
NoMatches for '#roles' from a revision read while the app closed)."""

from __future__ import annotations

import threading

from textual import work
from textual.app import App, ComposeResult
from textual.widgets import Static

from iamtui.screens.workers import deliver


class Receiver(Static):
    def __init__(self) -> None:
        super().__init__(id="receiver")
        self.got: list[tuple[object, ...]] = []

    def take(self, *args: object, **kwargs: object) -> None:
        self.got.append((*args, *sorted(kwargs.items())))

    @work(thread=True)
    def send(self, value: int) -> None:
        deliver(self, self.take, value, unit="s")


class Host(App[None]):
    def compose(self) -> ComposeResult:
        yield Receiver()


async def test_a_result_reaches_a_widget_in_the_app() -> None:
    app = Host()
    async with app.run_test() as pilot:
        receiver = app.query_one(Receiver)
        await receiver.send(7).wait()
        await pilot.pause()
        assert receiver.got == [(7, ("unit", "s"))]


async def test_a_result_for_a_removed_widget_is_dropped() -> None:
    """The worker starts while the widget is shown, and finishes after it was removed."""
    app = Host()
    async with app.run_test() as pilot:
        receiver = app.query_one(Receiver)
        started, removed, delivered = threading.Event(), threading.Event(), threading.Event()

        def slow() -> None:
            started.set()
            removed.wait(10)
            deliver(receiver, receiver.take, 1)  # waits for the event loop to run it
            delivered.set()

        async def until(event: threading.Event) -> None:
            for _ in range(200):
                if event.is_set():
                    return
                await pilot.pause(0.05)
            raise AssertionError("the worker thread did not get there")

        receiver.run_worker(slow, thread=True)
        await until(started)
        await receiver.remove()  # cancels the worker, but not its thread, which goes on
        removed.set()
        await until(delivered)
        assert receiver.got == []
