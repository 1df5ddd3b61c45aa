"""The AWS CLI's output formats other than JSON: `text`, `table`, `yaml` and `yaml-stream`.

Each follows the AWS CLI's own rules (the awscli package's formatter is the judge in
tests/test_cli_habits.py), written here so that a one-shot command does not load the awscli
package (botocore and its models take most of a second to import). Strings go through
`printable`, so a value from the store cannot drive the terminal.
"""

from __future__ import annotations

import io
import unicodedata
from functools import cache
from typing import Any

from iamtui.arn import escape_surrogates
from iamtui.commands.output import dump_json, printable

# ------------------------------------------------------------------------------------ text


def _scalar(value: Any) -> str:
    """A scalar as the AWS CLI's text output writes it (Python's str: True, None, 1.5)."""
    return printable(value) if isinstance(value, str) else str(value)


def format_text(data: Any) -> str:
    """`--output text`: one line per object, its scalar values in key order split by tabs,
    nested lists and objects below it, led by their key in capitals."""
    out: list[str] = []
    _text(data, out, None, None)
    return "".join(out)


def _text(item: Any, out: list[str], identifier: str | None,
          scalar_keys: list[str] | None) -> None:
    if isinstance(item, dict):
        _text_object(item, out, identifier, scalar_keys)
    elif isinstance(item, list):
        _text_list(item, out, identifier)
    else:
        out.append(_scalar(item) + "\n")


def _text_list(items: list[Any], out: list[str], identifier: str | None) -> None:
    if not items:
        return
    if any(isinstance(el, dict) for el in items):
        # every object of the list shares the columns of all of them, so the lines align
        keys = sorted({k for el in items if isinstance(el, dict)
                       for k, v in el.items() if not isinstance(v, dict | list)})
        for element in items:
            _text(element, out, identifier, keys)
    elif any(isinstance(el, list) for el in items):
        scalars = [el for el in items if not isinstance(el, list | dict)]
        if scalars:
            _text_scalars(scalars, out, identifier)
        for nested in (el for el in items if isinstance(el, list | dict)):
            _text(nested, out, identifier, None)
    else:
        _text_scalars(items, out, identifier)


def _text_scalars(items: list[Any], out: list[str], identifier: str | None) -> None:
    if identifier is None:
        out.append("\t".join(_scalar(i) for i in items) + "\n")
    else:
        out.extend(f"{identifier.upper()}\t{_scalar(i)}\n" for i in items)


def _text_object(item: dict[str, Any], out: list[str], identifier: str | None,
                 scalar_keys: list[str] | None) -> None:
    if scalar_keys is None:
        ordered = sorted(item.items())
        scalars = [_scalar(v) for _, v in ordered if not isinstance(v, dict | list)]
        nested = [(k, v) for k, v in ordered if isinstance(v, dict | list)]
    else:  # a list's shared columns; a key this object lacks is an empty cell
        scalars = [_scalar(item.get(k, "")) for k in scalar_keys]
        nested = [(k, item[k]) for k in sorted(set(item) - set(scalar_keys))]
    if scalars:
        lead = [printable(identifier.upper())] if identifier is not None else []
        out.append("\t".join(lead + scalars) + "\n")
    for key, value in nested:
        _text(value, out, key, None)


# ----------------------------------------------------------------------------------- table

# The AWS CLI's colours for `--color on`: values bright blue, the nesting bars dim yellow.
_VALUE_STYLE = ("\x1b[1m\x1b[34m", "\x1b[0m")
_BAR_STYLE = ("\x1b[2m\x1b[33m", "\x1b[0m")
_PADDING = 4  # two spaces either side of the widest cell of a column


def cell_width(text: str) -> int:
    """Columns a string takes: wide and ambiguous East Asian characters count two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WFA" else 1 for c in text)


class _Section:
    """A titled block of the table: headers and rows, nested `indent` bars deep."""

    def __init__(self, title: str, indent: int = 0) -> None:
        self.title, self.indent = title, indent
        self.headers: list[str] = []
        self.rows: list[list[str]] = []
        self.widths: list[int] = []
        self.columns: int | None = None

    def _measure(self, cells: list[str]) -> None:
        if not self.widths:
            self.widths = [cell_width(c) for c in cells]
        else:
            self.widths = [max(w, cell_width(c)) for w, c in zip(self.widths, cells,
                                                                    strict=False)]

    def add_headers(self, keys: list[str]) -> None:
        headers = [printable(k) for k in keys]
        self._measure(headers)
        if self.columns is None:
            self.columns = len(headers)
        self.headers = headers

    def add_row(self, row: list[Any]) -> None:
        if self.columns is None:
            self.columns = len(row)
        if len(row) != self.columns:
            raise ValueError(f"Row should have {self.columns} elements, instead it has "
                             f"{len(row)}")
        cells = [_scalar(c) for c in row]
        self.rows.append(cells)
        self._measure(cells)

    def natural_width(self) -> int:
        """Its width unstretched: columns padded, two border bars, its nesting bars."""
        columns = sum(w + _PADDING for w in self.widths) + 2 + 2 * self.indent
        return max(cell_width(self.title) + 2 + 2 * self.indent, columns)

    def column_widths(self, total: int) -> list[int]:
        """The padded widths stretched (or shrunk) in proportion to fill `total`."""
        natural = [w + _PADDING for w in self.widths]
        if not natural:
            return natural
        scale = total / float(sum(natural))
        scaled = [round(scale * w) for w in natural]
        off_by = sum(scaled) - total
        while off_by:  # rounding: take from the first columns, give to the last
            order = range(len(scaled)) if off_by > 0 else reversed(range(len(scaled)))
            for i in order:
                scaled[i] += -1 if off_by > 0 else 1
                off_by += -1 if off_by > 0 else 1
                if not off_by:
                    break
        return scaled


class _TableBuilder:
    """Lays out any response as the AWS CLI's `--output table` does: an object's scalar
    values as one row under their keys, a list of objects as rows under the union of their
    scalar keys, and every nested list or object as a section of its own, one bar deeper."""

    def __init__(self) -> None:
        self.sections: list[_Section] = []

    def _new(self, title: str, indent: int) -> None:
        self.sections.append(_Section(title, indent))

    @property
    def current(self) -> _Section:
        return self.sections[-1]

    def build(self, title: str | None, value: Any, indent: int = 0) -> bool:
        if not value:
            return False
        if title is not None:
            self._new(title, indent)
        if isinstance(value, list):
            if isinstance(value[0], dict):
                self._list_of_objects(value, indent, title)
            else:
                for item in value:
                    if not isinstance(item, list | dict):
                        self.current.add_row([item])
                    elif all(not isinstance(el, list | dict) for el in item):
                        self.current.add_row(list(item))
                    else:
                        self.build(None, item)
        if isinstance(value, dict):
            self._object(value, indent)
        return True

    @staticmethod
    def _split(obj: dict[str, Any]) -> tuple[list[str], list[str]]:
        scalars = sorted(k for k, v in obj.items() if not isinstance(v, list | dict))
        nested = sorted(k for k, v in obj.items() if isinstance(v, list | dict))
        return scalars, nested

    def _object(self, obj: dict[str, Any], indent: int) -> None:
        headers, nested = self._split(obj)
        if len(headers) == 1:  # a lone scalar is a key | value row
            self.current.add_row([headers[0], obj[headers[0]]])
        elif headers:
            self.current.add_headers(headers)
            self.current.add_row([obj[k] for k in headers])
        for key in nested:
            self.build(key, obj[key], indent + 1)

    def _list_of_objects(self, items: list[Any], indent: int, title: str | None) -> None:
        header_set: set[str] = set()
        nested_set: set[str] = set()
        for item in items:
            scalars, nested = self._split(item)
            header_set.update(scalars)
            nested_set.update(nested)
        headers, nested = sorted(header_set), sorted(nested_set)
        self.current.add_headers(headers)
        for number, item in enumerate(items):
            if number and nested:  # an item with nested values repeats its headers
                self._new(title or "", indent)
                self.current.add_headers(headers)
            self.current.add_row([item.get(h, "") for h in headers])
            for key in nested:
                if key in item:
                    self.build(key, item[key], indent + 1)


def _center(text: str, length: int, left: str, right: str, text_len: int) -> str:
    start = length // 2 - text_len // 2 - 1
    so_far = cell_width(left) + start + text_len
    return left + " " * start + text + " " * (length - cell_width(right) - so_far) + right


def _align_left(text: str, length: int, left: str, right: str, text_len: int) -> str:
    padding = 2 if length - (text_len + 2 + cell_width(left) + cell_width(right)) >= 0 else 0
    return (left + " " * padding + text
            + " " * (length - (len(left) + padding + text_len) - len(right)) + right)


def _rule(widths: list[int]) -> str:
    return "+" + "+".join("-" * (w - (2 if i == 0 else 1)) for i, w in enumerate(widths)) \
        + "+\n"


def format_table(title: str, data: Any, *, width: int = 80, colour: bool = False) -> str:
    """`--output table`: the AWS CLI's boxed table titled with the operation's name; wider
    than `width` (the terminal), sections of one row turn into key | value rows."""
    builder = _TableBuilder()
    if not builder.build(title, data):
        return ""
    sections = builder.sections
    total = max(s.natural_width() for s in sections)
    if total > width:
        for i, section in enumerate(sections):
            if len(section.rows) == 1 and section.headers:
                vertical = _Section(section.title, section.indent)
                for header, cell in zip(section.headers, section.rows[0], strict=False):
                    vertical.add_row([header, cell])
                sections[i] = vertical
        total = max(s.natural_width() for s in sections)
    value = _VALUE_STYLE if colour else ("", "")
    bar = "|".join(_BAR_STYLE) if colour else "|"
    lines = ["-" * total + "\n"]
    for section in sections:
        inner = total - 2 * section.indent
        body: list[str] = []
        if section.title:
            body.append(_center(printable(section.title), inner, "|", "|",
                                cell_width(printable(section.title))) + "\n")
            if not section.headers and not section.rows:
                body.append("+" + "-" * (inner - 2) + "+\n")
        widths = section.column_widths(inner)
        if section.headers:
            body.append(_rule(widths))
            body.append("".join(_center(h, w, "|" if i == 0 else "", "|", cell_width(h))
                                for i, (w, h) in enumerate(zip(widths, section.headers,
                                                               strict=False))) + "\n")
        if section.rows and widths:
            body.append(_rule(widths))
            for row in section.rows:
                body.append("".join(
                    _align_left(value[0] + cell + value[1] if colour else cell, w,
                                "|" if i == 0 else "", "|", cell_width(cell))
                    for i, (w, cell) in enumerate(zip(widths, row, strict=False))) + "\n")
            body.append(_rule(widths))
        margin = bar * section.indent
        lines.extend(margin + line[:-1] + margin + "\n" for line in body)
    return "".join(lines)


# ------------------------------------------------------------------------------------ yaml
#
# AWS CLI v2 writes YAML with ruamel.yaml's safe dumper (YAML 1.2: `on` and `yes` are plain
# strings, not booleans as PyYAML would quote them) in block style, keys sorted, and with
# ruamel.yaml.clib installed, as v2 installs it, through libyaml's emitter, which folds and
# quotes differently from ruamel's pure-Python one. ruamel is imported on first use only.


@cache
def _safe_yaml() -> Any:
    """The dumper AWS CLI v2's YAMLDumper sets up; strings that are str subclasses (the
    StrEnums of decisions and findings) write as strings, a lone surrogate (which no UTF-8
    writer takes) as its escape."""
    from ruamel.yaml import YAML
    from ruamel.yaml.representer import SafeRepresenter

    class Representer(SafeRepresenter):
        def represent_str(self, data: str) -> Any:
            return super().represent_str(escape_surrogates(str(data)))

    Representer.add_representer(str, Representer.represent_str)
    Representer.add_multi_representer(str, Representer.represent_str)
    yaml = YAML(typ="safe")
    yaml.Representer = Representer
    yaml.encoding = None  # text, not bytes: the caller writes it
    yaml.representer.default_flow_style = False
    return yaml


def _yaml_document(value: Any) -> str:
    """One value as v2's YAMLDumper writes it: a scalar as JSON (YAML would end it with a
    `...` document end), anything else as block YAML."""
    if value is None or isinstance(value, int | float | str):
        return dump_json(value) + "\n"
    out = io.StringIO()
    _safe_yaml().dump(value, out)
    return out.getvalue()


def format_yaml(data: Any) -> str:
    """`--output yaml`: the whole answer as one document; an empty answer ({}) prints
    nothing, as with JSON."""
    return "" if data == {} else _yaml_document(data)


def format_yaml_item(page: Any) -> str:
    """One item of `--output yaml-stream`: a page (or a non-paginated answer) as a list of
    one, so that the pages written one after the other read back as one list."""
    return _yaml_document([page])


class _Blob:
    """A blob member's placeholder: v2 writes it as an empty `!!binary` scalar."""


def yaml_input_skeleton(tree: Any) -> str:
    """`--generate-cli-skeleton yaml-input` as AWS CLI v2 writes it: ruamel's round-trip
    dumper, each member followed by its comment. `tree` is the compact skeleton of
    iamtui/data/aws_cli.json (tests/aws_model.py says how it reads), or, for iamtui's own
    commands, the plain input skeleton."""
    from ruamel.yaml import YAML

    yaml = YAML()
    yaml.representer.add_representer(
        _Blob, lambda dumper, _: dumper.represent_scalar("tag:yaml.org,2002:binary", ""))
    out = io.StringIO()
    yaml.dump(_skeleton_value(yaml, tree), out)
    return out.getvalue()


def _skeleton_value(yaml: Any, node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    if "S" in node:
        mapping = yaml.map()
        for name, member, comment in node["S"]:
            mapping[name] = _skeleton_value(yaml, member)
            if comment:
                mapping.yaml_add_eol_comment("# " + comment, name)
        return mapping
    if "L" in node:
        return [_skeleton_value(yaml, node["L"])]
    if "M" in node:
        return {"KeyName": _skeleton_value(yaml, node["M"])}
    if "B" in node:
        return _Blob()
    if "T" in node:
        from datetime import datetime

        return datetime(1970, 1, 1)
    return {key: _skeleton_value(yaml, value) for key, value in node.items()}
