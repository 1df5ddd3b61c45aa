"""Virtual MFA devices: TOTP seeds, code checks with replay protection, seed encryption, QR.

TOTP as RFC 6238 with what authenticator apps assume: SHA-1, 6 digits, 30 s steps.
AWS pages followed:
- IAM API Reference, EnableMFADevice: two codes, AuthenticationCode1 then the
  "subsequent" AuthenticationCode2, each exactly six digits.
- IAM API Reference, ResyncMFADevice: two consecutive codes re-synchronize a
  device whose clock drifted.

pyotp computes the codes; the checks around it are ours, because pyotp
normalizes full-width digits ("９７１３９７" verifies) and its verify() does not
refuse a replayed code.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import quote, urlencode

import pyotp
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from iamtui.errors import IamError, InvalidAuthenticationCode

STEP_SECONDS = 30
DIGITS = 6
SEED_BYTES = 20  # 160 bits, RFC 4226's recommended shared-secret length
DRIFT_STEPS = 1  # accept the previous and the next code too (clock skew, typing time)
RESYNC_WINDOW_STEPS = 10  # resync looks five minutes either way for the device's clock

_CODE = re.compile(r"[0-9]{6}")  # ASCII only: \d would match full-width and other digits


def new_seed() -> str:
    """A fresh 160-bit TOTP seed in base32 (32 characters, no padding)."""
    return base64.b32encode(secrets.token_bytes(SEED_BYTES)).decode("ascii")


def provisioning_uri(seed: str, account_name: str, issuer: str) -> str:
    """The otpauth:// URI an authenticator app scans: TOTP, SHA1, 6 digits, 30 s.

    The label is "issuer:account_name"; the parameters are spelled out even
    where they equal the defaults, so no app has to guess.
    """
    label = f"{quote(issuer, safe='')}:{quote(account_name, safe='@')}"
    query = urlencode(
        {
            "secret": seed,
            "issuer": issuer,
            "algorithm": "SHA1",
            "digits": DIGITS,
            "period": STEP_SECONDS,
        },
        quote_via=quote,
    )
    return f"otpauth://totp/{label}?{query}"


def time_step(now: datetime) -> int:
    """The TOTP time step (counter) that `now` falls in; `now` must be timezone-aware."""
    if now.tzinfo is None:
        raise ValueError("now must be a timezone-aware datetime")
    return int(now.timestamp()) // STEP_SECONDS


def code_at(seed: str, step: int) -> str:
    """The six-digit code for `step` (what the user's app shows during that step)."""
    return pyotp.TOTP(seed, digits=DIGITS, interval=STEP_SECONDS).generate_otp(step)


def _require_format(code: object) -> str:
    """`code` as a string of exactly six ASCII digits, or InvalidAuthenticationCode."""
    if not isinstance(code, str) or not _CODE.fullmatch(code):
        raise InvalidAuthenticationCode("The authentication code must be exactly six digits (0-9).")
    return code


def _matching_steps(seed: str, code: str, steps: range) -> list[int]:
    """Every step in `steps` whose code equals `code`, compared in constant time.

    All candidates are compared (no early exit), so timing does not tell which matched.
    """
    matches = []
    for step in steps:
        if hmac.compare_digest(code_at(seed, step).encode(), code.encode()):
            matches.append(step)
    return matches


def verify_code(
    seed: str,
    code: str,
    *,
    now: datetime,
    last_used_step: int | None,
    drift_steps: int = 0,
) -> int:
    """Check a sign-in code and return the time step it belongs to; store that step.

    Accepts the code for the current step or one step either side (after
    adding the device's recorded `drift_steps`, see `resync`). A code for
    `last_used_step` or any earlier step is refused, so a code is good once.
    Raises `InvalidAuthenticationCode` otherwise.
    """
    code = _require_format(code)
    centre = time_step(now) + drift_steps
    matches = _matching_steps(seed, code, range(centre - DRIFT_STEPS, centre + DRIFT_STEPS + 1))
    if not matches:
        raise InvalidAuthenticationCode("The authentication code is not valid.")
    fresh = [s for s in matches if last_used_step is None or s > last_used_step]
    if not fresh:
        raise InvalidAuthenticationCode(
            "This authentication code was already used; wait for the next code."
        )
    return max(fresh)


def _consecutive(
    seed: str,
    code1: str,
    code2: str,
    *,
    now: datetime,
    window: int,
    last_used_step: int | None,
) -> int:
    """The step s, within `window` of now, where code1 is the code of s-1 and code2 of s."""
    code1, code2 = _require_format(code1), _require_format(code2)
    if hmac.compare_digest(code1.encode(), code2.encode()):
        raise InvalidAuthenticationCode(
            "The two authentication codes must be consecutive: wait for the device to show "
            "a new code before entering the second one."
        )
    centre = time_step(now)
    seconds = set(_matching_steps(seed, code2, range(centre - window, centre + window + 1)))
    firsts = set(_matching_steps(seed, code1, range(centre - window - 1, centre + window)))
    found = sorted(s for s in seconds if s - 1 in firsts)
    if last_used_step is not None:
        found = [s for s in found if s - 1 > last_used_step]
    if not found:
        raise InvalidAuthenticationCode(
            "The authentication codes are not valid: enter two consecutive codes from the device."
        )
    return found[-1]


def verify_enrollment(
    seed: str, code1: str, code2: str, *, now: datetime, last_used_step: int | None = None
) -> int:
    """Check EnableMFADevice's two codes; return the step of the second (store it as used).

    AWS asks for a code and the subsequent one, entered right away: code1 for
    step s-1 and code2 for step s, where s is the current step or one either
    side. The same code twice, or codes that are not consecutive, are refused.
    """
    return _consecutive(
        seed, code1, code2, now=now, window=DRIFT_STEPS, last_used_step=last_used_step
    )


def resync(
    seed: str,
    code1: str,
    code2: str,
    now: datetime,
    *,
    last_used_step: int | None = None,
    window: int = RESYNC_WINDOW_STEPS,
) -> int:
    """Check ResyncMFADevice's two consecutive codes within a wide window; return their step.

    The caller stores the returned step as the last used one and
    `step - time_step(now)` as the device's drift, which `verify_code` then adds.
    """
    return _consecutive(
        seed, code1, code2, now=now, window=window, last_used_step=last_used_step
    )


# --------------------------------------------------------------------------
# Seed encryption at rest
# --------------------------------------------------------------------------


class MfaSeedUnreadable(IamError):
    """A stored MFA seed could not be decrypted (wrong key, or the value was altered)."""


_TOKEN_PREFIX = "v1:"
_KEY_BYTES = 32  # AES-256
_NONCE_BYTES = 12


@dataclass(frozen=True)
class SeedCipher:
    """Encrypts TOTP seeds with AES-256-GCM under a key kept outside the store.

    A seed must be readable to compute codes, so it cannot be hashed; it is
    encrypted instead, and the key lives in its own file, so a copy of the
    store alone does not give away anyone's second factor. The service keeps that
    file (`<config>/keys/<store_id>.mfa.key`, see iamtui.service.keyfiles) and
    builds the cipher from its contents with `from_key_file`.
    """

    key: bytes
    key_path: Path | None = None

    def __post_init__(self) -> None:
        if len(self.key) != _KEY_BYTES:
            raise MfaSeedUnreadable(
                f"The MFA key must be {_KEY_BYTES} bytes; this one has {len(self.key)}."
            )

    def __repr__(self) -> str:
        return f"SeedCipher(key_path={self.key_path!r})"  # never print the key

    @classmethod
    def from_key_file(cls, data: bytes, key_path: Path | None = None) -> SeedCipher:
        """The cipher of a key file's contents (as `new_key_file` makes them); a damaged
        file is MfaSeedUnreadable. Reading the file, and refusing one that others may read,
        is the service's job (iamtui.service.keyfiles)."""
        where = f"The MFA key file {key_path}" if key_path else "The MFA key"
        try:
            key = base64.b64decode(data.strip(), validate=True)
        except (binascii.Error, ValueError) as err:
            raise MfaSeedUnreadable(f"{where} is not a valid key.") from err
        if len(key) != _KEY_BYTES:
            raise MfaSeedUnreadable(f"{where} is not a valid key.")
        return cls(key=key, key_path=key_path)

    def encrypt(self, seed: str, *, associated_data: str = "") -> str:
        """An opaque text token holding `seed`; `associated_data` (e.g. the device
        serial) must be given again to decrypt, so tokens cannot be swapped between devices."""
        nonce = secrets.token_bytes(_NONCE_BYTES)
        sealed = AESGCM(self.key).encrypt(nonce, seed.encode(), associated_data.encode())
        return _TOKEN_PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def decrypt(self, token: str, *, associated_data: str = "") -> str:
        """The seed inside `token`; raises `MfaSeedUnreadable` for a wrong key or altered token."""
        where = f" with the key at {self.key_path}" if self.key_path else ""
        try:
            if not token.startswith(_TOKEN_PREFIX):
                raise ValueError("unknown token version")
            raw = base64.urlsafe_b64decode(token[len(_TOKEN_PREFIX):].encode("ascii"))
            nonce, sealed = raw[:_NONCE_BYTES], raw[_NONCE_BYTES:]
            plain = AESGCM(self.key).decrypt(nonce, sealed, associated_data.encode())
            return plain.decode()
        except (InvalidTag, ValueError, binascii.Error, UnicodeError) as err:
            raise MfaSeedUnreadable(
                f"Cannot decrypt the stored MFA seed{where}: the key does not match the one "
                "it was encrypted with, or the stored value was altered. Restore the right "
                "key file, or deactivate and re-enroll the MFA device."
            ) from err


def new_key_file() -> bytes:
    """The contents of a new key file: a random AES-256 key in base64, on one line."""
    return base64.b64encode(secrets.token_bytes(_KEY_BYTES)) + b"\n"


# --------------------------------------------------------------------------
# QR code for a terminal
# --------------------------------------------------------------------------

QUIET_ZONE = 4  # modules of light border the QR standard asks for

_HALF_BLOCKS = {
    (False, False): " ",
    (True, False): "\u2580",  # ▀ upper half
    (False, True): "\u2584",  # ▄ lower half
    (True, True): "\u2588",  # █ full block
}


def qr_matrix(uri: str, *, border: int = QUIET_ZONE) -> list[list[bool]]:
    """The QR code of `uri` as rows of modules (True = dark), quiet zone included.

    Error correction L (segno raises it when that costs no size): a screen is
    not a scratched label, and the smaller symbol fits a terminal better.
    """
    import segno  # only enrollment draws a QR; keep its ~45 ms import off other paths

    qr = segno.make(uri, error="l", micro=False)
    return [[bool(m) for m in row] for row in qr.matrix_iter(border=border)]


def qr_text(uri: str, *, light_on_dark: bool = True, border: int = QUIET_ZONE) -> str:
    """The QR code of `uri` drawn with half blocks: two module rows per text line.

    Terminals draw characters in a light colour on a dark background, so by
    default the block characters draw the *light* modules (as `qrencode -t
    UTF8` does), and the code reads right to a phone camera. With
    `light_on_dark=False` the blocks draw the dark modules, for dark-on-light
    terminals. An odd last row is paired with a light row (more quiet zone).
    """
    matrix = qr_matrix(uri, border=border)
    width = len(matrix[0])
    if len(matrix) % 2:
        matrix.append([False] * width)
    lines = []
    for top, bottom in zip(matrix[0::2], matrix[1::2], strict=True):
        cells = (
            ((not t, not b) if light_on_dark else (t, b)) for t, b in zip(top, bottom, strict=True)
        )
        lines.append("".join(_HALF_BLOCKS[cell] for cell in cells))
    return "\n".join(lines)


__all__ = [
    "DIGITS",
    "DRIFT_STEPS",
    "RESYNC_WINDOW_STEPS",
    "STEP_SECONDS",
    "MfaSeedUnreadable",
    "SeedCipher",
    "code_at",
    "new_key_file",
    "new_seed",
    "provisioning_uri",
    "qr_matrix",
    "qr_text",
    "resync",
    "time_step",
    "verify_code",
    "verify_enrollment",
]
