"""The Security credentials tab's other sections, as the console has them: SSH public keys
for AWS CodeCommit (upload, deactivate, delete), HTTPS Git credentials (generate: the
password shown once; reset), X.509 signing certificates (upload); and a snapshot at 80×24.

AWS pages: IAM User Guide, "Use SSH keys and SSH with CodeCommit", "Use IAM with
CodeCommit: Git credentials, SSH keys, and AWS access keys" ("you cannot view the password
again... reset it"), "Manage signing certificates".
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cert_factory import certificate, ssh_public_key
from helpers import ACCOUNT_ID, ROOT_PASSWORD, FakeClock
from textual.pilot import Pilot
from tui_helpers import new_store, settle, sign_in, type_text, wait_for_workers

import iamtui.screens.widgets.status_line as status_line
from iamtui.app import IamApp
from iamtui.screens.modals import ConfirmModal, FormModal, SecretModal
from iamtui.screens.user_detail import UserDetailScreen
from iamtui.screens.widgets.resource_table import ResourceTable
from iamtui.service import IamService
from iamtui.service.credential_tables import (
    SERVICE_CREDENTIALS,
    SIGNING_CERTIFICATES,
    SSH_PUBLIC_KEYS,
    ServiceSpecificCredential,
    SigningCertificate,
    SshPublicKey,
)

SIZE = (140, 44)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Path]:
    svc = new_store(tmp_path)
    svc.create_user(svc.root_principal(), "alice")
    svc.close()
    yield tmp_path / "db.json"


def open_service(db: Path) -> IamService:
    return IamService.open(db, keys_dir=db.parent / "keys")


async def open_credentials(pilot: Pilot) -> UserDetailScreen:
    await sign_in(pilot)
    await pilot.press("2")
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    for _ in range(3):  # Summary, Permissions, Groups, Security credentials
        await pilot.press("right_square_bracket")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, UserDetailScreen)
    return screen


def rows(screen: UserDetailScreen) -> list[tuple[str, ...]]:
    return [r.cells for r in screen.query_one("#credentials").query_one(ResourceTable).rows]


async def submit_path(pilot: Pilot, key: str, path: Path) -> None:
    """Open the upload form with `key`, give it the file's path, and submit."""
    await pilot.press(key)
    assert isinstance(pilot.app.screen, FormModal)
    await type_text(pilot, str(path))
    await pilot.press("enter")
    await settle(pilot)


async def to_row(pilot: Pilot, screen: UserDetailScreen, first_cell: str) -> None:
    """Move the cursor to the first row whose first cell is `first_cell`."""
    table = screen.query_one("#credentials").query_one(ResourceTable)
    index = [r.cells[0] for r in table.rows].index(first_cell)
    await pilot.press("home", *["down"] * index)
    await pilot.pause()


async def test_ssh_key_uploaded_from_a_file_deactivated_and_deleted(db: Path,
                                                                    tmp_path: Path) -> None:
    """`i` uploads id_rsa.pub by its path; `t` makes it Inactive, `d` deletes it after a
    confirmation ("Use SSH keys and SSH with CodeCommit")."""
    (tmp_path / "id_rsa.pub").write_text(ssh_public_key())
    app = IamApp(db, keys_dir=db.parent / "keys")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_credentials(pilot)
        await submit_path(pilot, "i", tmp_path / "nothing.pub")
        assert isinstance(app.screen, FormModal)  # refused: the form says why
        assert "Cannot read" in str(app.screen.query_one("#form-error").render())
        await pilot.press("ctrl+a", "ctrl+k")  # clear the field
        await type_text(pilot, str(tmp_path / "id_rsa.pub"))
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        ssh = [r for r in rows(screen) if r[0] == "SSH public key"]
        assert len(ssh) == 1 and ssh[0][1].startswith("APKA") and ssh[0][2] == "Active"

        await to_row(pilot, screen, "SSH public key")
        await pilot.press("t")
        await settle(pilot)
        assert [r[2] for r in rows(screen) if r[0] == "SSH public key"] == ["Inactive"]
        await pilot.press("d")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("shift+tab", "enter")
        await settle(pilot)
        assert not [r for r in rows(screen) if r[0] == "SSH public key"]
    svc = open_service(db)
    assert svc.list_ssh_public_keys(svc.root_principal(), "alice") == []
    svc.close()


async def test_git_credentials_password_is_shown_once_and_reset(db: Path) -> None:
    """`w` generates HTTPS Git credentials: the user name and password shown once, never in
    the table; `r` resets the password (a new one, shown once)."""
    app = IamApp(db, keys_dir=db.parent / "keys")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_credentials(pilot)
        await pilot.press("w")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, SecretModal)
        first = modal.secret
        assert ("User name", f"alice-at-{ACCOUNT_ID}") in modal.lines
        await pilot.press("escape")
        await pilot.pause()
        git = [r for r in rows(screen) if r[0] == "Git (CodeCommit)"]
        assert git == [("Git (CodeCommit)", f"alice-at-{ACCOUNT_ID}", "Active", git[0][3], "-")]
        assert all(first not in cell for row in rows(screen) for cell in row)

        await to_row(pilot, screen, "Git (CodeCommit)")
        await pilot.press("r")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("shift+tab", "enter")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, SecretModal) and modal.secret != first
        await pilot.press("escape")
    svc = open_service(db)
    assert len(svc.list_service_specific_credentials(svc.root_principal(), "alice")) == 1
    svc.close()


async def test_bedrock_api_key_alias_and_secret_shown_once(db: Path) -> None:
    """`K` generates a long-term Amazon Bedrock API key (IAM User Guide, "API keys for AWS
    services"): its alias and secret shown once, the alias (never the secret) in the
    table."""
    app = IamApp(db, keys_dir=db.parent / "keys")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_credentials(pilot)
        await pilot.press("K")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, SecretModal)
        labels = [label for label, _ in modal.lines]
        assert labels == ["Alias", "Secret"] and modal.secret.startswith("ABSK")
        secret = modal.secret
        await pilot.press("escape")
        await pilot.pause()
        keys = [r for r in rows(screen) if r[0] == "Bedrock API key"]
        assert len(keys) == 1 and keys[0][1].startswith("alice")
        assert all(secret not in cell for row in rows(screen) for cell in row)


async def test_signing_certificate_uploaded_from_a_pem_file(db: Path, tmp_path: Path) -> None:
    """`v` uploads an X.509 signing certificate from a PEM file ("Manage signing
    certificates")."""
    (tmp_path / "cert.pem").write_text(certificate(not_before=datetime.now(UTC)))
    app = IamApp(db, keys_dir=db.parent / "keys")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_credentials(pilot)
        await submit_path(pilot, "v", tmp_path / "cert.pem")
        assert app.screen is screen
        assert [r[2] for r in rows(screen) if r[0] == "X.509 certificate"] == ["Active"]


# ------------------------------------------------------------------ snapshot

SEEDED = datetime(2026, 8, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def seeded_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> IamApp:
    """alice with one of each credential, their IDs and dates fixed so the picture is."""
    clock = FakeClock(SEEDED)
    db = tmp_path / "db.json"
    svc = IamService.initialize(db, root_password=ROOT_PASSWORD, account_id=ACCOUNT_ID,
                                alias="example", clock=clock, keys_dir=tmp_path / "keys")
    svc.create_user(svc.root_principal(), "alice")
    with svc.store.transaction() as tx:
        SSH_PUBLIC_KEYS.put(tx, SshPublicKey("APKAEIBAERJR2EXAMPLE", "alice", "ssh-rsa AAAA",
                                             "-", "00:" * 15 + "00", SEEDED))
        SERVICE_CREDENTIALS.put(tx, ServiceSpecificCredential(
            "ACCAEXAMPLE123EXAMPLE", "alice", "codecommit.amazonaws.com",
            f"alice-at-{ACCOUNT_ID}", "sha256$0", SEEDED, status="Inactive"))
        SIGNING_CERTIFICATES.put(tx, SigningCertificate(
            "TA7SMP42TDN5Z26OBPJE7EXAMPLE", "alice", "-", "0", SEEDED))
    svc.close()
    monkeypatch.setattr(status_line, "status_text",
                        lambda *args: "/srv/iamtui/db.json")
    return IamApp(db, keys_dir=tmp_path / "keys", clock=clock)


def test_security_credentials_at_80x24(seeded_app: IamApp, snap_compare: Any) -> None:
    """The tab at 80×24: every kind of credential in the table, the footer's verbs."""
    async def open_tab(pilot: Pilot) -> None:
        for key in ("ctrl+r", *ROOT_PASSWORD, "enter"):
            await pilot.press(key)
        await wait_for_workers(pilot.app)
        await pilot.press("2")
        await wait_for_workers(pilot.app)
        await pilot.press("enter", *["right_square_bracket"] * 3)
        await wait_for_workers(pilot.app)
        await pilot.pause()

    assert snap_compare(seeded_app, terminal_size=(80, 24), run_before=open_tab)
