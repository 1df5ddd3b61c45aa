"""User commands: create-user, get-user, list-users, update-user, delete-user, tags."""

from __future__ import annotations

import argparse

from iamtui.commands.common import parse_tags, register_path_commands, register_tag_commands
from iamtui.commands.registry import Response, arg, command
from iamtui.commands.session import session
from iamtui.model import aws_user

_USER = arg("--user-name", required=True, help="the user's name")


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


register_path_commands(
    "user", _USER, aws_user,
    delete_help="Delete a user (refused while it has keys, groups or policies).",
    cascade_help="remove its keys, password, MFA, groups and policies first")
register_tag_commands("user", _USER, "a user")
