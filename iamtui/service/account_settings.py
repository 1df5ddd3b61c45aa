"""The account alias: CreateAccountAlias and DeleteAccountAlias, as one "set or clear" op.

IAM API Reference, CreateAccountAlias (an account has at most one alias; creating one
replaces it) and DeleteAccountAlias (NoSuchEntity when the account has no alias); both
are authorized as their own actions on "*" and audited like any change.
"""

from __future__ import annotations

from dataclasses import replace

from iamtui.arn import validate_account_alias
from iamtui.errors import NoSuchEntity
from iamtui.model import Account
from iamtui.service.core import Principal, ServiceCore


class AccountSettingsOperations(ServiceCore):
    """The account's alias, which sign-in accepts in place of its ID."""

    def update_account_alias(self, caller: Principal, alias: str | None) -> Account:
        """Set the alias (CreateAccountAlias, replacing any) or, with None, remove it
        (DeleteAccountAlias). Returns the account as it now is."""
        if alias is None:
            with self._change(caller, "DeleteAccountAlias", "*", {}) as change:
                account = Account.from_record(change.tx.meta["account"])
                if account.alias is None:
                    raise NoSuchEntity("The account has no alias.")
                account = replace(account, alias=None)
                change.tx.meta["account"] = account.to_record()
            return account
        validate_account_alias(alias)
        with self._change(caller, "CreateAccountAlias", "*", {"accountAlias": alias}) as change:
            account = replace(Account.from_record(change.tx.meta["account"]), alias=alias)
            change.tx.meta["account"] = account.to_record()
        return account


__all__ = ["AccountSettingsOperations"]
