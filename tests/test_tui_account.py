"""The account menu from the keyboard (issue 12): sign out and switch user leave nothing of
the session behind; switch role acts as the role session until "back to user" or its
expiry.

AWS pages followed:
- IAM User Guide, "Switch from a user to an IAM role (console)": the console acts as the
  role session, shows the role in the header, and "Switch back" returns to the user.
  https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_switch-role-console.html
- STS API Reference, AssumeRole: SerialNumber and TokenCode when the trust policy asks for
  aws:MultiFactorAuthPresent; credentials end at Expiration.
  https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html
"""

from __future__ import annotations

import json
import time
import weakref
from datetime import timedelta
from pathlib import Path
from typing import Any

import pyotp
import pytest
from helpers import ACCOUNT_ID, FakeClock
from textual.pilot import Pilot
from textual.widgets import Input, Static
from tui_helpers import collected, new_store, pin_store_folder, settle, sign_in, type_text

from iamtui.app import IamApp
from iamtui.screens.main import MainScreen
from iamtui.screens.modals import FormModal
from iamtui.screens.my_credentials import MyCredentialsScreen
from iamtui.screens.sign_in import SignInScreen
from iamtui.screens.widgets.status_line import StatusLine
from iamtui.security import mfa

PASSWORD = "Alic3!Passw0rd#"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT_ID}:role/Auditor"
SEED = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def trust(mfa_required: bool = False) -> str:
    """A trust policy naming the account (so alice's own policy must allow too)."""
    statement: dict[str, object] = {
        "Effect": "Allow", "Action": "sts:AssumeRole",
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}}
    if mfa_required:
        statement["Condition"] = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def allow(*actions: str, resource: str = "*") -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": list(actions), "Resource": resource}]})


@pytest.fixture
def db(tmp_path: Path, clock: FakeClock) -> Path:
    """alice may assume Auditor (which may list users, not groups) and list groups herself;
    bob exists so that a listing shows whom it is for."""
    svc = new_store(tmp_path, clock=clock)
    root = svc.root_principal()
    for name in ("alice", "bob"):
        svc.create_user(root, name)
        svc.create_login_profile(root, name, PASSWORD)
    svc.put_user_policy(root, "alice", "AssumeAndListGroups",
                        allow("sts:AssumeRole", "iam:ListGroups", "iam:ListMFADevices"))
    svc.create_role(root, "Auditor", trust())
    svc.put_role_policy(root, "Auditor", "ListUsers", allow("iam:ListUsers"))
    svc.create_role(root, "Guarded", trust(mfa_required=True))
    svc.close()
    return tmp_path / "db.json"


def make_app(db: Path, clock: FakeClock) -> IamApp:
    return IamApp(db, keys_dir=db.parent / "keys", clock=clock)


async def wait_until(pilot: Pilot, condition: object, ceiling: float = 30.0) -> None:
    """Wait (settling the app) until `condition()` holds."""
    deadline = time.monotonic() + ceiling
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition not reached"
        await settle(pilot)


def status(app: IamApp) -> str:
    return str(app.screen.query_one(StatusLine).render())


async def test_sign_out_leaves_nothing_of_the_session(db: Path, clock: FakeClock) -> None:
    app = make_app(db, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "alice", PASSWORD)
        old_principal = weakref.ref(app.principal)
        old_main = weakref.ref(app.screen)
        await pilot.press("3")  # the groups section reads rows as alice
        await settle(pilot)
        app.notify("a toast of alice's session")

        await pilot.press("ctrl+o")
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen)
        assert app.principal is None and app.switched is None and not app.signed_in
        assert [type(s).__name__ for s in app.screen_stack[1:]] == ["SignInScreen"]
        assert not app._notifications  # no toast of the session stays
        assert "Signed out" in str(app.screen.query_one("#sign-in-error", Static).render())
        # the old worker threads end once idle: wait for them, then nothing is left
        await wait_until(pilot, lambda: collected(old_principal, old_main))

        await sign_in(pilot, "bob", PASSWORD)  # a new main screen, for bob
        assert app.principal.name == "bob" and app.screen is not old_main()
        assert "user bob" in status(app)


async def test_switch_user_from_the_palette(db: Path, clock: FakeClock) -> None:
    app = make_app(db, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "alice", PASSWORD)
        await pilot.press("ctrl+p")
        await type_text(pilot, "switch user")
        await settle(pilot)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, SignInScreen))
        assert app.principal is None
        assert app.screen.query_one("#user", Input).value == ""  # nothing of alice's
        await sign_in(pilot, "bob", PASSWORD)
        assert app.principal.name == "bob"


async def switch_role(pilot: Pilot, role: str, code: str = "") -> None:
    await pilot.press("ctrl+t")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, FormModal))
    await type_text(pilot, role)
    await pilot.press("enter", "enter", "enter")  # session name and duration as offered
    await type_text(pilot, code)
    await pilot.press("enter")
    await settle(pilot)


async def test_switch_role_acts_as_the_session_then_back_to_user(
        db: Path, clock: FakeClock) -> None:
    app = make_app(db, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "alice", PASSWORD)
        user_main = weakref.ref(app.screen)
        await switch_role(pilot, "Auditor")
        await wait_until(pilot, lambda: app.switched is not None)
        assert isinstance(app.screen, MainScreen) and app.screen is not user_main()
        assert app.principal.kind == "assumed-role"
        assert app.principal.arn == f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/Auditor/alice"
        assert app.switched.expiration == (clock.now + timedelta(hours=1)).replace(
            microsecond=0)
        assert status(app).startswith(" role Auditor/alice (no MFA) until 13:00 UTC · "
                                      "account 111122223333")

        # every screen acts as the session: the role may list users, not groups
        await pilot.press("2")
        await wait_until(pilot, lambda: app.screen.query_one("#users").table.row_count == 2)
        await pilot.press("3")
        await settle(pilot)
        assert app.screen.query_one("#groups").table.row_count == 0
        assert any("iam:ListGroups" in str(n.message) and "assumed-role/Auditor/alice"
                   in str(n.message) for n in app._notifications)

        await pilot.press("ctrl+t")  # back to user
        await wait_until(pilot, lambda: app.switched is None)
        assert app.principal.kind == "user" and app.principal.name == "alice"
        assert status(app).startswith(" user alice (no MFA) · account")


async def test_a_role_alice_may_not_assume_is_refused_in_the_form(
        db: Path, clock: FakeClock) -> None:
    app = make_app(db, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "bob", PASSWORD)  # bob has no policy allowing sts:AssumeRole
        await switch_role(pilot, "Auditor")
        assert isinstance(app.screen, FormModal) and app.switched is None
        error = str(app.screen.query_one("#form-error", Static).render())
        assert "Access denied" in error and "sts:AssumeRole" in error
        assert app.principal.kind == "user"


async def test_a_role_whose_trust_requires_mfa_asks_for_a_code(
        db: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mfa, "new_seed", lambda: SEED)
    app = make_app(db, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "alice", PASSWORD)  # no device yet: a session without MFA
        svc, root, totp = app.service, app.service.root_principal(), pyotp.TOTP(SEED)
        new = svc.create_virtual_mfa_device(root, "alice")  # assigned meanwhile
        svc.enable_mfa_device(root, "alice", new.device.serial_number,
                              totp.at(clock.now - timedelta(seconds=30)), totp.at(clock.now))
        clock.advance(minutes=1)

        await switch_role(pilot, "Guarded")
        error = str(app.screen.query_one("#form-error", Static).render())
        assert "requires MFA, enter a code" in error and app.switched is None
        app.screen.query_one("#field-mfa", Input).value = totp.at(clock.now)
        await pilot.click("#submit")
        await wait_until(pilot, lambda: app.switched is not None)
        assert app.principal.name == "Guarded" and app.principal.mfa_authenticated_at


async def test_an_expired_role_session_returns_to_the_user(db: Path, clock: FakeClock) -> None:
    app = make_app(db, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "alice", PASSWORD)
        await switch_role(pilot, "Auditor")
        await wait_until(pilot, lambda: app.switched is not None)
        clock.advance(minutes=59)
        app.end_role_if_expired()
        assert app.switched is not None
        clock.advance(minutes=1)
        app.end_role_if_expired()
        await settle(pilot)
        assert app.switched is None and app.principal.name == "alice"
        assert isinstance(app.screen, MainScreen)
        assert any("expired" in str(n.message) for n in app._notifications)


async def test_signing_out_in_a_role_ends_the_role_too(db: Path, clock: FakeClock) -> None:
    app = make_app(db, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "alice", PASSWORD)
        await switch_role(pilot, "Auditor")
        await wait_until(pilot, lambda: app.switched is not None)
        role_session = weakref.ref(app.principal)
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen) and app.switched is None
        await wait_until(pilot, lambda: collected(role_session))
        await sign_in(pilot, "alice", PASSWORD)
        assert app.principal.kind == "user" and app.switched is None


async def test_palette_offers_the_account_menu(db: Path, clock: FakeClock) -> None:
    app = make_app(db, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "alice", PASSWORD)
        await pilot.press("ctrl+p")
        await type_text(pilot, "my security")
        await settle(pilot)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, MyCredentialsScreen))
        await pilot.press("escape")
        await settle(pilot)
        await switch_role(pilot, "Auditor")
        await wait_until(pilot, lambda: app.switched is not None)
        await pilot.press("ctrl+p")  # "back to user" is offered in a role
        await type_text(pilot, "back to user")
        await settle(pilot)
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.switched is None)
        assert app.principal.kind == "user"


async def test_root_may_not_switch_role(db: Path, clock: FakeClock) -> None:
    app = make_app(db, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot)
        await pilot.press("ctrl+t")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)  # AWS: roles may not be assumed by root


def _pin(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pin_store_folder(monkeypatch, db.parent, "/srv")


def test_switch_role_form_snapshot_80x24(db: Path, clock: FakeClock, snap_compare: Any,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    _pin(db, monkeypatch)

    async def run_before(pilot: Pilot) -> None:
        await sign_in(pilot, "alice", PASSWORD)
        pilot.app.clear_notifications()  # the dashboard's toasts would cover the form
        await pilot.press("ctrl+t")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, FormModal))
        await type_text(pilot, "Auditor")
        for field in pilot.app.screen.query(Input).results(Input):
            field.cursor_blink = False
        await settle(pilot)

    assert snap_compare(make_app(db, clock), terminal_size=(80, 24), run_before=run_before)


def test_header_in_a_switched_role_snapshot_80x24(
        db: Path, clock: FakeClock, snap_compare: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    _pin(db, monkeypatch)

    async def run_before(pilot: Pilot) -> None:
        await sign_in(pilot, "alice", PASSWORD)
        await switch_role(pilot, "Auditor")
        await wait_until(pilot, lambda: pilot.app.switched is not None)
        pilot.app.clear_notifications()  # the toast would hide the header's end
        await pilot.press("2")
        await settle(pilot)

    assert snap_compare(make_app(db, clock), terminal_size=(80, 24), run_before=run_before)
