"""Policy commands that need no store: simulate, list context keys, validate."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence

from iamtui.commands.registry import ArgumentError, Response, arg, command, read_document, require
from iamtui.errors import InvalidInput, MalformedPolicyDocument, ValidationException
from iamtui.policy import (
    Caller,
    ContextEntry,
    EvalResult,
    PolicyInput,
    PolicySourceType,
    PolicyType,
    compile_policy,
    explain,
    load_json,
    simulation,
)
from iamtui.policy.grammar import LOCALES, POLICY_TYPES, RESOURCE_TYPES

# The flags simulate-custom-policy and simulate-principal-policy share.
ACTION_NAMES_ARG = arg("--action-names", nargs="+", required=True, metavar="ACTION",
                       help="actions to simulate, e.g. s3:GetObject iam:CreateUser")
RESOURCE_ARNS_ARG = arg("--resource-arns", nargs="+", default=["*"], metavar="ARN",
                        help="resources to simulate against (default: *)")
RESOURCE_OWNER_ARG = arg("--resource-owner", metavar="ARN",
                         help="the account that owns the resources")
CONTEXT_ENTRIES_ARG = arg(
    "--context-entries", nargs="+", default=[], metavar="ENTRY",
    help='JSON list of {"ContextKeyName","ContextKeyValues","ContextKeyType"}, or '
         "ContextKeyName=k,ContextKeyValues=v1,v2,ContextKeyType=t per entry")
_SIMULATION_ARGS = (
    ACTION_NAMES_ARG,
    RESOURCE_ARNS_ARG,
    arg("--permissions-boundary-policy-input-list", nargs="+", default=[], metavar="DOC",
        help="permissions boundary documents (JSON text or file://PATH)"),
    arg("--resource-policy", metavar="DOC", help="a resource-based policy (JSON or file://)"),
    RESOURCE_OWNER_ARG,
    arg("--caller-arn", metavar="ARN", help="the principal making the request"),
    CONTEXT_ENTRIES_ARG,
)


def parse_context_entries(values: Sequence[str]) -> list[ContextEntry]:
    """`--context-entries`: AWS's JSON list, or the CLI's shorthand, one entry per value;
    each entry checked as AWS checks a ContextEntry."""
    entries: list[ContextEntry] = []
    for value in values:
        text = value.strip()
        if text.startswith(("[", "{")):
            try:
                parsed = load_json(text)
            except json.JSONDecodeError as exc:
                raise ArgumentError(f"Error parsing parameter '--context-entries': Invalid JSON: "
                                    f"{exc.msg} at line {exc.lineno}, column {exc.colno}") from None
            items = parsed if isinstance(parsed, list) else [parsed]
        else:
            items = [_shorthand_entry(text)]
        entries.extend(ContextEntry.from_aws(item) for item in items)
    return entries


def _shorthand_entry(text: str) -> dict[str, object]:
    """`ContextKeyName=k,ContextKeyValues=a,b,ContextKeyType=stringList`."""
    entry: dict[str, object] = {}
    current = None
    for part in text.split(","):
        name, eq, value = part.partition("=")
        if eq and name in ("ContextKeyName", "ContextKeyValues", "ContextKeyType"):
            current = name
            value = _unquote(value)
            entry[name] = [value] if name == "ContextKeyValues" else value
        elif current == "ContextKeyValues":
            entry["ContextKeyValues"].append(_unquote(part))  # type: ignore[union-attr]
        else:
            raise ArgumentError(f"Error parsing parameter '--context-entries': expected "
                                f"ContextKeyName=...,ContextKeyValues=...,ContextKeyType=..., "
                                f"got {text!r}")
    return entry


def _unquote(value: str) -> str:
    """The CLI's shorthand lets a value be quoted: `ContextKeyName='aws:CurrentTime'`."""
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def compile_inputs(documents: Sequence[str], option: str, id_prefix: str,
                   policy_type: PolicyType = PolicyType.IDENTITY) -> list[PolicyInput]:
    """Compile each document; a bad one fails naming which it was (`PolicyInputList.2`)."""
    inputs = []
    for number, value in enumerate(documents, start=1):
        source_id = f"{id_prefix}.{number}" if id_prefix != "ResourcePolicy" else id_prefix
        try:
            compiled = compile_policy(read_document(value, option), policy_type)
        except MalformedPolicyDocument as exc:
            raise MalformedPolicyDocument(f"{source_id}: {exc.message}") from None
        inputs.append(PolicyInput(compiled, source_id, PolicySourceType.NONE
                                  if policy_type is not PolicyType.RESOURCE
                                  else PolicySourceType.RESOURCE))
    return inputs


def simulate(identity: Sequence[PolicyInput], args: argparse.Namespace, *,
             boundaries: Sequence[PolicyInput] = ()) -> Response:
    """Evaluate every action on every resource (simulate-custom-policy); `--resource-policy`,
    when given, applies to every resource."""
    context = parse_context_entries(args.context_entries)
    resource_policy = None
    if args.resource_policy is not None:
        require(args.caller_arn is not None, "CallerArn is required when a ResourcePolicy is "
                "specified, so that its Principal element has a caller to match")
        resource_policy = compile_inputs([args.resource_policy], "--resource-policy",
                                         "ResourcePolicy", PolicyType.RESOURCE)[0]
    caller = Caller.from_arn(args.caller_arn) if args.caller_arn else None
    owner = _account(args.resource_owner) if args.resource_owner else None
    request = simulation.check_request(args.action_names, args.resource_arns, context)
    return evaluation_response(simulation.simulate(
        request, identity, boundaries=boundaries, caller=caller, resource_owner=owner,
        resource_policy=resource_policy))


def evaluation_response(results: Sequence[EvalResult]) -> Response:
    """The simulate-* response: AWS's EvaluationResults, and a table with the reasons."""
    return Response(
        {"EvaluationResults": [r.to_aws() for r in results], "IsTruncated": False},
        table=[[r.inputs.request.action, r.inputs.request.resource, r.decision,
                explain(r).summary] for r in results],
        headers=["Action", "Resource", "Decision", "Reason"])


def _account(value: str) -> str:
    """`--resource-owner` takes an account ARN (`arn:aws:iam::111122223333:root`) or an ID."""
    if value.isdigit() and len(value) == 12:
        return value
    parts = value.split(":")
    if len(parts) >= 5 and parts[0] == "arn" and parts[4].isdigit():
        return parts[4]
    raise InvalidInput(f"ResourceOwner {value!r} must be an account ARN such as "
                       "arn:aws:iam::111122223333:root")


@command("simulate-custom-policy",
         "Simulate how policies you supply decide actions on resources (no store needed).",
         arg("--policy-input-list", nargs="+", required=True, metavar="DOC",
             help="identity-based policy documents (JSON text or file://PATH)"),
         *_SIMULATION_ARGS)
def run_simulate_custom_policy(args: argparse.Namespace) -> Response:
    identity = compile_inputs(args.policy_input_list, "--policy-input-list", "PolicyInputList")
    boundaries = compile_inputs(args.permissions_boundary_policy_input_list,
                                "--permissions-boundary-policy-input-list",
                                "PermissionsBoundaryPolicyInputList")
    return simulate(identity, args, boundaries=boundaries)


@command("get-context-keys-for-custom-policy",
         "List the context keys that policies you supply read.",
         arg("--policy-input-list", nargs="+", required=True, metavar="DOC",
             help="policy documents (JSON text or file://PATH)"))
def run_get_context_keys_for_custom_policy(args: argparse.Namespace) -> Response:
    from iamtui.policy.simulation import context_key_names

    return context_keys_response(context_key_names(compile_inputs(
        args.policy_input_list, "--policy-input-list", "PolicyInputList")))


def context_keys_response(names: list[str]) -> Response:
    """GetContextKeysFor*Policy's answer (and its --explain rows)."""
    return Response({"ContextKeyNames": names}, table=[[n] for n in names],
                    headers=["ContextKeyName"])


@command("validate-policy",
         "Check a policy as IAM Access Analyzer's ValidatePolicy does: grammar, every AWS "
         "action, resource ARN format and condition key, and security best practices.",
         arg("--policy-document", required=True, metavar="DOC",
             help="the policy (JSON text or file://PATH)"),
         arg("--policy-type", default="IDENTITY_POLICY", choices=POLICY_TYPES,
             help="IDENTITY_POLICY (default), RESOURCE_POLICY, SERVICE_CONTROL_POLICY or "
                  "RESOURCE_CONTROL_POLICY"),
         arg("--validate-policy-resource-type", choices=RESOURCE_TYPES, metavar="TYPE",
             help="with RESOURCE_POLICY, the resource it is attached to: "
                  "AWS::IAM::AssumeRolePolicyDocument (a role's trust policy), "
                  "AWS::S3::Bucket, ... (" + ", ".join(RESOURCE_TYPES) + ")"),
         arg("--locale", choices=LOCALES, default="EN",
             help="the language of the findings (only EN is written; others fall back to it)"))
def run_validate_policy(args: argparse.Namespace) -> Response:
    text = read_document(args.policy_document, "--policy-document")
    resource_type = args.validate_policy_resource_type
    if resource_type is not None and args.policy_type != "RESOURCE_POLICY":
        raise ValidationException("validatePolicyResourceType can only be specified with the "
                                  "policy type RESOURCE_POLICY")
    from iamtui.policy.analyzer import analyze_policy  # reads the catalog: only here

    report = analyze_policy(text, args.policy_type, resource_type)
    return Response({"findings": [f.to_aws() for f in report.findings]},
                    table=[[f.finding_type.value, f.issue_code, f.where(), f.detail]
                           for f in report.findings],
                    headers=["Type", "Issue", "Where", "Detail"])
