"""IAM's entities as frozen dataclasses, named in IAM's words with AWS's field names.

Every entity can become a JSON-able record (`to_record`) and come back
(`from_record`); one generic implementation, driven by the dataclass fields and
their type hints, does it for all of them. Timestamps are aware UTC datetimes;
in records they are ISO-8601 strings ending in 'Z'.

`to_aws(entity)` gives the JSON shape `aws iam get-user`, `get-role`,
`get-policy`, `list-access-keys`, ... print for that entity, so the CLI and
the TUI show the same thing (IAM API Reference, data types User, Group, Role,
Policy, PolicyVersion, AccessKeyMetadata, LoginProfile, VirtualMFADevice).

Secrets never live here: an access key keeps a digest of its secret, a login
profile a password hash, an MFA device its seed encrypted.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Self

OwnerKind = Literal["user", "group", "role"]
"""Who an inline policy or a managed policy attachment belongs to."""

KeyStatus = Literal["Active", "Inactive"]

DEFAULT_MAX_SESSION_DURATION = 3600


# ------------------------------------------------------------------- timestamps


def iso_z(moment: datetime) -> str:
    """An aware datetime as an ISO-8601 UTC string ending in 'Z' (record form)."""
    if moment.tzinfo is not UTC:
        if moment.tzinfo is None:
            raise ValueError(f"naive datetime {moment!r}: timestamps must be timezone-aware")
        moment = moment.astimezone(UTC)
    return moment.isoformat()[:-6] + "Z"


def parse_timestamp(text: str) -> datetime:
    """Parse an ISO-8601 timestamp ('Z', '+00:00' or boto3's '2023-03-09 10:41:45+00:00')
    into an aware UTC datetime; a timestamp without an offset is refused."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"timestamp {text!r} has no UTC offset")
    return moment.astimezone(UTC)


# GetAccountAuthorizationDetails' Filter values (AWS's EntityType enum).
AUTHORIZATION_DETAILS_FILTERS: tuple[str, ...] = (
    "User", "Role", "Group", "LocalManagedPolicy", "AWSManagedPolicy")


def aws_timestamp(moment: datetime) -> str:
    """A datetime the way the AWS CLI prints it: '2023-03-09T10:41:45+00:00'."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


# ------------------------------------------------------ generic record support


@dataclass(frozen=True, slots=True)
class _Codec:
    """What Record needs to know about one entity class, worked out once."""

    names: tuple[str, ...]
    known: frozenset[str]
    decoders: tuple[tuple[str, Callable[[Any], Any]], ...]
    timestamp_fields: tuple[str, ...]


_CODECS: dict[type, _Codec] = {}


def _codec(cls: type) -> _Codec:
    codec = _CODECS.get(cls)
    if codec is None:
        hints = typing.get_type_hints(cls)
        names = tuple(f.name for f in dataclasses.fields(cls))
        codec = _Codec(
            names=names,
            known=frozenset(names),
            decoders=tuple((n, _decoder(hints[n])) for n in names),
            timestamp_fields=tuple(n for n in names if hints[n] in (datetime, datetime | None)),
        )
        _CODECS[cls] = codec
    return codec


class Record:
    """Mixin giving a dataclass `to_record()` / `from_record()` from its type hints.

    Supported field types: str, int, bool, float, datetime, other Records,
    `X | None`, `tuple[X, ...]`, `dict[str, X]` and Literal of strings.
    """

    __slots__ = ()

    def __post_init__(self) -> None:
        # Keep every timestamp aware and in UTC, whatever zone the caller used.
        for name in _codec(type(self)).timestamp_fields:
            value = getattr(self, name)
            if value is None or value.tzinfo is UTC:
                continue
            if value.tzinfo is None:
                raise ValueError(f"{type(self).__name__}.{name}: timestamps must be timezone-aware")
            object.__setattr__(self, name, value.astimezone(UTC))

    def to_record(self) -> dict[str, Any]:
        """This entity as a JSON-able dict: datetimes as ISO 'Z' strings, tuples as lists."""
        return {name: _encode(getattr(self, name)) for name in _codec(type(self)).names}

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Self:
        """Rebuild an entity from `to_record()`'s output; unknown keys are an error."""
        codec = _codec(cls)
        if not codec.known.issuperset(record):
            unknown = sorted(set(record) - codec.known)
            raise ValueError(f"{cls.__name__} record has unknown fields {unknown}")
        return cls(**{n: decode(record[n]) for n, decode in codec.decoders if n in record})


def _encode(value: Any) -> Any:
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, datetime):
        return iso_z(value)
    if isinstance(value, Record):
        return value.to_record()
    if isinstance(value, tuple | list):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _encode(v) for k, v in value.items()}
    return value


def _decoder(tp: Any) -> Callable[[Any], Any]:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        if len(inner) != 1:
            raise TypeError(f"unsupported union {tp!r}")
        decode_inner = _decoder(inner[0])
        return lambda raw: None if raw is None else decode_inner(raw)
    if origin is tuple:
        decode_item = _decoder(args[0])
        return lambda raw: tuple(decode_item(r) for r in raw)
    if origin is dict:
        decode_value = _decoder(args[1])
        return lambda raw: {k: decode_value(v) for k, v in raw.items()}
    if origin is Literal:
        allowed = frozenset(args)

        def decode_literal(raw: Any) -> Any:
            if raw not in allowed:
                raise ValueError(f"{raw!r} is not one of {sorted(allowed)}")
            return raw

        return decode_literal
    if tp is datetime:
        return parse_timestamp
    if isinstance(tp, type) and issubclass(tp, Record):
        return tp.from_record
    if tp in (str, int, bool, float, Any):
        return lambda raw: raw
    raise TypeError(f"unsupported field type {tp!r}")


# --------------------------------------------------------------------- entities


@dataclass(frozen=True, slots=True)
class Tag(Record):
    """A tag on a user, role, policy, instance profile or MFA device."""

    key: str
    value: str = ""


@dataclass(frozen=True, slots=True)
class Account(Record):
    """The account this store models: its 12-digit ID and optional alias."""

    account_id: str
    created: datetime
    alias: str | None = None


@dataclass(frozen=True, slots=True)
class User(Record):
    """An IAM user (API data type User)."""

    user_name: str
    user_id: str
    arn: str
    create_date: datetime
    path: str = "/"
    permissions_boundary: str | None = None
    tags: tuple[Tag, ...] = ()
    password_last_used: datetime | None = None


@dataclass(frozen=True, slots=True)
class Group(Record):
    """An IAM group (API data type Group)."""

    group_name: str
    group_id: str
    arn: str
    create_date: datetime
    path: str = "/"


@dataclass(frozen=True, slots=True)
class RoleLastUsed(Record):
    """When and where a role was last used (API data type RoleLastUsed)."""

    last_used_date: datetime | None = None
    region: str | None = None


@dataclass(frozen=True, slots=True)
class Role(Record):
    """An IAM role (API data type Role); the trust policy is kept as its JSON text."""

    role_name: str
    role_id: str
    arn: str
    create_date: datetime
    assume_role_policy_document: str
    path: str = "/"
    description: str | None = None
    max_session_duration: int = DEFAULT_MAX_SESSION_DURATION
    permissions_boundary: str | None = None
    tags: tuple[Tag, ...] = ()
    role_last_used: RoleLastUsed | None = None


@dataclass(frozen=True, slots=True)
class InstanceProfile(Record):
    """An instance profile: a container for (at most one) role."""

    instance_profile_name: str
    instance_profile_id: str
    arn: str
    create_date: datetime
    path: str = "/"
    role_names: tuple[str, ...] = ()
    tags: tuple[Tag, ...] = ()


@dataclass(frozen=True, slots=True)
class ManagedPolicy(Record):
    """A managed policy (API data type Policy); its documents live in PolicyVersions."""

    policy_name: str
    policy_id: str
    arn: str
    create_date: datetime
    update_date: datetime
    path: str = "/"
    default_version_id: str = "v1"
    attachment_count: int = 0
    permissions_boundary_usage_count: int = 0
    is_attachable: bool = True
    description: str | None = None
    tags: tuple[Tag, ...] = ()
    is_aws_managed: bool = False


@dataclass(frozen=True, slots=True)
class PolicyVersion(Record):
    """One version ('v1', 'v2', ...) of a managed policy, with its document text."""

    policy_arn: str
    version_id: str
    document: str
    is_default_version: bool
    create_date: datetime


@dataclass(frozen=True, slots=True)
class InlinePolicy(Record):
    """A policy embedded in one user, group or role."""

    owner_kind: OwnerKind
    owner_name: str
    policy_name: str
    document: str


@dataclass(frozen=True, slots=True)
class GroupMembership(Record):
    """A user's membership of a group."""

    group_name: str
    user_name: str


@dataclass(frozen=True, slots=True)
class PolicyAttachment(Record):
    """A managed policy attached to a user, group or role."""

    policy_arn: str
    owner_kind: OwnerKind
    owner_name: str


@dataclass(frozen=True, slots=True)
class AccessKey(Record):
    """An access key of a user; only a digest of the secret is kept."""

    access_key_id: str
    user_name: str
    create_date: datetime
    secret_digest: str = field(repr=False)
    status: KeyStatus = "Active"
    last_used_date: datetime | None = None
    last_used_service: str | None = None
    last_used_region: str | None = None


@dataclass(frozen=True, slots=True)
class LoginProfile(Record):
    """A user's console password (hashed) and the state of its sign-ins."""

    user_name: str
    password_hash: str = field(repr=False)
    create_date: datetime
    password_reset_required: bool = False
    password_last_changed: datetime | None = None
    previous_hashes: tuple[str, ...] = field(default=(), repr=False)
    failed_attempts: int = 0
    locked_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class VirtualMfaDevice(Record):
    """A virtual MFA device; the TOTP seed is kept encrypted."""

    serial_number: str
    seed_ciphertext: str = field(repr=False)
    enable_date: datetime | None = None
    user_name: str | None = None
    last_used_step: int | None = None
    tags: tuple[Tag, ...] = ()


@dataclass(frozen=True, slots=True)
class ResourcePolicy(Record):
    """A resource-based policy attached to a resource ARN (e.g. a bucket's policy)."""

    resource_arn: str
    policy_document: str
    update_date: datetime


@dataclass(frozen=True, slots=True)
class SamlProvider(Record):
    """A SAML 2.0 identity provider: its metadata document (as given) and what IAM reads
    from it, the issuer and the certificates of its signing keys (base64 DER)."""

    name: str
    arn: str
    metadata_document: str
    create_date: datetime
    valid_until: datetime
    issuer: str
    signing_certificates: tuple[str, ...]
    tags: tuple[Tag, ...] = ()


ENTITY_TYPES: tuple[type[Record], ...] = (
    Account,
    Tag,
    User,
    Group,
    Role,
    RoleLastUsed,
    InstanceProfile,
    ManagedPolicy,
    PolicyVersion,
    InlinePolicy,
    GroupMembership,
    PolicyAttachment,
    AccessKey,
    LoginProfile,
    VirtualMfaDevice,
    ResourcePolicy,
    SamlProvider,
)
"""Every record type of this module."""


# ------------------------------------------------------------- AWS JSON shapes


def _document(text: str) -> Any:
    # The AWS CLI decodes policy documents into JSON objects; keep text that isn't JSON.
    try:
        return json.loads(text)
    except ValueError:
        return text


def _boundary(arn: str | None) -> dict[str, str]:
    return (
        {
            "PermissionsBoundary": {
                "PermissionsBoundaryType": "PermissionsBoundaryPolicy",
                "PermissionsBoundaryArn": arn,
            }
        }
        if arn
        else {}
    )


def _tags(tags: tuple[Tag, ...]) -> dict[str, list[dict[str, str]]]:
    return {"Tags": [aws_tag(t) for t in tags]} if tags else {}


def aws_tag(tag: Tag) -> dict[str, str]:
    """A Tag as {"Key", "Value"}."""
    return {"Key": tag.key, "Value": tag.value}


def aws_user(user: User, *, listing: bool = False) -> dict[str, Any]:
    """The User structure of `get-user` (`listing=True`: of `list-users`, which omits
    PermissionsBoundary and Tags)."""
    out: dict[str, Any] = {
        "Path": user.path,
        "UserName": user.user_name,
        "UserId": user.user_id,
        "Arn": user.arn,
        "CreateDate": aws_timestamp(user.create_date),
    }
    if user.password_last_used is not None:
        out["PasswordLastUsed"] = aws_timestamp(user.password_last_used)
    if not listing:
        out |= _boundary(user.permissions_boundary) | _tags(user.tags)
    return out


def aws_group(group: Group, *, listing: bool = False) -> dict[str, Any]:
    """The Group structure of `get-group` / `list-groups`."""
    return {
        "Path": group.path,
        "GroupName": group.group_name,
        "GroupId": group.group_id,
        "Arn": group.arn,
        "CreateDate": aws_timestamp(group.create_date),
    }


def aws_role_last_used(last: RoleLastUsed | None) -> dict[str, str]:
    """RoleLastUsed: {} when never used, else LastUsedDate and Region."""
    out: dict[str, str] = {}
    if last is not None and last.last_used_date is not None:
        out["LastUsedDate"] = aws_timestamp(last.last_used_date)
    if last is not None and last.region is not None:
        out["Region"] = last.region
    return out


def aws_role(role: Role, *, listing: bool = False) -> dict[str, Any]:
    """The Role structure of `get-role` (`listing=True`: of `list-roles`, without
    PermissionsBoundary, Tags and RoleLastUsed)."""
    out: dict[str, Any] = {
        "Path": role.path,
        "RoleName": role.role_name,
        "RoleId": role.role_id,
        "Arn": role.arn,
        "CreateDate": aws_timestamp(role.create_date),
        "AssumeRolePolicyDocument": _document(role.assume_role_policy_document),
    }
    if role.description is not None:
        out["Description"] = role.description
    out["MaxSessionDuration"] = role.max_session_duration
    if not listing:
        out |= _boundary(role.permissions_boundary) | _tags(role.tags)
        out["RoleLastUsed"] = aws_role_last_used(role.role_last_used)
    return out


def aws_instance_profile(
    profile: InstanceProfile, roles: tuple[Role, ...] = (), *, listing: bool = False
) -> dict[str, Any]:
    """The InstanceProfile structure; pass the Role entities named in `role_names`."""
    out: dict[str, Any] = {
        "Path": profile.path,
        "InstanceProfileName": profile.instance_profile_name,
        "InstanceProfileId": profile.instance_profile_id,
        "Arn": profile.arn,
        "CreateDate": aws_timestamp(profile.create_date),
        "Roles": [aws_role(r, listing=True) for r in roles],
    }
    if not listing:
        out |= _tags(profile.tags)
    return out


def aws_policy(policy: ManagedPolicy, *, listing: bool = False) -> dict[str, Any]:
    """The Policy structure of `get-policy` (`listing=True`: of `list-policies`, which
    omits Description and Tags)."""
    out: dict[str, Any] = {
        "PolicyName": policy.policy_name,
        "PolicyId": policy.policy_id,
        "Arn": policy.arn,
        "Path": policy.path,
        "DefaultVersionId": policy.default_version_id,
        "AttachmentCount": policy.attachment_count,
        "PermissionsBoundaryUsageCount": policy.permissions_boundary_usage_count,
        "IsAttachable": policy.is_attachable,
    }
    if policy.description is not None and not listing:
        out["Description"] = policy.description
    out["CreateDate"] = aws_timestamp(policy.create_date)
    out["UpdateDate"] = aws_timestamp(policy.update_date)
    if not listing:
        out |= _tags(policy.tags)
    return out


def aws_policy_version(version: PolicyVersion, *, listing: bool = False) -> dict[str, Any]:
    """The PolicyVersion structure of `get-policy-version` (`list-policy-versions`
    leaves the Document out)."""
    out: dict[str, Any] = {}
    if not listing:
        out["Document"] = _document(version.document)
    out |= {
        "VersionId": version.version_id,
        "IsDefaultVersion": version.is_default_version,
        "CreateDate": aws_timestamp(version.create_date),
    }
    return out


def aws_inline_policy(policy: InlinePolicy, *, listing: bool = False) -> dict[str, Any]:
    """The answer of `get-user-policy` / `get-group-policy` / `get-role-policy`."""
    owner_key = {"user": "UserName", "group": "GroupName", "role": "RoleName"}[policy.owner_kind]
    return {
        owner_key: policy.owner_name,
        "PolicyName": policy.policy_name,
        "PolicyDocument": _document(policy.document),
    }


def aws_access_key(key: AccessKey, *, listing: bool = False) -> dict[str, Any]:
    """An AccessKeyMetadata item of `list-access-keys` (never any secret)."""
    return {
        "UserName": key.user_name,
        "AccessKeyId": key.access_key_id,
        "Status": key.status,
        "CreateDate": aws_timestamp(key.create_date),
    }


def aws_access_key_last_used(key: AccessKey) -> dict[str, Any]:
    """The answer of `get-access-key-last-used`; 'N/A' service and region when unused."""
    last: dict[str, Any] = {}
    if key.last_used_date is not None:
        last["LastUsedDate"] = aws_timestamp(key.last_used_date)
    last["ServiceName"] = key.last_used_service or "N/A"
    last["Region"] = key.last_used_region or "N/A"
    return {"UserName": key.user_name, "AccessKeyLastUsed": last}


def aws_login_profile(profile: LoginProfile, *, listing: bool = False) -> dict[str, Any]:
    """The LoginProfile structure of `get-login-profile` (never the hash)."""
    return {
        "UserName": profile.user_name,
        "CreateDate": aws_timestamp(profile.create_date),
        "PasswordResetRequired": profile.password_reset_required,
    }


def aws_mfa_device(device: VirtualMfaDevice, *, listing: bool = False) -> dict[str, Any]:
    """An MFADevice item of `list-mfa-devices` (an enabled device of one user)."""
    out: dict[str, Any] = {"UserName": device.user_name, "SerialNumber": device.serial_number}
    if device.enable_date is not None:
        out["EnableDate"] = aws_timestamp(device.enable_date)
    return out


def aws_virtual_mfa_device(
    device: VirtualMfaDevice, user: User | None = None, *, listing: bool = False
) -> dict[str, Any]:
    """A VirtualMFADevice item of `list-virtual-mfa-devices` (never the seed)."""
    out: dict[str, Any] = {"SerialNumber": device.serial_number}
    if user is not None:
        out["User"] = aws_user(user, listing=True)
    if device.enable_date is not None:
        out["EnableDate"] = aws_timestamp(device.enable_date)
    if not listing:
        out |= _tags(device.tags)
    return out


_AWS_SHAPES: dict[type, Callable[..., dict[str, Any]]] = {
    Tag: lambda t, listing=False: aws_tag(t),
    User: aws_user,
    Group: aws_group,
    Role: aws_role,
    InstanceProfile: aws_instance_profile,
    ManagedPolicy: aws_policy,
    PolicyVersion: aws_policy_version,
    InlinePolicy: aws_inline_policy,
    AccessKey: aws_access_key,
    LoginProfile: aws_login_profile,
    VirtualMfaDevice: aws_virtual_mfa_device,
}


def to_aws(entity: Record, *, listing: bool = False) -> dict[str, Any]:
    """The AWS API/CLI JSON structure of `entity` (PascalCase keys, '+00:00' dates).

    This is the inner structure: `get-user` prints {"User": to_aws(user)}.
    `listing=True` gives the lighter form the List* operations return.
    Raise TypeError for entities AWS has no structure for.
    """
    try:
        shape = _AWS_SHAPES[type(entity)]
    except KeyError:
        raise TypeError(f"no AWS structure for {type(entity).__name__}") from None
    return shape(entity, listing=listing)


__all__ = [
    "DEFAULT_MAX_SESSION_DURATION",
    "ENTITY_TYPES",
    "AccessKey",
    "Account",
    "Group",
    "GroupMembership",
    "InlinePolicy",
    "InstanceProfile",
    "KeyStatus",
    "LoginProfile",
    "ManagedPolicy",
    "OwnerKind",
    "PolicyAttachment",
    "PolicyVersion",
    "Record",
    "ResourcePolicy",
    "Role",
    "RoleLastUsed",
    "SamlProvider",
    "Tag",
    "User",
    "VirtualMfaDevice",
    "aws_access_key",
    "aws_access_key_last_used",
    "aws_group",
    "aws_inline_policy",
    "aws_instance_profile",
    "aws_login_profile",
    "aws_mfa_device",
    "aws_policy",
    "aws_policy_version",
    "aws_role",
    "aws_role_last_used",
    "aws_tag",
    "aws_timestamp",
    "aws_user",
    "aws_virtual_mfa_device",
    "iso_z",
    "parse_timestamp",
    "to_aws",
]
