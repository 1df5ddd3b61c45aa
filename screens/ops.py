"""Calling IamService from a screen: errors become toasts with AWS's code, never a crash."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from iamtui.errors import AccessDenied, IamError

if TYPE_CHECKING:
    from textual.dom import DOMNode

T = TypeVar("T")


class Failed:
    """What `run_op` returns when the operation failed (its error is already shown)."""

    def __bool__(self) -> bool:
        return False


FAILED = Failed()


def report_error(node: DOMNode, error: IamError) -> None:
    """Show an IamError as a toast titled with its AWS error code."""
    title = "Access denied" if isinstance(error, AccessDenied) else error.code
    node.notify(error.message, title=title, severity="error", timeout=8)


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
