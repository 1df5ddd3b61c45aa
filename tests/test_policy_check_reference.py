"""Every check of AWS's "IAM policy validation check reference" (IAM User Guide, IAM
Access Analyzer policy checks) that applies to identity or resource-based policies: each
heading has an example that yields its issue code here, or is listed as not implemented,
with the reason, in README's validation section. The checks already exercised one by one
in test_policy_analyzer.CASES are counted from there."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from test_policy_analyzer import CASES, allow, doc

from iamtui.policy import FindingType
from iamtui.policy.analyzer import analyze_policy

TRUST = "AWS::IAM::AssumeRolePolicyDocument"
GITHUB = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"
SAML = "arn:aws:iam::111122223333:saml-provider/Okta"
README = Path(__file__).resolve().parent.parent / "README.md"

# The page's headings, in its order (SCP- and RCP-only checks apart, below).
HEADINGS = """
Error – ARN account not allowed
Error – ARN Region not allowed
Error – Data type mismatch
Error – Duplicate keys with different case
Error – Invalid action
Error – Invalid ARN account
Error – Invalid ARN prefix
Error – Invalid ARN Region
Error – Invalid ARN resource
Error – Invalid ARN service case
Error – Invalid condition data type
Error – Invalid condition key format
Error – Invalid condition multiple Boolean
Error – Invalid condition operator
Error – Invalid effect
Error – Invalid global condition key
Error – Invalid partition
Error – Invalid policy element
Error – Invalid principal format
Error – Invalid principal key
Error – Invalid Region
Error – Invalid service
Error – Invalid service condition key
Error – Invalid service in action
Error – Invalid variable for operator
Error – Invalid version
Error – Json syntax error
Error – Missing action
Error – Missing ARN field
Error – Missing ARN Region
Error – Missing effect
Error – Missing principal
Error – Missing qualifier
Error – Missing resource
Error – Missing statement
Error – Null with if exists
Error – Unique Sids required
Error – Unsupported action in policy
Error – Unsupported element combination
Error – Unsupported global condition key
Error – Unsupported principal
Error – Unsupported resource ARN in policy
Error – Unsupported Sid
Error – Unsupported wildcard in principal
Error – Missing brace in variable
Error – Missing quote in variable
Error – Unsupported space in variable
Error – Unsupported symbol in variable
Error – Empty variable
Error – Variable unsupported in element
Error – Variable unsupported in version
Error – Private IP address
Error – Private NotIpAddress
Error – Invalid service principal format
Error – Missing tag key in condition
Error – Invalid vpc format
Error – Invalid vpce format
Error – Federated principal not supported
Error – Unsupported action for condition key
Error – Unsupported condition key for service principal
Error – Role trust policy syntax error notprincipal
Error – Role trust policy unsupported wildcard in principal
Error – Role trust policy syntax error resource
Error – Type mismatch IP range
Error – Missing action for condition key
Error – Invalid federated principal syntax in role trust policy
Error – Mismatched action for principal
Error – Missing action for roles anywhere trust policy
Error – Missing ARN account
Error – Invalid kms key value
Error – Variable usage too permissive
Error – Wildcard usage too permissive
General Warning – Create SLR with NotResource
General Warning – Create SLR with star in action and NotResource
General Warning – Create SLR with NotAction and NotResource
General Warning – Create SLR with star in resource
General Warning – Create SLR with star in action and resource
General Warning – Create SLR with star in resource and NotAction
General Warning – Deprecated global condition key
General Warning – Invalid date value
General Warning – Invalid role reference
General Warning – Invalid user reference
General Warning – Missing version
General Warning – Unique Sids recommended
General Warning – Wildcard without like operator
General Warning – Policy size exceeds identity policy quota
General Warning – Policy size exceeds resource policy quota
General Warning – Type mismatch
General Warning – Type mismatch Boolean
General Warning – Type mismatch date
General Warning – Type mismatch number
General Warning – Type mismatch string
General Warning – Specific github repo and branch recommended
General Warning – Policy size exceeds role trust policy quota
General Warning – Use condition key only with supported services
Security Warning – Untrustworthy condition key
Security Warning – Allow with NotPrincipal
Security Warning – ForAllValues with single valued key
Security Warning – Pass role with NotResource
Security Warning – Pass role with star in action and NotResource
Security Warning – Pass role with NotAction and NotResource
Security Warning – Pass role with star in resource
Security Warning – Pass role with star in action and resource
Security Warning – Pass role with star in resource and NotAction
Security Warning – Missing paired condition keys
Security Warning – Deny with unsupported tag condition key for service
Security Warning – Deny NotAction with unsupported tag condition key for service
Security Warning – Restrict access to service principal
Security Warning – Missing condition key for oidc principal
Security Warning – Missing github repo condition key
Security Warning – String like operator with ARN condition keys
Security Warning – DynamoDB attributes without select
Security Warning – S3 prefix in negative context
Security Warning – ForAnyValue with audience claim type
Suggestion – Empty array action
Suggestion – Empty array condition
Suggestion – Empty array condition ForAllValues
Suggestion – Empty array condition ForAnyValue
Suggestion – Empty array condition IfExists
Suggestion – Empty array principal
Suggestion – Empty array resource
Suggestion – Empty object condition
Suggestion – Empty object principal
Suggestion – Empty Sid value
Suggestion – Equivalent to null false
Suggestion – Equivalent to null true
Suggestion – Improve IP range
Suggestion – Null with qualifier
Suggestion – Private IP address subset
Suggestion – Private NotIpAddress subset
Suggestion – Redundant action
Suggestion – Redundant condition value num
Suggestion – Redundant resource
Suggestion – Redundant statement
Suggestion – Wildcard in service name
Suggestion – Allow with unsupported tag condition key for service
Suggestion – Allow NotAction with unsupported tag condition key for service
Suggestion – Recommended condition key for service principal
Suggestion – Irrelevant condition key in policy
Suggestion – Redundant key due to wildcard in condition
Suggestion – Redundant principal in role trust policy
Suggestion – Redundant statement due to wildcard in condition
Suggestion – Confirm audience claim type
""".strip().splitlines()

# Checks the data here cannot make: each is in README's validation section, with why.
NOT_IMPLEMENTED = {
    "Error – Unsupported condition key for service principal",
    "Error – Missing action for condition key",
    "Error – Invalid kms key value",
    "Error – Variable usage too permissive",
    "Error – Wildcard usage too permissive",
    "General Warning – Policy size exceeds resource policy quota",
    "General Warning – Use condition key only with supported services",
    "Security Warning – ForAnyValue with audience claim type",
    "Suggestion – Redundant key due to wildcard in condition",
    "Suggestion – Redundant statement due to wildcard in condition",
    "Suggestion – Confirm audience claim type",
}


def trust(*statements: dict[str, Any]) -> str:
    return doc(*statements)


def oidc(principal: str, **elements: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Principal": {"Federated": principal},
            "Action": "sts:AssumeRoleWithWebIdentity", **elements}


def big(statement: dict[str, Any], chars: int) -> dict[str, Any]:
    """`statement` with enough (distinct) resources to pass `chars` characters."""
    count = chars // 28 + 1
    return {**statement, "Resource": [f"arn:aws:s3:::bucket-{i:06d}/*" for i in range(count)]}


# heading -> (document, policy type, resource type, issue code, finding type)
EXTRA: dict[str, tuple[str, str, str | None, str, FindingType]] = {
    "Error – Invalid ARN prefix": (doc(allow(Resource="reports/*")), "IDENTITY_POLICY", None,
                                   "INVALID_ARN_PREFIX", FindingType.ERROR),
    "Error – Invalid condition operator": (
        doc(allow(Condition={"StringEqualz": {"s3:prefix": "a"}})), "IDENTITY_POLICY", None,
        "INVALID_CONDITION_OPERATOR", FindingType.ERROR),
    "Error – Invalid effect": (doc(allow(Effect="Permit")), "IDENTITY_POLICY", None,
                               "INVALID_EFFECT", FindingType.ERROR),
    "Error – Invalid policy element": (doc(allow(Resources="*")), "IDENTITY_POLICY", None,
                                       "INVALID_POLICY_ELEMENT", FindingType.ERROR),
    "Error – Invalid principal format": (doc({**allow(), "Principal": ["111122223333"]}),
                                         "RESOURCE_POLICY", None, "INVALID_PRINCIPAL_FORMAT",
                                         FindingType.ERROR),
    "Error – Invalid principal key": (doc({**allow(), "Principal": {"Users": "bob"}}),
                                      "RESOURCE_POLICY", None, "INVALID_PRINCIPAL_KEY",
                                      FindingType.ERROR),
    "Error – Invalid version": (json.dumps({"Version": "2020-01-01", "Statement": [allow()]}),
                                "IDENTITY_POLICY", None, "INVALID_VERSION", FindingType.ERROR),
    "Error – Json syntax error": ('{"Version": "2012-10-17", "Statement": [', "IDENTITY_POLICY",
                                  None, "JSON_SYNTAX_ERROR", FindingType.ERROR),
    "Error – Missing action": (doc({"Effect": "Allow", "Resource": "*"}), "IDENTITY_POLICY",
                               None, "MISSING_ACTION", FindingType.ERROR),
    "Error – Missing ARN field": (doc(allow(Resource="arn:aws:s3")), "IDENTITY_POLICY", None,
                                 "MISSING_ARN_FIELD", FindingType.ERROR),
    "Error – Missing effect": (doc({"Action": "s3:GetObject", "Resource": "*"}),
                               "IDENTITY_POLICY", None, "MISSING_EFFECT", FindingType.ERROR),
    "Error – Missing principal": (doc(allow()), "RESOURCE_POLICY", None, "MISSING_PRINCIPAL",
                                  FindingType.ERROR),
    "Error – Missing resource": (doc({"Effect": "Allow", "Action": "s3:GetObject"}),
                                 "IDENTITY_POLICY", None, "MISSING_RESOURCE",
                                 FindingType.ERROR),
    "Error – Missing statement": ('{"Version": "2012-10-17"}', "IDENTITY_POLICY", None,
                                  "MISSING_STATEMENT", FindingType.ERROR),
    "Error – Null with if exists": (
        doc(allow(Condition={"NullIfExists": {"aws:TagKeys": "true"}})), "IDENTITY_POLICY",
        None, "NULL_WITH_IF_EXISTS", FindingType.ERROR),
    "Error – Unique Sids required": (
        doc({**allow(Sid="A"), "Principal": {"AWS": "111122223333"}},
            {**allow(Sid="A", Action="s3:PutObject"), "Principal": {"AWS": "111122223333"}}),
        "RESOURCE_POLICY", None, "UNIQUE_SIDS_REQUIRED", FindingType.ERROR),
    "Error – Unsupported element combination": (
        doc(allow(NotAction="s3:PutObject")), "IDENTITY_POLICY", None,
        "UNSUPPORTED_ELEMENT_COMBINATION", FindingType.ERROR),
    "Error – Unsupported principal": (doc({**allow(), "Principal": {"AWS": "111122223333"}}),
                                      "IDENTITY_POLICY", None, "UNSUPPORTED_PRINCIPAL",
                                      FindingType.ERROR),
    "Error – Unsupported Sid": (doc(allow(Sid="read-reports")), "IDENTITY_POLICY", None,
                                "UNSUPPORTED_SID", FindingType.ERROR),
    "Error – Unsupported wildcard in principal": (
        doc({**allow(), "Principal": {"AWS": "arn:aws:iam::111122223333:user/*"}}),
        "RESOURCE_POLICY", None, "UNSUPPORTED_WILDCARD_IN_PRINCIPAL", FindingType.ERROR),
    "Error – Variable unsupported in version": (
        json.dumps({"Version": "2008-10-17",
                    "Statement": [allow(Resource="arn:aws:s3:::b/${aws:username}/*")]}),
        "IDENTITY_POLICY", None, "VARIABLE_UNSUPPORTED_IN_VERSION", FindingType.ERROR),
    "Error – Invalid vpc format": (
        doc(allow(Condition={"StringEquals": {"aws:SourceVpc": "vpc-123"}})),
        "IDENTITY_POLICY", None, "INVALID_VPC_FORMAT", FindingType.ERROR),
    "Error – Invalid vpce format": (
        doc(allow(Condition={"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d5e"}})),
        "IDENTITY_POLICY", None, "INVALID_VPCE_FORMAT", FindingType.ERROR),
    "Error – Federated principal not supported": (
        doc({**allow(), "Principal": {"Federated": SAML}}), "RESOURCE_POLICY",
        "AWS::S3::Bucket", "FEDERATED_PRINCIPAL_NOT_SUPPORTED", FindingType.ERROR),
    "Error – Unsupported action for condition key": (
        doc(allow(Action=["s3:ListBucket", "s3:GetObject"], Resource="*",
                  Condition={"StringLike": {"s3:prefix": "home/*"}})),
        "IDENTITY_POLICY", None, "UNSUPPORTED_ACTION_FOR_CONDITION_KEY", FindingType.ERROR),
    "Error – Role trust policy syntax error notprincipal": (
        trust({"Effect": "Allow", "NotPrincipal": {"AWS": "111122223333"},
               "Action": "sts:AssumeRole"}), "RESOURCE_POLICY", TRUST,
        "ROLE_TRUST_POLICY_SYNTAX_ERROR_NOTPRINCIPAL", FindingType.ERROR),
    "Error – Role trust policy unsupported wildcard in principal": (
        trust({"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}),
        "RESOURCE_POLICY", TRUST, "ROLE_TRUST_POLICY_UNSUPPORTED_WILDCARD_IN_PRINCIPAL",
        FindingType.ERROR),
    "Error – Role trust policy syntax error resource": (
        trust({"Effect": "Allow", "Principal": {"AWS": "111122223333"},
               "Action": "sts:AssumeRole", "Resource": "*"}), "RESOURCE_POLICY", TRUST,
        "ROLE_TRUST_POLICY_SYNTAX_ERROR_RESOURCE", FindingType.ERROR),
    "Error – Type mismatch IP range": (
        doc(allow(Condition={"IpAddress": {"aws:SourceIp": "203.0.113.300/24"}})),
        "IDENTITY_POLICY", None, "TYPE_MISMATCH_IP_RANGE", FindingType.ERROR),
    "Error – Invalid federated principal syntax in role trust policy": (
        trust(oidc("not a provider", Condition={"StringEquals": {"x.com:aud": "a"}})),
        "RESOURCE_POLICY", TRUST, "INVALID_FEDERATED_PRINCIPAL_SYNTAX_IN_ROLE_TRUST_POLICY",
        FindingType.ERROR),
    "Error – Mismatched action for principal": (
        trust({"Effect": "Allow", "Principal": {"Federated": SAML},
               "Action": "sts:AssumeRoleWithWebIdentity"}), "RESOURCE_POLICY", TRUST,
        "MISMATCHED_ACTION_FOR_PRINCIPAL", FindingType.ERROR),
    "Error – Missing action for roles anywhere trust policy": (
        trust({"Effect": "Allow", "Principal": {"Service": "rolesanywhere.amazonaws.com"},
               "Action": "sts:AssumeRole"}), "RESOURCE_POLICY", TRUST,
        "MISSING_ACTION_FOR_ROLES_ANYWHERE_TRUST_POLICY", FindingType.ERROR),
    "Error – Missing ARN account": (
        doc(allow(Action="lambda:InvokeFunction",
                  Resource="arn:aws:lambda:us-east-1::function:f")), "IDENTITY_POLICY", None,
        "MISSING_ARN_ACCOUNT", FindingType.ERROR),
    "General Warning – Create SLR with NotResource": (
        doc({"Effect": "Allow", "Action": "iam:CreateServiceLinkedRole",
             "NotResource": "arn:aws:iam::111122223333:role/a"}), "IDENTITY_POLICY", None,
        "CREATE_SLR_WITH_NOT_RESOURCE", FindingType.WARNING),
    "General Warning – Create SLR with star in action and NotResource": (
        doc({"Effect": "Allow", "Action": "iam:*",
             "NotResource": "arn:aws:iam::111122223333:role/a"}), "IDENTITY_POLICY", None,
        "CREATE_SLR_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE", FindingType.WARNING),
    "General Warning – Create SLR with NotAction and NotResource": (
        doc({"Effect": "Allow", "NotAction": "s3:*",
             "NotResource": "arn:aws:iam::111122223333:role/a"}), "IDENTITY_POLICY", None,
        "CREATE_SLR_WITH_NOT_ACTION_AND_NOT_RESOURCE", FindingType.WARNING),
    "General Warning – Create SLR with star in resource": (
        doc({"Effect": "Allow", "Action": "iam:CreateServiceLinkedRole", "Resource": "*"}),
        "IDENTITY_POLICY", None, "CREATE_SLR_WITH_STAR_IN_RESOURCE", FindingType.WARNING),
    "General Warning – Create SLR with star in action and resource": (
        doc({"Effect": "Allow", "Action": "iam:Create*", "Resource": "*"}), "IDENTITY_POLICY",
        None, "CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE", FindingType.WARNING),
    "General Warning – Create SLR with star in resource and NotAction": (
        doc({"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}), "IDENTITY_POLICY",
        None, "CREATE_SLR_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION", FindingType.WARNING),
    "General Warning – Deprecated global condition key": (
        doc(allow(Condition={"ArnEquals": {"aws:ARN": "arn:aws:iam::111122223333:root"}})),
        "IDENTITY_POLICY", None, "DEPRECATED_GLOBAL_CONDITION_KEY", FindingType.WARNING),
    "General Warning – Missing version": (json.dumps({"Statement": [allow()]}),
                                          "IDENTITY_POLICY", None, "MISSING_VERSION",
                                          FindingType.WARNING),
    "General Warning – Unique Sids recommended": (
        doc(allow(Sid="Read"), allow(Sid="Read", Action="s3:PutObject")), "IDENTITY_POLICY",
        None, "UNIQUE_SIDS_RECOMMENDED", FindingType.WARNING),
    "General Warning – Policy size exceeds identity policy quota": (
        doc(big(allow(), 6200)), "IDENTITY_POLICY", None,
        "POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA", FindingType.WARNING),
    "General Warning – Type mismatch Boolean": (
        doc(allow(Condition={"Bool": {"aws:SecureTransport": "yes"}})), "IDENTITY_POLICY",
        None, "TYPE_MISMATCH_BOOLEAN", FindingType.ERROR),
    "General Warning – Type mismatch date": (
        doc(allow(Condition={"DateLessThan": {"aws:CurrentTime": "tomorrow"}})),
        "IDENTITY_POLICY", None, "TYPE_MISMATCH_DATE", FindingType.ERROR),
    "General Warning – Type mismatch number": (
        doc(allow(Condition={"NumericLessThan": {"aws:MultiFactorAuthAge": "ten"}})),
        "IDENTITY_POLICY", None, "TYPE_MISMATCH_NUMBER", FindingType.ERROR),
    "General Warning – Type mismatch string": (
        doc(allow(Condition={"BinaryEquals": {"aws:UserAgent": "not base64!"}})),
        "IDENTITY_POLICY", None, "TYPE_MISMATCH_STRING", FindingType.ERROR),
    "General Warning – Specific github repo and branch recommended": (
        trust(oidc(GITHUB, Condition={"StringLike": {
            "token.actions.githubusercontent.com:sub": "repo:acme/*"}})),
        "RESOURCE_POLICY", TRUST, "SPECIFIC_GITHUB_REPO_AND_BRANCH_RECOMMENDED",
        FindingType.WARNING),
    "General Warning – Policy size exceeds role trust policy quota": (
        trust({"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": [
            f"arn:aws:iam::111122223333:role/role-number-{i:04d}" for i in range(60)]}}),
        "RESOURCE_POLICY", TRUST, "POLICY_SIZE_EXCEEDS_ROLE_TRUST_POLICY_QUOTA",
        FindingType.WARNING),
    "Security Warning – Untrustworthy condition key": (
        doc(allow(Condition={"StringEquals": {"aws:UserAgent": "my-app"}})),
        "IDENTITY_POLICY", None, "UNTRUSTWORTHY_CONDITION_KEY", FindingType.SECURITY_WARNING),
    "Security Warning – Allow with NotPrincipal": (
        doc({**allow(), "NotPrincipal": {"AWS": "111122223333"}}), "RESOURCE_POLICY", None,
        "ALLOW_WITH_NOT_PRINCIPAL", FindingType.SECURITY_WARNING),
    "Security Warning – Pass role with NotResource": (
        doc({"Effect": "Allow", "Action": "iam:PassRole",
             "NotResource": "arn:aws:iam::111122223333:role/a"}), "IDENTITY_POLICY", None,
        "PASS_ROLE_WITH_NOT_RESOURCE", FindingType.SECURITY_WARNING),
    "Security Warning – Pass role with star in action and NotResource": (
        doc({"Effect": "Allow", "Action": "iam:*",
             "NotResource": "arn:aws:iam::111122223333:role/a"}), "IDENTITY_POLICY", None,
        "PASS_ROLE_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE", FindingType.SECURITY_WARNING),
    "Security Warning – Pass role with NotAction and NotResource": (
        doc({"Effect": "Allow", "NotAction": "s3:*",
             "NotResource": "arn:aws:iam::111122223333:role/a"}), "IDENTITY_POLICY", None,
        "PASS_ROLE_WITH_NOT_ACTION_AND_NOT_RESOURCE", FindingType.SECURITY_WARNING),
    "Security Warning – Pass role with star in resource": (
        doc({"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}),
        "IDENTITY_POLICY", None, "PASS_ROLE_WITH_STAR_IN_RESOURCE",
        FindingType.SECURITY_WARNING),
    "Security Warning – Pass role with star in action and resource": (
        doc({"Effect": "Allow", "Action": "iam:Pass*", "Resource": "*"}), "IDENTITY_POLICY",
        None, "PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE", FindingType.SECURITY_WARNING),
    "Security Warning – Pass role with star in resource and NotAction": (
        doc({"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}), "IDENTITY_POLICY",
        None, "PASS_ROLE_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION", FindingType.SECURITY_WARNING),
    "Security Warning – Restrict access to service principal": (
        doc({**allow(), "Principal": {"Service": "cloudtrail.amazonaws.com"}}),
        "RESOURCE_POLICY", "AWS::S3::Bucket", "RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL",
        FindingType.SECURITY_WARNING),
    "Security Warning – Missing condition key for oidc principal": (
        trust(oidc("arn:aws:iam::111122223333:oidc-provider/auth.example.com")),
        "RESOURCE_POLICY", TRUST, "MISSING_CONDITION_KEY_FOR_OIDC_PRINCIPAL",
        FindingType.SECURITY_WARNING),
    "Security Warning – Missing github repo condition key": (
        trust(oidc(GITHUB, Condition={"StringEquals": {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}})),
        "RESOURCE_POLICY", TRUST, "MISSING_GITHUB_REPO_CONDITION_KEY",
        FindingType.SECURITY_WARNING),
    "Security Warning – String like operator with ARN condition keys": (
        doc(allow(Condition={"StringLike": {"aws:SourceArn": "arn:aws:sns:*:*:topic"}})),
        "IDENTITY_POLICY", None, "STRING_LIKE_OPERATOR_WITH_ARN_CONDITION_KEYS",
        FindingType.SECURITY_WARNING),
    "Security Warning – DynamoDB attributes without select": (
        doc(allow(Action="dynamodb:GetItem",
                  Resource="arn:aws:dynamodb:us-east-1:111122223333:table/t",
                  Condition={"ForAllValues:StringEquals": {"dynamodb:Attributes": ["id"]}})),
        "IDENTITY_POLICY", None, "DYNAMODB_ATTRIBUTES_WITHOUT_SELECT",
        FindingType.SECURITY_WARNING),
    "Security Warning – S3 prefix in negative context": (
        doc({"Effect": "Deny", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::b",
             "Condition": {"StringLike": {"s3:prefix": "private/*"}}}), "IDENTITY_POLICY",
        None, "S3_PREFIX_IN_NEGATIVE_CONTEXT", FindingType.SECURITY_WARNING),
    "Suggestion – Equivalent to null false": (
        doc(allow(Condition={"StringLike": {"aws:PrincipalTag/team": "*"}})),
        "IDENTITY_POLICY", None, "EQUIVALENT_TO_NULL_FALSE", FindingType.SUGGESTION),
    "Suggestion – Equivalent to null true": (
        doc(allow(Condition={"StringNotLike": {"aws:PrincipalTag/team": "*"}})),
        "IDENTITY_POLICY", None, "EQUIVALENT_TO_NULL_TRUE", FindingType.SUGGESTION),
    "Suggestion – Redundant action": (
        doc(allow(Action=["iam:Get*", "iam:GetCredentialReport"], Resource="*")),
        "IDENTITY_POLICY", None, "REDUNDANT_ACTION", FindingType.SUGGESTION),
    "Suggestion – Redundant statement": (doc(allow(), allow()), "IDENTITY_POLICY", None,
                                         "REDUNDANT_STATEMENT", FindingType.SUGGESTION),
    "Suggestion – Recommended condition key for service principal": (
        doc({**allow(), "Principal": {"Service": "cloudfront.amazonaws.com"},
             "Condition": {"StringEquals": {"aws:Referer": "x",
                                            "aws:SourceAccount": "111122223333"}}}),
        "RESOURCE_POLICY", "AWS::S3::Bucket", "RECOMMENDED_CONDITION_KEY_FOR_SERVICE_PRINCIPAL",
        FindingType.SUGGESTION),
    "Suggestion – Irrelevant condition key in policy": (
        doc({**allow(), "Principal": {"AWS": "111122223333"},
             "Condition": {"StringEquals": {"s3:ResourceAccount": "111122223333"}}}),
        "RESOURCE_POLICY", "AWS::S3::Bucket", "IRRELEVANT_CONDITION_KEY_IN_POLICY",
        FindingType.SUGGESTION),
    "Suggestion – Redundant principal in role trust policy": (
        trust({"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": [
            "arn:aws:iam::111122223333:role/deploy",
            "arn:aws:sts::111122223333:assumed-role/deploy/ci"]}}),
        "RESOURCE_POLICY", TRUST, "REDUNDANT_PRINCIPAL_IN_ROLE_TRUST_POLICY",
        FindingType.SUGGESTION),
}


def _tested_in_cases() -> set[str]:
    return {re.sub(r" \(.*\)$", "", heading) for heading, *_ in CASES}


@pytest.mark.parametrize("heading", sorted(EXTRA), ids=sorted(EXTRA))
def test_check(heading: str) -> None:
    """IAM policy validation check reference: the check under `heading` reports its issue
    code with its finding type (Type mismatch Boolean/date/number/string are errors here:
    IAM refuses such a value on save)."""
    text, policy_type, resource_type, code, kind = EXTRA[heading]
    findings = analyze_policy(text, policy_type, resource_type).findings
    assert (kind, code) in {(f.finding_type, f.issue_code) for f in findings}, [
        f.issue_code for f in findings]


def test_every_heading_is_tested_or_said_not_implemented() -> None:
    """Each check of the page that applies to identity or resource-based policies has an
    example here or in test_policy_analyzer.CASES; the rest are named in README's
    validation section, which says why."""
    covered = _tested_in_cases() | set(EXTRA)
    missing = [h for h in HEADINGS if h not in covered and h not in NOT_IMPLEMENTED]
    assert not missing
    assert not covered & NOT_IMPLEMENTED
    readme = README.read_text(encoding="utf-8")
    start = readme.index("### Checks not implemented")
    section = " ".join(readme[start:readme.index("\n## ", start)].split())
    for heading in NOT_IMPLEMENTED:
        assert heading.split(" – ", 1)[1] in section, heading


def test_the_new_checks_stay_quiet_on_correct_policies() -> None:
    """The checks above find nothing in their corrected examples: an OIDC trust with its
    conditions, a Roles Anywhere trust with the three actions, a service principal with
    its source, a VPC ID of 8 characters, s3:prefix in an Allow with StringLike."""
    quiet = [
        (trust(oidc(GITHUB, Condition={"StringEquals": {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": "repo:acme/app:ref:refs/heads/main"}})),
         "RESOURCE_POLICY", TRUST),
        (trust({"Effect": "Allow", "Principal": {"Service": "rolesanywhere.amazonaws.com"},
                "Action": ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"]}),
         "RESOURCE_POLICY", TRUST),
        (doc({**allow(), "Principal": {"Service": "cloudtrail.amazonaws.com"},
              "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}}}),
         "RESOURCE_POLICY", "AWS::S3::Bucket"),
        (doc(allow(Condition={"StringEquals": {"aws:SourceVpc": "vpc-1a2b3c4d"}})),
         "IDENTITY_POLICY", None),
        (doc({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::b",
              "Condition": {"StringLike": {"s3:prefix": "home/*"}}}), "IDENTITY_POLICY", None),
    ]
    for text, policy_type, resource_type in quiet:
        assert not analyze_policy(text, policy_type, resource_type).findings, text
