"""Passwords, MFA and access keys: pure building blocks the service layer calls.

Nothing here touches the store. Time always comes in as a value (`now: datetime`)
or through a `Clock`, so callers (and tests) decide what "now" is.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]
"""A source of the current time; production passes `utc_now`, tests a fixed value."""


def utc_now() -> datetime:
    """The current time as an aware UTC datetime (the default `Clock`)."""
    return datetime.now(UTC)


__all__ = ["Clock", "utc_now"]
