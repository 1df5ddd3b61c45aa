"""Credential report and security status.

Semantics from the IAM User Guide, "Generate credential reports for your AWS account"
(columns, `<root_account>`, `not_supported`, `N/A`, `no_information`, four-hour reuse),
the IAM API Reference (GenerateCredentialReport, GetCredentialReport, ReportNotPresent),
and the IAM User Guide's "Security best practices in IAM" / IAM dashboard
recommendations for the security checks.
"""

from __future__ import annotations

import base64
import csv
import io
import json

import pytest
from helpers import ACCOUNT_ID, FakeClock

from iamtui.arn import new_unique_id, role_arn
from iamtui.errors import AccessDenied, CredentialReportNotPresent
from iamtui.model import InlinePolicy, PolicyAttachment, Role
from iamtui.security.mfa import code_at, time_step
from iamtui.security.passwords import PasswordPolicy
from iamtui.service import IamService, Principal
from iamtui.service.reports import (
    CREDENTIAL_REPORT_COLUMNS,
    aws_credential_report,
    credential_report_rows,
)
from iamtui.service.tables import ATTACHMENTS, INLINE_POLICIES, ROLES

# The header line exactly as AWS writes it (IAM User Guide, credential report format).
HEADER = ("user,arn,user_creation_time,password_enabled,password_last_used,"
          "password_last_changed,password_next_rotation,mfa_active,access_key_1_active,"
          "access_key_1_last_rotated,access_key_1_last_used_date,"
          "access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,"
          "access_key_2_last_rotated,access_key_2_last_used_date,"
          "access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,"
          "cert_1_last_rotated,cert_2_active,cert_2_last_rotated")
PASSWORD = "Corr3ct-Horse-Battery"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"


def report_rows(service: IamService, root: Principal) -> dict[str, dict[str, str]]:
    """Generate and fetch the report; its rows by user name."""
    service.generate_credential_report(root)
    text = service.get_credential_report(root).text
    return {row["user"]: row for row in csv.DictReader(io.StringIO(text))}


def enroll_mfa(service: IamService, root: Principal, user_name: str | None,
               clock: FakeClock, name: str) -> None:
    new = service.create_virtual_mfa_device(root, name)
    step = time_step(clock())
    service.enable_mfa_device(root, user_name, new.device.serial_number,
                              code_at(new.base32_seed, step - 1), code_at(new.base32_seed, step))


# ------------------------------------------------------------------ the report


def test_header_line_is_exactly_awss(service: IamService, root: Principal) -> None:
    """22 columns, in AWS's order, and the CSV's first line is exactly that header."""
    assert len(CREDENTIAL_REPORT_COLUMNS) == 22
    assert ",".join(CREDENTIAL_REPORT_COLUMNS) == HEADER
    service.generate_credential_report(root)
    text = service.get_credential_report(root).text
    assert text.split("\n", 1)[0] == HEADER
    assert text.endswith("\n") and "\r" not in text


def test_report_not_present_before_generation(service: IamService, root: Principal) -> None:
    """GetCredentialReport before GenerateCredentialReport: ReportNotPresent (HTTP 410)."""
    with pytest.raises(CredentialReportNotPresent) as missing:
        service.get_credential_report(root)
    assert missing.value.code == "ReportNotPresent"
    assert "GenerateCredentialReport" in missing.value.message


def test_root_row(service: IamService, root: Principal, clock: FakeClock) -> None:
    """The root user's row: `<root_account>`, its ARN, the account's creation time,
    not_supported password fields, no_information for a password never used."""
    row = report_rows(service, root)["<root_account>"]
    assert row["arn"] == f"arn:aws:iam::{ACCOUNT_ID}:root"
    assert row["user_creation_time"] == "2026-11-28T12:00:00+00:00"
    assert row["password_enabled"] == "not_supported"
    assert row["password_last_used"] == "no_information"
    assert row["password_last_changed"] == "not_supported"
    assert row["password_next_rotation"] == "not_supported"
    assert row["mfa_active"] == "false"
    assert row["access_key_1_active"] == "false"
    assert row["access_key_1_last_rotated"] == "N/A"
    assert [row[c] for c in ("cert_1_active", "cert_1_last_rotated", "cert_2_active",
                             "cert_2_last_rotated")] == ["false", "N/A", "false", "N/A"]
    enroll_mfa(service, root, None, clock, "root-account-mfa-device")
    service.create_access_key(root)
    clock.advance(hours=4)
    row = report_rows(service, root)["<root_account>"]
    assert row["mfa_active"] == "true" and row["access_key_1_active"] == "true"


def test_user_without_credentials_is_all_na(service: IamService, root: Principal) -> None:
    """A user with no password and no keys: N/A in every password and key field."""
    user = service.create_user(root, "nobody")
    row = report_rows(service, root)["nobody"]
    assert row["arn"] == user.arn
    assert row["password_enabled"] == "false"
    for column in ("password_last_used", "password_last_changed", "password_next_rotation",
                   "access_key_1_last_rotated", "access_key_1_last_used_date",
                   "access_key_1_last_used_region", "access_key_1_last_used_service",
                   "access_key_2_last_rotated", "access_key_2_last_used_date",
                   "access_key_2_last_used_region", "access_key_2_last_used_service"):
        assert row[column] == "N/A", column
    assert row["mfa_active"] == "false"
    assert row["access_key_1_active"] == row["access_key_2_active"] == "false"


def test_password_fields(service: IamService, root: Principal, clock: FakeClock) -> None:
    """A password never used: no_information; used: the sign-in time; password_next_rotation
    is N/A without MaxPasswordAge and last change + MaxPasswordAge with it."""
    service.create_user(root, "alice")
    service.create_login_profile(root, "alice", PASSWORD)
    row = report_rows(service, root)["alice"]
    assert row["password_enabled"] == "true"
    assert row["password_last_used"] == "no_information"
    assert row["password_last_changed"] == "2026-11-28T12:00:00+00:00"
    assert row["password_next_rotation"] == "N/A"
    clock.advance(hours=5)
    service.sign_in(ACCOUNT_ID, "alice", PASSWORD)
    service.update_account_password_policy(root, PasswordPolicy(max_password_age=90))
    row = report_rows(service, root)["alice"]
    assert row["password_last_used"] == "2026-11-28T17:00:00+00:00"
    assert row["password_next_rotation"] == "2027-02-26T12:00:00+00:00"


def test_access_key_fields_from_real_use(service: IamService, root: Principal,
                                         clock: FakeClock) -> None:
    """Key columns: the oldest key first; last-used date, region and service recorded when
    the key authenticated a request; N/A for a key never used."""
    service.create_user(root, "alice")
    first = service.create_access_key(root, "alice")
    clock.advance(days=1)
    second = service.create_access_key(root, "alice")
    service.update_access_key(root, second.key.access_key_id, "Inactive", user_name="alice")
    clock.advance(hours=1)
    service.authenticate_access_key(first.key.access_key_id, first.secret_access_key)
    row = report_rows(service, root)["alice"]
    assert row["access_key_1_active"] == "true"
    assert row["access_key_1_last_rotated"] == "2026-11-28T12:00:00+00:00"
    assert row["access_key_1_last_used_date"] == "2026-11-29T13:00:00+00:00"
    assert row["access_key_1_last_used_region"] == "us-east-1"
    assert row["access_key_1_last_used_service"] == "iam"
    assert row["access_key_2_active"] == "false"
    assert row["access_key_2_last_rotated"] == "2026-11-29T12:00:00+00:00"
    assert row["access_key_2_last_used_date"] == "N/A"
    assert row["access_key_2_last_used_region"] == "N/A"
    assert row["access_key_2_last_used_service"] == "N/A"


def test_mfa_active(service: IamService, root: Principal, clock: FakeClock) -> None:
    """mfa_active is true once an MFA device is enabled for the user (credential report)."""
    service.create_user(root, "alice")
    enroll_mfa(service, root, "alice", clock, "alice-app")
    assert report_rows(service, root)["alice"]["mfa_active"] == "true"


def test_report_reused_for_four_hours(service: IamService, root: Principal,
                                      clock: FakeClock) -> None:
    """A report younger than four hours is returned again (State COMPLETE); after that,
    a new one is generated (State STARTED)."""
    first = service.generate_credential_report(root)
    assert first.state == "STARTED"
    generated = service.get_credential_report(root).generated_time
    service.create_user(root, "late")
    clock.advance(hours=3, minutes=59)
    assert service.generate_credential_report(root).state == "COMPLETE"
    assert "late" not in service.get_credential_report(root).text
    clock.advance(minutes=1)
    assert service.generate_credential_report(root).state == "STARTED"
    report = service.get_credential_report(root)
    assert report.generated_time > generated and "\nlate," in report.text


def test_get_credential_report_shape(service: IamService, root: Principal) -> None:
    """GetCredentialReport: Content (base64 of the CSV), ReportFormat text/csv,
    GeneratedTime."""
    service.generate_credential_report(root)
    data = aws_credential_report(service.get_credential_report(root))
    assert set(data) == {"Content", "ReportFormat", "GeneratedTime"}
    assert data["ReportFormat"] == "text/csv"
    assert base64.b64decode(data["Content"]).decode().startswith("user,arn,")


def test_rows_are_root_then_users_by_name(service: IamService, root: Principal) -> None:
    """One row per user after the root user's, each with the report's 22 cells."""
    for name in ("carol", "Bob", "alice"):
        service.create_user(root, name)
    rows = credential_report_rows(service.store.snapshot())
    assert [r[0] for r in rows] == ["<root_account>", "alice", "Bob", "carol"]
    assert all(len(r) == 22 for r in rows)


def test_report_permissions(service: IamService, root: Principal) -> None:
    """iam:GenerateCredentialReport and iam:GetCredentialReport (resource "*")."""
    alice = Principal.for_user(service.create_user(root, "alice"), ACCOUNT_ID)
    with pytest.raises(AccessDenied, match="iam:GenerateCredentialReport"):
        service.generate_credential_report(alice)
    with service.store.transaction() as tx:
        INLINE_POLICIES.put(tx, InlinePolicy("user", "alice", "reports", json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": [
                "iam:GenerateCredentialReport", "iam:GetCredentialReport"],
                "Resource": "*"}]})))
    assert service.generate_credential_report(alice).state == "STARTED"
    assert service.get_credential_report(alice).text.startswith("user,")


# ------------------------------------------------------------------ security status


def test_security_status_fresh_account(service: IamService, root: Principal) -> None:
    """A new account fails root MFA, password policy and administrator; passes the rest."""
    status = service.security_status(root)
    failed = {c.check_id for c in status.checks if not c.passed}
    assert failed == {"root-mfa", "password-policy", "non-root-administrator"}
    assert not status.passed
    assert status.check("root-mfa").failing[0].name == "<root_account>"


def test_security_status_each_check_fixed(service: IamService, root: Principal,
                                          clock: FakeClock) -> None:
    """Each check fails with the entity at fault, and passes once that is fixed."""
    # root MFA
    assert not service.security_status(root).check("root-mfa").passed
    enroll_mfa(service, root, None, clock, "root-account-mfa-device")
    assert service.security_status(root).check("root-mfa").passed

    # root access keys
    key = service.create_access_key(root)
    check = service.security_status(root).check("root-access-keys")
    assert not check.passed and check.failing[0].name == key.key.access_key_id
    service.delete_access_key(root, key.key.access_key_id)
    assert service.security_status(root).check("root-access-keys").passed

    # console users without MFA
    service.create_user(root, "alice")
    service.create_login_profile(root, "alice", PASSWORD)
    check = service.security_status(root).check("users-mfa")
    assert not check.passed and [f.name for f in check.failing] == ["alice"]
    clock.advance(seconds=60)
    enroll_mfa(service, root, "alice", clock, "alice-app")
    assert service.security_status(root).check("users-mfa").passed

    # password policy
    assert not service.security_status(root).check("password-policy").passed
    service.update_account_password_policy(root, PasswordPolicy(minimum_password_length=14))
    assert service.security_status(root).check("password-policy").passed

    # administrator who is not root
    assert not service.security_status(root).check("non-root-administrator").passed
    with service.store.transaction() as tx:
        ATTACHMENTS.put(tx, PolicyAttachment(ADMIN, "user", "alice"))
    check = service.security_status(root).check("non-root-administrator")
    assert check.passed and check.notes == ("administrator: user alice",)


def test_key_rotation_and_unused_credentials(service: IamService, root: Principal,
                                             clock: FakeClock) -> None:
    """Keys 90 days old or more fail rotation; passwords and keys unused for 90 days (or
    never used since created 90 days ago) fail the unused-credentials check."""
    service.create_user(root, "alice")
    service.create_login_profile(root, "alice", PASSWORD)
    key = service.create_access_key(root, "alice")
    clock.advance(days=89)
    status = service.security_status(root)
    assert status.check("access-key-rotation").passed
    assert status.check("unused-credentials").passed
    clock.advance(days=1)
    status = service.security_status(root)
    rotation = status.check("access-key-rotation")
    assert not rotation.passed and rotation.failing[0].name == key.key.access_key_id
    assert "90 days old" in rotation.failing[0].detail
    unused = status.check("unused-credentials")
    assert {(f.type, f.name) for f in unused.failing} == {
        ("User", "alice"), ("AccessKey", key.key.access_key_id)}
    # use both: no longer unused; the key is still old
    service.sign_in(ACCOUNT_ID, "alice", PASSWORD)
    service.authenticate_access_key(key.key.access_key_id, key.secret_access_key)
    status = service.security_status(root)
    assert status.check("unused-credentials").passed
    assert not status.check("access-key-rotation").passed
    # rotate: a new key, the old one deactivated
    service.create_access_key(root, "alice")
    service.update_access_key(root, key.key.access_key_id, "Inactive", user_name="alice")
    assert service.security_status(root).check("access-key-rotation").passed


def test_administrator_role_counts_and_partial_admins_do_not(service: IamService,
                                                             root: Principal) -> None:
    """An administrator is allowed everything: IAMFullAccess is not enough; a role with
    AdministratorAccess is; an explicit deny takes it away."""
    service.create_user(root, "iam-admin")
    with service.store.transaction() as tx:
        ATTACHMENTS.put(tx, PolicyAttachment("arn:aws:iam::aws:policy/IAMFullAccess", "user",
                                             "iam-admin"))
        role = Role("Admin", new_unique_id("role"), role_arn(ACCOUNT_ID, "/", "Admin"),
                    service.clock(), json.dumps({"Version": "2012-10-17", "Statement": [
                        {"Effect": "Allow", "Principal": {"AWS": ACCOUNT_ID},
                         "Action": "sts:AssumeRole"}]}))
        ROLES.put(tx, role)
    assert not service.security_status(root).check("non-root-administrator").passed
    with service.store.transaction() as tx:
        ATTACHMENTS.put(tx, PolicyAttachment(ADMIN, "role", "Admin"))
    check = service.security_status(root).check("non-root-administrator")
    assert check.passed and check.notes == ("administrator: role Admin",)
    with service.store.transaction() as tx:
        INLINE_POLICIES.put(tx, InlinePolicy("role", "Admin", "no-kms", json.dumps({
            "Version": "2012-10-17", "Statement": [
                {"Effect": "Deny", "Action": "kms:*", "Resource": "*"}]})))
    assert not service.security_status(root).check("non-root-administrator").passed


def test_security_status_needs_permission(service: IamService, root: Principal) -> None:
    """security_status reads what the dashboard reads: iam:GetAccountSummary."""
    alice = Principal.for_user(service.create_user(root, "alice"), ACCOUNT_ID)
    with pytest.raises(AccessDenied, match="iam:GetAccountSummary"):
        service.security_status(alice)


def test_security_status_json_shape(service: IamService, root: Principal) -> None:
    """security-status's JSON: the eight dashboard checks, each PASS or FAIL (our shape;
    the checks follow the IAM dashboard's security recommendations)."""
    data = service.security_status(root).to_dict()
    assert data["Passed"] + data["Failed"] == len(data["Checks"]) == 8
    first = data["Checks"][0]
    assert set(first) == {"CheckId", "Title", "Status", "FailingEntities", "Advice", "Notes"}
    assert first["Status"] in ("PASS", "FAIL")
