"""User commands: create-user, get-user, list-users, update-user, delete-user, tags."""

from __future__ import annotations

import argparse

from iamtui.commands.common import parse_tags, register_tag_commands
from iamtui.commands.registry import Response, arg, command
from iamtui.commands.session import session
from iamtui.model import aws_user

_USER = arg("--user-name", required=True, help="the user's name")


def users_table(users: list) -> Response:
    """A list-users response and its table."""
    return Response({"Users": [aws_user(u, listing=True) for u in users]},
                    table=[[u.user_name, u.path, u.arn, u.create_date.strftime("%Y-%m-%d")]
                           for u in users], headers=["UserName", "Path", "Arn", "Created"])


@command("create-user", "Create an IAM user.", _USER,
         arg("--path", default="/", help="the user's path (default /)"),
         arg("--permissions-boundary", metavar="POLICY_ARN", help="a managed policy's ARN"),
         arg("--tags", nargs="+", metavar="TAG", help="Key=k,Value=v ..."))
def run_create_user(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        user = svc.create_user(caller, args.user_name, path=args.path,
                               permissions_boundary=args.permissions_boundary,
                               tags=parse_tags(args.tags))
    return Response({"User": aws_user(user)})


@command("get-user", "Show a user (the caller's own without --user-name).",
         arg("--user-name", help="the user's name"))
def run_get_user(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        user = svc.get_user(caller, args.user_name)
    return Response({"User": aws_user(user)})


@command("list-users", "List users, optionally under a path prefix.",
         arg("--path-prefix", default="/", help="only users whose path starts with this"))
def run_list_users(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        return users_table(svc.list_users(caller, path_prefix=args.path_prefix))


@command("update-user", "Rename a user or change its path.", _USER,
         arg("--new-user-name", help="the new name"), arg("--new-path", help="the new path"))
def run_update_user(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        svc.update_user(caller, args.user_name, new_user_name=args.new_user_name,
                        new_path=args.new_path)
    return Response({})


@command("delete-user", "Delete a user (refused while it has keys, groups or policies).",
         _USER, arg("--cascade", action="store_true",
                    help="remove its keys, password, MFA, groups and policies first"))
def run_delete_user(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        svc.delete_user(caller, args.user_name, cascade=args.cascade)
    return Response({})


register_tag_commands("user", _USER, "a user")
