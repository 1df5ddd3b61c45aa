"""Reading the audit trail: verify its chain, and look events up as CloudTrail does.

Who may read it: a caller allowed `cloudtrail:LookupEvents` on "*" (the CloudTrail
Service Authorization Reference lists no resource type for LookupEvents), and the root
user. A denied read is itself audited.

`verify_audit_log` checks every record's seal, sequence and chain, and that the log
reaches the head the store remembers (`meta["audit_head"]`), so that a cut tail is found;
and that this head is sealed with the audit key for the store's revision (trail.py), so
that a journal line rewinding it is found too.
`lookup_events` gives CloudTrail's LookupEvents shape (Events with EventId, EventName,
ReadOnly, AccessKeyId, EventTime, EventSource, Username, Resources, CloudTrailEvent).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from iamtui import audit
from iamtui.arn import lone_surrogate
from iamtui.errors import IamError, InvalidInput
from iamtui.service.core import Principal, ServiceCore
from iamtui.service.trail import AuditLogWriteFailed
from iamtui.store import Snapshot

CLOUDTRAIL_SOURCE = "cloudtrail.amazonaws.com"
MAX_RESULTS_LIMIT = 10_000


class InvalidTimeRange(IamError):
    """CloudTrail's InvalidTimeRangeException: the start is after the end."""

    code, http_status = "InvalidTimeRangeException", 400


class InvalidMaxResults(IamError):
    """CloudTrail's InvalidMaxResultsException."""

    code, http_status = "InvalidMaxResultsException", 400


def cloudtrail_event(record: Mapping[str, Any]) -> dict[str, Any]:
    """One record in the shape of an item of LookupEvents' Events list."""
    ident = record.get("userIdentity")
    ident = ident if isinstance(ident, Mapping) else {}
    username = ident.get("userName")
    if username is None and ident.get("type") == "Root":
        username = "root"  # CloudTrail's event history shows the root user so
    when = record.get("eventTime", "")
    try:
        event_time = datetime.fromisoformat(str(when).replace("Z", "+00:00")).isoformat()
    except ValueError:
        event_time = str(when)
    out: dict[str, Any] = {
        "EventId": record.get("eventID"),
        "EventName": record.get("eventName"),
        "ReadOnly": "true" if record.get("readOnly") else "false",
    }
    if ident.get("accessKeyId"):
        out["AccessKeyId"] = ident["accessKeyId"]
    out |= {"EventTime": event_time, "EventSource": record.get("eventSource")}
    if username is not None:
        out["Username"] = username
    out["Resources"] = _resources(record)
    out["CloudTrailEvent"] = json.dumps(record, separators=(",", ":"), ensure_ascii=False)
    return out


def _resources(record: Mapping[str, Any]) -> list[dict[str, str]]:
    """What the request named, as CloudTrail lists it (ResourceType, ResourceName)."""
    params = record.get("requestParameters")
    if not isinstance(params, Mapping):
        return []
    kinds = (("userName", "AWS::IAM::User"), ("groupName", "AWS::IAM::Group"),
             ("roleName", "AWS::IAM::Role"), ("policyArn", "AWS::IAM::Policy"),
             ("accessKeyId", "AWS::IAM::AccessKey"))
    return [{"ResourceType": kind, "ResourceName": str(params[key])}
            for key, kind in kinds if isinstance(params.get(key), str)]


class AuditOperations(ServiceCore):
    """`iamtui audit verify` and `iamtui lookup-events`."""

    def _audit_read(self, caller: Principal, event: str,
                    params: Mapping[str, Any]) -> Snapshot:
        view = self.store.snapshot()
        try:
            self._authorize(view, caller, "cloudtrail:LookupEvents", "*")
        except IamError as exc:
            self._record(caller, event, params, error=exc, read_only=True,
                         source=CLOUDTRAIL_SOURCE)
            raise
        return view

    def verify_audit_log(self, caller: Principal, *,
                         progress: Callable[[int, int], None] | None = None
                         ) -> audit.VerifyResult:
        """Check the whole chain against the head the store remembers, and that head's seal.

        Records committed in the store that the log could not take yet are written first
        when it can; those still missing are reported apart ("unwritten"), not as a cut.
        """
        self._audit_read(caller, "ValidateAuditLog", {})
        with contextlib.suppress(AuditLogWriteFailed):
            self.trail.flush("An earlier change")
        state = self.trail.current()
        expected = state.head if state.head.sequence else None
        tail = self.audit.sealed_tail()
        unwritten = [p for p in state.pending if p[0] > tail.sequence] if state.trusted else []
        if unwritten:  # verify the log up to the record before them
            first = unwritten[0]
            expected = audit.ChainHead(first[0] - 1, first[1]) if first[0] > 1 else None
        result = self.audit.verify(expected, progress=progress)
        before: list[audit.Problem] = []
        after: list[audit.Problem] = []
        if not state.trusted:
            before.append(audit.Problem(
                "forged_head", result.lines, state.head.sequence,
                f"the head the store keeps (sequence {state.head.sequence}) cannot be trusted: "
                f"{state.why}; records after the log's last one may have been cut"))
        if unwritten:
            after.append(audit.Problem(
                "unwritten", result.lines, unwritten[0][0],
                f"records {unwritten[0][0]} to {unwritten[-1][0]} are committed in the store "
                "but not yet in the log, which could not be written; they are added when it "
                "can be"))
        if not before and not after:
            return result
        return dataclasses.replace(
            result, problems=(*before, *result.problems, *after),
            problem_count=result.problem_count + len(before) + len(after),
            tampered=result.tampered or bool(before))

    def calls_over_http(self, caller: Principal, *,
                        max_results: int = 100) -> list[dict[str, Any]]:
        """The newest requests that came over HTTP (`iamtui serve`), as their audit records
        (CloudTrail's record shape: eventTime, userIdentity, eventName, errorCode,
        sourceIPAddress, userAgent, requestID), newest first. Needs cloudtrail:LookupEvents,
        as every read of the trail; read through the log's index, so that following new
        calls reads only the records added since."""
        if not 1 <= max_results <= MAX_RESULTS_LIMIT:
            raise InvalidMaxResults(f"MaxResults must be between 1 and {MAX_RESULTS_LIMIT}.")
        self._audit_read(caller, "LookupEvents", {"overHttp": True})
        return self.audit.page(0, max_results, audit.EventFilter(over_http=True))

    def lookup_events(self, caller: Principal, *, user_name: str | None = None,
                      event_name: str | None = None, start_time: datetime | None = None,
                      end_time: datetime | None = None,
                      max_results: int | None = None,
                      involving_user: str | None = None) -> list[dict[str, Any]]:
        """LookupEvents: the newest events first, every given attribute matching.
        `involving_user` (iamtui's own) keeps the events a user made or that name the user,
        what the user's Activity tab shows."""
        if start_time is not None and end_time is not None and start_time > end_time:
            raise InvalidTimeRange("Start time must be earlier than or the same as end time.")
        if max_results is not None and not 1 <= max_results <= MAX_RESULTS_LIMIT:
            raise InvalidMaxResults(f"MaxResults must be between 1 and {MAX_RESULTS_LIMIT}.")
        for value, name in ((user_name, "Username"), (event_name, "EventName")):
            if value is not None and not value:
                raise InvalidInput(f"The {name} lookup attribute must not be empty.")
        for value, name in ((user_name, "Username"), (event_name, "EventName"),
                            (involving_user, "InvolvingUser")):
            # the filter is written to the audit record (UTF-8) before it is applied
            if value is not None and (surrogate := lone_surrogate(value)) is not None:
                raise InvalidInput(f"The {name} lookup attribute holds a lone surrogate "
                                   f"({surrogate}), which is not a Unicode character.")
        params = {"userName": user_name, "eventName": event_name,
                  "involvingUser": involving_user,
                  "startTime": start_time.isoformat() if start_time else None,
                  "endTime": end_time.isoformat() if end_time else None}
        self._audit_read(caller, "LookupEvents", {k: v for k, v in params.items() if v})
        if user_name == "root":
            # CloudTrail names the root user "root", but its records carry no userName:
            # match it by identity type, beside an IAM user really named "root"
            found = self.audit.lookup_events(event_name=event_name, start_time=start_time,
                                             end_time=end_time)
            records = [r for r in found if (r.get("userIdentity") or {}).get("type") == "Root"
                       or (r.get("userIdentity") or {}).get("userName") == "root"]
            records = records[:max_results] if max_results else records
        else:
            records = list(self.audit.lookup_events(
                user_name=user_name, event_name=event_name, start_time=start_time,
                end_time=end_time, max_results=max_results, involving_user=involving_user))
        return [cloudtrail_event(r) for r in records]
