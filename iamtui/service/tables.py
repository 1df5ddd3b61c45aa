"""The store's tables: which entity each holds, its key, and its lookup indexes.

Keys are stable IDs where AWS has them (user, group, role and policy IDs); names
get case-insensitive unique indexes, because IAM names are unique regardless of case.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from iamtui.model import (
    AccessKey,
    Group,
    GroupMembership,
    InlinePolicy,
    InstanceProfile,
    LoginProfile,
    ManagedPolicy,
    PolicyAttachment,
    PolicyVersion,
    Record,
    ResourcePolicy,
    Role,
    SamlProvider,
    Tag,
    User,
    VirtualMfaDevice,
)
from iamtui.service.credential_tables import CREDENTIAL_TABLES
from iamtui.store import EntityTable, Index, schema_of


@dataclass(frozen=True, slots=True)
class SessionKey(Record):
    """A condition key a federated session's requests carry, from the token or assertion
    that made it (token.actions.githubusercontent.com:sub, saml:sub, ...)."""

    key: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RoleSession(Record):
    """Temporary credentials from STS: only digests of the secret and token are kept.

    `session_type` says which call made them: "assumed-role" (AssumeRole and the web
    identity calls: role_id/role_name are the role's), "federated-user"
    (GetFederationToken) or "session-token" (GetSessionToken); for those two role_id and
    role_name are the calling user's ID and name (the account ID and "root" for root)."""

    access_key_id: str
    role_id: str
    role_name: str
    session_name: str
    secret_digest: str = field(repr=False)
    token_digest: str = field(repr=False)
    issued_at: datetime
    expiration: datetime
    source_arn: str  # who assumed the role
    mfa_authenticated_at: datetime | None = None
    session_type: str = "assumed-role"
    session_policy: str | None = None  # the inline session policy (Policy)
    session_policy_arns: tuple[str, ...] = ()  # the managed session policies (PolicyArns)
    tags: tuple[Tag, ...] = ()  # session tags: aws:PrincipalTag/* for the session's calls
    transitive_tag_keys: tuple[str, ...] = ()
    source_identity: str | None = None
    federation_keys: tuple[SessionKey, ...] = ()  # in every request the session makes
    # GetScopedCredentials' scope-down policies, one layer each (at most 3)
    scope_policies: tuple[str, ...] = ()

    @property
    def has_session_policies(self) -> bool:
        """A federated user always has the layer (none passed: no permissions); a role
        session only when it was given some ("Session policies")."""
        return (self.session_type == "federated-user" or self.session_policy is not None
                or bool(self.session_policy_arns))


@dataclass(frozen=True, slots=True)
class DeletionTask(Record):
    """A DeleteServiceLinkedRole task: its ID, the role, and how it ended."""

    deletion_task_id: str
    role_arn: str
    status: str  # GetServiceLinkedRoleDeletionStatus's Status: SUCCEEDED or FAILED here
    created: datetime
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class SealedSecret(Record):
    """An access key's or a role session's secret, sealed for `iamtui serve` (AES-256-GCM
    under the serving key file, the key ID as associated data): verifying a SigV4 signature
    needs the secret itself, which a digest cannot give back."""

    access_key_id: str
    ciphertext: str = field(repr=False)


SCHEMA_VERSION = 1

USERS = EntityTable("users", User, key=lambda u: u.user_id, indexes={
    "name": Index("user_name", casefold=True, unique=True),
    "arn": Index("arn", unique=True),
    "boundary": Index("permissions_boundary")})  # PermissionsBoundaryUsageCount
GROUPS = EntityTable("groups", Group, key=lambda g: g.group_id, indexes={
    "name": Index("group_name", casefold=True, unique=True)})
ROLES = EntityTable("roles", Role, key=lambda r: r.role_id, indexes={
    "name": Index("role_name", casefold=True, unique=True),
    "arn": Index("arn", unique=True),
    "boundary": Index("permissions_boundary")})  # PermissionsBoundaryUsageCount
POLICIES = EntityTable("policies", ManagedPolicy, key=lambda p: p.arn, indexes={
    "name": Index("policy_name", casefold=True, unique=True)})
POLICY_VERSIONS = EntityTable(
    "policy_versions", PolicyVersion, key=lambda v: f"{v.policy_arn}#{v.version_id}",
    indexes={"policy": Index("policy_arn")})


def owner_key(kind: str, name: str) -> str:
    """How an owner (user, group or role) is named in membership and attachment keys."""
    return f"{kind}/{name.casefold()}"


INLINE_POLICIES = EntityTable(
    "inline_policies", InlinePolicy,
    key=lambda p: f"{owner_key(p.owner_kind, p.owner_name)}#{p.policy_name.casefold()}",
    indexes={"owner": Index("owner_name", casefold=True)})
MEMBERSHIPS = EntityTable(
    "memberships", GroupMembership,
    key=lambda m: f"{m.group_name.casefold()}#{m.user_name.casefold()}",
    indexes={"group": Index("group_name", casefold=True),
             "user": Index("user_name", casefold=True)})
ATTACHMENTS = EntityTable(
    "attachments", PolicyAttachment,
    key=lambda a: f"{owner_key(a.owner_kind, a.owner_name)}#{a.policy_arn}",
    indexes={"policy": Index("policy_arn"), "owner": Index("owner_name", casefold=True)})
ACCESS_KEYS = EntityTable("access_keys", AccessKey, key=lambda k: k.access_key_id, indexes={
    "user": Index("user_name", casefold=True)})
LOGIN_PROFILES = EntityTable("login_profiles", LoginProfile,
                             key=lambda p: p.user_name.casefold())
MFA_DEVICES = EntityTable("mfa_devices", VirtualMfaDevice, key=lambda d: d.serial_number,
                          indexes={"user": Index("user_name", casefold=True)})
ROLE_SESSIONS = EntityTable("role_sessions", RoleSession, key=lambda s: s.access_key_id,
                            indexes={"role": Index("role_name", casefold=True)})
RESOURCE_POLICIES = EntityTable("resource_policies", ResourcePolicy,
                                key=lambda p: p.resource_arn)
INSTANCE_PROFILES = EntityTable(
    "instance_profiles", InstanceProfile, key=lambda p: p.instance_profile_id,
    indexes={"name": Index("instance_profile_name", casefold=True, unique=True),
             "role": Index("role_names", casefold=True)})
SAML_PROVIDERS = EntityTable("saml_providers", SamlProvider, key=lambda p: p.arn, indexes={
    "name": Index("name", casefold=True, unique=True)})
DELETION_TASKS = EntityTable("deletion_tasks", DeletionTask, key=lambda t: t.deletion_task_id)

SEALED_SECRETS = EntityTable("sealed_secrets", SealedSecret, key=lambda s: s.access_key_id)

ALL_TABLES = (USERS, GROUPS, ROLES, POLICIES, POLICY_VERSIONS, INLINE_POLICIES, MEMBERSHIPS,
              ATTACHMENTS, ACCESS_KEYS, LOGIN_PROFILES, MFA_DEVICES, RESOURCE_POLICIES,
              INSTANCE_PROFILES, ROLE_SESSIONS, SAML_PROVIDERS, *CREDENTIAL_TABLES,
              DELETION_TASKS, SEALED_SECRETS)
SCHEMA = schema_of(ALL_TABLES, version=SCHEMA_VERSION)
