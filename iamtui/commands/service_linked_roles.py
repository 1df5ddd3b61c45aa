"""Service-linked role commands: create-service-linked-role, delete-service-linked-role,
get-service-linked-role-deletion-status."""

from __future__ import annotations

import argparse

from iamtui.commands.registry import Response, arg, command
from iamtui.commands.roles import created_role
from iamtui.commands.session import session


@command("create-service-linked-role", "Create the role an AWS service uses, linked to it "
         "(only the service may change it).",
         arg("--aws-service-name", required=True, metavar="SERVICE",
             help="the service principal, e.g. elasticbeanstalk.amazonaws.com"),
         arg("--description", help="what the role is for"),
         arg("--custom-suffix", metavar="SUFFIX",
             help="added to the role's name: AWSServiceRoleFor<Service>_SUFFIX"))
def run_create_service_linked_role(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        role = svc.create_service_linked_role(caller, args.aws_service_name,
                                              description=args.description,
                                              custom_suffix=args.custom_suffix)
    return Response({"Role": created_role(role)})


@command("delete-service-linked-role", "Delete a service-linked role (answers a deletion "
         "task to follow with get-service-linked-role-deletion-status).",
         arg("--role-name", required=True, help="the service-linked role's name"))
def run_delete_service_linked_role(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        task_id = svc.delete_service_linked_role(caller, args.role_name)
    return Response({"DeletionTaskId": task_id})


@command("get-service-linked-role-deletion-status", "How a service-linked role's deletion "
         "went.", arg("--deletion-task-id", required=True, metavar="TASK_ID",
                      help="the DeletionTaskId delete-service-linked-role answered"))
def run_get_service_linked_role_deletion_status(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        status = svc.get_service_linked_role_deletion_status(caller, args.deletion_task_id)
    return Response(status.to_aws())
