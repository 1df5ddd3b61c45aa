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
from textual.timer import Timer

from iamtui.cli import EXIT_SERVICE_ERROR, printable
from iamtui.errors import IamError
from iamtui.screens.first_run import FirstRunScreen, offer_administrator
from iamtui.screens.group_detail import GroupDetailScreen
from iamtui.screens.keys import KeysScreen, keys_in_force
from iamtui.screens.main import MainScreen
from iamtui.screens.navigation import OpenEntity, SectionsScreen, TestThis
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
        Binding("ctrl+q", "quit", "Quit", priority=True, id="app.quit")]

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
        sign-in screen, and nothing of the session stays on screen."""
        if self.service is None or self.principal is None or self.last_activity is None:
            return
        if not self.service.console_session_idle_expired(self.last_activity):
            return
        was_root, self.principal = self.principal.is_root, None
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.push_screen(SignInScreen(self.service, notice="Your session was locked after "
                                      "being idle. Sign in again.", root=was_root),
                         self._signed_in)

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

    @on(TestThis)
    def open_tester(self, message: TestThis) -> None:
        """"Test this" from a section or a detail screen: back to the sections, whatever
        detail screens are open (each one's section reloads on resume), in the tester."""
        main = next((s for s in self.screen_stack if isinstance(s, SectionsScreen)), None)
        if main is None:
            return
        while self.screen is not main:
            self.pop_screen()
        main.test_this(message)

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
