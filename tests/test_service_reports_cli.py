"""generate-credential-report, get-credential-report and security-status end to end.

AWS CLI reference: `aws iam generate-credential-report` ({State, Description}),
`aws iam get-credential-report` ({Content, ReportFormat, GeneratedTime}); IAM API
Reference, GetCredentialReport (ReportNotPresent).
"""

from __future__ import annotations

import base64
import io
import json
import sys
from pathlib import Path

import pytest
from helpers import ACCOUNT_ID, ROOT_PASSWORD

from iamtui.cli import main
from iamtui.service import IamService


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("IAMTUI_CONFIG_DIR", str(tmp_path / "config"))
    for name in ("IAMTUI_ACCESS_KEY_ID", "IAMTUI_SECRET_ACCESS_KEY", "IAMTUI_SESSION_TOKEN",
                 "IAMTUI_PROFILE", "IAMTUI_DB"):
        monkeypatch.delenv(name, raising=False)
    path = str(tmp_path / "store.json")
    service = IamService.initialize(path, root_password=ROOT_PASSWORD, account_id=ACCOUNT_ID)
    service.create_user(service.root_principal(), "alice")
    service.close()
    return path


def as_root(argv: list[str], db: str, capsys: pytest.CaptureFixture[str],
            monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(ROOT_PASSWORD + "\n"))
    code = main([*argv, "--db", db, "--as-root", "--root-password-stdin"])
    out, err = capsys.readouterr()
    return code, out, err


def test_report_not_present(db: str, capsys: pytest.CaptureFixture[str],
                            monkeypatch: pytest.MonkeyPatch) -> None:
    """GetCredentialReport before any report: ReportNotPresent, in the AWS CLI's error
    format (IAM API Reference, GetCredentialReport errors)."""
    code, _, err = as_root(["get-credential-report"], db, capsys, monkeypatch)
    assert code == 254
    assert err.startswith("An error occurred (ReportNotPresent) when calling the "
                          "GetCredentialReport operation:")


def test_generate_then_get(db: str, capsys: pytest.CaptureFixture[str],
                           monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """generate-credential-report answers STARTED, then COMPLETE within four hours;
    get-credential-report prints the base64 CSV; --outfile writes the CSV itself."""
    code, out, _ = as_root(["generate-credential-report"], db, capsys, monkeypatch)
    assert code == 0 and json.loads(out)["State"] == "STARTED"
    code, out, _ = as_root(["generate-credential-report"], db, capsys, monkeypatch)
    assert json.loads(out) == {"State": "COMPLETE"}
    outfile = tmp_path / "report.csv"
    code, out, _ = as_root(["get-credential-report", "--outfile", str(outfile)], db, capsys,
                           monkeypatch)
    assert code == 0
    data = json.loads(out)
    assert data["ReportFormat"] == "text/csv"
    text = base64.b64decode(data["Content"]).decode()
    assert outfile.read_text() == text
    lines = text.splitlines()
    assert lines[0].startswith("user,arn,user_creation_time,") and len(lines) == 3
    assert lines[1].startswith(f"<root_account>,arn:aws:iam::{ACCOUNT_ID}:root,")
    assert lines[2].startswith(f"alice,arn:aws:iam::{ACCOUNT_ID}:user/alice,")


def test_get_credential_report_table(db: str, capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """--output table shows the report's main columns for people, with AWS's cell values
    (not_supported, no_information, N/A) as the credential report writes them."""
    as_root(["generate-credential-report"], db, capsys, monkeypatch)
    code, out, _ = as_root(["get-credential-report", "--explain"], db, capsys,
                           monkeypatch)
    lines = out.splitlines()
    assert code == 0 and lines[0].split()[:3] == ["user", "password_enabled",
                                                   "password_last_used"]
    assert lines[2].split()[:3] == ["<root_account>", "not_supported", "no_information"]
    assert lines[3].split()[:3] == ["alice", "false", "N/A"]


def test_security_status_json_and_table(db: str, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """security-status: each check PASS/FAIL with the entities that fail."""
    code, out, _ = as_root(["security-status"], db, capsys, monkeypatch)
    assert code == 0
    checks = {c["CheckId"]: c for c in json.loads(out)["Checks"]}
    assert checks["root-mfa"]["Status"] == "FAIL"
    assert checks["root-mfa"]["FailingEntities"][0]["Name"] == "<root_account>"
    assert checks["users-mfa"]["Status"] == "PASS"  # alice has no console password
    code, out, _ = as_root(["security-status", "--explain"], db, capsys, monkeypatch)
    lines = out.splitlines()
    assert lines[0].split() == ["Status", "Check", "Entities"]
    assert any(line.startswith("FAIL") and "root user has MFA" in line for line in lines)
    assert len(lines) == 2 + 8
