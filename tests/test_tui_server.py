"""The Server screen (issue 17, "The TUI shows that the server is running and who calls it
(the audit log, live)"): the status file `iamtui serve` writes beside the store, the lines
to paste, and the calls over HTTP following the audit trail without `r`."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import threading
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from helpers import ACCOUNT_ID, ROOT_PASSWORD, FakeClock
from textual.pilot import Pilot
from textual.widgets import Input, Static
from tui_helpers import (
    initialized_app,
    new_store,
    pin_store_folder,
    settle,
    sign_in,
    type_text,
    wait_until,
)

from iamtui.app import IamApp
from iamtui.errors import IamError
from iamtui.screens.modals import FormModal
from iamtui.screens.server import ServerScreen
from iamtui.serve.endpoint import paste_lines
from iamtui.service import IamService, serving
from iamtui.service.core import RequestInfo
from iamtui.service.serving import ServerStatus, status_path

STARTED = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"


def text_of(screen: ServerScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


def app_with_user(tmp_path: Path, name: str, password: str, policy_arn: str) -> IamApp:
    """An app over a new store with an IAM user `name` who signs in with `password` and
    has `policy_arn` attached."""
    seed = new_store(tmp_path)
    root = seed.root_principal()
    seed.create_user(root, name)
    seed.create_login_profile(root, name, password)
    seed.attach_policy(root, "user", name, policy_arn)
    seed.close()
    return IamApp(tmp_path / "db.json", keys_dir=tmp_path / "keys")


def dead_pid() -> int:
    """The ID of a process that has ended (a server killed before cleaning up)."""
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    return int(done.stdout)


async def open_server_screen(pilot: Pilot, user: str | None = None,
                             password: str = ROOT_PASSWORD) -> ServerScreen:
    """Sign in (root, or `user`) and press f12."""
    await sign_in(pilot, user, password)
    await pilot.press("f12")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ServerScreen)
    return screen


async def test_a_live_servers_status_is_shown_with_the_lines_to_paste(tmp_path: Path) -> None:
    """A status file naming a live process: running, where, since when, and the very lines
    `iamtui serve` prints (one function makes both)."""
    svc = new_store(tmp_path)
    svc.announce_server(ServerStatus(os.getpid(), "127.0.0.1", 8787, False, STARTED))
    svc.close()
    assert status_path(tmp_path / "db.json").stat().st_mode & 0o777 == 0o600
    app = IamApp(tmp_path / "db.json", keys_dir=tmp_path / "keys")
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_server_screen(pilot)
        state = text_of(screen, "#server-state")
        assert "Running at http://127.0.0.1:8787" in state
        assert f"process {os.getpid()}" in state and "2026-12-04 09:30 UTC" in state
        assert text_of(screen, "#server-lines") == "\n".join(paste_lines(
            "http://127.0.0.1:8787"))
        await pilot.press("escape")
        assert not isinstance(app.screen, ServerScreen)


async def test_a_stale_status_file_counts_as_no_server(tmp_path: Path) -> None:
    """A server killed before removing its status file: its process is gone, so the screen
    says no server runs, and how to start one."""
    svc = new_store(tmp_path)
    svc.announce_server(ServerStatus(dead_pid(), "127.0.0.1", 8787, False, STARTED))
    assert svc.server_status() is None
    svc.close()
    app = IamApp(tmp_path / "db.json", keys_dir=tmp_path / "keys")
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_server_screen(pilot)
        state = text_of(screen, "#server-state")
        assert state.startswith("No server is running against this store")
        assert f"iamtui serve --db {tmp_path / 'db.json'} --as-root" in state
        assert not screen.query_one("#server-lines", Static).display


async def test_the_palette_opens_the_server_screen(tmp_path: Path) -> None:
    app = initialized_app(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(pilot)
        await pilot.press("ctrl+p")
        await type_text(pilot, "server")
        await wait_until(pilot, lambda: "server" in str(
            app.screen.query("CommandList").first().get_option_at_index(0).prompt))
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ServerScreen))


async def test_calls_through_a_running_server_appear_without_r(tmp_path: Path) -> None:
    """A server thread on this store (as `iamtui serve` runs it) and a boto3 client: the
    call shows on the screen within about a second, with the caller's ARN, the action, the
    result, the address and the client's user agent; the server's start shows too."""
    pytest.importorskip("awscli")  # its botocore serves boto3 too, as in test_serve.py
    boto3 = pytest.importorskip("boto3")
    from botocore.config import Config

    from iamtui.serve.server import Served, Server

    seed = new_store(tmp_path)
    root = seed.root_principal()
    seed.enable_serving(root)
    seed.create_user(root, "ops")
    seed.attach_policy(root, "user", "ops", ADMIN)
    key = seed.create_access_key(root, "ops")
    seed.close()
    app = IamApp(tmp_path / "db.json", keys_dir=tmp_path / "keys")
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await open_server_screen(pilot)
        assert text_of(screen, "#server-state").startswith("No server is running")
        assert screen.table.row_count == 0

        served = IamService.open(tmp_path / "db.json", keys_dir=tmp_path / "keys")
        server = Server(("127.0.0.1", 0), Served(served, secure=False))
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        port = server.server_address[1]
        status = ServerStatus(os.getpid(), "127.0.0.1", port, False, datetime.now(UTC))
        served.announce_server(status)
        try:
            await wait_until(pilot, lambda: f"127.0.0.1:{port}" in text_of(
                screen, "#server-state"))
            iam = boto3.session.Session(
                aws_access_key_id=key.key.access_key_id,
                aws_secret_access_key=key.secret_access_key, region_name="us-east-1",
            ).client("iam", endpoint_url=status.url,
                     config=Config(retries={"total_max_attempts": 1}))
            await asyncio.to_thread(iam.create_user, UserName="from-boto3")
            with pytest.raises(iam.exceptions.NoSuchEntityException):
                await asyncio.to_thread(iam.get_user, UserName="nobody")
            await wait_until(pilot, lambda: screen.table.row_count == 2)
            newest, created = (row.cells for row in screen.table.rows)
            assert created[1:5] == ("iam:CreateUser", "Success",
                                    f"arn:aws:iam::{ACCOUNT_ID}:user/ops", "127.0.0.1")
            assert "Boto3" in created[5]
            assert newest[1:3] == ("iam:GetUser", "NoSuchEntity")
        finally:
            server.shutdown()
            server.server_close()
            thread.join(10)
            served.withdraw_server(status)
            served.close()
        await wait_until(pilot, lambda: text_of(screen, "#server-state").startswith(
            "No server is running"))
        assert screen.table.row_count == 2  # the calls stay in the trail


async def test_reading_the_calls_needs_lookup_events_and_asks_once(tmp_path: Path) -> None:
    """IAM User Guide's CloudTrail pages: reading the trail is cloudtrail:LookupEvents. A
    user without it is told once; the refusal is audited once, not every second."""
    app = app_with_user(tmp_path, "viewer", "Viewer!Passw0rd#1",
                        "arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_server_screen(pilot, "viewer", "Viewer!Passw0rd#1")
        await wait_until(pilot, lambda: screen.denied)
        assert "cloudtrail:LookupEvents" in screen.table.empty_message()
        await asyncio.sleep(2.5)  # two more polls: the denial is not asked again
        await settle(pilot)
    check = IamService.open(tmp_path / "db.json", keys_dir=tmp_path / "keys")
    try:
        denied = [e for e in check.audit.lookup_events(event_name="LookupEvents")
                  if e.get("errorCode") == "AccessDenied"]
    finally:
        check.close()
    assert len(denied) == 1


# ---------------------------------------------------------------- snapshot at 80x24


def test_server_screen_at_80x24(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                snap_compare: Any) -> None:
    """Running, the lines to paste, and calls written as the server writes them (the
    caller's request info: address, user agent, request ID)."""
    clock = FakeClock(STARTED)
    svc = new_store(tmp_path, alias="example", clock=clock)
    root = svc.root_principal()
    svc.enable_serving(root)
    for name in ("ops", "ci"):
        svc.create_user(root, name)
    svc.attach_policy(root, "user", "ops", ADMIN)
    callers = []
    for name, agent in (("ops", "aws-cli/1.36.0 Python/3.12.3 Linux/6.8 botocore/1.35.0"),
                        ("ci", "Boto3/1.35.0 md/Botocore#1.35.0 ua/2.0 os/linux")):
        key = svc.create_access_key(root, name)
        user = svc.authenticate_access_key(key.key.access_key_id, key.secret_access_key)
        callers.append(replace(user, request=RequestInfo("127.0.0.1", agent, name, False)))
    ops, ci = callers
    for call in (lambda: svc.create_user(ops, "deploy"), lambda: svc.get_caller_identity(ops),
                 lambda: svc.create_role(ci, "admin", "{}")):
        clock.advance(seconds=7)
        with contextlib.suppress(IamError):  # a refused call is audited as AWS's are
            call()
    # a live process: the snapshot's own number, whatever the test's process is
    svc.announce_server(ServerStatus(4242, "127.0.0.1", 8787, False, STARTED))
    monkeypatch.setattr(serving, "process_alive", lambda pid: pid == 4242)
    svc.close()
    pin_store_folder(monkeypatch, tmp_path)
    app = IamApp(tmp_path / "db.json", keys_dir=tmp_path / "keys", clock=clock)

    async def server(pilot: Pilot) -> None:
        await open_server_screen(pilot)
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=server)


# ---------------------------------------------------------------- a server in the app


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def refused(port: int) -> bool:
    """True when nothing listens on 127.0.0.1:`port` any more."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except OSError:
        return True
    return False


async def start_from_screen(pilot: Pilot) -> int:
    """n, a free port typed in the form, enter: the port asked for."""
    port = free_port()
    await pilot.press("n")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, FormModal))
    pilot.app.screen.query_one(Input).value = str(port)
    await pilot.press("enter")
    await settle(pilot)
    return port


async def test_start_and_stop_a_server_from_the_screen(tmp_path: Path) -> None:
    """n starts a server for this store inside the app (serving enabled by the root user
    the first time); a boto3 call through it shows; x stops it and its status file goes."""
    pytest.importorskip("awscli")
    boto3 = pytest.importorskip("boto3")
    from botocore.config import Config

    app = initialized_app(tmp_path)
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await open_server_screen(pilot)
        port = await start_from_screen(pilot)
        assert app.screen is screen and app.local_server is not None
        await wait_until(pilot, lambda: f"Running at http://127.0.0.1:{port}" in text_of(
            screen, "#server-state"))
        assert app.service is not None and app.service.serving_enabled()
        # a key made now has its secret sealed: it can sign requests
        root = app.service.root_principal()
        app.service.create_user(root, "ops")
        app.service.attach_policy(root, "user", "ops", ADMIN)
        key = app.service.create_access_key(root, "ops")
        iam = boto3.session.Session(
            aws_access_key_id=key.key.access_key_id,
            aws_secret_access_key=key.secret_access_key, region_name="us-east-1",
        ).client("iam", endpoint_url=f"http://127.0.0.1:{port}",
                 config=Config(retries={"total_max_attempts": 1}))
        await asyncio.to_thread(iam.list_users)
        await wait_until(pilot, lambda: [r.cells[1] for r in screen.table.rows] ==
                         ["iam:ListUsers"])
        await pilot.press("x")
        await wait_until(pilot, lambda: text_of(screen, "#server-state").startswith(
            "No server is running"))
        assert app.local_server is None and refused(port)
        assert not status_path(tmp_path / "db.json").exists()


async def test_the_app_stops_its_server_when_it_exits(tmp_path: Path) -> None:
    app = initialized_app(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_server_screen(pilot)
        port = await start_from_screen(pilot)
        await wait_until(pilot, lambda: "Running at" in text_of(screen, "#server-state"))
        assert not refused(port)
    assert refused(port)
    assert not status_path(tmp_path / "db.json").exists()


async def test_only_root_enables_serving_from_the_screen(tmp_path: Path) -> None:
    """As `iamtui serve`: enabling serving changes what the store keeps (sealed secrets),
    so a user who is not root is refused, and no server starts."""
    app = app_with_user(tmp_path, "admin", "Admin!Passw0rd#1", ADMIN)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_server_screen(pilot, "admin", "Admin!Passw0rd#1")
        await start_from_screen(pilot)
        assert isinstance(app.screen, FormModal)  # the form stays, with AWS's error
        assert "Only the account's root user can enable serving" in " ".join(
            str(w.render()) for w in app.screen.query(Static))
        assert app.local_server is None
        assert not status_path(tmp_path / "db.json").exists()
