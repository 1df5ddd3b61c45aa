"""Inline policies and permissions boundaries, and the plumbing users, groups and roles share.

Users, groups and roles all own inline policies and managed policy attachments;
users and roles also carry tags and a permissions boundary. Rather than three
copies of each operation, one implementation takes an `OwnerSpec` (which table,
which name rule, which size quota, which words AWS uses) and the public
operations (`put_user_policy`, `put_group_policy`, `put_role_policy`, ...) bind it.

Semantics from the IAM API reference (PutUserPolicy, PutGroupPolicy, PutRolePolicy,
Get/Delete/List*Policy/Policies, Put/Delete{User,Role}PermissionsBoundary, TagRole)
and "IAM and AWS STS quotas" (inline policy sizes: all of an entity's inline
policies together, white space not counted).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from iamtui.arn import (
    Arn,
    check_tag_count,
    policy_size,
    split_iam_resource,
    validate_policy_document_text,
    validate_policy_name,
    validate_tags,
)
from iamtui.errors import DeleteConflict, InvalidInput, LimitExceeded, NoSuchEntity
from iamtui.model import InlinePolicy, OwnerKind, Tag
from iamtui.policy import ContextEntry, PolicyType, parse_policy
from iamtui.service.core import Change, Principal, ServiceCore, Step, View
from iamtui.service.owners import (
    OWNERS,
    OwnerSpec,
    merge_tags,
    require_modifiable,
    resource_tag_context,
    tag_context,
    untag_context,
    without_tags,
)
from iamtui.service.principals import managed_policy
from iamtui.service.tables import (
    ATTACHMENTS,
    INLINE_POLICIES,
    owner_key,
)
from iamtui.store import Tx

BoundaryOwner = Literal["user", "role"]


def owner_context(entity: Any, *, boundary: bool = False) -> list[ContextEntry]:
    """aws:ResourceTag/<key> of a tagged user or role, and iam:PermissionsBoundary (the
    entity's current boundary) for the actions the Service Authorization Reference lists
    it for (Put/Delete{User,Role}Policy, ...). Groups carry neither."""
    context = resource_tag_context(getattr(entity, "tags", ()))
    current = getattr(entity, "permissions_boundary", None)
    if boundary and current:
        context.append(ContextEntry("iam:PermissionsBoundary", (current,)))
    return context


def require_boundary_policy(view: View, arn: str) -> None:
    """A permissions boundary must name an existing managed policy: customer managed in the
    store, or AWS managed as shipped (InvalidInput for a malformed ARN, else NoSuchEntity)."""
    parsed = Arn.parse(arn)
    if parsed.service != "iam" or split_iam_resource(parsed)[0] != "policy":
        raise InvalidInput(f"ARN {arn} is not valid: a permissions boundary must be a "
                           "managed policy's ARN.")
    if managed_policy(view, arn) is None:
        raise NoSuchEntity(f"Scope ARN: {arn} does not exist or is not attachable.")


def inline_policies(view: View, kind: OwnerKind, name: str) -> list[InlinePolicy]:
    """The inline policies of one user, group or role (through the owner index)."""
    return [p for p in INLINE_POLICIES.find_by(view, "owner", name) if p.owner_kind == kind]


@dataclass(frozen=True)
class Dependent:
    """Something that still hangs on an entity and blocks its deletion: what AWS asks to do
    first, the IAM requests doing it by hand would make (a cascade authorizes and audits
    each), and how to remove it."""

    what: str  # "delete policies": AWS's "Cannot delete entity, must ... first."
    steps: tuple[Step, ...]
    remove: Callable[[], object]


def owned_dependents(tx: Tx, owner: Any, kind: OwnerKind) -> list[Dependent]:
    """Inline policies and managed attachments still on a user, group or role, in AWS's
    DeleteConflict order (policies, then attachments)."""
    spec = OWNERS[kind]
    name = spec.name_of(owner)
    context = tuple(owner_context(owner, boundary=True))
    out: list[Dependent] = []
    inline = inline_policies(tx, kind, name)
    if inline:
        out.append(Dependent(
            "delete policies",
            tuple(Step(f"Delete{spec.noun}Policy", owner.arn,
                       {spec.name_field: name, "policyName": p.policy_name}, context)
                  for p in inline),
            lambda: [INLINE_POLICIES.delete(tx, INLINE_POLICIES.key(p)) for p in inline]))
    attached = [a for a in ATTACHMENTS.find_by(tx, "owner", name) if a.owner_kind == kind]
    if attached:
        out.append(Dependent(
            "detach all policies",
            tuple(Step(f"Detach{spec.noun}Policy", owner.arn,
                       {spec.name_field: name, "policyArn": a.policy_arn},
                       (ContextEntry("iam:PolicyARN", (a.policy_arn,)), *context))
                  for a in attached),
            lambda: [ATTACHMENTS.delete(tx, ATTACHMENTS.key(a)) for a in attached]))
    return out


def rename_owned(tx: Tx, kind: OwnerKind, old: str, new: str) -> None:
    """Re-key an owner's inline policies and attachments after a rename."""
    for table in (INLINE_POLICIES, ATTACHMENTS):
        for item in table.find_by(tx, "owner", old):
            if item.owner_kind == kind:
                table.delete(tx, table.key(item))
                table.put(tx, replace(item, owner_name=new))


def _tag_params(spec: OwnerSpec, name: str, tags: Sequence[Tag]) -> dict[str, Any]:
    return {spec.name_field: name, "tags": [{"key": t.key, "value": t.value} for t in tags]}


# ---------------------------------------------------------------------------- operations


class OwnerOperations(ServiceCore):
    """One implementation of what users, groups and roles share, parameterized by kind."""

    def _delete_with_dependents(self, change: Change, caller: Principal,
                                dependents: list[Dependent], cascade: bool) -> None:
        """DeleteConflict naming the first dependent, unless `cascade`: then authorize every
        request that removing them by hand would make (each audited as its own event), and
        only when all are allowed, remove them."""
        if dependents and not cascade:
            raise DeleteConflict(f"Cannot delete entity, must {dependents[0].what} first.")
        self._authorize_steps(change, caller, [s for d in dependents for s in d.steps])
        for dependent in dependents:
            dependent.remove()

    # ------------------------------------------------------------ inline policies

    def put_owner_policy(self, caller: Principal, kind: OwnerKind, owner_name: str,
                         policy_name: str, policy_document: str) -> InlinePolicy:
        """Put{User,Group,Role}Policy: add or replace an inline policy. The document must be
        a valid identity-based policy (MalformedPolicyDocument with its position) and all
        of the owner's inline policies together must stay within the kind's size quota."""
        spec = OWNERS[kind]
        spec.validate_name(owner_name, spec.name_field)
        validate_policy_name(policy_name)
        validate_policy_document_text(policy_document)
        params = {spec.name_field: owner_name, "policyName": policy_name,
                  "policyDocument": policy_document}
        event = f"Put{spec.noun}Policy"
        owner = self._subject(caller, event, params, spec.get, owner_name, read_only=False)
        with self._change(caller, event, owner.arn, params,
                          context=owner_context(owner, boundary=True)) as change:
            tx = change.tx
            owner = spec.get(tx, owner_name)
            require_modifiable(owner)
            parse_policy(policy_document, PolicyType.IDENTITY)
            name = spec.name_of(owner)
            others = [p for p in inline_policies(tx, kind, name)
                      if p.policy_name.casefold() != policy_name.casefold()]
            total = policy_size(policy_document) + sum(policy_size(p.document) for p in others)
            if total > spec.inline_size_quota:
                raise LimitExceeded(f"Maximum policy size of {spec.inline_size_quota} bytes "
                                    f"exceeded for {kind} {name}")
            policy = InlinePolicy(kind, name, policy_name, policy_document)
            INLINE_POLICIES.put(tx, policy)
        return policy

    def get_owner_policy(self, caller: Principal, kind: OwnerKind, owner_name: str,
                         policy_name: str) -> InlinePolicy:
        """Get{User,Group,Role}Policy: one inline policy with its document."""
        spec = OWNERS[kind]
        spec.validate_name(owner_name, spec.name_field)
        validate_policy_name(policy_name)
        params = {spec.name_field: owner_name, "policyName": policy_name}
        event = f"Get{spec.noun}Policy"
        owner = self._subject(caller, event, params, spec.get, owner_name)
        view = self._read(caller, event, owner.arn, params=params,
                          context=owner_context(owner))
        return self._inline_policy(view, spec, spec.name_of(spec.get(view, owner_name)),
                                   policy_name)

    def _inline_policy(self, view: View, spec: OwnerSpec, owner_name: str,
                       policy_name: str) -> InlinePolicy:
        policy = INLINE_POLICIES.get(
            view, f"{owner_key(spec.kind, owner_name)}#{policy_name.casefold()}")
        if policy is None:
            raise NoSuchEntity(f"The {spec.kind} policy with name {policy_name} cannot be "
                               "found.")
        return policy

    def delete_owner_policy(self, caller: Principal, kind: OwnerKind, owner_name: str,
                            policy_name: str) -> None:
        """Delete{User,Group,Role}Policy: remove one inline policy."""
        spec = OWNERS[kind]
        spec.validate_name(owner_name, spec.name_field)
        validate_policy_name(policy_name)
        params = {spec.name_field: owner_name, "policyName": policy_name}
        event = f"Delete{spec.noun}Policy"
        owner = self._subject(caller, event, params, spec.get, owner_name, read_only=False)
        with self._change(caller, event, owner.arn, params,
                          context=owner_context(owner, boundary=True)) as change:
            owner = spec.get(change.tx, owner_name)
            require_modifiable(owner)
            policy = self._inline_policy(change.tx, spec, spec.name_of(owner), policy_name)
            INLINE_POLICIES.delete(change.tx, INLINE_POLICIES.key(policy))

    def list_owner_policies(self, caller: Principal, kind: OwnerKind,
                            owner_name: str) -> list[str]:
        """List{User,Group,Role}Policies: the names of an owner's inline policies, sorted."""
        spec = OWNERS[kind]
        spec.validate_name(owner_name, spec.name_field)
        params = {spec.name_field: owner_name}
        event = f"List{spec.noun}Policies"
        owner = self._subject(caller, event, params, spec.get, owner_name)
        view = self._read(caller, event, owner.arn, params=params, context=owner_context(owner))
        name = spec.name_of(spec.get(view, owner_name))
        return sorted((p.policy_name for p in inline_policies(view, kind, name)),
                      key=str.casefold)

    # ------------------------------------------------------------ permissions boundaries

    def set_owner_boundary(self, caller: Principal, kind: BoundaryOwner, owner_name: str,
                           permissions_boundary: str | None) -> None:
        """Put{User,Role}PermissionsBoundary (an ARN) or Delete...PermissionsBoundary (None).
        iam:PermissionsBoundary is the boundary being set, or the one being removed."""
        spec = OWNERS[kind]
        spec.validate_name(owner_name, spec.name_field)
        verb = "Put" if permissions_boundary else "Delete"
        event = f"{verb}{spec.noun}PermissionsBoundary"
        params: dict[str, Any] = {spec.name_field: owner_name}
        if permissions_boundary:
            params["permissionsBoundary"] = permissions_boundary
        setting = [ContextEntry("iam:PermissionsBoundary", (permissions_boundary,))
                   ] if permissions_boundary else []
        owner = self._subject(caller, event, params, spec.get, owner_name, context=setting,
                              read_only=False)
        named = permissions_boundary or owner.permissions_boundary
        context = owner_context(owner)
        if named:
            context.append(ContextEntry("iam:PermissionsBoundary", (named,)))
        with self._change(caller, event, owner.arn, params, context=context) as change:
            owner = spec.get(change.tx, owner_name)
            require_modifiable(owner)
            if permissions_boundary:
                require_boundary_policy(change.tx, permissions_boundary)
            spec.table.put(change.tx, replace(owner, permissions_boundary=permissions_boundary))

    # ------------------------------------------------------------ tags (users and roles)

    def tag_owner(self, caller: Principal, kind: BoundaryOwner, owner_name: str,
                  tags: Sequence[Tag]) -> None:
        """Tag{User,Role}: add or overwrite tags (keys ignore case; at most 50)."""
        spec = OWNERS[kind]
        spec.validate_name(owner_name, spec.name_field)
        validate_tags(tags)
        params = _tag_params(spec, owner_name, tags)
        owner = self._subject(caller, f"Tag{spec.noun}", params, spec.get, owner_name,
                              context=tag_context(tags), read_only=False)
        with self._change(caller, f"Tag{spec.noun}", owner.arn, params,
                          context=tag_context(tags) + owner_context(owner)) as change:
            owner = spec.get(change.tx, owner_name)
            merged = merge_tags(owner.tags, tags)
            check_tag_count(len(merged))
            spec.table.put(change.tx, replace(owner, tags=merged))

    def untag_owner(self, caller: Principal, kind: BoundaryOwner, owner_name: str,
                    tag_keys: Sequence[str]) -> None:
        """Untag{User,Role}: remove tags by key (keys ignore case)."""
        spec = OWNERS[kind]
        spec.validate_name(owner_name, spec.name_field)
        context = untag_context(tag_keys)
        params = {spec.name_field: owner_name, "tagKeys": list(tag_keys)}
        owner = self._subject(caller, f"Untag{spec.noun}", params, spec.get, owner_name,
                              context=context, read_only=False)
        with self._change(caller, f"Untag{spec.noun}", owner.arn, params,
                          context=context + owner_context(owner)) as change:
            owner = spec.get(change.tx, owner_name)
            spec.table.put(change.tx, replace(owner, tags=without_tags(owner.tags, tag_keys)))

    def owner_tags(self, caller: Principal, kind: BoundaryOwner,
                   owner_name: str) -> tuple[Tag, ...]:
        """List{User,Role}Tags."""
        spec = OWNERS[kind]
        spec.validate_name(owner_name, spec.name_field)
        params = {spec.name_field: owner_name}
        owner = self._subject(caller, f"List{spec.noun}Tags", params, spec.get, owner_name)
        view = self._read(caller, f"List{spec.noun}Tags", owner.arn, params=params,
                          context=owner_context(owner))
        return spec.get(view, owner_name).tags


class InlinePolicyOperations(OwnerOperations):
    """put-/get-/delete-/list-{user,group,role}-policy and the permissions boundaries."""

    def put_user_policy(self, caller: Principal, user_name: str, policy_name: str,
                        policy_document: str) -> InlinePolicy:
        """PutUserPolicy (the user's inline policies together: at most 2,048 characters)."""
        return self.put_owner_policy(caller, "user", user_name, policy_name, policy_document)

    def put_group_policy(self, caller: Principal, group_name: str, policy_name: str,
                         policy_document: str) -> InlinePolicy:
        """PutGroupPolicy (the group's inline policies together: at most 5,120 characters)."""
        return self.put_owner_policy(caller, "group", group_name, policy_name,
                                     policy_document)

    def put_role_policy(self, caller: Principal, role_name: str, policy_name: str,
                        policy_document: str) -> InlinePolicy:
        """PutRolePolicy (the role's inline policies together: at most 10,240 characters)."""
        return self.put_owner_policy(caller, "role", role_name, policy_name, policy_document)

    def get_group_policy(self, caller: Principal, group_name: str,
                         policy_name: str) -> InlinePolicy:
        """GetGroupPolicy."""
        return self.get_owner_policy(caller, "group", group_name, policy_name)

    def delete_user_policy(self, caller: Principal, user_name: str, policy_name: str) -> None:
        """DeleteUserPolicy."""
        self.delete_owner_policy(caller, "user", user_name, policy_name)

    def delete_role_policy(self, caller: Principal, role_name: str, policy_name: str) -> None:
        """DeleteRolePolicy."""
        self.delete_owner_policy(caller, "role", role_name, policy_name)

    def list_user_policies(self, caller: Principal, user_name: str) -> list[str]:
        """ListUserPolicies."""
        return self.list_owner_policies(caller, "user", user_name)

    def list_group_policies(self, caller: Principal, group_name: str) -> list[str]:
        """ListGroupPolicies."""
        return self.list_owner_policies(caller, "group", group_name)

    def list_role_policies(self, caller: Principal, role_name: str) -> list[str]:
        """ListRolePolicies."""
        return self.list_owner_policies(caller, "role", role_name)

    def put_user_permissions_boundary(self, caller: Principal, user_name: str,
                                      permissions_boundary: str) -> None:
        """PutUserPermissionsBoundary: set or replace the user's boundary."""
        self.set_owner_boundary(caller, "user", user_name, permissions_boundary)

    def put_role_permissions_boundary(self, caller: Principal, role_name: str,
                                      permissions_boundary: str) -> None:
        """PutRolePermissionsBoundary: set or replace the role's boundary."""
        self.set_owner_boundary(caller, "role", role_name, permissions_boundary)

    def delete_role_permissions_boundary(self, caller: Principal, role_name: str) -> None:
        """DeleteRolePermissionsBoundary."""
        self.set_owner_boundary(caller, "role", role_name, None)
