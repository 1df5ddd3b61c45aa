"""The dashboard from the keyboard: counts, the security checks, a failing check's entities,
fixing one, and the credential report saved as CSV.

The checks follow the IAM console dashboard's security recommendations (IAM User Guide,
"Security best practices in IAM"); the report's columns follow "Generate credential
reports for your AWS account".
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from helpers import FakeClock
from textual.widgets import OptionList
from tui_helpers import new_store, pin_store_folder, settle, sign_in

from iamtui.app import IamApp
from iamtui.screens.dashboard import CredentialReportScreen, Dashboard, FailingEntitiesScreen
from iamtui.screens.modals import FormModal
from iamtui.screens.widgets.resource_table import ResourceTable
from iamtui.security.passwords import PasswordPolicy

SIZE = (120, 36)


@pytest.fixture
def db(tmp_path: Path, clock: FakeClock) -> Path:
    path = tmp_path / "db.json"
    svc = new_store(tmp_path, alias="example", clock=clock)
    root = svc.root_principal()
    for name in ("alice", "bob"):
        svc.create_user(root, name)
    svc.create_group(root, "Admins")
    svc.create_login_profile(root, "alice", "Alic3!Passw0rd#")
    svc.close()
    return path


def make_app(db: Path, clock: FakeClock) -> IamApp:
    return IamApp(db, keys_dir=db.parent / "keys", clock=clock)


def checks_of(app: IamApp) -> dict[str, str]:
    checks = app.screen.query_one("#checks", OptionList)
    return {str(o.id): str(o.prompt).split()[0] for o in checks.options}


async def test_dashboard_counts_and_checks(db: Path, clock: FakeClock) -> None:
    app = make_app(db, clock)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        dash = app.screen.query_one(Dashboard)
        counts = str(dash.query_one("#counts").render())
        assert "Users 2" in counts and "Groups 1" in counts and "Roles 0" in counts
        # the account, as the IAM console's dashboard shows it: its ID and alias
        assert "Account 111122223333   Alias example" in counts
        checks = checks_of(app)
        assert checks["root-mfa"] == "FAIL"
        assert checks["users-mfa"] == "FAIL"  # alice has a password and no MFA
        assert checks["password-policy"] == "FAIL"
        assert checks["root-access-keys"] == "PASS"
        # the root user is told to step aside
        assert dash.query_one("#root-advice").display


async def test_a_refused_security_status_is_said_in_place_without_a_toast(
        db: Path, clock: FakeClock) -> None:
    """A user allowed the account summary but not what the checks name (the credential
    report, every principal's policies) sees the counts, and in place of the checks one
    line saying what it may not read: no error toast, which would follow it to the next
    screen (the refused tables say it the same way)."""
    import json

    from iamtui.service import IamService

    svc = IamService.open(db, keys_dir=db.parent / "keys", clock=clock)
    root = svc.root_principal()
    svc.put_user_policy(root, "alice", "summary", json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*",
                                                 "Action": ["iam:GetAccountSummary",
                                                            "iam:ListUsers"]}]}))
    svc.close()
    app = make_app(db, clock)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "alice", "Alic3!Passw0rd#")
        dash = app.screen.query_one(Dashboard)
        assert "Users 2" in str(dash.query_one("#counts").render())
        checks = app.screen.query_one("#checks", OptionList)
        assert [str(o.prompt) for o in checks.options] == [
            "Not allowed to read the security status (iam:GetAccountSummary, "
            "iam:GetCredentialReport, iam:GetAccountAuthorizationDetails)."]
        assert not app._notifications


async def test_failing_check_lists_entities_and_fixing_it_passes(db: Path,
                                                                 clock: FakeClock) -> None:
    app = make_app(db, clock)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await pilot.press("1")  # the dashboard, its checks table focused
        checks = app.screen.query_one("#checks", OptionList)
        assert checks.has_focus
        checks.highlighted = checks.get_option_index("users-mfa")
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, FailingEntitiesScreen)
        names = [r.cells[1] for r in screen.query_one(ResourceTable).rows]
        assert names == ["alice"]
        await pilot.press("escape")
        await pilot.pause()
        # fix another check behind the app's back, then refresh with r
        app.service.update_account_password_policy(  # type: ignore[union-attr]
            app.principal, PasswordPolicy(minimum_password_length=14))
        await pilot.press("r")
        await settle(pilot)
        assert checks_of(app)["password-policy"] == "PASS"


async def test_credential_report_saved_as_csv(db: Path, clock: FakeClock,
                                              tmp_path: Path) -> None:
    app = make_app(db, clock)
    target = tmp_path / "out" / "report.csv"
    target.parent.mkdir()
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await pilot.press("1", "c")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CredentialReportScreen)
        users = [r.key for r in screen.query_one(ResourceTable).rows]
        assert users == ["<root_account>", "alice", "bob"]
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, FormModal)
        app.screen.query_one("#field-path").value = str(target)  # type: ignore[attr-defined]
        await pilot.press("enter")
        await pilot.pause()
    with target.open(newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0][:3] == ["user", "arn", "user_creation_time"]
    assert [r[0] for r in rows[1:]] == ["<root_account>", "alice", "bob"]


def test_dashboard_snapshot(db: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch,
                            snap_compare: Any) -> None:
    pin_store_folder(monkeypatch, db.parent)
    assert snap_compare(make_app(db, clock), terminal_size=SIZE, run_before=sign_in)
