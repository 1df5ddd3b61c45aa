"""Resource-based policy commands (iamtui's own; `aws iam` has none):
put-resource-policy, get-resource-policy, delete-resource-policy, list-resource-policies.

Their answers follow the AWS CLI's conventions: PascalCase keys, '+00:00' dates, and
the policy document as a JSON object."""

from __future__ import annotations

import argparse
import json
from typing import Any

from iamtui.commands.registry import Response, arg, command, read_document
from iamtui.commands.session import session
from iamtui.model import ResourcePolicy, aws_timestamp

_RESOURCE_ARN = arg("--resource-arn", required=True, metavar="ARN",
                    help="the resource's ARN, e.g. arn:aws:s3:::my-bucket")


def aws_resource_policy(policy: ResourcePolicy, *, listing: bool = False) -> dict[str, Any]:
    """{"ResourceArn", "PolicyDocument" (a JSON object), "UpdateDate"}; listings leave the
    document out."""
    out: dict[str, Any] = {"ResourceArn": policy.resource_arn}
    if not listing:
        try:
            out["PolicyDocument"] = json.loads(policy.policy_document)
        except ValueError:
            out["PolicyDocument"] = policy.policy_document
    out["UpdateDate"] = aws_timestamp(policy.update_date)
    return out


@command("put-resource-policy", "Store a resource-based policy for a resource ARN "
         "(iamtui's own command).", _RESOURCE_ARN,
         arg("--policy-document", required=True, metavar="JSON",
             help="the policy document: JSON text or file://PATH"))
def run_put_resource_policy(args: argparse.Namespace) -> Response:
    document = read_document(args.policy_document, "--policy-document")
    with session(args) as (svc, caller):
        stored = svc.put_resource_policy(caller, args.resource_arn, document)
    return Response({"ResourcePolicy": aws_resource_policy(stored, listing=True)})


@command("get-resource-policy", "Show the resource-based policy of a resource ARN.",
         _RESOURCE_ARN)
def run_get_resource_policy(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        stored = svc.get_resource_policy(caller, args.resource_arn)
    return Response({"ResourcePolicy": aws_resource_policy(stored)})


@command("delete-resource-policy", "Remove the resource-based policy of a resource ARN.",
         _RESOURCE_ARN)
def run_delete_resource_policy(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        svc.delete_resource_policy(caller, args.resource_arn)
    return Response({})


@command("list-resource-policies", "List the resources that have a resource-based policy.",
         arg("--arn-prefix", default="", help="only resources whose ARN starts with this"))
def run_list_resource_policies(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        found = svc.list_resource_policies(caller, arn_prefix=args.arn_prefix)
    return Response({"ResourcePolicies": [aws_resource_policy(p, listing=True) for p in found]},
                    table=[[p.resource_arn, p.update_date.strftime("%Y-%m-%d %H:%M")]
                           for p in found], headers=["ResourceArn", "Updated"])
