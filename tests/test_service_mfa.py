"""Virtual MFA devices through the service and the CLI.

AWS pages these tests follow:
- IAM API Reference, CreateVirtualMFADevice (seed and QR code returned once; the
  serial number is the device ARN arn:aws:iam::ACCOUNT:mfa/PATH/NAME):
  https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateVirtualMFADevice.html
- IAM API Reference, EnableMFADevice (two consecutive codes):
  https://docs.aws.amazon.com/IAM/latest/APIReference/API_EnableMFADevice.html
- IAM API Reference, ResyncMFADevice, DeactivateMFADevice, ListMFADevices,
  ListVirtualMFADevices (AssignmentStatus), DeleteVirtualMFADevice:
  https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListVirtualMFADevices.html
- AWS CLI reference, create-virtual-mfa-device (--outfile, --bootstrap-method):
  https://docs.aws.amazon.com/cli/latest/reference/iam/create-virtual-mfa-device.html
"""

from __future__ import annotations

import json
import re
import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from helpers import ACCOUNT_ID, CliRunner, FakeClock, parsed

from iamtui.errors import (
    AccessDenied,
    DeleteConflict,
    EntityAlreadyExists,
    InvalidAuthenticationCode,
    NoSuchEntity,
)
from iamtui.model import InlinePolicy
from iamtui.security import mfa
from iamtui.service import IamService, Principal
from iamtui.service.mfa_devices import ROOT_OWNER
from iamtui.service.tables import INLINE_POLICIES, MFA_DEVICES

SERIAL = f"arn:aws:iam::{ACCOUNT_ID}:mfa/alice-phone"


def codes(seed: str, clock: FakeClock, offset: int = 0) -> tuple[str, str]:
    step = mfa.time_step(clock()) + offset
    return mfa.code_at(seed, step - 1), mfa.code_at(seed, step)


def test_create_returns_the_seed_once_and_stores_it_encrypted(service: IamService,
                                                              root: Principal,
                                                              tmp_path: Path) -> None:
    """CreateVirtualMFADevice: serial is the device ARN, seed returned once.
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateVirtualMFADevice.html"""
    new = service.create_virtual_mfa_device(root, "alice-phone")
    assert new.device.serial_number == SERIAL
    assert len(new.base32_seed) == 32 and new.base32_seed.isalnum()
    assert new.provisioning_uri.startswith("otpauth://totp/")
    assert f"secret={new.base32_seed}" in new.provisioning_uri
    assert new.base32_seed not in repr(new)
    stored = MFA_DEVICES.get(service.store.snapshot(), SERIAL)
    assert stored is not None and new.base32_seed not in stored.seed_ciphertext
    assert service._seed(stored) == new.base32_seed
    store_id = service.store.snapshot().meta["store_id"]
    key = tmp_path / "keys" / f"{store_id}.mfa.key"
    assert key.exists() and stat.S_IMODE(key.stat().st_mode) == 0o600
    assert key.parent != Path(service.store.path).parent  # the key is not beside the store
    assert "\u2588" in new.qr_text() or "\u2580" in new.qr_text()
    assert new.qr_png().startswith(b"\x89PNG")
    with pytest.raises(EntityAlreadyExists, match="same path and name already exists"):
        service.create_virtual_mfa_device(root, "alice-phone")
    event = json.dumps(service.audit.page(0, 5))
    assert new.base32_seed not in event


def test_enable_needs_two_consecutive_codes(service: IamService, root: Principal,
                                           clock: FakeClock) -> None:
    """EnableMFADevice: two consecutive codes; a device in use cannot be enabled again.
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_EnableMFADevice.html"""
    service.create_user(root, "alice")
    new = service.create_virtual_mfa_device(root, "alice-phone")
    seed = new.base32_seed
    code1, code2 = codes(seed, clock)
    with pytest.raises(InvalidAuthenticationCode, match="consecutive"):
        service.enable_mfa_device(root, "alice", SERIAL, code2, code2)
    with pytest.raises(InvalidAuthenticationCode):
        service.enable_mfa_device(root, "alice", SERIAL, code2, code1)  # wrong order
    with pytest.raises(InvalidAuthenticationCode):
        service.enable_mfa_device(root, "alice", SERIAL, *codes(seed, clock, offset=-5))
    assert service.list_mfa_devices(root, "alice") == []
    device = service.enable_mfa_device(root, "alice", SERIAL, code1, code2)
    assert (device.user_name, device.enable_date) == ("alice", clock())
    assert [d.serial_number for d in service.list_mfa_devices(root, "alice")] == [SERIAL]
    service.create_user(root, "bob")
    with pytest.raises(EntityAlreadyExists, match="already in use"):
        service.enable_mfa_device(root, "bob", SERIAL, *codes(seed, clock, offset=1))
    with pytest.raises(NoSuchEntity, match="doesn't exist"):
        service.enable_mfa_device(root, "alice", SERIAL + "x", code1, code2)


def test_enrollment_codes_cannot_sign_in_again(service: IamService, root: Principal,
                                               clock: FakeClock) -> None:
    """The step of the second enrollment code counts as used (replay)."""
    service.create_user(root, "alice")
    service.create_login_profile(root, "alice", "Corr3ct-Horse!")
    new = service.create_virtual_mfa_device(root, "alice-phone")
    code1, code2 = codes(new.base32_seed, clock)
    service.enable_mfa_device(root, "alice", SERIAL, code1, code2)
    with pytest.raises(InvalidAuthenticationCode, match="already used"):
        service.sign_in("example", "alice", "Corr3ct-Horse!", code2)


def test_resync_measures_drift(service: IamService, root: Principal, clock: FakeClock) -> None:
    """ResyncMFADevice: two consecutive codes re-synchronize a drifted device.
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_ResyncMFADevice.html"""
    service.create_user(root, "alice")
    service.create_login_profile(root, "alice", "Corr3ct-Horse!")
    new = service.create_virtual_mfa_device(root, "alice-phone")
    seed = new.base32_seed
    service.enable_mfa_device(root, "alice", SERIAL, *codes(seed, clock))
    clock.advance(minutes=10)
    # the phone's clock runs four steps (two minutes) ahead: its codes are out of the window
    ahead = mfa.code_at(seed, mfa.time_step(clock()) + 4)
    with pytest.raises(InvalidAuthenticationCode):
        service.sign_in("example", "alice", "Corr3ct-Horse!", ahead)
    service.resync_mfa_device(root, "alice", SERIAL, *codes(seed, clock, offset=4))
    clock.advance(seconds=30)
    ahead = mfa.code_at(seed, mfa.time_step(clock()) + 4)
    assert service.sign_in("example", "alice", "Corr3ct-Horse!", ahead).mfa_authenticated_at


def test_deactivate_then_delete(service: IamService, root: Principal, clock: FakeClock) -> None:
    """DeactivateMFADevice, ListVirtualMFADevices' AssignmentStatus, DeleteVirtualMFADevice.
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListVirtualMFADevices.html"""
    service.create_user(root, "alice")
    new = service.create_virtual_mfa_device(root, "alice-phone")
    service.create_virtual_mfa_device(root, "spare")
    service.enable_mfa_device(root, "alice", SERIAL, *codes(new.base32_seed, clock))
    assigned = service.list_virtual_mfa_devices(root, assignment_status="Assigned")
    assert [(d.serial_number, u.user_name if u else None) for d, u in assigned] == \
        [(SERIAL, "alice")]
    unassigned = service.list_virtual_mfa_devices(root, assignment_status="Unassigned")
    assert [d.serial_number for d, _ in unassigned] == [f"arn:aws:iam::{ACCOUNT_ID}:mfa/spare"]
    assert len(service.list_virtual_mfa_devices(root)) == 2
    with pytest.raises(DeleteConflict):
        service.delete_virtual_mfa_device(root, SERIAL)
    service.create_user(root, "bob")
    with pytest.raises(NoSuchEntity, match="not enabled for user bob"):
        service.deactivate_mfa_device(root, "bob", SERIAL)
    service.deactivate_mfa_device(root, "alice", SERIAL)
    assert service.list_mfa_devices(root, "alice") == []
    service.delete_virtual_mfa_device(root, SERIAL)
    with pytest.raises(NoSuchEntity, match=re.escape(
            f"VirtualMFADevice with serial number {SERIAL} doesn't exist.")):
        service.delete_virtual_mfa_device(root, SERIAL)


def test_root_device_is_listed_with_the_root_user(service: IamService, root: Principal,
                                                  clock: FakeClock) -> None:
    """A root device is listed as assigned to the root user.
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListVirtualMFADevices.html"""
    new = service.create_virtual_mfa_device(root, "root-account-mfa-device")
    service.enable_mfa_device(root, None, new.device.serial_number,
                              *codes(new.base32_seed, clock))
    [(device, user)] = service.list_virtual_mfa_devices(root)
    assert device.user_name == ROOT_OWNER and user is None


def test_adding_or_removing_ones_own_device_needs_an_mfa_session(
        service: IamService, root: Principal, clock: FakeClock) -> None:
    """A user who has MFA must use it to enable another device or deactivate one.
    https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_enable_cliapi.html"""
    alice_user = service.create_user(root, "alice")
    service.create_login_profile(root, "alice", "Corr3ct-Horse!")
    with service.store.transaction() as tx:  # self-service MFA, as AWS's example policy allows
        INLINE_POLICIES.put(tx, InlinePolicy("user", "alice", "own-mfa", json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow",
                "Action": ["iam:EnableMFADevice", "iam:DeactivateMFADevice"],
                "Resource": "arn:aws:iam::*:user/${aws:username}"}]})))
    alice = Principal.for_user(alice_user, ACCOUNT_ID)
    first = service.create_virtual_mfa_device(root, "alice-phone")
    service.enable_mfa_device(alice, None, SERIAL, *codes(first.base32_seed, clock))
    second = service.create_virtual_mfa_device(root, "alice-key")
    clock.advance(seconds=60)
    with pytest.raises(AccessDenied, match="already have an MFA device"):
        service.enable_mfa_device(alice, None, second.device.serial_number,
                                  *codes(second.base32_seed, clock))
    with pytest.raises(AccessDenied, match="already have an MFA device"):
        service.deactivate_mfa_device(alice, None, SERIAL)
    signed_in = service.sign_in("example", "alice", "Corr3ct-Horse!",
                                mfa.code_at(first.base32_seed, mfa.time_step(clock())))
    service.enable_mfa_device(signed_in, None, second.device.serial_number,
                              *codes(second.base32_seed, clock))
    assert len(service.list_mfa_devices(root, "alice")) == 2
    service.deactivate_mfa_device(signed_in, None, SERIAL)


def test_operators_need_permission(service: IamService, root: Principal) -> None:
    """iam:CreateVirtualMFADevice and iam:ListVirtualMFADevices are authorized.
    https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html"""
    alice = Principal.for_user(service.create_user(root, "alice"), ACCOUNT_ID)
    with pytest.raises(AccessDenied, match="iam:CreateVirtualMFADevice"):
        service.create_virtual_mfa_device(alice, "alice-phone")
    assert MFA_DEVICES.count(service.store.snapshot()) == 0
    with pytest.raises(AccessDenied, match="iam:ListVirtualMFADevices"):
        service.list_virtual_mfa_devices(alice)
    event = service.audit.page(0, 1)[0]
    assert event["errorCode"] == "AccessDenied"


# ---------------------------------------------------------------------- CLI


class Cli(CliRunner):
    """Runs commands against one store; `as_root` also returns what was printed to stderr."""

    def as_root(self, *argv: str, stdin: str = "") -> tuple[dict[str, Any], str]:
        code, out, err = self.root(*argv, stdin=stdin)
        assert code == 0, err
        return parsed(out) or {}, err  # empty answers print nothing


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> Cli:
    runner = Cli(tmp_path, monkeypatch, capsys)
    runner.init()
    return runner


def test_cli_enroll_list_and_remove(cli: Cli, tmp_path: Path) -> None:
    """create-virtual-mfa-device --outfile, enable-mfa-device, list-*, delete.
    https://docs.aws.amazon.com/cli/latest/reference/iam/create-virtual-mfa-device.html"""
    cli.as_root("create-user", "--user-name", "alice")
    seed_file = tmp_path / "seed.txt"
    out, _ = cli.as_root("create-virtual-mfa-device", "--virtual-mfa-device-name",
                         "alice-phone", "--outfile", str(seed_file),
                         "--bootstrap-method", "Base32StringSeed")
    assert out == {"VirtualMFADevice": {"SerialNumber": SERIAL}}  # AWS CLI's answer
    assert stat.S_IMODE(seed_file.stat().st_mode) == 0o600
    seed = seed_file.read_text()
    # the CLI runs on the real clock; codes for the step before and this one stay valid
    # for a whole step either side, so a step boundary in between does not matter
    step = mfa.time_step(datetime.now(UTC))
    out, _ = cli.as_root("enable-mfa-device", "--user-name", "alice", "--serial-number", SERIAL,
                         "--authentication-code1", mfa.code_at(seed, step - 1),
                         "--authentication-code2", mfa.code_at(seed, step))
    assert out == {}
    listed, _ = cli.as_root("list-mfa-devices", "--user-name", "alice")
    assert [d["SerialNumber"] for d in listed["MFADevices"]] == [SERIAL]
    assert listed["MFADevices"][0]["UserName"] == "alice"
    assert "EnableDate" in listed["MFADevices"][0]
    virtual, _ = cli.as_root("list-virtual-mfa-devices", "--assignment-status", "Assigned")
    assert virtual["VirtualMFADevices"][0]["User"]["UserName"] == "alice"
    assert "Base32StringSeed" not in json.dumps(virtual)
    code, _, err = cli.root("delete-virtual-mfa-device", "--serial-number", SERIAL)
    assert code == 254 and "(DeleteConflict)" in err
    cli.as_root("deactivate-mfa-device", "--user-name", "alice", "--serial-number", SERIAL)
    cli.as_root("delete-virtual-mfa-device", "--serial-number", SERIAL)
    empty, _ = cli.as_root("list-virtual-mfa-devices")
    assert empty == {"VirtualMFADevices": []}  # the AWS CLI pages: no IsTruncated
    stored = b"".join(p.read_bytes() for p in cli.db.parent.rglob("*") if p.is_file())
    assert seed.encode() not in stored


def test_cli_seed_in_answer_and_qr_on_stderr(cli: Cli, tmp_path: Path) -> None:
    """Without --outfile the seed is in the answer; --qr draws the code.
    https://docs.aws.amazon.com/cli/latest/reference/iam/create-virtual-mfa-device.html"""
    out, err = cli.as_root("create-virtual-mfa-device", "--virtual-mfa-device-name", "phone",
                           "--qr")
    device = out["VirtualMFADevice"]
    assert device["ProvisioningUri"].startswith("otpauth://totp/")
    assert len(device["Base32StringSeed"]) == 32
    assert "\u2588" in err or "\u2580" in err
    png = tmp_path / "qr.png"
    cli.as_root("create-virtual-mfa-device", "--virtual-mfa-device-name", "phone2",
                "--outfile", str(png), "--bootstrap-method", "QRCodePNG")
    assert png.read_bytes().startswith(b"\x89PNG")
    code, _, err = cli.root("create-virtual-mfa-device", "--virtual-mfa-device-name", "x",
                            "--outfile", str(png))
    assert code == 252 and "--bootstrap-method" in err
