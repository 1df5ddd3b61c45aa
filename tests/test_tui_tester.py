"""The permission tester and "who can" from the keyboard.

Decisions follow IAM's evaluation logic (IAM User Guide, "Policy evaluation logic"):
an explicit deny overrides an allow; without an allow the request is implicitly denied.
The explanation must name the statement that decided, and select it in its document.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers import ACCOUNT_ID, ROOT_PASSWORD, FakeClock
from textual.pilot import Pilot
from textual.widgets import Input, Static, TextArea
from tui_helpers import settle

import screens.main as main_screen
from iamtui.app import IamApp
from iamtui.service import IamService
from screens.main import MainScreen
from screens.tester import TesterSection, WhoCanScreen
from screens.widgets.picker import PickerModal
from screens.widgets.resource_table import ResourceTable

SIZE = (130, 40)
READ = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Sid": "ReadReports", "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
     "Resource": ["arn:aws:s3:::reports", "arn:aws:s3:::reports/*"]},
    {"Sid": "NoSecrets", "Effect": "Deny", "Action": "s3:GetObject",
     "Resource": "arn:aws:s3:::reports/secret/*"}]}, indent=2)
MFA_DELETE = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Sid": "DeleteWithMfa", "Effect": "Allow", "Action": "s3:DeleteObject",
     "Resource": "*", "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]},
    indent=2)
OBJECT = "arn:aws:s3:::reports/q1.csv"
SECRET = "arn:aws:s3:::reports/secret/pay.csv"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "db.json"
    clock = FakeClock()
    svc = IamService.initialize(path, root_password=ROOT_PASSWORD, account_id=ACCOUNT_ID,
                                alias="example", clock=clock, keys_dir=tmp_path / "keys")
    root = svc.root_principal()
    svc.create_user(root, "alice")
    svc.create_user(root, "bob")
    svc.put_user_policy(root, "alice", "Reports", READ)
    svc.put_user_policy(root, "alice", "Cleanup", MFA_DELETE)
    svc.close()
    return path


def make_app(db: Path) -> IamApp:
    return IamApp(db, keys_dir=db.parent / "keys", clock=FakeClock())


async def open_tester(pilot: Pilot) -> TesterSection:
    for key in (*"root", "enter", *ROOT_PASSWORD, "enter"):
        await pilot.press(key)
    await settle(pilot)
    assert isinstance(pilot.app.screen, MainScreen)
    await pilot.press("6")
    await pilot.pause()
    tester = pilot.app.screen.query_one(TesterSection)
    assert isinstance(pilot.app.focused, Input) and pilot.app.focused.id == "actions"
    await pilot.press("f2")
    await pilot.pause()
    assert isinstance(pilot.app.screen, PickerModal)
    await pilot.press(*"alice", "enter")
    await pilot.pause()
    return tester


async def run_alice(pilot: Pilot) -> TesterSection:
    tester = await open_tester(pilot)
    tester.query_one("#actions", Input).value = "s3:GetObject"
    tester.query_one("#resources", Input).value = f"{OBJECT}, {SECRET}"
    tester.query_one("#actions", Input).focus()
    await pilot.press("enter")
    await settle(pilot)
    return tester


def rows(tester: TesterSection) -> list[tuple[str, ...]]:
    return [r.cells[:3] for r in tester.query_one("#results", ResourceTable).rows]


async def test_run_explains_the_deciding_statement(db: Path) -> None:
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        tester = await run_alice(pilot)
        assert rows(tester) == [("s3:GetObject", OBJECT, "allowed"),
                                ("s3:GetObject", SECRET, "explicitDeny")]
        why = str(tester.query_one("#why", Static).render())
        assert '"ReadReports"' in why and "Allowed" in why
        doc = tester.query_one("#statement-doc", TextArea)
        assert doc.selected_text.startswith("{") and '"Sid": "ReadReports"' in doc.selected_text
        assert "NoSecrets" not in doc.selected_text
        # the second row: the deny decided, and it is the one selected now
        table = tester.query_one("#results", ResourceTable)
        table.focus()
        await pilot.press("down")
        await pilot.pause()
        why = str(tester.query_one("#why", Static).render())
        assert '"NoSecrets"' in why and "Denied explicitly" in why
        assert '"Sid": "NoSecrets"' in doc.selected_text


async def test_what_if_switching_a_policy_off_and_context_preset(db: Path) -> None:
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        tester = await open_tester(pilot)
        tester.query_one("#actions", Input).value = "s3:*"
        tester.query_one("#resources", Input).value = OBJECT
        await pilot.press("f5")
        await settle(pilot)
        # s3:* expands to the s3 actions alice's policies mention
        assert [r[0] for r in rows(tester)] == ["s3:DeleteObject", "s3:GetObject",
                                                "s3:ListBucket"]
        assert rows(tester)[0][2] == "implicitDeny"  # no MFA in the context
        why = str(tester.query_one("#why", Static).render())
        assert "aws:MultiFactorAuthPresent" in why
        await pilot.press("f6")  # signed in with MFA
        await pilot.pause()
        await pilot.press("f5")
        await settle(pilot)
        assert rows(tester)[0][2] == "allowed"
        # switch the Reports policy off: GetObject is no longer allowed
        policies = tester.query_one("#policies")
        policies.deselect(next(o.value for o in policies.options  # type: ignore[attr-defined]
                               if "Reports" in str(o.prompt)))
        await settle(pilot)
        assert rows(tester)[1][2] == "implicitDeny"


async def test_who_can(db: Path) -> None:
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        tester = await run_alice(pilot)
        tester.query_one("#results", ResourceTable).focus()
        await pilot.press("f8")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, WhoCanScreen)
        found = [r.cells for r in screen.query_one(ResourceTable).rows]
        assert [(kind, name) for kind, name, _ in found] == [("user", "alice")]
        assert found[0][2].startswith('"ReadReports" (#1) of ')


async def test_save_and_reload_a_test_set(db: Path, tmp_path: Path) -> None:
    target = tmp_path / "set.json"
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        tester = await run_alice(pilot)
        await pilot.press("ctrl+s")
        await pilot.pause()
        app.screen.query_one("#field-path", Input).value = str(target)
        await pilot.press("enter")
        await pilot.pause()
    saved = json.loads(target.read_text())
    assert [c["Decision"] for c in saved["Expected"]] == ["allowed", "explicitDeny"]
    svc = IamService.open(db, keys_dir=db.parent / "keys")
    svc.delete_user_policy(svc.root_principal(), "alice", "Reports")
    svc.close()
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        tester = await open_tester(pilot)
        tester.load_set(target)
        await settle(pilot)
        expected = [r.cells[4] for r in tester.query_one("#results", ResourceTable).rows]
        assert expected == ["allowed ≠", "explicitDeny ≠"]


def test_tester_snapshot(db: Path, monkeypatch: pytest.MonkeyPatch, snap_compare: Any) -> None:
    real_status = main_screen.status_text
    monkeypatch.setattr(main_screen, "status_text",
                        lambda app: real_status(app).replace(str(db.parent), "/srv/iamtui"))

    async def run(pilot: Pilot) -> None:
        tester = await run_alice(pilot)
        tester.query_one("#results", ResourceTable).focus()
        await pilot.press("down")
        await pilot.pause()

    assert snap_compare(make_app(db), terminal_size=SIZE, run_before=run)


def test_one_line_documents_are_shown_indented() -> None:
    """Documents stored on one line (as the CLI stores them) are shown indented, and the
    selection still covers exactly the deciding statement."""
    from iamtui.policy import EvalRequest, PolicyInput, compile_policy, evaluate, explain
    from screens.tester import deciding_trace, readable_statement, statement_selection

    compact = json.dumps(json.loads(READ), separators=(",", ":"))
    policy = PolicyInput(compile_policy(compact), "Reports")
    result = evaluate(EvalRequest("s3:GetObject", SECRET), [policy])
    trace = deciding_trace(result, explain(result).traces)
    assert trace is not None
    text, statement = readable_statement(trace)
    assert text.count("\n") > 10
    area = TextArea(text)
    area.selection = statement_selection(text, statement.start.line, statement.start.column,
                                         statement.end.line, statement.end.column)
    chosen = area.selected_text
    assert chosen.startswith("{") and chosen.endswith("}")
    assert json.loads(chosen)["Sid"] == "NoSecrets"
