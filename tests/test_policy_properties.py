"""Property tests: the wildcard matchers against reference implementations, and the
parser on arbitrary text and JSON.

References:
- IAM User Guide, "IAM JSON policy elements: Action": `*` matches any run of characters,
  `?` any one character; action names are case-insensitive:
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
- IAM User Guide, "IAM JSON policy elements: Resource": resource ARNs are case-sensitive;
  `*` and `?` work within each colon-separated segment, and a `*` that is the last
  character of a segment may match past the colons:
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
- IAM User Guide, "IAM JSON policy elements: Condition operators" (StringLike: `*` and
  `?` anywhere in the value, case-sensitive):
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
- IAM API Reference, CreatePolicy / SimulateCustomPolicy: a malformed document is the
  MalformedPolicyDocument error, whatever is wrong with it.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iamtui.errors import MalformedPolicyDocument
from iamtui.policy import (
    Caller,
    ContextEntry,
    EvalRequest,
    PolicyInput,
    PolicyType,
    RequestContext,
    compile_policy,
    evaluate,
    explain,
    parse_policy,
    validate_policy,
)
from iamtui.policy.patterns import GLOB, RESOURCE, WildcardSet, match_action, match_resource

# ---------------------------------------------------------------------------- references


Pattern = list[tuple[str, bool]]  # (character, is_wildcard)


def chars(pattern: str) -> Pattern:
    """A pattern's characters, `*` and `?` as wildcards."""
    return [(c, c in "*?") for c in pattern]


def glob_reference(pattern: str | Pattern, text: str) -> bool:
    """`*` any run, `?` one character, everything else literal: dynamic programming."""
    pattern = chars(pattern) if isinstance(pattern, str) else pattern
    n = len(text)
    row = [True] + [False] * n  # row[j]: pattern[:i] matches text[:j]
    for p, wild in pattern:
        if wild and p == "*":
            new = [row[0]] + [False] * n
            for j in range(1, n + 1):
                new[j] = row[j] or new[j - 1]
        else:
            new = [False] * (n + 1)
            for j in range(1, n + 1):
                new[j] = row[j - 1] and ((wild and p == "?") or p == text[j - 1])
        row = new
    return row[n]


def resource_reference(pattern: str | Pattern, text: str) -> bool:
    """The Resource element's rule, written from the User Guide page as recursion.

    In an ARN pattern, within the first five colon-separated segments `?` is one
    non-colon character and `*` a run of non-colon characters, except that a `*`
    ending its segment may run past colons; in the resource part (after the fifth
    colon) `*` and `?` are plain globs. Patterns that are not ARNs are plain globs.
    """
    pattern = chars(pattern) if isinstance(pattern, str) else pattern
    if "".join(c for c, _ in pattern[:4]) != "arn:" or any(w for _, w in pattern[:4]):
        return glob_reference(pattern, text)

    @cache
    def match(i: int, j: int, colons: int) -> bool:
        if i == len(pattern):
            return j == len(text)
        p, wild = pattern[i]
        in_resource = colons >= 5
        if wild and p == "*":
            ends_segment = i + 1 == len(pattern) or pattern[i + 1] == (":", False)
            k = j
            while True:
                if match(i + 1, k, colons):
                    return True
                if k == len(text):
                    return False
                if text[k] == ":" and not (in_resource or ends_segment):
                    return False
                k += 1
        if j == len(text):
            return False
        if wild:
            return (in_resource or text[j] != ":") and match(i + 1, j + 1, colons)
        return p == text[j] and match(i + 1, j + 1, colons + (p == ":"))

    return match(0, 0, 0)


# The brief's alphabet: every regular-expression character must be literal.
SPECIALS = "*?.+()[]\\^$|:{}"
patterns = st.text(alphabet="ab" + SPECIALS, max_size=12)
texts = st.text(alphabet="ab" + SPECIALS.replace("*", "").replace("?", "") + "*?", max_size=14)
cased_patterns = st.text(alphabet="aAbB*?.:+", max_size=10)
cased_texts = st.text(alphabet="aAbB.:+", max_size=12)


def texts_near(pattern: str) -> st.SearchStrategy[str]:
    """Strings likely to match: the pattern with its wildcards filled in."""
    pieces = [st.just(c) if c not in "*?" else (
        st.text(alphabet="ab:.", max_size=4) if c == "*" else st.sampled_from("ab:."))
        for c in pattern]
    return st.tuples(*pieces).map("".join) if pieces else st.just("")


class TestGlobMatcher:
    """IAM JSON policy elements: Action / Condition operators (StringLike): `*` and `?`
    are the only wildcards; `. + ( ) [ ] \\ ^ $ |` are literal."""

    @given(patterns, texts)
    @settings(max_examples=150, deadline=None)
    def test_glob_agrees_with_reference(self, pattern: str, text: str) -> None:
        assert WildcardSet((pattern,), mode=GLOB).matches(text) == glob_reference(pattern, text)

    @given(patterns.flatmap(lambda p: st.tuples(st.just(p), texts_near(p))))
    @settings(max_examples=150, deadline=None)
    def test_glob_agrees_on_near_matches(self, case: tuple[str, str]) -> None:
        pattern, text = case
        assert WildcardSet((pattern,), mode=GLOB).matches(text) == glob_reference(pattern, text)

    @settings(deadline=None)
    @given(st.lists(patterns, min_size=1, max_size=5), texts)
    def test_a_set_matches_when_any_pattern_does(self, many: list[str], text: str) -> None:
        expected = any(glob_reference(p, text) for p in many)
        assert WildcardSet(tuple(many), mode=GLOB).matches(text) == expected

    @given(cased_patterns, cased_texts)
    @settings(max_examples=150, deadline=None)
    def test_glob_is_case_sensitive(self, pattern: str, text: str) -> None:
        assert WildcardSet((pattern,), mode=GLOB).matches(text) == glob_reference(pattern, text)


class TestActionMatcher:
    """IAM JSON policy elements: Action: action names are case-insensitive."""

    @given(cased_patterns, cased_texts)
    @settings(max_examples=150, deadline=None)
    def test_match_action_is_a_case_insensitive_glob(self, pattern: str, text: str) -> None:
        assert match_action(pattern, text) == glob_reference(pattern.lower(), text.lower())

    @settings(deadline=None)
    @given(patterns.flatmap(lambda p: st.tuples(st.just(p), texts_near(p))))
    def test_match_action_on_near_matches(self, case: tuple[str, str]) -> None:
        pattern, text = case
        assert match_action(pattern, text.upper()) == glob_reference(pattern, text)

    @settings(deadline=None)
    @given(st.lists(cased_patterns, min_size=1, max_size=4), cased_texts)
    def test_folded_set(self, many: list[str], text: str) -> None:
        expected = any(glob_reference(p.lower(), text.lower()) for p in many)
        assert WildcardSet(tuple(many), mode=GLOB, fold=True).matches(text) == expected


arn_patterns = st.builds(lambda rest: "arn:" + rest, st.text(alphabet="ab:*?/.", max_size=14))
arn_texts = st.builds(lambda rest: "arn:" + rest, st.text(alphabet="ab:/.", max_size=16))


class TestResourceMatcher:
    """IAM JSON policy elements: Resource: ARNs are case-sensitive, wildcards work per
    segment, and a trailing `*` of a segment may span colons."""

    @given(arn_patterns, arn_texts)
    @settings(max_examples=150, deadline=None)
    def test_resource_agrees_with_reference(self, pattern: str, text: str) -> None:
        assert match_resource(pattern, text) == resource_reference(pattern, text)

    @given(arn_patterns.flatmap(lambda p: st.tuples(st.just(p), texts_near(p))))
    @settings(max_examples=150, deadline=None)
    def test_resource_agrees_on_near_matches(self, case: tuple[str, str]) -> None:
        pattern, text = case
        assert match_resource(pattern, text) == resource_reference(pattern, text)

    @given(st.lists(arn_patterns, min_size=1, max_size=4), arn_texts, st.data())
    @settings(max_examples=150, deadline=None)
    def test_a_resource_list_matches_when_any_pattern_does(self, many: list[str], text: str,
                                                           data: st.DataObject) -> None:
        """A Resource list is ORed; each of its patterns' fixed start is where a match of
        it starts (the set refuses what starts with none of them before its expression)."""
        if data.draw(st.booleans()):  # often a text one of the patterns nearly matches
            text = data.draw(texts_near(data.draw(st.sampled_from(many))))
        expected = any(resource_reference(p, text) for p in many)
        assert WildcardSet(tuple(many), mode=RESOURCE).matches(text) == expected

    @settings(deadline=None)
    @given(st.text(alphabet="aAbB/", min_size=1, max_size=8))
    def test_resource_is_case_sensitive(self, name: str) -> None:
        arn = f"arn:aws:s3:::{name}"
        assert match_resource(arn, arn)
        other = f"arn:aws:s3:::{name.swapcase()}"
        assert match_resource(arn, other) == (name == name.swapcase())

    def test_reference_examples_from_the_resource_page(self) -> None:
        # the documented examples, run through both implementations
        cases = [
            ("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b", True),
            ("arn:aws:iam::*:role/x", "arn:aws:iam::123456789012:role/x", True),
            ("arn:aws:ec2:*:*:instance/*", "arn:aws:ec2:us-east-1:1:instance/i-1", True),
            ("arn:aws:ec2:us-?ast-1:*:*", "arn:aws:ec2:us-east-1:1:vpc/v", True),
            ("arn:aws:s3:::b?cket", "arn:aws:s3:::buucket", False),
            ("arn:aws:s3:::Bucket/*", "arn:aws:s3:::bucket/k", False),
            ("arn:aws:s3:::b.(x)+", "arn:aws:s3:::bb(x)", False),
            # a * inside a segment stops at colons; one that ends a segment does not
            ("arn:aws:ec2:us-*-1:*:*", "arn:aws:ec2:us-a:b-1:1:vpc/v", False),
            ("arn:aws:ec2:us-*:*:vpc/v", "arn:aws:ec2:us-a:b-1:1:vpc/v", True),
        ]
        for pattern, text, expected in cases:
            assert match_resource(pattern, text) is expected
            assert resource_reference(pattern, text) is expected


class Source:
    """A request context of one variable (what `WildcardSet.matches` reads)."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values

    def variable_value(self, key_lower: str) -> str | None:
        return self.values.get(key_lower)


@st.composite
def variable_case(draw: st.DrawFn, arn: bool) -> tuple[str, Pattern | None, str, dict[str, str]]:
    """(pattern text, the same pattern with the variable's value as literals, text, context)."""
    alphabet = "ab:*?/."
    prefix = ("arn:" if arn else "") + draw(st.text(alphabet=alphabet, max_size=8))
    suffix = draw(st.text(alphabet=alphabet, max_size=6))
    value = draw(st.text(alphabet="ab:*?/.$", max_size=4))
    known = draw(st.booleans())
    default = draw(st.sampled_from([None, "", "b*", "a:b"]))
    variable = "${aws:username}" if default is None else "${aws:username, '" + default + "'}"
    resolved = value if known else default
    expected = (None if resolved is None
                else chars(prefix) + [(c, False) for c in resolved] + chars(suffix))
    if expected is not None and draw(st.booleans()):  # a text likely to match
        text = "".join(c if not w else draw(st.sampled_from(["", "a", ":", "ab:b"]))
                       if c == "*" else draw(st.sampled_from("ab:")) for c, w in expected)
    else:
        text = draw(st.text(alphabet="ab:*?/.$", max_size=16))
        text = ("arn:" + text) if arn else text
    return prefix + variable + suffix, expected, text, (
        {"aws:username": value} if known else {})


class TestVariablePatterns:
    """IAM policy elements: Variables and tags: a variable's value (or its default) takes
    its place, and its characters are literal; without a value the pattern matches
    nothing."""

    @given(variable_case(arn=True))
    @settings(max_examples=200, deadline=None)
    def test_resource_with_variable(self, case: tuple[str, Pattern | None, str, dict]) -> None:
        pattern, expected, text, values = case
        got = WildcardSet((pattern,), mode=RESOURCE, variables=True).matches(text, Source(values))
        assert got == (expected is not None and resource_reference(expected, text))

    def test_star_before_a_variable_ends_no_segment(self) -> None:
        # found by the property above: the `*` is followed by the value, not by a colon,
        # so (outside the resource part) it may not run past a colon
        source = Source({"aws:username": "1"})
        pattern = "arn:aws:ec2:*${aws:username}:111122223333:vpc/*"
        matcher = WildcardSet((pattern,), mode=RESOURCE, variables=True)
        assert matcher.matches("arn:aws:ec2:us-east-1:111122223333:vpc/v", source)
        assert not matcher.matches("arn:aws:ec2:us:east-1:111122223333:vpc/v", source)
        assert not match_resource("arn:aws:ec2:*1:111122223333:vpc/*",
                                  "arn:aws:ec2:us:east-1:111122223333:vpc/v")

    @given(variable_case(arn=False))
    @settings(max_examples=200, deadline=None)
    def test_glob_with_variable(self, case: tuple[str, Pattern | None, str, dict]) -> None:
        pattern, expected, text, values = case
        got = WildcardSet((pattern,), mode=GLOB, variables=True).matches(text, Source(values))
        assert got == (expected is not None and glob_reference(expected, text))


# ---------------------------------------------------------------------------- parser

POLICY_KEYS = ["Version", "Id", "Statement", "Sid", "Effect", "Action", "NotAction",
               "Resource", "NotResource", "Principal", "NotPrincipal", "Condition", "AWS",
               "Service", "Federated", "StringEquals", "StringLike", "ForAnyValue:StringLike",
               "ForAllValues:StringEquals", "NumericLessThan", "DateGreaterThan", "Bool",
               "IpAddress", "ArnLike", "BinaryEquals", "Null", "StringEqualsIfExists",
               "aws:username", "aws:SourceIp", "aws:TagKeys", "s3:prefix"]
POLICY_STRINGS = ["2012-10-17", "2008-10-17", "Allow", "Deny", "*", "s3:GetObject", "iam:*",
                  "arn:aws:s3:::b/*", "arn:aws:iam::111122223333:root", "111122223333",
                  "ec2.amazonaws.com", "${aws:username}", "${aws:username, 'x'}", "${*}",
                  "true", "10", "10.0.0.0/8", "::1/128", "2020-01-01T00:00:00Z", "QQ=="]

keys = st.sampled_from(POLICY_KEYS) | st.text(max_size=8)
scalars = (st.none() | st.booleans() | st.integers() | st.sampled_from(POLICY_STRINGS)
           | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12))
json_values = st.recursive(
    scalars, lambda children: st.lists(children, max_size=4)
    | st.dictionaries(keys, children, max_size=5), max_leaves=25)

statement_like = st.fixed_dictionaries(
    {"Effect": st.sampled_from(["Allow", "Deny"]) | scalars},
    optional={k: json_values | st.sampled_from(POLICY_STRINGS)
              for k in POLICY_KEYS[3:12] if k != "Effect"})
conditions = st.dictionaries(
    st.sampled_from(POLICY_KEYS[15:27]),
    st.dictionaries(st.sampled_from(POLICY_KEYS[27:]),
                    st.sampled_from(POLICY_STRINGS) | st.lists(st.sampled_from(POLICY_STRINGS),
                                                               max_size=3) | scalars,
                    min_size=1, max_size=2),
    max_size=3)
policy_like = st.fixed_dictionaries(
    {"Statement": st.lists(st.one_of(
        statement_like,
        st.builds(lambda s, c: {**s, "Condition": c}, statement_like, conditions),
        st.builds(lambda c: {"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                             "Condition": c}, conditions),
        st.builds(lambda c: {"Effect": "Allow", "Principal": "*", "Action": "s3:*",
                             "Resource": "*", "Condition": c}, conditions),
    ), max_size=3) | json_values},
    optional={"Version": st.sampled_from(POLICY_STRINGS[:2]) | scalars, "Id": scalars})

# Well-formed documents, so that parsing succeeds often and evaluation is exercised.
VALUES_BY_FAMILY = {
    "String": ["alice", "a*", "${aws:username}", "home/${aws:username}/*", "${*}x", "b"],
    "Numeric": ["10", "0", "-1.5"], "Date": ["2020-01-01T00:00:00Z", "1700000000"],
    "Bool": ["true", "false"], "Ip": ["10.0.0.0/8", "::1/128", "203.0.113.7"],
    "Arn": ["arn:aws:iam::111122223333:user/*", "arn:aws:s3:::b"], "Binary": ["QQ=="],
    "Null": ["true", "false"],
}
OPERATORS = {"StringEquals": "String", "StringNotEquals": "String", "StringLike": "String",
             "StringNotLike": "String", "StringEqualsIgnoreCase": "String",
             "NumericLessThan": "Numeric", "NumericNotEquals": "Numeric",
             "DateGreaterThan": "Date", "DateNotEquals": "Date", "Bool": "Bool",
             "IpAddress": "Ip", "NotIpAddress": "Ip", "ArnLike": "Arn", "ArnNotEquals": "Arn",
             "BinaryEquals": "Binary"}
CONTEXT_KEYS = ["aws:username", "aws:SourceIp", "aws:TagKeys", "s3:prefix", "aws:CurrentTime",
                "aws:MultiFactorAuthPresent", "aws:PrincipalArn", "s3:max-keys"]


@st.composite
def clause(draw: st.DrawFn) -> tuple[str, str, list[str]]:
    """One (operator, key, values) triple with values of the operator's type."""
    if draw(st.integers(0, 9)) == 0:
        return "Null", draw(st.sampled_from(CONTEXT_KEYS)), [draw(st.sampled_from(["true",
                                                                                     "false"]))]
    base = draw(st.sampled_from(sorted(OPERATORS)))
    operator = (draw(st.sampled_from(["", "", "ForAnyValue:", "ForAllValues:"])) + base
                + draw(st.sampled_from(["", "", "IfExists"])))
    values = draw(st.lists(st.sampled_from(VALUES_BY_FAMILY[OPERATORS[base]]), min_size=1,
                           max_size=3))
    return operator, draw(st.sampled_from(CONTEXT_KEYS)), values


@st.composite
def well_formed(draw: st.DrawFn, policy_type: PolicyType) -> dict[str, Any]:
    """A document of `policy_type` that AWS would accept (sizes and Sids aside)."""
    statements = []
    for _ in range(draw(st.integers(1, 3))):
        st_: dict[str, Any] = {"Effect": draw(st.sampled_from(["Allow", "Deny"]))}
        actions = draw(st.lists(st.sampled_from(["*", "s3:GetObject", "s3:*", "iam:Create*",
                                                 "s3:Get?bject", "sts:AssumeRole"]),
                                min_size=1, max_size=3))
        st_[draw(st.sampled_from(["Action", "Action", "NotAction"]))] = actions
        if policy_type is not PolicyType.TRUST:
            st_[draw(st.sampled_from(["Resource", "Resource", "NotResource"]))] = draw(
                st.lists(st.sampled_from(["*", "arn:aws:s3:::b/*", "arn:aws:s3:::b/k",
                                          "arn:aws:s3:::b/${aws:username}/*",
                                          "arn:aws:s3:::${aws:username, 'b'}/*",
                                          "arn:aws:s3:::b/${*}"]), min_size=1, max_size=2))
        if policy_type is not PolicyType.IDENTITY:
            st_["Principal"] = draw(st.sampled_from([
                "*", {"AWS": "111122223333"}, {"AWS": "arn:aws:iam::111122223333:user/alice"},
                {"AWS": "arn:aws:iam::444455556666:root"}, {"Service": "ec2.amazonaws.com"}]))
        conditions: dict[str, dict[str, list[str]]] = {}
        for operator, key, values in draw(st.lists(clause(), max_size=3)):
            conditions.setdefault(operator, {})[key] = values
        if conditions:
            st_["Condition"] = conditions
        statements.append(st_)
    version = draw(st.sampled_from(["2012-10-17", "2012-10-17", "2008-10-17", None]))
    return ({"Version": version} if version else {}) | {"Statement": statements}


CONTEXT = RequestContext([
    ContextEntry("aws:username", ("alice",)),
    ContextEntry("aws:SourceIp", ("10.1.2.3",), "ip"),
    ContextEntry("aws:TagKeys", ("a", "b"), "stringList"),
    ContextEntry("s3:prefix", ("home/alice/",)),
    ContextEntry("aws:CurrentTime", ("2024-01-01T00:00:00Z",), "date"),
])
CALLER = Caller.from_arn("arn:aws:iam::111122223333:user/alice")


def check_text(text: str) -> None:
    """Every entry point on `text`: errors only as MalformedPolicyDocument; a document
    that parses also compiles, evaluates and explains."""
    for policy_type in PolicyType:
        report = validate_policy(text, policy_type)  # never raises
        assert (report.document is None) == bool(report.errors)
        try:
            document = parse_policy(text, policy_type)
        except MalformedPolicyDocument:
            assert report.document is None
            continue
        assert report.document is not None
        for st_ in document.statements:  # positions frame the statement's braces
            lines = text.split("\n")
            assert lines[st_.start.line - 1][st_.start.column - 2] == "{"
            assert lines[st_.end.line - 1][st_.end.column - 2] == "}"
        compiled = PolicyInput(compile_policy(text, policy_type), "PolicyInputList.1")
        for action in ("s3:GetObject", "iam:CreateUser"):
            request = EvalRequest(action, "arn:aws:s3:::b/k", CONTEXT, CALLER)
            if policy_type is PolicyType.IDENTITY:
                result = evaluate(request, [compiled], boundaries=[compiled])
            else:
                result = evaluate(request, resource_policy=compiled)
            explain(result)
            result.to_aws()


class TestParserNeverCrashes:
    """Whatever the input, the answer is a report or MalformedPolicyDocument (API
    Reference, CreatePolicy errors), never another exception."""

    @given(st.text())
    @settings(max_examples=150, deadline=None)
    def test_arbitrary_text(self, text: str) -> None:
        check_text(text)

    @given(st.text(alphabet='{}[]",:0123456789.eE-+ \ntrufalsn\\"NaInfy', max_size=60))
    @settings(max_examples=150, deadline=None)
    def test_json_shaped_noise(self, text: str) -> None:
        check_text(text)

    @given(json_values, st.booleans())
    @settings(max_examples=60, deadline=None)
    def test_arbitrary_json(self, value: Any, ascii_only: bool) -> None:
        check_text(json.dumps(value, ensure_ascii=ascii_only))

    @given(policy_like, st.booleans(), st.sampled_from([None, 2]))
    @settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    def test_policy_shaped_json(self, value: Any, ascii_only: bool, indent: int | None) -> None:
        check_text(json.dumps(value, ensure_ascii=ascii_only, indent=indent))

    @given(well_formed(PolicyType.IDENTITY), st.integers(min_value=0),
           st.text(min_size=1, max_size=3))
    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    def test_mutated_policies(self, value: Any, where: int, insert: str) -> None:
        text = json.dumps(value)
        at = where % (len(text) + 1)
        check_text(text[:at] + insert + text[at:])
        check_text(text[:at] + text[at + len(insert):])

    @given(st.sampled_from(list(PolicyType)).flatmap(
        lambda t: st.tuples(st.just(t), well_formed(t))), st.sampled_from([None, 2]))
    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    def test_well_formed_policies_parse_and_evaluate(self, case: tuple[PolicyType, Any],
                                                     indent: int | None) -> None:
        policy_type, value = case
        text = json.dumps(value, indent=indent)
        parse_policy(text, policy_type)
        check_text(text)


class TestDecisionInvariants:
    """IAM User Guide, "Policy evaluation logic": an explicit deny in any policy overrides
    any allow; without an applicable allow the request is implicitly denied; only a Deny
    statement can produce explicitDeny."""

    @given(well_formed(PolicyType.IDENTITY), st.sampled_from(["s3:GetObject", "iam:CreateUser",
                                                               "sts:AssumeRole"]),
           st.sampled_from(["arn:aws:s3:::b/k", "arn:aws:s3:::b/alice/x", "*"]))
    @settings(max_examples=40, deadline=None)
    def test_invariants(self, value: Any, action: str, resource: str) -> None:
        policy = PolicyInput(compile_policy(json.dumps(value)), "PolicyInputList.1")
        request = EvalRequest(action, resource, CONTEXT, CALLER)
        result = evaluate(request, [policy])
        effects = {m.statement.statement.effect for m in result.matched}
        if result.decision == "explicitDeny":
            assert effects == {"Deny"}
        elif result.decision == "allowed":
            assert effects == {"Allow"}
        else:
            assert result.matched == ()
        deny_all = PolicyInput(compile_policy(
            '{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*",'
            '"Resource":"*"}}'), "PolicyInputList.2")
        assert evaluate(request, [policy, deny_all]).decision == "explicitDeny"
        assert evaluate(request, [deny_all, policy]).decision == "explicitDeny"
        assert evaluate(request, []).decision == "implicitDeny"
        # a boundary that allows everything changes nothing
        allow_all = PolicyInput(compile_policy(
            '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*",'
            '"Resource":"*"}}'), "PermissionsBoundaryPolicyInputList.1")
        assert evaluate(request, [policy], boundaries=[allow_all]).decision == result.decision


def test_equal_pattern_lists_share_one_compiled_set() -> None:
    """Statements with the same Action or Resource list reuse one WildcardSet (it is
    immutable), so an account's repeated patterns are compiled once."""
    from iamtui.policy.patterns import GLOB, wildcard_set

    first = wildcard_set(("s3:Get*", "s3:List*"), mode=GLOB, fold=True)
    assert wildcard_set(("s3:Get*", "s3:List*"), mode=GLOB, fold=True) is first
    assert wildcard_set(("s3:Get*",), mode=GLOB, fold=True) is not first
    assert first.matches("s3:getobject") and not first.matches("s3:PutObject")
