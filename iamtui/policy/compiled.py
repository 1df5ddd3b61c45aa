"""Checked documents compiled once into ready matchers, cached by their text.

Each statement's Action list becomes one case-insensitive matcher, its Resource list
one ARN matcher, its Condition block a tuple of compiled conditions. A policy then
remembers, per action name, which statements can apply to it, so evaluating a
request is a dictionary lookup and a short walk.
"""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from typing import NamedTuple

from iamtui.errors import InvalidInput
from iamtui.policy.conditions import CompiledCondition, RequestContext, parse_operator
from iamtui.policy.decisions import PrincipalMatch
from iamtui.policy.grammar import (
    ConditionClause,
    PolicyDocument,
    PolicyType,
    Principal,
    Statement,
    parse_policy,
)
from iamtui.policy.patterns import GLOB, RESOURCE, WildcardSet, wildcard_set
from iamtui.policy.variables import tokenize, variables_in

# How a resource-based statement's principal matched the caller (see PrincipalMatch).
WILDCARD, DIRECT, ROLE, ACCOUNT = (PrincipalMatch.WILDCARD, PrincipalMatch.DIRECT,
                                   PrincipalMatch.ROLE, PrincipalMatch.ACCOUNT)


class PolicySourceType(StrEnum):
    """AWS's `PolicySourceType`: where a matched statement came from."""

    USER = "user"
    GROUP = "group"
    ROLE = "role"
    AWS_MANAGED = "aws-managed"
    USER_MANAGED = "user-managed"
    RESOURCE = "resource"
    NONE = "none"


class _Callers(dict[str, "Caller"]):
    """Caller.from_arn's answers, made on a miss: the same callers ask again and again, and
    a hit is then one look-up in C code, without a Python call (Caller.from_arn is this
    dict's own __getitem__)."""

    __slots__ = ()

    def __missing__(self, text: str) -> Caller:
        if len(self) >= 4096:  # bound memory against endless distinct callers
            self.clear()
        found = self[text] = Caller._parse(text)
        return found


_CALLERS = _Callers()


class Caller(NamedTuple):
    """The principal making the request, taken from its ARN (or service name)."""

    arn: str
    kind: str  # root, user, role, assumed-role, federated-user, service, unknown
    account: str | None
    role_name: str | None = None  # for assumed-role sessions
    # A federated user's IAM user (its ARN): a resource-based grant naming it counts as the
    # user's permission, which the session policies then cap ("Session policies")
    parent: str | None = None

    # Caller.from_arn(text): recognize `arn:aws:iam::111122223333:user/alice`, sessions,
    # roots and services. The look-up in _CALLERS itself (read through `_parse` on a miss):
    # a hit costs no Python call.
    from_arn = _CALLERS.__getitem__

    @classmethod
    def _parse(cls, text: str) -> Caller:
        parts = text.split(":", 5)
        if len(parts) == 6 and parts[0] == "arn":
            service, account, resource = parts[2], parts[4] or None, parts[5]
            if service == "iam" and resource == "root":
                return cls(text, "root", account)
            kind = resource.split("/", 1)[0]
            if service == "sts" and kind == "assumed-role" and resource.count("/") >= 2:
                return cls(text, "assumed-role", account, resource.split("/")[1])
            if kind in ("user", "role", "federated-user"):
                return cls(text, kind, account)
            return cls(text, "unknown", account)
        if text.endswith(".amazonaws.com") or text.endswith(".amazonaws.com.cn"):
            return cls(text, "service", None)
        if text.isdigit() and len(text) == 12:
            return cls(f"arn:aws:iam::{text}:root", "root", text)
        return cls(text, "unknown", None)


def principal_match(principal: Principal, caller: Caller | None) -> str | None:
    """How `principal` names `caller`: WILDCARD, DIRECT, ROLE, ACCOUNT, or None."""
    if principal.wildcard:
        return WILDCARD
    if caller is None:
        return None
    best: str | None = None
    for kind, value in principal.entries:
        how = _entry_match(kind, value, caller)
        if how == DIRECT:
            return DIRECT
        if how is not None and (best is None or how == ROLE):
            best = how
    return best


def _entry_match(kind: str, value: str, caller: Caller) -> str | None:
    if kind == "AWS":
        if value == "*":
            return WILDCARD
        if value == caller.arn:
            return DIRECT
        account = value if value.isdigit() else None
        if value.startswith("arn:") and value.endswith(":root"):
            account = value.split(":")[4]
        if account is not None:
            return ACCOUNT if caller.account == account else None
        if caller.parent is not None and value == caller.parent:
            return ROLE
        if ":role/" in value and caller.kind == "assumed-role":
            role_account, role_name = value.split(":")[4], value.rsplit("/", 1)[-1]
            if caller.account == role_account and caller.role_name == role_name:
                return ROLE
        return None
    if kind == "Service":
        return DIRECT if caller.kind == "service" and value.lower() == caller.arn.lower() else None
    if kind == "Federated":
        return DIRECT if value == caller.arn else None
    return None


def not_principal_excludes(principal: Principal, caller: Caller | None) -> bool:
    """NotPrincipal leaves out only principals it names exactly (IAM User Guide, NotPrincipal)."""
    if principal.wildcard:
        return True
    if caller is None:
        return False
    for kind, value in principal.entries:
        if kind == "AWS" and (value == caller.arn or (
                caller.kind == "root" and value in (caller.account, caller.arn))):
            return True
        if kind in ("Service", "Federated") and value == caller.arn:
            return True
    return False


class CompiledStatement:
    """A statement with its matchers built."""

    __slots__ = ("_literals", "_prefixes", "_regex", "_templates", "actions", "conditions",
                 "is_deny", "keys", "keys_lower", "not_actions", "not_resources", "resources",
                 "statement", "variables")

    def __init__(self, statement: Statement, variables: bool) -> None:
        self.statement = statement
        self.is_deny = statement.effect == "Deny"
        self.variables = variables

        def patterns(values: tuple[str, ...] | None, mode: str, fold: bool) -> WildcardSet | None:
            return None if values is None else wildcard_set(values, mode=mode, fold=fold,
                                                            variables=variables and not fold)

        self.actions = patterns(statement.action, GLOB, True)
        self.not_actions = patterns(statement.not_action, GLOB, True)
        self.resources = patterns(statement.resource, RESOURCE, False)
        self.not_resources = patterns(statement.not_resource, RESOURCE, False)
        self.conditions = tuple(_compile_condition(c, variables) for c in statement.conditions)
        self.keys = self._read_keys()
        self.keys_lower = tuple((k.lower(), k) for k in self.keys)  # as the context looks them up
        # The Resource set's parts, for PolicySet.verdict to match without a call and an
        # object between (None: no Resource element, or one that holds "*")
        resources = self.resources
        self._literals = (None if resources is None or resources.matches_all
                          else resources._literals)
        self._regex = (None if resources is None or resources._regex is None
                       else resources._regex.fullmatch)
        self._templates = () if resources is None else resources._templates
        self._prefixes = () if resources is None else resources._prefixes

    def applies_to_action(self, action_lower: str) -> bool:
        if self.actions is not None:
            return self.actions.matches(action_lower)
        return self.not_actions is not None and not self.not_actions.matches(action_lower)

    def applies_to_resource(self, resource: str, ctx: RequestContext) -> bool:
        """Resource/NotResource; a trust policy's statements have neither and apply to the role."""
        if self.resources is not None:
            return self.resources.matches(resource, ctx)
        if self.not_resources is not None:
            return not self.not_resources.matches(resource, ctx)
        return True

    def conditions_hold(self, ctx: RequestContext) -> bool:
        # a plain loop: all() with a generator costs a frame on the hottest path
        for condition in self.conditions:  # noqa: SIM110
            if not condition.holds(ctx):
                return False
        return True

    def principal_match(self, caller: Caller | None, bounded: bool = False) -> str | None:
        """For resource-based statements: how the Principal/NotPrincipal names the caller.

        `bounded`: the caller has a permissions boundary, and then a Deny with NotPrincipal
        denies it whatever NotPrincipal lists (IAM User Guide, "Permissions boundaries").
        """
        st = self.statement
        if st.principal is not None:
            return principal_match(st.principal, caller)
        if st.not_principal is not None:
            if bounded and self.is_deny:
                return WILDCARD
            return None if not_principal_excludes(st.not_principal, caller) else WILDCARD
        return DIRECT  # identity-based statements apply to whoever holds them

    def context_keys(self) -> tuple[str, ...]:
        """Context keys read by the conditions and by variables in Resource."""
        return self.keys

    def _read_keys(self) -> tuple[str, ...]:
        # Resource's variables before the conditions' keys, in the order AWS lists them
        # (AWS CLI reference, get-context-keys-for-custom-policy example)
        keys: list[str] = []
        if self.variables:
            for pattern in (self.statement.resource or self.statement.not_resource or ()):
                keys.extend(v.key for v in variables_in(tokenize(pattern, variables=True,
                                                                   wildcards=True)))
        keys.extend(k for c in self.conditions for k in c.context_keys())
        return tuple(keys)


def _compile_condition(clause: ConditionClause, variables: bool) -> CompiledCondition:
    """Compile one clause; without Version 2012-10-17, `${...}` in its values is plain text."""
    spec = parse_operator(clause.operator)
    if spec is None:  # the grammar has refused such a document already
        raise InvalidInput(f"Invalid Condition type : {clause.operator}")
    if not variables:
        spec = spec._replace(variables=False)
    return CompiledCondition(spec, clause.key, clause.values)


# deciding's answer: the statements covering an action, the Deny ones first
Deciding = tuple["CompiledStatement", ...]


class DecidingMemo(dict[str, Deciding]):
    """A policy's `deciding` memo, which fills itself: `memo[action]` is the policy's
    deciding(action). A policy set keeps these rather than the policies, so that a request
    goes from the set straight to each memo (one object fewer to reach per policy)."""

    __slots__ = ("policy",)

    def __init__(self, policy: CompiledPolicy) -> None:
        super().__init__()
        self.policy = policy

    def __missing__(self, action: str) -> Deciding:
        return self.policy.deciding(action)


class CompiledPolicy:
    """A document compiled for evaluation, with a per-action index of its statements and
    the service prefixes its actions are limited to."""

    __slots__ = ("_by_action", "_deciding", "document", "policy_type", "services", "statements")

    def __init__(self, document: PolicyDocument, policy_type: PolicyType) -> None:
        self.document, self.policy_type = document, policy_type
        variables = document.variables_enabled
        self.statements = tuple(CompiledStatement(s, variables) for s in document.statements)
        self.services = _services(document.statements)
        self._by_action: dict[str, tuple[tuple[CompiledStatement, ...],
                                         tuple[tuple[str, str], ...]]] = {}
        self._deciding = DecidingMemo(self)

    def may_apply_to(self, service_lower: str) -> bool:
        """Whether any statement can cover an action of this service prefix."""
        return self.services is None or service_lower in self.services

    def for_action(self, action_lower: str
                   ) -> tuple[tuple[CompiledStatement, ...], tuple[tuple[str, str], ...]]:
        """The statements whose Action/NotAction covers `action_lower`, and the context keys
        they read as (lower-cased, as written) in order without repeats; memoized."""
        found = self._by_action.get(action_lower)
        if found is None:
            if len(self._by_action) > 4096:  # bound memory against endless distinct names
                self._by_action.clear()
            statements = tuple(s for s in self.statements if s.applies_to_action(action_lower))
            keys: dict[str, str] = {}
            for st in statements:
                for lower, key in st.keys_lower:
                    keys.setdefault(lower, key)
            found = self._by_action[action_lower] = (statements, tuple(keys.items()))
        return found

    def deciding(self, action: str) -> Deciding:
        """`for_action`'s statements, the Deny ones first (a deny decides at once; one
        allow is enough where no deny applies), in one tuple (one object fewer to reach on
        every request); memoized under the name as written (no lower() per request) and
        lower-cased."""
        found = self._deciding.get(action)
        if found is None:
            lower = action.lower()
            found = self._deciding.get(lower)
            if found is None:
                if len(self._deciding) > 4096:  # as in for_action
                    self._deciding.clear()
                # for_action's statements, without its context keys (the decision's detail
                # reads them, when asked)
                statements = [st for st in self.statements if st.applies_to_action(lower)]
                found = self._deciding[lower] = (
                    *[st for st in statements if st.is_deny],
                    *[st for st in statements if not st.is_deny])
            self._deciding[action] = found
        return found

    def context_keys(self) -> list[str]:
        """Every context key the policy reads, in order of first use, without duplicates."""
        seen: dict[str, str] = {}
        for statement in self.statements:
            for key in statement.context_keys():
                seen.setdefault(key.lower(), key)
        return list(seen.values())


def _services(statements: tuple[Statement, ...]) -> frozenset[str] | None:
    """The service prefixes (lower-cased) the statements' Action patterns are limited to;
    None when one may cover any service (NotAction, `*`, a wildcard in the prefix)."""
    found: set[str] = set()
    for st in statements:
        if st.action is None:
            return None
        for pattern in st.action:
            service, colon, _ = pattern.partition(":")
            if not colon or "*" in service or "?" in service:
                return None
            found.add(service.lower())
    return frozenset(found)


@lru_cache(maxsize=4096)
def compile_policy(text: str, policy_type: PolicyType = PolicyType.IDENTITY) -> CompiledPolicy:
    """Parse, check and compile `text` once; the same text returns the same object."""
    return CompiledPolicy(parse_policy(text, policy_type), policy_type)
