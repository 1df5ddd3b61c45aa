"""The policy editor on its own: live findings, jumping to one, save, leave, $EDITOR."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.app import App
from textual.widgets import Static
from tui_helpers import wait_for_workers

from iamtui.policy import PolicyType
from iamtui.screens.modals import ConfirmModal
from iamtui.screens.policy_editor import (
    PolicyEditorScreen,
    SizeQuota,
    managed_policy_quota,
)

VALID = """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": "s3:GetObject",
      "Resource": "arn:aws:s3:::reports/*"
    }
  ]
}"""


class Host(App[None]):
    """A bare app that opens the editor and remembers what it was closed with."""

    def __init__(self, text: str = VALID, *, accept: bool = True,
                 policy_type: PolicyType = PolicyType.IDENTITY,
                 quotas: tuple[SizeQuota, ...] = ()) -> None:
        super().__init__()
        self.text, self.accept, self.policy_type = text, accept, policy_type
        self.quotas = quotas
        self.saved: list[str] = []
        self.result: bool | None = None

    def on_mount(self) -> None:
        self.push_screen(PolicyEditorScreen("Policies › test", self.text, self.policy_type,
                                            self.save, quotas=self.quotas), self.closed)

    def save(self, text: str) -> bool:
        self.saved.append(text)
        return self.accept

    def closed(self, result: bool | None) -> None:
        self.result = result

    @property
    def editor(self) -> PolicyEditorScreen:
        screen = self.screen
        assert isinstance(screen, PolicyEditorScreen)
        return screen


async def _checked(pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.pause(0.3)  # past the debounce
    await wait_for_workers(pilot.app)
    await pilot.pause()


async def test_findings_follow_the_text_as_it_is_typed() -> None:
    app = Host()
    async with app.run_test(size=(120, 30)) as pilot:
        await _checked(pilot)
        assert app.editor.findings == []
        # Break the Resource ARN on line 7: "arn:aws:s3:::reports/*" -> "reports/*"
        app.editor.editor.move_cursor((6, 19))
        for _ in range(13):
            await pilot.press("delete")
        await _checked(pilot)
        assert '"Resource": "reports/*"' in app.editor.text
        assert [(f.issue_code, f.start.line) for f in app.editor.findings] == [
            ("INVALID_ARN_PREFIX", 7)]
        await pilot.press("ctrl+z")  # undo: the finding goes away again
        await _checked(pilot)
        assert app.editor.findings == []


async def test_enter_on_a_finding_jumps_to_its_line() -> None:
    broken = VALID.replace('"Effect": "Allow"', '"Effect": "Alow"')
    app = Host(broken)
    async with app.run_test(size=(120, 30)) as pilot:
        await _checked(pilot)
        finding = app.editor.findings[0]
        assert finding.finding_type == "ERROR" and finding.start.line == 5
        await pilot.press("escape")  # from the editor to the findings list
        await pilot.press("enter")
        await pilot.pause()
        editor = app.editor.editor
        assert editor.has_focus
        assert editor.cursor_location == (finding.start.line - 1, finding.start.column - 1)


async def test_trust_policies_are_checked_as_trust_policies() -> None:
    app = Host(VALID, policy_type=PolicyType.TRUST)
    async with app.run_test(size=(120, 30)) as pilot:
        await _checked(pilot)
        # A trust policy names a Principal and no Resource (IAM User Guide, "IAM JSON
        # policy elements: Principal": https://docs.aws.amazon.com/IAM/latest/UserGuide/
        # reference_policies_elements_principal.html).
        assert any(f.finding_type == "ERROR" for f in app.editor.findings)


async def test_save_closes_only_when_the_caller_accepts() -> None:
    app = Host(accept=False)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.saved == [VALID] and isinstance(app.screen, PolicyEditorScreen)
        app.accept = True
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.result is True and not isinstance(app.screen, PolicyEditorScreen)


async def test_leaving_with_changes_asks_first() -> None:
    app = Host()
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("x")
        await pilot.press("escape")  # editor -> findings
        await pilot.press("escape")  # leave: there are changes
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("enter")  # Cancel has the focus
        await pilot.pause()
        assert isinstance(app.screen, PolicyEditorScreen)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("shift+tab", "enter")  # Discard
        await pilot.pause()
        assert app.result is False and app.saved == []


@pytest.fixture
def fake_editor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """$EDITOR set to a script that rewrites the file it is given with NEW_DOCUMENT."""
    script = tmp_path / "editor.py"
    script.write_text("import os, sys\n"
                      "open(sys.argv[1], 'w').write(os.environ['NEW_DOCUMENT'])\n"
                      "sys.exit(int(os.environ.get('EDITOR_STATUS', '0')))\n")
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    monkeypatch.setenv("NEW_DOCUMENT", VALID.replace("s3:GetObject", "s3:PutObject"))
    # The headless test driver cannot suspend; the editor runs as it would after suspend.
    monkeypatch.setattr(App, "suspend", lambda self: contextlib.nullcontext())
    yield script


async def test_ctrl_e_edits_in_external_editor_and_reads_it_back(fake_editor: Path) -> None:
    app = Host()
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("ctrl+e")
        await _checked(pilot)
        assert '"Action": "s3:PutObject"' in app.editor.text
        assert app.editor.findings == []


async def test_ctrl_e_keeps_the_document_when_the_editor_fails(
        fake_editor: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EDITOR_STATUS", "1")
    app = Host()
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("ctrl+e")
        await pilot.pause()
        assert app.editor.text == VALID
        assert "exited with status 1" in list(app._notifications)[-1].message


async def test_a_managed_policy_over_6144_is_reported_live_with_its_size() -> None:
    """Issue 12, item 6: a 6,412-character managed policy was "No findings" in the editor
    and refused by ctrl+s. The editor shows the size and the PolicySize quota (6,144,
    IAM User Guide, "IAM and AWS STS quotas") and reports the excess as an error."""
    text = VALID.replace('"s3:GetObject"', '"s3:GetObject", "s3:' + "x" * 6300 + '"')
    app = Host(text, quotas=(managed_policy_quota(),))
    async with app.run_test(size=(120, 30)) as pilot:
        await _checked(pilot)
        size = str(app.editor.query_one("#size-line", Static).render())
        assert size.startswith("Size 6,4") and "PolicySize 6,4" in size and "/6,144" in size
        assert "POLICY_SIZE_EXCEEDED" in [f.issue_code for f in app.editor.findings]
