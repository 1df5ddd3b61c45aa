"""The fixes for each privilege-escalation path: a Deny statement for one step, added to
the principal making it (ProposedFixes), and every other change that breaks the path (a
detached or deleted policy, a group membership, a narrowed trust policy: the path's
Fixes), each proposed only when the analysis run again with it in memory no longer finds
the path, ranked by the permissions it takes away, and applied as its IAM operation.

Every IAM Vulnerable scenario of tests/test_service_escalation.py is replayed here: its
store is built by the scenario's own test, then each proposed fix is applied through the
service and the account analysed again. The semantics relied on are the IAM User Guide's
"Policy evaluation logic" (an explicit Deny in an identity-based policy overrides every
Allow, a trust policy's included) and the IAM API reference's PutUserPolicy /
PutRolePolicy (an inline policy of that name is replaced).
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from typing import Any

import pytest
import test_service_escalation as scenarios
from helpers import ACCOUNT_ID, ROOT_PASSWORD, FakeClock
from test_service_escalation import admin_user, allow, arn, doc, trust, user_with

from iamtui.errors import AccessDenied
from iamtui.service import IamService, Principal
from iamtui.service.core import Principal as P
from iamtui.service.escalation import FIX_POLICY_NAME, FixCandidate, path_key
from iamtui.service.escalation_fixes import KINDS

Scenario = Callable[[IamService, Principal], None]
# the scenarios' tests that build a store (the command's and the authorization test do not)
SCENARIOS = [fn for name, fn in inspect.getmembers(scenarios, inspect.isfunction)
             if name.startswith("test_")
             and list(inspect.signature(fn).parameters) == ["service", "root"]]


def finding_arns(service: IamService, root: Principal) -> set[str]:
    return {f.principal_arn for f in service.find_privilege_escalation(root)}


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda fn: fn.__name__[5:])
def test_each_scenarios_fixes_remove_their_paths(service: IamService, root: Principal,
                                                 scenario: Scenario) -> None:
    """Every path of every IAM Vulnerable scenario gets a fix; applied through the service,
    each removes its path, and none adds a finding (a Deny only takes permissions away)."""
    scenario(service, root)
    report = service.analyse_privilege_escalation(root, propose_fixes=True)
    before = {f.principal_arn for f in report.findings}
    for finding in report.findings:
        assert [f.path_index for f in report.fixes_for(finding.principal_arn)] == \
            list(range(len(finding.paths)))
    for fix in report.fixes:
        path = next(f for f in report.findings
                    if f.principal_arn == fix.principal_arn).paths[fix.path_index]
        service.apply_escalation_fix(root, fix)
        after = service.find_privilege_escalation(root)
        assert {f.principal_arn for f in after} <= before
        remaining = [path_key(p.steps) for f in after if f.principal_arn == fix.principal_arn
                     for p in f.paths]
        assert path_key(path.steps) not in remaining


def test_the_fix_denies_the_step_to_the_principal_making_it(service: IamService,
                                                            root: Principal) -> None:
    """privesc4-CreateAccessKey: Deny iam:CreateAccessKey on the administrator, to the
    attacker alone, as a PutUserPolicy request."""
    boss = admin_user(service, root)
    who = user_with(service, root, "u", allow("iam:CreateAccessKey", boss))
    report = service.analyse_privilege_escalation(root, [who], propose_fixes=True)
    (fix,) = report.fixes
    out = fix.to_aws()
    document = json.loads(out["Parameters"].pop("PolicyDocument"))
    assert out == {"PrincipalArn": who, "PathIndex": 0,
                   "Breaks": {"Action": "iam:CreateAccessKey", "Resource": boss, "Via": who},
                   "Operation": "PutUserPolicy",
                   "Parameters": {"UserName": "u", "PolicyName": FIX_POLICY_NAME},
                   "Description": f"Deny iam:CreateAccessKey on {boss} to user u "
                                  f"(inline policy {FIX_POLICY_NAME})",
                   "Verified": True, "Kind": "DenyStatement", "RemovesPath": True}
    (statement,) = document["Statement"]
    assert {k: statement[k] for k in ("Effect", "Action", "Resource")} == {
        "Effect": "Deny", "Action": "iam:CreateAccessKey", "Resource": boss}
    assert service.list_user_policies(root, "u") == ["p"]  # proposing changes nothing


def test_a_role_in_the_chain_is_fixed_on_the_attacker_first(service: IamService,
                                                            root: Principal) -> None:
    """Role chain u -> hop -> top: the step the attacker makes itself is denied (nobody
    else loses a permission), not the role's."""
    service.create_role(root, "hop", trust({"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}))
    service.put_role_policy(root, "hop", "p", doc(allow("sts:AssumeRole", arn("role", "top"))))
    scenarios.admin_role(service, root, "top", {"AWS": arn("role", "hop")})
    who = user_with(service, root, "u", allow("sts:AssumeRole", arn("role", "hop")))
    (fix,) = service.analyse_privilege_escalation(root, [who], propose_fixes=True).fixes
    assert (fix.owner_kind, fix.owner_name, fix.breaks.action, fix.breaks.resource) == (
        "user", "u", "sts:AssumeRole", arn("role", "hop"))


def test_fixes_for_one_principal_share_its_policy(service: IamService,
                                                  root: Principal) -> None:
    """Two paths, two fixes for the same user: the second keeps the first's statement
    (PutUserPolicy replaces the whole inline policy), and the other statements of a
    policy already named so are kept too."""
    boss = admin_user(service, root)
    service.create_role(root, "hop", trust({"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}))
    service.put_role_policy(root, "hop", "p", doc(allow("iam:CreateAccessKey", boss)))
    who = user_with(service, root, "u", allow("iam:CreateAccessKey", boss),
                    allow("sts:AssumeRole", arn("role", "hop")))
    service.put_user_policy(root, "u", FIX_POLICY_NAME, doc(
        {"Sid": "Mine", "Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}))
    report = service.analyse_privilege_escalation(root, [who], propose_fixes=True)
    assert len(report.fixes) == 2
    for fix in report.fixes:
        service.apply_escalation_fix(root, fix)
        service.apply_escalation_fix(root, fix)  # twice: nothing more
    policy = service.get_owner_policy(root, "user", "u", FIX_POLICY_NAME)
    statements = json.loads(policy.document)["Statement"]
    assert [(s["Effect"], s["Action"]) for s in statements] == [
        ("Deny", "s3:DeleteBucket"), ("Deny", "iam:CreateAccessKey"),
        ("Deny", "sts:AssumeRole")]
    assert finding_arns(service, root) == {boss, arn("role", "hop")}  # u is no more


def test_applying_is_authorized_and_audited(service: IamService, root: Principal) -> None:
    """The fix is applied as GetUserPolicy then PutUserPolicy by the caller: a caller that
    may not put user policies is refused (AccessDenied, nothing changed); the root user's
    application is audited as PutUserPolicy."""
    boss = admin_user(service, root)
    who = user_with(service, root, "u", allow("iam:CreateAccessKey", boss))
    (fix,) = service.analyse_privilege_escalation(root, [who], propose_fixes=True).fixes
    reader = P.for_user(service.get_user(root, "u"), ACCOUNT_ID)
    with pytest.raises(AccessDenied):
        service.apply_escalation_fix(reader, fix)
    assert service.list_user_policies(root, "u") == ["p"]
    service.apply_escalation_fix(root, fix)
    event = json.loads(service.lookup_events(root, event_name="PutUserPolicy",
                                             involving_user="u")[0]["CloudTrailEvent"])
    assert event["requestParameters"]["policyName"] == FIX_POLICY_NAME
    assert finding_arns(service, root) == {boss}


def test_the_command_proposes_fixes(cli_run: Any) -> None:
    """--propose-fixes adds ProposedFixes; without it the output is Findings alone."""
    cli_run.as_root("create-user", "--user-name", "boss")
    cli_run.as_root("attach-user-policy", "--user-name", "boss", "--policy-arn",
                    scenarios.ADMIN)
    cli_run.as_root("create-user", "--user-name", "u")
    cli_run.as_root("put-user-policy", "--user-name", "u", "--policy-name", "p",
                    "--policy-document", doc(allow("iam:CreateAccessKey", arn("user", "boss"))))
    assert set(cli_run.as_root("find-privilege-escalation")) == {"Findings"}
    out = cli_run.as_root("find-privilege-escalation", "--propose-fixes")
    (fix,) = out["ProposedFixes"]
    assert (fix["PrincipalArn"], fix["Operation"], fix["Parameters"]["UserName"]) == (
        arn("user", "u"), "PutUserPolicy", "u")
    cli_run.as_root("put-user-policy", "--user-name", "u", "--policy-name",
                    fix["Parameters"]["PolicyName"], "--policy-document",
                    fix["Parameters"]["PolicyDocument"])
    after = cli_run.as_root("find-privilege-escalation")
    assert [f["PrincipalArn"] for f in after["Findings"]] == [arn("user", "boss")]


# ---------------------------------------------------------------------------- every candidate
# Issue 16: "the smallest change that breaks it (a Deny statement, a narrowed trust
# policy, a removed attachment)". Each kind is applied as its IAM API operation (IAM API
# Reference: PutUserPolicy, DetachUserPolicy, DeleteUserPolicy, RemoveUserFromGroup,
# UpdateAssumeRolePolicy), authorized and audited as that operation.

OPERATION_EVENTS = {"DenyStatement": ("PutUserPolicy", "PutRolePolicy"),
                    "DetachPolicy": ("DetachUserPolicy", "DetachRolePolicy"),
                    "DeleteInlinePolicy": ("DeleteUserPolicy", "DeleteRolePolicy"),
                    "RemoveFromGroup": ("RemoveUserFromGroup",),
                    "NarrowTrustPolicy": ("UpdateAssumeRolePolicy",)}


def fresh(tmp_path: Any, name: str) -> IamService:
    return IamService.initialize(tmp_path / name / "iamtui.json", root_password=ROOT_PASSWORD,
                                 account_id=ACCOUNT_ID, clock=FakeClock(),
                                 keys_dir=tmp_path / name / "keys")


def check_each_candidate(tmp_path: Any, build: Callable[[IamService, Principal], None],
                         who: str | None = None) -> list[FixCandidate]:
    """Every candidate of every path (of `who`, or of every finding), applied alone to a
    store built afresh: the path is gone, no finding is added, and the audit trail holds
    the candidate's operation. Returns the candidates."""
    svc = fresh(tmp_path, "proposal")
    build(svc, svc.root_principal())
    report = svc.analyse_privilege_escalation(svc.root_principal(), [who] if who else [],
                                              propose_fixes=True)
    svc.close()
    out = []
    for finding in report.findings:
        for index, path in enumerate(finding.paths):
            candidates = report.candidates_for(finding.principal_arn, index)
            assert candidates, f"no candidate for path {index} of {finding.principal_arn}"
            costs = [c.permissions_removed for c in candidates]
            assert costs == sorted(costs)
            for number, candidate in enumerate(candidates):
                svc = fresh(tmp_path, f"{finding.principal_arn[-12:]}-{index}-{number}")
                try:
                    root = svc.root_principal()
                    build(svc, root)
                    before = finding_arns(svc, root)
                    svc.apply_fix_candidate(root, candidate)
                    after = svc.find_privilege_escalation(root)
                    assert {f.principal_arn for f in after} <= before
                    assert path_key(path.steps) not in [
                        path_key(p.steps) for f in after
                        if f.principal_arn == finding.principal_arn for p in f.paths]
                    events = {e["EventName"] for e in svc.lookup_events(root, max_results=5)}
                    assert events & set(OPERATION_EVENTS[candidate.kind]), candidate
                finally:
                    svc.close()
                out.append(candidate)
    return out


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda fn: fn.__name__[5:])
def test_each_scenarios_candidates_each_remove_their_path(tmp_path: Any,
                                                          scenario: Scenario) -> None:
    """Every IAM Vulnerable scenario: every candidate of every path, applied alone."""
    found = check_each_candidate(tmp_path, scenario)
    assert {c.kind for c in found} <= set(KINDS)


def group_and_trust(service: IamService, root: Principal) -> None:
    """u is in group ops, whose inline policy lets it assume top (and read S3 objects);
    v has the managed policy Reader: three reads and sts:AssumeRole on top, an
    administrator role that trusts the account and a partner account."""
    service.create_group(root, "ops")
    service.put_group_policy(root, "ops", "assume", doc(
        allow("sts:AssumeRole", arn("role", "top")), allow("s3:GetObject")))
    service.create_user(root, "u")
    service.add_user_to_group(root, "ops", "u")
    reader = service.create_policy(root, "Reader", doc(
        allow(["s3:ListBucket", "s3:GetBucketLocation", "ec2:DescribeInstances"]),
        allow("sts:AssumeRole", arn("role", "top"))))
    service.create_user(root, "v")
    service.attach_policy(root, "user", "v", reader.arn)
    service.create_role(root, "top", doc({
        "Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": [
            f"arn:aws:iam::{ACCOUNT_ID}:root", "arn:aws:iam::444455556666:root"]}}))
    service.attach_policy(root, "role", "top", scenarios.ADMIN)


def test_the_kinds_and_their_ranking(tmp_path: Any) -> None:
    """Smallest first, by the requests of the test set lost: a Deny of the step (1); the
    account taken out of top's trust (u and v each lose sts:AssumeRole: 2, a tie broken
    toward the trust policy, which no principal's own grants lose); u out of ops (the
    group's two grants: 2); Reader detached from v (its four grants: 4)."""
    found = check_each_candidate(tmp_path, group_and_trust)
    ranked = {who: [(c.kind, c.permissions_removed) for c in found if c.principal_arn == who]
              for who in (arn("user", "u"), arn("user", "v"))}
    assert ranked == {
        arn("user", "u"): [("DenyStatement", 1), ("NarrowTrustPolicy", 2),
                           ("RemoveFromGroup", 2)],
        arn("user", "v"): [("DenyStatement", 1), ("NarrowTrustPolicy", 2),
                           ("DetachPolicy", 4)]}


def test_a_narrowed_trust_policy_drops_only_the_callers_entry(service: IamService,
                                                              root: Principal) -> None:
    """privesc-AssumeRole where the trust policy names the user itself: the narrowed
    trust policy keeps the other principal it names (IAM User Guide, "Role trust
    policies"), applied as UpdateAssumeRolePolicy; only the entry named is removed, from
    the trust policy as it is when applied."""
    service.create_user(root, "u")
    service.create_user(root, "keep")
    service.create_role(root, "top", doc({
        "Effect": "Allow", "Action": "sts:AssumeRole",
        "Principal": {"AWS": [arn("user", "u"), arn("user", "keep")]}}))
    service.attach_policy(root, "role", "top", scenarios.ADMIN)
    report = service.analyse_privilege_escalation(root, [arn("user", "u")],
                                                  propose_fixes=True)
    (narrow,) = [c for c in report.candidates if c.kind == "NarrowTrustPolicy"]
    assert narrow.removed_principal == arn("user", "u")
    assert narrow.permissions_removed == 1
    service.apply_fix_candidate(root, narrow)
    trust_doc = json.loads(service.get_role(root, "top").assume_role_policy_document)
    assert trust_doc["Statement"][0]["Principal"] == {"AWS": arn("user", "keep")}
    assert finding_arns(service, root) == {arn("role", "top"), arn("user", "keep")}


def test_applying_a_candidate_is_refused_without_its_permission(service: IamService,
                                                               root: Principal) -> None:
    """A detachment applied by a user without iam:DetachUserPolicy: AccessDenied,
    nothing detached."""
    group_and_trust(service, root)
    report = service.analyse_privilege_escalation(root, [arn("user", "v")],
                                                  propose_fixes=True)
    detach = next(c for c in report.candidates if c.kind == "DetachPolicy")
    service.create_user(root, "auditor")
    auditor = P.for_user(service.get_user(root, "auditor"), ACCOUNT_ID)
    with pytest.raises(AccessDenied):
        service.apply_fix_candidate(auditor, detach)
    assert [p.policy_name for p in service.list_attached_policies(root, "user", "v")] == \
        ["Reader"]


def test_the_command_lists_every_fix_per_path(cli_run: Any) -> None:
    """--propose-fixes: each path gains Fixes (Kind, Operation, Parameters,
    PermissionsRemoved, RemovesPath), smallest first; ProposedFixes keeps its shape."""
    cli_run.as_root("create-user", "--user-name", "boss")
    cli_run.as_root("attach-user-policy", "--user-name", "boss", "--policy-arn",
                    scenarios.ADMIN)
    cli_run.as_root("create-user", "--user-name", "u")
    cli_run.as_root("put-user-policy", "--user-name", "u", "--policy-name", "p",
                    "--policy-document", doc(allow("iam:CreateAccessKey", arn("user", "boss")),
                                             allow("s3:GetObject")))
    out = cli_run.as_root("find-privilege-escalation", "--propose-fixes",
                          "--principal-arn", arn("user", "u"))
    (path,) = out["Findings"][0]["Paths"]
    assert [(f["Kind"], f["Operation"], f["PermissionsRemoved"], f["RemovesPath"])
            for f in path["Fixes"]] == [("DenyStatement", "PutUserPolicy", 1, True),
                                        ("DeleteInlinePolicy", "DeleteUserPolicy", 2, True)]
    assert path["Fixes"][1]["Parameters"] == {"UserName": "u", "PolicyName": "p"}
    assert set(out["ProposedFixes"][0]) >= {"PrincipalArn", "PathIndex", "Breaks",
                                            "Operation", "Parameters", "Description",
                                            "Verified"}
    plain = cli_run.as_root("find-privilege-escalation", "--principal-arn", arn("user", "u"))
    assert set(plain) == {"Findings"} and "Fixes" not in plain["Findings"][0]["Paths"][0]


def test_a_policy_variable_in_the_test_set_takes_the_principals_own_value(
        service: IamService, root: Principal) -> None:
    """IAM User Guide, "IAM policy elements: Variables and tags": `user/${aws:username}`
    means the caller's own user. u's inline policy lets it read and rewrite its own
    inline policies; deleting that policy takes both grants away (2), where the Deny of
    the step takes one: counting the Resource as written (a literal "${aws:username}"
    that no request names) would have called the deletion as small as the Deny."""
    service.create_user(root, "u")
    service.put_user_policy(root, "u", "self", doc(allow(
        ["iam:GetUserPolicy", "iam:PutUserPolicy"],
        f"arn:aws:iam::{ACCOUNT_ID}:user/${{aws:username}}")))
    report = service.analyse_privilege_escalation(root, [arn("user", "u")],
                                                  propose_fixes=True)
    costs = {c.kind: c.permissions_removed for c in report.candidates}
    assert costs == {"DenyStatement": 1, "DeleteInlinePolicy": 2}
