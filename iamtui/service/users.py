"""Users: create, read, list, rename, tag and delete (with AWS's DeleteConflict rules)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from iamtui.arn import (
    new_unique_id,
    user_arn,
    validate_path,
    validate_path_prefix,
    validate_tags,
    validate_user_name,
)
from iamtui.errors import AccessDenied, EntityAlreadyExists, NoSuchEntity
from iamtui.model import Tag, User, VirtualMfaDevice
from iamtui.policy import ContextEntry
from iamtui.service.core import Principal, Step, View
from iamtui.service.inline import Dependent, OwnerOperations, owned_dependents
from iamtui.service.owners import OWNERS, tag_context
from iamtui.service.serving import forget_secret
from iamtui.service.tables import (
    ACCESS_KEYS,
    ATTACHMENTS,
    GROUPS,
    INLINE_POLICIES,
    LOGIN_PROFILES,
    MEMBERSHIPS,
    MFA_DEVICES,
    USERS,
)
from iamtui.service.user_credentials import rename_user_credentials, user_credential_dependents
from iamtui.store import Tx


@dataclass(frozen=True)
class UserSummary:
    """One row of the users table: the user and what hangs on it, for people to scan."""

    user: User
    groups: tuple[str, ...]
    console_access: bool
    password_last_changed: datetime | None
    mfa_devices: int
    access_keys: int
    oldest_key_created: datetime | None
    last_activity: datetime | None
    hidden: frozenset[str] = frozenset()  # the columns the caller may not read (left empty)


# What each column of the users table reads, as the request reading it by hand is
# authorized (all on the user): the AWS console fills its users list the same way.
SUMMARY_READS: dict[str, tuple[str, ...]] = {
    "groups": ("iam:ListGroupsForUser",), "console": ("iam:GetLoginProfile",),
    "mfa": ("iam:ListMFADevices",), "keys": ("iam:ListAccessKeys",),
    "activity": ("iam:GetUser", "iam:GetAccessKeyLastUsed")}


def _own_mfa_guard(caller: Principal, user: User,
                   devices: Sequence[VirtualMfaDevice]) -> Callable[[], None]:
    """A user with MFA must prove it to deactivate its own devices, by hand or in a cascade
    (IAM User Guide, "Assign MFA devices in the AWS CLI or AWS API")."""
    def guard() -> None:
        if caller.mfa_authenticated_at is None and any(d.enable_date for d in devices):
            raise AccessDenied(f"User: {caller.arn} is not authorized to perform: "
                               f"iam:DeactivateMFADevice on resource: {user.arn}: you have an "
                               "MFA device, so sign in with it (or use a session with MFA) "
                               "first.")
    return guard


class UserOperations(OwnerOperations):
    """The user half of `aws iam`: create-user, get-user, list-users, ..."""

    def _user(self, view: View, user_name: str) -> User:
        return OWNERS["user"].get(view, user_name)

    def create_user(self, caller: Principal, user_name: str, *, path: str = "/",
                    permissions_boundary: str | None = None,
                    tags: Sequence[Tag] = ()) -> User:
        """CreateUser; with a boundary and tags as AWS allows on creation."""
        validate_user_name(user_name)
        validate_path(path)
        validate_tags(tags)
        arn = user_arn(self.account_id, path, user_name)
        context = tag_context(tags)
        if permissions_boundary:
            context.append(ContextEntry("iam:PermissionsBoundary", (permissions_boundary,)))
        params = {"userName": user_name, "path": path,
                  "permissionsBoundary": permissions_boundary,
                  "tags": [{"key": t.key, "value": t.value} for t in tags] or None}
        with self._change(caller, "CreateUser", arn, params, context=context) as change:
            if USERS.find_one(change.tx, "name", user_name) is not None:
                raise EntityAlreadyExists(f"User with name {user_name} already exists.")
            if permissions_boundary:
                self._require_boundary_policy(change.tx, permissions_boundary)
            user = User(user_name, new_unique_id("user"), arn, self.clock(), path,
                        permissions_boundary, tuple(tags))
            USERS.put(change.tx, user)
            change.response = {"user": {"userName": user_name, "userId": user.user_id,
                                        "arn": arn}}
        return user

    def _require_boundary_policy(self, tx: Tx, arn: str) -> None:
        """A permissions boundary must be an existing managed policy."""
        from iamtui.service.principals import managed_policy

        if managed_policy(tx, arn) is None:
            raise NoSuchEntity(f"Policy {arn} does not exist or is not attachable.")

    def get_user(self, caller: Principal, user_name: str | None = None) -> User:
        """GetUser; without a name, the calling user (root is reported as the account)."""
        if user_name is None:
            if caller.kind != "user":
                raise NoSuchEntity("Must specify userName when calling with non-User "
                                   "credentials")
            user_name = caller.name
        params = {"userName": user_name}
        user = self._subject(caller, "GetUser", params, self._user, user_name)
        self._read(caller, "GetUser", user.arn, params=params)
        return user

    def list_users(self, caller: Principal, *, path_prefix: str = "/") -> list[User]:
        """ListUsers, in name order, optionally under a path prefix."""
        validate_path_prefix(path_prefix)
        view = self._read(caller, "ListUsers",
                          f"arn:aws:iam::{self.account_id}:user{path_prefix}")
        users = [u for u in USERS.all(view) if u.path.startswith(path_prefix)]
        return sorted(users, key=lambda u: u.user_name.lower())

    def user_summaries(self, caller: Principal, *, path_prefix: str = "/") -> list[UserSummary]:
        """ListUsers with each user's groups, console access, MFA and keys (index lookups)."""
        users = self.list_users(caller, path_prefix=path_prefix)
        view = self.store.snapshot()
        out = []
        for user in users:
            hidden = frozenset() if caller.is_root else frozenset(
                column for column, actions in SUMMARY_READS.items()
                if not all(self.evaluate_caller(view, caller, a, user.arn).allowed
                           for a in actions))
            keys = ACCESS_KEYS.find_by(view, "user", user.user_name)
            profile = LOGIN_PROFILES.get(view, user.user_name.casefold()) \
                if "console" not in hidden else None
            used = [k.last_used_date for k in keys if k.last_used_date]
            used += [user.password_last_used] if user.password_last_used else []
            groups = tuple(m.group_name for m in MEMBERSHIPS.find_by(view, "user", user.user_name))
            mfa = sum(1 for d in MFA_DEVICES.find_by(view, "user", user.user_name)
                      if d.enable_date)
            out.append(UserSummary(
                user, () if "groups" in hidden else groups,
                profile is not None,
                (profile.password_last_changed or profile.create_date) if profile else None,
                0 if "mfa" in hidden else mfa,
                0 if "keys" in hidden else len(keys),
                None if "keys" in hidden else min((k.create_date for k in keys), default=None),
                None if "activity" in hidden else max(used, default=None), hidden))
        return out

    def update_user(self, caller: Principal, user_name: str, *,
                    new_user_name: str | None = None, new_path: str | None = None) -> User:
        """UpdateUser: rename or move; keys, groups, policies and MFA follow the user."""
        if new_user_name is not None:
            validate_user_name(new_user_name)
        if new_path is not None:
            validate_path(new_path)
        params = {"userName": user_name, "newUserName": new_user_name, "newPath": new_path}
        user = self._subject(caller, "UpdateUser", params, self._user, user_name,
                             read_only=False)
        with self._change(caller, "UpdateUser", user.arn, params) as change:
            tx = change.tx
            user = self._user(tx, user_name)
            name = new_user_name or user.user_name
            path = new_path or user.path
            new_arn = user_arn(self.account_id, path, name)
            if new_arn != user.arn:  # AWS asks for permission on the new name too, first
                self._authorize(tx, caller, "iam:UpdateUser", new_arn)
            if new_user_name and new_user_name.casefold() != user.user_name.casefold() and \
                    USERS.find_one(tx, "name", new_user_name) is not None:
                raise EntityAlreadyExists(f"User with name {new_user_name} already exists.")
            updated = replace(user, user_name=name, path=path, arn=new_arn)
            USERS.put(tx, updated)
            if name != user.user_name:
                self._rename_user_everywhere(tx, user.user_name, name)
        return updated

    def _rename_user_everywhere(self, tx: Tx, old: str, new: str) -> None:
        for membership in MEMBERSHIPS.find_by(tx, "user", old):
            MEMBERSHIPS.delete(tx, MEMBERSHIPS.key(membership))
            MEMBERSHIPS.put(tx, replace(membership, user_name=new))
        for table in (INLINE_POLICIES, ATTACHMENTS):
            for item in table.find_by(tx, "owner", old):
                if item.owner_kind == "user":
                    table.delete(tx, table.key(item))
                    table.put(tx, replace(item, owner_name=new))
        for key in ACCESS_KEYS.find_by(tx, "user", old):
            ACCESS_KEYS.put(tx, replace(key, user_name=new))
        for device in MFA_DEVICES.find_by(tx, "user", old):
            MFA_DEVICES.put(tx, replace(device, user_name=new))
        rename_user_credentials(tx, old, new)
        profile = LOGIN_PROFILES.get(tx, old.casefold())
        if profile is not None:
            LOGIN_PROFILES.delete(tx, old.casefold())
            LOGIN_PROFILES.put(tx, replace(profile, user_name=new))

    def delete_user(self, caller: Principal, user_name: str, *, cascade: bool = False) -> None:
        """DeleteUser. Like AWS, refuses while the user still has credentials, groups or
        policies (DeleteConflict); with `cascade`, removes those first, in one change, each
        removal authorized and audited as the request doing it by hand would be."""
        params = {"userName": user_name, "cascade": cascade or None}
        user = self._subject(caller, "DeleteUser", params, self._user, user_name,
                             read_only=False)
        with self._change(caller, "DeleteUser", user.arn, params) as change:
            tx = change.tx
            user = self._user(tx, user_name)
            dependents = self._user_dependents(tx, caller, user)
            self._delete_with_dependents(change, caller, dependents, cascade)
            USERS.delete(tx, user.user_id)

    def _user_dependents(self, tx: Tx, caller: Principal, user: User) -> list[Dependent]:
        """What still hangs on a user, in AWS's DeleteConflict order, each with the requests
        removing it by hand would make (on the user's ARN; group membership on the group's)."""
        name, out = user.user_name, []
        profile = LOGIN_PROFILES.get(tx, name.casefold())
        if profile is not None:
            out.append(Dependent(
                "delete login profile", (Step("DeleteLoginProfile", user.arn, {"userName": name}),),
                lambda: LOGIN_PROFILES.delete(tx, name.casefold())))
        keys = ACCESS_KEYS.find_by(tx, "user", name)

        def delete_keys() -> None:
            for key in keys:
                ACCESS_KEYS.delete(tx, key.access_key_id)
                forget_secret(tx, key.access_key_id)  # a sealed secret goes with its key

        if keys:
            out.append(Dependent(
                "delete access keys",
                tuple(Step("DeleteAccessKey", user.arn,
                           {"userName": name, "accessKeyId": k.access_key_id}) for k in keys),
                delete_keys))
        out += user_credential_dependents(tx, user)
        devices = MFA_DEVICES.find_by(tx, "user", name)
        if devices:
            own = caller.kind == "user" and caller.name.casefold() == name.casefold()
            out.append(Dependent(
                "deactivate MFA devices",
                tuple(Step("DeactivateMFADevice", user.arn,
                           {"userName": name, "serialNumber": d.serial_number},
                           guard=_own_mfa_guard(caller, user, devices) if own else None)
                      for d in devices),
                lambda: [MFA_DEVICES.put(tx, replace(d, user_name=None, enable_date=None))
                         for d in devices]))
        out += owned_dependents(tx, user, "user")
        memberships = MEMBERSHIPS.find_by(tx, "user", name)
        groups = [g for m in memberships if (g := GROUPS.find_one(tx, "name", m.group_name))]
        if memberships:
            out.append(Dependent(
                "remove user from all groups",
                tuple(Step("RemoveUserFromGroup", g.arn,
                           {"groupName": g.group_name, "userName": name}) for g in groups),
                lambda: [MEMBERSHIPS.delete(tx, MEMBERSHIPS.key(m)) for m in memberships]))
        return out

    def tag_user(self, caller: Principal, user_name: str, tags: Sequence[Tag]) -> None:
        """TagUser: add or overwrite tags (at most 50 per user)."""
        self.tag_owner(caller, "user", user_name, tags)

    def untag_user(self, caller: Principal, user_name: str, tag_keys: Sequence[str]) -> None:
        """UntagUser: remove tags by key (keys ignore case)."""
        self.untag_owner(caller, "user", user_name, tag_keys)

    def list_user_tags(self, caller: Principal, user_name: str) -> tuple[Tag, ...]:
        """ListUserTags."""
        return self.owner_tags(caller, "user", user_name)
