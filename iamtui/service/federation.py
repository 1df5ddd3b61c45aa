"""Sessions of users: GetSessionToken and GetFederationToken; GetAccessKeyInfo and
DecodeAuthorizationMessage (see authz_messages.py).

AWS pages followed:
- STS API Reference, GetSessionToken: DurationSeconds 900-129,600 (default 43,200) for
  IAM users, at most 3,600 for the root user (a longer request gets one hour); SerialNumber
  and TokenCode for MFA; the credentials act with the user's permissions; they cannot call
  IAM unless MFA was included, nor STS but AssumeRole and GetCallerIdentity
  (`core.check_temporary_limits`). IAM User Guide, "Permissions for GetSessionToken": no
  permission is needed to call it. "Configuring MFA-protected API access": calls made with
  a session whose MFA was proven carry aws:MultiFactorAuthPresent true and
  aws:MultiFactorAuthAge.
- STS API Reference, GetFederationToken: Name 2-32 of [\\w+=,.@-]; the federated user
  arn:aws:sts::ACCOUNT:federated-user/NAME with FederatedUserId ACCOUNT:NAME; its
  permissions are the intersection of the calling user's identity-based policies and the
  session policies passed (none passed: no permissions); tags need sts:TagSession; it
  cannot be called with session credentials; DurationSeconds as GetSessionToken's.
- STS API Reference, GetAccessKeyInfo: the account an access key ID belongs to.
- STS API Reference, GetScopedCredentials: temporary credentials only (InvalidSubjectCredentials
  otherwise); Policy (1-2,048 characters, an identity policy) and/or DurationSeconds
  (1-129,600, never past the calling session's expiration: InsufficientSessionLifetime);
  the identity is kept (SessionInfo names the same principal), the permissions are the
  calling session's intersected with the scope-down policy, each call one more layer, three
  at most (a fourth is denied); ScopedSessionDescription (2-256) goes to the audit trail.
  Neither the API reference nor the Service Authorization Reference names a permission for
  it: like GetSessionToken it needs none (it can only narrow what the caller may do). The
  scoped session keeps the calling session's issue time, so revoking older sessions
  revokes it too.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from iamtui import audit
from iamtui.arn import constraint_error, validate_seconds
from iamtui.errors import AccessDenied, IamError, NoSuchEntity, ValidationError
from iamtui.model import iso_z
from iamtui.service import authz_messages
from iamtui.service.core import Principal
from iamtui.service.session_inputs import SessionInputs, check_session_inputs
from iamtui.service.sts import (
    MIN_DURATION_SECONDS,
    Credentials,
    StsOperations,
    aws_credentials,
    federated_user_arn,
    validate_mfa_input,
)
from iamtui.service.tables import ACCESS_KEYS, ROLE_SESSIONS
from iamtui.store import Snapshot

SCOPED_MAX_SECONDS = 129600
SCOPE_DOWN_LAYERS_MAX = 3
_DESCRIPTION_RE = re.compile(r"[\t\n\r\x20-\x7e\xa1-\xff]{2,256}")
USER_DEFAULT_SECONDS = 43200
USER_MAX_SECONDS = 129600
ROOT_MAX_SECONDS = 3600
FEDERATED_NAME_RE = re.compile(r"[\w+=,.@-]{2,32}", re.ASCII)
ACCESS_KEY_ID_RE = re.compile(r"\w{16,128}", re.ASCII)


class InvalidSubjectCredentials(IamError):
    """GetScopedCredentials called without a session to scope down (STS's error code)."""

    code, http_status = "InvalidSubjectCredentials", 400


class InsufficientSessionLifetime(IamError):
    """A scoped session asked to outlive the calling session (STS's error code)."""

    code, http_status = "InsufficientSessionLifetime", 400


@dataclass(frozen=True)
class ScopedCredentialsResult:
    """GetScopedCredentials' answer: the new credentials, who they act as, the layers."""

    credentials: Credentials
    principal: Principal
    scoped_policies_count: int
    source_identity: str | None


def aws_scoped_credentials(result: ScopedCredentialsResult) -> dict[str, Any]:
    """The JSON `aws sts get-scoped-credentials` prints."""
    out: dict[str, Any] = {
        "Credentials": aws_credentials(result.credentials),
        "SessionInfo": {"ScopedSessionId": result.principal.principal_id,
                        "Arn": result.principal.arn},
        "ScopedPoliciesCount": result.scoped_policies_count}
    if result.source_identity is not None:
        out["SourceIdentity"] = result.source_identity
    return out


@dataclass(frozen=True)
class FederationTokenResult:
    """GetFederationToken's answer, and the principal the federated user is."""

    credentials: Credentials
    federated_user_id: str  # ACCOUNT:NAME
    arn: str
    packed_policy_size: int | None
    principal: Principal


def aws_session_token(credentials: Credentials) -> dict[str, Any]:
    """The JSON `aws sts get-session-token` prints."""
    return {"Credentials": aws_credentials(credentials)}


def aws_federation_token(result: FederationTokenResult) -> dict[str, Any]:
    """The JSON `aws sts get-federation-token` prints."""
    out: dict[str, Any] = {"Credentials": aws_credentials(result.credentials),
                           "FederatedUser": {"FederatedUserId": result.federated_user_id,
                                             "Arn": result.arn}}
    if result.packed_policy_size is not None:
        out["PackedPolicySize"] = result.packed_policy_size
    return out


def _user_duration(seconds: int, caller: Principal) -> int:
    """900 to 129,600 seconds; the root user's sessions last one hour at most."""
    validate_seconds(seconds, "durationSeconds", MIN_DURATION_SECONDS, USER_MAX_SECONDS)
    return min(seconds, ROOT_MAX_SECONDS) if caller.is_root else seconds


class FederationOperations(StsOperations):
    """sts:GetSessionToken, sts:GetFederationToken and sts:GetAccessKeyInfo."""

    def get_session_token(self, caller: Principal, *,
                          duration_seconds: int = USER_DEFAULT_SECONDS,
                          serial_number: str | None = None,
                          token_code: str | None = None) -> Credentials:
        """GetSessionToken: temporary credentials acting as the caller (a user, or root),
        with MFA proven when `serial_number` and `token_code` are given. Needs no
        permission; refused with session credentials."""
        validate_mfa_input(serial_number, token_code)
        duration = _user_duration(duration_seconds, caller)
        params = {"durationSeconds": duration_seconds, "serialNumber": serial_number}
        with self._sts_change(caller, "GetSessionToken", params) as change:
            tx, now = change.tx, self.clock()
            self._refuse_session_credentials(caller, "GetSessionToken")
            if not caller.is_root:
                self._check_still_valid(tx, caller)
            mfa_at = None
            if serial_number is not None and token_code is not None:
                self._verify_mfa(change, caller, serial_number, token_code, now)
                mfa_at = now
            owner_id = self.account_id if caller.is_root else caller.principal_id
            credentials, _ = self._issue(
                tx, owner_id, caller.name, caller.name, now, duration, source_arn=caller.arn,
                mfa_at=mfa_at, session_type="session-token", inputs=SessionInputs())
            change.response = {"credentials": {
                "accessKeyId": credentials.access_key_id,
                "expiration": iso_z(credentials.expiration)}}
        return credentials

    def get_federation_token(self, caller: Principal, name: str, *,
                             policy: str | None = None, policy_arns: Sequence[str] = (),
                             duration_seconds: int = USER_DEFAULT_SECONDS,
                             tags: Sequence[tuple[str, str]] = ()) -> FederationTokenResult:
        """GetFederationToken: a federated user session whose permissions are the caller's
        identity-based policies intersected with the session policies passed. Authorized as
        sts:GetFederationToken (and sts:TagSession when tagged) on the federated user's ARN."""
        if not isinstance(name, str) or not FEDERATED_NAME_RE.fullmatch(name):
            raise constraint_error(name, "name", "Member must have length between 2 and 32 "
                                   "and satisfy regular expression pattern: [\\w+=,.@-]*")
        duration = _user_duration(duration_seconds, caller)
        arn = federated_user_arn(self.account_id, name)
        params = {"name": name, "policy": policy, "durationSeconds": duration_seconds,
                  "policyArns": [{"arn": a} for a in policy_arns] or None,
                  "tags": [{"key": k, "value": v} for k, v in tags] or None}
        with self._sts_change(caller, "GetFederationToken", params) as change:
            tx, now = change.tx, self.clock()
            self._refuse_session_credentials(caller, "GetFederationToken")
            inputs = check_session_inputs(tx, policy=policy, policy_arns=policy_arns,
                                          tags=tags)
            context = inputs.context()
            for action in ("sts:GetFederationToken",
                           *(("sts:TagSession",) if inputs.tags else ())):
                self._authorize(tx, caller, action, arn, context)
            owner_id = self.account_id if caller.is_root else caller.principal_id
            credentials, record = self._issue(
                tx, owner_id, caller.name, name, now, duration, source_arn=caller.arn,
                mfa_at=None, session_type="federated-user", inputs=inputs)
            packed = inputs.packed_policy_size() if inputs.has_policies or inputs.tags else None
            result = FederationTokenResult(credentials, f"{self.account_id}:{name}", arn,
                                           packed, self._principal_of(record))
            change.response = {
                "credentials": {"accessKeyId": credentials.access_key_id,
                                "expiration": iso_z(credentials.expiration)},
                "federatedUser": {"federatedUserId": result.federated_user_id, "arn": arn},
                "packedPolicySize": packed}
        return result

    def get_scoped_credentials(self, caller: Principal, *, policy: str | None = None,
                               duration_seconds: int | None = None,
                               scoped_session_description: str | None = None
                               ) -> ScopedCredentialsResult:
        """GetScopedCredentials: credentials of the caller's own session narrowed by a
        scope-down policy and/or a shorter lifetime (see the module's notes)."""
        if policy is None and duration_seconds is None:
            raise ValidationError("A request must provide at least one of Policy or "
                                  "DurationSeconds.")
        if duration_seconds is not None and (
                isinstance(duration_seconds, bool) or not isinstance(duration_seconds, int)
                or not 1 <= duration_seconds <= SCOPED_MAX_SECONDS):
            raise constraint_error(duration_seconds, "durationSeconds", "Member must have "
                                   f"value between 1 and {SCOPED_MAX_SECONDS}")
        if scoped_session_description is not None and \
                not _DESCRIPTION_RE.fullmatch(scoped_session_description):
            raise ValidationError("1 validation error detected: Value at "
                                  "'scopedSessionDescription' failed to satisfy constraint: "
                                  "Member must have length between 2 and 256 of "
                                  "[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]")
        params = {"policy": policy, "durationSeconds": duration_seconds,
                  "scopedSessionDescription": scoped_session_description}
        with self._sts_change(caller, "GetScopedCredentials", params) as change:
            tx, now = change.tx, self.clock()
            if not caller.is_temporary:
                raise InvalidSubjectCredentials("GetScopedCredentials needs temporary "
                                                "security credentials: call it with a "
                                                "session's, not a user's or the root user's.")
            self._check_still_valid(tx, caller)
            parent = self._live_session(tx, caller.access_key_id or "")
            layers = parent.scope_policies
            if policy is not None:
                check_session_inputs(tx, policy=policy)  # the session policy's rules
                if len(layers) >= SCOPE_DOWN_LAYERS_MAX:
                    raise AccessDenied(f"The session already has {SCOPE_DOWN_LAYERS_MAX} "
                                       "scope-down policies, the most a session may have.")
                layers = (*layers, policy)
            expiration = parent.expiration
            if duration_seconds is not None:
                asked = now.replace(microsecond=0) + timedelta(seconds=duration_seconds)
                if asked > parent.expiration:
                    raise InsufficientSessionLifetime(
                        f"The requested DurationSeconds ({duration_seconds}) is greater than "
                        "the remaining lifetime of the calling session.")
                expiration = asked
            credentials, record = self._store_session(
                tx, lambda key_id, secret, token: replace(
                    parent, access_key_id=key_id, secret_digest=secret, token_digest=token,
                    expiration=expiration, scope_policies=layers))
            result = ScopedCredentialsResult(credentials, self._principal_of(record),
                                             len(layers), record.source_identity)
            change.response = {
                "credentials": {"accessKeyId": credentials.access_key_id,
                                "expiration": iso_z(credentials.expiration)},
                "sessionInfo": {"scopedSessionId": result.principal.principal_id,
                                "arn": result.principal.arn},
                "scopedPoliciesCount": len(layers)}
        return result

    def get_access_key_info(self, caller: Principal, access_key_id: str) -> str:
        """GetAccessKeyInfo: the account an access key ID (long-term or temporary) belongs
        to; an ID this store never issued, or one deleted, is NoSuchEntity. Authorized as
        sts:GetAccessKeyInfo; it says nothing of the key's state."""
        if not isinstance(access_key_id, str) or not ACCESS_KEY_ID_RE.fullmatch(access_key_id):
            raise constraint_error(access_key_id, "accessKeyId", "Member must have length "
                                   "between 16 and 128 and satisfy regular expression "
                                   "pattern: [\\w]*")
        params = {"accessKeyId": access_key_id}
        with self._sts_read(caller, "GetAccessKeyInfo", params) as view:
            if ACCESS_KEYS.get(view, access_key_id) is None and \
                    ROLE_SESSIONS.get(view, access_key_id) is None:
                raise NoSuchEntity(f"The access key ID {access_key_id} does not exist.")
        return self.account_id

    def decode_authorization_message(self, caller: Principal, encoded_message: str) -> str:
        """DecodeAuthorizationMessage: the DecodedMessage JSON of an encoded authorization
        failure message this store issued, for a caller allowed
        sts:DecodeAuthorizationMessage."""
        if not isinstance(encoded_message, str) or \
                not 1 <= len(encoded_message) <= authz_messages.MAX_ENCODED:
            raise ValidationError("1 validation error detected: Value at 'encodedMessage' "
                                  "failed to satisfy constraint: Member must have length "
                                  f"between 1 and {authz_messages.MAX_ENCODED}")
        with self._sts_read(caller, "DecodeAuthorizationMessage", {}) as view:
            decoded = authz_messages.decode(self.keys_dir, view.meta["store_id"],
                                            encoded_message)
        return decoded

    @contextlib.contextmanager
    def _sts_read(self, caller: Principal, event: str,
                  params: Mapping[str, Any]) -> Iterator[Snapshot]:
        """An STS read authorized as sts:<event> on "*" (these actions name no resource),
        audited as an sts.amazonaws.com event, refused or not, as GetCallerIdentity is."""
        view = self.store.snapshot()
        try:
            self._authorize(view, caller, f"sts:{event}", "*")
            yield view
        except IamError as exc:
            self._record(caller, event, params, error=exc, read_only=True,
                         source=audit.STS_SOURCE)
            raise
        self._record(caller, event, params, read_only=True, source=audit.STS_SOURCE)

    def _refuse_session_credentials(self, caller: Principal, operation: str) -> None:
        """Neither call takes temporary credentials (STS API Reference)."""
        if caller.is_temporary:
            raise AccessDenied(f"Cannot call {operation} with session credentials")

