"""The TinyDB file: TinyDB's own layout, so `tinydb.TinyDB(path)` can open it for inspection.

    {"_meta": {"1": {"format": 1, "revision": R, "schema_version": V,
                     "gen": G, "parent_gen": P, "meta": {...}}},
     "<table>": {"1": {"_key": "<primary key>", ...record}, "2": ...}, ...}

TinyDB wants integer document ids, so the string primary key travels in `_key`;
ids are renumbered on every compaction and mean nothing. A file without `_meta`
(written by plain TinyDB) is schema version 0 and its keys are the document ids.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from iamtui.store.errors import StoreCorrupt
from iamtui.store.files import open_private
from iamtui.store.tables import Record

FORMAT = 1
META_TABLE = "_meta"
KEY_FIELD = "_key"


@dataclass
class DbFile:
    """The decoded content of the TinyDB file."""

    revision: int
    schema_version: int
    gen: str | None
    parent_gen: str | None
    meta: dict[str, Any]
    tables: dict[str, dict[str, Record]] = field(default_factory=dict)


def encode(db: DbFile) -> bytes:
    """The file's bytes (empty tables are left out)."""
    info = {
        "format": FORMAT,
        "revision": db.revision,
        "schema_version": db.schema_version,
        "gen": db.gen,
        "parent_gen": db.parent_gen,
        "meta": db.meta,
    }
    layout: dict[str, Any] = {META_TABLE: {"1": info}}
    for name, records in db.tables.items():
        if records:
            layout[name] = {
                str(i): {KEY_FIELD: key, **record}
                for i, (key, record) in enumerate(records.items(), start=1)
            }
    return orjson.dumps(layout)


def decode(data: bytes, path: Path) -> DbFile:
    """Parse the file's bytes; anything unexpected is a StoreCorrupt naming the path."""
    try:
        layout = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise StoreCorrupt(
            f"{path} is not valid JSON ({exc}); it was left untouched: "
            f"restore it from a backup, or move it aside to start a new store"
        ) from None
    if not isinstance(layout, dict) or not all(isinstance(t, dict) for t in layout.values()):
        raise StoreCorrupt(f"{path} is not a TinyDB file (an object of tables); left untouched")
    meta_table = layout.pop(META_TABLE, None)
    try:
        if meta_table is None:
            db = DbFile(revision=0, schema_version=0, gen=None, parent_gen=None, meta={})
        else:
            info = meta_table["1"]
            if info["format"] != FORMAT:
                raise StoreCorrupt(f"{path} has store format {info['format']!r}, not {FORMAT}")
            db = DbFile(
                revision=int(info["revision"]),
                schema_version=int(info["schema_version"]),
                gen=info["gen"],
                parent_gen=info["parent_gen"],
                meta=dict(info["meta"]),
            )
        for name, docs in layout.items():
            records: dict[str, Record] = {}
            for doc_id, doc in docs.items():
                key = doc.pop(KEY_FIELD, doc_id)
                records[key] = doc
            db.tables[name] = records
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise StoreCorrupt(
            f"{path} has a damaged store header or record ({exc!r}); left untouched"
        ) from None
    return db


def read(path: Path) -> tuple[DbFile, os.stat_result]:
    """Read and decode the file, checking its owner and mode on the open descriptor."""
    fd = open_private(path, os.O_RDONLY)
    try:
        st = os.fstat(fd)
        with os.fdopen(os.dup(fd), "rb") as fh:
            data = fh.read()
    finally:
        os.close(fd)
    return decode(data, path), st
