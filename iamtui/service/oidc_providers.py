"""IAM OpenID Connect (OIDC) identity providers: create, read, list, update, tag and delete.

AWS pages followed:
- IAM API Reference, CreateOpenIDConnectProvider: Url 1-255 characters beginning with
  https://, no query string or fragment, no port; ClientIDList items 1-255 characters;
  ThumbprintList items of exactly 40 characters, optional; a URL used already is
  EntityAlreadyExists. GetOpenIDConnectProvider shows the URL without its scheme.
- AddClientIDToOpenIDConnectProvider, RemoveClientIDFromOpenIDConnectProvider and
  DeleteOpenIDConnectProvider are idempotent (an existing client ID, a missing client ID,
  a missing provider are no error); UpdateOpenIDConnectProviderThumbprint replaces the list.
- IAM User Guide, "IAM and AWS STS quotas": 100 client IDs and 5 thumbprints per provider,
  100 OIDC providers per account.
- IAM User Guide, "Create an OpenID Connect (OIDC) identity provider in IAM": the provider's
  ARN is arn:aws:iam::ACCOUNT:oidc-provider/HOST/PATH.

iamtui works offline, so it cannot fetch a provider's signing keys from its jwks_uri as
STS does: `set_open_id_connect_provider_jwks` (iamtui's own operation, authorized as
iam:UpdateOpenIDConnectProviderThumbprint) stores them with the provider, as a JWKS document of
public keys. AssumeRoleWithWebIdentity verifies tokens against them (web_identity.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from iamtui.arn import check_tag_count, constraint_error, validate_tag_key, validate_tags
from iamtui.errors import (
    EntityAlreadyExists,
    InvalidInput,
    LimitExceeded,
    NoSuchEntity,
)
from iamtui.model import Record, Tag, aws_tag, aws_timestamp
from iamtui.policy import ContextEntry
from iamtui.service.core import Principal, ServiceCore, View
from iamtui.service.owners import merge_tags, resource_tag_context, tag_context
from iamtui.store import EntityTable

MAX_CLIENT_IDS = 100
MAX_THUMBPRINTS = 5
MAX_PROVIDERS = 100
JWKS_ACTION = "iam:UpdateOpenIDConnectProviderThumbprint"
# The algorithms STS accepts for OIDC ID tokens: RSA and elliptic-curve signatures, never
# "none" nor a shared secret (an HMAC key would have to be given to AWS).
SIGNING_ALGORITHMS = ("RS256", "RS384", "RS512", "ES256", "ES384", "ES512")
_PRIVATE_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "k")  # RFC 7518: private or secret parts
_HOST_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*"
                      r"[A-Za-z0-9])?)*")
_ARN_RE = re.compile(r"arn:aws:iam::(\d{12}):oidc-provider/(.+)")


@dataclass(frozen=True, slots=True)
class OpenIdConnectProvider(Record):
    """An IAM OIDC identity provider; `url` is as AWS shows it: HOST/PATH, no scheme."""

    url: str
    arn: str
    create_date: datetime
    client_ids: tuple[str, ...] = ()
    thumbprints: tuple[str, ...] = ()
    tags: tuple[Tag, ...] = ()
    jwks: str | None = None  # iamtui's: the provider's public signing keys (a JWKS document)

    @property
    def issuer(self) -> str:
        """The `iss` its ID tokens carry: the provider's URL."""
        return f"https://{self.url}"


OIDC_PROVIDERS = EntityTable("oidc_providers", OpenIdConnectProvider,
                             key=lambda p: p.url.casefold())


def aws_open_id_connect_provider(provider: OpenIdConnectProvider) -> dict[str, Any]:
    """GetOpenIDConnectProvider's response."""
    out: dict[str, Any] = {"Url": provider.url, "ClientIDList": list(provider.client_ids),
                           "ThumbprintList": list(provider.thumbprints),
                           "CreateDate": aws_timestamp(provider.create_date)}
    if provider.tags:
        out["Tags"] = [aws_tag(t) for t in provider.tags]
    return out


def provider_url(url: str) -> str:
    """The provider's HOST/PATH from a CreateOpenIDConnectProvider Url (https://HOST/PATH);
    ValidationError for the length, InvalidInput for anything else AWS refuses."""
    if not isinstance(url, str) or not 1 <= len(url) <= 255:
        raise constraint_error(url, "url", "Member must have length between 1 and 255")
    if not url.lower().startswith("https://"):
        raise InvalidInput(f"Invalid url {url}: the URL must begin with https://.")
    rest = url[len("https://"):]
    host = rest.split("/", 1)[0]
    if "?" in rest or "#" in rest:
        raise InvalidInput(f"Invalid url {url}: the URL cannot have a query string or fragment.")
    if ":" in host:
        raise InvalidInput(f"Invalid url {url}: the URL cannot contain a port number.")
    if not _HOST_RE.fullmatch(host) or any(c.isspace() for c in rest):
        raise InvalidInput(f"Invalid url {url}: {host or 'an empty host'} is not a host name.")
    return rest


def provider_arn(account_id: str, url: str) -> str:
    """arn:aws:iam::ACCOUNT:oidc-provider/HOST/PATH."""
    return f"arn:aws:iam::{account_id}:oidc-provider/{url}"


def _unique_members(values: Sequence[str], field: str, low: int, high: int, quota: int,
                    quota_name: str) -> tuple[str, ...]:
    """A list parameter of strings of `low` to `high` characters each (ValidationError
    naming the member), duplicates dropped, at most `quota` (LimitExceeded naming it)."""
    length = (f"Member must have length less than or equal to {high}, Member must have "
              f"length greater than or equal to {low}" if low == high  # AWS names both
              else f"Member must have length between {low} and {high}")
    for n, value in enumerate(values, 1):
        if not isinstance(value, str) or not low <= len(value) <= high:
            raise constraint_error(value, f"{field}.{n}.member", length)
    unique = tuple(dict.fromkeys(values))
    if len(unique) > quota:
        raise LimitExceeded(f"Cannot exceed quota for {quota_name}: {quota}")
    return unique


def validate_client_ids(client_ids: Sequence[str], field: str = "clientIDList") -> tuple[str, ...]:
    """Client IDs (audiences): each 1-255 characters, at most 100, duplicates dropped."""
    return _unique_members(client_ids, field, 1, 255, MAX_CLIENT_IDS,
                           "ClientIdsPerOpenIdConnectProvider")


def validate_thumbprints(thumbprints: Sequence[str],
                         field: str = "thumbprintList") -> tuple[str, ...]:
    """Server certificate thumbprints: each 40 characters, at most 5. AWS's model checks
    only the length (its own examples use 40-character values that are not hex)."""
    return _unique_members(thumbprints, field, 40, 40, MAX_THUMBPRINTS,
                           "ThumbprintsPerOpenIdConnectProvider")


def validate_jwks(text: str) -> str:
    """A JWKS document of public signing keys (RFC 7517), as PyJWT reads it: at least one
    RSA or EC key; a private or symmetric key is refused (it would be a secret in the
    store, and STS verifies with public keys only). Returns the text."""
    import jwt  # only where keys are read: the CLI's other commands do not pay for it

    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        raise InvalidInput("The JWKS is not valid JSON.") from None
    keys = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(keys, list) or not keys or not all(isinstance(k, dict) for k in keys):
        raise InvalidInput('The JWKS must be a JSON object with a "keys" list of JWK objects.')
    for key in keys:
        if any(member in key for member in _PRIVATE_MEMBERS):
            raise InvalidInput(f"The JWKS key {key.get('kid', '(no kid)')} holds private or "
                               "secret key material: give the provider's public keys only.")
        if key.get("kty") not in ("RSA", "EC"):
            raise InvalidInput(f"The JWKS key {key.get('kid', '(no kid)')} has key type "
                               f"{key.get('kty')}: only RSA and EC keys sign OIDC ID tokens.")
    try:
        jwt.PyJWKSet(keys)
    except (jwt.PyJWKSetError, jwt.PyJWKError, jwt.InvalidKeyError) as exc:
        raise InvalidInput(f"The JWKS holds no usable key: {exc}") from None
    return text


class OpenIdConnectProviderOperations(ServiceCore):
    """The OIDC provider half of `aws iam`: create-open-id-connect-provider, ..."""

    def _provider_by_arn(self, view: View, arn: str) -> OpenIdConnectProvider:
        provider = self._find_provider(view, arn)
        if provider is None:
            raise NoSuchEntity(f"OpenIDConnect Provider not found for arn {arn}", resource=arn)
        return provider

    def _find_provider(self, view: View, arn: str) -> OpenIdConnectProvider | None:
        match = _ARN_RE.fullmatch(arn) if isinstance(arn, str) else None
        if not isinstance(arn, str) or not 20 <= len(arn) <= 2048:
            raise constraint_error(arn, "openIDConnectProviderArn",
                                   "Member must have length between 20 and 2048")
        if match is None:
            raise InvalidInput(f"ARN {arn} is not valid: an OIDC provider's ARN is "
                               "arn:aws:iam::ACCOUNT:oidc-provider/HOST/PATH.")
        if match.group(1) != self.account_id:
            return None
        found = OIDC_PROVIDERS.get(view, match.group(2).casefold())
        return found if found is not None and found.arn == arn else None

    def find_provider_for_issuer(self, view: View, issuer: str) -> OpenIdConnectProvider | None:
        """The provider whose URL is the token's `iss` (exactly, as STS compares them)."""
        if not issuer.startswith("https://"):
            return None
        found = OIDC_PROVIDERS.get(view, issuer[len("https://"):].casefold())
        return found if found is not None and found.issuer == issuer else None

    def create_open_id_connect_provider(self, caller: Principal, url: str,
                                        client_ids: Sequence[str] = (),
                                        thumbprints: Sequence[str] = (), *,
                                        tags: Sequence[Tag] = ()) -> OpenIdConnectProvider:
        """CreateOpenIDConnectProvider."""
        host_path = provider_url(url)
        clients = validate_client_ids(client_ids)
        prints = validate_thumbprints(thumbprints)
        validate_tags(tags)
        arn = provider_arn(self.account_id, host_path)
        params = {"url": url, "clientIDList": list(client_ids),
                  "thumbprintList": list(thumbprints),
                  "tags": [{"key": t.key, "value": t.value} for t in tags] or None}
        with self._change(caller, "CreateOpenIDConnectProvider", arn, params,
                          context=tag_context(tags)) as change:
            if OIDC_PROVIDERS.get(change.tx, host_path.casefold()) is not None:
                raise EntityAlreadyExists(f"Provider with url {url} already exists.")
            if OIDC_PROVIDERS.count(change.tx) >= MAX_PROVIDERS:
                raise LimitExceeded(f"Cannot exceed quota for OpenIdConnectProvidersPerAccount: "
                                    f"{MAX_PROVIDERS}")
            provider = OpenIdConnectProvider(host_path, arn, self.clock(), clients, prints,
                                             tuple(tags))
            OIDC_PROVIDERS.put(change.tx, provider)
            change.response = {"openIDConnectProviderArn": arn}
        return provider

    def get_open_id_connect_provider(self, caller: Principal, arn: str) -> OpenIdConnectProvider:
        """GetOpenIDConnectProvider."""
        return self.get_provider_as(caller, "GetOpenIDConnectProvider", arn)

    def list_open_id_connect_providers(self, caller: Principal) -> list[OpenIdConnectProvider]:
        """ListOpenIDConnectProviders (AWS lists ARNs only; the front ends may show more)."""
        view = self._read(caller, "ListOpenIDConnectProviders", "*", params={})
        return sorted(OIDC_PROVIDERS.all(view), key=lambda p: p.arn)

    def delete_open_id_connect_provider(self, caller: Principal, arn: str) -> None:
        """DeleteOpenIDConnectProvider: idempotent; roles that trust it are left as they are
        (assuming them with its tokens then fails, as in AWS)."""
        found = self._find_provider(self.store.snapshot(), arn)
        context = resource_tag_context(found.tags) if found else []
        with self._change(caller, "DeleteOpenIDConnectProvider", arn,
                          {"openIDConnectProviderArn": arn}, context=context) as change:
            provider = self._find_provider(change.tx, arn)
            if provider is not None:
                OIDC_PROVIDERS.delete(change.tx, provider.url.casefold())

    def _update(self, caller: Principal, event: str, arn: str, params: dict[str, Any],
                update: Any, *, context: Sequence[ContextEntry] = (),
                action: str | None = None) -> OpenIdConnectProvider:
        """One authorized, audited change of a provider: `update(provider)` -> provider."""
        params = {"openIDConnectProviderArn": arn, **params}
        found = self._subject(caller, event, params, self._provider_by_arn, arn, action=action,
                              context=context, read_only=False)
        context = [*context, *resource_tag_context(found.tags)]
        with self._change(caller, event, arn, params, context=context,
                          action=action) as change:
            updated = update(self._provider_by_arn(change.tx, arn))
            OIDC_PROVIDERS.put(change.tx, updated)
        return updated

    def add_client_id_to_open_id_connect_provider(self, caller: Principal, arn: str,
                                                  client_id: str) -> OpenIdConnectProvider:
        """AddClientIDToOpenIDConnectProvider (idempotent)."""
        validate_client_ids([client_id], "clientID")
        return self._update(caller, "AddClientIDToOpenIDConnectProvider", arn,
                            {"clientID": client_id}, lambda p: replace(
                                p, client_ids=validate_client_ids([*p.client_ids, client_id])))

    def remove_client_id_from_open_id_connect_provider(self, caller: Principal, arn: str,
                                                       client_id: str) -> OpenIdConnectProvider:
        """RemoveClientIDFromOpenIDConnectProvider (idempotent)."""
        validate_client_ids([client_id], "clientID")
        return self._update(caller, "RemoveClientIDFromOpenIDConnectProvider", arn,
                            {"clientID": client_id}, lambda p: replace(
                                p, client_ids=tuple(c for c in p.client_ids if c != client_id)))

    def update_open_id_connect_provider_thumbprint(
            self, caller: Principal, arn: str,
            thumbprints: Sequence[str]) -> OpenIdConnectProvider:
        """UpdateOpenIDConnectProviderThumbprint: replace the whole list (1 to 5)."""
        if not thumbprints:
            raise constraint_error("[]", "thumbprintList", "Member must not be null")
        prints = validate_thumbprints(thumbprints)
        return self._update(caller, "UpdateOpenIDConnectProviderThumbprint", arn,
                            {"thumbprintList": list(thumbprints)},
                            lambda p: replace(p, thumbprints=prints))

    def tag_open_id_connect_provider(self, caller: Principal, arn: str,
                                     tags: Sequence[Tag]) -> OpenIdConnectProvider:
        """TagOpenIDConnectProvider: add or overwrite tags (at most 50)."""
        validate_tags(tags)

        def tagged(provider: OpenIdConnectProvider) -> OpenIdConnectProvider:
            merged = merge_tags(provider.tags, tags)
            check_tag_count(len(merged))
            return replace(provider, tags=merged)

        return self._update(caller, "TagOpenIDConnectProvider", arn,
                            {"tags": [{"key": t.key, "value": t.value} for t in tags]},
                            tagged, context=tag_context(tags))

    def untag_open_id_connect_provider(self, caller: Principal, arn: str,
                                       tag_keys: Sequence[str]) -> OpenIdConnectProvider:
        """UntagOpenIDConnectProvider: remove tags by key (keys ignore case)."""
        for key in tag_keys:
            validate_tag_key(key)
        drop = {k.lower() for k in tag_keys}
        return self._update(
            caller, "UntagOpenIDConnectProvider", arn, {"tagKeys": list(tag_keys)},
            lambda p: replace(p, tags=tuple(t for t in p.tags if t.key.lower() not in drop)),
            context=[ContextEntry("aws:TagKeys", tuple(tag_keys), "stringList")])

    def list_open_id_connect_provider_tags(self, caller: Principal,
                                           arn: str) -> tuple[Tag, ...]:
        """ListOpenIDConnectProviderTags."""
        return self.get_provider_as(caller, "ListOpenIDConnectProviderTags", arn).tags

    def get_provider_as(self, caller: Principal, event: str, arn: str) -> OpenIdConnectProvider:
        """The provider, read as the IAM action `event` (authorized and audited as it)."""
        params = {"openIDConnectProviderArn": arn}
        found = self._subject(caller, event, params, self._provider_by_arn, arn)
        view = self._read(caller, event, arn, params=params,
                          context=resource_tag_context(found.tags))
        return self._provider_by_arn(view, arn)

    def set_open_id_connect_provider_jwks(self, caller: Principal, arn: str,
                                          jwks: str) -> OpenIdConnectProvider:
        """iamtui's own SetOpenIDConnectProviderJWKS: the public keys that sign the
        provider's ID tokens (what STS would fetch from its jwks_uri). Authorized as
        iam:UpdateOpenIDConnectProviderThumbprint, AWS's permission to change what the
        provider's tokens are verified against, so existing policies need no new action."""
        validate_jwks(jwks)
        return self._update(caller, "SetOpenIDConnectProviderJWKS", arn,
                            {"jwks": json.loads(jwks)}, lambda p: replace(p, jwks=jwks),
                            action=JWKS_ACTION)

