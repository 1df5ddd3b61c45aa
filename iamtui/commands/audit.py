"""The audit trail from the command line: `iamtui audit verify` and `iamtui lookup-events`."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

from iamtui.commands.output import emit, rendering_of
from iamtui.commands.registry import ArgumentError, Response, arg, command
from iamtui.commands.session import session
from iamtui.errors import IamError


class AuditLogTampered(IamError):
    """`audit verify` found what a crash cannot explain: an edit, a gap, a cut, garbage."""

    code, http_status = "AuditLogTampered", 409


def verify_response(result: Any, expected: Any) -> Response:
    """The verify report as JSON, and one row per problem for `--output table`."""
    problems = [{"Kind": p.kind, "Line": p.line, "Sequence": p.sequence,
                 "Message": p.message, "Tampering": p.tampering} for p in result.problems]
    data = {"Valid": result.ok, "Tampered": result.tampered, "Records": result.records,
            "Lines": result.lines,
            "Head": {"Sequence": result.head.sequence, "Hash": result.head.hash},
            "ExpectedHead": ({"Sequence": expected[0], "Hash": expected[1]}
                             if expected else None),
            "ProblemCount": result.problem_count, "Problems": problems,
            "Summary": result.summary()}
    rows = [[p["Kind"], str(p["Line"]), "" if p["Sequence"] is None else str(p["Sequence"]),
             p["Message"]] for p in problems] or [["ok", "", str(result.head.sequence),
                                                   result.summary()]]
    return Response(data, table=rows, headers=["Finding", "Line", "Sequence", "Detail"])


def _verify(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        result = svc.verify_audit_log(caller)
        expected = svc.store.snapshot().meta.get("audit_head")
    response = verify_response(result, expected)
    if result.tampered:
        emit(response, rendering_of(args))  # the full report on stdout, the verdict as the error
        first = result.first_problem
        where = (f"sequence {first.sequence} (line {first.line})" if first.sequence is not None
                 else f"line {first.line}")
        raise AuditLogTampered(f"The audit log was tampered with: first bad record at "
                               f"{where}: {first.message}")
    return response


@command("audit-verify",
         "Check the audit log's hash chain and that it reaches the head the store recorded.")
def run_audit_verify(args: argparse.Namespace) -> Response:
    return _verify(args)


@command("audit", "Audit trail commands: `iamtui audit verify`.",
         arg("subcommand", choices=["verify"], help="verify: check the hash chain"))
def run_audit(args: argparse.Namespace) -> Response:
    return _verify(args)


def parse_time(value: str | None, option: str) -> datetime | None:
    """A CloudTrail time: ISO 8601 (a time without offset is UTC) or Unix epoch seconds."""
    if value is None:
        return None
    text = value.strip()
    try:
        if text.isascii() and text.isdigit():  # ASCII only: int() takes other digits
            return datetime.fromtimestamp(int(text), UTC)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        raise ArgumentError(f"Error parsing parameter '{option}': Invalid timestamp "
                            f"{value!r}: use ISO 8601 (2026-11-28T12:00:00Z) or epoch "
                            "seconds") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _lookup_attributes(values: list[str]) -> dict[str, str]:
    """`--lookup-attributes AttributeKey=Username,AttributeValue=alice` (CloudTrail's form)."""
    found: dict[str, str] = {}
    for value in values:
        fields = dict(p.split("=", 1) for p in value.split(",") if "=" in p)
        key, attr = fields.get("AttributeKey"), fields.get("AttributeValue")
        if key not in ("Username", "EventName") or attr is None:
            raise ArgumentError("Error parsing parameter '--lookup-attributes': expected "
                                "AttributeKey=Username|EventName,AttributeValue=VALUE")
        found[key] = attr
    return found


@command("lookup-events", "List audit events, newest first, like CloudTrail's lookup-events.",
         arg("--user-name", help="only events by this user ('root': the root user and an "
                                 "IAM user named root, as in CloudTrail)"),
         arg("--event-name", help="only events of this operation, e.g. CreateUser"),
         arg("--lookup-attributes", nargs="+", default=[], metavar="ATTR",
             help="CloudTrail's form: AttributeKey=Username|EventName,AttributeValue=V"),
         arg("--start-time", help="only events at or after this time (ISO 8601 or epoch)"),
         arg("--end-time", help="only events at or before this time"),
         arg("--max-results", type=int, help="at most this many events"))
def run_lookup_events(args: argparse.Namespace) -> Response:
    attributes = _lookup_attributes(args.lookup_attributes)
    with session(args) as (svc, caller):
        events = svc.lookup_events(
            caller, user_name=args.user_name or attributes.get("Username"),
            event_name=args.event_name or attributes.get("EventName"),
            start_time=parse_time(args.start_time, "--start-time"),
            end_time=parse_time(args.end_time, "--end-time"), max_results=args.max_results)
    return Response({"Events": events},
                    table=[[e["EventTime"], e.get("Username", ""), e["EventName"],
                            e["EventSource"], e["EventId"]] for e in events],
                    headers=["EventTime", "Username", "EventName", "EventSource", "EventId"])
