"""The account alias: CreateAccountAlias, DeleteAccountAlias and ListAccountAliases; and
SetSecurityTokenServicePreferences.

IAM API Reference, CreateAccountAlias (3 to 63 lowercase letters, digits and single hyphens,
neither first nor last) and the AWS Sign-In User Guide, "Creating, deleting, and listing an
AWS account alias": an account has one alias at most, and creating a new one replaces the
old, so the quota of one alias is never exceeded (LimitExceeded cannot happen) and, with one
account per store, no other account can hold the alias (EntityAlreadyExists neither).
DeleteAccountAlias names the alias it deletes: NoSuchEntity when the account has not that
one. All three are authorized as their own actions on "*" (they have no resource type) and
audited like any request.

IAM API Reference, SetSecurityTokenServicePreferences: GlobalEndpointTokenVersion v1Token
(valid in the Regions enabled by default) or v2Token (valid in every Region); the version in
force shows as GlobalEndpointTokenVersion (1 or 2) in GetAccountSummary's SummaryMap.
iamtui's tokens work wherever its store is, so the setting is kept and reported only.
"""

from __future__ import annotations

from dataclasses import replace

from iamtui.arn import validate_account_alias
from iamtui.errors import NoSuchEntity, ValidationError
from iamtui.model import Account
from iamtui.service.core import Principal, ServiceCore

TOKEN_VERSIONS = {"v1Token": 1, "v2Token": 2}
TOKEN_VERSION_META = "global_endpoint_token_version"


def global_endpoint_token_version(meta: dict) -> int:
    """GetAccountSummary's GlobalEndpointTokenVersion: 1 unless v2Token was set."""
    return TOKEN_VERSIONS[meta.get(TOKEN_VERSION_META, "v1Token")]


class AccountSettingsOperations(ServiceCore):
    """The account's alias, which sign-in accepts in place of its ID, and its STS token
    version preference."""

    def set_security_token_service_preferences(self, caller: Principal,
                                               global_endpoint_token_version: str) -> None:
        """SetSecurityTokenServicePreferences: v1Token or v2Token (ValidationError for
        anything else), authorized as iam:SetSecurityTokenServicePreferences on "*"."""
        if global_endpoint_token_version not in TOKEN_VERSIONS:
            raise ValidationError(
                f"1 validation error detected: Value '{global_endpoint_token_version}' at "
                "'globalEndpointTokenVersion' failed to satisfy constraint: Member must "
                "satisfy enum value set: [v1Token, v2Token]")
        with self._change(caller, "SetSecurityTokenServicePreferences", "*",
                          {"globalEndpointTokenVersion": global_endpoint_token_version}
                          ) as change:
            change.tx.meta[TOKEN_VERSION_META] = global_endpoint_token_version

    def create_account_alias(self, caller: Principal, account_alias: str) -> Account:
        """CreateAccountAlias: set the alias, replacing any. Returns the account."""
        validate_account_alias(account_alias)
        with self._change(caller, "CreateAccountAlias", "*",
                          {"accountAlias": account_alias}) as change:
            account = replace(Account.from_record(change.tx.meta["account"]),
                              alias=account_alias)
            change.tx.meta["account"] = account.to_record()
        return account

    def delete_account_alias(self, caller: Principal, account_alias: str) -> Account:
        """DeleteAccountAlias: remove the alias `account_alias`; NoSuchEntity when the
        account has no such alias. Returns the account."""
        validate_account_alias(account_alias)
        with self._change(caller, "DeleteAccountAlias", "*",
                          {"accountAlias": account_alias}) as change:
            account = Account.from_record(change.tx.meta["account"])
            if account.alias != account_alias:
                raise NoSuchEntity(f"The account alias {account_alias} cannot be found.")
            account = replace(account, alias=None)
            change.tx.meta["account"] = account.to_record()
        return account

    def list_account_aliases(self, caller: Principal) -> list[str]:
        """ListAccountAliases: the alias, as a list of at most one."""
        view = self._read(caller, "ListAccountAliases", "*", params={})
        alias = Account.from_record(view.meta["account"]).alias
        return [] if alias is None else [alias]

    def update_account_alias(self, caller: Principal, alias: str | None) -> Account:
        """The account settings screen's "set or clear": CreateAccountAlias, or with None
        DeleteAccountAlias of the current alias (NoSuchEntity when there is none)."""
        if alias is not None:
            return self.create_account_alias(caller, alias)
        current = self.account().alias
        if current is None:
            # still a request, authorized and audited as one, refused as AWS refuses it
            with self._change(caller, "DeleteAccountAlias", "*", {"accountAlias": None}):
                raise NoSuchEntity("The account has no alias.")
        return self.delete_account_alias(caller, current)


__all__ = ["TOKEN_VERSIONS", "AccountSettingsOperations", "global_endpoint_token_version"]
