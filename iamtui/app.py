"""The Textual app: first run or sign-in, then the main screen.

`iamtui` with no command lands here (see `iamtui.cli`); textual is imported only
then, so one-shot commands stay quick.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import tomllib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

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
from iamtui.screens.my_credentials import MyCredentialsScreen
from iamtui.screens.navigation import SECTIONS, OpenEntity, SectionsScreen, SessionEnded, TestThis
from iamtui.screens.policy_detail import PolicyDetailScreen
from iamtui.screens.role_detail import RoleDetailScreen
from iamtui.screens.server import ServerScreen, stop_local_server
from iamtui.screens.session import RoleSwitch, SessionApp
from iamtui.screens.sign_in import SignInScreen
from iamtui.screens.switch_role import open_switch_role
from iamtui.screens.user_detail import UserDetailScreen
from iamtui.service import IamService, Principal, config_dir
from iamtui.service.sts import AssumeRoleResult
from iamtui.store import resolve_db_path

# How often the idle timeout (an account setting) and a switched role's expiry are checked.
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
    # The account menu of the console (top right), as keys on every screen once signed in;
    # off the footer (it is full at 80 columns), in `?` and the palette.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", priority=True, show=False, id="app.quit"),
        # the section keys from a screen above the main one (a user's detail, who-can),
        # under the main screen's ids so that a keymap moves both
        *(Binding(key, f"section('{sid}')", label, show=False, id=f"main.show_{sid}")
          for sid, label, key in SECTIONS),
        Binding("ctrl+o", "sign_out", "Sign out", show=False, id="app.sign_out"),
        Binding("ctrl+g", "switch_user", "Switch user", show=False, id="app.switch_user"),
        # one key: back to user while in a role (the first that applies runs), else switch
        Binding("ctrl+t", "back_to_user", "Back to user", show=False, id="app.back_to_user"),
        Binding("ctrl+t", "switch_role", "Switch role", show=False, id="app.switch_role"),
        Binding("f9", "my_credentials", "My security credentials", show=False,
                id="app.my_credentials"),
        Binding("f12", "server", "Server", show=False, id="app.server"),
    ]

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
        self._executor: ThreadPoolExecutor | None = None

    def on_mount(self) -> None:
        self._renew_worker_threads()
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
            self._idle_timer = self.set_interval(IDLE_CHECK_SECONDS, self._tick)

    # ------------------------------------------------------------------ idle timeout

    def _touch(self) -> None:
        if self.service is not None:
            self.last_activity = self.service.clock()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key | events.MouseDown):
            self._touch()
        await super().on_event(event)

    def _tick(self) -> None:
        self.lock_if_idle()
        self.end_role_if_expired()

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
        user = self.switched.user if self.switched else self.principal
        self.sign_out("Your session was locked after being idle. Sign in again.",
                      root=user.is_root)

    # ------------------------------------------------------------------ the account menu

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The account menu works once someone is signed in; "switch role" for an IAM user
        (or from a role back through its user, as the console does), "back to user" only
        in a switched role."""
        if action in {"sign_out", "switch_user", "my_credentials", "server"}:
            return self.signed_in
        if action == "switch_role":
            return self.signed_in and (self.switched is not None or (
                self.principal is not None and self.principal.kind == "user"))
        if action == "back_to_user":
            return self.switched is not None
        return True

    def sign_out(self, notice: str = "", *, root: bool = False) -> None:
        """Back to the sign-in screen with nothing of the session left: no principal, no
        switched role, no screen of it (their rows and forms go with them), no toast."""
        self.principal = self.switched = self.last_activity = None
        self.clear_notifications()
        self._drop_screens()
        if self.service is not None:
            self.push_screen(SignInScreen(self.service, notice=notice, root=root),
                             self._signed_in)

    def back_to_sign_in(self, notice: str) -> None:
        """End the session because it can go no further (its user is gone, its credential
        refused): the sign-in screen says `notice`."""
        if self.service is None or self.principal is None:
            return  # ended already (several screens may say so at once)
        user = self.switched.user if self.switched else self.principal
        self.sign_out(notice, root=user.is_root)

    def _drop_screens(self) -> None:
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self._renew_worker_threads()

    def _renew_worker_threads(self) -> None:
        """New threads for thread workers; the old ones end once idle. Textual sets
        `active_worker` in the pool thread that runs a worker and never unsets it, so each
        thread would keep its last worker alive, and with it the widget it ran for and
        what that widget read as the previous principal."""
        old, self._executor = self._executor, ThreadPoolExecutor(
            thread_name_prefix="iamtui-worker")
        asyncio.get_running_loop().set_default_executor(self._executor)
        if old is not None:
            old.shutdown(wait=False)

    def action_sign_out(self) -> None:
        """Sign out: the sign-in screen, as at start."""
        self.sign_out("Signed out.")

    def action_switch_user(self) -> None:
        """Sign out, then sign in as someone else (the IAM user form is chosen)."""
        self.sign_out("Signed out. Sign in as another user.")

    def action_switch_role(self) -> None:
        """Assume a role the user may assume (AssumeRole as the user, as the console's
        "Switch role" does also from a role already switched to)."""
        if self.service is None or self.principal is None:
            return
        user = self.switched.user if self.switched else self.principal
        open_switch_role(self, self.service, user,
                         lambda result: self.call_later(self._act_as_role, user, result))

    def _act_as_role(self, user: Principal, result: AssumeRoleResult) -> None:
        self.switched = RoleSwitch(user, result.credentials.expiration)
        self.principal = result.principal
        self._start_over()
        self.notify(f"You act as role {result.principal.name} (session "
                    f"{result.principal.session_name}) until "
                    f"{result.credentials.expiration:%H:%M} UTC.", markup=False)

    def action_back_to_user(self) -> None:
        """End the switched role: the user acts again."""
        self.back_to_user()

    def back_to_user(self, notice: str = "") -> None:
        """The user who switched acts again; `notice` says why (the session expired)."""
        if self.switched is None:
            return
        user, self.switched = self.switched.user, None
        self.principal = user
        self._start_over()
        self.notify(notice or f"Back to user {user.name}.",
                    severity="warning" if notice else "information", markup=False)

    def end_role_if_expired(self) -> None:
        """When the switched role's session has expired, back to the user, with a notice."""
        if self.switched is not None and self.service is not None and \
                self.service.clock() >= self.switched.expiration:
            self.back_to_user(f"The role session expired at "
                              f"{self.switched.expiration:%H:%M} UTC. Back to user "
                              f"{self.switched.user.name}.")

    def _start_over(self) -> None:
        """Every screen built again for whoever acts now: nothing read as the previous
        principal stays on screen."""
        self.clear_notifications()
        self._drop_screens()
        self.push_screen(MainScreen())

    def action_my_credentials(self) -> None:
        """The console's "My security credentials" for whoever is signed in."""
        if not isinstance(self.screen, MyCredentialsScreen):
            self.push_screen(MyCredentialsScreen())

    def action_server(self) -> None:
        """The Server screen: `iamtui serve` against this store, and who calls it."""
        if not isinstance(self.screen, ServerScreen):
            self.push_screen(ServerScreen())

    @on(SessionEnded)
    def _session_ended(self, message: SessionEnded) -> None:
        self.back_to_sign_in(message.notice)

    # ------------------------------------------------------------------ navigation

    @on(OpenEntity)
    def open_entity(self, message: OpenEntity) -> None:
        """The one place a detail screen is opened from: screens ask, the app pushes."""
        screen_type = {"user": UserDetailScreen, "group": GroupDetailScreen,
                       "role": RoleDetailScreen, "policy": PolicyDetailScreen}[message.kind]
        options: dict[str, Any] = {} if message.trail is None else {"trail": message.trail}
        if message.statement is not None:
            options["statement"] = message.statement  # a policy's, to open its document at
        on_close = message.on_close
        self.push_screen(screen_type(message.name, **options),
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
        stop_local_server(self)  # its threads would outlive the app, its file say it runs
        if self.service is not None:
            self.service.close()


def run_app(args: argparse.Namespace) -> int:
    """Open the app on the store named by --db, $IAMTUI_DB or the default."""
    app = IamApp(resolve_db_path(args.db))
    app.run()
    return app.return_code or 0
