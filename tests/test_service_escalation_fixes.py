"""The fix for each privilege-escalation path: a Deny statement for one step, added to the
principal making it, proposed only when the analysis run again with it in memory no longer
finds the path, and applied as the ordinary PutUserPolicy / PutRolePolicy request.

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
from helpers import ACCOUNT_ID
from test_service_escalation import admin_user, allow, arn, doc, trust, user_with

from iamtui.errors import AccessDenied
from iamtui.service import IamService, Principal
from iamtui.service.core import Principal as P
from iamtui.service.escalation import FIX_POLICY_NAME, path_key

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
                   "Verified": True}
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
