"""Keys and certificates for tests, made with `cryptography` (RSA keys are slow to make, so
each size is made once per process and reused)."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)  # FakeClock's start


def rsa_key(bits: int = 2048, n: int = 0) -> rsa.RSAPrivateKey:
    """The `n`th RSA key of `bits` bits of this test run."""
    return _rsa_key(bits, n)


@functools.cache  # positional only: rsa_key() and rsa_key(2048, 0) are one key
def _rsa_key(bits: int, n: int) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def ssh_public_key(bits: int = 2048, n: int = 0, comment: str = "me@laptop") -> str:
    """An `ssh-rsa AAAA... comment` line, as ssh-keygen writes id_rsa.pub."""
    line = rsa_key(bits, n).public_key().public_bytes(serialization.Encoding.OpenSSH,
                                                      serialization.PublicFormat.OpenSSH)
    return line.decode() + (f" {comment}" if comment else "") + "\n"


def pem_public_key(bits: int = 2048, n: int = 0) -> str:
    """The same key as `ssh_public_key`, as a PEM SubjectPublicKeyInfo."""
    return rsa_key(bits, n).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def private_key_pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
                    password: bytes | None = None) -> str:
    """A private key in PEM (PKCS#8), encrypted when `password` is given."""
    encryption = (serialization.BestAvailableEncryption(password) if password
                  else serialization.NoEncryption())
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             encryption).decode()


def certificate(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | None = None, *,
                name: str = "www.example.com", days: int = 365, serial: int = 1,
                not_before: datetime | None = None) -> str:
    """A self-signed PEM certificate for `key` (the 2048-bit key 0 by default)."""
    key = key or rsa_key()
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    start = not_before or NOW - timedelta(days=1)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(serial)
            .not_valid_before(start).not_valid_after(start + timedelta(days=days))
            .sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM).decode()
