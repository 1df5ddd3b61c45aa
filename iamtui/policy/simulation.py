"""One simulation path: check a request, build a principal's context, run the action ×
resource matrix.

Whatever asks "may these actions be done on these resources?" comes here:
simulate-custom-policy, simulate-principal-policy, the permission tester, who-can and
test-policies (and the service's own authorization, for the principal's context keys).
So every one checks a request the same way, fills in the same principal context keys
and lists its EvaluationResults in the same (action-major) order, as AWS's
SimulateCustomPolicy and SimulatePrincipalPolicy do (IAM API Reference: "Each operation
is evaluated for each resource"). Pure: parsed policies and requests in, results out;
what a store holds (a resource's policy) comes in as a function.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, NamedTuple

from iamtui.errors import InvalidInput, ValidationError
from iamtui.policy.compiled import Caller
from iamtui.policy.conditions import ContextEntry, RequestContext
from iamtui.policy.decisions import Decision, Layer, PrincipalMatch
from iamtui.policy.evaluate import EvalRequest, EvalResult, PolicyInput, PolicySet, evaluate

if TYPE_CHECKING:
    from datetime import datetime

# ResourceNameType (IAM API Reference, SimulatePrincipalPolicy: ResourceArns members).
RESOURCE_ARN_MAX = 2048
NO_ACTIONS = "ActionNames must name at least one action."
# aws:PrincipalType per kind of caller (IAM User Guide, "AWS global condition context keys").
PRINCIPAL_TYPES = {"user": "User", "assumed-role": "AssumedRole", "root": "Account",
                   "federated-user": "FederatedUser"}

Policies = PolicySet | Sequence[PolicyInput]
# The resource-based policy a store holds for (action, resource), if any.
ResourcePolicyLookup = Callable[[str, str], PolicyInput | None]


# ---------------------------------------------------------------------------- the request

class SimulationRequest(NamedTuple):
    """A checked question: these actions on these resources, with this context."""

    actions: tuple[str, ...]
    resources: tuple[str, ...]
    context: RequestContext

    def with_context(self, context: RequestContext) -> SimulationRequest:
        """The same question asked with another context (who-can: each principal's)."""
        return self._replace(context=context)


def check_action(action: str) -> str:
    """An action must name its service (`s3:GetObject`), or be `*`."""
    if action != "*" and ":" not in action:
        raise InvalidInput(f"Action {action!r} must look like service:ActionName, "
                           "e.g. s3:GetObject")
    return action


def check_resource(resource: str, number: int = 1) -> str:
    """A resource ARN (or `*`) of 1 to 2048 characters, as ResourceNameType allows."""
    if not 1 <= len(resource) <= RESOURCE_ARN_MAX:
        raise ValidationError(
            f"1 validation error detected: Value '{resource}' at "
            f"'resourceArns.{number}.member' failed to satisfy constraint: Member must have "
            f"length between 1 and {RESOURCE_ARN_MAX}")
    return resource


def check_context(entries: Iterable[ContextEntry]) -> RequestContext:
    """The context of `entries`, each checked as AWS checks a ContextEntry (a known type,
    values of that type, one value unless it is a list type)."""
    return RequestContext.from_aws({"ContextKeyName": e.key, "ContextKeyValues": list(e.values),
                                    "ContextKeyType": e.type} for e in entries)


def check_request(actions: Iterable[str], resources: Iterable[str] = ("*",),
                  context: Iterable[ContextEntry] = ()) -> SimulationRequest:
    """Check a simulation's actions, resources (none: `*`) and context entries."""
    names = tuple(actions)
    if not names:
        raise InvalidInput(NO_ACTIONS)
    for action in names:
        check_action(action)
    arns = tuple(resources) or ("*",)
    for number, resource in enumerate(arns, start=1):
        check_resource(resource, number)
    return SimulationRequest(names, arns, check_context(context))


# ---------------------------------------------------------------------------- the context

def principal_context(kind: str, arn: str, account_id: str, userid: str, *,
                      username: str | None = None,
                      tags: Iterable[tuple[str, str]] = ()) -> list[ContextEntry]:
    """The context keys that say who the principal is: aws:PrincipalArn,
    aws:PrincipalAccount, aws:userid, aws:PrincipalType, aws:username (a user's) and
    aws:PrincipalTag/* (IAM User Guide, "AWS global condition context keys").
    `kind` is user, assumed-role or root."""
    entries = [ContextEntry("aws:PrincipalArn", (arn,)),
               ContextEntry("aws:PrincipalAccount", (account_id,)),
               ContextEntry("aws:userid", (userid,)),
               ContextEntry("aws:PrincipalType", (PRINCIPAL_TYPES[kind],))]
    if username is not None:
        entries.append(ContextEntry("aws:username", (username,)))
    entries += [ContextEntry(f"aws:PrincipalTag/{key}", (value,)) for key, value in tags]
    return entries


def _timestamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def session_context(now: datetime, *, mfa_known: bool = False,
                    mfa_at: datetime | None = None,
                    issued_at: datetime | None = None) -> list[ContextEntry]:
    """The keys a signed request carries beside who sends it: aws:CurrentTime,
    aws:EpochTime, aws:SecureTransport, aws:MultiFactorAuthPresent and
    aws:MultiFactorAuthAge where the credentials say (`mfa_known`; long-term access keys
    do not), and aws:TokenIssueTime for temporary credentials."""
    entries = [ContextEntry("aws:CurrentTime", (_timestamp(now),), "date"),
               ContextEntry("aws:EpochTime", (str(int(now.timestamp())),), "numeric"),
               ContextEntry("aws:SecureTransport", ("true",), "boolean")]
    if mfa_known or mfa_at is not None:
        entries.append(ContextEntry("aws:MultiFactorAuthPresent",
                                    ("true" if mfa_at else "false",), "boolean"))
        if mfa_at is not None:
            age = max(0, int((now - mfa_at).total_seconds()))
            entries.append(ContextEntry("aws:MultiFactorAuthAge", (str(age),), "numeric"))
    if issued_at is not None:
        entries.append(ContextEntry("aws:TokenIssueTime", (_timestamp(issued_at),), "date"))
    return entries


def merge_context(implied: Iterable[ContextEntry],
                  given: Iterable[ContextEntry] | RequestContext) -> RequestContext:
    """`implied` keys (a principal's, a session's) where `given` has none: a key the
    caller gives is never overwritten (keys compare case-insensitively)."""
    if isinstance(given, RequestContext):
        given = given.entries()
    return RequestContext([*implied, *given])  # a later entry replaces an earlier one


# ---------------------------------------------------------------------------- the matrix

def simulate(request: SimulationRequest, identity: Policies = (), *,
             boundaries: Policies = (), caller: Caller | None = None,
             resource_owner: str | None = None, resource_policy: PolicyInput | None = None,
             stored_resource_policy: ResourcePolicyLookup | None = None) -> list[EvalResult]:
    """Every action on every resource, action-major (AWS's EvaluationResults order).

    `resource_policy`, when given, applies to every resource (the API's ResourcePolicy);
    else `stored_resource_policy(action, resource)` says which one applies, if any.
    """
    identity = identity if isinstance(identity, PolicySet) else PolicySet(identity)
    boundaries = boundaries if isinstance(boundaries, PolicySet) else PolicySet(boundaries)
    context, results = request.context, []
    for action in request.actions:
        for resource in request.resources:
            applies = resource_policy
            if applies is None and stored_resource_policy is not None:
                applies = stored_resource_policy(action, resource)
            results.append(evaluate(EvalRequest(action, resource, context, caller,
                                                resource_owner),
                                    identity, boundaries=boundaries, resource_policy=applies))
    return results


__all__ = ["NO_ACTIONS", "PRINCIPAL_TYPES", "RESOURCE_ARN_MAX", "Decision", "Layer",
           "PrincipalMatch", "ResourcePolicyLookup", "SimulationRequest", "check_action",
           "check_context", "check_request", "check_resource", "merge_context",
           "principal_context", "session_context", "simulate"]
