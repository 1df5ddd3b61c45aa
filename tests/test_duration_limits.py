"""Every duration a request passes is checked by one function (arn.validate_seconds), each
operation with its own range, and refused in AWS's words.

- STS API Reference, AssumeRole: DurationSeconds 900 to 43,200 (and the role's
  MaxSessionDuration, checked once the role is found).
- STS API Reference, GetSessionToken and GetFederationToken: DurationSeconds 900 to 129,600.
- IAM API Reference, CreateRole: MaxSessionDuration 3,600 to 43,200.
"""

from __future__ import annotations

import json

import pytest
from helpers import ACCOUNT_ID, CliRunner

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"},
    "Action": "sts:AssumeRole"}]})
ROLE = ["--role-arn", f"arn:aws:iam::{ACCOUNT_ID}:role/Ops", "--role-session-name", "s1"]


def _message(value: int, field: str, bound: str) -> str:
    return (f"1 validation error detected: Value '{value}' at '{field}' failed to satisfy "
            f"constraint: Member must have value {bound}")


@pytest.mark.parametrize(("operation", "argv", "option", "field", "low", "high"), [
    ("AssumeRole", ["assume-role", *ROLE], "--duration-seconds", "durationSeconds",
     900, 43200),
    ("GetSessionToken", ["get-session-token"], "--duration-seconds", "durationSeconds",
     900, 129600),
    ("GetFederationToken", ["get-federation-token", "--name", "bob"], "--duration-seconds",
     "durationSeconds", 900, 129600),
    ("CreateRole", ["create-role", "--role-name", "Ops2", "--assume-role-policy-document",
                    TRUST], "--max-session-duration", "maxSessionDuration", 3600, 43200),
])
def test_each_duration_is_refused_outside_its_range(
        cli_run: CliRunner, operation: str, argv: list[str], option: str, field: str,
        low: int, high: int) -> None:
    cli_run.as_root("create-role", "--role-name", "Ops", "--assume-role-policy-document", TRUST,
                    "--max-session-duration", "43200")
    for value, bound in ((low - 1, f"greater than or equal to {low}"),
                         (high + 1, f"less than or equal to {high}")):
        code, _, err = cli_run.root(*argv, option, str(value))
        assert code == 254
        assert f"(ValidationError) when calling the {operation} operation: " \
            f"{_message(value, field, bound)}" in err
    code, _, err = cli_run.root(*argv, option, str(low))
    assert "ValidationError" not in err
