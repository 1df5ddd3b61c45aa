"""Policy summaries as the IAM console shows them (IAM User Guide, "Understanding
permissions granted by a policy": policy summary, service summary): per service, the
access level granted (Full, or Limited to some actions of List, Read, Write,
Permissions management, Tagging), the resources and the request conditions; several
documents (everything attached to a user, group or role) summarised together.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from iamtui.policy import catalog
from iamtui.policy.grammar import PolicyDocument, Statement

ALL_SERVICES = "*"


class LevelGrant(NamedTuple):
    """How much of one access level of a service is granted."""

    level: str
    granted: int
    total: int

    @property
    def full(self) -> bool:
        return self.granted >= self.total


class ServiceSummary(NamedTuple):
    """One row of a policy summary: a service, and what the statements grant on it."""

    prefix: str  # "*" for "All services" (Action "*")
    name: str
    effect: str  # Allow or Deny
    levels: tuple[LevelGrant, ...]
    resources: tuple[str, ...]
    conditions: tuple[str, ...]
    actions: tuple[str, ...]  # the actions granted, `s3:GetObject`

    @property
    def access(self) -> str:
        """`Full access`, `Full: List, Read`, `Limited: Write`, as the console words it."""
        if self.prefix == ALL_SERVICES:
            return "Full access"
        return summary_access(self.prefix, self.levels)

    def to_aws(self) -> dict[str, Any]:
        """The row as JSON (iamtui's shape: AWS has no API for the console's summary)."""
        return {"Service": self.name, "ServicePrefix": self.prefix, "Effect": self.effect,
                "AccessLevel": self.access,
                "AccessLevels": [{"Level": g.level, "Granted": g.granted, "Total": g.total,
                                  "Access": "Full" if g.full else "Limited"}
                                 for g in self.levels],
                "Resources": list(self.resources),
                "RequestConditions": list(self.conditions),
                "Actions": list(self.actions)}


def summarize(documents: Iterable[PolicyDocument]) -> list[ServiceSummary]:
    """The summary of every statement of `documents`, one row per service and effect."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for document in documents:
        for statement in document.statements:
            for prefix, actions in _granted(statement).items():
                if statement.not_action is not None:
                    prefix = "All services except " + ", ".join(statement.not_action)
                row = rows.setdefault((prefix, statement.effect),
                                      {"actions": {}, "resources": {}, "conditions": {}})
                row["actions"].update((a.full_name, a) for a in actions)
                for resource in _resources(statement):
                    row["resources"][resource] = None
                for clause in statement.conditions:
                    row["conditions"][f"{clause.operator} {clause.key}: "
                                      + ", ".join(clause.values)] = None
    summaries = []
    for (prefix, effect), row in rows.items():
        actions: dict[str, catalog.Action] = row["actions"]
        if prefix == ALL_SERVICES or prefix.startswith("All services"):
            name, levels = ("All services" if prefix == ALL_SERVICES else prefix), ()
            prefix = ALL_SERVICES
        else:
            service = catalog.load_service(prefix)
            name = service.name if service else prefix
            levels = level_grants(prefix, actions.values())
        summaries.append(ServiceSummary(prefix, name, effect, levels,
                                        tuple(row["resources"]), tuple(row["conditions"]),
                                        tuple(sorted(actions))))
    return sorted(summaries, key=lambda s: (s.effect != "Allow", s.prefix != ALL_SERVICES,
                                            s.name.lower()))


def level_grants(prefix: str, actions: Iterable[catalog.Action]) -> tuple[LevelGrant, ...]:
    """How much of each access level of the service `prefix` the `actions` make up."""
    actions = list(actions)
    totals = _service_levels(prefix)
    return tuple(LevelGrant(level, sum(1 for a in actions if a.access_level == level),
                            totals[level])
                 for level in catalog.ACCESS_LEVELS
                 if level in totals and any(a.access_level == level for a in actions))


def summary_access(prefix: str, levels: Sequence[LevelGrant]) -> str:
    """`Full access`, `Full: List, Read`, `Limited: Write`, as the console words it."""
    full = [g.level for g in levels if g.full]
    limited = [g.level for g in levels if not g.full]
    if not limited and len(full) == len(_service_levels(prefix)):
        return "Full access"
    parts = []
    if full:
        parts.append("Full: " + ", ".join(full))
    if limited:
        parts.append("Limited: " + ", ".join(limited))
    return "; ".join(parts)


def _granted(statement: Statement) -> dict[str, list[catalog.Action]]:
    """The actions a statement names, by service; `*` (or NotAction) as all services."""
    if statement.action is None or "*" in statement.action:
        return {ALL_SERVICES: []}
    found: dict[str, list[catalog.Action]] = {}
    for pattern in statement.action:
        prefix = pattern.partition(":")[0].lower()
        if any(c in prefix for c in "*?"):
            return {ALL_SERVICES: []}  # a wildcard service prefix: many services
        actions = catalog.expand_actions(pattern)
        if actions:
            found.setdefault(prefix, []).extend(actions)
    return found


def _resources(statement: Statement) -> Sequence[str]:
    if statement.resource is not None:
        return ["All resources" if r == "*" else r for r in statement.resource]
    if statement.not_resource is not None:
        return ["All resources except " + ", ".join(statement.not_resource)]
    return ["This role (trust policy)"] if statement.principal is not None else []


def _service_levels(prefix: str) -> dict[str, int]:
    service = catalog.load_service(prefix)
    totals: dict[str, int] = {}
    for action in service.actions.values() if service else ():
        totals[action.access_level] = totals.get(action.access_level, 0) + 1
    return totals
