"""Policy text -> a JSON tree whose every value remembers where it stands in the text.

Python's `json` cannot do what a policy needs: it keeps the last of duplicate keys
(`{"Effect":"Deny","Effect":"Allow"}` would become Allow), accepts NaN and Infinity,
raises RecursionError on deep nesting, decodes a lone surrogate escape ("\\ud800")
into a string no UTF-8 writer can print, and forgets positions. This small parser
rejects all of those with a line and column, and records where each value starts
and ends, so a decision can point into the text like AWS's `MatchedStatements`.
`load_json` gives other JSON parameters (tags, context entries, exports, test sets)
the same guards around Python's faster `json`.
"""

from __future__ import annotations

import json
import re
from json.decoder import scanstring
from typing import Any, NamedTuple

from iamtui.arn import lone_surrogate
from iamtui.errors import MalformedPolicyDocument

# Policies are shallow (a condition block is 4 levels deep); anything deeper is abuse.
MAX_DEPTH = 32

# JSON data that is not a policy (an account export holds policies 6 levels down) may
# nest deeper, but not without bound: every reader after the parser recurses too.
MAX_DATA_DEPTH = 64

_WS = re.compile(r"[ \t\n\r]*")
# A JSON string or a bracket: enough to find where a refused value starts.
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")


class Position(NamedTuple):
    """A place in the text: line and column, both counted from 1."""

    line: int
    column: int

    def to_aws(self) -> dict[str, int]:
        """AWS's `Position` shape."""
        return {"Line": self.line, "Column": self.column}


class Node(NamedTuple):
    """A JSON value with its span; objects keep their members in order as (key node, value node)."""

    value: Any  # str | int | float | bool | None | list[Node] | list[tuple[Node, Node]]
    kind: str  # "object", "array", "string", "number", "bool", "null"
    start: int  # offset of the first character
    end: int  # offset just past the last character

    def members(self) -> list[tuple[Node, Node]]:
        """An object's (key, value) pairs."""
        return self.value if self.kind == "object" else []

    def plain(self) -> Any:
        """The value as ordinary Python data (dicts, lists, scalars)."""
        if self.kind == "object":
            return {k.value: v.plain() for k, v in self.value}
        if self.kind == "array":
            return [v.plain() for v in self.value]
        return self.value


class LineIndex:
    """Turns offsets into 1-based line/column positions."""

    def __init__(self, text: str) -> None:
        self._starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def position(self, offset: int) -> Position:
        """The position of `offset`."""
        lo, hi = 0, len(self._starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self._starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return Position(lo + 1, offset - self._starts[lo] + 1)


def _string_fault(message: str) -> str:
    """The json module's fault in words (its messages end in " at", for a position we
    give as line and column)."""
    message = message.removesuffix(" at")
    if message.startswith("Invalid control character"):
        return "a line break or control character inside a string (a closing quote missing?)"
    if message.startswith("Unterminated string"):
        return "a string without its closing quote"
    return message[:1].lower() + message[1:]


def _fail(text: str, offset: int, what: str) -> MalformedPolicyDocument:
    offset = min(offset, len(text))
    pos = LineIndex(text).position(offset)
    error = MalformedPolicyDocument(f"Syntax error at line {pos.line}, column {pos.column}: {what}")
    error.position, error.offset, error.reason = pos, offset, what  # type: ignore[attr-defined]
    return error


def parse_json(text: str) -> Node:
    """Parse `text` as one strict JSON value; errors are MalformedPolicyDocument with a position."""
    parser = _Parser(text)
    end = _WS.match(text, 0).end()
    if end == len(text):
        raise _fail(text, end, "the document is empty")
    node = parser.value(end, 0)
    end = _WS.match(text, node.end).end()
    if end != len(text):
        raise _fail(text, end, "unexpected text after the end of the JSON document")
    return node


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text

    def value(self, i: int, depth: int) -> Node:
        text = self.text
        if depth > MAX_DEPTH:
            raise _fail(text, i, f"nesting deeper than {MAX_DEPTH} levels")
        if i >= len(text):
            raise _fail(text, i, "unexpected end of document, expected a value")
        c = text[i]
        if c == "{":
            return self.object(i, depth)
        if c == "[":
            return self.array(i, depth)
        if c == '"':
            return self.string(i)
        for literal, value, kind in (("true", True, "bool"), ("false", False, "bool"),
                                     ("null", None, "null")):
            if text.startswith(literal, i):
                return Node(value, kind, i, i + len(literal))
        m = _NUMBER.match(text, i)
        if m and m.end() > i:
            raw = m.group()
            try:
                number: int | float = float(raw) if any(ch in raw for ch in ".eE") else int(raw)
            except ValueError:  # Python refuses integers of more than 4300 digits
                raise _fail(text, i, "number too long") from None
            return Node(number, "number", i, m.end())
        if text.startswith(("NaN", "Infinity", "-Infinity"), i):
            raise _fail(text, i, "NaN and Infinity are not JSON numbers")
        raise _fail(text, i, f"unexpected character {text[i]!r}, expected a value")

    def string(self, i: int) -> Node:
        try:
            value, end = scanstring(self.text, i + 1, True)
        except ValueError as exc:  # JSONDecodeError carries the offset of the fault
            raise _fail(self.text, getattr(exc, "pos", i),
                        "invalid string: " + _string_fault(str(getattr(exc, "msg", exc)))
                        ) from None
        surrogate = lone_surrogate(value)
        if surrogate is not None:
            raise _fail(self.text, i, _surrogate_fault(surrogate))
        return Node(value, "string", i, end)

    def object(self, i: int, depth: int) -> Node:
        text = self.text
        members: list[tuple[Node, Node]] = []
        seen: set[str] = set()
        j = _WS.match(text, i + 1).end()
        if text.startswith("}", j):
            return Node(members, "object", i, j + 1)
        while True:
            if not text.startswith('"', j):
                raise _fail(text, j, "expected a member name in double quotes")
            key = self.string(j)
            if key.value in seen:
                raise _fail(text, j, f"duplicate key {key.value!r} in the same object")
            seen.add(key.value)
            j = _WS.match(text, key.end).end()
            if not text.startswith(":", j):
                raise _fail(text, j, f"expected ':' after {key.value!r}")
            j = _WS.match(text, j + 1).end()
            val = self.value(j, depth + 1)
            members.append((key, val))
            j = _WS.match(text, val.end).end()
            if text.startswith(",", j):
                j = _WS.match(text, j + 1).end()
                continue
            if text.startswith("}", j):
                return Node(members, "object", i, j + 1)
            raise _fail(text, j, "expected ',' or '}' in an object")

    def array(self, i: int, depth: int) -> Node:
        text = self.text
        items: list[Node] = []
        j = _WS.match(text, i + 1).end()
        if text.startswith("]", j):
            return Node(items, "array", i, j + 1)
        while True:
            val = self.value(j, depth + 1)
            items.append(val)
            j = _WS.match(text, val.end).end()
            if text.startswith(",", j):
                j = _WS.match(text, j + 1).end()
                continue
            if text.startswith("]", j):
                return Node(items, "array", i, j + 1)
            raise _fail(text, j, "expected ',' or ']' in an array")


def _surrogate_fault(escape: str) -> str:
    return f"invalid string: a lone surrogate ({escape}) is not a Unicode character"


def load_json(text: str, *, max_depth: int = MAX_DATA_DEPTH) -> Any:
    """Python's `json.loads` for JSON data from outside (not policies: see parse_json),
    refusing what would break a later step: nesting deeper than `max_depth`, a lone
    surrogate in a string or key, an integer too long for Python. Every refusal is a
    `json.JSONDecodeError` (a ValueError) with the line and column of the fault.
    """
    try:
        data = json.loads(text)
    except RecursionError:
        raise _data_fault(text, _deep_offset(text, max_depth),
                          f"nesting deeper than {max_depth} levels") from None
    except json.JSONDecodeError:
        raise
    except ValueError:  # Python refuses integers of more than 4300 digits
        raise json.JSONDecodeError("number too long", text, 0) from None
    # Walk without recursion: the depth is what is being checked.
    pending: list[tuple[Any, int]] = [(data, 0)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            surrogate = lone_surrogate(value)
            if surrogate is not None:
                raise _data_fault(text, _surrogate_offset(text), _surrogate_fault(surrogate))
        elif isinstance(value, dict | list):
            if depth >= max_depth:
                raise _data_fault(text, _deep_offset(text, max_depth),
                                  f"nesting deeper than {max_depth} levels")
            items = [*value.keys(), *value.values()] if isinstance(value, dict) else value
            pending.extend((item, depth + 1) for item in items)
    return data


def _data_fault(text: str, offset: int, what: str) -> json.JSONDecodeError:
    return json.JSONDecodeError(what, text, offset)


def _deep_offset(text: str, max_depth: int) -> int:
    """Where the text first opens its (max_depth + 1)th nested array or object."""
    depth = 0
    for token in _TOKEN.finditer(text):
        bracket = token.group()
        if bracket in ("[", "{"):
            depth += 1
            if depth > max_depth:
                return token.start()
        elif bracket in ("]", "}"):
            depth -= 1
    return 0


def _surrogate_offset(text: str) -> int:
    """Where the first string holding a lone surrogate starts."""
    for token in _TOKEN.finditer(text):
        if token.group()[0] == '"':
            try:
                value = scanstring(text, token.start() + 1, False)[0]
            except ValueError:
                continue
            if lone_surrogate(value) is not None:
                return token.start()
    return 0
