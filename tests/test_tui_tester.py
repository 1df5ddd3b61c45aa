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
from helpers import ROOT_PASSWORD, FakeClock
from textual.pilot import Pilot
from textual.widgets import Input, Static, TextArea
from tui_helpers import new_store, pin_store_folder, settle

from iamtui.app import IamApp
from iamtui.policy import simulation
from iamtui.screens.main import MainScreen
from iamtui.screens.tester import TesterSection, WhoCanScreen
from iamtui.screens.widgets.picker import PickerModal
from iamtui.screens.widgets.resource_table import ResourceTable
from iamtui.service import IamService

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
    svc = new_store(tmp_path, alias="example", clock=clock)
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
    for key in ("ctrl+r", *ROOT_PASSWORD, "enter"):
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
    """(action, resource, decision) of each result row (the table shows the decision
    second, so that it stays in view at 80 columns)."""
    return [(r.cells[0], r.cells[2], r.cells[1])
            for r in tester.query_one("#results", ResourceTable).rows]


def screen_text(pilot: Pilot) -> str:
    return "\n".join(s.text for s in pilot.app.screen._compositor.render_strips())


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


async def test_a_context_value_of_the_wrong_type_is_refused_as_aws_refuses_it(db: Path) -> None:
    """The tester's context entries are checked as AWS checks a ContextEntry (IAM API
    Reference, ContextEntry: ContextKeyType numeric takes numbers): the run is refused
    with the error, and the results shown stay."""
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        tester = await run_alice(pilot)
        before = rows(tester)
        await pilot.press("f6")  # aws:MultiFactorAuthPresent and aws:MultiFactorAuthAge
        await pilot.pause()
        age = next(i for i in tester.query("#context Input").results(Input)
                   if i.name == "aws:MultiFactorAuthAge")
        age.value = "soon"
        await pilot.press("f5")
        await settle(pilot)
        note = list(app._notifications)[-1]
        assert note.title == "InvalidInput"
        assert "aws:MultiFactorAuthAge is not a valid numeric" in note.message
        assert rows(tester) == before


async def test_who_can(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the tester's run and its who-can both take the one simulation path
    matrices: list[tuple[str, ...]] = []
    real = simulation.simulate

    def spy(request: simulation.SimulationRequest, *args: Any, **kwargs: Any) -> Any:
        matrices.append(request.actions)
        return real(request, *args, **kwargs)

    monkeypatch.setattr(simulation, "simulate", spy)
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        tester = await run_alice(pilot)
        assert matrices == [("s3:GetObject",)]
        tester.query_one("#results", ResourceTable).focus()
        await pilot.press("f8")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, WhoCanScreen)
        found = [r.cells for r in screen.query_one(ResourceTable).rows]
        assert [(kind, name, decision) for kind, name, decision, _ in found] == [
            ("user", "alice", "allowed"), ("user", "bob", "implicitDeny")]
        assert found[0][3].startswith('"ReadReports" (#1) of ')
        assert found[1][3] == "no allowing statement"  # who may not, and why not
        # through the one simulation path: alice's matrix, and bob's (denied ones are shown)
        assert matrices[1:] == [("s3:GetObject",)] * 2


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
        await tester.load_set(target)
        await settle(pilot)
        expected = [r.cells[4] for r in tester.query_one("#results", ResourceTable).rows]
        assert expected == ["allowed ≠", "explicitDeny ≠"]


FROM_OFFICE = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Sid": "PutFromOffice", "Effect": "Allow", "Action": "s3:PutObject", "Resource": "*",
     "Condition": {"IpAddress": {"aws:SourceIp": "10.1.0.0/16"}}}]})


def context_inputs(tester: TesterSection) -> dict[str, str]:
    return {i.name or "": i.value for i in tester.query("#context Input").results(Input)}


async def test_a_loaded_set_runs_with_the_context_it_shows(db: Path, tmp_path: Path) -> None:
    """Issue 12, item 1: a set saved with context aws:SourceIp 10.1.2.3, loaded in a new
    session, fills the context input from the set; what runs is what is shown, so the
    decisions are as expected on load and again on f5 with nothing changed.
    (IAM User Guide, "Testing IAM policies with the IAM policy simulator": context keys
    are part of the simulated request; aws:SourceIp is an IP address key.)"""
    svc = IamService.open(db, keys_dir=db.parent / "keys")
    svc.put_user_policy(svc.root_principal(), "alice", "FromOffice", FROM_OFFICE)
    svc.close()
    target = tmp_path / "office.json"
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        tester = await open_tester(pilot)
        await pilot.pause()
        assert "aws:SourceIp" in context_inputs(tester)
        next(i for i in tester.query("#context Input").results(Input)
             if i.name == "aws:SourceIp").value = "10.1.2.3"
        tester.query_one("#actions", Input).value = "s3:PutObject"
        tester.query_one("#actions", Input).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert rows(tester) == [("s3:PutObject", "*", "allowed")]
        await pilot.press("ctrl+s")
        await pilot.pause()
        app.screen.query_one("#field-path", Input).value = str(target)
        await pilot.press("enter")
        await pilot.pause()
    assert json.loads(target.read_text())["Context"][0]["ContextKeyValues"] == ["10.1.2.3"]
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        tester = await open_tester(pilot)
        await tester.load_set(target)
        await settle(pilot)
        assert context_inputs(tester)["aws:SourceIp"] == "10.1.2.3"
        assert rows(tester) == [("s3:PutObject", "*", "allowed")]
        assert list(app._notifications)[-1].message == "Every decision is as expected"
        await pilot.press("f5")
        await settle(pilot)
        assert [r.cells[4] for r in tester.query_one("#results", ResourceTable).rows] == [
            "allowed"]
        assert list(app._notifications)[-1].message == "Every decision is as expected"


async def test_at_80x24_every_label_reads_whole_and_no_empty_statement_pane(db: Path) -> None:
    """Before a run the statement pane is not shown (it was an untitled editor showing
    "1"), and each input's label, the hints and the policies fit 80 columns."""
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        tester = await open_tester(pilot)
        await pilot.pause()
        assert not tester.query_one("#why-row").display
        assert tester.query_one("#statement-doc", TextArea).region.area == 0
        text = screen_text(pilot)
        for label in ("Actions", "Resources", "Caller ARN", "Context: + key, f6 MFA, f7 IP",
                      "Policies (space: on/off)", "aws:MultiFactorAuthPresent", "Reports",
                      "Cleanup"):
            assert label in text, label
        for widget in tester.query("Label, .hint").results(Static):
            shown = str(widget.render())
            assert widget.region.width >= len(shown), shown  # not cut
        for field in tester.query("Input").results(Input):
            assert field.region.width >= 8, field.id
            assert field.region.bottom <= tester.query_one("#results").region.y


async def test_at_80x24_the_decision_and_the_statement_read_whole(db: Path) -> None:
    """After a run the decision column is in view and the deciding statement is
    soft-wrapped, not cut at the pane's edge ("Effect": "All…)."""
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        tester = await run_alice(pilot)
        await pilot.press("down")
        await settle(pilot)
        doc = tester.query_one("#statement-doc", TextArea)
        assert doc.region.area > 0 and doc.border_title is not None
        text = screen_text(pilot)
        assert "explicitDeny" in text
        assert '"Effect": "Deny",' in text and '"Sid": "NoSecrets",' in text
        assert "arn:aws:s3:::reports/sec" in text  # the Resource, wrapped but not cut


async def test_implicit_deny_with_no_statement_says_nothing_matched(db: Path) -> None:
    """No statement covers s3:PutObject: no layer decided it, so the row and the
    explanation say that nothing allows it, and no statement pane is shown."""
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        tester = await open_tester(pilot)
        tester.query_one("#actions", Input).value = "s3:PutObject, s3:DeleteObject"
        tester.query_one("#resources", Input).value = OBJECT
        await pilot.press("f5")
        await settle(pilot)
        table = tester.query_one("#results", ResourceTable)
        cells = {r.cells[0]: r.cells for r in table.rows}
        assert cells["s3:PutObject"][1:4] == ("implicitDeny", OBJECT, "no statement allows it")
        # a statement covered DeleteObject but its MFA condition failed: still no allow
        assert cells["s3:DeleteObject"][3] == "no statement allows it"
        table.cursor = next(i for i, r in enumerate(table.rows) if r.cells[0] == "s3:PutObject")
        await settle(pilot)
        why = str(tester.query_one("#why", Static).render())
        assert why.startswith("Implicitly denied: no statement allows s3:PutObject")
        assert ("implicitDeny: no statement of the 2 policies tested covers s3:PutObject, "
                "so nothing matched") in why
        assert tester.query_one("#statement-doc", TextArea).region.area == 0
        table.cursor = next(i for i, r in enumerate(table.rows)
                            if r.cells[0] == "s3:DeleteObject")
        await settle(pilot)
        assert "nothing matched" not in str(tester.query_one("#why", Static).render())
        assert tester.query_one("#statement-doc", TextArea).region.area > 0


def test_decided_by_words_for_implicit_denies() -> None:
    """An implicit deny names the allow that was missing, never a layer as if one of its
    statements had decided."""
    from iamtui.policy import EvalRequest, PolicyInput, compile_policy, evaluate
    from iamtui.screens.tester import decided_by_words

    reports = PolicyInput(compile_policy(READ), "Reports")
    cleanup = PolicyInput(compile_policy(MFA_DELETE), "Cleanup")
    allowed = evaluate(EvalRequest("s3:GetObject", OBJECT), [reports])
    assert decided_by_words(allowed) == "identity-based policy"
    denied = evaluate(EvalRequest("s3:GetObject", SECRET), [reports])
    assert decided_by_words(denied) == "identity-based policy"
    nothing = evaluate(EvalRequest("s3:PutObject", OBJECT), [reports])
    assert decided_by_words(nothing) == "no statement allows it"
    capped = evaluate(EvalRequest("s3:GetObject", OBJECT), [reports], boundaries=[cleanup])
    assert (capped.decision, decided_by_words(capped)) == ("implicitDeny",
                                                           "boundary doesn't allow")


def test_tester_snapshot(db: Path, monkeypatch: pytest.MonkeyPatch, snap_compare: Any) -> None:
    pin_store_folder(monkeypatch, db.parent)

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
    from iamtui.screens.tester import deciding_trace, readable_statement, statement_selection

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
