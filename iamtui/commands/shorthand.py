"""The AWS CLI's shorthand syntax for structured parameters: `Key=a,Value=b`,
`ContextKeyValues=v1,v2` (a value list runs on to the next `key=`), `[x,y]`,
`{Name=a,Type=b}`, quoted values ('a,b' or "a,b") and `\\,` for a comma in a value.

The grammar is the AWS CLI's ("Using shorthand syntax with the AWS CLI", AWS CLI User Guide);
tests check this parser against the awscli package's own on generated inputs.
"""

from __future__ import annotations

import re
import string
from typing import Any

_KEY_CHARS = frozenset(string.ascii_letters + string.digits + "-_.#/:")
_WHITESPACE = frozenset(string.whitespace)
# A value starts with any visible character but quotes, ',', '=', '[' and '{'. A first value
# (right after `key=`) may then hold '=', '[' and '{' but no ']' or '}'; a later value of a
# comma-separated list may hold ']' and '}' but no '=' (so that `key=` ends the list).
_START = r"!#-&(-+\--<>-Z\\-z|-\uffff"
_FIRST_VALUE = re.compile(rf"(\\,|[{_START}])(\\,|[\s!#-&(-+\--\\^-|~-\uffff])*")
_LATER_VALUE = re.compile(rf"(\\,|[{_START}])(\\,|[\s!#-&(-+\--<>-\uffff])*")
_SINGLE_QUOTED = re.compile(r"'(?:\\'|[^'])*'")
_DOUBLE_QUOTED = re.compile(r'"(?:\\"|[^"])*"')


class ShorthandError(ValueError):
    """Shorthand that does not parse; the message points at the place."""

    def __init__(self, text: str, expected: str, index: int) -> None:
        found = "EOF" if index >= len(text) else repr(text[index])
        super().__init__(f"Expected: '{expected}', received: {found} for input:\n{text}\n"
                         f"{' ' * index}^")


class _Parser:
    def __init__(self, text: str) -> None:
        self.text, self.i = text, 0

    # -- helpers
    def _eof(self) -> bool:
        return self.i >= len(self.text)

    def _peek(self) -> str | None:
        return None if self._eof() else self.text[self.i]

    def _skip_space(self) -> None:
        while not self._eof() and self.text[self.i] in _WHITESPACE:
            self.i += 1

    def _expect(self, char: str, space: bool = False) -> None:
        if space:
            self._skip_space()
        if self._peek() != char:
            raise ShorthandError(self.text, char, self.i)
        self.i += 1
        if space:
            self._skip_space()

    def _match(self, regex: re.Pattern[str], name: str) -> str:
        found = regex.match(self.text, self.i)
        if found is None:
            raise ShorthandError(self.text, f"<{name}>", self.i)
        self.i = found.end()
        return found.group()

    # -- grammar
    def parameter(self) -> dict[str, Any]:
        result: dict[str, Any] = {}
        while True:
            key, value = self._keyval()
            if key in result:
                raise ValueError(f"Second instance of key \"{key}\" encountered for input:\n"
                                 f"{self.text}\nThis is often because there is a preceding "
                                 "\",\" instead of a space.")
            result[key] = value
            if self._eof():
                return result
            self._expect(",", space=True)

    def _key(self) -> str:
        start = self.i
        while not self._eof() and self.text[self.i] in _KEY_CHARS:
            self.i += 1
        return self.text[start:self.i]

    def _keyval(self) -> tuple[str, Any]:
        key = self._key()
        self._expect("=", space=True)
        if self._eof():
            return key, ""
        if self._peek() == "[":
            return key, self._list()
        if self._peek() == "{":
            return key, self._object()
        return key, self._csv()

    def _csv(self) -> Any:
        first = self._first_value()
        self._skip_space()
        if self._peek() != ",":
            return first
        self._expect(",", space=True)
        values = [first]
        while True:
            try:
                current = self._later_value()
                self._skip_space()
                if self._eof():
                    values.append(current)
                    break
                self._expect(",", space=True)
                values.append(current)
            except ShorthandError:
                if self._eof():
                    raise
                while self.i >= 0 and self.text[self.i] != ",":  # `,key=` ends the list
                    self.i -= 1
                break
        return first if len(values) == 1 else values

    def _quoted(self, regex: re.Pattern[str], quote: str) -> str:
        value = self._match(regex, "quoted")[1:-1]
        return value.replace("\\" + quote, quote).replace("\\\\", "\\")

    def _first_value(self) -> str:
        if self._peek() == "'":
            return self._quoted(_SINGLE_QUOTED, "'")
        if self._peek() == '"':
            return self._quoted(_DOUBLE_QUOTED, '"')
        found = _FIRST_VALUE.match(self.text, self.i)
        if found is None:
            return ""
        self.i = found.end()
        return found.group().replace("\\,", ",").rstrip()

    def _later_value(self) -> str:
        if self._peek() == "'":
            return self._quoted(_SINGLE_QUOTED, "'")
        if self._peek() == '"':
            return self._quoted(_DOUBLE_QUOTED, '"')
        return self._match(_LATER_VALUE, "second").replace("\\,", ",").rstrip()

    def _item(self) -> Any:
        if self._peek() == "[":
            return self._list()
        if self._peek() == "{":
            return self._object()
        return self._first_value()

    def _list(self) -> list[Any]:
        self._expect("[", space=True)
        items = []
        while self._peek() != "]":
            if self._eof():
                raise ShorthandError(self.text, "]", self.i)
            items.append(self._item())
            self._skip_space()
            if self._peek() != "]":
                self._expect(",")
                self._skip_space()
        self._expect("]")
        return items

    def _object(self) -> dict[str, Any]:
        self._expect("{", space=True)
        result: dict[str, Any] = {}
        while self._peek() != "}":
            if self._eof():
                raise ShorthandError(self.text, "}", self.i)
            key = self._key()
            self._expect("=", space=True)
            value = self._item()
            self._skip_space()
            if self._peek() != "}":
                self._expect(",")
                self._skip_space()
            result[key] = value
        self._expect("}")
        return result


def parse_shorthand(text: str) -> dict[str, Any]:
    """`Key=a,Value=b` -> {"Key": "a", "Value": "b"} (raises ShorthandError)."""
    return _Parser(text).parameter()


def fit_to_model(value: Any, shape: Any) -> Any:
    """Shorthand knows no types: a lone value where the model wants a list becomes a list
    of one, as the AWS CLI does (`ContextKeyValues=true` -> ["true"])."""
    if isinstance(shape, list):
        items = value if isinstance(value, list) else [value]
        return [fit_to_model(v, shape[0]) for v in items]
    if isinstance(shape, dict) and "map" not in shape and isinstance(value, dict):
        return {k: fit_to_model(v, shape[k]) if k in shape else v for k, v in value.items()}
    return value
