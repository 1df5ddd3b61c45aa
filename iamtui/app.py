"""The Textual app: first run or sign-in, then the main screen.

`iamtui` with no command lands here (see `iamtui.cli`); textual is imported only
then, so one-shot commands stay quick.
"""

from __future__ import annotations

import argparse
import gc
import tomllib
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import ClassVar

from textual import events, on
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen
from textual.timer import Timer

from iamtui.cli import EXIT_SERVICE_ERROR, printable
from iamtui.errors import IamError
from iamtui.screens.first_run import FirstRunScreen, offer_administrator
from iamtui.screens.group_detail import GroupDetailScreen
from iamtui.screens.keys import KeysScreen, keys_in_force
from iamtui.screens.main import MainScreen
from iamtui.screens.navigation import SECTIONS, OpenEntity, SessionEnded
from iamtui.screens.policy_detail import PolicyDetailScreen
from iamtui.screens.role_detail import RoleDetailScreen
from iamtui.screens.session import SessionApp
from iamtui.screens.sign_in import SignInScreen
from iamtui.screens.user_detail import UserDetailScreen
from iamtui.service import IamService, Principal, config_dir
from iamtui.store import resolve_db_path

# How often the idle timeout is checked; the timeout itself is an account setting.
IDLE_CHECK_SECONDS = 15

# In the config folder: binding id -> keys, e.g. `"section.new" = "ctrl+n"`.
KEYMAP_FILE = "keymap.toml"


def load_keymap(path: Path) -> dict[str, str]:
    """The user's keys, binding id -> keys (`"section.new" = "ctrl+n"`, or a `[section]`
    table of `new = "ctrl+n"`); none without a file. ValueError or OSError on a file
    that cannot be read as such a map."""
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)  # TOMLDecodeError is a ValueError
    except FileNotFoundError:
        return {}
    keymap: dict[str, str] = {}

    def walk(prefix: str, table: dict[str, object]) -> None:
        for key, value in table.items():
            name = f"{prefix}.{key}" if prefix else key
            if isinstance(value, dict):
                walk(name, value)
            elif isinstance(value, str) and value.strip():
                keymap[name] = value
            else:
                raise ValueError(f"{name}: give the keys as a string, such as \"ctrl+n\" "
                                 "or \"f2,n\"")

    walk("", data)
    return keymap


def settle_heap() -> None:
    """Move what is alive now (the store's records, loaded once) out of the garbage
    collector's sight: a full collection walked them all, freezing the UI for 0.3-0.8 s
    at 5,000 users (bench/tui.py). Refcounting still frees them when they go."""
    gc.collect()
    gc.freeze()


class IamApp(SessionApp):
    """iamtui's terminal app over one store; screens read its `session`."""

    TITLE = "iamtui"
    CSS_PATH = "app.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", priority=True, show=False, id="app.quit"),
        # the section keys from a screen above the main one (a user's detail, who-can),
        # under the main screen's ids so that a keymap moves both
        *(Binding(key, f"section('{sid}')", label, show=False, id=f"main.show_{sid}")
          for sid, label, key in SECTIONS)]

    def __init__(self, db_path: Path, *, keys_dir: Path | None = None,
                 clock: Callable[[], datetime] | None = None,
                 keymap_file: Path | None = None) -> None:
        super().__init__()
        self.db_path, self.keys_dir, self.clock = db_path, keys_dir, clock
        self.keymap_file = keymap_file or config_dir() / KEYMAP_FILE
        self._idle_timer: Timer | None = None
        self.service: IamService | None = None
        self.principal: Principal | None = None
        self.last_activity: datetime | None = None

    def on_mount(self) -> None:
        self._load_keymap()
        if IamService.is_new(self.db_path):  # never offered over a store's leftover files
            self.push_screen(FirstRunScreen(self.db_path, keys_dir=self.keys_dir),
                             self._created)
            return
        kwargs = {"keys_dir": self.keys_dir} | ({"clock": self.clock} if self.clock else {})
        try:
            self.service = IamService.open(self.db_path, **kwargs)
        except IamError as error:  # a missing key, a lost journal, a loose file: say so, leave
            from rich.text import Text

            self.exit(return_code=EXIT_SERVICE_ERROR,
                      message=Text(f"An error occurred ({error.code}) when opening "
                                   f"{self.db_path}: {printable(error.message)}"))
            return
        settle_heap()
        self.push_screen(SignInScreen(self.service), self._signed_in)

    def _load_keymap(self) -> None:
        """The user's keys from the config folder; a bad file is said, the default keys
        stay."""
        try:
            self.set_keymap(load_keymap(self.keymap_file))
        except (ValueError, OSError) as error:
            self.notify(f"{self.keymap_file}: {error}. The default keys are in use.",
                        title="Keymap not loaded", severity="error", timeout=15, markup=False)

    def _created(self, service: IamService | None) -> None:
        if service is None:
            self.exit()
            return
        self.service = service
        settle_heap()
        self._signed_in(service.root_principal(console=True))
        self.notify("Account created. You are signed in as the root user.", timeout=10)
        offer_administrator(self)

    def _signed_in(self, principal: Principal | None) -> None:
        if principal is None:
            self.exit()
            return
        self.principal = principal
        self.push_screen(MainScreen())
        self._touch()
        if self._idle_timer is None:
            self._idle_timer = self.set_interval(IDLE_CHECK_SECONDS, self.lock_if_idle)

    # ------------------------------------------------------------------ idle timeout

    def _touch(self) -> None:
        if self.service is not None:
            self.last_activity = self.service.clock()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key | events.MouseDown):
            self._touch()
        await super().on_event(event)

    def lock_if_idle(self) -> None:
        """Lock the console after the account's idle timeout (PCI DSS 8.2.8): back to the
        sign-in screen, and nothing of the session stays on screen. A session whose user
        is gone (deleted elsewhere) ends the same way, at the same check."""
        if self.service is None or self.principal is None or self.last_activity is None:
            return
        if not self.service.still_valid(self.principal):
            self.back_to_sign_in("Your session ended: the user you signed in as no longer "
                                 "exists. Sign in again.")
            return
        if not self.service.console_session_idle_expired(self.last_activity):
            return
        self.back_to_sign_in("Your session was locked after being idle. Sign in again.")

    def back_to_sign_in(self, notice: str) -> None:
        """End the session: every screen goes, the sign-in screen says `notice`."""
        if self.service is None or self.principal is None:
            return  # ended already (several screens may say so at once)
        was_root, self.principal = self.principal.is_root, None
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.push_screen(SignInScreen(self.service, notice=notice, root=was_root),
                         self._signed_in)

    @on(SessionEnded)
    def _session_ended(self, message: SessionEnded) -> None:
        self.back_to_sign_in(message.notice)

    # ------------------------------------------------------------------ navigation

    @on(OpenEntity)
    def open_entity(self, message: OpenEntity) -> None:
        """The one place a detail screen is opened from: screens ask, the app pushes."""
        screen_type = {"user": UserDetailScreen, "group": GroupDetailScreen,
                       "role": RoleDetailScreen, "policy": PolicyDetailScreen}[message.kind]
        trail = {} if message.trail is None else {"trail": message.trail}
        on_close = message.on_close
        self.push_screen(screen_type(message.name, **trail),
                         None if on_close is None else lambda _: on_close())

    def action_section(self, section: str) -> None:
        """A section's number key pressed on a screen above the main one: back to the
        main screen, at that section. A dialog keeps its keys, and a screen with unsaved
        changes (the policy editor) is not left without its own question."""
        main = next((s for s in reversed(self.screen_stack) if isinstance(s, MainScreen)),
                    None)
        if main is None or isinstance(self.screen, ModalScreen) or self.screen is main:
            return
        above = self.screen_stack[self.screen_stack.index(main) + 1:]
        if any(getattr(screen, "has_unsaved_changes", False) for screen in above):
            self.notify("Save or leave this document first (ctrl+s or esc).",
                        severity="warning")
            return
        while self.screen is not main:
            self.pop_screen()
        main.action_show(section)

    def action_toggle_help(self) -> None:
        """`?`: the keys in force on the screen, each with the id keymap.toml remaps."""
        if isinstance(self.screen, KeysScreen):
            self.screen.dismiss()
        else:
            self.push_screen(KeysScreen(keys_in_force(self.screen), self.keymap_file))

    def on_unmount(self) -> None:
        if self.service is not None:
            self.service.close()


def run_app(args: argparse.Namespace) -> int:
    """Open the app on the store named by --db, $IAMTUI_DB or the default."""
    app = IamApp(resolve_db_path(args.db))
    app.run()
    return app.return_code or 0
