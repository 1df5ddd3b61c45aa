"""Calling IamService from a screen: errors become toasts with AWS's code, never a crash."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from iamtui.errors import AccessDenied, IamError, InvalidClientTokenId
from iamtui.screens.modals import ConfirmModal
from iamtui.screens.navigation import SessionEnded
from iamtui.screens.session import session_of

if TYPE_CHECKING:
    from textual.dom import DOMNode

T = TypeVar("T")


class Failed:
    """What `run_op` returns when the operation failed (its error is already shown)."""

    def __bool__(self) -> bool:
        return False


FAILED = Failed()


def report_error(node: DOMNode, error: IamError) -> None:
    """Show an IamError as a toast titled with its AWS error code; InvalidClientTokenId
    (the signed-in user is gone) ends the session instead: every later call would fail."""
    if isinstance(error, InvalidClientTokenId):
        node.app.post_message(SessionEnded(f"Your session ended: {error.message} Sign in "
                                           "again."))
        return
    title = "Access denied" if isinstance(error, AccessDenied) else error.code
    # markup=False: the message may quote input such as "[/]", which is text, not markup
    node.notify(error.message, title=title, severity="error", timeout=8, markup=False)


def refusal_text(error: IamError) -> str:
    """One line for a table whose rows could not be read: what was refused, so a denial
    never reads as "none exist"."""
    if isinstance(error, AccessDenied):
        action = re.search(r"perform: (\S+)", error.message)
        return f"Not allowed to read these ({action.group(1) if action else error.code})."
    return f"Could not read these ({error.code})."


def run_op(node: DOMNode, op: Callable[..., T], *args: Any, success: str | None = None,
           **kwargs: Any) -> T | Failed:
    """Call one service operation; toast `success` or the error (then return FAILED)."""
    try:
        result = op(*args, **kwargs)
    except IamError as error:
        report_error(node, error)
        return FAILED
    if success:
        node.notify(success)
    return result


class Operations:
    """For a widget that changes the store as the signed-in principal: `op` runs one
    IamService call (its error a toast) and then `after_change`; `confirm` asks first.
    A detail pane re-reads its rows after a change, a section its table."""

    def after_change(self) -> None:
        """Show what the change did (re-read the rows)."""
        raise NotImplementedError

    def op(self, call: Callable[..., Any], *args: Any, success: str | None = None,
           **kwargs: Any) -> bool:
        """Run one service call as the signed-in principal; `after_change` on success."""
        node: Any = self
        result = run_op(node, call, session_of(node).principal, *args, success=success,
                        **kwargs)
        if isinstance(result, Failed):
            return False
        self.after_change()
        return True

    def confirm(self, question: str, then: Callable[[], object], *, verb: str = "Delete",
                type_to_confirm: str | None = None) -> None:
        """Ask first (with the name to type, for what cannot be undone lightly); run
        `then` only on a yes."""
        def done(yes: bool | None) -> None:
            if yes:
                then()

        node: Any = self
        node.app.push_screen(ConfirmModal(question, confirm=verb,
                                          type_to_confirm=type_to_confirm), done)
