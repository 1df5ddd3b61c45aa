"""Navigation as messages: a screen asks to open a user, group, role or policy, and the
app (which knows every screen) opens it. Screens so never import each other to move on,
and nothing under screens/ needs an import inside a function to dodge a cycle.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from textual.message import Message
from textual.screen import Screen

EntityKind = Literal["user", "group", "role", "policy"]

# (id, label, hotkey): the main screen's sidebar, in the order the IAM console lists them.
SECTIONS = (("dashboard", "Dashboard", "1"), ("users", "Users", "2"), ("groups", "Groups", "3"),
            ("roles", "Roles", "4"), ("policies", "Policies", "5"), ("tester", "Tester", "6"),
            ("audit", "Audit log", "7"), ("settings", "Settings", "8"), ("risks", "Risks", "9"))


class OpenEntity(Message):
    """Open the detail screen of a user, group or role (by name) or a managed policy (by
    ARN); `trail` is the breadcrumb so far (None: the kind's section), `on_close` runs
    when that screen closes; a policy's document opens at `statement` (Sid or "#N")."""

    def __init__(self, kind: EntityKind, name: str, *, trail: tuple[str, ...] | None = None,
                 on_close: Callable[[], object] | None = None,
                 statement: str | None = None) -> None:
        super().__init__()
        self.kind, self.name, self.trail, self.on_close = kind, name, trail, on_close
        self.statement = statement


class SessionEnded(Message):
    """The signed-in principal can act no more (its user deleted, here or elsewhere):
    the app goes back to the sign-in screen and says `notice` there."""

    def __init__(self, notice: str) -> None:
        super().__init__()
        self.notice = notice


class TestThis(Message):
    """Open the tester on a user, group or role (`source_arn`), or on a managed policy's
    default version as a custom policy (`policy_arn`)."""

    __test__ = False  # its name starts with Test: not a pytest class

    def __init__(self, *, source_arn: str | None = None,
                 policy_arn: str | None = None) -> None:
        super().__init__()
        self.source_arn, self.policy_arn = source_arn, policy_arn


def test_this_message(arn: str) -> TestThis:
    """The TestThis for an entity's ARN: a managed policy is tested as a custom policy,
    a user, group or role as the subject."""
    if ":policy/" in arn:
        return TestThis(policy_arn=arn)
    return TestThis(source_arn=arn)


class SectionsScreen(Screen[None]):
    """A screen of sections (the main screen): the palette offers to jump to each."""

    def action_show(self, section: str) -> None:
        """Show a section and put the keyboard in it."""
        raise NotImplementedError

    def test_this(self, message: TestThis) -> None:
        """Show the tester with the subject of `message` filled in."""
        raise NotImplementedError
