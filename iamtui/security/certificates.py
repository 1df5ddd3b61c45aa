"""Public keys and certificates IAM keeps for users and for TLS: SSH public keys (CodeCommit),
X.509 signing certificates and server certificates, parsed with `cryptography`.

AWS pages followed: IAM API Reference, UploadSSHPublicKey ("ssh-rsa format or PEM format",
"minimum bit-length of the public key is 2048 bits"), GetSSHPublicKey (Encoding SSH or PEM);
CodeCommit User Guide, "Setup steps for SSH connections ... " (the fingerprint is the MD5
digest of the key, in colon-separated hex); UploadSigningCertificate and
UploadServerCertificate (PEM bodies, MalformedCertificate, InvalidCertificate,
KeyPairMismatch); IAM User Guide, "Manage server certificates in IAM" (RSA keys of 1024 to
4096 bits or ECDSA keys, the private key unencrypted and in PEM).

These functions only parse and check: they raise `CertificateProblem` with AWS's error code
and message, and the service turns it into the error it raises.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from datetime import datetime

SSH_KEY_MIN_BITS = 2048
SERVER_RSA_BITS = (1024, 4096)  # "Manage server certificates in IAM": RSA 1024 to 4096 bits
SIGNING_RSA_MIN_BITS = 1024
_PEM_CERTIFICATE = b"-----BEGIN CERTIFICATE-----"


class CertificateProblem(Exception):
    """A key or certificate IAM refuses: `code` is AWS's error code for it."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


# ------------------------------------------------------------------ SSH public keys


@dataclass(frozen=True)
class SshPublicKeyInfo:
    """An uploaded SSH public key, in both of the encodings GetSSHPublicKey returns."""

    ssh_body: str  # "ssh-rsa AAAA..." (OpenSSH's one-line form, without a comment)
    pem_body: str  # "-----BEGIN PUBLIC KEY-----..." (SubjectPublicKeyInfo)
    fingerprint: str  # MD5 of the key blob, colon-separated hex


def md5_fingerprint(blob: bytes) -> str:
    """The MD5 fingerprint as `ssh-keygen -E md5 -l` prints it: hex pairs joined by ':'."""
    # MD5 here names a key, as ssh-keygen and AWS do; it protects nothing
    digest = hashlib.md5(blob, usedforsecurity=False).hexdigest()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def parse_ssh_public_key(text: str) -> SshPublicKeyInfo:
    """An RSA public key of at least 2048 bits, in OpenSSH's `ssh-rsa` form or in PEM.

    UnrecognizedPublicKeyEncoding for any other form (an ed25519 key, a private key, plain
    text); InvalidPublicKey for a key of that form that does not parse, is not RSA, or is
    shorter than 2048 bits.
    """
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    stripped = text.strip()
    if stripped.startswith("ssh-rsa "):
        try:
            key = serialization.load_ssh_public_key(stripped.encode("latin-1"))
        except (ValueError, binascii.Error, UnicodeEncodeError):
            raise CertificateProblem("InvalidPublicKey",
                                     "The public key is malformed or otherwise invalid.") from None
    elif stripped.startswith("-----BEGIN PUBLIC KEY-----") or \
            stripped.startswith("-----BEGIN RSA PUBLIC KEY-----"):
        try:
            key = serialization.load_pem_public_key(stripped.encode("latin-1"))
        except (ValueError, UnicodeEncodeError):
            raise CertificateProblem("InvalidPublicKey",
                                     "The public key is malformed or otherwise invalid.") from None
    else:
        raise CertificateProblem("UnrecognizedPublicKeyEncoding",
                                 "The public key encoding format is unsupported or "
                                 "unrecognized: use an ssh-rsa key or a PEM public key.")
    if not isinstance(key, rsa.RSAPublicKey):
        raise CertificateProblem("InvalidPublicKey", "The public key must be an RSA key.")
    if key.key_size < SSH_KEY_MIN_BITS:
        raise CertificateProblem("InvalidPublicKey",
                                 f"The public key is {key.key_size} bits long; the minimum "
                                 f"bit-length of the public key is {SSH_KEY_MIN_BITS} bits.")
    ssh = key.public_bytes(serialization.Encoding.OpenSSH,
                           serialization.PublicFormat.OpenSSH).decode("ascii")
    pem = key.public_bytes(serialization.Encoding.PEM,
                           serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")
    blob = base64.b64decode(ssh.split()[1])
    return SshPublicKeyInfo(ssh, pem, md5_fingerprint(blob))


# ------------------------------------------------------------------ X.509 certificates


@dataclass(frozen=True)
class CertificateInfo:
    """A parsed PEM certificate: what IAM keeps and checks of it."""

    body: str  # the PEM text, trimmed
    not_before: datetime
    not_after: datetime
    sha256: str  # of the DER bytes: the same certificate uploaded twice has the same one


def _load_certificate(text: str, what: str) -> tuple[CertificateInfo, object]:
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    data = text.strip().encode("latin-1", "replace")
    if data.count(_PEM_CERTIFICATE) != 1:
        raise CertificateProblem("MalformedCertificate",
                                 f"Unable to parse {what}. Please ensure the certificate is in "
                                 "PEM format and holds exactly one certificate.")
    try:
        cert = x509.load_pem_x509_certificate(data)
        der = cert.public_bytes(Encoding.DER)
    except ValueError:
        raise CertificateProblem("MalformedCertificate",
                                 f"Unable to parse {what}. Please ensure the certificate is in "
                                 "PEM format.") from None
    info = CertificateInfo(text.strip(), cert.not_valid_before_utc, cert.not_valid_after_utc,
                           hashlib.sha256(der).hexdigest())
    return info, cert


def _check_dates(info: CertificateInfo, now: datetime) -> None:
    if info.not_after <= now:
        raise CertificateProblem("MalformedCertificate",
                                 f"The certificate expired on {info.not_after.isoformat()}.")


def _key_problem(key: object, min_rsa: int, max_rsa: int | None) -> str | None:
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < min_rsa or (max_rsa is not None and key.key_size > max_rsa):
            upper = f" to {max_rsa}" if max_rsa else " or more"
            return f"the RSA key is {key.key_size} bits; IAM takes {min_rsa}{upper} bits"
        return None
    if isinstance(key, ec.EllipticCurvePublicKey):
        return None
    return "its public key is neither RSA nor ECDSA"


def parse_signing_certificate(text: str, now: datetime) -> CertificateInfo:
    """A user's X.509 signing certificate: one PEM certificate, not expired, with an RSA key
    of 1024 bits or more or an ECDSA key. MalformedCertificate when it does not parse or has
    expired; InvalidCertificate for a key IAM does not take."""
    info, cert = _load_certificate(text, "certificate")
    _check_dates(info, now)
    problem = _key_problem(cert.public_key(), SIGNING_RSA_MIN_BITS, None)  # type: ignore[attr-defined]
    if problem:
        raise CertificateProblem("InvalidCertificate", f"The certificate is invalid: {problem}.")
    return info


@dataclass(frozen=True)
class ServerCertificateInfo:
    """A checked server certificate upload: the certificate, its chain, and the fact that
    the private key matched (the key itself is not kept)."""

    certificate: CertificateInfo
    chain: str | None


def parse_server_certificate(body: str, private_key: str, chain: str | None,
                             now: datetime) -> ServerCertificateInfo:
    """UploadServerCertificate's checks: the body one PEM certificate, not expired, with an
    RSA key of 1024-4096 bits or an ECDSA key; the private key unencrypted PEM; the chain,
    when given, PEM certificates; MalformedCertificate for any of these, KeyPairMismatch when
    the private key is not the certificate's."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    info, cert = _load_certificate(body, "certificate")
    _check_dates(info, now)
    public = cert.public_key()  # type: ignore[attr-defined]
    problem = _key_problem(public, *SERVER_RSA_BITS)
    if problem:
        raise CertificateProblem("MalformedCertificate", f"Invalid certificate: {problem}.")
    try:
        key = serialization.load_pem_private_key(private_key.strip().encode("latin-1", "replace"),
                                                 password=None)
    except TypeError:  # encrypted: IAM takes only an unencrypted private key
        raise CertificateProblem("MalformedCertificate",
                                 "The private key is encrypted; upload it unencrypted, in PEM "
                                 "format.") from None
    except (ValueError, binascii.Error):
        raise CertificateProblem("MalformedCertificate",
                                 "Unable to parse private key. Please ensure it is an "
                                 "unencrypted PEM private key.") from None
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    if key.public_key().public_bytes(serialization.Encoding.DER, spki) != \
            public.public_bytes(serialization.Encoding.DER, spki):
        raise CertificateProblem("KeyPairMismatch",
                                 "The public key certificate and the private key do not match.")
    if chain is not None:
        try:
            found = x509.load_pem_x509_certificates(chain.strip().encode("latin-1", "replace"))
        except ValueError:
            found = []
        if not found:
            raise CertificateProblem("MalformedCertificate",
                                     "Unable to parse certificate chain. Please ensure the "
                                     "chain is PEM-encoded certificates.")
    return ServerCertificateInfo(info, chain.strip() if chain is not None else None)


__all__ = [
    "SSH_KEY_MIN_BITS",
    "CertificateInfo",
    "CertificateProblem",
    "ServerCertificateInfo",
    "SshPublicKeyInfo",
    "md5_fingerprint",
    "parse_server_certificate",
    "parse_signing_certificate",
    "parse_ssh_public_key",
]
