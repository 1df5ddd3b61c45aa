"""Two plain-Python evaluators to measure the engine against on `conditions_workload`.

Both are written apart from `iamtui.policy` and cover only what the workload uses:
Action/NotAction, Resource with `${...}` variables, StringEquals, StringLike, Bool,
IpAddress and NotIpAddress, identity policies and a permissions boundary, in one account.
Both take the request as the service gets it (AWS `ContextEntry` values) and build their
context inside `decide`.

- `Straightforward`: the principal's statements with their Action and Resource patterns
  compiled once; each request walks every statement, and reads the condition values
  from the document as it goes (networks parsed, variables substituted, every time).
- `Indexed`: statements compiled once and bucketed per principal by service prefix,
  conditions pre-parsed into small closures, patterns holding variables compiled once per
  set of values; each request parses its IP address once.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from typing import Any

_VARIABLE = re.compile(r"\$\{([^}]+)\}")


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def glob_regex(pattern: str) -> str:
    """`*` any run, `?` any one character, everything else literal."""
    return "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)


def arn_regex(pattern: str, segment: int = 0) -> str:
    """The Resource rule: in an ARN's first five segments a wildcard stays inside its
    segment, except a `*` that ends one; `segment` counts the colons before `pattern`."""
    out = []
    arn = segment > 0 or pattern.startswith("arn:")
    for i, c in enumerate(pattern):
        if c == ":":
            segment += 1
        if c == "*":
            ends = i + 1 == len(pattern) or pattern[i + 1] == ":"
            out.append(".*" if not arn or segment >= 5 or ends else "[^:]*")
        elif c == "?":
            out.append("." if not arn or segment >= 5 else "[^:]")
        else:
            out.append(re.escape(c))
    return "".join(out)


def _resolve(text: str, ctx: dict[str, list[str]]) -> str | None:
    """`text` with each `${key}` replaced by the key's single value; None when one is missing."""
    missing = False

    def value(m: re.Match[str]) -> str:
        nonlocal missing
        got = ctx.get(m.group(1).lower())
        if got is None or len(got) != 1:
            missing = True
            return ""
        return got[0]

    out = _VARIABLE.sub(value, text)
    return None if missing else out


def _pattern_with_variables(pattern: str, ctx: dict[str, list[str]], arn: bool) -> str | None:
    """A regex for `pattern` once its variables are replaced by literal text."""
    parts, colons = [], 0
    for k, part in enumerate(_VARIABLE.split(pattern)):
        if k % 2:  # a variable's name
            got = ctx.get(part.lower())
            if got is None or len(got) != 1:
                return None
            parts.append(re.escape(got[0]))
            colons += got[0].count(":")
        else:
            parts.append(arn_regex(part, colons) if arn else glob_regex(part))
            colons += part.count(":")
    return "".join(parts)


_TEMPLATES: dict[tuple[str, str, bool], re.Pattern[str] | None] = {}


def _template_regex(pattern: str, ctx: dict[str, list[str]], arn: bool
                    ) -> re.Pattern[str] | None:
    """`_pattern_with_variables` compiled, remembered per pattern and variable values."""
    values = "\0".join(v for name in _VARIABLE.findall(pattern)
                        for v in ctx.get(name.lower(), ("\1",)))
    key = (pattern, values, arn)
    found = _TEMPLATES.get(key, False)
    if found is False:
        regex = _pattern_with_variables(pattern, ctx, arn)
        found = _TEMPLATES[key] = None if regex is None else re.compile(regex, re.DOTALL)
    return found


class _Resources:
    """One Resource list: variable-free patterns compiled once, the others per request
    (`cached`: compiled once per user, for the indexed evaluator)."""

    def __init__(self, patterns: list[str], *, cached: bool = False) -> None:
        fixed = [arn_regex(p) for p in patterns if "${" not in p]
        self.any = "*" in patterns
        self.fixed = re.compile("|".join(f"(?:{r})" for r in fixed), re.DOTALL) if fixed else None
        self.templates = [p for p in patterns if "${" in p]
        self.cached = cached

    def matches(self, resource: str, ctx: dict[str, list[str]]) -> bool:
        if self.any or (self.fixed is not None and self.fixed.fullmatch(resource)):
            return True
        for pattern in self.templates:
            arn = pattern.startswith("arn:")
            if self.cached:
                compiled = _template_regex(pattern, ctx, arn)
                if compiled is not None and compiled.fullmatch(resource):
                    return True
                continue
            regex = _pattern_with_variables(pattern, ctx, arn)
            if regex is not None and re.fullmatch(regex, resource, re.DOTALL):
                return True
        return False


def _context(entries: list[dict[str, Any]]) -> dict[str, list[str]]:
    return {e["ContextKeyName"].lower(): e["ContextKeyValues"] for e in entries}


def _decision(identity: list[str], boundary: list[str] | None) -> str:
    if "Deny" in identity or (boundary is not None and "Deny" in boundary):
        return "explicitDeny"
    allowed = "Allow" in identity and (boundary is None or "Allow" in boundary)
    return "allowed" if allowed else "implicitDeny"


# ---------------------------------------------------------------------------- straightforward


class _Statement:
    def __init__(self, st: dict[str, Any], *, cached: bool = False) -> None:
        self.effect = st["Effect"]
        self.negate_action = "NotAction" in st
        actions = _as_list(st.get("Action", st.get("NotAction")))
        self.actions = re.compile("|".join(glob_regex(a) for a in actions),
                                  re.IGNORECASE | re.DOTALL)
        self.resources = _Resources(_as_list(st["Resource"]), cached=cached)
        self.condition = st.get("Condition", {})


def _one_value(operator: str, got: str, wanted: str, ctx: dict[str, list[str]]) -> bool:
    if operator == "StringEquals":
        return got == _resolve(wanted, ctx)
    if operator == "StringLike":
        regex = _pattern_with_variables(wanted, ctx, arn=False)
        return regex is not None and re.fullmatch(regex, got, re.DOTALL) is not None
    if operator == "Bool":
        return got.lower() == wanted.lower()
    if operator in ("IpAddress", "NotIpAddress"):
        return ipaddress.ip_address(got) in ipaddress.ip_network(wanted, strict=False)
    raise NotImplementedError(operator)


def _condition_holds(operator: str, key: str, wanted: list[str],
                     ctx: dict[str, list[str]]) -> bool:
    got = ctx.get(key.lower())
    negated = operator == "NotIpAddress"
    if not got:
        return negated
    return any(_one_value(operator, g, w, ctx) for g in got for w in wanted) != negated


class Straightforward:
    """Each request walks the principal's statements; only the patterns are compiled."""

    def __init__(self, documents: dict[str, tuple[list, list]]) -> None:
        self.principals = {
            arn: ([_Statement(st) for _, d in ident for st in _as_list(d["Statement"])],
                  [_Statement(st) for _, d in bound for st in _as_list(d["Statement"])]
                  if bound else None)
            for arn, (ident, bound) in documents.items()}

    @staticmethod
    def _effects(statements: list[_Statement], action: str, resource: str,
                 ctx: dict[str, list[str]]) -> list[str]:
        out = []
        for st in statements:
            if (st.actions.fullmatch(action) is not None) == st.negate_action:
                continue
            if not st.resources.matches(resource, ctx):
                continue
            if all(_condition_holds(op, key, _as_list(values), ctx)
                   for op, block in st.condition.items() for key, values in block.items()):
                out.append(st.effect)
        return out

    def decide(self, request: dict[str, Any]) -> str:
        ctx = _context(request["context"])
        identity, boundary = self.principals[request["caller"]]
        action, resource = request["action"], request["resource"]
        return _decision(self._effects(identity, action, resource, ctx),
                         None if boundary is None else
                         self._effects(boundary, action, resource, ctx))


# ---------------------------------------------------------------------------- indexed

Test = Callable[[dict[str, list[str]], dict[str, Any]], bool]


def _compile_condition(operator: str, key: str, values: list[str]) -> Test:
    """One (operator, key, values) triple as a closure over pre-parsed values."""
    key = key.lower()
    if operator in ("IpAddress", "NotIpAddress"):
        networks = [ipaddress.ip_network(v, strict=False) for v in values]
        negated = operator == "NotIpAddress"

        def ip(ctx: dict[str, list[str]], cache: dict[str, Any]) -> bool:
            if key not in ctx or not ctx[key]:
                return negated
            addresses = cache.get(key)
            if addresses is None:
                addresses = cache[key] = [ipaddress.ip_address(v) for v in ctx[key]]
            return any(a in n for a in addresses for n in networks) != negated

        return ip
    if operator == "Bool":
        wanted = {v.lower() for v in values}
        return lambda ctx, cache: any(v.lower() in wanted for v in ctx.get(key, ()))
    if operator == "StringEquals" and not any("${" in v for v in values):
        fixed = set(values)
        return lambda ctx, cache: any(v in fixed for v in ctx.get(key, ()))
    if operator == "StringEquals":
        return lambda ctx, cache: any(g == _resolve(w, ctx) for g in ctx.get(key, ())
                                      for w in values)
    if operator == "StringLike":
        plain = [v for v in values if "${" not in v]
        fixed = re.compile("|".join(glob_regex(v) for v in plain), re.DOTALL) if plain else None
        templates = [v for v in values if "${" in v]

        def like(ctx: dict[str, list[str]], cache: dict[str, Any]) -> bool:
            for got in ctx.get(key, ()):
                if fixed is not None and fixed.fullmatch(got):
                    return True
                for template in templates:
                    regex = _template_regex(template, ctx, arn=False)
                    if regex is not None and regex.fullmatch(got):
                        return True
            return False

        return like
    raise NotImplementedError(operator)


class _Compiled:
    __slots__ = ("actions", "conditions", "deny", "negate_action", "resources")

    def __init__(self, st: dict[str, Any]) -> None:
        plain = _Statement(st, cached=True)
        self.deny = plain.effect == "Deny"
        self.actions, self.negate_action, self.resources = (
            plain.actions, plain.negate_action, plain.resources)
        self.conditions = tuple(_compile_condition(op, key, [str(v) for v in _as_list(values)])
                                for op, block in st.get("Condition", {}).items()
                                for key, values in block.items())


def _services(st: dict[str, Any]) -> set[str] | None:
    """The service prefixes an Action list is limited to; None when it may be any."""
    if "NotAction" in st:
        return None
    out = set()
    for action in _as_list(st["Action"]):
        service = action.split(":", 1)[0].lower()
        if action == "*" or "*" in service or "?" in service:
            return None
        out.add(service)
    return out


def _bucketed(documents: list[tuple[str, dict]],
              shared: dict[int, _Compiled]) -> tuple[dict[str, list[_Compiled]], list]:
    """Statements by service prefix, those for any service in every bucket and beside."""
    anywhere: list[_Compiled] = []
    by_service: dict[str, list[_Compiled]] = {}
    for _, doc in documents:
        for st in _as_list(doc["Statement"]):
            compiled = shared.get(id(st))
            if compiled is None:
                compiled = shared[id(st)] = _Compiled(st)
            services = _services(st)
            if services is None:
                anywhere.append(compiled)
            else:
                for service in services:
                    by_service.setdefault(service, []).append(compiled)
    for bucket in by_service.values():
        bucket.extend(anywhere)
    return by_service, anywhere


class Indexed:
    """Statements compiled once, bucketed per principal by service, conditions pre-parsed."""

    def __init__(self, documents: dict[str, tuple[list, list]]) -> None:
        shared: dict[int, _Compiled] = {}  # a managed policy's statements compile once
        self.principals = {arn: (_bucketed(ident, shared),
                                 _bucketed(bound, shared) if bound else None)
                           for arn, (ident, bound) in documents.items()}

    @staticmethod
    def _effects(index: tuple[dict[str, list[_Compiled]], list], service: str, action: str,
                 resource: str, ctx: dict[str, list[str]], cache: dict[str, Any]) -> list[str]:
        by_service, anywhere = index
        out = []
        for st in by_service.get(service, anywhere):
            if (st.actions.fullmatch(action) is not None) == st.negate_action:
                continue
            if not st.resources.matches(resource, ctx):
                continue
            if all(test(ctx, cache) for test in st.conditions):
                out.append("Deny" if st.deny else "Allow")
        return out

    def decide(self, request: dict[str, Any]) -> str:
        ctx = _context(request["context"])
        cache: dict[str, Any] = {}
        identity, boundary = self.principals[request["caller"]]
        action, resource = request["action"], request["resource"]
        service = action.split(":", 1)[0].lower()
        return _decision(self._effects(identity, service, action, resource, ctx, cache),
                         None if boundary is None else
                         self._effects(boundary, service, action, resource, ctx, cache))
