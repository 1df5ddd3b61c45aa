"""Errors of the store: plain exceptions that know nothing of IAM.

The message names the file and what to do; the service turns each into the IamError its
front ends report (iamtui.service.storage), so the store stays usable on its own.
"""

from __future__ import annotations

from typing import Any


class StoreError(Exception):
    """Base of the store's errors; the message names the file and what to do."""


class StoreNotFound(StoreError):
    """There is no store at the path and `create` was not asked for."""


class StorePermissions(StoreError):
    """The file is readable or writable by others, or owned by another user."""


class StoreCorrupt(StoreError):
    """The file cannot be parsed or breaks the format's invariants; it is left untouched."""


class StoreVersion(StoreError):
    """The file was written by a newer iamtui, or no migration leads to this version."""


class StoreConflict(StoreError):
    """The store changed since the revision the caller based its change on."""


class UniqueViolation(StoreError):
    """A put would give two keys the same value in a unique index; nothing was changed."""

    def __init__(self, field: str, value: Any, holder: str) -> None:
        super().__init__(f"{field} {value!r} is already used by {holder!r}")
        self.field, self.value, self.holder = field, value, holder
