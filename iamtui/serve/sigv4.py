"""Signature Version 4 verification for `iamtui serve` (IAM User Guide, "AWS Signature
Version 4 for API requests" and "Create a signed AWS API request").

The server rebuilds the canonical request from what it received: the signed headers only
(`host` among them), the body hashed here (a client's claimed hash is never trusted, and
`UNSIGNED-PAYLOAD` is refused), the scope's date equal to X-Amz-Date's, the service the
request is routed to, any region, and a clock within 15 minutes. Signatures compare in
constant time. SigV4a (ECDSA) is refused: its keys are derived differently and nothing here
needs multi-region signing.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, quote

from iamtui.errors import IamError

ALGORITHM = "AWS4-HMAC-SHA256"
MAX_SKEW = timedelta(minutes=15)
_AUTH_RE = re.compile(r"AWS4-HMAC-SHA256\s+Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),"
                      r"\s*Signature=([0-9a-f]{64})\s*$")


class SignatureError(IamError):
    """A request whose signature cannot be accepted; `code` is AWS's answer to it."""

    def __init__(self, code: str, message: str, status: int = 403) -> None:
        super().__init__(message)
        self.code, self.http_status = code, status


@dataclass(frozen=True)
class SignedRequest:
    """What a valid Authorization header claims: the key, the scope and the signature."""

    access_key_id: str
    date: str
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str
    amz_date: str
    session_token: str | None


def parse_authorization(headers: Mapping[str, str], now: datetime) -> SignedRequest:
    """Read the Authorization header and X-Amz-Date, and check the scope and the clock."""
    auth = headers.get("authorization")
    if auth is None:
        raise SignatureError("MissingAuthenticationToken",
                             "Request is missing Authentication Token")
    if auth.startswith("AWS4-ECDSA-P256-SHA256"):
        raise SignatureError("IncompleteSignature", "SigV4a (AWS4-ECDSA-P256-SHA256) is not "
                             "accepted here: sign with SigV4 (AWS4-HMAC-SHA256)", 400)
    found = _AUTH_RE.match(auth)
    if found is None:
        raise SignatureError("IncompleteSignature", "Authorization header requires "
                             "'Credential', 'SignedHeaders' and 'Signature' parameters of "
                             f"{ALGORITHM}", 400)
    credential, signed, signature = found.groups()
    parts = credential.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request":
        raise SignatureError("IncompleteSignature", f"Credential should be scoped to a valid "
                             f"region and end with aws4_request: {credential}", 400)
    amz_date = headers.get("x-amz-date", "")
    try:
        moment = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise SignatureError("IncompleteSignature", "Authorization header requires a valid "
                             "X-Amz-Date header (YYYYMMDDTHHMMSSZ)", 400) from None
    if parts[1] != amz_date[:8]:
        raise SignatureError("SignatureDoesNotMatch", f"Credential should be scoped to a valid "
                             f"date: {parts[1]} is not the date of X-Amz-Date {amz_date}")
    if abs(now - moment) > MAX_SKEW:
        stamp = now.strftime("%Y%m%dT%H%M%SZ")
        raise SignatureError("SignatureDoesNotMatch", f"Signature expired: {amz_date} is now "
                             f"earlier than {(now - MAX_SKEW).strftime('%Y%m%dT%H%M%SZ')} "
                             f"({stamp} - 15 min.)" if moment < now else
                             f"Signature not yet current: {amz_date} is still later than "
                             f"{(now + MAX_SKEW).strftime('%Y%m%dT%H%M%SZ')} ({stamp} + 15 "
                             "min.)")
    names = tuple(signed.split(";"))
    if "host" not in names:
        raise SignatureError("SignatureDoesNotMatch", "'Host' must be a signed header")
    missing = [n for n in names if n not in headers]
    if missing:
        raise SignatureError("SignatureDoesNotMatch", f"Signed header {missing[0]} is missing "
                             "from the request")
    return SignedRequest(parts[0], parts[1], parts[2], parts[3], names, signature, amz_date,
                         headers.get("x-amz-security-token"))


def canonical_request(method: str, target: str, headers: Mapping[str, str],
                      signed: tuple[str, ...], body: bytes) -> str:
    """The canonical request, from the request as received (the body hashed here)."""
    claimed = headers.get("x-amz-content-sha256")
    if claimed == "UNSIGNED-PAYLOAD":
        raise SignatureError("SignatureDoesNotMatch", "UNSIGNED-PAYLOAD is not accepted: "
                             "sign the body's hash")
    path, _, query = target.partition("?")
    canonical_path = quote(path or "/", safe="/~")
    pairs = sorted((quote(k, safe="-_.~"), quote(v, safe="-_.~"))
                   for k, v in parse_qsl(query, keep_blank_values=True))
    canonical_query = "&".join(f"{k}={v}" for k, v in pairs)
    canonical_headers = "".join(f"{n}:{' '.join(headers[n].split())}\n" for n in signed)
    return "\n".join([method, canonical_path, canonical_query, canonical_headers,
                      ";".join(signed), hashlib.sha256(body).hexdigest()])


def signature(secret: str, request: SignedRequest, canonical: str) -> str:
    """The signature `secret` gives the canonical request under the request's scope."""
    scope = f"{request.date}/{request.region}/{request.service}/aws4_request"
    to_sign = "\n".join([ALGORITHM, request.amz_date, scope,
                         hashlib.sha256(canonical.encode("utf-8")).hexdigest()])
    key = f"AWS4{secret}".encode()
    for part in (request.date, request.region, request.service, "aws4_request"):
        key = hmac.new(key, part.encode("utf-8"), hashlib.sha256).digest()
    return hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def verify(method: str, target: str, headers: Mapping[str, str], body: bytes,
           secret_of: Callable[[str], str], *, service: str,
           now: datetime) -> SignedRequest:
    """Check a request's SigV4 signature; `headers` have lower-case names. `secret_of` gives
    the secret of an access key ID (raising InvalidClientTokenId for an unknown one)."""
    request = parse_authorization(headers, now)
    if request.service != service:
        raise SignatureError("SignatureDoesNotMatch", f"Credential should be scoped to correct "
                             f"service: '{service}'.")
    canonical = canonical_request(method, target, headers, request.signed_headers, body)
    expected = signature(secret_of(request.access_key_id), request, canonical)
    if not hmac.compare_digest(expected, request.signature):
        raise SignatureError("SignatureDoesNotMatch", "The request signature we calculated "
                             "does not match the signature you provided. Check your AWS "
                             "Secret Access Key and signing method. Consult the service "
                             "documentation for details.")
    return request


__all__ = ["MAX_SKEW", "SignatureError", "SignedRequest", "canonical_request",
           "parse_authorization", "signature", "verify"]
