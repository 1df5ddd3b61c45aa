"""simulate-principal-policy: the flags of simulate-custom-policy, for a stored principal."""

from __future__ import annotations

import argparse

from iamtui.commands.policy import (
    ACTION_NAMES_ARG,
    CONTEXT_ENTRIES_ARG,
    RESOURCE_ARNS_ARG,
    RESOURCE_OWNER_ARG,
    _account,
    compile_inputs,
    context_keys_response,
    evaluation_response,
    parse_context_entries,
)
from iamtui.commands.registry import Response, arg, command
from iamtui.commands.session import session
from iamtui.policy import PolicyType


@command("simulate-principal-policy",
         "Simulate how a user's, group's or role's policies decide actions on resources.",
         arg("--policy-source-arn", required=True, metavar="ARN",
             help="the user, group or role whose policies to simulate"),
         ACTION_NAMES_ARG,
         RESOURCE_ARNS_ARG,
         arg("--policy-input-list", nargs="+", default=[], metavar="DOC",
             help="more identity-based policies to include (JSON text or file://PATH)"),
         arg("--permissions-boundary-policy-input-list", nargs="+", default=None,
             metavar="DOC", help="a permissions boundary to use instead of the principal's"),
         arg("--resource-policy", metavar="DOC",
             help="a resource-based policy for every resource (else each resource's stored "
                  "one, and a role's trust policy for sts:AssumeRole)"),
         RESOURCE_OWNER_ARG,
         arg("--caller-arn", metavar="ARN",
             help="the principal making the request (default: the source user)"),
         CONTEXT_ENTRIES_ARG,
         arg("--fill-principal-context", action="store_true",
             help="fill aws:username, aws:userid, aws:PrincipalArn, aws:PrincipalTag/... "
                  "from the source principal where --context-entries gives none (AWS's "
                  "simulator does not)"))
def run_simulate_principal_policy(args: argparse.Namespace) -> Response:
    added = compile_inputs(args.policy_input_list, "--policy-input-list", "PolicyInputList")
    boundary = (None if args.permissions_boundary_policy_input_list is None else
                compile_inputs(args.permissions_boundary_policy_input_list,
                               "--permissions-boundary-policy-input-list",
                               "PermissionsBoundaryPolicyInputList"))
    resource_policy = (compile_inputs([args.resource_policy], "--resource-policy",
                                      "ResourcePolicy", PolicyType.RESOURCE)[0]
                       if args.resource_policy is not None else None)
    context = parse_context_entries(args.context_entries)
    with session(args) as (svc, caller):
        results = svc.simulate_principal_policy(
            caller, args.policy_source_arn, args.action_names, args.resource_arns,
            policy_input_list=added, permissions_boundary_policy_input_list=boundary,
            context_entries=context, caller_arn=args.caller_arn,
            resource_policy=resource_policy,
            resource_owner=_account(args.resource_owner) if args.resource_owner else None,
            fill_principal_context=args.fill_principal_context)
    return evaluation_response(results)


@command("get-context-keys-for-principal-policy",
         "List the context keys that a user's, group's or role's policies read.",
         arg("--policy-source-arn", required=True, metavar="ARN",
             help="the user, group or role whose policies to read (a user's groups' too)"),
         arg("--policy-input-list", nargs="+", default=[], metavar="DOC",
             help="more policies to include (JSON text or file://PATH)"))
def run_get_context_keys_for_principal_policy(args: argparse.Namespace) -> Response:
    added = compile_inputs(args.policy_input_list, "--policy-input-list", "PolicyInputList")
    with session(args) as (svc, caller):
        names = svc.get_context_keys_for_principal_policy(caller, args.policy_source_arn,
                                                          added)
    return context_keys_response(names)
