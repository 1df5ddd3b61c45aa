"""Account settings from the keyboard: the password policy with AWS's ranges, the PCI DSS
preset, lockout and idle timeout, and the account alias.

IAM User Guide, "Set an account password policy for IAM users" (ranges: length 6-128,
expiry 1-1095 days, reuse 1-24); IAM API Reference, CreateAccountAlias and
DeleteAccountAlias.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import ACCOUNT_ID, ROOT_PASSWORD, FakeClock
from textual.pilot import Pilot
from textual.widgets import Checkbox, Input, Static

from iamtui.app import IamApp
from iamtui.errors import AccessDenied, InvalidInput, NoSuchEntity
from iamtui.security.passwords import pci_dss_policy
from iamtui.service import IamService, Principal
from screens.account_settings import AccountSettingsSection
from screens.main import MainScreen

SIZE = (120, 44)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "db.json"
    IamService.initialize(path, root_password=ROOT_PASSWORD, account_id=ACCOUNT_ID,
                          keys_dir=tmp_path / "keys").close()
    return path


def open_service(db: Path) -> IamService:
    return IamService.open(db, keys_dir=db.parent / "keys")


async def open_settings(pilot: Pilot) -> AccountSettingsSection:
    for key in (*"root", "enter", *ROOT_PASSWORD, "enter"):
        await pilot.press(key)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    assert isinstance(pilot.app.screen, MainScreen)
    await pilot.press("8")
    await pilot.pause()
    return pilot.app.screen.query_one(AccountSettingsSection)


async def test_pci_preset_saved(db: Path) -> None:
    app = IamApp(db, keys_dir=db.parent / "keys", clock=FakeClock())
    async with app.run_test(size=SIZE) as pilot:
        section = await open_settings(pilot)
        assert section.query_one("#minimum_password_length", Input).has_focus
        assert section.query_one("#minimum_password_length", Input).value == "6"
        await pilot.press("f2", "ctrl+s")
        await pilot.pause()
    svc = open_service(db)
    assert svc.get_account_security_settings(svc.root_principal()) == pci_dss_policy()


async def test_out_of_range_is_refused_and_alias_set(db: Path) -> None:
    app = IamApp(db, keys_dir=db.parent / "keys", clock=FakeClock())
    async with app.run_test(size=SIZE) as pilot:
        section = await open_settings(pilot)
        section.query_one("#minimum_password_length", Input).value = "5"
        await pilot.press("ctrl+s")
        await pilot.pause()
        error = str(section.query_one("#settings-error", Static).render())
        assert "minimumPasswordLength" in error
        section.query_one("#minimum_password_length", Input).value = "14"
        section.query_one("#require_symbols", Checkbox).value = True
        section.query_one("#alias", Input).value = "example-corp"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert str(section.query_one("#settings-error", Static).render()) == ""
    svc = open_service(db)
    settings = svc.get_account_security_settings(svc.root_principal())
    assert settings.password_policy is not None
    assert settings.password_policy.minimum_password_length == 14
    assert settings.password_policy.require_symbols
    assert settings.lockout is None and settings.idle_session_timeout_minutes is None
    assert svc.account().alias == "example-corp"


def test_update_account_alias(service: IamService, root: Principal) -> None:
    assert service.update_account_alias(root, "my-corp").alias == "my-corp"
    assert service.account().alias == "my-corp"
    with pytest.raises(InvalidInput):
        service.update_account_alias(root, "123456789012")  # 12 digits: an account ID
    assert service.update_account_alias(root, None).alias is None
    with pytest.raises(NoSuchEntity):
        service.update_account_alias(root, None)
    audited = [(r["eventName"], r.get("errorCode")) for r in service.audit.page(0, 3)]
    assert audited == [("DeleteAccountAlias", "NoSuchEntity"), ("DeleteAccountAlias", None),
                       ("CreateAccountAlias", None)]
    user = service.create_user(root, "mallory")
    with pytest.raises(AccessDenied):
        service.update_account_alias(Principal.for_user(user, ACCOUNT_ID), "mine")
