"""Role commands: create-role, get-role, list-roles, update-role,
update-assume-role-policy, delete-role, tag-role, untag-role, list-role-tags."""

from __future__ import annotations

import argparse

from iamtui.commands.common import parse_tags, register_tag_commands
from iamtui.commands.registry import Response, arg, command, read_document
from iamtui.commands.session import session
from iamtui.model import DEFAULT_MAX_SESSION_DURATION, Role, aws_role

_ROLE = arg("--role-name", required=True, help="the role's name")


def created_role(role: Role) -> dict[str, object]:
    """The Role of create-role's answer (and create-service-linked-role's)."""
    # create-role answers without RoleLastUsed, which only get-role reports
    shape = aws_role(role)
    shape.pop("RoleLastUsed", None)
    return shape


@command("create-role", "Create an IAM role with its trust policy.", _ROLE,
         arg("--assume-role-policy-document", required=True, metavar="JSON",
             help="the trust policy: JSON text or file://PATH"),
         arg("--path", default="/", help="the role's path (default /)"),
         arg("--description", help="what the role is for"),
         arg("--max-session-duration", type=int, default=DEFAULT_MAX_SESSION_DURATION,
             metavar="SECONDS", help="3600 to 43200 (default 3600)"),
         arg("--permissions-boundary", metavar="POLICY_ARN", help="a managed policy's ARN"),
         arg("--tags", nargs="+", metavar="TAG", help="Key=k,Value=v ..."))
def run_create_role(args: argparse.Namespace) -> Response:
    document = read_document(args.assume_role_policy_document, "--assume-role-policy-document")
    with session(args) as (svc, caller):
        role = svc.create_role(caller, args.role_name, document, path=args.path,
                               description=args.description,
                               max_session_duration=args.max_session_duration,
                               permissions_boundary=args.permissions_boundary,
                               tags=parse_tags(args.tags))
    return Response({"Role": created_role(role)})


@command("get-role", "Show a role.", _ROLE)
def run_get_role(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        role = svc.get_role(caller, args.role_name)
    return Response({"Role": aws_role(role)})


@command("list-roles", "List roles, optionally under a path prefix.",
         arg("--path-prefix", default="/", help="only roles whose path starts with this"))
def run_list_roles(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        roles = svc.list_roles(caller, path_prefix=args.path_prefix)
    return Response({"Roles": [aws_role(r, listing=True) for r in roles]},
                    table=[[r.role_name, r.path, r.arn, str(r.max_session_duration)]
                           for r in roles],
                    headers=["RoleName", "Path", "Arn", "MaxSessionDuration"])


@command("update-role", "Change a role's description or maximum session duration.", _ROLE,
         arg("--description", help="the new description"),
         arg("--max-session-duration", type=int, metavar="SECONDS", help="3600 to 43200"))
def run_update_role(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        svc.update_role(caller, args.role_name, description=args.description,
                        max_session_duration=args.max_session_duration)
    return Response({})


@command("update-role-description", "Change only a role's description.", _ROLE,
         arg("--description", required=True, help="the new description"))
def run_update_role_description(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        role = svc.update_role_description(caller, args.role_name, args.description)
    return Response({"Role": aws_role(role)})


@command("update-assume-role-policy", "Replace a role's trust policy.", _ROLE,
         arg("--policy-document", required=True, metavar="JSON",
             help="the trust policy: JSON text or file://PATH"))
def run_update_assume_role_policy(args: argparse.Namespace) -> Response:
    document = read_document(args.policy_document, "--policy-document")
    with session(args) as (svc, caller):
        svc.update_assume_role_policy(caller, args.role_name, document)
    return Response({})


@command("delete-role", "Delete a role (refused while it has policies).", _ROLE,
         arg("--cascade", action="store_true",
             help="delete its inline policies and detach its managed policies first"))
def run_delete_role(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        svc.delete_role(caller, args.role_name, cascade=args.cascade)
    return Response({})


register_tag_commands("role", _ROLE, "a role")
