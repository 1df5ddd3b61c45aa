"""A principal's policies, gathered from the store the way IAM gathers them.

A user's identity-based policies are its inline policies, the managed policies
attached to it, and the inline and attached policies of each of its groups; a
role's are its own inline and attached policies. A permissions boundary is one
managed policy. Documents compile once (`compile_policy` caches by text).
"""

from __future__ import annotations

from dataclasses import dataclass

from iamtui.errors import NoSuchEntity
from iamtui.managed_policies import aws_managed_policies
from iamtui.model import Group, ManagedPolicy, Role, User
from iamtui.policy import PolicyInput, PolicySet, PolicySourceType, PolicyType, compile_policy
from iamtui.service.tables import (
    ATTACHMENTS,
    GROUPS,
    INLINE_POLICIES,
    MEMBERSHIPS,
    POLICIES,
    POLICY_VERSIONS,
    ROLES,
    USERS,
    RoleSession,
)
from iamtui.store import Snapshot, Tx

View = Snapshot | Tx


@dataclass(frozen=True)
class PrincipalPolicies:
    """What decides for one principal: identity-based policies and the boundary.

    Each is held as a PolicySet (a sequence of PolicyInputs), whatever it is given: the
    service caches a principal's policies per store revision, and the set's indexes (per
    service prefix, per action) then serve every request of the principal, not one."""

    identity: PolicySet
    boundaries: PolicySet

    def __post_init__(self) -> None:
        for name in ("identity", "boundaries"):
            given = getattr(self, name)
            if not isinstance(given, PolicySet):
                object.__setattr__(self, name, PolicySet(given))  # frozen: set once, here


def managed_policy(view: View, arn: str) -> ManagedPolicy | None:
    """A customer managed policy from the store, or an AWS managed one from the package."""
    stored = POLICIES.get(view, arn)
    if stored is not None:
        return stored
    shipped = aws_managed_policies().get(arn)
    return shipped.policy if shipped is not None else None


def managed_document(view: View, arn: str) -> str:
    """The default version's document of a managed policy."""
    shipped = aws_managed_policies().get(arn)
    if shipped is not None:
        return shipped.document
    policy = POLICIES.get(view, arn)
    if policy is None:
        raise NoSuchEntity(f"Policy {arn} does not exist or is not attachable.")
    version = POLICY_VERSIONS.get(view, f"{arn}#{policy.default_version_id}")
    if version is None:
        raise NoSuchEntity(f"Policy {arn} has no default version {policy.default_version_id}.")
    return version.document


def _managed_input(view: View, arn: str) -> PolicyInput:
    source = (PolicySourceType.AWS_MANAGED if arn.startswith("arn:aws:iam::aws:")
              else PolicySourceType.USER_MANAGED)
    return PolicyInput(compile_policy(managed_document(view, arn)), arn.rsplit("/", 1)[-1],
                       source)


def owned_policies(view: View, kind: str, name: str) -> list[PolicyInput]:
    """The inline and attached policies of one user, group or role."""
    source = PolicySourceType(kind)
    inline = [PolicyInput(compile_policy(p.document), p.policy_name, source)
              for p in INLINE_POLICIES.find_by(view, "owner", name) if p.owner_kind == kind]
    attached = [_managed_input(view, a.policy_arn)
                for a in ATTACHMENTS.find_by(view, "owner", name) if a.owner_kind == kind]
    return inline + attached


def groups_of(view: View, user_name: str) -> list[Group]:
    """The groups a user belongs to."""
    names = [m.group_name for m in MEMBERSHIPS.find_by(view, "user", user_name)]
    return [g for n in names if (g := GROUPS.find_one(view, "name", n)) is not None]


def user_policies(view: View, user: User) -> PrincipalPolicies:
    """A user's identity-based policies (own and via groups) and boundary."""
    identity = owned_policies(view, "user", user.user_name)
    for group in groups_of(view, user.user_name):
        identity += owned_policies(view, "group", group.group_name)
    return PrincipalPolicies(PolicySet(identity),
                             PolicySet(_boundary(view, user.permissions_boundary)))


def role_policies(view: View, role: Role) -> PrincipalPolicies:
    """A role's identity-based policies and boundary (what its sessions may do)."""
    return PrincipalPolicies(PolicySet(owned_policies(view, "role", role.role_name)),
                             PolicySet(_boundary(view, role.permissions_boundary)))


def group_policies(view: View, group: Group) -> PrincipalPolicies:
    """A group's policies (groups are no principals; the tester asks about them anyway)."""
    return PrincipalPolicies(PolicySet(owned_policies(view, "group", group.group_name)),
                             PolicySet())


def resolve(view: View, kind: str, name: str) -> PrincipalPolicies:
    """The policies of the user, role or group named `name`."""
    if kind == "user" and (user := USERS.find_one(view, "name", name)) is not None:
        return user_policies(view, user)
    if kind == "role" and (role := ROLES.find_one(view, "name", name)) is not None:
        return role_policies(view, role)
    if kind == "group" and (group := GROUPS.find_one(view, "name", name)) is not None:
        return group_policies(view, group)
    raise NoSuchEntity(f"The {kind} with name {name} cannot be found.")


def _boundary(view: View, arn: str | None) -> tuple[PolicyInput, ...]:
    return (_managed_input(view, arn),) if arn else ()


def session_policies(view: View, session: RoleSession) -> PolicySet | None:
    """The session policies a session was given (None: it has no session policy layer),
    the inline one first, then the managed ones in the order passed ("Session policies")."""
    if not session.has_session_policies:
        return None
    inline = ([PolicyInput(compile_policy(session.session_policy), "session-policy",
                           PolicySourceType.NONE)] if session.session_policy else [])
    return PolicySet(inline + [_managed_input(view, arn) for arn in session.session_policy_arns])


def scope_down_layers(session: RoleSession) -> list[PolicySet]:
    """A scoped session's scope-down policies (GetScopedCredentials), each a layer of its
    own: a request must be allowed by every one of them as well."""
    return [PolicySet([PolicyInput(compile_policy(text), f"scope-down-policy-{n}",
                                   PolicySourceType.NONE)])
            for n, text in enumerate(session.scope_policies, 1)]


def trust_policy_input(role: Role) -> PolicyInput:
    """A role's trust policy: its resource-based policy for sts:AssumeRole."""
    return PolicyInput(compile_policy(role.assume_role_policy_document, PolicyType.TRUST),
                       role.role_name, PolicySourceType.RESOURCE)
