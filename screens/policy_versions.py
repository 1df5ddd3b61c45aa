"""Two versions of a managed policy side by side, the differences highlighted; `m` makes
the right-hand one the default (SetDefaultPolicyVersion).

Both documents are pretty-printed first (the stored text may be one line), then compared
line by line with difflib: removed lines are red on the left, added ones green on the
right, changed ones yellow on both sides, with blank filler so that equal lines stay
level. Both columns are one table, so they scroll together
and a wrapped line keeps the next ones level.
"""

from __future__ import annotations

import difflib
from typing import ClassVar, Literal

from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from iamtui.errors import IamError
from iamtui.screens.ops import report_error
from iamtui.screens.session import session_of
from iamtui.screens.widgets.detail_screen import header
from iamtui.screens.widgets.permissions import pretty

Tag = Literal["equal", "delete", "insert", "replace"]
# one aligned line: the left text (None: filler), the right text, and how they differ
Line = tuple[str | None, str | None, Tag]

STYLES: dict[str, Style] = {"delete": Style(bgcolor="dark_red"),
                            "insert": Style(bgcolor="dark_green"),
                            "replace": Style(bgcolor="yellow4")}


def side_by_side(left: str, right: str) -> list[Line]:
    """The lines of two texts aligned for showing in two columns."""
    a, b = left.splitlines(), right.splitlines()
    lines: list[Line] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            lines += [(x, y, "equal") for x, y in zip(a[i1:i2], b[j1:j2], strict=True)]
            continue
        olds, news = a[i1:i2], b[j1:j2]
        for k in range(max(len(olds), len(news))):
            old = olds[k] if k < len(olds) else None
            new = news[k] if k < len(news) else None
            kind: Tag = "replace" if old is not None and new is not None else \
                "delete" if old is not None else "insert"
            lines.append((old, new, kind))
    return lines


def render(lines: list[Line]) -> Table:
    """Both columns as one table: a long line wraps within its column and its row grows
    on both sides, so equal lines stay level. Lines are numbered, differing ones
    highlighted."""
    table = Table.grid(padding=(0, 1), expand=True)
    for _ in range(2):
        table.add_column(width=4, justify="right", style=Style(dim=True))
        table.add_column(ratio=1, overflow="fold")
    numbers = [0, 0]
    for line in lines:
        cells: list[Text | str] = []
        for side in (0, 1):
            content = line[side]
            if content is None:  # the other side has a line here
                cells += ["", ""]
                continue
            numbers[side] += 1
            cells += [str(numbers[side]), Text(content, STYLES.get(line[2]) or "")]
        table.add_row(*cells)
    return table


def changed_count(lines: list[Line]) -> int:
    """How many aligned lines differ."""
    return sum(1 for line in lines if line[2] != "equal")


class PolicyVersionsDiffScreen(Screen[None]):
    """Version vs version of one policy; `[`/`]` change the left one, `{`/`}` the right."""

    DEFAULT_CSS = """
    PolicyVersionsDiffScreen .status-line { background: $primary; color: $text; height: 1; }
    PolicyVersionsDiffScreen .breadcrumb { background: $boost; padding: 0 1; text-style: bold; }
    PolicyVersionsDiffScreen #diff-titles { height: 1; }
    PolicyVersionsDiffScreen .diff-title { width: 1fr; text-style: bold; padding: 0 1; }
    PolicyVersionsDiffScreen #diff-body { height: 1fr; }
    PolicyVersionsDiffScreen #diff-lines { padding: 0 1 0 0; }
    PolicyVersionsDiffScreen #diff-status { height: 1; color: $text-muted; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="versions_diff.back"),
        Binding("left_square_bracket", "step(0, -1)", "Left older", id="versions_diff.left_prev"),
        Binding("right_square_bracket", "step(0, 1)", "Left newer", show=False,
                id="versions_diff.left_next"),
        Binding("left_curly_bracket", "step(1, -1)", "Right older", show=False,
                id="versions_diff.right_prev"),
        Binding("right_curly_bracket", "step(1, 1)", "Right newer",
                id="versions_diff.right_next"),
        Binding("m", "make_default", "Make right default", id="versions_diff.make_default"),
    ]

    def __init__(self, arn: str, left: str, right: str, *,
                 trail: tuple[str, ...] = ("Policies",)) -> None:
        super().__init__()
        self.arn, self.trail = arn, (*trail, "Compare versions")
        self.chosen = [left, right]
        self.versions: list[str] = []  # oldest first
        self.default: str | None = None
        self.documents: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        yield from header(self, self.trail)
        with Horizontal(id="diff-titles"):
            yield Static("", id="left-title", classes="diff-title")
            yield Static("", id="right-title", classes="diff-title")
        with VerticalScroll(id="diff-body"):
            yield Static("", id="diff-lines")
        yield Static("", id="diff-status")
        yield Footer()

    def on_mount(self) -> None:
        self.load()
        self.query_one("#diff-body").focus()

    def load(self) -> None:
        """Read the versions (which one is the default may have changed) and show them."""
        service, principal = session_of(self)
        try:
            versions = service.list_policy_versions(principal, self.arn)
        except IamError as error:
            report_error(self, error)
            self.dismiss(None)
            return
        ordered = sorted(versions, key=lambda v: int(v.version_id.lstrip("v")))
        self.versions = [v.version_id for v in ordered]
        self.default = next((v.version_id for v in ordered if v.is_default_version), None)
        self.chosen = [v if v in self.versions else (self.default or self.versions[0])
                       for v in self.chosen]
        self.show()

    def document(self, version_id: str) -> str:
        """A version's document, pretty-printed (read once: a version never changes)."""
        if version_id not in self.documents:
            service, principal = session_of(self)
            version = service.get_policy_version(principal, self.arn, version_id)
            self.documents[version_id] = pretty(version.document)
        return self.documents[version_id]

    def show(self) -> None:
        left, right = self.chosen
        try:
            lines = side_by_side(self.document(left), self.document(right))
        except IamError as error:
            report_error(self, error)
            return
        self.lines = lines
        for side, version in enumerate(self.chosen):
            default = " (default)" if version == self.default else ""
            self.query_one("#left-title" if side == 0 else "#right-title", Static).update(
                f"{version}{default}")
        self.query_one("#diff-lines", Static).update(render(lines))
        changed = changed_count(lines)
        self.query_one("#diff-status", Static).update(
            "The same document." if changed == 0 else
            f"{changed} line{'s' if changed != 1 else ''} differ · red: left only · "
            "green: right only · yellow: changed")
        self.refresh_bindings()

    def action_step(self, side: int, delta: int) -> None:
        """Compare another version on one side (older or newer)."""
        index = self.versions.index(self.chosen[side]) + delta
        if 0 <= index < len(self.versions):
            self.chosen[side] = self.versions[index]
            self.show()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "make_default":
            return self.chosen[1] != self.default
        return True

    def action_make_default(self) -> None:
        """SetDefaultPolicyVersion to the right-hand version."""
        version = self.chosen[1]
        service, principal = session_of(self)
        try:
            service.set_default_policy_version(principal, self.arn, version)
        except IamError as error:
            report_error(self, error)
            return
        self.notify(f"{version} is now the default version")
        self.load()

    def action_back(self) -> None:
        self.dismiss(None)
