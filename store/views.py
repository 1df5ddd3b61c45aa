"""Snapshot and Tx: views of one revision held in memory, and the Schema they follow."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import orjson
import tinydb
from tinydb.storages import Storage

from iamtui.store import dbfile
from iamtui.store.dbfile import KEY_FIELD, DbFile
from iamtui.store.errors import StoreError
from iamtui.store.tables import IndexSpecs, Record, TableData

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
class State:
    """One committed revision in memory; never changed once published."""

    revision: int
    meta: dict[str, Any]
    tables: Mapping[str, TableData]


def json_copy(value: Any, what: str) -> Any:
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
        copy = json_copy(dict(record), f"record {self.name}/{key}")
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

    def __init__(self, state: State, schema: Schema) -> None:
        self._state = state
        self._schema = schema

    @property
    def revision(self) -> int:
        """The revision this view shows."""
        return self._state.revision

    @property
    def meta(self) -> dict[str, Any]:
        """A copy of the store's meta data (schema-independent settings of the caller)."""
        return json_copy(self._state.meta, "meta")

    def table_names(self) -> list[str]:
        """Tables that hold at least one record."""
        return [name for name, data in self._state.tables.items() if data.records]

    def table(self, name: str) -> TableView:
        """Read access to table `name` (empty if it has no records)."""
        return TableView(name, self._state.tables.get(name), self._schema.specs(name))

    def tinydb(self) -> tinydb.TinyDB:
        """This revision as a read-only TinyDB database, for ad-hoc queries with tinydb.Query."""
        layout = orjson.loads(dbfile.encode(to_dbfile(self._state, self._schema.version)))
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

    def __init__(self, base: State, schema: Schema) -> None:
        self._base = base
        self._schema = schema
        self._tables: dict[str, TableData] = {}  # tables this transaction has written
        self._changes: dict[tuple[str, str], Record | None] = {}
        self._open = True
        self.meta: dict[str, Any] = json_copy(base.meta, "meta")
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


def to_dbfile(state: State, schema_version: int, gen: str | None = None,
               parent_gen: str | None = None) -> DbFile:
    return DbFile(
        revision=state.revision,
        schema_version=schema_version,
        gen=gen,
        parent_gen=parent_gen,
        meta=state.meta,
        tables={name: data.records for name, data in state.tables.items()},
    )
