"""SAML identity providers and AssumeRoleWithSAML, through IamService.

AWS pages: IAM User Guide, "Create a SAML identity provider in IAM", "Configure SAML
assertions for the authentication response", "Available keys for SAML-based federation",
"Troubleshoot SAML 2.0 federation with AWS"; IAM API Reference, CreateSAMLProvider,
GetSAMLProvider, ListSAMLProviders, UpdateSAMLProvider, DeleteSAMLProvider,
TagSAMLProvider, UntagSAMLProvider, ListSAMLProviderTags; STS API Reference,
AssumeRoleWithSAML. Every answer is checked against botocore's model of IAM and STS.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from helpers import ACCOUNT_ID, FakeClock
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from saml_idp import IdP, tamper

from iamtui.errors import (
    AccessDenied,
    EntityAlreadyExists,
    InvalidInput,
    LimitExceeded,
    MalformedPolicyDocument,
    NoSuchEntity,
    ValidationError,
)
from iamtui.model import Tag
from iamtui.security import saml
from iamtui.service import IamService, Principal
from iamtui.service import saml_providers as module
from iamtui.service.saml_providers import (
    aws_assume_role_with_saml,
    aws_saml_provider,
    aws_saml_provider_list_entry,
)

PROVIDER = f"arn:aws:iam::{ACCOUNT_ID}:saml-provider/Okta"
ROLE = f"arn:aws:iam::{ACCOUNT_ID}:role/Federated"
PAIR = f"{ROLE},{PROVIDER}"


def matches_model(service_name: str, operation: str, data: dict[str, Any]) -> None:
    """`data` is a valid output of `operation` by botocore's model (types, required and
    unknown members, lengths)."""
    import awscli.formatter  # noqa: F401  (awscli first: its own botocore)
    import botocore.session
    from botocore.validate import ParamValidator

    model = botocore.session.get_session().get_service_model(service_name)
    report = ParamValidator().validate(data, model.operation_model(operation).output_shape)
    assert not report.has_errors(), report.generate_report()


@pytest.fixture(scope="module")
def idp() -> IdP:
    return IdP()


def trust(condition: dict[str, Any] | None = None) -> str:
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": {"Federated": PROVIDER},
                                 "Action": "sts:AssumeRoleWithSAML",
                                 "Condition": {"StringEquals": {
                                     "SAML:aud": "https://signin.aws.amazon.com/saml"}}}
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


@pytest.fixture
def federated(service: IamService, root: Principal, idp: IdP) -> IamService:
    """The provider Okta (this IdP) and the role Federated that trusts it."""
    service.create_saml_provider(root, "Okta", idp.metadata())
    service.create_role(root, "Federated", trust())
    return service


# ---------------------------------------------------------------------------- providers


def test_create_get_list_update_delete(service: IamService, root: Principal, idp: IdP,
                                       clock: FakeClock) -> None:
    """CreateSAMLProvider keeps the document as given, reads ValidUntil from the metadata's
    validUntil; Get/List/Update answer in the API's shapes; Delete removes it."""
    until = datetime(2030, 1, 1, tzinfo=UTC)
    made = service.create_saml_provider(root, "Okta", idp.metadata(valid_until=until),
                                        tags=[Tag("team", "id")])
    assert made.arn == PROVIDER
    matches_model("iam", "CreateSAMLProvider", {"SAMLProviderArn": made.arn,
                                                "Tags": [{"Key": "team", "Value": "id"}]})
    got = service.get_saml_provider(root, PROVIDER)
    shape = aws_saml_provider(got)
    matches_model("iam", "GetSAMLProvider", shape)
    assert shape["SAMLMetadataDocument"] == idp.metadata(valid_until=until)
    assert shape["ValidUntil"] == "2030-01-01T00:00:00+00:00"
    assert shape["CreateDate"] == clock.now.isoformat()
    assert shape["Tags"] == [{"Key": "team", "Value": "id"}]
    listed = {"SAMLProviderList": [aws_saml_provider_list_entry(p)
                                   for p in service.list_saml_providers(root)]}
    matches_model("iam", "ListSAMLProviders", listed)
    assert [e["Arn"] for e in listed["SAMLProviderList"]] == [PROVIDER]

    other = IdP("https://other.example.com/saml")
    updated = service.update_saml_provider(root, PROVIDER, other.metadata())
    assert updated.issuer == "https://other.example.com/saml"
    assert updated.valid_until.year == clock.now.year + 100  # no validUntil: a century
    service.delete_saml_provider(root, PROVIDER)
    with pytest.raises(NoSuchEntity, match=f"Manifest not found for arn {PROVIDER}"):
        service.get_saml_provider(root, PROVIDER)
    with pytest.raises(NoSuchEntity):
        service.delete_saml_provider(root, PROVIDER)


def test_tags(service: IamService, root: Principal, idp: IdP) -> None:
    """TagSAMLProvider adds or overwrites (keys ignore case), UntagSAMLProvider removes,
    ListSAMLProviderTags lists; 50 at most (LimitExceeded)."""
    service.create_saml_provider(root, "Okta", idp.metadata(), tags=[Tag("Team", "a")])
    service.tag_saml_provider(root, PROVIDER, [Tag("team", "b"), Tag("env", "prod")])
    tags = service.list_saml_provider_tags(root, PROVIDER)
    assert [(t.key, t.value) for t in tags] == [("team", "b"), ("env", "prod")]
    matches_model("iam", "ListSAMLProviderTags",
                  {"Tags": [{"Key": t.key, "Value": t.value} for t in tags],
                   "IsTruncated": False})
    service.untag_saml_provider(root, PROVIDER, ["TEAM"])
    assert [t.key for t in service.list_saml_provider_tags(root, PROVIDER)] == ["env"]
    with pytest.raises(LimitExceeded):
        service.tag_saml_provider(root, PROVIDER, [Tag(f"k{i}", "v") for i in range(50)])


@pytest.mark.parametrize(("name", "error"), [
    ("", ValidationError), ("a" * 129, ValidationError), ("has space", ValidationError),
    ("slash/no", ValidationError), ("ok.name_1-2", None)])
def test_name_rule(service: IamService, root: Principal, idp: IdP, name: str,
                   error: type[Exception] | None) -> None:
    """CreateSAMLProvider's Name: 1-128 characters of [\\w._-] (API reference)."""
    if error is None:
        assert service.create_saml_provider(root, name, idp.metadata()).name == name
    else:
        with pytest.raises(error):
            service.create_saml_provider(root, name, idp.metadata())


def _padded(text: str) -> str:
    return text + " " * max(0, 1000 - len(text))


@pytest.mark.parametrize(("document", "error", "message"), [
    ("<x/>", ValidationError, "greater than or equal to 1000"),
    (_padded("not xml at all"), InvalidInput, "Could not parse metadata"),
    (_padded('<a xmlns="urn:x"/>'), InvalidInput, "EntityDescriptor"),
    (_padded('<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
             'entityID="https://idp"/>'), InvalidInput, "signing certificate"),
    (_padded('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]>'
             '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
             'entityID="&e;"/>'), InvalidInput, "document type"),
])
def test_metadata_must_parse_and_carry_a_signing_certificate(
        service: IamService, root: Principal, document: str, error: type[Exception],
        message: str) -> None:
    """The metadata is 1,000-10,000,000 characters (ValidationError) and must parse as
    SAML metadata with the IdP's signing certificate, else InvalidInput "Could not parse
    metadata" ("Create a SAML identity provider in IAM"); no DTD is read."""
    with pytest.raises(error, match=message):
        service.create_saml_provider(root, "Okta", document)
    assert service.list_saml_providers(root) == []


def test_an_encryption_key_or_a_bad_certificate_is_no_signing_key(
        service: IamService, root: Principal, idp: IdP) -> None:
    with pytest.raises(InvalidInput, match="signing certificate"):
        service.create_saml_provider(root, "Okta", idp.metadata(use="encryption"))
    with pytest.raises(InvalidInput, match=r"not an X\.509 certificate"):
        service.create_saml_provider(root, "Okta", idp.metadata(cert_b64="AAAA" * 300))


def test_names_are_unique_and_quota(service: IamService, root: Principal, idp: IdP,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """EntityAlreadyExists for a name taken (ignoring case); LimitExceeded past the
    account's quota of SAML providers ("IAM and AWS STS quotas": 100)."""
    service.create_saml_provider(root, "Okta", idp.metadata())
    with pytest.raises(EntityAlreadyExists):
        service.create_saml_provider(root, "OKTA", idp.metadata())
    monkeypatch.setattr(module, "SAML_PROVIDERS_QUOTA", 2)
    service.create_saml_provider(root, "Two", idp.metadata())
    with pytest.raises(LimitExceeded, match="SAMLProvidersPerAccount"):
        service.create_saml_provider(root, "Three", idp.metadata())


def test_provider_arn_rules(service: IamService, root: Principal) -> None:
    with pytest.raises(ValidationError, match="length"):
        service.get_saml_provider(root, "arn:short")
    with pytest.raises(InvalidInput, match="saml-provider"):
        service.get_saml_provider(root, f"arn:aws:iam::{ACCOUNT_ID}:role/Federated")


def test_authorized_on_the_provider_arn_and_audited(service: IamService, root: Principal,
                                                     idp: IdP) -> None:
    """Each operation is the IAM action on the provider's ARN: a user allowed
    iam:CreateSAMLProvider on saml-provider/Okta* only, and only with a team tag, may
    create Okta-prod with it; elsewhere AccessDenied, audited. The audit record keeps the
    document's digest, not the 10 MB a document may have."""
    user = service.create_user(root, "alice")
    service.put_user_policy(root, "alice", "saml", json.dumps({
        "Version": "2012-10-17", "Statement": [{
            # creating with tags is also TagSAMLProvider (as "IAM: Create new users only with
            # specific tags" grants CreateUser with TagUser)
            "Effect": "Allow", "Action": ["iam:CreateSAMLProvider", "iam:TagSAMLProvider",
                                          "iam:GetSAMLProvider"],
            "Resource": f"arn:aws:iam::{ACCOUNT_ID}:saml-provider/Okta*",
            "Condition": {"StringEquals": {"aws:RequestTag/team": "id"}}}]}))
    alice = Principal.for_user(user, ACCOUNT_ID)
    with pytest.raises(AccessDenied, match="iam:CreateSAMLProvider"):
        service.create_saml_provider(alice, "Other", idp.metadata(), tags=[Tag("team", "id")])
    event = service.audit.page(0, 1)[0]
    assert (event["eventName"], event["errorCode"]) == ("CreateSAMLProvider", "AccessDenied")
    with pytest.raises(AccessDenied):
        service.create_saml_provider(alice, "Okta-prod", idp.metadata())
    service.create_saml_provider(alice, "Okta-prod", idp.metadata(), tags=[Tag("team", "id")])
    event = service.audit.page(0, 1)[0]
    assert event["eventName"] == "CreateSAMLProvider" and "errorCode" not in event
    recorded = event["requestParameters"]["sAMLMetadataDocument"]
    assert recorded == {"length": len(idp.metadata()),
                        "sha256": hashlib.sha256(idp.metadata().encode()).hexdigest()}
    with pytest.raises(AccessDenied, match="iam:ListSAMLProviders"):
        service.list_saml_providers(alice)


# ---------------------------------------------------------------------------- AssumeRoleWithSAML


def test_assume_role_with_saml(federated: IamService, idp: IdP, clock: FakeClock) -> None:
    """A verified response whose Role attribute pairs the role with the provider, for a
    role that trusts the provider: credentials, AssumedRoleUser, Subject, SubjectType,
    Issuer, Audience and NameQualifier (BASE64(SHA1(issuer + account + "/" + name))), as
    the STS API Reference says; the session acts as the role."""
    response = idp.response(roles=[PAIR], now=clock.now)
    result = federated.assume_role_with_saml(ROLE, PROVIDER, response)
    data = aws_assume_role_with_saml(result)
    matches_model("sts", "AssumeRoleWithSAML", data)
    qualifier = base64.b64encode(hashlib.sha1(
        f"{idp.entity_id}{ACCOUNT_ID}/Okta".encode()).digest()).decode()
    assert {k: data[k] for k in ("Subject", "SubjectType", "Issuer", "Audience",
                                 "NameQualifier")} == {
        "Subject": "alice@example.com", "SubjectType": "persistent",
        "Issuer": idp.entity_id, "Audience": "https://signin.aws.amazon.com/saml",
        "NameQualifier": qualifier}
    assert data["AssumedRoleUser"]["Arn"] == \
        f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/Federated/alice"
    creds = result.session.credentials
    assert creds.expiration == clock.now + timedelta(hours=1)
    session = federated.authenticate_session(creds.access_key_id, creds.secret_access_key,
                                             creds.session_token)
    assert federated.get_caller_identity(session).arn == data["AssumedRoleUser"]["Arn"]
    event = next(e for e in federated.audit.page(0, 5)
                 if e["eventName"] == "AssumeRoleWithSAML")
    assert event["eventSource"] == "sts.amazonaws.com"
    assert event["userIdentity"] == {
        "type": "SAMLUser", "principalId": f"{qualifier}:alice@example.com",
        "accountId": ACCOUNT_ID, "userName": "alice@example.com",
        "identityProvider": qualifier}
    assert response not in json.dumps(event)


def test_a_signed_response_works_too(federated: IamService, idp: IdP,
                                     clock: FakeClock) -> None:
    """The IdP may sign the Response instead of the Assertion ("Configure SAML
    assertions for the authentication response")."""
    response = idp.response(roles=[PAIR], now=clock.now, sign="response")
    assert federated.assume_role_with_saml(ROLE, PROVIDER, response).subject == \
        "alice@example.com"


def _last_error(service: IamService) -> tuple[str, str]:
    event = service.audit.page(0, 1)[0]
    return event["eventName"], event["errorCode"]


def test_a_tampered_assertion_is_refused(federated: IamService, idp: IdP,
                                         clock: FakeClock) -> None:
    """Changing a signed assertion breaks its signature: InvalidIdentityToken "Response
    signature invalid" (Troubleshoot SAML 2.0 federation), audited."""
    response = idp.response(roles=[PAIR], now=clock.now)
    with pytest.raises(saml.InvalidIdentityToken, match="Response signature invalid"):
        federated.assume_role_with_saml(
            ROLE, PROVIDER, tamper(response, "alice@example.com", "admin@example.com"))
    assert _last_error(federated) == ("AssumeRoleWithSAML", "InvalidIdentityToken")


def test_a_wrapped_unsigned_assertion_is_never_read(federated: IamService, root: Principal,
                                                    idp: IdP, clock: FakeClock) -> None:
    """Signature wrapping: an unsigned assertion put before the signed one names another
    subject and role; only what the signature covers counts, so the signed subject comes
    back, and the role only the unsigned one lists is refused. A copy that keeps the
    signature (pointing back at the signed assertion) is refused outright."""
    federated.create_role(root, "Admin", trust())
    admin = f"arn:aws:iam::{ACCOUNT_ID}:role/Admin"
    response = idp.response(roles=[PAIR], now=clock.now)
    xml = base64.b64decode(response).decode()
    start, end = xml.index("<saml:Assertion"), xml.index("</saml:Assertion>") + 17
    copy = (xml[start:end].replace("alice@example.com", "root@example.com")
            .replace(ROLE, admin).replace('ID="_a', 'ID="_evil'))
    unsigned = re.sub(r"<ds:Signature.*?</ds:Signature>", "", copy, flags=re.S)

    def wrapped(evil: str) -> str:
        return base64.b64encode((xml[:start] + evil + xml[start:]).encode()).decode()

    assert federated.assume_role_with_saml(ROLE, PROVIDER, wrapped(unsigned)).subject == \
        "alice@example.com"
    with pytest.raises(AccessDenied):
        federated.assume_role_with_saml(admin, PROVIDER, wrapped(unsigned))
    with pytest.raises(saml.InvalidIdentityToken):
        federated.assume_role_with_saml(ROLE, PROVIDER, wrapped(copy))


def test_a_response_signed_by_another_key_is_refused(federated: IamService, idp: IdP,
                                                     clock: FakeClock) -> None:
    """Only the certificates of the provider's metadata verify its responses."""
    response = idp.response(roles=[PAIR], now=clock.now, signer=IdP())
    with pytest.raises(saml.InvalidIdentityToken, match="Response signature invalid"):
        federated.assume_role_with_saml(ROLE, PROVIDER, response)


def test_a_certificate_out_of_its_validity_verifies_nothing(
        federated: IamService, idp: IdP, clock: FakeClock) -> None:
    """The metadata's certificate counts only while it is valid, by the store's clock (the
    test IdP's runs from 2020 for thirty years)."""
    clock.now = idp.cert.not_valid_after_utc + timedelta(days=1)
    response = idp.response(roles=[PAIR], now=clock.now)
    with pytest.raises(saml.InvalidIdentityToken, match="Response signature invalid"):
        federated.assume_role_with_saml(ROLE, PROVIDER, response)


def test_an_expired_assertion_is_refused(federated: IamService, idp: IdP,
                                         clock: FakeClock) -> None:
    """NotOnOrAfter passed by the store's clock: ExpiredTokenException."""
    response = idp.response(roles=[PAIR], now=clock.now, lifetime=timedelta(minutes=5))
    clock.advance(minutes=5)
    with pytest.raises(saml.ExpiredTokenException):
        federated.assume_role_with_saml(ROLE, PROVIDER, response)
    assert _last_error(federated) == ("AssumeRoleWithSAML", "ExpiredTokenException")


def test_an_assertion_not_yet_valid_is_refused(federated: IamService, idp: IdP,
                                               clock: FakeClock) -> None:
    response = idp.response(roles=[PAIR], now=clock.now + timedelta(minutes=10))
    with pytest.raises(saml.InvalidIdentityToken, match="not valid before"):
        federated.assume_role_with_saml(ROLE, PROVIDER, response)


@pytest.mark.parametrize("field", ["recipient", "audience"])
def test_a_response_for_another_audience_is_refused(federated: IamService, idp: IdP,
                                                    clock: FakeClock, field: str) -> None:
    """The Recipient and the Audience must be https://signin.aws.amazon.com/saml."""
    response = idp.response(roles=[PAIR], now=clock.now,
                            **{field: "https://app.example.com/acs"})
    with pytest.raises(saml.InvalidIdentityToken, match=field.capitalize()):
        federated.assume_role_with_saml(ROLE, PROVIDER, response)


def test_the_issuer_must_be_the_providers(federated: IamService, idp: IdP,
                                          clock: FakeClock) -> None:
    response = idp.response(roles=[PAIR], now=clock.now, issuer="https://evil.example.com")
    with pytest.raises(saml.InvalidIdentityToken, match="Issuer not present"):
        federated.assume_role_with_saml(ROLE, PROVIDER, response)


def test_a_role_not_in_the_role_attribute_is_refused(federated: IamService, root: Principal,
                                                     idp: IdP, clock: FakeClock) -> None:
    """The Role attribute lists role,provider pairs the user may take (either order); a
    role it does not list is AccessDenied even when that role trusts the provider."""
    federated.create_role(root, "Admin", trust())
    admin = f"arn:aws:iam::{ACCOUNT_ID}:role/Admin"
    response = idp.response(roles=[f"{PROVIDER},{ROLE}"], now=clock.now)  # provider first
    assert federated.assume_role_with_saml(ROLE, PROVIDER, response).subject
    with pytest.raises(AccessDenied, match="Not authorized to perform sts:AssumeRoleWithSAML"):
        federated.assume_role_with_saml(admin, PROVIDER, response)
    assert _last_error(federated) == ("AssumeRoleWithSAML", "AccessDenied")


def test_trust_policy_condition_on_saml_sub(federated: IamService, root: Principal,
                                            idp: IdP, clock: FakeClock) -> None:
    """The trust policy sees the saml: keys ("Available keys for SAML-based federation"):
    a condition on saml:sub lets alice in and keeps bob out; saml:edupersonaffiliation is a
    multivalued key for ForAnyValue; saml:doc is account/provider-name."""
    federated.update_assume_role_policy(root, "Federated", trust({
        "StringEquals": {"saml:sub": "alice@example.com", "saml:sub_type": "persistent",
                         "saml:doc": f"{ACCOUNT_ID}/Okta",
                         "saml:iss": idp.entity_id},
        "ForAnyValue:StringEquals": {"saml:edupersonaffiliation": "staff"}}))
    affiliation = {"urn:oid:1.3.6.1.4.1.5923.1.1.1.1": ["member", "staff"]}
    ok = idp.response(roles=[PAIR], now=clock.now, attributes=affiliation)
    assert federated.assume_role_with_saml(ROLE, PROVIDER, ok).subject == "alice@example.com"
    bob = idp.response(roles=[PAIR], now=clock.now, subject="bob@example.com",
                       attributes=affiliation)
    with pytest.raises(AccessDenied, match="trust policy"):
        federated.assume_role_with_saml(ROLE, PROVIDER, bob)
    student = idp.response(roles=[PAIR], now=clock.now,
                           attributes={"urn:oid:1.3.6.1.4.1.5923.1.1.1.1": ["student"]})
    with pytest.raises(AccessDenied):
        federated.assume_role_with_saml(ROLE, PROVIDER, student)


def test_a_role_that_trusts_another_provider_is_refused(
        federated: IamService, root: Principal, idp: IdP, clock: FakeClock) -> None:
    other = f"arn:aws:iam::{ACCOUNT_ID}:saml-provider/Other"
    federated.create_saml_provider(root, "Other", idp.metadata())
    response = idp.response(roles=[f"{ROLE},{other}"], now=clock.now)
    with pytest.raises(AccessDenied):
        federated.assume_role_with_saml(ROLE, other, response)


def test_session_name_attribute_is_required_and_checked(federated: IamService, idp: IdP,
                                                        clock: FakeClock) -> None:
    with pytest.raises(saml.InvalidIdentityToken, match="RoleSessionName is required"):
        federated.assume_role_with_saml(
            ROLE, PROVIDER, idp.response(roles=[PAIR], now=clock.now, session_name=None))
    with pytest.raises(saml.InvalidIdentityToken, match="must match"):
        federated.assume_role_with_saml(
            ROLE, PROVIDER, idp.response(roles=[PAIR], now=clock.now, session_name="a b"))


def test_unknown_provider_failed_status_and_duration(federated: IamService, idp: IdP,
                                                     clock: FakeClock) -> None:
    """"Specified provider doesn't exist"; an IdP's failure status is IDPRejectedClaim;
    DurationSeconds within 900 and the role's MaxSessionDuration (ValidationError)."""
    response = idp.response(roles=[PAIR], now=clock.now)
    missing = f"arn:aws:iam::{ACCOUNT_ID}:saml-provider/Nope"
    with pytest.raises(saml.InvalidIdentityToken, match="Specified provider doesn't exist"):
        federated.assume_role_with_saml(ROLE, missing, response)
    failed = idp.response(roles=[PAIR], now=clock.now,
                          status="urn:oasis:names:tc:SAML:2.0:status:Requester")
    with pytest.raises(saml.IDPRejectedClaim):
        federated.assume_role_with_saml(ROLE, PROVIDER, failed)
    with pytest.raises(ValidationError, match="MaxSessionDuration"):
        federated.assume_role_with_saml(ROLE, PROVIDER, response, duration_seconds=7200)
    with pytest.raises(ValidationError):
        federated.assume_role_with_saml(ROLE, PROVIDER, response, duration_seconds=899)


def test_session_not_on_or_after_caps_the_session(federated: IamService, root: Principal,
                                                  idp: IdP, clock: FakeClock) -> None:
    """STS API Reference, AssumeRoleWithSAML, DurationSeconds: the session lasts the
    DurationSeconds asked (900 up to the role's MaxSessionDuration, 3600 by default), or
    until the assertion's SessionNotOnOrAfter, whichever is shorter."""
    federated.update_role(root, "Federated", max_session_duration=7200)

    def expiry(**kwargs: Any) -> timedelta:
        cap = kwargs.pop("cap", None)
        response = idp.response(roles=[PAIR], now=clock.now, session_not_on_or_after=cap)
        result = federated.assume_role_with_saml(ROLE, PROVIDER, response, **kwargs)
        return result.session.credentials.expiration - clock.now

    assert expiry() == timedelta(hours=1)
    assert expiry(duration_seconds=7200) == timedelta(hours=2)
    assert expiry(cap=clock.now + timedelta(minutes=30)) == timedelta(minutes=30)
    assert expiry(duration_seconds=900,
                  cap=clock.now + timedelta(minutes=30)) == timedelta(minutes=15)
    with pytest.raises(saml.ExpiredTokenException):
        expiry(cap=clock.now - timedelta(seconds=1))


def test_a_deleted_provider_no_longer_federates(federated: IamService, root: Principal,
                                                idp: IdP, clock: FakeClock) -> None:
    response = idp.response(roles=[PAIR], now=clock.now)
    federated.delete_saml_provider(root, PROVIDER)
    with pytest.raises(saml.InvalidIdentityToken):
        federated.assume_role_with_saml(ROLE, PROVIDER, response)


def test_session_policies_limit_the_session(federated: IamService, root: Principal,
                                            idp: IdP, clock: FakeClock) -> None:
    """Policy and PolicyArns are session policies: the session may do what both the role's
    policies and they allow, and an explicit deny in them wins (IAM User Guide, "Session
    policies"; STS API Reference, AssumeRoleWithSAML). A session without them keeps the
    role's permissions."""
    federated.put_role_policy(root, "Federated", "iam", json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": ["iam:ListUsers", "iam:ListRoles", "iam:GetUser"],
            "Resource": "*"}]}))
    federated.create_user(root, "carol")
    limit = federated.create_policy(root, "OnlyListRoles", json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:ListRoles",
                                                "Resource": "*"}]}))

    def session(**kwargs: Any) -> Principal:
        result = federated.assume_role_with_saml(
            ROLE, PROVIDER, idp.response(roles=[PAIR], now=clock.now), **kwargs)
        creds = result.session.credentials
        return federated.authenticate_session(creds.access_key_id, creds.secret_access_key,
                                              creds.session_token)

    plain = session()
    assert federated.list_users(plain) and federated.list_roles(plain)
    limited = session(policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["iam:ListUsers", "iam:CreateUser", "iam:GetUser"],
         "Resource": "*"},
        {"Effect": "Deny", "Action": "iam:GetUser", "Resource": "*"}]}))
    assert federated.list_users(limited)
    with pytest.raises(AccessDenied):
        federated.list_roles(limited)  # the role allows it, the session policy does not
    with pytest.raises(AccessDenied):
        federated.create_user(limited, "dave")  # the session policy allows, the role not
    with pytest.raises(AccessDenied):
        federated.get_user(limited, "carol")  # both allow; the session policy denies
    by_arn = session(policy_arns=[limit.arn])
    assert federated.list_roles(by_arn)
    with pytest.raises(AccessDenied):
        federated.list_users(by_arn)


def test_session_policy_rules(federated: IamService, idp: IdP, clock: FakeClock) -> None:
    """A session policy must be a valid identity policy (MalformedPolicyDocument), of at
    most 2,048 characters of the API's range (ValidationError); PolicyArns at most 10 and
    existing: the rules AssumeRole applies (STS API Reference, AssumeRoleWithSAML, Policy
    and PolicyArns; the same checks as assume-role, session_inputs.py)."""
    response = idp.response(roles=[PAIR], now=clock.now)
    with pytest.raises(MalformedPolicyDocument):
        federated.assume_role_with_saml(ROLE, PROVIDER, response, policy='{"Statement": 1}')
    with pytest.raises(ValidationError, match="2048"):
        federated.assume_role_with_saml(ROLE, PROVIDER, response, policy="x" * 2049)
    with pytest.raises(ValidationError, match="10"):
        federated.assume_role_with_saml(
            ROLE, PROVIDER, response,
            policy_arns=[f"arn:aws:iam::{ACCOUNT_ID}:policy/p{i}" for i in range(11)])
    with pytest.raises(ValidationError, match="policy"):
        federated.assume_role_with_saml(ROLE, PROVIDER, response, policy='{"a": "\u0100"}')
    with pytest.raises(MalformedPolicyDocument, match="does not exist"):
        federated.assume_role_with_saml(
            ROLE, PROVIDER, response, policy_arns=[f"arn:aws:iam::{ACCOUNT_ID}:policy/none"])
    result = federated.assume_role_with_saml(ROLE, PROVIDER, response, policy_arns=[
        "arn:aws:iam::aws:policy/ReadOnlyAccess"])
    shown = aws_assume_role_with_saml(result)
    assert 0 < shown["PackedPolicySize"] <= 100
    matches_model("sts", "AssumeRoleWithSAML", shown)


def test_session_requests_carry_saml_sub_namequalifier_and_sub_type(
        federated: IamService, root: Principal, idp: IdP, clock: FakeClock) -> None:
    """IAM User Guide, "Available keys for SAML-based AWS STS federation", "SAML role
    permissions policies": the role's permissions policies may use saml:namequalifier,
    saml:sub and saml:sub_type in the requests the session makes (here as a policy
    variable and in conditions); the other saml: keys belong to the trust policy, so a
    condition on saml:iss finds no key in the session's requests."""
    federated.create_user(root, "alice@example.com")
    federated.create_user(root, "carol")
    qualifier = base64.b64encode(hashlib.sha1(
        f"{idp.entity_id}{ACCOUNT_ID}/Okta".encode()).digest()).decode()
    federated.put_role_policy(root, "Federated", "own", json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "iam:GetUser",
             "Resource": f"arn:aws:iam::{ACCOUNT_ID}:user/${{saml:sub}}",
             "Condition": {"StringEquals": {"saml:sub_type": "persistent",
                                            "saml:namequalifier": qualifier}}},
            {"Effect": "Allow", "Action": "iam:ListRoles", "Resource": "*",
             "Condition": {"StringEquals": {"saml:iss": idp.entity_id}}}]}))
    result = federated.assume_role_with_saml(ROLE, PROVIDER,
                                             idp.response(roles=[PAIR], now=clock.now))
    creds = result.session.credentials
    session = federated.authenticate_session(creds.access_key_id, creds.secret_access_key,
                                             creds.session_token)
    assert federated.get_user(session, "alice@example.com").user_name == "alice@example.com"
    with pytest.raises(AccessDenied):
        federated.get_user(session, "carol")
    with pytest.raises(AccessDenied):
        federated.list_roles(session)


# ---------------------------------------------------------------------------- parsers


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=300), st.binary(max_size=300).map(
    lambda b: base64.b64encode(b).decode())))
def test_any_response_text_is_refused_cleanly(text: str) -> None:
    """Whatever arrives as a SAMLResponse, the answer is an STS error, never a crash."""
    with pytest.raises((saml.InvalidIdentityToken, saml.IDPRejectedClaim)):
        saml.read_response(text, [], datetime(2026, 1, 1, tzinfo=UTC))


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_any_metadata_text_is_refused_cleanly(text: str) -> None:
    with pytest.raises(InvalidInput, match="Could not parse metadata"):
        saml.parse_metadata(text)


def test_signxml_and_lxml_load_only_when_saml_is_used() -> None:
    """The service (and every command but the SAML ones) starts without the XML stack."""
    import subprocess
    import sys

    code = ("import sys, iamtui.service, iamtui.commands.saml\n"
            "print([m for m in ('signxml', 'lxml') if m in sys.modules])\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"
