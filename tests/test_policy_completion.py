"""Completion and wildcard hints from AWS's catalog (Service Authorization Reference:
actions, condition keys, resource ARN formats; IAM User Guide, "AWS global condition
context keys")."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from iamtui.policy import catalog
from iamtui.policy.completion import (
    complete_action,
    complete_condition_key,
    complete_resource,
    completion,
    expansion_hint,
)


def test_actions_complete_from_every_aws_action() -> None:
    assert complete_action("s3:GetOb") == "ject"
    assert complete_action("s3:getob") == "ject"  # action names are case-insensitive
    assert complete_action("dynam") == "odb:"
    assert complete_action("s3:Nothing") == "" and complete_action("nosuch:Get") == ""


@given(st.sampled_from(sorted(catalog.load_service("iam").actions)))  # type: ignore[union-attr]
def test_a_prefix_of_an_action_completes_to_an_action(key: str) -> None:
    name = catalog.load_service("iam").actions[key].name  # type: ignore[union-attr]
    prefix = f"iam:{name[:3]}"
    assert catalog.find_action(prefix + complete_action(prefix)) is not None


def test_condition_keys_and_arn_formats_complete() -> None:
    assert complete_condition_key("aws:Sour") == "ceAccount"
    assert complete_condition_key("s3:pre") == "fix"
    assert complete_resource("arn:aws:s3:::") == "${BucketName}"
    assert complete_resource("arn:aws:iam::111122223333:ro") == "le/${RoleNameWithPath}"
    assert complete_resource("arn:aws:lambda:us-east-1:111122223333:f") == \
        "unction:${FunctionName}"


def test_completion_knows_which_element_is_typed() -> None:
    typing = '{"Statement": [{"Effect": "Allow", "Action": ["s3:GetOb'
    assert completion(typing, len(typing)) == "ject"
    typing = '{"Statement": {"Action": "s3:*", "Resource": "arn:aws:s3:::'
    assert completion(typing, len(typing)) == "${BucketName}"
    typing = '{"Statement": {"Condition": {"StringEquals": {"aws:Pri'
    assert completion(typing, len(typing)).startswith("ncipal")
    typing = '{"Statement": {"Effect": "Al'
    assert completion(typing, len(typing)) == ""


def test_wildcard_hint_counts_the_actions() -> None:
    count = len(catalog.expand_actions("s3:Get*"))
    assert expansion_hint("s3:Get*").startswith(f"s3:Get* covers {count} actions: ")
    assert expansion_hint("s3:GetObject") == \
        "s3:GetObject: Read, on accesspointobject, object"
    assert expansion_hint("s3:Gett*") == "s3:Gett* covers no action"


def test_resource_applies_as_the_simulators_not_applicable() -> None:
    """Service Authorization Reference: s3:ListBucket's resource type is bucket, so an
    object ARN is not applicable; an action with no resource type takes only "*"."""
    from iamtui.policy.completion import resource_applies

    assert resource_applies("s3:ListBucket", "arn:aws:s3:::b") is True
    assert resource_applies("s3:ListBucket", "arn:aws:s3:::b/key") is False
    assert resource_applies("s3:ListBucket", "*") is True
    assert resource_applies("s3:ListAllMyBuckets", "arn:aws:s3:::b") is False
    assert resource_applies("s3:Get*", "arn:aws:s3:::b") is None
    assert resource_applies("nosuch:Action", "arn:aws:s3:::b") is None


def test_only_supported_or_global_context_keys_are_asked() -> None:
    from iamtui.policy.completion import relevant_context_keys

    keys = ["aws:MultiFactorAuthPresent", "s3:prefix", "ec2:InstanceType"]
    assert relevant_context_keys(keys, ["s3:ListBucket"]) == [
        "aws:MultiFactorAuthPresent", "s3:prefix"]
    assert relevant_context_keys(keys, ["s3:*"]) == keys
