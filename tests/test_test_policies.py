"""The permission tester's service half: a subject's policies switched off for a what-if,
custom policies, `s3:*` expanded, "who can", and saved test sets re-run from the CLI.

Semantics are SimulatePrincipalPolicy's (IAM API Reference, SimulatePrincipalPolicy: a
user's own and group policies and its boundary are simulated; EvalDecision allowed,
explicitDeny, implicitDeny).
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest
from helpers import ACCOUNT_ID, ROOT_PASSWORD
from hypothesis import given
from hypothesis import strategies as st

from iamtui.cli import main
from iamtui.errors import InvalidInput
from iamtui.policy import ContextEntry
from iamtui.service import IamService, Principal
from iamtui.service.who_can import Subject, expand_actions
from iamtui.testsets import TestSet, run_test_set

READ = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Sid": "ReadReports", "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
    "Resource": ["arn:aws:s3:::reports", "arn:aws:s3:::reports/*"]}]})
DENY_NO_MFA = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Sid": "NoDeleteWithoutMfa", "Effect": "Deny", "Action": "s3:DeleteObject",
    "Resource": "*", "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}},
    {"Effect": "Allow", "Action": "s3:DeleteObject", "Resource": "*"}]})
ALICE = f"arn:aws:iam::{ACCOUNT_ID}:user/alice"
OBJECT = "arn:aws:s3:::reports/q1.csv"


@pytest.fixture
def seeded(service: IamService, root: Principal) -> IamService:
    service.create_user(root, "alice")
    service.create_user(root, "bob")
    service.put_user_policy(root, "alice", "Read", READ)
    service.create_group(root, "Cleaners")
    service.put_group_policy(root, "Cleaners", "Delete", DENY_NO_MFA)
    service.add_user_to_group(root, "Cleaners", "alice")
    service.create_role(root, "reader", json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
        "Action": "sts:AssumeRole"}]}))
    service.put_role_policy(root, "reader", "Read", READ)
    return service


def decisions(results: list) -> dict[tuple[str, str], str]:
    return {(r.inputs.request.action, r.inputs.request.resource): r.decision for r in results}


def test_subject_policies_and_what_if(seeded: IamService, root: Principal) -> None:
    policies = seeded.subject_policies(root, ALICE)
    ids = [p.source_id for p in policies]
    assert len(ids) == 2 and all(p.layer == "identity" for p in policies)
    read_id = next(p.source_id for p in policies if "ReadReports" in p.text)
    on = seeded.evaluate_subject(root, Subject(ALICE), ["s3:GetObject"], [OBJECT])
    off = seeded.evaluate_subject(root, Subject(ALICE, disabled=frozenset({read_id})),
                                  ["s3:GetObject"], [OBJECT])
    assert [r.decision for r in on] == ["allowed"]
    assert [r.decision for r in off] == ["implicitDeny"]
    # s3:* expands alike whether or not a policy is off, so a what-if keeps its rows
    both = [seeded.evaluate_subject(root, Subject(ALICE, disabled=frozenset(d)), ["s3:*"],
                                    [OBJECT]) for d in ((), {read_id})]
    assert [r.inputs.request.action for r in both[0]] == \
        [r.inputs.request.action for r in both[1]]


def test_context_decides_the_group_deny(seeded: IamService, root: Principal) -> None:
    no_mfa = seeded.evaluate_subject(root, Subject(ALICE), ["s3:DeleteObject"], [OBJECT])
    mfa = seeded.evaluate_subject(
        root, Subject(ALICE), ["s3:DeleteObject"], [OBJECT],
        [ContextEntry("aws:MultiFactorAuthPresent", ("true",), "boolean")])
    assert no_mfa[0].decision == "explicitDeny"
    assert mfa[0].decision == "allowed"


def test_service_wildcard_expands_to_mentioned_actions(seeded: IamService,
                                                       root: Principal) -> None:
    results = seeded.evaluate_subject(root, Subject(ALICE), ["s3:*"], [OBJECT])
    assert [r.inputs.request.action for r in results] == [
        "s3:DeleteObject", "s3:GetObject", "s3:ListBucket"]


def test_custom_policies_stand_alone(service: IamService, root: Principal) -> None:
    results = service.evaluate_subject(root, Subject(custom_policies=(READ,)),
                                       ["s3:GetObject", "s3:PutObject"], [OBJECT])
    assert [r.decision for r in results] == ["allowed", "implicitDeny"]
    assert results[0].matched[0].source.source_id == "custom-1"
    with pytest.raises(InvalidInput):
        service.evaluate_subject(root, Subject(custom_policies=(READ,)), ["GetObject"])


def test_who_can_names_users_and_roles_with_the_statement(seeded: IamService,
                                                          root: Principal) -> None:
    found = seeded.who_can(root, "s3:GetObject", OBJECT)
    assert [(e.kind, e.name) for e in found] == [("user", "alice"), ("role", "reader")]
    assert found[0].statement.startswith('"ReadReports" (#1) of ')
    assert seeded.who_can(root, "s3:PutObject", OBJECT) == []
    # the group's deny takes bob... nobody without MFA may delete
    assert seeded.who_can(root, "s3:DeleteObject", OBJECT) == []
    mfa = [ContextEntry("aws:MultiFactorAuthPresent", ("true",), "boolean")]
    assert [e.name for e in seeded.who_can(root, "s3:DeleteObject", OBJECT, mfa)] == ["alice"]


def test_who_can_also_says_why_the_others_are_denied(seeded: IamService,
                                                     root: Principal) -> None:
    """The reason comes from the engine's decision (IAM User Guide, "Policy evaluation
    logic": an explicit deny overrides any allow; an allow outside the permissions
    boundary is no allow; without an allowing statement the request is implicitly
    denied): https://docs.aws.amazon.com/IAM/latest/UserGuide/
    reference_policies_evaluation-logic.html"""
    seeded.create_user(root, "carol")
    seeded.put_user_policy(root, "carol", "Read", READ)
    seeded.put_user_permissions_boundary(root, "carol",
                                         "arn:aws:iam::aws:policy/IAMUserChangePassword")
    found = seeded.who_can(root, "s3:DeleteObject", OBJECT, include_denied=True)
    why = {e.name: (e.decision, e.statement) for e in found}
    assert why["alice"] == ("explicitDeny", 'explicit deny: "NoDeleteWithoutMfa" (#1) of '
                            "Delete in an identity-based policy")
    assert why["bob"] == ("implicitDeny", "no allowing statement")
    read = seeded.who_can(root, "s3:GetObject", OBJECT, include_denied=True)
    assert [(e.name, e.decision) for e in read][:2] == [("alice", "allowed"),
                                                        ("reader", "allowed")]
    why = {e.name: (e.decision, e.statement) for e in read}
    assert why["carol"] == ("implicitDeny",
                            "permissions boundary: it does not allow what a policy allows")
    # without the flag, only who may (as before)
    assert [e.name for e in seeded.who_can(root, "s3:GetObject", OBJECT)] == ["alice", "reader"]


def test_who_can_is_authorized(seeded: IamService, root: Principal) -> None:
    from iamtui.errors import AccessDenied

    bob = Principal.for_user(seeded.get_user(root, "bob"), ACCOUNT_ID)
    with pytest.raises(AccessDenied):
        seeded.who_can(bob, "s3:GetObject", OBJECT)


def test_test_set_round_trip_and_changes(seeded: IamService, root: Principal,
                                         tmp_path: Path) -> None:
    test_set = TestSet(Subject(ALICE), ("s3:GetObject", "s3:DeleteObject"), (OBJECT,))
    results = seeded.evaluate_subject(root, test_set.subject, test_set.actions,
                                      test_set.resources)
    saved = test_set.with_results(results)
    path = tmp_path / "alice.json"
    saved.save(path)
    again = TestSet.load(path)
    assert again == saved
    assert run_test_set(seeded, root, again)[1] == []
    seeded.delete_user_policy(root, "alice", "Read")
    changes = run_test_set(seeded, root, again)[1]
    assert [(c.action, c.expected, c.actual) for c in changes] == [
        ("s3:GetObject", "allowed", "implicitDeny")]


@given(st.lists(st.sampled_from(["s3:*", "s3:GetObject", "S3:getobject", "ec2:*",
                                 "iam:PassRole", " "]), max_size=8))
def test_expand_actions_properties(actions: list[str]) -> None:
    mentioned = ["s3:GetObject", "s3:PutObject", "iam:PassRole"]
    out = expand_actions(actions, mentioned)
    lowered = [a.lower() for a in out]
    assert len(lowered) == len(set(lowered))  # no duplicates
    assert "s3:*" not in out  # s3 expands, since the policies mention s3 actions
    if "ec2:*" in actions:
        assert "ec2:*" in out  # nothing mentioned for ec2: kept as asked
    if "s3:*" in actions:
        assert {"s3:getobject", "s3:putobject"} <= set(lowered)


def test_cli_test_policies_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IAMTUI_CONFIG_DIR", str(tmp_path / "config"))
    for name in ("IAMTUI_ACCESS_KEY_ID", "IAMTUI_SECRET_ACCESS_KEY", "IAMTUI_SESSION_TOKEN",
                 "IAMTUI_PROFILE", "IAMTUI_DB"):
        monkeypatch.delenv(name, raising=False)
    db = str(tmp_path / "store.json")
    svc = IamService.initialize(db, root_password=ROOT_PASSWORD, account_id=ACCOUNT_ID)
    root = svc.root_principal()
    svc.create_user(root, "alice")
    svc.put_user_policy(root, "alice", "Read", READ)
    test_set = TestSet(Subject(ALICE), ("s3:GetObject",), (OBJECT,))
    test_set.with_results(svc.evaluate_subject(root, test_set.subject, test_set.actions,
                                                test_set.resources)).save(tmp_path / "t.json")

    def run() -> tuple[int, str]:
        monkeypatch.setattr(sys, "stdin", io.StringIO(ROOT_PASSWORD + "\n"))
        try:
            code = main(["test-policies", str(tmp_path / "t.json"), "--db", db, "--as-root",
                         "--root-password-stdin", "--output", "table"])
        except SystemExit as exit_:
            code = int(exit_.code or 0)
        return code, capsys.readouterr().out

    assert run()[0] == 0
    svc.delete_user_policy(root, "alice", "Read")
    svc.close()
    code, out = run()
    assert code == 1
    assert "s3:GetObject" in out and "allowed" in out and "implicitDeny" in out
