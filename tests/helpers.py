"""Helpers shared by tests: a hand-driven clock, the test account's constants, and one
way to run `iamtui` commands in-process."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

ACCOUNT_ID = "111122223333"
ROOT_PASSWORD = "Sup3r$ecretRoot"


class FakeClock:
    """A clock tests move by hand, so nothing sleeps."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 28, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


CREDENTIAL_VARIABLES = ("IAMTUI_ACCESS_KEY_ID", "IAMTUI_SECRET_ACCESS_KEY", "IAMTUI_PROFILE",
                        "IAMTUI_SESSION_TOKEN", "IAMTUI_DB")


def parsed(out: str) -> Any:
    """A command's standard output as AWS's JSON; None when it printed nothing, the text
    itself when it is not JSON (a table)."""
    if not out.strip():
        return None
    try:
        return json.loads(out)
    except ValueError:
        return out


class CliRunner:
    """Runs `iamtui` in-process against one store under `tmp_path`, with a config folder
    of its own and no credentials from the environment."""

    def __init__(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                 capsys: pytest.CaptureFixture[str], *, db: Path | None = None) -> None:
        self.db = db or tmp_path / "data" / "iamtui.json"
        self.config = tmp_path / "config"
        self.monkeypatch, self.capsys = monkeypatch, capsys
        monkeypatch.setenv("IAMTUI_CONFIG_DIR", str(self.config))
        for name in CREDENTIAL_VARIABLES:
            monkeypatch.delenv(name, raising=False)

    def run(self, *argv: str, stdin: str = "") -> tuple[int, str, str]:
        """(exit code, stdout, stderr) of one command on this store."""
        from iamtui.cli import main

        self.monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        self.capsys.readouterr()
        code = main([*argv, "--db", str(self.db)])
        out, err = self.capsys.readouterr()
        return code, out, err

    def init(self, *flags: str) -> None:
        """`iamtui init` for the test account, the root password read from stdin."""
        code, _, err = self.run("init", "--account-id", ACCOUNT_ID, *flags,
                                "--root-password-stdin", stdin=ROOT_PASSWORD + "\n")
        assert code == 0, err

    def root(self, *argv: str, stdin: str = "") -> tuple[int, str, str]:
        """`run` as the root user (its password first on stdin, then `stdin`)."""
        return self.run(*argv, "--as-root", "--root-password-stdin",
                        stdin=ROOT_PASSWORD + "\n" + stdin)

    def ok(self, *argv: str, stdin: str = "") -> Any:
        """The parsed answer of a command that must succeed ({} when it prints nothing)."""
        code, out, err = self.run(*argv, stdin=stdin)
        assert code == 0, err
        return parsed(out) or {}

    def as_root(self, *argv: str, stdin: str = "") -> Any:
        """`ok` as the root user."""
        code, out, err = self.root(*argv, stdin=stdin)
        assert code == 0, err
        return parsed(out) or {}
