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
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult, SuspendNotSupported
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from iamtui.policy import Finding, FindingType, PolicyType
from iamtui.policy.analyzer import analyze_document
from iamtui.screens.modals import ConfirmModal
from iamtui.screens.widgets.detail_screen import header
from iamtui.screens.widgets.findings_editor import FindingsTextArea

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
                 save: Callable[[str], bool], *, save_label: str = "Save") -> None:
        super().__init__()
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
                yield Static("Checking…", id="findings-summary")
                yield OptionList(id="findings")
                yield Static("", id="catalog-hint", classes="findings-hint")
                yield Static(f"ctrl+s {self.save_label.lower()} · esc to the findings, "
                             "enter jumps to one · ctrl+e $EDITOR", classes="findings-hint")
        yield Footer()

    @property
    def editor(self) -> FindingsTextArea:
        """The code editor."""
        return self.query_one("#editor", FindingsTextArea)

    @property
    def text(self) -> str:
        """The document as it is now."""
        return self.editor.text

    def on_mount(self) -> None:
        self.editor.focus()
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
        findings = sorted(findings, key=lambda f: (ORDER.index(f.finding_type),
                                                   f.start.line, f.start.column))
        self.app.call_from_thread(self._show, findings, generation)

    def _show(self, findings: list[Finding], generation: int) -> None:
        if generation != self._generation:
            return  # the text changed since: a newer check is on its way
        self.findings = findings
        self.editor.show_findings(findings)
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
