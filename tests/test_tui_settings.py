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
from rich.cells import cell_len
from textual.pilot import Pilot
from textual.widgets import Checkbox, Input, Label, Static
from tui_helpers import new_store, wait_for_workers

from iamtui.app import IamApp
from iamtui.errors import AccessDenied, InvalidInput, NoSuchEntity
from iamtui.screens.account_settings import AccountSettingsSection
from iamtui.screens.main import MainScreen
from iamtui.screens.modals import ConfirmModal
from iamtui.security.passwords import LockoutSettings, pci_dss_policy
from iamtui.service import IamService, Principal

SIZE = (120, 44)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    new_store(tmp_path).close()
    path = tmp_path / "db.json"
    return path


def open_service(db: Path) -> IamService:
    return IamService.open(db, keys_dir=db.parent / "keys")


async def open_settings(pilot: Pilot) -> AccountSettingsSection:
    for key in ("ctrl+r", *ROOT_PASSWORD, "enter"):
        await pilot.press(key)
    await wait_for_workers(pilot.app)
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
    # the form showed the default lockout (10 attempts, 30 minutes) and saving kept it
    assert settings.lockout == LockoutSettings(10, 30)
    assert settings.idle_session_timeout_minutes is None
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


def screen_text(pilot: Pilot) -> list[str]:
    """The screen as lines of text."""
    return [strip.text for strip in pilot.app.screen._compositor.render_strips()]


async def test_no_policy_note_states_the_default_rules(db: Path) -> None:
    app = IamApp(db, keys_dir=db.parent / "keys", clock=FakeClock())
    async with app.run_test(size=SIZE) as pilot:
        section = await open_settings(pilot)
        note = str(section.query_one("#settings-status", Static).render())
        # what iamtui enforces without a policy (DEFAULT_RULES), not the form's 6
        assert "default rules apply now" in note
        assert "8–128 characters" in note and "at least 3 of" in note
        assert "Saving creates a custom policy with the values below" in note



async def test_a_new_store_shows_the_lockout_in_force(db: Path) -> None:
    """No policy yet, and the lockout is on: the form shows its values, 10 attempts and
    30 minutes, not blanks that read "never" (issue 10, item 3)."""
    app = IamApp(db, keys_dir=db.parent / "keys", clock=FakeClock())
    async with app.run_test(size=SIZE) as pilot:
        section = await open_settings(pilot)
        assert section.query_one("#lockout_threshold", Input).value == "10"
        assert section.query_one("#lockout_minutes", Input).value == "30"

async def test_inputs_sit_beside_their_labels_at_200_columns(db: Path) -> None:
    app = IamApp(db, keys_dir=db.parent / "keys", clock=FakeClock())
    async with app.run_test(size=(200, 50)) as pilot:
        section = await open_settings(pilot)
        rows = list(section.query(".row"))
        assert len(rows) == 7  # six numbers and the alias
        starts = set()
        for row in rows:
            label, field = row.query_one(Label), row.query_one(Input)
            text_end = label.region.x + cell_len(str(label.render()))
            assert 0 < field.region.x - text_end <= 16, str(label.render())
            starts.add(field.region.x)
        assert len(starts) == 1  # one label column, the inputs in line beside it


async def test_every_label_reads_whole_at_80_columns(db: Path) -> None:
    app = IamApp(db, keys_dir=db.parent / "keys", clock=FakeClock())
    async with app.run_test(size=(80, 24)) as pilot:
        section = await open_settings(pilot)
        right = section.content_region.right
        widgets = [*section.query(".row > Label"), *section.query(Checkbox)]
        assert len(widgets) == 13
        for widget in widgets:
            text = str(widget.label if isinstance(widget, Checkbox) else widget.render())
            section.scroll_to_widget(widget, animate=False)
            await pilot.pause()
            line = screen_text(pilot)[widget.region.y]
            assert text in line, (text, line)
            assert widget.region.right <= right
        for field in section.query(".row > Input"):
            assert field.region.right <= right  # the input beside it is in view too


async def test_number_keys_switch_sections_instead_of_editing_a_number(db: Path) -> None:
    """Issue 12, item 2: in Settings, `1` (the Dashboard's key, as the help says) once
    typed itself into "Minimum length", making it 61; ctrl+s saved it. A number field
    takes digits only while edited (enter or e, then esc), the change is marked before
    saving, and leaving the section with it unsaved asks."""
    app = IamApp(db, keys_dir=db.parent / "keys", clock=FakeClock())
    async with app.run_test(size=SIZE) as pilot:
        section = await open_settings(pilot)
        length = section.query_one("#minimum_password_length", Input)
        assert length.has_focus and length.value == "6"
        await pilot.press("1")
        await pilot.pause()
        assert length.value == "6"
        assert app.screen.query_one("#content").current == "dashboard"
        await pilot.press("8")
        await pilot.pause()
        assert length.has_focus
        await pilot.press("enter", "1", "2", "escape")  # edit: 12 replaces the selected 6
        await pilot.pause()
        assert length.value == "12"
        assert section.query_one("#minimum_password_length-label").has_class("-changed")
        assert "Minimum length: 6 → 12" in str(
            section.query_one("#settings-changes", Static).render())
        await pilot.press("3")  # leaving asks: the change is not saved yet
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        assert "Minimum length: 6 → 12" in app.screen.question
        await pilot.press("enter")  # Cancel has the focus: stay
        await pilot.pause()
        assert app.screen.query_one("#content").current == "settings"
        assert length.value == "12"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert str(section.query_one("#settings-changes", Static).render()) == ""
        await pilot.press("3")
        await pilot.pause()
        assert app.screen.query_one("#content").current == "groups"
    svc = open_service(db)
    policy = svc.get_account_password_policy(svc.root_principal())
    svc.close()
    assert policy.minimum_password_length == 12


async def test_section_keys_work_from_a_detail_screen(db: Path) -> None:
    """Issue 12, item 2: the section keys work from every screen, as the help says: from a
    user's detail, `7` goes to the audit log."""
    svc = open_service(db)
    svc.create_user(svc.root_principal(), "alice")
    svc.close()
    app = IamApp(db, keys_dir=db.parent / "keys", clock=FakeClock())
    async with app.run_test(size=SIZE) as pilot:
        await open_settings(pilot)
        await pilot.press("2")
        await wait_for_workers(app)
        await pilot.press("enter")
        await wait_for_workers(app)
        await pilot.pause()
        assert not isinstance(app.screen, MainScreen)
        await pilot.press("7")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert app.screen.query_one("#content").current == "audit"
