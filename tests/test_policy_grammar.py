"""The policy parser and AWS's save-time checks (iamtui.policy.document and .grammar).

References (each test class names the page it is written from):
- IAM User Guide, "IAM JSON policy element reference" and its element pages (Version,
  Statement, Sid, Effect, Principal, NotPrincipal, Action, NotAction, Resource,
  NotResource, Condition):
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html
- IAM User Guide, "IAM JSON policy elements: Condition operators":
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
- IAM User Guide, "IAM and AWS STS quotas" (policy sizes; white space is not counted):
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
- IAM API Reference, CreatePolicy: PolicyDocument pattern (tab, LF, CR and
  U+0020-U+00FF) and maximum length 131072:
  https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreatePolicy.html
- IAM Access Analyzer, "Access Analyzer policy check reference" (finding shape):
  https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

import pytest

from iamtui.arn import policy_size
from iamtui.errors import MalformedPolicyDocument
from iamtui.policy import (
    FindingType,
    PolicyType,
    Position,
    parse_policy,
    validate_policy,
)
from iamtui.policy.document import MAX_DEPTH, parse_json

ALLOW_S3 = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}


def doc(*statements: dict[str, Any], version: str | None = "2012-10-17", **top: Any) -> str:
    """A policy document with these statements (one statement -> a list of one)."""
    body: dict[str, Any] = {}
    if version is not None:
        body["Version"] = version
    body["Statement"] = list(statements)
    body.update(top)
    return json.dumps(body, indent=2)


def codes(text: str, policy_type: PolicyType = PolicyType.IDENTITY) -> list[str]:
    """Issue codes of every finding, in order."""
    return [f.issue_code for f in validate_policy(text, policy_type).findings]


def error_codes(text: str, policy_type: PolicyType = PolicyType.IDENTITY) -> list[str]:
    return [f.issue_code for f in validate_policy(text, policy_type).errors]


def rejects(text: str, policy_type: PolicyType = PolicyType.IDENTITY) -> MalformedPolicyDocument:
    with pytest.raises(MalformedPolicyDocument) as info:
        parse_policy(text, policy_type)
    return info.value


# ---------------------------------------------------------------------------- JSON


class TestStrictJson:
    """Policies are JSON ("IAM JSON policy element reference"); AWS rejects what is not.

    Python's json keeps the last duplicate key and accepts NaN; these must be errors.
    """

    def test_syntax_error_names_line_and_column(self) -> None:
        text = '{\n  "Version": "2012-10-17",\n  "Statement": [ }\n}'
        error = rejects(text)
        assert "line 3, column 18" in error.message
        finding = validate_policy(text).findings[0]
        assert finding.issue_code == "JSON_SYNTAX_ERROR"
        assert (finding.start.line, finding.start.column) == (3, 18)

    def test_unterminated_string_is_a_syntax_error(self) -> None:
        assert error_codes('{"Version": "2012-10-17') == ["JSON_SYNTAX_ERROR"]

    def test_a_string_broken_by_a_missing_quote_is_named_plainly(self) -> None:
        """A deleted closing quote runs the string into the next line: the message says
        what that means instead of the json module's half sentence ("... at")."""
        text = '{"Version": "2012-10-17", "Statement": {"Effect": "Allow,\n"Action": "*"}}'
        finding = validate_policy(text).findings[0]
        assert finding.detail == ("Syntax error: invalid string: a line break or control "
                                  "character inside a string (a closing quote missing?)")
        assert (finding.start.line, finding.start.column) == (1, 58)
        assert not finding.detail.endswith(" at")

    def test_trailing_text_is_an_error(self) -> None:
        assert error_codes(doc(ALLOW_S3) + " {}") == ["JSON_SYNTAX_ERROR"]

    def test_empty_document(self) -> None:
        assert error_codes("   \n ") == ["JSON_SYNTAX_ERROR"]

    def test_duplicate_effect_never_becomes_allow(self) -> None:
        text = ('{"Version":"2012-10-17","Statement":{"Effect":"Deny","Effect":"Allow",'
                '"Action":"*","Resource":"*"}}')
        error = rejects(text)
        assert "duplicate key 'Effect'" in error.message
        second = text.index('"Effect"', text.index('"Effect"') + 1)
        assert f"column {second + 1}" in error.message  # points at the second "Effect"

    @pytest.mark.parametrize("text", [
        '{"Version":"2012-10-17","Version":"2012-10-17","Statement":[]}',
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*",'
        '"Resource":"*","Condition":{"StringEquals":{"aws:username":"a",'
        '"aws:username":"b"}}}]}',
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*",'
        '"Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"},'
        '"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}',
    ], ids=["top", "condition-key", "condition-operator"])
    def test_duplicate_keys_rejected_at_any_depth(self, text: str) -> None:
        assert "duplicate key" in rejects(text).message

    def test_same_key_in_sibling_objects_is_fine(self) -> None:
        parse_policy(doc(ALLOW_S3, {**ALLOW_S3, "Effect": "Deny"}))

    @pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
    def test_nan_and_infinity_rejected(self, literal: str) -> None:
        text = ('{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*",'
                '"Resource":"*","Condition":{"NumericLessThan":{"s3:max-keys":' + literal + "}}}}")
        assert "NaN and Infinity" in rejects(text).message

    def test_nesting_past_the_limit_is_malformed(self) -> None:
        depth = MAX_DEPTH + 5
        error = rejects("[" * depth + "]" * depth)
        assert "nesting deeper" in error.message

    @pytest.mark.parametrize("text", ["[" * 100_000, '{"a":' * 50_000, "[" * 60_000 + "]" * 60_000])
    def test_very_deep_input_never_recurses(self, text: str) -> None:
        rejects(text)  # MalformedPolicyDocument, not RecursionError

    def test_one_megabyte_document_is_malformed(self) -> None:
        padding = "x" * (1 << 20)
        text = doc({**ALLOW_S3, "Sid": padding})
        report = validate_policy(text)
        assert [f.issue_code for f in report.errors] == ["POLICY_SIZE_EXCEEDED"]
        rejects(text)

    def test_huge_integer_is_malformed_not_a_crash(self) -> None:
        text = ('{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*",'
                '"Resource":"*","Condition":{"NumericLessThan":{"s3:max-keys":'
                + "9" * 5000 + "}}}}")
        rejects(text)

    def test_only_ascii_digits_are_json_numbers(self) -> None:
        with pytest.raises(MalformedPolicyDocument):
            parse_json("\u0661\u0662")  # ARABIC-INDIC digits are not JSON

    def test_positions_of_nodes(self) -> None:
        node = parse_json('{\n  "a": [1, true, null]\n}')
        key, value = node.members()[0]
        assert (key.start, value.start, value.end) == (4, 9, 24)
        assert value.plain() == [1, True, None]


# ---------------------------------------------------------------------------- characters


class TestCharactersAndSize:
    """API Reference, CreatePolicy: PolicyDocument allows tab, LF, CR and U+0020-U+00FF.

    IAM and AWS STS quotas: policy sizes are counted without white space.
    """

    def test_latin1_accepted(self) -> None:
        parse_policy(doc({**ALLOW_S3, "Resource": "arn:aws:s3:::b/caf\u00e9\u00ff"}))

    @pytest.mark.parametrize("char", ["\u0100", "\u20ac", "\U0001f600", "\x01"])
    def test_outside_the_range_rejected(self, char: str) -> None:
        text = doc({**ALLOW_S3, "Resource": "arn:aws:s3:::b/x"}).replace("/x", "/" + char)
        assert error_codes(text) == ["INVALID_CHARACTER"]

    def test_invalid_character_position(self) -> None:
        text = '{\n "Version": "2012-10-17",\n "Id": "a\u0100"\n}'
        finding = validate_policy(text).findings[0]
        assert (finding.start.line, finding.start.column) == (3, 10)

    def test_escaped_character_is_plain_ascii_text(self) -> None:
        # "\u0100" written as an escape is six ASCII characters in the document
        parse_policy(doc({**ALLOW_S3, "Resource": "arn:aws:s3:::b/\u0100"}))

    def test_tab_cr_lf_are_allowed_white_space(self) -> None:
        parse_policy(doc(ALLOW_S3).replace("\n", "\r\n\t"))

    def test_policy_size_ignores_white_space(self) -> None:
        compact = json.dumps({"Version": "2012-10-17", "Statement": [ALLOW_S3]},
                             separators=(",", ":"))
        assert policy_size(compact) == len(compact)
        assert policy_size(json.dumps(json.loads(compact), indent=8)) == len(compact)

    def test_max_size_counted_without_white_space(self) -> None:
        compact = json.dumps({"Version": "2012-10-17", "Statement": [ALLOW_S3]},
                             separators=(",", ":"))
        pretty = json.dumps(json.loads(compact), indent=12)
        assert len(pretty) > len(compact) + 50
        parse_policy(pretty, max_size=len(compact))
        report = validate_policy(pretty, max_size=len(compact) - 1)
        assert [f.issue_code for f in report.errors] == ["POLICY_SIZE_EXCEEDED"]
        assert report.document is None

    def test_api_length_limit(self) -> None:
        text = doc(ALLOW_S3)
        padded = text + " " * (131_072 - len(text))
        parse_policy(padded)  # exactly the maximum length
        assert error_codes(padded + " ") == ["POLICY_SIZE_EXCEEDED"]


# ---------------------------------------------------------------------------- elements


class TestVersion:
    """IAM JSON policy elements: Version. Only 2012-10-17 and 2008-10-17 exist;
    without Version, AWS uses 2008-10-17."""

    @pytest.mark.parametrize("version", ["2012-10-17", "2008-10-17"])
    def test_valid_versions(self, version: str) -> None:
        assert parse_policy(doc(ALLOW_S3, version=version)).version == version

    @pytest.mark.parametrize("version", ["2012-10-18", "2012-10-17 ", "", 2012, None,
                                         ["2012-10-17"]])
    def test_other_values_rejected(self, version: Any) -> None:
        text = json.dumps({"Version": version, "Statement": [ALLOW_S3]})
        assert error_codes(text) == ["INVALID_VERSION"]

    def test_missing_version_is_a_warning_and_disables_variables(self) -> None:
        text = doc(ALLOW_S3, version=None)
        document = parse_policy(text)
        assert document.version is None
        assert not document.variables_enabled
        report = validate_policy(text)
        assert [(f.finding_type, f.issue_code) for f in report.findings] == [
            (FindingType.WARNING, "MISSING_VERSION")]
        assert report.findings[0].start == Position(1, 1)

    def test_only_2012_enables_variables(self) -> None:
        assert parse_policy(doc(ALLOW_S3)).variables_enabled
        assert not parse_policy(doc(ALLOW_S3, version="2008-10-17")).variables_enabled


class TestStatementAndEffect:
    """IAM JSON policy elements: Statement (one object or an array) and Effect (Allow/Deny)."""

    def test_statement_object_or_list(self) -> None:
        one = json.dumps({"Version": "2012-10-17", "Statement": ALLOW_S3})
        many = doc(ALLOW_S3, {**ALLOW_S3, "Effect": "Deny"})
        assert len(parse_policy(one).statements) == 1
        assert [s.effect for s in parse_policy(many).statements] == ["Allow", "Deny"]

    @pytest.mark.parametrize("statement", ["Allow", 1, None, True])
    def test_statement_must_be_object_or_list(self, statement: Any) -> None:
        rejects(json.dumps({"Version": "2012-10-17", "Statement": statement}))

    def test_statement_items_must_be_objects(self) -> None:
        rejects(json.dumps({"Version": "2012-10-17", "Statement": [ALLOW_S3, "x"]}))

    def test_missing_statement(self) -> None:
        assert error_codes(json.dumps({"Version": "2012-10-17"})) == ["MISSING_STATEMENT"]

    def test_policy_must_be_an_object(self) -> None:
        rejects(json.dumps([ALLOW_S3]))

    def test_unknown_top_level_element(self) -> None:
        rejects(doc(ALLOW_S3, Statements=[]))

    def test_unknown_statement_element(self) -> None:
        rejects(doc({**ALLOW_S3, "Actions": "s3:*"}))

    @pytest.mark.parametrize("effect", ["allow", "DENY", "Permit", "", 1, None])
    def test_effect_only_allow_or_deny(self, effect: Any) -> None:
        assert error_codes(doc({**ALLOW_S3, "Effect": effect})) == ["INVALID_EFFECT"]

    def test_effect_required(self) -> None:
        statement = {k: v for k, v in ALLOW_S3.items() if k != "Effect"}
        assert error_codes(doc(statement)) == ["MISSING_EFFECT"]


class TestActionAndResourceElements:
    """IAM JSON policy elements: Action / NotAction and Resource / NotResource:
    a statement holds exactly one of each pair; actions are service:name."""

    def test_both_action_and_not_action(self) -> None:
        rejects(doc({**ALLOW_S3, "NotAction": "s3:PutObject"}))

    def test_neither_action_nor_not_action(self) -> None:
        statement = {k: v for k, v in ALLOW_S3.items() if k != "Action"}
        assert error_codes(doc(statement)) == ["MISSING_ACTION"]

    def test_both_resource_and_not_resource(self) -> None:
        rejects(doc({**ALLOW_S3, "NotResource": "arn:aws:s3:::c"}))

    def test_neither_resource_nor_not_resource(self) -> None:
        statement = {k: v for k, v in ALLOW_S3.items() if k != "Resource"}
        assert error_codes(doc(statement)) == ["MISSING_RESOURCE"]

    def test_not_action_and_not_resource_parse(self) -> None:
        st = parse_policy(doc({"Effect": "Deny", "NotAction": ["iam:*", "sts:*"],
                               "NotResource": "arn:aws:s3:::b"})).statements[0]
        assert st.action is None and st.not_action == ("iam:*", "sts:*")
        assert st.resource is None and st.not_resource == ("arn:aws:s3:::b",)

    @pytest.mark.parametrize("action", ["*", "s3:*", "iam:List*", "ec2:Describe?nstances",
                                        "S3:GETOBJECT", "s3:Get*Acl", "execute-api:Invoke"])
    def test_valid_actions(self, action: str) -> None:
        parse_policy(doc({**ALLOW_S3, "Action": action}))

    @pytest.mark.parametrize("action", ["s3GetObject", "s3:", ":GetObject", "s3:Get:Object",
                                        "s3:Get Object", ""])
    def test_invalid_actions(self, action: str) -> None:
        assert error_codes(doc({**ALLOW_S3, "Action": action})) == ["INVALID_ACTION"]

    @pytest.mark.parametrize("value", [[], 5, {"a": "b"}, [1], None])
    def test_action_must_be_string_or_list_of_strings(self, value: Any) -> None:
        rejects(doc({**ALLOW_S3, "Action": value}))

    @pytest.mark.parametrize(("resource", "code"), [
        ("bucket", "INVALID_ARN_PREFIX"), ("s3:::b", "INVALID_ARN_PREFIX"),
        ("arn:aws:s3:bucket", "MISSING_ARN_FIELD")])
    def test_resource_must_be_an_arn_or_star(self, resource: str, code: str) -> None:
        """IAM policy validation check reference, "Error – Invalid ARN prefix" and
        "Error – Missing ARN field"."""
        assert error_codes(doc({**ALLOW_S3, "Resource": resource})) == [code]

    def test_error_location_points_at_the_bad_value(self) -> None:
        text = doc({**ALLOW_S3, "Action": ["s3:GetObject", "bad"]})
        finding = validate_policy(text).errors[0]
        assert finding.path == ("Statement", 0, "Action", 1)
        line = text.splitlines()[finding.start.line - 1]
        assert line[finding.start.column - 1:].startswith('"bad"')


class TestSid:
    """IAM JSON policy elements: Sid. Unique within a policy; in IAM, ASCII letters and digits."""

    def test_unique_sids(self) -> None:
        text = doc({**ALLOW_S3, "Sid": "One"}, {**ALLOW_S3, "Sid": "One"})
        report = validate_policy(text)
        assert [f.issue_code for f in report.errors] == ["UNIQUE_SIDS_REQUIRED"]
        assert report.errors[0].path == ("Statement", 1, "Sid")

    def test_distinct_sids_and_missing_sids(self) -> None:
        parse_policy(doc({**ALLOW_S3, "Sid": "One"}, {**ALLOW_S3, "Sid": "Two"}, ALLOW_S3,
                         ALLOW_S3))

    def test_iam_sid_characters(self) -> None:
        assert error_codes(doc({**ALLOW_S3, "Sid": "has space"})) == ["UNSUPPORTED_SID"]
        parse_policy(doc({**ALLOW_S3, "Sid": "AllowRead2"}))


class TestPrincipalElements:
    """IAM JSON policy elements: Principal and NotPrincipal. Required in resource-based
    policies, not allowed in identity-based ones; a role trust policy has no Resource and
    no NotPrincipal (AWS JSON policy elements: NotPrincipal, "Key points")."""

    RESOURCE_ST: ClassVar[dict[str, Any]] = {
        "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
        "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}
    TRUST_ST: ClassVar[dict[str, Any]] = {
        "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
        "Action": "sts:AssumeRole"}

    @pytest.mark.parametrize("key", ["Principal", "NotPrincipal"])
    def test_identity_policy_rejects_principal(self, key: str) -> None:
        text = doc({**ALLOW_S3, key: "*"})
        assert error_codes(text) == ["UNSUPPORTED_PRINCIPAL"]
        assert validate_policy(text).errors[0].path == ("Statement", 0, key)

    def test_resource_policy_requires_principal(self) -> None:
        assert error_codes(doc(ALLOW_S3), PolicyType.RESOURCE) == ["MISSING_PRINCIPAL"]
        parse_policy(doc(self.RESOURCE_ST), PolicyType.RESOURCE)

    def test_principal_and_not_principal_together(self) -> None:
        rejects(doc({**self.RESOURCE_ST, "NotPrincipal": {"AWS": "111122223333"}}),
                PolicyType.RESOURCE)

    def test_trust_policy_has_no_resource(self) -> None:
        parse_policy(doc(self.TRUST_ST), PolicyType.TRUST)
        for key in ("Resource", "NotResource"):
            rejects(doc({**self.TRUST_ST, key: "*"}), PolicyType.TRUST)

    def test_trust_policy_has_no_not_principal(self) -> None:
        statement = {"Effect": "Deny", "NotPrincipal": {"AWS": "111122223333"},
                     "Action": "sts:AssumeRole"}
        rejects(doc(statement), PolicyType.TRUST)

    @pytest.mark.parametrize("principal", [
        "*", {"AWS": "*"}, {"AWS": "111122223333"}, {"AWS": "arn:aws:iam::111122223333:root"},
        {"AWS": "arn:aws:iam::111122223333:user/path/alice"},
        {"AWS": "arn:aws:iam::111122223333:role/R"},
        {"AWS": "arn:aws:sts::111122223333:assumed-role/R/session"},
        {"Service": ["ec2.amazonaws.com", "lambda.amazonaws.com"]},
        {"Federated": "cognito-identity.amazonaws.com"},
        {"AWS": ["111122223333", "arn:aws:iam::444455556666:user/bob"],
         "Service": "s3.amazonaws.com"},
    ])
    def test_principal_forms(self, principal: Any) -> None:
        parse_policy(doc({**self.RESOURCE_ST, "Principal": principal}), PolicyType.RESOURCE)

    @pytest.mark.parametrize("principal", [
        "arn:aws:iam::111122223333:root", {}, {"User": "alice"}, {"AWS": "alice"},
        {"AWS": "1234"}, {"AWS": "arn:aws:s3:::bucket"},
        # Principal: "You cannot use a wildcard to match part of a principal name or ARN"
        {"AWS": "arn:aws:iam::111122223333:user/*"}, {"AWS": "arn:aws:iam::111122223333:role/a?"},
        {"AWS": "arn:aws:sts::111122223333:assumed-role/R/*"}, {"AWS": "11112222333*"},
        # nor can a user group be a principal
        {"AWS": "arn:aws:iam::111122223333:group/admins"},
    ])
    def test_invalid_principals(self, principal: Any) -> None:
        """IAM policy validation check reference: "Error – Invalid principal format",
        "Error – Invalid principal key", "Error – Unsupported wildcard in principal"."""
        codes = error_codes(doc({**self.RESOURCE_ST, "Principal": principal}),
                            PolicyType.RESOURCE)
        text = json.dumps(principal)
        expected = ("INVALID_PRINCIPAL_FORMAT" if not isinstance(principal, dict) or not principal
                    else "INVALID_PRINCIPAL_KEY" if "User" in principal
                    else "UNSUPPORTED_WILDCARD_IN_PRINCIPAL" if "*" in text or "?" in text
                    else "INVALID_PRINCIPAL")
        assert codes == [expected]


class TestConditionOperators:
    """IAM JSON policy elements: Condition operators. Unknown operators are rejected;
    `...IfExists` works on every operator but Null; ForAnyValue:/ForAllValues: qualify."""

    BASES: ClassVar[list[str]] = ["StringEquals", "StringNotEquals", "StringEqualsIgnoreCase",
             "StringNotEqualsIgnoreCase", "StringLike", "StringNotLike", "NumericEquals",
             "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals",
             "NumericGreaterThan", "NumericGreaterThanEquals", "DateEquals", "DateNotEquals",
             "DateLessThan", "DateLessThanEquals", "DateGreaterThan", "DateGreaterThanEquals",
             "Bool", "BinaryEquals", "IpAddress", "NotIpAddress", "ArnEquals", "ArnLike",
             "ArnNotEquals", "ArnNotLike"]
    VALUE: ClassVar[dict[str, str]] = {
        "Numeric": "10", "Date": "2020-01-01T00:00:00Z", "Bool": "true",
        "Binary": "QmluYXJ5VmFsdWU=", "IpAddress": "10.0.0.0/8", "NotIpAddress": "10.0.0.0/8"}

    @classmethod
    def value_for(cls, base: str) -> str:
        for prefix, value in cls.VALUE.items():
            if base.startswith(prefix):
                return value
        return "arn:aws:iam::111122223333:user/a"

    def with_condition(self, operator: str, value: Any = "x") -> str:
        return doc({**ALLOW_S3, "Condition": {operator: {"aws:SomeKey": value}}})

    @pytest.mark.parametrize("base", BASES)
    @pytest.mark.parametrize("form", ["{}", "{}IfExists", "ForAnyValue:{}", "ForAllValues:{}",
                                      "ForAllValues:{}IfExists"])
    def test_known_operators_accepted(self, base: str, form: str) -> None:
        parse_policy(self.with_condition(form.format(base), self.value_for(base)))

    def test_null_accepted_but_not_with_if_exists(self) -> None:
        """IAM policy validation check reference, "Error – Null with if exists"."""
        parse_policy(self.with_condition("Null", "true"))
        assert error_codes(self.with_condition("NullIfExists", "true")) == [
            "NULL_WITH_IF_EXISTS"]

    @pytest.mark.parametrize("operator", [
        "StringEqualz", "StringEquals:", "ForSomeValues:StringEquals", "IfExists", "Equals",
        "ForAnyValue:", "StringLikeIfExist"])
    def test_unknown_operators_rejected(self, operator: str) -> None:
        report = validate_policy(self.with_condition(operator))
        assert [f.issue_code for f in report.errors] == ["INVALID_CONDITION_OPERATOR"]
        assert report.errors[0].path == ("Statement", 0, "Condition", operator)

    @pytest.mark.parametrize("operator,value,code", [
        ("NumericEquals", "ten", "TYPE_MISMATCH_NUMBER"),
        ("DateLessThan", "yesterday", "TYPE_MISMATCH_DATE"),
        ("Bool", "yes", "TYPE_MISMATCH_BOOLEAN"),
        ("IpAddress", "10.0.0.300/8", "TYPE_MISMATCH_IP_RANGE"),
        ("BinaryEquals", "not base64!", "TYPE_MISMATCH_STRING"),
        ("Null", "maybe", "TYPE_MISMATCH_BOOLEAN"),
        ("DateEquals", "\u00b2", "TYPE_MISMATCH_DATE"),
    ])
    def test_values_of_the_wrong_type_rejected(self, operator: str, value: str,
                                               code: str) -> None:
        """IAM policy validation check reference: "General Warning – Type mismatch
        Boolean", "... date", "... IP range", "... number", "... string" (refused on save
        here, so reported as errors)."""
        assert error_codes(self.with_condition(operator, value)) == [code]

    def test_scalar_json_values_accepted(self) -> None:
        parse_policy(self.with_condition("NumericLessThan", 10))
        parse_policy(self.with_condition("Bool", True))
        parse_policy(self.with_condition("StringEquals", ["a", "b"]))

    @pytest.mark.parametrize("value", [[], {"a": "b"}, [None], [["a"]]])
    def test_values_must_be_scalars(self, value: Any) -> None:
        rejects(self.with_condition("StringEquals", value))

    def test_condition_must_be_an_object(self) -> None:
        rejects(doc({**ALLOW_S3, "Condition": ["StringEquals"]}))
        rejects(doc({**ALLOW_S3, "Condition": {"StringEquals": "aws:username"}}))

    def test_clauses_keep_operator_key_and_values(self) -> None:
        text = doc({**ALLOW_S3, "Condition": {
            "StringLike": {"s3:prefix": ["home/", "home/${aws:username}/*"]},
            "Bool": {"aws:SecureTransport": True}}})
        clauses = parse_policy(text).statements[0].conditions
        assert [(c.operator, c.key, c.values) for c in clauses] == [
            ("StringLike", "s3:prefix", ("home/", "home/${aws:username}/*")),
            ("Bool", "aws:SecureTransport", ("true",))]


# ---------------------------------------------------------------------------- positions


class TestStatementPositions:
    """API Reference, Statement: StartPosition/EndPosition are the row and column of the
    beginning and end of the statement. AWS CLI reference, simulate-custom-policy,
    example 1: for its one-line policy AWS reports columns 38 and 167, where the
    statement's "{" is column 37 and its "}" column 166: both positions are just past
    the brace."""

    TEXT = ('{\n'
            '  "Version": "2012-10-17",\n'
            '  "Statement": [\n'
            '    {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},\n'
            '    {\n'
            '      "Effect": "Deny",\n'
            '      "Action": "s3:DeleteBucket",\n'
            '      "Resource": "*"\n'
            '    }\n'
            '  ]\n'
            '}')

    def test_the_aws_cli_example(self) -> None:
        text = ('{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*",'
                '"Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":'
                '"2018-08-16T12:00:00Z"}}}}')
        (st,) = parse_policy(text).statements
        assert (st.start, st.end) == (Position(1, 38), Position(1, 167))
        assert st.index == 0

    def test_start_is_just_past_the_opening_brace(self) -> None:
        first, second = parse_policy(self.TEXT).statements
        assert first.start == Position(4, 6)
        assert second.start == Position(5, 6)
        lines = self.TEXT.splitlines()
        assert lines[3][first.start.column - 2] == "{"

    def test_end_is_just_past_the_closing_brace(self) -> None:
        first, second = parse_policy(self.TEXT).statements
        assert first.end == Position(4, 59)
        assert second.end == Position(9, 6)
        lines = self.TEXT.splitlines()
        assert lines[3][first.end.column - 2] == "}"
        assert lines[8][second.end.column - 2] == "}"


# ---------------------------------------------------------------------------- findings


class TestValidatePolicyFindings:
    """IAM Access Analyzer policy checks: security warnings and warnings beside the errors,
    each with an issue code and the location of the element."""

    def finding(self, text: str, code: str, policy_type: PolicyType = PolicyType.IDENTITY):
        report = validate_policy(text, policy_type)
        found = [f for f in report.findings if f.issue_code == code]
        assert len(found) == 1, [f.issue_code for f in report.findings]
        return found[0]

    def test_allow_with_not_action(self) -> None:
        text = doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
        f = self.finding(text, "IAMTUI_ALLOW_WITH_NOT_ACTION")
        assert f.finding_type is FindingType.SECURITY_WARNING
        assert f.path == ("Statement", 0, "NotAction")
        assert f.start == Position(4, 5)
        assert parse_policy(text)  # advice, not an error

    def test_deny_with_not_action_is_fine(self) -> None:
        text = doc({"Effect": "Deny", "NotAction": "iam:*", "Resource": "*"})
        assert codes(text) == []

    def test_allow_with_not_resource(self) -> None:
        text = doc({"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::b"})
        f = self.finding(text, "IAMTUI_ALLOW_WITH_NOT_RESOURCE")
        assert f.finding_type is FindingType.SECURITY_WARNING
        assert f.path == ("Statement", 0, "NotResource")

    def test_star_on_star(self) -> None:
        text = doc(ALLOW_S3, {"Effect": "Allow", "Action": "*", "Resource": "*"})
        f = self.finding(text, "IAMTUI_FULL_ACCESS")
        assert f.finding_type is FindingType.SECURITY_WARNING
        assert f.path == ("Statement", 1)
        assert f.start.line == 9

    @pytest.mark.parametrize(("statement", "code"), [
        ({"Action": ["s3:GetObject", "iam:PassRole"], "Resource": "*"},
         "PASS_ROLE_WITH_STAR_IN_RESOURCE"),
        ({"Action": "iam:passrole", "Resource": "arn:aws:iam::*:role/*"},
         "PASS_ROLE_WITH_STAR_IN_RESOURCE"),
        ({"Action": "iam:Pass*", "Resource": "*"}, "PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE"),
        ({"Action": "iam:PassRole", "NotResource": "arn:aws:iam::1:role/a"},
         "PASS_ROLE_WITH_NOT_RESOURCE"),
        ({"Action": "iam:*", "NotResource": "arn:aws:iam::1:role/a"},
         "PASS_ROLE_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE"),
        ({"NotAction": "s3:*", "NotResource": "arn:aws:iam::1:role/a"},
         "PASS_ROLE_WITH_NOT_ACTION_AND_NOT_RESOURCE"),
        ({"NotAction": "s3:*", "Resource": "*"}, "PASS_ROLE_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION"),
    ])
    def test_pass_role(self, statement: dict[str, Any], code: str) -> None:
        """IAM policy validation check reference: "Security Warning – Pass role with star in
        resource", "... with star in action and resource", "... with NotResource", "... with
        star in action and NotResource", "... with NotAction and NotResource", "... with star
        in resource and NotAction"."""
        f = self.finding(doc({"Effect": "Allow", **statement}), code)
        assert f.finding_type is FindingType.SECURITY_WARNING
        assert "iam:PassRole" in f.detail

    def test_pass_role_narrowed_by_passed_to_service(self) -> None:
        """"... or add the iam:PassedToService condition key to your statement"."""
        text = doc({"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*", "Condition": {
            "StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}})
        assert not [c for c in codes(text) if c.startswith("PASS_ROLE")]

    @pytest.mark.parametrize(("statement", "code"), [
        ({"Action": "iam:CreateServiceLinkedRole", "Resource": "*"},
         "CREATE_SLR_WITH_STAR_IN_RESOURCE"),
        ({"Action": "iam:Create*", "Resource": "*"},
         "CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE"),
        ({"Action": "iam:CreateServiceLinkedRole", "NotResource": "arn:aws:iam::1:role/a"},
         "CREATE_SLR_WITH_NOT_RESOURCE"),
    ])
    def test_create_service_linked_role(self, statement: dict[str, Any], code: str) -> None:
        """IAM policy validation check reference: "General Warning – Create SLR with star in
        resource", "... with star in action and resource", "... with NotResource"."""
        f = self.finding(doc({"Effect": "Allow", **statement}), code)
        assert f.finding_type is FindingType.WARNING

    @pytest.mark.parametrize("action", ["iam:ImportAccountAuthorizationDetails",
                                        "iam:importaccountauthorizationdetails",
                                        "iam:Import*", "iam:*AccountAuthorizationDetails"])
    def test_import_is_administrator_access(self, action: str) -> None:
        """iamtui's import can bring in a role trusting the holder with AdministratorAccess
        (README, "Beyond aws iam"): granting it, by name or wildcard, is flagged."""
        text = doc({"Effect": "Allow", "Action": ["s3:GetObject", action], "Resource": "*"})
        f = self.finding(text, "IAMTUI_IMPORT_IS_ADMINISTRATOR_ACCESS")
        assert f.finding_type is FindingType.SECURITY_WARNING
        assert f.path == ("Statement", 0, "Action")
        assert "equivalent to administrator access" in f.detail

    @pytest.mark.parametrize("statement", [
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "iam:ImportAccountAuthorizationDetails", "Resource": "*"},
        {"Effect": "Allow", "Action": "iam:GetAccountAuthorizationDetails", "Resource": "*"},
    ])
    def test_import_warning_only_where_it_adds_something(self,
                                                         statement: dict[str, Any]) -> None:
        """Not for "*" or "iam:*" (already administrator access), a Deny, or the export."""
        assert "IAMTUI_IMPORT_IS_ADMINISTRATOR_ACCESS" not in codes(doc(statement))

    def test_pass_role_on_named_role_is_fine(self) -> None:
        text = doc({"Effect": "Allow", "Action": "iam:PassRole",
                    "Resource": "arn:aws:iam::111122223333:role/app"})
        assert codes(text) == []

    def test_allow_with_not_principal(self) -> None:
        text = doc({"Effect": "Allow", "NotPrincipal": {"AWS": "111122223333"},
                    "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"})
        f = self.finding(text, "ALLOW_WITH_NOT_PRINCIPAL", PolicyType.RESOURCE)
        assert f.finding_type is FindingType.SECURITY_WARNING
        assert f.path == ("Statement", 0, "NotPrincipal")

    def test_missing_version(self) -> None:
        f = self.finding(doc(ALLOW_S3, version=None), "MISSING_VERSION")
        assert f.finding_type is FindingType.WARNING

    def test_redundant_actions(self) -> None:
        text = doc({"Effect": "Allow", "Resource": "*", "Action": [
            "s3:Get*", "s3:GetObject", "S3:GETOBJECTACL", "s3:Get*", "iam:ListUsers",
            "ec2:Describe?nstances", "ec2:DescribeInstances", "s3:PutObject"]})
        found = [f.path for f in validate_policy(text).findings
                 if f.issue_code == "REDUNDANT_ACTION"]
        assert found == [("Statement", 0, "Action", i) for i in (1, 2, 6)]

    def test_star_makes_every_other_action_redundant(self) -> None:
        text = doc({"Effect": "Allow", "Resource": "arn:aws:s3:::b",
                    "Action": ["iam:Get*", "*", "s?:x"]})
        found = [f.path[-1] for f in validate_policy(text).findings
                 if f.issue_code == "REDUNDANT_ACTION"]
        assert found == [0, 2]

    def test_thousands_of_actions(self) -> None:
        # AWS's ReadOnlyAccess lists thousands of patterns; checking them is not quadratic
        actions = [f"svc{i}:Get*" for i in range(1500)] + ["svc7:GetThing"]
        report = validate_policy(doc({"Effect": "Allow", "Action": actions, "Resource": "*"}))
        assert [f.path[-1] for f in report.findings if f.issue_code == "REDUNDANT_ACTION"] == [
            1500]

    def test_errors_come_first_and_all_are_reported(self) -> None:
        text = doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
                   {"Effect": "Maybe", "Action": "bad", "Resource": "*"}, version=None)
        found = codes(text)
        assert found[:2] == ["INVALID_EFFECT", "INVALID_ACTION"]
        assert set(found[2:]) == {"IAMTUI_ALLOW_WITH_NOT_ACTION", "MISSING_VERSION"}

    def test_access_analyzer_shape(self) -> None:
        text = doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
        shape = self.finding(text, "IAMTUI_ALLOW_WITH_NOT_ACTION").to_aws()
        assert set(shape) == {"findingDetails", "findingType", "issueCode", "learnMoreLink",
                              "locations"}
        assert shape["findingType"] == "SECURITY_WARNING"
        # Access Analyzer API, Position: line from 1, column and offset from 0
        assert shape["locations"] == [{
            "path": [{"value": "Statement"}, {"index": 0}, {"value": "NotAction"}],
            "span": {"start": {"line": 4, "column": 4, "offset": 50},
                     "end": {"line": 8, "column": 5, "offset": 132}}}]
        assert text[50] == "{" and text[131] == "}"

    def test_syntax_error_span_offset(self) -> None:
        text = '{\n  "Version": "2012-10-17",\n  "Statement": [ }\n}'
        (finding,) = validate_policy(text).findings
        start = finding.to_aws()["locations"][0]["span"]["start"]
        assert start == {"line": 3, "column": 17, "offset": text.index("}")}

    def test_clean_policy_has_no_findings(self) -> None:
        report = validate_policy(doc(ALLOW_S3))
        assert report.findings == [] and report.document is not None


def test_a_deleted_principal_saved_as_its_unique_id_is_accepted() -> None:
    """IAM User Guide, "IAM JSON policy elements: Principal": when a principal named in a
    policy is deleted, the policy shows its unique ID instead of its ARN, and stays valid
    (real `get-account-authorization-details` exports carry such trust policies)."""
    from iamtui.policy import PolicyType, parse_policy

    doc = parse_policy('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":'
                       '{"AWS":"AIDAJQABLZS4A3QDU576Q"},"Action":"sts:AssumeRole"}]}',
                       PolicyType.TRUST)
    assert doc.statements[0].principal.entries == (("AWS", "AIDAJQABLZS4A3QDU576Q"),)


def test_advice_off_gives_the_same_document_and_errors_without_warnings() -> None:
    """parse_policy skips the Access Analyzer advice (evaluation compiles thousands of
    documents); the document and the errors must not depend on that."""
    text = doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
               {"Effect": "Allow", "Action": "*", "Resource": "*"})
    full, bare = validate_policy(text), validate_policy(text, advice=False)
    assert {f.issue_code for f in full.findings} >= {"IAMTUI_ALLOW_WITH_NOT_ACTION",
                                                     "IAMTUI_FULL_ACCESS"}
    assert bare.findings == [] and bare.document == full.document == parse_policy(text)
    broken = doc({"Effect": "Allow", "Action": "*", "Resource": "*", "Bogus": 1})
    assert [f.issue_code for f in validate_policy(broken, advice=False).findings] == \
        [f.issue_code for f in validate_policy(broken).errors]
