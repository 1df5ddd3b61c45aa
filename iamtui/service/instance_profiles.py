"""Instance profiles: containers that pass one role to an EC2 instance.

Semantics from the IAM User Guide ("Use instance profiles": a profile holds one role, and
the limit cannot be raised) and the IAM API reference (CreateInstanceProfile,
GetInstanceProfile, ListInstanceProfiles, DeleteInstanceProfile, AddRoleToInstanceProfile,
RemoveRoleFromInstanceProfile, ListInstanceProfilesForRole, Tag/Untag/ListInstanceProfile
Tags); "IAM and AWS STS quotas": 1,000 instance profiles per account, 1 role per profile
(InstanceSessionsPerInstanceProfile). Each request is authorized on the profile's ARN
(ListInstanceProfilesForRole on the role's), as the Service Authorization Reference lists
them. AddRoleToInstanceProfile also needs iam:PassRole on the role (its API reference page:
"The caller of this operation must be granted the PassRole permission on the IAM role").
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any, NamedTuple

from iamtui.arn import (
    DEFAULT_QUOTAS,
    check_tag_count,
    instance_profile_arn,
    new_unique_id,
    validate_instance_profile_name,
    validate_path,
    validate_path_prefix,
    validate_role_name,
    validate_tag_key,
    validate_tags,
)
from iamtui.errors import EntityAlreadyExists, LimitExceeded, NoSuchEntity
from iamtui.model import InstanceProfile, Role, Tag
from iamtui.policy import ContextEntry
from iamtui.service.core import Change, Principal, Step, View, nominal_arn
from iamtui.service.inline import Dependent, OwnerOperations
from iamtui.service.owners import OWNERS, merge_tags, resource_tag_context, tag_context
from iamtui.service.tables import INSTANCE_PROFILES, ROLES
from iamtui.store import Tx


def pass_to_ec2_context(account_id: str) -> tuple[ContextEntry, ...]:
    """The keys of the iam:PassRole that AddRoleToInstanceProfile needs: the role goes to
    EC2, for the account's instances (its API reference page)."""
    return (ContextEntry("iam:PassedToService", ("ec2.amazonaws.com",)),
            ContextEntry("iam:AssociatedResourceArn",
                         (f"arn:aws:ec2:*:{account_id}:instance/*",)))


class ProfileRoles(NamedTuple):
    """An instance profile with the roles it holds (AWS's InstanceProfile.Roles)."""

    profile: InstanceProfile
    roles: tuple[Role, ...]


def profile_roles(view: View, profile: InstanceProfile) -> ProfileRoles:
    """`profile` with its Role entities (a name whose role is gone is left out)."""
    return ProfileRoles(profile, tuple(
        r for n in profile.role_names if (r := ROLES.find_one(view, "name", n)) is not None))


def get_profile(view: View, name: str) -> InstanceProfile:
    """The instance profile named `name` (names ignore case), else AWS's NoSuchEntity."""
    profile = INSTANCE_PROFILES.find_one(view, "name", name)
    if profile is None:
        raise NoSuchEntity(f"Instance Profile {name} cannot be found.",
                           resource=nominal_arn(view, "instance-profile", name))
    return profile


def _tag_params(tags: Sequence[Tag]) -> list[dict[str, str]] | None:
    return [{"key": t.key, "value": t.value} for t in tags] or None


class InstanceProfileOperations(OwnerOperations):
    """create-/get-/list-/delete-instance-profile, add-/remove-role-..., and their tags."""

    def create_instance_profile(self, caller: Principal, instance_profile_name: str, *,
                                path: str = "/", tags: Sequence[Tag] = ()) -> InstanceProfile:
        """CreateInstanceProfile: an empty profile (at most 1,000 per account)."""
        validate_instance_profile_name(instance_profile_name)
        validate_path(path)
        validate_tags(tags)
        arn = instance_profile_arn(self.account_id, path, instance_profile_name)
        params = {"instanceProfileName": instance_profile_name, "path": path,
                  "tags": _tag_params(tags)}
        with self._change(caller, "CreateInstanceProfile", arn, params,
                          context=tag_context(tags)) as change:
            tx = change.tx
            if INSTANCE_PROFILES.find_one(tx, "name", instance_profile_name) is not None:
                raise EntityAlreadyExists(
                    f"Instance Profile {instance_profile_name} already exists.")
            if INSTANCE_PROFILES.count(tx) >= DEFAULT_QUOTAS.instance_profiles:
                raise LimitExceeded("Cannot exceed quota for InstanceProfilesPerAccount: "
                                    f"{DEFAULT_QUOTAS.instance_profiles}")
            profile = InstanceProfile(instance_profile_name, new_unique_id("instance-profile"),
                                      arn, self.clock(), path, (), tuple(tags))
            INSTANCE_PROFILES.put(tx, profile)
            change.response = {"instanceProfile": {
                "instanceProfileName": instance_profile_name,
                "instanceProfileId": profile.instance_profile_id, "arn": arn}}
        return profile

    def get_instance_profile(self, caller: Principal,
                             instance_profile_name: str) -> ProfileRoles:
        """GetInstanceProfile: the profile and the role it holds."""
        validate_instance_profile_name(instance_profile_name)
        params = {"instanceProfileName": instance_profile_name}
        profile = self._subject(caller, "GetInstanceProfile", params, get_profile,
                                instance_profile_name)
        view = self._read(caller, "GetInstanceProfile", profile.arn, params=params,
                          context=resource_tag_context(profile.tags))
        return profile_roles(view, get_profile(view, instance_profile_name))

    def list_instance_profiles(self, caller: Principal, *,
                               path_prefix: str = "/") -> list[ProfileRoles]:
        """ListInstanceProfiles, in name order, optionally under a path prefix."""
        validate_path_prefix(path_prefix)
        view = self._read(caller, "ListInstanceProfiles",
                          f"arn:aws:iam::{self.account_id}:instance-profile{path_prefix}",
                          params={"pathPrefix": path_prefix})
        profiles = [p for p in INSTANCE_PROFILES.all(view) if p.path.startswith(path_prefix)]
        return [profile_roles(view, p)
                for p in sorted(profiles, key=lambda p: p.instance_profile_name.casefold())]

    def list_instance_profiles_for_role(self, caller: Principal,
                                        role_name: str) -> list[ProfileRoles]:
        """ListInstanceProfilesForRole (authorized on the role), in name order."""
        validate_role_name(role_name)
        params = {"roleName": role_name}
        role = self._subject(caller, "ListInstanceProfilesForRole", params,
                             OWNERS["role"].get, role_name)
        view = self._read(caller, "ListInstanceProfilesForRole", role.arn, params=params,
                          context=resource_tag_context(role.tags))
        role = OWNERS["role"].get(view, role_name)
        profiles = INSTANCE_PROFILES.find_by(view, "role", role.role_name)
        return [profile_roles(view, p)
                for p in sorted(profiles, key=lambda p: p.instance_profile_name.casefold())]

    @contextlib.contextmanager
    def _profile_change(self, caller: Principal, event: str, instance_profile_name: str,
                        params: dict[str, Any], context: Sequence[ContextEntry] = ()
                        ) -> Iterator[tuple[Change, InstanceProfile]]:
        """One change of an instance profile: authorized as `event` on its ARN (with its
        tags as aws:ResourceTag), yielding the change and the profile as the transaction
        reads it."""
        validate_instance_profile_name(instance_profile_name)
        params = {"instanceProfileName": instance_profile_name, **params}
        profile = self._subject(caller, event, params, get_profile, instance_profile_name,
                                context=context, read_only=False)
        with self._change(caller, event, profile.arn, params,
                          context=[*context, *resource_tag_context(profile.tags)]) as change:
            yield change, get_profile(change.tx, instance_profile_name)

    def delete_instance_profile(self, caller: Principal, instance_profile_name: str, *,
                                cascade: bool = False) -> None:
        """DeleteInstanceProfile: refused while it holds a role (DeleteConflict); with
        `cascade`, removes the role first (authorized and audited as
        RemoveRoleFromInstanceProfile)."""
        with self._profile_change(caller, "DeleteInstanceProfile", instance_profile_name,
                                  {"cascade": cascade or None}) as (change, profile):
            self._delete_with_dependents(change, caller, self._roles_in(change.tx, profile),
                                         cascade)
            INSTANCE_PROFILES.delete(change.tx, profile.instance_profile_id)

    def _roles_in(self, tx: Tx, profile: InstanceProfile) -> list[Dependent]:
        if not profile.role_names:
            return []
        context = tuple(resource_tag_context(profile.tags))
        return [Dependent(
            "remove roles from instance profile",
            tuple(Step("RemoveRoleFromInstanceProfile", profile.arn,
                       {"instanceProfileName": profile.instance_profile_name, "roleName": n},
                       context) for n in profile.role_names),
            lambda: INSTANCE_PROFILES.put(tx, replace(profile, role_names=())))]

    def add_role_to_instance_profile(self, caller: Principal, instance_profile_name: str,
                                     role_name: str) -> None:
        """AddRoleToInstanceProfile: a profile holds one role (LimitExceeded beyond it)."""
        validate_role_name(role_name)
        with self._profile_change(caller, "AddRoleToInstanceProfile", instance_profile_name,
                                  {"roleName": role_name}) as (change, profile):
            found = ROLES.find_one(change.tx, "name", role_name)
            # the role is passed to EC2: without this, editing profiles would hand out any
            # role; asked before NoSuchEntity, so that a refused caller learns no role's name
            passed = found.arn if found else nominal_arn(change.tx, "role", role_name)
            self._authorize(change.tx, caller, "iam:PassRole", passed,
                            pass_to_ec2_context(self.account_id))
            role = OWNERS["role"].get(change.tx, role_name)
            quota = DEFAULT_QUOTAS.roles_per_instance_profile
            if len(profile.role_names) >= quota:
                raise LimitExceeded(
                    f"Cannot exceed quota for InstanceSessionsPerInstanceProfile: {quota}")
            INSTANCE_PROFILES.put(change.tx, replace(
                profile, role_names=(*profile.role_names, role.role_name)))

    def remove_role_from_instance_profile(self, caller: Principal,
                                          instance_profile_name: str, role_name: str) -> None:
        """RemoveRoleFromInstanceProfile; NoSuchEntity when the profile does not hold it."""
        validate_role_name(role_name)
        with self._profile_change(caller, "RemoveRoleFromInstanceProfile",
                                  instance_profile_name, {"roleName": role_name}
                                  ) as (change, profile):
            if not any(n.casefold() == role_name.casefold() for n in profile.role_names):
                OWNERS["role"].get(change.tx, role_name)  # an unknown role is named as such
                raise NoSuchEntity(f"The role with name {role_name} is not in instance "
                                   f"profile {profile.instance_profile_name}.")
            INSTANCE_PROFILES.put(change.tx, replace(profile, role_names=tuple(
                n for n in profile.role_names if n.casefold() != role_name.casefold())))

    def tag_instance_profile(self, caller: Principal, instance_profile_name: str,
                             tags: Sequence[Tag]) -> None:
        """TagInstanceProfile: add or overwrite tags (keys ignore case; at most 50)."""
        validate_tags(tags)
        with self._profile_change(caller, "TagInstanceProfile", instance_profile_name,
                                  {"tags": _tag_params(tags)}, tag_context(tags)
                                  ) as (change, profile):
            merged = merge_tags(profile.tags, tags)
            check_tag_count(len(merged))
            INSTANCE_PROFILES.put(change.tx, replace(profile, tags=merged))

    def untag_instance_profile(self, caller: Principal, instance_profile_name: str,
                               tag_keys: Sequence[str]) -> None:
        """UntagInstanceProfile: remove tags by key (keys ignore case)."""
        for key in tag_keys:
            validate_tag_key(key)
        with self._profile_change(caller, "UntagInstanceProfile", instance_profile_name,
                                  {"tagKeys": list(tag_keys)},
                                  [ContextEntry("aws:TagKeys", tuple(tag_keys), "stringList")]
                                  ) as (change, profile):
            drop = {k.lower() for k in tag_keys}
            INSTANCE_PROFILES.put(change.tx, replace(profile, tags=tuple(
                t for t in profile.tags if t.key.lower() not in drop)))

    def list_instance_profile_tags(self, caller: Principal,
                                   instance_profile_name: str) -> tuple[Tag, ...]:
        """ListInstanceProfileTags."""
        validate_instance_profile_name(instance_profile_name)
        params = {"instanceProfileName": instance_profile_name}
        profile = self._subject(caller, "ListInstanceProfileTags", params, get_profile,
                                instance_profile_name)
        view = self._read(caller, "ListInstanceProfileTags", profile.arn, params=params,
                          context=resource_tag_context(profile.tags))
        return get_profile(view, instance_profile_name).tags
