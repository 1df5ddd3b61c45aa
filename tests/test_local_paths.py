"""Paths typed by a person: `~user` for a user this machine lacks is a missing file, not a
crash (the fuzz test found `iamtui test-policies ~0` ending in a RuntimeError traceback)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers import CliRunner

from iamtui.local_paths import expand_home


def test_home_is_expanded(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert expand_home("~/sets.json") == tmp_path / "sets.json"
    assert expand_home(Path("plain/file")) == Path("plain/file")


def test_an_unknown_user_is_left_as_typed() -> None:
    with pytest.raises(RuntimeError):  # what pathlib does, and why the helper exists
        Path("~no-such-user-here/x").expanduser()
    assert expand_home("~no-such-user-here/x") == Path("~no-such-user-here/x")
    assert os.fspath(expand_home("~0")) == "~0"


def test_test_policies_with_an_unknown_user_path_is_a_clean_error(cli_run: CliRunner) -> None:
    code, _, err = cli_run.run("test-policies", "~no-such-user-here/sets.json")
    assert code != 0 and "Traceback" not in err and "~no-such-user-here" in err, (code, err)
