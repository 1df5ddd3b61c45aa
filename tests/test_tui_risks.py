"""The Risks section and the "Paths to administrator" tab (issue 16, "Where it shows"):
the principals that are or can become administrator, each path a tree of steps with the
statement that allows it, `enter` on a step opening that policy.

The escalation semantics are the service's (tests/test_service_escalation.py); the cases
here are IAM Vulnerable's privesc1 (iam:CreatePolicyVersion on a policy attached to
oneself: IAM User Guide, "Versioning IAM policies") and an sts:AssumeRole of an
administrator role the account trusts (IAM User Guide, "Policy evaluation logic",
"Cross-account policy evaluation logic" for the trust of the account's root).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers import ACCOUNT_ID, ROOT_PASSWORD, FakeClock
from textual.pilot import Pilot
from textual.widgets import Static, TextArea
from tui_helpers import new_store, pin_store_folder, settle, sign_in, wait_until

from iamtui.app import IamApp
from iamtui.screens.modals import ConfirmModal
from iamtui.screens.policy_detail import PolicyDetailScreen
from iamtui.screens.policy_editor import PolicyEditorScreen
from iamtui.screens.risks import RisksSection
from iamtui.screens.role_detail import RoleDetailScreen
from iamtui.screens.user_detail import UserDetailScreen
from iamtui.screens.widgets import escalation as escalation_view
from iamtui.screens.widgets.escalation import EscalationTree, EscalationView
from iamtui.screens.widgets.picker import PickerModal
from iamtui.service import IamService
from iamtui.service.escalation import (
    FIX_POLICY_NAME,
    EscalationFinding,
    EscalationPath,
    EscalationStep,
)

ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
SELF_SERVICE = f"arn:aws:iam::{ACCOUNT_ID}:policy/SelfService"


def doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def seed(service: IamService) -> None:
    """mallory may write a new version of SelfService, attached to her (privesc1); dev
    may assume ops, an administrator role the account trusts; ci may assume deploy, an
    administrator role whose trust policy names it; boss is administrator; reader only
    reads S3 and is no risk."""
    root = service.root_principal()
    service.create_policy(root, "SelfService", doc(
        {"Sid": "Versions", "Effect": "Allow", "Action": "iam:CreatePolicyVersion",
         "Resource": "*"}))
    service.create_user(root, "mallory")
    service.attach_policy(root, "user", "mallory", SELF_SERVICE)
    service.create_user(root, "reader")
    service.put_user_policy(root, "reader", "read", doc(
        {"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}))
    service.create_user(root, "boss")
    service.attach_policy(root, "user", "boss", ADMIN)
    service.create_role(root, "ops", doc(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"},
         "Action": "sts:AssumeRole"}))
    service.attach_policy(root, "role", "ops", ADMIN)
    service.create_user(root, "dev")
    service.put_user_policy(root, "dev", "assume", doc(
        {"Effect": "Allow", "Action": "sts:AssumeRole",
         "Resource": f"arn:aws:iam::{ACCOUNT_ID}:role/ops"}))
    # ci has no policy: deploy's trust policy alone lets it assume deploy (same account)
    service.create_user(root, "ci")
    service.create_role(root, "deploy", doc(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:user/ci"},
         "Action": "sts:AssumeRole"}))
    service.attach_policy(root, "role", "deploy", ADMIN)


@pytest.fixture
def app(tmp_path: Path) -> IamApp:
    store = new_store(tmp_path)
    seed(store)
    store.close()
    return IamApp(tmp_path / "db.json", keys_dir=tmp_path / "keys")


PASSWORD = "Us3r!Passw0rd#x"


def app_with_user(tmp_path: Path, user: str, *statements: dict[str, Any]) -> IamApp:
    """The seeded store where `user` (created with `statements` in an inline policy,
    unless seeded) signs in with PASSWORD."""
    store = new_store(tmp_path)
    seed(store)
    root = store.root_principal()
    if statements:
        store.create_user(root, user)
        store.put_user_policy(root, user, "granted", doc(*statements))
    store.create_login_profile(root, user, PASSWORD, password_reset_required=False)
    store.close()
    return IamApp(tmp_path / "db.json", keys_dir=tmp_path / "keys")


def top_level(view: EscalationView) -> list[str]:
    """The tree's first-level lines, as shown."""
    return [str(node.label).strip() for node in view.paths_tree.root.children]


async def show_risks(pilot: Pilot) -> RisksSection:
    await pilot.press("9")
    section = pilot.app.screen.query_one(RisksSection)
    await wait_until(pilot, lambda: section.findings is not None)
    return section


async def move_to(pilot: Pilot, tree: EscalationTree, wanted: Any) -> None:
    """Move the cursor down until `wanted(data)` holds for what it is on."""
    for _ in range(40):
        if wanted(tree.current):
            return
        await pilot.press("down")
    raise AssertionError("no such line in the tree")


async def expand(pilot: Pilot, tree: EscalationTree, user: str) -> None:
    """Put the cursor on user `user` and expand it (enter)."""
    await pilot.press("home")
    await move_to(pilot, tree, lambda d: isinstance(d, EscalationFinding)
                  and d.principal_arn.endswith(f"/{user}"))
    await pilot.press("enter")
    await pilot.pause()


async def test_the_section_lists_who_can_become_administrator_not_the_harmless(
        app: IamApp) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(pilot)
        section = await show_risks(pilot)
        lines = top_level(section)
        # those that can become administrator first, then the administrators
        assert lines == ["user ci · can become administrator, 1 path",
                         "user dev · can become administrator, 1 path",
                         "user mallory · can become administrator, 1 path",
                         "user boss · administrator", "role deploy · administrator",
                         "role ops · administrator"]
        assert not any("reader" in line for line in lines)
        status = str(section.query_one(".escalation-status", Static).render())
        assert status.startswith("3 can become administrator · 3 are administrators")


async def test_the_tree_expands_to_steps_and_enter_opens_the_deciding_policy(
        app: IamApp) -> None:
    """mallory's path: one step, iam:CreatePolicyVersion on SelfService, allowed by its
    statement Versions; enter opens SelfService. dev's step is allowed by its inline
    policy `assume`: enter opens it in the editor."""
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(pilot)
        section = await show_risks(pilot)
        tree = section.paths_tree
        assert app.focused is tree
        await expand(pilot, tree, "mallory")  # her path, expanded, and its step
        await pilot.press("down")
        assert isinstance(tree.current, EscalationPath)
        await pilot.press("down")
        step = tree.current
        assert isinstance(step, EscalationStep)
        assert str(tree.cursor_node.label) == (  # type: ignore[union-attr]
            "1. iam:CreatePolicyVersion on policy/SelfService  (SelfService, statement "
            "Versions)")
        details = str(section.query_one(".escalation-step", Static).render())
        assert f"on {SELF_SERVICE}" in details and "as user/mallory" in details
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, PolicyDetailScreen) and app.screen.arn == SELF_SERVICE
        assert app.screen.trail == ("Risks", "SelfService")

        await pilot.press("escape")
        await settle(pilot)
        await expand(pilot, tree, "dev")
        await move_to(pilot, tree, lambda d: isinstance(d, EscalationStep)
                      and d.via.endswith("/dev"))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, PolicyEditorScreen)
        assert app.screen.title_text == "Risks › user dev › inline policy assume"
        assert "sts:AssumeRole" in app.screen.text

        await pilot.press("escape", "escape")  # the editor's findings, then back
        await settle(pilot)
        await expand(pilot, tree, "ci")  # its step is allowed by deploy's trust policy
        await move_to(pilot, tree, lambda d: isinstance(d, EscalationStep)
                      and d.via.endswith("/ci"))
        assert tree.current.source_policy_id == "deploy"  # type: ignore[union-attr]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RoleDetailScreen) and app.screen.role_name == "deploy"


async def test_o_opens_the_principal_and_its_tab_shows_the_same_paths(app: IamApp) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(pilot)
        section = await show_risks(pilot)
        await move_to(pilot, section.paths_tree, lambda d: isinstance(d, EscalationFinding)
                      and d.principal_arn.endswith("/mallory"))
        await pilot.press("o")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, UserDetailScreen) and screen.user_name == "mallory"
        screen.show_tab("escalation")
        view = screen.query_one(EscalationView)
        await wait_until(pilot, lambda: view.findings is not None)
        assert top_level(view) == ["Path 1 · 1 step"]
        assert app.focused is view.paths_tree
        status = str(view.query_one(".escalation-status", Static).render())
        assert status.startswith("User mallory can become administrator: 1 path")


async def test_the_tab_on_a_harmless_user_and_on_an_administrator_role(app: IamApp) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(pilot)
        for screen, expected in ((UserDetailScreen("reader"),
                                  "No path to administrator found for user reader."),
                                 (RoleDetailScreen("ops"), "Role ops is an administrator")):
            await app.push_screen(screen)
            await settle(pilot)
            screen.show_tab("escalation")
            view = screen.query_one(EscalationView)
            await wait_until(pilot, lambda v=view: v.findings is not None)
            status = str(view.query_one(".escalation-status", Static).render())
            assert status.startswith(expected)
            assert top_level(view) == []  # no path to show: the status says it all
            await pilot.press("escape")
            await settle(pilot)


async def test_the_section_follows_changes_made_through_another_service(
        app: IamApp, tmp_path: Path) -> None:
    """Another front end detaches SelfService from mallory (her path is gone) and gives
    reader iam:PutUserPolicy on herself (privesc10): the section shows both without r."""
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(pilot)
        section = await show_risks(pilot)
        other = IamService.open(tmp_path / "db.json", keys_dir=tmp_path / "keys")
        try:
            root = other.root_principal()
            other.detach_policy(root, "user", "mallory", SELF_SERVICE)
            other.put_user_policy(root, "reader", "self", doc(
                {"Effect": "Allow", "Action": "iam:PutUserPolicy",
                 "Resource": f"arn:aws:iam::{ACCOUNT_ID}:user/reader"}))
        finally:
            other.close()
        await wait_until(pilot, lambda: any("reader" in line for line in top_level(section)))
        lines = top_level(section)
        assert "user reader · can become administrator, 1 path" in lines
        assert not any("mallory" in line for line in lines)


async def test_a_burst_of_changes_costs_one_analysis(
        app: IamApp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two changes, the second made while the view waits for the store to be quiet
    after the first: one analysis shows both."""
    monkeypatch.setattr(escalation_view, "QUIET_SECONDS", 5.0)  # room on a busy machine
    runs: list[int] = []
    real = IamService.find_privilege_escalation

    def counted(self: IamService, *args: Any, **kwargs: Any) -> Any:
        runs.append(1)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(IamService, "find_privilege_escalation", counted)
    grant = doc({"Effect": "Allow", "Action": "iam:PutUserPolicy",
                 "Resource": f"arn:aws:iam::{ACCOUNT_ID}:user/reader"})
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(pilot)
        section = await show_risks(pilot)
        assert len(runs) == 1
        other = IamService.open(tmp_path / "db.json", keys_dir=tmp_path / "keys")
        try:
            root = other.root_principal()
            other.detach_policy(root, "user", "mallory", SELF_SERVICE)
            await wait_until(pilot, lambda: section._quiet_since == other.revision)
            other.put_user_policy(root, "reader", "self", grant)
            await wait_until(pilot, lambda: section._quiet_since == other.revision)
        finally:
            other.close()
        await wait_until(pilot, lambda: "user reader · can become administrator, 1 path"
                         in top_level(section))
        assert not any("mallory" in line for line in top_level(section))
        assert len(runs) == 2


async def test_a_principal_not_allowed_to_read_every_policy_is_told_so(
        tmp_path: Path) -> None:
    """The analysis reads every policy: iam:GetAccountAuthorizationDetails, refused to a
    user without it (AccessDenied, shown; the section says what is missing)."""
    app = app_with_user(tmp_path, "reader")
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(pilot, "reader", PASSWORD)
        await pilot.press("9")
        section = app.screen.query_one(RisksSection)
        await wait_until(pilot, lambda: section.loaded_revision is not None)
        status = str(section.query_one(".escalation-status", Static).render())
        assert "iam:GetAccountAuthorizationDetails" in status
        assert list(section.paths_tree.root.children) == []


@pytest.fixture
def snap_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> IamApp:
    clock = FakeClock()
    store = IamService.initialize(tmp_path / "db.json", root_password=ROOT_PASSWORD,
                                  account_id=ACCOUNT_ID, alias="example", clock=clock,
                                  keys_dir=tmp_path / "keys")
    seed(store)
    store.close()
    pin_store_folder(monkeypatch, tmp_path)
    return IamApp(tmp_path / "db.json", keys_dir=tmp_path / "keys", clock=clock)


def test_risks_at_80x24(snap_app: IamApp, snap_compare: Any) -> None:
    """mallory expanded, the cursor on her step: its whole text under the tree."""
    async def risks(pilot: Pilot) -> None:
        await sign_in(pilot)
        section = await show_risks(pilot)
        await expand(pilot, section.paths_tree, "mallory")
        await pilot.press("down", "down")
        await settle(pilot)

    assert snap_compare(snap_app, terminal_size=(80, 24), run_before=risks)


# ---------------------------------------------------------------------------- the fix


async def pick_fix_for_mallory(pilot: Pilot) -> PickerModal:
    """On mallory's step, f: the changes that break her path, to pick from."""
    section = await show_risks(pilot)
    await expand(pilot, section.paths_tree, "mallory")
    await pilot.press("down", "down")
    assert isinstance(section.paths_tree.current, EscalationStep)
    await pilot.press("f")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, PickerModal))
    return pilot.app.screen  # type: ignore[return-value]


async def propose_fix_for_mallory(pilot: Pilot, pick: int = 0) -> ConfirmModal:
    """f, then the `pick`-th change (smallest first): the confirmation showing it."""
    picker = await pick_fix_for_mallory(pilot)
    for _ in range(pick):
        await pilot.press("down")
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, ConfirmModal))
    assert picker is not pilot.app.screen
    return pilot.app.screen  # type: ignore[return-value]


async def test_f_lists_the_changes_smallest_first(app: IamApp) -> None:
    """privesc1's changes: Deny iam:CreatePolicyVersion on SelfService to mallory (one
    request lost), or detach SelfService from her (its grant on "*" too: two)."""
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(pilot)
        picker = await pick_fix_for_mallory(pilot)
        rows = [row.cells[1:3] for row in picker.rows]
        assert rows == [("DenyStatement", "1"), ("DetachPolicy", "2")]


async def test_picking_the_detachment_applies_detach_user_policy(app: IamApp,
                                                                 tmp_path: Path) -> None:
    """The second change: DetachUserPolicy of SelfService, audited as that; her path is
    gone and no Deny policy is written."""
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(pilot)
        modal = await propose_fix_for_mallory(pilot, pick=1)
        assert "DetachUserPolicy" in str(modal.query_one(".dialog-title", Static).render())
        await pilot.click("#confirm")
        section = app.screen.query_one(RisksSection)
        await wait_until(pilot, lambda: section.findings is not None and not any(
            "mallory" in line for line in top_level(section)))
    other = IamService.open(tmp_path / "db.json", keys_dir=tmp_path / "keys")
    try:
        root = other.root_principal()
        assert other.list_attached_policies(root, "user", "mallory") == []
        assert FIX_POLICY_NAME not in other.list_owner_policies(root, "user", "mallory")
        events = [e["EventName"] for e in other.lookup_events(root, max_results=20)]
        assert "DetachUserPolicy" in events
    finally:
        other.close()


async def test_f_proposes_a_deny_shows_it_and_applies_it(app: IamApp, tmp_path: Path) -> None:
    """The fix of privesc1 denies mallory iam:CreatePolicyVersion on SelfService, in her
    inline policy DenyPrivilegeEscalation (PutUserPolicy, audited); her path is gone."""
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(pilot)
        modal = await propose_fix_for_mallory(pilot)
        proposed = json.loads(modal.query_one(".dialog-document", TextArea).text)
        assert proposed["Statement"] == [{
            "Sid": proposed["Statement"][0]["Sid"], "Effect": "Deny",
            "Action": "iam:CreatePolicyVersion", "Resource": SELF_SERVICE}]
        assert "PutUserPolicy" in str(modal.query_one(".dialog-title", Static).render())
        await pilot.click("#confirm")
        section = app.screen.query_one(RisksSection)
        await wait_until(pilot, lambda: section.findings is not None and not any(
            "mallory" in line for line in top_level(section)))
    other = IamService.open(tmp_path / "db.json", keys_dir=tmp_path / "keys")
    try:
        root = other.root_principal()
        written = other.get_owner_policy(root, "user", "mallory", FIX_POLICY_NAME)
        assert json.loads(written.document)["Statement"] == proposed["Statement"]
        events = [e["EventName"] for e in other.lookup_events(root, max_results=20)]
        assert "PutUserPolicy" in events
    finally:
        other.close()


async def test_the_fix_is_refused_to_who_may_read_but_not_write(tmp_path: Path) -> None:
    """auditor may read every policy (iam:GetAccountAuthorizationDetails, Get*, List*)
    but not PutUserPolicy: the fix is proposed, and applying it is refused (AccessDenied,
    shown), nothing written."""
    app = app_with_user(tmp_path, "auditor", {
        "Effect": "Allow", "Action": ["iam:GetAccountAuthorizationDetails", "iam:Get*",
                                      "iam:List*"], "Resource": "*"})
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(pilot, "auditor", PASSWORD)
        await propose_fix_for_mallory(pilot)
        await pilot.click("#confirm")
        await wait_until(pilot, lambda: any(
            n.title == "Access denied" for n in app._notifications))
        assert not isinstance(app.screen, ConfirmModal)
    other = IamService.open(tmp_path / "db.json", keys_dir=tmp_path / "keys")
    try:
        assert FIX_POLICY_NAME not in other.list_owner_policies(
            other.root_principal(), "user", "mallory")
    finally:
        other.close()


def test_fix_confirmation_at_80x24(snap_app: IamApp, snap_compare: Any) -> None:
    """The proposed inline policy, whole, above the buttons."""
    async def confirmation(pilot: Pilot) -> None:
        await sign_in(pilot)
        await propose_fix_for_mallory(pilot)
        await settle(pilot)

    assert snap_compare(snap_app, terminal_size=(80, 24), run_before=confirmation)


def test_fix_choices_at_80x24(snap_app: IamApp, snap_compare: Any) -> None:
    """The changes that break mallory's path, smallest first, with what each removes."""
    async def choices(pilot: Pilot) -> None:
        await sign_in(pilot)
        await pick_fix_for_mallory(pilot)
        await settle(pilot)

    assert snap_compare(snap_app, terminal_size=(80, 24), run_before=choices)


# ---------------------------------------------------------------------------- at the statement


def fillers(count: int) -> list[dict[str, Any]]:
    """Statements that allow nothing of the path: the deciding one comes after them."""
    return [{"Sid": f"Read{n}", "Effect": "Allow", "Action": "s3:GetObject",
             "Resource": f"arn:aws:s3:::bucket-{n}/*"} for n in range(count)]


async def test_enter_opens_the_policy_at_the_deciding_statement(tmp_path: Path) -> None:
    """eve's inline policy allows iam:CreateAccessKey on boss in its statement Keys, after
    twelve others: the editor opens with the cursor on Keys's first line, scrolled to it.
    ivy's managed policy Helper allows it in its third statement, which has no Sid ("#3"):
    the policy's page shows its document with the cursor there."""
    store = new_store(tmp_path)
    seed(store)
    root = store.root_principal()
    boss = f"arn:aws:iam::{ACCOUNT_ID}:user/boss"
    store.create_user(root, "eve")
    store.put_user_policy(root, "eve", "mixed", doc(*fillers(12), {
        "Sid": "Keys", "Effect": "Allow", "Action": "iam:CreateAccessKey", "Resource": boss}))
    helper = store.create_policy(root, "Helper", doc(*fillers(2), {
        "Effect": "Allow", "Action": "iam:CreateAccessKey", "Resource": boss}))
    store.create_user(root, "ivy")
    store.attach_policy(root, "user", "ivy", helper.arn)
    store.close()
    app = IamApp(tmp_path / "db.json", keys_dir=tmp_path / "keys")
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(pilot)
        section = await show_risks(pilot)
        tree = section.paths_tree
        await expand(pilot, tree, "eve")
        await move_to(pilot, tree, lambda d: isinstance(d, EscalationStep)
                      and d.via.endswith("/eve"))
        assert tree.current.statement_id == "Keys"  # type: ignore[union-attr]
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, PolicyEditorScreen))
        editor = app.screen.editor  # type: ignore[attr-defined]
        lines = editor.text.splitlines()
        row = editor.cursor_location[0]
        assert row == 75  # 2 lines of header, 12 statements of 6 lines, then Keys
        assert lines[row].strip() == "{" and '"Sid": "Keys"' in lines[row + 1]
        assert editor.scroll_offset.y > 0
        assert editor.scroll_offset.y <= row < editor.scroll_offset.y + editor.size.height

        await pilot.press("escape", "escape")
        await settle(pilot)
        await expand(pilot, tree, "ivy")
        await move_to(pilot, tree, lambda d: isinstance(d, EscalationStep)
                      and d.via.endswith("/ivy"))
        assert tree.current.statement_id == "#3"  # type: ignore[union-attr]
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, PolicyDetailScreen))
        document = app.screen.query_one("#policy-document", TextArea)
        await wait_until(pilot, lambda: document.text != "")
        lines = document.text.splitlines()
        row = document.cursor_location[0]
        assert row == 15  # after 2 statements of 6 lines
        assert lines[row].strip() == "{" and "iam:CreateAccessKey" in lines[row + 2]
