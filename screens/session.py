"""The one seam between the screens and the app: who is signed in, over which service.

Screens and widgets read it through `session_of(node)`, typed, instead of reaching into
the app's attributes; nothing under screens/ sees the store behind the service.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from textual.app import App

if TYPE_CHECKING:
    from textual.message_pump import MessagePump

    from iamtui.serve.server import RunningServer
    from iamtui.service import IamService, Principal


class Session(NamedTuple):
    """The service the screens call and the principal they act as (a tuple, so
    `service, principal = session_of(self)` reads both)."""

    service: IamService
    principal: Principal

    @property
    def revision(self) -> int:
        """The store's latest committed revision: a section reloads when it moved."""
        return self.service.revision


@dataclass(frozen=True)
class RoleSwitch:
    """A role the signed-in user switched to, as the console's "Switch role": the session
    acts as the role until `expiration`, and "back to user" makes `user` act again."""

    user: Principal  # who switched; "back to user" restores it
    expiration: datetime  # the role session's end (STS's Credentials.Expiration)


class SessionApp(App[None]):
    """An app that carries a session once someone has signed in (IamApp is one). While a
    role is switched to, `principal` is the role session and `switched` says from whom."""

    service: IamService | None = None
    principal: Principal | None = None
    switched: RoleSwitch | None = None
    # a server for this store started from the Server screen; stopped when the app exits
    local_server: RunningServer | None = None

    @property
    def signed_in(self) -> bool:
        """True once a principal acts over a service (a bare test host never is)."""
        return self.service is not None and self.principal is not None

    @property
    def session(self) -> Session:
        """The signed-in session; a screen that needs one runs only after sign-in."""
        if self.service is None or self.principal is None:
            raise RuntimeError("no one is signed in")
        return Session(self.service, self.principal)


def session_of(node: MessagePump) -> Session:
    """The session of the app `node` runs in: the one typed way from a widget to the
    service and the signed-in principal."""
    app = node.app
    if not isinstance(app, SessionApp):
        raise TypeError(f"{type(app).__name__} carries no session")
    return app.session


def signed_in(node: MessagePump) -> bool:
    """True when `node` runs in an app where someone has signed in."""
    app = node.app
    return isinstance(app, SessionApp) and app.signed_in


def role_switch_of(node: MessagePump) -> RoleSwitch | None:
    """The role the signed-in user switched to in `node`'s app, or None (acting as
    themself, or in an app without a session)."""
    app = node.app
    return app.switched if isinstance(app, SessionApp) else None
