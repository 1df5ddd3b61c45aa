"""Validation as IAM Access Analyzer's ValidatePolicy does it, with the action catalog.

Each case names the check of the IAM User Guide page "IAM policy validation check
reference" it follows, by its heading (https://docs.aws.amazon.com/IAM/latest/UserGuide/
access-analyzer-reference-policy-checks.html); the issue code is the heading's, and
the finding type its section's. Checks whose code starts IAMTUI_ are iamtui's own.
The response shape: IAM Access Analyzer API Reference, ValidatePolicy.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from iamtui.cli import main
from iamtui.policy import FindingType
from iamtui.policy.analyzer import analyze_policy

# The policy of issue 13: a misspelled action, a key S3 does not have, and s3:ListBucket
# (resource type: bucket) on an object ARN.
ISSUE_EXAMPLE = """{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
  "Action": ["s3:GetObjekt", "s3:ListBucket"], "Resource": "arn:aws:s3:::b/*",
  "Condition": {"StringEquals": {"s3:prefixx": "a"}}}]}"""


def doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, indent=2)


def allow(**elements: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*",
            **elements}


def found(text: str, policy_type: str = "IDENTITY_POLICY",
          resource_type: str | None = None) -> dict[str, tuple[FindingType, str]]:
    return {f.issue_code: (f.finding_type, f.detail)
            for f in analyze_policy(text, policy_type, resource_type).findings}


def test_the_issue_example_yields_awss_two_findings_and_ours() -> None:
    """"Error – Invalid action" and "Error – Invalid service condition key", and iamtui's
    resource-type warning; each pointing at its element."""
    report = analyze_policy(ISSUE_EXAMPLE)
    assert [(f.finding_type, f.issue_code) for f in report.findings] == [
        (FindingType.ERROR, "INVALID_ACTION"),
        (FindingType.ERROR, "INVALID_SERVICE_CONDITION_KEY"),
        (FindingType.WARNING, "IAMTUI_RESOURCE_TYPE_MISMATCH")]
    action, key, resource = report.findings
    assert ISSUE_EXAMPLE[action.offsets[0]:action.offsets[1]] == '"s3:GetObjekt"'
    assert action.path == ("Statement", 0, "Action", 0)
    assert action.detail == "The action s3:GetObjekt does not exist. Did you mean s3:GetObject?"
    assert ISSUE_EXAMPLE[key.offsets[0]:key.offsets[1]] == '"s3:prefixx"'
    assert key.path == ("Statement", 0, "Condition", "StringEquals", "s3:prefixx")
    assert ISSUE_EXAMPLE[resource.offsets[0]:resource.offsets[1]] == '"arn:aws:s3:::b/*"'
    assert "s3:ListBucket" in resource.detail and "bucket" in resource.detail


def test_the_cli_prints_access_analyzers_response(capsys: pytest.CaptureFixture[str]) -> None:
    """`aws accessanalyzer validate-policy` prints {"findings": [...]}, each with
    findingDetails, findingType, issueCode, learnMoreLink and locations (path, span)."""
    assert main(["validate-policy", "--policy-document", ISSUE_EXAMPLE]) == 0
    findings = json.loads(capsys.readouterr().out)["findings"]
    first = findings[0]
    assert first["issueCode"] == "INVALID_ACTION"
    assert first["learnMoreLink"].endswith(
        "access-analyzer-reference-policy-checks.html"
        "#access-analyzer-reference-policy-checks-error-invalid-action")
    start = ISSUE_EXAMPLE.index('"s3:GetObjekt"')
    assert first["locations"] == [{
        "path": [{"value": "Statement"}, {"index": 0}, {"value": "Action"}, {"index": 0}],
        "span": {"start": {"line": 2, "column": 13, "offset": start},
                 "end": {"line": 2, "column": 27, "offset": start + 14}}}]


def test_resource_type_needs_resource_policy(capsys: pytest.CaptureFixture[str]) -> None:
    """ValidatePolicy takes validatePolicyResourceType with RESOURCE_POLICY only."""
    code = main(["validate-policy", "--policy-document", doc(allow()),
                 "--validate-policy-resource-type", "AWS::S3::Bucket"])
    assert code == 254
    assert "(ValidationException)" in capsys.readouterr().err


# (heading, statement(s) or document, policy type, resource type, code, finding type)
CASES: list[tuple[str, Any, str, str | None, str, FindingType]] = [
    ("Error – Invalid service in action", allow(Action="s4:GetObject"), "IDENTITY_POLICY",
     None, "INVALID_SERVICE_IN_ACTION", FindingType.ERROR),
    ("Error – Invalid action", allow(Action="s3:Gett*"), "IDENTITY_POLICY", None,
     "INVALID_ACTION", FindingType.ERROR),
    ("Suggestion – Wildcard in service name", allow(Action="s*:GetObject"),
     "IDENTITY_POLICY", None, "WILDCARD_IN_SERVICE_NAME", FindingType.SUGGESTION),
    ("Error – ARN Region not allowed", allow(Resource="arn:aws:s3:us-east-1::b/*"),
     "IDENTITY_POLICY", None, "ARN_REGION_NOT_ALLOWED", FindingType.ERROR),
    ("Error – ARN account not allowed", allow(Resource="arn:aws:s3::111122223333:b/*"),
     "IDENTITY_POLICY", None, "ARN_ACCOUNT_NOT_ALLOWED", FindingType.ERROR),
    ("Error – Missing ARN Region",
     allow(Action="lambda:InvokeFunction",
           Resource="arn:aws:lambda::111122223333:function:f"),
     "IDENTITY_POLICY", None, "MISSING_ARN_REGION", FindingType.ERROR),
    ("Error – Invalid ARN account",
     allow(Action="iam:GetUser", Resource="arn:aws:iam::1234:user/bob"),
     "IDENTITY_POLICY", None, "INVALID_ARN_ACCOUNT", FindingType.ERROR),
    ("Error – Invalid ARN Region",
     allow(Action="lambda:InvokeFunction",
           Resource="arn:aws:lambda:moon-base:111122223333:function:f"),
     "IDENTITY_POLICY", None, "INVALID_ARN_REGION", FindingType.ERROR),
    ("Error – Invalid partition", allow(Resource="arn:aws-mars:s3:::b/*"),
     "IDENTITY_POLICY", None, "INVALID_PARTITION", FindingType.ERROR),
    ("Error – Invalid ARN service case", allow(Resource="arn:aws:S3:::b/*"),
     "IDENTITY_POLICY", None, "INVALID_ARN_SERVICE_CASE", FindingType.ERROR),
    ("Error – Invalid ARN resource",
     allow(Action="iam:GetUser", Resource="arn:aws:iam::111122223333:usr/bob"),
     "IDENTITY_POLICY", None, "INVALID_ARN_RESOURCE", FindingType.ERROR),
    ("Error – Invalid global condition key",
     allow(Condition={"StringEquals": {"aws:SourceIpp": "a"}}), "IDENTITY_POLICY", None,
     "INVALID_GLOBAL_CONDITION_KEY", FindingType.ERROR),
    ("Error – Unsupported global condition key",
     allow(Condition={"ArnEquals": {"aws:ARN": "arn:aws:iam::111122223333:root"}}),
     "IDENTITY_POLICY", None, "UNSUPPORTED_GLOBAL_CONDITION_KEY", FindingType.ERROR),
    ("Error – Missing tag key in condition",
     allow(Condition={"StringEquals": {"aws:ResourceTag": "a"}}), "IDENTITY_POLICY", None,
     "MISSING_TAG_KEY_IN_CONDITION", FindingType.ERROR),
    ("Error – Invalid service", allow(Condition={"StringEquals": {"s4:prefix": "a"}}),
     "IDENTITY_POLICY", None, "INVALID_SERVICE", FindingType.ERROR),
    ("Error – Invalid service condition key",
     allow(Condition={"StringEquals": {"s3:prefixx": "a"}}), "IDENTITY_POLICY", None,
     "INVALID_SERVICE_CONDITION_KEY", FindingType.ERROR),
    ("Error – Invalid condition key format",
     allow(Condition={"StringEquals": {"prefix": "a"}}), "IDENTITY_POLICY", None,
     "INVALID_CONDITION_KEY_FORMAT", FindingType.ERROR),
    ("Error – Duplicate keys with different case",
     allow(Condition={"StringEquals": {"aws:PrincipalTag/team": "a",
                                       "aws:principaltag/team": "b"}}),
     "IDENTITY_POLICY", None, "DUPLICATE_KEYS_WITH_DIFFERENT_CASE", FindingType.ERROR),
    ("Error – Invalid condition multiple Boolean",
     allow(Condition={"Bool": {"aws:SecureTransport": ["true", "false"]}}),
     "IDENTITY_POLICY", None, "INVALID_CONDITION_MULTIPLE_BOOLEAN", FindingType.ERROR),
    ("Error – Invalid variable for operator",
     allow(Condition={"NumericLessThan": {"s3:max-keys": "${aws:username}"}}),
     "IDENTITY_POLICY", None, "INVALID_VARIABLE_FOR_OPERATOR", FindingType.ERROR),
    ("Error – Missing qualifier",
     allow(Condition={"StringEquals": {"aws:TagKeys": "team"}}), "IDENTITY_POLICY", None,
     "MISSING_QUALIFIER", FindingType.ERROR),
    ("Error – Private IP address",
     allow(Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}), "IDENTITY_POLICY",
     None, "PRIVATE_IP_ADDRESS", FindingType.ERROR),
    ("Error – Private NotIpAddress",
     allow(Condition={"NotIpAddress": {"aws:SourceIp": "192.168.0.0/16"}}),
     "IDENTITY_POLICY", None, "PRIVATE_NOT_IP_ADDRESS", FindingType.ERROR),
    ("Suggestion – Private IP address subset",
     allow(Condition={"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "203.0.113.0/24"]}}),
     "IDENTITY_POLICY", None, "PRIVATE_IP_ADDRESS_SUBSET", FindingType.SUGGESTION),
    ("Suggestion – Private NotIpAddress subset",
     allow(Condition={"NotIpAddress": {"aws:SourceIp": ["10.0.0.0/8", "203.0.113.0/24"]}}),
     "IDENTITY_POLICY", None, "PRIVATE_NOT_IP_ADDRESS_SUBSET", FindingType.SUGGESTION),
    ("Suggestion – Improve IP range",
     allow(Condition={"IpAddress": {"aws:SourceIp": "203.0.113.7/24"}}), "IDENTITY_POLICY",
     None, "IMPROVE_IP_RANGE", FindingType.SUGGESTION),
    ("General Warning – Type mismatch",
     allow(Condition={"StringEquals": {"aws:MultiFactorAuthPresent": "true"}}),
     "IDENTITY_POLICY", None, "TYPE_MISMATCH", FindingType.WARNING),
    ("General Warning – Wildcard without like operator",
     allow(Condition={"StringEquals": {"aws:PrincipalTag/job": "admin-*"}}),
     "IDENTITY_POLICY", None, "WILDCARD_WITHOUT_LIKE_OPERATOR", FindingType.WARNING),
    ("General Warning – Invalid date value",
     allow(Condition={"DateGreaterThan": {"aws:CurrentTime": "1700000000"}}),
     "IDENTITY_POLICY", None, "INVALID_DATE_VALUE", FindingType.WARNING),
    ("Security Warning – ForAllValues with single valued key",
     allow(Condition={"ForAllValues:StringEquals": {"aws:PrincipalTag/team": "a"}}),
     "IDENTITY_POLICY", None, "FORALLVALUES_WITH_SINGLE_VALUED_KEY",
     FindingType.SECURITY_WARNING),
    ("Security Warning – Missing paired condition keys",
     allow(Condition={"IpAddress": {"aws:VpcSourceIp": "10.0.0.0/8"}}), "IDENTITY_POLICY",
     None, "MISSING_PAIRED_CONDITION_KEYS", FindingType.SECURITY_WARNING),
    ("Suggestion – Redundant condition value num",
     allow(Condition={"NumericLessThan": {"aws:MultiFactorAuthAge": ["2700", "3600"]}}),
     "IDENTITY_POLICY", None, "REDUNDANT_CONDITION_VALUE_NUM", FindingType.SUGGESTION),
    ("Suggestion – Empty object condition", allow(Condition={}), "IDENTITY_POLICY", None,
     "EMPTY_OBJECT_CONDITION", FindingType.SUGGESTION),
    ("Suggestion – Empty Sid value", allow(Sid=""), "IDENTITY_POLICY", None,
     "EMPTY_SID_VALUE", FindingType.SUGGESTION),
    ("General Warning – Invalid role reference",
     {**allow(), "Principal": {"AWS": "AROAEXAMPLEID1234567"}}, "RESOURCE_POLICY", None,
     "INVALID_ROLE_REFERENCE", FindingType.WARNING),
    ("General Warning – Invalid user reference",
     {**allow(), "Principal": {"AWS": "AIDAEXAMPLEID1234567"}}, "RESOURCE_POLICY", None,
     "INVALID_USER_REFERENCE", FindingType.WARNING),
    ("Error – SCP syntax error principal", {**allow(), "Principal": "*"},
     "SERVICE_CONTROL_POLICY", None, "SCP_SYNTAX_ERROR_PRINCIPAL", FindingType.ERROR),
    ("Error – SCP syntax error action wildcard", allow(Action="s3:*Object"),
     "SERVICE_CONTROL_POLICY", None, "SCP_SYNTAX_ERROR_ACTION_WILDCARD", FindingType.ERROR),
    ("Error – SCP syntax error allow condition",
     {**allow(Resource="*"), "Condition": {"Bool": {"aws:SecureTransport": "true"}}},
     "SERVICE_CONTROL_POLICY", None, "SCP_SYNTAX_ERROR_ALLOW_CONDITION", FindingType.ERROR),
    ("Error – SCP syntax error allow NotAction",
     {"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}, "SERVICE_CONTROL_POLICY",
     None, "SCP_SYNTAX_ERROR_ALLOW_NOTACTION", FindingType.ERROR),
    ("Error – SCP syntax error allow resource", allow(), "SERVICE_CONTROL_POLICY", None,
     "SCP_SYNTAX_ERROR_ALLOW_RESOURCE", FindingType.ERROR),
    ("Error – SCP syntax error NotResource",
     {"Effect": "Deny", "Action": "s3:*", "NotResource": "arn:aws:s3:::b"},
     "SERVICE_CONTROL_POLICY", None, "SCP_SYNTAX_ERROR_NOTRESOURCE", FindingType.ERROR),
    ("Error – Unsupported action in policy (a role's trust policy)",
     {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
      "Action": "s3:GetObject"}, "RESOURCE_POLICY", "AWS::IAM::AssumeRolePolicyDocument",
     "UNSUPPORTED_ACTION_IN_POLICY", FindingType.ERROR),
    ("Error – Unsupported action in policy (a bucket policy)",
     {**allow(Action="iam:GetUser"), "Principal": {"AWS": "111122223333"}},
     "RESOURCE_POLICY", "AWS::S3::Bucket", "UNSUPPORTED_ACTION_IN_POLICY", FindingType.ERROR),
    ("Error – Unsupported resource ARN in policy (a bucket policy)",
     {**allow(Resource="arn:aws:iam::111122223333:user/bob"),
      "Principal": {"AWS": "111122223333"}},
     "RESOURCE_POLICY", "AWS::S3::Bucket", "UNSUPPORTED_RESOURCE_ARN_IN_POLICY",
     FindingType.ERROR),
    ("Suggestion – Redundant resource",
     allow(Resource=["arn:aws:s3:::b/*", "arn:aws:s3:::b/reports/*"]), "IDENTITY_POLICY",
     None, "REDUNDANT_RESOURCE", FindingType.SUGGESTION),
    ("Error – Variable unsupported in element", allow(Action="s3:${aws:username}"),
     "IDENTITY_POLICY", None, "VARIABLE_UNSUPPORTED_IN_ELEMENT", FindingType.ERROR),
    ("Error – Missing brace in variable", allow(Resource="arn:aws:s3:::b/${aws:username"),
     "IDENTITY_POLICY", None, "MISSING_BRACE_IN_VARIABLE", FindingType.ERROR),
    ("Error – Empty variable", allow(Resource="arn:aws:s3:::b/${}"),
     "IDENTITY_POLICY", None, "EMPTY_VARIABLE", FindingType.ERROR),
    ("Error – Unsupported space in variable", allow(Resource="arn:aws:s3:::b/${aws:user name}"),
     "IDENTITY_POLICY", None, "UNSUPPORTED_SPACE_IN_VARIABLE", FindingType.ERROR),
    ("Error – Invalid Region",
     allow(Condition={"StringEquals": {"aws:RequestedRegion": "moon-base"}}),
     "IDENTITY_POLICY", None, "INVALID_REGION", FindingType.ERROR),
    ("Security Warning – Deny with unsupported tag condition key for service",
     {"Effect": "Deny", "Action": ["s3:ListAllMyBuckets"], "Resource": "*",
      "Condition": {"StringEquals": {"aws:ResourceTag/status": "Confidential"}}},
     "IDENTITY_POLICY", None, "DENY_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
     FindingType.SECURITY_WARNING),
    ("Suggestion – Allow with unsupported tag condition key for service",
     allow(Action="s3:ListAllMyBuckets", Resource="*",
           Condition={"StringEquals": {"aws:ResourceTag/team": "blue"}}), "IDENTITY_POLICY",
     None, "ALLOW_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE", FindingType.SUGGESTION),
    ("Security Warning – Deny NotAction with unsupported tag condition key for service",
     {"Effect": "Deny", "NotAction": "s3:*", "Resource": "*",
      "Condition": {"StringEquals": {"aws:ResourceTag/status": "Confidential"}}},
     "IDENTITY_POLICY", None, "DENY_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
     FindingType.SECURITY_WARNING),
    ("Suggestion – Allow NotAction with unsupported tag condition key for service",
     {"Effect": "Allow", "NotAction": "s3:*", "Resource": "*",
      "Condition": {"StringEquals": {"aws:ResourceTag/team": "blue"}}},
     "IDENTITY_POLICY", None, "ALLOW_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
     FindingType.SUGGESTION),
    ("Suggestion – Empty array action", allow(Action=[]), "IDENTITY_POLICY", None,
     "EMPTY_ARRAY_ACTION", FindingType.SUGGESTION),
    ("Suggestion – Empty array resource", allow(Resource=[]), "IDENTITY_POLICY", None,
     "EMPTY_ARRAY_RESOURCE", FindingType.SUGGESTION),
    ("Suggestion – Empty array principal", {**allow(), "Principal": {"AWS": []}},
     "RESOURCE_POLICY", None, "EMPTY_ARRAY_PRINCIPAL", FindingType.SUGGESTION),
    ("Suggestion – Empty object principal", {**allow(), "Principal": {}},
     "RESOURCE_POLICY", None, "EMPTY_OBJECT_PRINCIPAL", FindingType.SUGGESTION),
    ("Suggestion – Empty array condition",
     allow(Condition={"StringEquals": {"s3:prefix": []}}), "IDENTITY_POLICY", None,
     "EMPTY_ARRAY_CONDITION", FindingType.SUGGESTION),
    ("Suggestion – Empty array condition ForAllValues",
     allow(Condition={"ForAllValues:StringEquals": {"aws:TagKeys": []}}), "IDENTITY_POLICY",
     None, "EMPTY_ARRAY_CONDITION_FORALLVALUES", FindingType.SUGGESTION),
    ("Suggestion – Empty array condition ForAnyValue",
     allow(Condition={"ForAnyValue:StringEquals": {"aws:TagKeys": []}}), "IDENTITY_POLICY",
     None, "EMPTY_ARRAY_CONDITION_FORANYVALUE", FindingType.SUGGESTION),
    ("Suggestion – Empty array condition IfExists",
     allow(Condition={"StringEqualsIfExists": {"aws:PrincipalTag/a": []}}),
     "IDENTITY_POLICY", None, "EMPTY_ARRAY_CONDITION_IFEXISTS", FindingType.SUGGESTION),
    ("Suggestion – Null with qualifier",
     allow(Condition={"ForAnyValue:Null": {"aws:TagKeys": "true"}}), "IDENTITY_POLICY", None,
     "NULL_WITH_QUALIFIER", FindingType.SUGGESTION),
    ("Error – Invalid service principal format",
     {"Effect": "Allow", "Principal": {"Service": "ec2"}, "Action": "sts:AssumeRole"},
     "RESOURCE_POLICY", "AWS::IAM::AssumeRolePolicyDocument",
     "INVALID_SERVICE_PRINCIPAL_FORMAT", FindingType.ERROR),
    ("Error – Unsupported symbol in variable", allow(Resource="arn:aws:s3:::b/${aws:user#}"),
     "IDENTITY_POLICY", None, "UNSUPPORTED_SYMBOL_IN_VARIABLE", FindingType.ERROR),
    ("Error – Missing quote in variable",
     allow(Resource="arn:aws:s3:::b/${aws:userid, anonymous}"), "IDENTITY_POLICY", None,
     "MISSING_QUOTE_IN_VARIABLE", FindingType.ERROR),
    ("Error – Invalid condition data type",
     allow(Condition={"StringEquals": {"s3:prefix": ["a", 1]}}), "IDENTITY_POLICY", None,
     "INVALID_CONDITION_DATA_TYPE", FindingType.ERROR),
    ("Suggestion – Wildcard in service name (resource)",
     allow(Action="s3:GetObject", Resource="arn:aws:*3:::b/*"), "IDENTITY_POLICY", None,
     "WILDCARD_IN_SERVICE_NAME", FindingType.SUGGESTION),
    ("Error – Data type mismatch", allow(Sid=5), "IDENTITY_POLICY", None,
     "DATA_TYPE_MISMATCH", FindingType.ERROR),
    ("iamtui: a resource no action of the statement can match",
     allow(Action="s3:ListBucket"), "IDENTITY_POLICY", None,
     "IAMTUI_RESOURCE_TYPE_MISMATCH", FindingType.WARNING),
    ("iamtui: a condition key none of the statement's actions supports",
     allow(Condition={"StringEquals": {"s3:prefix": "a"}}), "IDENTITY_POLICY", None,
     "IAMTUI_CONDITION_KEY_UNSUPPORTED", FindingType.WARNING),
]


@pytest.mark.parametrize(("heading", "statement", "policy_type", "resource_type", "code",
                          "kind"), CASES, ids=[c[0] for c in CASES])
def test_check(heading: str, statement: dict[str, Any], policy_type: str,
               resource_type: str | None, code: str, kind: FindingType) -> None:
    findings = found(doc(statement), policy_type, resource_type)
    assert code in findings, findings
    assert findings[code][0] is kind


def test_redundant_statement_and_variables_need_version_2012() -> None:
    """"Suggestion – Redundant statement" (the same statement twice) and "Error –
    Variable unsupported in version" (variables need Version 2012-10-17)."""
    statement = allow()
    assert found(doc(statement, {**statement, "Sid": "Again"}))["REDUNDANT_STATEMENT"][0] is \
        FindingType.SUGGESTION
    old = json.dumps({"Version": "2008-10-17", "Statement": [
        allow(Resource="arn:aws:s3:::b/${aws:username}/*")]})
    assert found(old)["VARIABLE_UNSUPPORTED_IN_VERSION"][0] is FindingType.ERROR


def test_policy_size_exceeds_identity_policy_quota() -> None:
    """"General Warning – Policy size exceeds identity policy quota" (6,144 characters
    without whitespace) and "Error – Policy size exceeds SCP quota" (5,120)."""
    statements = [allow(Sid=f"S{i}", Resource=f"arn:aws:s3:::bucket-{i:04d}/*")
                  for i in range(90)]
    text = doc(*statements)
    assert found(text)["POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA"][0] is FindingType.WARNING
    deny = doc(*[{**s, "Effect": "Deny"} for s in statements])
    assert found(deny, "SERVICE_CONTROL_POLICY")["POLICY_SIZE_EXCEEDS_SCP_QUOTA"][0] is \
        FindingType.ERROR


@pytest.mark.parametrize("statement", [
    allow(),
    allow(Action=["s3:GetObject", "s3:ListBucket"],
          Resource=["arn:aws:s3:::b", "arn:aws:s3:::b/*"]),
    allow(Action="s3:*", Resource="arn:aws:s3:::*"),
    allow(Action="s3:Get*", Resource="arn:aws:s3:::b*"),
    allow(Action="iam:PassRole", Resource="arn:aws:iam::111122223333:role/app/*",
          Condition={"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}),
    allow(Action="iam:GetUser", Resource="arn:aws:iam::111122223333:user/${aws:username}"),
    allow(Resource="arn:aws:s3:::b/${aws:userid, 'anonymous'}/${aws:PrincipalTag/team}/*"),
    allow(Condition={"ForAnyValue:StringLike": {"aws:TagKeys": "team*"},
                     "Bool": {"aws:SecureTransport": "true"},
                     "IpAddress": {"aws:SourceIp": "203.0.113.0/24"},
                     "StringEquals": {"s3:ExistingObjectTag/team": "blue",
                                      "aws:ResourceTag/team": "blue"}}),
    allow(Action="iam:ImportAccountAuthorizationDetails", Resource="*"),
    {"Effect": "Deny", "Action": "ec2:TerminateInstances", "Resource": "*",
     "Condition": {"StringEquals": {"aws:ResourceTag/env": "prod",
                                    "aws:RequestedRegion": "eu-west-1"}}},
    {"Effect": "Allow", "Action": "ec2:RunInstances",
     "Resource": ["arn:aws:ec2:us-east-1:111122223333:instance/*",
                  "arn:aws:ec2:us-east-1::image/ami-1"]},
])
def test_valid_policies_have_no_finding(statement: dict[str, Any]) -> None:
    """Correct statements, with wildcards, variables, tag keys and iamtui's own import
    action, give nothing at all (but iamtui's import warning)."""
    codes = set(found(doc(statement))) - {"IAMTUI_IMPORT_IS_ADMINISTRATOR_ACCESS"}
    assert codes == set()


def test_trust_policy_is_a_resource_type() -> None:
    """A role's trust policy: RESOURCE_POLICY with AWS::IAM::AssumeRolePolicyDocument
    (it has no Resource element; sts:AssumeRole is allowed)."""
    trust = doc({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                 "Action": "sts:AssumeRole"})
    assert found(trust, "RESOURCE_POLICY", "AWS::IAM::AssumeRolePolicyDocument") == {}


# ---------------------------------------------------------------------------- properties

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from test_policy_properties import json_values, policy_like, well_formed  # noqa: E402

from iamtui.policy import PolicyType  # noqa: E402
from iamtui.policy.document import LineIndex  # noqa: E402

ANALYSES = [("IDENTITY_POLICY", None), ("RESOURCE_POLICY", None),
            ("SERVICE_CONTROL_POLICY", None), ("RESOURCE_CONTROL_POLICY", None),
            ("RESOURCE_POLICY", "AWS::IAM::AssumeRolePolicyDocument"),
            ("RESOURCE_POLICY", "AWS::S3::Bucket")]


def check_analysis(text: str) -> None:
    """analyze_policy answers every text with findings (never an exception), each span
    inside the text, its line and column those of its offsets."""
    lines = LineIndex(text)
    for policy_type, resource_type in ANALYSES:
        for f in analyze_policy(text, policy_type, resource_type).findings:
            assert 0 <= f.offsets[0] <= f.offsets[1] <= len(text)
            if f.offsets != (0, 0):
                assert lines.position(f.offsets[0]) == f.start
            f.to_aws()


@given(st.text(alphabet='{}[]",:*?$ \nAcinoSERsaw3-/', max_size=80))
@settings(max_examples=100, deadline=None)
def test_analysis_of_noise_never_crashes(text: str) -> None:
    check_analysis(text)


@given(st.one_of(json_values, policy_like), st.sampled_from([None, 2]))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_analysis_of_policy_shaped_json_never_crashes(value: Any, indent: int | None) -> None:
    check_analysis(json.dumps(value, indent=indent))


@given(well_formed(PolicyType.IDENTITY))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_analysis_of_well_formed_policies_never_crashes(value: Any) -> None:
    check_analysis(json.dumps(value, indent=2))
