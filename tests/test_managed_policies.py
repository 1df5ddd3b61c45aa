"""The AWS managed policies shipped as package data (iamtui.managed_policies).

References:
- AWS Managed Policy Reference, e.g.
  https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AdministratorAccess.html
  and .../IAMUserChangePassword.html
- IAM User Guide, "IAM identifiers" (AWS managed policy ARNs use the account 'aws').
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from iamtui import arn
from iamtui.errors import NoSuchEntity
from iamtui.managed_policies import (
    aws_managed_policies,
    find_aws_managed_policy,
    get_aws_managed_policy,
)
from iamtui.model import ManagedPolicy, to_aws

EXPORT = Path("/work/shared/data/authz-details-cloudsplaining-example.json")
REQUIRED = [
    "AdministratorAccess",
    "PowerUserAccess",
    "ReadOnlyAccess",
    "ViewOnlyAccess",
    "IAMFullAccess",
    "IAMReadOnlyAccess",
    "IAMUserChangePassword",
    "AmazonS3FullAccess",
    "AmazonS3ReadOnlyAccess",
]


def by_name(name: str):
    found = find_aws_managed_policy(name)
    assert found is not None, name
    return found


@pytest.mark.parametrize("name", REQUIRED)
def test_required_policies_are_shipped(name: str) -> None:
    shipped = by_name(name)
    assert shipped.policy.policy_name == name
    assert shipped.policy.is_aws_managed
    assert shipped.arn == arn.aws_managed_policy_arn(shipped.policy.path, name)


def test_every_shipped_policy_is_well_formed() -> None:
    policies = aws_managed_policies()
    assert len(policies) >= 39
    for policy_arn, shipped in policies.items():
        p = shipped.policy
        assert isinstance(p, ManagedPolicy)
        assert policy_arn == p.arn == arn.aws_managed_policy_arn(p.path, p.policy_name)
        assert arn.is_aws_managed_policy_arn(policy_arn)
        arn.validate_policy_name(p.policy_name)
        arn.validate_path(p.path, policy=True)
        arn.validate_version_id(p.default_version_id)
        assert arn.is_unique_id(p.policy_id, "policy") or p.policy_id.startswith("ANPA")
        assert p.is_aws_managed and p.is_attachable
        assert p.create_date <= p.update_date
        version = shipped.default_version
        assert version.is_default_version
        assert version.version_id == p.default_version_id
        assert version.policy_arn == policy_arn
        doc = shipped.document_json()
        assert isinstance(doc, dict)
        assert doc["Version"] == "2012-10-17"
        statements = doc["Statement"]
        statements = statements if isinstance(statements, list) else [statements]
        assert statements and all(s["Effect"] in ("Allow", "Deny") for s in statements)


def test_paths_of_service_role_policies() -> None:
    config = get_aws_managed_policy("arn:aws:iam::aws:policy/service-role/AWSConfigRole")
    assert config.policy.path == "/service-role/"
    view = by_name("ViewOnlyAccess")
    assert view.arn == "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"


def test_administrator_access_allows_everything() -> None:
    admin = get_aws_managed_policy("arn:aws:iam::aws:policy/AdministratorAccess")
    assert admin.document_json()["Statement"] == [
        {"Effect": "Allow", "Action": "*", "Resource": "*"}
    ]
    assert admin.policy.description == "Provides full access to AWS services and resources."


def test_iam_user_change_password_document() -> None:
    # AWS managed policy reference, IAMUserChangePassword v3.
    shipped = by_name("IAMUserChangePassword")
    assert shipped.policy.default_version_id == "v3"
    statements = shipped.document_json()["Statement"]
    change = next(s for s in statements if s["Action"] == ["iam:ChangePassword"])
    assert "arn:aws:iam::*:user/${aws:username}" in change["Resource"]
    read = next(s for s in statements if s["Action"] == ["iam:GetAccountPasswordPolicy"])
    assert read["Resource"] == "*"
    assert arn.is_unique_id(shipped.policy.policy_id, "policy")
    # The derived ID is stable between loads.
    assert shipped.policy.policy_id == by_name("iamuserchangepassword").policy.policy_id


def test_power_user_access_excludes_iam() -> None:
    statements = by_name("PowerUserAccess").document_json()["Statement"]
    not_action = next(s for s in statements if "NotAction" in s)
    assert "iam:*" in not_action["NotAction"]


def test_unknown_policy() -> None:
    with pytest.raises(NoSuchEntity, match="was not found"):
        get_aws_managed_policy("arn:aws:iam::aws:policy/NoSuchPolicy")
    assert find_aws_managed_policy("NoSuchPolicy") is None


def test_callers_cannot_change_the_shipped_set() -> None:
    first = aws_managed_policies()
    first.clear()
    assert aws_managed_policies()


def test_shapes_as_get_policy() -> None:
    shape = to_aws(by_name("AmazonS3ReadOnlyAccess").policy)
    assert shape["Arn"] == "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
    assert shape["IsAttachable"] is True
    assert shape["Description"]


@pytest.mark.skipif(not EXPORT.exists(), reason="sample export not present")
def test_every_aws_managed_policy_of_the_export_is_shipped_verbatim() -> None:
    export = json.loads(EXPORT.read_text())
    shipped = aws_managed_policies()
    count = 0
    for raw in export["Policies"]:
        if not raw["Arn"].startswith("arn:aws:iam::aws:policy/"):
            continue
        count += 1
        ours = shipped[raw["Arn"]]
        assert ours.policy.policy_id == raw["PolicyId"]
        assert ours.policy.default_version_id == raw["DefaultVersionId"]
        (default,) = [v for v in raw["PolicyVersionList"] if v["IsDefaultVersion"]]
        assert ours.document_json() == default["Document"]
    assert count == 38
