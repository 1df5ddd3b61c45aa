"""The policy documents that apply to a user, group or role, read through the public
operations (each authorized as the caller, as the IAM console reads them for its policy
summary): the owner's inline and attached policies, and a user's groups'."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from iamtui.service import IamService, Principal


def owner_documents(service: IamService, caller: Principal, kind: str,
                    name: str) -> list[str]:
    """Every document that applies to the user, group or role `name` (IAM User Guide,
    policy evaluation logic: a user's own and its groups' policies); raises IamError
    when the caller may not read one."""
    owners = [(kind, name)]
    if kind == "user":
        owners += [("group", g.group_name) for g in service.list_groups_for_user(caller, name)]
    documents = []
    for owner_kind, owner_name in owners:
        for policy in service.list_attached_policies(caller, owner_kind, owner_name):
            documents.append(service.get_policy_version(
                caller, policy.arn, policy.default_version_id).document)
        for policy_name in service.list_owner_policies(caller, owner_kind,  # type: ignore[arg-type]
                                                       owner_name):
            documents.append(service.get_owner_policy(caller, owner_kind,  # type: ignore[arg-type]
                                                      owner_name, policy_name).document)
    return documents


def managed_document(service: IamService, caller: Principal, arn: str) -> str:
    """The default version's document of the managed policy `arn`."""
    policy = service.get_policy(caller, arn)
    return service.get_policy_version(caller, arn, policy.default_version_id).document
