"""Serving the store over AWS's wire protocol (`iamtui serve`): the secrets it needs.

A SigV4 signature is an HMAC keyed by the secret access key, so the server must hold the
secret itself, which the digests kept for local sign-in cannot give back. A store therefore
keeps no recoverable secret until serving is enabled (`enable_serving`, done by the first
`iamtui serve`): from then on every access key and role session created seals its secret
with AES-256-GCM, its key ID as associated data, under a key file outside the store
(`<config>/keys/<store_id>.serve.key`), as MFA seeds are sealed. A key created before has no
sealed secret: it keeps working locally, and over HTTP is refused with a message to rotate it.

A running server announces itself in a status file beside the store (`<store>.serve.json`:
its process, address and start time, nothing secret), so that the TUI can say a server is
running against the store and where; the server removes it when it stops, and a file whose
process is gone (a killed server) counts as no server.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from iamtui import audit
from iamtui.errors import AccessDenied, IamError, InvalidClientTokenId
from iamtui.security import access_keys as keys
from iamtui.security.mfa import MfaSeedUnreadable, SeedCipher
from iamtui.service import keyfiles
from iamtui.service.core import SERVED_CALL, Principal, ServiceCore
from iamtui.service.tables import ACCESS_KEYS, ROLE_SESSIONS, SEALED_SECRETS, SealedSecret
from iamtui.store import Tx
from iamtui.store.errors import StoreError
from iamtui.store.files import atomic_write, open_private

SERVING_META = "serving"  # meta flag: secrets are sealed from this store's first serve on
# CloudTrail's readOnly: the operations that change nothing
READ_ONLY_PREFIXES = ("Get", "List", "Simulate", "Decode")
STATUS_SUFFIX = ".serve.json"
STATUS_READ_LIMIT = 4096  # a status file is a few hundred bytes: more is not one
INVALID_TOKEN = "The security token included in the request is invalid."


class SealedSecretUnreadable(IamError):
    """The serving key file does not open a sealed secret (another key, or altered data)."""

    code, http_status = "ServiceFailure", 500


class ServerAlreadyRunning(IamError):
    """iamtui's own: a second `iamtui serve` on a store another live server announces."""

    code, http_status = "ServerAlreadyRunning", 409


@dataclass(frozen=True)
class ServerStatus:
    """A running `iamtui serve`: its process, where it listens, since when, and the
    certificate clients trust with --tls (a public certificate's path, no secret)."""

    pid: int
    host: str
    port: int
    tls: bool
    started_at: datetime
    ca_bundle: str | None = None

    @property
    def url(self) -> str:
        """The endpoint URL clients are given (an IPv6 address in brackets)."""
        host = self.host
        with contextlib.suppress(ValueError):
            if ipaddress.ip_address(host).version == 6:
                host = f"[{host}]"
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}"

    def to_json(self) -> bytes:
        """The status file's content."""
        return json.dumps({"pid": self.pid, "host": self.host, "port": self.port,
                           "tls": self.tls, "startedAt": self.started_at.isoformat(),
                           "caBundle": self.ca_bundle}, indent=2).encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes) -> ServerStatus | None:
        """The status a file holds, or None when it is not one (cut short, edited)."""
        try:
            raw = json.loads(data)
            status = cls(int(raw["pid"]), str(raw["host"]), int(raw["port"]), bool(raw["tls"]),
                         datetime.fromisoformat(raw["startedAt"]),
                         str(raw["caBundle"]) if raw.get("caBundle") else None)
        except (ValueError, TypeError, KeyError):
            return None
        return status if status.pid > 0 and status.started_at.tzinfo else None


def process_alive(pid: int) -> bool:
    """Whether process `pid` exists (signal 0 checks without sending anything)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive, though not our server
        return True
    return True


def status_path(store_path: Path) -> Path:
    """Where the store's server status file lives: beside the store."""
    return store_path.with_name(store_path.name + STATUS_SUFFIX)


def forget_secret(tx: object, access_key_id: str) -> None:
    """Inside a deleting transaction: drop the key's sealed secret with the key."""
    if SEALED_SECRETS.get(tx, access_key_id) is not None:
        SEALED_SECRETS.delete(tx, access_key_id)


class ServingOperations(ServiceCore):
    """Enabling `iamtui serve` on a store, and the secrets its signature checks need."""

    def serving_enabled(self) -> bool:
        """Whether this store seals new secrets for `iamtui serve`."""
        return bool(self.store.snapshot().meta.get(SERVING_META))

    def enable_serving(self, caller: Principal) -> bool:
        """Start sealing new secrets for `iamtui serve` (root only: it changes what the store
        keeps); creates the serving key file. True when serving was off until now. Audited
        as EnableServing, refused or not, as any change of what the store keeps is."""
        def authorize(tx: Tx) -> None:
            if not caller.is_root:
                raise AccessDenied("Only the account's root user can enable serving the "
                                   "store.")

        if self.serving_enabled() and caller.is_root:
            return False
        with self._audited(caller, "EnableServing", {}, authorize=authorize) as change:
            if change.tx.meta.get(SERVING_META):
                return False  # another process enabled it meanwhile
            keyfiles.serving_cipher(self.keys_dir, change.tx.meta["store_id"], create=True)
            change.tx.meta[SERVING_META] = True
        return True

    def _serving_cipher(self, *, create: bool = False) -> SeedCipher:
        return keyfiles.serving_cipher(self.keys_dir, self.store.snapshot().meta["store_id"],
                                       create=create)

    def server_status(self) -> ServerStatus | None:
        """The server running against this store, as its status file says; None when no
        file, or when its process is gone (the server was killed before removing it)."""
        try:  # another user's file, or one others may write, is not trusted
            fd = open_private(status_path(self.store.path), os.O_RDONLY)
        except (OSError, StoreError):
            return None
        try:
            data = os.read(fd, STATUS_READ_LIMIT + 1)
        finally:
            os.close(fd)
        status = None if len(data) > STATUS_READ_LIMIT else ServerStatus.from_json(data)
        return status if status is not None and process_alive(status.pid) else None

    def announce_server(self, status: ServerStatus) -> None:
        """Write the status file of a server that now listens (0600, whole or not at all);
        ServerAlreadyRunning when a live server already announces itself for this store."""
        self.check_no_server(status.pid)
        atomic_write(status_path(self.store.path), status.to_json())

    def check_no_server(self, pid: int) -> None:
        """ServerAlreadyRunning when a live server other than process `pid`'s announces
        itself for this store (one server per store: the status file names one)."""
        running = self.server_status()
        if running is not None and running.pid != pid:
            raise ServerAlreadyRunning(
                f"A server is already running against this store: {running.url} (process "
                f"{running.pid}). Stop it first, or remove {status_path(self.store.path)} if "
                "that process is not iamtui.")

    def withdraw_server(self, status: ServerStatus) -> None:
        """Remove the status file on a clean stop, if it is still this server's."""
        path = status_path(self.store.path)
        try:
            current = ServerStatus.from_json(path.read_bytes()[:STATUS_READ_LIMIT + 1])
        except OSError:
            return
        if current is not None and current.pid == status.pid and current.port == status.port:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()

    def audit_served_call(self, caller: Principal, event: str, params: Mapping[str, Any], *,
                          source: str, error: IamError | None = None) -> None:
        """After `iamtui serve` answered a call the operation did not audit itself (a read,
        which the CLI's calls leave out, or one refused before the operation began): its
        record, so that every call over HTTP is in the trail with its caller, address and
        client, as CloudTrail logs read-only management events too."""
        served = SERVED_CALL.get()
        if served is None or served.audited:
            return
        self._record(caller, event, params, error=error, source=source,
                     read_only=event.startswith(READ_ONLY_PREFIXES))

    def audit_unauthenticated(self, event: str, *, source: str, error: IamError | None,
                              access_key_id: str | None = None,
                              additional: Mapping[str, Any] | None = None,
                              service_event: bool = False) -> None:
        """The record of a request `iamtui serve` answered with no caller to name: refused at
        its signature (or before it was read), as CloudTrail records a failed
        authentication, with an `Unknown` userIdentity and the access key ID the request
        claimed, never its signature, secret or token. With `service_event`, a record the
        server writes of itself (CloudTrail's AwsServiceEvent, from "AWS Internal"): the
        count of such records it left out under its rate limit."""
        served = None if service_event else SERVED_CALL.get()
        if served is not None and served.audited:
            return
        request = served.request if served is not None else None
        identity: dict[str, Any] = {"type": "AWSService", "invokedBy": "iamtui serve"} \
            if service_event else {"type": "Unknown"}
        if access_key_id is not None:
            identity["accessKeyId"] = access_key_id
        self._append_audit(audit.make_event(
            event, identity=identity, source=source, error_code=error.code if error else None,
            error_message=error.message if error else None,
            read_only=event.startswith(READ_ONLY_PREFIXES),
            additional_event_data=additional, now=self.clock,
            event_type="AwsServiceEvent" if service_event else None,
            recipient_account_id=self.account_id,
            source_ip_address=request.source_ip if request else "AWS Internal",
            user_agent=request.user_agent if request else None,
            request_id=request.request_id if request else None))
        if served is not None:
            served.audited = True

    def seal_secret(self, tx: object, access_key_id: str, secret: str) -> None:
        """Inside a creating transaction: keep `secret` sealed when the store serves."""
        if not tx.meta.get(SERVING_META):  # type: ignore[attr-defined]
            return
        sealed = self._serving_cipher().encrypt(secret, associated_data=access_key_id)
        SEALED_SECRETS.put(tx, SealedSecret(access_key_id, sealed))

    def signing_secret(self, access_key_id: str) -> str:
        """The secret access key a request signed with `access_key_id` must have used.

        InvalidClientTokenId for a key that does not exist (or a session that ended), and for
        a key created before serving was enabled, with the advice to rotate it.
        """
        view = self.store.snapshot()
        temporary = keys.is_temporary(access_key_id)
        known = (ROLE_SESSIONS.get(view, access_key_id) if temporary
                 else ACCESS_KEYS.get(view, access_key_id))
        if known is None:
            raise InvalidClientTokenId(INVALID_TOKEN)
        sealed = SEALED_SECRETS.get(view, access_key_id)
        if sealed is None:
            advice = ("assume the role again" if temporary else
                      "rotate it: create a new access key, use it, and delete this one")
            raise InvalidClientTokenId(
                f"The access key {access_key_id} was created before this store was served, "
                f"so no secret was kept to check signatures with; {advice}.")
        try:
            return self._serving_cipher().decrypt(sealed.ciphertext,
                                                  associated_data=access_key_id)
        except MfaSeedUnreadable:
            raise SealedSecretUnreadable(
                "The serving key file does not open this key's sealed secret (another key "
                "file, or altered data): restore the key file from a backup.") from None


__all__ = ["SERVING_META", "SealedSecretUnreadable", "ServerAlreadyRunning", "ServerStatus",
           "ServingOperations", "forget_secret", "process_alive", "status_path"]
