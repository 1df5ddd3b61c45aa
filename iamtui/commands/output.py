"""How a command's answer is printed: AWS's JSON shape, or a table for people; every string
from the store or the input is shown with its controls escaped."""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple


class Response(NamedTuple):
    """A command's result: AWS's JSON shape, and rows for `--output table`."""

    data: dict[str, Any]
    table: list[list[str]] | None = None
    headers: list[str] | None = None


# C0 controls, DEL and C1 controls: ESC and CSI start terminal sequences, OSC ones set the
# window title or write the clipboard, CR and backspace overwrite what was printed.
# A lone surrogate (stored before inputs refused them) cannot be written as UTF-8 at all.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_UNESCAPED_BY_JSON = re.compile("[\x7f-\x9f\ud800-\udfff]")
_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str) -> str:
    """`text` with every control character and lone surrogate shown as an escape
    (`\\x1b`, `\\ud800`), so input echoed in an error message or a table cell cannot drive
    the terminal or break its UTF-8 writer."""
    return _CONTROLS.sub(lambda m: _NAMED_ESCAPES.get(m[0]) or _escape(m[0]), text)


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def dump_json(data: Any) -> str:
    """JSON as the AWS CLI prints it. json.dumps escapes C0 controls in strings but, keeping
    UTF-8, lets DEL, C1 and lone surrogates through raw: those become \\u escapes (the same
    JSON value)."""
    text = json.dumps(data, indent=4, ensure_ascii=False)
    return _UNESCAPED_BY_JSON.sub(lambda m: f"\\u{ord(m[0]):04x}", text)


def _colour(text: str, decision: str, enabled: bool) -> str:
    if not enabled:
        return text
    # the Decision values as text: importing iamtui.policy here would load the engine on
    # every command's start, and a table cell is text anyway
    code = {"allowed": "32", "explicitDeny": "31", "implicitDeny": "33"}.get(decision)
    return f"\033[{code}m{text}\033[0m" if code else text


def render_table(response: Response, *, colour: bool) -> str:
    """Rows under headers, columns padded; decisions coloured where `colour`."""
    if response.table is None:
        return dump_json(response.data)
    headers = response.headers or []
    rows = [[printable(str(c)) for c in row] for row in response.table]
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip(),
             "  ".join("-" * w for w in widths)]
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            padded = cell.ljust(widths[i]) if i < len(row) - 1 else cell
            cells.append(_colour(padded, cell.strip(), colour))
        lines.append("  ".join(cells))
    return "\n".join(lines)


OUTPUTS = ("json", "text", "table", "yaml", "yaml-stream")


class OutputError(Exception):
    """An answer the chosen format cannot print (the AWS CLI exits 255)."""


class Rendering(NamedTuple):
    """How to print: `--output`, a compiled `--query`, `--color`, and the table's title."""

    output: str = "json"
    query: Any = None
    colour: str = "auto"
    title: str = ""
    explain: bool = False
    next_token: str | None = None  # text prints it after the pages, as the AWS CLI does
    pages: list[Any] | None = None  # a paginated answer's pages, which text prints one by one


def queried(query: Any, data: Any) -> Any:
    """`data` through the compiled --query, if any; a query that fails on this data (a
    function given the wrong type) is the AWS CLI's error, not a traceback."""
    if query is None:
        return data
    from jmespath.exceptions import JMESPathError

    try:
        return query.search(data)
    except JMESPathError as exc:
        raise OutputError(str(exc)) from None


def _colour_wanted(setting: str) -> bool:
    if setting == "auto":
        return sys.stdout.isatty() and "NO_COLOR" not in os.environ
    return setting == "on"


def _terminal_width() -> int:
    try:
        return os.get_terminal_size(sys.stdout.fileno()).columns
    except (OSError, ValueError, AttributeError):
        return 80  # the AWS CLI's width when stdout is no terminal


def render(response: Response, how: Rendering) -> str:
    """The text to print for `response` (with its final newline; "" for nothing), as the
    AWS CLI prints an answer: the query applied to the whole result, then the format."""
    if how.explain and response.table is not None:
        return render_table(response, colour=_colour_wanted(how.colour)) + "\n"
    data: Any = response.data
    if how.output == "text":
        from iamtui.commands.formats import format_text

        pages = how.pages if how.pages is not None else [data]
        # page by page, as the AWS CLI prints a paginated answer (so is --query applied)
        text = "".join(format_text(queried(how.query, p))
                       for p in pages)
        if how.next_token is not None:  # the AWS CLI queries this line too
            tail: Any = {"NextToken": {"NextToken": how.next_token}}
            text += format_text(queried(how.query, tail))
        return text
    if how.output == "yaml-stream":
        return "".join(yaml_stream([data], how.query, paginated=False))
    data = queried(how.query, data)
    if how.output == "table":
        from iamtui.commands.formats import format_table

        try:
            return format_table(how.title, data, width=_terminal_width(),
                                colour=_colour_wanted(how.colour))
        except (ValueError, AttributeError, IndexError, TypeError) as exc:
            # shapes a table cannot draw (a --query giving rows of unequal lengths): the
            # AWS CLI fails on them too
            raise OutputError(f"--output table cannot show this result: {exc}") from None
    if how.output == "yaml":
        from iamtui.commands.formats import format_yaml

        return format_yaml(data)
    # like the AWS CLI, an operation that returns nothing ({}) prints nothing
    return "" if data == {} else dump_json(data) + "\n"


def yaml_stream(pages: Iterable[Any], query: Any, *, paginated: bool) -> Iterator[str]:
    """`--output yaml-stream` as AWS CLI v2 writes it: each page, as the paginator yields it
    (IsTruncated and Marker included) and with --query applied to it, as an item of its own;
    a non-paginated answer is one page, and prints nothing when it (queried) is {}."""
    from iamtui.commands.formats import format_yaml_item

    for page in pages:
        item = queried(query, page)
        if paginated or item != {}:
            yield format_yaml_item(item)


def rendering_of(args: Any, next_token: str | None = None,
                 pages: list[Any] | None = None) -> Rendering:
    """How a command's parsed arguments ask its answer to be printed (the CLI compiled
    --query already)."""
    output = getattr(args, "output", "json")
    title = ""
    if output == "table":
        from iamtui.commands.aws_model import operation_name

        title = operation_name(args.command)
    return Rendering(output=output, query=getattr(args, "query", None),
                     colour=getattr(args, "color", "auto"), title=title,
                     explain=getattr(args, "explain", False), next_token=next_token,
                     pages=pages)


def emit(response: Response, how: Rendering | str) -> None:
    """Print a response the way `--output` (and `--query`, `--color`) ask."""
    if isinstance(how, str):  # a bare format name, as older callers pass it
        how = Rendering(output=how, explain=how == "table")
    sys.stdout.write(render(response, how))
