"""Typed tables: entities (e.g. iamtui.model dataclasses) in and out, records underneath.

    USERS = EntityTable("users", User, key=lambda u: u.user_id,
                        indexes={"name": Index("user_name", casefold=True, unique=True)})
    store = Store.open(path, schema=schema_of([USERS, ...], version=1))
    with store.transaction() as tx:
        if USERS.find_one(tx, "name", "Alice") is None:
            USERS.put(tx, User(...))
    users = USERS.all(store.snapshot())
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, Self, TypeVar

from iamtui.store.tables import Index
from iamtui.store.views import Migration, Schema, Snapshot, Tx


class Entity(Protocol):
    """What a stored entity offers: a JSON-able record and the way back."""

    def to_record(self) -> dict[str, Any]: ...

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Self: ...


E = TypeVar("E", bound=Entity)
View = Snapshot | Tx


@dataclass(frozen=True)
class EntityTable(Generic[E]):
    """One table of one entity type, with the key it is stored under and its indexes."""

    name: str
    entity: type[E]
    key: Callable[[E], str]
    indexes: Mapping[str, Index] = field(default_factory=dict)

    def get(self, view: View, key: str) -> E | None:
        """The entity stored under `key`, or None."""
        found = view.table(self.name).decoded(self.entity.from_record, [key])
        return found[0] if found else None

    def find_by(self, view: View, index: str, value: Any) -> list[E]:
        """Entities whose indexed field holds `value` (an index lookup)."""
        table = view.table(self.name)
        return table.decoded(self.entity.from_record, table.keys_by(index, value))

    def find_one(self, view: View, index: str, value: Any) -> E | None:
        """The first entity `find_by` would return, or None."""
        found = self.find_by(view, index, value)
        return found[0] if found else None

    def all(self, view: View) -> list[E]:
        """Every entity, in insertion order."""
        return view.table(self.name).decoded(self.entity.from_record)

    def count(self, view: View) -> int:
        """How many entities the table holds (no decoding)."""
        return len(view.table(self.name))

    def put(self, tx: Tx, entity: E) -> None:
        """Insert or replace `entity` under its key."""
        tx.table(self.name).put(self.key(entity), entity.to_record())

    def delete(self, tx: Tx, key: str) -> bool:
        """Remove the entity under `key`; False if there was none."""
        return tx.table(self.name).delete(key)


def schema_of(tables: Iterable[EntityTable[Any]], *, version: int = 1,
              migrations: Mapping[int, Migration] | None = None) -> Schema:
    """The Schema for a set of entity tables (their indexes), at `version`."""
    return Schema(version=version, migrations=dict(migrations or {}),
                  indexes={t.name: dict(t.indexes) for t in tables})
