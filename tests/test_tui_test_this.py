""""Test this" (issue 12): `T` on a user, group or role (in its table or its detail)
opens the tester with it as the subject; on a managed policy, with the policy's default
version as a custom policy. Who-can lists the denied too, each with the engine's reason
(IAM User Guide, "Policy evaluation logic": an explicit deny overrides any allow, an
allow outside the permissions boundary does not count, and with no allowing statement
the request is implicitly denied)."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import ACCOUNT_ID, ROOT_PASSWORD
from textual.widgets import Input, SelectionList
from tui_helpers import new_store, settle, type_text

from iamtui.app import IamApp
from iamtui.screens.main import MainScreen
from iamtui.screens.tester import TesterSection, WhoCanScreen
from iamtui.screens.user_detail import UserDetailScreen
from iamtui.screens.widgets.resource_table import ResourceTable

OBJECT = "arn:aws:s3:::reports/q1.csv"
READ = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Sid": "ReadReports", "Effect": "Allow", "Action": "s3:GetObject",
    "Resource": "arn:aws:s3:::reports/*"}]})
DENY = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Sid": "NoReports", "Effect": "Deny", "Action": "s3:GetObject", "Resource": "*"}]})
REPORTS = f"arn:aws:iam::{ACCOUNT_ID}:policy/Reports"


def seeded(tmp_path: Path) -> IamApp:
    """alice may read reports; bob is denied explicitly; carol's boundary leaves her
    allow out; dave has no policy at all."""
    svc = new_store(tmp_path)
    root = svc.root_principal()
    for name in ("alice", "bob", "carol", "dave"):
        svc.create_user(root, name)
    svc.create_policy(root, "Reports", READ)
    for name in ("alice", "bob", "carol"):
        svc.attach_user_policy(root, name, REPORTS)
    svc.put_user_policy(root, "bob", "NoReports", DENY)
    svc.put_user_permissions_boundary(root, "carol", "arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    svc.close()
    return IamApp(tmp_path / "db.json", keys_dir=tmp_path / "keys")


async def sign_in_root(pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("ctrl+r", *ROOT_PASSWORD, "enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, MainScreen)


def policy_labels(tester: TesterSection) -> list[str]:
    options = tester.query_one("#policies", SelectionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


async def test_test_this_from_a_users_detail_and_from_the_policies_table(
        tmp_path: Path) -> None:
    app = seeded(tmp_path)
    async with app.run_test(size=(130, 40)) as pilot:
        await sign_in_root(pilot)
        await pilot.press("2")
        await settle(pilot)
        users = app.screen.query_one("#users ResourceTable", ResourceTable)
        assert users.move_to(f"arn:aws:iam::{ACCOUNT_ID}:user/bob")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, UserDetailScreen)
        await pilot.press("T")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)  # the detail closed, the tester shown
        tester = app.screen.query_one(TesterSection)
        assert tester.subject.source_arn == f"arn:aws:iam::{ACCOUNT_ID}:user/bob"
        labels = policy_labels(tester)
        assert len(labels) == 2 and any("NoReports" in label for label in labels)
        assert app.focused is tester.query_one("#actions", Input)
        await type_text(pilot, "s3:GetObject")
        tester.query_one("#resources", Input).value = OBJECT
        await pilot.press("enter")
        await settle(pilot)
        assert [r.decision for r in tester.results] == ["explicitDeny"]

        await pilot.press("escape", "5")
        await settle(pilot)
        policies = app.screen.query_one("#policies ResourceTable", ResourceTable)
        assert policies.move_to(REPORTS)
        await pilot.press("T")
        await settle(pilot)
        assert tester.subject.source_arn is None
        assert json.loads(tester.subject.custom_policies[0]) == json.loads(READ)
        assert "policy Reports" in str(tester.query_one("#subject-line").render())
        await pilot.press("enter")  # the actions typed before are kept
        await settle(pilot)
        assert [r.decision for r in tester.results] == ["allowed"]


async def test_who_can_lists_the_denied_with_the_reason(tmp_path: Path) -> None:
    app = seeded(tmp_path)
    async with app.run_test(size=(130, 40)) as pilot:
        await sign_in_root(pilot)
        await pilot.press("6")
        await settle(pilot)
        await pilot.press("f8")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, WhoCanScreen)
        await type_text(pilot, "s3:GetObject")
        screen.query_one("#who-resource", Input).value = OBJECT
        await pilot.press("enter")
        await settle(pilot)
        found = {r.cells[1]: (r.cells[2], r.cells[3])
                 for r in screen.query_one(ResourceTable).rows}
        assert found["alice"][0] == "allowed" and "ReadReports" in found["alice"][1]
        assert found["bob"] == ("explicitDeny", 'explicit deny: "NoReports" (#1) of '
                                "NoReports in an identity-based policy")
        assert found["carol"] == ("implicitDeny", "permissions boundary: it does not allow "
                                  "what a policy allows")
        assert found["dave"] == ("implicitDeny", "no allowing statement")
        assert screen.query_one(ResourceTable).rows[0].cells[1] == "alice"  # allowed first
        assert str(screen.query_one("#who-status").render()) == \
            f"1 may, 3 may not do s3:GetObject on {OBJECT}"
