"""The store's two keys, kept outside it in the keys folder of the config directory:
`<store_id>.audit.key` seals the audit chain (HMAC-SHA256) and `<store_id>.mfa.key` encrypts
the MFA seeds (AES-256-GCM); see README, "Where the MFA seed key lives".

`iamtui init` creates both, and nothing creates them again: a key made anew verifies none of
the records sealed with the old one (`audit verify` then blamed every record) and decrypts
none of the old seeds, and making it quietly would hide that the key was lost. A missing key
is an error (`KeyFileMissing`) that names the file and says to restore it from a backup.
One exception, for stores made before init wrote the MFA key (it was made at the first
enrollment): the MFA key may be created when no encrypted seed exists, since then no seed
can have been encrypted under a lost key and nothing is hidden by making one.

A key file and the audit log must be the user's own and private, as the store's files must:
they are refused with the store's own check (`store.files.check_private`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from iamtui import audit
from iamtui.errors import EntityAlreadyExists, IamError
from iamtui.security import mfa
from iamtui.service.storage import translated
from iamtui.store.files import (
    atomic_write,
    check_private,
    ensure_private_dir,
    open_private,
)

KeyKind = Literal["audit", "mfa", "serve"]
MAX_KEY_FILE = 4096  # a key file holds one line of ~65 bytes; never read more

_NAMES: dict[KeyKind, str] = {"audit": "audit", "mfa": "MFA", "serve": "serving"}
_WITHOUT: dict[KeyKind, str] = {
    "audit": "without it no audit record can be sealed or verified, so the store cannot be "
             "used (every operation is audited)",
    "mfa": "without it the enrolled MFA devices' seeds cannot be read, so signing in with "
           "MFA, enabling, resyncing and creating MFA devices fail. With no backup, "
           "deactivate and delete every virtual MFA device (deactivate-mfa-device, "
           "delete-virtual-mfa-device) and enroll them again: once no device is left, the "
           "next enrollment makes a new key",
    "serve": "without it no sealed secret can be read, so `iamtui serve` cannot verify any "
             "signature. With no backup, rotate every access key (create a new one, delete "
             "the old one) and assume the roles again",
}


class KeyFileMissing(IamError):
    """A key file of the store is gone; it must be restored from a backup, never remade."""

    code, http_status = "KeyFileMissing", 500


def key_path(keys_dir: Path, store_id: str, kind: KeyKind) -> Path:
    """Where the store's audit or MFA key lives."""
    return keys_dir / f"{store_id}.{kind}.key"


@translated()  # the store's file checks raise the store's errors
def create_keys(keys_dir: Path, store_id: str) -> None:
    """Write both keys of a new store (`iamtui init`): 0600 files in a 0700 folder."""
    ensure_private_dir(keys_dir)
    _create(key_path(keys_dir, store_id, "audit"), audit.AuditKey.generate().key_file())
    _create(key_path(keys_dir, store_id, "mfa"), mfa.new_key_file())


@translated()
def audit_key(keys_dir: Path, store_id: str) -> audit.AuditKey:
    """The audit chain's key; KeyFileMissing if its file is gone, StorePermissions if others
    may read it or it is not the user's."""
    path = key_path(keys_dir, store_id, "audit")
    return audit.AuditKey.from_key_file(_read(path, "audit"), path)


@translated()
def seed_cipher(keys_dir: Path, store_id: str, *, seeds_exist: bool) -> mfa.SeedCipher:
    """The MFA seeds' cipher. Its key file is created here only while no encrypted seed
    exists (`seeds_exist` False: a store from before init wrote it); otherwise a missing one
    is KeyFileMissing."""
    path = key_path(keys_dir, store_id, "mfa")
    if not seeds_exist and not path.exists():
        ensure_private_dir(keys_dir)
        _create(path, mfa.new_key_file(), exclusive=False)
    return mfa.SeedCipher.from_key_file(_read(path, "mfa"), path)


@translated()
def serving_cipher(keys_dir: Path, store_id: str, *, create: bool) -> mfa.SeedCipher:
    """The cipher that seals access-key and session secrets for `iamtui serve` (AES-256-GCM,
    the same construction as the MFA seeds'). `create` makes its key file when serving is
    first enabled; afterwards a missing one is KeyFileMissing, never quietly remade."""
    path = key_path(keys_dir, store_id, "serve")
    if create and not path.exists():
        ensure_private_dir(keys_dir)
        _create(path, mfa.new_key_file(), exclusive=False)
    return mfa.SeedCipher.from_key_file(_read(path, "serve"), path)


@translated()
def check_private_if_present(path: Path) -> None:
    """Refuse `path` (StorePermissions) if it exists and others may read it or it is not the
    user's; used for the audit log and the MFA key when a store is opened."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return
    check_private(st, path)


def _read(path: Path, kind: KeyKind) -> bytes:
    try:
        fd = open_private(path, os.O_RDONLY)  # owner and mode checked on the open file
    except FileNotFoundError:
        raise KeyFileMissing(
            f"The {_NAMES[kind]} key file {path} is missing. Restore it from a backup "
            f"(iamtui makes it only at `iamtui init`, and never again): {_WITHOUT[kind]}."
        ) from None
    try:
        return os.read(fd, MAX_KEY_FILE)
    finally:
        os.close(fd)


def _create(path: Path, data: bytes, *, exclusive: bool = True) -> None:
    """Write `path` whole or not at all, 0600, never over an existing file. With `exclusive`
    False, a file another process linked first is kept, so both use the same key."""
    if not atomic_write(path, data, replace=False) and exclusive:
        raise EntityAlreadyExists(f"{path} already exists: a new store's key is never "
                                  "written over another one.")


__all__ = ["KeyFileMissing", "audit_key", "check_private_if_present", "create_keys",
           "key_path", "seed_cipher", "serving_cipher"]
