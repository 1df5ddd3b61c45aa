"""The audit trail's bond with the store: no change without its record, no sequence reused.

An audited change carries its audit event in its own store transaction (`stage`). When the
transaction commits, the store's commit hook (`AuditTrail.on_commit`, under the store's
exclusive lock) seals the event as the next record of the chain, numbered from the head the
store keeps, and commits the sealed line in the store's meta with the change. After the
commit the line is appended to the log (`flush`). A kill, a full disk or an immutable log in
between leave the line in the store: the next command that can write the log adds it (every
open and every later audited change tries), and the next commit after that forgets it.

What the store's meta holds:

- ``audit_head``: [sequence, hash] of the newest record committed.
- ``audit_pending``: [[sequence, previousHash, hash, line], ...]: records committed that the
  log did not hold at the last commit.
- ``audit_seal``: {"revision": R, "mac": HMAC}: HMAC-SHA256 with the audit key over the
  store's id, R, the head and the pending records' chain fields. Every commit renews it for
  its own revision, so a journal line written without the key (one that rewinds the head to
  hide a cut log, or any other) leaves a seal that is not for the store's revision.

Why sequences are never reused: the next sequence is the store's sealed head + 1, and the
head only moves forward; a log whose sealed tail is ahead of it means the store lost commits
(`StoreDataLost`), and a head that is not sealed for the store's revision is not trusted:
audited changes are then refused (`AuditHeadForged`), because continuing would either reuse
the sequences of the records it hides or reseal, and so bless, the forged head. Reading and
`audit verify` keep working, so the damage can be examined.

A store written before the seal existed (no ``audit_seal``) is trusted once, from the head it
kept and the log's sealed tail, unless the log holds records written since (they carry
``storeRevision``): then the seal was removed, and that is forgery too.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from iamtui import audit
from iamtui.audit import EMPTY_HEAD, ChainHead, SealedRecord
from iamtui.errors import IamError
from iamtui.store import Store, Tx

HEAD = "audit_head"
PENDING = "audit_pending"
SEAL = "audit_seal"
STAGED = "audit_staged"  # events of the open transaction; never committed under this name
STORE_REVISION = "storeRevision"  # in every record sealed here: the revision that carries it
MAX_PENDING = 256  # records kept for an unwritable log before audited changes are refused
_MAC_LABEL = b"iamtui audit head\0"


class AuditLogWriteFailed(IamError):
    """The audit log could not be written; the records wait, sealed, in the store."""

    code, http_status = "AuditLogWriteFailed", 500


class AuditHeadForged(IamError):
    """The head the store keeps is not sealed with the audit key for its revision."""

    code, http_status = "AuditHeadForged", 409


class StoreDataLost(IamError):
    """The store lacks commits that its audit log proves were made (a cut or lost journal)."""

    code, http_status = "StoreDataLost", 409


def log_path(db: Path) -> Path:
    """The audit log beside the store file."""
    return db.with_name(db.name + ".audit.jsonl")


def journal_path(db: Path) -> Path:
    """The store's journal (store/journal.py names it so)."""
    return db.with_name(db.name + ".journal")


def leftovers(db: Path) -> list[Path]:
    """Files of a store at `db` that exist besides the store file: its journal, and its
    audit log when it holds anything (an empty one is what a crash before the first write
    leaves). `init` never writes where any of them is."""
    found = [journal_path(db)] if journal_path(db).exists() else []
    log = log_path(db)
    if log.exists() and log.stat().st_size > 0:
        found.append(log)
    return found


def restore_advice(db: Path) -> str:
    """What to do about a store that lost commits."""
    return (f"Nothing was changed. Restore {journal_path(db)} and {db} from a backup taken "
            f"after those changes, or restore them with {log_path(db)} from one same backup "
            f"(losing what was done since), then run `iamtui audit verify`. Do not run "
            f"`iamtui init` on these files: it refuses to, as it would start another account "
            f"over them.")


@dataclass(frozen=True)
class TrailState:
    """The chain as the store records it, and whether its seal holds."""

    head: ChainHead
    pending: tuple[tuple[int, str, str, str], ...]
    trusted: bool
    why: str = ""  # when not trusted: what is wrong with the seal


class AuditTrail:
    """Seals audit records into store commits and catches the log up with them."""

    def __init__(self, store: Store, log: audit.AuditLog) -> None:
        self.store, self.log = store, log
        self._trusted_revision: int | None = None  # a migration's result, trusted once
        store.on_commit = self.on_commit

    # ------------------------------------------------------------------ the sealed head

    def _mac(self, store_id: str, revision: int, head: ChainHead,
             pending: tuple[tuple[int, str, str, str], ...] | list[Any]) -> str:
        chain = [[p[0], p[1], p[2]] for p in pending]
        return self.log.mac(_MAC_LABEL + orjson.dumps([store_id, revision, list(head), chain]))

    def state(self, revision: int, meta: Mapping[str, Any]) -> TrailState:
        """The head and pending records of `meta` (the store's meta at `revision`)."""
        store_id = meta.get("store_id")
        if not isinstance(store_id, str):  # no account yet: nothing was ever sealed
            return TrailState(EMPTY_HEAD, (), True)
        try:
            head = ChainHead(*_head(meta.get(HEAD)))
            pending = tuple(_pending(meta.get(PENDING)))
        except (TypeError, ValueError):
            return TrailState(EMPTY_HEAD, (), False, "the head the store keeps is malformed")
        seal = meta.get(SEAL)
        if self._trusted_revision == revision:
            return TrailState(head, pending, True)
        if seal is None:
            return self._unsealed(head)
        if not isinstance(seal, Mapping) or not isinstance(seal.get("mac"), str):
            return TrailState(head, pending, False, "the head's seal is malformed")
        if seal.get("revision") != revision:
            return TrailState(head, pending, False, (
                f"the head was sealed for revision {seal.get('revision')!r} but the store is "
                f"at revision {revision}: a revision was written without the audit key"))
        if not hmac.compare_digest(seal["mac"], self._mac(store_id, revision, head, pending)):
            return TrailState(head, pending, False,
                              "the head's seal does not match it: it was edited")
        return TrailState(head, pending, True)

    def _unsealed(self, head: ChainHead) -> TrailState:
        """A store from before the seal: trusted once, unless the log says it was sealed."""
        try:
            tail, record = self.log.newest_sealed()
        except OSError as exc:
            raise AuditLogWriteFailed(f"Cannot read the audit log {self.log.path} "
                                      f"({exc.strerror}); nothing was changed.") from exc
        if record is not None and STORE_REVISION in record:
            return TrailState(head, (), False, (
                f"the head carries no seal, yet record {tail.sequence} of the log was written "
                "by an iamtui that seals it: the seal was removed"))
        return TrailState(max(head, tail, key=lambda h: h.sequence), (), True)

    def current(self) -> TrailState:
        """The state of the latest committed revision."""
        view = self.store.snapshot()
        return self.state(view.revision, view.meta)

    # ------------------------------------------------------------------ committing

    @staticmethod
    def stage(tx: Tx, event: Mapping[str, Any]) -> None:
        """Make `event` part of `tx`: sealed and committed with it, or gone if it aborts."""
        tx.meta.setdefault(STAGED, []).append(dict(event))

    def on_commit(self, base_revision: int, base: Mapping[str, Any],
                  meta: dict[str, Any]) -> None:
        """The store's commit hook: seal the staged events, forget what the log holds, and
        seal the head for the new revision. Raising here commits nothing."""
        staged = meta.pop(STAGED, None) or []
        if not isinstance(meta.get("store_id"), str):
            if staged:  # a programming error: a record needs the store whose key seals it
                raise ValueError("an audit record was staged in a store without an account")
            return  # no account's store (yet): nothing to seal
        state = self.state(base_revision, base)
        if not state.trusted:
            if staged:
                raise AuditHeadForged(self.forged_message(state))
            return  # leave the broken seal as it is: it stays visible to verify
        head, pending = state.head, list(state.pending)
        if pending or staged:
            try:
                tail = self.log.sealed_tail()
            except OSError as exc:
                raise AuditLogWriteFailed(f"Cannot read the audit log {self.log.path} "
                                          f"({exc.strerror}); nothing was changed.") from exc
            if tail.sequence > head.sequence:
                raise StoreDataLost(self.lost_message(base_revision, head, tail))
            for i, entry in enumerate(pending):
                if entry[0] == tail.sequence and hmac.compare_digest(entry[2], tail.hash):
                    pending = pending[i + 1:]  # the log holds this one and those before it
                    break
        revision = base_revision + 1
        if staged and len(pending) >= MAX_PENDING:
            raise AuditLogWriteFailed(
                f"The audit log {self.log.path} has not been writable for the last "
                f"{len(pending)} audit records (they wait in the store); nothing more is "
                "changed until it is: fix the log (disk space, permissions, immutable flag) "
                "and try again.")
        for event in staged:
            record = self.log.seal({**event, STORE_REVISION: revision}, head)
            pending.append((record.sequence, record.previous, record.hash,
                            record.line.decode("utf-8")))
            head = ChainHead(record.sequence, record.hash)
        meta[HEAD] = list(head)
        meta[PENDING] = [list(p) for p in pending]
        meta[SEAL] = {"revision": revision,
                      "mac": self._mac(meta["store_id"], revision, head, pending)}

    def flush(self, what: str) -> None:
        """Append the committed records the log lacks; AuditLogWriteFailed if it cannot."""
        state = self.current()
        if not state.trusted or not state.pending:
            return
        records = [SealedRecord(s, p, h, line.encode("utf-8")) for s, p, h, line in state.pending]
        try:
            self.log.append_sealed(records)
        except OSError as exc:
            raise AuditLogWriteFailed(
                f"{what} is done and committed with its audit record, but the audit log "
                f"{self.log.path} could not be written ({exc.strerror or exc}). The record is "
                "kept in the store and the next iamtui command that can write the log adds "
                "it; nothing needs doing again. Make the log writable (disk space, "
                "permissions, immutable flag).") from exc

    # ------------------------------------------------------------------ checks

    def check_not_behind(self) -> None:
        """StoreDataLost when the log holds sealed records the store never committed."""
        view = self.store.snapshot()
        state = self.state(view.revision, view.meta)
        if not state.trusted:
            return  # verify reports it; audited changes are refused
        try:
            tail = self.log.sealed_tail()
        except OSError:
            return  # unreadable: the next change reports it
        if tail.sequence > state.head.sequence:
            raise StoreDataLost(self.lost_message(view.revision, state.head, tail))

    def carry_over(self, revision: int, meta: Mapping[str, Any]) -> None:
        """After a schema migration (the revision `revision` -> +1 written by this program
        at open, before the key was at hand): if the seal held before, seal the result."""
        if not self.state(revision, meta).trusted:
            return
        self._trusted_revision = revision + 1
        try:
            with self.store.transaction() as tx:
                tx.meta[SEAL] = None  # a change, so that the hook runs and seals anew
        finally:
            self._trusted_revision = None

    def forged_message(self, state: TrailState) -> str:
        """Why audited changes are refused while the head's seal is broken."""
        db = self.store.path
        return (f"The audit log's head that {db} keeps is not sealed with this store's audit "
                f"key ({state.why}). Its journal or file was changed outside iamtui, perhaps "
                "to hide a cut audit log, so audited changes are refused: going on would reuse "
                f"audit sequence numbers or seal the forgery. Restore {db} and "
                f"{journal_path(db)} from a backup (or remove the journal lines written "
                "after the last good one), then run `iamtui audit verify`.")

    def lost_message(self, revision: int, head: ChainHead, tail: ChainHead) -> str:
        """Why a store behind its audit log is refused."""
        db = self.store.path
        return (f"{db} is at revision {revision} and knows audit records up to sequence "
                f"{head.sequence}, but its audit log {self.log.path} holds sealed records up "
                f"to sequence {tail.sequence}: changes committed after revision {revision} "
                f"are missing ({journal_path(db)} was cut or deleted, or the store was "
                f"restored from an older backup). {restore_advice(db)}")


def _head(value: Any) -> tuple[int, str]:
    if value is None:
        return EMPTY_HEAD
    seq, digest = value
    if type(seq) is not int or not isinstance(digest, str):
        raise ValueError(value)
    return seq, digest


def _pending(value: Any) -> list[tuple[int, str, str, str]]:
    out = []
    for entry in value or ():
        seq, previous, digest, line = entry
        if type(seq) is not int or not all(isinstance(v, str) for v in (previous, digest, line)):
            raise ValueError(entry)
        out.append((seq, previous, digest, line))
    return out
