"""SimulatePrincipalPolicy: the permission tester asked about a stored user, group or role.

Semantics from the IAM API reference (SimulatePrincipalPolicy): the simulation includes
every policy of the entity (for a user, its groups' policies too) and its permissions
boundary; PolicyInputList adds policies, PermissionsBoundaryPolicyInputList replaces the
boundary; CallerArn defaults to the source user's ARN and is required with a
ResourcePolicy when the source is no user. Two additions of ours: a resource ARN's stored
resource-based policy is evaluated when no ResourcePolicy is given, and so is a role's
trust policy for sts:AssumeRole* on the role's ARN (AWS's simulator leaves both out).

The request context is what the caller gives, as AWS's simulator does: the API reference
says ContextEntries supply each context key "whenever a context key is evaluated", and
the GetContextKeysForPrincipalPolicy example lists aws:username among the keys you must
supply. A key a policy needs and nobody gave is reported in MissingContextValues.
`fill_principal_context=True` (our `--fill-principal-context`) fills in what the source
principal implies (aws:username, aws:userid, aws:PrincipalArn, aws:PrincipalAccount,
aws:PrincipalType, aws:PrincipalTag/*) where the caller gave nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from iamtui.arn import split_iam_resource
from iamtui.errors import InvalidInput, NoSuchEntity
from iamtui.model import Group, Role, User
from iamtui.policy import Caller, ContextEntry, EvalResult, PolicyInput, simulation
from iamtui.policy.simulation import context_key_names
from iamtui.service.core import Principal, ServiceCore, View
from iamtui.service.tables import GROUPS, ROLES, USERS

Source = User | Group | Role


def principal_context(source: Source, account_id: str) -> list[ContextEntry]:
    """The context keys a request by `source` would carry (none for a group; a role's
    as a session of it named "simulation")."""
    tags = [(t.key, t.value) for t in source.tags] if not isinstance(source, Group) else []
    if isinstance(source, User):
        return simulation.principal_context("user", source.arn, account_id, source.user_id,
                                            username=source.user_name, tags=tags)
    if isinstance(source, Role):
        return simulation.principal_context("assumed-role", source.arn, account_id,
                                            f"{source.role_id}:simulation", tags=tags)
    return []


def policy_source(view: View, arn: str) -> tuple[str, str, Source]:
    """The kind (user, group, role), name and record of the entity `arn` names
    (NoSuchEntity as GetUser/GetGroup/GetRole)."""
    kind, _, name = split_iam_resource(arn)
    found: Source | None = None
    if kind == "user":
        found = USERS.find_one(view, "arn", arn)
    elif kind == "role":
        found = ROLES.find_one(view, "arn", arn)
    elif kind == "group":
        group = GROUPS.find_one(view, "name", name)
        found = group if group is not None and group.arn == arn else None
    else:
        raise InvalidInput(f"PolicySourceArn {arn} must be the ARN of a user, group or "
                           "role.")
    if found is None:
        raise NoSuchEntity(f"The {kind} with name {name} cannot be found.")
    own_name = (found.user_name if isinstance(found, User) else
                found.role_name if isinstance(found, Role) else found.group_name)
    return kind, own_name, found


class SimulationOperations(ServiceCore):
    """simulate-principal-policy."""

    def get_context_keys_for_principal_policy(
            self, caller: Principal, policy_source_arn: str,
            policy_input_list: Sequence[PolicyInput] = ()) -> list[str]:
        """GetContextKeysForPrincipalPolicy: the condition keys that the user's, group's or
        role's identity-based policies (a user's groups' included) and `policy_input_list`
        read, each once, in the order first met. Authorized as its action on the source."""
        view = self._read(caller, "GetContextKeysForPrincipalPolicy", policy_source_arn,
                          params={"policySourceArn": policy_source_arn})
        kind, name, _ = policy_source(view, policy_source_arn)
        return context_key_names([*self.policies_of(view, kind, name).identity,
                                  *policy_input_list])

    def simulate_principal_policy(
            self, caller: Principal, policy_source_arn: str, action_names: Sequence[str],
            resource_arns: Sequence[str] = ("*",), *,
            policy_input_list: Sequence[PolicyInput] = (),
            permissions_boundary_policy_input_list: Sequence[PolicyInput] | None = None,
            context_entries: Sequence[ContextEntry] = (), caller_arn: str | None = None,
            resource_policy: PolicyInput | None = None, resource_owner: str | None = None,
            fill_principal_context: bool = False) -> list[EvalResult]:
        """SimulatePrincipalPolicy: every action on every resource, for the source's policies.

        Authorized as iam:SimulatePrincipalPolicy on the source ARN. The results are in
        action-major order, as AWS lists them; `to_aws()` gives each EvaluationResult.
        """
        request = simulation.check_request(action_names, resource_arns, context_entries)
        view = self._read(caller, "SimulatePrincipalPolicy", policy_source_arn,
                          params={"policySourceArn": policy_source_arn,
                                  "actionNames": list(action_names),
                                  "resourceArns": list(request.resources),
                                  "callerArn": caller_arn})
        kind, name, source = policy_source(view, policy_source_arn)
        if resource_policy is not None and caller_arn is None and kind != "user":
            raise InvalidInput("CallerArn is required when a ResourcePolicy is specified and "
                               "the PolicySourceArn is not the ARN of an IAM user.")
        own = self.policies_of(view, kind, name)
        identity = (*own.identity, *policy_input_list)
        boundaries = (tuple(permissions_boundary_policy_input_list)
                      if permissions_boundary_policy_input_list is not None else own.boundaries)
        simulated_caller = (Caller.from_arn(caller_arn) if caller_arn else
                            Caller.from_arn(source.arn) if kind in ("user", "role") else None)
        if fill_principal_context:
            request = request.with_context(simulation.merge_context(
                principal_context(source, self.account_id), request.context))
        return simulation.simulate(
            request, identity, boundaries=boundaries, caller=simulated_caller,
            resource_owner=resource_owner, resource_policy=resource_policy,
            stored_resource_policy=lambda action, resource: self.resource_policy_input(
                view, action, resource))
