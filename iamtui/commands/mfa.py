"""Virtual MFA commands: create, enable, resync, deactivate, list and delete devices.

`create-virtual-mfa-device` shows the seed once. As in the AWS CLI, `--outfile`
with `--bootstrap-method Base32StringSeed|QRCodePNG` writes it to a file (mode
0600) and prints only the serial number; without them the JSON answer carries
the Base32StringSeed and the otpauth:// URI. `--qr` also draws the QR code on
standard error, for a person at a terminal, leaving standard output as JSON.
"""

from __future__ import annotations

import argparse
import os
import stat
import sys
from pathlib import Path
from typing import Any, BinaryIO

from iamtui.arn import root_arn
from iamtui.commands.common import parse_tags, register_tag_commands
from iamtui.commands.registry import ArgumentError, Response, arg, command
from iamtui.commands.session import session
from iamtui.local_paths import expand_home
from iamtui.model import aws_mfa_device, aws_timestamp, aws_user, aws_virtual_mfa_device

_SERIAL = arg("--serial-number", required=True, help="the device's serial number (its ARN)")
_CODES = (arg("--authentication-code1", required=True, help="a code from the device"),
          arg("--authentication-code2", required=True, help="the code that follows it"))
_USER_OPTIONAL = arg("--user-name", help="the user (default: the caller, root included)")


def _open_private(outfile: str) -> tuple[BinaryIO, Path | None]:
    """Open `outfile` for the seed, readable by its owner only (the seed is a secret),
    before the device exists: a seed that cannot be written is a seed nobody ever sees.
    Returns the file and its path when this created it (to remove if the device is not)."""
    path = expand_home(outfile)
    try:
        created = not path.exists()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the name
        raise ArgumentError(f"Cannot write the bootstrap to --outfile {outfile!r}: "
                            f"{getattr(exc, 'strerror', None) or exc}") from None
    if stat.S_ISREG(os.fstat(fd).st_mode):  # not /dev/null's mode, say
        os.fchmod(fd, 0o600)
    return os.fdopen(fd, "wb"), path if created else None


@command("create-virtual-mfa-device",
         "Create a virtual MFA device; its seed is shown (or written) this once.",
         arg("--virtual-mfa-device-name", required=True, help="the device's name"),
         arg("--path", default="/", help="the device's path (default /)"),
         arg("--tags", nargs="+", metavar="TAG", help="Key=k,Value=v ..."),
         arg("--outfile", help="write the bootstrap (seed or PNG) to this file"),
         arg("--bootstrap-method", choices=("Base32StringSeed", "QRCodePNG"),
             help="what --outfile receives"),
         arg("--qr", action="store_true",
             help="draw the QR code on standard error for an authenticator app"))
def run_create_virtual_mfa_device(args: argparse.Namespace) -> Response:
    if (args.outfile is None) != (args.bootstrap_method is None):
        raise ArgumentError("--outfile and --bootstrap-method go together.")
    tags = parse_tags(args.tags)
    out, created = _open_private(args.outfile) if args.outfile is not None else (None, None)
    try:
        with session(args) as (svc, caller):
            new = svc.create_virtual_mfa_device(caller, args.virtual_mfa_device_name,
                                                path=args.path, tags=tags)
    except BaseException:
        if out is not None:
            out.close()
            if created is not None:
                created.unlink(missing_ok=True)
        raise
    device: dict[str, Any] = {"SerialNumber": new.device.serial_number}
    if out is not None:
        data = new.base32_seed.encode() if args.bootstrap_method == "Base32StringSeed" \
            else new.qr_png()
        try:
            with out:
                if stat.S_ISREG(os.fstat(out.fileno()).st_mode):
                    out.truncate(0)
                out.write(data)
        except OSError as exc:  # a full disk, say: the device exists, its seed is lost
            raise ArgumentError(f"The device {new.device.serial_number} was created, but "
                                f"--outfile could not be written ({exc.strerror}): delete it "
                                "with delete-virtual-mfa-device and create it again."
                                ) from None
    else:
        device["Base32StringSeed"] = new.base32_seed
        device["ProvisioningUri"] = new.provisioning_uri
    if args.qr:
        print(new.qr_text(), file=sys.stderr)
    return Response({"VirtualMFADevice": device})


@command("enable-mfa-device", "Assign a virtual MFA device to a user with two consecutive codes.",
         _USER_OPTIONAL, _SERIAL, *_CODES)
def run_enable_mfa_device(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        svc.enable_mfa_device(caller, args.user_name, args.serial_number,
                              args.authentication_code1, args.authentication_code2)
    return Response({})


@command("resync-mfa-device", "Resynchronize a device whose clock drifted (two consecutive "
         "codes).", _USER_OPTIONAL, _SERIAL, *_CODES)
def run_resync_mfa_device(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        svc.resync_mfa_device(caller, args.user_name, args.serial_number,
                              args.authentication_code1, args.authentication_code2)
    return Response({})


@command("deactivate-mfa-device", "Unassign an MFA device from a user.", _USER_OPTIONAL,
         _SERIAL)
def run_deactivate_mfa_device(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        svc.deactivate_mfa_device(caller, args.user_name, args.serial_number)
    return Response({})


@command("delete-virtual-mfa-device", "Delete an unassigned virtual MFA device.", _SERIAL)
def run_delete_virtual_mfa_device(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        svc.delete_virtual_mfa_device(caller, args.serial_number)
    return Response({})


@command("get-mfa-device", "Show an MFA device enabled for a user.", _SERIAL, _USER_OPTIONAL)
def run_get_mfa_device(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        device = svc.get_mfa_device(caller, args.serial_number, args.user_name)
    return Response(aws_mfa_device(device))


register_tag_commands("mfa-device", _SERIAL, "a virtual MFA device")


@command("list-mfa-devices", "List the MFA devices enabled for a user.", _USER_OPTIONAL)
def run_list_mfa_devices(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        devices = svc.list_mfa_devices(caller, args.user_name)
    return Response({"MFADevices": [aws_mfa_device(d) for d in devices], "IsTruncated": False},
                    table=[[d.user_name or "", d.serial_number,
                            aws_timestamp(d.enable_date) if d.enable_date else ""]
                           for d in devices],
                    headers=["UserName", "SerialNumber", "EnableDate"])


@command("list-virtual-mfa-devices", "List virtual MFA devices, with whom each is assigned to.",
         arg("--assignment-status", choices=("Assigned", "Unassigned", "Any"), default="Any"))
def run_list_virtual_mfa_devices(args: argparse.Namespace) -> Response:
    from iamtui.service.mfa_devices import ROOT_OWNER

    with session(args) as (svc, caller):
        items = svc.list_virtual_mfa_devices(caller, assignment_status=args.assignment_status)
        account_id = svc.account_id
    out = []
    rows = []
    for device, user in items:
        shape = aws_virtual_mfa_device(device, user, listing=True)
        if device.user_name == ROOT_OWNER:  # AWS shows the root user by its ARN
            shape = {"SerialNumber": device.serial_number,
                     "User": {"Arn": root_arn(account_id), "UserId": account_id}, **{
                         k: v for k, v in shape.items() if k not in ("SerialNumber", "User")}}
        elif user is not None:
            shape["User"] = aws_user(user, listing=True)
        out.append(shape)
        rows.append([device.serial_number, device.user_name or "-",
                     aws_timestamp(device.enable_date) if device.enable_date else "-"])
    return Response({"VirtualMFADevices": out, "IsTruncated": False}, table=rows,
                    headers=["SerialNumber", "AssignedTo", "EnableDate"])
