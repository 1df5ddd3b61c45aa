"""The services a set of identity-based policies allows, as IAM's access advisor lists them
(IAM User Guide, "Refine permissions in AWS using last accessed information": the report
shows the services that the entity's policies allow, whether or not they were used).

Only Allow statements grant. `Action: "*"`, a wildcard service prefix (`*:Get*`, matched
on the prefix alone, so that a question does not read the whole reference) and NotAction
(but for the services it names whole, `iam:*`) cover every service they could; a named
prefix covers the actions its patterns expand to.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from typing import NamedTuple

from iamtui.policy import catalog
from iamtui.policy.grammar import PolicyDocument
from iamtui.policy.summary import level_grants, summary_access


class ServiceGrant(NamedTuple):
    """One service the policies allow: all of it, or some of its actions."""

    prefix: str  # the service namespace, `s3`
    name: str  # `Amazon S3`
    whole: bool  # every action (`s3:*`, `*`, NotAction)
    actions: tuple[catalog.Action, ...]  # the actions allowed, when not whole

    @property
    def access(self) -> str:
        """The console's access level words: `Full access`, `Limited: Read`..."""
        if self.whole:
            return "Full access"
        return summary_access(self.prefix, level_grants(self.prefix, self.actions))

    def allowed_actions(self) -> tuple[catalog.Action, ...]:
        """Every action of the service the policies allow."""
        if not self.whole:
            return self.actions
        service = catalog.load_service(self.prefix)
        return tuple(sorted(service.actions.values(), key=lambda a: a.name)) if service else ()


def allowed_services(documents: Iterable[PolicyDocument]) -> dict[str, ServiceGrant]:
    """Every service `documents` allow some action of, by namespace, sorted by name."""
    whole: set[str] = set()
    some: dict[str, dict[str, catalog.Action]] = {}
    for document in documents:
        for statement in document.statements:
            if statement.effect != "Allow":
                continue
            if statement.action is None:  # NotAction: every service but those it names whole
                excluded = {a.lower().removesuffix(":*") for a in statement.not_action or ()
                            if a.endswith(":*")}
                whole.update(p for p in catalog.service_prefixes() if p not in excluded)
                continue
            for pattern in statement.action:
                prefix, _, rest = pattern.lower().partition(":")
                if pattern == "*" or any(c in prefix for c in "*?"):
                    wanted = "*" if pattern == "*" else prefix
                    whole.update(p for p in catalog.service_prefixes()
                                 if fnmatch.fnmatchcase(p, wanted))
                elif rest == "*":
                    if catalog.service_exists(prefix):
                        whole.add(prefix)
                else:
                    for action in catalog.expand_actions(pattern):
                        some.setdefault(action.service, {})[action.name.lower()] = action
    grants = [ServiceGrant(p, catalog.service_name(p), True, ()) for p in whole]
    grants += [ServiceGrant(p, catalog.service_name(p), False,
                            tuple(sorted(found.values(), key=lambda a: a.name)))
               for p, found in some.items() if p not in whole]
    return {g.prefix: g for g in sorted(grants, key=lambda g: (g.name.lower(), g.prefix))}
