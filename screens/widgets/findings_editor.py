"""A JSON code editor that underlines what the policy checks found, where they found it.

The spans come from the findings (1-based line and column, as Access Analyzer's
locations give them); they are drawn as extra highlights beside the syntax ones, in the
colour of the finding's kind, so a misspelled action is underlined in place.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from rich.style import Style
from textual.widgets import TextArea

from iamtui.policy import Finding, FindingType
from iamtui.policy.completion import (
    completion,
    expansion_hint,
    resource_hint,
    statement_actions,
    string_at,
)

# One highlight name per kind of finding, styled on top of the syntax colours.
FINDING_STYLES: dict[str, Style] = {
    "finding.error": Style(underline=True, bold=True, color="#ff5f5f"),
    "finding.security_warning": Style(underline=True, color="#d787ff"),
    "finding.warning": Style(underline=True, color="#ffd75f"),
    "finding.suggestion": Style(underline=True),
}


def highlight_name(finding: Finding) -> str:
    """`finding.error`, `finding.warning`, ...: the style a finding's span is drawn in."""
    return f"finding.{FindingType(finding.finding_type).value.lower()}"


class FindingsTextArea(TextArea):
    """A TextArea that underlines the spans of the findings it is shown, and completes
    actions, condition keys and resource ARN formats from AWS's catalog (the suggestion
    shows dimmed after the cursor; `right` takes it)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        self._finding_spans: list[tuple[int, int, int, int, str]] = []
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def show_findings(self, findings: Sequence[Finding]) -> None:
        """Underline each finding's span (the most serious drawn last, on top); a span
        over several lines (a whole statement) is marked on its first line only."""
        self._finding_spans = [
            (f.start.line - 1, f.start.column - 1, f.start.line - 1,
             f.end.column - 1 if f.end.line == f.start.line else 1 << 30, highlight_name(f))
            for f in reversed(findings) if (f.start, f.end) != ((1, 1), (1, 1))]
        self._build_highlight_map()
        self.refresh()

    @property
    def finding_highlights(self) -> list[tuple[int, int, int | None, str]]:
        """(row, start byte, end byte, name) of every underline drawn now."""
        return [(row, start, end, name) for row, marks in self._highlights.items()
                for start, end, name in marks if name.startswith("finding.")]

    def update_suggestion(self) -> None:
        """Suggest the rest of the action, key or ARN typed, at the end of what is typed
        in a string only (completion is for typing, not for moving through text)."""
        row, column = self.cursor_location
        rest = self.document[row][column:]
        if rest and not rest.startswith('"'):
            self.suggestion = ""
            return
        offset = self.document.get_index_from_location(self.cursor_location)
        self.suggestion = completion(self.text, offset)

    def catalog_hint(self) -> str:
        """What the action under the cursor is (access level, resource types), or what a
        wildcard there covers (`s3:Get* covers 63 actions: ...`); in a Resource, the ARN
        formats the statement's actions act on; "" elsewhere."""
        row, column = self.cursor_location
        offset = self.document.get_index_from_location(self.cursor_location)
        found = string_at(self.text, offset)
        if found is not None and found[0] == "Resource":
            actions = statement_actions(self.text, offset)
            return resource_hint(actions) if actions else ""
        if found is None or found[0] not in ("Action", "NotAction"):
            return ""
        line = self.document[row]
        end = line.find('"', column)
        return expansion_hint(found[1] + (line[column:end] if end >= 0 else ""))

    def _set_theme(self, theme: str) -> None:
        super()._set_theme(theme)
        # a copy of the theme that knows the finding styles (its own dict: the built-in
        # theme's is shared by every TextArea)
        if self._theme is not None:
            self._theme = dataclasses.replace(
                self._theme, syntax_styles={**self._theme.syntax_styles, **FINDING_STYLES})

    def _build_highlight_map(self) -> None:
        super()._build_highlight_map()
        spans = getattr(self, "_finding_spans", [])
        if not spans:
            return
        lines = self.document.lines
        for start_row, start_col, end_row, end_col, name in spans:
            if start_row >= len(lines):
                continue
            end_row = min(end_row, len(lines) - 1)
            for row in range(start_row, end_row + 1):
                line = lines[row]
                first = start_col if row == start_row else 0
                last = end_col if row == end_row else len(line)
                # highlights count UTF-8 bytes; a policy may hold Latin-1 letters
                start = len(line[:max(first, 0)].encode())
                end = len(line[:max(last, first)].encode())
                if end > start:
                    self._highlights[row].append((start, end, name))
