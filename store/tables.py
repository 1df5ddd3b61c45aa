"""In-memory tables: records by key plus secondary indexes, copied on write.

A committed table is never changed again, so a Snapshot can keep it; a transaction
works on a clone (a shallow copy of the dicts, a few hundred microseconds for
thousands of records) and the clone becomes the committed table on success.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from iamtui.store.errors import UniqueViolation

Record = dict[str, Any]


@dataclass(frozen=True)
class Index:
    """A secondary index on one field of a table's records.

    A list value indexes each element (e.g. a user's group names). With `casefold`,
    strings are indexed and looked up case-insensitively (IAM names are unique that
    way). With `unique`, a put that would give two keys the same value is refused.
    """

    field: str
    casefold: bool = False
    unique: bool = False

    def normalize(self, value: Any) -> Any:
        """The form a value is indexed and looked up under."""
        return value.casefold() if self.casefold and isinstance(value, str) else value

    def values_of(self, record: Mapping[str, Any]) -> list[Hashable]:
        """The index values of a record (none if the field is absent, null or not hashable)."""
        raw = record.get(self.field)
        if raw is None:
            return []
        if not isinstance(raw, list):
            if isinstance(raw, str):  # the common case, kept short: it runs per record on open
                return [raw.casefold() if self.casefold else raw]
            raw = [raw]
        return [self.normalize(v) for v in raw if v is not None and isinstance(v, Hashable)]


IndexSpecs = Mapping[str, Index]


class TableData:
    """Records of one table and their indexes; mutate only a fresh clone."""

    __slots__ = ("_owned", "indexes", "memo", "records", "specs")

    def __init__(self, specs: IndexSpecs, records: dict[str, Record] | None = None) -> None:
        """A table over `records` (taken, not copied) with `specs`' indexes built."""
        self.specs = specs
        self.records: dict[str, Record] = {}
        # index name -> value -> keys (a dict used as an ordered set)
        self.indexes: dict[str, dict[Hashable, dict[str, None]]] = {name: {} for name in specs}
        self._owned: set[tuple[str, Hashable]] | None = None  # None: every bucket is ours
        # key -> (record, decoder, object): decoded records, valid while the record is the same
        self.memo: dict[str, tuple[Record, Any, Any]] = {}
        if records:  # committed data, loaded as it is: take the dict, index in one pass
            self.records = records
            for name, spec in specs.items():
                buckets = self.indexes[name]
                for key, record in records.items():
                    for value in spec.values_of(record):
                        buckets.setdefault(value, {})[key] = None

    def clone(self) -> TableData:
        """A copy that may be changed without touching this table."""
        twin = TableData.__new__(TableData)
        twin.specs = self.specs
        twin.records = dict(self.records)
        twin.indexes = {name: dict(buckets) for name, buckets in self.indexes.items()}
        twin._owned = set()
        twin.memo = dict(self.memo)
        return twin

    def lookup(self, index: str, value: Any) -> list[str]:
        """Keys whose record has `value` in `index`."""
        try:
            spec = self.specs[index]
        except KeyError:
            raise KeyError(f"no index {index!r}; defined: {sorted(self.specs)}") from None
        try:
            return list(self.indexes[index].get(spec.normalize(value), ()))
        except TypeError:  # unhashable value: nothing can be indexed under it
            return []

    def put(self, key: str, record: Record, *, check_unique: bool = True) -> None:
        """Insert or replace a record, keeping the indexes right; a unique clash raises
        UniqueViolation and changes nothing."""
        for name, spec in self.specs.items():
            if spec.unique and check_unique:
                for value in spec.values_of(record):
                    holders = self.indexes[name].get(value, {})
                    if any(other != key for other in holders):
                        raise UniqueViolation(spec.field, value, next(iter(holders)))
        self.delete(key)
        self.records[key] = record
        for name, spec in self.specs.items():
            for value in spec.values_of(record):
                self._bucket(name, value)[key] = None

    def delete(self, key: str) -> bool:
        """Remove a record; False if there was none."""
        old = self.records.pop(key, None)
        if old is None:
            return False
        self.memo.pop(key, None)
        for name, spec in self.specs.items():
            for value in spec.values_of(old):
                bucket = self._bucket(name, value)
                bucket.pop(key, None)
                if not bucket:
                    del self.indexes[name][value]
        return True

    def _bucket(self, index: str, value: Hashable) -> dict[str, None]:
        """The key set of `value`, copied first if it is still shared with the original."""
        buckets = self.indexes[index]
        if self._owned is None:
            return buckets.setdefault(value, {})
        if (index, value) not in self._owned:
            self._owned.add((index, value))
            buckets[value] = dict(buckets.get(value, {}))
        return buckets.setdefault(value, {})  # setdefault: delete() may have dropped it

    def items(self) -> Iterator[tuple[str, Record]]:
        """(key, record) pairs in insertion order."""
        return iter(self.records.items())
