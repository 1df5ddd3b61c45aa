"""SAML identity providers and AssumeRoleWithSAML.

AWS pages followed:
- IAM API Reference: CreateSAMLProvider (Name 1-128 of [\\w._-], SAMLMetadataDocument
  1,000-10,000,000 characters, Tags), GetSAMLProvider (SAMLMetadataDocument, CreateDate,
  ValidUntil, Tags), ListSAMLProviders (Arn, ValidUntil, CreateDate), UpdateSAMLProvider,
  DeleteSAMLProvider, TagSAMLProvider, UntagSAMLProvider, ListSAMLProviderTags; ARNs
  arn:aws:iam::ACCOUNT:saml-provider/NAME; "IAM and AWS STS quotas": 100 SAML providers
  per account.
- IAM User Guide, "Create a SAML identity provider in IAM": the metadata must parse and
  carry the IdP's signing certificate, else InvalidInput "Could not parse metadata".
- STS API Reference, AssumeRoleWithSAML: no AWS credentials are needed; the response is
  Credentials, AssumedRoleUser, Subject, SubjectType, Issuer, Audience, NameQualifier;
  the session lasts DurationSeconds (at most the role's MaxSessionDuration) or until the
  assertion's SessionNotOnOrAfter, whichever is sooner.
- IAM User Guide, "Configure SAML assertions for the authentication response" and
  "Available keys for SAML-based federation": see iamtui.security.saml; of them
  saml:namequalifier, saml:sub and saml:sub_type are available to the role's permissions
  policies too, in the requests the session makes.
- IAM User Guide, "Troubleshoot SAML 2.0 federation with AWS": the error wordings
  ("Response signature invalid", "Specified provider doesn't exist", "Not authorized to
  perform sts:AssumeRoleWithSAML", "RoleSessionName is required in AuthnResponse").
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from iamtui import audit
from iamtui.arn import (
    Arn,
    check_tag_count,
    constraint_error,
    validate_tag_key,
    validate_tags,
)
from iamtui.errors import (
    AccessDenied,
    EntityAlreadyExists,
    IamError,
    InvalidInput,
    LimitExceeded,
    ValidationError,
)
from iamtui.model import SamlProvider, Tag, aws_tag, aws_timestamp
from iamtui.policy import (
    Caller,
    ContextEntry,
    EvalRequest,
    evaluate,
    simulation,
)
from iamtui.security import saml
from iamtui.service.core import Principal, View
from iamtui.service.owners import ArnAddressed, merge_tags, tag_context
from iamtui.service.principals import trust_policy_input
from iamtui.service.session_inputs import check_session_inputs
from iamtui.service.sts import (
    _ALLOW_ALL,
    _TRUST_ONLY_OWNER,
    DEFAULT_DURATION_SECONDS,
    ROLE_ARN_RE,
    AssumeRoleResult,
    StsOperations,
    aws_assume_role,
    validate_duration,
)
from iamtui.service.tables import ROLES, SAML_PROVIDERS

SAML_PROVIDERS_QUOTA = 100  # "IAM and AWS STS quotas": SAML providers per account
PROVIDER_BY_ARN: ArnAddressed[SamlProvider] = ArnAddressed(
    SAML_PROVIDERS, "Manifest not found for arn {arn}")
METADATA_MIN, METADATA_MAX = 1000, 10_000_000
ASSERTION_MIN, ASSERTION_MAX = 4, 100_000
# A provider whose metadata names no validUntil: IAM shows one a hundred years on.
_DEFAULT_VALIDITY_YEARS = 100
_NAME_RE = re.compile(r"[\w._-]{1,128}", re.ASCII)
_PROVIDER_ARN_RE = re.compile(r"arn:aws:iam::(\d{12}):saml-provider/([\w._-]{1,128})", re.ASCII)
ACTION = "sts:AssumeRoleWithSAML"
# IAM User Guide, "Available keys for SAML-based AWS STS federation", "SAML role permissions
# policies": the keys a session's own requests carry (the others are the trust policy's).
SESSION_KEYS = ("saml:namequalifier", "saml:sub", "saml:sub_type")
NOT_AUTHORIZED = f"Not authorized to perform {ACTION}"


def _length_error(value: str, field: str, low: int, high: int) -> ValidationError:
    shown = value if len(value) <= 64 else value[:61] + "..."
    bound = (f"greater than or equal to {low}" if len(value) < low
             else f"less than or equal to {high}")
    return constraint_error(shown, field, f"Member must have length {bound}")


def validate_provider_name(name: str, field: str = "name") -> str:
    """A SAML provider's name: 1-128 of [\\w._-] (ValidationError, as AWS words it)."""
    if not isinstance(name, str) or not _NAME_RE.fullmatch(name):
        if isinstance(name, str) and not 1 <= len(name) <= 128:
            raise _length_error(name, field, 1, 128)
        raise constraint_error(name, field, "Member must satisfy regular expression "
                               "pattern: [\\w._-]+")
    return name


def validate_metadata_length(document: str, field: str = "sAMLMetadataDocument") -> str:
    """1,000 to 10,000,000 characters, as the API's SAMLMetadataDocumentType."""
    if not isinstance(document, str) or not METADATA_MIN <= len(document) <= METADATA_MAX:
        raise _length_error(str(document), field, METADATA_MIN, METADATA_MAX)
    return document


def validate_provider_arn(arn: str, field: str = "sAMLProviderArn") -> str:
    """A SAML provider ARN parameter: 20-2048 characters (ValidationError), an ARN
    (InvalidInput), of a saml-provider (InvalidInput)."""
    if not isinstance(arn, str) or not 20 <= len(arn) <= 2048:
        raise _length_error(str(arn), field, 20, 2048)
    Arn.parse(arn)
    if not _PROVIDER_ARN_RE.fullmatch(arn):
        raise InvalidInput(f"ARN {arn} is not valid: expected "
                                "arn:aws:iam::ACCOUNT:saml-provider/NAME.")
    return arn


def _document_digest(document: str) -> dict[str, Any]:
    # CloudTrail logs the whole document; 10 MB per record would swamp the trail, so the
    # record keeps what identifies it.
    return {"length": len(document),
            "sha256": hashlib.sha256(document.encode("utf-8")).hexdigest()}


def aws_saml_provider(provider: SamlProvider) -> dict[str, Any]:
    """GetSAMLProvider's answer."""
    out: dict[str, Any] = {"SAMLMetadataDocument": provider.metadata_document,
                           "CreateDate": aws_timestamp(provider.create_date),
                           "ValidUntil": aws_timestamp(provider.valid_until)}
    if provider.tags:
        out["Tags"] = [aws_tag(t) for t in provider.tags]
    return out


def aws_saml_provider_list_entry(provider: SamlProvider) -> dict[str, Any]:
    """A SAMLProviderListEntry of ListSAMLProviders."""
    return {"Arn": provider.arn, "ValidUntil": aws_timestamp(provider.valid_until),
            "CreateDate": aws_timestamp(provider.create_date)}


@dataclass(frozen=True)
class AssumeRoleWithSamlResult:
    """AssumeRoleWithSAML's answer: the session, and what the assertion said."""

    session: AssumeRoleResult
    subject: str
    subject_type: str | None
    issuer: str
    audience: str
    name_qualifier: str


def aws_assume_role_with_saml(result: AssumeRoleWithSamlResult) -> dict[str, Any]:
    """The JSON `aws sts assume-role-with-saml` prints."""
    out = aws_assume_role(result.session)
    out["Subject"] = result.subject
    if result.subject_type is not None:
        out["SubjectType"] = result.subject_type
    out |= {"Issuer": result.issuer, "Audience": result.audience,
            "NameQualifier": result.name_qualifier}
    return out


@dataclass(frozen=True)
class SamlUser(Principal):
    """Who calls AssumeRoleWithSAML: nobody with AWS credentials, a SAML assertion's
    subject (CloudTrail's userIdentity type SAMLUser). Never authorized as a caller."""

    subject: str | None = None
    identity_provider: str | None = None  # the NameQualifier

    def audit_identity(self) -> dict[str, Any]:  # type: ignore[override]
        """CloudTrail's SAMLUser identity: principalId NameQualifier:subject."""
        out: dict[str, Any] = {"type": "SAMLUser", "accountId": self.account_id}
        if self.subject is not None:
            out |= {"principalId": f"{self.identity_provider}:{self.subject}",
                    "userName": self.subject, "identityProvider": self.identity_provider}
        return out


def _saml_user(account_id: str, subject: str | None = None,
               qualifier: str | None = None) -> SamlUser:
    return SamlUser("user", account_id, "", subject or "", subject or "",
                    subject=subject, identity_provider=qualifier)


class SamlProviderOperations(StsOperations):
    """create-saml-provider ... list-saml-provider-tags, and sts:AssumeRoleWithSAML."""

    def _provider_tags(self, arn: str) -> list[ContextEntry]:
        return PROVIDER_BY_ARN.tag_context(self.store.snapshot(), arn)

    def _read_metadata(self, document: str, now: datetime) -> tuple[saml.Metadata, datetime]:
        metadata = saml.parse_metadata(document)
        valid_until = metadata.valid_until or now.replace(
            year=now.year + _DEFAULT_VALIDITY_YEARS, day=min(now.day, 28))
        return metadata, valid_until

    def create_saml_provider(self, caller: Principal, name: str, metadata_document: str, *,
                             tags: Sequence[Tag] = ()) -> SamlProvider:
        """CreateSAMLProvider: a provider from its IdP's metadata document."""
        validate_provider_name(name)
        validate_metadata_length(metadata_document)
        validate_tags(tags)
        arn = f"arn:aws:iam::{self.account_id}:saml-provider/{name}"
        params = {"name": name, "sAMLMetadataDocument": _document_digest(metadata_document),
                  "tags": [{"key": t.key, "value": t.value} for t in tags] or None}
        with self._change(caller, "CreateSAMLProvider", arn, params,
                          context=tag_context(tags)) as change:
            tx = change.tx
            if SAML_PROVIDERS.find_one(tx, "name", name) is not None:
                raise EntityAlreadyExists(f"SAMLProvider {name} already exists.")
            if SAML_PROVIDERS.count(tx) >= SAML_PROVIDERS_QUOTA:
                raise LimitExceeded("Cannot exceed quota for SAMLProvidersPerAccount: "
                                    f"{SAML_PROVIDERS_QUOTA}")
            now = self.clock()
            metadata, valid_until = self._read_metadata(metadata_document, now)
            provider = SamlProvider(name, arn, metadata_document, now, valid_until,
                                    metadata.entity_id, _b64(metadata.signing_certificates),
                                    tuple(tags))
            SAML_PROVIDERS.put(tx, provider)
            change.response = {"sAMLProviderArn": arn}
        return provider

    def get_saml_provider(self, caller: Principal, arn: str) -> SamlProvider:
        """GetSAMLProvider."""
        validate_provider_arn(arn)
        view = self._read(caller, "GetSAMLProvider", arn, params={"sAMLProviderArn": arn},
                          context=self._provider_tags(arn))
        return PROVIDER_BY_ARN.get(view, arn)

    def list_saml_providers(self, caller: Principal) -> list[SamlProvider]:
        """ListSAMLProviders, by ARN."""
        view = self._read(caller, "ListSAMLProviders",
                          f"arn:aws:iam::{self.account_id}:saml-provider/*")
        return sorted(SAML_PROVIDERS.all(view), key=lambda p: p.arn)

    def update_saml_provider(self, caller: Principal, arn: str,
                             metadata_document: str) -> SamlProvider:
        """UpdateSAMLProvider: a new metadata document (new keys, a new validUntil)."""
        validate_provider_arn(arn)
        validate_metadata_length(metadata_document)
        params = {"sAMLProviderArn": arn,
                  "sAMLMetadataDocument": _document_digest(metadata_document)}
        with self._change(caller, "UpdateSAMLProvider", arn, params,
                          context=self._provider_tags(arn)) as change:
            provider = PROVIDER_BY_ARN.get(change.tx, arn)
            metadata, valid_until = self._read_metadata(metadata_document, self.clock())
            updated = replace(provider, metadata_document=metadata_document,
                              valid_until=valid_until, issuer=metadata.entity_id,
                              signing_certificates=_b64(metadata.signing_certificates))
            SAML_PROVIDERS.put(change.tx, updated)
            change.response = {"sAMLProviderArn": arn}
        return updated

    def delete_saml_provider(self, caller: Principal, arn: str) -> None:
        """DeleteSAMLProvider (roles that trust it stay, and trust nothing that exists)."""
        validate_provider_arn(arn)
        with self._change(caller, "DeleteSAMLProvider", arn, {"sAMLProviderArn": arn},
                          context=self._provider_tags(arn)) as change:
            PROVIDER_BY_ARN.get(change.tx, arn)
            SAML_PROVIDERS.delete(change.tx, arn)

    def tag_saml_provider(self, caller: Principal, arn: str, tags: Sequence[Tag]) -> None:
        """TagSAMLProvider: add or overwrite tags (at most 50)."""
        validate_provider_arn(arn)
        validate_tags(tags)
        params = {"sAMLProviderArn": arn,
                  "tags": [{"key": t.key, "value": t.value} for t in tags]}
        with self._change(caller, "TagSAMLProvider", arn, params,
                          context=tag_context(tags) + self._provider_tags(arn)) as change:
            provider = PROVIDER_BY_ARN.get(change.tx, arn)
            merged = merge_tags(provider.tags, tags)
            check_tag_count(len(merged))
            SAML_PROVIDERS.put(change.tx, replace(provider, tags=merged))

    def untag_saml_provider(self, caller: Principal, arn: str, tag_keys: Sequence[str]) -> None:
        """UntagSAMLProvider: remove tags by key (keys ignore case)."""
        validate_provider_arn(arn)
        for key in tag_keys:
            validate_tag_key(key)
        context = [ContextEntry("aws:TagKeys", tuple(tag_keys), "stringList")]
        with self._change(caller, "UntagSAMLProvider", arn,
                          {"sAMLProviderArn": arn, "tagKeys": list(tag_keys)},
                          context=context + self._provider_tags(arn)) as change:
            provider = PROVIDER_BY_ARN.get(change.tx, arn)
            drop = {k.lower() for k in tag_keys}
            SAML_PROVIDERS.put(change.tx, replace(provider, tags=tuple(
                t for t in provider.tags if t.key.lower() not in drop)))

    def list_saml_provider_tags(self, caller: Principal, arn: str) -> tuple[Tag, ...]:
        """ListSAMLProviderTags."""
        validate_provider_arn(arn)
        view = self._read(caller, "ListSAMLProviderTags", arn,
                          params={"sAMLProviderArn": arn}, context=self._provider_tags(arn))
        return PROVIDER_BY_ARN.get(view, arn).tags

    # ------------------------------------------------------------------ AssumeRoleWithSAML

    def assume_role_with_saml(self, role_arn: str, principal_arn: str, saml_assertion: str,
                              *, duration_seconds: int = DEFAULT_DURATION_SECONDS,
                              policy: str | None = None, policy_arns: Sequence[str] = ()
                              ) -> AssumeRoleWithSamlResult:
        """AssumeRoleWithSAML: temporary credentials for `role_arn` from a SAML response
        (base64) of the provider `principal_arn`, whose signature, issuer, audience and
        time window check out, whose Role attribute names this role and provider, and
        whose claims the role's trust policy accepts (Principal {"Federated": provider},
        the saml: keys in its conditions). Needs no caller: the assertion is the proof.
        `policy` and `policy_arns` are session policies: the session may do only what
        they allow as well as the role (IAM User Guide, "Session policies")."""
        validate_duration(duration_seconds)
        for value, field in ((role_arn, "roleArn"), (principal_arn, "principalArn")):
            if not isinstance(value, str) or not 20 <= len(value) <= 2048:
                raise _length_error(str(value), field, 20, 2048)
        if not isinstance(saml_assertion, str) or \
                not ASSERTION_MIN <= len(saml_assertion) <= ASSERTION_MAX:
            raise _length_error("***", "sAMLAssertion", ASSERTION_MIN, ASSERTION_MAX)
        if not ROLE_ARN_RE.fullmatch(role_arn):
            raise ValidationError(f"1 validation error detected: Value '{role_arn}' at "
                                  "'roleArn' failed to satisfy constraint: Member must be the "
                                  "ARN of an IAM role (arn:aws:iam::ACCOUNT:role/NAME)")
        params = {"roleArn": role_arn, "principalArn": principal_arn,
                  "durationSeconds": duration_seconds, "policy": policy,
                  "policyArns": [{"arn": a} for a in policy_arns] or None}
        now = self.clock()
        try:
            provider, claims = self._verified_saml_claims(self.store.snapshot(), principal_arn,
                                                     saml_assertion, now)
        except IamError as exc:
            self._record(_saml_user(self.account_id), "AssumeRoleWithSAML", params,
                         error=exc, source=audit.STS_SOURCE)
            raise
        qualifier = saml.name_qualifier(claims.issuer, self.account_id, provider.name)
        user = _saml_user(self.account_id, claims.subject, qualifier)
        with self._sts_change(user, "AssumeRoleWithSAML", params) as change:
            tx = change.tx
            current = SAML_PROVIDERS.get(tx, principal_arn)
            if current is None or (current.issuer, current.signing_certificates) != (
                    provider.issuer, provider.signing_certificates):
                raise saml.InvalidIdentityToken("Specified provider doesn't exist")
            # session policies are checked as AssumeRole checks them (session_inputs.py)
            inputs = check_session_inputs(tx, policy=policy, policy_arns=policy_arns)
            if (role_arn, principal_arn) not in claims.roles:
                raise AccessDenied(f"{NOT_AUTHORIZED}: the assertion's Role attribute does "
                                   f"not pair {role_arn} with {principal_arn}")
            role = ROLES.find_one(tx, "arn", role_arn)
            keys = claims.context_keys(self.account_id, provider.name)
            if role is None or not self._saml_trust_allows(role, principal_arn, keys, now):
                raise AccessDenied(f"{NOT_AUTHORIZED}: the role's trust policy does not allow "
                                   f"{principal_arn} with these SAML claims")
            if duration_seconds > role.max_session_duration:
                raise ValidationError("The requested DurationSeconds exceeds the "
                                      "MaxSessionDuration set for this role.")
            issued = now.replace(microsecond=0)
            expiry = saml.session_expiry(claims, issued, timedelta(seconds=duration_seconds))
            if expiry <= issued:
                raise saml.ExpiredTokenException("The assertion's SessionNotOnOrAfter has "
                                                 "passed")
            # the session policies limit the session through the engine's session layer
            session = self._new_session(
                tx, role, claims.session_name or "", now,
                int((expiry - issued).total_seconds()), source_arn=principal_arn, mfa_at=None,
                inputs=inputs, federation_keys=[ContextEntry(k, keys[k]) for k in
                                                SESSION_KEYS if k in keys])
            change.response = {
                "credentials": {"accessKeyId": session.credentials.access_key_id,
                                "expiration": aws_timestamp(session.credentials.expiration)},
                "assumedRoleUser": {"assumedRoleId": session.assumed_role_id,
                                    "arn": session.arn},
                "subject": claims.subject, "subjectType": claims.subject_type,
                "issuer": claims.issuer, "audience": claims.audience,
                "nameQualifier": qualifier,
                "packedPolicySize": session.packed_policy_size}
        return AssumeRoleWithSamlResult(session, claims.subject, claims.subject_type,
                                        claims.issuer, claims.audience, qualifier)

    def _verified_saml_claims(self, view: View, provider_arn: str, assertion: str,
                         now: datetime) -> tuple[SamlProvider, saml.SamlClaims]:
        """The provider and the claims of its verified, current response for AWS."""
        provider = SAML_PROVIDERS.get(view, provider_arn)
        if provider is None:
            raise saml.InvalidIdentityToken("Specified provider doesn't exist")
        if now >= provider.valid_until:
            raise saml.InvalidIdentityToken(f"The metadata of {provider_arn} expired at "
                                            f"{aws_timestamp(provider.valid_until)}")
        certificates = [base64.b64decode(c) for c in provider.signing_certificates]
        claims = saml.read_response(assertion, certificates, now)
        saml.check_claims(claims, provider.issuer, now)
        return provider, claims

    def _saml_trust_allows(self, role: Any, provider_arn: str,
                           keys: dict[str, tuple[str, ...]], now: datetime) -> bool:
        """The role's trust policy, alone, for the federated provider with the SAML keys
        (as in `_trust_allows`: the trust policy decides, an allow-all identity side)."""
        entries = [ContextEntry(k, v, "stringList" if len(v) > 1 else "string")
                   for k, v in keys.items()]
        context = simulation.merge_context(simulation.session_context(now), entries)
        request = EvalRequest(ACTION, role.arn, context, Caller.from_arn(provider_arn),
                              resource_owner=_TRUST_ONLY_OWNER)
        return evaluate(request, (_ALLOW_ALL,),
                        resource_policy=trust_policy_input(role)).allowed


def _b64(certificates: Sequence[bytes]) -> tuple[str, ...]:
    return tuple(base64.b64encode(c).decode("ascii") for c in certificates)


