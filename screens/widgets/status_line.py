"""The line at the top of every screen: who is signed in, to which account, on which store."""

from __future__ import annotations

from rich.cells import cell_len
from textual.events import Resize
from textual.widgets import Static

from iamtui.model import Account
from iamtui.screens.session import RoleSwitch, Session, role_switch_of, session_of


def shorten_path(path: str, room: int) -> str:
    """`path` in `room` cells, cut from the left (`…/iamtui/db.json`); never shorter
    than its file name, which says which store it is."""
    if cell_len(path) <= room:
        return path
    name = path.rsplit("/", 1)[-1]
    return "…" + path[len(path) - max(room - 1, len(name) + 1):]


def status_text(session: Session, switched: RoleSwitch | None = None) -> str:
    """`who · account · store`: always in view, so no one acts on the wrong account. In a
    switched role, who is the role session (role / session name), its expiry and the user
    it came from, as the console's header shows it."""
    service, principal = session
    account = service.account()
    who = "root user" if principal.is_root else f"{principal.kind} {principal.name}"
    mfa = "MFA" if principal.mfa_authenticated_at else "no MFA"
    if switched is not None:  # the user shows in the session name unless renamed
        user = switched.user.name
        return (f" role {principal.name}/{principal.session_name} ({mfa}) until "
                f"{switched.expiration:%H:%M} UTC"
                + ("" if principal.session_name == user else f" · from user {user}")
                + f" · account {_account_label(account)} · {service.path}")
    return f" {who} ({mfa}) · account {_account_label(account)} · {service.path}"


def _account_label(account: Account) -> str:
    return f"{account.alias} ({account.account_id})" if account.alias else account.account_id


class StatusLine(Static):
    """`who (MFA) · account · store path`; when the line is too narrow the path is cut from
    the left (`…/iamtui/db.json`), down to the store's file name."""

    def on_mount(self) -> None:
        self._fit(self.size.width)

    def on_resize(self, event: Resize) -> None:
        self._fit(event.size.width)

    def _fit(self, width: int) -> None:
        text = status_text(session_of(self), role_switch_of(self))
        if width and cell_len(text) > width:
            head, path = text.rsplit(" · ", 1)  # who and which account matter most
            text = f"{head} · {shorten_path(path, width - cell_len(head) - 3)}"
        self.update(text)
