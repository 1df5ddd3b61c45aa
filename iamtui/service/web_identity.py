"""AssumeRoleWithWebIdentity: an OIDC ID token (a JWT) for a role's temporary credentials,
and the tester's offline answer to "may this token (or these claims) assume this role?".

AWS pages followed:
- STS API Reference, AssumeRoleWithWebIdentity: RoleArn, RoleSessionName (2-64),
  WebIdentityToken (4-20,000 characters), DurationSeconds (900 up to the role's maximum);
  the response's Credentials, SubjectFromWebIdentityToken, AssumedRoleUser, Provider and
  Audience; the errors InvalidIdentityToken, ExpiredTokenException, IDPRejectedClaim and
  AccessDenied. The call is not signed: no IAM principal makes it.
- IAM User Guide, "OIDC federation": IAM allows five minutes past the token's `exp` for
  clock skew.
- IAM User Guide, "Create an OpenID Connect (OIDC) identity provider in IAM": the token's
  `iss` is the provider's URL and its `aud` one of the provider's client IDs.
- IAM User Guide, "Available keys for AWS web identity federation": the trust policy sees
  the token's claims as PROVIDER:aud (the `azp` claim when the token has one, else
  `aud`), PROVIDER:oaud (the `aud` claim when `azp` took :aud), PROVIDER:sub,
  PROVIDER:amr and PROVIDER:email, PROVIDER being the provider's URL without https://
  (token.actions.githubusercontent.com:sub = repo:ORG/REPO:ref:refs/heads/main); "these
  condition keys are available when the temporary security credentials are used to make a
  request", so the session's own requests carry them too.

Signatures are checked with PyJWT against the JWKS stored with the provider
(oidc_providers.py); times against the store's clock, not the machine's.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from iamtui import audit
from iamtui.errors import AccessDenied, IamError, InvalidInput, NoSuchEntity, ValidationError
from iamtui.model import iso_z
from iamtui.policy import ContextEntry, EvalResult, RequestContext, simulation
from iamtui.service.core import Principal, View
from iamtui.service.oidc_providers import (
    SIGNING_ALGORITHMS,
    OpenIdConnectProvider,
    OpenIdConnectProviderOperations,
)
from iamtui.service.session_inputs import check_session_inputs
from iamtui.service.sts import (
    DEFAULT_DURATION_SECONDS,
    ROLE_ARN_RE,
    AssumeRoleResult,
    StsOperations,
    aws_assume_role,
    trust_decision,
    validate_duration,
)
from iamtui.service.tables import ROLES

ACTION = "sts:AssumeRoleWithWebIdentity"
CLOCK_SKEW = timedelta(minutes=5)
NOT_AUTHORIZED = f"Not authorized to perform {ACTION}"
COULD_NOT_VALIDATE = ("The web identity token that was passed could not be validated by AWS. "
                      "Get a new identity token from the identity provider and then retry the "
                      "request.")
_KEY_TYPES = {"RS": "RSA", "ES": "EC"}  # the JWK key type each algorithm family signs with
# The claims AWS offers a trust policy as PROVIDER:<claim>, beside :aud and :oaud.
CLAIM_KEYS = ("sub", "amr", "email")


class InvalidIdentityToken(IamError):
    """The token is not one of a provider of the account, or does not verify (STS's code)."""

    code, http_status = "InvalidIdentityToken", 400


class ExpiredTokenException(IamError):
    """The token's `exp` (plus five minutes of clock skew) has passed (STS's code)."""

    code, http_status = "ExpiredTokenException", 400


class IDPRejectedClaim(IamError):
    """A claim the exchange needs is missing or of the wrong type (STS's code)."""

    code, http_status = "IDPRejectedClaim", 403


@dataclass(frozen=True)
class VerifiedToken:
    """A token's claims once its provider, signature (when checked), issuer, audience and
    times are; `audience` is the client ID it was issued to."""

    provider: OpenIdConnectProvider
    claims: Mapping[str, Any]
    subject: str
    audience: str


@dataclass(frozen=True)
class WebIdentityResult:
    """AssumeRoleWithWebIdentity's answer: the session, and what the token said."""

    session: AssumeRoleResult
    subject: str
    provider_arn: str
    audience: str


@dataclass(frozen=True)
class WebIdentityTest:
    """The tester's verdict: whether STS would let the token assume the role, and why.

    `refusal` is the error STS would answer with before the trust policy (a token of no
    provider, a wrong audience, an expired token...); else `evaluation` is the trust
    policy's decision on the context the token gives."""

    role_arn: str
    provider_arn: str | None
    context: tuple[ContextEntry, ...] = ()
    evaluation: EvalResult | None = None
    refusal: IamError | None = None
    signature_checked: bool = False
    notes: tuple[str, ...] = field(default=())

    @property
    def allowed(self) -> bool:
        return self.refusal is None and self.evaluation is not None and \
            self.evaluation.allowed


def aws_assume_role_with_web_identity(result: WebIdentityResult) -> dict[str, Any]:
    """The JSON `aws sts assume-role-with-web-identity` prints."""
    session = aws_assume_role(result.session)  # Credentials, AssumedRoleUser, PackedPolicySize
    out: dict[str, Any] = {"Credentials": session.pop("Credentials"),
                           "SubjectFromWebIdentityToken": result.subject}
    return out | session | {"Provider": result.provider_arn, "Audience": result.audience}


def aws_web_identity_test(test: WebIdentityTest) -> dict[str, Any]:
    """iamtui's test-web-identity answer: the decision, the context keys, and the reason."""
    out: dict[str, Any] = {
        "RoleArn": test.role_arn, "ProviderArn": test.provider_arn,
        "EvalDecision": "allowed" if test.allowed else
        str(test.evaluation.decision) if test.evaluation is not None else "refused",
        "SignatureVerified": test.signature_checked,
        "ContextEntries": [{"ContextKeyName": e.key, "ContextKeyValues": list(e.values),
                            "ContextKeyType": e.type} for e in test.context]}
    if test.refusal is not None:
        out["ErrorCode"], out["ErrorMessage"] = test.refusal.code, test.refusal.message
    if test.evaluation is not None:
        out["MatchedStatements"] = [m.to_aws() for m in test.evaluation.matched]
        out["MissingContextValues"] = list(test.evaluation.missing_context)
    out["Explanation"] = test_explanation(test)
    if test.notes:
        out["Notes"] = list(test.notes)
    return out


def test_explanation(test: WebIdentityTest) -> list[str]:
    """The verdict in words, first line first: what refused the token, or which trust
    policy statement decided and why the others did not apply."""
    from iamtui.policy import explain  # only the tester reads explanations

    if test.evaluation is None:
        refusal = test.refusal
        return [f"STS refuses the token before the trust policy is read: "
                f"{refusal.code if refusal else 'error'}: {refusal.message if refusal else ''}"]
    reason = explain(test.evaluation)
    role = test.role_arn.rsplit("/", 1)[-1]
    applied = [t for t in reason.traces if t.applies]
    if test.allowed:
        head = (f"Allowed: {applied[0].label} of the trust policy of {role} lets "
                f"{test.provider_arn} assume it with this token's claims.")
    elif test.evaluation.decision == "explicitDeny":
        deny = next(t for t in applied if t.statement.is_deny)
        head = f"Denied explicitly: {deny.label} of the trust policy of {role} denies it."
    else:
        head = (f"Denied: no statement of the trust policy of {role} allows "
                f"{test.provider_arn} with this token's claims.")
    return [head, *reason.details]


# ---------------------------------------------------------------------------- the token

def _unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The token's header and claims, read without checking anything (to find its
    provider); InvalidIdentityToken when it is no JWT."""
    import jwt

    try:
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, options={"verify_signature": False})
    except (jwt.PyJWTError, ValueError, RecursionError):
        raise InvalidIdentityToken("The ID Token provided is not a valid JWT. (You may see "
                                   "this error if you sent an Access Token)") from None
    if not isinstance(claims, dict):
        raise InvalidIdentityToken("The ID Token provided is not a valid JWT.")
    return header, claims


def _verify_signature(token: str, header: Mapping[str, Any],
                      provider: OpenIdConnectProvider) -> None:
    """The token's signature against the provider's JWKS, by its `kid` (or the one key)."""
    import jwt

    if provider.jwks is None:
        raise InvalidIdentityToken(
            "Couldn't retrieve verification key from your identity provider, please reference "
            "AssumeRoleWithWebIdentity documentation for requirements (iamtui has no network: "
            f"give the keys with `iamtui set-open-id-connect-provider-jwks "
            f"--open-id-connect-provider-arn {provider.arn} --jwks file://jwks.json`)")
    algorithm = header.get("alg")
    if algorithm not in SIGNING_ALGORITHMS:
        raise InvalidIdentityToken(f"Unsupported signing algorithm {algorithm}: the token "
                                   f"must be signed with one of {', '.join(SIGNING_ALGORITHMS)}.")
    kid = header.get("kid")
    raw = [k for k in json.loads(provider.jwks)["keys"] if kid is None or k.get("kid") == kid]
    if len(raw) != 1:
        raise InvalidIdentityToken(f"No key with kid {kid} in the provider's JWKS"
                                   if kid is not None else "The token names no key (kid) and "
                                   "the provider has more than one")
    if raw[0].get("kty") != _KEY_TYPES[algorithm[:2]] or raw[0].get("alg", algorithm) != algorithm:
        raise InvalidIdentityToken(f"The token is signed with {algorithm}, which its key "
                                   f"{kid} ({raw[0].get('kty')}) does not sign with")
    try:
        key = jwt.PyJWK(raw[0], algorithm)
    except (jwt.PyJWKError, jwt.InvalidKeyError):
        raise InvalidIdentityToken(COULD_NOT_VALIDATE) from None
    try:
        jwt.decode(token, key.key, algorithms=[algorithm],
                   options={"verify_exp": False, "verify_nbf": False, "verify_iat": False,
                            "verify_aud": False, "verify_iss": False, "verify_sub": False,
                            "verify_jti": False})
    except (jwt.PyJWTError, TypeError, ValueError):
        raise InvalidIdentityToken(COULD_NOT_VALIDATE) from None


def _timestamp(claims: Mapping[str, Any], name: str) -> datetime | None:
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise IDPRejectedClaim(f"The token's {name} claim is not a number of seconds.")
    try:
        return datetime.fromtimestamp(value, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise IDPRejectedClaim(f"The token's {name} claim is out of range.") from None


def check_claims(claims: Mapping[str, Any], provider: OpenIdConnectProvider,
                 now: datetime) -> tuple[str, str]:
    """The claims STS checks after the signature: `iss` is the provider's URL, an `aud`
    is one of its client IDs, `exp` (which must be there) has not passed beyond five
    minutes, `nbf` and `iat` are not in the future; `sub` names the subject. Returns
    (subject, audience)."""
    if claims.get("iss") != provider.issuer:
        raise InvalidIdentityToken(f"The token's issuer {claims.get('iss')} is not the "
                                   f"provider's URL {provider.issuer}")
    audiences = _strings(claims, "aud")
    matched = next((a for a in audiences if a in provider.client_ids), None)
    if matched is None:
        raise InvalidIdentityToken("Incorrect token audience")
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise IDPRejectedClaim("The token has no sub claim naming its subject.")
    expires = _timestamp(claims, "exp")
    if expires is None:
        raise IDPRejectedClaim("The token has no exp claim.")
    if now >= expires + CLOCK_SKEW:
        raise ExpiredTokenException(f"Token expired: current date/time {int(now.timestamp())} "
                                    f"must be before the expiration date/time "
                                    f"{int(expires.timestamp())}")
    for name in ("nbf", "iat"):
        moment = _timestamp(claims, name)
        if moment is not None and moment > now + CLOCK_SKEW:
            raise InvalidIdentityToken(f"The token's {name} claim is in the future: it is not "
                                       "valid yet")
    return subject, matched


def _strings(claims: Mapping[str, Any], name: str) -> tuple[str, ...]:
    """A claim that is a string or a list of strings, as a tuple (empty when absent)."""
    value = claims.get(name)
    if value is None:
        return ()
    values = (value,) if isinstance(value, str) else value
    if not isinstance(values, list | tuple) or not all(isinstance(v, str) for v in values):
        raise IDPRejectedClaim(f"The token's {name} claim must be a string or a list of "
                               "strings.")
    return tuple(values)


def web_identity_context(provider: OpenIdConnectProvider,
                         claims: Mapping[str, Any]) -> list[ContextEntry]:
    """The context keys a token gives the trust policy (IAM User Guide, "Available keys for
    AWS web identity federation")."""
    prefix = provider.url
    entries: list[ContextEntry] = []
    authorized_party = _strings(claims, "azp")
    audiences = _strings(claims, "aud")
    if authorized_party:
        entries.append(ContextEntry(f"{prefix}:aud", authorized_party))
        if audiences:
            entries.append(ContextEntry(f"{prefix}:oaud", audiences))
    elif audiences:
        entries.append(ContextEntry(f"{prefix}:aud", audiences))
    for name in CLAIM_KEYS:
        values = _strings(claims, name)
        if values:
            entries.append(ContextEntry(f"{prefix}:{name}", values))
    return entries


class _WebIdentityCaller(Principal):
    """The unsigned caller of AssumeRoleWithWebIdentity, as CloudTrail names it: a
    WebIdentityUser of the provider (never authorized: only its audit identity is used)."""

    def audit_identity(self) -> Any:
        return {"type": "WebIdentityUser", "principalId": self.principal_id,
                "userName": self.name, "identityProvider": self.arn,
                "accountId": self.account_id}


def _web_identity_caller(account_id: str, claims: Mapping[str, Any]) -> Principal:
    """Who the token says it is, for the audit trail (before it is verified, as CloudTrail
    records a refused call too)."""
    issuer = claims.get("iss")
    provider = f"arn:aws:iam::{account_id}:oidc-provider/" + (
        issuer[len("https://"):] if isinstance(issuer, str) and issuer.startswith("https://")
        else "unknown")
    subject = claims.get("sub") if isinstance(claims.get("sub"), str) else "unknown"
    audience = claims.get("aud") if isinstance(claims.get("aud"), str) else "unknown"
    return _WebIdentityCaller("assumed-role", account_id, provider, subject,
                              f"{provider}:{audience}:{subject}")


class WebIdentityOperations(OpenIdConnectProviderOperations, StsOperations):
    """sts:AssumeRoleWithWebIdentity and the tester's web identity question."""

    def verify_web_identity_token(self, view: View, token: str,
                                  now: datetime) -> VerifiedToken:
        """Everything STS checks of a token before the trust policy: its provider (by
        `iss`), its signature, issuer, audience and times."""
        header, claims = _unverified(token)
        issuer = claims.get("iss")
        provider = self.find_provider_for_issuer(view, issuer) \
            if isinstance(issuer, str) else None
        if provider is None:
            raise InvalidIdentityToken(f"No OpenIDConnect provider found in your account for "
                                       f"{issuer}")
        _verify_signature(token, header, provider)
        subject, audience = check_claims(claims, provider, now)
        return VerifiedToken(provider, claims, subject, audience)

    def assume_role_with_web_identity(
            self, role_arn: str, role_session_name: str, web_identity_token: str, *,
            duration_seconds: int = DEFAULT_DURATION_SECONDS, policy: str | None = None,
            policy_arns: Sequence[str] = ()) -> WebIdentityResult:
        """AssumeRoleWithWebIdentity: temporary credentials for `role_arn` when the token
        verifies and the role's trust policy allows its provider, with its claims.
        `policy` and `policy_arns` are session policies, checked and applied as
        AssumeRole's (IAM User Guide, "Session policies")."""
        from iamtui.arn import validate_role_session_name

        validate_role_session_name(role_session_name)
        validate_duration(duration_seconds)
        if not isinstance(web_identity_token, str) or \
                not 4 <= len(web_identity_token) <= 20000:
            raise ValidationError("1 validation error detected: Value at 'webIdentityToken' "
                                  "failed to satisfy constraint: Member must have length "
                                  "between 4 and 20000")
        if not isinstance(role_arn, str) or ROLE_ARN_RE.fullmatch(role_arn) is None:
            raise ValidationError(f"1 validation error detected: Value '{role_arn}' at "
                                  "'roleArn' failed to satisfy constraint: Member must be the "
                                  "ARN of an IAM role (arn:aws:iam::ACCOUNT:role/NAME)")
        try:
            _, unverified = _unverified(web_identity_token)
        except InvalidIdentityToken:
            unverified = {}
        caller = _web_identity_caller(self.account_id, unverified)
        params = {"roleArn": role_arn, "roleSessionName": role_session_name,
                  "durationSeconds": duration_seconds, "policy": policy,
                  "policyArns": [{"arn": a} for a in policy_arns] or None}
        with self._audited(caller, "AssumeRoleWithWebIdentity", params,
                           source=audit.STS_SOURCE,
                           secrets_used=[web_identity_token]) as change:
            tx, now = change.tx, self.clock()
            token = self.verify_web_identity_token(tx, web_identity_token, now)
            inputs = check_session_inputs(tx, policy=policy, policy_arns=policy_arns)
            role = ROLES.find_one(tx, "arn", role_arn)
            context = self._web_identity_request(token, role_session_name, now)
            # A missing role is refused like an untrusting one, so existence does not leak.
            if role is None or not trust_decision(role, ACTION, token.provider.arn,
                                                  context).allowed:
                raise AccessDenied(NOT_AUTHORIZED)
            if duration_seconds > role.max_session_duration:
                raise ValidationError("The requested DurationSeconds exceeds the "
                                      "MaxSessionDuration set for this role.")
            session = self._new_session(tx, role, role_session_name, now, duration_seconds,
                                        source_arn=token.provider.arn, mfa_at=None,
                                        inputs=inputs, federation_keys=web_identity_context(
                                            token.provider, token.claims))
            change.response = {
                "credentials": {"accessKeyId": session.credentials.access_key_id,
                                "expiration": iso_z(session.credentials.expiration)},
                "subjectFromWebIdentityToken": token.subject,
                "assumedRoleUser": {"assumedRoleId": session.assumed_role_id,
                                    "arn": session.arn},
                "provider": token.provider.arn, "audience": token.audience,
                "packedPolicySize": session.packed_policy_size}
        return WebIdentityResult(session, token.subject, token.provider.arn, token.audience)

    def _web_identity_request(self, token: VerifiedToken, session_name: str,
                              now: datetime) -> RequestContext:
        """The request context of the exchange: the token's keys and the session name."""
        return simulation.merge_context(
            simulation.session_context(now),
            [*web_identity_context(token.provider, token.claims),
             ContextEntry("sts:RoleSessionName", (session_name,))])

    # ------------------------------------------------------------------ the tester

    def test_web_identity(self, caller: Principal, role_arn: str, *,
                          token: str | None = None, claims: Mapping[str, Any] | None = None,
                          role_session_name: str = "web-identity-test") -> WebIdentityTest:
        """Would STS let this token (or a token with these claims) assume the role? A token
        is checked as AssumeRoleWithWebIdentity checks it, signature included; typed claims
        are checked for everything but the signature (iss, aud, sub, and exp when given).
        Nothing is issued. Authorized as iam:SimulatePrincipalPolicy on the role."""
        if (token is None) == (claims is None):
            raise InvalidInput("Give either a web identity token or the token's claims.")
        view = self._read(caller, "SimulatePrincipalPolicy", role_arn,
                          params={"policySourceArn": role_arn,
                                  "actionNames": [ACTION], "webIdentity": True})
        role = ROLES.find_one(view, "arn", role_arn)
        if role is None:
            raise NoSuchEntity(f"The role with ARN {role_arn} cannot be found.")
        now = self.clock()
        notes: list[str] = []
        try:
            if token is not None:
                verified = self.verify_web_identity_token(view, token, now)
            else:
                verified = self._verified_claims(view, dict(claims or {}), now, notes)
        except IamError as exc:
            issuer = (claims or {}).get("iss") if claims is not None else None
            return WebIdentityTest(role_arn, _issuer_arn(self.account_id, issuer),
                                   refusal=exc, notes=tuple(notes))
        context = self._web_identity_request(verified, role_session_name, now)
        result = trust_decision(role, ACTION, verified.provider.arn, context)
        refusal = None if result.allowed else AccessDenied(NOT_AUTHORIZED)
        return WebIdentityTest(role_arn, verified.provider.arn, tuple(context.entries()),
                               result, refusal, signature_checked=token is not None,
                               notes=tuple(notes))

    def _verified_claims(self, view: View, claims: dict[str, Any], now: datetime,
                         notes: list[str]) -> VerifiedToken:
        """Typed claims checked as a token's would be, but for the signature; a claim set
        without `exp` is taken as a fresh token's."""
        issuer = claims.get("iss")
        provider = self.find_provider_for_issuer(view, issuer) \
            if isinstance(issuer, str) else None
        if provider is None:
            raise InvalidIdentityToken(f"No OpenIDConnect provider found in your account for "
                                       f"{issuer}")
        if "exp" not in claims:
            claims["exp"] = int((now + timedelta(hours=1)).timestamp())
            notes.append("no exp claim given: taken as a token valid for an hour from now")
        notes.append("typed claims: the signature is not checked")
        subject, audience = check_claims(claims, provider, now)
        return VerifiedToken(provider, claims, subject, audience)


def _issuer_arn(account_id: str, issuer: Any) -> str | None:
    if isinstance(issuer, str) and issuer.startswith("https://"):
        return f"arn:aws:iam::{account_id}:oidc-provider/{issuer[len('https://'):]}"
    return None


__all__ = ["ACTION", "ExpiredTokenException", "IDPRejectedClaim", "InvalidIdentityToken",
           "VerifiedToken", "WebIdentityOperations", "WebIdentityResult", "WebIdentityTest",
           "aws_assume_role_with_web_identity", "aws_web_identity_test", "check_claims",
           "web_identity_context"]
