"""Managed policy attachments of users, groups and roles: one implementation, three owners.

Semantics from the IAM API reference (AttachUserPolicy, AttachGroupPolicy,
AttachRolePolicy, DetachUserPolicy, ..., ListAttachedUserPolicies, ...), the IAM
User Guide ("IAM and AWS STS quotas": 10 managed policies per user, group or role)
and the Service Authorization Reference (iam:PolicyARN on attach and detach;
iam:PermissionsBoundary and aws:ResourceTag/ where the owner is a user or role).

The nine public operations (`attach_user_policy`, `detach_role_policy`,
`list_attached_group_policies`, ...) are thin bindings of one implementation to an
owner kind of the OWNERS table below.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from iamtui.arn import (
    validate_path_prefix,
)
from iamtui.errors import LimitExceeded, NoSuchEntity
from iamtui.model import ManagedPolicy, PolicyAttachment
from iamtui.policy import ContextEntry
from iamtui.service.core import Principal, ServiceCore, View
from iamtui.service.owners import (
    OWNERS,
    OwnerSpec,
    owner_spec,
    require_modifiable,
    resource_tag_context,
)
from iamtui.service.policies import validate_policy_arn
from iamtui.service.principals import managed_policy
from iamtui.service.tables import ATTACHMENTS


def _attach(kind: str) -> Callable[..., None]:
    def op(self: Any, caller: Principal, name: str, policy_arn: str) -> None:
        return self.attach_policy(caller, kind, name, policy_arn)
    op.__doc__ = f"Attach{OWNERS[kind].noun}Policy: attach a managed policy to a {kind}."
    return op


def _detach(kind: str) -> Callable[..., None]:
    def op(self: Any, caller: Principal, name: str, policy_arn: str) -> None:
        return self.detach_policy(caller, kind, name, policy_arn)
    op.__doc__ = f"Detach{OWNERS[kind].noun}Policy: detach a managed policy from a {kind}."
    return op


def _list(kind: str) -> Callable[..., list[ManagedPolicy]]:
    def op(self: Any, caller: Principal, name: str, *,
           path_prefix: str = "/") -> list[ManagedPolicy]:
        return self.list_attached_policies(caller, kind, name, path_prefix=path_prefix)
    op.__doc__ = (f"ListAttached{OWNERS[kind].noun}Policies: the managed policies attached "
                  f"to a {kind}.")
    return op


class AttachmentOperations(ServiceCore):
    """attach-/detach-/list-attached-{user,group,role}-policies."""

    def _owner(self, view: View, info: OwnerSpec, name: str) -> Any:
        return info.get(view, name)

    def _attached(self, view: View, info: OwnerSpec, name: str) -> list[PolicyAttachment]:
        return [a for a in ATTACHMENTS.find_by(view, "owner", name) if a.owner_kind == info.kind]

    def _owner_context(self, owner: Any, policy_arn: str | None) -> list[ContextEntry]:
        """iam:PolicyARN, and the owner's boundary and tags where it can have them."""
        context = [ContextEntry("iam:PolicyARN", (policy_arn,))] if policy_arn else []
        boundary = getattr(owner, "permissions_boundary", None)
        if boundary:
            context.append(ContextEntry("iam:PermissionsBoundary", (boundary,)))
        return context + resource_tag_context(getattr(owner, "tags", ()))

    def attach_policy(self, caller: Principal, kind: str, owner_name: str,
                      policy_arn: str) -> None:
        """Attach{User,Group,Role}Policy: attach a customer or AWS managed policy.

        The policy must exist and be attachable (NoSuchEntity); an owner holds at most
        10 managed policies (LimitExceeded); attaching one already attached is a no-op.
        """
        info = owner_spec(kind)
        info.validate_name(owner_name)
        validate_policy_arn(policy_arn)
        params = {info.name_field: owner_name, "policyArn": policy_arn}
        owner = self._subject(caller, f"Attach{info.noun}Policy", params, info.get,
                              owner_name, context=self._owner_context(None, policy_arn),
                              read_only=False)
        with self._change(caller, f"Attach{info.noun}Policy", owner.arn, params,
                          context=self._owner_context(owner, policy_arn)) as change:
            tx = change.tx
            owner = self._owner(tx, info, owner_name)
            require_modifiable(owner)
            policy = managed_policy(tx, policy_arn)
            if policy is None or not policy.is_attachable:
                raise NoSuchEntity(f"Policy {policy_arn} does not exist or is not attachable.")
            attached = self._attached(tx, info, owner_name)
            if any(a.policy_arn == policy_arn for a in attached):
                return  # AWS answers success and changes nothing
            if len(attached) >= info.attached_policies_quota:
                raise LimitExceeded(f"Cannot exceed quota for {info.attached_quota_name}: "
                                    f"{info.attached_policies_quota}")
            owner_name = info.name_of(owner)
            ATTACHMENTS.put(tx, PolicyAttachment(policy_arn, info.kind, owner_name))

    def detach_policy(self, caller: Principal, kind: str, owner_name: str,
                      policy_arn: str) -> None:
        """Detach{User,Group,Role}Policy; NoSuchEntity when it is not attached."""
        info = owner_spec(kind)
        info.validate_name(owner_name)
        validate_policy_arn(policy_arn)
        params = {info.name_field: owner_name, "policyArn": policy_arn}
        owner = self._subject(caller, f"Detach{info.noun}Policy", params, info.get,
                              owner_name, context=self._owner_context(None, policy_arn),
                              read_only=False)
        with self._change(caller, f"Detach{info.noun}Policy", owner.arn, params,
                          context=self._owner_context(owner, policy_arn)) as change:
            tx = change.tx
            require_modifiable(self._owner(tx, info, owner_name))
            found = [a for a in self._attached(tx, info, owner_name)
                     if a.policy_arn == policy_arn]
            if not found:
                raise NoSuchEntity(f"Policy {policy_arn} was not found.")
            ATTACHMENTS.delete(tx, ATTACHMENTS.key(found[0]))

    def list_attached_policies(self, caller: Principal, kind: str, owner_name: str, *,
                               path_prefix: str = "/") -> list[ManagedPolicy]:
        """ListAttached{User,Group,Role}Policies: the managed policies attached to one
        owner (whose path starts with `path_prefix`), in name order."""
        info = owner_spec(kind)
        info.validate_name(owner_name)
        validate_path_prefix(path_prefix)
        params = {info.name_field: owner_name, "pathPrefix": path_prefix}
        event = f"ListAttached{info.noun}Policies"
        owner = self._subject(caller, event, params, info.get, owner_name)
        view = self._read(caller, event, owner.arn, params=params,
                          context=self._owner_context(owner, None))
        self._owner(view, info, owner_name)
        policies = [p for a in self._attached(view, info, owner_name)
                    if (p := managed_policy(view, a.policy_arn)) is not None
                    and p.path.startswith(path_prefix)]
        return sorted(policies, key=lambda p: (p.policy_name.lower(), p.arn))

    # IAM's nine operations, generated from the one implementation above.
    attach_user_policy = _attach("user")
    attach_group_policy = _attach("group")
    attach_role_policy = _attach("role")
    detach_user_policy = _detach("user")
    detach_group_policy = _detach("group")
    detach_role_policy = _detach("role")
    list_attached_user_policies = _list("user")
    list_attached_group_policies = _list("group")
    list_attached_role_policies = _list("role")
