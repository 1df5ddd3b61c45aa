"""Identity providers: the account's OpenID Connect providers, as the console's "Identity
providers" page lists them (IAM User Guide, "Create an OpenID Connect (OIDC) identity
provider in IAM"), opened from the command palette.

Keys: enter shows a provider (its ARN, audiences, thumbprints and key IDs), n adds one
(URL, audiences, optional thumbprints), d deletes the one under
the cursor after a confirmation, e gives its signing keys from a JWKS file (iamtui cannot
fetch them), r reloads, esc goes back. Every change is the service's operation, authorized
and audited as the CLI's.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static

from iamtui.errors import IamError, InvalidInput
from iamtui.screens.modals import ConfirmModal, Field, FormModal
from iamtui.screens.ops import Failed, report_error, run_op
from iamtui.screens.session import session_of
from iamtui.screens.widgets.resource_table import Column, ResourceTable, Row
from iamtui.service.oidc_providers import OpenIdConnectProvider

# A JWKS file is small; the limit keeps a wrong path (a device, a huge file) harmless.
JWKS_READ_LIMIT = 1 << 20


def split_words(text: str) -> list[str]:
    """Comma- or space-separated values, as typed in one field."""
    return [v for v in text.replace(",", " ").split() if v]


def provider_row(provider: OpenIdConnectProvider) -> Row:
    """A provider as one line: URL, audiences, whether its keys are given, created."""
    return Row(provider.arn, (provider.url, ", ".join(provider.client_ids) or "-",
                              "given" if provider.jwks else "missing (e)",
                              f"{provider.create_date:%Y-%m-%d}"),
               (provider.url, ", ".join(provider.client_ids), bool(provider.jwks),
                provider.create_date))


def read_jwks_file(path: str) -> str:
    """A JWKS file's text (UTF-8, at most 1 MiB); InvalidInput when it cannot be read."""
    try:
        with open(Path(path).expanduser(), "rb") as file:
            data = file.read(JWKS_READ_LIMIT + 1)
        if len(data) > JWKS_READ_LIMIT:
            raise InvalidInput(f"{path} holds more than 1 MiB: no JWKS is that large.")
        return data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"Cannot read {path}: {exc}") from None


class IdentityProvidersScreen(Screen[None]):
    """The account's OIDC identity providers, with create, delete and signing keys."""

    DEFAULT_CSS = """
    IdentityProvidersScreen > .title { background: $boost; text-style: bold; padding: 0 1; }
    IdentityProvidersScreen #idp-table { height: 1fr; }
    IdentityProvidersScreen #idp-status { color: $text-muted; height: auto; max-height: 6;
                                          padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="identity_providers.back"),
        Binding("n", "create", "New", id="identity_providers.new"),
        Binding("d", "delete", "Delete", id="identity_providers.delete"),
        Binding("e", "keys", "Signing keys", id="identity_providers.keys"),
        Binding("r", "refresh", "Refresh", id="identity_providers.refresh"),
    ]

    def compose(self) -> ComposeResult:
        yield Static("Identity providers · OpenID Connect", classes="title")
        yield ResourceTable((Column("url", "Provider", 36), Column("aud", "Audiences", 22),
                             Column("keys", "Keys", 12), Column("created", "Created", 10)),
                            id="idp-table",
                            empty_text="No OIDC provider yet: n adds one.")
        yield Static("", id="idp-status")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#idp-table", ResourceTable).focus()
        self.action_refresh()

    def action_refresh(self) -> None:
        service, principal = session_of(self)
        try:
            providers = service.list_open_id_connect_providers(principal)
        except IamError as error:
            report_error(self, error)
            return
        self.query_one("#idp-table", ResourceTable).set_rows(
            [provider_row(p) for p in providers])
        self.query_one("#idp-status", Static).update(
            f"{len(providers)} provider{'s' if len(providers) != 1 else ''}")

    @on(ResourceTable.Activated, "#idp-table")
    def show_provider(self, event: ResourceTable.Activated) -> None:
        """enter: the provider as GetOpenIDConnectProvider shows it, and its key IDs."""
        service, principal = session_of(self)
        found = run_op(self, service.get_open_id_connect_provider, principal, event.key)
        if isinstance(found, Failed):
            return
        kids = [str(k.get("kid", "?")) for k in json.loads(found.jwks)["keys"]] \
            if found.jwks else []
        self.query_one("#idp-status", Static).update(Content(
            f"{found.arn}\nAudiences: {', '.join(found.client_ids) or 'none'}\n"
            f"Thumbprints: {', '.join(found.thumbprints) or 'none'}\n"
            f"Signing keys: {', '.join(kids) or 'none given (e)'}"))

    def action_create(self) -> None:
        service, principal = session_of(self)

        def create(values: dict[str, str]) -> None:
            service.create_open_id_connect_provider(
                principal, values["url"], split_words(values["audiences"]),
                split_words(values["thumbprints"]))

        self.app.push_screen(FormModal("New OpenID Connect provider", [
            Field("url", "Provider URL", placeholder="https://token.actions.githubusercontent.com"),
            Field("audiences", "Audiences (client IDs)", placeholder="sts.amazonaws.com"),
            Field("thumbprints", "Thumbprints (optional)", required=False,
                  placeholder="40 characters each, up to 5")],
            apply=create, note="The URL is the iss of the provider's tokens; the audiences "
                               "the aud values they may carry."),
            lambda values: self.action_refresh() if values else None)

    def _current(self) -> str | None:
        return self.query_one("#idp-table", ResourceTable).current_key

    def action_delete(self) -> None:
        arn = self._current()
        if arn is None:
            return
        service, principal = session_of(self)

        def confirmed(yes: bool | None) -> None:
            if yes and not isinstance(run_op(self, service.delete_open_id_connect_provider,
                                             principal, arn, success=f"Deleted {arn}"),
                                      Failed):
                self.action_refresh()

        self.app.push_screen(ConfirmModal(
            f"Delete the provider {arn}? Roles that trust it stay as they are, but its tokens "
            "no longer assume them."), confirmed)

    def action_keys(self) -> None:
        arn = self._current()
        if arn is None:
            return
        service, principal = session_of(self)

        def give(values: dict[str, str]) -> None:
            service.set_open_id_connect_provider_jwks(principal, arn,
                                                      read_jwks_file(values["path"]))

        self.app.push_screen(FormModal(f"Signing keys of {arn}", [
            Field("path", "JWKS file", placeholder="~/jwks.json")], submit="Save keys",
            apply=give, note="The provider's public keys, as its jwks_uri serves them "
                             "(iamtui works offline)."),
            lambda values: self.action_refresh() if values else None)

    def action_back(self) -> None:
        self.dismiss(None)
