"""`iamtui init` (create the store, its account and the root user), the account alias and
the account summary."""

from __future__ import annotations

import argparse

from iamtui.commands.registry import ArgumentError, Response, arg, command
from iamtui.commands.session import read_secret, session


@command("init", "Create a store with its account and root user.",
         arg("--account-id", help="the 12-digit account ID (default: a random one)"),
         arg("--alias", help="the account alias"))
def run_init(args: argparse.Namespace) -> Response:
    from iamtui.service import IamService

    password = read_secret("Root password: ", from_stdin=args.root_password_stdin)
    if not args.root_password_stdin:
        again = read_secret("Root password again: ", from_stdin=False)
        if again != password:
            raise ArgumentError("The two passwords differ; nothing was created.")
    service = IamService.initialize(args.db, root_password=password,
                                    account_id=args.account_id, alias=args.alias)
    try:
        account = service.account()
        data = {"Account": {"AccountId": account.account_id, "AccountAlias": account.alias,
                            "Store": str(service.store.path)},
                "Advice": "Don't use the root user day to day: create an administrator user "
                          "and sign in as it."}
    finally:
        service.close()
    return Response(data)


_ALIAS = arg("--account-alias", required=True, help="the account alias")


@command("create-account-alias", "Set the account's alias (it replaces any: one per account).",
         _ALIAS)
def run_create_account_alias(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        svc.create_account_alias(caller, args.account_alias)
    return Response({})


@command("delete-account-alias", "Remove the account's alias.", _ALIAS)
def run_delete_account_alias(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        svc.delete_account_alias(caller, args.account_alias)
    return Response({})


@command("list-account-aliases", "List the account's alias (one at most).")
def run_list_account_aliases(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        aliases = svc.list_account_aliases(caller)
    return Response({"AccountAliases": aliases, "IsTruncated": False},
                    table=[[a] for a in aliases], headers=["AccountAlias"])


@command("set-security-token-service-preferences", "Set the version of the session tokens "
         "STS's global endpoint issues (v1Token or v2Token; GetAccountSummary shows it).",
         arg("--global-endpoint-token-version", required=True,
             help="v1Token (Regions enabled by default) or v2Token (every Region)"))
def run_set_security_token_service_preferences(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        svc.set_security_token_service_preferences(caller,
                                                   args.global_endpoint_token_version)
    return Response({})


@command("get-account-summary", "IAM's entity counts and quotas in the account.")
def run_get_account_summary(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        summary = svc.get_account_summary(caller)
    return Response({"SummaryMap": summary},
                    table=[[k, str(v)] for k, v in sorted(summary.items())],
                    headers=["Key", "Value"])
