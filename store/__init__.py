"""Persistence: the only package that imports tinydb. (Format notes: see below.)"""

from store.engine import Migration, Schema, Snapshot, Store, TableView, Tx, TxTable
from store.errors import (
    StoreConflict,
    StoreCorrupt,
    StoreError,
    StoreNotFound,
    StorePermissions,
    StoreVersion,
)
from store.files import default_db_path, resolve_db_path
from store.repository import Entity, EntityTable, schema_of
from store.tables import Index, Record

__all__ = [
    "Entity",
    "EntityTable",
    "Index",
    "Migration",
    "Record",
    "Schema",
    "Snapshot",
    "Store",
    "StoreConflict",
    "StoreCorrupt",
    "StoreError",
    "StoreNotFound",
    "StorePermissions",
    "StoreVersion",
    "TableView",
    "Tx",
    "TxTable",
    "default_db_path",
    "resolve_db_path",
    "schema_of",
]
