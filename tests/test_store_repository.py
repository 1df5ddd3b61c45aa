"""Typed entity tables over the store, with iamtui.model's dataclasses."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from iamtui.model import Group, User
from iamtui.store import EntityTable, Index, Store, UniqueViolation, schema_of

WHEN = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)
USERS = EntityTable("users", User, key=lambda u: u.user_id,
                    indexes={"name": Index("user_name", casefold=True, unique=True),
                             "path": Index("path")})
GROUPS = EntityTable("groups", Group, key=lambda g: g.group_id,
                     indexes={"name": Index("group_name", casefold=True, unique=True)})
SCHEMA = schema_of([USERS, GROUPS])


def user(uid: str, name: str, path: str = "/") -> User:
    return User(user_name=name, user_id=uid, arn=f"arn:aws:iam::123456789012:user{path}{name}",
                create_date=WHEN, path=path)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store.open(tmp_path / "iamtui.json", create=True, schema=SCHEMA)
    yield s
    s.close()


def test_entities_round_trip_through_the_file(store: Store, tmp_path: Path) -> None:
    alice = user("AIDAALICE", "Alice", "/eng/")
    with store.transaction() as tx:
        USERS.put(tx, alice)
        USERS.put(tx, user("AIDABOB", "bob"))
        assert USERS.get(tx, "AIDAALICE") == alice  # visible inside the transaction
    with Store.open(tmp_path / "iamtui.json", schema=SCHEMA) as again:
        snap = again.snapshot()
        assert USERS.get(snap, "AIDAALICE") == alice
        assert USERS.get(snap, "AIDANOBODY") is None
        assert USERS.count(snap) == 2 and GROUPS.count(snap) == 0


def test_names_are_found_case_insensitively_and_kept_unique(store: Store) -> None:
    # IAM names are unique case-insensitively (IAM User Guide, "IAM identifiers")
    with store.transaction() as tx:
        USERS.put(tx, user("AIDAALICE", "Alice"))
    assert USERS.find_one(store.snapshot(), "name", "ALICE").user_id == "AIDAALICE"
    with pytest.raises(UniqueViolation), store.transaction() as tx:
        USERS.put(tx, user("AIDAOTHER", "alice"))
    assert [u.user_name for u in USERS.find_by(store.snapshot(), "path", "/")] == ["Alice"]


def test_decoded_entities_are_reused_until_their_record_changes(store: Store) -> None:
    with store.transaction() as tx:
        USERS.put(tx, user("AIDAALICE", "Alice"))
        USERS.put(tx, user("AIDABOB", "bob"))
    first = USERS.all(store.snapshot())
    again = USERS.all(store.snapshot())
    assert all(a is b for a, b in zip(first, again, strict=True))  # no second decoding
    with store.transaction() as tx:
        USERS.put(tx, user("AIDABOB", "robert"))
    after = USERS.all(store.snapshot())
    assert after[0] is first[0]
    assert after[1].user_name == "robert" and first[1].user_name == "bob"


def test_delete_through_the_entity_table(store: Store) -> None:
    with store.transaction() as tx:
        GROUPS.put(tx, Group(group_name="dev", group_id="AGPADEV",
                             arn="arn:aws:iam::123456789012:group/dev", create_date=WHEN))
    with store.transaction() as tx:
        assert GROUPS.delete(tx, "AGPADEV") is True
        assert GROUPS.delete(tx, "AGPADEV") is False
    assert GROUPS.find_one(store.snapshot(), "name", "DEV") is None
