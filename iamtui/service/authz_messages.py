"""Encoded authorization failure messages, and DecodeAuthorizationMessage.

AWS pages followed:
- STS API Reference, DecodeAuthorizationMessage: some services answer a denied request
  with an encoded message (EncodedMessage, 1-10,240 characters) that only a caller allowed
  sts:DecodeAuthorizationMessage can turn back into the decision's detail, the
  DecodedMessage JSON: allowed, explicitDeny, matchedStatements, failures, and context
  (principal, action, resource, conditions). A message that cannot be decoded is
  InvalidAuthorizationMessageException.

AWS adds the message only for some services (EC2, for one); iamtui adds it to every
AccessDenied its own policy evaluation raises (`core.ServiceCore._authorize`), and the
command line prints it as AWS does, after "Encoded authorization failure message:". The
message is sealed (AES-GCM) with the MFA key, which lives outside the store, bound to its
own purpose, so neither the caller nor a copy of the store can read or forge one.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from pathlib import Path
from typing import Any

from iamtui.errors import IamError
from iamtui.policy import EvalResult
from iamtui.security.mfa import MfaSeedUnreadable
from iamtui.service import keyfiles

PURPOSE = "iamtui:authorization-message"  # the AES-GCM associated data: not an MFA seed
MAX_ENCODED = 10240


class InvalidAuthorizationMessage(IamError):
    """An encoded message that is not one this store sealed (STS's error code)."""

    code, http_status = "InvalidAuthorizationMessageException", 400


def _items(values: Any) -> dict[str, list[dict[str, str]]]:
    return {"items": [{"value": v} for v in values]}


def decoded_message(principal_id: str, principal_name: str, principal_arn: str,
                    result: EvalResult) -> dict[str, Any]:
    """AWS's DecodedMessage for one decision: the statements that decided it (the deny
    that won, or the allows), and the request the engine saw."""
    request = result.inputs.request
    statements = []
    for match in result.matched:
        st = match.statement.statement
        statements.append({
            "statementId": st.sid or "",
            "effect": st.effect.upper(),
            "principals": _items([principal_id]),
            "principalGroups": {"items": []},
            "actions": _items(st.action or ()),
            "resources": _items(st.resource or ()),
            "conditions": {"items": [{"key": c.key, "values": _items(c.values)}
                                     for c in st.conditions]}})
    return {
        "allowed": result.allowed,
        "explicitDeny": result.decision == "explicitDeny",
        "matchedStatements": {"items": statements},
        "failures": {"items": []},
        "context": {
            "principal": {"id": principal_id, "name": principal_name, "arn": principal_arn},
            "action": request.action,
            "resource": request.resource,
            "conditions": {"items": [{"key": e.key, "values": _items(e.values)}
                                     for e in request.context.entries()]}}}


def encode(keys_dir: Path, store_id: str, message: dict[str, Any]) -> str | None:
    """The sealed message, or None when the key is unreadable (a denial never fails for
    want of its message)."""
    try:
        cipher = keyfiles.seed_cipher(keys_dir, store_id, seeds_exist=True)
    except IamError:
        return None
    packed = zlib.compress(json.dumps(message, separators=(",", ":")).encode("utf-8"), 9)
    return cipher.encrypt(base64.b64encode(packed).decode("ascii"), associated_data=PURPOSE)


def decode(keys_dir: Path, store_id: str, encoded: str) -> str:
    """The DecodedMessage JSON text of a message this store sealed."""
    invalid = InvalidAuthorizationMessage("The encoded authorization message is not valid: "
                                          "it was not issued by this store, or it was altered.")
    try:
        cipher = keyfiles.seed_cipher(keys_dir, store_id, seeds_exist=True)
        packed = cipher.decrypt(encoded, associated_data=PURPOSE)
        return json.dumps(json.loads(zlib.decompress(base64.b64decode(packed, validate=True))))
    except (MfaSeedUnreadable, IamError, binascii.Error, zlib.error, ValueError):
        raise invalid from None
