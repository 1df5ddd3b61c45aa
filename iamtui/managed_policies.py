"""AWS managed policies shipped with iamtui, loaded lazily from package data.

They are read-only: `is_aws_managed=True`, account 'aws' in their ARNs
(`arn:aws:iam::aws:policy/PATH/NAME`). See iamtui/data/README.md for their source.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from iamtui.arn import UNIQUE_ID_PREFIXES, name_key
from iamtui.errors import NoSuchEntity
from iamtui.model import ManagedPolicy, PolicyVersion, parse_timestamp

DATA_FILE = "aws_managed_policies.json"


@dataclass(frozen=True, slots=True)
class AwsManagedPolicy:
    """An AWS managed policy and its default version (the only one shipped)."""

    policy: ManagedPolicy
    default_version: PolicyVersion

    @property
    def arn(self) -> str:
        """The policy's ARN."""
        return self.policy.arn

    @property
    def document(self) -> str:
        """The default version's policy document as JSON text."""
        return self.default_version.document

    def document_json(self) -> dict[str, Any]:
        """The default version's policy document parsed into a new dict."""
        return json.loads(self.default_version.document)


def _derived_policy_id(arn: str) -> str:
    # A stable ANPA... ID for an entry the export did not carry one for.
    digest = base64.b32encode(hashlib.sha256(arn.encode()).digest()).decode()
    return UNIQUE_ID_PREFIXES["policy"] + digest[:17]


def _build(entry: dict[str, Any]) -> AwsManagedPolicy:
    created = parse_timestamp(entry["CreateDate"])
    updated = parse_timestamp(entry["UpdateDate"])
    policy = ManagedPolicy(
        policy_name=entry["PolicyName"],
        policy_id=entry.get("PolicyId") or _derived_policy_id(entry["Arn"]),
        arn=entry["Arn"],
        create_date=created,
        update_date=updated,
        path=entry["Path"],
        default_version_id=entry["DefaultVersionId"],
        description=entry.get("Description"),
        is_aws_managed=True,
    )
    version = PolicyVersion(
        policy_arn=entry["Arn"],
        version_id=entry["DefaultVersionId"],
        document=json.dumps(entry["Document"], indent=4),
        is_default_version=True,
        create_date=updated,
    )
    return AwsManagedPolicy(policy, version)


@functools.cache
def _load() -> dict[str, AwsManagedPolicy]:
    text = resources.files("iamtui.data").joinpath(DATA_FILE).read_text(encoding="utf-8")
    return {p.arn: p for p in map(_build, json.loads(text))}


def aws_managed_policies() -> dict[str, AwsManagedPolicy]:
    """Every shipped AWS managed policy by ARN (a new dict; the entries are immutable)."""
    return dict(_load())


def get_aws_managed_policy(arn: str) -> AwsManagedPolicy:
    """The shipped AWS managed policy with this ARN; NoSuchEntity if there is none."""
    try:
        return _load()[arn]
    except KeyError:
        raise NoSuchEntity(f"Policy {arn} was not found.") from None


def find_aws_managed_policy(name: str) -> AwsManagedPolicy | None:
    """The shipped AWS managed policy named `name` (ignoring case), or None."""
    key = name_key(name)
    return next((p for p in _load().values() if name_key(p.policy.policy_name) == key), None)


__all__ = [
    "AwsManagedPolicy",
    "aws_managed_policies",
    "find_aws_managed_policy",
    "get_aws_managed_policy",
]
