"""The first screen after sign-in: what the account holds, and what to fix first."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static


class Dashboard(VerticalScroll):
    """Counts of each kind and the root-user advice of the IAM dashboard."""

    DEFAULT_CSS = """
    Dashboard { padding: 1 2; }
    Dashboard > .warning { color: $warning; margin-bottom: 1; }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="root-advice", classes="warning")
        yield Static(id="counts")

    def on_mount(self) -> None:
        self.refresh_counts()

    def on_show(self) -> None:
        self.refresh_counts()

    def refresh_counts(self) -> None:
        app = self.app
        service, principal = app.service, app.principal  # type: ignore[attr-defined]
        advice = self.query_one("#root-advice", Static)
        if principal.is_root:
            advice.update("You are signed in as the root user. It may do everything and cannot "
                          "be limited by policies: use it only for account tasks. Create an "
                          "administrator user and sign in as it day to day.")
        else:
            advice.display = False
        try:
            users = len(service.list_users(principal))
        except Exception:
            users = None
        shown = "—" if users is None else str(users)
        self.query_one("#counts", Static).update(f"[b]Users[/b]  {shown}")
