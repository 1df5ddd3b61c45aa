"""Last accessed information: which services an entity's permissions allow, and when each
was last used.

AWS pages followed:
- IAM User Guide, "Refine permissions in AWS using last accessed information": the
  report lists the services the entity's policies allow; for each, when an authenticated
  principal last attempted to use it (failed attempts count), over a tracking period of
  400 days; action last accessed information for IAM, EC2, Lambda and S3 management
  actions only.
- IAM API Reference, GenerateServiceLastAccessedDetails (Arn of a user, group, role or
  policy; Granularity SERVICE_LEVEL or ACTION_LEVEL; returns JobId),
  GetServiceLastAccessedDetails (JobStatus, JobType, JobCreationDate, ServicesLastAccessed,
  JobCompletionDate, IsTruncated, Marker), GetServiceLastAccessedDetailsWithEntities
  (EntityDetailsList of the users and roles that count for the report) and
  ListPoliciesGrantingServiceAccess (for a user, group or role: the policies that allow
  each namespace).
- Service Authorization Reference, IAM: GenerateServiceLastAccessedDetails is authorized on
  the user, group, role or policy; ListPoliciesGrantingServiceAccess on the user, group or
  role; the two Get operations name no resource type, so they are authorized on "*".

Where the uses come from: iamtui's audit trail, the events each user or role session made,
by the eventSource's service (`iam.amazonaws.com` is `iam`). A job is computed when it is
generated and stored with the entities, so its JobId works from any process.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from iamtui.arn import Arn, split_iam_resource
from iamtui.errors import InvalidInput, NoSuchEntity, ValidationError
from iamtui.model import Group, Role, User, aws_timestamp
from iamtui.policy import PolicyDocument, compile_policy
from iamtui.policy.catalog import Action
from iamtui.policy.services import ServiceGrant, allowed_services
from iamtui.service import principals
from iamtui.service.core import Principal, ServiceCore, View
from iamtui.service.tables import ATTACHMENTS, GROUPS, INLINE_POLICIES, MEMBERSHIPS, ROLES, USERS

Granularity = Literal["SERVICE_LEVEL", "ACTION_LEVEL"]
GRANULARITIES: tuple[str, ...] = ("SERVICE_LEVEL", "ACTION_LEVEL")
TRACKING_DAYS = 400
# The services whose actions AWS tracks one by one ("Action last accessed information");
# of S3's, the management actions only: not those on objects, CloudTrail's data events.
TRACKED_ACTION_SERVICES = frozenset({"ec2", "iam", "lambda", "s3"})
JOBS_TABLE = "access_advisor_jobs"
MAX_JOBS = 200  # the oldest jobs are dropped past this many: AWS too keeps them for a while
_JOB_ID_LENGTH = 36
_NAMESPACE = re.compile(r"[\w-]{1,64}", re.ASCII)  # serviceNamespaceType, IAM API Reference


@dataclass(frozen=True)
class Entity:
    """A user or role whose requests count for a report."""

    kind: Literal["USER", "ROLE"]
    name: str
    arn: str
    id: str
    path: str

    def info(self) -> dict[str, str]:
        """EntityInfo, as AWS shapes it."""
        return {"Arn": self.arn, "Name": self.name, "Type": self.kind, "Id": self.id,
                "Path": self.path}


@dataclass(frozen=True)
class Use:
    """One attempt to use a service: when, by whom, where, which action."""

    time: datetime
    entity: Entity
    region: str
    action: str


@dataclass(frozen=True)
class ServiceAccess:
    """One service of a report: what the entity may do with it and its last use."""

    namespace: str
    name: str
    access: str  # the console's access level words
    last: Use | None
    total_entities: int
    tracked_actions: tuple[tuple[str, Use | None], ...] | None  # ACTION_LEVEL's, if tracked

    def to_aws(self) -> dict[str, Any]:
        """An item of ServicesLastAccessed."""
        out: dict[str, Any] = {"ServiceName": self.name}
        if self.last is not None:
            out["LastAuthenticated"] = aws_timestamp(self.last.time)
        out["ServiceNamespace"] = self.namespace
        if self.last is not None:
            out["LastAuthenticatedEntity"] = self.last.entity.arn
            out["LastAuthenticatedRegion"] = self.last.region
        out["TotalAuthenticatedEntities"] = self.total_entities
        if self.tracked_actions is not None:
            actions = []
            for name, use in self.tracked_actions:
                item: dict[str, Any] = {"ActionName": name}
                if use is not None:
                    item |= {"LastAccessedEntity": use.entity.arn,
                             "LastAccessedTime": aws_timestamp(use.time),
                             "LastAccessedRegion": use.region}
                actions.append(item)
            out["TrackedActionsLastAccessed"] = actions
        return out


def _validate_arn(arn: str) -> Arn:
    if not isinstance(arn, str) or not 20 <= len(arn) <= 2048:
        raise ValidationError(
            f"1 validation error detected: Value '{arn}' at 'arn' failed to satisfy "
            "constraint: Member must have length between 20 and 2048")
    return Arn.parse(arn)


def _validate_job_id(job_id: str) -> None:
    if not isinstance(job_id, str) or len(job_id) != _JOB_ID_LENGTH:
        raise ValidationError(
            f"1 validation error detected: Value '{job_id}' at 'jobId' failed to satisfy "
            f"constraint: Member must have length between {_JOB_ID_LENGTH} and "
            f"{_JOB_ID_LENGTH}")


def _entity_of(item: User | Role) -> Entity:
    if isinstance(item, User):
        return Entity("USER", item.user_name, item.arn, item.user_id, item.path)
    return Entity("ROLE", item.role_name, item.arn, item.role_id, item.path)


def _members(view: View, group: Group) -> list[Entity]:
    users = (USERS.find_one(view, "name", m.user_name)
             for m in MEMBERSHIPS.find_by(view, "group", group.group_name))
    return [_entity_of(u) for u in users if u is not None]


def uses_by_entity(records: Iterable[Mapping[str, Any]], entities: Sequence[Entity],
                   since: datetime) -> dict[str, list[tuple[str, Use]]]:
    """For each entity's ID, its (service namespace, use) from audit `records`, oldest
    first: a user's own requests (matched by user ID, so that a user made again under the
    same name starts afresh), a role's sessions' requests (by role ID)."""
    by_id = {e.id: e for e in entities}
    found: dict[str, list[tuple[str, Use]]] = {}
    for record in records:
        ident = record.get("userIdentity")
        source = record.get("eventSource")
        if not isinstance(ident, Mapping) or not isinstance(source, str):
            continue
        principal_id = str(ident.get("principalId") or "")
        key = principal_id.split(":", 1)[0] if ident.get("type") == "AssumedRole" else \
            principal_id if ident.get("type") == "IAMUser" else ""
        entity = by_id.get(key)
        if entity is None:
            continue
        try:
            when = datetime.fromisoformat(str(record.get("eventTime")).replace("Z", "+00:00"))
        except ValueError:
            continue
        if when < since:
            continue
        namespace = source.removesuffix(".amazonaws.com")
        found.setdefault(entity.id, []).append(
            (namespace, Use(when, entity, str(record.get("awsRegion") or ""),
                            str(record.get("eventName") or ""))))
    return found


def is_tracked(action: Action) -> bool:
    """Whether AWS keeps action last accessed information for `action`."""
    if action.service not in TRACKED_ACTION_SERVICES:
        return False
    return action.service != "s3" or not any(r.name in ("object", "accesspointobject")
                                             for r in action.resource_types)


def service_report(grants: Mapping[str, ServiceGrant], entities: Sequence[Entity],
                   uses: Mapping[str, Sequence[tuple[str, Use]]],
                   granularity: str) -> list[ServiceAccess]:
    """ServicesLastAccessed: every allowed service, with its latest use by any entity."""
    latest: dict[str, Use] = {}
    who: dict[str, set[str]] = {}
    by_action: dict[tuple[str, str], Use] = {}
    for entity in entities:
        for namespace, use in uses.get(entity.id, ()):
            if namespace not in grants:
                continue  # a use the entity's permissions here do not explain
            who.setdefault(namespace, set()).add(entity.id)
            if namespace not in latest or use.time >= latest[namespace].time:
                latest[namespace] = use
            key = (namespace, use.action.lower())
            if key not in by_action or use.time >= by_action[key].time:
                by_action[key] = use
    rows = []
    for namespace, grant in grants.items():
        tracked = None
        if granularity == "ACTION_LEVEL" and namespace in TRACKED_ACTION_SERVICES:
            tracked = tuple((a.name, by_action.get((namespace, a.name.lower())))
                            for a in grant.allowed_actions() if is_tracked(a))
        rows.append(ServiceAccess(namespace, grant.name, grant.access, latest.get(namespace),
                                  len(who.get(namespace, ())), tracked))
    return rows


def _iso(moment: datetime) -> str:
    return moment.isoformat()


@dataclass(frozen=True)
class LastAccessedJob:
    """A job of GenerateServiceLastAccessedDetails, as GetServiceLastAccessedDetails sees
    it: the report, the entities that counted, and when each last used each service."""

    job_id: str
    arn: str
    job_type: str
    created: datetime
    completed: datetime
    services: tuple[dict[str, Any], ...]  # items of ServicesLastAccessed
    access: Mapping[str, str]  # namespace -> the console's access level words
    entities: Mapping[str, tuple[dict[str, Any], ...]]  # namespace -> EntityDetailsList

    def to_aws(self) -> dict[str, Any]:
        """GetServiceLastAccessedDetails' response (every item; pages are the CLI's)."""
        return {"JobStatus": "COMPLETED", "JobType": self.job_type,
                "JobCreationDate": aws_timestamp(self.created),
                "ServicesLastAccessed": list(self.services),
                "JobCompletionDate": aws_timestamp(self.completed), "IsTruncated": False}

    def with_entities(self, namespace: str) -> dict[str, Any]:
        """GetServiceLastAccessedDetailsWithEntities' response for `namespace`."""
        return {"JobStatus": "COMPLETED", "JobCreationDate": aws_timestamp(self.created),
                "JobCompletionDate": aws_timestamp(self.completed),
                "EntityDetailsList": list(self.entities.get(namespace, ())),
                "IsTruncated": False}

    def unused_for(self, now: datetime, days: int) -> list[str]:
        """The namespaces allowed but not used in the last `days` days."""
        limit = now - timedelta(days=days)
        return [s["ServiceNamespace"] for s in self.services
                if "LastAuthenticated" not in s
                or datetime.fromisoformat(s["LastAuthenticated"]) < limit]

    def to_record(self) -> dict[str, Any]:
        return {"job_id": self.job_id, "arn": self.arn, "job_type": self.job_type,
                "created": _iso(self.created), "completed": _iso(self.completed),
                "services": list(self.services), "access": dict(self.access),
                "entities": {k: list(v) for k, v in self.entities.items()}}

    @classmethod
    def from_record(cls, raw: Mapping[str, Any]) -> LastAccessedJob:
        return cls(raw["job_id"], raw["arn"], raw["job_type"],
                   datetime.fromisoformat(raw["created"]),
                   datetime.fromisoformat(raw["completed"]), tuple(raw["services"]),
                   dict(raw["access"]), {k: tuple(v) for k, v in raw["entities"].items()})


class AccessAdvisorOperations(ServiceCore):
    """The four last-accessed operations, and the dashboard's check built on them."""

    # ------------------------------------------------------------------ what counts

    def _advisor_subject(self, view: View, arn: str, *, policies: bool = True
                         ) -> tuple[list[PolicyDocument], list[Entity]]:
        """The policy documents that decide for the user, group, role or policy `arn`, and
        the users and roles whose requests count for it; NoSuchEntity when it is absent."""
        parsed = _validate_arn(arn)
        kind, _, name = split_iam_resource(parsed)
        if kind == "user" and (user := USERS.find_one(view, "arn", arn)) is not None:
            docs = [p.policy.document for p in principals.user_policies(view, user).identity]
            return docs, [_entity_of(user)]
        if kind == "role" and (role := ROLES.find_one(view, "arn", arn)) is not None:
            docs = [p.policy.document for p in principals.role_policies(view, role).identity]
            return docs, [_entity_of(role)]
        if kind == "group" and (group := GROUPS.find_one(view, "name", name)) is not None \
                and group.arn == arn:
            docs = [p.policy.document for p in principals.group_policies(view, group).identity]
            return docs, _members(view, group)
        if kind == "policy" and policies and principals.managed_policy(view, arn) is not None:
            return ([compile_policy(principals.managed_document(view, arn)).document],
                    self._policy_entities(view, arn))
        if kind not in ("user", "group", "role") + (("policy",) if policies else ()):
            raise InvalidInput(f"ARN {arn} is not the ARN of a user, group, role"
                               f"{' or policy' if policies else ''}.")
        raise NoSuchEntity(f"The entity with ARN {arn} cannot be found.")

    @staticmethod
    def _policy_entities(view: View, arn: str) -> list[Entity]:
        """The users and roles a managed policy applies to: attached to them or their group."""
        found: dict[str, Entity] = {}
        for attachment in ATTACHMENTS.find_by(view, "policy", arn):
            name = attachment.owner_name
            if attachment.owner_kind == "user" and (u := USERS.find_one(view, "name", name)):
                found.setdefault(u.user_id, _entity_of(u))
            elif attachment.owner_kind == "role" and (r := ROLES.find_one(view, "name", name)):
                found.setdefault(r.role_id, _entity_of(r))
            elif attachment.owner_kind == "group" and (g := GROUPS.find_one(view, "name", name)):
                for member in _members(view, g):
                    found.setdefault(member.id, member)
        return sorted(found.values(), key=lambda e: (e.kind, e.name.casefold()))

    def _compute_job(self, view: View, arn: str, granularity: str) -> LastAccessedJob:
        documents, entities = self._advisor_subject(view, arn)
        grants = allowed_services(documents)
        now = self.clock()
        since = now - timedelta(days=TRACKING_DAYS)
        uses = uses_by_entity(self.audit.lookup_events(newest_first=False, start_time=since),
                              entities, since)
        rows = service_report(grants, entities, uses, granularity)
        details: dict[str, tuple[dict[str, Any], ...]] = {}
        for row in rows:
            items = []
            for entity in entities:
                times = [u.time for ns, u in uses.get(entity.id, ()) if ns == row.namespace]
                item: dict[str, Any] = {"EntityInfo": entity.info()}
                if times:
                    item["LastAuthenticated"] = aws_timestamp(max(times))
                items.append(item)
            details[row.namespace] = tuple(sorted(
                items, key=lambda i: i.get("LastAuthenticated", ""), reverse=True))
        return LastAccessedJob(str(uuid.uuid4()), arn, granularity, now, self.clock(),
                               tuple(r.to_aws() for r in rows),
                               {r.namespace: r.access for r in rows}, details)

    # ------------------------------------------------------------------ operations

    def generate_service_last_accessed_details(self, caller: Principal, arn: str,
                                               granularity: str = "SERVICE_LEVEL") -> str:
        """GenerateServiceLastAccessedDetails: compute and keep the report; its JobId."""
        if granularity not in GRANULARITIES:
            raise ValidationError(
                f"1 validation error detected: Value '{granularity}' at 'granularity' failed "
                "to satisfy constraint: Member must satisfy enum value set: "
                "[SERVICE_LEVEL, ACTION_LEVEL]")
        _validate_arn(arn)
        params = {"arn": arn, "granularity": granularity}
        with self._change(caller, "GenerateServiceLastAccessedDetails", arn, params) as change:
            job = self._compute_job(change.tx, arn, granularity)
            jobs = change.tx.table(JOBS_TABLE)
            jobs.put(job.job_id, job.to_record())
            kept = sorted(jobs.items(), key=lambda kv: kv[1]["created"])
            for old_id, _ in kept[:max(0, len(kept) - MAX_JOBS)]:
                jobs.delete(old_id)
            change.response = {"jobId": job.job_id}
        return job.job_id

    def _job(self, caller: Principal, event: str, job_id: str,
             params: Mapping[str, Any]) -> LastAccessedJob:
        _validate_job_id(job_id)
        view = self._read(caller, event, "*", params=params)
        raw = view.table(JOBS_TABLE).get(job_id)
        if raw is None:  # reads are audited when refused, as every Get operation's
            raise NoSuchEntity(f"The job with ID {job_id} cannot be found.")
        return LastAccessedJob.from_record(raw)

    def get_service_last_accessed_details(self, caller: Principal,
                                          job_id: str) -> LastAccessedJob:
        """GetServiceLastAccessedDetails: the job's report (NoSuchEntity for an unknown
        JobId)."""
        return self._job(caller, "GetServiceLastAccessedDetails", job_id, {"jobId": job_id})

    def get_service_last_accessed_details_with_entities(
            self, caller: Principal, job_id: str, service_namespace: str) -> dict[str, Any]:
        """GetServiceLastAccessedDetailsWithEntities: the users and roles that count for
        the job's report, and when each last used the service."""
        if not isinstance(service_namespace, str) or not _NAMESPACE.fullmatch(service_namespace):
            raise ValidationError(
                f"1 validation error detected: Value '{service_namespace}' at "
                "'serviceNamespace' failed to satisfy constraint: Member must satisfy "
                "regular expression pattern: [\\w-]* and have length between 1 and 64")
        job = self._job(caller, "GetServiceLastAccessedDetailsWithEntities", job_id,
                        {"jobId": job_id, "serviceNamespace": service_namespace})
        if service_namespace not in job.access:
            raise InvalidInput(f"The service namespace {service_namespace} is not in the "
                               f"report of job {job_id}.")
        return job.with_entities(service_namespace)

    def list_policies_granting_service_access(self, caller: Principal, arn: str,
                                              service_namespaces: Sequence[str]
                                              ) -> list[dict[str, Any]]:
        """ListPoliciesGrantingServiceAccess: per namespace, the policies of the user,
        group or role (a user's groups' too) that allow some action of it."""
        if not 1 <= len(service_namespaces) <= 200:
            raise ValidationError(
                "1 validation error detected: Value at 'serviceNamespaces' failed to satisfy "
                "constraint: Member must have length between 1 and 200")
        for namespace in service_namespaces:
            if not _NAMESPACE.fullmatch(namespace):
                raise ValidationError(
                    f"1 validation error detected: Value '{namespace}' at "
                    "'serviceNamespaces' failed to satisfy constraint: Member must satisfy "
                    "regular expression pattern: [\\w-]* and have length between 1 and 64")
        _validate_arn(arn)
        params = {"arn": arn, "serviceNamespaces": list(service_namespaces)}
        view = self._read(caller, "ListPoliciesGrantingServiceAccess", arn, params=params)
        self._advisor_subject(view, arn, policies=False)
        sources = self._granting_sources(view, arn)
        out = []
        for namespace in service_namespaces:
            policies = [dict(entry) for entry, text in sources
                        if namespace in allowed_services([compile_policy(text).document])]
            out.append({"ServiceNamespace": namespace, "Policies": policies})
        return out

    @staticmethod
    def _granting_sources(view: View, arn: str) -> list[tuple[dict[str, str], str]]:
        """(PolicyGrantingServiceAccess, document) of every policy of the user, group or
        role `arn`: inline first, then managed, each owner's in turn."""
        kind, _, name = split_iam_resource(arn)
        owners = [(kind, name)]
        if kind == "user":
            owners += [("group", g.group_name) for g in principals.groups_of(view, name)]
        found: list[tuple[dict[str, str], str]] = []
        for owner_kind, owner_name in owners:
            for inline in INLINE_POLICIES.find_by(view, "owner", owner_name):
                if inline.owner_kind == owner_kind:
                    found.append(({"PolicyName": inline.policy_name, "PolicyType": "INLINE",
                                   "EntityType": owner_kind.upper(),
                                   "EntityName": owner_name}, inline.document))
            for attachment in ATTACHMENTS.find_by(view, "owner", owner_name):
                if attachment.owner_kind == owner_kind:
                    policy = principals.managed_policy(view, attachment.policy_arn)
                    found.append(({"PolicyName": policy.policy_name if policy else
                                   attachment.policy_arn.rsplit("/", 1)[-1],
                                   "PolicyType": "MANAGED",
                                   "PolicyArn": attachment.policy_arn},
                                  principals.managed_document(view, attachment.policy_arn)))
        return found

    # ------------------------------------------------------------------ for people

    def access_advisor(self, caller: Principal, arn: str) -> LastAccessedJob:
        """The Access advisor tab: the report the console shows, computed and not kept
        (authorized as GenerateServiceLastAccessedDetails on the entity; a refusal is
        audited). Reading changes nothing, so a screen that shows it may reload freely."""
        _validate_arn(arn)
        params = {"arn": arn, "granularity": "SERVICE_LEVEL"}
        view = self._read(caller, "GenerateServiceLastAccessedDetails", arn, params=params)
        return self._compute_job(view, arn, "SERVICE_LEVEL")


def unused_permissions(view: View, records: Iterable[Mapping[str, Any]], now: datetime,
                       days: int) -> list[tuple[str, str, str]]:
    """(type, name, detail) of each user and role, at least `days` old, whose policies
    allow services it has not used in the last `days` days (IAM User Guide, "Refine
    permissions in AWS using last accessed information": remove what is not used)."""
    since = now - timedelta(days=days)
    subjects: list[tuple[str, Entity, list[PolicyDocument]]] = []
    for user in USERS.all(view):
        if user.create_date <= since:
            subjects.append(("User", _entity_of(user), [
                p.policy.document for p in principals.user_policies(view, user).identity]))
    for role in ROLES.all(view):
        if role.create_date <= since:
            subjects.append(("Role", _entity_of(role), [
                p.policy.document for p in principals.role_policies(view, role).identity]))
    if not subjects:
        return []
    uses = uses_by_entity(records, [e for _, e, _ in subjects], since)
    failing = []
    for kind, entity, documents in sorted(subjects, key=lambda s: (s[0], s[1].name.lower())):
        grants = allowed_services(documents)
        used = {ns for ns, _ in uses.get(entity.id, ())}
        unused = [ns for ns in grants if ns not in used]
        if unused:
            shown = ", ".join(unused[:3]) + (", ..." if len(unused) > 3 else "")
            failing.append((kind, entity.name, f"{len(unused)} of {len(grants)} allowed "
                            f"services unused for {days} days ({shown})"))
    return failing
