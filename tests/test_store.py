"""The store: API, indexes, revisions, permissions, damaged files, temp files, migrations."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path
from typing import Any

import orjson
import pytest
import tinydb
from hypothesis import given, settings
from hypothesis import strategies as st

from iamtui.errors import EntityAlreadyExists
from iamtui.store import (
    Index,
    Schema,
    Store,
    StoreConflict,
    StoreCorrupt,
    StoreError,
    StoreNotFound,
    StorePermissions,
    StoreVersion,
    UniqueViolation,
    default_db_path,
    resolve_db_path,
)
from iamtui.store import journal as journal_mod

SCHEMA = Schema(indexes={"users": {
    "name": Index("UserName", casefold=True, unique=True),
    "group": Index("Groups"),
}})


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "iamtui.json"


def open_store(path: Path, **kw: Any) -> Store:
    return Store.open(path, schema=SCHEMA, **kw)


def put_user(store: Store, key: str, name: str, groups: list[str] | None = None) -> None:
    with store.transaction() as tx:
        tx.table("users").put(key, {"UserName": name, "Groups": groups or []})


def file_bytes(*paths: Path) -> list[bytes | None]:
    return [p.read_bytes() if p.exists() else None for p in paths]


# -- basic API -----------------------------------------------------------------------


def test_commit_is_visible_to_a_fresh_open_and_bumps_the_revision(db: Path) -> None:
    with open_store(db, create=True) as store:
        assert store.revision == 0
        with store.transaction() as tx:
            tx.table("users").put("AIDA1", {"UserName": "alice", "Groups": ["dev"]})
            tx.meta["account"] = "123456789012"
        assert store.revision == 1
    with open_store(db) as again:
        snap = again.snapshot()
        assert snap.revision == 1
        assert snap.table("users").get("AIDA1") == {"UserName": "alice", "Groups": ["dev"]}
        assert snap.meta == {"account": "123456789012"}
        assert snap.table_names() == ["users"]


def test_an_exception_in_a_transaction_writes_nothing(db: Path) -> None:
    with open_store(db, create=True) as store:
        put_user(store, "AIDA1", "alice")
        before = file_bytes(db, store.journal_path)
        with pytest.raises(RuntimeError), store.transaction() as tx:
            tx.table("users").put("AIDA2", {"UserName": "bob"})
            tx.table("users").delete("AIDA1")
            tx.meta["x"] = 1
            raise RuntimeError("abort")
        assert file_bytes(db, store.journal_path) == before
        assert store.revision == 1
        assert store.snapshot().table("users").keys() == ["AIDA1"]
        assert store.snapshot().meta == {}


def test_a_transaction_without_changes_writes_nothing(db: Path) -> None:
    with open_store(db, create=True) as store:
        with store.transaction() as tx:
            assert tx.table("users").get("nobody") is None
        assert store.revision == 0
        assert not store.journal_path.exists()


def test_a_transaction_reads_its_own_writes_and_indexes_follow(db: Path) -> None:
    with open_store(db, create=True) as store, store.transaction() as tx:
        users = tx.table("users")
        users.put("AIDA1", {"UserName": "Alice", "Groups": ["dev", "ops"]})
        users.put("AIDA2", {"UserName": "bob", "Groups": ["dev"]})
        assert users.find_one("name", "ALICE") == users.get("AIDA1")
        assert [u["UserName"] for u in users.find_by("group", "dev")] == ["Alice", "bob"]
        users.put("AIDA1", {"UserName": "Carol", "Groups": []})  # rename: old value unindexed
        assert users.find_one("name", "alice") is None
        assert users.find_one("name", "carol")["UserName"] == "Carol"
        assert [u["UserName"] for u in users.find_by("group", "dev")] == ["bob"]
        assert users.delete("AIDA2") is True
        assert users.delete("AIDA2") is False
        assert users.find_by("group", "dev") == []
        assert len(users) == 1 and "AIDA1" in users


def test_unique_index_refuses_a_second_name_differing_only_in_case(db: Path) -> None:
    # IAM user names are unique case-insensitively (IAM User Guide, "IAM identifiers")
    with open_store(db, create=True) as store:
        put_user(store, "AIDA1", "Alice")
        with pytest.raises(UniqueViolation) as clash, store.transaction() as tx:
            tx.table("users").put("AIDA2", {"UserName": "ALICE"})
        assert (clash.value.field, clash.value.value, clash.value.holder) == (
            "UserName", "alice", "AIDA1")
        assert str(clash.value) == "UserName 'alice' is already used by 'AIDA1'"
        assert store.revision == 1
        put_user(store, "AIDA1", "alice")  # the same key may keep its own name
        assert store.snapshot().table("users").find_one("name", "ALICE") == {
            "UserName": "alice", "Groups": []}


def test_lookup_on_an_unknown_index_names_the_defined_ones(db: Path) -> None:
    with open_store(db, create=True) as store, pytest.raises(KeyError, match="group"):
        store.snapshot().table("users").find_by("nope", "x")


def test_scan_all_and_items(db: Path) -> None:
    with open_store(db, create=True) as store:
        with store.transaction() as tx:
            for i in range(5):
                tx.table("things").put(f"k{i}", {"n": i})
        table = store.snapshot().table("things")
        assert [r["n"] for r in table.scan(lambda r: r["n"] % 2 == 0)] == [0, 2, 4]
        assert [k for k, _ in table.items()] == [f"k{i}" for i in range(5)]
        assert len(table.all()) == 5


def test_snapshots_do_not_change_after_later_commits(db: Path) -> None:
    with open_store(db, create=True) as store:
        put_user(store, "AIDA1", "alice", ["dev"])
        old = store.snapshot()
        with store.transaction() as tx:
            tx.table("users").put("AIDA2", {"UserName": "bob", "Groups": ["dev"]})
            tx.table("users").delete("AIDA1")
        assert old.revision == 1
        assert old.table("users").keys() == ["AIDA1"]
        assert [u["UserName"] for u in old.table("users").find_by("group", "dev")] == ["alice"]
        assert store.snapshot().table("users").keys() == ["AIDA2"]


def test_records_are_copied_in_and_must_be_json(db: Path) -> None:
    with open_store(db, create=True) as store:
        record = {"UserName": "alice", "Groups": ["dev"]}
        with store.transaction() as tx:
            tx.table("users").put("AIDA1", record)
            with pytest.raises(TypeError, match="JSON"):
                tx.table("users").put("AIDA2", {"when": object()})
            with pytest.raises(TypeError, match="64-bit"):  # orjson's integer range
                tx.table("users").put("AIDA2", {"n": 2**64})
            with pytest.raises(TypeError):
                tx.table("users").put("", {})
            with pytest.raises(TypeError):
                tx.table("users").put("AIDA3", {"_key": "x"})
            with pytest.raises(ValueError):
                tx.table("_meta")
        record["Groups"].append("ops")
        assert store.snapshot().table("users").get("AIDA1")["Groups"] == ["dev"]


def test_transactions_do_not_nest_and_end_with_their_block(db: Path) -> None:
    with open_store(db, create=True) as store:
        with store.transaction() as tx:
            with pytest.raises(StoreError, match="nest"), store.transaction():
                pass
            kept = tx
        with pytest.raises(StoreError, match="ended"):
            kept.table("users").get("x")


# -- other writers: re-read, never overwrite ---------------------------------------------


def test_a_write_from_a_stale_store_object_never_overwrites(db: Path) -> None:
    with open_store(db, create=True) as first, open_store(db) as second:
        assert second.snapshot().revision == 0  # `second` holds revision 0 in memory
        put_user(first, "AIDA1", "alice")
        with second.transaction() as tx:
            assert tx.revision == 1  # re-read under the lock before the block runs
            assert tx.table("users").get("AIDA1") is not None
            tx.table("users").put("AIDA2", {"UserName": "bob"})
        with pytest.raises(UniqueViolation), second.transaction() as tx:
            tx.table("users").put("AIDA3", {"UserName": "ALICE"})  # sees first's name
    with open_store(db) as third:
        snap = third.snapshot()
        assert snap.revision == 2
        assert sorted(snap.table("users").keys()) == ["AIDA1", "AIDA2"]


def test_a_commit_against_a_stale_revision_is_refused_even_if_catch_up_failed(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with open_store(db, create=True) as first, open_store(db) as second:
        put_user(first, "AIDA1", "alice")
        before = file_bytes(db, first.journal_path)
        monkeypatch.setattr(second, "_sync", lambda: None)  # as if the re-read were skipped
        with pytest.raises(StoreConflict), second.transaction() as tx:
            assert tx.revision == 0
            tx.table("users").put("AIDA1", {"UserName": "mallory"})
        assert file_bytes(db, first.journal_path) == before


def test_a_change_based_on_an_old_snapshot_is_refused(db: Path) -> None:
    with open_store(db, create=True) as first, open_store(db) as second:
        seen = second.snapshot()
        put_user(first, "AIDA1", "alice")
        before = file_bytes(db, first.journal_path)
        with pytest.raises(StoreConflict) as err, second.transaction(
                expect_revision=seen.revision) as tx:
            tx.table("users").put("AIDA1", {"UserName": "mallory"})
        # the service reports it as AWS's ConcurrentModification (test_service_store_errors)
        assert "changed since revision 0 (now 1)" in str(err.value)
        assert file_bytes(db, first.journal_path) == before
        with second.transaction(expect_revision=1) as tx:
            tx.table("users").put("AIDA2", {"UserName": "bob"})
        assert first.snapshot().table("users").get("AIDA1") == {"UserName": "alice", "Groups": []}


def test_snapshot_rereads_only_when_another_writer_committed(db: Path) -> None:
    with open_store(db, create=True) as first, open_store(db) as second:
        one = second.snapshot()
        assert second.snapshot()._state is one._state  # unchanged files: served from memory
        put_user(first, "AIDA1", "alice")
        two = second.snapshot()
        assert two.revision == 1 and two.table("users").find_one("name", "Alice")
        first.compact()
        put_user(first, "AIDA2", "bob")  # a new journal after the compaction
        assert second.snapshot().table("users").keys() == ["AIDA1", "AIDA2"]


# -- the files -----------------------------------------------------------------------


def test_created_file_is_0600_in_a_0700_folder(tmp_path: Path) -> None:
    path = tmp_path / "new" / "deeper" / "iamtui.json"
    old_umask = os.umask(0o022)
    try:
        with open_store(path, create=True) as store:
            put_user(store, "AIDA1", "alice")
            files = [path, store.journal_path, path.with_name("iamtui.json.lock")]
    finally:
        os.umask(old_umask)
    for f in files:
        assert stat.S_IMODE(f.stat().st_mode) == 0o600, f
    for folder in (path.parent, path.parent.parent):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder


def test_opening_a_missing_store_without_create_says_so(db: Path) -> None:
    with pytest.raises(StoreNotFound, match=str(db)):
        Store.open(db)
    assert not db.exists() and not db.with_name(db.name + ".lock").exists()


@pytest.mark.parametrize("which", ["db", "journal"])
def test_a_group_or_world_readable_file_is_refused_with_the_fix(db: Path, which: str) -> None:
    with open_store(db, create=True) as store:
        put_user(store, "AIDA1", "alice")
    target = db if which == "db" else db.with_name(db.name + ".journal")
    target.chmod(0o644)
    with pytest.raises(StorePermissions) as err:
        Store.open(db)
    assert f"chmod 600 {target}" in str(err.value)
    target.chmod(0o600)
    with open_store(db) as store:
        assert store.revision == 1


@pytest.mark.skipif(os.getuid() != 0, reason="changing a file's owner needs root")
def test_a_file_owned_by_another_user_is_refused(db: Path) -> None:
    Store.open(db, create=True).close()
    os.chown(db, 65534, 65534)
    with pytest.raises(StorePermissions, match="owned by uid 65534"):
        Store.open(db)


def test_a_world_writable_folder_is_refused_unless_sticky(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    folder.chmod(0o777)
    with pytest.raises(StorePermissions, match=f"chmod o-w {folder}"):
        Store.open(folder / "db.json", create=True)
    folder.chmod(0o777 | stat.S_ISVTX)  # like /tmp: others cannot rename over our files
    Store.open(folder / "db.json", create=True).close()


def test_a_folder_in_place_of_the_file_is_a_clear_error(db: Path) -> None:
    db.mkdir(mode=0o700)
    with pytest.raises(StoreError, match=f"{db}: it is not a regular file"):
        Store.open(db)


def test_a_store_object_is_not_used_across_a_fork(db: Path) -> None:
    with open_store(db, create=True) as store:
        store._lock.pid = -1  # as seen from a forked child, whose flock would be the parent's
        with pytest.raises(StoreError, match="fork"), store.transaction():
            pass
        with pytest.raises(StoreError, match="fork"):
            store.compact()


def test_an_unparseable_file_names_the_path_and_is_left_untouched(db: Path) -> None:
    db.write_bytes(b'{"_meta": {"1": {"format": 1, "revis')
    db.chmod(0o600)
    with pytest.raises(StoreCorrupt) as err:
        Store.open(db)
    assert str(db) in str(err.value) and "left untouched" in str(err.value)
    assert db.read_bytes() == b'{"_meta": {"1": {"format": 1, "revis'


def test_a_damaged_line_inside_the_journal_is_an_error_not_a_skip(db: Path) -> None:
    with open_store(db, create=True) as store:
        for i in range(3):
            put_user(store, f"AIDA{i}", f"user{i}")
    journal = db.with_name(db.name + ".journal")
    lines = journal.read_bytes().split(b"\n")
    lines[2] = lines[2].replace(b"user1", b"userX")  # bytes changed, checksum not
    journal.write_bytes(b"\n".join(lines))
    before = file_bytes(db, journal)
    with pytest.raises(StoreCorrupt, match="journal"):
        Store.open(db)
    assert file_bytes(db, journal) == before


def test_a_torn_last_journal_line_is_dropped_then_cut_off(db: Path) -> None:
    with open_store(db, create=True) as store:
        put_user(store, "AIDA1", "alice")
        put_user(store, "AIDA2", "bob")
    journal = db.with_name(db.name + ".journal")
    data = journal.read_bytes()
    journal.write_bytes(data[:-7])  # a kill in the middle of the last append
    with open_store(db) as store:
        assert store.revision == 1
        assert store.snapshot().table("users").keys() == ["AIDA1"]
        put_user(store, "AIDA3", "carol")
    with open_store(db) as store:
        assert store.revision == 2
        assert store.snapshot().table("users").keys() == ["AIDA1", "AIDA3"]


def test_a_journal_left_by_a_killed_compaction_is_ignored(db: Path) -> None:
    with open_store(db, create=True) as store:
        put_user(store, "AIDA1", "alice")
        journal = store.journal_path
        leftover = journal.read_bytes()
        store.compact()
        assert not journal.exists()
    journal.write_bytes(leftover)  # as if killed between the rename and the unlink
    journal.chmod(0o600)
    with open_store(db) as store:
        assert store.revision == 1
        put_user(store, "AIDA2", "bob")
    with open_store(db) as store:
        assert store.revision == 2 and len(store.snapshot().table("users")) == 2


def test_a_well_checksummed_line_of_the_wrong_shape_is_refused(db: Path) -> None:
    with open_store(db, create=True) as store:
        put_user(store, "AIDA1", "alice")
    journal = db.with_name(db.name + ".journal")
    with journal.open("ab") as fh:
        fh.write(journal_mod.encode_line({"rev": 2, "ops": [["users", "AIDA2"]]}))
    with pytest.raises(StoreCorrupt, match="unknown shape"):
        Store.open(db)


def test_a_compaction_that_cannot_remove_the_journal_loses_no_later_commit(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import iamtui.store.engine as engine

    def refuse(path: Any) -> None:
        raise PermissionError(13, "Permission denied", str(path))

    with open_store(db, create=True) as store:
        put_user(store, "AIDA1", "alice")
        monkeypatch.setattr(engine.os, "unlink", refuse)
        store.compact_min_bytes, store.compact_ratio = 0, 0.0
        put_user(store, "AIDA2", "bob")  # commits, then compaction fails half-way (logged)
        monkeypatch.undo()
        store.compact_min_bytes = 1 << 20
        put_user(store, "AIDA3", "carol")  # must not go to the now stale journal
    with open_store(db) as store:
        assert store.revision == 3
        assert store.snapshot().table("users").keys() == ["AIDA1", "AIDA2", "AIDA3"]


def test_a_journal_of_another_file_is_refused(db: Path, tmp_path: Path) -> None:
    with open_store(db, create=True) as store:
        put_user(store, "AIDA1", "alice")
    other = tmp_path / "other.json"
    with open_store(other, create=True) as store:
        put_user(store, "AIDA9", "zed")
    os.replace(other.with_name("other.json.journal"), db.with_name(db.name + ".journal"))
    with pytest.raises(StoreCorrupt, match="belongs to another"):
        Store.open(db)


def test_stray_temp_files_are_removed_on_open(db: Path) -> None:
    Store.open(db, create=True).close()
    folder = db.parent
    strays = [folder / f".{db.name}.0123456789ab.tmp",
              folder / f".{db.name}.journal.a1b2c3d4e5f6.tmp"]
    unrelated = [folder / f".{db.name}2.0123456789ab.tmp", folder / "notes.tmp"]
    for f in strays + unrelated:
        f.write_bytes(b'{"half": ')
    with open_store(db) as store:
        assert store.revision == 0
    assert [f.exists() for f in strays] == [False, False]
    assert [f.exists() for f in unrelated] == [True, True]


def test_the_file_is_a_tinydb_file(db: Path) -> None:
    with open_store(db, create=True) as store:
        put_user(store, "AIDA1", "alice", ["dev"])
        put_user(store, "AIDA2", "bob")
        live = store.snapshot().tinydb()  # journal included, before any compaction
        assert live.table("users").search(tinydb.Query().UserName == "bob")[0]["_key"] == "AIDA2"
        with pytest.raises(StoreError):
            live.table("users").insert({"x": 1})
        store.compact()
    plain = tinydb.TinyDB(db, access_mode="r")
    users = plain.table("users")
    assert sorted(d["_key"] for d in users.all()) == ["AIDA1", "AIDA2"]
    assert users.search(tinydb.Query().Groups.any(["dev"]))[0]["UserName"] == "alice"
    plain.close()


def test_compaction_keeps_everything_and_drops_the_journal(db: Path) -> None:
    with open_store(db, create=True) as store:
        store.compact_min_bytes = 2000
        for i in range(40):
            put_user(store, f"AIDA{i}", f"user{i}", ["g"] * (i % 3))
        assert store.journal_path.stat().st_size < 4000  # compacted along the way
        revision = store.revision
    with open_store(db) as store:
        assert store.revision == revision == 40
        assert len(store.snapshot().table("users").find_by("group", "g")) == 26


def test_default_paths(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert default_db_path().parts[-2:] == ("iamtui", "iamtui.json")
    monkeypatch.setenv("IAMTUI_DB", str(tmp_path / "env.json"))
    assert resolve_db_path() == tmp_path / "env.json"
    assert resolve_db_path(tmp_path / "cli.json") == tmp_path / "cli.json"
    monkeypatch.delenv("IAMTUI_DB")
    assert resolve_db_path() == default_db_path()


# -- schema migration ------------------------------------------------------------------


def _rename_field(tables: dict[str, dict[str, dict[str, Any]]], meta: dict[str, Any]) -> None:
    """v1 -> v2: `name` becomes `UserName`."""
    for record in tables.get("users", {}).values():
        record["UserName"] = record.pop("name")
    meta["migrated_to_2"] = True


def _key_by_id(tables: dict[str, dict[str, dict[str, Any]]], meta: dict[str, Any]) -> None:
    """v0 (plain TinyDB, keyed by document id) -> v1: keyed by the user's id."""
    tables["users"] = {r["id"]: r for r in tables.pop("_default", {}).values()}


MIGRATING = Schema(version=2, migrations={0: _key_by_id, 1: _rename_field},
                   indexes=SCHEMA.indexes)


def _schema_version(path: Path) -> int:
    return orjson.loads(path.read_bytes())["_meta"]["1"]["schema_version"]


def test_a_v0_plain_tinydb_file_is_migrated_on_open(db: Path) -> None:
    plain = tinydb.TinyDB(db)
    plain.insert_multiple([{"id": "AIDA1", "name": "alice"}, {"id": "AIDA2", "name": "bob"}])
    plain.close()
    db.chmod(0o600)
    with Store.open(db, schema=MIGRATING) as store:
        snap = store.snapshot()
        assert snap.table("users").find_one("name", "ALICE") == {"id": "AIDA1", "UserName": "alice"}
        assert snap.table("_default").all() == []
        assert snap.meta == {"migrated_to_2": True}
    assert _schema_version(db) == 2


def test_a_v1_file_runs_only_the_later_migration_and_only_once(db: Path) -> None:
    with Store.open(db, create=True) as store, store.transaction() as tx:  # version 1
        tx.table("users").put("AIDA1", {"name": "alice"})
    calls: list[int] = []

    def counted(tables: dict[str, dict[str, dict[str, Any]]], meta: dict[str, Any]) -> None:
        calls.append(1)
        _rename_field(tables, meta)

    schema = Schema(version=2, migrations={0: _key_by_id, 1: counted}, indexes=SCHEMA.indexes)
    with Store.open(db, schema=schema) as store:
        assert store.snapshot().table("users").get("AIDA1") == {"UserName": "alice"}
        assert store.revision == 2  # the migration is a revision of its own
    with Store.open(db, schema=schema) as store:
        assert store.snapshot().table("users").find_one("name", "alice")
    assert calls == [1] and _schema_version(db) == 2


def test_a_missing_or_failing_migration_leaves_the_file_untouched(db: Path) -> None:
    Store.open(db, create=True).close()
    before = db.read_bytes()
    with pytest.raises(StoreVersion, match="no migration"):
        Store.open(db, schema=Schema(version=3, migrations={1: _rename_field}))

    def broken(tables: dict[str, Any], meta: dict[str, Any]) -> None:
        raise ValueError("boom")

    with pytest.raises(StoreVersion, match="boom"):
        Store.open(db, schema=Schema(version=2, migrations={1: broken}))
    assert db.read_bytes() == before


def test_a_file_from_a_newer_iamtui_is_refused(db: Path) -> None:
    Store.open(db, create=True, schema=Schema(version=5)).close()
    with pytest.raises(StoreVersion, match="newer"):
        Store.open(db, schema=Schema(version=4))


# -- the commit hook -------------------------------------------------------------------


def test_the_commit_hook_sees_the_revision_it_follows_and_can_change_the_meta(db: Path) -> None:
    """A caller (the service's audit seal) may stamp every revision as it is written."""
    seen: list[tuple[int, dict[str, Any]]] = []

    def stamp(revision: int, base: Any, meta: dict[str, Any]) -> None:
        seen.append((revision, dict(base)))
        meta["stamp"] = revision + 1

    with open_store(db, create=True, on_commit=stamp) as store:
        put_user(store, "AIDA1", "alice")
        put_user(store, "AIDA2", "bob")
        with store.transaction():
            pass  # nothing changed: nothing written, no hook
    assert seen == [(0, {}), (1, {"stamp": 1})]
    with open_store(db) as store:
        assert store.snapshot().meta == {"stamp": 2} and store.revision == 2


def test_a_commit_hook_that_raises_writes_nothing(db: Path) -> None:
    with open_store(db, create=True) as store:
        put_user(store, "AIDA1", "alice")
        before = file_bytes(db, store.journal_path)

        def refuse(revision: int, base: Any, meta: dict[str, Any]) -> None:
            raise EntityAlreadyExists("no")

        store.on_commit = refuse
        with pytest.raises(EntityAlreadyExists):
            put_user(store, "AIDA2", "bob")
        assert file_bytes(db, store.journal_path) == before
        assert store.revision == 1 and len(store.snapshot().table("users")) == 1


def test_a_migration_runs_the_commit_hook(db: Path) -> None:
    with Store.open(db, create=True) as store, store.transaction() as tx:  # version 1
        tx.table("users").put("AIDA1", {"name": "alice"})
        tx.meta["kept"] = True
    seen: list[tuple[int, dict[str, Any], dict[str, Any]]] = []

    def hook(revision: int, base: Any, meta: dict[str, Any]) -> None:
        seen.append((revision, dict(base), dict(meta)))

    with Store.open(db, schema=MIGRATING, on_commit=hook) as store:
        assert store.revision == 2
    assert seen == [(1, {"kept": True}, {"kept": True, "migrated_to_2": True})]


def test_the_open_transaction_is_known_to_its_own_thread_only(db: Path) -> None:
    import threading

    with open_store(db, create=True) as store:
        assert store.active_transaction() is None
        other: list[object] = []
        with store.transaction() as tx:
            assert store.active_transaction() is tx
            thread = threading.Thread(target=lambda: other.append(store.active_transaction()))
            thread.start()
            thread.join()
        assert other == [None] and store.active_transaction() is None


# -- property: the store behaves like a dict -----------------------------------------------

KEYS = st.sampled_from([f"k{i}" for i in range(8)])
VALUES = st.integers(-(2**63), 2**64 - 1) | st.text(max_size=8) | st.none()  # orjson's ints
OPS = st.one_of(
    st.tuples(st.just("put"), st.sampled_from(["a", "b"]), KEYS,
              st.dictionaries(st.text(max_size=4).filter(lambda k: k != "_key"), VALUES,
                              max_size=3)),
    st.tuples(st.just("delete"), st.sampled_from(["a", "b"]), KEYS, st.none()),
)
TRANSACTIONS = st.lists(
    st.tuples(st.lists(OPS, max_size=6), st.booleans(), st.sampled_from([0, 1])), max_size=8
)


@settings(max_examples=60, deadline=None)
@given(transactions=TRANSACTIONS, compact_often=st.booleans())
def test_random_puts_and_deletes_then_reopen_equal_a_dict(
    transactions: list[tuple[list[tuple[str, str, str, Any]], bool, int]], compact_often: bool
) -> None:
    model: dict[str, dict[str, Any]] = {"a": {}, "b": {}}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "db.json"
        # two Store objects on one file, taking turns at random: each catches up on the other
        with Store.open(path, create=True) as one, Store.open(path) as two:
            for store in (one, two):
                if compact_often:  # fold the journal into the TinyDB file after every commit
                    store.compact_min_bytes, store.compact_ratio = 0, 0.0
            for ops, aborted, which in transactions:
                store = (one, two)[which]
                pending = {name: dict(table) for name, table in model.items()}
                try:
                    with store.transaction() as tx:
                        for op, table, key, record in ops:
                            if op == "put":
                                tx.table(table).put(key, record)
                                pending[table][key] = record
                            else:
                                assert tx.table(table).delete(key) == (key in pending[table])
                                pending[table].pop(key, None)
                        if aborted:
                            raise KeyboardInterrupt
                    model = pending
                except KeyboardInterrupt:
                    pass
                other = (one, two)[1 - which].snapshot()
                assert {name: dict(other.table(name).items()) for name in model} == model
        with Store.open(path) as store:
            snap = store.snapshot()
            assert {name: dict(snap.table(name).items()) for name in model} == model
            assert not (compact_often and store.journal_path.exists())
