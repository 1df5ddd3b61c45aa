"""Wildcard patterns for actions, resources, principals and `...Like` conditions, compiled once.

IAM User Guide, "IAM JSON policy elements: Action": action names are case-insensitive
and take `*` and `?`. "IAM JSON policy elements: Resource": resource ARNs are
case-sensitive; `*` and `?` work within an ARN's colon-separated segments, and a `*`
that ends a segment may run on past its colons. Every other character is literal
(`.`, `+`, `(`, ... are not regular-expression syntax).
"""

from __future__ import annotations

import re
from functools import lru_cache

from iamtui.policy.variables import (
    Literal,
    Token,
    VariableSource,
    Wildcard,
    has_variables,
    resolve,
    tokenize,
)

GLOB = "glob"  # the whole string, `*` spans anything (actions, StringLike)
RESOURCE = "resource"  # the Resource element's ARN segment rule
ARN = "arn"  # ArnLike / ArnEquals: each of the six components on its own


def _chars(tokens: tuple[Token, ...]) -> list[tuple[str, bool]]:
    """Flatten to (character, is_wildcard) pairs."""
    out: list[tuple[str, bool]] = []
    for t in tokens:
        if isinstance(t, Wildcard):
            out.append((t.char, True))
        else:
            out.extend((c, False) for c in t.text)  # type: ignore[union-attr]
    return out


def pattern_regex(tokens: tuple[Token, ...], mode: str) -> str:
    """A regular expression (for fullmatch) equivalent to variable-free `tokens`."""
    chars = _chars(tokens)
    arn_like = mode != GLOB and "".join(c for c, _ in chars[:4]) == "arn:"
    out: list[str] = []
    segment = 0
    for i, (c, wild) in enumerate(chars):
        if not wild:
            if c == ":":
                segment += 1
            out.append(re.escape(c))
            continue
        if not arn_like or segment >= 5:
            out.append(".*" if c == "*" else ".")
        elif c == "?":
            out.append("[^:]")
        else:
            ends_segment = i + 1 == len(chars) or chars[i + 1] == (":", False)
            out.append(".*" if ends_segment and mode == RESOURCE else "[^:]*")
    return "".join(out)


@lru_cache(maxsize=8192)
def _compiled(tokens: tuple[Token, ...], mode: str, fold: bool) -> re.Pattern[str]:
    flags = re.DOTALL | (re.IGNORECASE if fold else 0)
    return re.compile(pattern_regex(tokens, mode), flags)


class WildcardSet:
    """The patterns of one policy element (e.g. a statement's Action list), matched as one.

    Literal patterns go in a set, wildcard patterns into one combined regular
    expression, and patterns holding variables are resolved per request.
    """

    __slots__ = ("_fold", "_literals", "_mode", "_regex", "_templates", "matches_all", "patterns")

    def __init__(self, patterns: tuple[str, ...], *, mode: str, fold: bool = False,
                 variables: bool = False) -> None:
        self.patterns = patterns
        self._mode, self._fold = mode, fold
        literals: set[str] = set()
        regexes: list[str] = []
        templates: list[tuple[Token, ...]] = []
        self.matches_all = False
        for pattern in patterns:
            tokens = tokenize(pattern.lower() if fold else pattern, variables=variables,
                              wildcards=True)
            if tokens == (Wildcard("*"),):
                self.matches_all = True
            elif has_variables(tokens):
                templates.append(tokens)
            elif all(isinstance(t, Literal) for t in tokens):
                literals.add("".join(t.text for t in tokens))  # type: ignore[union-attr]
            else:
                regexes.append(pattern_regex(tokens, mode))
        self._literals = frozenset(literals)
        self._regex = (re.compile("|".join(f"(?:{r})" for r in regexes), re.DOTALL)
                       if regexes else None)
        self._templates = tuple(templates)

    def matches(self, value: str, source: VariableSource | None = None) -> bool:
        """Whether any pattern matches `value` (lower-cased first for case-insensitive sets)."""
        if self.matches_all:
            return True
        if self._fold:
            value = value.lower()
        if value in self._literals:
            return True
        if self._regex is not None and self._regex.fullmatch(value):
            return True
        if self._templates and source is not None:
            for tokens in self._templates:
                resolved = resolve(tokens, source)
                if resolved is not None and _compiled(resolved, self._mode, False).fullmatch(value):
                    return True
        return False

    @property
    def has_variables(self) -> bool:
        """Whether matching depends on the request's context values."""
        return bool(self._templates)


def match_action(pattern: str, action: str) -> bool:
    """One action pattern against one action name (case-insensitive)."""
    return WildcardSet((pattern,), mode=GLOB, fold=True).matches(action)


def match_resource(pattern: str, resource: str) -> bool:
    """One variable-free Resource pattern against one resource ARN (case-sensitive)."""
    return WildcardSet((pattern,), mode=RESOURCE).matches(resource)
