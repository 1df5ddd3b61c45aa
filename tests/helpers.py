"""Helpers shared by tests: a hand-driven clock and the test account's constants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

ACCOUNT_ID = "111122223333"
ROOT_PASSWORD = "Sup3r$ecretRoot"


class FakeClock:
    """A clock tests move by hand, so nothing sleeps."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 28, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)
