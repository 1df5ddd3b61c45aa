"""Last accessed information: generate-service-last-accessed-details,
get-service-last-accessed-details(-with-entities), list-policies-granting-service-access.

The Get operations take MaxItems and Marker (IAM API Reference) but botocore gives them no
paginator, so the AWS CLI passes --max-items and --marker to the API as they are: one page.
"""

from __future__ import annotations

import argparse

from iamtui.commands.paging import SERVER_PAGE_ARGS, server_page_of
from iamtui.commands.registry import Response, arg, command
from iamtui.commands.session import session

_JOB = arg("--job-id", required=True, help="the JobId generate-service-last-accessed-details "
           "returned")
@command("generate-service-last-accessed-details", "Start a report of the services a user, "
         "group, role or policy allows and when each was last used; prints its JobId.",
         arg("--arn", required=True, help="the user's, group's, role's or policy's ARN"),
         arg("--granularity", default="SERVICE_LEVEL",
             help="SERVICE_LEVEL (default) or ACTION_LEVEL"))
def run_generate_service_last_accessed_details(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        return Response({"JobId": svc.generate_service_last_accessed_details(
            caller, args.arn, args.granularity)})


@command("get-service-last-accessed-details", "The report of a generate-service-last-"
         "accessed-details job: each service and when it was last used.", _JOB, *SERVER_PAGE_ARGS)
def run_get_service_last_accessed_details(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        job = svc.get_service_last_accessed_details(caller, args.job_id)
    data = server_page_of(job.to_aws(), "ServicesLastAccessed", args)
    return Response(data, table=[[s["ServiceNamespace"], s["ServiceName"],
                                  job.access.get(s["ServiceNamespace"], ""),
                                  s.get("LastAuthenticated", "Not accessed in the tracking "
                                        "period"), s.get("LastAuthenticatedEntity", "")]
                                 for s in data["ServicesLastAccessed"]],
                    headers=["Namespace", "Service", "Access", "LastAuthenticated",
                             "Entity"])


@command("get-service-last-accessed-details-with-entities", "The users and roles that count "
         "for a job's report, and when each last used one service.", _JOB,
         arg("--service-namespace", required=True, help="a service prefix, e.g. iam"),
         *SERVER_PAGE_ARGS)
def run_get_service_last_accessed_details_with_entities(args: argparse.Namespace
                                                        ) -> Response:
    with session(args) as (svc, caller):
        data = svc.get_service_last_accessed_details_with_entities(
            caller, args.job_id, args.service_namespace)
    data = server_page_of(data, "EntityDetailsList", args)
    return Response(data, table=[[e["EntityInfo"]["Type"], e["EntityInfo"]["Name"],
                                  e.get("LastAuthenticated", "")]
                                 for e in data["EntityDetailsList"]],
                    headers=["Type", "Name", "LastAuthenticated"])


@command("list-policies-granting-service-access", "The policies of a user, group or role "
         "that allow each of the given services.",
         arg("--arn", required=True, help="the user's, group's or role's ARN"),
         arg("--service-namespaces", required=True, nargs="+", metavar="NAMESPACE",
             help="service prefixes, e.g. iam s3"),
         arg("--marker", help="the Marker of the previous page"))
def run_list_policies_granting_service_access(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        found = svc.list_policies_granting_service_access(caller, args.arn,
                                                          args.service_namespaces)
    return Response({"PoliciesGrantingServiceAccess": found, "IsTruncated": False},
                    table=[[item["ServiceNamespace"], p["PolicyName"], p["PolicyType"],
                            p.get("EntityName", p.get("PolicyArn", ""))]
                           for item in found for p in item["Policies"]],
                    headers=["Namespace", "PolicyName", "PolicyType", "Entity/Arn"])
