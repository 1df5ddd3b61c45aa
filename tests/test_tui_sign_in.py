"""The sign-in screen from the keyboard: root user or IAM user chosen explicitly (issue 10,
item 4), a locked account answered like a wrong password (item 3), and the MFA step asked
for, not counted, when no code is typed (item 12).

AWS Sign-In User Guide, "Determine your user type" and "How to sign in to AWS": the
sign-in page asks "Root user" (the root user's credentials) or "IAM user" (account ID
or alias, user name, password).
https://docs.aws.amazon.com/signin/latest/userguide/user-types-list.html
https://docs.aws.amazon.com/signin/latest/userguide/how-to-sign-in.html
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import ACCOUNT_ID, ROOT_PASSWORD, FakeClock
from textual.pilot import Pilot
from textual.widgets import Input, Static
from tui_helpers import new_store, type_text

from iamtui.app import IamApp
from iamtui.screens.main import MainScreen
from iamtui.screens.modals import ConfirmModal
from iamtui.screens.sign_in import Choice, SignInScreen
from iamtui.security import mfa
from iamtui.security.passwords import PasswordPolicy
from iamtui.service import IamService
from iamtui.service.signin import GENERIC_FAILURE
from iamtui.service.tables import LOGIN_PROFILES

PASSWORD = "Us3r!Passw0rd#"


async def wait_for(pilot: Pilot, condition: Callable[[], bool], what: str,
                   ceiling: float = 20.0) -> None:
    """Poll until `condition` holds (a busy machine is slow, never wrong), or fail."""
    deadline = time.monotonic() + ceiling
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        await pilot.pause(0.02)


def error_text(app: IamApp) -> str:
    return str(app.screen.query_one("#sign-in-error", Static).render())


async def wait_for_answer(pilot: Pilot) -> None:
    """Until the sign-in worker has answered: signed in, or a message other than the
    one shown while it works."""
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, MainScreen) or (
        isinstance(app.screen, SignInScreen) and "Signing in" not in error_text(app)),
        "the sign-in's answer")


def shown(app: IamApp, selector: str) -> bool:
    return app.screen.query_one(selector).display


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def db(tmp_path: Path, clock: FakeClock) -> Path:
    """A store with an IAM user named "root" (its own password) and alice."""
    svc = new_store(tmp_path, alias="example", clock=clock)
    root = svc.root_principal()
    for name in ("root", "alice"):
        svc.create_user(root, name)
        svc.create_login_profile(root, name, PASSWORD)
    svc.close()
    return tmp_path / "db.json"


def make_app(db: Path, clock: FakeClock) -> IamApp:
    return IamApp(db, keys_dir=db.parent / "keys", clock=clock)


def open_service(db: Path, clock: FakeClock) -> IamService:
    return IamService.open(db, keys_dir=db.parent / "keys", clock=clock)


async def test_an_iam_user_named_root_signs_in_as_that_user(db: Path, clock: FakeClock) -> None:
    """"IAM user" is chosen at first; the user name "root" is the IAM user of that name,
    with its own password, never the root user."""
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.screen.query_one("#as-user", Choice).value
        assert app.screen.query_one("#user", Input).has_focus
        await type_text(pilot, "root")
        await pilot.press("enter")
        await type_text(pilot, ROOT_PASSWORD)  # the root user's password is not this user's
        await pilot.press("enter")
        await wait_for_answer(pilot)
        assert error_text(app) == GENERIC_FAILURE
        await type_text(pilot, PASSWORD)
        await pilot.press("enter")
        await wait_for_answer(pilot)
        assert isinstance(app.screen, MainScreen)
        assert app.principal is not None and not app.principal.is_root
        assert app.principal.arn == f"arn:aws:iam::{ACCOUNT_ID}:user/root"


async def test_ctrl_r_chooses_the_root_user(db: Path, clock: FakeClock) -> None:
    """ctrl+r chooses "Root user": the user name goes away, the password is the root
    user's, and the IAM user root's password does not open it."""
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: app.screen.query_one("#password", Input).has_focus,
                       "the password field")
        assert app.screen.query_one("#as-root", Choice).value
        assert not shown(app, "#user")
        assert "Root user password" in str(app.screen.query_one("#password-label").render())
        await type_text(pilot, PASSWORD)
        await pilot.press("enter")
        await wait_for_answer(pilot)
        assert error_text(app) == GENERIC_FAILURE
        await type_text(pilot, ROOT_PASSWORD)
        await pilot.press("enter")
        await wait_for_answer(pilot)
        assert isinstance(app.screen, MainScreen)
        assert app.principal is not None and app.principal.is_root


async def test_the_choice_works_from_the_radio_set(db: Path, clock: FakeClock) -> None:
    """The choice is in the tab order: shift+tab reaches it, arrows and space choose, and
    choosing again starts over (no password carried from one to the other)."""
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_text(pilot, "alice")
        await pilot.press("enter")
        await type_text(pilot, "half-typed")
        await pilot.press("shift+tab", "shift+tab", "shift+tab")
        await wait_for(pilot, lambda: app.screen.query_one("#who").has_focus, "the choice")
        await pilot.press("right", "space")
        await wait_for(pilot, lambda: app.screen.query_one("#as-root", Choice).value,
                       "Root user chosen")
        assert not shown(app, "#user")
        assert app.screen.query_one("#password", Input).value == ""
        await pilot.press("tab", "tab")  # the account, then the password
        await type_text(pilot, ROOT_PASSWORD)
        await pilot.press("enter")
        await wait_for_answer(pilot)
        assert app.principal is not None and app.principal.is_root


@pytest.mark.parametrize("as_root", [False, True])
async def test_the_sign_in_fits_80_by_24_with_the_mfa_step(tmp_path: Path, clock: FakeClock,
                                                           as_root: bool) -> None:
    """Either choice, at the MFA step (the tallest common form), fits an 80x24 terminal:
    every field, the message and the button inside the screen, above the footer."""
    svc = new_store(tmp_path, alias="example", clock=clock)
    root = svc.root_principal()
    svc.create_user(root, "alice")
    svc.create_login_profile(root, "alice", PASSWORD)
    new = svc.create_virtual_mfa_device(root, "phone")
    step = mfa.time_step(clock())
    svc.enable_mfa_device(root, None if as_root else "alice", new.device.serial_number,
                          mfa.code_at(new.base32_seed, step - 1),
                          mfa.code_at(new.base32_seed, step))
    svc.close()
    app = make_app(tmp_path / "db.json", clock)
    async with app.run_test(size=(80, 24)) as pilot:
        if as_root:
            await pilot.press("ctrl+r", *ROOT_PASSWORD, "enter")
        else:
            await pilot.press(*"alice", "enter", *PASSWORD, "enter")
        await wait_for(pilot, lambda: app.screen.query_one("#totp", Input).has_focus,
                       "the MFA step")
        footer_top = app.screen.query_one("Footer").region.y
        for selector in ("#who", "#account", "#password", "#totp", "#sign-in-error",
                         "#sign-in-button", *([] if as_root else ["#user"])):
            region = app.screen.query_one(selector).region
            assert region.height > 0 and region.bottom <= footer_top, selector


async def test_a_locked_account_is_answered_like_a_wrong_password(db: Path,
                                                                  clock: FakeClock) -> None:
    """After the default lockout's 10 failures the right password gets the same answer
    as a wrong one, and as an unknown user name (issue 10, item 3)."""
    svc = open_service(db, clock)
    for _ in range(10):
        with pytest.raises(Exception, match="authentication information is incorrect"):
            svc.sign_in(ACCOUNT_ID, "alice", "Wrong-Passw0rd")
    svc.close()
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        answers = []
        for user, password in (("alice", PASSWORD), ("mallory", PASSWORD)):
            app.screen.query_one("#user", Input).value = ""
            app.screen.query_one("#user", Input).focus()
            await type_text(pilot, user)
            await pilot.press("enter")
            await type_text(pilot, password)
            await pilot.press("enter")
            await wait_for_answer(pilot)
            assert isinstance(app.screen, SignInScreen)
            answers.append(error_text(app))
        assert answers == [GENERIC_FAILURE, GENERIC_FAILURE]


async def test_no_mfa_code_asks_for_it_and_is_not_counted(db: Path, clock: FakeClock) -> None:
    """The right password, MFA enrolled, no code: the MFA step appears, and submitting it
    empty (or blank) any number of times asks again without counting a failure, so it
    never locks the account (issue 10, item 12)."""
    svc = open_service(db, clock)
    new = svc.create_virtual_mfa_device(svc.root_principal(), "alice-phone")
    step = mfa.time_step(clock())
    svc.enable_mfa_device(svc.root_principal(), "alice", new.device.serial_number,
                          mfa.code_at(new.base32_seed, step - 1),
                          mfa.code_at(new.base32_seed, step))
    svc.close()
    clock.advance(minutes=1)
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"alice", "enter", *PASSWORD, "enter")
        await wait_for(pilot, lambda: app.screen.query_one("#totp", Input).has_focus,
                       "the MFA step")
        for typed in ("", " ") * 6:  # 12 tries: more than the default lockout's 10
            app.screen.query_one("#totp", Input).value = typed
            await pilot.press("enter")
            await wait_for_answer(pilot)
            assert "Enter the code" in error_text(app)
            assert app.screen.query_one("#totp", Input).has_focus
        app.screen.query_one("#totp", Input).value = ""
        await pilot.press(*mfa.code_at(new.base32_seed, mfa.time_step(clock())), "enter")
        await wait_for_answer(pilot)
        assert isinstance(app.screen, MainScreen)
    svc = open_service(db, clock)
    profile = LOGIN_PROFILES.get(svc.store.snapshot(), "alice")
    svc.close()
    assert profile is not None and profile.failed_attempts == 0


async def test_first_run_administrator_named_root_is_an_iam_user(tmp_path: Path) -> None:
    """The first run's administrator may be called root, as in AWS; afterwards it signs in
    as that IAM user and the root user keeps its own sign-in."""
    app = IamApp(tmp_path / "db.json", keys_dir=tmp_path / "keys")
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press(*ACCOUNT_ID, "enter", "enter", *ROOT_PASSWORD, "enter",
                          *ROOT_PASSWORD, "enter")
        await wait_for(pilot, lambda: bool(app.screen.query("#field-name")),
                       "the administrator form")
        name = app.screen.query_one("#field-name", Input)
        name.value = ""
        name.focus()
        await pilot.press(*"root", "enter", *PASSWORD, "enter", *PASSWORD, "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal), "the MFA offer")
        await pilot.press("enter")  # "Cancel" has the focus: no root MFA now
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen), "the main screen")
        assert app.principal is not None and app.principal.is_root
    svc = IamService.open(tmp_path / "db.json", keys_dir=tmp_path / "keys")
    try:
        signed_in = svc.sign_in(ACCOUNT_ID, "root", PASSWORD)
        assert signed_in.arn == f"arn:aws:iam::{ACCOUNT_ID}:user/root"
        assert svc.sign_in_root(ACCOUNT_ID, ROOT_PASSWORD).is_root
    finally:
        svc.close()


async def test_the_sign_in_worker_ends_before_its_screen_goes(
        db: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cause of WorkerCancelled at sign-in on a busy machine (issue 12): the worker
    dismissed its own screen, and a screen that goes cancels the workers still on it.
    The worker must end (SUCCESS) before the screen is dismissed, never be cancelled."""
    from textual.worker import Worker

    cancelled: list[str | None] = []
    original = Worker.cancel

    def recording_cancel(self: Worker[object]) -> None:
        cancelled.append(self.group)
        original(self)

    monkeypatch.setattr(Worker, "cancel", recording_cancel)
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_text(pilot, "alice")
        await pilot.press("enter")
        await type_text(pilot, PASSWORD)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen), "the main screen")
    assert [g for g in cancelled if g in ("sign-in", "default")] == []


async def test_a_forced_change_with_mfa_checks_both_factors_then_asks(
        db: Path, clock: FakeClock) -> None:
    """Issue 12, item 5: reset required and MFA enrolled: password, enter, code, enter;
    only then the new password (twice, one enter each), and the user is in. The new
    password fields stay hidden until both factors are right."""
    svc = open_service(db, clock)
    root = svc.root_principal()
    new = svc.create_virtual_mfa_device(root, "alice-phone")
    step = mfa.time_step(clock())
    svc.enable_mfa_device(root, "alice", new.device.serial_number,
                          mfa.code_at(new.base32_seed, step - 1),
                          mfa.code_at(new.base32_seed, step))
    svc.update_login_profile(root, "alice", password_reset_required=True)
    svc.update_account_password_policy(root, PasswordPolicy(allow_users_to_change_password=True))
    svc.close()
    clock.advance(minutes=1)
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"alice", "enter", *PASSWORD, "enter")
        await wait_for(pilot, lambda: app.screen.query_one("#totp", Input).has_focus,
                       "the MFA step")
        assert not shown(app, "#new-password")
        await pilot.press(*mfa.code_at(new.base32_seed, mfa.time_step(clock())), "enter")
        await wait_for(pilot, lambda: app.screen.query_one("#new-password", Input).has_focus,
                       "the new password")
        await pilot.press(*"N3w!Passw0rd#x", "enter", *"N3w!Passw0rd#x", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen), "the main screen")
        assert app.principal is not None and app.principal.mfa_authenticated_at is not None
