"""Roles: create, read, list, update, change the trust policy, tag and delete.

A role's trust policy is its resource-based policy for sts:AssumeRole; it is checked
as a trust policy (a Principal, no Resource) and against the AssumeRolePolicySize
quota (2,048 characters without white space, reported by AWS as ACLSizePerRole).
Semantics from the IAM API reference (CreateRole, GetRole, ListRoles, UpdateRole,
UpdateAssumeRolePolicy, DeleteRole, TagRole, UntagRole, ListRoleTags) and "IAM and
AWS STS quotas".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from iamtui.arn import (
    DEFAULT_QUOTAS,
    check_policy_size,
    new_unique_id,
    role_arn,
    validate_description,
    validate_max_session_duration,
    validate_path,
    validate_path_prefix,
    validate_policy_document_text,
    validate_role_name,
    validate_tags,
)
from iamtui.errors import EntityAlreadyExists, InvalidInput, LimitExceeded
from iamtui.model import DEFAULT_MAX_SESSION_DURATION, Role, Tag
from iamtui.policy import ContextEntry, PolicyType, parse_policy
from iamtui.service.core import Principal, Step, View
from iamtui.service.inline import (
    OWNERS,
    Dependent,
    OwnerOperations,
    owned_dependents,
    owner_context,
    require_boundary_policy,
)
from iamtui.service.owners import SERVICE_ROLE_PATH, require_modifiable, tag_context
from iamtui.service.tables import INSTANCE_PROFILES, ROLES
from iamtui.store import Tx


def check_trust_policy(document: str, field: str = "assumeRolePolicyDocument") -> None:
    """A trust policy as CreateRole/UpdateAssumeRolePolicy check it: allowed characters
    (ValidationError), the policy grammar (MalformedPolicyDocument with the position), and
    the size quota (LimitExceeded)."""
    validate_policy_document_text(document, field)
    parse_policy(document, PolicyType.TRUST)
    check_policy_size(document, DEFAULT_QUOTAS.trust_policy_size, "ACLSizePerRole")


class RoleOperations(OwnerOperations):
    """The role half of `aws iam`: create-role, get-role, update-assume-role-policy, ..."""

    def _role(self, view: View, role_name: str) -> Role:
        return OWNERS["role"].get(view, role_name)

    def create_role(self, caller: Principal, role_name: str, assume_role_policy_document: str,
                    *, path: str = "/", description: str | None = None,
                    max_session_duration: int = DEFAULT_MAX_SESSION_DURATION,
                    permissions_boundary: str | None = None,
                    tags: Sequence[Tag] = ()) -> Role:
        """CreateRole with its trust policy; optionally a description, a maximum session
        duration (3,600-43,200 s), a permissions boundary and tags."""
        validate_role_name(role_name)
        validate_path(path)
        if path.startswith(SERVICE_ROLE_PATH):  # CreateServiceLinkedRole's alone
            raise InvalidInput(f"Path prefix '{SERVICE_ROLE_PATH}' can only be used for AWS "
                               "Service linked Roles")
        if description is not None:
            validate_description(description)
        validate_max_session_duration(max_session_duration)
        validate_tags(tags)
        validate_policy_document_text(assume_role_policy_document, "assumeRolePolicyDocument")
        arn = role_arn(self.account_id, path, role_name)
        context = tag_context(tags)
        if permissions_boundary:
            context.append(ContextEntry("iam:PermissionsBoundary", (permissions_boundary,)))
        params = {"roleName": role_name, "path": path,
                  "assumeRolePolicyDocument": assume_role_policy_document,
                  "description": description, "maxSessionDuration": max_session_duration,
                  "permissionsBoundary": permissions_boundary,
                  "tags": [{"key": t.key, "value": t.value} for t in tags] or None}
        with self._change(caller, "CreateRole", arn, params, context=context) as change:
            tx = change.tx
            if ROLES.find_one(tx, "name", role_name) is not None:
                raise EntityAlreadyExists(f"Role with name {role_name} already exists.")
            check_trust_policy(assume_role_policy_document)
            if permissions_boundary:
                require_boundary_policy(tx, permissions_boundary)
            if ROLES.count(tx) >= DEFAULT_QUOTAS.roles:
                raise LimitExceeded(f"Cannot exceed quota for RolesPerAccount: "
                                    f"{DEFAULT_QUOTAS.roles}")
            role = Role(role_name, new_unique_id("role"), arn, self.clock(),
                        assume_role_policy_document, path, description, max_session_duration,
                        permissions_boundary, tuple(tags))
            ROLES.put(tx, role)
            change.response = {"role": {"roleName": role_name, "roleId": role.role_id,
                                        "arn": arn}}
        return role

    def get_role(self, caller: Principal, role_name: str) -> Role:
        """GetRole."""
        validate_role_name(role_name)
        params = {"roleName": role_name}
        role = self._subject(caller, "GetRole", params, self._role, role_name)
        view = self._read(caller, "GetRole", role.arn, params=params,
                          context=owner_context(role))
        return self._role(view, role_name)

    def list_roles(self, caller: Principal, *, path_prefix: str = "/") -> list[Role]:
        """ListRoles, in name order, optionally under a path prefix."""
        validate_path_prefix(path_prefix)
        view = self._read(caller, "ListRoles",
                          f"arn:aws:iam::{self.account_id}:role{path_prefix}",
                          params={"pathPrefix": path_prefix})
        roles = [r for r in ROLES.all(view) if r.path.startswith(path_prefix)]
        return sorted(roles, key=lambda r: r.role_name.casefold())

    def update_role(self, caller: Principal, role_name: str, *,
                    description: str | None = None,
                    max_session_duration: int | None = None) -> Role:
        """UpdateRole: the description and/or the maximum session duration."""
        return self._update_role(caller, "UpdateRole", role_name, description,
                                 max_session_duration)

    def update_role_description(self, caller: Principal, role_name: str,
                                description: str) -> Role:
        """UpdateRoleDescription: only the description (authorized as its own action);
        returns the role, as AWS's answer does."""
        return self._update_role(caller, "UpdateRoleDescription", role_name, description,
                                 None)

    def _update_role(self, caller: Principal, event: str, role_name: str,
                     description: str | None, max_session_duration: int | None) -> Role:
        validate_role_name(role_name)
        if description is not None:
            validate_description(description)
        if max_session_duration is not None:
            validate_max_session_duration(max_session_duration)
        params = {"roleName": role_name, "description": description,
                  "maxSessionDuration": max_session_duration}
        role = self._subject(caller, event, params, self._role, role_name, read_only=False)
        with self._change(caller, event, role.arn, params,
                          context=owner_context(role)) as change:
            role = self._role(change.tx, role_name)
            updated = replace(
                role, description=role.description if description is None else description,
                max_session_duration=max_session_duration or role.max_session_duration)
            ROLES.put(change.tx, updated)
        return updated

    def update_assume_role_policy(self, caller: Principal, role_name: str,
                                  policy_document: str) -> Role:
        """UpdateAssumeRolePolicy: replace the role's trust policy."""
        validate_role_name(role_name)
        validate_policy_document_text(policy_document)
        params = {"roleName": role_name, "policyDocument": policy_document}
        role = self._subject(caller, "UpdateAssumeRolePolicy", params, self._role, role_name,
                             read_only=False)
        with self._change(caller, "UpdateAssumeRolePolicy", role.arn, params,
                          context=owner_context(role)) as change:
            role = self._role(change.tx, role_name)
            require_modifiable(role)
            check_trust_policy(policy_document, "policyDocument")
            updated = replace(role, assume_role_policy_document=policy_document)
            ROLES.put(change.tx, updated)
        return updated

    def delete_role(self, caller: Principal, role_name: str, *, cascade: bool = False) -> None:
        """DeleteRole. Like AWS, refuses while the role has inline or attached policies
        (DeleteConflict); with `cascade`, removes those first, in one change. Sessions of
        the role stop working (their credentials name a role that no longer exists)."""
        validate_role_name(role_name)
        params = {"roleName": role_name, "cascade": cascade or None}
        role = self._subject(caller, "DeleteRole", params, self._role, role_name,
                             read_only=False)
        with self._change(caller, "DeleteRole", role.arn, params,
                          context=owner_context(role)) as change:
            tx = change.tx
            role = self._role(tx, role_name)
            require_modifiable(role)  # DeleteServiceLinkedRole deletes such a role
            dependents = owned_dependents(tx, role, "role") + self._profiles_of(tx, role)
            self._delete_with_dependents(change, caller, dependents, cascade)
            ROLES.delete(tx, role.role_id)

    def _profiles_of(self, tx: Tx, role: Role) -> list[Dependent]:
        """Instance profiles holding the role: AWS refuses DeleteRole until it is removed."""
        profiles = INSTANCE_PROFILES.find_by(tx, "role", role.role_name)
        if not profiles:
            return []
        return [Dependent(
            "remove roles from instance profile",
            tuple(Step("RemoveRoleFromInstanceProfile", p.arn,
                       {"instanceProfileName": p.instance_profile_name,
                        "roleName": role.role_name}) for p in profiles),
            lambda: [INSTANCE_PROFILES.put(tx, replace(p, role_names=tuple(
                n for n in p.role_names if n.casefold() != role.role_name.casefold())))
                for p in profiles])]

    def tag_role(self, caller: Principal, role_name: str, tags: Sequence[Tag]) -> None:
        """TagRole: add or overwrite tags (at most 50 per role)."""
        self.tag_owner(caller, "role", role_name, tags)

    def untag_role(self, caller: Principal, role_name: str, tag_keys: Sequence[str]) -> None:
        """UntagRole: remove tags by key (keys ignore case)."""
        self.untag_owner(caller, "role", role_name, tag_keys)

    def list_role_tags(self, caller: Principal, role_name: str) -> tuple[Tag, ...]:
        """ListRoleTags."""
        return self.owner_tags(caller, "role", role_name)
