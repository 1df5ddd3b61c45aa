"""The console locks after the account's idle timeout (PCI DSS v4.0 8.2.8; issue 5)."""

from __future__ import annotations

from pathlib import Path

from helpers import ACCOUNT_ID, ROOT_PASSWORD, FakeClock
from textual.widgets import RadioButton
from tui_helpers import wait_for_workers

from iamtui.app import IamApp
from iamtui.screens.main import MainScreen
from iamtui.screens.sign_in import SignInScreen
from iamtui.security.passwords import PasswordPolicy
from iamtui.service import IamService


async def test_idle_console_locks_and_signing_in_again_resumes(tmp_path: Path) -> None:
    clock = FakeClock()
    db, keys = tmp_path / "db.json", tmp_path / "keys"
    svc = IamService.initialize(db, root_password=ROOT_PASSWORD, account_id=ACCOUNT_ID,
                                keys_dir=keys, clock=clock)
    svc.update_account_password_policy(svc.root_principal(), PasswordPolicy(),
                                       idle_session_timeout_minutes=15)
    svc.close()
    app = IamApp(db, keys_dir=keys, clock=clock)
    async with app.run_test(size=(100, 36)) as pilot:
        await pilot.press("ctrl+r", *ROOT_PASSWORD, "enter")  # "Root user", its password
        await wait_for_workers(app)
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)

        clock.advance(minutes=14)
        app.lock_if_idle()
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)  # 14 minutes: still open

        await pilot.press("1")  # activity resets the idle clock
        clock.advance(minutes=14)
        app.lock_if_idle()
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)

        clock.advance(minutes=2)  # 16 minutes since the last key
        app.lock_if_idle()
        await pilot.pause()
        assert isinstance(app.screen, SignInScreen) and app.principal is None
        assert "idle" in str(app.screen.query_one("#sign-in-error").render())

        # the screen comes back with "Root user" chosen, the password field focused
        assert app.screen.query_one("#as-root", RadioButton).value
        await pilot.press(*ROOT_PASSWORD, "enter")
        await wait_for_workers(app)
        await pilot.pause()
        assert isinstance(app.screen, MainScreen) and app.principal is not None
