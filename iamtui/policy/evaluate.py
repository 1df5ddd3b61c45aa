"""The decision, step by step as AWS's "Policy evaluation logic" flow chart draws it.

1. An explicit Deny in any policy (identity-based, permissions boundary, resource-based)
   decides: explicitDeny.
2. Within one account, an Allow from a resource-based policy that names the caller
   (its user ARN or session ARN) is enough, whatever the boundary says; an Allow that
   names the role, or everyone, is limited by a boundary like any identity grant; one
   that names only the account delegates to the account's identity policies.
3. An Allow from identity-based policies counts only where every permissions boundary
   also allows (the intersection).
4. A session made with session policies (AssumeRole's or GetFederationToken's Policy and
   PolicyArns) may do only what its session policies also allow: they cap identity
   grants, and resource-based grants that name the role or user the session stands for;
   a resource-based grant that names the session itself is not capped ("Session
   policies"). A session that was given none (`session=None`) has no such layer; a
   federated user given none has an empty one, and so no permissions.
5. Across accounts both sides must allow: the caller's identity policies (within its
   boundary and session policies) and the resource owner's resource-based policy.
6. Otherwise: implicitDeny.

The request context is exactly what the caller supplies; nothing is inferred.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, NamedTuple

from iamtui.policy.compiled import (
    ACCOUNT,
    DIRECT,
    Caller,
    CompiledPolicy,
    CompiledStatement,
    DecidingMemo,
    PolicySourceType,
)
from iamtui.policy.conditions import EMPTY_CONTEXT, RequestContext
from iamtui.policy.decisions import Decision, Layer

ALLOWED, EXPLICIT_DENY, IMPLICIT_DENY = (Decision.ALLOWED, Decision.EXPLICIT_DENY,
                                         Decision.IMPLICIT_DENY)
# The layer whose statements decided, named as the explanation names them.
IDENTITY, BOUNDARY, RESOURCE, CROSS_ACCOUNT = (Layer.IDENTITY, Layer.BOUNDARY, Layer.RESOURCE,
                                               Layer.CROSS_ACCOUNT)
SESSION = Layer.SESSION


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
    session: Sequence[PolicyInput] | None = None  # None: the caller has no session layer


class EvalResult:
    """The decision, the statements that made it, and the context keys that were missing.

    `evaluate` decides without gathering the statements (most callers read only the
    decision): `matched`, `missing_context` and `inputs` are worked out when first read, by
    the same rules over the same request, and kept."""

    __slots__ = ("_inputs", "_matched", "_missing", "_sets", "allowed_by_boundary",
                 "cross_account", "decided_by", "decision")

    def __init__(self, decision: str, decided_by: str, matched: tuple[StatementMatch, ...],
                 missing_context: tuple[str, ...], inputs: EvalInputs,
                 allowed_by_boundary: bool | None = None, cross_account: bool = False) -> None:
        self.decision, self.decided_by = decision, decided_by
        self._matched: tuple[StatementMatch, ...] | None = matched
        self._missing: tuple[str, ...] | None = missing_context
        self._inputs: EvalInputs | None = inputs
        self._sets: tuple[EvalRequest, PolicySet, PolicySet, PolicySet | None] | None = None
        self.allowed_by_boundary = allowed_by_boundary  # None when there is no boundary
        self.cross_account = cross_account

    # A decision made without its detail (evaluate's fast path) has `_sets` and leaves
    # `_matched`, `_missing` and `_inputs` unset (three stores fewer per request): the
    # properties below fill them from `_sets` when first read.

    def _detail(self) -> None:
        request, identity, boundaries, session = self._sets  # type: ignore[misc]
        full = _explained(request, identity, boundaries, None, session)
        self._matched, self._missing, self._inputs = full.matched, full.missing_context, \
            full.inputs

    @property
    def matched(self) -> tuple[StatementMatch, ...]:
        """The statements that made the decision (AWS's MatchedStatements)."""
        try:
            return self._matched  # type: ignore[return-value]
        except AttributeError:
            self._detail()
            return self._matched  # type: ignore[return-value]

    @property
    def missing_context(self) -> tuple[str, ...]:
        """Context keys that statements covering the action read and the request lacks."""
        try:
            return self._missing  # type: ignore[return-value]
        except AttributeError:
            self._detail()
            return self._missing  # type: ignore[return-value]

    @property
    def inputs(self) -> EvalInputs:
        """Everything the decision was made from."""
        try:
            return self._inputs  # type: ignore[return-value]
        except AttributeError:
            request, identity, boundaries, session = self._sets  # type: ignore[misc]
            self._inputs = EvalInputs(request, identity.inputs, boundaries.inputs, None,
                                      session.inputs if session is not None else None)
            return self._inputs

    @property
    def allowed(self) -> bool:
        return self.decision == ALLOWED

    def _fields(self) -> tuple[object, ...]:
        return (self.decision, self.decided_by, self.matched, self.missing_context,
                self.inputs, self.allowed_by_boundary, self.cross_account)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, EvalResult) and self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        names = ("decision", "decided_by", "matched", "missing_context", "inputs",
                 "allowed_by_boundary", "cross_account")
        return "EvalResult(" + ", ".join(f"{n}={v!r}" for n, v in
                                         zip(names, self._fields(), strict=True)) + ")"

    def to_aws(self) -> dict[str, Any]:
        """AWS's `EvaluationResult` shape."""
        request = self.inputs.request
        out: dict[str, Any] = {
            "EvalActionName": request.action,
            "EvalResourceName": request.resource,
            "EvalDecision": str(self.decision),  # plain data for YAML
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


_new_result = object.__new__  # EvalResult has no __new__ of its own: no Python call


def _cross_account_details(result: EvalResult) -> dict[str, str]:
    layers = {m.layer for m in result.matched}
    identity = EXPLICIT_DENY if result.decision == EXPLICIT_DENY and IDENTITY in layers else (
        ALLOWED if IDENTITY in layers else IMPLICIT_DENY)
    resource = EXPLICIT_DENY if result.decision == EXPLICIT_DENY and RESOURCE in layers else (
        ALLOWED if RESOURCE in layers else IMPLICIT_DENY)
    return {"IAM Policy": identity, "Resource Policy": resource}


Candidate = tuple[PolicyInput, CompiledStatement]
# A layer's verdict on a request (PolicySet.verdict): what its applying statements say.
NOTHING, ALLOW, DENY = 0, 1, 2

# An action name as written -> (that name, the first string object met with that text, and
# its service prefix lower-cased, or the whole name lower-cased when it has no colon, which
# PolicySet._for_service reads as "any service"). Each policy's memo is then looked up with
# the very object it was filled with: a hit is decided by identity, without reading the
# stored text (a request's action is a new string, the memo's key far off in memory).
_ACTIONS: dict[str, tuple[str, str]] = {}


def _action_of(action: str) -> tuple[str, str]:
    lower = action.lower()
    service, colon, _ = lower.partition(":")
    if len(_ACTIONS) > 4096:  # bound memory against endless distinct names
        _ACTIONS.clear()
    found = _ACTIONS[action] = (action, service + ":" if colon else lower)
    return found


Keys = tuple[tuple[str, str], ...]  # context keys as (lower-cased, as written)


class PolicySet:
    """One layer's policies (say, a principal's identity-based policies), indexed for the
    requests it meets: per service prefix, the policies whose actions can name it; per
    action, the statements that cover it and the context keys they read. Evaluating a
    principal's request then starts from one dictionary lookup instead of one per policy."""

    __slots__ = ("_anywhere", "_by_action", "_by_service", "_deciding", "inputs")

    def __init__(self, inputs: Iterable[PolicyInput] = ()) -> None:
        self.inputs = tuple(inputs)
        self._by_service: dict[str, tuple[PolicyInput, ...]] = {}
        self._by_action: dict[str, tuple[tuple[Candidate, ...], Keys]] = {}
        self._deciding: dict[str, tuple[DecidingMemo, ...]] = {}
        self._anywhere: tuple[DecidingMemo, ...] = ()
        self._index()

    def __bool__(self) -> bool:
        return bool(self.inputs)

    def __len__(self) -> int:
        return len(self.inputs)

    def __iter__(self) -> Iterator[PolicyInput]:
        return iter(self.inputs)

    def __getitem__(self, index: int) -> PolicyInput:
        return self.inputs[index]

    def verdict(self, action: str, resource: str, ctx: RequestContext) -> int:
        """DENY if a Deny statement of the set applies to the request, else ALLOW if an
        Allow does, else NOTHING: what `for_action`'s statements decide, without gathering
        which applied (see EvalResult). Starts from the policies of the action's service,
        each with its memo of the statements covering the action: both fill quickly and
        are shared (a managed policy's memo serves every principal it is attached to)."""
        known = _ACTIONS.get(action)
        action, service = known if known is not None else _action_of(action)
        memos = self._deciding.get(service)
        if memos is None:
            memos = self._deciding_for(service)
        allowed = False
        for memo in memos:
            for st in memo[action]:  # CompiledPolicy.deciding: the Deny statements first
                deny = st.is_deny
                if allowed and not deny:  # one allow is enough: only denies are left
                    break
                # Whether the statement applies: its Resource set (WildcardSet.matches,
                # inlined), or NotResource, then its conditions; a call per statement
                # costs as much as a look-up in the set
                literals = st._literals
                if literals is not None:
                    if resource not in literals:
                        regex = st._regex
                        if (regex is None or not resource.startswith(st._prefixes)
                                or regex(resource) is None):
                            for template in st._templates:
                                if template.matches(resource, ctx):
                                    break
                            else:
                                continue
                elif st.not_resources is not None and st.not_resources.matches(resource, ctx):
                    continue
                for condition in st.conditions:
                    if not condition.holds(ctx):
                        break
                else:
                    if deny:
                        return DENY
                    allowed = True
                    break
        return ALLOW if allowed else NOTHING

    def _index(self) -> None:
        """Per service prefix the policies name, the `deciding` memos of the set's policies,
        each once, that can cover an action of it (a lower-cased prefix and its colon);
        beside them, those of the policies that may cover any service. Built with the set,
        as a verdict starts from it: a caller keeps a principal's sets across requests (the
        service per store revision), and each prefix would otherwise cost a first request
        a pass over the policies."""
        anywhere = [source.policy for source in self.inputs if source.policy.services is None]
        self._anywhere = _memos(anywhere)
        by_service: dict[str, list[CompiledPolicy]] = {}
        for source in self.inputs:
            for prefix in source.policy.services or ():
                by_service.setdefault(prefix + ":", list(anywhere)).append(source.policy)
        self._deciding = {prefix: _memos(policies) for prefix, policies in by_service.items()}

    def _deciding_for(self, service: str) -> tuple[DecidingMemo, ...]:
        """The memos for a prefix no policy names (those that may cover any service), or
        for a name without a colon (any policy may cover it), kept beside the index."""
        if len(self._deciding) > 1024:  # names without a colon are endless: start again
            self._index()
            found = self._deciding.get(service)
            if found is not None:
                return found
        found = self._anywhere if service.endswith(":") else _memos(
            [source.policy for source in self.inputs])
        self._deciding[service] = found
        return found

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


def _memos(policies: list[CompiledPolicy]) -> tuple[DecidingMemo, ...]:
    """The policies' `deciding` memos, in order, each policy once."""
    return tuple(policy._deciding for policy in dict.fromkeys(policies))


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
             resource_policy: PolicyInput | None = None,
             session: Policies | None = None) -> EvalResult:
    """Decide one request the way AWS does, and keep what the decision rests on.

    `identity` and `boundaries` are PolicyInputs, or PolicySets that remember, across
    requests, which statements apply to which action. `session` holds the session
    policies of a session made with some (None: no session policy layer at all). Without
    a resource-based policy the decision is made from each layer's verdict; the statements
    that made it and the missing context keys are gathered when the result is asked.
    """
    if identity.__class__ is not PolicySet:
        identity = _as_set(identity)
    if boundaries.__class__ is not PolicySet:
        boundaries = _as_set(boundaries)
    if session is not None and session.__class__ is not PolicySet:
        session = _as_set(session)
    if resource_policy is not None or session is not None:
        return _explained(request, identity, boundaries, resource_policy, session)
    action, resource, ctx, caller, owner = request
    mine = identity.verdict(action, resource, ctx)
    if caller is None:
        cross_account = False
    else:
        caller_account = caller.account
        if not owner:  # the resource ARN's account, when the caller has one
            owner = _account_of(resource) if caller_account else None
        cross_account = caller_account is not None and owner is not None and \
            owner != caller_account
    within: bool | None = None  # no boundary
    if mine == DENY:  # 1. explicit deny, the identity layer's first
        decision, decided = EXPLICIT_DENY, IDENTITY
    elif boundaries.inputs and (bound := boundaries.verdict(action, resource, ctx)) == DENY:
        decision, decided = EXPLICIT_DENY, BOUNDARY
    else:
        if boundaries.inputs:
            within = bound == ALLOW
        if mine == ALLOW and within is not False:
            # 3. within the permissions boundary; 4. across accounts, the resource's owner
            # has no policy here that allows
            decision, decided = ((IMPLICIT_DENY, RESOURCE) if cross_account
                                 else (ALLOWED, IDENTITY))
        else:  # 5. implicit deny: nothing allows, or the boundary does not
            decision = IMPLICIT_DENY
            decided = BOUNDARY if mine == ALLOW and not cross_account else IDENTITY
    # EvalResult._decided, inlined (one result per request): the detail is gathered when read
    result = _new_result(EvalResult)
    result.decision, result.decided_by, result.allowed_by_boundary = decision, decided, within
    result.cross_account = cross_account
    result._sets = (request, identity, boundaries, None)
    return result


def _explained(request: EvalRequest, identity: PolicySet, boundaries: PolicySet,
               resource_policy: PolicyInput | None,
               session: PolicySet | None = None) -> EvalResult:
    """`evaluate` with every applying statement gathered and the missing keys noted: for
    resource-based and session policies, and for a fast decision's detail when read."""
    action = request.action.lower()
    missing: dict[str, str] = {}
    bounded = bool(boundaries.inputs)
    inputs = EvalInputs(request, identity.inputs, boundaries.inputs, resource_policy,
                        session.inputs if session is not None else None)
    id_matches = _applying(identity, IDENTITY, action, request, missing)
    b_matches = _applying(boundaries, BOUNDARY, action, request, missing) if bounded else []
    s_matches = (_applying(session, SESSION, action, request, missing)
                 if session is not None else [])
    r_matches = (_applying(PolicySet((resource_policy,)), RESOURCE, action, request, missing,
                           resource_based=True, bounded=bounded)
                 if resource_policy is not None else [])
    missing_keys = tuple(missing.values())
    caller_account = request.caller.account if request.caller else None
    owner = request.resource_owner or (_account_of(request.resource) if caller_account else None)
    cross_account = caller_account is not None and owner is not None and owner != caller_account
    if not (id_matches or b_matches or r_matches or s_matches):  # the common case
        return EvalResult(IMPLICIT_DENY, IDENTITY, (), missing_keys, inputs,
                          False if bounded else None, cross_account)

    # 1. explicit deny, wherever it stands
    denies = tuple([m for m in (*id_matches, *b_matches, *s_matches, *r_matches)
                    if m.statement.is_deny])
    if denies:
        return EvalResult(EXPLICIT_DENY, denies[0].layer, denies, missing_keys, inputs,
                          cross_account=cross_account)

    id_allows = tuple(id_matches)
    b_allows = tuple(b_matches)
    s_allows = tuple(s_matches)
    r_allows = tuple(r_matches)
    within_boundary = bool(b_allows) if bounded else True
    within_session = bool(s_allows) if session is not None else True
    boundary_detail = (bool(b_allows) if bounded else None)
    identity_ok = bool(id_allows) and within_boundary and within_session

    if cross_account:
        # 5. both the caller's account and the resource's owner must allow
        if identity_ok and r_allows:
            return EvalResult(ALLOWED, CROSS_ACCOUNT, id_allows + b_allows + s_allows + r_allows,
                              missing_keys, inputs, boundary_detail, True)
        decided = IDENTITY if not identity_ok else RESOURCE
        return EvalResult(IMPLICIT_DENY, decided, (), missing_keys, inputs, boundary_detail, True)

    # 2. a resource-based grant that names the caller (its user or session ARN) stands on
    # its own: neither a boundary nor session policies limit it
    direct = tuple(m for m in r_allows if m.principal == DIRECT)
    if direct:
        return EvalResult(ALLOWED, RESOURCE, direct, missing_keys, inputs, boundary_detail)
    limited = tuple(m for m in r_allows if m.principal != ACCOUNT)
    if limited and within_boundary and within_session:
        return EvalResult(ALLOWED, RESOURCE, limited + b_allows + s_allows, missing_keys,
                          inputs, boundary_detail)
    # 3.-4. identity-based allows, within the permissions boundary and session policies
    if identity_ok:
        return EvalResult(ALLOWED, IDENTITY, id_allows + b_allows + s_allows, missing_keys,
                          inputs, boundary_detail)
    granted = bool(id_allows or limited)
    decided = (BOUNDARY if granted and not within_boundary else
               SESSION if granted else IDENTITY)
    return EvalResult(IMPLICIT_DENY, decided, (), missing_keys, inputs, boundary_detail)


def _account_of(resource: str) -> str | None:
    parts = resource.split(":", 5)
    return parts[4] or None if len(parts) == 6 and parts[0] == "arn" else None
