"""Handing a worker thread's result back to the event loop."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.message_pump import MessagePump
from textual.types import NoActiveAppError


def deliver(node: MessagePump, callback: Callable[..., object], *args: Any,
            **kwargs: Any) -> None:
    """From a worker thread: run `callback(*args, **kwargs)` on the event loop, unless
    `node` has left the app by then (its screen closed, or the app exiting and removing
    widgets): a result that arrives late has nowhere to go, and showing it would query
    widgets that are gone."""
    try:
        app = node.app  # a thread finds the app through the node's parents
    except NoActiveAppError:
        return  # removed already

    def if_attached() -> None:
        if node.is_attached:
            callback(*args, **kwargs)

    app.call_from_thread(if_attached)
