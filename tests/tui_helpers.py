"""Driving the TUI in Pilot tests: typing, waiting for workers, signing in."""

from __future__ import annotations

from helpers import ROOT_PASSWORD
from textual.pilot import Pilot

from screens.main import MainScreen


async def type_text(pilot: Pilot, text: str) -> None:
    """Type `text` key by key (spaces as the space key)."""
    for ch in text:
        await pilot.press(ch if ch != " " else "space")


async def settle(pilot: Pilot) -> None:
    """Wait for the app's workers, then for the screen to catch up."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def sign_in(pilot: Pilot, user: str = "root", password: str = ROOT_PASSWORD) -> None:
    """Sign in through the sign-in screen and land on the main screen."""
    await type_text(pilot, user)
    await pilot.press("enter")
    await type_text(pilot, password)
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, MainScreen)
