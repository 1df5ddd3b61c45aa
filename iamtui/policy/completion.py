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


def complete_condition_key(prefix: str, actions: list[str] | None = None) -> str:
    """The rest of the first condition key (global, or of the prefix's service); with the
    statement's `actions`, only the keys one of them supports, and the global ones."""
    service, colon, _ = prefix.partition(":")
    lowered = prefix.lower()
    supported = supported_keys(actions) if actions else None
    if supported is not None:
        keys = sorted({_cut_template(k) for k in supported}
                      | {k for k in catalog.GLOBAL_CONDITION_KEYS})
    elif service.lower() == "aws" or not colon:
        keys = [k.rstrip("/") for k in catalog.GLOBAL_CONDITION_KEYS]
    else:
        known = catalog.load_service(service)
        keys = sorted(known.condition_keys[k].name for k in known.condition_keys) if known \
            else []
    found = next((k for k in sorted(keys) if k.lower().startswith(lowered) and k != prefix),
                 None)
    return found[len(prefix):] if found else ""


def complete_resource(prefix: str, formats: list[str] | None = None) -> str:
    """The rest of the first ARN format of the prefix's service that it starts, with the
    partition filled in and the other variables left as `${...}` to replace; with the
    `formats` of the statement's actions (`arn_formats`), the first of those instead."""
    parts = prefix.split(":")
    if formats is not None:
        if not formats:
            return "*" if not prefix else ""  # the actions take no resource type: only "*"
        return _first_rest(prefix, parts, formats)
    if len(parts) < 3 or parts[0] != "arn":
        return "arn:aws:"[len(prefix):] if "arn:aws:".startswith(prefix) and prefix else ""
    known = catalog.load_service(parts[2]) if len(parts) > 3 else None
    if known is None:
        if len(parts) == 3:
            found = next((p for p in sorted(catalog.service_prefixes())
                          if p.startswith(parts[2])), None)
            return f"{found[len(parts[2]):]}:" if found else ""
        return ""
    return _first_rest(prefix, parts, [f for t in known.resource_types.values()
                                       for f in t.formats])


def render_arn(form: str, typed: str = "") -> str:
    """An ARN format as one would type it: the partition filled in (`aws`, or the one
    typed), and a Region or account already typed (ended by its colon) kept; the other
    variables stay `${...}`, to be replaced."""
    parts = typed.split(":")
    partition = parts[1] if len(parts) > 2 and parts[0] == "arn" and parts[1] else "aws"
    filled = form.replace("${Partition}", partition)
    if len(parts) > 4:
        filled = filled.replace("${Region}", parts[3])
    if len(parts) > 5:
        filled = filled.replace("${Account}", parts[4])
    return filled


def _first_rest(prefix: str, parts: list[str], formats: list[str]) -> str:
    # the shortest format first: `function:${FunctionName}` before its sub-resources
    for form in sorted(formats, key=lambda f: (len(f), f)):
        filled = render_arn(form, prefix)
        if filled.startswith(prefix) and filled != prefix:
            return filled[len(prefix):]
    return ""


def _cut_template(key: str) -> str:
    """`aws:ResourceTag/${TagKey}` -> `aws:ResourceTag/`: completion stops where the tag
    key is to be typed."""
    cut = min((i for i in (key.find("${"), key.find("<")) if i >= 0), default=len(key))
    return key[:cut]


def _resolved(actions: list[str]) -> list[catalog.Action] | None:
    """The catalog's actions that `actions` name (wildcards expanded within a service);
    None when one cannot be known: `*`, a wildcard in the service, an unknown name."""
    found: list[catalog.Action] = []
    for action in actions:
        prefix, colon, name = action.partition(":")
        if not colon or any(c in prefix for c in "*?"):
            return None
        if any(c in name for c in "*?"):
            found.extend(catalog.expand_actions(action))
            continue
        known = catalog.find_action(action)
        if known is None:
            return None
        found.append(known)
    return found


def supported_keys(actions: list[str]) -> tuple[str, ...] | None:
    """The condition keys the actions support (their own and their resource types'), each
    once; None when an action cannot be known."""
    found = _resolved(actions)
    if found is None:
        return None
    return tuple(dict.fromkeys(k for a in found for k in a.supported_keys()))


def arn_formats(actions: list[str]) -> list[str] | None:
    """The ARN formats of the resource types the actions act on, each once ([] when they
    take only "*"); None when an action cannot be known."""
    found = _resolved(actions)
    if found is None:
        return None
    formats: dict[str, None] = {}
    for action in found:
        service = catalog.load_service(action.service)
        for resource in action.resource_types:
            rtype = service.resource_types.get(resource.name.lower()) if service else None
            if rtype is not None:
                formats.update(dict.fromkeys(rtype.formats))
    return list(formats)


def statement_actions(text: str, offset: int) -> list[str] | None:
    """The `Action` entries of the statement around `offset` of a policy being typed (the
    text need not parse yet); None outside a statement or in one with `NotAction` (the
    statement is then about every other action: nothing to narrow to)."""
    for start in reversed(_open_objects(text, offset)):
        members = _top_level(text, start)
        if "NotAction" in members:
            return None
        if "Action" in members:
            return re.findall(r'"((?:[^"\\]|\\.)*)"', members["Action"])
        if "Effect" in members or "Resource" in members or "Condition" in members:
            return None  # a statement without actions yet
    return None


def _string_end(text: str, start: int) -> int:
    """The index of the quote closing the string opened at `start` (len(text) if none)."""
    i = start + 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == '"':
            return i
        i += 1
    return len(text)


def _open_objects(text: str, offset: int) -> list[int]:
    """Where each JSON object still open at `offset` starts, outermost first."""
    stack: list[tuple[str, int]] = []
    i, offset = 0, min(offset, len(text))
    while i < offset:
        c = text[i]
        if c == '"':
            i = _string_end(text, i) + 1
            continue
        if c in "{[":
            stack.append((c, i))
        elif c in "}]" and stack:
            stack.pop()
        i += 1
    return [i for c, i in stack if c == "{"]


def _top_level(text: str, start: int) -> dict[str, str]:
    """The members of the object opened at `start`: key -> its value's raw text, up to the
    object's end (or the end of the text, while it is being typed)."""
    members: dict[str, str] = {}
    depth, i, key, value_start = 0, start + 1, None, 0
    while i < len(text):
        c = text[i]
        if c == '"':
            end = _string_end(text, i)
            if depth == 0 and key is None:
                after = end + 1
                while after < len(text) and text[after] in " \t\r\n":
                    after += 1
                if after < len(text) and text[after] == ":":
                    key, value_start = text[i + 1:end], after + 1
                    i = after + 1
                    continue
            i = end + 1
            continue
        if c in "{[":
            depth += 1
        elif c in "}]":
            if depth == 0:
                break
            depth -= 1
        elif c == "," and depth == 0 and key is not None:
            members[key] = text[value_start:i]
            key = None
        i += 1
    if key is not None:
        members[key] = text[value_start:i]
    return members


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
    actions = statement_actions(text, offset)
    if element in ("Resource", "NotResource"):
        # NotResource names what is excluded: any ARN of the service may be meant
        formats = arn_formats(actions) if actions and element == "Resource" else None
        return complete_resource(typed, formats)
    if element == "Condition" and (typed.count(":") <= 1 and not typed.startswith("arn:")):
        # a key of a condition block (an operator has no colon, a value rarely one)
        return complete_condition_key(typed, actions) if ":" in typed else ""
    return ""


def resource_hint(actions: list[str], limit: int = 3) -> str:
    """`s3:GetObject acts on arn:aws:s3:::${BucketName}/${ObjectName}, ...`: the ARN
    formats the statement's actions take; "" when the catalog cannot say."""
    formats = arn_formats(actions) if actions else None
    if formats is None:
        return ""
    what = actions[0] if len(actions) == 1 else f"these {len(actions)} actions"
    if not formats:
        return f'{what} act{"s" if len(actions) == 1 else ""} on "*" only'
    shown = ", ".join(render_arn(f) for f in sorted(formats, key=len)[:limit])
    more = f" (+{len(formats) - limit} more)" if len(formats) > limit else ""
    return f'{what} act{"s" if len(actions) == 1 else ""} on {shown}{more}'


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


# Service Authorization Reference key types -> the simulator's ContextKeyType.
_CONTEXT_TYPES = {"String": "string", "ARN": "string", "Bool": "boolean",
                  "Numeric": "numeric", "Date": "date", "IPAddress": "ip", "Binary": "binary"}


def context_key_type(key: str) -> str:
    """The ContextKeyType to give a value of `key` (IAM API reference, ContextEntry):
    `stringList` for an ArrayOfString key, `boolean` for a Bool one, ...; `string` when
    the catalog does not know the key."""
    found = catalog.condition_key(key)
    if found is None:
        return "string"
    kind = found.type.removeprefix("ArrayOf")
    return _CONTEXT_TYPES.get(kind, "string") + ("List" if found.multivalued else "")
