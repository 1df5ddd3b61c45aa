"""Managed policy commands with `aws iam`'s flags and JSON answers: create-policy,
get-policy, list-policies, the policy version commands, delete-policy,
list-entities-for-policy and the policy tag commands."""

from __future__ import annotations

import argparse

from iamtui.commands.common import parse_tags, register_tag_commands
from iamtui.commands.registry import Response, arg, command, read_document
from iamtui.commands.session import session
from iamtui.model import ManagedPolicy, PolicyVersion, aws_policy, aws_policy_version

_POLICY_ARN = arg("--policy-arn", required=True, metavar="ARN", help="the managed policy's ARN")
_VERSION_ID = arg("--version-id", required=True, help="the version, e.g. v2")
_DOCUMENT = arg("--policy-document", required=True, metavar="JSON",
                help="the policy document: JSON text or file://PATH")


def policies_table(policies: list[ManagedPolicy]) -> Response:
    """A list-policies response and its table."""
    return Response({"Policies": [aws_policy(p, listing=True) for p in policies]},
                    table=[[p.policy_name, "AWS" if p.is_aws_managed else "Local",
                            p.default_version_id, p.attachment_count,
                            p.permissions_boundary_usage_count, p.arn] for p in policies],
                    headers=["PolicyName", "Scope", "Default", "Attached", "Boundary", "Arn"])


def versions_table(versions: list[PolicyVersion]) -> Response:
    """A list-policy-versions response and its table."""
    return Response({"Versions": [aws_policy_version(v, listing=True) for v in versions]},
                    table=[[v.version_id, "yes" if v.is_default_version else "",
                            v.create_date.strftime("%Y-%m-%d")] for v in versions],
                    headers=["VersionId", "Default", "Created"])


@command("create-policy", "Create a customer managed policy (its document becomes v1).",
         arg("--policy-name", required=True, help="the policy's name"), _DOCUMENT,
         arg("--path", default="/", help="the policy's path (default /)"),
         arg("--description", help="a description (cannot be changed later)"),
         arg("--tags", nargs="+", metavar="TAG", help="Key=k,Value=v ..."))
def run_create_policy(args: argparse.Namespace) -> Response:
    document = read_document(args.policy_document, "--policy-document")
    with session(args) as (svc, caller):
        policy = svc.create_policy(caller, args.policy_name, document, path=args.path,
                                   description=args.description, tags=parse_tags(args.tags))
    return Response({"Policy": aws_policy(policy)})


@command("get-policy", "Show a managed policy (customer or AWS managed).", _POLICY_ARN)
def run_get_policy(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        policy = svc.get_policy(caller, args.policy_arn)
    return Response({"Policy": aws_policy(policy)})


@command("list-policies", "List managed policies with their usage counts.",
         arg("--scope", default="All",
             help="AWS (AWS managed), Local (customer managed) or All (the default)"),
         arg("--only-attached", action="store_true",
             help="only policies attached to a user, group or role"),
         arg("--path-prefix", default="/", help="only policies whose path starts with this"),
         arg("--policy-usage-filter",
             help="PermissionsPolicy or PermissionsBoundary: only policies used this way"))
def run_list_policies(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        return policies_table(svc.list_policies(
            caller, scope=args.scope, only_attached=args.only_attached,
            path_prefix=args.path_prefix, policy_usage_filter=args.policy_usage_filter))


@command("delete-policy", "Delete a customer managed policy (refused while in use or with "
         "versions besides the default).", _POLICY_ARN,
         arg("--cascade", action="store_true",
             help="first detach it everywhere, remove it as a boundary and delete its other "
                  "versions"))
def run_delete_policy(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        svc.delete_policy(caller, args.policy_arn, cascade=args.cascade)
    return Response({})


@command("create-policy-version", "Add a version to a managed policy (at most 5).",
         _POLICY_ARN, _DOCUMENT,
         arg("--set-as-default", action="store_true", help="make it the version in effect"))
def run_create_policy_version(args: argparse.Namespace) -> Response:
    document = read_document(args.policy_document, "--policy-document")
    with session(args) as (svc, caller):
        version = svc.create_policy_version(caller, args.policy_arn, document,
                                            set_as_default=args.set_as_default)
    return Response({"PolicyVersion": aws_policy_version(version, listing=True)})


@command("get-policy-version", "Show one version of a managed policy with its document.",
         _POLICY_ARN, _VERSION_ID)
def run_get_policy_version(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        version = svc.get_policy_version(caller, args.policy_arn, args.version_id)
    return Response({"PolicyVersion": aws_policy_version(version)})


@command("list-policy-versions", "List the versions of a managed policy, newest first.",
         _POLICY_ARN)
def run_list_policy_versions(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        return versions_table(svc.list_policy_versions(caller, args.policy_arn))


@command("set-default-policy-version", "Make a version the one in effect.", _POLICY_ARN,
         _VERSION_ID)
def run_set_default_policy_version(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        svc.set_default_policy_version(caller, args.policy_arn, args.version_id)
    return Response({})


@command("delete-policy-version", "Delete a version that is not the default.", _POLICY_ARN,
         _VERSION_ID)
def run_delete_policy_version(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        svc.delete_policy_version(caller, args.policy_arn, args.version_id)
    return Response({})


@command("list-entities-for-policy", "List the groups, users and roles that use a policy.",
         _POLICY_ARN,
         arg("--entity-filter", help="User, Role or Group: only this kind"),
         arg("--path-prefix", default="/", help="only entities whose path starts with this"),
         arg("--policy-usage-filter",
             help="PermissionsPolicy (attached) or PermissionsBoundary (set as a boundary)"))
def run_list_entities_for_policy(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        found = svc.list_entities_for_policy(
            caller, args.policy_arn, entity_filter=args.entity_filter,
            path_prefix=args.path_prefix, policy_usage_filter=args.policy_usage_filter)
    rows = ([["Group", g.group_name, g.arn] for g in found.groups]
            + [["User", u.user_name, u.arn] for u in found.users]
            + [["Role", r.role_name, r.arn] for r in found.roles])
    return Response({
        "PolicyGroups": [{"GroupName": g.group_name, "GroupId": g.group_id}
                         for g in found.groups],
        "PolicyUsers": [{"UserName": u.user_name, "UserId": u.user_id} for u in found.users],
        "PolicyRoles": [{"RoleName": r.role_name, "RoleId": r.role_id} for r in found.roles],
    }, table=rows, headers=["Kind", "Name", "Arn"])


register_tag_commands("policy", _POLICY_ARN, "a customer managed policy",
                      listed_noun="a managed policy")
