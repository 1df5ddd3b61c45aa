"""Identity providers: the account's OpenID Connect and SAML providers in one table, as the
console's "Identity providers" page lists them (IAM User Guide, "Create an OpenID Connect
(OIDC) identity provider in IAM" and "Create a SAML identity provider in IAM"), opened from
the command palette.

Keys: enter shows the provider under the cursor (an OIDC provider's audiences, thumbprints
and key IDs; a SAML provider's issuer, validity and signing certificates), n adds an OIDC
provider (URL, audiences, optional thumbprints), m a SAML provider (a name and its IdP's
metadata file), e gives an OIDC provider's signing keys from a JWKS file (iamtui cannot
fetch them) or replaces a SAML provider's metadata, t opens the provider's tags, d deletes
it after a confirmation, r reloads, esc goes back. Every change is the service's
operation, authorized and audited as the CLI's.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static

from iamtui.errors import IamError, InvalidInput
from iamtui.local_paths import expand_home
from iamtui.model import SamlProvider
from iamtui.screens.modals import ConfirmModal, Field, FormModal
from iamtui.screens.ops import Failed, report_error, run_op
from iamtui.screens.session import session_of
from iamtui.screens.tags_screen import TagsScreen
from iamtui.screens.widgets.resource_table import Column, ResourceTable, Row
from iamtui.service.oidc_providers import OpenIdConnectProvider

# A JWKS file is small; the limit keeps a wrong path (a device, a huge file) harmless.
JWKS_READ_LIMIT = 1 << 20
# CreateSAMLProvider takes up to 10,000,000 characters of metadata, 4 bytes at most each.
METADATA_READ_LIMIT = 40_000_000


def split_words(text: str) -> list[str]:
    """Comma- or space-separated values, as typed in one field."""
    return [v for v in text.replace(",", " ").split() if v]


def is_saml(arn: str) -> bool:
    """Whether a provider ARN names a SAML provider (else an OIDC one)."""
    return ":saml-provider/" in arn


def provider_row(provider: OpenIdConnectProvider | SamlProvider) -> Row:
    """A provider as one line: its name or URL, type, audiences, keys, created."""
    if isinstance(provider, SamlProvider):
        count = len(provider.signing_certificates)
        keys = f"{count} cert{'s' if count != 1 else ''}"
        return Row(provider.arn, (provider.name, "SAML", "-", keys,
                                  f"{provider.create_date:%Y-%m-%d}"),
                   (provider.name, "SAML", "", count, provider.create_date))
    return Row(provider.arn, (provider.url, "OIDC", ", ".join(provider.client_ids) or "-",
                              "given" if provider.jwks else "missing (e)",
                              f"{provider.create_date:%Y-%m-%d}"),
               (provider.url, "OIDC", ", ".join(provider.client_ids), bool(provider.jwks),
                provider.create_date))


def read_provider_file(path: str, limit: int, what: str) -> str:
    """A JWKS or metadata file's text (UTF-8, at most `limit` bytes); InvalidInput when it
    cannot be read."""
    try:
        with open(expand_home(path), "rb") as file:
            data = file.read(limit + 1)
        if len(data) > limit:
            raise InvalidInput(f"{path} holds more than {limit:,} bytes: no {what} is that "
                               "large.")
        return data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"Cannot read {path}: {exc}") from None


def saml_summary(provider: SamlProvider) -> str:
    """GetSAMLProvider's facts in words: ARN, issuer, validity, certificate fingerprints."""
    prints = [hashlib.sha1(base64.b64decode(c)).hexdigest()
              for c in provider.signing_certificates]
    return (f"{provider.arn}\nIssuer: {provider.issuer}\n"
            f"Created {provider.create_date:%Y-%m-%d} · valid until "
            f"{provider.valid_until:%Y-%m-%d}\n"
            f"Signing certificates (SHA-1): {', '.join(prints) or 'none'}\n"
            f"Tags: {len(provider.tags)} (t)")


class IdentityProvidersScreen(Screen[None]):
    """The account's OIDC and SAML identity providers: create, view, keys or metadata,
    tags, delete."""

    CSS_PATH = "identity_providers.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="identity_providers.back"),
        Binding("n", "create", "New OIDC", id="identity_providers.new"),
        Binding("m", "create_saml", "New SAML", id="identity_providers.new_saml"),
        Binding("e", "keys", "Keys/metadata", id="identity_providers.keys"),
        Binding("t", "tags", "Tags", id="identity_providers.tags"),
        Binding("d", "delete", "Delete", id="identity_providers.delete"),
        Binding("r", "refresh", "Refresh", id="identity_providers.refresh"),
    ]

    def compose(self) -> ComposeResult:
        yield Static("Identity providers · OpenID Connect and SAML", classes="title")
        yield ResourceTable((Column("name", "Provider", 35), Column("type", "Type", 4),
                             Column("aud", "Audiences", 11), Column("keys", "Keys", 11),
                             Column("created", "Created", 10)),
                            id="idp-table",
                            empty_text="No identity provider yet: n adds an OIDC one, "
                                       "m a SAML one.")
        yield Static("", id="idp-status")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#idp-table", ResourceTable).focus()
        self.action_refresh()

    def action_refresh(self) -> None:
        service, principal = session_of(self)
        try:
            providers: list[OpenIdConnectProvider | SamlProvider] = [
                *service.list_open_id_connect_providers(principal),
                *service.list_saml_providers(principal)]
        except IamError as error:
            report_error(self, error)
            return
        self.query_one("#idp-table", ResourceTable).set_rows(
            [provider_row(p) for p in providers])
        self.query_one("#idp-status", Static).update(
            f"{len(providers)} provider{'s' if len(providers) != 1 else ''}")

    @on(ResourceTable.Activated, "#idp-table")
    def show_provider(self, event: ResourceTable.Activated) -> None:
        """enter: the provider as GetOpenIDConnectProvider or GetSAMLProvider shows it."""
        service, principal = session_of(self)
        if is_saml(event.key):
            saml = run_op(self, service.get_saml_provider, principal, event.key)
            if not isinstance(saml, Failed):
                self.query_one("#idp-status", Static).update(Content(saml_summary(saml)))
            return
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

    def action_create_saml(self) -> None:
        service, principal = session_of(self)

        def create(values: dict[str, str]) -> None:
            service.create_saml_provider(principal, values["name"], read_provider_file(
                values["path"], METADATA_READ_LIMIT, "metadata document"))

        self.app.push_screen(FormModal("New SAML provider", [
            Field("name", "Provider name", placeholder="Okta"),
            Field("path", "Metadata document (XML file)", placeholder="~/metadata.xml")],
            apply=create, note="The metadata your IdP publishes: its entity ID and the "
                               "certificate it signs responses with."),
            lambda values: self.action_refresh() if values else None)

    def _current(self) -> str | None:
        return self.query_one("#idp-table", ResourceTable).current_key

    def action_delete(self) -> None:
        arn = self._current()
        if arn is None:
            return
        service, principal = session_of(self)
        delete = service.delete_saml_provider if is_saml(arn) \
            else service.delete_open_id_connect_provider

        def confirmed(yes: bool | None) -> None:
            if yes and not isinstance(run_op(self, delete, principal, arn,
                                             success=f"Deleted {arn}"), Failed):
                self.action_refresh()

        self.app.push_screen(ConfirmModal(
            f"Delete the provider {arn}? Roles that trust it stay as they are, but its "
            f"{'assertions' if is_saml(arn) else 'tokens'} no longer assume them."), confirmed)

    def action_keys(self) -> None:
        """e: an OIDC provider's JWKS, or a SAML provider's new metadata (UpdateSAMLProvider)."""
        arn = self._current()
        if arn is None:
            return
        service, principal = session_of(self)
        if is_saml(arn):
            def update(values: dict[str, str]) -> None:
                service.update_saml_provider(principal, arn, read_provider_file(
                    values["path"], METADATA_READ_LIMIT, "metadata document"))

            form = FormModal(f"Replace the metadata of {arn}", [
                Field("path", "Metadata document (XML file)", placeholder="~/metadata.xml")],
                submit="Replace", apply=update,
                note="When the IdP's signing certificate changes, give its new metadata.")
        else:
            def give(values: dict[str, str]) -> None:
                service.set_open_id_connect_provider_jwks(principal, arn, read_provider_file(
                    values["path"], JWKS_READ_LIMIT, "JWKS"))

            form = FormModal(f"Signing keys of {arn}", [
                Field("path", "JWKS file", placeholder="~/jwks.json")], submit="Save keys",
                apply=give, note="The provider's public keys, as its jwks_uri serves them "
                                 "(iamtui works offline).")
        self.app.push_screen(form, lambda values: self.action_refresh() if values else None)

    def action_tags(self) -> None:
        arn = self._current()
        if arn is not None:
            kind = "saml_provider" if is_saml(arn) else "open_id_connect_provider"
            self.app.push_screen(TagsScreen(f"Tags of {arn}", kind, arn))

    def action_back(self) -> None:
        self.dismiss(None)
