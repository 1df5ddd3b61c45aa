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
    Variable,
    VariableSource,
    Wildcard,
    has_variables,
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


def _is_arn(tokens: tuple[Token, ...], mode: str) -> bool:
    """Whether the ARN segment rule applies: not for globs, and only to `arn:...` patterns."""
    first = tokens[0] if tokens else None
    return mode != GLOB and isinstance(first, Literal) and first.text.startswith("arn:")


def pattern_regex(tokens: tuple[Token, ...], mode: str, *, arn: bool | None = None,
                  segment: int = 0, open_end: bool = False) -> str:
    """A regular expression (for fullmatch) equivalent to variable-free `tokens`.

    `arn`, `segment` and `open_end` let a piece of a longer pattern be translated on its
    own: whether the whole is an ARN, how many colons come before the piece, and whether
    something other than a colon follows it (so a `*` ending the piece ends no segment).
    """
    chars = _chars(tokens)
    arn_like = _is_arn(tokens, mode) if arn is None else arn
    out: list[str] = []
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
            ends_segment = (i + 1 == len(chars) and not open_end) or (
                i + 1 < len(chars) and chars[i + 1] == (":", False))
            out.append(".*" if ends_segment and mode == RESOURCE else "[^:]*")
    return "".join(out)


@lru_cache(maxsize=4096)
def _piece(tokens: tuple[Token, ...], mode: str, arn: bool, segment: int,
           open_end: bool) -> re.Pattern[str]:
    return re.compile(pattern_regex(tokens, mode, arn=arn, segment=segment,
                                    open_end=open_end), re.DOTALL)


class _Template:
    """A pattern holding variables: the pieces between them compiled once.

    A variable's value is literal text (its `*` is no wildcard), so rather than
    compiling a new expression for every user name, the value is looked for in the
    request and the fixed pieces around it are matched with ready expressions.
    """

    __slots__ = ("_regexes", "_texts", "arn", "colons", "mode", "pieces", "prefix", "variables")

    def __init__(self, tokens: tuple[Token, ...], mode: str) -> None:
        self.mode, self.arn = mode, _is_arn(tokens, mode)
        pieces: list[tuple[Token, ...]] = [()]
        variables: list[Variable] = []
        for token in tokens:
            if isinstance(token, Variable):
                variables.append(token)
                pieces.append(())
            else:
                pieces[-1] = (*pieces[-1], token)
        self.pieces, self.variables = tuple(pieces), tuple(variables)
        self.colons = tuple(sum(t.text.count(":") for t in piece if isinstance(t, Literal))
                            for piece in self.pieces)
        # the text before the first wildcard or variable: every value it matches starts so
        self.prefix = _literal_prefix(self.pieces[0])
        # Without a wildcard (`user/${aws:username}`, the usual template) the pattern matches
        # one value only, its pieces and variable values joined: compared, not searched
        self._texts = (None if any(isinstance(t, Wildcard) for piece in self.pieces for t in piece)
                       else tuple(_literal_prefix(piece) for piece in self.pieces))
        self._regexes: dict[tuple[int, int, bool], re.Pattern[str]] = {}

    def _regex(self, index: int, segment: int, open_end: bool) -> re.Pattern[str]:
        """Piece `index` as an expression, for where it falls in the ARN; built once."""
        key = (index, segment, open_end)
        found = self._regexes.get(key)
        if found is None:
            if len(self._regexes) > 256:  # values with ever more colons: bound the memo
                self._regexes.clear()
            found = self._regexes[key] = _piece(self.pieces[index], self.mode, self.arn,
                                                segment, open_end)
        return found

    def matches(self, value: str, source: VariableSource) -> bool:
        if not value.startswith(self.prefix):  # most values: refused before any variable
            return False
        values = []
        for variable in self.variables:
            got = source.variable_value(variable.key_lower)
            got = variable.default if got is None else got
            if got is None:
                return False  # a variable without a value matches nothing
            values.append(got)
        texts = self._texts
        if texts is None:
            return self._match(0, value, 0, 0, values)
        if len(values) == 1:
            return value == texts[0] + values[0] + texts[1]
        # one text more than values: the last piece follows the last value
        return value == "".join(text + got for text, got in zip(texts, values, strict=False)
                                ) + texts[-1]

    def _follows(self, index: int, values: list[str]) -> str | None:
        """The character after piece `index` once variables are replaced; None at the end."""
        for k in range(index, len(self.variables)):
            if values[k]:
                return values[k][0]
            first = self.pieces[k + 1][:1]
            if first:
                return first[0].text[0] if isinstance(first[0], Literal) else first[0].char  # type: ignore[union-attr]
        return None

    def _match(self, index: int, value: str, pos: int, segment: int, values: list[str]) -> bool:
        if index == len(self.variables):  # the last piece ends the pattern
            return self._regex(index, segment, False).fullmatch(value, pos) is not None
        literal = values[index]
        start = value.find(literal, pos)
        if start == -1:  # most often: the value is not there at all
            return False
        follows = literal[0] if literal else self._follows(index, values)
        regex = self._regex(index, segment, follows not in (None, ":"))
        after = segment + self.colons[index] + literal.count(":")
        while start != -1:
            if regex.fullmatch(value, pos, start) and self._match(
                    index + 1, value, start + len(literal), after, values):
                return True
            start = value.find(literal, start + 1)
        return False


class WildcardSet:
    """The patterns of one policy element (e.g. a statement's Action list), matched as one.

    Literal patterns go in a set, wildcard patterns into one combined regular
    expression, and patterns holding variables are resolved per request.
    """

    __slots__ = ("_fold", "_literals", "_mode", "_prefixes", "_regex", "_templates", "matches_all",
                 "patterns")

    def __init__(self, patterns: tuple[str, ...], *, mode: str, fold: bool = False,
                 variables: bool = False) -> None:
        self.patterns = patterns
        self._mode, self._fold = mode, fold
        literals: set[str] = set()
        regexes: list[str] = []
        prefixes: list[str] = []
        templates: list[_Template] = []
        self.matches_all = False
        for pattern in patterns:
            tokens = tokenize(pattern.lower() if fold else pattern, variables=variables,
                              wildcards=True)
            if tokens == (Wildcard("*"),):
                self.matches_all = True
            elif has_variables(tokens):
                templates.append(_Template(tokens, mode))
            elif all(isinstance(t, Literal) for t in tokens):
                literals.add("".join(t.text for t in tokens))  # type: ignore[union-attr]
            else:
                regexes.append(pattern_regex(tokens, mode))
                prefixes.append(_literal_prefix(tokens))
        self._literals = frozenset(literals)
        # What a value the expression matches starts with, by one of its patterns: most
        # values are refused by str.startswith, in a fraction of the expression's time
        self._prefixes = tuple(dict.fromkeys(prefixes))
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
        if (self._regex is not None and value.startswith(self._prefixes)
                and self._regex.fullmatch(value)):
            return True
        if source is not None:
            for template in self._templates:
                if template.matches(value, source):
                    return True
        return False

    @property
    def has_variables(self) -> bool:
        """Whether matching depends on the request's context values."""
        return bool(self._templates)


def _literal_prefix(tokens: tuple[Token, ...]) -> str:
    """The text before a pattern's first wildcard: every value it matches starts with it."""
    text = []
    for token in tokens:
        if not isinstance(token, Literal):
            break
        text.append(token.text)
    return "".join(text)


@lru_cache(maxsize=16384)
def wildcard_set(patterns: tuple[str, ...], *, mode: str, fold: bool = False,
                 variables: bool = False) -> WildcardSet:
    """A WildcardSet shared by every element with the same patterns (it never changes after
    it is built): an account's documents repeat the same action and resource lists."""
    return WildcardSet(patterns, mode=mode, fold=fold, variables=variables)


def match_action(pattern: str, action: str) -> bool:
    """One action pattern against one action name (case-insensitive)."""
    return WildcardSet((pattern,), mode=GLOB, fold=True).matches(action)


def match_resource(pattern: str, resource: str) -> bool:
    """One variable-free Resource pattern against one resource ARN (case-sensitive)."""
    return WildcardSet((pattern,), mode=RESOURCE).matches(resource)
