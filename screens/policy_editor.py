"""The policy editor: a JSON code editor with the engine's findings beside it, kept live.

The caller says what the document is (identity or trust policy) and how to save it
(a new policy version, an inline policy, a role's trust policy) through a callback
that returns True once the service accepted the document; then the editor closes.
Validation runs in a worker ~150 ms after the last keystroke, so typing never waits.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import ClassVar, NamedTuple

from textual import on, work
from textual.app import ComposeResult, SuspendNotSupported
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from iamtui.arn import DEFAULT_QUOTAS, policy_size
from iamtui.policy import Finding, FindingType, PolicyType, Position
from iamtui.policy.analyzer import analyze_document
from iamtui.screens.modals import ConfirmModal
from iamtui.screens.widgets.detail_screen import header
from iamtui.screens.widgets.findings_editor import FindingsTextArea
from iamtui.screens.workers import deliver

DEBOUNCE_SECONDS = 0.15

# How each kind of finding is marked, most serious first (the order they are listed in).
MARKS: dict[FindingType, tuple[str, str]] = {
    FindingType.ERROR: ("✖", "red"),
    FindingType.SECURITY_WARNING: ("⚠", "magenta"),
    FindingType.WARNING: ("!", "yellow"),
    FindingType.SUGGESTION: ("·", "cyan"),
}
ORDER = list(MARKS)


def finding_label(finding: Finding) -> Content:
    """One line of the findings list: mark, type, where, and what (the detail quotes the
    document, so it goes in as text: `"Action": "s3:[/]"` is no markup)."""
    mark, colour = MARKS[finding.finding_type]
    kind = finding.finding_type.value.replace("_", " ").lower()
    return Content.from_markup(f"[{colour}]{mark} {kind}[/] [dim]line {finding.start.line}, col "
                               f"{finding.start.column}[/]\n  {finding.issue_code}: $detail",
                               detail=finding.detail)


def summary_text(findings: list[Finding]) -> str:
    """`1 error, 2 warnings` or `No findings`."""
    if not findings:
        return "[green]✔ No findings[/]"
    parts = []
    for kind in ORDER:
        count = sum(1 for f in findings if f.finding_type is kind)
        if count:
            word = kind.value.replace("_", " ").lower()
            parts.append(f"{count} {word}{'s' if count > 1 else ''}")
    return ", ".join(parts)


class SizeQuota(NamedTuple):
    """A size quota that saving the document applies (IAM User Guide, "IAM and AWS STS
    quotas": sizes count characters without white space): its name as AWS says it, its
    limit, and the size of what else counts toward it (an owner's other inline
    policies, which share one aggregate quota)."""

    name: str
    limit: int
    others: int = 0

    def used(self, size: int) -> int:
        """What the quota would hold with a document of `size` saved."""
        return size + self.others


def managed_policy_quota() -> SizeQuota:
    """CreatePolicy and CreatePolicyVersion: 6,144 characters a managed policy."""
    return SizeQuota("PolicySize", DEFAULT_QUOTAS.managed_policy_size)


def trust_policy_quota() -> SizeQuota:
    """CreateRole and UpdateAssumeRolePolicy: 2,048 characters a role trust policy."""
    return SizeQuota("ACLSizePerRole", DEFAULT_QUOTAS.trust_policy_size)


def inline_policy_quota(kind: str, name: str, others: int) -> SizeQuota:
    """Put{User,Group,Role}Policy: every inline policy of one owner together, 2,048 for
    a user, 5,120 for a group, 10,240 for a role; `others` is the size of the rest."""
    limit = {"user": DEFAULT_QUOTAS.user_inline_policy_size,
             "group": DEFAULT_QUOTAS.group_inline_policy_size,
             "role": DEFAULT_QUOTAS.role_inline_policy_size}[kind]
    return SizeQuota(f"inline policies of {kind} {name}", limit, others)


def quota_findings(text: str, quotas: Sequence[SizeQuota]) -> list[Finding]:
    """An error for each quota the document would exceed: the live check says it before
    the save is refused."""
    size = policy_size(text)
    start = Position(1, 1)
    return [Finding(FindingType.ERROR, "POLICY_SIZE_EXCEEDED",
                    f"{q.name}: {q.used(size):,} characters without white space"
                    + (f" ({size:,} here, {q.others:,} in the others)" if q.others else "")
                    + f", over the quota of {q.limit:,} by {q.used(size) - q.limit:,}",
                    (), start, start)
            for q in quotas if q.used(size) > q.limit]


def size_text(text: str, quotas: Sequence[SizeQuota]) -> Content:
    """`Size 1,234 · PolicySize 1,234/6,144`: the document's size and each quota's use,
    red when over."""
    size = policy_size(text)
    parts = [Content(f"Size {size:,}")]
    for q in quotas:
        used = q.used(size)
        parts.append(Content.from_markup(
            f"[{'red' if used > q.limit else 'dim'}]$name {used:,}/{q.limit:,}[/]",
            name=q.name))
    return Content(" · ").join(parts)


class PolicyEditorScreen(Screen[bool]):
    """Edit one policy document; dismisses with True when saved, False when abandoned."""

    CSS_PATH = "policy_editor.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", priority=True, id="policy_editor.save"),
        Binding("ctrl+e", "external_editor", "$EDITOR", priority=True,
                id="policy_editor.external_editor"),
        Binding("escape", "back", "Back", id="policy_editor.back"),
    ]

    def __init__(self, title: str, text: str, policy_type: PolicyType,
                 save: Callable[[str], bool], *, save_label: str = "Save",
                 quotas: Sequence[SizeQuota] = (), line: int | None = None) -> None:
        super().__init__()
        self.start_line = line  # where the cursor starts (a statement), from 0
        self.quotas = tuple(quotas)
        self.title_text, self.initial, self.policy_type = title, text, policy_type
        self.save_callback, self.save_label = save, save_label
        self.findings: list[Finding] = []
        self._timer: Timer | None = None
        self._generation = 0  # which edit the shown findings belong to

    def compose(self) -> ComposeResult:
        kind = "trust policy" if self.policy_type is PolicyType.TRUST else "policy"
        yield from header(self, (self.title_text,))
        with Horizontal(id="editor-body"):
            yield FindingsTextArea.code_editor(self.initial, language="json", id="editor")
            with Vertical(id="findings-pane"):
                yield Static(f"Findings ({kind})", classes="findings-title")
                yield Static(size_text(self.initial, self.quotas), id="size-line")
                yield Static("Checking…", id="findings-summary")
                yield OptionList(id="findings")
                yield Static("", id="catalog-hint", classes="findings-hint")
                yield Static(f"ctrl+s {self.save_label.lower()} · esc to the findings, "
                             "enter jumps to one · ctrl+e $EDITOR", classes="findings-hint")
        yield Footer(compact=True, show_command_palette=False)

    @property
    def editor(self) -> FindingsTextArea:
        """The code editor."""
        return self.query_one("#editor", FindingsTextArea)

    @property
    def has_unsaved_changes(self) -> bool:
        """True when the document differs from the one the editor opened with."""
        return self.text != self.initial

    @property
    def text(self) -> str:
        """The document as it is now."""
        return self.editor.text

    def on_mount(self) -> None:
        self.editor.focus()
        if self.start_line is not None:  # the top of the screen, not its middle
            self.editor.move_cursor((self.start_line, 0))
            self.editor.scroll_to(y=self.start_line, animate=False, immediate=True)
        self._validate(self.initial, self._generation)

    # ------------------------------------------------------------ live validation

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        self._generation += 1
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(DEBOUNCE_SECONDS, self._schedule)

    @on(TextArea.SelectionChanged, "#editor")
    def _cursor_moved(self) -> None:
        # what the action under the cursor is, or what its wildcard covers
        self.query_one("#catalog-hint", Static).update(
            Content(self.editor.catalog_hint()))

    def _schedule(self) -> None:
        self._validate(self.text, self._generation)

    @work(thread=True, exclusive=True, group="validate")
    def _validate(self, text: str, generation: int) -> None:
        # Access Analyzer's checks with the action catalog, off the UI thread
        findings = analyze_document(text, self.policy_type).findings
        findings += quota_findings(text, self.quotas)
        findings = sorted(findings, key=lambda f: (ORDER.index(f.finding_type),
                                                   f.start.line, f.start.column))
        deliver(self, self._show, findings, generation)

    def _show(self, findings: list[Finding], generation: int) -> None:
        if generation != self._generation:
            return  # the text changed since: a newer check is on its way
        self.findings = findings
        self.editor.show_findings(findings)
        self.query_one("#size-line", Static).update(size_text(self.text, self.quotas))
        self.query_one("#findings-summary", Static).update(summary_text(findings))
        options = self.query_one("#findings", OptionList)
        options.clear_options()
        options.add_options([Option(finding_label(f), id=str(i))
                             for i, f in enumerate(findings)])
        if findings:
            options.highlighted = 0  # enter in the list jumps to the most serious one

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self.jump_to(self.findings[int(event.option.id)])

    def jump_to(self, finding: Finding) -> None:
        """Put the cursor where a finding points (lines and columns count from 1)."""
        editor = self.editor
        editor.move_cursor((finding.start.line - 1, max(0, finding.start.column - 1)),
                           center=True)
        editor.focus()

    # ------------------------------------------------------------ save and leave

    def action_save(self) -> None:
        if self.save_callback(self.text):
            self.dismiss(True)

    def action_back(self) -> None:
        if self.text == self.initial:
            self.dismiss(False)
            return

        def done(discard: bool | None) -> None:
            if discard:
                self.dismiss(False)
        self.app.push_screen(ConfirmModal("Discard your changes to this document?",
                                          confirm="Discard"), done)

    def action_external_editor(self) -> None:
        """Edit the document in $VISUAL or $EDITOR, with the app suspended meanwhile."""
        command = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        with tempfile.TemporaryDirectory(prefix="iamtui-") as folder:
            path = Path(folder) / "policy.json"
            path.write_text(self.text, encoding="utf-8")
            try:
                with self.app.suspend():
                    status = subprocess.call([*shlex.split(command), str(path)])
            except SuspendNotSupported:
                self.notify("This terminal cannot hand over to an external editor.",
                            severity="warning")
                return
            except OSError as error:
                self.notify(f"Could not run {command}: {error.strerror}", severity="error")
                return
            if status != 0:
                self.notify(f"{command} exited with status {status}; document unchanged.",
                            severity="warning")
                return
            text = path.read_text(encoding="utf-8")
        if text != self.text:
            self.editor.load_text(text)
            self.notify("Document read back from the editor.")
