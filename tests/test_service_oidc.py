"""IAM OpenID Connect identity providers: create, get, list, update, tag, delete, and the
JWKS iamtui keeps in place of the provider's jwks_uri.

Semantics from the IAM User Guide, "Create an OpenID Connect (OIDC) identity provider in
IAM" (the oidc-provider/HOST/PATH ARN, client IDs as audiences, thumbprints optional) and
"IAM and AWS STS quotas" (100 client IDs, 5 thumbprints per provider), and the IAM API
Reference pages CreateOpenIDConnectProvider, GetOpenIDConnectProvider,
ListOpenIDConnectProviders, DeleteOpenIDConnectProvider, AddClientIDToOpenIDConnectProvider,
RemoveClientIDFromOpenIDConnectProvider, UpdateOpenIDConnectProviderThumbprint,
TagOpenIDConnectProvider, UntagOpenIDConnectProvider and ListOpenIDConnectProviderTags.
"""

from __future__ import annotations

import contextlib
import json

import pytest
from helpers import ACCOUNT_ID
from hypothesis import given
from hypothesis import strategies as st
from oidc_helpers import GITHUB, assert_matches_aws_model, ec_key, jwks, rsa_key

from iamtui.errors import (
    AccessDenied,
    EntityAlreadyExists,
    IamError,
    InvalidInput,
    LimitExceeded,
    NoSuchEntity,
    ValidationError,
)
from iamtui.model import Tag, User
from iamtui.service import IamService, Principal
from iamtui.service.oidc_providers import (
    aws_open_id_connect_provider,
    provider_url,
    validate_client_ids,
    validate_thumbprints,
)
from iamtui.service.tables import USERS

GITHUB_ARN = f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/token.actions.githubusercontent.com"
THUMB = "6938fd4d98bab03faadb97b34396831e3780aea1"


def github(service: IamService, root: Principal, **kwargs) -> str:
    return service.create_open_id_connect_provider(
        root, GITHUB, ["sts.amazonaws.com"], kwargs.pop("thumbprints", [THUMB]), **kwargs).arn


def test_create_and_get_as_aws_shows_them(service: IamService, root: Principal) -> None:
    """The ARN is oidc-provider/HOST/PATH; GetOpenIDConnectProvider shows the URL without
    its scheme, the client IDs, thumbprints and creation date (API reference example)."""
    made = service.create_open_id_connect_provider(
        root, "https://server.example.com/tenant/1", ["my-application-id"], [THUMB],
        tags=[Tag("team", "ci")])
    assert made.arn == f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/server.example.com/tenant/1"
    shown = aws_open_id_connect_provider(service.get_open_id_connect_provider(root, made.arn))
    assert shown["Url"] == "server.example.com/tenant/1"
    assert shown["ClientIDList"] == ["my-application-id"]
    assert shown["ThumbprintList"] == [THUMB]
    assert shown["Tags"] == [{"Key": "team", "Value": "ci"}]
    assert_matches_aws_model("iam", "GetOpenIDConnectProvider", shown)


def test_thumbprints_are_optional_now(service: IamService, root: Principal) -> None:
    """CreateOpenIDConnectProvider: "This parameter is optional" (IAM secures the
    connection itself for most providers)."""
    arn = github(service, root, thumbprints=[])
    assert service.get_open_id_connect_provider(root, arn).thumbprints == ()


def test_a_url_registered_already_is_entity_already_exists(service: IamService,
                                                          root: Principal) -> None:
    github(service, root)
    with pytest.raises(EntityAlreadyExists, match=r"Provider with url .* already exists"):
        service.create_open_id_connect_provider(root, GITHUB, ["other"])
    with pytest.raises(EntityAlreadyExists):  # host names ignore case
        service.create_open_id_connect_provider(root, GITHUB.upper().replace("HTTPS", "https"))


@pytest.mark.parametrize("url", ["http://example.com", "example.com", "https://",
                                 "https://example.com:8443", "https://example.com/?q=1",
                                 "https://example.com/#frag", "https://exa mple.com"])
def test_urls_aws_refuses(service: IamService, root: Principal, url: str) -> None:
    """The URL must begin with https://, with no query string, fragment or port."""
    with pytest.raises(InvalidInput):
        service.create_open_id_connect_provider(root, url, ["a"])


def test_url_length(service: IamService, root: Principal) -> None:
    with pytest.raises(ValidationError, match="length between 1 and 255"):
        service.create_open_id_connect_provider(root, "https://" + "a" * 250, ["a"])


@given(st.text(max_size=300))
def test_provider_url_refuses_or_keeps_host_and_path(text: str) -> None:
    """The URL parser: any text is refused with an IAM error or gives HOST/PATH, the URL
    without its https:// (so that the ARN and the token's iss stay the same string)."""
    try:
        host_path = provider_url(text)
    except IamError:
        return
    assert "https://" + host_path == "https://" + text[len("https://"):]
    assert not any(c in host_path for c in "?#") and ":" not in host_path.split("/")[0]


def test_quotas_of_client_ids_and_thumbprints(service: IamService, root: Principal) -> None:
    """"IAM and AWS STS quotas": 100 client IDs and 5 thumbprints per provider."""
    with pytest.raises(LimitExceeded, match="ClientIdsPerOpenIdConnectProvider: 100"):
        service.create_open_id_connect_provider(root, GITHUB, [f"c{n}" for n in range(101)])
    with pytest.raises(LimitExceeded, match="ThumbprintsPerOpenIdConnectProvider: 5"):
        service.create_open_id_connect_provider(root, GITHUB, ["a"],
                                                [f"{n:040x}" for n in range(6)])
    arn = service.create_open_id_connect_provider(root, GITHUB,
                                                  [f"c{n}" for n in range(100)]).arn
    with pytest.raises(LimitExceeded):
        service.add_client_id_to_open_id_connect_provider(root, arn, "one-more")


def test_thumbprints_are_forty_characters(service: IamService, root: Principal) -> None:
    with pytest.raises(ValidationError, match="length"):
        service.create_open_id_connect_provider(root, GITHUB, ["a"], ["abc"])
    with pytest.raises(ValidationError, match="length between 1 and 255"):
        service.create_open_id_connect_provider(root, GITHUB, [""])


def test_client_ids_add_and_remove_idempotently(service: IamService, root: Principal) -> None:
    """AddClientID... and RemoveClientID... do not fail for an existing or a missing ID."""
    arn = github(service, root)
    service.add_client_id_to_open_id_connect_provider(root, arn, "second")
    service.add_client_id_to_open_id_connect_provider(root, arn, "second")
    assert service.get_open_id_connect_provider(root, arn).client_ids == (
        "sts.amazonaws.com", "second")
    service.remove_client_id_from_open_id_connect_provider(root, arn, "sts.amazonaws.com")
    service.remove_client_id_from_open_id_connect_provider(root, arn, "never-there")
    assert service.get_open_id_connect_provider(root, arn).client_ids == ("second",)


def test_update_thumbprint_replaces_the_list(service: IamService, root: Principal) -> None:
    arn = github(service, root)
    other = "a" * 40
    service.update_open_id_connect_provider_thumbprint(root, arn, [other])
    assert service.get_open_id_connect_provider(root, arn).thumbprints == (other,)
    with pytest.raises(ValidationError):
        service.update_open_id_connect_provider_thumbprint(root, arn, [])


def test_tags(service: IamService, root: Principal) -> None:
    arn = github(service, root)
    service.tag_open_id_connect_provider(root, arn, [Tag("env", "prod"), Tag("team", "ci")])
    service.tag_open_id_connect_provider(root, arn, [Tag("ENV", "dev")])  # keys ignore case
    assert service.list_open_id_connect_provider_tags(root, arn) == (
        Tag("team", "ci"), Tag("ENV", "dev"))
    service.untag_open_id_connect_provider(root, arn, ["env"])
    assert service.list_open_id_connect_provider_tags(root, arn) == (Tag("team", "ci"),)
    with pytest.raises(LimitExceeded):
        service.tag_open_id_connect_provider(root, arn, [Tag(f"k{n}", "") for n in range(50)])


def test_list_and_delete(service: IamService, root: Principal) -> None:
    """DeleteOpenIDConnectProvider is idempotent: deleting a missing provider is no error."""
    arn = github(service, root)
    other = service.create_open_id_connect_provider(root, "https://accounts.example.com",
                                                    ["app"]).arn
    listed = [p.arn for p in service.list_open_id_connect_providers(root)]
    assert sorted(listed) == sorted([arn, other])
    assert_matches_aws_model("iam", "ListOpenIDConnectProviders",
                             {"OpenIDConnectProviderList": [{"Arn": a} for a in listed]})
    service.delete_open_id_connect_provider(root, arn)
    service.delete_open_id_connect_provider(root, arn)
    assert [p.arn for p in service.list_open_id_connect_providers(root)] == [other]
    with pytest.raises(NoSuchEntity, match=f"OpenIDConnect Provider not found for arn {arn}"):
        service.get_open_id_connect_provider(root, arn)


def test_malformed_arn_is_invalid_input(service: IamService, root: Principal) -> None:
    with pytest.raises(InvalidInput):
        service.get_open_id_connect_provider(root, f"arn:aws:iam::{ACCOUNT_ID}:role/x-role-abc")
    with pytest.raises(NoSuchEntity):  # another account's provider is none of this one's
        service.get_open_id_connect_provider(
            root, "arn:aws:iam::999999999999:oidc-provider/token.actions.githubusercontent.com")


def _user(service: IamService, name: str, policy: dict | None = None) -> Principal:
    from iamtui.arn import new_unique_id, user_arn

    user = User(name, new_unique_id("user"), user_arn(ACCOUNT_ID, "/", name), service.clock())
    with service.store.transaction() as tx:
        USERS.put(tx, user)
    if policy is not None:
        service.put_user_policy(service.root_principal(), name, "p", json.dumps(policy))
    return Principal.for_user(user, ACCOUNT_ID)


def test_every_operation_is_authorized_on_the_provider_arn(service: IamService,
                                                           root: Principal) -> None:
    """Each operation is its IAM action on the provider's ARN, and a denial is audited.
    aws:ResourceTag works on a tagged provider."""
    arn = github(service, root, tags=[Tag("team", "ci")])
    reader = _user(service, "reader", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "iam:GetOpenIDConnectProvider", "Resource": arn,
         "Condition": {"StringEquals": {"aws:ResourceTag/team": "ci"}}},
        {"Effect": "Allow", "Action": "iam:ListOpenIDConnectProviders", "Resource": "*"}]})
    assert service.get_open_id_connect_provider(reader, arn).arn == arn
    assert len(service.list_open_id_connect_providers(reader)) == 1
    for attempt in (lambda: service.delete_open_id_connect_provider(reader, arn),
                    lambda: service.add_client_id_to_open_id_connect_provider(reader, arn, "x"),
                    lambda: service.set_open_id_connect_provider_jwks(reader, arn,
                                                                      jwks(rsa_key())),
                    lambda: service.create_open_id_connect_provider(reader,
                                                                    "https://x.example.com")):
        with pytest.raises(AccessDenied):
            attempt()
    events = [e for e in reversed(service.audit.page(0, 100))
              if e.get("errorCode") == "AccessDenied"]
    assert [e["eventName"] for e in events] == [
        "DeleteOpenIDConnectProvider", "AddClientIDToOpenIDConnectProvider",
        "SetOpenIDConnectProviderJWKS", "CreateOpenIDConnectProvider"]
    assert service.get_open_id_connect_provider(root, arn).client_ids == ("sts.amazonaws.com",)


def test_jwks_is_authorized_as_updating_the_thumbprint(service: IamService,
                                                       root: Principal) -> None:
    """The JWKS stands in for what the thumbprint secures (the keys STS fetches), so the
    same permission governs it."""
    arn = github(service, root)
    admin = _user(service, "admin", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "iam:UpdateOpenIDConnectProviderThumbprint",
         "Resource": arn}]})
    service.set_open_id_connect_provider_jwks(admin, arn, jwks(rsa_key(), ec_key()))
    stored = json.loads(service.get_open_id_connect_provider(root, arn).jwks or "{}")
    assert [k["kid"] for k in stored["keys"]] == ["rsa-1", "ec-1"]


@pytest.mark.parametrize(("document", "why"), [
    ("not json", "not valid JSON"),
    ('{"keys": []}', "keys"),
    ('{"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}', "private or secret"),
    ('{"keys": [{"kty": "OKP", "crv": "Ed25519", "x": "abc"}]}', "only RSA and EC"),
    ('{"keys": [{"kty": "RSA", "n": "", "e": "AQAB", "kid": "x"}]}', "no usable key"),
])
def test_jwks_refusals(service: IamService, root: Principal, document: str, why: str) -> None:
    arn = github(service, root)
    with pytest.raises(InvalidInput, match=why):
        service.set_open_id_connect_provider_jwks(root, arn, document)


def test_a_private_key_is_never_stored(service: IamService, root: Principal) -> None:
    """A JWKS holding the private exponent would put a secret in the store: refused."""
    import jwt

    arn = github(service, root)
    private = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(rsa_key().private))
    with pytest.raises(InvalidInput, match="private"):
        service.set_open_id_connect_provider_jwks(root, arn, json.dumps({"keys": [private]}))
    assert service.get_open_id_connect_provider(root, arn).jwks is None


def test_providers_stay_out_of_the_authorization_details(service: IamService,
                                                         root: Principal) -> None:
    """GetAccountAuthorizationDetails lists users, groups, roles and policies only."""
    github(service, root)
    details = service.get_account_authorization_details(root)
    assert "oidc-provider" not in json.dumps(details, default=str)


_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                     lambda inner: st.lists(inner, max_size=3)
                     | st.dictionaries(st.sampled_from(["kty", "n", "e", "crv", "x", "y", "kid",
                                                        "alg", "use", "keys"]), inner,
                                       max_size=5), max_leaves=12)


@given(st.one_of(_JSON, st.fixed_dictionaries({"keys": st.lists(st.dictionaries(
    st.sampled_from(["kty", "n", "e", "crv", "x", "y", "kid", "alg"]),
    st.sampled_from(["RSA", "EC", "P-256", "AQAB", "", "abc", 1, None])), max_size=3)})))
def test_any_jwks_document_is_taken_or_refused_as_invalid_input(document: object) -> None:
    """The JWKS parser: whatever JSON it is given, it keeps a usable key set or answers
    InvalidInput, never another exception."""
    from iamtui.service.oidc_providers import validate_jwks

    text = json.dumps(document)
    with contextlib.suppress(InvalidInput):
        assert validate_jwks(text) == text


@given(st.lists(st.text(max_size=300), max_size=8), st.lists(st.text(min_size=38, max_size=42),
                                                            max_size=8))
def test_client_id_and_thumbprint_lists(client_ids: list[str], thumbprints: list[str]) -> None:
    """CreateOpenIDConnectProvider's two lists (IAM API Reference: ClientIDList members
    1-255 characters, ThumbprintList members 40; "IAM and AWS STS quotas": 100 and 5): the
    first bad member is named in AWS's words, else the list comes back without duplicates,
    in order, within its quota."""
    for values, validate, field, low, high, quota in (
            (client_ids, validate_client_ids, "clientIDList", 1, 255, 100),
            (thumbprints, validate_thumbprints, "thumbprintList", 40, 40, 5)):
        bad = next((n for n, v in enumerate(values, 1) if not low <= len(v) <= high), None)
        unique = tuple(dict.fromkeys(values))
        if bad is not None:
            with pytest.raises(ValidationError) as caught:
                validate(values)
            assert f"at '{field}.{bad}.member' failed to satisfy constraint: Member must " \
                "have length" in str(caught.value)
        elif len(unique) > quota:
            with pytest.raises(LimitExceeded):
                validate(values)
        else:
            assert validate(values) == unique
