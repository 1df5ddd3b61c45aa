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
