"""Policy variables (`${aws:username}`) and wildcards, tokenized once.

IAM User Guide, "IAM policy elements: Variables and tags": variables are replaced
only in policies with `"Version": "2012-10-17"`; `${key, 'default'}` supplies a
value for a missing key; `${*}`, `${?}` and `${$}` stand for the literal characters.
A variable whose key the request lacks (and has no default) has no value at all:
the element that holds it cannot match.
"""

from __future__ import annotations

import re
from typing import Protocol

# ${key} or ${key, 'default'}; keys are condition-key shaped (aws:PrincipalTag/team).
_VARIABLE = re.compile(r"\$\{\s*([^}',\s]+)\s*(?:,\s*'([^']*)'\s*)?\}")
_SPECIALS = {"${*}": "*", "${?}": "?", "${$}": "$"}


class _Token:
    """Tokens are values: equal when of one kind with equal parts (a `*` that is text is no
    wildcard, whatever its character). Plain classes, not dataclasses, which would cost
    every CLI start a few milliseconds to build."""

    __slots__ = ()

    def _parts(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other._parts() == self._parts()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._parts()))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(map(repr, self._parts()))})"


class Literal(_Token):
    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


class Wildcard(_Token):
    """`*` (any run of characters) or `?` (any one character)."""

    __slots__ = ("char",)

    def __init__(self, char: str) -> None:
        self.char = char


class Variable(_Token):
    __slots__ = ("default", "key", "key_lower")

    def __init__(self, key: str, default: str | None) -> None:
        self.key = key  # as written
        self.default = default
        self.key_lower = key.lower()

    def _parts(self) -> tuple[object, ...]:
        return (self.key, self.default)


Token = Literal | Wildcard | Variable


class VariableSource(Protocol):
    """Anything that can give a single string value for a context key (lower-cased name)."""

    def variable_value(self, key_lower: str) -> str | None: ...


def tokenize(text: str, *, variables: bool, wildcards: bool) -> tuple[Token, ...]:
    """Split `text` into literals, wildcards and variables (each only where enabled)."""
    tokens: list[Token] = []
    buf: list[str] = []

    def flush() -> None:
        if buf:
            tokens.append(Literal("".join(buf)))
            buf.clear()

    i = 0
    while i < len(text):
        c = text[i]
        if variables and c == "$" and text.startswith("${", i):
            special = text[i:i + 4]
            if special in _SPECIALS:
                buf.append(_SPECIALS[special])
                i += 4
                continue
            m = _VARIABLE.match(text, i)
            if m:
                flush()
                tokens.append(Variable(m.group(1), m.group(2)))
                i = m.end()
                continue
        if wildcards and c in "*?":
            flush()
            tokens.append(Wildcard(c))
        else:
            buf.append(c)
        i += 1
    flush()
    return tuple(tokens)


def has_variables(tokens: tuple[Token, ...]) -> bool:
    """Whether resolving needs a request context."""
    return any(isinstance(t, Variable) for t in tokens)


def variables_in(tokens: tuple[Token, ...]) -> list[Variable]:
    """The variables, in order."""
    return [t for t in tokens if isinstance(t, Variable)]


def resolve(tokens: tuple[Token, ...], source: VariableSource) -> tuple[Token, ...] | None:
    """Replace each variable by a literal from `source`; None when one has no value."""
    out: list[Token] = []
    for t in tokens:
        if isinstance(t, Variable):
            value = source.variable_value(t.key_lower)
            if value is None:
                value = t.default
            if value is None:
                return None
            out.append(Literal(value))
        else:
            out.append(t)
    return tuple(out)
