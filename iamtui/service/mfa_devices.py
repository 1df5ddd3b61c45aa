"""Virtual MFA devices: create, enable with two codes, resync, deactivate, list, delete.

AWS pages followed (IAM API Reference): CreateVirtualMFADevice (the seed and
QR code are returned once), EnableMFADevice (two consecutive codes),
ResyncMFADevice, DeactivateMFADevice, ListMFADevices, ListVirtualMFADevices
(AssignmentStatus Assigned | Unassigned | Any), DeleteVirtualMFADevice; IAM User
Guide, "Assign a virtual MFA device" and "IAM and AWS STS quotas" (8 MFA devices
per user). A root user's virtual device is named root-account-mfa-device by
convention, so its serial is arn:aws:iam::ACCOUNT:mfa/root-account-mfa-device.

The seed is encrypted with AES-GCM under a key kept outside the store file
(`keys_dir/<store_id>.mfa.key`), bound to the device's serial; it is never logged.
Each device remembers the last time step it accepted, so a code is good once.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Final, Literal

from iamtui.arn import (
    DEFAULT_QUOTAS,
    check_tag_count,
    mfa_arn,
    root_arn,
    validate_mfa_device_name,
    validate_path,
    validate_serial_number,
    validate_tags,
    validate_user_name,
)
from iamtui.errors import (
    AccessDenied,
    DeleteConflict,
    EntityAlreadyExists,
    InvalidAuthenticationCode,
    LimitExceeded,
    NoSuchEntity,
    ValidationError,
)
from iamtui.model import Tag, User, VirtualMfaDevice
from iamtui.policy import ContextEntry
from iamtui.security import mfa
from iamtui.service import keyfiles
from iamtui.service.core import Principal, ServiceCore, View
from iamtui.service.owners import (
    OWNERS,
    ArnAddressed,
    merge_tags,
    tag_context,
    untag_context,
    without_tags,
)
from iamtui.service.passwords import secret_change
from iamtui.service.tables import MFA_DEVICES, USERS

ROOT_OWNER: Final = "<root_account>"
"""The owner name a device assigned to the root user carries (never a valid user name)."""

ROOT_DEVICE_NAME: Final = "root-account-mfa-device"
ISSUER: Final = "iamtui"
DRIFT_META: Final = "mfa_drift"
"""Store meta key: {serial: steps} a resync measured between the device's clock and ours."""
DEVICE_BY_SERIAL: Final[ArnAddressed[VirtualMfaDevice]] = ArnAddressed(
    MFA_DEVICES, "VirtualMFADevice with serial number {arn} doesn't exist.")

AssignmentStatus = Literal["Assigned", "Unassigned", "Any"]


@dataclass(frozen=True)
class NewVirtualMfaDevice:
    """CreateVirtualMFADevice's answer: shown once, then only the encrypted seed remains."""

    device: VirtualMfaDevice
    base32_seed: str
    provisioning_uri: str

    def __repr__(self) -> str:
        return f"NewVirtualMfaDevice(serial_number={self.device.serial_number!r})"

    def qr_text(self, *, light_on_dark: bool = True) -> str:
        """The URI as a QR code drawn with half blocks, for a terminal."""
        return mfa.qr_text(self.provisioning_uri, light_on_dark=light_on_dark)

    def qr_png(self, *, scale: int = 5) -> bytes:
        """The URI as a PNG QR code (AWS's QRCodePNG bootstrap method)."""
        import io

        import segno

        out = io.BytesIO()
        segno.make(self.provisioning_uri, error="l", micro=False).save(out, kind="png",
                                                                         scale=scale)
        return out.getvalue()


@dataclass(frozen=True)
class MfaOwner:
    """Who a device belongs to: an IAM user or the root user."""

    name: str  # the user name, or ROOT_OWNER
    arn: str

    @property
    def is_root(self) -> bool:
        return self.name == ROOT_OWNER


class MfaDeviceOperations(ServiceCore):
    """The virtual-MFA half of `aws iam`."""

    @functools.cached_property
    def seed_cipher(self) -> mfa.SeedCipher:
        """The key that encrypts seeds; it lives in keys_dir, outside the store file.
        KeyFileMissing if it is gone while encrypted seeds exist (see keyfiles)."""
        view = self.store.snapshot()
        return keyfiles.seed_cipher(self.keys_dir, view.meta["store_id"],
                                    seeds_exist=MFA_DEVICES.count(view) > 0)

    # ------------------------------------------------------------------ helpers

    def _mfa_owner(self, view: View, caller: Principal, user_name: str | None) -> MfaOwner:
        """The named user, or without a name the caller itself (the root user included)."""
        if user_name is None:
            if caller.is_root:
                return MfaOwner(ROOT_OWNER, root_arn(self.account_id))
            if caller.kind != "user":
                raise NoSuchEntity("Must specify userName when calling with non-User "
                                   "credentials")
            user_name = caller.name
        validate_user_name(user_name)
        user = OWNERS["user"].get(view, user_name)
        return MfaOwner(user.user_name, user.arn)

    def _owned_device(self, view: View, owner: MfaOwner, serial_number: str) -> VirtualMfaDevice:
        device = DEVICE_BY_SERIAL.get(view, serial_number)
        if device.user_name is None or device.user_name.casefold() != owner.name.casefold():
            who = "the root user" if owner.is_root else f"user {owner.name}"
            raise NoSuchEntity(f"MFA Device with serial number {serial_number} is not "
                               f"enabled for {who}.")
        return device

    def _require_mfa_session_for_own_devices(self, view: View, caller: Principal,
                                             owner: MfaOwner, action: str) -> None:
        """A user who already has MFA must prove it to add or remove its own devices
        (IAM User Guide, "Assign MFA devices in the AWS CLI or AWS API")."""
        own = caller.kind == "user" and caller.name.casefold() == owner.name.casefold()
        if own and caller.mfa_authenticated_at is None and self.enabled_devices(view,
                                                                                owner.name):
            raise AccessDenied(f"User: {caller.arn} is not authorized to perform: {action} on "
                               f"resource: {owner.arn}: you already have an MFA device, so "
                               "sign in with it (or use a session with MFA) first.")

    def _seed(self, device: VirtualMfaDevice) -> str:
        return self.seed_cipher.decrypt(device.seed_ciphertext,
                                        associated_data=device.serial_number)

    def enabled_devices(self, view: View, owner_name: str) -> list[VirtualMfaDevice]:
        """The MFA devices enabled for a user (or ROOT_OWNER), by index."""
        return [d for d in MFA_DEVICES.find_by(view, "user", owner_name)
                if d.enable_date is not None]

    def check_mfa_code(self, view: View, owner_name: str,
                       code: str) -> tuple[VirtualMfaDevice, int]:
        """The enabled device `code` belongs to and its time step, or InvalidAuthenticationCode.

        Codes are six ASCII digits, within one step of now (after the device's
        measured drift), and newer than the device's last accepted step. The
        caller stores the step (`mark_step_used`) so the code cannot be replayed.
        """
        drift = view.meta.get(DRIFT_META, {})
        first_error: InvalidAuthenticationCode | None = None
        for device in self.enabled_devices(view, owner_name):
            try:
                step = mfa.verify_code(self._seed(device), code, now=self.clock(),
                                       last_used_step=device.last_used_step,
                                       drift_steps=int(drift.get(device.serial_number, 0)))
            except InvalidAuthenticationCode as exc:
                # "already used" says more than "not valid": keep it if any device says so
                if first_error is None or "already used" in exc.message:
                    first_error = exc
                continue
            return device, step
        raise first_error or InvalidAuthenticationCode("No MFA device is enabled.")

    @staticmethod
    def mark_step_used(tx: View, device: VirtualMfaDevice, step: int) -> None:
        """Remember `step` as the device's last accepted one (refuse it and older next time)."""
        current = MFA_DEVICES.get(tx, device.serial_number)
        if current is not None:
            last = current.last_used_step
            MFA_DEVICES.put(tx, replace(current, last_used_step=max(step, last or step)))

    # ------------------------------------------------------------------ operations

    def create_virtual_mfa_device(self, caller: Principal, virtual_mfa_device_name: str, *,
                                  path: str = "/",
                                  tags: Sequence[Tag] = ()) -> NewVirtualMfaDevice:
        """CreateVirtualMFADevice: a new device and its seed, returned this once."""
        validate_mfa_device_name(virtual_mfa_device_name)
        validate_path(path)
        validate_tags(tags)
        serial = mfa_arn(self.account_id, path, virtual_mfa_device_name)
        params = {"virtualMFADeviceName": virtual_mfa_device_name, "path": path,
                  "tags": [{"key": t.key, "value": t.value} for t in tags] or None}
        seed = mfa.new_seed()
        with secret_change(self, caller, "CreateVirtualMFADevice", serial, params,
                           secrets=[seed], context=tag_context(tags)) as change:
            if MFA_DEVICES.get(change.tx, serial) is not None or any(
                    d.serial_number.casefold() == serial.casefold()
                    for d in MFA_DEVICES.all(change.tx)):
                raise EntityAlreadyExists("MFADevice entity at the same path and name already "
                                          "exists.")
            device = VirtualMfaDevice(
                serial, self.seed_cipher.encrypt(seed, associated_data=serial),
                tags=tuple(tags))
            MFA_DEVICES.put(change.tx, device)
            change.response = {"virtualMFADevice": {"serialNumber": serial}}
        account = self.account()
        label = f"{virtual_mfa_device_name}@{account.alias or account.account_id}"
        return NewVirtualMfaDevice(device, seed, mfa.provisioning_uri(seed, label, ISSUER))

    def enable_mfa_device(self, caller: Principal, user_name: str | None, serial_number: str,
                          authentication_code1: str, authentication_code2: str) -> VirtualMfaDevice:
        """EnableMFADevice: assign a device to a user (None: the caller, root included) after
        two consecutive codes from it."""
        params = {"userName": user_name, "serialNumber": serial_number}
        owner = self._subject(caller, "EnableMFADevice", params, self._mfa_owner, caller,
                              user_name, read_only=False)
        with secret_change(self, caller, "EnableMFADevice", owner.arn, params,
                           secrets=[authentication_code1, authentication_code2]) as change:
            tx = change.tx
            owner = self._mfa_owner(tx, caller, user_name)
            self._require_mfa_session_for_own_devices(tx, caller, owner, "iam:EnableMFADevice")
            device = DEVICE_BY_SERIAL.get(tx, serial_number)
            if device.user_name is not None:
                raise EntityAlreadyExists("MFA Device is already in use.")
            if len(self.enabled_devices(tx, owner.name)) >= DEFAULT_QUOTAS.mfa_devices_per_user:
                raise LimitExceeded("Cannot exceed quota for MFADevicesPerUser: "
                                    f"{DEFAULT_QUOTAS.mfa_devices_per_user}.")
            step = mfa.verify_enrollment(self._seed(device), authentication_code1,
                                         authentication_code2, now=self.clock(),
                                         last_used_step=device.last_used_step)
            device = replace(device, user_name=owner.name, enable_date=self.clock(),
                             last_used_step=step)
            MFA_DEVICES.put(tx, device)
            tx.meta.get(DRIFT_META, {}).pop(serial_number, None)
        return device

    def resync_mfa_device(self, caller: Principal, user_name: str | None, serial_number: str,
                          authentication_code1: str, authentication_code2: str) -> None:
        """ResyncMFADevice: two consecutive codes re-measure a device whose clock drifted."""
        params = {"userName": user_name, "serialNumber": serial_number}
        owner = self._subject(caller, "ResyncMFADevice", params, self._mfa_owner, caller,
                              user_name, read_only=False)
        with secret_change(self, caller, "ResyncMFADevice", owner.arn, params,
                           secrets=[authentication_code1, authentication_code2]) as change:
            tx = change.tx
            device = self._owned_device(tx, owner, serial_number)
            now = self.clock()
            step = mfa.resync(self._seed(device), authentication_code1, authentication_code2,
                              now, last_used_step=device.last_used_step)
            MFA_DEVICES.put(tx, replace(device, last_used_step=step))
            drift = dict(tx.meta.get(DRIFT_META, {}))
            drift[serial_number] = step - mfa.time_step(now)
            tx.meta[DRIFT_META] = drift

    def deactivate_mfa_device(self, caller: Principal, user_name: str | None,
                              serial_number: str) -> None:
        """DeactivateMFADevice: unassign the device; it stays, unassigned, until deleted."""
        params = {"userName": user_name, "serialNumber": serial_number}
        owner = self._subject(caller, "DeactivateMFADevice", params, self._mfa_owner, caller,
                              user_name, read_only=False)
        with self._change(caller, "DeactivateMFADevice", owner.arn, params) as change:
            tx = change.tx
            self._require_mfa_session_for_own_devices(tx, caller, owner,
                                                      "iam:DeactivateMFADevice")
            device = self._owned_device(tx, owner, serial_number)
            MFA_DEVICES.put(tx, replace(device, user_name=None, enable_date=None))
            if serial_number in tx.meta.get(DRIFT_META, {}):
                drift = dict(tx.meta[DRIFT_META])
                drift.pop(serial_number)
                tx.meta[DRIFT_META] = drift

    def delete_virtual_mfa_device(self, caller: Principal, serial_number: str) -> None:
        """DeleteVirtualMFADevice: refused while the device is enabled for someone."""
        with self._change(caller, "DeleteVirtualMFADevice", serial_number,
                          {"serialNumber": serial_number}) as change:
            device = DEVICE_BY_SERIAL.get(change.tx, serial_number)
            if device.user_name is not None:
                raise DeleteConflict("MFA device is still in use: deactivate it first.")
            MFA_DEVICES.delete(change.tx, serial_number)

    def get_mfa_device(self, caller: Principal, serial_number: str,
                       user_name: str | None = None) -> VirtualMfaDevice:
        """GetMFADevice: a device enabled for the user (None: the caller, root included),
        authorized as iam:GetMFADevice on that user. AWS answers it for FIDO security keys
        only, which carry Certifications; iamtui has virtual devices only, so it answers
        for them (with no Certifications) rather than refusing every serial number."""
        validate_serial_number(serial_number)
        params = {"serialNumber": serial_number, "userName": user_name}
        owner = self._subject(caller, "GetMFADevice", params, self._mfa_owner, caller,
                              user_name)
        view = self._read(caller, "GetMFADevice", owner.arn, params=params)
        return self._owned_device(view, owner, serial_number)

    # ------------------------------------------------------------------ tags

    def _device_tags(self, serial_number: str) -> list[ContextEntry]:
        return DEVICE_BY_SERIAL.tag_context(self.store.snapshot(), serial_number)

    def tag_mfa_device(self, caller: Principal, serial_number: str,
                       tags: Sequence[Tag]) -> None:
        """TagMFADevice: add or overwrite tags on a virtual MFA device (at most 50)."""
        validate_serial_number(serial_number)
        validate_tags(tags)
        params = {"serialNumber": serial_number,
                  "tags": [{"key": t.key, "value": t.value} for t in tags]}
        with self._change(caller, "TagMFADevice", serial_number, params,
                          context=tag_context(tags) + self._device_tags(serial_number)
                          ) as change:
            device = DEVICE_BY_SERIAL.get(change.tx, serial_number)
            merged = merge_tags(device.tags, tags)
            check_tag_count(len(merged))
            MFA_DEVICES.put(change.tx, replace(device, tags=merged))

    def untag_mfa_device(self, caller: Principal, serial_number: str,
                         tag_keys: Sequence[str]) -> None:
        """UntagMFADevice: remove tags by key (keys ignore case)."""
        validate_serial_number(serial_number)
        context = untag_context(tag_keys)
        with self._change(caller, "UntagMFADevice", serial_number,
                          {"serialNumber": serial_number, "tagKeys": list(tag_keys)},
                          context=context + self._device_tags(serial_number)) as change:
            device = DEVICE_BY_SERIAL.get(change.tx, serial_number)
            MFA_DEVICES.put(change.tx, replace(device, tags=without_tags(device.tags,
                                                                         tag_keys)))

    def list_mfa_device_tags(self, caller: Principal, serial_number: str) -> tuple[Tag, ...]:
        """ListMFADeviceTags."""
        validate_serial_number(serial_number)
        view = self._read(caller, "ListMFADeviceTags", serial_number,
                          params={"serialNumber": serial_number},
                          context=self._device_tags(serial_number))
        return DEVICE_BY_SERIAL.get(view, serial_number).tags

    def list_mfa_devices(self, caller: Principal,
                         user_name: str | None = None) -> list[VirtualMfaDevice]:
        """ListMFADevices: the devices enabled for a user (None: the caller, root included)."""
        params = {"userName": user_name}
        owner = self._subject(caller, "ListMFADevices", params, self._mfa_owner, caller,
                              user_name)
        view = self._read(caller, "ListMFADevices", owner.arn, params=params)
        return sorted(self.enabled_devices(view, owner.name), key=lambda d: d.serial_number)

    def list_virtual_mfa_devices(
            self, caller: Principal, *, assignment_status: AssignmentStatus = "Any",
    ) -> list[tuple[VirtualMfaDevice, User | None]]:
        """ListVirtualMFADevices: each device with the user it is assigned to (None when
        unassigned or assigned to the root user: see `device.user_name == ROOT_OWNER`)."""
        if assignment_status not in ("Assigned", "Unassigned", "Any"):
            raise ValidationError(
                f"1 validation error detected: Value '{assignment_status}' at "
                "'assignmentStatus' failed to satisfy constraint: Member must satisfy enum "
                "value set: [Unassigned, Any, Assigned]")
        view = self._read(caller, "ListVirtualMFADevices", "*",
                          params={"assignmentStatus": assignment_status})
        out: list[tuple[VirtualMfaDevice, User | None]] = []
        for device in sorted(MFA_DEVICES.all(view), key=lambda d: d.serial_number):
            assigned = device.user_name is not None
            if (assignment_status == "Assigned" and not assigned) or \
                    (assignment_status == "Unassigned" and assigned):
                continue
            user = None
            if assigned and device.user_name != ROOT_OWNER:
                user = USERS.find_one(view, "name", device.user_name)
            out.append((device, user))
        return out


__all__ = ["DRIFT_META", "ISSUER", "ROOT_DEVICE_NAME", "ROOT_OWNER", "AssignmentStatus",
           "MfaDeviceOperations", "MfaOwner", "NewVirtualMfaDevice"]
