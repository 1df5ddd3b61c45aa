"""`iamtui audit verify` and `iamtui lookup-events`.

The log's design is in iamtui/audit.py (HMAC chain; the store remembers the head). Event
shapes follow CloudTrail's LookupEvents API reference (Event: EventId, EventName, ReadOnly,
AccessKeyId, EventTime, EventSource, Username, Resources, CloudTrailEvent) and the
`aws cloudtrail lookup-events` CLI reference; who may read them follows the CloudTrail
Service Authorization Reference (cloudtrail:LookupEvents, no resource type: "*").
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from helpers import ACCOUNT_ID, ROOT_PASSWORD, CliRunner
from hypothesis import given
from hypothesis import strategies as st

from iamtui.cli import ArgumentError
from iamtui.commands.audit import parse_time
from iamtui.errors import AccessDenied
from iamtui.model import InlinePolicy
from iamtui.service import IamService, Principal
from iamtui.service.audit_ops import InvalidTimeRange
from iamtui.service.tables import INLINE_POLICIES


class Cli(CliRunner):
    """Runs `iamtui` against one store as root (with root=False, as nobody)."""

    def __init__(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                 capsys: pytest.CaptureFixture[str]) -> None:
        super().__init__(tmp_path, monkeypatch, capsys, db=tmp_path / "db" / "iamtui.json")
        self.log = self.db.with_name(self.db.name + ".audit.jsonl")

    def __call__(self, *argv: str, root: bool = True) -> tuple[int, str, str]:
        if root:
            return self.root(*argv)
        return self.run(*argv, "--root-password-stdin", stdin=ROOT_PASSWORD + "\n")


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> Cli:
    run = Cli(tmp_path, monkeypatch, capsys)
    assert run("init", "--account-id", ACCOUNT_ID, root=False)[0] == 0
    for name in ("alice", "bob", "carol"):
        assert run("create-user", "--user-name", name)[0] == 0
    return run


def test_verify_intact_log(cli: Cli) -> None:
    code, out, err = cli("audit-verify")
    assert code == 0, err
    report = json.loads(out)
    assert report["Valid"] and not report["Tampered"]
    assert report["Head"] == report["ExpectedHead"]
    # the account, then for each user the root sign-in and CreateUser, then this sign-in
    assert report["Records"] == report["Head"]["Sequence"] == 8
    # the spelling, `iamtui audit verify`, works too
    code, out, _ = cli("audit", "verify", "--output", "table")
    assert code == 0 and "intact" in out


def test_verify_finds_an_edited_record(cli: Cli) -> None:
    """Changing one record (say, whom a user was created as) breaks its seal."""
    lines = cli.log.read_bytes().splitlines(keepends=True)
    assert b'"userName":"bob"' in lines[4]  # CreateAccount, then sign-in + CreateUser each
    lines[4] = lines[4].replace(b'"userName":"bob"', b'"userName":"eve"')
    cli.log.write_bytes(b"".join(lines))
    code, out, err = cli("audit-verify")
    assert code == 254
    assert err.startswith("An error occurred (AuditLogTampered) when calling the "
                          "AuditVerify operation: ")
    assert "sequence 5 (line 5)" in err
    report = json.loads(out)
    assert report["Tampered"] and report["Problems"][0]["Kind"] == "edited"
    code, _, err = cli("audit", "verify")
    assert code == 254 and "sequence 5" in err


def test_verify_finds_a_cut_tail(cli: Cli) -> None:
    """Deleting the newest records leaves a well-formed chain; the head the store keeps
    shows that it is too short. The verifier's own sign-in does not hide it: it is numbered
    after the store's head (8), never after the cut log's (5), so records 6 and 7 stay
    missing (7, still held by the store, is written back; 6 is gone)."""
    lines = cli.log.read_bytes().splitlines(keepends=True)
    cli.log.write_bytes(b"".join(lines[:-2]))
    code, out, err = cli("audit-verify")
    assert code == 254
    problems = json.loads(out)["Problems"]
    assert [(p["Kind"], p["Sequence"]) for p in problems] == [("missing", 7)]
    assert "record 6 is missing" in err
    assert [json.loads(line)["sequence"] for line in cli.log.read_bytes().splitlines()] == [
        1, 2, 3, 4, 5, 7, 8]


def test_verify_finds_a_deleted_middle_record(cli: Cli) -> None:
    lines = cli.log.read_bytes().splitlines(keepends=True)
    cli.log.write_bytes(b"".join(lines[:1] + lines[2:]))
    code, out, err = cli("audit-verify")
    assert code == 254 and json.loads(out)["Problems"][0]["Kind"] in ("missing", "chain")
    assert "sequence 3" in err  # the record after the gap


def test_lookup_events_shape_and_filters(cli: Cli) -> None:
    """CloudTrail's shape: newest first; CloudTrailEvent is the record as a JSON string."""
    code, out, err = cli("lookup-events")
    assert code == 0, err
    events = json.loads(out)["Events"]
    assert [e["EventName"] for e in events] == (
        ["ConsoleLogin"] + ["CreateUser", "ConsoleLogin"] * 3 + ["CreateAccount"])
    code, out, err = cli("lookup-events", "--event-name", "CreateUser")
    first = json.loads(out)["Events"][0]
    assert set(first) >= {"EventId", "EventName", "ReadOnly", "EventTime", "EventSource",
                          "Username", "Resources", "CloudTrailEvent"}
    assert first["ReadOnly"] == "false" and first["Username"] == "root"
    assert first["EventSource"] == "iam.amazonaws.com"
    assert first["Resources"] == [{"ResourceType": "AWS::IAM::User", "ResourceName": "carol"}]
    record = json.loads(first["CloudTrailEvent"])
    assert record["eventID"] == first["EventId"]
    assert record["requestParameters"]["userName"] == "carol"
    datetime.fromisoformat(first["EventTime"])  # ISO 8601 with its offset
    code, out, _ = cli("lookup-events", "--event-name", "CreateUser", "--max-results", "2")
    assert len(json.loads(out)["Events"]) == 2
    code, out, _ = cli("lookup-events", "--lookup-attributes",
                       "AttributeKey=EventName,AttributeValue=CreateAccount")
    assert [e["EventName"] for e in json.loads(out)["Events"]] == ["CreateAccount"]
    code, out, _ = cli("lookup-events", "--user-name", "root", "--start-time",
                       "2000-01-01T00:00:00Z", "--end-time", "2000-01-02T00:00:00Z")
    assert json.loads(out)["Events"] == []
    code, out, _ = cli("lookup-events", "--output", "table")
    assert code == 0 and "CreateAccount" in out
    code, _, err = cli("lookup-events", "--start-time", "2001-01-02", "--end-time",
                       "2001-01-01")
    assert code == 254 and "(InvalidTimeRangeException)" in err
    code, _, err = cli("lookup-events", "--start-time", "yesterday")
    assert code == 252 and "--start-time" in err


def test_who_may_read_the_log(service: IamService, root: Principal) -> None:
    """cloudtrail:LookupEvents on "*" is needed to read or verify the log; the root user
    always may; a denied read is audited."""
    alice = Principal.for_user(service.create_user(root, "alice"), ACCOUNT_ID)
    with pytest.raises(AccessDenied, match="cloudtrail:LookupEvents"):
        service.lookup_events(alice)
    with pytest.raises(AccessDenied):
        service.verify_audit_log(alice)
    last = service.audit.page(0, 1)[0]
    assert (last["eventName"], last["errorCode"]) == ("ValidateAuditLog", "AccessDenied")
    assert last["eventSource"] == "cloudtrail.amazonaws.com"
    with service.store.transaction() as tx:
        INLINE_POLICIES.put(tx, InlinePolicy("user", "alice", "read-trail", json.dumps({
            "Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "cloudtrail:LookupEvents", "Resource": "*"}]})))
    assert service.verify_audit_log(alice).ok  # allowed now, and the denials are sealed too
    events = service.lookup_events(alice, user_name="alice")
    assert events and all(e["Username"] == "alice" for e in events)
    assert service.lookup_events(root, event_name="CreateUser")[0]["Username"] == "root"
    with pytest.raises(InvalidTimeRange):
        service.lookup_events(root, start_time=datetime(2026, 2, 1, tzinfo=UTC),
                              end_time=datetime(2026, 1, 1, tzinfo=UTC))


@given(st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2999, 1, 1),
                    timezones=st.just(UTC)))
def test_parse_time_reads_iso_and_epoch(moment: datetime) -> None:
    """--start-time/--end-time take ISO 8601 (with Z, an offset, or none: UTC) or epoch
    seconds, as `aws cloudtrail lookup-events` does."""
    assert parse_time(moment.isoformat(), "--start-time") == moment
    assert parse_time(moment.isoformat().replace("+00:00", "Z"), "--start-time") == moment
    assert parse_time(moment.replace(tzinfo=None).isoformat(), "--start-time") == moment
    whole = moment.replace(microsecond=0)
    assert parse_time(str(int(whole.timestamp())), "--start-time") == whole


@given(st.text(max_size=40))
def test_parse_time_never_fails_other_than_as_a_bad_argument(text: str) -> None:
    try:
        parsed = parse_time(text, "--end-time")
    except ArgumentError as exc:
        assert "--end-time" in str(exc)
    else:
        assert parsed is not None and parsed.tzinfo is UTC
