"""The Risks section: who is, or can make itself, an administrator, and how (issue 16).

Every user and role the analysis finds (`find-privilege-escalation` on the command line),
those that can become administrator first, each a tree of its paths and their steps;
`enter` on a step opens the policy that allows it, `o` the principal's page. It follows
the store as the other sections do, re-running the analysis once changes settle.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from iamtui.screens.widgets.escalation import EscalationView


class RisksSection(EscalationView):
    """Paths to administrator of every user and role."""

    DEFAULT_CSS = """
    RisksSection > .section-title { text-style: bold; padding: 0 1; }
    """

    def compose(self) -> ComposeResult:
        yield Static("Risks: who can become administrator", classes="section-title")
        yield from super().compose()
