"""Customer managed policies and their versions; AWS managed ones are read-only.

Semantics from the IAM API reference (CreatePolicy, GetPolicy, ListPolicies,
CreatePolicyVersion, GetPolicyVersion, ListPolicyVersions, SetDefaultPolicyVersion,
DeletePolicyVersion, DeletePolicy, ListEntitiesForPolicy, TagPolicy, UntagPolicy,
ListPolicyTags) and the IAM User Guide ("Versioning IAM policies", "IAM and AWS STS
quotas").

AttachmentCount and PermissionsBoundaryUsageCount are not stored: they are counted
from the attachment table and the users' and roles' boundary indexes when a policy
is read, so they can never drift from the truth.

AWS managed policies (`arn:aws:iam::aws:policy/...`) belong to the account 'aws':
AWS refuses any change to them with AccessDenied (no caller of this account, root
included, is authorized on another account's resource without a resource-based
policy), and so does this service.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal

from iamtui.arn import (
    DEFAULT_QUOTAS,
    Arn,
    check_policy_size,
    check_tag_count,
    constraint_error,
    is_aws_managed_policy_arn,
    new_unique_id,
    policy_arn,
    validate_description,
    validate_path,
    validate_path_prefix,
    validate_policy_document_text,
    validate_policy_name,
    validate_tags,
    validate_version_id,
)
from iamtui.errors import (
    AccessDenied,
    DeleteConflict,
    EntityAlreadyExists,
    LimitExceeded,
    NoSuchEntity,
)
from iamtui.managed_policies import aws_managed_policies
from iamtui.model import Group, ManagedPolicy, PolicyVersion, Role, Tag, User
from iamtui.policy import ContextEntry, PolicyType, parse_policy
from iamtui.service.core import Change, Principal, ServiceCore, Step, View
from iamtui.service.inline import owner_context
from iamtui.service.owners import (
    OWNERS,
    ArnAddressed,
    merge_tags,
    tag_context,
    untag_context,
    without_tags,
)
from iamtui.service.tables import (
    ATTACHMENTS,
    GROUPS,
    POLICIES,
    POLICY_VERSIONS,
    ROLES,
    USERS,
)
from iamtui.store import EntityTable, Tx

Scope = Literal["All", "AWS", "Local"]
PolicyUsage = Literal["PermissionsPolicy", "PermissionsBoundary"]

SCOPES: tuple[str, ...] = ("All", "AWS", "Local")
POLICY_USAGES: tuple[str, ...] = ("PermissionsPolicy", "PermissionsBoundary")
ENTITY_FILTERS: tuple[str, ...] = ("User", "Role", "Group", "LocalManagedPolicy",
                                   "AWSManagedPolicy")

TOO_MANY_VERSIONS = ("A managed policy can have up to 5 versions. Before you create a new "
                     "version, you must delete an existing version.")
ATTACHED_CONFLICT = "Cannot delete a policy attached to entities."
VERSIONS_CONFLICT = ("This policy has more than one version. Before you delete a policy, you "
                     "must delete the policy's versions. The default version is deleted with "
                     "the policy.")
DEFAULT_VERSION_CONFLICT = "Cannot delete the default version of a policy."
POLICY_BY_ARN: ArnAddressed[ManagedPolicy] = ArnAddressed(POLICIES, "Policy {arn} was not found.")
# Policy ARN -> the number of its highest version, kept only after that version was deleted.
HIGH_WATER_KEY = "policy_version_high_water"


def _enum(value: str, field: str, allowed: Sequence[str]) -> str:
    """AWS's ValidationError for a value outside an enumeration."""
    if value not in allowed:
        raise constraint_error(value, field,
                               f"Member must satisfy enum value set: [{', '.join(allowed)}]")
    return value


def validate_policy_arn(arn: str, field: str = "policyArn") -> str:
    """A policy ARN parameter: 20-2048 characters and a well-formed ARN (InvalidInput)."""
    if not isinstance(arn, str) or not 20 <= len(arn) <= 2048:
        raise constraint_error(arn, field, "Member must have length between 20 and 2048")
    Arn.parse(arn)  # InvalidInput, naming what is wrong
    return arn


def check_managed_document(text: str, quota: int = DEFAULT_QUOTAS.managed_policy_size) -> None:
    """A managed policy document: allowed characters, AWS's grammar, and the size quota."""
    validate_policy_document_text(text)
    parse_policy(text, PolicyType.IDENTITY)
    check_policy_size(text, quota, "PolicySize")


def version_number(version_id: str) -> int:
    """'v12' -> 12 (version IDs are 'v' and a number)."""
    return int(version_id[1:].split(".", 1)[0])


class UsageCounter:
    """Counts a policy's uses through the indexes, without decoding any entity (list-policies
    counts every policy of the account)."""

    def __init__(self, view: View, memo: dict[str, tuple[Any, ...]] | None = None) -> None:
        self._attachments = view.table(ATTACHMENTS.name)
        self._users = view.table(USERS.name)
        self._roles = view.table(ROLES.name)
        # arn -> (policy as stored, attached, bounded, counted copy): rebuilding a frozen
        # dataclass costs more than counting, and most counts do not change between reads.
        self._memo = memo if memo is not None else {}
        if len(self._memo) > 50_000:
            self._memo.clear()  # forget deleted policies now and then

    def __call__(self, policy: ManagedPolicy) -> ManagedPolicy:
        """The policy with AttachmentCount and PermissionsBoundaryUsageCount filled in."""
        arn = policy.arn
        attached = len(self._attachments.keys_by("policy", arn))
        bounded = len(self._users.keys_by("boundary", arn)) + len(
            self._roles.keys_by("boundary", arn))
        if (attached, bounded) == (policy.attachment_count,
                                   policy.permissions_boundary_usage_count):
            return policy
        hit = self._memo.get(arn)
        if hit is not None and hit[0] is policy and hit[1:3] == (attached, bounded):
            return hit[3]
        counted = replace(policy, attachment_count=attached,
                          permissions_boundary_usage_count=bounded)
        self._memo[arn] = (policy, attached, bounded, counted)
        return counted


def with_counts(view: View, policy: ManagedPolicy) -> ManagedPolicy:
    """The policy with AttachmentCount and PermissionsBoundaryUsageCount as of `view`."""
    return UsageCounter(view)(policy)


@dataclass(frozen=True)
class PolicyEntities:
    """ListEntitiesForPolicy's answer: the groups, users and roles that use a policy."""

    groups: tuple[Group, ...] = ()
    users: tuple[User, ...] = ()
    roles: tuple[Role, ...] = ()


class PolicyOperations(ServiceCore):
    """Managed policies: create-policy, get-policy, list-policies, versions, delete-policy."""

    # ------------------------------------------------------------------ lookups

    def _policy(self, view: View, arn: str) -> ManagedPolicy:
        """A customer managed policy of this store, or an AWS managed one; NoSuchEntity."""
        shipped = aws_managed_policies().get(arn)
        if shipped is not None and POLICIES.get(view, arn) is None:
            return shipped.policy
        return POLICY_BY_ARN.get(view, arn)

    def _versions(self, view: View, arn: str) -> list[PolicyVersion]:
        """A policy's versions, newest first (the order ListPolicyVersions prints)."""
        shipped = aws_managed_policies().get(arn)
        if shipped is not None:
            return [shipped.default_version]
        versions = POLICY_VERSIONS.find_by(view, "policy", arn)
        return sorted(versions, key=lambda v: version_number(v.version_id), reverse=True)

    def _version(self, view: View, arn: str, version_id: str) -> PolicyVersion:
        for version in self._versions(view, arn):
            if version.version_id == version_id:
                return version
        raise NoSuchEntity(f"Policy {arn} version {version_id} does not exist or is not "
                           "attachable.")

    def _refuse_aws_managed(self, caller: Principal, action: str, arn: str) -> None:
        """AWS managed policies belong to the account 'aws': changing one is AccessDenied."""
        if is_aws_managed_policy_arn(arn):
            who = "Root" if caller.is_root else "User"
            raise AccessDenied(f"{who}: {caller.arn} is not authorized to perform: {action} on "
                               f"resource: policy {arn}: AWS managed policies cannot be "
                               "changed or deleted; create a customer managed policy instead")

    def _customer_policy(self, tx: Tx, caller: Principal, action: str,
                         arn: str) -> ManagedPolicy:
        """A customer managed policy about to change (AWS managed ones are refused)."""
        self._refuse_aws_managed(caller, action, arn)
        return POLICY_BY_ARN.get(tx, arn)

    def _policy_tags(self, arn: str) -> list[ContextEntry]:
        return POLICY_BY_ARN.tag_context(self.store.snapshot(), arn)

    # ------------------------------------------------------------------ policies

    def create_policy(self, caller: Principal, policy_name: str, policy_document: str, *,
                      path: str = "/", description: str | None = None,
                      tags: Sequence[Tag] = ()) -> ManagedPolicy:
        """CreatePolicy: a customer managed policy whose document becomes version v1."""
        validate_policy_name(policy_name)
        validate_path(path, policy=True)
        if description is not None:
            validate_description(description)
        validate_tags(tags)
        check_managed_document(policy_document)
        arn = policy_arn(self.account_id, path, policy_name)
        params = {"policyName": policy_name, "path": path, "description": description,
                  "policyDocument": policy_document,
                  "tags": [{"key": t.key, "value": t.value} for t in tags] or None}
        with self._change(caller, "CreatePolicy", arn, params,
                          context=tag_context(tags)) as change:
            if POLICIES.find_one(change.tx, "name", policy_name) is not None:
                raise EntityAlreadyExists(f"A policy called {policy_name} already exists. "
                                          "Duplicate names are not allowed.")
            now = self.clock()
            policy = ManagedPolicy(policy_name, new_unique_id("policy"), arn, now, now, path,
                                   "v1", description=description, tags=tuple(tags))
            POLICIES.put(change.tx, policy)
            POLICY_VERSIONS.put(change.tx, PolicyVersion(arn, "v1", policy_document, True, now))
            change.response = {"policy": {"policyName": policy_name,
                                          "policyId": policy.policy_id, "arn": arn,
                                          "defaultVersionId": "v1"}}
        return policy

    def get_policy(self, caller: Principal, policy_arn: str) -> ManagedPolicy:
        """GetPolicy: a customer or AWS managed policy, with its current usage counts."""
        validate_policy_arn(policy_arn)
        view = self._read(caller, "GetPolicy", policy_arn, params={"policyArn": policy_arn},
                          context=self._policy_tags(policy_arn))
        return with_counts(view, self._policy(view, policy_arn))

    def list_policies(self, caller: Principal, *, scope: Scope = "All",
                      only_attached: bool = False, path_prefix: str = "/",
                      policy_usage_filter: PolicyUsage | None = None) -> list[ManagedPolicy]:
        """ListPolicies, in name order.

        `scope` picks AWS managed ('AWS'), customer managed ('Local') or both ('All').
        `policy_usage_filter` keeps the policies used that way (attached as permissions
        policies, or set as a permissions boundary); `only_attached` keeps the policies in
        use: attached to a user, group or role, or, with the PermissionsBoundary filter,
        set as a boundary.
        """
        _enum(scope, "scope", SCOPES)
        if policy_usage_filter is not None:
            _enum(policy_usage_filter, "policyUsageFilter", POLICY_USAGES)
        validate_path_prefix(path_prefix)
        view = self._read(caller, "ListPolicies", "*",
                          params={"scope": scope, "onlyAttached": only_attached,
                                  "pathPrefix": path_prefix,
                                  "policyUsageFilter": policy_usage_filter})
        candidates: list[ManagedPolicy] = []
        stored = POLICIES.all(view)
        if scope in ("All", "AWS"):
            shipped = aws_managed_policies()
            candidates += [p.policy for p in shipped.values()]
            # AWS managed policies an import brought that the package does not ship
            candidates += [p for p in stored if p.is_aws_managed and p.arn not in shipped]
        if scope in ("All", "Local"):
            candidates += [p for p in stored if not p.is_aws_managed]
        out = []
        count = UsageCounter(view, self.__dict__.setdefault("_usage_memo", {}))
        for policy in candidates:
            if not policy.path.startswith(path_prefix):
                continue
            policy = count(policy)
            attached = policy.attachment_count > 0
            bounded = policy.permissions_boundary_usage_count > 0
            if policy_usage_filter == "PermissionsPolicy" and not attached:
                continue
            if policy_usage_filter == "PermissionsBoundary" and not bounded:
                continue
            if only_attached and not (bounded if policy_usage_filter == "PermissionsBoundary"
                                      else attached):
                continue
            out.append(policy)
        return sorted(out, key=lambda p: (p.policy_name.lower(), p.arn))

    def delete_policy(self, caller: Principal, policy_arn: str, *,
                      cascade: bool = False) -> None:
        """DeletePolicy. Like AWS, refuses while the policy is attached, set as a permissions
        boundary, or has versions besides the default (DeleteConflict). With `cascade`,
        first detaches it, removes it as a boundary and deletes its other versions, in one
        change, each step authorized as the action it stands for (iam:DetachUserPolicy,
        iam:DeleteRolePermissionsBoundary, iam:DeletePolicyVersion, ...)."""
        validate_policy_arn(policy_arn)
        params = {"policyArn": policy_arn, "cascade": cascade or None}
        with self._change(caller, "DeletePolicy", policy_arn, params,
                          context=self._policy_tags(policy_arn)) as change:
            tx = change.tx
            policy = self._customer_policy(tx, caller, "iam:DeletePolicy", policy_arn)
            attachments = ATTACHMENTS.find_by(tx, "policy", policy_arn)
            bounded_users = USERS.find_by(tx, "boundary", policy_arn)
            bounded_roles = ROLES.find_by(tx, "boundary", policy_arn)
            others = [v for v in self._versions(tx, policy_arn)
                      if v.version_id != policy.default_version_id]
            if not cascade:
                if attachments or bounded_users or bounded_roles:
                    raise DeleteConflict(ATTACHED_CONFLICT)
                if others:
                    raise DeleteConflict(VERSIONS_CONFLICT)
            removed = self._cascade_policy(change, caller, policy_arn, attachments,
                                           bounded_users, bounded_roles, others)
            for version in self._versions(tx, policy_arn):
                POLICY_VERSIONS.delete(tx, POLICY_VERSIONS.key(version))
            POLICIES.delete(tx, policy_arn)
            self._forget_high_water(tx, policy_arn)
            change.response = removed or None

    def _cascade_policy(self, change: Change, caller: Principal, arn: str,
                        attachments: list[Any], bounded_users: list[User],
                        bounded_roles: list[Role],
                        others: list[PolicyVersion]) -> dict[str, list[str]]:
        """Undo every use of a policy: authorize (and audit) each step as the request doing
        it by hand would make, all of them before anything changes; then change."""
        tx = change.tx
        steps: list[Step] = []
        removed: dict[str, list[str]] = {}
        for attachment in attachments:
            kind = attachment.owner_kind
            spec = OWNERS[kind]
            owner = spec.find(tx, attachment.owner_name)
            if owner is not None:  # an attachment to no one needs nobody's permission
                steps.append(Step(f"Detach{spec.noun}Policy", owner.arn,
                                  {spec.name_field: spec.name_of(owner), "policyArn": arn},
                                  (ContextEntry("iam:PolicyARN", (arn,)),
                                   *owner_context(owner, boundary=True))))
            removed.setdefault(f"detachedFrom{spec.noun}s", []).append(attachment.owner_name)
        for kind, entities in (("user", bounded_users), ("role", bounded_roles)):
            spec = OWNERS[kind]
            for entity in entities:
                steps.append(Step(f"Delete{spec.noun}PermissionsBoundary", entity.arn,
                                  {spec.name_field: spec.name_of(entity)},
                                  (*owner_context(entity),
                                   ContextEntry("iam:PermissionsBoundary", (arn,)))))
                removed.setdefault(f"boundaryRemovedFrom{spec.noun}s", []).append(entity.arn)
        for version in others:
            steps.append(Step("DeletePolicyVersion", arn,
                              {"policyArn": arn, "versionId": version.version_id},
                              tuple(self._policy_tags(arn))))
            removed.setdefault("deletedVersions", []).append(version.version_id)
        self._authorize_steps(change, caller, steps)
        for attachment in attachments:
            ATTACHMENTS.delete(tx, ATTACHMENTS.key(attachment))
        for table, entities in ((USERS, bounded_users), (ROLES, bounded_roles)):
            for entity in entities:
                table.put(tx, replace(entity, permissions_boundary=None))
        return removed  # the versions go with the policy itself

    # ------------------------------------------------------------------ versions

    def create_policy_version(self, caller: Principal, policy_arn: str, policy_document: str,
                              *, set_as_default: bool = False) -> PolicyVersion:
        """CreatePolicyVersion: at most 5 versions; optionally the new default."""
        validate_policy_arn(policy_arn)
        check_managed_document(policy_document)
        params = {"policyArn": policy_arn, "policyDocument": policy_document,
                  "setAsDefault": set_as_default}
        with self._change(caller, "CreatePolicyVersion", policy_arn, params,
                          context=self._policy_tags(policy_arn)) as change:
            tx = change.tx
            policy = self._customer_policy(tx, caller, "iam:CreatePolicyVersion", policy_arn)
            versions = self._versions(tx, policy_arn)
            if len(versions) >= DEFAULT_QUOTAS.versions_per_policy:
                raise LimitExceeded(TOO_MANY_VERSIONS)
            number = self._next_version_number(tx, policy_arn, versions)
            now = self.clock()
            version = PolicyVersion(policy_arn, f"v{number}", policy_document, set_as_default,
                                    now)
            if set_as_default:
                self._make_default(tx, policy, version, now)
            else:
                POLICY_VERSIONS.put(tx, version)
            change.response = {"policyVersion": {"versionId": version.version_id,
                                                 "isDefaultVersion": set_as_default}}
        return version

    def _next_version_number(self, tx: Tx, arn: str, versions: list[PolicyVersion]) -> int:
        """AWS never reuses a version ID: one above any version the policy ever had."""
        marks = tx.meta.get(HIGH_WATER_KEY, {})
        highest = max([version_number(v.version_id) for v in versions] + [marks.get(arn, 0)])
        self._forget_high_water(tx, arn)  # the new version is now the highest
        return highest + 1

    def _forget_high_water(self, tx: Tx, arn: str) -> None:
        marks = tx.meta.get(HIGH_WATER_KEY, {})
        if arn in marks:
            tx.meta[HIGH_WATER_KEY] = {k: v for k, v in marks.items() if k != arn}

    def _make_default(self, tx: Tx, policy: ManagedPolicy, version: PolicyVersion,
                      now: datetime) -> None:
        old = POLICY_VERSIONS.get(tx, f"{policy.arn}#{policy.default_version_id}")
        if old is not None and old.version_id != version.version_id:
            POLICY_VERSIONS.put(tx, replace(old, is_default_version=False))
        POLICY_VERSIONS.put(tx, replace(version, is_default_version=True))
        POLICIES.put(tx, replace(policy, default_version_id=version.version_id,
                                 update_date=now))

    def get_policy_version(self, caller: Principal, policy_arn: str,
                           version_id: str) -> PolicyVersion:
        """GetPolicyVersion: one version with its document."""
        validate_policy_arn(policy_arn)
        validate_version_id(version_id)
        view = self._read(caller, "GetPolicyVersion", policy_arn,
                          params={"policyArn": policy_arn, "versionId": version_id},
                          context=self._policy_tags(policy_arn))
        self._policy(view, policy_arn)
        return self._version(view, policy_arn, version_id)

    def list_policy_versions(self, caller: Principal, policy_arn: str) -> list[PolicyVersion]:
        """ListPolicyVersions, newest first."""
        validate_policy_arn(policy_arn)
        view = self._read(caller, "ListPolicyVersions", policy_arn,
                          params={"policyArn": policy_arn},
                          context=self._policy_tags(policy_arn))
        self._policy(view, policy_arn)
        return self._versions(view, policy_arn)

    def set_default_policy_version(self, caller: Principal, policy_arn: str,
                                   version_id: str) -> None:
        """SetDefaultPolicyVersion: the version that takes effect everywhere it is used."""
        validate_policy_arn(policy_arn)
        validate_version_id(version_id)
        with self._change(caller, "SetDefaultPolicyVersion", policy_arn,
                          {"policyArn": policy_arn, "versionId": version_id},
                          context=self._policy_tags(policy_arn)) as change:
            tx = change.tx
            policy = self._customer_policy(tx, caller, "iam:SetDefaultPolicyVersion",
                                           policy_arn)
            version = self._version(tx, policy_arn, version_id)
            if version.version_id != policy.default_version_id:
                self._make_default(tx, policy, version, self.clock())

    def delete_policy_version(self, caller: Principal, policy_arn: str,
                              version_id: str) -> None:
        """DeletePolicyVersion: any version but the default one (DeleteConflict)."""
        validate_policy_arn(policy_arn)
        validate_version_id(version_id)
        with self._change(caller, "DeletePolicyVersion", policy_arn,
                          {"policyArn": policy_arn, "versionId": version_id},
                          context=self._policy_tags(policy_arn)) as change:
            tx = change.tx
            policy = self._customer_policy(tx, caller, "iam:DeletePolicyVersion", policy_arn)
            version = self._version(tx, policy_arn, version_id)
            if version.version_id == policy.default_version_id:
                raise DeleteConflict(DEFAULT_VERSION_CONFLICT)
            POLICY_VERSIONS.delete(tx, POLICY_VERSIONS.key(version))
            number = version_number(version.version_id)
            if all(version_number(v.version_id) < number
                   for v in self._versions(tx, policy_arn)):
                # Remember the deleted highest number only then, so the meta stays small;
                # never lower a mark an earlier deletion of a higher version left.
                marks = tx.meta.get(HIGH_WATER_KEY, {})
                tx.meta[HIGH_WATER_KEY] = {**marks,
                                           policy_arn: max(number, marks.get(policy_arn, 0))}

    # ------------------------------------------------------------------ who uses it

    def list_entities_for_policy(self, caller: Principal, policy_arn: str, *,
                                 entity_filter: str | None = None, path_prefix: str = "/",
                                 policy_usage_filter: PolicyUsage | None = None
                                 ) -> PolicyEntities:
        """ListEntitiesForPolicy: the groups, users and roles the policy is attached to
        (PermissionsPolicy) and the users and roles it bounds (PermissionsBoundary); both
        without a usage filter. `entity_filter` keeps one kind ('User', 'Role', 'Group')."""
        validate_policy_arn(policy_arn)
        validate_path_prefix(path_prefix)
        if entity_filter is not None:
            _enum(entity_filter, "entityFilter", ENTITY_FILTERS)
        if policy_usage_filter is not None:
            _enum(policy_usage_filter, "policyUsageFilter", POLICY_USAGES)
        view = self._read(caller, "ListEntitiesForPolicy", policy_arn,
                          params={"policyArn": policy_arn, "entityFilter": entity_filter,
                                  "pathPrefix": path_prefix,
                                  "policyUsageFilter": policy_usage_filter},
                          context=self._policy_tags(policy_arn))
        self._policy(view, policy_arn)
        found: dict[str, dict[str, Any]] = {"user": {}, "group": {}, "role": {}}
        tables: dict[str, EntityTable[Any]] = {"user": USERS, "group": GROUPS, "role": ROLES}
        if policy_usage_filter in (None, "PermissionsPolicy"):
            for attachment in ATTACHMENTS.find_by(view, "policy", policy_arn):
                entity = tables[attachment.owner_kind].find_one(view, "name",
                                                               attachment.owner_name)
                if entity is not None:
                    found[attachment.owner_kind][entity.arn] = entity
        if policy_usage_filter in (None, "PermissionsBoundary"):
            for kind in ("user", "role"):
                for entity in tables[kind].find_by(view, "boundary", policy_arn):
                    found[kind][entity.arn] = entity
        wanted = {"User": "user", "Group": "group", "Role": "role"}.get(entity_filter or "")

        def pick(kind: str) -> tuple[Any, ...]:
            if entity_filter is not None and wanted != kind:
                return ()
            items = [e for e in found[kind].values() if e.path.startswith(path_prefix)]
            return tuple(sorted(items, key=lambda e: e.arn.lower()))

        return PolicyEntities(groups=pick("group"), users=pick("user"), roles=pick("role"))

    # ------------------------------------------------------------------ tags

    def tag_policy(self, caller: Principal, policy_arn: str, tags: Sequence[Tag]) -> None:
        """TagPolicy: add or overwrite tags on a customer managed policy (at most 50)."""
        validate_policy_arn(policy_arn)
        validate_tags(tags)
        params = {"policyArn": policy_arn,
                  "tags": [{"key": t.key, "value": t.value} for t in tags]}
        with self._change(caller, "TagPolicy", policy_arn, params,
                          context=tag_context(tags) + self._policy_tags(policy_arn)) as change:
            policy = self._customer_policy(change.tx, caller, "iam:TagPolicy", policy_arn)
            merged = merge_tags(policy.tags, tags)
            check_tag_count(len(merged))
            POLICIES.put(change.tx, replace(policy, tags=merged))

    def untag_policy(self, caller: Principal, policy_arn: str, tag_keys: Sequence[str]) -> None:
        """UntagPolicy: remove tags by key (keys ignore case)."""
        validate_policy_arn(policy_arn)
        context = untag_context(tag_keys)
        with self._change(caller, "UntagPolicy", policy_arn,
                          {"policyArn": policy_arn, "tagKeys": list(tag_keys)},
                          context=context + self._policy_tags(policy_arn)) as change:
            policy = self._customer_policy(change.tx, caller, "iam:UntagPolicy", policy_arn)
            POLICIES.put(change.tx, replace(policy, tags=without_tags(policy.tags, tag_keys)))

    def list_policy_tags(self, caller: Principal, policy_arn: str) -> tuple[Tag, ...]:
        """ListPolicyTags."""
        validate_policy_arn(policy_arn)
        view = self._read(caller, "ListPolicyTags", policy_arn,
                          params={"policyArn": policy_arn},
                          context=self._policy_tags(policy_arn))
        return self._policy(view, policy_arn).tags
