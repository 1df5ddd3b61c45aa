"""The store raises its own errors; the service reports each as the AWS-style IamError the
CLI and the TUI show (issue 11: the store knows nothing of IAM)."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest
from helpers import CliRunner, FakeClock

from iamtui import cli
from iamtui.errors import (
    ConcurrentModification,
    EntityAlreadyExists,
    IamError,
    StoreCorrupt,
    StoreNotFound,
    StorePermissions,
)
from iamtui.service import IamService
from iamtui.service.tables import USERS
from iamtui.store import UniqueViolation


def test_a_unique_clash_in_a_service_transaction_is_entity_already_exists(
        service: IamService) -> None:
    # IAM names are unique case-insensitively (IAM User Guide, "IAM identifiers")
    service.create_user(service.root_principal(), "alice")
    alice = USERS.find_one(service.store.snapshot(), "name", "alice")
    revision = service.store.revision
    with pytest.raises(EntityAlreadyExists) as err, service.store.transaction() as tx:
        USERS.put(tx, dataclasses.replace(alice, user_id="AIDAOTHER00000000001",
                                          user_name="ALICE"))
    assert isinstance(err.value.__cause__, UniqueViolation)
    assert err.value.code == "EntityAlreadyExists" and err.value.http_status == 409
    assert err.value.message == f"user_name 'alice' is already used by {alice.user_id!r}"
    assert service.store.revision == revision


def test_a_change_on_a_stale_revision_is_concurrent_modification(service: IamService) -> None:
    seen = service.store.snapshot().revision
    service.create_user(service.root_principal(), "alice")
    with pytest.raises(ConcurrentModification) as err, \
            service.store.transaction(expect_revision=seen):
        pass
    assert err.value.code == "ConcurrentModification" and err.value.http_status == 409
    assert f"changed since revision {seen}" in err.value.message


def test_opening_a_loose_store_file_is_store_permissions(service: IamService,
                                                         clock: FakeClock) -> None:
    path = service.store.path
    service.close()
    path.chmod(0o644)
    with pytest.raises(StorePermissions) as err:
        IamService.open(path, keys_dir=service.keys_dir, clock=clock)
    assert err.value.code == "StorePermissions" and f"chmod 600 {path}" in err.value.message


def test_a_damaged_or_missing_store_is_reported_by_code(service: IamService, tmp_path: Path,
                                                       clock: FakeClock) -> None:
    path = service.store.path
    service.close()
    path.write_bytes(b"{not json")
    with pytest.raises(StoreCorrupt) as err:
        IamService.open(path, keys_dir=service.keys_dir, clock=clock)
    assert err.value.code == "StoreCorrupt" and str(path) in err.value.message
    with pytest.raises(StoreNotFound) as missing:
        IamService.open(tmp_path / "nowhere.json", keys_dir=service.keys_dir, clock=clock)
    assert isinstance(missing.value, IamError) and missing.value.code == "StoreNotFound"


def test_the_cli_prints_the_store_error_like_any_other(cli_run: CliRunner) -> None:
    runner = cli_run
    os.chmod(runner.db, 0o644)
    code, out, err = runner.root("list-users")
    assert code == cli.EXIT_SERVICE_ERROR and out == ""
    assert err.startswith("An error occurred (StorePermissions) when calling the ListUsers "
                          f"operation: refusing to use {runner.db}: its mode")
    assert "Traceback" not in err
