"""Roles you can assume: AssumeRole, role sessions, GetCallerIdentity, revoking sessions.

AWS pages followed:
- STS API Reference, AssumeRole: DurationSeconds 900 up to the role's
  MaxSessionDuration (one hour at most for role chaining), RoleSessionName 2-64 of
  [\\w+=,.@-], SerialNumber and TokenCode for MFA, the Credentials and
  AssumedRoleUser response shapes; root user credentials cannot call AssumeRole.
- IAM User Guide, "Policy evaluation logic" / "Cross-account policy evaluation
  logic": a role's trust policy is the resource-based policy for sts:AssumeRole;
  within one account a trust policy that names the caller's ARN suffices, while one
  that names only the account needs the caller's identity-based policies to allow.
- IAM User Guide, "Revoking IAM role temporary security credentials": revoking
  adds the inline policy AWSRevokeOlderSessions, which denies everything to
  sessions whose aws:TokenIssueTime is older than the moment of revocation.
- STS API Reference, GetCallerIdentity: needs no permission; UserId, Account, Arn.
- IAM User Guide, "Session policies", "Passing session tags in AWS STS" and "Monitor and
  control actions taken with assumed roles": AssumeRole's Policy/PolicyArns, Tags,
  TransitiveTagKeys and SourceIdentity (checked in session_inputs.py); tags need
  sts:TagSession and a source identity sts:SetSourceIdentity, from both the trust policy
  and the caller's policies.

Only digests of a session's secret and token are stored (`ROLE_SESSIONS`). A session
acts as the role: the role's policies and boundary decide for it (`ServiceCore`
resolves the policies of an "assumed-role" caller by the role's name).
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from iamtui import audit
from iamtui.arn import (
    MAX_ROLE_SESSION_SECONDS,
    assumed_role_arn,
    constraint_error,
    validate_role_session_name,
    validate_seconds,
)
from iamtui.errors import (
    AccessDenied,
    IamError,
    InvalidAuthenticationCode,
    InvalidClientTokenId,
    ValidationError,
)
from iamtui.model import Role, RoleLastUsed, aws_timestamp, iso_z
from iamtui.policy import (
    Caller,
    ContextEntry,
    EvalRequest,
    EvalResult,
    PolicyInput,
    PolicySourceType,
    RequestContext,
    compile_policy,
    evaluate,
)
from iamtui.security import access_keys as keys
from iamtui.security.mfa import verify_code
from iamtui.service import keyfiles
from iamtui.service.core import (
    Change,
    Principal,
    View,
    check_temporary_limits,
)
from iamtui.service.mfa_devices import DRIFT_META, ROOT_OWNER
from iamtui.service.owners import OWNERS
from iamtui.service.principals import trust_policy_input
from iamtui.service.serving import ServingOperations, forget_secret
from iamtui.service.session_inputs import SessionInputs, chained, check_session_inputs
from iamtui.service.tables import (
    MFA_DEVICES,
    ROLE_SESSIONS,
    ROLES,
    USERS,
    RoleSession,
    SessionKey,
)

MIN_DURATION_SECONDS = 900
DEFAULT_DURATION_SECONDS = 3600
ROLE_CHAINING_MAX_SECONDS = 3600
REVOKE_POLICY_NAME = "AWSRevokeOlderSessions"
SESSION_REGION = "us-east-1"  # STS's global endpoint files its calls under us-east-1
INVALID_TOKEN = "The security token included in the request is invalid."

ROLE_ARN_RE = re.compile(r"arn:aws:iam::(\d{12}):role/(?:[\x21-\x7e]*/)?([\w+=,.@-]{1,64})",
                          re.ASCII)
SERIAL_RE = re.compile(r"[\w+=/:,.@-]{9,256}", re.ASCII)
EXTERNAL_ID_RE = re.compile(r"[\w+=,.@:/-]{2,1224}", re.ASCII)


def federated_user_arn(account_id: str, name: str) -> str:
    """A federated user's ARN: arn:aws:sts::ACCOUNT:federated-user/NAME."""
    return f"arn:aws:sts::{account_id}:federated-user/{name}"


class ExpiredToken(IamError):
    """Temporary credentials used after their expiration (STS's error code)."""

    code, http_status = "ExpiredToken", 400


@dataclass(frozen=True)
class Credentials:
    """Temporary credentials: shown once, never stored in clear."""

    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str = field(repr=False)
    expiration: datetime


@dataclass(frozen=True)
class AssumeRoleResult:
    """AssumeRole's answer, and the principal the new session acts as."""

    credentials: Credentials
    assumed_role_id: str  # "AROA...:session"
    arn: str  # arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION
    principal: Principal
    packed_policy_size: int | None = None  # only when session policies or tags were passed
    source_identity: str | None = None


@dataclass(frozen=True)
class CallerIdentity:
    """GetCallerIdentity's answer."""

    user_id: str
    account: str
    arn: str


def aws_assume_role(result: AssumeRoleResult) -> dict[str, Any]:
    """The JSON `aws sts assume-role` prints."""
    out: dict[str, Any] = {"Credentials": aws_credentials(result.credentials),
                           "AssumedRoleUser": {"AssumedRoleId": result.assumed_role_id,
                                               "Arn": result.arn}}
    if result.packed_policy_size is not None:
        out["PackedPolicySize"] = result.packed_policy_size
    if result.source_identity is not None:
        out["SourceIdentity"] = result.source_identity
    return out


def aws_credentials(creds: Credentials) -> dict[str, str]:
    """AWS's Credentials shape (AssumeRole, GetSessionToken, GetFederationToken)."""
    return {"AccessKeyId": creds.access_key_id, "SecretAccessKey": creds.secret_access_key,
            "SessionToken": creds.session_token, "Expiration": aws_timestamp(creds.expiration)}


def aws_caller_identity(identity: CallerIdentity) -> dict[str, str]:
    """The JSON `aws sts get-caller-identity` prints."""
    return {"UserId": identity.user_id, "Account": identity.account, "Arn": identity.arn}


def revoke_policy_document(cutoff: datetime) -> str:
    """AWS's AWSRevokeOlderSessions policy: deny all to sessions issued before `cutoff`."""
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Deny", "Action": ["*"], "Resource": ["*"],
        "Condition": {"DateLessThan": {
            "aws:TokenIssueTime": cutoff.strftime("%Y-%m-%dT%H:%M:%SZ")}}}]})


def validate_duration(seconds: int) -> int:
    """A role session's DurationSeconds: 900 to 43,200 (the role's own limit is checked
    once the role is found)."""
    return validate_seconds(seconds, "durationSeconds", MIN_DURATION_SECONDS,
                            MAX_ROLE_SESSION_SECONDS)


def validate_mfa_input(serial_number: str | None, token_code: str | None) -> None:
    if (serial_number is None) != (token_code is None):
        missing = "tokenCode" if token_code is None else "serialNumber"
        raise ValidationError(f"MFA needs both SerialNumber and TokenCode: {missing} is missing.")
    if serial_number is not None and not SERIAL_RE.fullmatch(serial_number):
        raise constraint_error(serial_number, "serialNumber",
                               "Member must have length between 9 and 256 and satisfy regular "
                               "expression pattern: [\\w+=/:,.@-]*")
    if token_code is not None and not re.fullmatch(r"[0-9]{6}", token_code):
        raise constraint_error(token_code, "tokenCode", "Member must have length 6 and satisfy "
                               "regular expression pattern: [\\d]*")


class StsOperations(ServingOperations):
    """sts:AssumeRole, sts:GetCallerIdentity, role sessions and their revocation."""

    # ------------------------------------------------------------------ plumbing

    @contextlib.contextmanager
    def _sts_change(self, caller: Principal, event: str,
                    params: Mapping[str, Any]) -> Iterator[Change]:
        """One atomic change audited with eventSource sts.amazonaws.com (also on failure)."""
        with self._audited(caller, event, params, source=audit.STS_SOURCE) as change:
            yield change

    def _check_still_valid(self, view: View, caller: Principal) -> None:
        """Role sessions also stop working when they expire or their role is replaced."""
        super()._check_still_valid(view, caller)
        if caller.is_temporary:
            self._live_session(view, caller.access_key_id or "")

    def _live_session(self, view: View, access_key_id: str) -> RoleSession:
        session = ROLE_SESSIONS.get(view, access_key_id)
        if session is None:
            raise InvalidClientTokenId(INVALID_TOKEN)
        if self.clock() >= session.expiration:
            raise ExpiredToken("The security token included in the request is expired")
        if session.session_type == "assumed-role":
            owner: Any = ROLES.find_one(view, "name", session.role_name)
            owner_id = owner.role_id if owner else None
        elif session.role_id == self.account_id:  # the root user's own session
            owner_id = self.account_id
        else:
            owner = USERS.find_one(view, "name", session.role_name)
            owner_id = owner.user_id if owner else None
        if owner_id != session.role_id:
            raise InvalidClientTokenId(INVALID_TOKEN)
        return session

    # ------------------------------------------------------------------ AssumeRole

    def assume_role(self, caller: Principal, role_arn: str, role_session_name: str, *,
                    duration_seconds: int = DEFAULT_DURATION_SECONDS,
                    serial_number: str | None = None,
                    token_code: str | None = None,
                    external_id: str | None = None,
                    policy: str | None = None,
                    policy_arns: Sequence[str] = (),
                    tags: Sequence[tuple[str, str]] = (),
                    transitive_tag_keys: Sequence[str] = (),
                    source_identity: str | None = None) -> AssumeRoleResult:
        """AssumeRole: temporary credentials for `role_arn` if its trust policy (and, unless
        the trust policy names the caller, the caller's own policies) allow sts:AssumeRole.
        `external_id` is offered to the trust policy's conditions as sts:ExternalId.

        Session policies (`policy`, `policy_arns`) cap what the session may do; session
        `tags` (needing sts:TagSession) become its aws:PrincipalTag/* keys; a
        `source_identity` (needing sts:SetSourceIdentity) its aws:SourceIdentity. In a role
        chain the calling session's transitive tags and source identity pass on."""
        validate_role_session_name(role_session_name)
        validate_duration(duration_seconds)
        validate_mfa_input(serial_number, token_code)
        if external_id is not None and not EXTERNAL_ID_RE.fullmatch(external_id):
            raise constraint_error(external_id, "externalId", "Member must have length between 2 "
                                   "and 1224 and satisfy regular expression pattern: "
                                   "[\\w+=,.@:\\/-]*")
        match = ROLE_ARN_RE.fullmatch(role_arn) if isinstance(role_arn, str) else None
        if match is None:
            raise constraint_error(role_arn, "roleArn", "Member must be the ARN of an IAM role "
                                   "(arn:aws:iam::ACCOUNT:role/NAME)")
        params = {"roleArn": role_arn, "roleSessionName": role_session_name,
                  "durationSeconds": duration_seconds, "serialNumber": serial_number,
                  "externalId": external_id, "policy": policy,
                  "policyArns": [{"arn": a} for a in policy_arns] or None,
                  "tags": [{"key": k, "value": v} for k, v in tags] or None,
                  "transitiveTagKeys": list(transitive_tag_keys) or None,
                  "sourceIdentity": source_identity}
        with self._sts_change(caller, "AssumeRole", params) as change:
            tx = change.tx
            now = self.clock()
            if caller.is_root:
                raise AccessDenied("Roles may not be assumed by root accounts.")
            self._check_still_valid(tx, caller)
            check_temporary_limits(caller, "sts:AssumeRole")
            passed = check_session_inputs(tx, policy=policy, policy_arns=policy_arns,
                                          tags=tags, transitive_tag_keys=transitive_tag_keys,
                                          source_identity=source_identity)
            inputs = self._chain_inputs(tx, caller, passed)
            acting = caller
            if serial_number is not None and token_code is not None:
                self._verify_mfa(change, caller, serial_number, token_code, now)
                acting = replace(caller, mfa_authenticated_at=now)
            role = ROLES.find_one(tx, "arn", role_arn)
            context = [ContextEntry("sts:RoleSessionName", (role_session_name,)),
                       *inputs.context()]
            if external_id is not None:
                context.append(ContextEntry("sts:ExternalId", (external_id,)))
            # A missing role is denied like an untrusting one, so existence does not leak.
            for action in ("sts:AssumeRole",
                           *(("sts:TagSession",) if inputs.tags else ()),
                           *(("sts:SetSourceIdentity",) if inputs.source_identity else ())):
                if role is None or not self._trust_allows(tx, acting, role, context, action):
                    raise AccessDenied(f"User: {caller.arn} is not authorized to perform: "
                                       f"{action} on resource: {role_arn} because the role's "
                                       "trust policy does not allow it")
                result = self.evaluate_caller(tx, acting, action, role_arn, context)
                if not result.allowed:
                    raise self._denied(tx, caller, action, role_arn, result)
            assert role is not None  # the loop above refused a missing role
            if duration_seconds > role.max_session_duration:
                raise ValidationError("The requested DurationSeconds exceeds the "
                                      "MaxSessionDuration set for this role.")
            if caller.kind == "assumed-role" and duration_seconds > ROLE_CHAINING_MAX_SECONDS:
                raise ValidationError("The requested DurationSeconds exceeds the 1 hour session "
                                      "limit for roles assumed by role chaining.")
            out = self._new_session(tx, role, role_session_name, now, duration_seconds,
                                    source_arn=caller.arn,
                                    mfa_at=acting.mfa_authenticated_at, inputs=inputs)
            change.response = {
                "credentials": {"accessKeyId": out.credentials.access_key_id,
                                "expiration": iso_z(out.credentials.expiration)},
                "assumedRoleUser": {"assumedRoleId": out.assumed_role_id, "arn": out.arn},
                "packedPolicySize": out.packed_policy_size,
                "sourceIdentity": out.source_identity}
        return out

    def _chain_inputs(self, view: View, caller: Principal,
                      passed: SessionInputs) -> SessionInputs:
        """What a new session carries: what was passed, and in a role chain the calling
        session's transitive tags and source identity."""
        session = self.session_of(view, caller)
        if session is None or session.session_type != "assumed-role":
            return passed
        keys = {k.lower() for k in session.transitive_tag_keys}
        return chained(passed, [t for t in session.tags if t.key.lower() in keys],
                       session.source_identity)

    def _trust_allows(self, view: View, caller: Principal, role: Role,
                      extra: list[ContextEntry], action: str = "sts:AssumeRole") -> bool:
        """Whether the role's trust policy itself allows `caller` to assume it.

        Role trust policies are the exception to same-account evaluation: an identity
        policy alone never lets a caller assume a role (IAM User Guide, Policy evaluation
        logic). The engine answers this the way it does across accounts, where both sides
        must allow: an allow-all identity side, the trust policy as the resource side.
        """
        return trust_decision(role, action, caller.arn,
                              self.caller_context(view, caller, extra)).allowed

    def _verify_mfa(self, change: Change, caller: Principal, serial_number: str,
                    token_code: str, now: datetime) -> None:
        """Check the caller's MFA code (once per time step) and remember its step."""
        device = MFA_DEVICES.get(change.tx, serial_number)
        owner = ROOT_OWNER if caller.is_root else caller.name  # GetSessionToken takes root's
        if device is None or device.enable_date is None or caller.kind not in ("user", "root") \
                or (device.user_name or "").casefold() != owner.casefold():
            raise AccessDenied("MultiFactorAuthentication failed, unable to validate MFA "
                               "code. Please verify your MFA serial number is valid and "
                               "associated with this user.")
        seed = self._mfa_seed(serial_number, device.seed_ciphertext)
        try:
            drift = change.tx.meta.get(DRIFT_META, {}).get(serial_number, 0)
            step = verify_code(seed, token_code, now=now, last_used_step=device.last_used_step,
                               drift_steps=int(drift))
        except InvalidAuthenticationCode:
            raise AccessDenied("MultiFactorAuthentication failed with invalid MFA one time "
                               "pass code.") from None
        MFA_DEVICES.put(change.tx, replace(device, last_used_step=step))

    def _mfa_seed(self, serial_number: str, ciphertext: str) -> str:
        """The device's seed (sealed to its serial number, as MfaDeviceOperations seals it)."""
        store_id = self.store.snapshot().meta["store_id"]
        # seeds_exist: this device has one, so a missing key is never remade here
        cipher = keyfiles.seed_cipher(self.keys_dir, store_id, seeds_exist=True)
        return cipher.decrypt(ciphertext, associated_data=serial_number)

    def _new_session(self, tx: Any, role: Role, session_name: str, now: datetime,
                     duration_seconds: int, *, source_arn: str,
                     mfa_at: datetime | None,
                     inputs: SessionInputs | None = None,
                     federation_keys: Sequence[ContextEntry] = ()) -> AssumeRoleResult:
        """Issue a role session's credentials (AssumeRole and the web identity calls);
        `federation_keys` are the token's or assertion's keys its requests carry."""
        inputs = inputs or SessionInputs()
        credentials, record = self._issue(
            tx, role.role_id, role.role_name, session_name, now, duration_seconds,
            source_arn=source_arn, mfa_at=mfa_at, session_type="assumed-role", inputs=inputs,
            federation_keys=federation_keys)
        ROLES.put(tx, replace(role, role_last_used=RoleLastUsed(now, SESSION_REGION)))
        principal = self._principal_of(record)
        packed = inputs.packed_policy_size() if inputs.has_policies or inputs.tags else None
        return AssumeRoleResult(credentials, principal.principal_id, principal.arn, principal,
                                packed, inputs.source_identity)

    def _issue(self, tx: Any, owner_id: str, owner_name: str, session_name: str,
               now: datetime, duration_seconds: int, *, source_arn: str,
               mfa_at: datetime | None, session_type: str, inputs: SessionInputs,
               federation_keys: Sequence[ContextEntry] = ()
               ) -> tuple[Credentials, RoleSession]:
        """New temporary credentials and their stored session (digests only)."""
        issued = now.replace(microsecond=0)
        expiration = issued + timedelta(seconds=duration_seconds)
        for stale in ROLE_SESSIONS.find_by(tx, "role", owner_name):
            if stale.expiration <= now:  # expired sessions can never work again
                ROLE_SESSIONS.delete(tx, stale.access_key_id)
                forget_secret(tx, stale.access_key_id)  # and its sealed secret
        return self._store_session(tx, lambda key_id, secret, token: RoleSession(
            key_id, owner_id, owner_name, session_name, secret, token, issued, expiration,
            source_arn, mfa_at, session_type, inputs.policy, inputs.policy_arns,
            inputs.tags, inputs.transitive_tag_keys, inputs.source_identity,
            tuple(SessionKey(e.key, e.values) for e in federation_keys)))

    def _store_session(self, tx: Any, make: Callable[[str, str, str], RoleSession]
                       ) -> tuple[Credentials, RoleSession]:
        """New temporary credentials: `make` builds the session record from the new access
        key ID and the digests of the secret and token, which alone are stored."""
        access_key_id = keys.new_access_key_id(temporary=True)
        secret, token = keys.new_secret_access_key(), keys.new_session_token()
        record = make(access_key_id, keys.secret_digest(secret), keys.secret_digest(token))
        ROLE_SESSIONS.put(tx, record)
        self.seal_secret(tx, access_key_id, secret)  # only where the store serves
        return Credentials(access_key_id, secret, token, record.expiration), record

    def _principal_of(self, session: RoleSession) -> Principal:
        """The principal whose calls a stored session's credentials make."""
        if session.session_type == "federated-user":
            return Principal("federated-user", self.account_id,
                             federated_user_arn(self.account_id, session.session_name),
                             session.role_name, f"{self.account_id}:{session.session_name}",
                             access_key_id=session.access_key_id,
                             session_name=session.session_name,
                             session_issued_at=session.issued_at)
        if session.session_type == "session-token":
            if session.role_id == self.account_id:
                return replace(Principal.root(self.account_id,
                                              mfa_at=session.mfa_authenticated_at),
                               access_key_id=session.access_key_id,
                               session_issued_at=session.issued_at)
            return Principal("user", self.account_id, session.source_arn, session.role_name,
                             session.role_id, access_key_id=session.access_key_id,
                             mfa_authenticated_at=session.mfa_authenticated_at,
                             session_issued_at=session.issued_at)
        return self._session_principal(session.role_id, session.role_name,
                                       session.session_name, session.access_key_id,
                                       session.issued_at, session.mfa_authenticated_at)

    def _session_principal(self, role_id: str, role_name: str, session_name: str,
                           access_key_id: str, issued: datetime,
                           mfa_at: datetime | None) -> Principal:
        return Principal("assumed-role", self.account_id,
                         assumed_role_arn(self.account_id, role_name, session_name),
                         role_name, f"{role_id}:{session_name}", access_key_id=access_key_id,
                         session_name=session_name, mfa_authenticated_at=mfa_at,
                         session_issued_at=issued)

    # ------------------------------------------------------------------ sessions

    def authenticate_session(self, access_key_id: str, secret_access_key: str,
                             session_token: str) -> Principal:
        """The role session whose temporary key pair and token these are.

        Raises InvalidClientTokenId for unknown or wrong credentials (both digests are
        always compared, in constant time) and ExpiredToken after the expiration.
        """
        view = self.store.snapshot()
        stored = ROLE_SESSIONS.get(view, access_key_id)
        secret_ok = keys.verify_secret(stored.secret_digest if stored else _DUMMY,
                                       secret_access_key)
        token_ok = keys.verify_secret(stored.token_digest if stored else _DUMMY, session_token)
        if stored is None or not (secret_ok and token_ok):
            raise InvalidClientTokenId(INVALID_TOKEN)
        return self._principal_of(self._live_session(view, access_key_id))

    def get_caller_identity(self, caller: Principal) -> CallerIdentity:
        """GetCallerIdentity: who the caller is; no permission needed (even under a deny)."""
        view = self.store.snapshot()
        try:
            if not caller.is_root or caller.is_temporary:
                self._check_still_valid(view, caller)
        except IamError as exc:
            self._record(caller, "GetCallerIdentity", {}, error=exc, read_only=True,
                         source=audit.STS_SOURCE)
            raise
        self._record(caller, "GetCallerIdentity", {}, read_only=True, source=audit.STS_SOURCE)
        return CallerIdentity(caller.principal_id, caller.account_id, caller.arn)

    def list_role_sessions(self, caller: Principal, role_name: str) -> list[RoleSession]:
        """The unexpired sessions of a role (authorized as iam:GetRole on it)."""
        params = {"roleName": role_name}
        role = self._subject(caller, "GetRole", params, OWNERS["role"].get, role_name)
        view = self._read(caller, "GetRole", role.arn, params=params)
        now = self.clock()
        return sorted((s for s in ROLE_SESSIONS.find_by(view, "role", role.role_name)
                       if s.expiration > now and s.role_id == role.role_id
                       and s.session_type == "assumed-role"),
                      key=lambda s: s.issued_at)

    def revoke_role_sessions(self, caller: Principal, role_name: str) -> datetime:
        """Revoke every session of the role issued before now, as the console's "Revoke
        active sessions" does: PutRolePolicy of AWSRevokeOlderSessions (so the caller needs
        iam:PutRolePolicy, and the role's inline policy quota applies). Returns the cutoff."""
        cutoff = self.clock().replace(microsecond=0)
        # PutRolePolicy comes from InlinePolicyOperations, beside this mixin in IamService.
        self.put_role_policy(caller, role_name, REVOKE_POLICY_NAME,  # type: ignore[attr-defined]
                             revoke_policy_document(cutoff))
        return cutoff


def trust_decision(role: Role, action: str, caller_arn: str,
                   context: RequestContext) -> EvalResult:
    """The role's trust policy alone on `caller_arn` asking for `action` (sts:AssumeRole,
    sts:AssumeRoleWithWebIdentity, ...): the engine treats it as another account's policy,
    where both sides must allow, with an allow-all identity side."""
    request = EvalRequest(action, role.arn, context, Caller.from_arn(caller_arn),
                          resource_owner=_TRUST_ONLY_OWNER)
    return evaluate(request, (_ALLOW_ALL,), resource_policy=trust_policy_input(role))


_DUMMY = keys.secret_digest("0" * 40)  # compared against when the key ID is unknown
# Not an account ID: makes the engine treat the trust policy as another account's policy.
_TRUST_ONLY_OWNER = "trust-policy"
_ALLOW_ALL = PolicyInput(compile_policy(
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'),
    "trust-check", PolicySourceType.NONE)
