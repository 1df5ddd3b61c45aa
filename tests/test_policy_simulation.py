"""The one simulation path (iamtui.policy.simulation): the request check, a principal's
context, the action × resource matrix, the decision words as StrEnums, and every caller
going through it.

AWS semantics: IAM API Reference, SimulateCustomPolicy and SimulatePrincipalPolicy (each
action is evaluated for each resource; ActionNames name their service; ResourceArns members
are ResourceNameType, 1 to 2048 characters; ContextEntry types), EvaluationResult
(EvalDecision allowed | explicitDeny | implicitDeny) and the IAM User Guide, "AWS global
condition context keys" (aws:PrincipalArn, aws:PrincipalAccount, aws:userid,
aws:username, aws:PrincipalType User | AssumedRole | Account, aws:PrincipalTag/*,
aws:MultiFactorAuthPresent, aws:MultiFactorAuthAge, aws:TokenIssueTime).
"""

from __future__ import annotations

import ast
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from helpers import ACCOUNT_ID, CliRunner, parsed
from hypothesis import given
from hypothesis import strategies as st

from iamtui.errors import InvalidInput, ValidationError
from iamtui.policy import (
    Caller,
    ContextEntry,
    Decision,
    EvalRequest,
    Layer,
    PolicyInput,
    PolicySet,
    PolicySourceType,
    PolicyType,
    PrincipalMatch,
    RequestContext,
    compile_policy,
    evaluate,
    simulation,
)
from iamtui.service import IamService, Principal
from iamtui.service.who_can import Subject
from iamtui.testsets import TestCase, TestSet, compare, run_test_set

ALICE = f"arn:aws:iam::{ACCOUNT_ID}:user/alice"
BUCKET = "arn:aws:s3:::reports"
OBJECT = f"{BUCKET}/q1.csv"


def policy(*statements: dict[str, Any], kind: PolicyType = PolicyType.IDENTITY,
           source_id: str = "p") -> PolicyInput:
    text = json.dumps({"Version": "2012-10-17", "Statement": list(statements)})
    source = PolicySourceType.RESOURCE if kind is PolicyType.RESOURCE else PolicySourceType.NONE
    return PolicyInput(compile_policy(text, kind), source_id, source)


READ = policy({"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"{BUCKET}/*"},
              {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"})
BUCKET_POLICY = policy({"Effect": "Allow", "Principal": {"AWS": ALICE},
                        "Action": "s3:PutObject", "Resource": f"{BUCKET}/*"},
                       kind=PolicyType.RESOURCE, source_id=BUCKET)


# ---------------------------------------------------------------------------- StrEnums

def test_decision_layer_and_principal_match_are_the_strings_aws_and_our_json_use() -> None:
    assert [d.value for d in Decision] == ["allowed", "explicitDeny", "implicitDeny"]
    assert [x.value for x in Layer] == ["identity", "boundary", "resource", "session",
                                        "cross-account"]
    assert [m.value for m in PrincipalMatch] == ["wildcard", "direct", "role", "account"]
    for member in (*Decision, *Layer, *PrincipalMatch):
        # a member is its string: equal, same hash (dict keys), printed and dumped as it
        assert member == member.value and hash(member) == hash(member.value)
        assert str(member) == f"{member}" == member.value
        assert json.dumps([member]) == json.dumps([member.value])
    assert {"allowed": 1}[Decision.ALLOWED] == 1


def test_the_engine_answers_in_the_enums() -> None:
    denied = evaluate(EvalRequest("s3:DeleteObject", OBJECT), [READ])
    assert denied.decision is Decision.EXPLICIT_DENY and denied.decided_by is Layer.IDENTITY
    nothing = evaluate(EvalRequest("ec2:RunInstances", "*"), [READ])
    assert nothing.decision is Decision.IMPLICIT_DENY
    put = evaluate(EvalRequest("s3:PutObject", OBJECT, caller=Caller.from_arn(ALICE)),
                   [READ], resource_policy=BUCKET_POLICY)
    assert put.decision is Decision.ALLOWED and put.decided_by is Layer.RESOURCE
    assert put.matched[0].principal is PrincipalMatch.DIRECT
    assert put.to_aws()["EvalDecision"] == "allowed"


# ---------------------------------------------------------------------------- the request

@given(st.text(max_size=40))
def test_an_action_names_its_service_or_is_a_star(action: str) -> None:
    if action == "*" or ":" in action:
        assert simulation.check_action(action) == action
    else:
        with pytest.raises(InvalidInput, match="must look like service:ActionName"):
            simulation.check_action(action)


def test_check_request_defaults_and_refusals() -> None:
    request = simulation.check_request(["s3:GetObject"], [])
    assert request.actions == ("s3:GetObject",) and request.resources == ("*",)
    with pytest.raises(InvalidInput, match="at least one action"):
        simulation.check_request([], ["*"])
    with pytest.raises(InvalidInput, match="'GetObject' must look like"):
        simulation.check_request(["s3:GetObject", "GetObject"])
    # ResourceNameType: 1 to 2048 characters
    with pytest.raises(ValidationError, match=r"resourceArns\.2\.member.*between 1 and 2048"):
        simulation.check_request(["s3:GetObject"], ["*", ""])
    with pytest.raises(ValidationError):
        simulation.check_request(["s3:GetObject"], ["arn:aws:s3:::b/" + "k" * 2048])
    assert simulation.check_request(["s3:*"], ["arn:aws:s3:::b/" + "k" * 2030]).resources


def test_check_request_checks_context_entries_as_aws_does() -> None:
    ok = simulation.check_request(["s3:GetObject"], context=[
        ContextEntry("aws:SourceIp", ("203.0.113.10",), "ip"),
        ContextEntry("s3:prefix", ("a", "b"), "stringList")])
    assert ok.context.get("aws:sourceip").values == ("203.0.113.10",)
    with pytest.raises(InvalidInput, match="not a valid ip"):
        simulation.check_request(["s3:GetObject"], context=[
            ContextEntry("aws:SourceIp", ("not an address",), "ip")])
    with pytest.raises(InvalidInput, match="takes one value"):
        simulation.check_request(["s3:GetObject"], context=[
            ContextEntry("aws:username", ("alice", "bob"), "string")])
    with pytest.raises(InvalidInput, match="ContextKeyType"):
        simulation.check_request(["s3:GetObject"], context=[
            ContextEntry("aws:username", ("alice",), "text")])


# ---------------------------------------------------------------------------- the context

def keys(entries: list[ContextEntry]) -> dict[str, tuple[str, ...]]:
    return {e.key: e.values for e in entries}


def test_principal_context_of_a_user_a_role_session_and_root() -> None:
    user = simulation.principal_context("user", ALICE, ACCOUNT_ID, "AIDAEXAMPLE",
                                        username="alice", tags=[("team", "data")])
    assert keys(user) == {
        "aws:PrincipalArn": (ALICE,), "aws:PrincipalAccount": (ACCOUNT_ID,),
        "aws:userid": ("AIDAEXAMPLE",), "aws:PrincipalType": ("User",),
        "aws:username": ("alice",), "aws:PrincipalTag/team": ("data",)}
    role = simulation.principal_context("assumed-role", "arn:aws:iam::111122223333:role/r",
                                        ACCOUNT_ID, "AROAEXAMPLE:s")
    assert keys(role)["aws:PrincipalType"] == ("AssumedRole",) and "aws:username" not in keys(role)
    root = simulation.principal_context("root", "arn:aws:iam::111122223333:root", ACCOUNT_ID,
                                        ACCOUNT_ID)
    assert keys(root)["aws:PrincipalType"] == ("Account",)


def test_session_context_says_mfa_only_when_the_credentials_know() -> None:
    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    keys_only = keys(simulation.session_context(now))
    assert keys_only == {"aws:CurrentTime": ("2026-01-02T03:04:05Z",),
                         "aws:EpochTime": (str(int(now.timestamp())),),
                         "aws:SecureTransport": ("true",)}
    console = keys(simulation.session_context(now, mfa_known=True))
    assert console["aws:MultiFactorAuthPresent"] == ("false",)
    proven = simulation.session_context(now, mfa_at=now - timedelta(seconds=90),
                                        issued_at=now - timedelta(hours=1))
    assert keys(proven)["aws:MultiFactorAuthPresent"] == ("true",)
    assert keys(proven)["aws:MultiFactorAuthAge"] == ("90",)
    assert keys(proven)["aws:TokenIssueTime"] == ("2026-01-02T02:04:05Z",)
    assert {e.key: e.type for e in proven}["aws:MultiFactorAuthAge"] == "numeric"


def test_merge_context_never_overwrites_what_the_caller_gives() -> None:
    implied = [ContextEntry("aws:username", ("alice",)), ContextEntry("aws:userid", ("A",))]
    merged = simulation.merge_context(implied, [ContextEntry("AWS:UserName", ("bob",))])
    assert merged.get("aws:username").values == ("bob",)
    assert merged.get("aws:userid").values == ("A",)
    again = simulation.merge_context(implied, RequestContext([ContextEntry("x:y", ("1",))]))
    assert sorted(e.key for e in again.entries()) == ["aws:userid", "aws:username", "x:y"]


# ---------------------------------------------------------------------------- the matrix

def test_the_matrix_is_action_major_and_each_cell_is_the_engines_answer() -> None:
    actions, resources = ("s3:GetObject", "s3:DeleteObject", "s3:PutObject"), (OBJECT, "*")
    request = simulation.check_request(actions, resources)
    caller = Caller.from_arn(ALICE)
    asked: list[tuple[str, str]] = []

    def stored(action: str, resource: str) -> PolicyInput | None:
        asked.append((action, resource))
        return BUCKET_POLICY if resource.startswith(BUCKET) else None

    results = simulation.simulate(request, [READ], caller=caller,
                                  stored_resource_policy=stored)
    cells = [(r.inputs.request.action, r.inputs.request.resource) for r in results]
    assert cells == [(a, r) for a in actions for r in resources] == asked
    for result, (action, resource) in zip(results, cells, strict=True):
        alone = evaluate(EvalRequest(action, resource, request.context, caller), [READ],
                         resource_policy=stored(action, resource))
        assert result.to_aws() == alone.to_aws()
    assert [r.decision for r in results] == [
        Decision.ALLOWED, Decision.IMPLICIT_DENY, Decision.EXPLICIT_DENY,
        Decision.EXPLICIT_DENY, Decision.ALLOWED, Decision.IMPLICIT_DENY]
    # a given ResourcePolicy applies to every resource: the store is not asked
    asked.clear()
    anywhere = policy({"Effect": "Allow", "Principal": {"AWS": ALICE},
                       "Action": "s3:PutObject", "Resource": "*"},
                      kind=PolicyType.RESOURCE, source_id="ResourcePolicy")
    given_policy = simulation.simulate(request, PolicySet([READ]), caller=caller,
                                       resource_policy=anywhere, stored_resource_policy=stored)
    assert asked == [] and [r.decision for r in given_policy][4:] == [Decision.ALLOWED] * 2


def test_the_matrix_keeps_boundaries_owner_and_context() -> None:
    boundary = policy({"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                       "Condition": {"StringEquals": {"aws:username": "alice"}}})
    request = simulation.check_request(["s3:GetObject"], [OBJECT])
    bare = simulation.simulate(request, [READ], boundaries=[boundary])[0]
    assert bare.decision is Decision.IMPLICIT_DENY and bare.decided_by is Layer.BOUNDARY
    assert bare.missing_context == ("aws:username",)
    alice = request.with_context(simulation.merge_context(simulation.principal_context(
        "user", ALICE, ACCOUNT_ID, "AIDA", username="alice"), request.context))
    assert simulation.simulate(alice, [READ], boundaries=[boundary])[0].allowed
    other = simulation.simulate(request, [READ], caller=Caller.from_arn(ALICE),
                                resource_owner="999999999999")[0]
    assert other.cross_account and other.decision is Decision.IMPLICIT_DENY


# ---------------------------------------------------------------------------- every caller

@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records each caller's trip through the one module (check, then the matrix)."""
    seen: list[str] = []
    check, run = simulation.check_request, simulation.simulate

    def checking(*args: Any, **kwargs: Any) -> Any:
        seen.append("check")
        return check(*args, **kwargs)

    def simulating(*args: Any, **kwargs: Any) -> Any:
        seen.append("simulate")
        return run(*args, **kwargs)

    monkeypatch.setattr(simulation, "check_request", checking)
    monkeypatch.setattr(simulation, "simulate", simulating)
    return seen


READ_TEXT = READ.policy.document.text


def test_simulate_custom_policy_goes_through_the_module(calls: list[str], cli_run: CliRunner
                                                        ) -> None:
    out = cli_run.ok("simulate-custom-policy", "--policy-input-list", READ_TEXT,
                     "--action-names", "s3:GetObject", "s3:PutObject", "--resource-arns", OBJECT)
    assert [r["EvalDecision"] for r in out["EvaluationResults"]] == ["allowed", "implicitDeny"]
    assert calls == ["check", "simulate"]


def test_simulate_principal_policy_and_test_policies_go_through_the_module(
        calls: list[str], cli_run: CliRunner, tmp_path: Path) -> None:
    cli_run.as_root("create-user", "--user-name", "alice")
    cli_run.as_root("put-user-policy", "--user-name", "alice", "--policy-name", "Read",
                    "--policy-document", READ_TEXT)
    calls.clear()
    out = cli_run.as_root("simulate-principal-policy", "--policy-source-arn", ALICE,
                          "--action-names", "s3:GetObject", "--resource-arns", OBJECT)
    assert out["EvaluationResults"][0]["EvalDecision"] == "allowed"
    assert calls == ["check", "simulate"]
    saved = TestSet(Subject(ALICE), ("s3:GetObject",), (OBJECT,),
                    cases=(TestCase("s3:GetObject", OBJECT, Decision.ALLOWED),))
    saved.save(tmp_path / "set.json")
    calls.clear()
    code, stdout, _ = cli_run.root("test-policies", str(tmp_path / "set.json"))
    assert code == 0 and parsed(stdout) == {"Cases": 1, "Changed": []}
    assert calls == ["check", "simulate"]


def test_the_tester_and_who_can_go_through_the_module(calls: list[str], service: IamService,
                                                      root: Principal) -> None:
    service.create_user(root, "alice")
    service.create_user(root, "bob")
    service.put_user_policy(root, "alice", "Read", READ_TEXT)
    results = service.evaluate_subject(root, Subject(ALICE), ["s3:GetObject"], [OBJECT])
    assert [r.decision for r in results] == [Decision.ALLOWED]
    assert calls == ["check", "simulate"]
    calls.clear()
    found = service.who_can(root, "s3:GetObject", OBJECT)
    assert [e.name for e in found] == ["alice"]
    # one check, then one matrix per principal that has policies (bob has none)
    assert calls == ["check", "simulate"]


def test_the_principal_context_is_built_in_one_place(monkeypatch: pytest.MonkeyPatch,
                                                     service: IamService,
                                                     root: Principal) -> None:
    """The service's own authorization (caller_context) and --fill-principal-context
    both ask simulation.principal_context."""
    built: list[str] = []
    real = simulation.principal_context

    def spy(kind: str, arn: str, *args: Any, **kwargs: Any) -> list[ContextEntry]:
        built.append(kind)
        return real(kind, arn, *args, **kwargs)

    monkeypatch.setattr(simulation, "principal_context", spy)
    user = service.create_user(root, "alice")
    service.caller_context(service.store.snapshot(), Principal.for_user(user, ACCOUNT_ID))
    assert built == ["user"]
    service.simulate_principal_policy(root, ALICE, ["s3:GetObject"],
                                      fill_principal_context=True)
    assert built == ["user", "user"]


ROOT = Path(__file__).resolve().parent.parent
CALLERS = ["iamtui/commands/policy.py", "iamtui/commands/simulation.py",
           "iamtui/commands/test_policies.py", "iamtui/service/simulation.py",
           "iamtui/service/who_can.py", "iamtui/testsets.py", "screens/tester.py"]


def test_no_caller_assembles_a_simulation_of_its_own() -> None:
    """The callers import neither the engine's evaluate nor EvalRequest: a request is built
    and decided in iamtui.policy.simulation only."""
    bad = []
    for name in CALLERS:
        for node in ast.walk(ast.parse((ROOT / name).read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and \
                    node.module.startswith("iamtui.policy"):
                bad += [f"{name}: {a.name}" for a in node.names
                        if a.name in ("evaluate", "EvalRequest", "RequestContext")]
    assert bad == []


def test_the_simulation_module_is_pure() -> None:
    """iamtui.policy.simulation works on parsed policies and requests: it imports nothing
    of the service, the store, the screens or the commands (a store's resource policy
    comes in as a function)."""
    tree = ast.parse((ROOT / "iamtui/policy/simulation.py").read_text(encoding="utf-8"))
    imported = {node.module for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) and node.module}
    imported |= {a.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                 for a in node.names}
    project = {m for m in imported if m.startswith("iamtui")}
    assert project and all(m == "iamtui.errors" or m.startswith("iamtui.policy.")
                           for m in project), project


# ---------------------------------------------------------------------------- test sets

def test_a_test_set_expects_decisions_and_compares_them() -> None:
    request = simulation.check_request(["s3:GetObject", "s3:DeleteObject"], [OBJECT])
    results = simulation.simulate(request, [READ])
    test_set = TestSet(Subject(ALICE), request.actions, request.resources).with_results(results)
    assert [c.expected for c in test_set.cases] == [Decision.ALLOWED, Decision.EXPLICIT_DENY]
    again = TestSet.from_json(test_set.to_json())
    assert again == test_set and all(isinstance(c.expected, Decision) for c in again.cases)
    assert compare(again, results) == []
    now = simulation.simulate(request, [])
    changed = compare(again, now)
    assert [(c.action, c.expected, c.actual) for c in changed] == [
        ("s3:GetObject", "allowed", "implicitDeny"),
        ("s3:DeleteObject", "explicitDeny", "implicitDeny")]
    asked_less = compare(again, now[:1])
    assert asked_less[-1].actual is None  # a case no longer asked


def test_a_test_set_with_an_unknown_decision_is_refused() -> None:
    data = json.loads(TestSet(Subject(ALICE), ("s3:GetObject",), ("*",), cases=(
        TestCase("s3:GetObject", "*", Decision.ALLOWED),)).to_json())
    data["Expected"][0]["Decision"] = "Allowed"  # not AWS's spelling
    with pytest.raises(InvalidInput, match="Not an iamtui test set"):
        TestSet.from_json(json.dumps(data))


def test_run_test_set_is_the_services_answer_compared(service: IamService,
                                                      root: Principal) -> None:
    service.create_user(root, "alice")
    test_set = TestSet(Subject(ALICE), ("s3:GetObject",), (OBJECT,),
                       cases=(TestCase("s3:GetObject", OBJECT, Decision.ALLOWED),))
    results, changes = run_test_set(service, root, test_set)
    assert [r.decision for r in results] == [Decision.IMPLICIT_DENY]
    assert [(c.expected, c.actual) for c in changes] == [("allowed", "implicitDeny")]
