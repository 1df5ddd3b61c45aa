"""Conditions on privilege-escalation hops: a key the attacker writes into its request
(aws:RequestTag/*, aws:TagKeys), or that the request carries (iam:PassedToService,
iam:PolicyARN, the resource's tags, aws:CurrentTime), counts as satisfiable; a key nobody
can set (aws:MultiFactorAuthPresent for access keys, aws:SourceIp) does not; each step
says which keys it relied on and why ("AssumedConditions").

Semantics from the IAM User Guide: "AWS global condition context keys" (aws:RequestTag,
aws:TagKeys, aws:PrincipalTag, aws:MultiFactorAuthPresent, aws:SourceIp,
aws:CurrentTime), "IAM and AWS STS condition context keys" (iam:PassedToService,
iam:ResourceTag), "Controlling access to and for IAM users and roles using tags",
"Pass session tags in AWS STS", "AWS: Denies access to AWS based on the source IP".
"""

from __future__ import annotations

from typing import Any

from test_service_escalation import (
    ACCOUNT_TRUST,
    admin_role,
    admin_user,
    allow,
    arn,
    doc,
    finding,
    user_with,
)

from iamtui.model import Tag
from iamtui.service import IamService, Principal
from iamtui.service.escalation import (
    WHY_ABSENT,
    WHY_ATTACKER,
    WHY_CARRIED,
    WHY_CREATED,
    WHY_DODGES,
    WHY_PRINCIPAL,
    WHY_SELF_TAGGED,
    EscalationStep,
)


def only_step(service: IamService, root: Principal, who: str) -> EscalationStep:
    result = finding(service, root, who)
    assert result is not None and result.paths, f"no path for {who}"
    return result.paths[0].steps[0]


def assumed(step: EscalationStep) -> list[dict[str, Any]]:
    return step.to_aws().get("AssumedConditions", [])


def test_passed_to_service_is_carried_by_the_request(service: IamService,
                                                     root: Principal) -> None:
    """iam:PassedToService is set by the request that passes the role: the PassRole step
    says it relied on it, with the service it named."""
    role = admin_role(service, root, "fn", {"Service": "lambda.amazonaws.com"})
    who = user_with(service, root, "u", allow(
        "iam:PassRole", role,
        Condition={"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}),
        allow(["lambda:CreateFunction", "lambda:InvokeFunction"]))
    assert assumed(only_step(service, root, who)) == [
        {"Key": "iam:PassedToService", "Why": WHY_CARRIED,
         "Values": ["lambda.amazonaws.com"]}]


def test_request_tags_are_the_attackers_to_choose(service: IamService,
                                                  root: Principal) -> None:
    """"Pass session tags in AWS STS": a trust policy may require session tags
    (aws:RequestTag/project, with aws:TagKeys limiting which). The caller writes them into
    its AssumeRole request, so the condition is satisfiable, and the step says so."""
    service.create_role(root, "ops", doc({
        "Effect": "Allow", "Principal": ACCOUNT_TRUST, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:RequestTag/project": "blue"},
                      "ForAllValues:StringEquals": {"aws:TagKeys": ["project"]}}}))
    service.attach_policy(root, "role", "ops", "arn:aws:iam::aws:policy/AdministratorAccess")
    who = user_with(service, root, "u", allow("sts:AssumeRole", arn("role", "ops")))
    step = only_step(service, root, who)
    assert step.action == "sts:AssumeRole"
    assert assumed(step) == [
        {"Key": "aws:RequestTag/project", "Why": WHY_ATTACKER, "Values": ["blue"]},
        {"Key": "aws:TagKeys", "Why": WHY_ATTACKER, "Values": ["project"]}]


def test_mfa_is_not_assumed_and_its_absence_is_said(service: IamService,
                                                    root: Principal) -> None:
    """aws:MultiFactorAuthPresent is absent from requests signed with long-term access
    keys: Bool true never holds (no finding), and BoolIfExists false holds, which the step
    reports as an absent key rather than a satisfied one."""
    boss = admin_user(service, root)
    strict = user_with(service, root, "strict", allow(
        "iam:CreateAccessKey", boss, Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}}))
    assert finding(service, root, strict) is None
    lax = user_with(service, root, "lax", allow(
        "iam:CreateAccessKey", boss,
        Condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}))
    assert assumed(only_step(service, root, lax)) == [
        {"Key": "aws:MultiFactorAuthPresent", "Why": WHY_ABSENT}]


def test_source_ip_is_nobodys_to_set(service: IamService, root: Principal) -> None:
    """An allow from the corporate range only, and "AWS: Denies access to AWS based on the
    source IP" (Deny NotIpAddress): the attacker's address is not assumed to be inside,
    so neither user has a path."""
    boss = admin_user(service, root)
    inside = user_with(service, root, "inside", allow(
        "iam:CreateAccessKey", boss, Condition={"IpAddress": {"aws:SourceIp": "192.0.2.0/24"}}))
    fenced = user_with(service, root, "fenced", allow("iam:CreateAccessKey", boss), {
        "Effect": "Deny", "Action": "*", "Resource": "*",
        "Condition": {"NotIpAddress": {"aws:SourceIp": ["192.0.2.0/24", "203.0.113.0/24"]}}})
    assert finding(service, root, inside) is None
    assert finding(service, root, fenced) is None


def test_principal_tags_count_as_they_are(service: IamService, root: Principal) -> None:
    """aws:PrincipalTag/team is the acting user's tag: a user tagged team=admins may,
    one tagged team=dev may not (and cannot retag itself)."""
    boss = admin_user(service, root)
    statement = allow("iam:CreateAccessKey", boss,
                      Condition={"StringEquals": {"aws:PrincipalTag/team": "admins"}})
    service.create_user(root, "dev", tags=[Tag("team", "dev")])
    service.put_user_policy(root, "dev", "p", doc(statement))
    assert finding(service, root, arn("user", "dev")) is None
    service.create_user(root, "ops", tags=[Tag("team", "admins")])
    service.put_user_policy(root, "ops", "p", doc(statement))
    assert assumed(only_step(service, root, arn("user", "ops"))) == [
        {"Key": "aws:PrincipalTag/team", "Why": WHY_PRINCIPAL, "Values": ["admins"]}]


def test_a_principal_that_may_tag_itself_controls_its_tags(service: IamService,
                                                           root: Principal) -> None:
    """"Controlling access to and for IAM users and roles using tags": a user allowed
    iam:TagUser on itself can give itself the tag a condition wants, so the condition is
    the attacker's; the step names the statement that lets it retag itself."""
    boss = admin_user(service, root)
    service.create_user(root, "dev", tags=[Tag("team", "dev")])
    service.put_user_policy(root, "dev", "p", doc(
        allow("iam:CreateAccessKey", boss,
              Condition={"StringEquals": {"aws:PrincipalTag/team": "admins"}}),
        {"Sid": "TagMyself", **allow("iam:TagUser", arn("user", "dev"))}))
    (entry,) = assumed(only_step(service, root, arn("user", "dev")))
    assert entry == {"Key": "aws:PrincipalTag/team",
                     "Why": f"{WHY_SELF_TAGGED} (iam:TagUser by p TagMyself)",
                     "Values": ["admins"]}


def test_self_tagging_limited_by_request_tags_is_not_enough(service: IamService,
                                                            root: Principal) -> None:
    """TagUser allowed on itself, but only for the tag key "cost" (aws:TagKeys): the user
    cannot set team=admins, so there is no path."""
    boss = admin_user(service, root)
    service.create_user(root, "dev", tags=[Tag("team", "dev")])
    service.put_user_policy(root, "dev", "p", doc(
        allow("iam:CreateAccessKey", boss,
              Condition={"StringEquals": {"aws:PrincipalTag/team": "admins"}}),
        allow("iam:TagUser", arn("user", "dev"),
              Condition={"ForAllValues:StringEquals": {"aws:TagKeys": ["cost"]}})))
    assert finding(service, root, arn("user", "dev")) is None


def test_the_targets_tags_are_carried(service: IamService, root: Principal) -> None:
    """iam:ResourceTag/role is the tag of the user the request names: CreateAccessKey on
    users tagged role=admin reaches the one administrator so tagged, and says why."""
    service.create_user(root, "boss", tags=[Tag("role", "admin")])
    service.attach_policy(root, "user", "boss", "arn:aws:iam::aws:policy/AdministratorAccess")
    admin_user(service, root, "quiet")  # an untagged administrator is not reachable
    who = user_with(service, root, "u", allow(
        "iam:CreateAccessKey", "*", Condition={"StringEquals": {"iam:ResourceTag/role": "admin"}}))
    result = finding(service, root, who)
    assert result is not None
    assert [p.steps[0].resource for p in result.paths] == [arn("user", "boss")]
    assert assumed(result.paths[0].steps[0]) == [
        {"Key": "iam:ResourceTag/role", "Why": WHY_CARRIED, "Values": ["admin"]}]


def test_the_current_time_is_carried(service: IamService, root: Principal) -> None:
    """aws:CurrentTime is in every request: a grant that has not expired (the store's
    clock says 2026-11-28) holds; one that expired does not."""
    boss = admin_user(service, root)
    live = user_with(service, root, "live", allow(
        "iam:CreateAccessKey", boss,
        Condition={"DateLessThan": {"aws:CurrentTime": "2027-01-01T00:00:00Z"}}))
    expired = user_with(service, root, "expired", allow(
        "iam:CreateAccessKey", boss,
        Condition={"DateLessThan": {"aws:CurrentTime": "2026-01-01T00:00:00Z"}}))
    assert finding(service, root, expired) is None
    (entry,) = assumed(only_step(service, root, live))
    assert (entry["Key"], entry["Why"]) == ("aws:CurrentTime", WHY_CARRIED)


# ---------------------------------------------------------------------------- dodging a Deny
# IAM User Guide, "IAM tutorial: Define permissions to access AWS resources based on tags"
# (ABAC: a resource is created with the creator's access-project tag, and used only when
# its tag matches the caller's) and "Controlling access to and for IAM users and roles
# using tags" (a principal allowed iam:TagUser on itself chooses its own tags). A Deny
# whose condition reads a key the attacker sets is no wall: the attacker picks a value
# under which it does not apply, and the step says which value and which Deny.

ABAC_TAG = "${aws:PrincipalTag/access-project}"


def lambda_runner(service: IamService, root: Principal, *extra: dict[str, Any]) -> str:
    """User u (access-project=peg) may pass fn, an administrator role Lambda assumes, to a
    new function and invoke it; `extra` statements (the Denies) beside."""
    role = admin_role(service, root, "fn", {"Service": "lambda.amazonaws.com"})
    service.create_user(root, "u", tags=[Tag("access-project", "peg")])
    service.put_user_policy(root, "u", "p", doc(
        allow("iam:PassRole", role),
        allow(["lambda:CreateFunction", "lambda:InvokeFunction"]), *extra))
    return arn("user", "u")


def conditions_of(service: IamService, root: Principal, who: str) -> dict[str, list[Any]]:
    result = finding(service, root, who)
    assert result is not None and result.paths, f"no path for {who}"
    return {s.action: assumed(s) for s in result.paths[0].steps}


def test_a_request_tag_deny_is_dodged_by_tagging_as_it_asks(service: IamService,
                                                            root: Principal) -> None:
    """Deny lambda:CreateFunction unless the new function is tagged with the caller's
    access-project (StringNotEquals aws:RequestTag/access-project with the variable): the
    attacker tags it peg, and the step says so and names the Deny it steps around."""
    who = lambda_runner(service, root, {
        "Sid": "OwnProjectOnly", "Effect": "Deny", "Action": "lambda:CreateFunction",
        "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:RequestTag/access-project": ABAC_TAG}}})
    steps = conditions_of(service, root, who)
    assert steps["lambda:CreateFunction"] == [{
        "Key": "aws:RequestTag/access-project",
        "Why": f"{WHY_ATTACKER}; {WHY_DODGES} p OwnProjectOnly", "Values": ["peg"]}]


def test_a_resource_tag_deny_on_what_the_attacker_creates_is_dodged(
        service: IamService, root: Principal) -> None:
    """Deny lambda:InvokeFunction on functions not tagged with the caller's project
    (aws:ResourceTag/access-project): the attacker creates the function itself, tagged
    peg, so the invocation is allowed; both steps say what they carried."""
    who = lambda_runner(service, root, {
        "Effect": "Deny", "Action": "lambda:InvokeFunction", "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:ResourceTag/access-project": ABAC_TAG}}})
    steps = conditions_of(service, root, who)
    assert steps["lambda:InvokeFunction"] == [
        {"Key": "aws:ResourceTag/access-project", "Why": WHY_CREATED, "Values": ["peg"]}]
    assert {c["Key"]: c["Values"] for c in steps["lambda:CreateFunction"]} == {
        "aws:RequestTag/access-project": ["peg"], "aws:TagKeys": ["access-project"]}


def test_no_path_when_the_attacker_may_not_tag_what_it_creates(service: IamService,
                                                               root: Principal) -> None:
    """False positive avoided: the same Deny on invoking untagged functions, and a Deny on
    creating a function with any tag (ForAnyValue:StringLike aws:TagKeys "*"): the
    attacker cannot give its function the tag, so there is no path."""
    who = lambda_runner(service, root, {
        "Effect": "Deny", "Action": "lambda:InvokeFunction", "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:ResourceTag/access-project": ABAC_TAG}}}, {
        "Effect": "Deny", "Action": "lambda:CreateFunction", "Resource": "*",
        "Condition": {"ForAnyValue:StringLike": {"aws:TagKeys": "*"}}})
    assert finding(service, root, who) is None


def test_a_principal_tag_deny_is_dodged_by_a_principal_that_may_retag_itself(
        service: IamService, root: Principal) -> None:
    """Deny iam:CreateAccessKey to contractors (StringEquals aws:PrincipalTag/contractor
    "true"): a contractor allowed iam:TagUser on itself retags itself and steps around it;
    one that may not (the false positive case) has no path."""
    boss = admin_user(service, root)
    deny = {"Sid": "NoContractors", "Effect": "Deny", "Action": "iam:CreateAccessKey",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:PrincipalTag/contractor": "true"}}}
    for name, extra in (("fixed", []), ("retags", [
            {"Sid": "TagMyself", **allow("iam:TagUser", arn("user", "retags"))}])):
        service.create_user(root, name, tags=[Tag("contractor", "true")])
        service.put_user_policy(root, name, "p", doc(
            allow("iam:CreateAccessKey", boss), deny, *extra))
    assert finding(service, root, arn("user", "fixed")) is None
    (entry,) = assumed(only_step(service, root, arn("user", "retags")))
    assert entry == {"Key": "aws:PrincipalTag/contractor",
                     "Why": f"{WHY_SELF_TAGGED} (iam:TagUser by p TagMyself); "
                            f"{WHY_DODGES} p NoContractors",
                     "Values": ["iamtui-other"]}
