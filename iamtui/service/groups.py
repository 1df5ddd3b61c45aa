"""Groups: create, read, list, rename and delete, and the users in them.

Semantics from the IAM API reference (CreateGroup, GetGroup, ListGroups, UpdateGroup,
DeleteGroup, AddUserToGroup, RemoveUserFromGroup, ListGroupsForUser) and "IAM and
AWS STS quotas" (300 groups per account, 10 groups per user).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from iamtui.arn import (
    DEFAULT_QUOTAS,
    group_arn,
    new_unique_id,
    validate_group_name,
    validate_path,
    validate_path_prefix,
    validate_user_name,
)
from iamtui.errors import EntityAlreadyExists, LimitExceeded, NoSuchEntity
from iamtui.model import Group, GroupMembership, User
from iamtui.service.core import Principal, Step, View
from iamtui.service.inline import (
    OWNERS,
    Dependent,
    OwnerOperations,
    owned_dependents,
    owner_context,
    rename_owned,
)
from iamtui.service.principals import groups_of
from iamtui.service.tables import GROUPS, MEMBERSHIPS, USERS
from iamtui.store import Tx


@dataclass(frozen=True)
class GroupDetail:
    """GetGroup's answer: the group and the users in it (by name)."""

    group: Group
    users: tuple[User, ...]


def members(view: View, group_name: str) -> list[User]:
    """The users in a group, in name order (through the membership index)."""
    names = [m.user_name for m in MEMBERSHIPS.find_by(view, "group", group_name)]
    found = [u for n in names if (u := USERS.find_one(view, "name", n)) is not None]
    return sorted(found, key=lambda u: u.user_name.casefold())


class GroupOperations(OwnerOperations):
    """The group half of `aws iam`: create-group, get-group, add-user-to-group, ..."""

    def _group(self, view: View, group_name: str) -> Group:
        return OWNERS["group"].get(view, group_name)

    def create_group(self, caller: Principal, group_name: str, *, path: str = "/") -> Group:
        """CreateGroup (names unique regardless of case; at most 300 groups)."""
        validate_group_name(group_name)
        validate_path(path)
        arn = group_arn(self.account_id, path, group_name)
        with self._change(caller, "CreateGroup", arn,
                          {"groupName": group_name, "path": path}) as change:
            if GROUPS.find_one(change.tx, "name", group_name) is not None:
                raise EntityAlreadyExists(f"Group with name {group_name} already exists.")
            if GROUPS.count(change.tx) >= DEFAULT_QUOTAS.groups:
                raise LimitExceeded(f"Cannot exceed quota for GroupsPerAccount: "
                                    f"{DEFAULT_QUOTAS.groups}")
            group = Group(group_name, new_unique_id("group"), arn, self.clock(), path)
            GROUPS.put(change.tx, group)
            change.response = {"group": {"groupName": group_name, "groupId": group.group_id,
                                         "arn": arn}}
        return group

    def get_group(self, caller: Principal, group_name: str) -> GroupDetail:
        """GetGroup: the group and its users."""
        validate_group_name(group_name)
        params = {"groupName": group_name}
        group = self._subject(caller, "GetGroup", params, self._group, group_name)
        view = self._read(caller, "GetGroup", group.arn, params=params)
        group = self._group(view, group_name)
        return GroupDetail(group, tuple(members(view, group.group_name)))

    def list_groups(self, caller: Principal, *, path_prefix: str = "/") -> list[Group]:
        """ListGroups, in name order, optionally under a path prefix."""
        validate_path_prefix(path_prefix)
        view = self._read(caller, "ListGroups",
                          f"arn:aws:iam::{self.account_id}:group{path_prefix}",
                          params={"pathPrefix": path_prefix})
        groups = [g for g in GROUPS.all(view) if g.path.startswith(path_prefix)]
        return sorted(groups, key=lambda g: g.group_name.casefold())

    def update_group(self, caller: Principal, group_name: str, *,
                     new_group_name: str | None = None, new_path: str | None = None) -> Group:
        """UpdateGroup: rename or move; members and policies follow the group. Like AWS,
        the caller needs iam:UpdateGroup on both the old and the new ARN."""
        validate_group_name(group_name)
        if new_group_name is not None:
            validate_group_name(new_group_name, "newGroupName")
        if new_path is not None:
            validate_path(new_path, "newPath")
        params = {"groupName": group_name, "newGroupName": new_group_name, "newPath": new_path}
        group = self._subject(caller, "UpdateGroup", params, self._group, group_name,
                              read_only=False)
        with self._change(caller, "UpdateGroup", group.arn, params) as change:
            tx = change.tx
            group = self._group(tx, group_name)
            name = new_group_name or group.group_name
            path = new_path or group.path
            new_arn = group_arn(self.account_id, path, name)
            if new_arn != group.arn:  # before telling whether the new name is taken
                self._authorize(tx, caller, "iam:UpdateGroup", new_arn)
            if new_group_name and new_group_name.casefold() != group.group_name.casefold() \
                    and GROUPS.find_one(tx, "name", new_group_name) is not None:
                raise EntityAlreadyExists(f"Group with name {new_group_name} already exists.")
            updated = replace(group, group_name=name, path=path, arn=new_arn)
            GROUPS.put(tx, updated)
            if name != group.group_name:
                self._rename_group_everywhere(tx, group.group_name, name)
        return updated

    def _rename_group_everywhere(self, tx: Tx, old: str, new: str) -> None:
        for membership in MEMBERSHIPS.find_by(tx, "group", old):
            MEMBERSHIPS.delete(tx, MEMBERSHIPS.key(membership))
            MEMBERSHIPS.put(tx, replace(membership, group_name=new))
        rename_owned(tx, "group", old, new)

    def delete_group(self, caller: Principal, group_name: str, *,
                     cascade: bool = False) -> None:
        """DeleteGroup. Like AWS, refuses while the group has members, inline or attached
        policies (DeleteConflict); with `cascade`, removes those first, in one change."""
        validate_group_name(group_name)
        params = {"groupName": group_name, "cascade": cascade or None}
        group = self._subject(caller, "DeleteGroup", params, self._group, group_name,
                              read_only=False)
        with self._change(caller, "DeleteGroup", group.arn, params) as change:
            tx = change.tx
            group = self._group(tx, group_name)
            dependents = []
            users = MEMBERSHIPS.find_by(tx, "group", group.group_name)
            if users:
                dependents.append(Dependent(
                    "remove users from group",
                    tuple(Step("RemoveUserFromGroup", group.arn,
                               {"groupName": group.group_name, "userName": m.user_name})
                          for m in users),
                    lambda: [MEMBERSHIPS.delete(tx, MEMBERSHIPS.key(m)) for m in users]))
            dependents += owned_dependents(tx, group, "group")
            self._delete_with_dependents(change, caller, dependents, cascade)
            GROUPS.delete(tx, group.group_id)

    def add_user_to_group(self, caller: Principal, group_name: str, user_name: str) -> None:
        """AddUserToGroup (a user may be in at most 10 groups; adding again is a no-op)."""
        validate_group_name(group_name)
        validate_user_name(user_name)
        params = {"groupName": group_name, "userName": user_name}
        group = self._subject(caller, "AddUserToGroup", params, self._group, group_name,
                              read_only=False)
        with self._change(caller, "AddUserToGroup", group.arn, params) as change:
            tx = change.tx
            group = self._group(tx, group_name)
            user = OWNERS["user"].get(tx, user_name)
            current = MEMBERSHIPS.find_by(tx, "user", user.user_name)
            if any(m.group_name.casefold() == group.group_name.casefold() for m in current):
                return
            if len(current) >= DEFAULT_QUOTAS.groups_per_user:
                raise LimitExceeded(f"Cannot exceed quota for GroupsPerUser: "
                                    f"{DEFAULT_QUOTAS.groups_per_user}")
            MEMBERSHIPS.put(tx, GroupMembership(group.group_name, user.user_name))

    def remove_user_from_group(self, caller: Principal, group_name: str,
                               user_name: str) -> None:
        """RemoveUserFromGroup (NoSuchEntity when the user is not in the group)."""
        validate_group_name(group_name)
        validate_user_name(user_name)
        params = {"groupName": group_name, "userName": user_name}
        group = self._subject(caller, "RemoveUserFromGroup", params, self._group, group_name,
                              read_only=False)
        with self._change(caller, "RemoveUserFromGroup", group.arn, params) as change:
            tx = change.tx
            group = self._group(tx, group_name)
            user = OWNERS["user"].get(tx, user_name)
            key = MEMBERSHIPS.key(GroupMembership(group.group_name, user.user_name))
            if not MEMBERSHIPS.delete(tx, key):
                raise NoSuchEntity(f"User {user.user_name} is not in group "
                                   f"{group.group_name}.")

    def list_groups_for_user(self, caller: Principal, user_name: str) -> list[Group]:
        """ListGroupsForUser, in name order."""
        validate_user_name(user_name)
        params = {"userName": user_name}
        user = self._subject(caller, "ListGroupsForUser", params, OWNERS["user"].get, user_name)
        view = self._read(caller, "ListGroupsForUser", user.arn, params=params,
                          context=owner_context(user))
        user = OWNERS["user"].get(view, user_name)
        return sorted(groups_of(view, user.user_name), key=lambda g: g.group_name.casefold())
