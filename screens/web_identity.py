"""The tester's web identity question: may a token from an OIDC provider assume this role?

"Can a GitHub Actions job from repo X on branch Y assume this role?" is asked offline: paste
a token (checked as STS checks it, signature included), or type its claims (issuer,
audience, subject; everything but the signature is checked). The answer is the service's
`test_web_identity`, the same as `iamtui test-web-identity`: the decision, the reason, and
the context keys the trust policy saw (IAM User Guide, "Available keys for AWS web
identity federation").

Keys: enter runs, f6 fills GitHub Actions' issuer, audience and a subject to edit, esc goes
back to the tester.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Input, Label, Static

from iamtui.errors import IamError
from iamtui.screens.ops import report_error
from iamtui.screens.session import session_of
from iamtui.screens.workers import deliver
from iamtui.service.web_identity import WebIdentityTest, test_explanation

GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
GITHUB_AUDIENCE = "sts.amazonaws.com"
GITHUB_SUBJECT = "repo:ORG/REPO:ref:refs/heads/main"
FIELDS = (("role", "Role ARN", "arn:aws:iam::ACCOUNT:role/NAME"),
          ("token", "Token", "paste an ID token (JWT), or leave empty and type claims"),
          ("iss", "Issuer", "iss: the provider's URL, https://..."),
          ("aud", "Audience", "aud: one of the provider's client IDs"),
          ("sub", "Subject", "sub: repo:ORG/REPO:ref:refs/heads/BRANCH for GitHub"))


def verdict_lines(test: WebIdentityTest) -> list[str]:
    """The answer as the screen shows it: the decision, the reason, the keys."""
    if test.allowed:
        head = "ALLOWED: STS would issue credentials for this role"
    elif test.evaluation is None and test.refusal is not None:
        head = f"REFUSED: {test.refusal.code}"
    else:
        head = "DENIED: AccessDenied"
    lines = [head, *test_explanation(test), *test.notes]
    if test.context:
        lines.append("Context keys: " + "; ".join(
            f"{e.key} = {', '.join(e.values)}" for e in test.context
            if not e.key.startswith(("aws:CurrentTime", "aws:EpochTime", "aws:Secure"))))
    return lines


class WebIdentityScreen(Screen[None]):
    """The web identity tester: a role, a token or its claims, and STS's answer."""

    CSS_PATH = "web_identity.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="web_identity.back"),
        Binding("f5,ctrl+r", "run", "Run", id="web_identity.run"),
        Binding("f6", "github", "GitHub Actions", id="web_identity.github"),
    ]

    def __init__(self, role_arn: str = "") -> None:
        super().__init__()
        self.role_arn = role_arn

    def compose(self) -> ComposeResult:
        yield Static("Web identity: may a token from an OIDC provider assume this role?",
                     classes="title")
        for name, label, hint in FIELDS:
            with Horizontal(classes="field"):
                yield Label(label)
                yield Input(self.role_arn if name == "role" else "", placeholder=hint,
                            id=f"wi-{name}", compact=True)
        yield Static("enter or f5 runs · f6 GitHub Actions claims · a token wins over claims",
                     classes="hint")
        with VerticalScroll(id="wi-verdict-box"):
            yield Static("", id="wi-verdict", markup=False)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#wi-role" if not self.role_arn else "#wi-sub", Input).focus()

    def value(self, name: str) -> str:
        return self.query_one(f"#wi-{name}", Input).value.strip()

    def action_github(self) -> None:
        """GitHub Actions' issuer and audience, and a subject to make the repo's and
        branch's (GitHub's OIDC documentation: sub is repo:ORG/REPO:ref:refs/heads/BRANCH)."""
        for name, text in (("iss", GITHUB_ISSUER), ("aud", GITHUB_AUDIENCE)):
            self.query_one(f"#wi-{name}", Input).value = text
        subject = self.query_one("#wi-sub", Input)
        if not subject.value:
            subject.value = GITHUB_SUBJECT
        subject.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_run()

    def action_run(self) -> None:
        role, token = self.value("role"), self.value("token")
        claims = None if token else {k: v for k in ("iss", "aud", "sub")
                                     if (v := self.value(k))}
        self.query_one("#wi-verdict", Static).update("Asking…")
        self.ask(role, token or None, claims)

    @work(thread=True, exclusive=True)
    def ask(self, role: str, token: str | None, claims: dict[str, Any] | None) -> None:
        service, principal = session_of(self)
        try:
            test = service.test_web_identity(principal, role, token=token, claims=claims)
        except IamError as error:
            deliver(self, self._show_error, error)
            return
        deliver(self, self._show, test)

    def _show(self, test: WebIdentityTest) -> None:
        verdict = self.query_one("#wi-verdict", Static)
        verdict.update("\n".join(verdict_lines(test)))
        verdict.set_class(test.allowed, "-allowed")
        verdict.set_class(not test.allowed, "-denied")

    def _show_error(self, error: IamError) -> None:
        self.query_one("#wi-verdict", Static).update(f"{error.code}: {error.message}")
        report_error(self, error)

    def action_back(self) -> None:
        self.dismiss(None)
