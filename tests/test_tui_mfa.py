"""MFA from the keyboard: enroll a virtual device from the dashboard's failing check with
two consecutive codes computed from the seed the modal shows, under an injected clock;
resync and deactivate from the devices screen; leaving early leaves nothing behind.

IAM User Guide, "Assign a virtual MFA device in the AWS Management Console" (two
consecutive codes); IAM API Reference, EnableMFADevice, ResyncMFADevice,
DeactivateMFADevice.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pyotp
import pytest
from helpers import ACCOUNT_ID, FakeClock
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Static
from tui_helpers import new_store, pin_store_folder, settle, sign_in

import iamtui.security.mfa as mfa_module
from iamtui.app import IamApp
from iamtui.screens.dashboard import FailingEntitiesScreen
from iamtui.screens.main import MainScreen
from iamtui.screens.mfa_enroll import MfaDevicesScreen, MfaEnrollModal, qr_for_height
from iamtui.screens.modals import ConfirmModal, FormModal
from iamtui.screens.widgets.resource_table import ResourceTable
from iamtui.service import IamService

FIXED_SEED = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture
def db(tmp_path: Path, clock: FakeClock) -> Path:
    path = tmp_path / "db.json"
    svc = new_store(tmp_path, alias="example", clock=clock)
    root = svc.root_principal()
    svc.create_user(root, "alice")
    svc.create_login_profile(root, "alice", "Alic3!Passw0rd#")
    svc.close()
    return path


def make_app(db: Path, clock: FakeClock) -> IamApp:
    return IamApp(db, keys_dir=db.parent / "keys", clock=clock)


def service(db: Path, clock: FakeClock) -> IamService:
    return IamService.open(db, keys_dir=db.parent / "keys", clock=clock)


async def type_codes(pilot: Pilot, seed: str, clock: FakeClock) -> None:
    totp = pyotp.TOTP(seed)
    await pilot.press(*totp.at(clock.now - timedelta(seconds=30)), "enter")
    await pilot.press(*totp.at(clock.now), "enter")
    await pilot.pause()


async def test_enroll_from_the_dashboard_fixes_the_check(db: Path, clock: FakeClock) -> None:
    app = make_app(db, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot)
        checks = app.screen.query_one("#checks", OptionList)
        checks.highlighted = checks.get_option_index("users-mfa")
        checks.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, FailingEntitiesScreen)
        await pilot.press("m")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, MfaEnrollModal)
        seed = str(modal.query_one("#seed", Static).render()).replace(" ", "")
        assert len(seed) == 32
        qr = str(modal.query_one("#qr", Static).render())
        assert "▀" in qr or "▄" in qr
        # a wrong pair first: refused, the modal stays
        await pilot.press(*"123456", "enter", *"654321", "enter")
        await pilot.pause()
        assert "InvalidAuthenticationCode" in str(modal.query_one("#mfa-error").render())
        for field in modal.query(Input).results(Input):
            field.value = ""
        modal.query_one("#code1", Input).focus()
        await type_codes(pilot, seed, clock)
        assigned = str(modal.query_one("#assigned", Static).render())
        assert "Assigned" in assigned and f"arn:aws:iam::{ACCOUNT_ID}:mfa/alice" in assigned
        assert not modal.query_one("#qr").display  # the secret is not left on screen
        await pilot.press("enter")  # Done
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        states = {str(o.id): str(o.prompt).split()[0]
                  for o in app.screen.query_one("#checks", OptionList).options}
        assert states["users-mfa"] == "PASS"
    svc = service(db, clock)
    devices = svc.list_mfa_devices(svc.root_principal(), "alice")
    assert [d.serial_number for d in devices] == [f"arn:aws:iam::{ACCOUNT_ID}:mfa/alice"]


async def test_cancel_leaves_no_device(db: Path, clock: FakeClock) -> None:
    app = make_app(db, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot)
        app.push_screen(MfaEnrollModal("alice"))
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
    svc = service(db, clock)
    assert svc.list_virtual_mfa_devices(svc.root_principal()) == []


async def test_resync_and_deactivate(db: Path, clock: FakeClock) -> None:
    svc = service(db, clock)
    root = svc.root_principal()
    new = svc.create_virtual_mfa_device(root, "alice")
    totp = pyotp.TOTP(new.base32_seed)
    svc.enable_mfa_device(root, "alice", new.device.serial_number,
                          totp.at(clock.now - timedelta(seconds=30)), totp.at(clock.now))
    svc.close()
    app = make_app(db, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot)
        app.push_screen(MfaDevicesScreen("alice"))
        await pilot.pause()
        table = app.screen.query_one(ResourceTable)
        assert [r.key for r in table.rows] == [new.device.serial_number]
        clock.advance(minutes=10)  # the device's clock runs 5 minutes behind
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, FormModal)
        behind = clock.now - timedelta(minutes=5)
        await pilot.press(*totp.at(behind - timedelta(seconds=30)), "enter",
                          *totp.at(behind), "enter")
        await pilot.pause()
        assert isinstance(app.screen, MfaDevicesScreen)
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("shift+tab", "enter")  # focus starts on Cancel: go to Deactivate
        await pilot.pause()
        assert isinstance(app.screen, MfaDevicesScreen)
        assert app.screen.query_one(ResourceTable).rows == []
    svc = service(db, clock)
    assert svc.list_mfa_devices(svc.root_principal(), "alice") == []
    from iamtui.service.mfa_devices import DRIFT_META

    assert new.device.serial_number not in svc.store.snapshot().meta.get(DRIFT_META, {})


def test_qr_fits_24_rows() -> None:
    """At 80×24 the code keeps a 2-module quiet zone and fits; taller terminals get 4."""
    uri = (f"otpauth://totp/iamtui:alice@{ACCOUNT_ID}?secret={FIXED_SEED}&issuer=iamtui"
           "&algorithm=SHA1&digits=6&period=30")
    small, large = qr_for_height(uri, 24), qr_for_height(uri, 40)
    assert len(small.split("\n")) <= 24 and len(small.split("\n")[0]) <= 80 - 34
    assert len(large.split("\n")) == 25 and len(large.split("\n")[0]) == 49


def test_mfa_modal_snapshot(db: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch,
                            snap_compare: Any) -> None:
    monkeypatch.setattr(mfa_module, "new_seed", lambda: FIXED_SEED)
    pin_store_folder(monkeypatch, db.parent)

    async def enroll(pilot: Pilot) -> None:
        await sign_in(pilot)
        pilot.app.push_screen(MfaEnrollModal("alice"))
        await pilot.pause()
        for field in pilot.app.screen.query(Input).results(Input):
            field.cursor_blink = False

    assert snap_compare(make_app(db, clock), terminal_size=(80, 24), run_before=enroll)


async def test_palette_opens_a_users_mfa_devices(db: Path, clock: FakeClock) -> None:
    app = make_app(db, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"MFA devices of alice")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, MfaDevicesScreen) and screen.user_name == "alice"


async def test_assign_resync_and_deactivate_from_the_credentials_tab(
        db: Path, clock: FakeClock) -> None:
    """Issue 6: MFA is assigned, resynced and deactivated from the user's Security
    credentials tab, beside the password and the access keys."""
    from iamtui.screens.user_detail import CredentialsPane, UserDetailScreen

    app = make_app(db, clock)
    said: list[str] = []
    notify = app.notify
    app.notify = lambda message, **kw: (said.append(str(message)), notify(message, **kw))[1]
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(pilot)
        app.push_screen(UserDetailScreen("alice"))
        await settle(pilot)
        app.screen.action_tab(1)  # Permissions
        app.screen.action_tab(1)  # Groups
        app.screen.action_tab(1)  # Security credentials
        await settle(pilot)
        pane = app.screen.query_one(CredentialsPane)
        pane.table.focus()
        await pilot.press("m")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, MfaEnrollModal)
        seed = str(modal.query_one("#seed", Static).render()).replace(" ", "")
        await type_codes(pilot, seed, clock)
        await pilot.press("enter")  # Done
        await settle(pilot)
        serial = f"arn:aws:iam::{ACCOUNT_ID}:mfa/alice"
        assert f"mfa:{serial}" in [r.key for r in pane.table.rows]

        assert pane.table.move_to(f"mfa:{serial}")
        clock.advance(seconds=90)
        await pilot.press("x")  # resync with the next two codes
        await pilot.pause()
        assert isinstance(app.screen, FormModal)
        totp = pyotp.TOTP(seed)
        await pilot.press(*totp.at(clock.now - timedelta(seconds=30)), "enter",
                          *totp.at(clock.now), "enter")
        await settle(pilot)
        assert f"Resynchronized {serial}" in said

        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("shift+tab", "enter")  # Deactivate
        await settle(pilot)
        assert not any(r.key.startswith("mfa:") for r in pane.table.rows)
    svc = service(db, clock)
    assert svc.list_mfa_devices(svc.root_principal(), "alice") == []
