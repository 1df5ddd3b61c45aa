"""Completion from AWS's action catalog, for the policy editor and the tester: the rest of
an action name (`s3:GetOb` -> `ject`), a service prefix (`dynam` -> `odb:`), a condition
key, or a resource ARN format (`arn:aws:s3:::` -> `${BucketName}`); and what a wildcard
action covers, in a line.
"""

from __future__ import annotations

import re

from iamtui.policy import catalog

# Which element a string in a policy belongs to: the last of these keys before it.
_ELEMENT = re.compile(r'"(NotAction|Action|NotResource|Resource|Condition|Principal|'
                      r'NotPrincipal|Effect|Sid|Version|Statement)"\s*:')


def complete_action(prefix: str) -> str:
    """The rest of the first action (or `service:`) that starts with `prefix`, or ""."""
    service, colon, name = prefix.partition(":")
    if not colon:
        if not service:
            return ""
        lowered = service.lower()
        found = next((p for p in sorted(catalog.service_prefixes()) if p.startswith(lowered)),
                     None)
        return f"{found[len(service):]}:" if found else ""
    if any(c in prefix for c in "*?"):
        return ""
    known = catalog.load_service(service)
    if known is None:
        return ""
    lowered = name.lower()
    names = sorted(a.name for a in known.actions.values())
    found = next((n for n in names if n.lower().startswith(lowered)), None)
    return found[len(name):] if found else ""


def complete_condition_key(prefix: str) -> str:
    """The rest of the first condition key (global, or of the prefix's service)."""
    service, colon, _ = prefix.partition(":")
    lowered = prefix.lower()
    if service.lower() == "aws" or not colon:
        keys = [k.rstrip("/") for k in catalog.GLOBAL_CONDITION_KEYS]
    else:
        known = catalog.load_service(service)
        keys = sorted(known.condition_keys[k].name for k in known.condition_keys) if known \
            else []
    found = next((k for k in sorted(keys) if k.lower().startswith(lowered) and k != prefix),
                 None)
    return found[len(prefix):] if found else ""


def complete_resource(prefix: str) -> str:
    """The rest of the first ARN format of the prefix's service that it starts, with the
    partition filled in and the other variables left as `${...}` to replace."""
    parts = prefix.split(":")
    if len(parts) < 3 or parts[0] != "arn":
        return "arn:aws:"[len(prefix):] if "arn:aws:".startswith(prefix) and prefix else ""
    partition = parts[1] or "aws"
    known = catalog.load_service(parts[2]) if len(parts) > 3 else None
    if known is None:
        if len(parts) == 3:
            found = next((p for p in sorted(catalog.service_prefixes())
                          if p.startswith(parts[2])), None)
            return f"{found[len(parts[2]):]}:" if found else ""
        return ""
    # the shortest format first: `function:${FunctionName}` before its sub-resources
    for form in sorted((f for t in known.resource_types.values() for f in t.formats),
                       key=lambda f: (len(f), f)):
        filled = form.replace("${Partition}", partition)
        # a Region or account already typed (and ended by its colon) fills the format's
        if len(parts) > 4:
            filled = filled.replace("${Region}", parts[3])
        if len(parts) > 5:
            filled = filled.replace("${Account}", parts[4])
        if filled.startswith(prefix) and filled != prefix:
            return filled[len(prefix):]
    return ""


def string_at(text: str, offset: int) -> tuple[str, str] | None:
    """(element, typed prefix) when `offset` is inside a JSON string, right after what has
    been typed of it: the element is the policy key it belongs to (Action, Resource,
    Condition, ...)."""
    line_start = text.rfind("\n", 0, offset) + 1
    before = text[line_start:offset]
    quotes = [m.start() for m in re.finditer(r'(?<!\\)"', before)]
    if len(quotes) % 2 == 0:
        return None  # between strings
    typed = before[quotes[-1] + 1:]
    elements = list(_ELEMENT.finditer(text, 0, line_start + quotes[-1]))
    if not elements:
        return None
    return elements[-1].group(1), typed


def completion(text: str, offset: int) -> str:
    """What to suggest at `offset` of a policy being typed, or ""."""
    found = string_at(text, offset)
    if found is None:
        return ""
    element, typed = found
    if element in ("Action", "NotAction"):
        return complete_action(typed)
    if element in ("Resource", "NotResource"):
        return complete_resource(typed)
    if element == "Condition" and (typed.count(":") <= 1 and not typed.startswith("arn:")):
        # a key of a condition block (an operator has no colon, a value rarely one)
        return complete_condition_key(typed) if ":" in typed else ""
    return ""


def expansion_hint(action: str, limit: int = 8) -> str:
    """`s3:Get* covers 63 actions: s3:GetAccessGrant, ...`; `s3:GetObject: Read, on
    object`; "" for anything the catalog does not know."""
    if ":" not in action or any(c in action.partition(":")[0] for c in "*?"):
        return ""
    if any(c in action for c in "*?"):
        actions = catalog.expand_actions(action)
        if not actions:
            return f"{action} covers no action"
        names = ", ".join(a.name for a in actions[:limit])
        more = ", ..." if len(actions) > limit else ""
        return f"{action} covers {len(actions)} actions: {names}{more}"
    found = catalog.find_action(action)
    if found is None:
        return ""
    types = ", ".join(r.name for r in found.resource_types) or "* (no resource type)"
    return f"{found.full_name}: {found.access_level}, on {types}"


def resource_applies(action: str, resource: str) -> bool | None:
    """Whether `action` can act on `resource` at all (the simulator's "not applicable"
    when not): True for "*" or a resource of one of its resource types, False when none
    fits, None when the catalog cannot say (an unknown action, a wildcard, a variable)."""
    if resource == "*" or any(c in action for c in "*?") or "${" in resource:
        return None if resource != "*" else True
    found = catalog.find_action(action)
    if found is None:
        return None
    service = catalog.load_service(found.service)
    types = [service.resource_types.get(r.name.lower()) for r in found.resource_types] \
        if service else []
    known = [t for t in types if t is not None]
    if not known:
        return False if not found.resource_types else None  # acts on "*" only
    return any(t.matches(resource) for t in known)


def relevant_context_keys(keys: list[str], actions: list[str]) -> list[str]:
    """The keys of `keys` worth asking for these actions: global keys (aws:...) and those
    an action supports; every key when an action is unknown or a wildcard."""
    supported: list[str] = []
    for action in actions:
        found = None if any(c in action for c in "*?") else catalog.find_action(action)
        if found is None:
            return keys
        supported.extend(found.supported_keys())
    return [k for k in keys if k.lower().startswith("aws:")
            or catalog.key_supported(k, tuple(supported))]
