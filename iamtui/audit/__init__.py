"""The audit trail: CloudTrail-shaped events in an append-only, tamper-evident JSON Lines file.

One concern per module, every public name re-exported here (`from iamtui.audit import ...`):

- records: the events (`make_event`, `Identity`, `event_row`) and `redact`, which keeps
  secrets out of them;
- key: `AuditKey`, the HMAC key that seals the chain, kept outside the log;
- chain: the sealed line format, `ChainHead`, the line readers, and what `verify` reports;
- index: `EventFilter` and `EventIndex`, which count and page events without parsing them all;
- log: `AuditLog`, the file: append, seal ahead and write later, verify, and read.
"""

from iamtui.audit.chain import (
    BENIGN_KINDS,
    EMPTY_HEAD,
    GENESIS_HASH,
    ChainHead,
    Problem,
    ProblemKind,
    SealedRecord,
    VerifyResult,
)
from iamtui.audit.index import EventFilter, EventIndex
from iamtui.audit.key import AuditKey
from iamtui.audit.log import AuditLog
from iamtui.audit.records import (
    API_CALL,
    CONSOLE_SIGN_IN,
    EVENT_VERSION,
    GLOBAL_REGION,
    HIDDEN,
    HIDDEN_DUE_TO_SECURITY_REASONS,
    IAM_SOURCE,
    MIN_SCRUBBED,
    SECRET_PARAMETER_NAMES,
    SIGNIN_SOURCE,
    STS_SOURCE,
    AuditEvent,
    EventRow,
    Identity,
    IdentityType,
    console_login_event,
    event_row,
    format_event_time,
    is_failure,
    make_event,
    redact,
)

__all__ = [
    "API_CALL", "BENIGN_KINDS", "CONSOLE_SIGN_IN", "EMPTY_HEAD", "EVENT_VERSION", "GENESIS_HASH",
    "GLOBAL_REGION", "HIDDEN", "HIDDEN_DUE_TO_SECURITY_REASONS", "IAM_SOURCE", "MIN_SCRUBBED",
    "SECRET_PARAMETER_NAMES", "SIGNIN_SOURCE", "STS_SOURCE", "AuditEvent", "AuditKey", "AuditLog",
    "ChainHead", "EventFilter", "EventIndex", "EventRow", "Identity", "IdentityType", "Problem",
    "ProblemKind", "SealedRecord", "VerifyResult", "console_login_event", "event_row",
    "format_event_time", "is_failure", "make_event", "redact",
]
