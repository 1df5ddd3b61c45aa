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


def test_completion_narrows_to_the_statements_actions() -> None:
    """Service Authorization Reference: s3:ListBucket supports s3:prefix and acts on a
    bucket; s3:GetObject supports no s3:prefix and acts on an object
    (arn:${Partition}:s3:::${BucketName}/${ObjectName}); global keys are always offered
    (IAM User Guide, "AWS global condition context keys")."""
    get = '{"Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "'
    assert completion(get, len(get)) == "arn:aws:s3:::${BucketName}/${ObjectName}"
    typed = get + 'arn:aws-cn:s3:::reports/*", "Condition": {"StringEquals": {"s3:pre'
    assert completion(typed, len(typed)) == ""  # s3:prefix is not GetObject's
    listing = typed.replace("GetObject", "ListBucket")
    assert completion(listing, len(listing)) == "fix"
    mfa = listing.replace("s3:pre", "aws:MultiF")
    assert completion(mfa, len(mfa)) == "actorAuthAge"
    # a tag key is to be typed after the template's slash
    tagged = listing.replace("s3:pre", "aws:ResourceT")
    assert completion(tagged, len(tagged)) == "ag/"
    # the partition typed carries into the format
    cn = get + "arn:aws-cn:"
    assert completion(cn, len(cn)) == "s3:::${BucketName}/${ObjectName}"
    # Action after Resource, and NotAction (every other action): nothing to narrow to
    later = '{"Statement": {"Resource": "arn:aws:la", "Action": "lambda:InvokeFunction"}}'
    at = later.index("arn:aws:la") + len("arn:aws:la")
    assert completion(later, at) == "mbda:${Region}:${Account}:function:${FunctionName}"
    assert completion(later.replace('"Action"', '"NotAction"'), at) == "keformation:"


def test_an_action_on_star_only_completes_to_star() -> None:
    """s3:ListAllMyBuckets has no resource type: its Resource can only be "*"."""
    typed = '{"Statement": {"Action": "s3:ListAllMyBuckets", "Resource": "'
    assert completion(typed, len(typed)) == "*"


@given(st.sampled_from(["s3:GetObject", "s3:ListBucket", "iam:PassRole", "ec2:RunInstances",
                        "lambda:InvokeFunction", "sqs:SendMessage"]),
       st.integers(min_value=0, max_value=8))
def test_a_completed_resource_is_one_the_action_can_act_on(action: str, cut: int) -> None:
    """Whatever prefix of a suggested format is typed, the completion is an ARN of one of
    the action's resource types (Service Authorization Reference)."""
    from iamtui.policy.completion import arn_formats, render_arn, resource_applies

    first = render_arn(sorted(arn_formats([action]) or [], key=len)[0])
    typed = first[:cut]
    text = f'{{"Statement": {{"Action": "{action}", "Resource": "{typed}'
    done = typed + completion(text, len(text))
    filled = done.replace("${", "x").replace("}", "x")
    assert resource_applies(action, filled.replace("xRegionx", "us-east-1")
                            .replace("xAccountx", "111122223333")) is True


def test_resource_hint_and_context_key_types() -> None:
    """The ARN formats an action takes, rendered; a key's ContextKeyType from its type in
    the reference (IAM API reference, ContextEntry)."""
    from iamtui.policy.completion import context_key_type, resource_hint, statement_actions

    assert resource_hint(["s3:GetObject"]).startswith(
        "s3:GetObject acts on arn:aws:s3:::${BucketName}/${ObjectName}, ")
    assert resource_hint(["s3:ListAllMyBuckets"]) == 's3:ListAllMyBuckets acts on "*" only'
    assert resource_hint(["nosuch:Thing"]) == ""
    assert context_key_type("aws:MultiFactorAuthPresent") == "boolean"
    assert context_key_type("aws:TagKeys") == "stringList"
    assert context_key_type("s3:max-keys") == "numeric"
    assert context_key_type("nosuch:key") == "string"
    text = '{"Statement": [{"Action": ["s3:A", "s3:B"], "Condition": {"Bool": {"'
    assert statement_actions(text, len(text)) == ["s3:A", "s3:B"]
    assert statement_actions('{"Version": "', 13) is None


_PIECES = ['{', '}', '[', ']', '"', ':', ',', ' ', '\\', '\n', '"Action"', '"NotAction"',
           '"Resource"', '"Condition"', '"Statement"', '"s3:GetObject"', '"s3:Get*"', '"*"',
           '"arn:aws:s3:::', '"arn:', '"aws:Sour', '"s3:pre', 'x']


@given(st.lists(st.sampled_from(_PIECES), max_size=40).map("".join),
       st.integers(min_value=0, max_value=400))
def test_completion_never_fails_on_half_typed_text(text: str, offset: int) -> None:
    """The editor asks on every keystroke, whatever the text is at that moment: the answer
    is always a string (the text need not be JSON yet)."""
    assert isinstance(completion(text, min(offset, len(text))), str)
