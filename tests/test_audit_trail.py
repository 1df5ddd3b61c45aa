"""The audit trail and the store hold each other to account (issue 10, items 5, 6 and 8).

- A cut log tail stays visible however many commands run after it: sequences come from
  the head the store keeps, never from the cut log, and are never reused; that head is
  sealed with the audit key for the store's revision, so a journal line rewinding it is
  found too (and audited changes are then refused).
- A change and its audit record commit together; the record reaches the log after the
  commit, and is written by the next command when the log could not take it.
- A store that lost commits its audit log proves (a cut or deleted journal) is refused
  with what to restore, and `init` never writes over a store's files.

The chain's design follows CloudTrail's log file integrity validation (a digest chain that
detects deleted, modified or missing records):
https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-validation-intro.html
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from helpers import ACCOUNT_ID, ROOT_PASSWORD, CliRunner

from iamtui.audit import AuditLog, Identity, make_event
from iamtui.errors import AccessDenied, NoSuchEntity
from iamtui.security.passwords import hash_password
from iamtui.service import IamService, Principal, keyfiles
from iamtui.service.tables import USERS
from iamtui.service.trail import AuditHeadForged, AuditLogWriteFailed, StoreDataLost
from iamtui.store import Store
from iamtui.store import journal as journal_format

# ------------------------------------------------------------------ helpers


def log_of(db: Path) -> Path:
    return db.with_name(db.name + ".audit.jsonl")


def journal_of(db: Path) -> Path:
    return db.with_name(db.name + ".journal")


def sequences(log: Path) -> list[int]:
    return [json.loads(line)["sequence"] for line in log.read_bytes().splitlines()]


def cut_lines(path: Path, n: int) -> None:
    """Remove the last `n` lines of a file, as an intruder (or an accident) would."""
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:-n]))


def reopen(service: IamService) -> IamService:
    service.close()
    return IamService.open(service.store.path, keys_dir=service.keys_dir)


@contextlib.contextmanager
def immutable(path: Path) -> Iterator[None]:
    """`chattr +i` on `path` for the block (skips the test where that is not possible)."""
    if shutil.which("chattr") is None:
        pytest.skip("chattr is not available")
    if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
        pytest.skip("cannot make a file immutable here (needs root and ext4/xfs)")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


class Cli(CliRunner):
    """`iamtui` on one store, as root, with the store's account set up."""

    def __init__(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                 capsys: pytest.CaptureFixture[str]) -> None:
        super().__init__(tmp_path, monkeypatch, capsys, db=tmp_path / "db" / "iamtui.json")
        self.tmp, self.log, self.journal = tmp_path, log_of(self.db), journal_of(self.db)

    def service(self) -> IamService:
        return IamService.open(self.db)  # the keys in $IAMTUI_CONFIG_DIR, as the CLI's


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> Cli:
    run = Cli(tmp_path, monkeypatch, capsys)
    run.init()
    for name in ("alice", "bob", "carol"):
        run.as_root("create-user", "--user-name", name)
    return run


# ------------------------------------------------------------------ item 5: a cut tail


def test_a_cut_log_tail_is_still_reported_after_four_more_commands(cli: Cli) -> None:
    """The issue's attack: remove the last 3 lines of <store>.audit.jsonl, run 4 audited
    commands, then `iamtui audit verify`. It used to say "intact": the new records took the
    cut sequence numbers. Now they are numbered after the head the store keeps."""
    assert sequences(cli.log) == [1, 2, 3, 4, 5, 6, 7]
    cut_lines(cli.log, 3)
    for name in ("dave", "erin", "frank", "grace"):
        cli.as_root("create-user", "--user-name", name)
    code, out, err = cli.root("audit", "verify")
    assert code == 254, out
    assert err.startswith("An error occurred (AuditLogTampered) when calling the Audit "
                          "operation: The audit log was tampered with: ")
    report = json.loads(out)
    assert report["Tampered"] and [p["Kind"] for p in report["Problems"]] == ["missing"]
    assert "records 5 to 6 are missing" in err
    numbers = sequences(cli.log)
    assert numbers == sorted(set(numbers))  # never reused
    assert numbers == [1, 2, 3, 4, *range(7, 17)]  # 7 was still held by the store


def journal_lines(db: Path) -> list[dict]:
    entries = [journal_format.decode_line(line)
               for line in journal_of(db).read_bytes().splitlines()]
    return [e for e in entries if e is not None]


def append_journal_line(db: Path, entry: dict) -> None:
    """What someone without the audit key can do: a well-checksummed journal line."""
    with open(journal_of(db), "ab") as f:
        f.write(journal_format.encode_line(entry))


@pytest.mark.parametrize("seal", ["kept", "replayed", "removed"])
def test_a_journal_line_rewinding_the_head_is_found_and_refused(
        service: IamService, root: Principal, seal: str) -> None:
    """Cut the log's tail, then append a journal line that rewinds the store's head to the
    cut log's last record: verify used to accept the shorter log at once. The head's seal
    is for another revision (kept, or replayed from when the head was there) or missing,
    so verify reports it, and audited changes are refused rather than reuse the cut
    sequences or seal the forgery."""
    for name in ("alice", "bob", "carol", "dave", "erin", "frank"):
        service.create_user(root, name)
    db, log = service.store.path, service.audit.path
    cut_lines(log, 3)
    tail = service.audit.sealed_tail()
    assert tail.sequence == 4
    view = service.store.snapshot()
    meta = view.meta | {"audit_head": list(tail), "audit_pending": []}
    if seal == "replayed":  # the seal the store wrote when its head was record 4
        meta["audit_seal"] = next(e["meta"]["audit_seal"] for e in journal_lines(db)
                                  if e.get("meta", {}).get("audit_head") == list(tail))
    elif seal == "removed":
        del meta["audit_seal"]
    append_journal_line(db, {"rev": view.revision + 1, "ops": [], "meta": meta})
    before = log.read_bytes()

    svc = reopen(service)
    result = svc.verify_audit_log(svc.root_principal())
    assert result.tampered
    assert [p.kind for p in result.problems] == ["forged_head"]
    assert "cannot be trusted" in result.summary()
    with pytest.raises(AuditHeadForged, match="not sealed with this store's audit key"):
        svc.create_user(svc.root_principal(), "mallory")
    with pytest.raises(AuditHeadForged):  # a denial is refused too: it would need a record
        svc.list_users(Principal.for_user(USERS.find_one(svc.store.snapshot(), "name",
                                                         "alice"), ACCOUNT_ID))
    assert USERS.find_one(svc.store.snapshot(), "name", "mallory") is None
    assert log.read_bytes() == before
    svc.close()


def test_an_unsealed_store_from_before_the_seal_is_sealed_on_first_use(tmp_path: Path) -> None:
    """A store written before the seal existed (its head unsealed, its log's records without
    storeRevision) is trusted once and sealed by its next commit."""
    db, keys = tmp_path / "s" / "db.json", tmp_path / "keys"
    keys.mkdir(mode=0o700)
    store = Store.open(db, create=True)
    keyfiles.create_keys(keys, "0123456789abcdef")  # as init makes them
    log = AuditLog(log_of(store.path), keyfiles.audit_key(keys, "0123456789abcdef"))
    head = log.append(make_event("CreateAccount", identity=Identity.root(ACCOUNT_ID)))
    with store.transaction() as tx:
        tx.meta.update(store_id="0123456789abcdef", audit_head=list(head),
                       account={"account_id": ACCOUNT_ID, "create_date": "2026-11-28T12:00:00Z",
                                "alias": None},
                       root={"password_hash": hash_password(ROOT_PASSWORD)})
    store.close()
    svc = IamService.open(db, keys_dir=keys)
    svc.create_user(svc.root_principal(), "alice")
    assert "audit_seal" in svc.store.snapshot().meta
    assert svc.verify_audit_log(svc.root_principal()).ok
    assert sequences(log.path) == [1, 2]
    svc.close()


def test_a_schema_migration_keeps_the_head_sealed(service: IamService, root: Principal,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A migration writes a revision at open, before the audit key is at hand: the seal is
    carried over to it when it held before."""
    from iamtui.service import core
    from iamtui.store import Schema

    service.create_user(root, "alice")
    revision = service.store.revision
    service.close()
    migrated = Schema(version=core.SCHEMA.version + 1,
                      migrations={core.SCHEMA.version: lambda tables, meta: None},
                      indexes=core.SCHEMA.indexes)
    monkeypatch.setattr(core, "SCHEMA", migrated)
    svc = IamService.open(service.store.path, keys_dir=service.keys_dir)
    assert svc.store.revision == revision + 2  # the migration, then the seal carried over
    svc.create_user(svc.root_principal(), "bob")
    assert svc.verify_audit_log(svc.root_principal()).ok
    svc.close()


# ------------------------------------------------------------------ item 6: no change unaudited


def test_a_change_whose_log_write_fails_is_reported_then_audited_on_the_next_open(
        service: IamService, root: Principal) -> None:
    """An immutable log (or a full disk): the change is committed with its record, the
    command says so plainly, and the next open writes the record; verify is intact."""
    log = service.audit.path
    before = log.read_bytes()
    with immutable(log):
        with pytest.raises(AuditLogWriteFailed, match=r"CreateUser is done and committed "
                           r"with its audit record, but the audit log .* could not be written"):
            service.create_user(root, "alice")
        alice = Principal.for_user(service.get_user(root, "alice"), ACCOUNT_ID)
        with pytest.raises(AccessDenied):  # a denial still raises itself, not the log's error
            service.list_users(alice)
        assert log.read_bytes() == before
        result = service.verify_audit_log(root)
        assert not result.tampered
        assert [p.kind for p in result.problems] == ["unwritten"]
    svc = reopen(service)
    events = [(r["eventName"], r.get("errorCode")) for r in svc.audit.page(0, 2)]
    assert events == [("ListUsers", "AccessDenied"), ("CreateUser", None)]
    assert svc.verify_audit_log(svc.root_principal()).ok
    # the store forgets what the log holds at its next commit
    assert [p[0] for p in svc.store.snapshot().meta["audit_pending"]] == [2, 3]
    svc.create_user(svc.root_principal(), "bob")
    assert [p[0] for p in svc.store.snapshot().meta["audit_pending"]] == [4]
    svc.close()


def test_a_failed_log_write_is_an_error_on_the_command_line_not_a_traceback(
        cli: Cli) -> None:
    """`chattr +i <store>.audit.jsonl`, then `iamtui create-user --user-name dave --as-root`:
    the sign-in's record waits quietly, the change's failed append is the command's error."""
    with immutable(cli.log):
        code, out, err = cli.root("create-user", "--user-name", "dave")
    assert code == 254 and out == ""
    assert err.startswith("An error occurred (AuditLogWriteFailed) when calling the "
                          "CreateUser operation: CreateUser is done and committed")
    assert "Traceback" not in err and "next iamtui command" in err
    assert "dave" in [u["UserName"] for u in cli.as_root("list-users")["Users"]]
    code, out, _ = cli.root("audit", "verify")
    assert code == 0 and json.loads(out)["Valid"]
    records = [json.loads(line) for line in cli.log.read_bytes().splitlines()]
    # dave's sign-in and creation, then the sign-ins of list-users and of audit verify
    assert [r["eventName"] for r in records[-4:]] == ["ConsoleLogin", "CreateUser",
                                                      "ConsoleLogin", "ConsoleLogin"]
    assert records[-3]["requestParameters"]["userName"] == "dave"


KILL_BETWEEN_COMMIT_AND_APPEND = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    from iamtui.security.passwords import use_fast_hashing
    use_fast_hashing()
    from iamtui.audit import AuditLog
    from iamtui.service import IamService

    def die(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)

    service = IamService.open(sys.argv[1], keys_dir=Path(sys.argv[2]))
    # whichever way the log is written, the process dies right after the store's commit
    AuditLog.append = AuditLog.append_many = die
    if hasattr(AuditLog, "append_sealed"):
        AuditLog.append_sealed = die
    service.create_user(service.root_principal(), "alice")
""")


def test_a_kill_between_the_commit_and_the_log_write_loses_no_record(
        service: IamService) -> None:
    db, keys = service.store.path, service.keys_dir
    service.close()
    child = subprocess.run([sys.executable, "-c", KILL_BETWEEN_COMMIT_AND_APPEND, str(db),
                            str(keys)], capture_output=True, text=True, timeout=120,
                           env=os.environ | {"IAMTUI_ARGON2_PROFILE": "test"})
    assert child.returncode == -signal.SIGKILL, child.stderr
    svc = IamService.open(db, keys_dir=keys)
    root = svc.root_principal()
    assert svc.get_user(root, "alice").user_name == "alice"
    last = svc.audit.page(0, 1)[0]
    assert (last["eventName"], last["requestParameters"]["userName"]) == ("CreateUser",
                                                                          "alice")
    assert svc.verify_audit_log(root).ok
    svc.close()


def test_records_wait_in_the_store_for_a_broken_log_only_so_long(
        service: IamService, root: Principal, monkeypatch: pytest.MonkeyPatch) -> None:
    """An unwritable log must not let the store's meta grow without end: past MAX_PENDING
    waiting records, changes are refused (and nothing is changed)."""
    from iamtui.service import trail

    monkeypatch.setattr(trail, "MAX_PENDING", 2)

    def full(records: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(service.audit, "append_sealed", full)
    for name in ("a1", "a2"):
        with pytest.raises(AuditLogWriteFailed, match="No space left on device"):
            service.create_user(root, name)
    with pytest.raises(AuditLogWriteFailed, match="nothing more is changed until it is"):
        service.create_user(root, "a3")
    assert USERS.find_one(service.store.snapshot(), "name", "a3") is None


# ------------------------------------------------------------------ item 8: a lost journal


def test_a_cut_journal_is_refused_instead_of_listing_fewer_users(cli: Cli) -> None:
    """The issue's case: 123 users, the journal's last 40 lines removed; `iamtui list-users`
    showed 104 users without a word. Now it refuses, and says what to restore."""
    svc = cli.service()
    for i in range(120):
        svc.create_user(svc.root_principal(), f"user-{i:03d}")
    svc.close()
    cut_lines(cli.journal, 40)
    code, out, err = cli.root("list-users")
    assert code == 254 and out == ""
    assert err.startswith("An error occurred (StoreDataLost) when calling the ListUsers "
                          "operation: ")
    assert "was cut or deleted" in err and f"Restore {cli.journal}" in err
    assert "Traceback" not in err


def test_the_advised_recovery_restoring_one_backup_of_the_three_files_works(
        cli: Cli, tmp_path: Path) -> None:
    backup = tmp_path / "backup"
    backup.mkdir()
    files = (cli.db, cli.journal, cli.log)
    for f in files:
        shutil.copy2(f, backup / f.name)
    cli.as_root("create-user", "--user-name", "dave")
    cut_lines(cli.journal, 1)
    code, _, err = cli.root("list-users")
    assert code == 254 and "(StoreDataLost)" in err and "from one same backup" in err
    for f in files:
        shutil.copy2(backup / f.name, f)
    users = cli.as_root("list-users")["Users"]
    assert [u["UserName"] for u in users] == ["alice", "bob", "carol"]
    code, out, err = cli.root("audit", "verify")
    assert code == 0 and json.loads(out)["Valid"], err


def test_a_deleted_journal_is_refused_and_init_never_runs_over_it(cli: Cli) -> None:
    """A deleted journal used to read as a store without an account: "run `iamtui init`",
    which then created a second account in the same files."""
    cli.journal.unlink()
    code, _, err = cli.root("list-users")
    assert code == 254
    assert "(StoreDataLost)" in err and "journal" in err and "init" in err
    files = sorted(p for p in cli.tmp.rglob("*") if p.is_file())
    contents = [p.read_bytes() for p in files]
    code, _, err = cli.run("init", "--account-id", "999988887777", "--root-password-stdin",
                           stdin=ROOT_PASSWORD + "\n")
    assert code == 254
    assert "(EntityAlreadyExists)" in err and "never writes over" in err
    assert sorted(p for p in cli.tmp.rglob("*") if p.is_file()) == files  # no new key either
    assert [p.read_bytes() for p in files] == contents


def test_a_deleted_store_file_with_its_audit_log_left_is_refused(cli: Cli) -> None:
    cli.db.unlink()
    cli.journal.unlink()
    code, _, err = cli.root("list-users")
    assert code == 254 and "(StoreDataLost)" in err and str(cli.log) in err
    code, _, err = cli.run("init", "--root-password-stdin", stdin=ROOT_PASSWORD + "\n")
    assert code == 254 and "never writes over" in err
    assert not cli.db.exists()
    assert not IamService.is_new(cli.db)


def test_a_new_store_is_still_created_where_nothing_is(tmp_path: Path) -> None:
    db = tmp_path / "new" / "db.json"
    assert IamService.is_new(db)
    Store.open(db, create=True).close()  # what a kill during init leaves: an empty store
    with pytest.raises(NoSuchEntity, match="run `iamtui init` first"):
        IamService.open(db, keys_dir=tmp_path / "keys")
    svc = IamService.initialize(db, root_password=ROOT_PASSWORD, keys_dir=tmp_path / "keys")
    assert svc.verify_audit_log(svc.root_principal()).ok
    assert orjson.loads(log_of(svc.store.path).read_bytes())["eventName"] == "CreateAccount"
    svc.close()


def test_a_store_cut_while_open_refuses_the_next_change(service: IamService,
                                                        root: Principal) -> None:
    """Another process cuts the journal under a running service: its next change sees the
    log ahead of the store and refuses, rather than reuse sequences."""
    for name in ("alice", "bob"):
        service.create_user(root, name)
    cut_lines(journal_of(service.store.path), 1)
    with pytest.raises(StoreDataLost, match="holds sealed records up to sequence 3"):
        service.create_user(root, "carol")


async def test_the_tui_offers_no_first_run_over_a_store_that_lost_its_journal(
        tmp_path: Path) -> None:
    """`iamtui` (the TUI) used to offer to create the account again over a store whose
    journal was deleted; now it ends with the error and what to restore."""
    from iamtui.app import IamApp

    db, keys = tmp_path / "s" / "db.json", tmp_path / "keys"
    IamService.initialize(db, root_password=ROOT_PASSWORD, account_id=ACCOUNT_ID,
                          keys_dir=keys).close()
    journal_of(db).unlink()
    app = IamApp(db, keys_dir=keys)
    async with app.run_test() as pilot:
        await pilot.pause()
        assert app.service is None
    assert app.return_code == 254
    # no second account's keys: every key file is of the one store
    assert len({key.name.split(".")[0] for key in keys.iterdir()}) == 1
