"""Who can become administrator, and how: privilege-escalation paths, each hop decided by
the engine with the acting principal's whole policy set (boundaries, denies, conditions).

A principal is an administrator when the engine allows it every action of ADMIN_PROBES on
"*" (sensitive IAM actions, AssumeRole, PassRole, code execution, data, and actions of
services nobody names one by one, which only `*` or `service:*` grant). It can become one
when a chain of hops leads there:

- it grants itself administrator: attaches or writes an administrator policy to itself
  or a group it is in, rewrites (CreatePolicyVersion) or rolls back
  (SetDefaultPolicyVersion, to a stored non-default version) a managed policy attached to
  it, joins a group that is administrator, or removes (or replaces) the permissions
  boundary that keeps it from being one;
- it acts as another principal: creates an access key or a console password for a user,
  assumes a role (the trust policy and its own policies allowing sts:AssumeRole, as the
  engine decides), rewrites a role's trust policy to assume it, passes a role to a service
  that runs its code (iam:PassRole with iam:PassedToService, and the service's own
  actions), or takes over code that already runs as a role; and that principal is, or
  becomes, an administrator (also by a grant from any principal earlier on the chain).

Each hop is one request to the engine: the acting principal's context (aws:username,
aws:PrincipalArn, its tags...) plus what the request itself would carry
(iam:PolicyARN, iam:PermissionsBoundary, iam:PassedToService), listed as the hop's
assumptions. A condition on a key nobody sets (MFA for an attacker with access keys, a
source IP) is not satisfied. Hops that need a resource the store cannot see (a Lambda
function, an EC2 instance) are reported as depending on it.

A Deny that refuses a hop is stepped around when its condition reads a key the attacker
sets (a request tag, its own tag when it may retag itself, the tags of a resource it
creates on the way): the value chosen is said in the step's AssumedConditions.

Each path can be broken by a Deny of one of its steps added to the principal making it
(ProposedFix), proposed once the analysis, run again with it in memory, no longer finds
the path; apply_escalation_fix applies it as the ordinary Get/Put{User,Role}Policy requests.
escalation_fixes finds every other change that breaks it too (a detached or deleted
policy, a group membership, a narrowed trust policy), ranked by what it takes away;
apply_fix_candidate applies one as its own IAM request.

It scales by asking the engine fewer, never different, questions: ARNs that no statement
covering an action names specifically meet the same statements, so one decision holds for
all of them; hops are found as the search reads them, and a search stops once its
MAX_PATHS paths can no longer change.
"""

from __future__ import annotations

import bisect
import copy
import functools
import heapq
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from iamtui.errors import NoSuchEntity
from iamtui.model import Group, InlinePolicy, PolicyVersion, Role, User
from iamtui.policy import (
    Caller,
    ContextEntry,
    Decision,
    EvalRequest,
    EvalResult,
    PolicyInput,
    PolicySet,
    PolicySourceType,
    RequestContext,
    compile_policy,
    evaluate,
)
from iamtui.policy.evaluate import StatementMatch
from iamtui.policy.patterns import WildcardSet
from iamtui.policy.simulation import session_context
from iamtui.policy.variables import tokenize, variables_in
from iamtui.service.core import Principal, ServiceCore, View
from iamtui.service.escalation_fixes import (
    FIX_POLICY_NAME,
    FixCandidate,
    FixFinder,
    deny_statement,
    path_key,
    with_statement,
    without_principal,
)
from iamtui.service.owners import PROTECTED_ROLE_PATHS
from iamtui.service.principals import (
    PrincipalPolicies,
    groups_of,
    owned_policies,
    role_policies,
    trust_policy_input,
    user_policies,
)
from iamtui.service.simulation import principal_context
from iamtui.service.sts import trust_decision
from iamtui.service.tables import (
    ATTACHMENTS,
    GROUPS,
    INLINE_POLICIES,
    INSTANCE_PROFILES,
    LOGIN_PROFILES,
    POLICIES,
    POLICY_VERSIONS,
    ROLES,
    USERS,
    owner_key,
)

# What "every action on every resource" is tested with: the IAM and STS actions that hand
# out power, code execution, data, and actions no policy names one by one.
ADMIN_PROBES = (
    "account:CloseAccount", "organizations:LeaveOrganization",  # rarely allowed: first
    "iam:CreateUser", "iam:AttachUserPolicy", "iam:PutRolePolicy", "iam:CreateAccessKey",
    "iam:CreatePolicyVersion", "iam:UpdateAssumeRolePolicy", "iam:PassRole",
    "sts:AssumeRole", "ec2:RunInstances", "lambda:CreateFunction", "s3:GetObject",
    "s3:PutBucketPolicy", "kms:Decrypt", "secretsmanager:GetSecretValue",
    "dynamodb:DeleteTable",
)
ADMIN_POLICY_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"
_ADMIN_DOCUMENT = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*",'
                   '"Resource":"*"}]}')
MAX_HOPS = 4  # principals on a chain, the start included
MAX_PATHS = 16  # per principal, shortest first


# Why a condition key of a step's deciding statements holds the value it was given.
WHY_CARRIED = "carried by the request"  # iam:PolicyARN, iam:PassedToService, the time...
WHY_PRINCIPAL = "the acting principal's own"  # aws:username, aws:PrincipalTag/x as tagged
WHY_ATTACKER = "attacker-controlled"  # aws:RequestTag/x, aws:TagKeys: the request's input
WHY_SELF_TAGGED = "attacker-controlled: it may tag itself"  # aws:PrincipalTag/x, retagged
WHY_ABSENT = "absent: nobody can set it"  # MFA with access keys, a source IP, a VPC...
WHY_CREATED = "attacker-controlled: the tags of the resource it creates"
WHY_DODGES = "chosen so that this Deny does not apply:"  # and the Deny's policy and Sid
# Keys whose value the attacker writes into its own request.
ATTACKER_KEYS = frozenset({"aws:tagkeys", "aws:requestedregion", "sts:rolesessionname",
                           "sts:sourceidentity", "sts:transitivetagkeys"})
ATTACKER_KEY_PREFIXES = ("aws:requesttag/",)
MAX_CONTEXT_TRIES = 16  # attacker-chosen contexts tried for one request
MAX_DODGES = 3  # Denies stepped around, one after another, for one request


@dataclass(frozen=True)
class AssumedCondition:
    """A context key a step's deciding statements read, its value and why it has it."""

    key: str
    why: str
    values: tuple[str, ...] = ()

    def to_aws(self) -> dict[str, Any]:
        out: dict[str, Any] = {"Key": self.key, "Why": self.why}
        if self.values:
            out["Values"] = list(self.values)
        return out


@dataclass(frozen=True)
class EscalationStep:
    """One request of a path: who makes it (`via`), and the statement that allows it."""

    action: str
    resource: str
    via: str  # the ARN of the principal making the request
    source_policy_id: str | None = None
    statement_id: str | None = None
    assumed: tuple[str, ...] = ()  # request keys set as the request would carry them
    note: str = ""
    conditions: tuple[AssumedCondition, ...] = ()  # what the deciding conditions read

    def to_aws(self) -> dict[str, Any]:
        out: dict[str, Any] = {"Action": self.action, "Resource": self.resource,
                               "Via": self.via,
                               "DecidedBy": {"SourcePolicyId": self.source_policy_id,
                                             "StatementId": self.statement_id}}
        if self.assumed:
            out["AssumedContext"] = list(self.assumed)
        if self.note:
            out["Note"] = self.note
        if self.conditions:
            out["AssumedConditions"] = [c.to_aws() for c in self.conditions]
        return out


@dataclass(frozen=True)
class EscalationPath:
    """Steps that end with the principal administrator, and what they depend on."""

    steps: tuple[EscalationStep, ...]
    requires_existing_resource: str | None = None

    def to_aws(self) -> dict[str, Any]:
        return {"Steps": [s.to_aws() for s in self.steps],
                "RequiresExistingResource": self.requires_existing_resource}


@dataclass(frozen=True)
class EscalationFinding:
    """A principal that is an administrator, or every path by which it can become one."""

    principal_arn: str
    is_admin: bool
    paths: tuple[EscalationPath, ...] = ()

    def to_aws(self) -> dict[str, Any]:
        return {"PrincipalArn": self.principal_arn, "IsAdmin": self.is_admin,
                "Paths": [p.to_aws() for p in self.paths]}


@dataclass(frozen=True)
class ProposedFix:
    """The change that breaks one path: a Deny statement for one step's action on its
    resource, added to the acting principal's inline policy FIX_POLICY_NAME (created, or
    kept with its statements). Only the acting principal loses that one permission: no
    shared trust policy or managed policy changes. Proposed only once the analysis, run
    again with the change applied in memory, no longer finds the path."""

    principal_arn: str  # the finding's principal
    path_index: int  # which of its paths (0-based, in the order listed)
    breaks: EscalationStep  # the step the Deny takes away
    owner_kind: str  # user or role: whose inline policy receives the statement
    owner_name: str
    statement: str  # the Deny statement, JSON
    policy_document: str  # the whole inline policy after the change
    policy_name: str = FIX_POLICY_NAME

    @property
    def operation(self) -> str:
        """The IAM operation that applies the fix: PutUserPolicy or PutRolePolicy."""
        return "PutUserPolicy" if self.owner_kind == "user" else "PutRolePolicy"

    @property
    def description(self) -> str:
        """The change in words."""
        return (f"Deny {self.breaks.action} on {self.breaks.resource} to {self.owner_kind} "
                f"{self.owner_name} (inline policy {self.policy_name})")

    def to_aws(self) -> dict[str, Any]:
        owner = "UserName" if self.owner_kind == "user" else "RoleName"
        return {"PrincipalArn": self.principal_arn, "PathIndex": self.path_index,
                "Breaks": {"Action": self.breaks.action, "Resource": self.breaks.resource,
                           "Via": self.breaks.via},
                "Operation": self.operation,
                "Parameters": {owner: self.owner_name, "PolicyName": self.policy_name,
                               "PolicyDocument": self.policy_document},
                "Description": self.description, "Verified": True,
                "Kind": "DenyStatement", "RemovesPath": True}


@dataclass(frozen=True)
class EscalationReport:
    """The findings, and (when asked for) a verified fix for each path that has one."""

    findings: tuple[EscalationFinding, ...]
    fixes: tuple[ProposedFix, ...] = ()
    candidates: tuple[FixCandidate, ...] = ()  # every verified change, per path ranked

    def fixes_for(self, principal_arn: str) -> list[ProposedFix]:
        """The fixes proposed for one finding's paths, in path order."""
        return [f for f in self.fixes if f.principal_arn == principal_arn]

    def candidates_for(self, principal_arn: str, path_index: int) -> list[FixCandidate]:
        """The changes that break one path, smallest first."""
        return [c for c in self.candidates
                if c.principal_arn == principal_arn and c.path_index == path_index]

    def to_aws(self, *, with_fixes: bool = True) -> dict[str, Any]:
        """Findings; with `with_fixes`, ProposedFixes (a Deny per path, as before) and,
        on each path, its Fixes: every verified change, smallest first."""
        out: dict[str, Any] = {"Findings": [f.to_aws() for f in self.findings]}
        if with_fixes:
            for finding, shown in zip(self.findings, out["Findings"], strict=True):
                for index, path in enumerate(shown["Paths"]):
                    path["Fixes"] = [c.to_aws() for c in
                                     self.candidates_for(finding.principal_arn, index)]
            out["ProposedFixes"] = [f.to_aws() for f in self.fixes]
        return out


@dataclass(frozen=True)
class ServiceRunsRole:
    """A service that runs code as a role passed to it (iam:PassRole), or code that runs
    as a role already (`existing`: the resource the store cannot see)."""

    principal: str  # the service principal the role must trust
    actions: tuple[str, ...]
    passes_role: bool = True
    existing: str | None = None
    instance_profile: bool = False  # an instance profile in the store holding the role
    # is the resource `existing` names (EC2 RunInstances)


SERVICE_EDGES = (
    ServiceRunsRole("lambda.amazonaws.com", ("lambda:CreateFunction", "lambda:InvokeFunction")),
    ServiceRunsRole("lambda.amazonaws.com",
                    ("lambda:CreateFunction", "lambda:CreateEventSourceMapping")),
    ServiceRunsRole("ec2.amazonaws.com", ("ec2:RunInstances",),
                    existing="an instance profile holding the role", instance_profile=True),
    ServiceRunsRole("glue.amazonaws.com", ("glue:CreateDevEndpoint",)),
    ServiceRunsRole("cloudformation.amazonaws.com", ("cloudformation:CreateStack",)),
    ServiceRunsRole("datapipeline.amazonaws.com",
                    ("datapipeline:CreatePipeline", "datapipeline:PutPipelineDefinition",
                     "datapipeline:ActivatePipeline")),
    ServiceRunsRole("codebuild.amazonaws.com",
                    ("codebuild:CreateProject", "codebuild:StartBuild")),
    ServiceRunsRole("sagemaker.amazonaws.com", ("sagemaker:CreateNotebookInstance",
                                                "sagemaker:CreatePresignedNotebookInstanceUrl")),
    ServiceRunsRole("sagemaker.amazonaws.com", ("sagemaker:CreateTrainingJob",)),
    ServiceRunsRole("sagemaker.amazonaws.com", ("sagemaker:CreateProcessingJob",)),
    ServiceRunsRole("ecs-tasks.amazonaws.com", ("ecs:RegisterTaskDefinition", "ecs:RunTask")),
    # EKS (Amazon EKS User Guide, "Amazon EKS node IAM role", "EKS Pod Identity"): a managed
    # node group's instances run as its node role (trusting EC2), reached from a pod or over
    # SSH (CreateNodegroup's remoteAccess); a pod of an associated service account gets the
    # Pod Identity role's credentials (pods.eks.amazonaws.com; sts:TagSession is not needed
    # with disableSessionTags). Both pass the role, and need a cluster the store cannot
    # see. The cluster role (CreateCluster) and a Fargate pod execution role run no code
    # the caller writes: no edge.
    ServiceRunsRole("ec2.amazonaws.com", ("eks:CreateNodegroup",),
                    existing="an EKS cluster (its new node group's nodes run as the role)"),
    ServiceRunsRole("pods.eks.amazonaws.com", ("eks:CreatePodIdentityAssociation",),
                    existing="an EKS cluster where the caller can run pods"),
    ServiceRunsRole("pods.eks.amazonaws.com", ("eks:UpdatePodIdentityAssociation",),
                    existing="an EKS Pod Identity association whose pods the caller runs"),
    # taking over code that already runs as the role: no PassRole
    ServiceRunsRole("lambda.amazonaws.com", ("lambda:UpdateFunctionCode",), passes_role=False,
                    existing="a Lambda function that runs as the role"),
    ServiceRunsRole("glue.amazonaws.com", ("glue:UpdateDevEndpoint",), passes_role=False,
                    existing="a Glue development endpoint that runs as the role"),
    ServiceRunsRole("cloudformation.amazonaws.com", ("cloudformation:UpdateStack",),
                    passes_role=False, existing="a CloudFormation stack that runs as the role"),
    ServiceRunsRole("ec2.amazonaws.com", ("ssm:SendCommand",), passes_role=False,
                    existing="an EC2 instance whose instance profile holds the role"),
    ServiceRunsRole("ec2.amazonaws.com", ("ssm:StartSession",), passes_role=False,
                    existing="an EC2 instance whose instance profile holds the role"),
    ServiceRunsRole("ec2.amazonaws.com", ("ec2-instance-connect:SendSSHPublicKey",),
                    passes_role=False,
                    existing="an EC2 instance whose instance profile holds the role"),
)


@dataclass
class Actor:
    """A user or role, its policies, and the context its requests carry."""

    kind: str  # user or role
    name: str
    arn: str
    record: User | Role
    policies: PrincipalPolicies
    context: list[ContextEntry] = field(default_factory=list)

    @property
    def caller(self) -> Caller:
        return Caller.from_arn(self.arn)


@dataclass(frozen=True)
class Hop:
    """A way to act as `target`: the steps, and the resource they depend on, if any."""

    target: Actor
    steps: tuple[EscalationStep, ...]
    needs: str | None = None


class EscalationAnalysis:
    """The analysis over one snapshot of the store (see the module's docstring)."""

    def __init__(self, view: View, account_id: str, now: datetime | None = None) -> None:
        self.view, self.account_id = view, account_id
        # what every signed request carries: the time, TLS (the AWS CLI's and SDKs' way)
        sent = session_context(now or datetime.now(UTC))
        self.actors: dict[str, Actor] = {}
        for user in USERS.all(view):
            self.actors[user.arn] = Actor("user", user.user_name, user.arn, user,
                                          user_policies(view, user),
                                          [*principal_context(user, account_id), *sent])
        for role in ROLES.all(view):
            self.actors[role.arn] = Actor("role", role.role_name, role.arn, role,
                                          role_policies(view, role),
                                          [*principal_context(role, account_id), *sent])
        self._admin_input = PolicyInput(compile_policy(_ADMIN_DOCUMENT), "AdministratorAccess",
                                        PolicySourceType.AWS_MANAGED)
        self._admin_memo: dict[str, bool] = {}
        self._admin_with_memo: dict[tuple[str, tuple[int, ...], tuple[int, ...]], bool] = {}
        self._hops: dict[str, _Lazy[Hop]] = {}
        self._self_grants: dict[str, list[list[EscalationStep]]] = {}
        self._start_grants: dict[tuple[str, str], list[list[EscalationStep]]] = {}
        self._may: dict[tuple[str, str], bool] = {}
        self._group_policies: dict[str, list[PolicyInput]] = {}
        self._choices: dict[tuple[str, str, str], list[list[ContextEntry]]] = {}
        self._self_tags: dict[tuple[str, str, str], str | None] = {}
        self.groups = list(GROUPS.all(view))
        self._member_of: dict[str, list[Group]] = {}
        # Every ARN a step may name, sorted: the targets a Resource pattern can match are
        # found by its literal prefix instead of by trying each (see _specific)
        self._arns = sorted({*self.actors, *(g.arn for g in self.groups),
                             *(p.arn for p in POLICIES.all(view))})
        self._arn_set = frozenset(self._arns)
        self._steps: dict[tuple[Any, ...], EscalationStep | None] = {}
        self._verdicts: dict[tuple[str, str], bool] = {}
        self._versions: dict[str, list[tuple[PolicyVersion, PolicyInput]] | None] = {}
        self._user_arns = [a.arn for a in self.actors.values() if a.kind == "user"]
        self._role_arns = [a.arn for a in self.actors.values() if a.kind == "role"]
        self._user_set = frozenset(self._user_arns)
        self._position = {arn: i for i, arn in enumerate(self.actors)}
        self._verdict_sets: dict[tuple[str, str], frozenset[str]] = {}
        self._passwords = {p.user_name.casefold() for p in LOGIN_PROFILES.all(view)}
        self._trust_inputs: dict[str, PolicyInput] = {}
        self._role_edges: dict[str, list[tuple[int, ServiceRunsRole]]] = {}
        self._edge_memo: dict[tuple[str, str], list[EscalationStep] | None] = {}
        self._profiled: dict[str, bool] = {}
        self._admits: dict[str, bool] = {}
        self._attached: dict[str, list[str]] = {}
        self._specific_memo: dict[tuple[str, str], frozenset[str] | None] = {}
        self._hits: dict[tuple[int, str], tuple[WildcardSet, frozenset[str]]] = {}

    # ------------------------------------------------------------------ the engine's word

    def request(self, actor: Actor, action: str, resource: str,
                carried: Sequence[ContextEntry] = (),
                resource_policy: PolicyInput | None = None) -> EvalResult:
        """The engine's decision on one request `actor` makes."""
        context = RequestContext([*actor.context, *carried])
        return evaluate(EvalRequest(action, resource, context, actor.caller, self.account_id),
                        actor.policies.identity, boundaries=actor.policies.boundaries,
                        resource_policy=resource_policy)

    def is_admin_with(self, actor: Actor, identity: Sequence[PolicyInput],
                      boundaries: Sequence[PolicyInput]) -> bool:
        """Whether `actor` with these policies is allowed every ADMIN_PROBES action on "*"."""
        key = (actor.arn, tuple(id(p.policy) for p in identity),
               tuple(id(p.policy) for p in boundaries))
        found = self._admin_with_memo.get(key)
        if found is None:
            found = self._admin_with_memo[key] = self._probe(actor, identity, boundaries)
        return found

    def _probe(self, actor: Actor, identity: Sequence[PolicyInput],
               boundaries: Sequence[PolicyInput]) -> bool:
        identity_set, boundary_set = PolicySet(identity), PolicySet(boundaries)
        context = RequestContext(actor.context)
        return all(evaluate(EvalRequest(action, "*", context, actor.caller, self.account_id),
                            identity_set, boundaries=boundary_set).decision == Decision.ALLOWED
                   for action in ADMIN_PROBES)

    def is_admin(self, actor: Actor) -> bool:
        found = self._admin_memo.get(actor.arn)
        if found is None:
            found = self._admin_memo[actor.arn] = self.is_admin_with(
                actor, actor.policies.identity.inputs, actor.policies.boundaries.inputs)
        return found

    def _step(self, actor: Actor, action: str, resource: str,
              carried: Sequence[ContextEntry] = (), *,
              resource_policy: PolicyInput | None = None, role: Role | None = None,
              note: str = "") -> EscalationStep | None:
        """The step when the engine allows it, with the statement that allowed it and the
        condition keys its deciding statements read. The request carries `carried`, the
        resource's tags (a user or role of the store) and the time; when that is not
        allowed, the attacker may write request tags (and, when allowed to tag itself,
        its own principal tags) as the allowing statements' conditions ask: each such
        context is one more request to the engine, and the step says what it chose.
        For sts:AssumeRole (`role`), the role's trust policy must also allow on its own,
        as AssumeRole decides (IAM User Guide, "Policy evaluation logic")."""
        found = self._template(actor, action, resource, carried, resource_policy, role)
        if found is None or (found.resource == resource and found.note == note):
            return found
        return EscalationStep(found.action, resource, found.via, found.source_policy_id,
                              found.statement_id, found.assumed, note, found.conditions)

    def _allows(self, actor: Actor, action: str, resource: str,
                carried: Sequence[ContextEntry] = ()) -> bool:
        """Whether _step would find the step (without building it)."""
        return self._template(actor, action, resource, carried, None, None) is not None

    def _template(self, actor: Actor, action: str, resource: str,
                  carried: Sequence[ContextEntry], resource_policy: PolicyInput | None,
                  role: Role | None) -> EscalationStep | None:
        """_step's decision, memoized. Every ARN of the store that no statement covering
        the action names specifically (and whose tags no condition reads) gets the same
        decision: one request answers for all of them, with another resource's ARN."""
        if resource_policy is None and not self._may_allow(actor, action):
            return None
        specific = self._specific(actor, action) if resource_policy is None else None
        shared = specific is not None and resource in self._arn_set and \
            resource not in specific
        key = (actor.arn, action, None if shared else resource, tuple(carried),
               role.arn if role is not None else None)
        if key in self._steps:
            return self._steps[key]
        found = self._steps[key] = self._decided_step(actor, action, resource, carried,
                                                      resource_policy, role)
        return found

    def _decided_step(self, actor: Actor, action: str, resource: str,
                      carried: Sequence[ContextEntry], resource_policy: PolicyInput | None,
                      role: Role | None) -> EscalationStep | None:
        """_step's work: the engine's decisions, uncached. When the request is refused,
        the attacker's choices are tried: values for the keys it sets that the allowing
        statements ask for, and values that dodge each Deny that refused it."""
        note = ""
        sent = [*carried, *self._resource_tags(resource)]
        chosen: list[ContextEntry] = []
        dodged: dict[str, str] = {}
        found = self._dodging(actor, action, resource, sent, (), resource_policy, role)
        if found is None:  # refused as sent: what the attacker may choose, in turn
            for choice in self._attacker_choices(actor, action, resource_policy):
                found = self._dodging(actor, action, resource, sent, choice,
                                      resource_policy, role)
                if found is not None:
                    break
            else:
                return None
        (result, trusted), chosen, dodged = found
        allow = next((m for m in result.matched if m.statement.statement.effect == "Allow"),
                     None)
        statement = allow.statement.statement if allow is not None else None
        return EscalationStep(
            action, resource, actor.arn,
            allow.source.source_id if allow is not None else None,
            (statement.sid or f"#{statement.index + 1}") if statement is not None else None,
            tuple(f"{e.key}={','.join(e.values)}" for e in carried), note,
            self._assumed(actor, (*result.matched, *trusted), sent, chosen, dodged))

    def _dodging(self, actor: Actor, action: str, resource: str, sent: Sequence[ContextEntry],
                 choice: Sequence[ContextEntry], resource_policy: PolicyInput | None,
                 role: Role | None) -> tuple[tuple[EvalResult, tuple[StatementMatch, ...]],
                                             list[ContextEntry], dict[str, str]] | None:
        """The request with the attacker's `choice`, and, while an explicit Deny refuses
        it, values for keys the attacker sets that make that Deny's condition false (a
        request tag it writes, a principal tag it may give itself): the decision, the
        context chosen and, per key chosen to dodge a Deny, which statement it dodges."""
        chosen = {e.key.lower(): e for e in choice}
        dodged: dict[str, str] = {}
        for _ in range(MAX_DODGES + 1):
            context = [*sent, *chosen.values()]
            result = self.request(actor, action, resource, context, resource_policy)
            denies = [m for m in result.matched if m.statement.is_deny] \
                if result.decision == Decision.EXPLICIT_DENY else []
            if result.decision == Decision.EXPLICIT_DENY and not self._may_dodge(
                    actor, action, resource_policy):
                return None  # no Deny for the action reads a key the attacker sets
            if result.decision == Decision.ALLOWED and role is not None:
                trust = trust_decision(role, action, actor.arn,
                                       RequestContext([*actor.context, *context]))
                if trust.decision == Decision.ALLOWED:
                    return (result, trust.matched), list(chosen.values()), dodged
                denies = [m for m in trust.matched if m.statement.is_deny] \
                    if trust.decision == Decision.EXPLICIT_DENY else []
            elif result.decision == Decision.ALLOWED:
                return (result, ()), list(chosen.values()), dodged
            if not denies:
                return None  # refused for want of an Allow: nothing to dodge
            whole = RequestContext([*actor.context, *context])
            for match in denies:
                entry = self._dodge(actor, match.statement.conditions, whole)
                if entry is None:
                    return None  # a Deny the attacker cannot step around
                chosen[entry.key.lower()] = entry
                st = match.statement.statement
                dodged[entry.key.lower()] = \
                    f"{match.source.source_id} {st.sid or f'#{st.index + 1}'}"
        return None

    def _may_dodge(self, actor: Actor, action: str,
                   resource_policy: PolicyInput | None) -> bool:
        """Cheap filter before reading which Denies refused a request: does any Deny
        covering `action` (identity, boundary, the role's trust policy) have a condition on
        a key the attacker sets? (memoized)"""
        key = (actor.arn, f"dodge {action} {resource_policy.source_id if resource_policy else ''}")
        found = self._verdicts.get(key)
        if found is None:
            layers = [actor.policies.identity, actor.policies.boundaries]
            if resource_policy is not None:
                layers.append(PolicySet((resource_policy,)))
            found = self._verdicts[key] = any(
                _attacker_sets(c.key_lower)
                for layer in layers for _, st in layer.for_action(action.lower())[0]
                if st.is_deny for c in st.conditions)
        return found

    def _dodge(self, actor: Actor, conditions: Sequence[Any],
               ctx: RequestContext) -> ContextEntry | None:
        """A value for one key the attacker sets that makes one of a Deny's conditions
        (all of which must hold for it to apply) false; None when there is none. Tried:
        the values the condition names, those its policy variables stand for, and one it
        does not name."""
        for condition in conditions:
            lower = condition.key_lower
            tag = lower.startswith("aws:principaltag/")
            if not _attacker_sets(lower):
                continue
            for entry in _values_for(condition, ctx, holds=False):
                if tag and self._self_tag_statement(
                        actor, condition.key.split("/", 1)[1], entry.values[0]) is None:
                    continue  # it may not give itself that tag
                return entry
        return None

    def _specific(self, actor: Actor, action: str) -> frozenset[str] | None:
        """The ARNs of the store that some statement covering `action` (either effect, in
        `actor`'s identity-based policies or boundary) names by its Resource or NotResource
        patterns, short of "*" (memoized). Any other ARN meets exactly the statements
        every ARN meets: the same decision. None when a statement reads a resource tag
        (the decision may differ with each resource's tags)."""
        key = (actor.arn, action)
        if key in self._specific_memo:
            return self._specific_memo[key]
        action_lower = action.lower()
        found: set[str] | None = set()
        ctx = RequestContext(actor.context)
        for layer in (actor.policies.identity, actor.policies.boundaries):
            for _, st in layer.for_action(action_lower)[0]:
                if any(k.startswith(("aws:resourcetag/", "iam:resourcetag/"))
                       for k, _ in st.keys_lower):
                    found = None
                    break
                patterns = st.resources if st.resources is not None else st.not_resources
                if patterns is None or patterns.matches_all:
                    continue
                if patterns.has_variables and not _fixed_variables(patterns):
                    found = None  # a value the request may vary (a request tag...)
                    break
                found |= self._matched_arns(patterns, actor, ctx)
            if found is None:
                break
        result = self._specific_memo[key] = frozenset(found) if found is not None else None
        return result

    def _matched_arns(self, patterns: WildcardSet, actor: Actor,
                      ctx: RequestContext) -> frozenset[str]:
        """The store's ARNs that `patterns` match: those starting with each pattern's
        literal prefix (up to its first wildcard or variable), then matched (memoized per
        pattern set, and per actor when a variable makes it depend on the context)."""
        key = (id(patterns), actor.arn if patterns.has_variables else "")
        cached = self._hits.get(key)
        if cached is not None and cached[0] is patterns:
            return cached[1]
        found: set[str] = set()
        for pattern in patterns.patterns:
            prefix = _VARIABLE.sub(lambda m: _fixed_value(m.group(1), ctx), pattern) \
                if "${" in pattern else pattern
            for mark in ("*", "?", "$"):
                prefix = prefix.split(mark, 1)[0]
            start = bisect.bisect_left(self._arns, prefix)
            for arn in self._arns[start:]:
                if not arn.startswith(prefix):
                    break
                if arn not in found and patterns.matches(arn, ctx):
                    found.add(arn)
        hits = frozenset(found)
        self._hits[key] = (patterns, hits)
        return hits

    def _resource_tags(self, resource: str) -> list[ContextEntry]:
        """aws:ResourceTag/* and iam:ResourceTag/* of a user or role the request names."""
        target = self.actors.get(resource)
        if target is None or not target.record.tags:
            return []
        return [ContextEntry(f"{prefix}:ResourceTag/{t.key}", (t.value,))
                for t in target.record.tags for prefix in ("aws", "iam")]

    def _attacker_choices(self, actor: Actor, action: str,
                          resource_policy: PolicyInput | None) -> list[list[ContextEntry]]:
        """Contexts the attacker can send to satisfy an Allow's conditions (memoized): for
        each allowing statement of each layer that covers the action, its keys the
        attacker sets (ATTACKER_KEYS, aws:RequestTag/*, and aws:PrincipalTag/* when it
        may tag itself), given the values the condition names; a layer's choice is
        combined with the other layers' (identity, boundary, trust policy)."""
        key = (actor.arn, action, resource_policy.source_id if resource_policy else "")
        found = self._choices.get(key)
        if found is not None:
            return found
        action_lower = action.lower()
        layers = [actor.policies.identity, actor.policies.boundaries]
        if resource_policy is not None:
            layers.append(PolicySet((resource_policy,)))
        per_layer: list[list[dict[str, ContextEntry]]] = []
        for layer in layers:
            options: list[dict[str, ContextEntry]] = []
            for _, st in layer.for_action(action_lower)[0]:
                if st.is_deny or not st.conditions:
                    continue
                option = {}
                for condition in st.conditions:
                    entry = self._attacker_entry(actor, condition)
                    if entry is not None:
                        option[condition.key_lower] = entry
                if option and option not in options:
                    options.append(option)
            per_layer.append(options)
        choices: list[list[ContextEntry]] = []
        combined: list[dict[str, ContextEntry]] = [{}]
        for options in per_layer:
            if options:
                combined = [{**c, **o} for c in combined for o in options][:MAX_CONTEXT_TRIES]
        choices = [list(c.values()) for c in combined if c]
        self._choices[key] = choices
        return choices

    def _attacker_entry(self, actor: Actor, condition: Any) -> ContextEntry | None:
        """The value the attacker gives a condition's key, if it can set the key: one the
        condition names (a name it does not, for a negated operator; any, for Null false)."""
        lower = condition.key_lower
        spec = condition.spec
        if spec.family == "null":
            values: tuple[str, ...] = ("iamtui",) if condition.when_present else ()
        elif spec.negated:
            values = ("iamtui-other",)
        elif spec.qualifier is not None:
            values = condition.values
        else:
            values = condition.values[:1]
        if not values:
            return None
        list_type = "stringList" if spec.qualifier is not None else "string"
        if lower in ATTACKER_KEYS or lower.startswith(ATTACKER_KEY_PREFIXES):
            return ContextEntry(condition.key, values, list_type)
        if lower.startswith("aws:principaltag/") and self._self_tag_statement(
                actor, condition.key.split("/", 1)[1], values[0]) is not None:
            return ContextEntry(condition.key, values[:1])
        return None

    def _self_tag_statement(self, actor: Actor, tag_key: str, value: str) -> str | None:
        """The statement (policy id and Sid) allowing `actor` to tag itself `tag_key` =
        `value` (iam:TagUser or iam:TagRole on its own ARN), or None (memoized)."""
        key = (actor.arn, tag_key, value)
        if key in self._self_tags:
            return self._self_tags[key]
        action = "iam:TagUser" if actor.kind == "user" else "iam:TagRole"
        found = None
        if self._may_allow(actor, action):
            result = self.request(actor, action, actor.arn, [
                _entry(f"aws:RequestTag/{tag_key}", value),
                ContextEntry("aws:TagKeys", (tag_key,), "stringList"),
                *self._resource_tags(actor.arn)])
            if result.decision == Decision.ALLOWED:
                allow = next(m for m in result.matched if not m.statement.is_deny)
                st = allow.statement.statement
                found = f"{action} by {allow.source.source_id} {st.sid or f'#{st.index + 1}'}"
        self._self_tags[key] = found
        return found

    def _assumed(self, actor: Actor, matched: Sequence[StatementMatch],
                 sent: Sequence[ContextEntry], chosen: Sequence[ContextEntry],
                 dodged: dict[str, str] | None = None) -> tuple[AssumedCondition, ...]:
        """Each context key the allowing statements' conditions read, or that the attacker
        set to step around a Deny, with its value and why it holds it (the WHY_* words)."""
        keys = dict.fromkeys(c.key for m in matched for c in m.statement.conditions)
        keys.update((e.key, None) for e in chosen if e.key.lower() in (dodged or {}))
        if not keys:
            return ()
        given = {e.key.lower(): e for e in actor.context}
        given.update((e.key.lower(), e) for e in sent)
        mine = {e.key.lower() for e in chosen}
        given.update((e.key.lower(), e) for e in chosen)
        out = []
        for key in keys:
            lower = key.lower()
            entry = given.get(lower)
            if entry is None:
                out.append(AssumedCondition(key, WHY_ABSENT))
                continue
            if lower in mine:
                why = WHY_ATTACKER
                if lower.startswith("aws:principaltag/"):
                    how = self._self_tag_statement(actor, key.split("/", 1)[1],
                                                   entry.values[0])
                    why = f"{WHY_SELF_TAGGED} ({how})"
                if dodged and lower in dodged:
                    why = f"{why}; {WHY_DODGES} {dodged[lower]}"
            elif lower.startswith(("aws:principal", "aws:userid", "aws:username")):
                why = WHY_PRINCIPAL
            else:
                why = WHY_CARRIED
            out.append(AssumedCondition(key, why, entry.values))
        return tuple(out)

    def _may_allow(self, actor: Actor, action: str) -> bool:
        """Cheap filter: does any identity statement's Action cover `action` with Allow?"""
        key = (actor.arn, action)
        found = self._may.get(key)
        if found is None:
            candidates, _ = actor.policies.identity.for_action(action.lower())
            found = self._may[key] = any(st.statement.effect == "Allow" for _, st in candidates)
        return found

    # ------------------------------------------------------------------ granting oneself

    def grants(self, grantor: Actor, target: Actor) -> Iterator[list[EscalationStep]]:
        """Ways `grantor` makes `target` an administrator (grantor may be target)."""
        policy_arn = [_entry("iam:PolicyARN", ADMIN_POLICY_ARN)]
        identity = list(target.policies.identity.inputs)
        boundaries = list(target.policies.boundaries.inputs)
        with_admin = [*identity, self._admin_input]
        own = "User" if target.kind == "user" else "Role"
        if not self._may_grant(grantor, target, own):
            return
        if self._target_verdict(target, "granted", with_admin, boundaries):
            for action, carried in ((f"iam:Attach{own}Policy", policy_arn),
                                    (f"iam:Put{own}Policy", [])):
                step = self._step(grantor, action, target.arn, carried)
                if step is not None:
                    yield [step]
            if target.kind == "user":
                yield from self._group_grants(grantor, target)
            yield from self._policy_version_grants(grantor, target, identity, boundaries)
        elif boundaries:  # the boundary is in the way: remove it, then grant
            if not self._target_verdict(target, "granted unbounded", with_admin, []):
                return
            removal = self._step(grantor, f"iam:Delete{own}PermissionsBoundary", target.arn)
            if removal is None:
                removal = self._step(grantor, f"iam:Put{own}PermissionsBoundary", target.arn,
                                     [_entry("iam:PermissionsBoundary", ADMIN_POLICY_ARN)])
            if removal is None:
                return
            if self._target_verdict(target, "unbounded", identity, []):
                yield [removal]
                return
            for action, carried in ((f"iam:Attach{own}Policy", policy_arn),
                                    (f"iam:Put{own}Policy", [])):
                step = self._step(grantor, action, target.arn, carried)
                if step is not None:
                    yield [removal, step]

    def _may_grant(self, grantor: Actor, target: Actor, own: str) -> bool:
        """Whether the engine allows `grantor` any request that `grants` would yield a
        grant with: checked before the costlier question of what the grant would make of
        `target`."""
        policy_arn = [_entry("iam:PolicyARN", ADMIN_POLICY_ARN)]
        if self._allows(grantor, f"iam:Attach{own}Policy", target.arn, policy_arn) or \
                self._allows(grantor, f"iam:Put{own}Policy", target.arn):
            return True
        if target.policies.boundaries and (
                self._allows(grantor, f"iam:Delete{own}PermissionsBoundary", target.arn) or
                self._allows(grantor, f"iam:Put{own}PermissionsBoundary", target.arn,
                             [_entry("iam:PermissionsBoundary", ADMIN_POLICY_ARN)])):
            return True
        if target.kind == "user":
            mine = {g.arn for g in self._groups_of(target.name)}
            if mine & (self._allowed_groups(grantor, "iam:AttachGroupPolicy", policy_arn) |
                       self._allowed_groups(grantor, "iam:PutGroupPolicy")) or \
                    self._allowed_groups(grantor, "iam:AddUserToGroup") - mine:
                return True
        if self._may_allow(grantor, "iam:CreatePolicyVersion") or \
                self._may_allow(grantor, "iam:SetDefaultPolicyVersion"):
            return any(self._allows(grantor, action, arn)
                       for arn in self._attached_customer_policies(target)
                       for action in ("iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion"))
        return False

    def _allowed_groups(self, actor: Actor, action: str,
                        carried: Sequence[ContextEntry] = ()) -> frozenset[str]:
        """The ARNs of the groups on which the engine allows `actor` the request (memoized;
        the groups no statement names specifically share one decision)."""
        key = (actor.arn, f"groups {action} {carried}")
        found = self._verdict_sets.get(key)
        if found is None:
            found = frozenset() if not self._may_allow(actor, action) else frozenset(
                g.arn for g in self.groups if self._allows(actor, action, g.arn, carried))
            self._verdict_sets[key] = found
        return found

    def _groups_of(self, user_name: str) -> list[Group]:
        """The groups a user is in (memoized)."""
        found = self._member_of.get(user_name)
        if found is None:
            found = self._member_of[user_name] = groups_of(self.view, user_name)
        return found

    def _group_grants(self, grantor: Actor, target: Actor) -> Iterator[list[EscalationStep]]:
        policy_arn = [_entry("iam:PolicyARN", ADMIN_POLICY_ARN)]
        member_of = {g.group_name.casefold() for g in self._groups_of(target.name)}
        for group in self.groups:
            if group.group_name.casefold() in member_of:
                for action, carried in (("iam:AttachGroupPolicy", policy_arn),
                                        ("iam:PutGroupPolicy", [])):
                    step = self._step(grantor, action, group.arn, carried)
                    if step is not None:
                        yield [step]
            elif self._allows(grantor, "iam:AddUserToGroup", group.arn) and \
                    self._group_makes_admin(target, group):
                step = self._step(grantor, "iam:AddUserToGroup", group.arn,
                                  note=f"adds user {target.name} to group {group.group_name}")
                if step is not None:
                    yield [step]

    def _target_verdict(self, target: Actor, what: str, identity: Sequence[PolicyInput],
                        boundaries: Sequence[PolicyInput]) -> bool:
        """is_admin_with for one of the few changes `grants` weighs (`what`), memoized by
        its name: building is_admin_with's key costs more than a lookup."""
        key = (target.arn, what)
        found = self._verdicts.get(key)
        if found is None:
            found = self._verdicts[key] = self.is_admin_with(target, identity, boundaries)
        return found

    def _group_makes_admin(self, target: Actor, group: Group) -> bool:
        key = (target.arn, f"group {group.group_name}")
        found = self._verdicts.get(key)
        if found is not None:
            return found
        extra = self._group_policies.get(group.group_name)
        if extra is None:
            extra = self._group_policies[group.group_name] = owned_policies(
                self.view, "group", group.group_name)
        found = self._verdicts[key] = bool(extra) and self.is_admin_with(
            target, [*target.policies.identity.inputs, *extra],
            list(target.policies.boundaries.inputs))
        return found

    def _policy_version_grants(self, grantor: Actor, target: Actor,
                               identity: list[PolicyInput],
                               boundaries: list[PolicyInput]) -> Iterator[list[EscalationStep]]:
        """Customer managed policies attached to `target` (or its groups): rewrite one
        (CreatePolicyVersion, set as default) or make a stored older version the default."""
        if not (self._may_allow(grantor, "iam:CreatePolicyVersion")
                or self._may_allow(grantor, "iam:SetDefaultPolicyVersion")):
            return
        for arn in self._attached_customer_policies(target):
            older = self._older_versions(arn)
            if older is None:
                continue
            step = self._step(grantor, "iam:CreatePolicyVersion", arn,
                              note="a new default version allowing everything")
            if step is not None:
                yield [step]
            for version, candidate in older:
                if self.is_admin_with(target, [*identity, candidate], boundaries):
                    step = self._step(grantor, "iam:SetDefaultPolicyVersion", arn,
                                      note=f"makes version {version.version_id} the default")
                    if step is not None:
                        yield [step]

    def _older_versions(self, arn: str) -> list[tuple[PolicyVersion, PolicyInput]] | None:
        """A stored customer managed policy's non-default versions, compiled (memoized);
        None when the store has no such policy."""
        if arn in self._versions:
            return self._versions[arn]
        policy = POLICIES.get(self.view, arn)
        found = None if policy is None else [
            (version, PolicyInput(compile_policy(version.document), policy.policy_name,
                                  PolicySourceType.USER_MANAGED))
            for version in POLICY_VERSIONS.find_by(self.view, "policy", arn)
            if not version.is_default_version]
        self._versions[arn] = found
        return found

    def _attached_customer_policies(self, target: Actor) -> list[str]:
        """The customer managed policies attached to `target` or its groups (memoized:
        attachments do not change within an analysis, a derived one's included)."""
        found = self._attached.get(target.arn)
        if found is None:
            found = self._attached[target.arn] = self._find_attached(target)
        return found

    def _find_attached(self, target: Actor) -> list[str]:
        owners = [(target.kind, target.name)]
        if target.kind == "user":
            owners += [("group", g.group_name) for g in self._groups_of(target.name)]
        found: list[str] = []
        for kind, name in owners:
            for attachment in ATTACHMENTS.find_by(self.view, "owner", name):
                if attachment.owner_kind == kind and \
                        not attachment.policy_arn.startswith("arn:aws:iam::aws:"):
                    found.append(attachment.policy_arn)
        return list(dict.fromkeys(found))

    # ------------------------------------------------------------------ acting as another

    def becomes(self, actor: Actor, target: Actor) -> Iterator[tuple[list[EscalationStep],
                                                                      str | None]]:
        """Ways `actor` comes to act as `target`: the steps, and a resource they depend on."""
        if target.kind == "user":
            step = self._step(actor, "iam:CreateAccessKey", target.arn)
            if step is not None:
                yield [step], None
            has_password = target.name.casefold() in self._passwords
            login = "iam:UpdateLoginProfile" if has_password else "iam:CreateLoginProfile"
            step = self._step(actor, login, target.arn)
            if step is not None:
                yield [step], None
            return
        role = target.record
        assert isinstance(role, Role)
        trust = self._trust_inputs.get(role.arn)
        if trust is None:
            trust = self._trust_inputs[role.arn] = trust_policy_input(role)
        step = self._step(actor, "sts:AssumeRole", role.arn, resource_policy=trust,
                          role=role) \
            if self._trust_admits_iam(role, trust) and self._trust_may_name(actor, role) \
            else None
        if step is not None:
            yield [step], None
        else:  # rewrite the trust policy to name the actor, then assume the role
            update = self._step(actor, "iam:UpdateAssumeRolePolicy", role.arn,
                                note=f"a trust policy that names {actor.arn}")
            if update is not None:
                yield [update, EscalationStep("sts:AssumeRole", role.arn, actor.arn,
                                              role.role_name, None,
                                              note="allowed by the rewritten trust policy")], \
                    None
        yield from self._service_edges(actor, role, trust)

    def _trust_may_name(self, actor: Actor, role: Role) -> bool:
        """Cheap filter before evaluating a trust policy: it can let `actor` in only when
        the actor's own policies may allow sts:AssumeRole (the trust naming the account),
        or the trust names the actor itself (by ARN or unique ID) or everyone."""
        if self._may_allow(actor, "sts:AssumeRole"):
            return True
        text = role.assume_role_policy_document
        return actor.arn in text or '"*"' in text or \
            actor.record.user_id in text if isinstance(actor.record, User) else \
            actor.arn in text or '"*"' in text or actor.record.role_id in text

    def _service_edges(self, actor: Actor, role: Role,
                       trust: PolicyInput) -> Iterator[tuple[list[EscalationStep], str | None]]:
        for index, edge in self._edges_for(role, trust):
            run = self._edge_steps(actor, index)  # first: it does not depend on the role
            if run is None:
                continue
            steps: list[EscalationStep] = []
            if edge.passes_role:
                passed = self._step(actor, "iam:PassRole", role.arn,
                                    [_entry("iam:PassedToService", edge.principal)])
                if passed is None:
                    continue
                steps.append(passed)
            steps.extend(run)
            existing = edge.existing
            if existing is not None and edge.instance_profile and \
                    self._in_instance_profile(role):
                existing = None  # the store holds an instance profile with the role
            yield steps, existing

    def _edges_for(self, role: Role, trust: PolicyInput) -> list[tuple[int, ServiceRunsRole]]:
        """The SERVICE_EDGES whose service the role's trust policy lets assume it."""
        found = self._role_edges.get(role.arn)
        if found is None:
            trusted: dict[str, bool] = {}
            for edge in SERVICE_EDGES:
                if edge.principal not in trusted:
                    trusted[edge.principal] = evaluate(
                        EvalRequest("sts:AssumeRole", role.arn, RequestContext(),
                                    Caller.from_arn(edge.principal), self.account_id),
                        resource_policy=trust).decision == Decision.ALLOWED
            found = self._role_edges[role.arn] = [
                (i, e) for i, e in enumerate(SERVICE_EDGES) if trusted[e.principal]]
        return found

    def _edge_steps(self, actor: Actor, index: int) -> list[EscalationStep] | None:
        """The service's own requests of SERVICE_EDGES[index] on "*", when the engine
        allows `actor` each of them (memoized: they do not depend on the role). When the
        edge creates a resource and then acts on it, that resource carries the tags the
        attacker gave it: tags the later requests' statements ask for (or that step
        around their Denies) are tried, the creating request carrying them as its own."""
        key = (actor.arn, f"edge {index}")
        if key in self._edge_memo:
            return self._edge_memo[key]
        edge = SERVICE_EDGES[index]
        steps = self._edge_run(actor, edge, {})
        if steps is None and edge.passes_role and len(edge.actions) > 1:
            tags = self._created_tags(actor, edge)
            if tags:
                steps = self._edge_run(actor, edge, tags)
        self._edge_memo[key] = steps
        return steps

    def _edge_run(self, actor: Actor, edge: ServiceRunsRole,
                  tags: dict[str, str]) -> list[EscalationStep] | None:
        """The edge's steps, the created resource tagged `tags`, or None if one is refused."""
        steps: list[EscalationStep] = []
        for number, action in enumerate(edge.actions):
            if not tags:
                carried: list[ContextEntry] = []
            elif number == 0:
                carried = [*(_entry(f"aws:RequestTag/{k}", v) for k, v in tags.items()),
                           ContextEntry("aws:TagKeys", tuple(tags), "stringList")]
            else:
                carried = [_entry(f"aws:ResourceTag/{k}", v) for k, v in tags.items()]
            step = self._step(actor, action, "*", carried)
            if step is None:
                return None
            if tags:
                given = {e.key.lower(): e for e in carried}
                conditions = [c if c.key.lower() not in given else
                              AssumedCondition(c.key, WHY_CREATED, c.values)
                              for c in step.conditions]
                read = {c.key.lower() for c in step.conditions}
                conditions += [AssumedCondition(e.key, WHY_CREATED, e.values)
                               for lower, e in given.items() if lower not in read]
                step = replace(step, conditions=tuple(conditions))
            steps.append(step)
        return steps

    def _created_tags(self, actor: Actor, edge: ServiceRunsRole) -> dict[str, str]:
        """Tags for the resource an edge creates: for each aws:ResourceTag/* condition of
        the statements covering its later actions, a value under which an Allow's
        condition holds, or a Deny's does not."""
        tags: dict[str, str] = {}
        ctx = RequestContext(actor.context)
        for action in edge.actions[1:]:
            for layer in (actor.policies.identity, actor.policies.boundaries):
                for _, st in layer.for_action(action.lower())[0]:
                    for condition in st.conditions:
                        name = condition.key_lower
                        if not name.startswith("aws:resourcetag/") or \
                                condition.key.split("/", 1)[1] in tags:
                            continue
                        entry = next(_values_for(condition, ctx, holds=not st.is_deny),
                                     None)
                        if entry is not None:
                            tags[condition.key.split("/", 1)[1]] = entry.values[0]
        return tags

    def _in_instance_profile(self, role: Role) -> bool:
        found = self._profiled.get(role.arn)
        if found is None:
            found = self._profiled[role.arn] = bool(
                INSTANCE_PROFILES.find_by(self.view, "role", role.role_name))
        return found

    def _trust_admits_iam(self, role: Role, trust: PolicyInput) -> bool:
        """Whether the role's trust policy has an Allow for sts:AssumeRole whose Principal
        can name an IAM user or role ("*", an "AWS" entry, or NotPrincipal): one that
        names only services or identity providers lets none of them in."""
        found = self._admits.get(role.arn)
        if found is None:
            found = False
            for _, st in PolicySet((trust,)).for_action("sts:assumerole")[0]:
                principal = st.statement.principal
                if not st.is_deny and (st.statement.not_principal is not None or (
                        principal is not None and (principal.wildcard or any(
                            kind == "AWS" for kind, _ in principal.entries)))):
                    found = True
                    break
            self._admits[role.arn] = found
        return found

    # ------------------------------------------------------------------ the search

    def hops(self, actor: Actor) -> list[Hop]:
        """Every principal `actor` can act as, each way (memoized: every start shares them).
        Users are tried only when the actor may be allowed the action at all: the prefilter
        keeps the work near-linear in the number of principals."""
        return list(self._hops_of(actor))

    def _hops_of(self, actor: Actor) -> Iterator[Hop]:
        """hops(actor), found as they are asked for: a search that has what it needs
        stops asking, and the next one goes on from where this one stopped."""
        lazy = self._hops.get(actor.arn)
        if lazy is None:
            lazy = self._hops[actor.arn] = _Lazy(self._find_hops(actor))
        return iter(lazy)

    def _find_hops(self, actor: Actor) -> Iterator[Hop]:
        for arn in [*self._user_targets(actor), *self._role_arns]:
            target = self.actors[arn]
            if target.arn == actor.arn:
                continue
            for steps, needs in self.becomes(actor, target):
                yield Hop(target, tuple(steps), needs)

    def _user_targets(self, actor: Actor) -> list[str]:
        """The users `actor` may be allowed to take over (CreateAccessKey, a login
        profile), in the store's order: every user when one request on a user its
        statements do not name specifically is allowed, else only the users they name."""
        actions = [a for a in _USER_TAKEOVERS if self._may_allow(actor, a)]
        named: set[str] = set()
        for action in actions:
            specific = self._specific(actor, action)
            if specific is None:
                return self._user_arns
            other = next((a for a in self._user_arns if a not in specific), None)
            if other is not None and self._allows(actor, action, other):
                return self._user_arns
            named |= specific
        return sorted(named & self._user_set, key=self._position.__getitem__)

    def self_grants(self, actor: Actor) -> list[list[EscalationStep]]:
        """Ways `actor` makes itself an administrator (memoized)."""
        found = self._self_grants.get(actor.arn)
        if found is None:
            found = self._self_grants[actor.arn] = list(self.grants(actor, actor))
        return found

    def paths_for(self, start: Actor) -> list[EscalationPath]:
        """Every path by which `start` becomes an administrator, shortest first: breadth
        first over the principals it can act as (each reached by its shortest chains, at
        most MAX_HOPS principals long), then, at each, its being administrator, granting
        itself that, or `start` granting it. Bounded by MAX_PATHS and deduplicated: once
        MAX_PATHS paths are known that no longer path can displace, work that could only
        yield longer paths is skipped (the result is the same)."""
        best = _BestPaths()
        for grant in self.self_grants(start):
            best.add(grant, None)
        reached = {start.arn}
        frontier: list[tuple[Actor, tuple[EscalationStep, ...], str | None]] = \
            [(start, (), None)]
        for _ in range(MAX_HOPS - 1):
            following: list[tuple[Actor, tuple[EscalationStep, ...], str | None]] = []
            arrived: set[str] = set()
            for actor, steps, existing in frontier:
                for hop in self._hops_of(actor):
                    if best.settled(len(steps) + 1, existing):
                        break  # and the search ends with this level: MAX_PATHS are known
                    if hop.target.arn in reached:
                        continue
                    path, needs = steps + hop.steps, existing or hop.needs
                    target = self.actors[hop.target.arn]  # hops may be shared with a derived
                    if self.is_admin(target):
                        best.add(path, needs)
                        continue  # an administrator needs no further hop
                    if not best.settled(len(path) + 1, needs):
                        for grant in [*self.self_grants(target), *self._grants_by_start(
                                start, target)]:
                            best.add(path + tuple(grant), needs)
                    arrived.add(target.arn)
                    following.append((target, path, needs))
            if best.seen >= MAX_PATHS:
                break
            reached |= arrived
            frontier = following
        return best.paths()

    def _grants_by_start(self, start: Actor, target: Actor) -> list[list[EscalationStep]]:
        """What `start`, the attacker, can grant a principal it acts as (memoized)."""
        key = (start.arn, target.arn)
        found = self._start_grants.get(key)
        if found is None:
            found = self._start_grants[key] = list(self.grants(start, target))
        return found

    def findings(self, principal_arns: Sequence[str] = ()) -> list[EscalationFinding]:
        """One finding for every principal (of `principal_arns`, or all) that is or can
        become an administrator."""
        out: list[EscalationFinding] = []
        chosen = [self.actors[a] for a in principal_arns if a in self.actors] \
            if principal_arns else list(self.actors.values())
        for actor in chosen:
            if self.is_admin(actor):
                out.append(EscalationFinding(actor.arn, True))
                continue
            paths = self.paths_for(actor)
            if paths:
                out.append(EscalationFinding(actor.arn, False, tuple(paths)))
        return out


    # ------------------------------------------------------------------ fixes

    def with_inline_policy(self, arn: str, policy_name: str,
                           document: str) -> EscalationAnalysis:
        """This analysis as it would be once principal `arn`'s inline policy `policy_name`
        holds `document`: in memory, the store untouched. What does not depend on that
        principal's policies (every other principal's hops and grants) is kept."""
        actor = self.actors[arn]
        source = PolicySourceType(actor.kind)
        identity = [PolicyInput(compile_policy(document), policy_name, source)] + [
            p for p in actor.policies.identity.inputs
            if not (p.source_type == source and
                    p.source_id.casefold() == policy_name.casefold())]
        return self.with_policies(arn, PrincipalPolicies(PolicySet(identity),
                                                         actor.policies.boundaries))

    def with_policies(self, arn: str, policies: PrincipalPolicies, *,
                      groups: list[Group] | None = None,
                      detached: str = "") -> EscalationAnalysis:
        """This analysis with principal `arn` holding `policies` (in memory), and, when
        the change is a membership or an attachment, a user in `groups` only or without
        the customer managed policy `detached` attached."""
        actor = self.actors[arn]
        derived = copy.copy(self)
        derived.actors = {**self.actors, arn: replace(actor, policies=policies)}
        for name in _POLICY_MEMOS:  # what depends on the principal's policies is redone
            setattr(derived, name, _Overlay(getattr(self, name), arn))
        if groups is not None:
            derived._member_of = {**self._member_of, actor.name: groups}
            derived._attached = {k: v for k, v in self._attached.items() if k != arn}
        if detached:
            derived._attached = {**self._attached, arn: [
                a for a in self._attached_customer_policies(actor) if a != detached]}
        return derived

    def with_trust_policy(self, role_arn: str, document: str) -> EscalationAnalysis:
        """This analysis with role `role_arn` trusting as `document` says (in memory):
        every principal's ways to act as the role are found again."""
        actor = self.actors[role_arn]
        assert isinstance(actor.record, Role)
        derived = copy.copy(self)
        derived.actors = {**self.actors, role_arn: replace(
            actor, record=replace(actor.record, assume_role_policy_document=document))}
        for name in _POLICY_MEMOS:
            setattr(derived, name, _Overlay(getattr(self, name), role_arn))
        derived._hops = {}  # any principal's hops may go through the role
        derived._start_grants = {}
        for name in ("_trust_inputs", "_admits", "_role_edges"):
            setattr(derived, name, {k: v for k, v in getattr(self, name).items()
                                    if k != role_arn})
        return derived

    def fix_for(self, principal_arn: str, path: EscalationPath,
                path_index: int = 0) -> ProposedFix | None:
        """The least disruptive change that breaks `path`: a Deny for one of its steps,
        added to the principal making it, preferring a step `principal_arn` makes itself
        (nobody else loses anything) on a named resource (rather than "*"). Each candidate
        is checked by running the analysis again with it: the first after which the path
        is gone is proposed; None when none is (the step's principal cannot take an inline
        policy: a service-linked role)."""
        key = path_key(path.steps)
        seen: set[tuple[str, str, str]] = set()
        for step in sorted(path.steps, key=lambda s: (s.via != principal_arn,
                                                      s.resource == "*")):
            actor = self.actors.get(step.via)
            if step.statement_id is None or actor is None or (step.action, step.resource,
                                                             step.via) in seen:
                continue  # a step no statement decided (the rewritten trust policy's)
            seen.add((step.action, step.resource, step.via))
            if isinstance(actor.record, Role) and actor.record.path.startswith(
                    PROTECTED_ROLE_PATHS):
                continue
            statement = deny_statement(step)
            existing = INLINE_POLICIES.get(
                self.view, f"{owner_key(actor.kind, actor.name)}#{FIX_POLICY_NAME.casefold()}")
            document = with_statement(existing.document if existing else None, statement)
            derived = self.with_inline_policy(actor.arn, FIX_POLICY_NAME, document)
            if all(path_key(p.steps) != key
                   for p in derived.paths_for(derived.actors[principal_arn])):
                return ProposedFix(principal_arn, path_index, step, actor.kind, actor.name,
                                   json.dumps(statement, separators=(",", ":")), document)
        return None

    def propose_fixes(self, findings: Sequence[EscalationFinding]) -> list[ProposedFix]:
        """A verified fix (see `fix_for`) for each path of each finding that has one."""
        fixes: list[ProposedFix] = []
        for finding in findings:
            for index, path in enumerate(finding.paths):
                fix = self.fix_for(finding.principal_arn, path, index)
                if fix is not None:
                    fixes.append(fix)
        return fixes


T = TypeVar("T")
# EscalationAnalysis's memos whose entries can depend on a principal's policies, each keyed
# by that principal's ARN or by a tuple holding it.
_POLICY_MEMOS = ("_admin_memo", "_admin_with_memo", "_hops", "_self_grants", "_start_grants",
                 "_may", "_choices", "_self_tags", "_steps", "_verdicts", "_specific_memo",
                 "_hits", "_edge_memo", "_verdict_sets")


class _Overlay(dict):  # type: ignore[type-arg]
    """A derived analysis's memo: its own entries, then its parent's, except those that
    name `arn` (the principal whose policies changed): they are computed again."""

    def __init__(self, parent: dict[Any, Any], arn: str) -> None:
        super().__init__()
        self._parent, self._arn = parent, arn

    def _inherited(self, key: Any) -> bool:
        stale = key == self._arn if isinstance(key, str) else self._arn in key
        return not stale and key in self._parent

    def __contains__(self, key: object) -> bool:
        return dict.__contains__(self, key) or self._inherited(key)

    def __missing__(self, key: Any) -> Any:
        if self._inherited(key):
            return self._parent[key]
        raise KeyError(key)

    def get(self, key: Any, default: Any = None) -> Any:
        if dict.__contains__(self, key):
            return dict.__getitem__(self, key)
        return self._parent[key] if self._inherited(key) else default



class _Lazy(Generic[T]):
    """A sequence computed as far as it is read, each item once, by any number of readers
    in turn."""

    def __init__(self, source: Iterator[T]) -> None:
        self.items: list[T] = []
        self._source: Iterator[T] | None = source

    def __iter__(self) -> Iterator[T]:
        index = 0
        while True:
            if index < len(self.items):
                yield self.items[index]
                index += 1
                continue
            if self._source is None:
                return
            item = next(self._source, _END)
            if item is _END:
                self._source = None
                return
            self.items.append(item)  # type: ignore[arg-type]


_END = object()


class _BestPaths:
    """The MAX_PATHS first paths in the order paths_for returns them (fewest steps, then
    those that need no unseen resource, then first found), among every distinct path added:
    what sorting them all and keeping MAX_PATHS gives, without keeping them all."""

    def __init__(self) -> None:
        self.keys: set[tuple[tuple[str, str, str], ...]] = set()
        self.kept: dict[tuple[tuple[str, str, str], ...], EscalationPath] = {}
        self.heap: list[tuple[int, int, int, tuple[tuple[str, str, str], ...]]] = []

    @property
    def seen(self) -> int:
        """How many distinct paths were added."""
        return len(self.keys)

    def settled(self, steps: int, needs: str | None) -> bool:
        """Whether no path of at least `steps` steps (needing a resource, if `needs`) can
        be among the first MAX_PATHS any more."""
        if len(self.heap) < MAX_PATHS:
            return False
        worst_steps, worst_needs = -self.heap[0][0], -self.heap[0][1]
        return (worst_steps, worst_needs) <= (steps, int(needs is not None))

    def add(self, steps: Sequence[EscalationStep], needs: str | None) -> None:
        key = path_key(steps)
        if key in self.keys:
            return
        self.keys.add(key)
        if self.settled(len(steps), needs):
            return
        order = len(self.keys)
        heapq.heappush(self.heap, (-len(steps), -int(needs is not None), -order, key))
        self.kept[key] = EscalationPath(tuple(steps), needs)
        if len(self.heap) > MAX_PATHS:
            del self.kept[heapq.heappop(self.heap)[3]]

    def paths(self) -> list[EscalationPath]:
        return sorted(self.kept.values(), key=lambda p: (
            len(p.steps), p.requires_existing_resource is not None))


_USER_TAKEOVERS = ("iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile")
# Context keys whose values are the acting principal's and no request changes.
_FIXED_KEYS = frozenset({"aws:username", "aws:userid", "aws:principalarn",
                         "aws:principalaccount", "aws:principaltype"})


_VARIABLE = re.compile(r"\$\{([^}]*)\}")


def _fixed_value(name: str, ctx: RequestContext) -> str:
    """A `${name}` variable's value for a prefix: the context's when `name` is a fixed
    key with one value, else "$" (which ends the literal prefix there)."""
    entry = ctx.get(name.lower()) if name.lower() in _FIXED_KEYS else None
    return entry.values[0] if entry is not None and len(entry.values) == 1 else "$"


@functools.lru_cache(maxsize=4096)
def _fixed_variables(patterns: WildcardSet) -> bool:
    """Whether every policy variable in `patterns` names a key in _FIXED_KEYS."""
    return all(v.key.lower() in _FIXED_KEYS for pattern in patterns.patterns
               for v in variables_in(tokenize(pattern, variables=True, wildcards=True)))


def _attacker_sets(key_lower: str) -> bool:
    """Whether the attacker may give the key a value of its choosing: one it writes into
    its request, or its own principal tag (when it may retag itself, checked apart)."""
    return key_lower in ATTACKER_KEYS or key_lower.startswith(
        (*ATTACKER_KEY_PREFIXES, "aws:principaltag/"))


def _values_for(condition: Any, ctx: RequestContext, *, holds: bool) -> Iterator[ContextEntry]:
    """Entries for `condition`'s key under which it holds (or, `holds` False, does not),
    given the rest of `ctx`: tried are the values it names, those its policy variables
    stand for in `ctx`, and one it does not name."""
    resolved = [v for key in condition.context_keys()[1:]
                for v in (ctx.get(key.lower()).values if ctx.get(key.lower()) else ())]
    kind = "stringList" if condition.spec.qualifier is not None else "string"
    for value in dict.fromkeys([*condition.values, *resolved, "iamtui-other"]):
        if "${" in value:
            continue
        entry = ContextEntry(condition.key, (value,), kind)
        if condition.holds(RequestContext([*ctx._entries.values(), entry])) == holds:
            yield entry


@functools.lru_cache(maxsize=1024)  # the same few entries, asked for at every grant
def _entry(key: str, value: str) -> ContextEntry:
    return ContextEntry(key, (value,), "string")


class EscalationOperations(ServiceCore):
    """find-privilege-escalation, and applying a proposed fix."""

    def find_privilege_escalation(self, caller: Principal,
                                  principal_arns: Sequence[str] = ()) -> list[EscalationFinding]:
        """Every user and role that is, or can make itself, an administrator, with each
        path. Reads every policy of the account: authorized as
        iam:GetAccountAuthorizationDetails on "*"."""
        return list(self.analyse_privilege_escalation(caller, principal_arns).findings)

    def analyse_privilege_escalation(self, caller: Principal,
                                     principal_arns: Sequence[str] = (), *,
                                     propose_fixes: bool = False) -> EscalationReport:
        """find_privilege_escalation's findings and, with `propose_fixes`, a verified fix
        for each path (ProposedFix). Authorized as iam:GetAccountAuthorizationDetails."""
        view = self._read(caller, "GetAccountAuthorizationDetails", "*",
                          params={"principalArns": list(principal_arns),
                                  "privilegeEscalation": True})
        analysis = EscalationAnalysis(view, self.account_id, self.clock())
        findings = analysis.findings(principal_arns)
        if not propose_fixes:
            return EscalationReport(tuple(findings))
        finder = FixFinder(analysis)
        candidates = [c for f in findings for i, p in enumerate(f.paths)
                      for c in finder.candidates(f.principal_arn, p, i)]
        return EscalationReport(tuple(findings), tuple(analysis.propose_fixes(findings)),
                                tuple(candidates))

    def apply_fix_candidate(self, caller: Principal, fix: FixCandidate) -> None:
        """Apply one change as the IAM request it is, authorized and audited as if made
        by hand: PutUserPolicy / PutRolePolicy (the Deny merged into the inline policy as
        it is now), Detach{User,Role}Policy, Delete{User,Role}Policy, RemoveUserFromGroup,
        or UpdateAssumeRolePolicy (the entry taken out of the trust policy as it is now)."""
        params, kind = fix.parameters, fix.kind
        owner_kind = "user" if "UserName" in params else "role"
        owner = params.get("UserName") or params.get("RoleName", "")
        if kind == "DenyStatement":
            self.apply_escalation_fix(caller, ProposedFix(
                fix.principal_arn, fix.path_index, fix.breaks, owner_kind, owner,
                fix.statement, params["PolicyDocument"], params["PolicyName"]))
        elif kind == "DetachPolicy":
            self.detach_policy(  # type: ignore[attr-defined]
                caller, owner_kind, owner, params["PolicyArn"])
        elif kind == "DeleteInlinePolicy":
            self.delete_owner_policy(  # type: ignore[attr-defined]
                caller, owner_kind, owner, params["PolicyName"])
        elif kind == "RemoveFromGroup":
            self.remove_user_from_group(  # type: ignore[attr-defined]
                caller, params["GroupName"], params["UserName"])
        elif kind == "NarrowTrustPolicy":
            role = self.get_role(caller, params["RoleName"])  # type: ignore[attr-defined]
            document = without_principal(role.assume_role_policy_document,
                                         fix.removed_principal)
            if document is None:  # changed since: writing the old proposal would undo that
                raise NoSuchEntity(f"The trust policy of role {role.role_name} no longer "
                                   f"names {fix.removed_principal} beside another principal.")
            self.update_assume_role_policy(  # type: ignore[attr-defined]
                caller, params["RoleName"], document)
        else:
            raise ValueError(f"unknown fix kind {kind}")

    def apply_escalation_fix(self, caller: Principal, fix: ProposedFix) -> InlinePolicy:
        """Apply a proposed fix as the ordinary requests it is: GetUserPolicy (or
        GetRolePolicy) to read the inline policy FIX_POLICY_NAME as it is now, then
        PutUserPolicy (PutRolePolicy) with the fix's Deny statement added to it; each
        authorized and audited as if made by hand (AccessDenied, LimitExceeded for the
        inline policy quota, UnmodifiableEntity... as those operations answer)."""
        try:
            current: str | None = self.get_owner_policy(  # type: ignore[attr-defined]
                caller, fix.owner_kind, fix.owner_name, fix.policy_name).document
        except NoSuchEntity:
            current = None  # the first fix for this principal creates the policy
        document = with_statement(current, json.loads(fix.statement))
        return self.put_owner_policy(  # type: ignore[attr-defined]
            caller, fix.owner_kind, fix.owner_name, fix.policy_name, document)


__all__ = [
    "ADMIN_PROBES",
    "FIX_POLICY_NAME",
    "SERVICE_EDGES",
    "EscalationAnalysis",
    "EscalationFinding",
    "EscalationOperations",
    "EscalationPath",
    "EscalationReport",
    "EscalationStep",
    "FixCandidate",
    "ProposedFix",
    "deny_statement",
    "path_key",
    "with_statement",
]
