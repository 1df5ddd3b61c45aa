"""get-account-authorization-details, and its inverse import-account-authorization-details."""

from __future__ import annotations

import argparse

from iamtui.commands.registry import (
    EXPORT_READ_LIMIT,
    ArgumentError,
    Response,
    arg,
    command,
    read_document,
)
from iamtui.commands.session import session
from iamtui.errors import InvalidInput
from iamtui.model import AUTHORIZATION_DETAILS_FILTERS as FILTERS
from iamtui.service.account_details import parse_authorization_details


@command("get-account-authorization-details",
         "Every user, group, role and policy with their policies, in AWS's shape.",
         arg("--filter", nargs="+", default=[], choices=FILTERS, metavar="TYPE",
             help="only these kinds: " + " ".join(FILTERS)))
def run_get_account_authorization_details(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        details = svc.get_account_authorization_details(caller, args.filter)
    rows = [[kind, e.get(name_key, ""), e["Arn"]]
            for key, kind, name_key in (("UserDetailList", "User", "UserName"),
                                        ("GroupDetailList", "Group", "GroupName"),
                                        ("RoleDetailList", "Role", "RoleName"),
                                        ("Policies", "Policy", "PolicyName"))
            for e in details.get(key, ())]
    return Response(details, table=rows, headers=["Kind", "Name", "Arn"])


@command("import-account-authorization-details",
         "Load the output of `aws iam get-account-authorization-details` (one transaction).",
         arg("details", metavar="file://PATH",
             help="the export: file://PATH, or the JSON text itself"),
         arg("--map-account-id", nargs="+", default=[], metavar="ACCOUNT_ID",
             help="export accounts to import as this store's account (their ID is rewritten "
                  "in ARNs and documents)"))
def run_import_account_authorization_details(args: argparse.Namespace) -> Response:
    text = read_document(args.details, "details", limit=EXPORT_READ_LIMIT)
    try:
        details = parse_authorization_details(text)
    except InvalidInput as exc:  # the CLI's usage error, as for any bad parameter
        raise ArgumentError(f"Error parsing parameter 'details': {exc.message}") from None
    with session(args) as (svc, caller):
        summary = svc.import_account_authorization_details(caller, details,
                                                           map_accounts=args.map_account_id)
    counts = summary.to_aws()
    return Response(counts, table=[[k, str(v)] for k, v in counts.items()],
                    headers=["Imported", "Count"])
