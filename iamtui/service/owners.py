"""Users, groups and roles as owners of policies: the one table of what differs between them.

Inline policies, attachments, boundaries, tags and deletion all take an `OwnerSpec`
(which table, which name rule, which quotas, which words AWS uses) instead of
three copies of each operation. Entities that requests name by their ARN instead of a
name (SAML providers, managed policies, ...) are looked up through an `ArnAddressed`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, Generic, TypeVar

from iamtui.arn import (
    DEFAULT_QUOTAS,
    validate_group_name,
    validate_role_name,
    validate_tag_key,
    validate_user_name,
)
from iamtui.errors import NoSuchEntity, UnmodifiableEntity
from iamtui.model import OwnerKind, Role, Tag
from iamtui.policy import ContextEntry
from iamtui.service.core import View, nominal_arn, resource_tag_context
from iamtui.service.tables import GROUPS, ROLES, USERS
from iamtui.store import Entity, EntityTable

E = TypeVar("E", bound=Entity)


@dataclass(frozen=True)
class OwnerSpec:
    """What differs between users, groups and roles as owners of policies and settings."""

    kind: OwnerKind
    noun: str  # as in AWS's operation names: PutUserPolicy, PutGroupPolicy, PutRolePolicy
    table: EntityTable[Any]
    name_field: str  # the request parameter: userName, groupName, roleName
    validate_name: Callable[[str, str], str]
    inline_size_quota: int
    name_of: Callable[[Any], str]
    attached_policies_quota: int
    attached_quota_name: str  # as AWS names it in LimitExceeded messages

    def find(self, view: View, name: str) -> Any | None:
        """The entity named `name` (names ignore case), or None."""
        return self.table.find_one(view, "name", name)

    def get(self, view: View, name: str) -> Any:
        """The entity named `name`; NoSuchEntity with AWS's message if there is none."""
        entity = self.find(view, name)
        if entity is None:
            raise NoSuchEntity(f"The {self.kind} with name {name} cannot be found.",
                               resource=nominal_arn(view, self.kind, name))
        return entity


@dataclass(frozen=True)
class ArnAddressed(Generic[E]):
    """Entities a request names by their ARN, the key of their table (a SAML provider, a
    customer managed policy, a virtual MFA device by its serial number, a stored
    resource-based policy). The request is authorized on that ARN whether or not the
    entity is there, with aws:ResourceTag/* read from it when it is; only then does an
    authorized caller learn NoSuchEntity, in AWS's words for the kind."""

    table: EntityTable[E]
    missing: str  # AWS's NoSuchEntity message; "{arn}" stands for the ARN asked for

    def get(self, view: View, arn: str) -> E:
        """The entity; NoSuchEntity naming the ARN (as `OwnerSpec.get` names its nominal
        one, for ServiceCore._subject) when there is none."""
        found = self.table.get(view, arn)
        if found is None:
            raise NoSuchEntity(self.missing.format(arn=arn), resource=arn)
        return found

    def tag_context(self, view: View, arn: str) -> list[ContextEntry]:
        """aws:ResourceTag/* of the entity as `view` has it; none when it is missing."""
        found = self.table.get(view, arn)
        return resource_tag_context(getattr(found, "tags", ()))


OWNERS: dict[OwnerKind, OwnerSpec] = {
    "user": OwnerSpec("user", "User", USERS, "userName", validate_user_name,
                      DEFAULT_QUOTAS.user_inline_policy_size, attrgetter("user_name"),
                      DEFAULT_QUOTAS.managed_policies_per_user, "PoliciesPerUser"),
    "group": OwnerSpec("group", "Group", GROUPS, "groupName", validate_group_name,
                       DEFAULT_QUOTAS.group_inline_policy_size, attrgetter("group_name"),
                       DEFAULT_QUOTAS.managed_policies_per_group, "PoliciesPerGroup"),
    "role": OwnerSpec("role", "Role", ROLES, "roleName", validate_role_name,
                      DEFAULT_QUOTAS.role_inline_policy_size, attrgetter("role_name"),
                      DEFAULT_QUOTAS.managed_policies_per_role, "PoliciesPerRole"),
}
"""The three owner kinds, by OwnerKind."""


def owner_spec(kind: str) -> OwnerSpec:
    """The spec of an owner kind; ValueError for anything but user, group or role."""
    try:
        return OWNERS[kind]  # type: ignore[index]
    except KeyError:
        raise ValueError(f"owner kind must be one of {sorted(OWNERS)}, not {kind!r}") from None


def tag_context(tags: Sequence[Tag]) -> list[ContextEntry]:
    """aws:RequestTag/<key> and aws:TagKeys for a request that sets tags."""
    if not tags:
        return []
    return [ContextEntry(f"aws:RequestTag/{t.key}", (t.value,)) for t in tags] + [
        ContextEntry("aws:TagKeys", tuple(t.key for t in tags), "stringList")]


def untag_context(tag_keys: Sequence[str]) -> list[ContextEntry]:
    """An Untag* request's keys, validated, as its aws:TagKeys context."""
    for key in tag_keys:
        validate_tag_key(key)
    return [ContextEntry("aws:TagKeys", tuple(tag_keys), "stringList")]


def without_tags(current: Sequence[Tag], tag_keys: Iterable[str]) -> tuple[Tag, ...]:
    """Tags after an Untag* request: those whose keys are not given (keys ignore case)."""
    drop = {k.lower() for k in tag_keys}
    return tuple(t for t in current if t.key.lower() not in drop)


def merge_tags(current: Sequence[Tag], new: Sequence[Tag]) -> tuple[Tag, ...]:
    """Tags after TagUser/TagRole: a key given again takes the new value (keys ignore case)."""
    given = {t.key.lower() for t in new}
    return tuple(t for t in current if t.key.lower() not in given) + tuple(new)


# The path only service-linked roles have ("Using service-linked roles"); IAM Identity
# Center's roles (/aws-reserved/sso.amazonaws.com/) are protected the same way.
SERVICE_ROLE_PATH = "/aws-service-role/"
PROTECTED_ROLE_PATHS = (SERVICE_ROLE_PATH, "/aws-reserved/")


def is_service_linked(entity: Any) -> bool:
    """Whether `entity` is a service-linked role (by its reserved path)."""
    return isinstance(entity, Role) and entity.path.startswith(SERVICE_ROLE_PATH)


def require_modifiable(entity: Any) -> None:
    """UnmodifiableEntity, in AWS's words, for a service-linked (or Identity Center) role:
    only its service may change its trust policy or permissions, or delete it."""
    if isinstance(entity, Role) and entity.path.startswith(PROTECTED_ROLE_PATHS):
        raise UnmodifiableEntity(f"Cannot perform the operation on the protected role "
                                 f"'{entity.role_name}' - this role is only modifiable by AWS")
