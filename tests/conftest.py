"""Suite-wide settings (cheap Argon2 parameters: the real ones cost ~190 ms a hash) and the
service fixtures: a fresh store with its root user, under a hand-driven clock."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("IAMTUI_ARGON2_PROFILE", "test")

from iamtui.security.passwords import use_fast_hashing

use_fast_hashing()

from helpers import ACCOUNT_ID, ROOT_PASSWORD, CliRunner, FakeClock  # noqa: E402

from iamtui.service import IamService, Principal  # noqa: E402


@pytest.fixture(autouse=True)
def _own_config_folder(tmp_path_factory: pytest.TempPathFactory,
                       monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads the config folder of whoever runs the suite (a keymap.toml there would
    remap the keys the Pilot tests press; credentials and keys live there too)."""
    monkeypatch.setenv("IAMTUI_CONFIG_DIR", str(tmp_path_factory.mktemp("config")))


@pytest.fixture
def cli_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
            capsys: pytest.CaptureFixture[str]) -> CliRunner:
    """The CLI, run in-process, over a new store of the test account."""
    runner = CliRunner(tmp_path, monkeypatch, capsys)
    runner.init()
    return runner


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def service(tmp_path: Path, clock: FakeClock) -> Iterator[IamService]:
    svc = IamService.initialize(tmp_path / "store" / "iamtui.json", root_password=ROOT_PASSWORD,
                                account_id=ACCOUNT_ID, alias="example", clock=clock,
                                keys_dir=tmp_path / "keys")
    yield svc
    svc.close()


@pytest.fixture
def root(service: IamService) -> Principal:
    return service.root_principal()
