"""What a caller may pass to STS to shape a session: session policies, session tags and a
source identity, checked as AWS checks them, and the request context they put before the
authorization of the call that passes them.

AWS pages followed:
- STS API Reference, AssumeRole, AssumeRoleWithSAML, AssumeRoleWithWebIdentity and
  GetFederationToken (Policy 1-2048 characters of U+0009, U+000A, U+000D, U+0020-U+00FF,
  PolicyArns up to 10, the plaintext of both at most 2,048 characters, Tags up to 50 with
  keys of 1-128 and values of 0-256 characters, TransitiveTagKeys up to 50, SourceIdentity
  2-64 of [\\w+=,.@-] not starting with "aws:"), and their PackedPolicySize: AWS packs the
  policies and tags into a binary form with a separate limit it does not publish. iamtui
  packs them with zlib and counts the result against PACKED_LIMIT_BYTES, so a request too
  large for the packed form is refused with AWS's PackedPolicyTooLarge.
- IAM User Guide, "Passing session tags in AWS STS": passing tags needs sts:TagSession;
  the request carries aws:RequestTag/KEY, aws:TagKeys and sts:TransitiveTagKeys; in a
  role chain the transitive tags of the calling session pass on and cannot be set anew.
- IAM User Guide, "Monitor and control actions taken with assumed roles": setting a
  source identity needs sts:SetSourceIdentity, the request carries sts:SourceIdentity,
  and once set in a chain the value cannot change.
"""

from __future__ import annotations

import json
import math
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

from iamtui.arn import constraint_error, validate_policy_document_text, validate_tags
from iamtui.errors import IamError, MalformedPolicyDocument, ValidationError
from iamtui.model import Tag
from iamtui.policy import ContextEntry, PolicyType, parse_policy
from iamtui.service.principals import View, managed_policy

MAX_POLICY_ARNS = 10
MAX_PLAINTEXT = 2048  # inline session policy and managed policy ARNs together
MAX_TRANSITIVE_KEYS = 50
PACKED_LIMIT_BYTES = 2048
SOURCE_IDENTITY_RE = re.compile(r"[\w+=,.@-]{2,64}", re.ASCII)
POLICY_ARN_RE = re.compile(r"arn:aws:iam::(?:aws|\d{12}):policy/[\x21-\x7e]{1,1900}", re.ASCII)


class PackedPolicyTooLarge(IamError):
    """The session policies and tags do not fit the packed form (STS's error code)."""

    code, http_status = "PackedPolicyTooLarge", 400


class InvalidParameterValue(IamError):
    """A parameter STS refuses for what it says, not its form (STS's common error code)."""

    code, http_status = "InvalidParameterValue", 400


@dataclass(frozen=True)
class SessionInputs:
    """A request's session policies, tags and source identity, checked."""

    policy: str | None = None
    policy_arns: tuple[str, ...] = ()
    tags: tuple[Tag, ...] = ()
    transitive_tag_keys: tuple[str, ...] = ()
    source_identity: str | None = None

    @property
    def has_policies(self) -> bool:
        return self.policy is not None or bool(self.policy_arns)

    def packed_policy_size(self) -> int:
        """AWS's PackedPolicySize: how full the packed form is, in percent."""
        blob = json.dumps([self.policy or "", list(self.policy_arns),
                           [[t.key, t.value] for t in self.tags]], separators=(",", ":"))
        if blob == '["",[],[]]':
            return 0
        return math.ceil(len(zlib.compress(blob.encode("utf-8"), 9)) * 100 / PACKED_LIMIT_BYTES)

    def context(self) -> list[ContextEntry]:
        """The keys the request that passes these carries (for its authorization)."""
        entries = [ContextEntry(f"aws:RequestTag/{t.key}", (t.value,)) for t in self.tags]
        if self.tags:
            entries.append(ContextEntry("aws:TagKeys", tuple(t.key for t in self.tags)))
        if self.transitive_tag_keys:
            entries.append(ContextEntry("sts:TransitiveTagKeys", self.transitive_tag_keys))
        if self.source_identity is not None:
            entries.append(ContextEntry("sts:SourceIdentity", (self.source_identity,)))
        return entries


def check_session_inputs(view: View, *, policy: str | None = None,
                         policy_arns: Sequence[str] = (),
                         tags: Sequence[tuple[str, str]] = (),
                         transitive_tag_keys: Sequence[str] = (),
                         source_identity: str | None = None) -> SessionInputs:
    """Validate what a caller passes; the managed policies must exist in the store (or ship
    with the package) and the inline one must be a valid identity-based policy."""
    if policy is not None:
        if not 1 <= len(policy) <= MAX_PLAINTEXT:
            raise constraint_error("...", "policy", f"Member must have length less than or "
                                   f"equal to {MAX_PLAINTEXT}" if policy else
                                   "Member must have length greater than or equal to 1")
        validate_policy_document_text(policy, "policy")  # the API's character range
        parse_policy(policy, PolicyType.IDENTITY)
    arns = tuple(policy_arns)
    if len(arns) > MAX_POLICY_ARNS:
        raise constraint_error(list(arns), "policyArns",
                               f"Member must have length less than or equal to {MAX_POLICY_ARNS}")
    for arn in arns:
        if not POLICY_ARN_RE.fullmatch(arn):
            raise constraint_error(arn, "policyArns.member.arn", "Member must be the ARN of "
                                   "a managed policy (length 20-2048)")
        if managed_policy(view, arn) is None:
            raise MalformedPolicyDocument(f"The policy {arn} passed as a managed session "
                                          "policy does not exist.")
    if len(policy or "") + sum(len(a) for a in arns) > MAX_PLAINTEXT:
        raise ValidationError(f"The inline and managed session policies exceed "
                              f"{MAX_PLAINTEXT} characters of plaintext together.")
    pairs = validate_tags(tags, "tags")
    keys = tuple(transitive_tag_keys)
    if len(keys) > MAX_TRANSITIVE_KEYS:
        raise constraint_error(list(keys), "transitiveTagKeys", "Member must have length "
                               f"less than or equal to {MAX_TRANSITIVE_KEYS}")
    tagged = {k.lower() for k, _ in pairs}
    for key in keys:
        if key.lower() not in tagged:
            raise InvalidParameterValue(f"The transitive tag key {key} is not one of the "
                                        "session tags passed.")
    if source_identity is not None and (
            not SOURCE_IDENTITY_RE.fullmatch(source_identity)
            or source_identity.lower().startswith("aws:")):
        raise constraint_error(source_identity, "sourceIdentity", "Member must have length "
                               "between 2 and 64, satisfy regular expression pattern: "
                               "[\\w+=,.@-]* and not start with aws:")
    inputs = SessionInputs(policy, arns, tuple(Tag(k, v) for k, v in pairs), keys,
                           source_identity)
    size = inputs.packed_policy_size()
    if size > 100:
        raise PackedPolicyTooLarge(f"Packed size of the session policies and tags is {size}% "
                                   "of the allowed size: pass fewer or shorter tags or "
                                   "policies.")
    return inputs


def chained(inputs: SessionInputs, inherited_tags: Sequence[Tag],
            inherited_source_identity: str | None) -> SessionInputs:
    """A chained session's inputs: the calling session's transitive tags pass on (a tag
    that sets one of their keys anew is refused) and so does its source identity (which
    cannot change)."""
    inherited = {t.key.lower(): t for t in inherited_tags}
    clash = [t.key for t in inputs.tags if t.key.lower() in inherited]
    if clash:
        raise InvalidParameterValue(f"The session tag {clash[0]} is a transitive tag of the "
                                    "calling session; its value cannot change in the chain.")
    source = inputs.source_identity
    if inherited_source_identity is not None:
        if source is not None and source != inherited_source_identity:
            raise ValidationError("The source identity of the calling session "
                                  f"({inherited_source_identity}) cannot be changed in a "
                                  "role chain.")
        source = inherited_source_identity
    tags = (*inherited_tags, *inputs.tags)
    keys = tuple(dict.fromkeys((*(t.key for t in inherited_tags), *inputs.transitive_tag_keys)))
    return SessionInputs(inputs.policy, inputs.policy_arns, tags, keys, source)
