"""Instance profile commands: create-, get-, list-, delete-instance-profile,
add-/remove-role-to/from-instance-profile, list-instance-profiles-for-role and the tags."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from iamtui.commands.common import parse_tags, register_tag_commands
from iamtui.commands.registry import Response, arg, command
from iamtui.commands.session import session
from iamtui.model import aws_instance_profile

_PROFILE = arg("--instance-profile-name", required=True, help="the instance profile's name")
_ROLE = arg("--role-name", required=True, help="the role's name")


def _listed(found: Sequence[Any]) -> Response:
    """The InstanceProfiles list of ListInstanceProfiles / ListInstanceProfilesForRole."""
    return Response({"InstanceProfiles": [aws_instance_profile(p, r, listing=True)
                                          for p, r in found]},
                    table=[[p.instance_profile_name, p.path, p.arn,
                            ", ".join(x.role_name for x in r)] for p, r in found],
                    headers=["InstanceProfileName", "Path", "Arn", "Roles"])


@command("create-instance-profile", "Create an instance profile (a container for one role).",
         _PROFILE, arg("--path", default="/", help="the instance profile's path (default /)"),
         arg("--tags", nargs="+", metavar="TAG", help="Key=k,Value=v ..."))
def run_create_instance_profile(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        profile = svc.create_instance_profile(caller, args.instance_profile_name,
                                              path=args.path, tags=parse_tags(args.tags))
    return Response({"InstanceProfile": aws_instance_profile(profile)})


@command("get-instance-profile", "Show an instance profile and its role.", _PROFILE)
def run_get_instance_profile(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        profile, roles = svc.get_instance_profile(caller, args.instance_profile_name)
    return Response({"InstanceProfile": aws_instance_profile(profile, roles)})


@command("list-instance-profiles", "List instance profiles, optionally under a path prefix.",
         arg("--path-prefix", default="/", help="only profiles whose path starts with this"))
def run_list_instance_profiles(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        return _listed(svc.list_instance_profiles(caller, path_prefix=args.path_prefix))


@command("list-instance-profiles-for-role", "List the instance profiles that hold a role.",
         _ROLE)
def run_list_instance_profiles_for_role(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        return _listed(svc.list_instance_profiles_for_role(caller, args.role_name))


@command("delete-instance-profile", "Delete an instance profile (refused while it holds a "
         "role).", _PROFILE,
         arg("--cascade", action="store_true", help="remove its role first"))
def run_delete_instance_profile(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        svc.delete_instance_profile(caller, args.instance_profile_name, cascade=args.cascade)
    return Response({})


@command("add-role-to-instance-profile", "Put a role in an instance profile (one role each).",
         _PROFILE, _ROLE)
def run_add_role_to_instance_profile(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        svc.add_role_to_instance_profile(caller, args.instance_profile_name, args.role_name)
    return Response({})


@command("remove-role-from-instance-profile", "Take a role out of an instance profile.",
         _PROFILE, _ROLE)
def run_remove_role_from_instance_profile(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        svc.remove_role_from_instance_profile(caller, args.instance_profile_name,
                                              args.role_name)
    return Response({})


register_tag_commands("instance-profile", _PROFILE, "an instance profile")
