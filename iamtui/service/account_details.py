"""The whole store in GetAccountAuthorizationDetails' shape, and the way back in.

`get_account_authorization_details` answers like AWS's GetAccountAuthorizationDetails
(IAM API reference: UserDetail, GroupDetail, RoleDetail, ManagedPolicyDetail,
PolicyVersion): every user, group, role and customer managed policy, plus the AWS
managed policies attached to something, with their documents as JSON objects.

`import_account_authorization_details` (our own operation: AWS has none) loads what
`aws iam get-account-authorization-details` printed for a real account, as one
transaction, audited as one Create* event per entity it adds and its own summary event.
`iam:ImportAccountAuthorizationDetails` is an administrator's permission: an export can
hold a role that trusts the importer and has AdministratorAccess attached. References
to AWS managed policies stay references (attachments and boundaries); the shipped copy
of the policy answers for it. An AWS managed policy the package does not ship is kept
from the export, marked AWS managed.

The account: the export's account is read from its entities' ARNs. It must be this
store's account; `map_accounts` names export accounts whose ID is rewritten to this
store's wherever it occurs (ARNs and documents), for a copy under another number.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from iamtui.arn import (
    group_arn,
    instance_profile_arn,
    is_aws_managed_policy_arn,
    policy_arn,
    role_arn,
    split_iam_resource,
    user_arn,
    validate_group_name,
    validate_instance_profile_name,
    validate_path,
    validate_policy_name,
    validate_role_name,
    validate_tags,
    validate_user_name,
)
from iamtui.errors import (
    AccessDenied,
    EntityAlreadyExists,
    InvalidInput,
    MalformedPolicyDocument,
    NoSuchEntity,
)
from iamtui.managed_policies import aws_managed_policies
from iamtui.model import (
    AUTHORIZATION_DETAILS_FILTERS,
    Group,
    GroupMembership,
    InlinePolicy,
    InstanceProfile,
    ManagedPolicy,
    PolicyAttachment,
    PolicyVersion,
    Role,
    RoleLastUsed,
    Tag,
    User,
    aws_role_last_used,
    aws_tag,
    aws_timestamp,
    parse_timestamp,
)
from iamtui.policy import ContextEntry, PolicyType, load_json, parse_policy
from iamtui.service.core import Principal, ServiceCore, Step, View
from iamtui.service.inline import owner_context
from iamtui.service.instance_profiles import pass_to_ec2_context
from iamtui.service.owners import resource_tag_context, tag_context
from iamtui.service.tables import (
    ATTACHMENTS,
    GROUPS,
    INLINE_POLICIES,
    INSTANCE_PROFILES,
    MEMBERSHIPS,
    POLICIES,
    POLICY_VERSIONS,
    ROLES,
    USERS,
)
from iamtui.store import Tx

FILTERS = AUTHORIZATION_DETAILS_FILTERS
_LISTS = ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies")


def parse_authorization_details(text: str) -> Any:
    """An export's JSON text as data; bad JSON is an InvalidInput naming the line and
    column (the CLI and the TUI's import both read exports through this)."""
    try:
        return load_json(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"Invalid JSON: {exc.msg} at line {exc.lineno}, column "
                           f"{exc.colno}") from None


def _document(text: str) -> Any:
    """A stored document as the JSON object the AWS CLI prints (text if it is no JSON)."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def _document_text(value: Any, where: str) -> str:
    """An export's document (an object, or URL-encoded/plain JSON text) as stored text."""
    if isinstance(value, str):
        from urllib.parse import unquote

        text = value if value.lstrip().startswith("{") else unquote(value)
        try:
            value = load_json(text)
        except ValueError:
            raise MalformedPolicyDocument(f"{where}: the policy document is not JSON.") from None
    if not isinstance(value, dict):
        raise MalformedPolicyDocument(f"{where}: the policy document is not a JSON object.")
    return orjson.dumps(value, option=orjson.OPT_INDENT_2).decode()


def _policy_name(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def _attached(arns: Iterable[str]) -> list[dict[str, str]]:
    return [{"PolicyName": _policy_name(a), "PolicyArn": a} for a in arns]


def _boundary(arn: str | None) -> dict[str, Any]:
    return ({"PermissionsBoundary": {"PermissionsBoundaryType": "PermissionsBoundaryPolicy",
                                     "PermissionsBoundaryArn": arn}} if arn else {})


@dataclass(frozen=True)
class ImportSummary:
    """What an import added."""

    users: int
    groups: int
    roles: int
    policies: int
    instance_profiles: int
    aws_managed_kept: int

    def to_aws(self) -> dict[str, int]:
        """The counts, in PascalCase like the rest of the CLI's output."""
        return {"Users": self.users, "Groups": self.groups, "Roles": self.roles,
                "Policies": self.policies, "InstanceProfiles": self.instance_profiles,
                "AWSManagedPoliciesKept": self.aws_managed_kept}


class AccountDetailsOperations(ServiceCore):
    """get-account-authorization-details, and import-account-authorization-details."""

    # ------------------------------------------------------------------ export

    def get_account_authorization_details(self, caller: Principal,
                                          filters: Sequence[str] = ()) -> dict[str, Any]:
        """GetAccountAuthorizationDetails: the store in AWS's response shape.

        `filters` takes AWS's Filter values (User, Role, Group, LocalManagedPolicy,
        AWSManagedPolicy); none means all. AWS managed policies are listed when attached
        to a user, group or role (as a permissions policy or a boundary).
        """
        for value in filters:
            if value not in FILTERS:
                raise InvalidInput(
                    f"1 validation error detected: Value '[{', '.join(filters)}]' at 'filter' "
                    f"failed to satisfy constraint: Member must satisfy constraint: [Member "
                    f"must satisfy enum value set: [{', '.join(FILTERS)}]]")
        wanted = set(filters) or set(FILTERS)
        view = self._read(caller, "GetAccountAuthorizationDetails", "*",
                          params={"filter": list(filters) or None})
        users = sorted(USERS.all(view), key=lambda u: u.user_name.casefold())
        groups = sorted(GROUPS.all(view), key=lambda g: g.group_name.casefold())
        roles = sorted(ROLES.all(view), key=lambda r: r.role_name.casefold())
        out: dict[str, Any] = {}
        if "User" in wanted:
            out["UserDetailList"] = [self._user_detail(view, u) for u in users]
        if "Group" in wanted:
            out["GroupDetailList"] = [self._group_detail(view, g) for g in groups]
        if "Role" in wanted:
            out["RoleDetailList"] = [self._role_detail(view, r) for r in roles]
        if wanted & {"LocalManagedPolicy", "AWSManagedPolicy"}:
            out["Policies"] = self._policy_details(view, users, roles, wanted)
        return out

    def _owned(self, view: View, kind: str, name: str) -> tuple[list[InlinePolicy], list[str]]:
        inline = [p for p in INLINE_POLICIES.find_by(view, "owner", name) if p.owner_kind == kind]
        attached = [a.policy_arn for a in ATTACHMENTS.find_by(view, "owner", name)
                    if a.owner_kind == kind]
        return inline, attached

    def _user_detail(self, view: View, user: User) -> dict[str, Any]:
        inline, attached = self._owned(view, "user", user.user_name)
        out: dict[str, Any] = {
            "Path": user.path, "UserName": user.user_name, "UserId": user.user_id,
            "Arn": user.arn, "CreateDate": aws_timestamp(user.create_date),
            "GroupList": sorted((m.group_name for m in
                                 MEMBERSHIPS.find_by(view, "user", user.user_name)),
                                key=str.casefold),
        }
        if inline:
            out["UserPolicyList"] = [{"PolicyName": p.policy_name,
                                      "PolicyDocument": _document(p.document)} for p in inline]
        out["AttachedManagedPolicies"] = _attached(attached)
        out |= _boundary(user.permissions_boundary)
        out["Tags"] = [aws_tag(t) for t in user.tags]
        return out

    def _group_detail(self, view: View, group: Group) -> dict[str, Any]:
        inline, attached = self._owned(view, "group", group.group_name)
        return {
            "Path": group.path, "GroupName": group.group_name, "GroupId": group.group_id,
            "Arn": group.arn, "CreateDate": aws_timestamp(group.create_date),
            "GroupPolicyList": [{"PolicyName": p.policy_name,
                                 "PolicyDocument": _document(p.document)} for p in inline],
            "AttachedManagedPolicies": _attached(attached),
        }

    @staticmethod
    def _role_summary(role: Role) -> dict[str, Any]:
        """A role as an instance profile's Roles list shows it."""
        return {"Path": role.path, "RoleName": role.role_name, "RoleId": role.role_id,
                "Arn": role.arn, "CreateDate": aws_timestamp(role.create_date),
                "AssumeRolePolicyDocument": _document(role.assume_role_policy_document)}

    def _instance_profile(self, view: View, profile: InstanceProfile) -> dict[str, Any]:
        roles = [r for n in profile.role_names if (r := ROLES.find_one(view, "name", n))]
        out: dict[str, Any] = {
            "Path": profile.path, "InstanceProfileName": profile.instance_profile_name,
            "InstanceProfileId": profile.instance_profile_id, "Arn": profile.arn,
            "CreateDate": aws_timestamp(profile.create_date),
            "Roles": [self._role_summary(r) for r in roles],
        }
        if profile.tags:
            out["Tags"] = [aws_tag(t) for t in profile.tags]
        return out

    def _role_detail(self, view: View, role: Role) -> dict[str, Any]:
        inline, attached = self._owned(view, "role", role.role_name)
        profiles = INSTANCE_PROFILES.find_by(view, "role", role.role_name)
        out = self._role_summary(role) | {
            "InstanceProfileList": [self._instance_profile(view, p) for p in profiles],
            "RolePolicyList": [{"PolicyName": p.policy_name,
                                "PolicyDocument": _document(p.document)} for p in inline],
            "AttachedManagedPolicies": _attached(attached),
        }
        out |= _boundary(role.permissions_boundary)
        out["Tags"] = [aws_tag(t) for t in role.tags]
        out["RoleLastUsed"] = aws_role_last_used(role.role_last_used)
        return out

    def _policy_details(self, view: View, users: list[User], roles: list[Role],
                        wanted: set[str]) -> list[dict[str, Any]]:
        bounded: dict[str, int] = {}
        for entity in (*users, *roles):
            if entity.permissions_boundary:
                arn = entity.permissions_boundary
                bounded[arn] = bounded.get(arn, 0) + 1
        attached_counts: dict[str, int] = {}
        for a in ATTACHMENTS.all(view):
            attached_counts[a.policy_arn] = attached_counts.get(a.policy_arn, 0) + 1
        out: list[dict[str, Any]] = []
        stored = sorted(POLICIES.all(view), key=lambda p: p.policy_name.casefold())
        if "LocalManagedPolicy" in wanted:
            for policy in stored:
                if not policy.is_aws_managed and not is_aws_managed_policy_arn(policy.arn):
                    versions = POLICY_VERSIONS.find_by(view, "policy", policy.arn)
                    out.append(self._policy_detail(policy, versions, attached_counts, bounded))
        if "AWSManagedPolicy" in wanted:
            kept = {p.arn: p for p in stored
                    if p.is_aws_managed or is_aws_managed_policy_arn(p.arn)}
            shipped = aws_managed_policies()
            used = sorted({*attached_counts, *bounded} - {p.arn for p in stored
                                                          if p.arn not in kept},
                          key=lambda a: _policy_name(a).casefold())
            for arn in used:
                if arn in kept:
                    versions = POLICY_VERSIONS.find_by(view, "policy", arn)
                    out.append(self._policy_detail(kept[arn], versions, attached_counts,
                                                   bounded))
                elif arn in shipped:
                    entry = shipped[arn]
                    out.append(self._policy_detail(entry.policy, [entry.default_version],
                                                   attached_counts, bounded))
        return out

    @staticmethod
    def _policy_detail(policy: ManagedPolicy, versions: Sequence[PolicyVersion],
                       attached: Mapping[str, int], bounded: Mapping[str, int]
                       ) -> dict[str, Any]:
        out: dict[str, Any] = {
            "PolicyName": policy.policy_name, "PolicyId": policy.policy_id, "Arn": policy.arn,
            "Path": policy.path, "DefaultVersionId": policy.default_version_id,
            "AttachmentCount": attached.get(policy.arn, 0),
            "PermissionsBoundaryUsageCount": bounded.get(policy.arn, 0),
            "IsAttachable": policy.is_attachable,
        }
        if policy.description is not None:
            out["Description"] = policy.description
        out["CreateDate"] = aws_timestamp(policy.create_date)
        out["UpdateDate"] = aws_timestamp(policy.update_date)
        ordered = sorted(versions, key=lambda v: -_version_number(v.version_id))
        out["PolicyVersionList"] = [{
            "Document": _document(v.document), "VersionId": v.version_id,
            "IsDefaultVersion": v.is_default_version,
            "CreateDate": aws_timestamp(v.create_date)} for v in ordered]
        return out

    # ------------------------------------------------------------------ import

    def import_account_authorization_details(
            self, caller: Principal, details: Mapping[str, Any], *,
            map_accounts: Sequence[str] = ()) -> ImportSummary:
        """Load an export of GetAccountAuthorizationDetails as one transaction.

        Refuses (EntityAlreadyExists, naming the first clash, nothing changed) when a
        user, group, role, instance profile or customer managed policy of the export
        already exists here, and (InvalidInput) an export of another account unless that
        account is in `map_accounts`. Authorized as `iam:ImportAccountAuthorizationDetails`
        on "*"; audited as one event per entity added (see `_Plan.creation_events`), then
        one for the import.
        """
        if not isinstance(details, Mapping) or not any(k in details for k in _LISTS):
            raise InvalidInput("This is not the output of get-account-authorization-details: "
                               f"it has none of {', '.join(_LISTS)}.")
        account = self.account_id
        details = _map_accounts(details, map_accounts, account)
        plan = _Plan.build(details, account)
        params = {"accountId": plan.source_accounts[0] if plan.source_accounts else account,
                  "mappedAccounts": list(map_accounts) or None,
                  "users": len(plan.users), "groups": len(plan.groups),
                  "roles": len(plan.roles), "policies": len(plan.policies)}
        with self._change(caller, "ImportAccountAuthorizationDetails", "*", params) as change:
            plan.skip_kept(change.tx)
            planted = [p.arn for p in plan.policies if p.is_aws_managed]
            if planted and not caller.is_root:  # nobody could change or delete them later
                raise AccessDenied(
                    f"User: {caller.arn} is not authorized to import {planted[0]}: AWS "
                    "managed policies the package does not ship come in only with the root "
                    "user, since no one can change or delete them afterwards.")
            # each entity is authorized and audited as the Create* request making it by
            # hand would be, marked "imported": true (see _Plan.creation_events); what it
            # holds (policies, groups, roles in profiles) as the requests adding it would be
            self._authorize_steps(change, caller, [*plan.creation_events(), *plan.implied_steps(
                change.tx, lambda arn, context: self._authorize(
                    change.tx, caller, "iam:PassRole", arn, context))])
            summary = plan.apply(change.tx)
            change.response = summary.to_aws()
        return summary


def _version_number(version_id: str) -> int:
    digits = version_id[1:].split(".", 1)[0]
    return int(digits) if digits.isdigit() else 0


_ACCOUNT_IN_ARN = re.compile(r"^arn:[^:]+:[^:]*:[^:]*:(\d{12}):")


def _map_accounts(details: Mapping[str, Any], sources: Sequence[str],
                  target: str) -> Mapping[str, Any]:
    """The export with each source account's ID rewritten to `target` wherever it occurs."""
    sources = [s for s in sources if s != target]
    if not sources:
        return details
    for source in sources:
        if not re.fullmatch(r"\d{12}", source):
            raise InvalidInput(f"--map-account-id {source!r} is not a 12-digit account ID.")
    text = json.dumps(details)
    pattern = re.compile(r"(?<!\d)(" + "|".join(map(re.escape, sources)) + r")(?!\d)")
    return json.loads(pattern.sub(target, text))


def _tag_params(tags: Sequence[Tag]) -> list[dict[str, str]] | None:
    """Tags as the Create* requests record them (None when there are none)."""
    return [{"key": t.key, "value": t.value} for t in tags] or None


def _creation_context(tags: Sequence[Tag], boundary: str | None) -> tuple[ContextEntry, ...]:
    """The condition keys CreateUser or CreateRole carries: its tags and its boundary."""
    boundary_key = [ContextEntry("iam:PermissionsBoundary", (boundary,))] if boundary else []
    return (*tag_context(tags), *boundary_key)


def _tags(raw: Any) -> tuple[Tag, ...]:
    tags = tuple(Tag(str(t["Key"]), str(t.get("Value", ""))) for t in raw or ())
    validate_tags(tags)
    return tags


_NAMING = {
    "user": (validate_user_name, user_arn),
    "group": (validate_group_name, group_arn),
    "role": (validate_role_name, role_arn),
    "policy": (validate_policy_name, policy_arn),
    "instance-profile": (validate_instance_profile_name, instance_profile_arn),
}


def _named(kind: str, name: str, path: str, arn: str, account: str) -> str:
    """Check a name and path by AWS's rules, and that the ARN is the one they make."""
    validate_name, make_arn = _NAMING[kind]
    validate_name(name)
    validate_path(path, policy=kind == "policy")
    if arn != make_arn(account, path, name):
        raise InvalidInput(f"The {kind} {name} has the ARN {arn}, but its path and name make "
                           f"{make_arn(account, path, name)}.")
    return name


def _boundary_arn(entry: Mapping[str, Any]) -> str | None:
    boundary = entry.get("PermissionsBoundary") or {}
    return boundary.get("PermissionsBoundaryArn")


def _checked_document(value: Any, where: str, policy_type: PolicyType,
                      checked: set[tuple[str, PolicyType]]) -> str:
    """The document as text, checked by the engine's grammar now (as AWS checks on save),
    so that evaluation never meets a bad one; a text met before in `checked` is not
    checked again (real accounts repeat documents)."""
    text = _document_text(value, where)
    if (text, policy_type) not in checked:
        try:
            parse_policy(text, policy_type)
        except MalformedPolicyDocument as exc:
            raise MalformedPolicyDocument(f"{where}: {exc.message}") from None
        checked.add((text, policy_type))
    return text


@dataclass
class _Plan:
    """Everything an export adds, built and checked before the transaction starts."""

    account: str
    source_accounts: list[str]
    users: list[User]
    groups: list[Group]
    roles: list[Role]
    policies: list[ManagedPolicy]
    versions: list[PolicyVersion]
    inline: list[InlinePolicy]
    memberships: list[GroupMembership]
    attachments: list[PolicyAttachment]
    profiles: list[InstanceProfile]
    aws_kept: int
    checked: set[tuple[str, PolicyType]] = field(default_factory=set)

    @classmethod
    def build(cls, details: Mapping[str, Any], account: str) -> _Plan:
        try:
            return cls._build(details, account)
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            if isinstance(exc, InvalidInput | MalformedPolicyDocument):
                raise
            raise InvalidInput(f"The export is not in get-account-authorization-details' "
                               f"shape: {type(exc).__name__}: {exc}") from None

    @classmethod
    def _build(cls, details: Mapping[str, Any], account: str) -> _Plan:
        user_entries = list(details.get("UserDetailList") or ())
        group_entries = list(details.get("GroupDetailList") or ())
        role_entries = list(details.get("RoleDetailList") or ())
        policy_entries = list(details.get("Policies") or ())
        accounts = _accounts_of(user_entries, group_entries, role_entries, policy_entries)
        foreign = sorted(a for a in accounts if a != account)
        if foreign:
            raise InvalidInput(
                f"The export holds entities of account {', '.join(sorted(accounts))}, but this "
                f"store models account {account}. Import it into a store created with "
                f"`iamtui init --account-id {foreign[0]}`, or map the account onto this one "
                f"with --map-account-id {' '.join(foreign)} (its ID is then rewritten to "
                f"{account} in ARNs and documents).")
        plan = cls(account, sorted(accounts), [], [], [], [], [], [], [], [], [], 0)
        shipped = aws_managed_policies()
        for entry in policy_entries:
            arn = entry["Arn"]
            if is_aws_managed_policy_arn(arn) and arn in shipped:
                continue  # the shipped copy answers for it: keep only the references
            plan._add_policy(entry, aws_managed=is_aws_managed_policy_arn(arn))
        for entry in group_entries:
            name = _named("group", entry["GroupName"], entry["Path"], entry["Arn"], account)
            plan.groups.append(Group(name, entry["GroupId"], entry["Arn"],
                                     parse_timestamp(entry["CreateDate"]), entry["Path"]))
            plan._add_owned("group", name, entry.get("GroupPolicyList"),
                            entry.get("AttachedManagedPolicies"))
        for entry in user_entries:
            name = _named("user", entry["UserName"], entry["Path"], entry["Arn"], account)
            plan.users.append(User(name, entry["UserId"], entry["Arn"],
                                   parse_timestamp(entry["CreateDate"]), entry["Path"],
                                   _boundary_arn(entry), _tags(entry.get("Tags"))))
            plan.memberships += [GroupMembership(g, name) for g in entry.get("GroupList") or ()]
            plan._add_owned("user", name, entry.get("UserPolicyList"),
                            entry.get("AttachedManagedPolicies"))
        profiles: dict[str, InstanceProfile] = {}
        for entry in role_entries:
            name = _named("role", entry["RoleName"], entry["Path"], entry["Arn"], account)
            last = entry.get("RoleLastUsed") or {}
            plan.roles.append(Role(
                name, entry["RoleId"], entry["Arn"], parse_timestamp(entry["CreateDate"]),
                _checked_document(entry["AssumeRolePolicyDocument"],
                                  f"role {name} AssumeRolePolicyDocument", PolicyType.TRUST,
                                  plan.checked),
                entry["Path"], entry.get("Description"),
                int(entry.get("MaxSessionDuration") or 3600), _boundary_arn(entry),
                _tags(entry.get("Tags")),
                RoleLastUsed(parse_timestamp(last["LastUsedDate"])
                             if last.get("LastUsedDate") else None, last.get("Region"))
                if last else None))
            plan._add_owned("role", name, entry.get("RolePolicyList"),
                            entry.get("AttachedManagedPolicies"))
            for p in entry.get("InstanceProfileList") or ():
                _named("instance-profile", p["InstanceProfileName"], p["Path"], p["Arn"],
                       account)
                role_names = tuple(r["RoleName"] for r in p.get("Roles") or ())
                profiles[p["InstanceProfileId"]] = InstanceProfile(
                    p["InstanceProfileName"], p["InstanceProfileId"], p["Arn"],
                    parse_timestamp(p["CreateDate"]), p["Path"], role_names or (name,),
                    _tags(p.get("Tags")))
        plan.profiles = list(profiles.values())
        return plan

    def _add_policy(self, entry: Mapping[str, Any], *, aws_managed: bool) -> None:
        arn = entry["Arn"]
        _named("policy", entry["PolicyName"], entry["Path"], arn,
               "aws" if aws_managed else self.account)
        self.policies.append(ManagedPolicy(
            entry["PolicyName"], entry["PolicyId"], arn, parse_timestamp(entry["CreateDate"]),
            parse_timestamp(entry.get("UpdateDate") or entry["CreateDate"]), entry["Path"],
            entry["DefaultVersionId"], is_attachable=bool(entry.get("IsAttachable", True)),
            description=entry.get("Description"), tags=_tags(entry.get("Tags")),
            is_aws_managed=aws_managed))
        self.aws_kept += aws_managed
        for v in entry.get("PolicyVersionList") or ():
            self.versions.append(PolicyVersion(
                arn, v["VersionId"],
                _checked_document(v["Document"], f"policy {arn} version {v['VersionId']}",
                                  PolicyType.IDENTITY, self.checked),
                bool(v["IsDefaultVersion"]), parse_timestamp(v["CreateDate"])))

    def _add_owned(self, kind: str, owner: str, inline: Any, attached: Any) -> None:
        for p in inline or ():
            name = p["PolicyName"]
            self.inline.append(InlinePolicy(kind, owner, name, _checked_document(  # type: ignore[arg-type]
                p["PolicyDocument"], f"{kind} {owner} policy {name}", PolicyType.IDENTITY,
                self.checked)))
        self.attachments += [PolicyAttachment(a["PolicyArn"], kind, owner)  # type: ignore[arg-type]
                             for a in attached or ()]

    def skip_kept(self, tx: Tx) -> None:
        """Leave out the AWS managed policies an earlier import kept: shared, not a clash."""
        kept = {p.arn for p in self.policies if p.is_aws_managed and POLICIES.get(tx, p.arn)}
        if kept:
            self.policies = [p for p in self.policies if p.arn not in kept]
            self.versions = [v for v in self.versions if v.policy_arn not in kept]
            self.aws_kept -= len(kept)

    def implied_steps(self, view: View, pass_role: Callable[[str, Sequence[ContextEntry]], None]
                      ) -> list[Step]:
        """Each request besides Create* that adding the export by hand makes, as a Step
        (authorized and audited as its own event, marked "imported": true, like the Create*
        ones): Put*Policy and Attach*Policy (iam:PolicyARN) on each owner, AddUserToGroup
        on each group joined, AddRoleToInstanceProfile, which also needs iam:PassRole on
        the role (`pass_role(arn, context)`, its guard). Whoever watches the trail for
        AttachUserPolicy of AdministratorAccess sees an imported one as well."""
        owners: dict[tuple[str, str], Any] = {
            **{("user", u.user_name.casefold()): u for u in self.users},
            **{("group", g.group_name.casefold()): g for g in self.groups},
            **{("role", r.role_name.casefold()): r for r in self.roles}}
        nouns = {"user": "User", "group": "Group", "role": "Role"}

        def about(kind: str, name: str) -> tuple[str, tuple[ContextEntry, ...]]:
            owner = owners[(kind, name.casefold())]
            return owner.arn, tuple(owner_context(owner, boundary=True))

        out: list[Step] = []
        for p in self.inline:
            arn, context = about(p.owner_kind, p.owner_name)
            out.append(Step(f"Put{nouns[p.owner_kind]}Policy", arn, {
                f"{p.owner_kind}Name": p.owner_name, "policyName": p.policy_name,
                "policyDocument": p.document, "imported": True}, context=context))
        for a in self.attachments:
            arn, context = about(a.owner_kind, a.owner_name)
            out.append(Step(f"Attach{nouns[a.owner_kind]}Policy", arn, {
                f"{a.owner_kind}Name": a.owner_name, "policyArn": a.policy_arn,
                "imported": True}, context=(ContextEntry("iam:PolicyARN", (a.policy_arn,)),
                                            *context)))
        for m in self.memberships:
            group = owners.get(("group", m.group_name.casefold())) or \
                GROUPS.find_one(view, "name", m.group_name)
            out.append(Step("AddUserToGroup", group.arn if group is not None
                            else group_arn(self.account, "/", m.group_name), {
                                "groupName": m.group_name, "userName": m.user_name,
                                "imported": True}))
        passed = pass_to_ec2_context(self.account)
        for profile in self.profiles:
            for name in profile.role_names:
                role = owners.get(("role", name.casefold())) or \
                    ROLES.find_one(view, "name", name)
                out.append(Step("AddRoleToInstanceProfile", profile.arn, {
                    "instanceProfileName": profile.instance_profile_name, "roleName": name,
                    "imported": True}, context=tuple(resource_tag_context(profile.tags)),
                    guard=None if role is None else
                    lambda arn=role.arn: pass_role(arn, passed)))
        return out

    def apply(self, tx: Tx) -> ImportSummary:
        """Check for clashes and missing references, then write everything."""
        self._refuse_clashes(tx)
        self._check_references(tx)
        for table, items in ((POLICIES, self.policies), (POLICY_VERSIONS, self.versions),
                             (GROUPS, self.groups), (USERS, self.users), (ROLES, self.roles),
                             (INLINE_POLICIES, self.inline), (MEMBERSHIPS, self.memberships),
                             (ATTACHMENTS, self.attachments),
                             (INSTANCE_PROFILES, self.profiles)):
            for item in items:
                table.put(tx, item)  # type: ignore[arg-type]
        return ImportSummary(len(self.users), len(self.groups), len(self.roles),
                             len(self.policies) - self.aws_kept, len(self.profiles),
                             self.aws_kept)

    def creation_events(self) -> list[Step]:
        """One audit event per entity the import added, named and shaped like the request
        creating it by hand (CreatePolicy, CreateGroup, CreateUser, CreateRole,
        CreateInstanceProfile), with "imported": true in its requestParameters. CloudTrail
        records entities a service creates on a caller's behalf (CloudFormation, say) as
        such Create* events too, so whoever watches for CreateRole or CreateUser sees an
        imported role trusting someone just as they would see one made by hand."""
        defaults = {v.policy_arn: v.document for v in self.versions if v.is_default_version}
        steps = [Step("CreatePolicy", p.arn, {
            "policyName": p.policy_name, "path": p.path, "description": p.description,
            "policyDocument": defaults.get(p.arn), "tags": _tag_params(p.tags),
            "imported": True}, response={"policy": {
                "policyName": p.policy_name, "policyId": p.policy_id, "arn": p.arn,
                "defaultVersionId": p.default_version_id}},
            context=tuple(tag_context(p.tags))) for p in self.policies]
        steps += [Step("CreateGroup", g.arn, {
            "groupName": g.group_name, "path": g.path, "imported": True}, response={"group": {
                "groupName": g.group_name, "groupId": g.group_id, "arn": g.arn}})
            for g in self.groups]
        steps += [Step("CreateUser", u.arn, {
            "userName": u.user_name, "path": u.path,
            "permissionsBoundary": u.permissions_boundary, "tags": _tag_params(u.tags),
            "imported": True}, response={"user": {
                "userName": u.user_name, "userId": u.user_id, "arn": u.arn}},
            context=_creation_context(u.tags, u.permissions_boundary))
            for u in self.users]
        steps += [Step("CreateRole", r.arn, {
            "roleName": r.role_name, "path": r.path,
            "assumeRolePolicyDocument": r.assume_role_policy_document,
            "description": r.description, "maxSessionDuration": r.max_session_duration,
            "permissionsBoundary": r.permissions_boundary, "tags": _tag_params(r.tags),
            "imported": True}, response={"role": {
                "roleName": r.role_name, "roleId": r.role_id, "arn": r.arn}},
            context=_creation_context(r.tags, r.permissions_boundary))
            for r in self.roles]
        steps += [Step("CreateInstanceProfile", p.arn, {
            "instanceProfileName": p.instance_profile_name, "path": p.path,
            "tags": _tag_params(p.tags), "imported": True}, response={"instanceProfile": {
                "instanceProfileName": p.instance_profile_name,
                "instanceProfileId": p.instance_profile_id, "arn": p.arn}},
            context=tuple(tag_context(p.tags))) for p in self.profiles]
        return steps

    def _refuse_clashes(self, tx: Tx) -> None:
        checks = (
            ("User", USERS, [(u.user_name, u.user_id) for u in self.users]),
            ("Group", GROUPS, [(g.group_name, g.group_id) for g in self.groups]),
            ("Role", ROLES, [(r.role_name, r.role_id) for r in self.roles]),
            ("Policy", POLICIES, [(p.policy_name, p.arn) for p in self.policies]),
            ("Instance Profile", INSTANCE_PROFILES,
             [(p.instance_profile_name, p.instance_profile_id) for p in self.profiles]),
        )
        for label, table, items in checks:
            seen: set[str] = set()
            stored = tx.table(table.name)  # index lookups, nothing decoded
            for name, key in items:
                folded = name.casefold()
                if folded in seen or stored.keys_by("name", name) or key in stored:
                    raise EntityAlreadyExists(f"{label} with name {name} already exists.")
                seen.add(folded)

    def _check_references(self, tx: Tx) -> None:
        groups = {g.group_name.casefold() for g in self.groups}
        for m in self.memberships:
            if m.group_name.casefold() not in groups and \
                    GROUPS.find_one(tx, "name", m.group_name) is None:
                raise NoSuchEntity(f"The group with name {m.group_name} cannot be found.")
        known = {p.arn for p in self.policies} | set(aws_managed_policies())
        wanted = [a.policy_arn for a in self.attachments] + [
            b for b in (*(u.permissions_boundary for u in self.users),
                        *(r.permissions_boundary for r in self.roles)) if b]
        for arn in wanted:
            if arn not in known and POLICIES.get(tx, arn) is None:
                raise NoSuchEntity(f"Policy {arn} does not exist or is not attachable.")


def _accounts_of(*sections: list[Mapping[str, Any]]) -> set[str]:
    """The accounts named in the ARNs of an export's own entities (not AWS's policies)."""
    found: set[str] = set()
    for section in sections:
        for entry in section:
            arn = entry["Arn"]
            if is_aws_managed_policy_arn(arn):
                continue
            match = _ACCOUNT_IN_ARN.match(arn)
            if match is None:
                split_iam_resource(arn)  # InvalidInput naming what is wrong
                raise InvalidInput(f"ARN {arn} names no account.")
            found.add(match.group(1))
    return found
