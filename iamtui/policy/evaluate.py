"""The decision, step by step as AWS's "Policy evaluation logic" flow chart draws it.

1. An explicit Deny in any policy (identity-based, permissions boundary, resource-based)
   decides: explicitDeny.
2. Within one account, an Allow from a resource-based policy that names the caller
   (its user ARN or session ARN) is enough, whatever the boundary says; an Allow that
   names the role, or everyone, is limited by a boundary like any identity grant; one
   that names only the account delegates to the account's identity policies.
3. An Allow from identity-based policies counts only where every permissions boundary
   also allows (the intersection).
4. Across accounts both sides must allow: the caller's identity policies (within its
   boundary) and the resource owner's resource-based policy.
5. Otherwise: implicitDeny.

The request context is exactly what the caller supplies; nothing is inferred.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from iamtui.policy.compiled import (
    ACCOUNT,
    DIRECT,
    Caller,
    CompiledPolicy,
    CompiledStatement,
    PolicySourceType,
)
from iamtui.policy.conditions import EMPTY_CONTEXT, RequestContext
from iamtui.policy.decisions import Decision, Layer

ALLOWED, EXPLICIT_DENY, IMPLICIT_DENY = (Decision.ALLOWED, Decision.EXPLICIT_DENY,
                                         Decision.IMPLICIT_DENY)
# The layer whose statements decided, named as the explanation names them.
IDENTITY, BOUNDARY, RESOURCE, CROSS_ACCOUNT = (Layer.IDENTITY, Layer.BOUNDARY, Layer.RESOURCE,
                                               Layer.CROSS_ACCOUNT)


class PolicyInput(NamedTuple):
    """A compiled policy with the id and type AWS reports in `MatchedStatements`."""

    policy: CompiledPolicy
    source_id: str
    source_type: PolicySourceType = PolicySourceType.NONE


# Requests and results are built on the hottest path: named tuples are built in a
# fraction of a frozen dataclass's time (and cost no generated code at import).
class EvalRequest(NamedTuple):
    """One question: may `caller` do `action` on `resource` with this context?"""

    action: str
    resource: str = "*"
    context: RequestContext = EMPTY_CONTEXT
    caller: Caller | None = None
    resource_owner: str | None = None  # account ID; else the resource ARN's, else the caller's


class StatementMatch(NamedTuple):
    """A statement that applied to the request, and in which layer."""

    source: PolicyInput
    statement: CompiledStatement
    layer: str
    principal: str | None = None  # for resource-based statements: how it named the caller

    def to_aws(self) -> dict[str, Any]:
        """AWS's `Statement` shape for `MatchedStatements`."""
        st = self.statement.statement
        return {"SourcePolicyId": self.source.source_id,
                "SourcePolicyType": self.source.source_type.value,
                "StartPosition": st.start.to_aws(), "EndPosition": st.end.to_aws()}


class EvalInputs(NamedTuple):
    """Everything a decision was made from, kept so `explain` can retrace it."""

    request: EvalRequest
    identity: Sequence[PolicyInput]
    boundaries: Sequence[PolicyInput]
    resource_policy: PolicyInput | None


class EvalResult(NamedTuple):
    """The decision, the statements that made it, and the context keys that were missing."""

    decision: str
    decided_by: str
    matched: tuple[StatementMatch, ...]
    missing_context: tuple[str, ...]
    inputs: EvalInputs
    allowed_by_boundary: bool | None = None  # None when there is no boundary
    cross_account: bool = False

    @property
    def allowed(self) -> bool:
        return self.decision == ALLOWED

    def to_aws(self) -> dict[str, Any]:
        """AWS's `EvaluationResult` shape."""
        request = self.inputs.request
        out: dict[str, Any] = {
            "EvalActionName": request.action,
            "EvalResourceName": request.resource,
            "EvalDecision": self.decision,
            "MatchedStatements": [m.to_aws() for m in self.matched],
            "MissingContextValues": list(self.missing_context),
        }
        if self.allowed_by_boundary is not None:
            out["PermissionsBoundaryDecisionDetail"] = {
                "AllowedByPermissionsBoundary": self.allowed_by_boundary}
        if self.cross_account:
            out["EvalDecisionDetails"] = _cross_account_details(self)
        elif request.resource != "*":  # API Reference: present but empty within one account
            out["EvalDecisionDetails"] = {}
        return out


def _cross_account_details(result: EvalResult) -> dict[str, str]:
    layers = {m.layer for m in result.matched}
    identity = EXPLICIT_DENY if result.decision == EXPLICIT_DENY and IDENTITY in layers else (
        ALLOWED if IDENTITY in layers else IMPLICIT_DENY)
    resource = EXPLICIT_DENY if result.decision == EXPLICIT_DENY and RESOURCE in layers else (
        ALLOWED if RESOURCE in layers else IMPLICIT_DENY)
    return {"IAM Policy": identity, "Resource Policy": resource}


Candidate = tuple[PolicyInput, CompiledStatement]


Keys = tuple[tuple[str, str], ...]  # context keys as (lower-cased, as written)


class PolicySet:
    """One layer's policies (say, a principal's identity-based policies), indexed for the
    requests it meets: per service prefix, the policies whose actions can name it; per
    action, the statements that cover it and the context keys they read. Evaluating a
    principal's request then starts from one dictionary lookup instead of one per policy."""

    __slots__ = ("_by_action", "_by_service", "inputs")

    def __init__(self, inputs: Iterable[PolicyInput] = ()) -> None:
        self.inputs = tuple(inputs)
        self._by_service: dict[str, tuple[PolicyInput, ...]] = {}
        self._by_action: dict[str, tuple[tuple[Candidate, ...], Keys]] = {}

    def __bool__(self) -> bool:
        return bool(self.inputs)

    def for_action(self, action_lower: str) -> tuple[tuple[Candidate, ...], Keys]:
        """The (policy, statement) pairs whose Action/NotAction covers the action, and the
        context keys they read, in order and without repeats; memoized."""
        found = self._by_action.get(action_lower)
        if found is None:
            if len(self._by_action) > 4096:  # bound memory against endless distinct names
                self._by_action.clear()
            pairs: list[Candidate] = []
            keys: dict[str, str] = {}
            for source in self._for_service(action_lower):
                statements, policy_keys = source.policy.for_action(action_lower)
                pairs.extend((source, st) for st in statements)
                for lower, key in policy_keys:
                    keys.setdefault(lower, key)
            found = self._by_action[action_lower] = (tuple(pairs), tuple(keys.items()))
        return found

    def _for_service(self, action_lower: str) -> tuple[PolicyInput, ...]:
        """The policies that can cover an action of `action_lower`'s service, in order."""
        service, colon, _ = action_lower.partition(":")
        if not colon:
            return self.inputs
        found = self._by_service.get(service)
        if found is None:
            if len(self._by_service) > 1024:  # as above
                self._by_service.clear()
            found = self._by_service[service] = tuple(
                source for source in self.inputs if source.policy.may_apply_to(service))
        return found

    def candidates(self, action_lower: str) -> tuple[Candidate, ...]:
        """(policy, statement) pairs whose Action/NotAction covers the action."""
        return self.for_action(action_lower)[0]


Policies = PolicySet | Sequence[PolicyInput]


def _as_set(policies: Policies) -> PolicySet:
    return policies if isinstance(policies, PolicySet) else PolicySet(policies)


def _applying(policies: PolicySet, layer: str, action: str, request: EvalRequest,
              missing: dict[str, str], *, resource_based: bool = False,
              bounded: bool = False) -> list[StatementMatch]:
    """The statements of one layer that apply: action, resource, principal, conditions.
    Every key that a statement covering the action reads, and the request lacks, is
    noted in `missing` (AWS's MissingContextValues), whether or not the statement applies."""
    ctx, resource, found = request.context, request.resource, []
    candidates, keys = policies.for_action(action)
    lookup = ctx.get
    for lower, key in keys:
        if lookup(lower) is None:
            missing.setdefault(lower, key)
    for source, st in candidates:
        if not st.applies_to_resource(resource, ctx):
            continue
        how = st.principal_match(request.caller, bounded) if resource_based else None
        if resource_based and how is None:
            continue
        if st.conditions and not st.conditions_hold(ctx):
            continue
        found.append(StatementMatch(source, st, layer, how))
    return found


def evaluate(request: EvalRequest, identity: Policies = (), *,
             boundaries: Policies = (),
             resource_policy: PolicyInput | None = None) -> EvalResult:
    """Decide one request the way AWS does, and keep what the decision rests on.

    `identity` and `boundaries` are PolicyInputs, or PolicySets that remember, across
    requests, which statements apply to which action.
    """
    action = request.action.lower()
    missing: dict[str, str] = {}
    identity, boundaries = _as_set(identity), _as_set(boundaries)
    bounded = bool(boundaries.inputs)
    inputs = EvalInputs(request, identity.inputs, boundaries.inputs, resource_policy)
    id_matches = _applying(identity, IDENTITY, action, request, missing)
    b_matches = _applying(boundaries, BOUNDARY, action, request, missing) if bounded else []
    r_matches = (_applying(PolicySet((resource_policy,)), RESOURCE, action, request, missing,
                           resource_based=True, bounded=bounded)
                 if resource_policy is not None else [])
    missing_keys = tuple(missing.values())
    caller_account = request.caller.account if request.caller else None
    owner = request.resource_owner or (_account_of(request.resource) if caller_account else None)
    cross_account = caller_account is not None and owner is not None and owner != caller_account
    if not (id_matches or b_matches or r_matches):  # the common case: nothing applies
        return EvalResult(IMPLICIT_DENY, IDENTITY, (), missing_keys, inputs,
                          False if bounded else None, cross_account)

    # 1. explicit deny, wherever it stands
    denies = tuple([m for m in (*id_matches, *b_matches, *r_matches) if m.statement.is_deny])
    if denies:
        return EvalResult(EXPLICIT_DENY, denies[0].layer, denies, missing_keys, inputs,
                          cross_account=cross_account)

    id_allows = tuple(id_matches)
    b_allows = tuple(b_matches)
    r_allows = tuple(r_matches)
    within_boundary = bool(b_allows) if bounded else True
    boundary_detail = (bool(b_allows) if bounded else None)
    identity_ok = bool(id_allows) and within_boundary

    if cross_account:
        # 4. both the caller's account and the resource's owner must allow
        if identity_ok and r_allows:
            return EvalResult(ALLOWED, CROSS_ACCOUNT, id_allows + b_allows + r_allows,
                              missing_keys, inputs, boundary_detail, True)
        decided = IDENTITY if not identity_ok else RESOURCE
        return EvalResult(IMPLICIT_DENY, decided, (), missing_keys, inputs, boundary_detail, True)

    # 2. a resource-based grant that names the caller stands on its own
    direct = tuple(m for m in r_allows if m.principal == DIRECT)
    if direct:
        return EvalResult(ALLOWED, RESOURCE, direct, missing_keys, inputs, boundary_detail)
    limited = tuple(m for m in r_allows if m.principal != ACCOUNT)
    if limited and within_boundary:
        return EvalResult(ALLOWED, RESOURCE, limited + b_allows, missing_keys, inputs,
                          boundary_detail)
    # 3. identity-based allows, within the permissions boundary
    if identity_ok:
        return EvalResult(ALLOWED, IDENTITY, id_allows + b_allows, missing_keys, inputs,
                          boundary_detail)
    decided = BOUNDARY if id_allows or limited else IDENTITY
    return EvalResult(IMPLICIT_DENY, decided, (), missing_keys, inputs, boundary_detail)


def _account_of(resource: str) -> str | None:
    parts = resource.split(":", 5)
    return parts[4] or None if len(parts) == 6 and parts[0] == "arn" else None
