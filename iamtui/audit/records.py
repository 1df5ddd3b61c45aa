"""CloudTrail-shaped audit events: who did what, built and redacted before they are sealed.

`make_event` and `console_login_event` build one event with CloudTrail's fields
(eventVersion, eventTime, eventSource, eventName, userIdentity, requestParameters,
responseElements, errorCode, errorMessage, eventID, readOnly, eventType,
recipientAccountId, ...). Secrets never reach the file: `redact` replaces secret-bearing
parameters at any depth with CloudTrail's ``HIDDEN_DUE_TO_SECURITY_REASONS``, and literal
secret values the caller names. `event_row` is a record as the audit screen lists it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, NamedTuple

from iamtui.security import utc_now

EVENT_VERSION = "1.11"
IAM_SOURCE = "iam.amazonaws.com"
SIGNIN_SOURCE = "signin.amazonaws.com"
STS_SOURCE = "sts.amazonaws.com"
API_CALL = "AwsApiCall"
CONSOLE_SIGN_IN = "AwsConsoleSignIn"
# IAM and the sign-in endpoint are global; CloudTrail files their events under us-east-1.
GLOBAL_REGION = "us-east-1"
HIDDEN = "HIDDEN_DUE_TO_SECURITY_REASONS"

HIDDEN_DUE_TO_SECURITY_REASONS = HIDDEN

IdentityType = Literal["Root", "IAMUser", "AssumedRole", "FederatedUser", "Unknown"]
# An event as handed to `AuditLog.append`: what `make_event` returns, or any such mapping.
AuditEvent = Mapping[str, Any]

# Parameter names (compared case-insensitively) whose values are secrets wherever they occur.
SECRET_PARAMETER_NAMES: frozenset[str] = frozenset(
    name.lower()
    for name in (
        "password",
        "oldPassword",
        "newPassword",
        "secretAccessKey",
        "sessionToken",
        "authenticationCode",
        "authenticationCode1",
        "authenticationCode2",
        "tokenCode",
        "totpCode",
        "base32StringSeed",
        "QRCodePNG",
        "seed",
        "secret",
        "privateKey",
        "passwordHash",
    )
)


def format_event_time(when: datetime) -> str:
    """CloudTrail's eventTime: UTC, ISO-8601, whole seconds, 'Z' (a naive time is taken as UTC)."""
    if when.tzinfo is not None:
        when = when.astimezone(UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


# --------------------------------------------------------------------------- redaction


MIN_SCRUBBED = 4


def redact(value: Any, secret_values: Iterable[str] = ()) -> Any:
    """Return a JSON-shaped copy of `value` with every secret replaced by `HIDDEN`.

    Values under a key in `SECRET_PARAMETER_NAMES` (any depth, any case) are replaced whole;
    each string in `secret_values` is cut out of every string value where it occurs. Field
    names are ours, never secrets, and are left alone; so are secrets shorter than
    MIN_SCRUBBED characters (a mistyped one-letter password must not cut every "e" out of
    the record: such text never holds a secret except by that coincidence).
    Tuples become lists, as they would in JSON.
    """
    needles = sorted({s for s in secret_values if len(s) >= MIN_SCRUBBED}, key=len, reverse=True)
    return _redact(value, needles)


def _redact(value: Any, needles: list[str]) -> Any:
    # the usual shapes first, by exact class: isinstance against Mapping is an ABC check,
    # and every value of every event passes here
    cls = value.__class__
    if cls is str:
        return _scrub(value, needles) if needles else value
    if cls is bool or cls is int or value is None:
        return value
    if isinstance(value, Mapping):
        out: dict[Any, Any] = {}
        for k, v in value.items():
            if isinstance(k, str) and k.lower() in SECRET_PARAMETER_NAMES and v is not None:
                out[k] = HIDDEN
            else:
                out[k] = _redact(v, needles)
        return out
    if isinstance(value, list | tuple):
        return [_redact(v, needles) for v in value]
    if isinstance(value, str):
        return _scrub(value, needles)
    return value


def _scrub(text: str, needles: list[str]) -> str:
    for needle in needles:
        if needle in text:
            text = text.replace(needle, HIDDEN)
    return text


# --------------------------------------------------------------------------- events


@dataclass(frozen=True)
class Identity:
    """CloudTrail's userIdentity: who made the request."""

    type: IdentityType
    account_id: str
    arn: str | None = None
    user_name: str | None = None
    access_key_id: str | None = None
    principal_id: str | None = None

    @classmethod
    def root(cls, account_id: str, *, access_key_id: str | None = None) -> Identity:
        """The account's root user."""
        return cls(
            "Root",
            account_id,
            arn=f"arn:aws:iam::{account_id}:root",
            access_key_id=access_key_id,
            principal_id=account_id,
        )

    @classmethod
    def iam_user(
        cls,
        account_id: str,
        user_name: str,
        *,
        path: str = "/",
        user_id: str | None = None,
        access_key_id: str | None = None,
    ) -> Identity:
        """An IAM user, signed in with a password or calling with an access key."""
        return cls(
            "IAMUser",
            account_id,
            arn=f"arn:aws:iam::{account_id}:user{path}{user_name}",
            user_name=user_name,
            access_key_id=access_key_id,
            principal_id=user_id,
        )

    @classmethod
    def assumed_role(
        cls,
        account_id: str,
        role_name: str,
        session_name: str,
        *,
        role_id: str | None = None,
        access_key_id: str | None = None,
    ) -> Identity:
        """A role session from sts:AssumeRole; its ARN is the STS assumed-role ARN."""
        return cls(
            "AssumedRole",
            account_id,
            arn=f"arn:aws:sts::{account_id}:assumed-role/{role_name}/{session_name}",
            access_key_id=access_key_id,
            principal_id=f"{role_id}:{session_name}" if role_id else None,
        )

    @classmethod
    def unknown_user(cls, account_id: str) -> Identity:
        """A sign-in with a user name that does not exist: the name typed is never logged."""
        return cls("IAMUser", account_id, user_name=HIDDEN)

    def to_dict(self) -> dict[str, Any]:
        """The userIdentity element, without the fields that do not apply."""
        out: dict[str, Any] = {"type": self.type}
        if self.principal_id is not None:
            out["principalId"] = self.principal_id
        if self.arn is not None:
            out["arn"] = self.arn
        out["accountId"] = self.account_id
        if self.access_key_id is not None:
            out["accessKeyId"] = self.access_key_id
        if self.user_name is not None:
            out["userName"] = self.user_name
        return out


def make_event(
    event_name: str,
    *,
    identity: Identity | Mapping[str, Any],
    source: str = IAM_SOURCE,
    request_parameters: Mapping[str, Any] | None = None,
    response_elements: Mapping[str, Any] | None = None,
    error_code: str | None = None,
    error_message: str | None = None,
    read_only: bool = False,
    additional_event_data: Mapping[str, Any] | None = None,
    event_type: str | None = None,
    recipient_account_id: str | None = None,
    source_ip_address: str | None = None,
    user_agent: str | None = None,
    secret_values: Iterable[str] = (),
    now: Callable[[], datetime] = utc_now,
    request_id: str | None = None,
) -> dict[str, Any]:
    """Build one CloudTrail-shaped event, already redacted, ready for `AuditLog.append`.

    eventType is AwsConsoleSignIn for the sign-in source and AwsApiCall otherwise unless given;
    errorCode/errorMessage/additionalEventData appear only when set, as in CloudTrail.
    `secret_values` are literal secrets the caller handled (say, the password typed) that must
    not appear anywhere in the record, even inside an error message.
    """
    ident = identity.to_dict() if isinstance(identity, Identity) else dict(identity)
    event: dict[str, Any] = {
        "eventVersion": EVENT_VERSION,
        "userIdentity": ident,
        "eventTime": format_event_time(now()),
        "eventSource": source,
        "eventName": event_name,
        "awsRegion": GLOBAL_REGION,
    }
    if source_ip_address is not None:
        event["sourceIPAddress"] = source_ip_address
    if user_agent is not None:
        event["userAgent"] = user_agent
    if error_code is not None:
        event["errorCode"] = error_code
    if error_message is not None:
        event["errorMessage"] = error_message
    event["requestParameters"] = dict(request_parameters) if request_parameters else None
    event["responseElements"] = dict(response_elements) if response_elements else None
    if additional_event_data is not None:
        event["additionalEventData"] = dict(additional_event_data)
    if request_id is not None:
        event["requestID"] = request_id
    event["eventID"] = str(uuid.uuid4())
    event["readOnly"] = read_only
    event["eventType"] = event_type or (CONSOLE_SIGN_IN if source == SIGNIN_SOURCE else API_CALL)
    event["recipientAccountId"] = recipient_account_id or ident.get("accountId")
    return redact(event, secret_values)


def console_login_event(
    identity: Identity | Mapping[str, Any],
    *,
    success: bool,
    mfa_used: bool,
    error_message: str = "Failed authentication",
    secret_values: Iterable[str] = (),
    now: Callable[[], datetime] = utc_now,
) -> dict[str, Any]:
    """A ConsoleLogin sign-in event: responseElements.ConsoleLogin is Success or Failure."""
    return make_event(
        "ConsoleLogin",
        identity=identity,
        source=SIGNIN_SOURCE,
        response_elements={"ConsoleLogin": "Success" if success else "Failure"},
        error_message=None if success else error_message,
        additional_event_data={"MobileVersion": "No", "MFAUsed": "Yes" if mfa_used else "No"},
        secret_values=secret_values,
        now=now,
    )


def is_failure(record: Mapping[str, Any]) -> bool:
    """True when the event records a failed request or a failed sign-in."""
    if record.get("errorCode") is not None or record.get("errorMessage") is not None:
        return True
    response = record.get("responseElements")
    return isinstance(response, Mapping) and response.get("ConsoleLogin") == "Failure"


class EventRow(NamedTuple):
    """The columns of CloudTrail's event history table, for one record."""

    sequence: int | None
    event_time: str
    user_name: str
    event_name: str
    event_source: str
    result: Literal["Success", "Failure"]
    error_code: str


def event_row(record: Mapping[str, Any]) -> EventRow:
    """A record as one row of the audit screen: who did what, when, and did it work."""
    ident = record.get("userIdentity")
    ident = ident if isinstance(ident, Mapping) else {}
    who = ident.get("userName") or ident.get("arn") or ident.get("type") or ""
    if ident.get("type") == "Root" and not ident.get("userName"):
        who = "root"
    seq = record.get("sequence")
    return EventRow(
        sequence=seq if type(seq) is int else None,
        event_time=str(record.get("eventTime", "")),
        user_name=str(who),
        event_name=str(record.get("eventName", "")),
        event_source=str(record.get("eventSource", "")),
        result="Failure" if is_failure(record) else "Success",
        error_code=str(record.get("errorCode") or ""),
    )
