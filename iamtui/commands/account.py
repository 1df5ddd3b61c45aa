"""`iamtui init`: create the store, its account and the root user."""

from __future__ import annotations

import argparse

from iamtui.commands.registry import ArgumentError, Response, arg, command
from iamtui.commands.session import read_secret


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
