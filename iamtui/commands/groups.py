"""Group commands: create-group, get-group, list-groups, update-group, delete-group,
add-user-to-group, remove-user-from-group, list-groups-for-user."""

from __future__ import annotations

import argparse

from iamtui.commands.registry import Response, arg, command
from iamtui.commands.session import session
from iamtui.model import Group, aws_group, aws_user

_GROUP = arg("--group-name", required=True, help="the group's name")
_USER = arg("--user-name", required=True, help="the user's name")


def groups_table(groups: list[Group]) -> Response:
    """A list-groups / list-groups-for-user response and its table."""
    return Response({"Groups": [aws_group(g, listing=True) for g in groups]},
                    table=[[g.group_name, g.path, g.arn, g.create_date.strftime("%Y-%m-%d")]
                           for g in groups], headers=["GroupName", "Path", "Arn", "Created"])


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


@command("list-groups", "List groups, optionally under a path prefix.",
         arg("--path-prefix", default="/", help="only groups whose path starts with this"))
def run_list_groups(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        return groups_table(svc.list_groups(caller, path_prefix=args.path_prefix))


@command("update-group", "Rename a group or change its path.", _GROUP,
         arg("--new-group-name", help="the new name"), arg("--new-path", help="the new path"))
def run_update_group(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        svc.update_group(caller, args.group_name, new_group_name=args.new_group_name,
                         new_path=args.new_path)
    return Response({})


@command("delete-group", "Delete a group (refused while it has members or policies).",
         _GROUP, arg("--cascade", action="store_true",
                     help="remove its members, inline and attached policies first"))
def run_delete_group(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        svc.delete_group(caller, args.group_name, cascade=args.cascade)
    return Response({})


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
        return groups_table(svc.list_groups_for_user(caller, args.user_name))
