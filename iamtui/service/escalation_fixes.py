"""The changes that break a privilege-escalation path, ranked smallest first.

For each step of a path, the candidates (issue 16: "a Deny statement, a narrowed trust
policy, a removed attachment"):

- DenyStatement: a Deny of the step's action on its resource, in the inline policy
  FIX_POLICY_NAME of the principal making it (PutUserPolicy / PutRolePolicy);
- DetachPolicy: the managed policy whose statement allows the step, detached from that
  principal (DetachUserPolicy / DetachRolePolicy);
- DeleteInlinePolicy: the inline policy that allows it, deleted (DeleteUserPolicy /
  DeleteRolePolicy);
- RemoveFromGroup: the user out of the group whose policy allows it (RemoveUserFromGroup);
- NarrowTrustPolicy: for sts:AssumeRole, the role's trust policy without the principal
  entry that lets the caller in: its own ARN, or else the account (UpdateAssumeRolePolicy).

Each is kept only when the analysis, run again in memory with the change, no longer finds
the path (RemovesPath). "Smallest" is measured with the engine: the number of requests of
a test set that the principals the change touches are allowed before it and refused after
(PermissionsRemoved). The test set of a principal whose policies change is its own grants,
one request per Action and Resource of each of its Allow statements (as written: a
wildcard stands for itself; a policy variable takes the principal's own value), and the
path's requests it makes; for a trust policy, each user and role that could assume the
role asks sts:AssumeRole. Ties go to the change that
touches fewest other principals: a Deny, then a narrowed trust, a group membership, a
detachment, a deleted inline policy.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from iamtui.model import Role
from iamtui.policy import (
    ContextEntry,
    Decision,
    PolicyInput,
    PolicySet,
    PolicySourceType,
    RequestContext,
)
from iamtui.policy.variables import Literal, has_variables, resolve, tokenize
from iamtui.service.owners import PROTECTED_ROLE_PATHS
from iamtui.service.principals import PrincipalPolicies, owned_policies, trust_policy_input
from iamtui.service.tables import ATTACHMENTS, INLINE_POLICIES, owner_key

if TYPE_CHECKING:
    from iamtui.service.escalation import (
        Actor,
        EscalationAnalysis,
        EscalationPath,
        EscalationStep,
    )

# The kinds, in the order ties are broken (fewest other principals touched first).
KINDS = ("DenyStatement", "NarrowTrustPolicy", "RemoveFromGroup", "DetachPolicy",
         "DeleteInlinePolicy")
FIX_POLICY_NAME = "DenyPrivilegeEscalation"  # the inline policy that fixes add Deny statements to
MAX_PROBES = 400  # test-set requests per principal: bounds the cost of measuring a change
MAX_LOST_SHOWN = 5
# A change: its kind, the analysis with it applied (in memory), and the FixCandidate
# fields it sets (operation, parameters, description...).
Change = tuple[str, dict[str, Any], Callable[[], "EscalationAnalysis"]]
Marker = tuple[str, tuple[tuple[str, str], ...]]  # a change's kind and request parameters


@dataclass(frozen=True)
class FixCandidate:
    """One verified change that breaks one path, and what it costs."""

    principal_arn: str  # the finding's principal
    path_index: int
    kind: str  # one of KINDS
    operation: str  # the IAM operation that applies it
    parameters: dict[str, str]  # its request parameters, as the API names them
    description: str
    breaks: EscalationStep  # the step it takes away
    permissions_removed: int  # test-set requests refused after that were allowed before
    lost: tuple[str, ...] = ()  # the first of them, "action on resource"
    statement: str = ""  # DenyStatement: the statement added (merged again on apply)
    removed_principal: str = ""  # NarrowTrustPolicy: the entry taken out on apply
    touches: tuple[str, ...] = field(default=(), compare=False)  # principals affected

    def to_aws(self) -> dict[str, Any]:
        return {"Kind": self.kind, "Operation": self.operation,
                "Parameters": dict(self.parameters), "Description": self.description,
                "Breaks": {"Action": self.breaks.action, "Resource": self.breaks.resource,
                           "Via": self.breaks.via},
                "PermissionsRemoved": self.permissions_removed,
                "PermissionsLost": list(self.lost), "RemovesPath": True}


def without_principal(document: str, entry: str) -> str | None:
    """The trust policy `document` with the AWS principal `entry` taken out of every
    statement naming it (a statement left naming nobody goes); None when it names it
    nowhere or nothing would be left."""
    policy = json.loads(document)
    given = policy.get("Statement", [])
    statements = given if isinstance(given, list) else [given]
    kept, changed = [], False
    for statement in statements:
        principal = statement.get("Principal") if isinstance(statement, dict) else None
        names = principal.get("AWS") if isinstance(principal, dict) else None
        listed = [names] if isinstance(names, str) else names
        if not isinstance(listed, list) or entry not in listed:
            kept.append(statement)
            continue
        changed = True
        rest = [n for n in listed if n != entry]
        others = {k: v for k, v in principal.items() if k != "AWS"}
        if rest:
            others["AWS"] = rest[0] if len(rest) == 1 else rest
        if others:
            kept.append({**statement, "Principal": others})
    if not changed or not kept:
        return None
    return json.dumps({**policy, "Statement": kept}, separators=(",", ":"))


def path_key(steps: Sequence[EscalationStep]) -> tuple[tuple[str, str, str], ...]:
    """What makes two paths the same: each step's action, resource and acting principal."""
    return tuple((s.action, s.resource, s.via) for s in steps)


def deny_statement(step: EscalationStep) -> dict[str, Any]:
    """The Deny statement that takes `step` away, with a Sid derived from it (applying the
    same fix twice adds nothing)."""
    digest = hashlib.sha256(f"{step.action}|{step.resource}".encode()).hexdigest()[:12]
    return {"Sid": f"DenyEscalation{digest}", "Effect": "Deny", "Action": step.action,
            "Resource": step.resource}


def with_statement(document: str | None, statement: dict[str, Any]) -> str:
    """An identity-based policy document: `document`'s statements (if any) and `statement`,
    unless one with its Sid is there already. Compact: user inline policies share 2,048
    characters."""
    statements: list[Any] = []
    if document:
        given = json.loads(document).get("Statement", [])
        statements = list(given) if isinstance(given, list) else [given]
    if not any(isinstance(s, dict) and s.get("Sid") == statement["Sid"] for s in statements):
        statements.append(statement)
    return json.dumps({"Version": "2012-10-17", "Statement": statements},
                      separators=(",", ":"))


def _context_of(step: EscalationStep) -> list[ContextEntry]:
    """The request keys a step carried (its AssumedContext), as context entries."""
    out = []
    for text in step.assumed:
        key, _, value = text.partition("=")
        values = tuple(value.split(","))
        out.append(ContextEntry(key, values, "stringList" if len(values) > 1 else "string"))
    return out


class FixFinder:
    """The candidates for the paths of one analysis (see the module's docstring)."""

    def __init__(self, analysis: EscalationAnalysis) -> None:
        self.analysis = analysis
        self._probes: dict[str, list[tuple[str, str]]] = {}
        self._derived: dict[Marker, EscalationAnalysis] = {}
        self._left: dict[tuple[Marker, str], frozenset[tuple[tuple[str, str, str], ...]]] = {}
        self._before: dict[tuple[str, str, str, tuple[ContextEntry, ...]], bool] = {}
        self._may_assume: dict[str, list[str]] = {}

    def candidates(self, principal_arn: str, path: EscalationPath,
                   path_index: int) -> list[FixCandidate]:
        """Every verified candidate for `path`, smallest first."""
        wanted = path_key(path.steps)
        found: list[FixCandidate] = []
        seen: set[Marker] = set()
        for step in path.steps:
            for kind, change, build in self._changes(step):
                marker = (kind, tuple(sorted(change["parameters"].items())))
                if marker in seen:
                    continue
                seen.add(marker)
                if wanted in self._remaining(marker, build, principal_arn):
                    continue  # the path survives this change
                derived = self._derived[marker]
                cost, lost, touched = self._cost(derived, step, kind, path)
                found.append(FixCandidate(principal_arn, path_index, kind=kind,
                                          breaks=step, permissions_removed=cost,
                                          lost=lost, touches=touched, **change))
        return rank(found)

    def _remaining(self, marker: Marker, build: Callable[[], EscalationAnalysis],
                   principal_arn: str) -> frozenset[tuple[tuple[str, str, str], ...]]:
        """The paths of `principal_arn` left once the change `marker` is made (memoized:
        a change that could break several paths, of one principal or of several, is
        made in memory once, and the analysis with it searched once per principal)."""
        key = (marker, principal_arn)
        found = self._left.get(key)
        if found is None:
            derived = self._derived.get(marker)
            if derived is None:
                derived = self._derived[marker] = build()
            found = self._left[key] = frozenset(
                path_key(p.steps) for p in derived.paths_for(derived.actors[principal_arn]))
        return found

    # ------------------------------------------------------------------ the changes

    def _changes(self, step: EscalationStep) -> list[Change]:
        """(kind, the candidate's operation, parameters and description, and how to build
        the analysis with the change) for each change that could break `step`."""
        analysis = self.analysis
        actor = analysis.actors.get(step.via)
        out: list[Change] = []
        if actor is None:
            return out
        protected = isinstance(actor.record, Role) and actor.record.path.startswith(
            PROTECTED_ROLE_PATHS)
        if step.statement_id is not None and not protected:
            out.append(self._deny(actor, step))
            out += self._removals(actor, step)
        target = analysis.actors.get(step.resource)
        if step.action.lower() == "sts:assumerole" and target is not None and \
                isinstance(target.record, Role) and not target.record.path.startswith(
                    PROTECTED_ROLE_PATHS):
            out += self._narrowings(actor, target)
        return out

    def _deny(self, actor: Actor, step: EscalationStep) -> Change:
        statement = deny_statement(step)
        existing = INLINE_POLICIES.get(
            self.analysis.view,
            f"{owner_key(actor.kind, actor.name)}#{FIX_POLICY_NAME.casefold()}")
        document = with_statement(existing.document if existing else None, statement)
        own = "User" if actor.kind == "user" else "Role"
        return "DenyStatement", {
            "operation": f"Put{own}Policy",
            "parameters": {f"{own}Name": actor.name, "PolicyName": FIX_POLICY_NAME,
                           "PolicyDocument": document},
            "description": f"Deny {step.action} on {step.resource} to {actor.kind} "
                           f"{actor.name} (inline policy {FIX_POLICY_NAME})",
            "statement": json.dumps(statement, separators=(",", ":"))}, \
            lambda: self.analysis.with_inline_policy(actor.arn, FIX_POLICY_NAME, document)

    def _removals(self, actor: Actor, step: EscalationStep) -> list[Change]:
        """Taking away the policy that allows the step: deleting it (inline), detaching it
        (managed), or, when a group of the user holds it, the user's membership."""
        view, wanted = self.analysis.view, step.source_policy_id
        own = "User" if actor.kind == "user" else "Role"
        out: list[Change] = []
        owners = [(actor.kind, actor.name)]
        if actor.kind == "user":
            owners += [("group", g.group_name) for g in self.analysis._groups_of(actor.name)]
        for kind, name in owners:
            inline = [p.policy_name for p in INLINE_POLICIES.find_by(view, "owner", name)
                      if p.owner_kind == kind and p.policy_name == wanted]
            attached = [a.policy_arn for a in ATTACHMENTS.find_by(view, "owner", name)
                        if a.owner_kind == kind and a.policy_arn.rsplit("/", 1)[-1] == wanted]
            if not inline and not attached:
                continue
            if kind == "group":
                out.append(("RemoveFromGroup", {
                    "operation": "RemoveUserFromGroup",
                    "parameters": {"GroupName": name, "UserName": actor.name},
                    "description": f"Remove user {actor.name} from group {name}"},
                    functools.partial(self._without, actor, group=name)))
                continue
            for policy_name in inline:
                out.append(("DeleteInlinePolicy", {
                    "operation": f"Delete{own}Policy",
                    "parameters": {f"{own}Name": actor.name, "PolicyName": policy_name},
                    "description": f"Delete inline policy {policy_name} of {actor.kind} "
                                   f"{actor.name}"},
                    functools.partial(self._without, actor, inline=policy_name)))
            for arn in attached:
                out.append(("DetachPolicy", {
                    "operation": f"Detach{own}Policy",
                    "parameters": {f"{own}Name": actor.name, "PolicyArn": arn},
                    "description": f"Detach {arn} from {actor.kind} {actor.name}"},
                    functools.partial(self._without, actor, attached=arn)))
        return out

    def _without(self, actor: Actor, *, inline: str = "", attached: str = "",
                 group: str = "") -> EscalationAnalysis:
        """The analysis with `actor` missing one inline policy, attachment or group."""
        view = self.analysis.view
        identity: list[PolicyInput] = []
        source = PolicySourceType(actor.kind)
        for input_ in owned_policies(view, actor.kind, actor.name):
            managed = input_.source_type in (PolicySourceType.AWS_MANAGED,
                                             PolicySourceType.USER_MANAGED)
            if (not managed and input_.source_type == source and input_.source_id == inline) \
                    or (managed and attached and input_.source_id ==
                        attached.rsplit("/", 1)[-1]):
                continue
            identity.append(input_)
        groups = [g for g in self.analysis._groups_of(actor.name) if g.group_name != group] \
            if actor.kind == "user" else []
        for g in groups:
            identity += owned_policies(view, "group", g.group_name)
        return self.analysis.with_policies(
            actor.arn, PrincipalPolicies(PolicySet(identity), actor.policies.boundaries),
            groups=groups if group else None, detached=attached)

    def _narrowings(self, actor: Actor, target: Actor) -> list[Change]:
        """The role's trust policy without the entry naming the caller, or else without
        the entry naming the caller's account."""
        role = target.record
        assert isinstance(role, Role)
        account = self.analysis.account_id
        unique = getattr(actor.record, "user_id", None) or getattr(actor.record, "role_id", "")
        out: list[Change] = []
        for entry in (actor.arn, unique, f"arn:aws:iam::{account}:root", account, "*"):
            document = without_principal(role.assume_role_policy_document, entry) \
                if entry else None
            if document is None:
                continue
            out.append(("NarrowTrustPolicy", {
                "operation": "UpdateAssumeRolePolicy",
                "parameters": {"RoleName": role.role_name, "PolicyDocument": document},
                "description": f"Take {entry} out of the trust policy of role "
                               f"{role.role_name}",
                "removed_principal": entry},
                functools.partial(self.analysis.with_trust_policy, role.arn, document)))
            if entry in (actor.arn, unique):
                break  # the caller named itself: the account's entry need not go
        return out

    # ------------------------------------------------------------------ the cost

    def _cost(self, derived: EscalationAnalysis, step: EscalationStep, kind: str,
              path: EscalationPath) -> tuple[int, tuple[str, ...], tuple[str, ...]]:
        """PermissionsRemoved, the first requests lost, and the principals touched."""
        if kind == "NarrowTrustPolicy":
            return self._trust_cost(derived, step.resource)
        before = self.analysis.actors[step.via]
        after = derived.actors[step.via]
        requests = [(a, r, []) for a, r in self._grant_probes(before)]
        requests += [(s.action, s.resource, _context_of(s)) for s in path.steps
                     if s.via == step.via]
        lost: list[str] = []
        seen: set[tuple[str, str]] = set()
        for action, resource, carried in requests:
            if (action, resource) in seen:
                continue
            seen.add((action, resource))
            if self._allowed_before(before, action, resource, carried) and derived.request(
                    after, action, resource, carried).decision != Decision.ALLOWED:
                lost.append(f"{action} on {resource}")
        return len(lost), tuple(lost[:MAX_LOST_SHOWN]), (step.via,)

    def _allowed_before(self, actor: Actor, action: str, resource: str,
                        carried: list[ContextEntry]) -> bool:
        """The engine's decision on a test-set request before any change (memoized: every
        change to the same principal is measured against it)."""
        key = (actor.arn, action, resource, tuple(carried))
        found = self._before.get(key)
        if found is None:
            found = self._before[key] = self.analysis.request(
                actor, action, resource, carried).decision == Decision.ALLOWED
        return found

    def _assumers(self, role_arn: str) -> list[str]:
        """The users and roles that may assume the role as things are (memoized)."""
        found = self._may_assume.get(role_arn)
        if found is None:
            role = self.analysis.actors[role_arn].record
            assert isinstance(role, Role)
            trust = trust_policy_input(role)
            found = self._may_assume[role_arn] = [
                arn for arn, actor in self.analysis.actors.items() if arn != role_arn and
                self.analysis._step(actor, "sts:AssumeRole", role_arn,
                                    resource_policy=trust, role=role) is not None]
        return found

    def _trust_cost(self, derived: EscalationAnalysis,
                    role_arn: str) -> tuple[int, tuple[str, ...], tuple[str, ...]]:
        """Who could assume the role before the trust policy changed, and cannot after."""
        after_role = derived.actors[role_arn]
        assert isinstance(after_role.record, Role)
        after_trust = trust_policy_input(after_role.record)
        lost = [arn for arn in self._assumers(role_arn)
                if derived._step(derived.actors[arn], "sts:AssumeRole", role_arn,
                                 resource_policy=after_trust, role=after_role.record) is None]
        return len(lost), tuple(f"sts:AssumeRole on {role_arn} by {a}"
                                for a in lost[:MAX_LOST_SHOWN]), tuple(lost)

    def _grant_probes(self, actor: Actor) -> list[tuple[str, str]]:
        """One request per Action and Resource of each of `actor`'s Allow statements."""
        found = self._probes.get(actor.arn)
        if found is not None:
            return found
        probes: dict[tuple[str, str], None] = {}
        context = RequestContext(actor.context)
        for input_ in actor.policies.identity.inputs:
            for compiled in input_.policy.statements:
                st = compiled.statement
                if st.effect != "Allow" or st.action is None:
                    continue
                for action in st.action:
                    for resource in st.resource if st.resource is not None else ("*",):
                        probes[(action, as_requested(resource, context))] = None
        found = self._probes[actor.arn] = list(probes)[:MAX_PROBES]
        return found



def as_requested(resource: str, context: RequestContext) -> str:
    """A statement's Resource as the actor would request it: its policy variables
    (${aws:username}, ${aws:PrincipalTag/team}...) filled in from the actor's own context,
    so `user/${aws:username}` probes the user's own ARN (a variable with no value, and a
    wildcard, stand for themselves)."""
    tokens = tokenize(resource, variables=True, wildcards=False)
    resolved = resolve(tokens, context) if has_variables(tokens) else None
    if resolved is None:
        return resource
    return "".join(t.text for t in resolved if isinstance(t, Literal))


def rank(candidates: Sequence[FixCandidate]) -> list[FixCandidate]:
    """Smallest first: fewest permissions removed, then fewest other principals touched."""
    return sorted(candidates, key=lambda c: (c.permissions_removed, KINDS.index(c.kind)))
