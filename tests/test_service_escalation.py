"""Privilege-escalation paths, each hop decided by the engine.

The scenarios are those of BishopFox's IAM Vulnerable (its Terraform names each path:
privesc1-CreateNewPolicyVersion ... privesc-sageMakerCreateNotebookPassRole, and its
false-positive tests), rebuilt here in a store; the verdict of each is the expectation.
The IAM semantics behind each hop are the IAM User Guide's ("Policy evaluation logic",
"Permissions boundaries for IAM entities", "Granting a user permissions to pass a role to
an AWS service", "IAM condition context keys": iam:PolicyARN, iam:PassedToService).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from helpers import ACCOUNT_ID
from hypothesis import given
from hypothesis import strategies as st

from iamtui.errors import AccessDenied
from iamtui.service import IamService, Principal
from iamtui.service.escalation import EscalationFinding

ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
ACCOUNT_TRUST = {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}


def doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action: str | list[str], resource: str = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def trust(principal: dict[str, str], action: str = "sts:AssumeRole") -> str:
    return doc({"Effect": "Allow", "Principal": principal, "Action": action})


def arn(kind: str, name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT_ID}:{kind}/{name}"


def user_with(service: IamService, root: Principal, name: str, *statements: dict[str, Any],
              ) -> str:
    service.create_user(root, name)
    if statements:
        service.put_user_policy(root, name, "p", doc(*statements))
    return arn("user", name)


def admin_user(service: IamService, root: Principal, name: str = "boss") -> str:
    service.create_user(root, name)
    service.attach_policy(root, "user", name, ADMIN)
    return arn("user", name)


def admin_role(service: IamService, root: Principal, name: str, trusted: dict[str, str]) -> str:
    service.create_role(root, name, trust(trusted))
    service.attach_policy(root, "role", name, ADMIN)
    return arn("role", name)


def finding(service: IamService, root: Principal, who: str) -> EscalationFinding | None:
    found = service.find_privilege_escalation(root, [who])
    assert len(found) <= 1
    return found[0] if found else None


def first_path(service: IamService, root: Principal, who: str) -> list[tuple[str, str]]:
    result = finding(service, root, who)
    assert result is not None and result.paths, f"no path for {who}"
    return [(s.action, s.resource) for s in result.paths[0].steps]


# ---------------------------------------------------------------------------- administrators


def test_an_administrator_is_a_finding_without_paths(service: IamService, root: Principal) -> None:
    boss = admin_user(service, root)
    result = finding(service, root, boss)
    assert result is not None and result.is_admin and result.paths == ()


def test_nothing_to_escalate_is_no_finding(service: IamService, root: Principal) -> None:
    """A reader (s3:Get*) is no administrator and has no path: no finding at all."""
    admin_user(service, root)
    reader = user_with(service, root, "reader", allow("s3:Get*"))
    assert finding(service, root, reader) is None


# ---------------------------------------------------------------------------- IAM edges


def test_privesc1_create_new_policy_version(service: IamService, root: Principal) -> None:
    policy = service.create_policy(root, "mine", doc(allow("iam:CreatePolicyVersion")))
    service.create_user(root, "u")
    service.attach_policy(root, "user", "u", policy.arn)
    assert first_path(service, root, arn("user", "u")) == [
        ("iam:CreatePolicyVersion", policy.arn)]


def test_privesc2_set_existing_default_policy_version(service: IamService,
                                                      root: Principal) -> None:
    """A stored non-default version counts (PMapper reads only default versions)."""
    policy = service.create_policy(root, "mine", doc(allow("iam:SetDefaultPolicyVersion")))
    service.create_policy_version(root, policy.arn, doc(allow("*")))  # v2, not default
    service.create_user(root, "u")
    service.attach_policy(root, "user", "u", policy.arn)
    result = finding(service, root, arn("user", "u"))
    assert result is not None
    steps = [(s.action, s.note) for p in result.paths for s in p.steps]
    assert ("iam:SetDefaultPolicyVersion", "makes version v2 the default") in steps


def test_privesc4_create_access_key(service: IamService, root: Principal) -> None:
    boss = admin_user(service, root)
    who = user_with(service, root, "u", allow("iam:CreateAccessKey", boss))
    result = finding(service, root, who)
    assert result is not None and not result.is_admin
    step = result.paths[0].steps[0]
    assert (step.action, step.resource, step.via) == ("iam:CreateAccessKey", boss, who)
    assert (step.source_policy_id, step.statement_id) == ("p", "#1")


def test_privesc5_and_6_login_profiles(service: IamService, root: Principal) -> None:
    """CreateLoginProfile where the administrator has no password, UpdateLoginProfile where
    it has one (CreateLoginProfile would fail with EntityAlreadyExists)."""
    boss = admin_user(service, root)
    who = user_with(service, root, "u", allow(["iam:CreateLoginProfile",
                                               "iam:UpdateLoginProfile"], boss))
    assert first_path(service, root, who) == [("iam:CreateLoginProfile", boss)]
    service.create_login_profile(root, "boss", "Adm1n-Passw0rd!x", password_reset_required=False)
    assert first_path(service, root, who) == [("iam:UpdateLoginProfile", boss)]


def test_privesc7_attach_user_policy_to_oneself(service: IamService, root: Principal) -> None:
    who = user_with(service, root, "u", allow("iam:AttachUserPolicy", arn("user", "u")))
    step = finding(service, root, who).paths[0].steps[0]  # type: ignore[union-attr]
    assert (step.action, step.resource) == ("iam:AttachUserPolicy", who)
    assert step.assumed == (f"iam:PolicyARN={ADMIN}",)  # what the request carries


def test_iam_policy_arn_condition_limits_attach(service: IamService, root: Principal) -> None:
    """False positive avoided: AttachUserPolicy only for ReadOnlyAccess (iam:PolicyARN)."""
    who = user_with(service, root, "u", allow(
        "iam:AttachUserPolicy", arn("user", "u"),
        Condition={"ArnEquals": {"iam:PolicyARN": "arn:aws:iam::aws:policy/ReadOnlyAccess"}}))
    assert finding(service, root, who) is None


def test_privesc8_attach_group_policy(service: IamService, root: Principal) -> None:
    service.create_group(root, "devs")
    who = user_with(service, root, "u")
    service.add_user_to_group(root, "devs", "u")
    service.put_group_policy(root, "devs", "g", doc(allow("iam:AttachGroupPolicy",
                                                          arn("group", "devs"))))
    assert first_path(service, root, who) == [("iam:AttachGroupPolicy", arn("group", "devs"))]


def test_privesc9_attach_role_policy_to_an_assumable_role(service: IamService,
                                                          root: Principal) -> None:
    service.create_role(root, "worker", trust(ACCOUNT_TRUST))
    role = arn("role", "worker")
    who = user_with(service, root, "u", allow(["sts:AssumeRole", "iam:AttachRolePolicy"], role))
    path = first_path(service, root, who)
    assert ("sts:AssumeRole", role) in path and ("iam:AttachRolePolicy", role) in path


def test_privesc10_put_user_policy(service: IamService, root: Principal) -> None:
    who = user_with(service, root, "u", allow("iam:PutUserPolicy", arn("user", "u")))
    assert first_path(service, root, who) == [("iam:PutUserPolicy", who)]


def test_privesc13_add_user_to_group(service: IamService, root: Principal) -> None:
    service.create_group(root, "admins")
    service.attach_policy(root, "group", "admins", ADMIN)
    who = user_with(service, root, "u", allow("iam:AddUserToGroup", arn("group", "admins")))
    assert first_path(service, root, who) == [("iam:AddUserToGroup", arn("group", "admins"))]


def test_privesc14_update_assume_role_policy(service: IamService, root: Principal) -> None:
    role = admin_role(service, root, "ops", {"Service": "ec2.amazonaws.com"})
    who = user_with(service, root, "u", allow("iam:UpdateAssumeRolePolicy", role))
    assert first_path(service, root, who) == [("iam:UpdateAssumeRolePolicy", role),
                                              ("sts:AssumeRole", role)]


def test_boundary_removal(service: IamService, root: Principal) -> None:
    """"Permissions boundaries for IAM entities": an administrator policy under a narrow
    boundary is not administrator; deleting the boundary makes it one. (The boundary must
    allow the deletion itself: it limits that request too.)"""
    bound = service.create_policy(root, "bound", doc(
        allow(["s3:*", "iam:DeleteUserPermissionsBoundary"])))
    service.create_user(root, "u", permissions_boundary=bound.arn)
    service.attach_policy(root, "user", "u", ADMIN)
    service.put_user_policy(root, "u", "p", doc(allow("iam:DeleteUserPermissionsBoundary",
                                                      arn("user", "u"))))
    result = finding(service, root, arn("user", "u"))
    assert result is not None and not result.is_admin
    assert [(s.action) for s in result.paths[0].steps] == ["iam:DeleteUserPermissionsBoundary"]


def test_a_boundary_stops_a_self_grant(service: IamService, root: Principal) -> None:
    """False positive avoided: attaching AdministratorAccess changes nothing under a
    boundary that allows only reading, and the boundary cannot be removed."""
    service.create_user(root, "u", permissions_boundary="arn:aws:iam::aws:policy/ReadOnlyAccess")
    service.put_user_policy(root, "u", "p", doc(allow("iam:AttachUserPolicy", arn("user", "u"))))
    assert finding(service, root, arn("user", "u")) is None


def test_an_explicit_deny_wins(service: IamService, root: Principal) -> None:
    boss = admin_user(service, root)
    who = user_with(service, root, "u", allow("iam:CreateAccessKey", boss),
                    {"Effect": "Deny", "Action": "iam:*", "Resource": "*"})
    assert finding(service, root, who) is None


def test_mfa_condition_is_not_satisfied_by_an_attacker(service: IamService,
                                                       root: Principal) -> None:
    """A condition on a key nobody can set (aws:MultiFactorAuthPresent, absent for access
    keys) is not assumed satisfied."""
    boss = admin_user(service, root)
    who = user_with(service, root, "u", allow(
        "iam:CreateAccessKey", boss,
        Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}}))
    assert finding(service, root, who) is None


def test_own_access_keys_only_is_no_path(service: IamService, root: Principal) -> None:
    """IAM User Guide's "manage their own access keys" pattern: ${aws:username} limits
    CreateAccessKey to the user itself, which gains nothing."""
    admin_user(service, root)
    who = user_with(service, root, "u", allow("iam:CreateAccessKey",
                                              f"arn:aws:iam::{ACCOUNT_ID}:user/${{aws:username}}"))
    assert finding(service, root, who) is None


# ---------------------------------------------------------------------------- roles


def test_role_chain(service: IamService, root: Principal) -> None:
    """u assumes hop, which may assume the administrator role top: two hops."""
    service.create_role(root, "hop", trust(ACCOUNT_TRUST))
    service.put_role_policy(root, "hop", "p", doc(allow("sts:AssumeRole", arn("role", "top"))))
    top = admin_role(service, root, "top", {"AWS": arn("role", "hop")})
    who = user_with(service, root, "u", allow("sts:AssumeRole", arn("role", "hop")))
    assert first_path(service, root, who) == [("sts:AssumeRole", arn("role", "hop")),
                                              ("sts:AssumeRole", top)]


def test_trust_policy_naming_the_user_is_enough(service: IamService, root: Principal) -> None:
    """"Policy evaluation logic": in one account, a trust policy that names the user
    allows AssumeRole without an identity-based allow."""
    role = admin_role(service, root, "top", {"AWS": arn("user", "u")})
    who = user_with(service, root, "u")
    step = finding(service, root, who).paths[0].steps[0]  # type: ignore[union-attr]
    assert (step.action, step.resource, step.source_policy_id) == ("sts:AssumeRole", role, "top")


# ---------------------------------------------------------------------------- PassRole


def test_privesc15_pass_role_to_a_new_lambda(service: IamService, root: Principal) -> None:
    role = admin_role(service, root, "fn", {"Service": "lambda.amazonaws.com"})
    who = user_with(service, root, "u", allow("iam:PassRole", role),
                    allow(["lambda:CreateFunction", "lambda:InvokeFunction"]))
    result = finding(service, root, who)
    assert result is not None
    path = result.paths[0]
    assert [s.action for s in path.steps] == ["iam:PassRole", "lambda:CreateFunction",
                                              "lambda:InvokeFunction"]
    assert path.steps[0].assumed == ("iam:PassedToService=lambda.amazonaws.com",)
    assert path.requires_existing_resource is None


def test_pass_role_limited_to_another_service(service: IamService, root: Principal) -> None:
    """False positive avoided: iam:PassedToService allows passing only to EC2, and the role
    trusts only Lambda."""
    role = admin_role(service, root, "fn", {"Service": "lambda.amazonaws.com"})
    who = user_with(service, root, "u", allow(
        "iam:PassRole", role,
        Condition={"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}),
        allow(["lambda:CreateFunction", "lambda:InvokeFunction", "ec2:RunInstances"]))
    assert finding(service, root, who) is None


def test_ec2_needs_an_instance_profile(service: IamService, root: Principal) -> None:
    """privesc3-CreateEC2WithExistingInstanceProfile: without an instance profile holding
    the role in the store, the path is reported as depending on one."""
    role = admin_role(service, root, "box", {"Service": "ec2.amazonaws.com"})
    who = user_with(service, root, "u", allow("iam:PassRole", role), allow("ec2:RunInstances"))
    result = finding(service, root, who)
    assert result is not None
    assert result.paths[0].requires_existing_resource == "an instance profile holding the role"


def test_eks_node_group_runs_as_the_passed_node_role(service: IamService,
                                                    root: Principal) -> None:
    """Amazon EKS User Guide, "Amazon EKS node IAM role" (the node role trusts
    ec2.amazonaws.com) and the Service Authorization Reference, "Actions, resources, and
    condition keys for Amazon Elastic Kubernetes Service" (CreateNodegroup passes the node
    role): the new nodes run as the role; the cluster is not in the store. The same rights
    on a role that trusts only Lambda are no path, nor is an instance profile in the store
    a cluster (unlike RunInstances, the path still needs one)."""
    role = admin_role(service, root, "nodes", {"Service": "ec2.amazonaws.com"})
    service.create_instance_profile(root, "nodes")
    service.add_role_to_instance_profile(root, "nodes", "nodes")
    who = user_with(service, root, "u", allow("iam:PassRole", role),
                    allow("eks:CreateNodegroup"))
    (path,) = finding(service, root, who).paths  # type: ignore[union-attr]
    assert [(s.action, s.resource) for s in path.steps] == [
        ("iam:PassRole", role), ("eks:CreateNodegroup", "*")]
    assert path.steps[0].assumed == ("iam:PassedToService=ec2.amazonaws.com",)
    assert path.requires_existing_resource == \
        "an EKS cluster (its new node group's nodes run as the role)"
    admin_role(service, root, "fn", {"Service": "lambda.amazonaws.com"})
    other = user_with(service, root, "v", allow("iam:PassRole", arn("role", "fn")),
                      allow("eks:CreateNodegroup"))
    assert finding(service, root, other) is None


def test_eks_pod_identity_association_passes_the_role(service: IamService,
                                                      root: Principal) -> None:
    """Amazon EKS User Guide, "Create IAM role with trust policy required by EKS Pod
    Identity" (pods.eks.amazonaws.com, sts:AssumeRole and sts:TagSession): creating or
    updating an association passes the role to the pods of a cluster the store cannot see.
    A role that trusts only EC2 is not reachable this way."""
    role = arn("role", "pods")
    service.create_role(root, "pods", doc({
        "Effect": "Allow", "Principal": {"Service": "pods.eks.amazonaws.com"},
        "Action": ["sts:AssumeRole", "sts:TagSession"]}))
    service.attach_policy(root, "role", "pods", ADMIN)
    who = user_with(service, root, "u", allow("iam:PassRole", role, Condition={
        "StringEquals": {"iam:PassedToService": "pods.eks.amazonaws.com"}}),
        allow(["eks:CreatePodIdentityAssociation", "eks:UpdatePodIdentityAssociation"]))
    paths = finding(service, root, who).paths  # type: ignore[union-attr]
    assert [([s.action for s in p.steps], p.requires_existing_resource) for p in paths] == [
        (["iam:PassRole", "eks:CreatePodIdentityAssociation"],
         "an EKS cluster where the caller can run pods"),
        (["iam:PassRole", "eks:UpdatePodIdentityAssociation"],
         "an EKS Pod Identity association whose pods the caller runs")]
    admin_role(service, root, "box", {"Service": "ec2.amazonaws.com"})
    other = user_with(service, root, "v", allow("iam:PassRole", arn("role", "box")),
                      allow("eks:CreatePodIdentityAssociation"))
    assert finding(service, root, other) is None


def test_update_function_code_depends_on_an_existing_function(service: IamService,
                                                              root: Principal) -> None:
    """privesc-EditExistingLambdaFunctionWithRole: no PassRole, an existing function."""
    admin_role(service, root, "fn", {"Service": "lambda.amazonaws.com"})
    who = user_with(service, root, "u", allow("lambda:UpdateFunctionCode"))
    path = finding(service, root, who).paths[0]  # type: ignore[union-attr]
    assert [s.action for s in path.steps] == ["lambda:UpdateFunctionCode"]
    assert path.requires_existing_resource == "a Lambda function that runs as the role"


def test_every_path_shortest_first(service: IamService, root: Principal) -> None:
    """Every path, not only the first: two ways in, the one-hop one first."""
    boss = admin_user(service, root)
    service.create_role(root, "hop", trust(ACCOUNT_TRUST))
    service.put_role_policy(root, "hop", "p", doc(allow("iam:CreateAccessKey", boss)))
    who = user_with(service, root, "u", allow("iam:CreateAccessKey", boss),
                    allow("sts:AssumeRole", arn("role", "hop")))
    result = finding(service, root, who)
    assert result is not None
    assert [len(p.steps) for p in result.paths] == [1, 2]


# ---------------------------------------------------------------------------- the command


def test_the_command_prints_findings(cli_run: Any) -> None:
    cli_run.as_root("create-user", "--user-name", "boss")
    cli_run.as_root("attach-user-policy", "--user-name", "boss", "--policy-arn", ADMIN)
    cli_run.as_root("create-user", "--user-name", "u")
    cli_run.as_root("put-user-policy", "--user-name", "u", "--policy-name", "p",
                    "--policy-document", doc(allow("iam:CreateAccessKey", arn("user", "boss"))))
    out = cli_run.as_root("find-privilege-escalation")
    by_arn = {f["PrincipalArn"]: f for f in out["Findings"]}
    assert set(by_arn) == {arn("user", "boss"), arn("user", "u")}
    assert by_arn[arn("user", "boss")]["IsAdmin"] is True
    step = by_arn[arn("user", "u")]["Paths"][0]["Steps"][0]
    assert step == {"Action": "iam:CreateAccessKey", "Resource": arn("user", "boss"),
                    "Via": arn("user", "u"),
                    "DecidedBy": {"SourcePolicyId": "p", "StatementId": "#1"}}


def test_reading_every_policy_is_authorized(service: IamService, root: Principal) -> None:
    """The analysis reads every policy: iam:GetAccountAuthorizationDetails, audited."""
    service.create_user(root, "u")
    from iamtui.service.core import Principal as P

    user = service.get_user(root, "u")
    caller = P.for_user(user, ACCOUNT_ID)
    with pytest.raises(AccessDenied, match="GetAccountAuthorizationDetails"):
        service.find_privilege_escalation(caller)


def test_a_trust_policy_that_does_not_name_the_caller_stops_assume_role(
        service: IamService, root: Principal) -> None:
    """False positive avoided: "Policy evaluation logic" makes a role's trust policy the
    exception to same-account evaluation: sts:AssumeRole on "*" in the caller's policies
    does not let it assume a role that trusts only EC2."""
    admin_role(service, root, "box", {"Service": "ec2.amazonaws.com"})
    who = user_with(service, root, "u", allow("sts:AssumeRole", "*"))
    assert finding(service, root, who) is None


def test_a_deny_on_one_administrator_leaves_the_others(service: IamService,
                                                       root: Principal) -> None:
    """"Policy evaluation logic": CreateAccessKey allowed on every user, denied on one
    administrator by ARN, and a NotResource allow that leaves out another: only the third
    administrator is reachable."""
    bosses = [admin_user(service, root, name) for name in ("b1", "b2", "b3")]
    who = user_with(service, root, "u", allow("iam:CreateAccessKey"),
                    {"Effect": "Deny", "Action": "iam:CreateAccessKey", "Resource": bosses[0]})
    result = finding(service, root, who)
    assert result is not None
    assert [p.steps[0].resource for p in result.paths] == bosses[1:]
    other = user_with(service, root, "v", {"Effect": "Allow", "Action": "iam:CreateAccessKey",
                                           "NotResource": bosses[:2]})
    result = finding(service, root, other)
    assert result is not None  # b3 itself, or through u (who reaches b2 and b3)
    assert [[s.resource for s in p.steps] for p in result.paths] == [
        [bosses[2]], [who, bosses[1]], [who, bosses[2]]]


@given(st.lists(st.tuples(st.integers(1, 5), st.booleans(), st.integers(0, 40)),
                max_size=80))
def test_the_kept_paths_are_the_first_of_all_sorted(adds: list[tuple[int, bool, int]]) -> None:
    """paths_for keeps MAX_PATHS paths as it goes (and skips work for paths that could not
    be among them): what it keeps is what sorting every distinct path and cutting gives."""
    from iamtui.service.escalation import MAX_PATHS, EscalationPath, EscalationStep, _BestPaths

    best, everything = _BestPaths(), {}
    for steps, needs, tag in adds:
        path = tuple(EscalationStep("iam:CreateAccessKey", f"r{tag}-{i}", "v")
                     for i in range(steps))
        best.add(path, "an instance" if needs else None)
        everything.setdefault(path, EscalationPath(path, "an instance" if needs else None))
    expected = sorted(everything.values(), key=lambda p: (
        len(p.steps), p.requires_existing_resource is not None))[:MAX_PATHS]
    assert best.paths() == expected
    assert best.seen == len(everything)
