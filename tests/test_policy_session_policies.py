"""The session policy layer of the decision (iamtui.policy.evaluate, .explain).

Written from:
- IAM User Guide, "Policies and permissions in AWS Identity and Access Management",
  section "Session policies": a session's permissions are the intersection of the
  identity-based policies of the role or user and the session policies; session policies
  cannot grant more; an explicit deny in any of them wins; a resource-based policy that
  names the session's ARN adds permissions the session policy does not limit, one that
  names the role's (or user's) ARN is limited by it.
- IAM User Guide, "Policy evaluation logic" (the flow chart: deny, resource-based,
  identity-based, permissions boundaries, session policies).
- STS API Reference, GetFederationToken: without session policies the federated user
  session has no permissions.
"""

from __future__ import annotations

import json
from typing import Any

from iamtui.policy import (
    ALLOWED,
    EXPLICIT_DENY,
    IMPLICIT_DENY,
    Caller,
    EvalRequest,
    Layer,
    PolicyInput,
    PolicySourceType,
    PolicyType,
    compile_policy,
    evaluate,
    explain,
)

ACCOUNT = "111122223333"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/app"
SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/app/s1"
BUCKET_OBJECT = "arn:aws:s3:::bucket/key"


def _policy(source: str, *statements: dict[str, Any],
            kind: PolicySourceType = PolicySourceType.NONE,
            policy_type: PolicyType = PolicyType.IDENTITY) -> PolicyInput:
    text = json.dumps({"Version": "2012-10-17", "Statement": list(statements)})
    return PolicyInput(compile_policy(text, policy_type), source, kind)


def _allow(actions: str | list[str], source: str = "p") -> PolicyInput:
    return _policy(source, {"Effect": "Allow", "Action": actions, "Resource": "*"})


def _request(action: str) -> EvalRequest:
    return EvalRequest(action, BUCKET_OBJECT, caller=Caller.from_arn(SESSION),
                       resource_owner=ACCOUNT)


IDENTITY = [_allow(["s3:GetObject", "s3:PutObject"], "role-policy")]


def test_permissions_are_the_intersection_of_identity_and_session_policies() -> None:
    """Session policies: the session may do what both allow, and no more."""
    session = [_allow(["s3:GetObject", "s3:DeleteObject"], "session-policy")]
    got = evaluate(_request("s3:GetObject"), IDENTITY, session=session)
    put = evaluate(_request("s3:PutObject"), IDENTITY, session=session)
    delete = evaluate(_request("s3:DeleteObject"), IDENTITY, session=session)
    assert got.decision == ALLOWED and {m.layer for m in got.matched} == {"identity", "session"}
    assert put.decision == IMPLICIT_DENY and put.decided_by == Layer.SESSION
    # a session policy cannot grant what the identity-based policies do not
    assert delete.decision == IMPLICIT_DENY and delete.decided_by == Layer.IDENTITY


def test_no_session_layer_is_not_an_empty_one() -> None:
    """None (a session made without session policies) keeps the identity's permissions;
    an empty layer (GetFederationToken without policies) leaves none."""
    assert evaluate(_request("s3:PutObject"), IDENTITY, session=None).allowed
    empty = evaluate(_request("s3:PutObject"), IDENTITY, session=())
    assert empty.decision == IMPLICIT_DENY and empty.decided_by == Layer.SESSION


def test_an_explicit_deny_in_a_session_policy_wins() -> None:
    session = [_policy("session-policy",
                       {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
                       {"Effect": "Deny", "Action": "s3:PutObject", "Resource": "*"})]
    result = evaluate(_request("s3:PutObject"), IDENTITY, session=session)
    assert result.decision == EXPLICIT_DENY and result.decided_by == Layer.SESSION
    assert "a session policy" in explain(result).summary


def test_a_boundary_and_session_policies_must_both_allow() -> None:
    """Policy evaluation logic: each layer that is present caps the identity grant."""
    boundary = [_allow("s3:GetObject", "boundary")]
    session = [_allow("s3:*", "session-policy")]
    assert evaluate(_request("s3:GetObject"), IDENTITY, boundaries=boundary,
                    session=session).allowed
    put = evaluate(_request("s3:PutObject"), IDENTITY, boundaries=boundary, session=session)
    assert put.decision == IMPLICIT_DENY and put.decided_by == Layer.BOUNDARY


def _bucket_policy(principal: str) -> PolicyInput:
    return _policy("arn:aws:s3:::bucket",
                   {"Effect": "Allow", "Principal": {"AWS": principal},
                    "Action": "s3:DeleteObject", "Resource": "arn:aws:s3:::bucket/*"},
                   kind=PolicySourceType.RESOURCE, policy_type=PolicyType.RESOURCE)


def test_a_resource_policy_naming_the_session_is_not_limited_by_session_policies() -> None:
    """Session policies: permissions a resource-based policy grants to the session's ARN
    are added after the session is made; the session policy does not limit them."""
    session = [_allow("s3:GetObject", "session-policy")]
    result = evaluate(_request("s3:DeleteObject"), IDENTITY, session=session,
                      resource_policy=_bucket_policy(SESSION))
    assert result.decision == ALLOWED and result.decided_by == Layer.RESOURCE


def test_a_resource_policy_naming_the_role_is_limited_by_session_policies() -> None:
    """Session policies: permissions granted to the role's ARN count as the role's, which
    the session policy then limits."""
    only_get = [_allow("s3:GetObject", "session-policy")]
    denied = evaluate(_request("s3:DeleteObject"), IDENTITY, session=only_get,
                      resource_policy=_bucket_policy(ROLE))
    assert denied.decision == IMPLICIT_DENY and denied.decided_by == Layer.SESSION
    assert "no session policy" in explain(denied).summary
    allows_delete = [_allow("s3:DeleteObject", "session-policy")]
    allowed = evaluate(_request("s3:DeleteObject"), IDENTITY, session=allows_delete,
                       resource_policy=_bucket_policy(ROLE))
    assert allowed.decision == ALLOWED and allowed.decided_by == Layer.RESOURCE


def test_the_explanation_names_the_session_policy_that_allowed() -> None:
    result = evaluate(_request("s3:GetObject"), IDENTITY, session=[_allow("s3:Get*", "sp")])
    assert any("session policies allow it too" in d for d in explain(result).details)
    assert result.inputs.session is not None and len(result.inputs.session) == 1


FEDERATED = f"arn:aws:sts::{ACCOUNT}:federated-user/app"
ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"


def _federated(action: str) -> EvalRequest:
    return EvalRequest(action, BUCKET_OBJECT,
                       caller=Caller.from_arn(FEDERATED)._replace(parent=ALICE),
                       resource_owner=ACCOUNT)


def test_a_federated_users_grants_follow_the_same_two_rules() -> None:
    """Session policies: a resource-based policy naming the IAM user that called
    GetFederationToken adds to the user's permissions, which the session policy caps; one
    naming the federated user session itself is not capped (GetFederationToken: such
    permissions are granted in addition to the session policies')."""
    only_get = [_allow("s3:GetObject", "session-policy")]
    by_user = evaluate(_federated("s3:DeleteObject"), [], session=only_get,
                       resource_policy=_bucket_policy(ALICE))
    assert by_user.decision == IMPLICIT_DENY and by_user.decided_by == Layer.SESSION
    by_session = evaluate(_federated("s3:DeleteObject"), [], session=only_get,
                          resource_policy=_bucket_policy(FEDERATED))
    assert by_session.decision == ALLOWED and by_session.decided_by == Layer.RESOURCE
    capped = evaluate(_federated("s3:DeleteObject"), [],
                      session=[_allow("s3:DeleteObject", "session-policy")],
                      resource_policy=_bucket_policy(ALICE))
    assert capped.decision == ALLOWED
    assert "stands for" in explain(capped).summary
