"""AWS's API model of the IAM operations iamtui mirrors, as far as its CLI needs it: each
operation's name, input members and types, skeletons and paginator, and IAM's waiters.

The data (iamtui/data/aws_cli.json) is derived from botocore's service-2.json,
paginators-1.json and waiters-2.json by tests/aws_model.py, and tests/test_cli_model.py checks
it still matches; it is read on first use only, so a command that needs none of it does not
pay for parsing it.
"""

from __future__ import annotations

import json
import os
from functools import cache
from typing import Any

# IAM's paginators (paginators-1.json), by CLI name: result keys, non-aggregate keys. Every
# one pages by Marker / MaxItems / IsTruncated. Kept here, not in the data file, because the
# parser needs it at every start (tests/test_cli_model.py checks it against botocore's).
PAGINATORS: dict[str, tuple[list[str], list[str]]] = {
    "get-account-authorization-details": (
        ["UserDetailList", "GroupDetailList", "RoleDetailList", "Policies"], []),
    "get-group": (["Users"], ["Group"]),
    "list-access-keys": (["AccessKeyMetadata"], []),
    "list-account-aliases": (["AccountAliases"], []),
    "list-attached-group-policies": (["AttachedPolicies"], []),
    "list-attached-role-policies": (["AttachedPolicies"], []),
    "list-attached-user-policies": (["AttachedPolicies"], []),
    "list-entities-for-policy": (["PolicyGroups", "PolicyUsers", "PolicyRoles"], []),
    "list-group-policies": (["PolicyNames"], []),
    "list-groups": (["Groups"], []),
    "list-groups-for-user": (["Groups"], []),
    "list-instance-profile-tags": (["Tags"], []),
    "list-instance-profiles": (["InstanceProfiles"], []),
    "list-instance-profiles-for-role": (["InstanceProfiles"], []),
    "list-mfa-device-tags": (["Tags"], []),
    "list-mfa-devices": (["MFADevices"], []),
    "list-open-id-connect-provider-tags": (["Tags"], []),
    "list-policies": (["Policies"], []),
    "list-policy-tags": (["Tags"], []),
    "list-policy-versions": (["Versions"], []),
    "list-role-policies": (["PolicyNames"], []),
    "list-role-tags": (["Tags"], []),
    "list-roles": (["Roles"], []),
    "list-saml-provider-tags": (["Tags"], []),
    "list-server-certificate-tags": (["Tags"], []),
    "list-server-certificates": (["ServerCertificateMetadataList"], []),
    "list-signing-certificates": (["Certificates"], []),
    "list-ssh-public-keys": (["SSHPublicKeys"], []),
    "list-user-policies": (["PolicyNames"], []),
    "list-user-tags": (["Tags"], []),
    "list-users": (["Users"], []),
    "list-virtual-mfa-devices": (["VirtualMFADevices"], []),
    "simulate-custom-policy": (["EvaluationResults"], []),
    "simulate-principal-policy": (["EvaluationResults"], []),
}

# iamtui's own list operations (AWS has no such operation): paged like IAM's, by these keys.
OWN_PAGINATORS: dict[str, list[str]] = {
    "list-resource-policies": ["ResourcePolicies"],
    "lookup-events": ["Events"],
    "list-role-sessions": ["Sessions"],
}


@cache
def _data() -> dict[str, Any]:
    path = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", "aws_cli.json")
    with open(path, encoding="utf-8") as file:
        return json.load(file)


def operation(command: str) -> dict[str, Any] | None:
    """The model of the IAM operation `command` mirrors, or None for iamtui's own."""
    return _data()["operations"].get(command)


# Operations of other services (STS) whose names capitalizing each word would not spell.
OTHER_SERVICE_NAMES = {"assume-role-with-saml": "AssumeRoleWithSAML"}


def operation_name(command: str) -> str:
    """AWS's name of the operation (`ListMFADevices`), or one made the same way for
    iamtui's own commands (`simulate-custom-policy` -> `SimulateCustomPolicy`)."""
    model = operation(command)
    if model is not None:
        return model["operation"]
    if command in OTHER_SERVICE_NAMES:
        return OTHER_SERVICE_NAMES[command]
    return "".join(part.capitalize() for part in command.split("-"))


def result_keys(command: str) -> list[str] | None:
    """The keys a paginated operation's pages add up (its paginator's result_key)."""
    if command in OWN_PAGINATORS:
        return OWN_PAGINATORS[command]
    return PAGINATORS[command][0] if command in PAGINATORS else None


def non_aggregate_keys(command: str) -> list[str]:
    """Keys taken from a paginated operation's first page only (get-group's Group)."""
    return PAGINATORS[command][1] if command in PAGINATORS else []


def waiters() -> dict[str, Any]:
    """IAM's waiters (user-exists, ...): operation, delay, max attempts and acceptors."""
    return _data()["waiters"]
