"""Reviews: generate-credential-report, get-credential-report, security-status."""

from __future__ import annotations

import argparse
import csv
import io

from iamtui.commands.registry import ArgumentError, Response, arg, command
from iamtui.commands.session import session
from iamtui.local_paths import expand_home

# Columns `--output table` shows of the credential report (all 22 are too wide to read).
TABLE_COLUMNS = ("user", "password_enabled", "password_last_used", "mfa_active",
                 "access_key_1_active", "access_key_1_last_rotated",
                 "access_key_1_last_used_date", "access_key_2_active",
                 "access_key_2_last_rotated", "access_key_2_last_used_date")


@command("generate-credential-report", "Generate the credential report (a recent one, "
         "under four hours old, is kept).")
def run_generate_credential_report(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        result = svc.generate_credential_report(caller)
    data = {"State": result.state}
    if result.description:
        data["Description"] = result.description
    return Response(data)


@command("get-credential-report", "Get the credential report: AWS's JSON (Content in "
         "base64), a table of its main columns with --output table, or the CSV itself with "
         "--outfile.",
         arg("--outfile", metavar="PATH", help="also write the decoded CSV to this file"))
def run_get_credential_report(args: argparse.Namespace) -> Response:
    from iamtui.service.reports import aws_credential_report

    with session(args) as (svc, caller):
        report = svc.get_credential_report(caller)
    if args.outfile:
        try:
            expand_home(args.outfile).write_bytes(report.content)
        except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the name
            raise ArgumentError(f"Cannot write the report to {args.outfile!r}: "
                                f"{getattr(exc, 'strerror', None) or exc}") from None
    rows = list(csv.DictReader(io.StringIO(report.text)))
    return Response(aws_credential_report(report),
                    table=[[row[c] for c in TABLE_COLUMNS] for row in rows],
                    headers=list(TABLE_COLUMNS))


@command("security-status", "The IAM dashboard's security checks: root MFA, root access "
         "keys, MFA for console users, key rotation, unused credentials, a password policy, "
         "an administrator who is not root.")
def run_security_status(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        status = svc.security_status(caller)
    table = []
    for check in status.checks:
        failing = ", ".join(f"{f.name} ({f.detail})" if f.detail else f.name
                            for f in check.failing)
        table.append(["PASS" if check.passed else "FAIL", check.title,
                      failing or "; ".join(check.notes)])
    return Response(status.to_dict(), table=table, headers=["Status", "Check", "Entities"])
