"""A SAML 2.0 identity provider for the tests, offline: an RSA key and its self-signed
certificate (cryptography), the IdP's metadata document, and SAML responses signed with
signxml the way IdPs sign them (exclusive C14N, RSA-SHA256, the Signature after Issuer).

IAM User Guide, "Configure SAML assertions for the authentication response" says what a
response for AWS holds; `IdP.response` builds one, each part of it overridable.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from xml.sax.saxutils import escape, quoteattr

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

AWS_ENDPOINT = "https://signin.aws.amazon.com/saml"
ROLE_ATTRIBUTE = "https://aws.amazon.com/SAML/Attributes/Role"
SESSION_NAME_ATTRIBUTE = "https://aws.amazon.com/SAML/Attributes/RoleSessionName"
PERSISTENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
_NS = ('xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
       'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"')
_PLACEHOLDER = '<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Id="placeholder"/>'


def _z(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _key_and_certificate(common_name: str) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    start = datetime(2020, 1, 1, tzinfo=UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(start + timedelta(days=3650 * 3))
            .sign(key, hashes.SHA256()))
    return key, cert


@dataclass
class IdP:
    """One identity provider: its entity ID, key and certificate."""

    entity_id: str = "https://idp.example.com/saml"
    key: rsa.RSAPrivateKey = field(init=False)
    cert: x509.Certificate = field(init=False)

    def __post_init__(self) -> None:
        self.key, self.cert = _key_and_certificate("idp.example.com")

    @property
    def cert_b64(self) -> str:
        return base64.b64encode(self.cert.public_bytes(serialization.Encoding.DER)).decode()

    def metadata(self, *, valid_until: datetime | None = None, cert_b64: str | None = None,
                 use: str | None = "signing") -> str:
        """The IdP's metadata document (over 1,000 characters, as IAM requires)."""
        until = f' validUntil="{_z(valid_until)}"' if valid_until else ""
        use_attr = f' use="{use}"' if use else ""
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
            f'entityID="{self.entity_id}"{until}>\n'
            ' <md:IDPSSODescriptor protocolSupportEnumeration='
            '"urn:oasis:names:tc:SAML:2.0:protocol">\n'
            f'  <md:KeyDescriptor{use_attr}>\n'
            '   <ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data>'
            f'<ds:X509Certificate>{cert_b64 or self.cert_b64}</ds:X509Certificate>'
            '</ds:X509Data></ds:KeyInfo>\n'
            '  </md:KeyDescriptor>\n'
            f'  <md:NameIDFormat>{PERSISTENT}</md:NameIDFormat>\n'
            '  <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-'
            'Redirect" Location="https://idp.example.com/saml/sso"/>\n'
            ' </md:IDPSSODescriptor>\n'
            '</md:EntityDescriptor>\n')

    def response(self, *, roles: list[str], now: datetime, session_name: str | None = "alice",
                 subject: str = "alice@example.com", name_format: str = PERSISTENT,
                 recipient: str = AWS_ENDPOINT, audience: str = AWS_ENDPOINT,
                 lifetime: timedelta = timedelta(minutes=5),
                 attributes: dict[str, list[str]] | None = None,
                 issuer: str | None = None, sign: str = "assertion",
                 signer: IdP | None = None,
                 status: str = "urn:oasis:names:tc:SAML:2.0:status:Success",
                 session_not_on_or_after: datetime | None = None) -> str:
        """A base64 SAMLResponse issued at `now`, valid for `lifetime`, its assertion (or
        the whole response, `sign="response"`) signed by `signer` (this IdP); the
        AuthnStatement's SessionNotOnOrAfter when given."""
        from lxml import etree
        from signxml import XMLSigner, methods

        issuer = issuer or self.entity_id
        until = _z(now + lifetime)
        attrs = {ROLE_ATTRIBUTE: roles, **(attributes or {})}
        if session_name is not None:
            attrs[SESSION_NAME_ATTRIBUTE] = [session_name]
        statements = "".join(
            f'<saml:Attribute Name={quoteattr(name)}>'
            + "".join(f"<saml:AttributeValue>{escape(v)}</saml:AttributeValue>"
                      for v in values) + "</saml:Attribute>"
            for name, values in attrs.items())
        assertion_id = f"_a{uuid.uuid4().hex}"
        response_id = f"_r{uuid.uuid4().hex}"
        assertion = (
            f'<saml:Assertion {_NS} ID="{assertion_id}" Version="2.0" '
            f'IssueInstant="{_z(now)}">'
            f'<saml:Issuer>{escape(issuer)}</saml:Issuer>'
            f'{_PLACEHOLDER if sign == "assertion" else ""}'
            f'<saml:Subject><saml:NameID Format="{name_format}">{escape(subject)}</saml:NameID>'
            '<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">'
            f'<saml:SubjectConfirmationData NotOnOrAfter="{until}" Recipient="{recipient}"/>'
            '</saml:SubjectConfirmation></saml:Subject>'
            f'<saml:Conditions NotBefore="{_z(now - timedelta(seconds=5))}" '
            f'NotOnOrAfter="{until}"><saml:AudienceRestriction>'
            f'<saml:Audience>{audience}</saml:Audience></saml:AudienceRestriction>'
            '</saml:Conditions>'
            f'<saml:AuthnStatement AuthnInstant="{_z(now)}" SessionIndex="{assertion_id}"'
            + (f' SessionNotOnOrAfter="{_z(session_not_on_or_after)}"'
               if session_not_on_or_after else "") + '>'
            '<saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:'
            'classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext>'
            '</saml:AuthnStatement>'
            f'<saml:AttributeStatement>{statements}</saml:AttributeStatement>'
            '</saml:Assertion>')
        signer = signer or self
        pem_key = signer.key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption())
        pem_cert = signer.cert.public_bytes(serialization.Encoding.PEM)
        xml_signer = XMLSigner(method=methods.enveloped, signature_algorithm="rsa-sha256",
                               digest_algorithm="sha256",
                               c14n_algorithm="http://www.w3.org/2001/10/xml-exc-c14n#")
        if sign == "assertion":
            signed = xml_signer.sign(etree.fromstring(assertion), key=pem_key, cert=pem_cert,
                                     reference_uri=assertion_id, id_attribute="ID")
            assertion = etree.tostring(signed).decode()
        response = (
            f'<samlp:Response {_NS} ID="{response_id}" Version="2.0" '
            f'IssueInstant="{_z(now)}" Destination="{recipient}">'
            f'<saml:Issuer>{escape(issuer)}</saml:Issuer>'
            f'{_PLACEHOLDER if sign == "response" else ""}'
            f'<samlp:Status><samlp:StatusCode Value="{status}"/></samlp:Status>'
            f'{assertion}</samlp:Response>')
        if sign == "response":
            signed = xml_signer.sign(etree.fromstring(response), key=pem_key, cert=pem_cert,
                                     reference_uri=response_id, id_attribute="ID")
            response = etree.tostring(signed).decode()
        return base64.b64encode(response.encode()).decode()


def tamper(saml_response: str, old: str, new: str) -> str:
    """The same response with `old` replaced by `new` in its XML (the signature left)."""
    xml = base64.b64decode(saml_response).decode()
    assert old in xml, old
    return base64.b64encode(xml.replace(old, new).encode()).decode()
