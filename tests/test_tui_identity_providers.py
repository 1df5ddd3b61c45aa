"""SAML providers on the TUI's Identity providers page, beside the OIDC ones, as the
console's "Identity providers" page lists both (IAM User Guide, "Create a SAML identity
provider in IAM": a name and the IdP's metadata document; "Tag IAM identity providers").
Every change goes through the service, so refusals are AWS's (InvalidInput for metadata
that does not parse)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from helpers import ACCOUNT_ID, ROOT_PASSWORD, FakeClock
from oidc_helpers import GITHUB
from saml_idp import IdP
from textual.pilot import Pilot
from textual.widgets import Button, Input, Static
from tui_helpers import new_store, settle, wait_for_workers

from iamtui.app import IamApp
from iamtui.model import Tag
from iamtui.screens.identity_providers import IdentityProvidersScreen
from iamtui.screens.modals import ConfirmModal, FormModal
from iamtui.screens.tags_screen import TagsScreen
from iamtui.screens.widgets.detail_pane import TagsPane
from iamtui.screens.widgets.resource_table import ResourceTable

SMALL = (80, 24)
OKTA = f"arn:aws:iam::{ACCOUNT_ID}:saml-provider/Okta"


@pytest.fixture(scope="module")
def idp() -> IdP:
    return IdP()


@pytest.fixture
def app(tmp_path: Path, idp: IdP) -> IamApp:
    """A store with GitHub's OIDC provider and an Okta SAML provider."""
    clock = FakeClock()
    svc = new_store(tmp_path, alias="example", clock=clock)
    root = svc.root_principal()
    svc.create_open_id_connect_provider(root, GITHUB, ["sts.amazonaws.com"])
    svc.create_saml_provider(root, "Okta", idp.metadata(), tags=[Tag("team", "sso")])
    svc.close()
    return IamApp(tmp_path / "db.json", keys_dir=tmp_path / "keys", clock=clock)


async def wait_until(pilot: Pilot, condition: Any, ceiling: float = 30.0) -> None:
    import time

    deadline = time.monotonic() + ceiling
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await wait_for_workers(pilot.app)
        await pilot.pause(0.05)


async def open_providers(pilot: Pilot) -> ResourceTable:
    for key in ("ctrl+r", *ROOT_PASSWORD, "enter"):
        await pilot.press(key)
    await settle(pilot)
    pilot.app.push_screen(IdentityProvidersScreen())
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, IdentityProvidersScreen)
                     and bool(pilot.app.screen.query("#idp-table")))
    table = pilot.app.screen.query_one("#idp-table", ResourceTable)
    await wait_until(pilot, lambda: len(table.rows) == 2)
    return table


async def submit_form(pilot: Pilot, **values: str) -> None:
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, FormModal))
    form = pilot.app.screen
    for name, value in values.items():
        form.query_one(f"#field-{name}", Input).value = value
    form.query_one("#submit", Button).press()


async def test_saml_providers_listed_viewed_created_and_deleted(
        app: IamApp, idp: IdP, tmp_path: Path) -> None:
    """Both kinds in one table; enter shows a SAML provider's issuer and validity; m makes
    one from a metadata file (metadata that does not parse is refused in the form with
    AWS's InvalidInput); e replaces its metadata; d deletes it after a confirmation."""
    (tmp_path / "adfs.xml").write_text(IdP("https://adfs.example.com").metadata())
    (tmp_path / "bad.xml").write_text("<md:EntityDescriptor/>" + " " * 1000)
    async with app.run_test(size=SMALL) as pilot:
        table = await open_providers(pilot)
        assert sorted((r.cells[0], r.cells[1]) for r in table.rows) == [
            ("Okta", "SAML"), ("token.actions.githubusercontent.com", "OIDC")]
        table.move_to(OKTA)
        await pilot.press("enter")
        status = pilot.app.screen.query_one("#idp-status", Static)
        await wait_until(pilot, lambda: "Issuer: https://idp.example.com/saml"
                         in str(status.render()))
        assert OKTA in str(status.render()) and "valid until" in str(status.render())

        await pilot.press("m")
        await submit_form(pilot, name="ADFS", path=str(tmp_path / "bad.xml"))
        form = pilot.app.screen
        await wait_until(pilot, lambda: "InvalidInput" in str(
            form.query_one("#form-error", Static).render()))
        form.query_one("#field-path", Input).value = str(tmp_path / "adfs.xml")
        form.query_one("#submit", Button).press()
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, IdentityProvidersScreen))
        await wait_until(pilot, lambda: len(table.rows) == 3)
        adfs = f"arn:aws:iam::{ACCOUNT_ID}:saml-provider/ADFS"
        service = pilot.app.service  # type: ignore[attr-defined]
        root = service.root_principal()
        assert service.get_saml_provider(root, adfs).issuer == "https://adfs.example.com"

        table.move_to(adfs)
        (tmp_path / "new.xml").write_text(IdP("https://adfs2.example.com").metadata())
        await pilot.press("e")
        await submit_form(pilot, path=str(tmp_path / "new.xml"))
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, IdentityProvidersScreen))
        assert service.get_saml_provider(root, adfs).issuer == "https://adfs2.example.com"

        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, ConfirmModal))
        pilot.app.screen.query_one("#confirm", Button).press()
        await wait_until(pilot, lambda: len(table.rows) == 2)
        assert adfs not in [r.key for r in table.rows]


async def test_provider_tags(app: IamApp) -> None:
    """t opens the tags of the provider under the cursor (ListSAMLProviderTags,
    TagSAMLProvider, UntagSAMLProvider; the OIDC ones for an OIDC provider)."""
    async with app.run_test(size=SMALL) as pilot:
        table = await open_providers(pilot)
        table.move_to(OKTA)
        await pilot.press("t")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, TagsScreen))
        pane = pilot.app.screen.query_one(TagsPane)
        await wait_until(pilot, lambda: [r.key for r in pane.table.rows] == ["team"])
        await pilot.press("a")
        await submit_form(pilot, key="env", value="prod")
        await wait_until(pilot, lambda: len(pane.table.rows) == 2)
        service = pilot.app.service  # type: ignore[attr-defined]
        assert Tag("env", "prod") in service.list_saml_provider_tags(
            service.root_principal(), OKTA)
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, IdentityProvidersScreen))
        github = next(r.key for r in table.rows if r.cells[1] == "OIDC")
        table.move_to(github)
        await pilot.press("t")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, TagsScreen))
        pane = pilot.app.screen.query_one(TagsPane)
        await pilot.press("a")
        await submit_form(pilot, key="ci", value="github")
        await wait_until(pilot, lambda: len(pane.table.rows) == 1)
        assert service.list_open_id_connect_provider_tags(
            service.root_principal(), github) == (Tag("ci", "github"),)


def test_both_kinds_at_80x24(app: IamApp, snap_compare: Any) -> None:
    async def providers(pilot: Pilot) -> None:
        await open_providers(pilot)
        await settle(pilot)

    assert snap_compare(app, terminal_size=SMALL, run_before=providers)
