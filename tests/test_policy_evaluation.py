"""Deciding requests (iamtui.policy.evaluate, .conditions, .compiled, .explain).

Each test class names the AWS page it is written from:
- IAM User Guide, "Policy evaluation logic" and "Cross-account policy evaluation logic":
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
- IAM User Guide, "Permissions boundaries for IAM entities":
  https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html
- IAM User Guide, "IAM JSON policy element reference" (Action, NotAction, Resource,
  NotResource, Principal, NotPrincipal, Condition):
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html
- IAM User Guide, "IAM JSON policy elements: Condition operators":
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
- IAM User Guide, "Conditions with multiple context keys or values" and
  "Single-valued vs. multivalued context keys" (with its examples page):
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
- IAM User Guide, "IAM policy elements: Variables and tags":
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
- IAM API Reference, SimulateCustomPolicy, ContextEntry, EvaluationResult:
  https://docs.aws.amazon.com/IAM/latest/APIReference/API_EvaluationResult.html
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

import pytest

from iamtui.errors import InvalidInput
from iamtui.policy import (
    ALLOWED,
    EXPLICIT_DENY,
    IMPLICIT_DENY,
    Caller,
    ContextEntry,
    EvalRequest,
    EvalResult,
    PolicyInput,
    PolicySourceType,
    PolicyType,
    RequestContext,
    compile_policy,
    evaluate,
    explain,
)
from iamtui.policy.conditions import compile_condition

ACCOUNT = "111122223333"
OTHER = "444455556666"
ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"
BOB = f"arn:aws:iam::{ACCOUNT}:user/bob"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/app"
SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/app/alice-session"
BUCKET = "arn:aws:s3:::bucket"
OBJECT = "arn:aws:s3:::bucket/key"


def policy(*statements: dict[str, Any], version: str | None = "2012-10-17",
           kind: PolicyType = PolicyType.IDENTITY, name: str = "PolicyInputList.1") -> PolicyInput:
    """A compiled policy of these statements."""
    body: dict[str, Any] = {} if version is None else {"Version": version}
    body["Statement"] = list(statements)
    source = PolicySourceType.RESOURCE if kind is PolicyType.RESOURCE else PolicySourceType.NONE
    return PolicyInput(compile_policy(json.dumps(body, indent=2), kind), name, source)


def allow(action: str | list[str] = "s3:GetObject", resource: str | list[str] = "*",
          **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: str | list[str] = "s3:GetObject", resource: str | list[str] = "*",
         **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def context(*entries: tuple[str, Any] | tuple[str, Any, str]) -> RequestContext:
    """`("aws:username", "alice")`, `("aws:TagKeys", ["a", "b"], "stringList")`."""
    out = []
    for entry in entries:
        key, values = entry[0], entry[1]
        ctype = entry[2] if len(entry) > 2 else "string"
        values = values if isinstance(values, list) else [values]
        out.append(ContextEntry.from_aws({"ContextKeyName": key, "ContextKeyValues": values,
                                          "ContextKeyType": ctype}))
    return RequestContext(out)


def decide(action: str, resource: str = "*", identity: list[PolicyInput] | None = None, *,
           boundaries: list[PolicyInput] | None = None,
           resource_policy: PolicyInput | None = None, ctx: RequestContext | None = None,
           caller: str | None = ALICE, owner: str | None = None) -> EvalResult:
    request = EvalRequest(action, resource, ctx or RequestContext(),
                          Caller.from_arn(caller) if caller else None, owner)
    return evaluate(request, identity or [], boundaries=boundaries or [],
                    resource_policy=resource_policy)


def holds(operator: str, key: str, values: list[Any], ctx: RequestContext) -> bool:
    return compile_condition(operator, key, values).holds(ctx)


# ---------------------------------------------------------------------------- the basics


class TestDenyAndDefault:
    """Policy evaluation logic: by default every request is implicitly denied; an explicit
    allow overrides that; an explicit deny in any policy overrides every allow."""

    def test_implicit_deny_by_default(self) -> None:
        result = decide("s3:GetObject", OBJECT)
        assert result.decision == IMPLICIT_DENY and result.matched == ()
        assert decide("s3:PutObject", OBJECT, [policy(allow())]).decision == IMPLICIT_DENY

    def test_allow(self) -> None:
        result = decide("s3:GetObject", OBJECT, [policy(allow())])
        assert result.decision == ALLOWED and result.allowed

    def test_deny_in_the_same_policy_wins(self) -> None:
        assert decide("s3:GetObject", OBJECT, [policy(allow(), deny())]).decision == EXPLICIT_DENY

    def test_deny_in_another_identity_policy_wins(self) -> None:
        p1, p2 = policy(allow("*")), policy(deny("s3:*"), name="PolicyInputList.2")
        for order in ([p1, p2], [p2, p1]):
            assert decide("s3:GetObject", OBJECT, order).decision == EXPLICIT_DENY

    def test_deny_in_a_boundary_wins(self) -> None:
        result = decide("s3:GetObject", OBJECT, [policy(allow())],
                        boundaries=[policy(allow("*"), deny())])
        assert result.decision == EXPLICIT_DENY and result.decided_by == "boundary"

    def test_deny_in_a_resource_policy_wins_over_identity_allow(self) -> None:
        rp = policy({**deny(), "Principal": "*"}, kind=PolicyType.RESOURCE)
        result = decide("s3:GetObject", OBJECT, [policy(allow())], resource_policy=rp)
        assert result.decision == EXPLICIT_DENY and result.decided_by == "resource"

    def test_identity_deny_wins_over_resource_grant_to_the_user(self) -> None:
        rp = policy({**allow(), "Principal": {"AWS": ALICE}}, kind=PolicyType.RESOURCE)
        assert decide("s3:GetObject", OBJECT, [policy(deny())],
                      resource_policy=rp).decision == EXPLICIT_DENY

    def test_deny_with_a_failing_condition_does_not_apply(self) -> None:
        statement = deny(Condition={"Bool": {"aws:MultiFactorAuthPresent": "false"}})
        ctx = context(("aws:MultiFactorAuthPresent", "true", "boolean"))
        result = decide("s3:GetObject", OBJECT, [policy(allow(), statement)], ctx=ctx)
        assert result.decision == ALLOWED

    def test_only_the_deny_is_reported(self) -> None:
        # EvaluationResult.MatchedStatements: with an explicit deny, "the deny statement is
        # the only entry included in the result"
        result = decide("s3:GetObject", OBJECT, [policy(allow(), allow("s3:*"), deny())])
        assert [m.statement.statement.effect for m in result.matched] == ["Deny"]
        aws = result.to_aws()
        assert len(aws["MatchedStatements"]) == 1
        assert aws["MatchedStatements"][0]["StartPosition"] == {"Line": 14, "Column": 6}


class TestActionMatching:
    """IAM JSON policy elements: Action / NotAction: names are case-insensitive and take
    `*` and `?`; NotAction matches every action except those listed."""

    @pytest.mark.parametrize("pattern,action,expected", [
        ("s3:GetObject", "S3:GETOBJECT", True),
        ("S3:getobject", "s3:GetObject", True),
        ("s3:Get*", "s3:GetObjectAcl", True),
        ("s3:*Object", "s3:PutObject", True),
        ("s3:*Object", "s3:PutObjectAcl", False),
        ("s3:Get?bject", "s3:GetObject", True),
        ("s3:Get?bject", "s3:Getbject", False),
        ("s3:Get", "s3:GetObject", False),
        ("iam:*", "s3:GetObject", False),
        ("*", "anything:AtAll", True),
        ("s3:*", "s3-outposts:GetObject", False),
    ])
    def test_action_patterns(self, pattern: str, action: str, expected: bool) -> None:
        result = decide(action, OBJECT, [policy(allow(pattern))])
        assert result.allowed is expected

    def test_list_of_actions_is_any_of(self) -> None:
        p = policy(allow(["s3:GetObject", "s3:List*"]))
        assert decide("s3:ListBucket", BUCKET, [p]).allowed
        assert not decide("s3:PutObject", BUCKET, [p]).allowed

    def test_not_action_allows_everything_else(self) -> None:
        p = policy({"Effect": "Allow", "NotAction": ["iam:*", "s3:Delete*"], "Resource": "*"})
        assert decide("s3:GetObject", OBJECT, [p]).allowed
        assert decide("ec2:RunInstances", "*", [p]).allowed
        assert not decide("IAM:CreateUser", "*", [p]).allowed
        assert not decide("s3:DeleteObject", OBJECT, [p]).allowed

    def test_deny_with_not_action(self) -> None:
        # the page's example: deny everything except IAM (for users without MFA)
        p = policy(allow("*"), {"Effect": "Deny", "NotAction": "iam:*", "Resource": "*"})
        assert decide("iam:ListUsers", "*", [p]).allowed
        assert decide("s3:GetObject", OBJECT, [p]).decision == EXPLICIT_DENY


class TestResourceMatching:
    """IAM JSON policy elements: Resource / NotResource: ARNs are case-sensitive; `*` and
    `?` are the only wildcards, so `.`, `+` and `(` are literal; NotResource matches
    every resource except those listed."""

    @pytest.mark.parametrize("pattern,resource,expected", [
        ("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b.txt", True),
        ("arn:aws:s3:::bucket/*", "arn:aws:s3:::Bucket/a", False),
        ("arn:aws:s3:::Bucket", "arn:aws:s3:::bucket", False),
        ("arn:aws:s3:::bucket/key.txt", "arn:aws:s3:::bucket/keyxtxt", False),
        ("arn:aws:s3:::bucket/a+b", "arn:aws:s3:::bucket/aab", False),
        ("arn:aws:s3:::bucket/a+b", "arn:aws:s3:::bucket/a+b", True),
        ("arn:aws:s3:::bucket/(x)", "arn:aws:s3:::bucket/(x)", True),
        ("arn:aws:s3:::bucket/(x)", "arn:aws:s3:::bucket/x", False),
        ("arn:aws:s3:::bucket/[ab]", "arn:aws:s3:::bucket/a", False),
        ("arn:aws:s3:::bucket/?", "arn:aws:s3:::bucket/a", True),
        ("arn:aws:s3:::bucket/?", "arn:aws:s3:::bucket/ab", False),
        ("arn:aws:s3:::bucket/?", "arn:aws:s3:::bucket/", False),
        ("arn:aws:iam::*:user/*", f"arn:aws:iam::{ACCOUNT}:user/alice", True),
        ("arn:aws:ec2:*:*:instance/*", f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-1", True),
        ("arn:aws:ec2:us-*-1:*:*", f"arn:aws:ec2:us-east-1:{ACCOUNT}:vpc/v", True),
        ("*", "arn:aws:anything:::x", True),
    ])
    def test_resource_patterns(self, pattern: str, resource: str, expected: bool) -> None:
        assert decide("s3:GetObject", resource, [policy(allow(resource=pattern))]).allowed \
            is expected

    def test_not_resource(self) -> None:
        p = policy({"Effect": "Allow", "Action": "s3:*", "NotResource": ["arn:aws:s3:::secret",
                                                                         "arn:aws:s3:::secret/*"]})
        assert decide("s3:GetObject", OBJECT, [p]).allowed
        assert not decide("s3:GetObject", "arn:aws:s3:::secret/k", [p]).allowed
        assert not decide("s3:ListBucket", "arn:aws:s3:::secret", [p]).allowed

    def test_deny_with_not_resource(self) -> None:
        p = policy(allow("s3:*"), {"Effect": "Deny", "Action": "s3:*",
                                   "NotResource": "arn:aws:s3:::bucket/*"})
        assert decide("s3:GetObject", OBJECT, [p]).allowed
        assert decide("s3:GetObject", "arn:aws:s3:::other/k", [p]).decision == EXPLICIT_DENY


# ---------------------------------------------------------------------------- conditions


class TestConditionOperatorFamilies:
    """IAM JSON policy elements: Condition operators, one family at a time."""

    def test_string_equals_is_case_sensitive(self) -> None:
        # the Condition page's example: StringEquals "johndoe" refuses "JohnDoe"
        assert holds("StringEquals", "aws:username", ["johndoe"], context(("aws:username",
                                                                          "johndoe")))
        assert not holds("StringEquals", "aws:username", ["johndoe"],
                         context(("aws:username", "JohnDoe")))
        assert holds("StringEqualsIgnoreCase", "aws:username", ["johndoe"],
                     context(("aws:username", "JohnDoe")))
        assert not holds("StringNotEqualsIgnoreCase", "aws:username", ["johndoe"],
                         context(("aws:username", "JOHNDOE")))

    def test_string_not_equals(self) -> None:
        ctx = context(("aws:username", "alice"))
        assert holds("StringNotEquals", "aws:username", ["bob"], ctx)
        assert not holds("StringNotEquals", "aws:username", ["alice"], ctx)

    @pytest.mark.parametrize("pattern,value,expected", [
        ("home/*", "home/alice/x", True), ("home/?", "home/a", True),
        ("home/?", "home/ab", False), ("*.txt", "a.txt", True), ("*.txt", "a.TXT", False),
        ("a.c", "abc", False), ("a+", "aa", False), ("a+", "a+", True), ("", "", True),
    ])
    def test_string_like(self, pattern: str, value: str, expected: bool) -> None:
        ctx = context(("s3:prefix", value))
        assert holds("StringLike", "s3:prefix", [pattern], ctx) is expected
        assert holds("StringNotLike", "s3:prefix", [pattern], ctx) is not expected

    @pytest.mark.parametrize("operator,policy_value,request_value,expected", [
        ("NumericEquals", "10", "10", True), ("NumericEquals", "10", "10.0", True),
        ("NumericEquals", "10", "11", False), ("NumericNotEquals", "10", "11", True),
        ("NumericLessThan", "10", "9", True), ("NumericLessThan", "10", "10", False),
        ("NumericLessThanEquals", "10", "10", True), ("NumericGreaterThan", "10", "10.5", True),
        ("NumericGreaterThanEquals", "10", "9.99", False), ("NumericLessThan", 10, "-3", True),
    ])
    def test_numeric(self, operator: str, policy_value: Any, request_value: str,
                     expected: bool) -> None:
        ctx = context(("s3:max-keys", request_value, "numeric"))
        assert holds(operator, "s3:max-keys", [policy_value], ctx) is expected

    @pytest.mark.parametrize("operator,policy_value,request_value,expected", [
        ("DateGreaterThan", "2020-01-01T00:00:01Z", "2021-06-01T00:00:00Z", True),
        ("DateGreaterThan", "2020-01-01T00:00:01Z", "2019-12-31T23:59:59Z", False),
        ("DateLessThan", "2020-01-01T00:00:00Z", "1577836799", True),  # epoch, 1 s before
        ("DateLessThan", "2020-01-01T00:00:00Z", "1577836800", False),
        ("DateEquals", "1577836800", "2020-01-01T00:00:00Z", True),
        ("DateEquals", "2020-01-01T01:00:00+01:00", "2020-01-01T00:00:00Z", True),
        ("DateNotEquals", "2020-01-01", "2020-01-01T00:00:00Z", False),
        ("DateLessThanEquals", "2020-01-01T00:00:00Z", "2020-01-01T00:00:00Z", True),
        ("DateGreaterThanEquals", "2020-01-01T00:00:00Z", "2019-01-01T00:00:00Z", False),
    ])
    def test_date_iso_and_epoch(self, operator: str, policy_value: str, request_value: str,
                                expected: bool) -> None:
        ctx = context(("aws:CurrentTime", request_value, "date"))
        assert holds(operator, "aws:CurrentTime", [policy_value], ctx) is expected

    def test_bool(self) -> None:
        assert holds("Bool", "aws:SecureTransport", ["false"],
                     context(("aws:SecureTransport", "false", "boolean")))
        assert not holds("Bool", "aws:SecureTransport", ["false"],
                         context(("aws:SecureTransport", "true", "boolean")))
        assert holds("Bool", "aws:SecureTransport", [True],
                     context(("aws:SecureTransport", "TRUE", "boolean")))

    def test_binary_compares_decoded_bytes(self) -> None:
        ctx = context(("kms:Blob", "QmluYXJ5VmFsdWVJbkJhc2U2NA==", "binary"))
        assert holds("BinaryEquals", "kms:Blob", ["QmluYXJ5VmFsdWVJbkJhc2U2NA=="], ctx)
        assert not holds("BinaryEquals", "kms:Blob", ["QQ=="], ctx)

    @pytest.mark.parametrize("cidr,address,expected", [
        ("203.0.113.0/24", "203.0.113.7", True), ("203.0.113.0/24", "203.0.114.7", False),
        ("203.0.113.7/32", "203.0.113.7", True), ("203.0.113.7", "203.0.113.7", True),
        ("2001:DB8:1234:5678::/64", "2001:db8:1234:5678::1", True),
        ("2001:DB8:1234:5678::/64", "2001:db8:1234:5679::1", False),
        ("203.0.113.0/24", "2001:db8::1", False), ("::/0", "203.0.113.7", False),
    ])
    def test_ip_address_v4_and_v6(self, cidr: str, address: str, expected: bool) -> None:
        ctx = context(("aws:SourceIp", address, "ip"))
        assert holds("IpAddress", "aws:SourceIp", [cidr], ctx) is expected
        assert holds("NotIpAddress", "aws:SourceIp", [cidr], ctx) is not expected

    def test_ip_list_is_any_of(self) -> None:
        ctx = context(("aws:SourceIp", "2001:db8::5", "ip"))
        assert holds("IpAddress", "aws:SourceIp", ["203.0.113.0/24", "2001:db8::/32"], ctx)

    @pytest.mark.parametrize("operator,pattern,arn,expected", [
        ("ArnEquals", "arn:aws:sns:us-east-1:123456789012:topic", "arn:aws:sns:us-east-1:"
         "123456789012:topic", True),
        ("ArnEquals", "arn:aws:sns:us-east-1:123456789012:Topic", "arn:aws:sns:us-east-1:"
         "123456789012:topic", False),
        ("ArnLike", "arn:aws:iam::*:role/admin*", f"arn:aws:iam::{ACCOUNT}:role/admin-x", True),
        ("ArnLike", "arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a:b", True),
        # each of the six components is matched on its own: five do not make six
        ("ArnLike", "arn:aws:iam::*", f"arn:aws:iam::{ACCOUNT}:role/x", False),
        ("ArnLike", "arn:aws:iam::?:role/x", f"arn:aws:iam::{ACCOUNT}:role/x", False),
        ("ArnNotEquals", "arn:aws:iam::*:role/x", f"arn:aws:iam::{ACCOUNT}:role/y", True),
        ("ArnNotLike", "arn:aws:iam::*:role/*", f"arn:aws:iam::{ACCOUNT}:role/y", False),
    ])
    def test_arn(self, operator: str, pattern: str, arn: str, expected: bool) -> None:
        ctx = context(("aws:SourceArn", arn))
        assert holds(operator, "aws:SourceArn", [pattern], ctx) is expected

    def test_string_like_is_not_arn_like(self) -> None:
        ctx = context(("aws:SourceArn", f"arn:aws:iam::{ACCOUNT}:role/x"))
        assert holds("StringLike", "aws:SourceArn", ["arn:aws:iam::*"], ctx)

    def test_null(self) -> None:
        present = context(("aws:TokenIssueTime", "2020-01-01T00:00:00Z", "date"))
        assert holds("Null", "aws:TokenIssueTime", ["true"], RequestContext())
        assert not holds("Null", "aws:TokenIssueTime", ["true"], present)
        assert holds("Null", "aws:TokenIssueTime", ["false"], present)
        assert not holds("Null", "aws:TokenIssueTime", ["false"], RequestContext())


class TestMissingKeys:
    """Condition operators, "Important": a key missing from the request context matches
    nothing, so the condition is false; a negated operator is then true. ...IfExists is
    true for a missing key; Null tests presence."""

    POSITIVE: ClassVar[list[tuple[str, str]]] = [
                ("StringEquals", "a"), ("StringEqualsIgnoreCase", "a"), ("StringLike", "*"),
                ("NumericEquals", "1"), ("NumericLessThan", "1"), ("NumericGreaterThan", "1"),
                ("NumericLessThanEquals", "1"), ("NumericGreaterThanEquals", "1"),
                ("DateEquals", "2020-01-01"), ("DateLessThan", "2020-01-01"),
                ("DateGreaterThan", "2020-01-01"), ("Bool", "true"), ("BinaryEquals", "QQ=="),
                ("IpAddress", "0.0.0.0/0"), ("ArnEquals", "arn:aws:s3:::b"),
                ("ArnLike", "arn:*:*:*:*:*")]
    NEGATED: ClassVar[list[tuple[str, str]]] = [
               ("StringNotEquals", "a"), ("StringNotEqualsIgnoreCase", "a"),
               ("StringNotLike", "*"), ("NumericNotEquals", "1"), ("DateNotEquals", "2020-01-01"),
               ("NotIpAddress", "0.0.0.0/0"), ("ArnNotEquals", "arn:aws:s3:::b"),
               ("ArnNotLike", "arn:*:*:*:*:*")]

    @pytest.mark.parametrize("operator,value", POSITIVE)
    def test_positive_operator_is_false(self, operator: str, value: str) -> None:
        assert not holds(operator, "aws:Missing", [value], RequestContext())
        assert holds(operator + "IfExists", "aws:Missing", [value], RequestContext())

    @pytest.mark.parametrize("operator,value", NEGATED)
    def test_negated_operator_is_true(self, operator: str, value: str) -> None:
        assert holds(operator, "aws:Missing", [value], RequestContext())
        assert holds(operator + "IfExists", "aws:Missing", [value], RequestContext())

    def test_if_exists_still_checks_a_present_key(self) -> None:
        ctx = context(("ec2:InstanceType", "t2.large"))
        assert not holds("StringLikeIfExists", "ec2:InstanceType", ["t1.*", "t2.micro"], ctx)
        assert holds("StringLikeIfExists", "ec2:InstanceType", ["t2.*"], ctx)
        assert not holds("StringNotEqualsIfExists", "ec2:InstanceType", ["t2.large"], ctx)

    def test_missing_key_through_evaluate(self) -> None:
        # an Allow that requires MFA does not apply without the key; a Deny "unless MFA"
        # written with BoolIfExists applies when the key is missing
        needs_mfa = policy(allow(Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}}))
        assert decide("s3:GetObject", OBJECT, [needs_mfa]).decision == IMPLICIT_DENY
        deny_no_mfa = policy(allow(), deny(Condition={
            "BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}))
        assert decide("s3:GetObject", OBJECT, [deny_no_mfa]).decision == EXPLICIT_DENY
        with_mfa = context(("aws:MultiFactorAuthPresent", "true", "boolean"))
        assert decide("s3:GetObject", OBJECT, [deny_no_mfa], ctx=with_mfa).allowed


class TestMultipleKeysAndValues:
    """Conditions with multiple context keys or values: operators AND, keys AND, values
    of one key OR, and the values of a negated operator NOR."""

    CTX = context(("aws:username", "alice"), ("aws:SourceIp", "10.1.2.3", "ip"),
                  ("aws:PrincipalTag/team", "blue"))

    def statement(self, condition: dict[str, Any]) -> PolicyInput:
        return policy(allow(Condition=condition))

    def allowed(self, condition: dict[str, Any]) -> bool:
        return decide("s3:GetObject", OBJECT, [self.statement(condition)], ctx=self.CTX).allowed

    def test_several_operators_are_anded(self) -> None:
        assert self.allowed({"StringEquals": {"aws:username": "alice"},
                             "IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})
        assert not self.allowed({"StringEquals": {"aws:username": "alice"},
                                 "IpAddress": {"aws:SourceIp": "192.168.0.0/16"}})

    def test_several_keys_are_anded(self) -> None:
        assert self.allowed({"StringEquals": {"aws:username": "alice",
                                              "aws:PrincipalTag/team": "blue"}})
        assert not self.allowed({"StringEquals": {"aws:username": "alice",
                                                  "aws:PrincipalTag/team": "red"}})

    def test_several_values_are_ored(self) -> None:
        assert self.allowed({"StringEquals": {"aws:username": ["bob", "alice"]}})
        assert not self.allowed({"StringEquals": {"aws:username": ["bob", "carol"]}})

    def test_negated_values_are_nored(self) -> None:
        assert self.allowed({"StringNotEquals": {"aws:username": ["bob", "carol"]}})
        assert not self.allowed({"StringNotEquals": {"aws:username": ["bob", "alice"]}})
        assert not self.allowed({"NotIpAddress": {"aws:SourceIp": ["192.168.0.0/16",
                                                                   "10.0.0.0/8"]}})

    def test_condition_key_names_are_case_insensitive(self) -> None:
        # Condition: "aws:SourceIP" is the same key as "AWS:SourceIp"; values are not folded
        assert self.allowed({"IpAddress": {"AWS:SOURCEIP": "10.0.0.0/8"}})
        assert self.allowed({"StringEquals": {"Aws:UserName": "alice"}})
        assert not self.allowed({"StringEquals": {"aws:username": "Alice"}})


class TestSetOperators:
    """Single-valued vs. multivalued context keys and its examples page: ForAllValues is
    true when every request value matches (and when the key is missing or empty);
    ForAnyValue when at least one does (false when the key is missing or empty)."""

    def tags(self, *values: str) -> RequestContext:
        return context(("aws:TagKeys", list(values), "stringList"))

    @pytest.mark.parametrize("request_keys,expected", [
        (["key1:legal"], False), (["key1:hr", "key1:personnel"], False),
        (["key2:audit"], True), (["key1:hr", "key2:audit"], False), (None, True), ([], True),
    ])
    def test_for_all_values_string_not_like_example(self, request_keys: list[str] | None,
                                                     expected: bool) -> None:
        # the examples page's deny policy: ForAllValues:StringNotLike aws:TagKeys "key1*"
        ctx = RequestContext() if request_keys is None else self.tags(*request_keys)
        assert holds("ForAllValues:StringNotLike", "aws:TagKeys", ["key1*"], ctx) is expected
        p = policy(allow("iam:TagUser"), deny(["iam:Tag*", "iam:UnTag*"], Condition={
            "ForAllValues:StringNotLike": {"aws:TagKeys": "key1*"}}))
        decision = decide("iam:TagUser", BOB, [p], ctx=ctx).decision
        assert decision == (EXPLICIT_DENY if expected else ALLOWED)

    @pytest.mark.parametrize("request_keys,expected", [
        (["environment"], True), (["environment", "cost-center"], True),
        (["environment", "dept"], False), ([], True), (None, True),
    ])
    def test_for_all_values_string_equals(self, request_keys: list[str] | None,
                                          expected: bool) -> None:
        ctx = RequestContext() if request_keys is None else self.tags(*request_keys)
        assert holds("ForAllValues:StringEquals", "aws:TagKeys",
                     ["environment", "cost-center"], ctx) is expected

    @pytest.mark.parametrize("request_keys,expected", [
        (["environment"], True), (["dept", "cost-center"], True), (["dept"], False),
        ([], False), (None, False),
    ])
    def test_for_any_value_string_equals(self, request_keys: list[str] | None,
                                         expected: bool) -> None:
        ctx = RequestContext() if request_keys is None else self.tags(*request_keys)
        assert holds("ForAnyValue:StringEquals", "aws:TagKeys",
                     ["environment", "cost-center"], ctx) is expected

    def test_for_any_value_string_like(self) -> None:
        assert holds("ForAnyValue:StringLike", "aws:TagKeys", ["env*"],
                     self.tags("dept", "env-prod"))
        assert not holds("ForAnyValue:StringLike", "aws:TagKeys", ["env*"], self.tags("dept"))

    def test_for_any_value_negated(self) -> None:
        # at least one request value that matches none of the policy's values
        assert holds("ForAnyValue:StringNotEquals", "aws:TagKeys", ["a"], self.tags("a", "b"))
        assert not holds("ForAnyValue:StringNotEquals", "aws:TagKeys", ["a", "b"],
                         self.tags("a", "b"))

    def test_context_entry_list_types(self) -> None:
        # ContextEntry: a single-valued type takes one value; a *List type takes several
        with pytest.raises(InvalidInput):
            ContextEntry.from_aws({"ContextKeyName": "aws:TagKeys",
                                   "ContextKeyValues": ["a", "b"], "ContextKeyType": "string"})
        with pytest.raises(InvalidInput):
            ContextEntry.from_aws({"ContextKeyName": "aws:SourceIp",
                                   "ContextKeyValues": ["nope"], "ContextKeyType": "ip"})
        entry = ContextEntry.from_aws({"ContextKeyName": "k", "ContextKeyValues": ["1", "2"],
                                       "ContextKeyType": "numericList"})
        assert entry.is_list and entry.values == ("1", "2")


# ---------------------------------------------------------------------------- variables


class TestPolicyVariables:
    """IAM policy elements: Variables and tags: `${key}` is replaced in Resource and in
    string conditions, only in Version 2012-10-17 policies; `${key, 'default'}` gives a
    default; `${*}`, `${?}`, `${$}` are the literal characters; a key without a value
    leaves nothing to match."""

    HOME = "arn:aws:s3:::bucket/home/${aws:username}/*"
    ALICE_CTX = context(("aws:username", "alice"))

    def test_username_in_resource(self) -> None:
        p = policy(allow(resource=self.HOME))
        assert decide("s3:GetObject", "arn:aws:s3:::bucket/home/alice/f", [p],
                      ctx=self.ALICE_CTX).allowed
        assert not decide("s3:GetObject", "arn:aws:s3:::bucket/home/bob/f", [p],
                          ctx=self.ALICE_CTX).allowed

    def test_variable_value_is_literal(self) -> None:
        p = policy(allow(resource="arn:aws:s3:::bucket/${aws:username}"))
        ctx = context(("aws:username", "a*"))
        assert decide("s3:GetObject", "arn:aws:s3:::bucket/a*", [p], ctx=ctx).allowed
        assert not decide("s3:GetObject", "arn:aws:s3:::bucket/abc", [p], ctx=ctx).allowed

    def test_principal_tag_in_resource_and_condition(self) -> None:
        p = policy(allow(resource="arn:aws:s3:::bucket/${aws:PrincipalTag/team}/*",
                         Condition={"StringEquals": {
                             "aws:ResourceTag/team": "${aws:PrincipalTag/team}"}}))
        blue = context(("aws:PrincipalTag/team", "blue"), ("aws:ResourceTag/team", "blue"))
        red_resource = context(("aws:PrincipalTag/team", "blue"),
                               ("aws:ResourceTag/team", "red"))
        assert decide("s3:GetObject", "arn:aws:s3:::bucket/blue/x", [p], ctx=blue).allowed
        assert not decide("s3:GetObject", "arn:aws:s3:::bucket/red/x", [p], ctx=blue).allowed
        assert not decide("s3:GetObject", "arn:aws:s3:::bucket/blue/x", [p],
                          ctx=red_resource).allowed

    def test_default_value(self) -> None:
        # the page's example: ${aws:PrincipalTag/team, 'company-wide'}
        p = policy(allow(resource="arn:aws:s3:::bucket/${aws:PrincipalTag/team, "
                                  "'company-wide'}/*"))
        assert decide("s3:GetObject", "arn:aws:s3:::bucket/company-wide/x", [p]).allowed
        blue = context(("aws:PrincipalTag/team", "blue"))
        assert decide("s3:GetObject", "arn:aws:s3:::bucket/blue/x", [p], ctx=blue).allowed
        assert not decide("s3:GetObject", "arn:aws:s3:::bucket/company-wide/x", [p],
                          ctx=blue).allowed

    @pytest.mark.parametrize("written,literal,other", [
        ("${*}", "*", "x"), ("${?}", "?", "x"), ("${$}", "$", "x"),
    ])
    def test_special_characters(self, written: str, literal: str, other: str) -> None:
        p = policy(allow(resource=f"arn:aws:s3:::bucket/a{written}"))
        assert decide("s3:GetObject", f"arn:aws:s3:::bucket/a{literal}", [p]).allowed
        assert not decide("s3:GetObject", f"arn:aws:s3:::bucket/a{other}", [p]).allowed

    def test_condition_value_variable(self) -> None:
        p = policy(allow("s3:ListBucket", BUCKET, Condition={
            "StringLike": {"s3:prefix": ["home/${aws:username}/*"]}}))
        ok = context(("aws:username", "alice"), ("s3:prefix", "home/alice/docs"))
        other = context(("aws:username", "alice"), ("s3:prefix", "home/bob/docs"))
        assert decide("s3:ListBucket", BUCKET, [p], ctx=ok).allowed
        assert not decide("s3:ListBucket", BUCKET, [p], ctx=other).allowed

    @pytest.mark.parametrize("version", ["2008-10-17", None])
    def test_no_substitution_in_old_or_missing_version(self, version: str | None) -> None:
        p = policy(allow(resource=self.HOME), version=version)
        assert not decide("s3:GetObject", "arn:aws:s3:::bucket/home/alice/f", [p],
                          ctx=self.ALICE_CTX).allowed
        assert decide("s3:GetObject", "arn:aws:s3:::bucket/home/${aws:username}/f", [p],
                      ctx=self.ALICE_CTX).allowed
        cond = policy(allow(Condition={"StringEquals": {"aws:userid": "${aws:username}"}}),
                      version=version)
        literal = context(("aws:userid", "${aws:username}"), ("aws:username", "alice"))
        assert decide("s3:GetObject", OBJECT, [cond], ctx=literal).allowed

    def test_unresolved_variable_never_matches(self) -> None:
        p = policy(allow(resource=self.HOME))
        for resource in ("arn:aws:s3:::bucket/home//f", "arn:aws:s3:::bucket/home/x/f",
                         "arn:aws:s3:::bucket/home/${aws:username}/f"):
            assert not decide("s3:GetObject", resource, [p]).allowed

    def test_unresolved_variable_in_a_deny_denies_nothing(self) -> None:
        p = policy(allow("s3:*"), deny(resource=self.HOME))
        assert decide("s3:GetObject", "arn:aws:s3:::bucket/home/alice/f", [p]).allowed
        assert decide("s3:GetObject", "arn:aws:s3:::bucket/home/alice/f", [p],
                      ctx=self.ALICE_CTX).decision == EXPLICIT_DENY

    def test_multivalued_key_is_no_variable(self) -> None:
        # Single-valued vs. multivalued context keys: multivalued keys cannot be variables
        p = policy(allow(resource="arn:aws:s3:::bucket/${aws:TagKeys}"))
        ctx = context(("aws:TagKeys", ["a"], "stringList"))
        assert not decide("s3:GetObject", "arn:aws:s3:::bucket/a", [p], ctx=ctx).allowed

    def test_variable_key_name_is_case_insensitive(self) -> None:
        p = policy(allow(resource="arn:aws:s3:::bucket/${AWS:UserName}"))
        assert decide("s3:GetObject", "arn:aws:s3:::bucket/alice", [p],
                      ctx=self.ALICE_CTX).allowed


# ---------------------------------------------------------------------------- principals


def resource_policy(*statements: dict[str, Any]) -> PolicyInput:
    return policy(*statements, kind=PolicyType.RESOURCE, name="ResourcePolicy")


def grant(principal: Any, action: str = "s3:GetObject", effect: str = "Allow",
          key: str = "Principal") -> dict[str, Any]:
    return {"Effect": effect, key: principal, "Action": action, "Resource": "arn:aws:s3:::bucket/*"}


class TestPrincipalForms:
    """AWS JSON policy elements: Principal: "*" is everyone; an account ID or its root ARN
    is the account (delegating to its identity policies); a user ARN is that user; a role
    ARN covers the role's sessions; a session ARN is that session; Service and Federated
    name a service or an identity provider."""

    def allowed(self, principal: Any, caller: str, identity: list[PolicyInput] | None = None,
                ) -> bool:
        return decide("s3:GetObject", OBJECT, identity, resource_policy=resource_policy(
            grant(principal)), caller=caller).allowed

    def test_everyone(self) -> None:
        assert self.allowed("*", ALICE)
        assert self.allowed({"AWS": "*"}, SESSION)

    def test_user_arn(self) -> None:
        assert self.allowed({"AWS": ALICE}, ALICE)
        assert not self.allowed({"AWS": ALICE}, BOB)
        assert not self.allowed({"AWS": f"arn:aws:iam::{ACCOUNT}:user/Alice"}, ALICE)

    @pytest.mark.parametrize("principal", [ACCOUNT, f"arn:aws:iam::{ACCOUNT}:root"])
    def test_account_delegates_to_identity_policies(self, principal: str) -> None:
        assert not self.allowed({"AWS": principal}, ALICE)
        assert self.allowed({"AWS": principal}, ALICE, [policy(allow())])
        assert not self.allowed({"AWS": principal}, ALICE, [policy(allow("s3:PutObject"))])

    def test_role_arn_covers_its_sessions(self) -> None:
        assert self.allowed({"AWS": ROLE}, SESSION)
        other_role = f"arn:aws:sts::{ACCOUNT}:assumed-role/other/alice-session"
        assert not self.allowed({"AWS": ROLE}, other_role)

    def test_role_with_a_path_covers_its_sessions(self) -> None:
        # an assumed-role session ARN carries the role's name but not its path
        role = f"arn:aws:iam::{ACCOUNT}:role/teams/blue/app"
        assert self.allowed({"AWS": role}, SESSION)

    def test_session_arn(self) -> None:
        assert self.allowed({"AWS": SESSION}, SESSION)
        assert not self.allowed({"AWS": SESSION},
                                f"arn:aws:sts::{ACCOUNT}:assumed-role/app/other-session")

    def test_list_of_principals(self) -> None:
        principal = {"AWS": [BOB, f"arn:aws:iam::{OTHER}:user/x"], "Service": "s3.amazonaws.com"}
        assert self.allowed(principal, BOB)
        assert not self.allowed(principal, ALICE)

    def test_service(self) -> None:
        trust = policy({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                        "Action": "sts:AssumeRole"}, kind=PolicyType.TRUST)
        assert decide("sts:AssumeRole", ROLE, resource_policy=trust,
                      caller="ec2.amazonaws.com").allowed
        assert not decide("sts:AssumeRole", ROLE, resource_policy=trust,
                          caller="lambda.amazonaws.com").allowed
        assert not decide("sts:AssumeRole", ROLE, resource_policy=trust, caller=ALICE).allowed

    def test_federated(self) -> None:
        provider = f"arn:aws:iam::{ACCOUNT}:saml-provider/Okta"
        trust = policy({"Effect": "Allow", "Principal": {"Federated": provider},
                        "Action": "sts:AssumeRoleWithSAML"}, kind=PolicyType.TRUST)
        assert decide("sts:AssumeRoleWithSAML", ROLE, resource_policy=trust,
                      caller=provider).allowed
        assert not decide("sts:AssumeRoleWithSAML", ROLE, resource_policy=trust,
                          caller=f"arn:aws:iam::{ACCOUNT}:saml-provider/Other").allowed

    def test_web_identity_provider(self) -> None:
        trust = policy({"Effect": "Allow", "Principal": {"Federated": "accounts.google.com"},
                        "Action": "sts:AssumeRoleWithWebIdentity"}, kind=PolicyType.TRUST)
        assert decide("sts:AssumeRoleWithWebIdentity", ROLE, resource_policy=trust,
                      caller="accounts.google.com").allowed
        assert not decide("sts:AssumeRoleWithWebIdentity", ROLE, resource_policy=trust,
                          caller="graph.facebook.com").allowed

    def test_not_principal_with_deny(self) -> None:
        # NotPrincipal: deny everyone except the principals listed (with their account)
        rp = resource_policy(grant("*"), grant({"AWS": [BOB, f"arn:aws:iam::{ACCOUNT}:root"]},
                                               effect="Deny", key="NotPrincipal"))
        assert decide("s3:GetObject", OBJECT, resource_policy=rp, caller=BOB).allowed
        assert decide("s3:GetObject", OBJECT, resource_policy=rp,
                      caller=ALICE).decision == EXPLICIT_DENY

    def test_resource_statement_naming_someone_else_does_not_apply(self) -> None:
        rp = resource_policy(grant({"AWS": BOB}, effect="Deny"))
        assert decide("s3:GetObject", OBJECT, [policy(allow())], resource_policy=rp).allowed


class TestSameAccount:
    """Policy evaluation logic, "Evaluating identity-based policies with resource-based
    policies": within one account, the permissions are the union of both."""

    def test_union(self) -> None:
        identity = [policy(allow("s3:GetObject"))]
        rp = resource_policy(grant({"AWS": ALICE}, "s3:PutObject"))
        assert decide("s3:GetObject", OBJECT, identity, resource_policy=rp).allowed
        result = decide("s3:PutObject", OBJECT, identity, resource_policy=rp)
        assert result.allowed and result.decided_by == "resource"
        assert not decide("s3:DeleteObject", OBJECT, identity, resource_policy=rp).allowed

    def test_resource_grant_alone_suffices(self) -> None:
        rp = resource_policy(grant({"AWS": ALICE}))
        result = decide("s3:GetObject", OBJECT, resource_policy=rp)
        assert result.allowed
        assert [m.source.source_id for m in result.matched] == ["ResourcePolicy"]
        assert result.to_aws()["MatchedStatements"][0]["SourcePolicyType"] == "resource"


class TestCarlosExample:
    """Policy evaluation for requests within a single account, "Example identity-based and
    resource-based policy evaluation": Carlos's identity policy (verbatim from the page)
    denies every S3 bucket whose name holds "log", so a bucket policy that lets him put
    objects into his logs bucket does not help: an explicit deny overrides the allow."""

    CARLOS = f"arn:aws:iam::{ACCOUNT}:user/carlossalazar"
    IDENTITY = policy(
        {"Sid": "AllowS3ListRead", "Effect": "Allow",
         "Action": ["s3:GetBucketLocation", "s3:GetAccountPublicAccessBlock",
                    "s3:ListAccessPoints", "s3:ListAllMyBuckets"],
         "Resource": "arn:aws:s3:::*"},
        {"Sid": "AllowS3Self", "Effect": "Allow", "Action": "s3:*",
         "Resource": ["arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar/*",
                      "arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar"]},
        {"Sid": "DenyS3Logs", "Effect": "Deny", "Action": "s3:*",
         "Resource": "arn:aws:s3:::*log*"})
    LOGS = "arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar-logs"

    def test_logs_bucket_denied_despite_bucket_policy(self) -> None:
        bucket_policy = resource_policy({
            "Effect": "Allow", "Principal": {"AWS": self.CARLOS}, "Action": "s3:PutObject",
            "Resource": f"{self.LOGS}/*"})
        result = decide("s3:PutObject", f"{self.LOGS}/file.txt", [self.IDENTITY],
                        resource_policy=bucket_policy, caller=self.CARLOS)
        assert result.decision == EXPLICIT_DENY
        assert [m.statement.statement.sid for m in result.matched] == ["DenyS3Logs"]
        assert '"DenyS3Logs"' in explain(result).summary

    def test_his_own_bucket_and_listing(self) -> None:
        own = "arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar/photo.jpg"
        assert decide("s3:PutObject", own, [self.IDENTITY], caller=self.CARLOS).allowed
        assert decide("s3:ListAllMyBuckets", "arn:aws:s3:::any-bucket", [self.IDENTITY],
                      caller=self.CARLOS).allowed
        assert decide("s3:GetBucketLocation", self.LOGS, [self.IDENTITY],
                      caller=self.CARLOS).decision == EXPLICIT_DENY
        assert not decide("s3:PutObject", "arn:aws:s3:::someone-else/x", [self.IDENTITY],
                          caller=self.CARLOS).allowed


class TestPermissionsBoundaries:
    """Permissions boundaries for IAM entities: the effective permissions are the
    intersection of identity-based policies and the boundary. Within one account, a
    resource-based policy that names the user ARN, or the session ARN, is not limited by
    an implicit deny in the boundary; one that names the role ARN is."""

    # the page's example: ShirleyRodriguez may manage only S3, CloudWatch and EC2
    BOUNDARY = policy(allow(["s3:*", "cloudwatch:*", "ec2:*"]),
                      name="PermissionsBoundaryPolicyInputList.1")

    def test_intersection(self) -> None:
        identity = [policy(allow("iam:*"), allow("s3:GetObject"))]
        result = decide("iam:CreateUser", "*", identity, boundaries=[self.BOUNDARY])
        assert result.decision == IMPLICIT_DENY and result.decided_by == "boundary"
        assert result.to_aws()["PermissionsBoundaryDecisionDetail"] == {
            "AllowedByPermissionsBoundary": False}
        result = decide("s3:GetObject", OBJECT, identity, boundaries=[self.BOUNDARY])
        assert result.allowed
        assert result.to_aws()["PermissionsBoundaryDecisionDetail"] == {
            "AllowedByPermissionsBoundary": True}

    def test_boundary_alone_grants_nothing(self) -> None:
        assert decide("s3:GetObject", OBJECT, [], boundaries=[self.BOUNDARY]).decision \
            == IMPLICIT_DENY

    def test_boundary_conditions_apply(self) -> None:
        boundary = policy(allow("s3:*", Condition={"StringEquals": {"aws:RequestedRegion":
                                                                    "eu-west-1"}}))
        identity = [policy(allow("s3:*"))]
        assert not decide("s3:GetObject", OBJECT, identity, boundaries=[boundary]).allowed
        ctx = context(("aws:RequestedRegion", "eu-west-1"))
        assert decide("s3:GetObject", OBJECT, identity, boundaries=[boundary], ctx=ctx).allowed

    def test_resource_policy_naming_the_user_is_not_limited(self) -> None:
        rp = resource_policy(grant({"AWS": ALICE}, "s3:GetObject"))
        boundary = policy(allow("ec2:*"))
        result = decide("s3:GetObject", OBJECT, [], boundaries=[boundary], resource_policy=rp)
        assert result.allowed and result.decided_by == "resource"

    def test_resource_policy_naming_the_session_is_not_limited(self) -> None:
        rp = resource_policy(grant({"AWS": SESSION}))
        result = decide("s3:GetObject", OBJECT, [], boundaries=[policy(allow("ec2:*"))],
                        resource_policy=rp, caller=SESSION)
        assert result.allowed

    def test_resource_policy_naming_the_role_is_limited(self) -> None:
        rp = resource_policy(grant({"AWS": ROLE}))
        limited = decide("s3:GetObject", OBJECT, [], boundaries=[policy(allow("ec2:*"))],
                         resource_policy=rp, caller=SESSION)
        assert limited.decision == IMPLICIT_DENY and limited.decided_by == "boundary"
        within = decide("s3:GetObject", OBJECT, [], boundaries=[policy(allow("s3:*"))],
                        resource_policy=rp, caller=SESSION)
        assert within.allowed

    def test_resource_policy_naming_the_account_is_limited(self) -> None:
        rp = resource_policy(grant({"AWS": ACCOUNT}))
        identity = [policy(allow())]
        assert not decide("s3:GetObject", OBJECT, identity, boundaries=[policy(allow("ec2:*"))],
                          resource_policy=rp).allowed
        assert decide("s3:GetObject", OBJECT, identity, boundaries=[policy(allow("s3:*"))],
                      resource_policy=rp).allowed

    def test_explicit_deny_in_a_boundary_beats_a_resource_grant(self) -> None:
        rp = resource_policy(grant({"AWS": ALICE}))
        boundary = policy(allow("*"), deny("s3:*"))
        assert decide("s3:GetObject", OBJECT, [], boundaries=[boundary],
                      resource_policy=rp).decision == EXPLICIT_DENY

    def test_deny_with_not_principal_always_denies_a_bounded_principal(self) -> None:
        # Permissions boundaries, "Important": a resource-based Deny with NotPrincipal
        # denies any IAM principal that has a boundary, whatever NotPrincipal lists
        rp = resource_policy(grant("*"), grant({"AWS": [ALICE, f"arn:aws:iam::{ACCOUNT}:root"]},
                                               effect="Deny", key="NotPrincipal"))
        assert decide("s3:GetObject", OBJECT, resource_policy=rp).allowed
        result = decide("s3:GetObject", OBJECT, [policy(allow())],
                        boundaries=[policy(allow("*"))], resource_policy=rp)
        assert result.decision == EXPLICIT_DENY and result.decided_by == "resource"
        assert "Denied explicitly" in explain(result).summary


class TestCrossAccount:
    """Cross-account policy evaluation logic: a request to a resource in another account
    is allowed only if the caller's identity-based policies (within its boundary) allow it
    and the resource-based policy of the owning account allows the caller."""

    OWNED = f"arn:aws:sqs:us-east-1:{OTHER}:queue"

    def test_both_sides_needed(self) -> None:
        identity = [policy(allow("sqs:SendMessage"))]
        rp = resource_policy({"Effect": "Allow", "Principal": {"AWS": ACCOUNT},
                              "Action": "sqs:SendMessage", "Resource": self.OWNED})
        both = decide("sqs:SendMessage", self.OWNED, identity, resource_policy=rp)
        assert both.allowed and both.decided_by == "cross-account"
        assert both.to_aws()["EvalDecisionDetails"] == {"IAM Policy": "allowed",
                                                        "Resource Policy": "allowed"}
        no_resource = decide("sqs:SendMessage", self.OWNED, identity)
        assert no_resource.decision == IMPLICIT_DENY
        assert no_resource.to_aws()["EvalDecisionDetails"]["Resource Policy"] == "implicitDeny"
        no_identity = decide("sqs:SendMessage", self.OWNED, [], resource_policy=rp)
        assert no_identity.decision == IMPLICIT_DENY
        assert no_identity.to_aws()["EvalDecisionDetails"]["IAM Policy"] == "implicitDeny"

    def test_resource_owner_given_explicitly(self) -> None:
        identity = [policy(allow())]
        assert decide("s3:GetObject", OBJECT, identity).allowed  # S3 ARNs hold no account
        assert not decide("s3:GetObject", OBJECT, identity, owner=OTHER).allowed
        rp = resource_policy(grant({"AWS": ALICE}))
        assert decide("s3:GetObject", OBJECT, identity, resource_policy=rp, owner=OTHER).allowed

    def test_naming_the_user_does_not_skip_the_identity_side(self) -> None:
        rp = resource_policy(grant({"AWS": ALICE}))
        assert not decide("s3:GetObject", OBJECT, [], resource_policy=rp, owner=OTHER).allowed

    def test_boundary_limits_the_identity_side(self) -> None:
        rp = resource_policy(grant({"AWS": ALICE}))
        result = decide("s3:GetObject", OBJECT, [policy(allow())], resource_policy=rp,
                        boundaries=[policy(allow("ec2:*"))], owner=OTHER)
        assert result.decision == IMPLICIT_DENY

    def test_deny_on_either_side(self) -> None:
        rp = resource_policy(grant("*"), grant("*", effect="Deny"))
        assert decide("s3:GetObject", OBJECT, [policy(allow())], resource_policy=rp,
                      owner=OTHER).decision == EXPLICIT_DENY


# ---------------------------------------------------------------------------- the result


class TestMissingContextValues:
    """EvaluationResult.MissingContextValues: the context keys the policies need that the
    request did not supply (SimulateCustomPolicy infers nothing)."""

    P = policy(allow(resource="arn:aws:s3:::bucket/${aws:username}/*", Condition={
        "Bool": {"aws:MultiFactorAuthPresent": "true"},
        "IpAddressIfExists": {"aws:SourceIp": "10.0.0.0/8"}}))

    def test_lists_keys_used_but_absent(self) -> None:
        result = decide("s3:GetObject", "arn:aws:s3:::bucket/alice/x", [self.P])
        assert {k.lower() for k in result.missing_context} == {
            "aws:username", "aws:multifactorauthpresent", "aws:sourceip"}
        assert result.to_aws()["MissingContextValues"] == list(result.missing_context)

    def test_supplied_keys_are_not_missing(self) -> None:
        ctx = context(("AWS:USERNAME", "alice"), ("aws:MultiFactorAuthPresent", "true",
                                                   "boolean"))
        result = decide("s3:GetObject", "arn:aws:s3:::bucket/alice/x", [self.P], ctx=ctx)
        assert [k.lower() for k in result.missing_context] == ["aws:sourceip"]
        assert result.allowed

    def test_keys_of_a_condition_value_variable(self) -> None:
        p = policy(allow(Condition={"StringEquals": {"s3:prefix": "${aws:username}"}}))
        result = decide("s3:GetObject", OBJECT, [p], ctx=context(("s3:prefix", "x")))
        assert [k.lower() for k in result.missing_context] == ["aws:username"]


class TestEvaluationResultShape:
    """API Reference, EvaluationResult and Statement: EvalActionName, EvalResourceName,
    EvalDecision, MatchedStatements (SourcePolicyId, SourcePolicyType, StartPosition,
    EndPosition), MissingContextValues."""

    def test_shape(self) -> None:
        p = policy(allow(Sid="Read"))
        aws = decide("s3:GetObject", OBJECT, [p]).to_aws()
        assert aws == {
            "EvalActionName": "s3:GetObject", "EvalResourceName": OBJECT,
            "EvalDecision": "allowed",
            "MatchedStatements": [{"SourcePolicyId": "PolicyInputList.1",
                                   "SourcePolicyType": "none",
                                   "StartPosition": {"Line": 4, "Column": 6},
                                   "EndPosition": {"Line": 9, "Column": 6}}],
            "MissingContextValues": [], "EvalDecisionDetails": {}}

    def test_eval_decision_details(self) -> None:
        # EvaluationResult.EvalDecisionDetails: only for cross-account simulations; within
        # one account it is present but empty with a resource ARN, and absent for "*"
        p = policy(allow())
        assert "EvalDecisionDetails" not in decide("s3:GetObject", "*", [p]).to_aws()
        assert decide("s3:GetObject", OBJECT, [p]).to_aws()["EvalDecisionDetails"] == {}
        cross = decide("s3:GetObject", OBJECT, [p], owner=OTHER).to_aws()
        assert set(cross["EvalDecisionDetails"]) == {"IAM Policy", "Resource Policy"}

    def test_every_allowing_statement_is_matched(self) -> None:
        result = decide("s3:GetObject", OBJECT, [policy(allow(), allow("s3:*"),
                                                        allow("ec2:*"))])
        assert [m.statement.statement.index for m in result.matched] == [0, 1]


class TestExplanations:
    """The reason a person reads: which statement decided, and for a failed condition
    which key (Policy evaluation logic, as the simulator's MatchedStatements point)."""

    def test_deny_names_the_statement(self) -> None:
        p = policy(allow(Sid="ReadAll"), deny(Sid="NoSecrets"), name="PolicyInputList.2")
        text = explain(decide("s3:GetObject", OBJECT, [p])).text()
        assert '"NoSecrets"' in text and "PolicyInputList.2" in text
        assert "Denied explicitly" in text
        assert '"ReadAll"' in text  # the overridden allow is mentioned too

    def test_allow_names_the_statement(self) -> None:
        summary = explain(decide("s3:GetObject", OBJECT, [policy(allow(Sid="ReadAll"))])).summary
        assert summary.startswith("Allowed") and '"ReadAll"' in summary

    def test_failed_condition_names_the_key(self) -> None:
        p = policy(allow(Sid="NeedsMfa", Condition={
            "Bool": {"aws:MultiFactorAuthPresent": "true"}}))
        ctx = context(("aws:MultiFactorAuthPresent", "false", "boolean"))
        explanation = explain(decide("s3:GetObject", OBJECT, [p], ctx=ctx))
        assert explanation.summary.startswith("Implicitly denied")
        (line,) = [d for d in explanation.details if "NeedsMfa" in d]
        assert "aws:MultiFactorAuthPresent" in line and "condition failed" in line

    def test_missing_key_is_named(self) -> None:
        p = policy(allow(Condition={"StringEquals": {"aws:PrincipalTag/team": "blue"}}))
        explanation = explain(decide("s3:GetObject", OBJECT, [p]))
        assert any("aws:PrincipalTag/team" in d and "absent" in d for d in explanation.details)

    def test_boundary_is_named(self) -> None:
        result = decide("iam:CreateUser", "*", [policy(allow("iam:*"))],
                        boundaries=[policy(allow("s3:*"))])
        assert "permissions boundary" in explain(result).summary

    def test_cross_account_is_named(self) -> None:
        result = decide("s3:GetObject", OBJECT, [policy(allow())], owner=OTHER)
        assert "cross-account" in explain(result).summary
