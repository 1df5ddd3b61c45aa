"""Errors of the store, as IamError subclasses so front ends report them like any other."""

from __future__ import annotations

from iamtui.errors import IamError


class StoreError(IamError):
    """Base of the store's errors; the message names the file and what to do."""

    code, http_status = "StoreError", 500


class StoreNotFound(StoreError):
    """There is no store at the path and `create` was not asked for."""

    code, http_status = "StoreNotFound", 404


class StorePermissions(StoreError):
    """The file is readable or writable by others, or owned by another user."""

    code, http_status = "StorePermissions", 403


class StoreCorrupt(StoreError):
    """The file cannot be parsed or breaks the format's invariants; it is left untouched."""

    code, http_status = "StoreCorrupt", 500


class StoreVersion(StoreError):
    """The file was written by a newer iamtui, or no migration leads to this version."""

    code, http_status = "StoreVersion", 500


class StoreConflict(StoreError):
    """The store changed since the revision the caller based its change on."""

    # AWS IAM's own code for a concurrent change (HTTP 409)
    code, http_status = "ConcurrentModification", 409
