"""The main screen: who and where in the header, sections in a sidebar, one section shown."""

from __future__ import annotations

from dataclasses import fields
from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.css.query import NoMatches
from textual.widgets import ContentSwitcher, Footer, OptionList
from textual.widgets.option_list import Option

from iamtui.screens.account_settings import AccountSettingsSection
from iamtui.screens.audit_log import AuditSection
from iamtui.screens.dashboard import Dashboard
from iamtui.screens.kinds.groups import GROUPS
from iamtui.screens.kinds.policies import PolicySection
from iamtui.screens.kinds.roles import ROLES
from iamtui.screens.kinds.users import USERS
from iamtui.screens.mfa_enroll import MfaCommands
from iamtui.screens.modals import ConfirmModal
from iamtui.screens.navigation import SECTIONS, SectionsScreen, TestThis
from iamtui.screens.risks import RisksSection
from iamtui.screens.session import session_of, signed_in
from iamtui.screens.tester import TesterSection
from iamtui.screens.user_detail import edit_user
from iamtui.screens.widgets.kind_section import EditableKind, KindSection
from iamtui.screens.widgets.palette import IamCommands
from iamtui.screens.widgets.status_line import StatusLine
from iamtui.screens.workers import deliver

# Users, as screens/kinds/users.py defines them, plus `e` to rename or move a user.
USERS_KIND = EditableKind(**{f.name: getattr(USERS, f.name) for f in fields(USERS)},
                          edit=edit_user)

# How often the section in view looks for changes made elsewhere (the CLI, another app):
# one pread and two stats when nothing changed, so a second costs next to nothing.
LIVE_SECONDS = 1.0


class MainScreen(SectionsScreen):
    """Sidebar of sections and the section in view."""

    CSS_PATH = "main.tcss"
    COMMANDS: ClassVar[set[Any]] = {IamCommands, MfaCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "app.toggle_help", "Keys", id="app.keys"),
        Binding("colon", "app.command_palette", "Command", show=False, id="main.command"),
        # in the key panel, not the footer: at 80 columns the section's verbs come first
        Binding("ctrl+q", "app.quit", "Quit", show=False, id="app.quit"),
        Binding("escape", "focus_sidebar", "Sidebar", show=False, id="main.sidebar"),
        *(Binding(key, f"show('{sid}')", label, show=False,
                  id=f"main.show_{sid}") for sid, label, key in SECTIONS),
    ]

    def compose(self) -> ComposeResult:
        yield StatusLine(id="status")
        with Horizontal():
            yield OptionList(*(Option(f"{key} {label}", id=sid) for sid, label, key in SECTIONS),
                             id="sidebar")
            with ContentSwitcher(initial="dashboard", id="content"):
                yield Dashboard(id="dashboard")
                yield KindSection(USERS_KIND, id="users")
                yield KindSection(GROUPS, id="groups")
                yield KindSection(ROLES, id="roles")
                yield PolicySection(id="policies")
                yield TesterSection(id="tester")
                yield AuditSection(id="audit")
                yield AccountSettingsSection(id="settings")
                yield RisksSection(id="risks")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.action_show("dashboard")  # its checks take the keys: enter opens what to fix
        self.set_interval(LIVE_SECONDS, self.poll_store)

    def poll_store(self) -> None:
        """Follow changes made elsewhere: the section in view reloads, off the event loop,
        only when the store's revision moved (it keeps its cursor and filter)."""
        if self.app.screen is self and signed_in(self) and not any(
                w.group == "live" and w.is_running for w in self.app.workers):
            self._read_revision()

    @work(thread=True, group="live")
    def _read_revision(self) -> None:
        # in a thread: catching up with another process's commits reads its journal
        # under the store's shared lock, which waits while that process writes
        revision = session_of(self).revision
        deliver(self, self._follow, revision)

    def _follow(self, revision: int) -> None:
        # the revision was read in a thread: meanwhile a screen may cover this one (it
        # reloads when uncovered), or the app may be closing and removing the sections.
        # Not is_current: that is also true under the screen on top.
        if self.app.screen is not self:
            return
        try:
            section = self.query_one("#content", ContentSwitcher).visible_content
        except NoMatches:
            return
        if getattr(section, "loaded_revision", revision) == revision or any(
                w.node is section and w.is_running for w in self.app.workers):
            return  # up to date, or a reload already under way
        reload = getattr(section, "reload_if_changed", None)
        if reload is not None:
            reload()

    def on_screen_resume(self) -> None:
        # back from a detail screen or a dialog: the section in view shows what changed
        if not self.is_current:  # uncovered only on its way out (sign out, switch role)
            return
        section = self.query_one("#content", ContentSwitcher).visible_content
        reload = getattr(section, "reload_if_changed", None)
        if reload is not None:
            reload()

    def test_this(self, message: TestThis) -> None:
        """The tester, its subject a user, group or role, or a managed policy's default
        version as a custom policy."""
        self.action_show("tester")
        self.query_one(TesterSection).test_this(source_arn=message.source_arn,
                                                policy_arn=message.policy_arn)

    def action_focus_sidebar(self) -> None:
        """Escape from a section's input: the number keys switch sections again."""
        self.query_one("#sidebar", OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.action_show(event.option.id)

    def action_show(self, section: str) -> None:
        """Show a section and put the keyboard in it; leaving a form with unsaved changes
        (the settings) asks first."""
        current = self.query_one("#content", ContentSwitcher).current
        leaving = self.query_one(f"#{current}") if current else None
        changes: list[str] = []
        if current != section and getattr(leaving, "has_unsaved_changes", False):
            changes = leaving.changes()  # type: ignore[union-attr]
        if not changes:
            self._show(section)
            return

        def done(discard: bool | None) -> None:
            if discard:
                self._show(section)
            else:  # stay: the sidebar shows where the keys are
                self._highlight(current or section)

        self.app.push_screen(ConfirmModal(
            f"Leave {next(label for s, label, _ in SECTIONS if s == current)} without "
            f"saving? Not saved: {'; '.join(changes)}.", confirm="Discard"), done)

    def _highlight(self, section: str) -> None:
        sidebar = self.query_one("#sidebar", OptionList)
        sidebar.highlighted = next(i for i, s in enumerate(SECTIONS) if s[0] == section)

    def _show(self, section: str) -> None:
        self.query_one("#content", ContentSwitcher).current = section
        self._highlight(section)
        widget = self.query_one(f"#{section}")
        focus_home = getattr(widget, "focus_home", None)
        if focus_home is not None:  # the section knows where its keys go
            focus_home()
            return
        # its table, else the section itself, else its first input: never the sidebar
        candidates = [*widget.query("LineTable"), widget, *widget.query("*")]
        target = next((w for w in candidates if w.focusable), None)
        if target is not None:
            target.focus()
