"""Properties of what AssumeRole parses and what the credential report writes.

AssumeRole's parameters (STS API Reference): RoleArn names an IAM role, RoleSessionName
is 2-64 of [\\w+=,.@-], ExternalId 2-1224 of [\\w+=,.@:/-], TokenCode six digits. The
credential report (IAM User Guide) is CSV: whatever the names, it parses back into rows
of 22 cells with the names intact.
"""

from __future__ import annotations

import csv
import io
import re
import string

from helpers import ACCOUNT_ID
from hypothesis import given
from hypothesis import strategies as st

from iamtui.arn import role_arn
from iamtui.errors import ValidationError
from iamtui.service.reports import CREDENTIAL_REPORT_COLUMNS, render_credential_report
from iamtui.service.sts import (
    EXTERNAL_ID_RE,
    ROLE_ARN_RE,
    validate_duration,
    validate_mfa_input,
)

NAME_CHARS = string.ascii_letters + string.digits + "_+=,.@-"
names = st.text(NAME_CHARS, min_size=1, max_size=64)
paths = st.lists(st.text(NAME_CHARS, min_size=1, max_size=10), max_size=3).map(
    lambda parts: "/" + "".join(p + "/" for p in parts))


@given(paths, names)
def test_every_role_arn_parses_to_its_name(path: str, name: str) -> None:
    match = ROLE_ARN_RE.fullmatch(role_arn(ACCOUNT_ID, path, name))
    assert match is not None
    assert match.group(1) == ACCOUNT_ID and match.group(2) == name


@given(st.text(max_size=80))
def test_other_text_is_no_role_arn(text: str) -> None:
    if ROLE_ARN_RE.fullmatch(text):
        assert text.startswith("arn:aws:iam::") and ":role/" in text
        assert re.fullmatch(r"[\x21-\x7e]+", text)


@given(st.text(max_size=1300))
def test_external_id_pattern(text: str) -> None:
    allowed = set(NAME_CHARS + ":/")
    ok = 2 <= len(text) <= 1224 and all(c in allowed for c in text)
    assert bool(EXTERNAL_ID_RE.fullmatch(text)) == ok


@given(st.integers(min_value=-10**6, max_value=10**6))
def test_duration_bounds(seconds: int) -> None:
    try:
        validate_duration(seconds)
    except ValidationError:
        assert not 900 <= seconds <= 43200
    else:
        assert 900 <= seconds <= 43200


@given(st.text(max_size=8))
def test_token_code_is_six_ascii_digits(code: str) -> None:
    serial = f"arn:aws:iam::{ACCOUNT_ID}:mfa/device"
    try:
        validate_mfa_input(serial, code)
    except ValidationError:
        assert not re.fullmatch(r"[0-9]{6}", code, re.ASCII)
    else:
        assert len(code) == 6 and all(c in string.digits for c in code)


@given(st.lists(names, max_size=8))
def test_report_csv_round_trips(user_names: list[str]) -> None:
    rows = [[name, f"arn:aws:iam::{ACCOUNT_ID}:user/{name}"] + ["N/A"] * 20
            for name in user_names]
    parsed = list(csv.reader(io.StringIO(render_credential_report(rows))))
    assert parsed[0] == list(CREDENTIAL_REPORT_COLUMNS)
    assert parsed[1:] == rows
