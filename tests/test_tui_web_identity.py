"""The tester's web identity screen: "can a GitHub Actions job from repo X on branch Y
assume this role?", from typed claims or a pasted token, at 80x24.

Semantics from the IAM User Guide, "Available keys for AWS web identity federation"
(token.actions.githubusercontent.com:sub, :aud) and the STS API Reference,
"AssumeRoleWithWebIdentity" (what is refused before the trust policy).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers import ACCOUNT_ID, ROOT_PASSWORD, FakeClock
from oidc_helpers import GITHUB, github_claims, jwks, rsa_key
from textual.pilot import Pilot
from textual.widgets import Input, Static
from tui_helpers import new_store, settle, wait_for_workers

import iamtui.screens.widgets.status_line as status_line
from iamtui.app import IamApp
from iamtui.screens.main import MainScreen
from iamtui.screens.tester import TesterSection
from iamtui.screens.web_identity import WebIdentityScreen

SMALL = (80, 24)
PROVIDER = f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/token.actions.githubusercontent.com"
ROLE = f"arn:aws:iam::{ACCOUNT_ID}:role/deploy"
KEY = "token.actions.githubusercontent.com"


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> IamApp:
    """A store with GitHub's provider, its keys, and a role trusting main of acme/app."""
    clock = FakeClock()
    svc = new_store(tmp_path, alias="example", clock=clock)
    root = svc.root_principal()
    svc.create_open_id_connect_provider(root, GITHUB, ["sts.amazonaws.com"])
    svc.set_open_id_connect_provider_jwks(root, PROVIDER, jwks(rsa_key()))
    svc.create_role(root, "deploy", json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": PROVIDER},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {f"{KEY}:aud": "sts.amazonaws.com"},
                      "StringLike": {f"{KEY}:sub": "repo:acme/app:ref:refs/heads/main"}}}]}))
    svc.close()
    real_status = status_line.status_text
    monkeypatch.setattr(status_line, "status_text",
                        lambda *args: real_status(*args).replace(str(tmp_path), "/srv/iamtui"))
    return IamApp(tmp_path / "db.json", keys_dir=tmp_path / "keys", clock=clock)


async def open_web_identity(pilot: Pilot) -> WebIdentityScreen:
    for key in ("ctrl+r", *ROOT_PASSWORD, "enter"):
        await pilot.press(key)
    await settle(pilot)
    assert isinstance(pilot.app.screen, MainScreen)
    await pilot.press("6")
    await pilot.pause()
    assert pilot.app.screen.query_one(TesterSection)
    await pilot.press("f10")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, WebIdentityScreen)
    return screen


async def ask_for_branch(pilot: Pilot, branch: str) -> str:
    """Type the role, fill GitHub's claims (f6), make the subject the branch's, run."""
    screen = await open_web_identity(pilot)
    screen.query_one("#wi-role", Input).value = ROLE
    await pilot.press("f6")
    await pilot.pause()
    subject = screen.query_one("#wi-sub", Input)
    assert pilot.app.focused is subject and subject.value == "repo:ORG/REPO:ref:refs/heads/main"
    subject.value = f"repo:acme/app:ref:refs/heads/{branch}"
    await pilot.press("enter")
    await wait_for_workers(pilot.app)
    await pilot.pause()
    return str(screen.query_one("#wi-verdict", Static).render())


async def test_a_job_on_main_may_assume_the_role(app: IamApp) -> None:
    async with app.run_test(size=SMALL) as pilot:
        verdict = await ask_for_branch(pilot, "main")
        assert verdict.startswith("ALLOWED")
        assert "typed claims: the signature is not checked" in verdict


async def test_a_job_on_another_branch_may_not_and_the_screen_says_why(app: IamApp) -> None:
    async with app.run_test(size=SMALL) as pilot:
        verdict = await ask_for_branch(pilot, "feature")
        assert verdict.startswith("DENIED")
        assert "refs/heads/feature' does not match StringLike" in verdict
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(pilot.app.screen, MainScreen)


async def test_a_pasted_token_is_checked_with_its_signature(app: IamApp) -> None:
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_web_identity(pilot)
        screen.query_one("#wi-role", Input).value = ROLE
        now = int(FakeClock()().timestamp())
        screen.query_one("#wi-token", Input).value = rsa_key().sign(
            github_claims(now, aud="someone-else"))
        await pilot.press("f5")
        await wait_for_workers(pilot.app)
        await pilot.pause()
        verdict = str(screen.query_one("#wi-verdict", Static).render())
        assert verdict.startswith("REFUSED: InvalidIdentityToken")
        assert "Incorrect token audience" in verdict


def test_web_identity_verdict_at_80x24(app: IamApp, snap_compare: Any) -> None:
    async def denied(pilot: Pilot) -> None:
        await ask_for_branch(pilot, "feature")
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False
        await pilot.pause()

    assert snap_compare(app, terminal_size=SMALL, run_before=denied)


# ---------------------------------------------------------------------------- providers

async def wait_until(pilot: Pilot, condition: Any, ceiling: float = 30.0) -> None:
    """Poll `condition` (workers first), with a generous ceiling: never a fixed pause."""
    import time

    deadline = time.monotonic() + ceiling
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await wait_for_workers(pilot.app)
        await pilot.pause(0.05)


async def test_identity_providers_from_the_palette(app: IamApp, tmp_path: Path) -> None:
    """The palette's "identity providers" lists the OIDC providers; n adds one, e gives its
    keys from a JWKS file, d deletes it after a confirmation."""
    from textual.command import CommandList
    from textual.widgets import Button

    from iamtui.screens.identity_providers import IdentityProvidersScreen
    from iamtui.screens.modals import ConfirmModal, FormModal
    from iamtui.screens.widgets.resource_table import ResourceTable

    (tmp_path / "keys.json").write_text(jwks(rsa_key()))
    async with app.run_test(size=SMALL) as pilot:
        for key in ("ctrl+r", *ROOT_PASSWORD, "enter"):
            await pilot.press(key)
        await settle(pilot)
        await pilot.press("ctrl+p")
        commands = pilot.app.screen.query_one(CommandList)
        await wait_until(pilot, lambda: commands.option_count > 0)
        await pilot.press(*"identity providers")
        await wait_until(pilot, lambda: commands.option_count == 1)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, IdentityProvidersScreen))
        table = pilot.app.screen.query_one("#idp-table", ResourceTable)
        assert [r.cells[0] for r in table.rows] == ["token.actions.githubusercontent.com"]
        await pilot.press("enter")
        status = pilot.app.screen.query_one("#idp-status", Static)
        await wait_until(pilot, lambda: "Signing keys: rsa-1" in str(status.render()))
        assert PROVIDER in str(status.render())

        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, FormModal))
        form = pilot.app.screen
        form.query_one("#field-url", Input).value = "https://gitlab.example.com"
        form.query_one("#field-audiences", Input).value = "my-app, other-app"
        form.query_one("#submit", Button).press()
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, IdentityProvidersScreen))
        await wait_until(pilot, lambda: len(table.rows) == 2)
        gitlab = next(r for r in table.rows if r.cells[0] == "gitlab.example.com")
        assert gitlab.cells[1:4] == ("OIDC", "my-app, other-app", "missing (e)")

        table.move_to(gitlab.key)
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, FormModal))
        pilot.app.screen.query_one("#field-path", Input).value = str(tmp_path / "keys.json")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, IdentityProvidersScreen))
        await wait_until(pilot, lambda: any(r.cells[3] == "given" and r.key == gitlab.key
                                            for r in table.rows))

        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, ConfirmModal))
        pilot.app.screen.query_one("#confirm", Button).press()
        await wait_until(pilot, lambda: len(table.rows) == 1)
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, MainScreen))


def test_identity_providers_at_80x24(app: IamApp, snap_compare: Any) -> None:
    async def providers(pilot: Pilot) -> None:
        from iamtui.screens.identity_providers import IdentityProvidersScreen

        for key in ("ctrl+r", *ROOT_PASSWORD, "enter"):
            await pilot.press(key)
        await settle(pilot)
        pilot.app.push_screen(IdentityProvidersScreen())
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, IdentityProvidersScreen))
        await settle(pilot)

    assert snap_compare(app, terminal_size=SMALL, run_before=providers)
