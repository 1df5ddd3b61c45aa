"""Turning a decision into words: which layer decided, which statement, which condition failed.

AWS's simulator returns only the matched statements; this retraces every statement
of every layer for one request and says, for each, why it did or did not apply.
"""

from __future__ import annotations

from typing import NamedTuple

from iamtui.policy.compiled import ACCOUNT, DIRECT, ROLE, WILDCARD, CompiledStatement
from iamtui.policy.conditions import ConditionOutcome
from iamtui.policy.evaluate import (
    ALLOWED,
    BOUNDARY,
    CROSS_ACCOUNT,
    EXPLICIT_DENY,
    IDENTITY,
    RESOURCE,
    SESSION,
    EvalResult,
    PolicyInput,
)

_LAYER_NAMES = {IDENTITY: "an identity-based policy", BOUNDARY: "a permissions boundary",
                RESOURCE: "a resource-based policy", SESSION: "a session policy"}
_PRINCIPAL_WORDS = {DIRECT: "names the caller",
                    ROLE: "names the role (or user) the caller's session stands for",
                    WILDCARD: "applies to every principal",
                    ACCOUNT: "names only the caller's account"}


class StatementTrace(NamedTuple):
    """One statement retraced against the request."""

    source: PolicyInput
    layer: str
    statement: CompiledStatement
    action_matches: bool
    resource_matches: bool
    principal: str | None  # how a resource-based statement named the caller
    conditions: tuple[ConditionOutcome, ...]

    @property
    def applies(self) -> bool:
        return (self.action_matches and self.resource_matches
                and (self.layer != RESOURCE or self.principal is not None)
                and all(c.holds for c in self.conditions))

    @property
    def label(self) -> str:
        """`statement "AllowRead" (#1) of policy "ReadOnly" (lines 3-9)`."""
        st = self.statement.statement
        name = f'"{st.sid}" (#{st.index + 1})' if st.sid else f"#{st.index + 1}"
        lines = (f"line {st.start.line}" if st.start.line == st.end.line
                 else f"lines {st.start.line}-{st.end.line}")
        return f'{st.effect} statement {name} of {self.source.source_id} ({lines})'

    def why_not(self) -> str:
        """Why this statement did not apply, in one clause."""
        if not self.action_matches:
            return "its Action does not cover the action"
        if not self.resource_matches:
            return "its Resource does not cover the resource"
        if self.layer == RESOURCE and self.principal is None:
            return "its Principal does not name the caller"
        failed = [c for c in self.conditions if not c.holds]
        return "its condition failed: " + "; ".join(c.reason for c in failed)


class Explanation(NamedTuple):
    """A summary sentence, the supporting lines, and every statement's trace."""

    decision: str
    summary: str
    details: tuple[str, ...]
    traces: tuple[StatementTrace, ...]

    def text(self) -> str:
        return "\n".join((self.summary, *(f"  - {d}" for d in self.details)))


def trace(result: EvalResult) -> tuple[StatementTrace, ...]:
    """Retrace every statement of every layer for the result's request."""
    inputs = result.inputs
    request, ctx = inputs.request, inputs.request.context
    action = request.action.lower()
    layers = [(IDENTITY, p) for p in inputs.identity] + [(BOUNDARY, p) for p in inputs.boundaries]
    layers += [(SESSION, p) for p in inputs.session or ()]
    if inputs.resource_policy is not None:
        layers.append((RESOURCE, inputs.resource_policy))
    out = []
    for layer, source in layers:
        for st in source.policy.statements:
            out.append(StatementTrace(
                source, layer, st, st.applies_to_action(action),
                st.applies_to_resource(request.resource, ctx),
                st.principal_match(request.caller, bool(inputs.boundaries))
                if layer == RESOURCE else DIRECT,
                tuple(c.outcome(ctx) for c in st.conditions)))
    return tuple(out)


def explain(result: EvalResult) -> Explanation:
    """Say which layer decided, which statement, and why the others did not count."""
    traces = trace(result)
    request = result.inputs.request
    what = f"{request.action} on {request.resource}"
    applied = [t for t in traces if t.applies]
    near = [t for t in traces if t.action_matches and not t.applies]
    details: list[str] = []
    if result.decision == EXPLICIT_DENY:
        deny = next(t for t in applied if t.statement.is_deny and t.layer == result.decided_by)
        summary = (f"Denied explicitly: {deny.label}, in {_LAYER_NAMES[deny.layer]}, denies "
                   f"{what}. An explicit deny overrides every allow.")
        details += [f"also allowing, but overridden: {t.label}" for t in applied
                    if not t.statement.is_deny]
    elif result.decision == ALLOWED:
        allows = [t for t in applied if not t.statement.is_deny]
        by_layer = {layer: [t for t in allows if t.layer == layer]
                    for layer in (IDENTITY, BOUNDARY, SESSION, RESOURCE)}
        if result.decided_by == CROSS_ACCOUNT:
            summary = (f"Allowed across accounts: the caller's {by_layer[IDENTITY][0].label} and "
                       f"the resource owner's {by_layer[RESOURCE][0].label} both allow {what}.")
        elif result.decided_by == RESOURCE:
            grant = next(t for t in by_layer[RESOURCE] if t.principal != ACCOUNT)
            summary = (f"Allowed by the resource-based policy: {grant.label} "
                       f"{_PRINCIPAL_WORDS[grant.principal or DIRECT]} and allows {what}.")
            if grant.principal == DIRECT:
                details.append("a resource-based policy that names the caller needs no "
                               "identity-based permission, and a permissions boundary does "
                               "not limit it")
        else:
            summary = f"Allowed: {by_layer[IDENTITY][0].label} allows {what}."
        if result.allowed_by_boundary and by_layer[BOUNDARY]:
            details.append(f"the permissions boundary allows it too: {by_layer[BOUNDARY][0].label}")
        if by_layer[SESSION]:
            details.append(f"the session policies allow it too: {by_layer[SESSION][0].label}")
        details += [f"also allows: {t.label}" for t in allows[1:] if t.layer == IDENTITY
                    and result.decided_by != RESOURCE]
    else:
        summary = _implicit_summary(result, applied, what)
    for t in near:
        if t.layer == RESOURCE and not t.resource_matches:
            continue
        details.append(f"did not apply: {t.label}: {t.why_not()}")
    if result.missing_context:
        details.append("context keys the policies read but the request lacks: "
                       + ", ".join(result.missing_context))
    return Explanation(result.decision, summary, tuple(details), traces)


def _implicit_summary(result: EvalResult, applied: list[StatementTrace], what: str) -> str:
    identity = [t for t in applied if t.layer == IDENTITY]
    resource = [t for t in applied if t.layer == RESOURCE]
    if result.cross_account:
        caller = result.inputs.request.caller
        side = ("the resource owner's resource-based policy does not allow the caller"
                if identity else "the caller's own identity-based policies do not allow it")
        if identity and result.inputs.resource_policy is None:
            side = "there is no resource-based policy to allow the caller"
        return (f"Implicitly denied: a cross-account request ({caller.account if caller else '?'} "
                f"-> {result.inputs.request.resource_owner or 'the resource owner'}) needs both "
                f"sides to allow {what}, and {side}.")
    if result.decided_by == BOUNDARY:
        granted = identity[0].label if identity else resource[0].label
        return (f"Implicitly denied: {granted} allows {what}, but no statement of the "
                "permissions boundary does; a boundary caps what identity-based policies "
                "can grant.")
    if result.decided_by == SESSION:
        granted = identity[0].label if identity else resource[0].label
        return (f"Implicitly denied: {granted} allows {what}, but no session policy does; "
                "the session policies passed when the session was made cap what it may do.")
    if resource and all(t.principal == ACCOUNT for t in resource):
        return (f"Implicitly denied: the resource-based policy grants {what} to the account, "
                "which leaves it to the account's identity-based policies, and none allows it.")
    return f"Implicitly denied: no statement allows {what}, and what is not allowed is denied."
