"""Access keys: ID and secret formats, the stored digest, session tokens, key age.

AWS pages these tests follow:
- IAM User Guide, "IAM identifiers" (unique ID prefixes AKIA and ASIA):
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html
- IAM User Guide, "Manage access keys for IAM users" (ID and 40-character secret):
  https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html
- STS API Reference, GetAccessKeyInfo (AKIA long-term, ASIA temporary):
  https://docs.aws.amazon.com/STS/latest/APIReference/API_GetAccessKeyInfo.html
"""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from iamtui.security import access_keys as ak

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def test_long_term_key_id_format() -> None:
    ids = {ak.new_access_key_id() for _ in range(200)}
    assert len(ids) == 200
    for key_id in ids:
        assert re.fullmatch(r"AKIA[A-Z2-7]{16}", key_id)
        assert ak.ACCESS_KEY_ID_RE.fullmatch(key_id)
        assert not ak.is_temporary(key_id)


def test_temporary_key_id_format() -> None:
    key_id = ak.new_access_key_id(temporary=True)
    assert re.fullmatch(r"ASIA[A-Z2-7]{16}", key_id)
    assert ak.is_temporary(key_id)


def test_key_ids_use_the_whole_alphabet() -> None:
    seen = set("".join(ak.new_access_key_id()[4:] for _ in range(300)))
    assert seen == set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")


def test_secret_length_and_alphabet() -> None:
    secrets_ = [ak.new_secret_access_key() for _ in range(300)]
    assert len(set(secrets_)) == 300
    for secret in secrets_:
        assert len(secret) == 40
        assert re.fullmatch(r"[A-Za-z0-9+/]{40}", secret)
    seen = set("".join(secrets_))
    assert seen == set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")


def test_digest_verifies_the_secret_and_nothing_else() -> None:
    secret = ak.new_secret_access_key()
    digest = ak.secret_digest(secret)
    assert secret not in digest
    assert re.fullmatch(r"sha256\$[0-9a-f]{64}", digest)
    assert ak.verify_secret(digest, secret)
    assert not ak.verify_secret(digest, secret[:-1] + ("A" if secret[-1] != "A" else "B"))
    assert not ak.verify_secret(digest, "")
    assert not ak.verify_secret("garbage", secret)


@given(st.text(), st.text())
def test_verify_secret_is_true_only_for_the_same_text(a: str, b: str) -> None:
    assert ak.verify_secret(ak.secret_digest(a), b) == (a == b)


def test_session_tokens_are_long_random_base64() -> None:
    first, second = ak.new_session_token(), ak.new_session_token()
    assert first != second
    assert len(base64.b64decode(first, validate=True)) == 192
    assert ak.verify_secret(ak.secret_digest(first), first)


@pytest.mark.parametrize(
    ("age", "days"),
    [
        (timedelta(0), 0),
        (timedelta(hours=23, minutes=59), 0),
        (timedelta(days=1), 1),
        (timedelta(days=89, hours=23), 89),
        (timedelta(days=90), 90),
        (timedelta(days=-3), 0),  # a clock step backwards never gives a negative age
    ],
)
def test_key_age_in_whole_days(age: timedelta, days: int) -> None:
    assert ak.key_age_days(NOW - age, NOW) == days


def test_rotation_due_at_ninety_days_or_as_given() -> None:
    assert not ak.needs_rotation(NOW - timedelta(days=89, hours=23), NOW)
    assert ak.needs_rotation(NOW - timedelta(days=90), NOW)
    assert ak.needs_rotation(NOW - timedelta(days=30), NOW, max_age_days=30)
