"""Group commands: create-group, get-group, list-groups, update-group, delete-group,
add-user-to-group, remove-user-from-group, list-groups-for-user."""

from __future__ import annotations

import argparse

from iamtui.commands.common import path_listing, register_path_commands
from iamtui.commands.registry import Response, arg, command
from iamtui.commands.session import session
from iamtui.model import aws_group, aws_user

_GROUP = arg("--group-name", required=True, help="the group's name")
_USER = arg("--user-name", required=True, help="the user's name")


@command("create-group", "Create an IAM group.", _GROUP,
         arg("--path", default="/", help="the group's path (default /)"))
def run_create_group(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        group = svc.create_group(caller, args.group_name, path=args.path)
    return Response({"Group": aws_group(group)})


@command("get-group", "Show a group and the users in it.", _GROUP)
def run_get_group(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        detail = svc.get_group(caller, args.group_name)
    users = detail.users
    return Response({"Group": aws_group(detail.group),
                     "Users": [aws_user(u, listing=True) for u in users]},
                    table=[[u.user_name, u.arn] for u in users], headers=["UserName", "Arn"])


register_path_commands(
    "group", _GROUP, aws_group,
    delete_help="Delete a group (refused while it has members or policies).",
    cascade_help="remove its members, inline and attached policies first")


@command("add-user-to-group", "Add a user to a group.", _GROUP, _USER)
def run_add_user_to_group(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        svc.add_user_to_group(caller, args.group_name, args.user_name)
    return Response({})


@command("remove-user-from-group", "Remove a user from a group.", _GROUP, _USER)
def run_remove_user_from_group(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        svc.remove_user_from_group(caller, args.group_name, args.user_name)
    return Response({})


@command("list-groups-for-user", "List the groups a user belongs to.", _USER)
def run_list_groups_for_user(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        return path_listing("group", svc.list_groups_for_user(caller, args.user_name),
                            aws_group)
