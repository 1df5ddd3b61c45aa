"""SAML 2.0 for IAM: an identity provider's metadata, and the SAML response STS redeems.

Pure building blocks (no store; time comes in as a value), used by the SAML provider
operations and AssumeRoleWithSAML. XML signatures are verified by signxml (lxml
underneath), imported only when a metadata document or a response is read: a command
that never meets SAML does not pay for them. Only what signxml reports as signed is read,
so an unsigned assertion wrapped beside a signed one is never looked at.

AWS pages followed:
- IAM User Guide, "Create a SAML identity provider in IAM": the metadata document names
  the issuer (the EntityDescriptor's entityID), its signing keys and its expiration.
- IAM User Guide, "Configure SAML assertions for the authentication response": the
  response or its assertion is signed; Issuer; the Subject's NameID and its Format; the
  Recipient of SubjectConfirmationData and the Audience, https://signin.aws.amazon.com/saml;
  NotBefore and NotOnOrAfter; the attributes
  https://aws.amazon.com/SAML/Attributes/Role ("role-arn,provider-arn" pairs, either
  order) and .../RoleSessionName (2-64 of [\\w+=,.@-]); .../SessionDuration.
- IAM User Guide, "Available keys for SAML-based federation": saml:aud, saml:iss,
  saml:sub, saml:sub_type, saml:namequalifier, saml:doc and the eduPerson, eduOrg and
  X.500 attributes by their OIDs.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from iamtui.errors import IamError, InvalidInput
from iamtui.model import parse_timestamp

SAML_NS = "urn:oasis:names:tc:SAML:2.0:assertion"
SAMLP_NS = "urn:oasis:names:tc:SAML:2.0:protocol"
MD_NS = "urn:oasis:names:tc:SAML:2.0:metadata"
DS_NS = "http://www.w3.org/2000/09/xmldsig#"
NAMEID_PREFIX = "urn:oasis:names:tc:SAML:2.0:nameid-format:"

ROLE_ATTRIBUTE = "https://aws.amazon.com/SAML/Attributes/Role"
SESSION_NAME_ATTRIBUTE = "https://aws.amazon.com/SAML/Attributes/RoleSessionName"
SESSION_DURATION_ATTRIBUTE = "https://aws.amazon.com/SAML/Attributes/SessionDuration"
# The sign-in endpoint that redeems SAML responses (global, or a Region's).
AWS_SAML_ENDPOINT = "https://signin.aws.amazon.com/saml"
_ENDPOINT_RE = re.compile(r"https://([a-z0-9-]+\.)?signin\.aws\.amazon\.com/saml")
# The audience AWS also accepts in AudienceRestriction besides the endpoint.
_AUDIENCE_URN = "urn:amazon:webservices"
_SESSION_NAME_RE = re.compile(r"[\w+=,.@-]{2,64}", re.ASCII)

# SAML attributes that become saml: keys ("Available keys for SAML-based federation"),
# by the attribute's Name (its OID URN).
ATTRIBUTE_KEYS: dict[str, str] = {
    "urn:oid:2.5.4.3": "saml:cn",
    "urn:oid:1.3.6.1.4.1.5923.1.2.1.2": "saml:eduorghomepageuri",
    "urn:oid:1.3.6.1.4.1.5923.1.2.1.3": "saml:eduorgidentityauthnpolicyuri",
    "urn:oid:1.3.6.1.4.1.5923.1.2.1.4": "saml:eduorglegalname",
    "urn:oid:1.3.6.1.4.1.5923.1.2.1.5": "saml:eduorgsuperioruri",
    "urn:oid:1.3.6.1.4.1.5923.1.2.1.6": "saml:eduorgwhitepagesuri",
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.1": "saml:edupersonaffiliation",
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.11": "saml:edupersonassurance",
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.7": "saml:edupersonentitlement",
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.2": "saml:edupersonnickname",
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.3": "saml:edupersonorgdn",
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.4": "saml:edupersonorgunitdn",
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.5": "saml:edupersonprimaryaffiliation",
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.8": "saml:edupersonprimaryorgunitdn",
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.6": "saml:edupersonprincipalname",
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.9": "saml:edupersonscopedaffiliation",
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.10": "saml:edupersontargetedid",
    "urn:oid:2.5.4.42": "saml:givenName",
    "urn:oid:0.9.2342.19200300.100.1.3": "saml:mail",
    "urn:oid:2.16.840.1.113730.3.1.241": "saml:name",
    "urn:oid:1.2.840.113556.1.4.98": "saml:primaryGroupSID",
    "urn:oid:2.5.4.4": "saml:surname",
    "urn:oid:0.9.2342.19200300.100.1.1": "saml:uid",
    "urn:oid:2.5.4.45": "saml:x500UniqueIdentifier",
}


class InvalidIdentityToken(IamError):
    """STS: the SAML response could not be validated (bad signature, wrong issuer, ...)."""

    code, http_status = "InvalidIdentityToken", 400


class ExpiredTokenException(IamError):
    """STS: the SAML response is past its NotOnOrAfter."""

    code, http_status = "ExpiredTokenException", 400


class IDPRejectedClaim(IamError):
    """STS: the identity provider's response says authentication failed."""

    code, http_status = "IDPRejectedClaim", 403


# ---------------------------------------------------------------------------- metadata


@dataclass(frozen=True)
class Metadata:
    """What IAM keeps from an IdP's metadata document."""

    entity_id: str
    signing_certificates: tuple[bytes, ...]  # DER
    valid_until: datetime | None


def _parse_xml(data: bytes) -> Any:
    """An lxml element from untrusted bytes: no DTD, no entities, no network."""
    from lxml import etree  # lazily: only SAML needs lxml

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False, remove_comments=False)
    root = etree.fromstring(data, parser)
    if root.getroottree().docinfo.doctype:
        raise ValueError("a document type declaration is not accepted")
    return root


def parse_metadata(document: str) -> Metadata:
    """An IdP's SAML metadata: its entityID, the certificates of its signing keys (a
    KeyDescriptor with use="signing" or no use, under IDPSSODescriptor) and validUntil.
    InvalidInput ("Could not parse metadata", as IAM says it) when it is none of that."""
    from cryptography import x509

    try:
        root = _parse_xml(document.encode("utf-8"))
    except Exception as exc:  # lxml's errors, a DTD, bad encodings: all one answer
        raise InvalidInput(f"Could not parse metadata: {exc}") from None
    if root.tag != f"{{{MD_NS}}}EntityDescriptor":
        raise InvalidInput("Could not parse metadata: the root element is not a SAML 2.0 "
                           "md:EntityDescriptor")
    entity_id = (root.get("entityID") or "").strip()
    if not entity_id:
        raise InvalidInput("Could not parse metadata: the EntityDescriptor has no entityID")
    certificates = []
    for descriptor in root.iterfind(f"{{{MD_NS}}}IDPSSODescriptor/{{{MD_NS}}}KeyDescriptor"):
        if descriptor.get("use") not in (None, "signing"):
            continue
        for text in descriptor.iterfind(f".//{{{DS_NS}}}X509Certificate"):
            try:
                der = base64.b64decode("".join((text.text or "").split()), validate=True)
                x509.load_der_x509_certificate(der)
            except (binascii.Error, ValueError) as exc:
                raise InvalidInput(f"Could not parse metadata: a signing certificate is not "
                                   f"an X.509 certificate ({exc})") from None
            certificates.append(der)
    if not certificates:
        raise InvalidInput("Could not parse metadata: it has no IDPSSODescriptor signing "
                           "certificate (KeyDescriptor with an X509Certificate)")
    valid_until = None
    if root.get("validUntil"):
        try:
            valid_until = parse_timestamp(root.get("validUntil"))
        except ValueError:
            raise InvalidInput("Could not parse metadata: validUntil is not a UTC "
                               "timestamp") from None
    return Metadata(entity_id, tuple(certificates), valid_until)


# ---------------------------------------------------------------------------- responses


@dataclass(frozen=True)
class SamlClaims:
    """What a verified SAML assertion says, in STS's words."""

    issuer: str
    subject: str
    subject_type: str | None  # persistent, transient, or the Format URI as it is
    audience: str  # the Recipient of SubjectConfirmationData
    roles: tuple[tuple[str, str], ...]  # (role ARN, provider ARN) pairs
    session_name: str | None
    session_not_on_or_after: datetime | None
    not_before: datetime | None = None
    not_on_or_after: datetime | None = None  # the sooner of Conditions' and the Subject's
    audiences: tuple[str, ...] = ()  # of AudienceRestriction
    attributes: dict[str, tuple[str, ...]] = field(default_factory=dict)  # by Name

    def context_keys(self, account_id: str, provider_name: str) -> dict[str, tuple[str, ...]]:
        """The saml: keys of "Available keys for SAML-based federation"."""
        keys = {"saml:aud": (self.audience,), "saml:iss": (self.issuer,),
                "saml:sub": (self.subject,),
                "saml:namequalifier": (name_qualifier(self.issuer, account_id, provider_name),),
                "saml:doc": (f"{account_id}/{provider_name}",)}
        if self.subject_type is not None:
            keys["saml:sub_type"] = (self.subject_type,)
        for name, values in self.attributes.items():
            if name in ATTRIBUTE_KEYS:
                keys[ATTRIBUTE_KEYS[name]] = values
        return keys


def name_qualifier(issuer: str, account_id: str, provider_name: str) -> str:
    """saml:namequalifier and the NameQualifier of the response: BASE64(SHA1(issuer +
    account ID + "/" + provider name)), one value per user of one provider of one account."""
    digest = hashlib.sha1(f"{issuer}{account_id}/{provider_name}".encode(), usedforsecurity=False)
    return base64.b64encode(digest.digest()).decode("ascii")


def _q(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


def _one(parent: Any, path: str, what: str) -> Any:
    found = parent.findall(path)
    if len(found) != 1:
        raise InvalidIdentityToken(f"Invalid SAML response: expected one {what}, found "
                                   f"{len(found)}")
    return found[0]


def _time(value: str | None, what: str) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_timestamp(value)
    except ValueError:
        raise InvalidIdentityToken(f"Invalid SAML response: {what} is not a UTC "
                                   "timestamp") from None


def _signed_assertion(root: Any, certificates: Sequence[bytes], now: datetime) -> Any:
    """The assertion as signed: the Response's only Assertion when the Response is signed,
    else the Assertion whose own signature verifies. Anything unsigned is never read. A
    certificate counts only within its validity period, by the store's clock (`now`)."""
    from cryptography import x509
    from lxml import etree
    from signxml import SignatureConfiguration, XMLVerifier
    from signxml.exceptions import SignXMLException

    response_signed = root.find(_q(DS_NS, "Signature")) is not None
    location = "./" if response_signed else f"./{_q(SAML_NS, 'Assertion')}/"
    config = SignatureConfiguration(location=location, verification_time=now)
    for der in certificates:
        try:
            result = XMLVerifier().verify(root, x509_cert=x509.load_der_x509_certificate(der),
                                          expect_config=config)
        except (SignXMLException, etree.LxmlError, ValueError):  # not signed by this key
            continue
        signed = result.signed_xml  # type: ignore[union-attr]
        if response_signed and signed.tag == _q(SAMLP_NS, "Response"):
            return _one(signed, _q(SAML_NS, "Assertion"), "Assertion")
        if not response_signed and signed.tag == _q(SAML_NS, "Assertion"):
            return signed
    raise InvalidIdentityToken("Response signature invalid")


def read_response(saml_response: str, certificates: Sequence[bytes],
                  now: datetime) -> SamlClaims:
    """Decode a base64 SAMLResponse, verify its signature against the provider's signing
    certificates and return the signed assertion's claims. Time and audience are checked
    by `check_conditions`, the role by the caller."""
    try:
        data = base64.b64decode("".join(saml_response.split()), validate=True)
        root = _parse_xml(data)
    except (binascii.Error, ValueError) as exc:
        raise InvalidIdentityToken(f"Invalid SAML response: not a base64 SAML 2.0 Response "
                                   f"({exc})") from None
    except Exception as exc:  # lxml's XMLSyntaxError and kin
        raise InvalidIdentityToken(f"Invalid SAML response: {exc}") from None
    if root.tag != _q(SAMLP_NS, "Response"):
        raise InvalidIdentityToken("Invalid SAML response: the root element is not a SAML 2.0 "
                                   "samlp:Response")
    status = root.find(f"{_q(SAMLP_NS, 'Status')}/{_q(SAMLP_NS, 'StatusCode')}")
    code = status.get("Value") if status is not None else None
    if code != "urn:oasis:names:tc:SAML:2.0:status:Success":
        raise IDPRejectedClaim("The identity provider reported that authentication failed "
                               f"(StatusCode {code})")
    assertion = _signed_assertion(root, certificates, now)
    return _claims(assertion)


def _claims(assertion: Any) -> SamlClaims:
    issuer = (_one(assertion, _q(SAML_NS, "Issuer"), "Issuer").text or "").strip()
    subject = _one(assertion, _q(SAML_NS, "Subject"), "Subject")
    name_id = _one(subject, _q(SAML_NS, "NameID"), "Subject NameID")
    fmt = name_id.get("Format")
    subject_type = fmt[len(NAMEID_PREFIX):] if fmt and fmt.startswith(NAMEID_PREFIX) else fmt
    data = subject.find(f"{_q(SAML_NS, 'SubjectConfirmation')}/"
                        f"{_q(SAML_NS, 'SubjectConfirmationData')}")
    recipient = data.get("Recipient") if data is not None else None
    attributes: dict[str, tuple[str, ...]] = {}
    for attribute in assertion.iterfind(f"{_q(SAML_NS, 'AttributeStatement')}/"
                                        f"{_q(SAML_NS, 'Attribute')}"):
        values = tuple((v.text or "").strip()
                       for v in attribute.iterfind(_q(SAML_NS, "AttributeValue")))
        attributes[attribute.get("Name", "")] = attributes.get(attribute.get("Name", ""),
                                                               ()) + values
    roles = []
    for value in attributes.get(ROLE_ATTRIBUTE, ()):
        parts = [p.strip() for p in value.split(",")]
        if len(parts) == 2:  # role and provider, either order
            role = next((p for p in parts if ":role/" in p), None)
            provider = next((p for p in parts if ":saml-provider/" in p), None)
            if role and provider:
                roles.append((role, provider))
    names = attributes.get(SESSION_NAME_ATTRIBUTE, ())
    authn = assertion.find(_q(SAML_NS, "AuthnStatement"))
    conditions = assertion.find(_q(SAML_NS, "Conditions"))
    ends = [t for t in (_time(conditions.get("NotOnOrAfter") if conditions is not None
                              else None, "NotOnOrAfter"),
                        _time(data.get("NotOnOrAfter") if data is not None else None,
                              "NotOnOrAfter")) if t is not None]
    audiences = tuple((a.text or "").strip() for a in assertion.iterfind(
        f"{_q(SAML_NS, 'Conditions')}/{_q(SAML_NS, 'AudienceRestriction')}/"
        f"{_q(SAML_NS, 'Audience')}"))
    return SamlClaims(
        issuer=issuer, subject=(name_id.text or "").strip(), subject_type=subject_type,
        audience=recipient or "", roles=tuple(roles),
        session_name=names[0] if names else None,
        session_not_on_or_after=_time(authn.get("SessionNotOnOrAfter") if authn is not None
                                      else None, "SessionNotOnOrAfter"),
        not_before=_time(conditions.get("NotBefore") if conditions is not None else None,
                         "NotBefore"),
        not_on_or_after=min(ends) if ends else None, audiences=audiences,
        attributes=attributes)


def check_claims(claims: SamlClaims, expected_issuer: str, now: datetime) -> None:
    """The checks beyond the signature: the issuer is the provider's, the response was
    meant for AWS's sign-in endpoint, and it is within its time window."""
    if claims.issuer != expected_issuer:
        raise InvalidIdentityToken("Issuer not present in specified provider")
    if not _ENDPOINT_RE.fullmatch(claims.audience):
        raise InvalidIdentityToken(f"Invalid SAML response: the Recipient must be "
                                   f"{AWS_SAML_ENDPOINT}, not {claims.audience or 'missing'}")
    if claims.audiences and not any(_ENDPOINT_RE.fullmatch(a) or a == _AUDIENCE_URN
                                      for a in claims.audiences):
        raise InvalidIdentityToken(f"Invalid SAML response: the Audience must be "
                                   f"{AWS_SAML_ENDPOINT}")
    if claims.not_before is not None and now < claims.not_before:
        raise InvalidIdentityToken("Invalid SAML response: the assertion is not valid before "
                                   f"{claims.not_before:%Y-%m-%dT%H:%M:%SZ}")
    if claims.not_on_or_after is not None and now >= claims.not_on_or_after:
        raise ExpiredTokenException("Token must be redeemed before the assertion's "
                                    f"NotOnOrAfter ({claims.not_on_or_after:%Y-%m-%dT%H:%M:%SZ})")
    if claims.session_name is None:
        raise InvalidIdentityToken("RoleSessionName is required in AuthnResponse")
    if not _SESSION_NAME_RE.fullmatch(claims.session_name):
        raise InvalidIdentityToken("RoleSessionName in AuthnResponse must match "
                                   "[a-zA-Z_0-9+=,.@-]{2,64}")


def session_expiry(claims: SamlClaims, now: datetime, duration: timedelta) -> datetime:
    """The session lasts DurationSeconds, or until SessionNotOnOrAfter if that is sooner."""
    end = now + duration
    cap = claims.session_not_on_or_after
    return min(end, cap) if cap is not None else end
