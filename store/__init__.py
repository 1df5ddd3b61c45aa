"""Persistence: the only package that imports tinydb.

A generic document store: tables of JSON records under string keys, plus a small
`meta` dict, with in-memory secondary indexes. `Store.open(path)` reads it,
`store.snapshot()` gives an immutable view, `store.transaction()` a mutable one
committed as a whole; `EntityTable` maps model dataclasses onto tables.

On disk, beside each other in one 0700 folder, every file 0600:

- `<db>` (e.g. iamtui.json): a TinyDB file (`tinydb.TinyDB(path, access_mode="r")`
  opens it); a `_meta` table holds format, revision, schema version and the
  file's generation id; records carry their key in `_key` (see dbfile.py).
- `<db>.journal`: a header line naming the generation it extends, then one
  JSON line per committed transaction (revision, changed records, meta), each
  ending in a CRC-32 of its bytes (see journal.py).
- `<db>.lock`: flock'ed by every writer (exclusive) and re-reader (shared); it
  holds a random token a writer changes before touching any file, so a reader
  sees in one pread (plus two stats) whether anything changed.

A commit appends one line and fsyncs it: O(change), not O(store). Once the journal
outgrows both 1 MiB and half the TinyDB file, it is folded in: the whole state is written to a temp
file, fsynced, renamed over `<db>` (a new generation), the folder fsynced, and
the journal removed. Schema migrations (version N -> N+1 functions) are applied
on open and written the same way.

Why a crash or SIGKILL leaves the previous or the next state, never a mix:
- `<db>` and a new journal only ever appear by rename of a complete, fsynced
  temp file; temp files of a killed writer are removed on the next open.
- A commit is acknowledged only after its line is fsynced; a line cut short
  fails its CRC (or lacks its newline), is ignored on load, and is cut off by the
  next writer. A bad line followed by good ones is damage, reported, never skipped.
- Killed between renaming a new `<db>` and removing the journal, the journal
  names the previous generation, so it is recognised as already folded in.
- Every read-modify-write holds the exclusive lock and first catches up with
  the files, and each line carries the next revision number, so a writer never
  writes over a revision it has not seen.
Damaged or foreign files raise StoreCorrupt naming the path and are left as they are.
"""

from iamtui.store.engine import Store
from iamtui.store.errors import (
    StoreConflict,
    StoreCorrupt,
    StoreError,
    StoreNotFound,
    StorePermissions,
    StoreVersion,
    UniqueViolation,
)
from iamtui.store.files import default_db_path, resolve_db_path
from iamtui.store.repository import Entity, EntityTable, schema_of
from iamtui.store.tables import Index, Record
from iamtui.store.views import Migration, Schema, Snapshot, TableView, Tx, TxTable

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
    "UniqueViolation",
    "default_db_path",
    "resolve_db_path",
    "schema_of",
]
