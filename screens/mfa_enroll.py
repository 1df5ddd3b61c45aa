"""MFA: enroll a virtual device (QR code, seed, two consecutive codes), list, deactivate, resync.

IAM User Guide, "Assign a virtual MFA device in the AWS Management Console": show the QR
code (or the secret key), then type two consecutive codes from the app; the device is
then assigned. The seed is shown once, in this modal only, and never logged.

The QR code is drawn light-on-dark with half blocks (two modules per line). At 49×25
cells with the standard 4-module quiet zone it does not fit 24 rows, so on a short
terminal the quiet zone shrinks to 2 modules (45×23), which phone cameras still read.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from functools import partial
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.command import Hit, Hits, Provider
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Footer, Input, Label, Static

from iamtui.errors import EntityAlreadyExists, IamError
from iamtui.model import VirtualMfaDevice
from iamtui.screens.modals import ConfirmModal, Field, FormModal
from iamtui.screens.ops import FAILED, report_error, run_op
from iamtui.screens.session import session_of
from iamtui.screens.widgets.resource_table import Column, ResourceTable, Row
from iamtui.security import mfa
from iamtui.service.mfa_devices import ROOT_DEVICE_NAME, NewVirtualMfaDevice

FULL_QR_ROWS = 25  # a typical otpauth URI with the standard quiet zone


def seed_groups(seed: str) -> str:
    """`ABCD EFGH ...`: a base32 seed in groups of four, easier to type."""
    return " ".join(seed[i:i + 4] for i in range(0, len(seed), 4))


def qr_for_height(uri: str, rows: int) -> str:
    """The QR code with the widest quiet zone (4, else 2, else 1 modules) that fits `rows`."""
    for border in (mfa.QUIET_ZONE, 2, 1):
        text = mfa.qr_text(uri, border=border)
        if text.count("\n") + 1 <= rows:
            return text
    return text


class MfaEnrollModal(ModalScreen[VirtualMfaDevice | None]):
    """Create a virtual device, show its QR code and seed, assign it after two codes.

    `user_name` None enrolls the caller (the root user included). Leaving before the
    codes are accepted deletes the unassigned device, so nothing is left behind.
    """

    DEFAULT_CSS = """
    MfaEnrollModal { align: center middle; }
    MfaEnrollModal > Horizontal {
        width: auto; max-width: 100%; height: auto; max-height: 100%;
        background: $surface;
    }
    MfaEnrollModal #qr { width: auto; height: auto; color: white; background: black; }
    MfaEnrollModal #mfa-side { width: 34; height: auto; padding: 0 1; }
    MfaEnrollModal .dialog-title { text-style: bold; }
    MfaEnrollModal #seed { color: $warning; text-style: bold; margin-bottom: 1; }
    MfaEnrollModal #mfa-status { color: $text-muted; height: auto; }
    MfaEnrollModal #mfa-error { color: $error; height: auto; }
    MfaEnrollModal #assigned { color: $success; text-style: bold; height: auto; }
    MfaEnrollModal Input { width: 100%; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="mfa_enroll.cancel")]

    def __init__(self, user_name: str | None) -> None:
        super().__init__()
        self.user_name = user_name
        self.new: NewVirtualMfaDevice | None = None
        self.device: VirtualMfaDevice | None = None

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Static("", id="qr")
            with Vertical(id="mfa-side"):
                who = self.user_name or "you"
                yield Static(f"Assign an MFA device to {who}", classes="dialog-title")  # wraps
                yield Static("Scan the code with an authenticator app, or type the "
                             "secret key:", id="mfa-status")
                yield Static("", id="seed")
                yield Label("MFA code 1")
                yield Input(placeholder="6 digits", id="code1", max_length=6, compact=True)
                yield Label("MFA code 2 (the next one)")
                yield Input(placeholder="6 digits", id="code2", max_length=6, compact=True)
                yield Static("", id="mfa-error")
                yield Static("", id="assigned")
                yield Button("Assign (enter)", variant="primary", id="assign")

    def on_mount(self) -> None:
        service, principal = session_of(self)
        base = ROOT_DEVICE_NAME if self.user_name is None and principal.is_root else (
            self.user_name or principal.name)
        for attempt in range(1, 10):  # an unassigned leftover may hold the plain name
            name = base if attempt == 1 else f"{base}-{attempt}"
            try:
                self.new = service.create_virtual_mfa_device(principal, name)
                break
            except EntityAlreadyExists:
                continue
            except IamError as error:
                report_error(self, error)
                self.dismiss(None)
                return
        if self.new is None:
            self.notify("Could not find a free device name.", severity="error")
            self.dismiss(None)
            return
        rows = max(12, self.app.size.height)
        self.query_one("#qr", Static).update(qr_for_height(self.new.provisioning_uri, rows))
        self.query_one("#seed", Static).update(seed_groups(self.new.base32_seed))
        self.query_one("#code1", Input).focus()

    @on(Input.Submitted, "#code1")
    def first_code_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one("#code2", Input).focus()

    @on(Input.Submitted, "#code2")
    @on(Button.Pressed, "#assign")
    def assign_requested(self, event: Input.Submitted | Button.Pressed) -> None:
        # the one button reads "Done" once assigned; action_assign then dismisses
        event.stop()
        self.action_assign()

    def action_assign(self) -> None:
        """Send both codes (EnableMFADevice); on success show the device as assigned."""
        if self.device is not None:
            self.dismiss(self.device)
            return
        if self.new is None:
            return
        code1 = self.query_one("#code1", Input).value.strip()
        code2 = self.query_one("#code2", Input).value.strip()
        error = self.query_one("#mfa-error", Static)
        if not (len(code1) == len(code2) == 6 and (code1 + code2).isascii()
                and (code1 + code2).isdigit()):
            error.update("Type two six-digit codes, one after the other.")
            return
        service, principal = session_of(self)
        try:
            device = service.enable_mfa_device(principal, self.user_name,
                                               self.new.device.serial_number, code1, code2)
        except IamError as exc:
            error.update(Content(f"{exc.code}: {exc.message}"))  # text, not markup
            return
        self.device = device
        error.update("")
        self.query_one("#qr", Static).update("")  # the secret is not shown again
        self.query_one("#qr", Static).display = False
        self.query_one("#seed", Static).update("")
        enabled = device.enable_date.strftime("%Y-%m-%d %H:%M UTC") if device.enable_date \
            else ""
        self.query_one("#assigned", Static).update(
            f"✔ Assigned\n{device.serial_number}\nenabled {enabled}")
        self.query_one("#assign", Button).label = "Done (enter)"
        self.query_one("#assign", Button).focus()
        self.notify(f"MFA device {device.serial_number} assigned")

    def action_cancel(self) -> None:
        if self.device is None and self.new is not None:
            service, principal = session_of(self)
            with contextlib.suppress(IamError):  # nothing half-made stays behind
                service.delete_virtual_mfa_device(principal, self.new.device.serial_number)
        self.dismiss(self.device)


def enroll_done(node: Any) -> Callable[[VirtualMfaDevice | None], None]:
    """A dismiss callback that refreshes `node` (when it can) after an enrollment."""
    def done(device: VirtualMfaDevice | None) -> None:
        reload = getattr(node, "reload", None) or getattr(node, "action_refresh", None)
        if device is not None and callable(reload):
            reload()
    return done


def deactivate_device(node: Any, user_name: str | None, serial: str, *,
                      then: Callable[[], object]) -> None:
    """Confirm, then deactivate the device and delete it (it cannot be enrolled again as
    it was: its seed is gone from the user's authenticator app's point of view)."""
    service, principal = session_of(node)

    def done(yes: bool | None) -> None:
        if not yes:
            return
        ok = run_op(node, service.deactivate_mfa_device, principal, user_name, serial,
                    success=f"Deactivated {serial}")
        if ok is not FAILED:
            run_op(node, service.delete_virtual_mfa_device, principal, serial)
            then()

    node.app.push_screen(ConfirmModal(
        f"Deactivate {serial}? Sign-ins will no longer ask for its codes, and the "
        "device is deleted.", confirm="Deactivate"), done)


def resync_device(node: Any, user_name: str | None, serial: str) -> None:
    """Ask for two consecutive codes and resynchronize a device whose clock drifted."""
    service, principal = session_of(node)

    def done(values: dict[str, str] | None) -> None:
        if values:
            run_op(node, service.resync_mfa_device, principal, user_name, serial,
                   values["code1"], values["code2"], success=f"Resynchronized {serial}")

    node.app.push_screen(FormModal(f"Resync {serial}", [
        Field("code1", "MFA code 1"), Field("code2", "MFA code 2 (the next one)")],
        submit="Resync", note="Type two consecutive codes from the device."), done)


class MfaDevicesScreen(Screen[None]):
    """A user's MFA devices: n assigns a new one, d deactivates, r resyncs."""

    DEFAULT_CSS = """
    MfaDevicesScreen > .title { background: $boost; text-style: bold; padding: 0 1; }
    MfaDevicesScreen > .hint { color: $text-muted; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="mfa_devices.back"),
        Binding("n", "enroll", "Assign new", id="mfa_devices.assign_new"),
        Binding("d", "deactivate", "Deactivate", id="mfa_devices.deactivate"),
        Binding("r", "resync", "Resync", id="mfa_devices.resync"),
    ]

    def __init__(self, user_name: str | None) -> None:
        super().__init__()
        self.user_name = user_name

    def compose(self) -> ComposeResult:
        yield Static(f"MFA devices of {self.user_name or 'the signed-in principal'}",
                     classes="title")
        yield ResourceTable((Column("serial", "Serial number", 60),
                             Column("enabled", "Enabled", 24)),
                            empty_text="No MFA device. Press n to assign one.")
        yield Static("n assign a virtual device · d deactivate · r resync a drifted device",
                     classes="hint")
        yield Footer()

    def on_mount(self) -> None:
        self.reload()
        self.query_one(ResourceTable).focus()

    def reload(self) -> None:
        """Show the devices enabled for the user now."""
        service, principal = session_of(self)
        devices = run_op(self, service.list_mfa_devices, principal, self.user_name)
        if devices is FAILED:
            return
        self.query_one(ResourceTable).set_rows([
            Row(d.serial_number, (d.serial_number, d.enable_date.strftime(
                "%Y-%m-%d %H:%M UTC") if d.enable_date else "-"))
            for d in devices])  # type: ignore[union-attr]

    def action_enroll(self) -> None:
        self.app.push_screen(MfaEnrollModal(self.user_name), enroll_done(self))

    def action_deactivate(self) -> None:
        serial = self.query_one(ResourceTable).current_key
        if serial is not None:
            deactivate_device(self, self.user_name, serial, then=self.reload)

    def action_resync(self) -> None:
        serial = self.query_one(ResourceTable).current_key
        if serial is not None:
            resync_device(self, self.user_name, serial)

    def action_back(self) -> None:
        self.dismiss(None)


class MfaCommands(Provider):
    """Command palette: "MFA devices of <user>" and "My MFA devices"."""

    async def search(self, query: str) -> Hits:
        service, principal = session_of(self.screen)
        matcher = self.matcher(query)
        entries: list[tuple[str, str | None]] = [("My MFA devices", None)]
        with contextlib.suppress(IamError):
            entries += [(f"MFA devices of {u.user_name}", u.user_name)
                        for u in service.list_users(principal)]
        for text, user in entries:
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), partial(self._open, user),
                          help="assign, deactivate or resync MFA")

    def _open(self, user: str | None) -> None:
        self.app.push_screen(MfaDevicesScreen(user))
