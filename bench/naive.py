"""A naive evaluator: the baseline the engine is measured against, and a second opinion.

It works straight from the JSON documents on every request: no parse-once, no compiled
patterns, no index. It covers what `bench/workload.py` generates (Action/NotAction,
Resource with `${...}`, the condition operators used there, boundaries), written
independently of `iamtui.policy` so that the two agreeing means something.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import datetime
from typing import Any


def _glob(pattern: str, value: str, *, fold: bool) -> bool:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, re.DOTALL | (re.IGNORECASE if fold else 0)) is not None


def _arn_glob(pattern: str, value: str) -> bool:
    """The Resource rule: `*` inside an ARN segment stays in it unless it ends the segment."""
    return re.fullmatch(_arn_glob_regex(pattern), value, re.DOTALL) is not None


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _substitute(text: str, ctx: dict[str, list[str]]) -> str | None:
    """Replace ${key} from the context; None when a key is missing."""
    missing = False

    def value(m: re.Match[str]) -> str:
        nonlocal missing
        key = m.group(1)
        if key in ("*", "?", "$"):
            return key
        got = ctx.get(key.lower())
        if got is None or len(got) != 1:
            missing = True
            return ""
        return got[0]

    result = re.sub(r"\$\{([^}]+)\}", value, text)
    return None if missing else result


def _resource_matches(patterns: list[str], resource: str, ctx: dict[str, list[str]]) -> bool:
    for pattern in patterns:
        if "${" in pattern:
            # substitute, keeping substituted text literal: split around variables
            parts = re.split(r"(\$\{[^}]+\})", pattern)
            regex_parts = []
            ok = True
            for part in parts:
                if part.startswith("${"):
                    sub = _substitute(part, ctx)
                    if sub is None:
                        ok = False
                        break
                    regex_parts.append(("lit", sub))
                else:
                    regex_parts.append(("pat", part))
            if not ok:
                continue
            # rebuild a pattern where substituted text is escaped from wildcard meaning
            marker = "".join(p if k == "pat" else p.replace("*", "\x00").replace("?", "\x01")
                             for k, p in regex_parts)
            if _arn_glob(marker, resource):
                return True
        elif _arn_glob(pattern, resource):
            return True
    return False


def _arn_glob_regex(pattern: str) -> str:
    out, segment = [], 0
    arn = pattern.startswith("arn:")
    for i, c in enumerate(pattern):
        if c == ":":
            segment += 1
        if c == "*":
            last = i + 1 == len(pattern) or pattern[i + 1] == ":"
            out.append(".*" if not arn or segment >= 5 or last else "[^:]*")
        elif c == "?":
            out.append("." if not arn or segment >= 5 else "[^:]")
        elif c == "\x00":
            out.append(re.escape("*"))
        elif c == "\x01":
            out.append(re.escape("?"))
        else:
            out.append(re.escape(c))
    return "".join(out)


def _date(text: str) -> float:
    if text.isdigit():
        return float(text)
    return datetime.fromisoformat(text).timestamp()


def _one_condition(op: str, key: str, values: list[Any], ctx: dict[str, list[str]]) -> bool:
    qualifier = None
    if ":" in op:
        qualifier, op = op.split(":", 1)
    if_exists = op.endswith("IfExists")
    base = op[:-8] if if_exists else op
    got = ctx.get(key.lower())
    wanted = [str(v).lower() if isinstance(v, bool) else str(v) for v in values]
    if not got:
        if if_exists or qualifier == "ForAllValues":
            return True
        return base.startswith(("StringNot", "NotIp", "ArnNot", "NumericNot", "DateNot"))

    def one(v: str) -> bool:
        if base in ("StringEquals", "StringNotEquals"):
            return any(v == (_substitute(w, ctx) or "\x00unresolved") for w in wanted)
        if base == "StringLike":
            return any(_glob_keep_vars(w, v, ctx) for w in wanted)
        if base == "Bool":
            return v.lower() in wanted
        if base in ("IpAddress", "NotIpAddress"):
            return any(ipaddress.ip_address(v) in ipaddress.ip_network(w, strict=False)
                       for w in wanted)
        if base == "NumericLessThan":
            return any(float(v) < float(w) for w in wanted)
        if base == "DateLessThan":
            return any(_date(v) < _date(w) for w in wanted)
        raise NotImplementedError(base)

    negated = base.startswith(("StringNot", "NotIp"))
    if qualifier == "ForAnyValue":
        return any(one(v) != negated for v in got)
    if qualifier == "ForAllValues":
        return all(one(v) != negated for v in got)
    return any(one(v) for v in got) != negated


def _glob_keep_vars(pattern: str, value: str, ctx: dict[str, list[str]]) -> bool:
    parts = re.split(r"(\$\{[^}]+\})", pattern)
    regex = []
    for part in parts:
        if part.startswith("${"):
            sub = _substitute(part, ctx)
            if sub is None:
                return False
            regex.append(re.escape(sub))
        else:
            regex.append("".join(".*" if c == "*" else "." if c == "?" else re.escape(c)
                                 for c in part))
    return re.fullmatch("".join(regex), value, re.DOTALL) is not None


def _statement_applies(st: dict[str, Any], action: str, resource: str,
                       ctx: dict[str, list[str]]) -> bool:
    if "Action" in st:
        if not any(_glob(a, action, fold=True) for a in _as_list(st["Action"])):
            return False
    elif any(_glob(a, action, fold=True) for a in _as_list(st["NotAction"])):
        return False
    if "Resource" in st:
        if not _resource_matches(_as_list(st["Resource"]), resource, ctx):
            return False
    elif _resource_matches(_as_list(st["NotResource"]), resource, ctx):
        return False
    for op, keys in st.get("Condition", {}).items():
        for key, values in keys.items():
            if not _one_condition(op, key, _as_list(values), ctx):
                return False
    return True


def _effects(documents: list[dict[str, Any]], action: str, resource: str,
             ctx: dict[str, list[str]]) -> set[str]:
    return {st["Effect"] for doc in documents for st in _as_list(doc["Statement"])
            if _statement_applies(st, action, resource, ctx)}


def decide(identity: list[dict[str, Any]], boundary: list[dict[str, Any]], action: str,
           resource: str, context: list[dict[str, Any]]) -> str:
    """allowed / explicitDeny / implicitDeny for one same-account request."""
    ctx = {e["ContextKeyName"].lower(): list(e["ContextKeyValues"]) for e in context}
    found = _effects(identity, action, resource, ctx)
    bound = _effects(boundary, action, resource, ctx) if boundary else {"Allow"}
    if "Deny" in found or "Deny" in bound:
        return "explicitDeny"
    return "allowed" if "Allow" in found and "Allow" in bound else "implicitDeny"
