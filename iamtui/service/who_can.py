"""The permission tester's service half: a subject's policies, what-if evaluation, "who can",
and saved test sets (a regression suite for policies).

Evaluation follows the same engine as SimulatePrincipalPolicy (`simulation.py`), with two
additions AWS's simulator lacks: each of the subject's policies can be switched off
(`disabled`), and custom policies can stand in for a stored subject. Everything is
authorized as iam:SimulatePrincipalPolicy (on the subject's ARN, or "*" for custom
policies and for "who can", which simulates every user and role).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from iamtui.errors import InvalidInput, MalformedPolicyDocument
from iamtui.model import Role, User
from iamtui.policy import (
    ALLOWED,
    EXPLICIT_DENY,
    Caller,
    ContextEntry,
    EvalRequest,
    EvalResult,
    PolicyInput,
    PolicySourceType,
    PolicyType,
    RequestContext,
    compile_policy,
    evaluate,
    load_json,
)
from iamtui.service.core import Principal, ServiceCore, View
from iamtui.service.principals import PrincipalPolicies
from iamtui.service.simulation import SimulationOperations, principal_context
from iamtui.service.tables import ROLES, USERS

BOUNDARY_LAYER = "boundary"
IDENTITY_LAYER = "identity"


@dataclass(frozen=True)
class SubjectPolicy:
    """One policy of the subject, as the tester lists it (each can be switched off)."""

    source_id: str  # unique within the subject: "inline:user/alice/ReadReports", an ARN...
    layer: str  # identity or boundary
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
    decided_by: str
    result: EvalResult = field(repr=False, compare=False)

    @property
    def decision(self) -> str:
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


_DENY_LAYERS = {IDENTITY_LAYER: "an identity-based policy", BOUNDARY_LAYER:
                "the permissions boundary", "resource": "the resource-based policy"}


def denial_reason(result: EvalResult) -> str:
    """Why the engine denied, in words: an explicit deny (which statement, where), the
    permissions boundary not allowing what an identity policy allows, or no allowing
    statement at all (IAM User Guide, "Policy evaluation logic")."""
    if result.decision == EXPLICIT_DENY:
        where = _DENY_LAYERS.get(result.decided_by, result.decided_by)
        return f"explicit deny: {statement_label(result, 'Deny')} in {where}"
    if result.decided_by == BOUNDARY_LAYER:
        return "permissions boundary: it does not allow what a policy allows"
    if result.cross_account and result.decided_by == "resource":
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
        kind, source = SimulationOperations._policy_source(self, view, source_arn)  # type: ignore[arg-type]
        name = (source.user_name if isinstance(source, User) else
                source.role_name if isinstance(source, Role) else source.group_name)
        own: PrincipalPolicies = self.policies_of(view, kind, name)
        return ([SubjectPolicy(p.source_id, IDENTITY_LAYER, p) for p in own.identity] +
                [SubjectPolicy(p.source_id, BOUNDARY_LAYER, p) for p in own.boundaries])

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
        identity = [p.policy for p in stored if p.layer == IDENTITY_LAYER
                    and p.source_id not in subject.disabled] + \
            [p for p in custom if p.source_id not in subject.disabled]
        boundaries = [p.policy for p in stored if p.layer == BOUNDARY_LAYER
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
        if not names:
            raise InvalidInput("Name at least one action, e.g. s3:GetObject.")
        for action in names:
            if action != "*" and ":" not in action:
                raise InvalidInput(f"Action {action!r} must look like service:ActionName, "
                                   "e.g. s3:GetObject")
        ctx = RequestContext(list(context))
        results = []
        for action in names:
            for resource in list(resources) or ["*"]:
                applies = resource_policy or self.resource_policy_input(view, action, resource)
                results.append(evaluate(EvalRequest(action, resource, ctx, simulated),
                                        identity, boundaries=boundaries,
                                        resource_policy=applies))
        return results

    def who_can(self, caller: Principal, action: str, resource: str = "*",
                context: Sequence[ContextEntry] = (), *,
                include_denied: bool = False) -> list[WhoCanEntry]:
        """Every user and role in the store allowed `action` on `resource`, with the
        statement that allows it. Each is evaluated as itself (its principal context
        keys filled in where `context` gives none), with the resource's stored policy.
        With `include_denied`, the others follow, each with `denial_reason`.
        Authorized as iam:SimulatePrincipalPolicy on "*"."""
        if action != "*" and ":" not in action:
            raise InvalidInput(f"Action {action!r} must look like service:ActionName, "
                               "e.g. s3:GetObject")
        view = self._read(caller, "SimulatePrincipalPolicy", "*",
                          params={"actionNames": [action], "resourceArns": [resource],
                                  "whoCan": True})
        account = self.account_id
        given = list(context)
        given_keys = {e.key.lower() for e in given}
        applies = self.resource_policy_input(view, action, resource)
        found: list[WhoCanEntry] = []
        sources: list[User | Role] = [*USERS.all(view), *ROLES.all(view)]
        for source in sources:
            kind = "user" if isinstance(source, User) else "role"
            name = source.user_name if isinstance(source, User) else source.role_name
            own = self.policies_of(view, kind, name)
            if not own.identity and applies is None and not include_denied:
                continue  # nothing could allow it
            entries = given + [e for e in principal_context(source, account)
                               if e.key.lower() not in given_keys]
            request = EvalRequest(action, resource, RequestContext(entries),
                                  Caller.from_arn(source.arn), None)
            result = evaluate(request, own.identity, boundaries=own.boundaries,
                              resource_policy=applies)
            if result.decision == ALLOWED:
                found.append(WhoCanEntry(kind, name, source.arn, statement_label(result),
                                         result.decided_by, result))
            elif include_denied:
                found.append(WhoCanEntry(kind, name, source.arn, denial_reason(result),
                                         result.decided_by, result))
        # the allowed first, then users before roles, by name
        found.sort(key=lambda e: (e.decision != ALLOWED, e.kind != "user", e.name.casefold()))
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


# ------------------------------------------------------------------ saved test sets

TEST_SET_VERSION = 1
# A test set lists the tester's cases, about 150 bytes each: 64 MiB is over 400,000 of
# them, more than any run of the tester shows, and bounds what a wrong path (a device,
# a pipe) makes us read.
TEST_SET_MAX_BYTES = 64 << 20


@dataclass(frozen=True)
class TestCase:
    """One expected decision."""

    action: str
    resource: str
    expected: str  # allowed, explicitDeny, implicitDeny


@dataclass(frozen=True)
class TestSet:
    """A saved question and its expected answers: re-run it after changing policies."""

    subject: Subject
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    context: tuple[ContextEntry, ...] = ()
    cases: tuple[TestCase, ...] = ()

    __test__ = False  # not a pytest class

    def to_json(self) -> str:
        return json.dumps({
            "Version": TEST_SET_VERSION, "Subject": self.subject.to_dict(),
            "Actions": list(self.actions), "Resources": list(self.resources),
            "Context": [{"ContextKeyName": e.key, "ContextKeyValues": list(e.values),
                         "ContextKeyType": e.type} for e in self.context],
            "Expected": [{"Action": c.action, "Resource": c.resource, "Decision": c.expected}
                         for c in self.cases]}, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> TestSet:
        """Read a saved test set (InvalidInput when it is not one)."""
        try:
            data = load_json(text)
            if not isinstance(data, dict) or data.get("Version") != TEST_SET_VERSION:
                raise InvalidInput(f"Not an iamtui test set (Version {TEST_SET_VERSION}).")
            subject = data["Subject"]
            _check_shape(subject, dict, "Subject")
            for key in ("SourceArn", "ResourcePolicy", "CallerArn"):
                _check_shape(subject.get(key), str | None, f"Subject.{key}")
            for key in ("CustomPolicies", "Disabled"):
                _check_strings(subject.get(key) or [], f"Subject.{key}")
            _check_strings(data["Actions"], "Actions")
            _check_strings(data["Resources"], "Resources")
            _check_shape(context := data.get("Context", []), list, "Context")
            _check_shape(expected := data.get("Expected", []), list, "Expected")
            for case in expected:
                _check_shape(case, dict, "Expected")
                _check_strings([case["Action"], case["Resource"], case["Decision"]],
                               "Expected")
            return cls(Subject.from_dict(subject), tuple(data["Actions"]),
                       tuple(data["Resources"]),
                       tuple(ContextEntry.from_aws(e) for e in context),
                       tuple(TestCase(c["Action"], c["Resource"], c["Decision"])
                             for c in expected))
        except (ValueError, KeyError, TypeError) as error:
            raise InvalidInput(f"Not an iamtui test set: {error}") from None

    def save(self, path: Path) -> None:
        path.write_text(self.to_json(), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> TestSet:
        """Read a saved test set: OSError when the file cannot be read, InvalidInput when
        it is not a test set (not UTF-8, over TEST_SET_MAX_BYTES, not the shape)."""
        with path.open("rb") as file:
            data = file.read(TEST_SET_MAX_BYTES + 1)
        if len(data) > TEST_SET_MAX_BYTES:
            raise InvalidInput(f"Not an iamtui test set: it holds more than "
                               f"{TEST_SET_MAX_BYTES >> 20} MiB.")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise InvalidInput(f"Not an iamtui test set: not UTF-8 text ({error.reason} at "
                               f"byte {error.start}).") from None
        return cls.from_json(text)

    def with_results(self, results: Sequence[EvalResult]) -> TestSet:
        """This set expecting exactly `results` (what the tester shows now)."""
        return TestSet(self.subject, self.actions, self.resources, self.context,
                       tuple(TestCase(r.inputs.request.action, r.inputs.request.resource,
                                      r.decision) for r in results))


def _check_shape(value: Any, kind: Any, where: str) -> None:
    if not isinstance(value, kind):
        raise TypeError(f"{where} has the wrong type")


def _check_strings(values: Any, where: str) -> None:
    _check_shape(values, list, where)
    for value in values:
        _check_shape(value, str, where)


@dataclass(frozen=True)
class TestChange:
    """A case whose decision is not the expected one (actual None: no longer asked)."""

    action: str
    resource: str
    expected: str
    actual: str | None

    __test__ = False


def compare(test_set: TestSet, results: Sequence[EvalResult]) -> list[TestChange]:
    """The expected decisions that changed."""
    actual = {(r.inputs.request.action.lower(), r.inputs.request.resource): r.decision
              for r in results}
    return [TestChange(c.action, c.resource, c.expected,
                       actual.get((c.action.lower(), c.resource)))
            for c in test_set.cases
            if actual.get((c.action.lower(), c.resource)) != c.expected]


def run_test_set(service: WhoCanOperations, caller: Principal,
                 test_set: TestSet) -> tuple[list[EvalResult], list[TestChange]]:
    """Evaluate a saved test set now, and the decisions that changed."""
    results = service.evaluate_subject(caller, test_set.subject, test_set.actions,
                                       test_set.resources, test_set.context)
    return results, compare(test_set, results)


__all__ = ["BOUNDARY_LAYER", "IDENTITY_LAYER", "Subject", "SubjectPolicy", "TestCase",
           "TestChange", "TestSet", "WhoCanEntry", "WhoCanOperations", "compare",
           "compile_custom", "context_key_types", "denial_reason", "expand_actions",
           "mentioned_actions", "run_test_set", "statement_label"]
