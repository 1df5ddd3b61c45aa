"""The audit trail: CloudTrail-shaped records, redaction, and the tamper-evident chain.

Record fields follow the CloudTrail record contents page:
https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html
and sign-in events (ConsoleLogin, MFAUsed, HIDDEN_DUE_TO_SECURITY_REASONS) the sign-in page:
https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-aws-console-sign-in-events.html
"""

from __future__ import annotations

import hashlib
import hmac
import os
import stat
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from iamtui.audit import (
    EMPTY_HEAD,
    GENESIS_HASH,
    HIDDEN,
    SIGNIN_SOURCE,
    AuditKey,
    AuditLog,
    ChainHead,
    EventFilter,
    Identity,
    console_login_event,
    event_row,
    make_event,
    redact,
)
from iamtui.errors import ValidationError

ACCOUNT = "123456789012"
KEY = AuditKey(b"k" * 32)
ROOT = Identity.root(ACCOUNT)


def clock(start: datetime | None = None, step: timedelta = timedelta(seconds=1)) -> Callable:
    """A deterministic clock: each call is `step` later than the last."""
    state = {"t": start or datetime(2026, 1, 1, tzinfo=UTC)}

    def now() -> datetime:
        t = state["t"]
        state["t"] = t + step
        return t

    return now


def fill(log: AuditLog, n: int, now: Callable | None = None) -> ChainHead:
    head = EMPTY_HEAD
    now = now or clock()
    for i in range(n):
        head = log.append(
            make_event(
                "CreateUser", identity=ROOT, request_parameters={"userName": f"u{i}"}, now=now
            )
        )
    return head


def strings_in(value: object, skip: tuple[str, ...] = ("hash", "previousHash", "eventID")):
    """Every key and string value in a parsed record, except the chain's hex and eventID."""
    if isinstance(value, dict):
        for k, v in value.items():
            if k not in skip:
                yield k
                yield from strings_in(v, skip)
    elif isinstance(value, list):
        for v in value:
            yield from strings_in(v, skip)
    elif isinstance(value, str):
        yield value


def lines_of(path: Path) -> list[bytes]:
    return path.read_bytes().split(b"\n")[:-1]


def write_lines(path: Path, lines: list[bytes]) -> None:
    path.write_bytes(b"".join(line + b"\n" for line in lines))


def reseal_with_old_hash(line: bytes, change: Callable[[dict], None]) -> bytes:
    """Edit a record and write it back canonically, keeping its old hash (no key needed)."""
    rec = orjson.loads(line)
    old = rec.pop("hash")
    change(rec)
    body = orjson.dumps(rec, option=orjson.OPT_SORT_KEYS)
    return body[:-1] + b',"hash":"' + old.encode() + b'"}'


@pytest.fixture
def log(tmp_path: Path) -> AuditLog:
    return AuditLog(tmp_path / "iam.db.audit.jsonl", KEY, fsync=False)


# --------------------------------------------------------------------------- record shape


def test_record_has_cloudtrail_fields_and_chain_fields(log: AuditLog) -> None:
    at = datetime(2026, 3, 4, 5, 6, 7, 890000, tzinfo=UTC)
    head = log.append(
        make_event(
            "CreateUser",
            identity=Identity.iam_user(ACCOUNT, "alice", access_key_id="AKIAEXAMPLE"),
            request_parameters={"userName": "bob"},
            response_elements={"user": {"userName": "bob"}},
            now=lambda: at,
        )
    )
    (rec,) = log.page(0, 10)
    assert rec["eventVersion"] == "1.11"
    assert rec["eventTime"] == "2026-03-04T05:06:07Z"
    assert rec["eventSource"] == "iam.amazonaws.com"
    assert rec["eventName"] == "CreateUser"
    assert rec["eventType"] == "AwsApiCall"
    assert rec["readOnly"] is False
    assert rec["recipientAccountId"] == ACCOUNT
    assert rec["userIdentity"] == {
        "type": "IAMUser",
        "arn": f"arn:aws:iam::{ACCOUNT}:user/alice",
        "accountId": ACCOUNT,
        "accessKeyId": "AKIAEXAMPLE",
        "userName": "alice",
    }
    assert rec["requestParameters"] == {"userName": "bob"}
    assert "errorCode" not in rec and "errorMessage" not in rec
    assert len(rec["eventID"]) == 36 and rec["eventID"].count("-") == 4
    assert rec["sequence"] == 1
    assert rec["previousHash"] == GENESIS_HASH
    assert head == ChainHead(1, rec["hash"])


def test_event_time_is_converted_to_utc() -> None:
    from datetime import timezone

    paris = timezone(timedelta(hours=1))
    ev = make_event(
        "ListUsers", identity=ROOT, now=lambda: datetime(2026, 1, 1, 1, 0, tzinfo=paris)
    )
    assert ev["eventTime"] == "2026-01-01T00:00:00Z"


def test_hash_is_hmac_of_canonical_json_without_hash(log: AuditLog) -> None:
    fill(log, 3)
    for line in lines_of(log.path):
        rec = orjson.loads(line)
        digest = rec.pop("hash")
        canonical = orjson.dumps(rec, option=orjson.OPT_SORT_KEYS)
        assert hmac.new(KEY.secret, canonical, hashlib.sha256).hexdigest() == digest


def test_console_login_success_and_failure_shapes() -> None:
    ok = console_login_event(Identity.iam_user(ACCOUNT, "alice"), success=True, mfa_used=True)
    assert ok["eventSource"] == SIGNIN_SOURCE
    assert ok["eventType"] == "AwsConsoleSignIn"
    assert ok["responseElements"] == {"ConsoleLogin": "Success"}
    assert ok["additionalEventData"]["MFAUsed"] == "Yes"
    assert "errorMessage" not in ok
    bad = console_login_event(Identity.unknown_user(ACCOUNT), success=False, mfa_used=False)
    assert bad["responseElements"] == {"ConsoleLogin": "Failure"}
    assert bad["errorMessage"] == "Failed authentication"
    assert bad["additionalEventData"]["MFAUsed"] == "No"
    # An unknown user name is never logged: CloudTrail writes this constant instead.
    assert bad["userIdentity"]["userName"] == HIDDEN == "HIDDEN_DUE_TO_SECURITY_REASONS"


def test_access_denied_is_an_ordinary_event(log: AuditLog) -> None:
    log.append(
        make_event(
            "DeleteUser",
            identity=Identity.iam_user(ACCOUNT, "mallory"),
            request_parameters={"userName": "alice"},
            error_code="AccessDenied",
            error_message="User: mallory is not authorized to perform: iam:DeleteUser",
        )
    )
    assert log.verify().ok
    (rec,) = log.lookup_events(result="failure")
    assert rec["errorCode"] == "AccessDenied"
    assert rec["responseElements"] is None


# --------------------------------------------------------------------------- redaction


SECRETS = {
    "password": "Pa55word-one!",
    "oldPassword": "0ld-Pa55word",
    "newPassword": "N3w-Pa55word",
    "SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "sessionToken": "FwoGZXIvYXdzEXAMPLETOKEN",
    "authenticationCode1": "271828",
    "authenticationCode2": "314159",
    "tokenCode": "577215",
    "base32StringSeed": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
    "QRCodePNG": "iVBORw0KGgoAAAANSUhEUgAAAAEXAMPLE",
}


def test_redaction_replaces_secret_parameters_at_any_depth() -> None:
    value = {
        "userName": "alice",
        "password": SECRETS["password"],
        "nested": {"deeper": [{"secretAccessKey": SECRETS["SecretAccessKey"], "keep": 1}]},
        "Credentials": {"SessionToken": SECRETS["sessionToken"], "AccessKeyId": "ASIAEXAMPLE"},
        "passwordResetRequired": True,
        "mfa": ({"authenticationCode1": "271828", "authenticationCode2": "654321"},),
    }
    out = redact(value)
    assert out["userName"] == "alice"
    assert out["password"] == HIDDEN
    assert out["nested"]["deeper"][0] == {"secretAccessKey": HIDDEN, "keep": 1}
    assert out["Credentials"] == {"SessionToken": HIDDEN, "AccessKeyId": "ASIAEXAMPLE"}
    # A flag that only mentions passwords is not a secret.
    assert out["passwordResetRequired"] is True
    assert out["mfa"] == [{"authenticationCode1": HIDDEN, "authenticationCode2": HIDDEN}]
    assert value["password"] == SECRETS["password"]  # the caller's data is left alone


def test_record_never_contains_the_secrets_given_to_it(log: AuditLog) -> None:
    typed_password = "Correct-Horse-9"
    log.append(
        make_event(
            "ChangePassword",
            identity=Identity.iam_user(ACCOUNT, "alice"),
            request_parameters={k: v for k, v in SECRETS.items() if "Password" in k},
            error_code="PasswordPolicyViolation",
            error_message=f"password {typed_password} is too weak",
            secret_values=[typed_password],
        )
    )
    log.append(
        make_event(
            "CreateAccessKey",
            identity=ROOT,
            request_parameters={"userName": "alice"},
            response_elements={
                "accessKey": {
                    "accessKeyId": "AKIAEXAMPLE",
                    "secretAccessKey": SECRETS["SecretAccessKey"],
                }
            },
        )
    )
    log.append(
        make_event(
            "CreateVirtualMFADevice",
            identity=ROOT,
            response_elements={
                "virtualMFADevice": {
                    "base32StringSeed": SECRETS["base32StringSeed"],
                    "QRCodePNG": SECRETS["QRCodePNG"],
                }
            },
        )
    )
    log.append(
        make_event(
            "EnableMFADevice",
            identity=ROOT,
            request_parameters={
                "authenticationCode1": SECRETS["authenticationCode1"],
                "authenticationCode2": SECRETS["authenticationCode2"],
            },
        )
    )
    log.append(
        make_event(
            "AssumeRole",
            identity=ROOT,
            source="sts.amazonaws.com",
            request_parameters={"tokenCode": SECRETS["tokenCode"]},
            response_elements={"credentials": {"sessionToken": SECRETS["sessionToken"]}},
        )
    )
    # Even a raw dict that skipped make_event is redacted on append.
    log.append({"eventName": "UpdateLoginProfile", "requestParameters": {"password": "raw-Pw-1"}})
    data = log.path.read_bytes()
    assert data.count(HIDDEN.encode()) >= len(SECRETS) + 1
    # Short codes could occur by chance in a hash or an event ID: look at every other string.
    texts = [t for line in lines_of(log.path) for t in strings_in(orjson.loads(line))]
    for secret in [*SECRETS.values(), typed_password, "raw-Pw-1"]:
        assert not any(secret in t for t in texts)
        if len(secret) > 8:
            assert secret.encode() not in data
    assert log.verify().ok


# --------------------------------------------------------------------------- key


def test_a_key_file_round_trips_and_hides_the_key() -> None:
    """The file format only: creating the file (at init), reading it and refusing loose
    modes are the service's (test_service_keyfiles.py)."""
    key = AuditKey.generate()
    data = key.key_file()
    assert data == key.secret.hex().encode() + b"\n"
    assert AuditKey.from_key_file(data) == key
    assert len(key.secret) == 32
    assert "hidden" in repr(key) and key.secret.hex() not in repr(key)


@pytest.mark.parametrize("data", [b"not a key\n", b"ab" * 31 + b"\n", b"\xff" * 64, b""])
def test_damaged_key_file_is_refused(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "audit.key"
    with pytest.raises(ValidationError, match=f"{path} is damaged"):
        AuditKey.from_key_file(data, path)


def test_log_file_is_created_0600(log: AuditLog) -> None:
    fill(log, 1)
    assert stat.S_IMODE(os.stat(log.path).st_mode) == 0o600


# --------------------------------------------------------------------------- chain


def test_clean_log_verifies(log: AuditLog) -> None:
    assert log.verify().ok and log.verify().records == 0
    head = fill(log, 20)
    result = log.verify(head)
    assert result.ok and not result.tampered
    assert result.records == 20 and result.lines == 20
    assert result.head == head == log.head()
    assert [r["sequence"] for r in log.page(0, 100, newest_first=False)] == list(range(1, 21))


def test_log_ahead_of_the_stored_head_is_fine(log: AuditLog) -> None:
    # A crash between the append and the store saving the head leaves the log ahead.
    head = fill(log, 5)
    fill(log, 2)
    assert log.verify(head).ok


FIELD_EDITS: dict[str, Callable[[dict], None]] = {
    "eventName": lambda r: r.update(eventName="DeleteUser"),
    "eventTime": lambda r: r.update(eventTime="2020-01-01T00:00:00Z"),
    "userName": lambda r: r["userIdentity"].update(userName="someone-else"),
    "requestParameters": lambda r: r["requestParameters"].update(userName="x"),
    "errorCode": lambda r: r.update(errorCode="AccessDenied"),
    "readOnly": lambda r: r.update(readOnly=True),
    "sequence": lambda r: r.update(sequence=r["sequence"] + 100),
    "previousHash": lambda r: r.update(previousHash="f" * 64),
    "eventID": lambda r: r.pop("eventID"),
}


@pytest.mark.parametrize("field", FIELD_EDITS)
def test_editing_any_field_of_a_middle_record_is_pinpointed(log: AuditLog, field: str) -> None:
    head = fill(log, 9)
    lines = lines_of(log.path)
    lines[4] = reseal_with_old_hash(lines[4], FIELD_EDITS[field])
    write_lines(log.path, lines)
    result = log.verify(head)
    assert result.tampered
    first = result.first_problem
    assert first is not None and first.kind == "edited" and first.line == 5
    if field != "sequence":
        assert first.sequence == 5
        # Resynchronising on the edited record reports the edit once, not a cascade.
        assert result.problem_count == 1
    assert "edited" in result.summary()


def test_editing_the_hash_itself_is_found(log: AuditLog) -> None:
    head = fill(log, 5)
    lines = lines_of(log.path)
    rec = orjson.loads(lines[2])
    lines[2] = lines[2].replace(rec["hash"].encode(), ("0" * 64).encode())
    write_lines(log.path, lines)
    first = log.verify(head).first_problem
    assert first is not None and (first.line, first.sequence) == (3, 3)


def test_deleting_a_record_is_found(log: AuditLog) -> None:
    head = fill(log, 8)
    lines = lines_of(log.path)
    del lines[3]  # sequence 4
    write_lines(log.path, lines)
    result = log.verify(head)
    assert result.tampered and result.problem_count == 1
    first = result.first_problem
    assert first is not None and first.kind == "missing"
    assert (first.line, first.sequence) == (4, 5)
    assert "record 4 is missing" in first.message


def test_deleting_the_first_record_is_found(log: AuditLog) -> None:
    head = fill(log, 3)
    write_lines(log.path, lines_of(log.path)[1:])
    first = log.verify(head).first_problem
    assert first is not None and first.kind == "missing" and first.line == 1


def test_cutting_the_tail_is_found_with_the_stored_head(log: AuditLog) -> None:
    head = fill(log, 10)
    write_lines(log.path, lines_of(log.path)[:7])
    # Without the head the store remembers, a cut tail looks like a shorter, valid log...
    assert log.verify().ok
    # ...which is why the store keeps it.
    result = log.verify(head)
    assert result.tampered
    first = result.first_problem
    assert first is not None and first.kind == "truncated"
    assert "sequence 7" in first.message and "sequence 10" in first.message


def test_emptying_the_log_is_found_with_the_stored_head(log: AuditLog) -> None:
    head = fill(log, 3)
    log.path.write_bytes(b"")
    result = log.verify(head)
    assert result.first_problem is not None and result.first_problem.kind == "truncated"


def test_replacing_the_log_is_found_with_the_stored_head(tmp_path: Path, log: AuditLog) -> None:
    head = fill(log, 3)
    log.path.unlink()
    fill(log, 3)  # a fresh chain of the same length, sealed with the same key
    result = log.verify(head)
    assert result.first_problem is not None and result.first_problem.kind == "head_mismatch"


def test_reordering_two_lines_is_found(log: AuditLog) -> None:
    head = fill(log, 8)
    lines = lines_of(log.path)
    lines[3], lines[4] = lines[4], lines[3]
    write_lines(log.path, lines)
    result = log.verify(head)
    assert result.tampered
    first = result.first_problem
    assert first is not None and first.line == 4
    assert [p.kind for p in result.problems] == ["missing", "reordered"]
    assert result.problems[1].line == 5 and result.problems[1].sequence == 4


def test_duplicating_a_line_is_found(log: AuditLog) -> None:
    head = fill(log, 4)
    lines = lines_of(log.path)
    write_lines(log.path, [*lines[:2], lines[1], *lines[2:]])
    first = log.verify(head).first_problem
    assert first is not None and first.kind == "reordered" and first.line == 3


def test_wrong_key_fails_at_the_first_record(log: AuditLog) -> None:
    fill(log, 6)
    result = AuditLog(log.path, AuditKey(b"x" * 32)).verify()
    assert result.tampered and result.records == 0
    assert result.problem_count == 6
    first = result.first_problem
    assert first is not None and (first.kind, first.line, first.sequence) == ("edited", 1, 1)


def test_garbage_line_is_found(log: AuditLog) -> None:
    head = fill(log, 4)
    lines = lines_of(log.path)
    lines.insert(2, b"hello")
    write_lines(log.path, lines)
    result = log.verify(head)
    assert result.tampered and result.problem_count == 1
    first = result.first_problem
    assert first is not None and (first.kind, first.line) == ("garbage", 3)


# --------------------------------------------------------------------------- crashes


def test_torn_last_line_is_reported_as_a_crash_not_tampering(log: AuditLog) -> None:
    head = fill(log, 4)
    whole = lines_of(log.path)[0]
    with open(log.path, "ab") as f:
        f.write(whole[:57])  # a crash in the middle of writing record 5
    result = log.verify(head)
    assert not result.ok and not result.tampered
    first = result.first_problem
    assert first is not None and (first.kind, first.line) == ("torn_tail", 5)
    assert "interrupted" in first.message and "not by itself a sign of tampering" in first.message
    assert "interrupted write" in result.summary()


def test_append_after_a_torn_line_starts_a_fresh_line(log: AuditLog) -> None:
    fill(log, 4)
    fragment = lines_of(log.path)[0][:57]
    with open(log.path, "ab") as f:
        f.write(fragment)
    head = log.append(make_event("ListUsers", identity=ROOT, read_only=True))
    lines = lines_of(log.path)
    assert lines[4] == fragment  # the fragment stays, on a line of its own
    new = orjson.loads(lines[5])
    assert new["eventName"] == "ListUsers"
    # The new record takes the sequence the interrupted one never got, chained on record 4.
    assert new["sequence"] == 5 == head.sequence
    assert new["previousHash"] == orjson.loads(lines[3])["hash"]
    assert new["recoveredTornLine"] == {
        "bytes": len(fragment),
        "sha256": hashlib.sha256(fragment).hexdigest(),
    }
    result = log.verify(head)
    assert not result.ok and not result.tampered
    assert [(p.kind, p.line) for p in result.problems] == [("torn", 5)]
    assert result.records == 5
    # Readers skip the fragment.
    assert [r["sequence"] for r in log.page(0, 10)] == [5, 4, 3, 2, 1]


def test_a_long_torn_tail_is_recovered_and_the_records_before_it_kept(log: AuditLog) -> None:
    """Issue 10 item 9: a crash can leave megabytes unterminated (a huge record cut short).
    The head is still found behind it, the next append vouches for the whole fragment, and
    verify reports a crash, not tampering. (bench/audit.py times it: linear, not quadratic.)"""
    saved = fill(log, 30)
    last = lines_of(log.path)[-1]
    fragment = b'{"eventName":"' + b"x" * 3_000_000  # several blocks, no newline
    with open(log.path, "ab") as f:
        f.write(fragment)
    assert log.head() == saved
    torn = log.verify(saved)
    assert not torn.tampered and torn.records == 30
    assert [(p.kind, p.line) for p in torn.problems] == [("torn_tail", 31)]
    head = log.append(make_event("ListUsers", identity=ROOT, read_only=True))
    assert head.sequence == 31
    new = orjson.loads(lines_of(log.path)[-1])
    assert new["previousHash"] == orjson.loads(last)["hash"]
    assert new["recoveredTornLine"] == {
        "bytes": len(fragment),
        "sha256": hashlib.sha256(fragment).hexdigest(),
    }
    after = log.verify(head)
    assert not after.tampered and after.records == 31
    assert [(p.kind, p.line) for p in after.problems] == [("torn", 31)]
    assert [r["sequence"] for r in log.page(0, 4)] == [31, 30, 29]  # the fragment is skipped


def test_the_head_is_found_behind_a_long_line_that_is_no_record(log: AuditLog) -> None:
    saved = fill(log, 5)
    with open(log.path, "ab") as f:
        f.write(b"g" * 2_500_000 + b"\n" + b"torn")  # a long garbage line, then a fragment
    assert log.head() == saved
    head = log.append(make_event("ListUsers", identity=ROOT))
    assert head.sequence == 6
    assert orjson.loads(lines_of(log.path)[-1])["recoveredTornLine"]["bytes"] == 4


def test_garbled_complete_last_line_is_not_passed_off_as_a_crash(log: AuditLog) -> None:
    fill(log, 4)
    lines = lines_of(log.path)
    lines[3] = lines[3][:50]  # a complete (newline-ended) line cut short by someone
    write_lines(log.path, lines)
    head = log.append(make_event("ListUsers", identity=ROOT))
    result = log.verify(head)
    assert result.tampered
    assert result.first_problem is not None and result.first_problem.kind == "garbage"


def test_record_missing_only_its_newline_counts_and_is_completed(log: AuditLog) -> None:
    fill(log, 3)
    data = log.path.read_bytes()
    log.path.write_bytes(data[:-1])  # the write was cut at its very last byte
    assert log.verify().ok
    head = log.append(make_event("ListUsers", identity=ROOT))
    assert head.sequence == 4
    result = log.verify(head)
    assert result.ok and result.lines == 4


# --------------------------------------------------------------------------- reading


def populate_varied(log: AuditLog) -> None:
    now = clock(datetime(2026, 5, 1, tzinfo=UTC), timedelta(minutes=1))
    alice = Identity.iam_user(ACCOUNT, "alice")
    bob = Identity.iam_user(ACCOUNT, "bob")
    events = []
    for i in range(60):
        who = alice if i % 2 == 0 else bob
        if i % 10 == 3:
            events.append(console_login_event(who, success=False, mfa_used=False, now=now))
        elif i % 10 == 7:
            events.append(
                make_event(
                    "DeleteUser",
                    identity=who,
                    error_code="AccessDenied",
                    error_message="not authorized",
                    now=now,
                )
            )
        elif i % 5 == 0:
            events.append(console_login_event(who, success=True, mfa_used=True, now=now))
        else:
            events.append(
                make_event("CreateUser", identity=who, request_parameters={"n": i}, now=now)
            )
    log.append_many(events)


def test_lookup_by_user_event_name_time_and_result(log: AuditLog) -> None:
    populate_varied(log)
    all_recs = log.page(0, 1000, newest_first=False)
    assert len(all_recs) == 60 == log.count()

    def expect(pred: Callable[[dict], bool]) -> list[int]:
        return [r["sequence"] for r in reversed(all_recs) if pred(r)]

    def got(**kw: object) -> list[int]:
        return [r["sequence"] for r in log.lookup_events(**kw)]

    assert got(user_name="alice") == expect(lambda r: r["userIdentity"]["userName"] == "alice")
    assert got(event_name="ConsoleLogin") == expect(lambda r: r["eventName"] == "ConsoleLogin")
    failures = expect(
        lambda r: "errorCode" in r or r.get("responseElements") == {"ConsoleLogin": "Failure"}
    )
    assert got(result="failure") == failures and len(failures) == 12
    assert len(got(result="success")) == 48
    start = datetime(2026, 5, 1, 0, 10, tzinfo=UTC)
    end = datetime(2026, 5, 1, 0, 19, tzinfo=UTC)
    assert got(start_time=start, end_time=end) == list(range(20, 10, -1))  # inclusive
    assert got(user_name="bob", event_name="ConsoleLogin", result="failure") == expect(
        lambda r: (
            r["userIdentity"]["userName"] == "bob"
            and r["eventName"] == "ConsoleLogin"
            and r["responseElements"] == {"ConsoleLogin": "Failure"}
        )
    )
    assert (
        got(user_name="alice", max_results=3)
        == expect(lambda r: r["userIdentity"]["userName"] == "alice")[:3]
    )
    assert got(user_name="nobody") == []
    oldest = [r["sequence"] for r in log.lookup_events(user_name="bob", newest_first=False)]
    assert oldest == sorted(got(user_name="bob"))


def test_paging_with_and_without_filters(log: AuditLog) -> None:
    populate_varied(log)
    assert [r["sequence"] for r in log.page(0, 5)] == [60, 59, 58, 57, 56]
    assert [r["sequence"] for r in log.page(5, 5)] == [55, 54, 53, 52, 51]
    assert [r["sequence"] for r in log.page(58, 5)] == [2, 1]
    assert log.page(60, 5) == []
    assert [r["sequence"] for r in log.page(0, 3, newest_first=False)] == [1, 2, 3]
    f = EventFilter(user_name="alice")
    alice = [r["sequence"] for r in log.lookup_events(user_name="alice")]
    assert log.count(f) == len(alice) == 30
    pages = [log.page(o, 7, f) for o in range(0, 35, 7)]
    assert [r["sequence"] for p in pages for r in p] == alice
    assert [r["sequence"] for r in log.page(0, 4, f, newest_first=False)] == sorted(alice)[:4]


def test_index_and_filter_cache_follow_new_appends(log: AuditLog) -> None:
    populate_varied(log)
    f = EventFilter(event_name="ConsoleLogin")
    before = log.count(f)
    assert log.page(0, 1, f)[0]["sequence"] == 56
    now = clock(datetime(2026, 6, 1, tzinfo=UTC))
    log.append(console_login_event(ROOT, success=True, mfa_used=False, now=now))
    log.append(make_event("ListUsers", identity=ROOT, now=now))
    assert log.count() == 62
    assert log.count(f) == before + 1
    assert log.page(0, 1, f)[0]["sequence"] == 61
    assert log.page(0, 1)[0]["sequence"] == 62


def test_index_is_rebuilt_when_the_file_is_rewritten(log: AuditLog) -> None:
    fill(log, 5)
    assert log.count() == 5
    write_lines(log.path, lines_of(log.path)[:2])
    assert log.count() == 2
    assert [r["sequence"] for r in log.page(0, 10)] == [2, 1]


def test_unknown_result_filter_is_refused() -> None:
    with pytest.raises(ValidationError):
        EventFilter(result="maybe")  # type: ignore[arg-type]


def test_missing_file_reads_as_empty(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "none.jsonl", KEY)
    assert log.count() == 0 and log.page(0, 10) == [] and log.head() == EMPTY_HEAD
    assert log.verify().ok
    result = log.verify(ChainHead(3, "a" * 64))
    assert result.first_problem is not None and result.first_problem.kind == "truncated"


def test_lookup_iterates_a_snapshot_without_repeats(log: AuditLog) -> None:
    fill(log, 600)
    seen = []
    for i, rec in enumerate(log.lookup_events(event_name="CreateUser")):
        seen.append(rec["sequence"])
        if i % 100 == 0:
            fill(log, 1)  # appends while iterating must not shift what comes next
    assert seen == list(range(600, 0, -1))
    assert log.count() == 606


def test_assumed_role_identity_uses_the_sts_arn() -> None:
    # userIdentity for a role session: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html
    ident = Identity.assumed_role(ACCOUNT, "Admin", "alice", role_id="AROAEXAMPLE")
    ev = make_event("GetUser", identity=ident, read_only=True)
    assert ev["userIdentity"] == {
        "type": "AssumedRole",
        "principalId": "AROAEXAMPLE:alice",
        "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/Admin/alice",
        "accountId": ACCOUNT,
    }
    assert ev["readOnly"] is True and ev["recipientAccountId"] == ACCOUNT


def test_verify_reports_progress_up_to_the_whole_file(log: AuditLog) -> None:
    fill(log, 2000)  # over a megabyte: read in several chunks
    size = log.path.stat().st_size
    calls: list[tuple[int, int]] = []
    assert log.verify(progress=lambda done, total: calls.append((done, total))).ok
    assert len(calls) >= 2 and calls[-1] == (size, size)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_a_write_cut_at_any_byte_reads_as_a_crash_and_recovers(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "a.jsonl", KEY, fsync=False)
    saved = fill(log, 3)  # the head the store saved before the interrupted append
    before = log.path.read_bytes()
    log.append(make_event("DeleteUser", identity=ROOT, request_parameters={"userName": "u1"}))
    record = log.path.read_bytes()[len(before) :]
    # Every fifth byte and every cut near the ends, where the parsing is most delicate.
    cuts = sorted({*range(1, len(record), 5), *range(1, 12), *range(len(record) - 90, len(record))})
    for cut in cuts:
        log.path.write_bytes(before + record[:cut])
        result = log.verify(saved)
        assert not result.tampered, (cut, result.summary())
        if cut == len(record) - 1:
            assert result.ok  # only the newline is missing: the record is whole
            continue
        assert [p.kind for p in result.problems] == ["torn_tail"]
        head = log.append(make_event("ListUsers", identity=ROOT))
        assert head.sequence == 4
        after = log.verify(head)
        assert not after.tampered and after.records == 4, (cut, after.summary())
        assert [p.kind for p in after.problems] == ["torn"]


def test_event_row_gives_the_history_columns(log: AuditLog) -> None:
    at = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    log.append(make_event("CreateUser", identity=ROOT, now=lambda: at))
    log.append(console_login_event(Identity.unknown_user(ACCOUNT), success=False, mfa_used=False))
    log.append(
        make_event(
            "DeleteUser", identity=Identity.iam_user(ACCOUNT, "eve"), error_code="AccessDenied"
        )
    )
    denied, login, created = (event_row(r) for r in log.page(0, 3))
    assert created == (
        1,
        "2026-07-01T12:00:00Z",
        "root",
        "CreateUser",
        "iam.amazonaws.com",
        "Success",
        "",
    )
    assert (login.user_name, login.event_source, login.result) == (HIDDEN, SIGNIN_SOURCE, "Failure")
    assert (denied.user_name, denied.result, denied.error_code) == (
        "eve",
        "Failure",
        "AccessDenied",
    )


def test_involving_user_keeps_events_by_the_user_and_about_the_user(log: AuditLog) -> None:
    """The user's Activity tab: what alice did, and what was done to alice (the request
    names her in userName, or in newUserName when another user is renamed to her)."""
    now = clock(datetime(2026, 5, 1, tzinfo=UTC), timedelta(minutes=1))
    root, alice = Identity.root(ACCOUNT), Identity.iam_user(ACCOUNT, "alice")
    log.append_many([
        make_event("CreateUser", identity=root, request_parameters={"userName": "alice"},
                   now=now),
        make_event("CreateUser", identity=root, request_parameters={"userName": "alicia"},
                   now=now),
        make_event("ListUsers", identity=alice, now=now),
        make_event("UpdateUser", identity=root,
                   request_parameters={"userName": "al", "newUserName": "alice"}, now=now),
        make_event("CreateGroup", identity=root, request_parameters={"groupName": "alice"},
                   now=now),
    ])
    found = [(r["eventName"], (r.get("requestParameters") or {}).get("userName"))
             for r in log.lookup_events(involving_user="alice", newest_first=False)]
    assert found == [("CreateUser", "alice"), ("ListUsers", None), ("UpdateUser", "al")]
    assert [r["eventName"] for r in log.lookup_events(user_name="alice")] == ["ListUsers"]


# --------------------------------------------------------------------------- sealed ahead


def sealed(log: AuditLog, after: ChainHead, n: int, now: Callable | None = None) -> list:
    """`n` records sealed ahead of writing, chained from `after` (as the store seals them)."""
    now = now or clock()
    records = []
    for i in range(n):
        rec = log.seal(make_event("CreateUser", identity=ROOT,
                                  request_parameters={"userName": f"s{i}"}, now=now), after)
        records.append(rec)
        after = ChainHead(rec.sequence, rec.hash)
    return records


def test_records_sealed_ahead_are_written_once_in_order(log: AuditLog) -> None:
    """append_sealed writes only what the log lacks: two processes catching up with the same
    committed records (or one after a crash) write each record once."""
    head = fill(log, 2)
    records = sealed(log, head, 3)
    assert log.append_sealed(records[:2]) == (4, records[1].hash)
    assert log.append_sealed(records) == (5, records[2].hash)
    assert log.append_sealed(records) == (5, records[2].hash)  # nothing left to write
    assert [orjson.loads(line)["sequence"] for line in lines_of(log.path)] == [1, 2, 3, 4, 5]
    assert lines_of(log.path)[2:] == [r.line for r in records]
    assert log.verify((5, records[2].hash)).ok


def test_records_sealed_ahead_after_a_cut_keep_their_numbers(log: AuditLog) -> None:
    """A cut tail is never renumbered over: the records after it keep their sequences, so
    the gap stays for verify to report."""
    head = fill(log, 5)
    write_lines(log.path, lines_of(log.path)[:2])
    records = sealed(log, head, 1)
    log.append_sealed(records)
    result = log.verify((6, records[0].hash))
    assert result.tampered
    assert [(p.kind, p.sequence) for p in result.problems] == [("missing", 6)]


def test_sealed_tail_takes_no_line_without_the_key(log: AuditLog, tmp_path: Path) -> None:
    """A line sealed with another key (or unsealed) is never the head: `head` would take a
    forged sequence at its word, `sealed_tail` does not."""
    head = fill(log, 3)
    other = AuditLog(tmp_path / "other.jsonl", AuditKey(b"x" * 32), fsync=False)
    forged = sealed(other, ChainHead(99, GENESIS_HASH), 1)[0]
    with open(log.path, "ab") as f:
        f.write(forged.line + b"\n" + b"garbage\n" + b'{"sequence": 1')
    assert log.head().sequence == 100
    assert log.sealed_tail() == head
    assert log.newest_sealed()[1]["sequence"] == 3  # type: ignore[index]
    assert AuditLog(tmp_path / "none.jsonl", KEY).newest_sealed() == (EMPTY_HEAD, None)


def test_sealed_tail_finds_a_record_longer_than_the_read_block(log: AuditLog) -> None:
    big = make_event("PutUserPolicy", identity=ROOT,
                     request_parameters={"policyDocument": "x" * 200_000})
    head = log.append(big)
    with open(log.path, "ab") as f:
        f.write(b"y" * 150_000)  # a long torn tail after it
    assert log.sealed_tail() == head


def test_a_torn_sealed_write_written_again_whole_is_a_crash(log: AuditLog) -> None:
    """A kill in the middle of append_sealed leaves part of a line; the next catch-up writes
    the same record again whole after it, and verify reads the fragment as a crash's."""
    head = fill(log, 2)
    records = sealed(log, head, 2)
    with open(log.path, "ab") as f:
        f.write(records[0].line + b"\n" + records[1].line[:40])
    log.append_sealed(records)
    result = log.verify((4, records[1].hash))
    assert not result.tampered and result.records == 4
    assert [(p.kind, p.line) for p in result.problems] == [("torn", 4)]


def test_mac_never_seals_a_record_body(log: AuditLog) -> None:
    assert log.mac(b"label\0data") == hmac.new(KEY.secret, b"label\0data",
                                               hashlib.sha256).hexdigest()
    with pytest.raises(ValueError):
        log.mac(b'{"sequence":1}')
