"""The store's keys (issue 10 item 7): `iamtui init` makes the audit and MFA keys, nothing
makes them again, a missing one is a clear error, and a key file or the audit log that
others may read, or that belongs to someone else, is refused like the store's own files.

README, "Where the MFA seed key lives": `<config>/keys/<store_id>.audit.key` and `.mfa.key`,
0600 in a 0700 folder.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from helpers import ACCOUNT_ID, ROOT_PASSWORD, CliRunner, FakeClock

from iamtui import cli
from iamtui.errors import EntityAlreadyExists, StorePermissions
from iamtui.security import mfa
from iamtui.service import IamService, Principal
from iamtui.service.keyfiles import KeyFileMissing, create_keys, key_path
from iamtui.service.signin import MfaCodeRequired
from iamtui.service.tables import MFA_DEVICES

PASSWORD = "Corr3ct-Horse!"


@pytest.fixture
def keys(service: IamService) -> Path:
    return service.keys_dir


def store_id(service: IamService) -> str:
    return service.store.snapshot().meta["store_id"]


def reopen(service: IamService, clock: FakeClock) -> IamService:
    service.close()
    return IamService.open(service.store.path, keys_dir=service.keys_dir, clock=clock)


def enroll(service: IamService, root: Principal, clock: FakeClock, user: str = "alice") -> str:
    """A device enabled for `user` at the current step; returns its seed."""
    new = service.create_virtual_mfa_device(root, f"{user}-phone")
    step = mfa.time_step(clock())
    service.enable_mfa_device(root, user, new.device.serial_number,
                              mfa.code_at(new.base32_seed, step - 1),
                              mfa.code_at(new.base32_seed, step))
    return new.base32_seed


# ---------------------------------------------------------------------- made at init


def test_init_makes_both_keys_0600_in_a_0700_folder(service: IamService, keys: Path) -> None:
    sid = store_id(service)
    assert sorted(p.name for p in keys.iterdir()) == [f"{sid}.audit.key", f"{sid}.mfa.key"]
    for path in keys.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE(keys.stat().st_mode) == 0o700


def test_init_makes_missing_config_folders_0700(tmp_path: Path) -> None:
    config = tmp_path / "config" / "iamtui"
    svc = IamService.initialize(tmp_path / "db.json", root_password=ROOT_PASSWORD,
                                account_id=ACCOUNT_ID, keys_dir=config / "keys")
    svc.close()
    for folder in (config.parent, config, config / "keys"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder


def test_a_new_key_never_replaces_a_file_of_that_name(tmp_path: Path) -> None:
    audit_key = key_path(tmp_path, "abc", "audit")
    tmp_path.mkdir(exist_ok=True)
    audit_key.write_bytes(b"theirs\n")
    with pytest.raises(EntityAlreadyExists):
        create_keys(tmp_path, "abc")
    assert audit_key.read_bytes() == b"theirs\n"
    assert [p.name for p in tmp_path.iterdir()] == ["abc.audit.key"]  # no temp file left


# ---------------------------------------------------------------------- the audit key


def test_a_missing_audit_key_is_reported_not_remade(service: IamService, keys: Path,
                                                    clock: FakeClock) -> None:
    path = key_path(keys, store_id(service), "audit")
    path.unlink()
    service.close()
    with pytest.raises(KeyFileMissing) as info:
        IamService.open(service.store.path, keys_dir=keys, clock=clock)
    message = info.value.message
    assert str(path) in message and "Restore it from a backup" in message
    assert "no audit record can be sealed or verified" in message
    assert info.value.code == "KeyFileMissing"
    assert not path.exists()


def cli_keys(run: CliRunner) -> dict[str, Path]:
    found = {p.name.split(".")[1]: p for p in (run.config / "keys").iterdir()}
    assert set(found) == {"audit", "mfa"}
    return found


@pytest.mark.parametrize("argv", [("audit", "verify"), ("list-users",),
                                  ("create-user", "--user-name", "bob")])
def test_commands_without_the_audit_key_fail_cleanly(cli_run: CliRunner,
                                                     argv: tuple[str, ...]) -> None:
    """`audit verify` used to make a new key and then blame every record for not matching."""
    cli_run.as_root("create-user", "--user-name", "alice")
    path = cli_keys(cli_run)["audit"]
    path.unlink()
    code, out, err = cli_run.root(*argv)
    assert code == cli.EXIT_SERVICE_ERROR and out == ""
    assert err.startswith("An error occurred (KeyFileMissing) when calling the ")
    assert f"The audit key file {path} is missing. Restore it from a backup" in err
    assert "Traceback" not in err and err.count("\n") == 1
    assert not path.exists()


def test_restoring_the_audit_key_brings_the_store_back(cli_run: CliRunner) -> None:
    cli_run.as_root("create-user", "--user-name", "alice")
    path = cli_keys(cli_run)["audit"]
    backup = path.read_bytes()
    path.unlink()
    assert cli_run.root("audit", "verify")[0] == cli.EXIT_SERVICE_ERROR
    path.write_bytes(backup)
    os.chmod(path, 0o600)
    answer = cli_run.as_root("audit", "verify")
    assert "intact" in str(answer)


# ---------------------------------------------------------------------- the MFA key


@pytest.fixture
def alice(service: IamService, root: Principal) -> str:
    service.create_user(root, "alice")
    service.create_login_profile(root, "alice", PASSWORD)
    return "alice"


def test_a_missing_mfa_key_fails_mfa_sign_in_and_enrollment_and_is_not_remade(
        service: IamService, root: Principal, alice: str, clock: FakeClock) -> None:
    seed = enroll(service, root, clock)
    path = key_path(service.keys_dir, store_id(service), "mfa")
    path.unlink()
    service = reopen(service, clock)
    clock.advance(seconds=60)
    code = mfa.code_at(seed, mfa.time_step(clock()))
    for attempt in (
        lambda: service.sign_in(ACCOUNT_ID, "alice", PASSWORD, code),
        lambda: service.create_virtual_mfa_device(root, "bob-phone"),
        lambda: service.resync_mfa_device(root, "alice", f"arn:aws:iam::{ACCOUNT_ID}:mfa/"
                                          "alice-phone", "123456", "654321"),
    ):
        with pytest.raises(KeyFileMissing) as info:
            attempt()
        assert f"The MFA key file {path} is missing" in info.value.message
        assert "deactivate and delete every virtual MFA device" in info.value.message
        assert not path.exists()
    devices = MFA_DEVICES.all(service.store.snapshot())
    assert [d.serial_number for d in devices] == [f"arn:aws:iam::{ACCOUNT_ID}:mfa/alice-phone"]
    # Sign-in without MFA is still refused for alice: she has a device and no way to use it.
    with pytest.raises(MfaCodeRequired):
        service.sign_in(ACCOUNT_ID, "alice", PASSWORD)
    service.close()


def test_without_a_backup_the_devices_are_removed_and_enrolled_again(
        service: IamService, root: Principal, alice: str, clock: FakeClock) -> None:
    """The README's way out: deactivate and delete the devices (neither needs the key); with
    no encrypted seed left, the next enrollment makes a new key."""
    enroll(service, root, clock)
    path = key_path(service.keys_dir, store_id(service), "mfa")
    path.unlink()
    service = reopen(service, clock)
    serial = f"arn:aws:iam::{ACCOUNT_ID}:mfa/alice-phone"
    service.deactivate_mfa_device(root, "alice", serial)
    assert not path.exists()
    service.delete_virtual_mfa_device(root, serial)
    assert not path.exists()
    seed = enroll(service, root, clock)
    assert path.exists() and stat.S_IMODE(path.stat().st_mode) == 0o600
    clock.advance(seconds=60)
    principal = service.sign_in(ACCOUNT_ID, "alice", PASSWORD,
                                mfa.code_at(seed, mfa.time_step(clock())))
    assert principal.mfa_authenticated_at is not None
    service.close()


def test_a_store_from_before_init_made_the_mfa_key_gets_one_at_first_enrollment(
        service: IamService, root: Principal, alice: str, clock: FakeClock) -> None:
    """Stores made before this change have an MFA key only if a device was ever created.
    With no encrypted seed, no seed can be lost to a new key: it is made when first needed."""
    path = key_path(service.keys_dir, store_id(service), "mfa")
    path.unlink()
    service = reopen(service, clock)
    assert service.list_virtual_mfa_devices(root) == []
    assert not path.exists()
    enroll(service, root, clock)
    assert path.exists() and stat.S_IMODE(path.stat().st_mode) == 0o600
    service.close()


def test_cli_enrollment_without_the_mfa_key_fails_cleanly(cli_run: CliRunner,
                                                          tmp_path: Path) -> None:
    cli_run.as_root("create-virtual-mfa-device", "--virtual-mfa-device-name", "first",
                    "--outfile", str(tmp_path / "first.txt"),
                    "--bootstrap-method", "Base32StringSeed")
    path = cli_keys(cli_run)["mfa"]
    path.unlink()
    code, out, err = cli_run.root("create-virtual-mfa-device", "--virtual-mfa-device-name",
                                  "second", "--outfile", str(tmp_path / "second.txt"),
                                  "--bootstrap-method", "Base32StringSeed")
    assert code == cli.EXIT_SERVICE_ERROR and out == ""
    assert err.startswith("An error occurred (KeyFileMissing) when calling the ")
    assert f"operation: The MFA key file {path} is missing" in err
    assert "Traceback" not in err and not path.exists()
    listed = cli_run.as_root("list-virtual-mfa-devices")["VirtualMFADevices"]
    assert [d["SerialNumber"].rsplit("/", 1)[1] for d in listed] == ["first"]


# ---------------------------------------------------------------------- permissions


@pytest.mark.parametrize(("which", "mode"), [("audit", 0o644), ("audit", 0o640),
                                             ("mfa", 0o644), ("mfa", 0o604),
                                             ("log", 0o644), ("log", 0o660)])
def test_loose_modes_are_refused_like_the_store(cli_run: CliRunner, which: str,
                                                mode: int) -> None:
    path = (cli_run.db.with_name(cli_run.db.name + ".audit.jsonl") if which == "log"
            else cli_keys(cli_run)[which])
    assert path.exists()
    os.chmod(path, mode)
    code, out, err = cli_run.root("list-users")
    assert code == cli.EXIT_SERVICE_ERROR and out == ""
    assert err.startswith("An error occurred (StorePermissions) when calling the ListUsers "
                          f"operation: refusing to use {path}: its mode")
    assert f"chmod 600 {path}" in err and "Traceback" not in err
    os.chmod(path, 0o600)
    assert cli_run.root("list-users")[0] == 0


@pytest.mark.skipif(os.getuid() != 0, reason="changing a file's owner needs root")
@pytest.mark.parametrize("which", ["audit", "mfa", "log"])
def test_files_of_another_owner_are_refused(cli_run: CliRunner, which: str) -> None:
    path = (cli_run.db.with_name(cli_run.db.name + ".audit.jsonl") if which == "log"
            else cli_keys(cli_run)[which])
    os.chown(path, 4242, 4242)
    code, _, err = cli_run.root("list-users")
    assert code == cli.EXIT_SERVICE_ERROR
    assert f"(StorePermissions) when calling the ListUsers operation: refusing to use {path}: " \
           "it is owned by uid 4242" in err


def test_the_service_refuses_a_loose_key_file_with_the_store_error(
        service: IamService, clock: FakeClock) -> None:
    path = key_path(service.keys_dir, store_id(service), "audit")
    os.chmod(path, 0o644)
    service.close()
    with pytest.raises(StorePermissions, match="lets group or others access it"):
        IamService.open(service.store.path, keys_dir=service.keys_dir, clock=clock)


async def test_the_app_says_which_key_is_missing_and_exits(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tui_helpers import initialized_app

    app = initialized_app(tmp_path)
    path = next((tmp_path / "keys").glob("*.audit.key"))
    path.unlink()
    said: list[str] = []
    monkeypatch.setattr(app, "_print_error_renderables",
                        lambda: said.extend(str(r) for r in app._exit_renderables))
    async with app.run_test() as pilot:
        await pilot.pause()
    assert app.return_code == cli.EXIT_SERVICE_ERROR
    assert any("(KeyFileMissing)" in s and f"The audit key file {path} is missing" in s
               for s in said), said
    assert not path.exists()
