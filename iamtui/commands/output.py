"""How a command's answer is printed: AWS's JSON shape, or a table for people; every string
from the store or the input is shown with its controls escaped."""

from __future__ import annotations

import json
import os
import re
import sys
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


def emit(response: Response, output: str) -> None:
    """Print a response the way `--output` asks."""
    if output == "table":
        colour = sys.stdout.isatty() and "NO_COLOR" not in os.environ
        print(render_table(response, colour=colour))
    elif response.data:  # like the AWS CLI, an operation that returns nothing prints nothing
        print(dump_json(response.data))
