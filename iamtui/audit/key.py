"""The audit key: the HMAC key that seals the chain, kept in its own file, never in the log."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from iamtui.errors import ValidationError


@dataclass(frozen=True, repr=False)
class AuditKey:
    """The HMAC key that seals the chain; kept in its own 0600 file, never in the log."""

    secret: bytes

    def __repr__(self) -> str:
        return "AuditKey(<hidden>)"

    @classmethod
    def generate(cls) -> AuditKey:
        """A fresh random 256-bit key."""
        return cls(secrets.token_bytes(32))

    @classmethod
    def from_key_file(cls, data: bytes, path: Path | None = None) -> AuditKey:
        """The key in a key file's contents (64 hex digits, as `key_file` writes them).
        Reading the file, and refusing one that others may read, is the service's job
        (iamtui.service.keyfiles), which also creates it, once, at `iamtui init`."""
        text = data.decode("ascii", "replace").strip()
        if not re.fullmatch(r"[0-9a-f]{64}", text):
            raise ValidationError(
                f"The audit key file {path} is damaged (expected 64 hex digits); restore it "
                "from a backup, or the audit log cannot be verified."
            )
        return cls(bytes.fromhex(text))

    def key_file(self) -> bytes:
        """What a key file holds: the key in hex, on one line."""
        return self.secret.hex().encode("ascii") + b"\n"
