"""Store: the document store over the TinyDB file and its journal (format: see __init__)."""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import secrets
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from iamtui.store import dbfile, journal
from iamtui.store.dbfile import DbFile
from iamtui.store.errors import StoreConflict, StoreCorrupt, StoreError, StoreNotFound, StoreVersion
from iamtui.store.files import (
    FileLock,
    atomic_write,
    check_folder,
    ensure_private_dir,
    fsync_dir,
    stray_temp_files,
)
from iamtui.store.tables import TableData
from iamtui.store.views import Schema, Snapshot, State, Tx, json_copy, to_dbfile

log = logging.getLogger(__name__)


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Defer the cyclic GC while loading: it would rescan the growing heap of fresh,
    acyclic JSON objects again and again (~45% of an open at quota scale)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class _Resync(Exception):
    """The cheap catch-up does not apply: read everything again."""


CommitHook = Callable[[int, Mapping[str, Any], dict[str, Any]], None]
"""Called under the exclusive lock before a new revision is written, with the revision it
follows, that revision's meta (do not change it) and the meta about to be written (change it
in place: e.g. to seal it); raising aborts the write, and nothing is written."""


class Store:
    """A durable document store: tables of JSON records by string key, plus meta.

    Open with `Store.open`; read with `snapshot()`; change with `transaction()`.
    """

    # the journal is folded into the TinyDB file once it is this big and half the file's size
    compact_min_bytes: int = 1 << 20
    compact_ratio: float = 0.5

    def __init__(self, path: Path, schema: Schema, lock: FileLock,
                 on_commit: CommitHook | None = None) -> None:
        self.path = path
        self.journal_path = path.with_name(path.name + ".journal")
        self.schema = schema
        self._lock = lock
        self._mutex = threading.RLock()
        self._in_tx = False
        self._tx: Tx | None = None
        self._tx_thread: int | None = None
        self.on_commit = on_commit
        self._gen: str | None = None
        self._journal_ino: int | None = None  # the journal of our generation, if any
        self._journal_end = 0  # end of its last valid line
        self._db_size = 0
        self._seen: tuple[Any, ...] = ()
        self._state = State(0, {}, {})

    # -- opening -----------------------------------------------------------------

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, create: bool = False,
             schema: Schema | None = None, on_commit: CommitHook | None = None) -> Store:
        """Open the store at `path` (created 0600 in a 0700 folder if `create`).

        Removes temp files left by a killed writer and migrates an older schema.
        `on_commit` (see CommitHook) runs before every later write, migrations included.
        Raises StoreNotFound, StorePermissions, StoreCorrupt or StoreVersion.
        """
        path = Path(path).expanduser().resolve()
        schema = schema or Schema()
        if create:
            ensure_private_dir(path.parent)
        elif not path.exists():
            raise StoreNotFound(f"no iamtui store at {path}: create one, or pass --db / IAMTUI_DB")
        check_folder(path.parent)
        store = cls(path, schema, FileLock(path.with_name(path.name + ".lock")), on_commit)
        try:
            with store._lock.held(exclusive=True), _gc_paused():
                store._open_locked(create)
        except BaseException:
            store.close()
            raise
        return store

    def _open_locked(self, create: bool) -> None:
        for stray in stray_temp_files(self.path, self.journal_path):
            stray.unlink(missing_ok=True)
        if not self.path.exists():
            if self.journal_path.exists():
                raise StoreCorrupt(
                    f"{self.journal_path} exists but {self.path} does not; "
                    f"restore {self.path} from a backup, or move the journal aside"
                )
            if not create:
                raise StoreNotFound(f"no iamtui store at {self.path}")
            self._write_db(DbFile(0, self.schema.version, None, None, {}))
        db = self._load_raw()
        if db.schema_version > self.schema.version:
            raise StoreVersion(
                f"{self.path} has schema version {db.schema_version}, newer than this "
                f"iamtui knows ({self.schema.version}): upgrade iamtui to open it"
            )
        if db.schema_version < self.schema.version:
            self._migrate(db)
        self._publish_full(db)

    def _migrate(self, db: DbFile) -> None:
        """Run migrations N -> N+1 up to the schema's version, then write the result at once."""
        base_meta = json_copy(db.meta, "meta")  # for the commit hook: the meta before
        while db.schema_version < self.schema.version:
            step = self.schema.migrations.get(db.schema_version)
            if step is None:
                raise StoreVersion(
                    f"{self.path} has schema version {db.schema_version} and no migration "
                    f"leads from it to {db.schema_version + 1}; the file was left untouched"
                )
            try:
                step(db.tables, db.meta)
            except Exception as exc:
                raise StoreVersion(
                    f"migrating {self.path} from schema version {db.schema_version} failed "
                    f"({exc!r}); the file was left untouched"
                ) from exc
            db.schema_version += 1
        db.revision += 1
        db.tables = {name: json_copy(recs, f"table {name}") for name, recs in db.tables.items()}
        if self.on_commit is not None:
            self.on_commit(db.revision - 1, base_meta, db.meta)
        self._write_db(db)

    # -- reading the files ---------------------------------------------------------

    def _signature(self) -> tuple[Any, ...]:
        """What changes whenever another process commits: the token, and both files' stat."""
        sig: list[Any] = [self._lock.token()]
        for p in (self.path, self.journal_path):
            try:
                st = os.stat(p)
                sig.append((st.st_ino, st.st_size, st.st_mtime_ns))
            except FileNotFoundError:
                sig.append(None)
        return tuple(sig)

    def _load_raw(self) -> DbFile:
        """Read the TinyDB file and replay its journal onto it (raw dicts, nothing built)."""
        try:
            db, st = dbfile.read(self.path)
        except FileNotFoundError:
            raise StoreNotFound(f"{self.path} disappeared while in use") from None
        self._gen, self._db_size = db.gen, st.st_size
        self._journal_ino, self._journal_end = None, 0
        jr = journal.read(self.journal_path)
        if jr is None or not jr.header:
            return db
        gen = jr.header.get("gen")
        if db.gen is not None and gen == db.gen:
            if jr.header.get("base") != db.revision:
                raise StoreCorrupt(f"{self.journal_path} does not start at {self.path}'s revision")
            for entry in jr.entries:
                if entry["rev"] != db.revision + 1:
                    raise StoreCorrupt(
                        f"{self.journal_path} jumps from revision {db.revision} to "
                        f"{entry['rev']}; both files were left untouched"
                    )
                _apply_raw(db, entry)
            self._journal_ino, self._journal_end = jr.st.st_ino, jr.valid_end
        elif db.parent_gen is not None and gen == db.parent_gen:
            # left over by a compaction killed before it removed the journal: all in the file
            if any(entry["rev"] > db.revision for entry in jr.entries):
                raise StoreCorrupt(f"{self.journal_path} is ahead of {self.path}; left untouched")
        else:
            raise StoreCorrupt(
                f"{self.journal_path} belongs to another version of {self.path} (was the file "
                f"restored from a backup?); both were left untouched: move the journal aside "
                f"to use {self.path} as it is"
            )
        return db

    def _publish_full(self, db: DbFile) -> None:
        specs = self.schema.specs
        tables = {name: TableData(specs(name), recs) for name, recs in db.tables.items()}
        self._state = State(db.revision, db.meta, tables)
        self._seen = self._signature()

    def _sync(self) -> None:
        """Bring memory up to date with the files; call with the lock held."""
        sig = self._signature()
        if sig == self._seen:
            return
        try:
            self._catch_up(sig)
        except _Resync:
            with _gc_paused():
                db = self._load_raw()
                if db.schema_version != self.schema.version:
                    raise StoreVersion(
                        f"{self.path} now has schema version {db.schema_version}, not "
                        f"{self.schema.version}: it was replaced; open it again"
                    ) from None
                self._publish_full(db)

    def _catch_up(self, sig: tuple[Any, ...]) -> None:
        """Apply only the transactions appended to our journal since we last looked."""
        _, db_sig, journal_sig = sig
        if db_sig != self._seen[1] or journal_sig is None:
            raise _Resync
        try:
            if journal_sig[0] == self._journal_ino:
                entries, end, st = journal.read_tail(
                    self.journal_path, self._journal_end, self._journal_ino
                )
            else:  # a journal started since the last compaction: ours if it names our gen
                jr = journal.read(self.journal_path)
                if jr is None or jr.header.get("gen") != self._gen or self._gen is None:
                    raise _Resync
                entries, end, st = jr.entries, jr.valid_end, jr.st
        except FileNotFoundError:
            raise _Resync from None
        state = self._state
        entries = [e for e in entries if e["rev"] > state.revision]
        tables = dict(state.tables)
        fresh: set[str] = set()
        meta, revision = state.meta, state.revision
        for entry in entries:
            if entry["rev"] != revision + 1:
                raise _Resync
            for name, key, record in entry["ops"]:
                if name not in fresh:
                    base = tables.get(name)
                    tables[name] = base.clone() if base else TableData(self.schema.specs(name))
                    fresh.add(name)
                if record is None:
                    tables[name].delete(key)
                else:
                    tables[name].put(key, record, check_unique=False)
            meta, revision = entry.get("meta", meta), entry["rev"]
        self._state = State(revision, meta, tables)
        self._journal_ino, self._journal_end = st.st_ino, end
        self._seen = self._signature()

    # -- the public API ------------------------------------------------------------

    @property
    def revision(self) -> int:
        """The latest committed revision (re-read from disk if another process wrote)."""
        return self.snapshot().revision

    def snapshot(self) -> Snapshot:
        """A read-only view of the latest committed revision.

        Served from memory unless another process committed since (one pread and two
        stats tell); then only the new journal lines are read, under the shared lock.
        """
        with self._mutex:
            if self._signature() != self._seen:
                with self._lock.held(exclusive=False):
                    self._sync()
            return Snapshot(self._state, self.schema)

    @contextlib.contextmanager
    def transaction(self, *, expect_revision: int | None = None) -> Iterator[Tx]:
        """Hold the exclusive lock, catch up with other processes, yield a Tx.

        On normal exit every change is committed as revision + 1 with one durable
        append; on an exception nothing is written. With `expect_revision` (from a
        snapshot the change was based on), a store that moved on raises StoreConflict.
        """
        with self._mutex:
            if self._in_tx:
                raise StoreError("transactions do not nest: finish the open one first")
            self._in_tx = True
            self._tx_thread = threading.get_ident()
            try:
                with self._lock.held(exclusive=True):
                    self._sync()
                    if expect_revision is not None and expect_revision != self._state.revision:
                        raise StoreConflict(
                            f"{self.path} changed since revision {expect_revision} "
                            f"(now {self._state.revision}); reload and try again"
                        )
                    tx = self._tx = Tx(self._state, self.schema)
                    try:
                        yield tx
                    finally:
                        tx._open, self._tx = False, None
                    if tx._changes or tx.meta != self._state.meta:
                        self._commit(tx)
            finally:
                self._in_tx, self._tx_thread = False, None

    def active_transaction(self) -> Tx | None:
        """The transaction the calling thread has open on this store, if any."""
        return self._tx if self._tx_thread == threading.get_ident() else None

    def compact(self) -> None:
        """Fold the journal into the TinyDB file now (so plain TinyDB sees every change)."""
        with self._mutex, self._lock.held(exclusive=True):
            self._sync()
            if self._journal_ino is not None:
                self._compact()

    def close(self) -> None:
        """Release the lock file; the store must not be used afterwards."""
        self._lock.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing -------------------------------------------------------------------

    def _commit(self, tx: Tx) -> None:
        base = self._state
        if self.on_commit is not None:
            self.on_commit(base.revision, base.meta, tx.meta)
        entry: dict[str, Any] = {
            "rev": base.revision + 1,
            "ops": [[name, key, record] for (name, key), record in tx._changes.items()],
        }
        meta = base.meta
        if tx.meta != base.meta:
            meta = entry["meta"] = json_copy(tx.meta, "meta")
        line = journal.encode_line(entry)
        if self._signature() != self._seen:  # cannot happen under the lock; never overwrite
            raise StoreConflict(f"{self.path} changed under the lock; nothing was written")
        self._lock.new_token()  # before any file changes, so readers notice
        if self._journal_ino is None:
            header = journal.encode_line({"journal": journal.FORMAT, "gen": self._gen,
                                          "base": base.revision})
            atomic_write(self.journal_path, header + line)
            st = os.stat(self.journal_path)
            self._journal_ino, self._journal_end = st.st_ino, st.st_size
        else:
            journal.append(self.journal_path, line, self._journal_end)
            self._journal_end += len(line)
        self._state = State(base.revision + 1, meta, {**base.tables, **tx._tables})
        self._seen = self._signature()
        if self._journal_end > max(self.compact_min_bytes, self._db_size * self.compact_ratio):
            try:
                self._compact()
            except OSError as exc:  # the commit is durable already; compaction can wait
                log.warning("could not compact %s: %s", self.path, exc)

    def _compact(self) -> None:
        self._write_db(to_dbfile(self._state, self.schema.version))
        self._seen = self._signature()

    def _write_db(self, db: DbFile) -> None:
        """Write the TinyDB file atomically as a new generation, then drop the journal.

        Killed between the two steps, the old journal names the parent generation
        and is ignored on load: everything in it is in the new file.
        """
        self._lock.new_token()
        db.parent_gen, db.gen = self._gen, secrets.token_hex(8)
        data = dbfile.encode(db)
        atomic_write(self.path, data)
        # from here the old journal is history even if removing it fails: never append to it
        self._gen, self._db_size = db.gen, len(data)
        self._journal_ino, self._journal_end = None, 0
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.journal_path)
            fsync_dir(self.path.parent)


def _apply_raw(db: DbFile, entry: dict[str, Any]) -> None:
    """Replay one journal transaction onto raw tables."""
    for name, key, record in entry["ops"]:
        table = db.tables.setdefault(name, {})
        if record is None:
            table.pop(key, None)
        else:
            table[key] = record
    if "meta" in entry:
        db.meta = entry["meta"]
    db.revision = entry["rev"]
