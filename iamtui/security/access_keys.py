"""Access keys: IDs, secrets, the digest the store keeps, session tokens and key age.

AWS pages followed:
- IAM User Guide, "IAM identifiers" (unique ID prefixes: AKIA access key,
  ASIA temporary STS key) and "Manage access keys for IAM users"
  (an access key ID such as AKIAIOSFODNN7EXAMPLE and a 40-character secret;
  the secret is shown once, at creation; rotate keys regularly).
- STS API Reference, GetAccessKeyInfo: AKIA IDs are long-term credentials,
  ASIA IDs temporary ones.

The secret is returned to the caller once and never stored: the store keeps
`secret_digest(secret)`, and `verify_secret` checks a presented secret against it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import string
from datetime import datetime

LONG_TERM_PREFIX = "AKIA"
TEMPORARY_PREFIX = "ASIA"
ID_ALPHABET = string.ascii_uppercase + "234567"  # base32's alphabet, as AWS IDs use
ID_RANDOM_LENGTH = 16
SECRET_ALPHABET = string.ascii_letters + string.digits + "+/"
SECRET_LENGTH = 40  # 40 characters of a 64-letter alphabet: 240 bits
SESSION_TOKEN_BYTES = 192  # AWS's tokens are long opaque base64 strings; 1536 random bits
ROTATION_DAYS = 90  # the age past which the console and common benchmarks flag a key

ACCESS_KEY_ID_RE = re.compile(r"(AKIA|ASIA)[A-Z2-7]{16}")
SECRET_ACCESS_KEY_RE = re.compile(r"[A-Za-z0-9+/]{40}")

_DIGEST_SCHEME = "sha256"
_DIGEST_CONTEXT = b"iamtui secret access key v1\x00"


def new_access_key_id(temporary: bool = False) -> str:
    """A new access key ID: AKIA (or ASIA for temporary credentials) and 16 of A-Z2-7."""
    prefix = TEMPORARY_PREFIX if temporary else LONG_TERM_PREFIX
    return prefix + "".join(secrets.choice(ID_ALPHABET) for _ in range(ID_RANDOM_LENGTH))


def is_temporary(access_key_id: str) -> bool:
    """True for an ID of temporary (STS-style) credentials, which start with ASIA."""
    return access_key_id.startswith(TEMPORARY_PREFIX)


def new_secret_access_key() -> str:
    """A new 40-character secret access key of [A-Za-z0-9+/], from `secrets`."""
    return "".join(secrets.choice(SECRET_ALPHABET) for _ in range(SECRET_LENGTH))


def secret_digest(secret: str) -> str:
    """What the store keeps instead of `secret`: "sha256$" and a hex SHA-256.

    A fast hash suffices here, unlike passwords: the secret is 240 random bits
    chosen by us, so no dictionary or brute force can reach it however cheap
    each guess is, and since every secret is unique and random a salt would
    add nothing. The fixed context prefix keeps this digest from matching a
    plain SHA-256 of the same text anywhere else. The scheme name leaves room
    to change the hash later.
    """
    digest = hashlib.sha256(_DIGEST_CONTEXT + secret.encode("utf-8")).hexdigest()
    return f"{_DIGEST_SCHEME}${digest}"


def verify_secret(digest: str, secret: str) -> bool:
    """True if `secret` matches the stored `digest`, compared in constant time."""
    return hmac.compare_digest(secret_digest(secret).encode(), digest.encode())


def new_session_token() -> str:
    """A session token for temporary credentials: opaque base64 text of random bytes.

    Store it like a secret, through `secret_digest`, and verify with `verify_secret`.
    """
    return base64.b64encode(secrets.token_bytes(SESSION_TOKEN_BYTES)).decode("ascii")


def key_age_days(create_date: datetime, now: datetime) -> int:
    """Whole days since the key was created (0 on the first day, never negative)."""
    return max(0, (now - create_date).days)


def needs_rotation(create_date: datetime, now: datetime, max_age_days: int = ROTATION_DAYS) -> bool:
    """True if the key is `max_age_days` old or older at `now`."""
    return key_age_days(create_date, now) >= max_age_days


__all__ = [
    "ACCESS_KEY_ID_RE",
    "LONG_TERM_PREFIX",
    "ROTATION_DAYS",
    "SECRET_ACCESS_KEY_RE",
    "SECRET_LENGTH",
    "TEMPORARY_PREFIX",
    "is_temporary",
    "key_age_days",
    "needs_rotation",
    "new_access_key_id",
    "new_secret_access_key",
    "new_session_token",
    "secret_digest",
    "verify_secret",
]
