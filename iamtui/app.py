"""The Textual app: first run or sign-in, then the main screen.

`iamtui` with no command lands here (see `iamtui.cli`); textual is imported only
then, so one-shot commands stay quick.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import ClassVar

from textual.app import App
from textual.binding import Binding, BindingType

from iamtui.service import IamService, Principal
from store import resolve_db_path


class IamApp(App[None]):
    """iamtui's terminal app over one store."""

    TITLE = "iamtui"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+q", "quit", "Quit", priority=True)]

    def __init__(self, db_path: Path, *, keys_dir: Path | None = None,
                 clock: Callable[[], datetime] | None = None) -> None:
        super().__init__()
        self.db_path, self.keys_dir, self.clock = db_path, keys_dir, clock
        self.service: IamService | None = None
        self.principal: Principal | None = None

    def on_mount(self) -> None:
        from screens.first_run import FirstRunScreen
        from screens.sign_in import SignInScreen

        if not self.db_path.exists():
            self.push_screen(FirstRunScreen(self.db_path, keys_dir=self.keys_dir),
                             self._created)
            return
        kwargs = {"keys_dir": self.keys_dir} | ({"clock": self.clock} if self.clock else {})
        self.service = IamService.open(self.db_path, **kwargs)
        self.push_screen(SignInScreen(self.service), self._signed_in)

    def _created(self, service: IamService | None) -> None:
        if service is None:
            self.exit()
            return
        self.service = service
        self._signed_in(service.root_principal(console=True))
        self.notify("Account created. You are signed in as the root user: create an "
                    "administrator user for daily work.", timeout=10)

    def _signed_in(self, principal: Principal | None) -> None:
        from screens.main import MainScreen

        if principal is None:
            self.exit()
            return
        self.principal = principal
        self.push_screen(MainScreen())

    def action_toggle_help(self) -> None:
        """`?`: every binding of the focused screen, beside it."""
        if self.screen.query("KeyPanel"):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()

    def on_unmount(self) -> None:
        if self.service is not None:
            self.service.close()


def run_app(args: argparse.Namespace) -> int:
    """Open the app on the store named by --db, $IAMTUI_DB or the default."""
    IamApp(resolve_db_path(args.db)).run()
    return 0
