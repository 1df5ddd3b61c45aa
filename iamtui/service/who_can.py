"""The permission tester's service half: a subject's policies, what-if evaluation and
"who can".

Evaluation goes through the one simulation path (`iamtui.policy.simulation`), as
SimulatePrincipalPolicy does (`simulation.py`), with two additions AWS's simulator lacks:
each of the subject's policies can be switched off (`disabled`), and custom policies can
stand in for a stored subject. Everything is authorized as iam:SimulatePrincipalPolicy (on
the subject's ARN, or "*" for custom policies and for "who can", which simulates every
user and role). Saved test sets, the tester's regression suites, are `iamtui.testsets`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from iamtui.errors import InvalidInput, MalformedPolicyDocument
from iamtui.model import Role, User
from iamtui.policy import (
    Caller,
    ContextEntry,
    Decision,
    EvalResult,
    Layer,
    PolicyInput,
    PolicySourceType,
    PolicyType,
    compile_policy,
    simulation,
)
from iamtui.service.core import Principal, ServiceCore, View
from iamtui.service.principals import PrincipalPolicies
from iamtui.service.simulation import policy_source, principal_context
from iamtui.service.tables import ROLES, USERS


@dataclass(frozen=True)
class SubjectPolicy:
    """One policy of the subject, as the tester lists it (each can be switched off)."""

    source_id: str  # unique within the subject: "inline:user/alice/ReadReports", an ARN...
    layer: Layer  # identity or boundary
    policy: PolicyInput

    @property
    def text(self) -> str:
        return self.policy.policy.document.text


@dataclass(frozen=True)
class Subject:
    """Who the tester asks about: a stored user, group or role, or custom policies.

    `custom_policies` are identity-based documents added to the stored subject's (or
    standing alone when `source_arn` is None). `disabled` lists source IDs to leave out.
    """

    source_arn: str | None = None
    custom_policies: tuple[str, ...] = ()
    resource_policy: str | None = None
    caller_arn: str | None = None
    disabled: frozenset[str] = frozenset()

    def to_dict(self) -> dict[str, Any]:
        return {"SourceArn": self.source_arn, "CustomPolicies": list(self.custom_policies),
                "ResourcePolicy": self.resource_policy, "CallerArn": self.caller_arn,
                "Disabled": sorted(self.disabled)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Subject:
        return cls(data.get("SourceArn"), tuple(data.get("CustomPolicies") or ()),
                   data.get("ResourcePolicy"), data.get("CallerArn"),
                   frozenset(data.get("Disabled") or ()))


@dataclass(frozen=True)
class WhoCanEntry:
    """A user or role and the engine's decision: the statement that allows the action,
    or (when denied ones are asked for) why it is denied."""

    kind: str  # user or role
    name: str
    arn: str
    statement: str  # `"Sid" (#1) of <policy>` or `#2 of <policy>`; for a deny, the reason
    decided_by: Layer
    result: EvalResult = field(repr=False, compare=False)

    @property
    def decision(self) -> Decision:
        """allowed, explicitDeny or implicitDeny."""
        return self.result.decision


def statement_label(result: EvalResult, effect: str = "Allow") -> str:
    """The first statement of `effect` that decided a result, in words (empty when none)."""
    for match in result.matched:
        st = match.statement.statement
        if st.effect == effect:
            name = f'"{st.sid}" (#{st.index + 1})' if st.sid else f"#{st.index + 1}"
            return f"{name} of {match.source.source_id}"
    return ""


_DENY_LAYERS = {Layer.IDENTITY: "an identity-based policy",
                Layer.BOUNDARY: "the permissions boundary",
                Layer.RESOURCE: "the resource-based policy"}


def denial_reason(result: EvalResult) -> str:
    """Why the engine denied, in words: an explicit deny (which statement, where), the
    permissions boundary not allowing what an identity policy allows, or no allowing
    statement at all (IAM User Guide, "Policy evaluation logic")."""
    if result.decision == Decision.EXPLICIT_DENY:
        where = _DENY_LAYERS.get(result.decided_by, result.decided_by)
        return f"explicit deny: {statement_label(result, 'Deny')} in {where}"
    if result.decided_by == Layer.BOUNDARY:
        return "permissions boundary: it does not allow what a policy allows"
    if result.cross_account and result.decided_by == Layer.RESOURCE:
        return "no allowing statement in the resource owner's policy"
    return "no allowing statement"


def expand_actions(actions: Iterable[str], mentioned: Sequence[str]) -> list[str]:
    """`s3:*` becomes the s3 actions the policies mention (kept as is when they name
    none); other names are kept; duplicates go (case-insensitively), order stays."""
    out: dict[str, str] = {}
    for action in actions:
        action = action.strip()
        if not action:
            continue
        if action.endswith(":*"):
            prefix = action[:-1].lower()
            found = [m for m in mentioned if m.lower().startswith(prefix)]
            for name in found or [action]:
                out.setdefault(name.lower(), name)
        else:
            out.setdefault(action.lower(), action)
    return list(out.values())


def mentioned_actions(policies: Iterable[PolicyInput]) -> list[str]:
    """Every literal action (no wildcard) the policies name, sorted, for completion."""
    seen: dict[str, str] = {}
    for policy in policies:
        for st in policy.policy.document.statements:
            for action in (st.action or ()) + (st.not_action or ()):
                if "*" not in action and "?" not in action:
                    seen.setdefault(action.lower(), action)
    return sorted(seen.values(), key=str.lower)


_OPERATOR_TYPES = (("String", "string"), ("Numeric", "numeric"), ("Date", "date"),
                   ("Bool", "boolean"), ("IpAddress", "ip"), ("NotIpAddress", "ip"),
                   ("Arn", "string"), ("Binary", "binary"), ("Null", "boolean"))


def context_key_types(policies: Iterable[PolicyInput]) -> dict[str, str]:
    """The context keys the policies read, each with the ContextKeyType its operator
    implies (a set operator makes it a list); `Null` reads presence, so boolean."""
    keys: dict[str, tuple[str, str]] = {}
    for policy in policies:
        for st in policy.policy.document.statements:
            for clause in st.conditions:
                operator = clause.operator
                is_set = operator.startswith(("ForAnyValue:", "ForAllValues:"))
                base = operator.split(":", 1)[1] if is_set else operator
                ctype = next((t for prefix, t in _OPERATOR_TYPES if base.startswith(prefix)),
                             "string")
                if is_set:
                    ctype += "List"
                keys.setdefault(clause.key.lower(), (clause.key, ctype))
        for key in policy.policy.context_keys():
            keys.setdefault(key.lower(), (key, "string"))
    return dict(keys.values())


class WhoCanOperations(ServiceCore):
    """The tester's reads: a subject's policies, what-if evaluation, who can."""

    def subject_policies(self, caller: Principal, source_arn: str) -> list[SubjectPolicy]:
        """The identity policies and boundary of a user, group or role, each labelled
        (authorized as iam:SimulatePrincipalPolicy on its ARN)."""
        view = self._read(caller, "SimulatePrincipalPolicy", source_arn,
                          params={"policySourceArn": source_arn})
        return self._subject_policies(view, source_arn)

    def _subject_policies(self, view: View, source_arn: str) -> list[SubjectPolicy]:
        kind, name, _ = policy_source(view, source_arn)
        own: PrincipalPolicies = self.policies_of(view, kind, name)
        return ([SubjectPolicy(p.source_id, Layer.IDENTITY, p) for p in own.identity] +
                [SubjectPolicy(p.source_id, Layer.BOUNDARY, p) for p in own.boundaries])

    def evaluate_subject(self, caller: Principal, subject: Subject, actions: Sequence[str],
                         resources: Sequence[str] = ("*",),
                         context: Sequence[ContextEntry] = ()) -> list[EvalResult]:
        """Every action on every resource for the subject's enabled policies, in
        action-major order (as SimulatePrincipalPolicy lists them).

        A resource with a stored resource-based policy is evaluated with it unless the
        subject gives one; `s3:*` expands to the s3 actions the policies mention.
        """
        resource_arn = subject.source_arn or "*"
        view = self._read(caller, "SimulatePrincipalPolicy", resource_arn,
                          params={"policySourceArn": subject.source_arn,
                                  "actionNames": list(actions),
                                  "resourceArns": list(resources)})
        stored = self._subject_policies(view, subject.source_arn) if subject.source_arn else []
        custom = [compile_custom(text, i) for i, text in enumerate(subject.custom_policies)]
        identity = [p.policy for p in stored if p.layer == Layer.IDENTITY
                    and p.source_id not in subject.disabled] + \
            [p for p in custom if p.source_id not in subject.disabled]
        boundaries = [p.policy for p in stored if p.layer == Layer.BOUNDARY
                      and p.source_id not in subject.disabled]
        resource_policy = None
        if subject.resource_policy:
            resource_policy = PolicyInput(_compile(subject.resource_policy, PolicyType.RESOURCE,
                                                   "ResourcePolicy"),
                                          "ResourcePolicy", PolicySourceType.RESOURCE)
        caller_arn = subject.caller_arn or (
            subject.source_arn if subject.source_arn and ":group/" not in subject.source_arn
            else None)
        if resource_policy is not None and caller_arn is None:
            raise InvalidInput("CallerArn is required with a resource-based policy when the "
                               "subject is no user or role.")
        simulated = Caller.from_arn(caller_arn) if caller_arn else None
        # the switched-off policies count too: a what-if keeps the same rows
        names = expand_actions(actions, mentioned_actions([*(p.policy for p in stored),
                                                           *custom]))
        request = simulation.check_request(names, resources, context)
        return simulation.simulate(
            request, identity, boundaries=boundaries, caller=simulated,
            resource_policy=resource_policy,
            stored_resource_policy=lambda action, resource: self.resource_policy_input(
                view, action, resource))

    def who_can(self, caller: Principal, action: str, resource: str = "*",
                context: Sequence[ContextEntry] = (), *,
                include_denied: bool = False) -> list[WhoCanEntry]:
        """Every user and role in the store allowed `action` on `resource`, with the
        statement that allows it. Each is evaluated as itself (its principal context
        keys filled in where `context` gives none), with the resource's stored policy.
        With `include_denied`, the others follow, each with `denial_reason`.
        Authorized as iam:SimulatePrincipalPolicy on "*", and on each user and role it
        reads, as simulating that one alone is: a Deny on one refuses the whole answer."""
        request = simulation.check_request([action], [resource], context)
        params = {"actionNames": [action], "resourceArns": [resource], "whoCan": True}
        view = self._read(caller, "SimulatePrincipalPolicy", "*", params=params)
        self._authorize_each(view, caller, "SimulatePrincipalPolicy",
                             "iam:SimulatePrincipalPolicy",
                             [e.arn for e in (*USERS.all(view), *ROLES.all(view))], params,
                             "every user and role of the account (who-can simulates them all)")
        account = self.account_id
        applies = self.resource_policy_input(view, action, resource)
        found: list[WhoCanEntry] = []
        sources: list[User | Role] = [*USERS.all(view), *ROLES.all(view)]
        for source in sources:
            kind = "user" if isinstance(source, User) else "role"
            name = source.user_name if isinstance(source, User) else source.role_name
            own = self.policies_of(view, kind, name)
            if not own.identity and applies is None and not include_denied:
                continue  # nothing could allow it
            own_context = simulation.merge_context(principal_context(source, account),
                                                   request.context)
            result, = simulation.simulate(request.with_context(own_context), own.identity,
                                          boundaries=own.boundaries,
                                          caller=Caller.from_arn(source.arn),
                                          resource_policy=applies)
            if result.decision == Decision.ALLOWED:
                found.append(WhoCanEntry(kind, name, source.arn, statement_label(result),
                                         result.decided_by, result))
            elif include_denied:
                found.append(WhoCanEntry(kind, name, source.arn, denial_reason(result),
                                         result.decided_by, result))
        # the allowed first, then users before roles, by name
        found.sort(key=lambda e: (e.decision != Decision.ALLOWED, e.kind != "user",
                                  e.name.casefold()))
        return found


def _compile(text: str, policy_type: PolicyType, label: str) -> Any:
    try:
        return compile_policy(text, policy_type)
    except MalformedPolicyDocument as error:
        raise MalformedPolicyDocument(f"{label}: {error.message}") from None


def compile_custom(text: str, index: int) -> PolicyInput:
    """A custom identity-based policy typed in the tester, named custom-1, custom-2..."""
    source_id = f"custom-{index + 1}"
    return PolicyInput(_compile(text, PolicyType.IDENTITY, source_id), source_id,
                       PolicySourceType.NONE)


__all__ = ["Subject", "SubjectPolicy", "WhoCanEntry", "WhoCanOperations", "compile_custom",
           "context_key_types", "denial_reason", "expand_actions", "mentioned_actions",
           "statement_label"]
