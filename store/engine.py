"""Store, Snapshot and Tx: the document store over the TinyDB file and its journal."""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import secrets
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import orjson
import tinydb
from tinydb.storages import Storage

from store import dbfile, journal
from store.dbfile import KEY_FIELD, DbFile
from store.errors import StoreConflict, StoreCorrupt, StoreError, StoreNotFound, StoreVersion
from store.files import (
    FileLock,
    atomic_write,
    check_folder,
    ensure_private_dir,
    fsync_dir,
    stray_temp_files,
)
from store.tables import IndexSpecs, Record, TableData

log = logging.getLogger(__name__)

Migration = Callable[[dict[str, dict[str, Record]], dict[str, Any]], None]
"""Takes a file's tables (name -> key -> record) and meta from version N to N+1, in place."""

_NO_SPECS: IndexSpecs = {}
T = TypeVar("T")


@dataclass(frozen=True)
class Schema:
    """What the caller expects of the file: its version, how to get there, which indexes."""

    version: int = 1
    migrations: Mapping[int, Migration] = field(default_factory=dict)  # N -> N to N+1
    indexes: Mapping[str, IndexSpecs] = field(default_factory=dict)  # table -> name -> Index

    def specs(self, table: str) -> IndexSpecs:
        """The index definitions of `table`."""
        return self.indexes.get(table, _NO_SPECS)


@dataclass(frozen=True)
class _State:
    """One committed revision in memory; never changed once published."""

    revision: int
    meta: dict[str, Any]
    tables: Mapping[str, TableData]


def _json_copy(value: Any, what: str) -> Any:
    """A private deep copy, refusing what JSON cannot hold (so a commit cannot fail on it)."""
    try:
        return orjson.loads(orjson.dumps(value))
    except TypeError as exc:
        raise TypeError(f"{what} is not JSON-serializable: {exc}") from None


class TableView:
    """Read access to one table at one revision. Returned records are shared: do not mutate."""

    def __init__(self, name: str, data: TableData | None, specs: IndexSpecs) -> None:
        self.name = name
        self._data = data if data is not None else TableData(specs)

    def _read(self) -> TableData:
        return self._data

    def get(self, key: str) -> Record | None:
        """The record stored under `key`, or None."""
        return self._read().records.get(key)

    def __contains__(self, key: object) -> bool:
        return key in self._read().records

    def __len__(self) -> int:
        return len(self._read().records)

    def keys(self) -> list[str]:
        """Every key, in insertion order."""
        return list(self._read().records)

    def all(self) -> list[Record]:
        """Every record, in insertion order."""
        return list(self._read().records.values())

    def items(self) -> list[tuple[str, Record]]:
        """Every (key, record) pair, in insertion order."""
        return list(self._read().records.items())

    def find_by(self, index: str, value: Any) -> list[Record]:
        """Records whose indexed field holds `value` (an index lookup, not a scan)."""
        data = self._read()
        return [data.records[key] for key in data.lookup(index, value)]

    def find_one(self, index: str, value: Any) -> Record | None:
        """The first record `find_by` would return, or None."""
        data = self._read()
        keys = data.lookup(index, value)
        return data.records[keys[0]] if keys else None

    def scan(self, predicate: Callable[[Record], bool]) -> list[Record]:
        """Records for which `predicate` is true (a full scan: prefer an index)."""
        return [r for r in self._read().records.values() if predicate(r)]

    def keys_by(self, index: str, value: Any) -> list[str]:
        """Keys whose record holds `value` in `index`."""
        return self._read().lookup(index, value)

    def decoded(self, decode: Callable[[Record], T], keys: Iterable[str] | None = None) -> list[T]:
        """The records of `keys` (default: all; missing ones skipped) turned into objects.

        `decode` is e.g. a model class's `from_record`; the result is remembered per
        stored record, so listing the same unchanged records again costs no decoding.
        """
        data = self._read()
        records, memo = data.records, data.memo
        out: list[T] = []
        for key in records if keys is None else keys:
            record = records.get(key)
            if record is None:
                continue
            hit = memo.get(key)
            if hit is not None and hit[0] is record and hit[1] == decode:
                out.append(hit[2])
            else:
                obj = decode(record)
                memo[key] = (record, decode, obj)
                out.append(obj)
        return out


class TxTable(TableView):
    """A table inside a transaction: reads see the transaction's own changes."""

    def __init__(self, tx: Tx, name: str) -> None:
        self.name = name
        self._tx = tx

    def _read(self) -> TableData:
        return self._tx._read_table(self.name)

    def put(self, key: str, record: Mapping[str, Any]) -> None:
        """Insert or replace the record under `key` (a private copy is stored)."""
        if not isinstance(key, str) or not key:
            raise TypeError(f"keys are non-empty strings, not {key!r}")
        if not isinstance(record, Mapping) or KEY_FIELD in record:
            raise TypeError(f"a record is a JSON object without a {KEY_FIELD!r} field")
        copy = _json_copy(dict(record), f"record {self.name}/{key}")
        self._tx._write_table(self.name).put(key, copy)
        self._tx._changes[(self.name, key)] = copy

    def delete(self, key: str) -> bool:
        """Remove the record under `key`; False if there was none."""
        if key not in self._read().records:
            return False
        self._tx._write_table(self.name).delete(key)
        self._tx._changes[(self.name, key)] = None
        return True


class Snapshot:
    """A read-only view of one committed revision; it never changes."""

    def __init__(self, state: _State, schema: Schema) -> None:
        self._state = state
        self._schema = schema

    @property
    def revision(self) -> int:
        """The revision this view shows."""
        return self._state.revision

    @property
    def meta(self) -> dict[str, Any]:
        """A copy of the store's meta data (schema-independent settings of the caller)."""
        return _json_copy(self._state.meta, "meta")

    def table_names(self) -> list[str]:
        """Tables that hold at least one record."""
        return [name for name, data in self._state.tables.items() if data.records]

    def table(self, name: str) -> TableView:
        """Read access to table `name` (empty if it has no records)."""
        return TableView(name, self._state.tables.get(name), self._schema.specs(name))

    def tinydb(self) -> tinydb.TinyDB:
        """This revision as a read-only TinyDB database, for ad-hoc queries with tinydb.Query."""
        layout = orjson.loads(dbfile.encode(_to_dbfile(self._state, self._schema.version)))
        return tinydb.TinyDB(layout, storage=_ReadOnlyStorage)


class _ReadOnlyStorage(Storage):
    """TinyDB storage over a decoded layout; writing is refused."""

    def __init__(self, layout: dict[str, dict[str, Any]]) -> None:
        self._layout = layout

    def read(self) -> dict[str, dict[str, Any]]:
        return self._layout

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        raise StoreError("this TinyDB view is read-only: change the store through a transaction")


class Tx:
    """A transaction's mutable view; use through `Store.transaction()` only."""

    def __init__(self, base: _State, schema: Schema) -> None:
        self._base = base
        self._schema = schema
        self._tables: dict[str, TableData] = {}  # tables this transaction has written
        self._changes: dict[tuple[str, str], Record | None] = {}
        self._open = True
        self.meta: dict[str, Any] = _json_copy(base.meta, "meta")
        """The store's meta data; change it in place, it is committed with the rest."""

    @property
    def revision(self) -> int:
        """The revision this transaction started from (it commits revision + 1)."""
        return self._base.revision

    def table(self, name: str) -> TxTable:
        """Read/write access to table `name`; names starting with `_` are reserved."""
        if not isinstance(name, str) or not name or name.startswith("_"):
            raise ValueError(f"table names are non-empty and do not start with '_': {name!r}")
        return TxTable(self, name)

    def _read_table(self, name: str) -> TableData:
        self._check_open()
        data = self._tables.get(name) or self._base.tables.get(name)
        return data if data is not None else TableData(self._schema.specs(name))

    def _write_table(self, name: str) -> TableData:
        self._check_open()
        if name not in self._tables:
            base = self._base.tables.get(name)
            self._tables[name] = base.clone() if base else TableData(self._schema.specs(name))
        return self._tables[name]

    def _check_open(self) -> None:
        if not self._open:
            raise StoreError("this transaction has ended; start a new one")


def _to_dbfile(state: _State, schema_version: int, gen: str | None = None,
               parent_gen: str | None = None) -> DbFile:
    return DbFile(
        revision=state.revision,
        schema_version=schema_version,
        gen=gen,
        parent_gen=parent_gen,
        meta=state.meta,
        tables={name: data.records for name, data in state.tables.items()},
    )


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


class Store:
    """A durable document store: tables of JSON records by string key, plus meta.

    Open with `Store.open`; read with `snapshot()`; change with `transaction()`.
    """

    # the journal is folded into the TinyDB file once it is this big and half the file's size
    compact_min_bytes: int = 1 << 20
    compact_ratio: float = 0.5

    def __init__(self, path: Path, schema: Schema, lock: FileLock) -> None:
        self.path = path
        self.journal_path = path.with_name(path.name + ".journal")
        self.schema = schema
        self._lock = lock
        self._mutex = threading.RLock()
        self._in_tx = False
        self._gen: str | None = None
        self._journal_ino: int | None = None  # the journal of our generation, if any
        self._journal_end = 0  # end of its last valid line
        self._db_size = 0
        self._seen: tuple[Any, ...] = ()
        self._state = _State(0, {}, {})

    # -- opening -----------------------------------------------------------------

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, create: bool = False,
             schema: Schema | None = None) -> Store:
        """Open the store at `path` (created 0600 in a 0700 folder if `create`).

        Removes temp files left by a killed writer and migrates an older schema.
        Raises StoreNotFound, StorePermissions, StoreCorrupt or StoreVersion.
        """
        path = Path(path).expanduser().resolve()
        schema = schema or Schema()
        if create:
            ensure_private_dir(path.parent)
        elif not path.exists():
            raise StoreNotFound(f"no iamtui store at {path}: create one, or pass --db / IAMTUI_DB")
        check_folder(path.parent)
        store = cls(path, schema, FileLock(path.with_name(path.name + ".lock")))
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
        db.tables = {name: _json_copy(recs, f"table {name}") for name, recs in db.tables.items()}
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
        self._state = _State(db.revision, db.meta, tables)
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
        self._state = _State(revision, meta, tables)
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
            try:
                with self._lock.held(exclusive=True):
                    self._sync()
                    if expect_revision is not None and expect_revision != self._state.revision:
                        raise StoreConflict(
                            f"{self.path} changed since revision {expect_revision} "
                            f"(now {self._state.revision}); reload and try again"
                        )
                    tx = Tx(self._state, self.schema)
                    try:
                        yield tx
                    finally:
                        tx._open = False
                    if tx._changes or tx.meta != self._state.meta:
                        self._commit(tx)
            finally:
                self._in_tx = False

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
        entry: dict[str, Any] = {
            "rev": base.revision + 1,
            "ops": [[name, key, record] for (name, key), record in tx._changes.items()],
        }
        meta = base.meta
        if tx.meta != base.meta:
            meta = entry["meta"] = _json_copy(tx.meta, "meta")
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
        self._state = _State(base.revision + 1, meta, {**base.tables, **tx._tables})
        self._seen = self._signature()
        if self._journal_end > max(self.compact_min_bytes, self._db_size * self.compact_ratio):
            try:
                self._compact()
            except OSError as exc:  # the commit is durable already; compaction can wait
                log.warning("could not compact %s: %s", self.path, exc)

    def _compact(self) -> None:
        self._write_db(_to_dbfile(self._state, self.schema.version))
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
