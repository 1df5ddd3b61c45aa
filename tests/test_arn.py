"""ARNs, unique IDs, name/path/tag rules and quotas of iamtui.arn.

References:
- IAM User Guide, "IAM identifiers" (ARN formats, unique ID prefixes):
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html
- IAM User Guide, "IAM and AWS STS quotas" (name rules, case-insensitive names,
  object quotas, policy sizes without white space):
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
- IAM API Reference: CreateUser, CreateGroup, CreateRole, CreatePolicy,
  CreateAccountAlias, AssumeRole, and the Tag data type (length constraints and
  patterns): https://docs.aws.amazon.com/IAM/latest/APIReference/API_Tag.html
"""

from __future__ import annotations

import ast
import json
import re
import string
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from iamtui import arn
from iamtui.errors import InvalidInput, LimitExceeded, ValidationError

NAME_CHARS = string.ascii_letters + string.digits + "_+=,.@-"
ACCOUNT = "123456789012"

names = st.text(alphabet=NAME_CHARS, min_size=1, max_size=64)
bad_chars = st.characters(codec="utf-8").filter(lambda c: c not in NAME_CHARS)
path_segments = st.lists(
    st.text(alphabet=[chr(c) for c in range(0x21, 0x7F) if c != 0x2F], min_size=1, max_size=10),
    max_size=5,
)


def as_path(segments: list[str]) -> str:
    return "/" + "".join(s + "/" for s in segments)


# ------------------------------------------------------------------------ names

NAME_VALIDATORS = [
    (arn.validate_user_name, 64, "userName"),
    (arn.validate_role_name, 64, "roleName"),
    (arn.validate_group_name, 128, "groupName"),
    (arn.validate_policy_name, 128, "policyName"),
    (arn.validate_instance_profile_name, 128, "instanceProfileName"),
]


@pytest.mark.parametrize(("validate", "max_len", "field"), NAME_VALIDATORS)
@given(name=names)
def test_valid_names_pass(validate, max_len: int, field: str, name: str) -> None:
    assert validate(name) == name


@pytest.mark.parametrize(("validate", "max_len", "field"), NAME_VALIDATORS)
@given(prefix=names, bad=bad_chars, suffix=st.text(alphabet=NAME_CHARS, max_size=5))
def test_names_with_a_foreign_character_fail(
    validate, max_len: int, field: str, prefix: str, bad: str, suffix: str
) -> None:
    # Java's \w (AWS's regex engine) is ASCII-only: 'é' or a space is refused.
    with pytest.raises(ValidationError) as err:
        validate(prefix[:10] + bad + suffix)
    assert "Member must satisfy regular expression pattern: [\\w+=,.@-]+" in err.value.message
    assert f"at '{field}'" in err.value.message


@pytest.mark.parametrize(("validate", "max_len", "field"), NAME_VALIDATORS)
def test_name_length_limits(validate, max_len: int, field: str) -> None:
    assert validate("a" * max_len)
    with pytest.raises(ValidationError, match=f"less than or equal to {max_len}"):
        validate("a" * (max_len + 1))
    with pytest.raises(ValidationError, match="greater than or equal to 1"):
        validate("")


def test_validation_message_is_aws_shaped() -> None:
    with pytest.raises(ValidationError) as err:
        arn.validate_user_name("bad name")
    assert err.value.code == "ValidationError"
    assert err.value.message == (
        "1 validation error detected: Value 'bad name' at 'userName' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+"
    )


def test_every_violated_constraint_is_listed() -> None:
    with pytest.raises(ValidationError) as err:
        arn.validate_role_name("x" * 64 + " ")
    assert err.value.message.startswith("2 validation errors detected: ")
    assert "length less than or equal to 64" in err.value.message
    assert "regular expression pattern" in err.value.message


@given(name=st.text(alphabet=NAME_CHARS, min_size=2, max_size=64))
def test_role_session_names(name: str) -> None:
    assert arn.validate_role_session_name(name) == name


def test_role_session_name_is_2_to_64() -> None:
    with pytest.raises(ValidationError, match="greater than or equal to 2"):
        arn.validate_role_session_name("a")
    with pytest.raises(ValidationError, match="less than or equal to 64"):
        arn.validate_role_session_name("a" * 65)
    with pytest.raises(ValidationError, match=re.escape("[\\w+=,.@-]*")):
        arn.validate_role_session_name("has space")


def test_mfa_device_name_allows_226() -> None:
    assert arn.validate_mfa_device_name("m" * 226)
    with pytest.raises(ValidationError):
        arn.validate_mfa_device_name("m" * 227)


def test_names_are_unique_ignoring_case() -> None:
    # Quotas page: you can't create groups named both ADMINS and admins.
    assert arn.name_key("ADMINS") == arn.name_key("admins") == "admins"
    assert arn.name_key("Bob.Smith@Example") == "bob.smith@example"


@given(name=names)
def test_name_key_ignores_only_case(name: str) -> None:
    assert arn.name_key(name) == arn.name_key(name.upper()) == name.lower()


# ------------------------------------------------------------------------- paths


@given(segments=path_segments)
def test_valid_paths_pass(segments: list[str]) -> None:
    path = as_path(segments)
    assert arn.validate_path(path) == path


@pytest.mark.parametrize("path", ["", "a/", "/a", "/a b/", "/é/", "/a\x7f/", "//"])
def test_invalid_paths_fail(path: str) -> None:
    with pytest.raises(ValidationError):
        arn.validate_path(path)


def test_path_length_is_at_most_512() -> None:
    assert arn.validate_path("/" + "a" * 510 + "/")
    with pytest.raises(ValidationError, match="less than or equal to 512"):
        arn.validate_path("/" + "a" * 511 + "/")


def test_policy_paths_refuse_an_asterisk() -> None:
    # CreatePolicy: "You cannot use an asterisk (*) in the path name."
    assert arn.validate_path("/a*b/") == "/a*b/"
    with pytest.raises(InvalidInput):
        arn.validate_path("/a*b/", policy=True)


def test_path_prefix() -> None:
    assert arn.validate_path_prefix("/division_abc/sub")
    with pytest.raises(ValidationError):
        arn.validate_path_prefix("division")


# ------------------------------------------------------- account IDs and aliases


@given(account=st.text(alphabet=string.digits, min_size=12, max_size=12))
def test_account_ids_are_12_digits(account: str) -> None:
    assert arn.validate_account_id(account) == account


@pytest.mark.parametrize(
    "bad", ["12345678901", "1234567890123", "12345678901a", "１２３４５６７８９０１２"]
)
def test_bad_account_ids(bad: str) -> None:
    with pytest.raises(InvalidInput):
        arn.validate_account_id(bad)


@pytest.mark.parametrize("alias", ["abc", "my-company", "a1-b2-c3", "x" * 63, "123"])
def test_valid_account_aliases(alias: str) -> None:
    assert arn.validate_account_alias(alias) == alias


@pytest.mark.parametrize(
    "alias", ["ab", "x" * 64, "-abc", "abc-", "a--b", "MyCompany", "my_company", "my.company"]
)
def test_invalid_account_aliases(alias: str) -> None:
    with pytest.raises(ValidationError):
        arn.validate_account_alias(alias)


def test_account_alias_cannot_be_an_account_id() -> None:
    with pytest.raises(InvalidInput):
        arn.validate_account_alias("123456789012")


# -------------------------------------------------------------------------- tags

tag_chars = st.characters(categories=("L", "Zs", "N")) | st.sampled_from("_.:/=+-@")


@given(
    key=st.text(alphabet=tag_chars, min_size=1, max_size=128).filter(
        lambda k: not k.lower().startswith("aws:")
    ),
    value=st.text(alphabet=tag_chars, max_size=256),
)
def test_valid_tags_pass(key: str, value: str) -> None:
    assert arn.validate_tags([(key, value)]) == [(key, value)]


@pytest.mark.parametrize("key", ["", "k" * 129, "a*b", "semi;colon", "tab\t"])
def test_invalid_tag_keys(key: str) -> None:
    with pytest.raises(ValidationError):
        arn.validate_tag_key(key)


def test_tag_value_limits() -> None:
    assert arn.validate_tag_value("") == ""
    assert arn.validate_tag_value("v" * 256)
    with pytest.raises(ValidationError):
        arn.validate_tag_value("v" * 257)
    with pytest.raises(ValidationError):
        arn.validate_tag_value("no#hash")


@pytest.mark.parametrize("key", ["aws:team", "AWS:team", "Aws:x"])
def test_aws_prefix_is_reserved(key: str) -> None:
    with pytest.raises(InvalidInput):
        arn.validate_tag_key(key)


def test_tag_keys_are_unique_ignoring_case() -> None:
    with pytest.raises(InvalidInput, match="case insensitive"):
        arn.validate_tags([("CostCenter", "1"), ("costcenter", "2")])


def test_at_most_50_tags() -> None:
    fifty = [(f"k{i}", "v") for i in range(50)]
    assert len(arn.validate_tags(fifty)) == 50
    with pytest.raises(ValidationError, match="less than or equal to 50"):
        arn.validate_tags([*fifty, ("k50", "v")])
    arn.check_tag_count(50)
    with pytest.raises(LimitExceeded):
        arn.check_tag_count(51)


def test_tags_accept_dicts_and_objects() -> None:
    class T:
        key, value = "Team", "Red"

    assert arn.validate_tags([{"Key": "Dept", "Value": "HR"}, T()]) == [
        ("Dept", "HR"),
        ("Team", "Red"),
    ]


# ------------------------------------------------------- other request values


def test_max_session_duration_range() -> None:
    assert arn.validate_max_session_duration(3600) == 3600
    assert arn.validate_max_session_duration(43200) == 43200
    with pytest.raises(ValidationError, match="greater than or equal to 3600"):
        arn.validate_max_session_duration(3599)
    with pytest.raises(ValidationError, match="less than or equal to 43200"):
        arn.validate_max_session_duration(43201)
    with pytest.raises(ValidationError):
        arn.validate_max_session_duration(True)  # type: ignore[arg-type]


def test_descriptions() -> None:
    assert arn.validate_description("Grants access to production DynamoDB tables.")
    with pytest.raises(ValidationError):
        arn.validate_description("d" * 1001)
    with pytest.raises(ValidationError):
        arn.validate_description("emoji \U0001f600")


def test_policy_document_characters() -> None:
    # Quotas page: tab, line feed, carriage return and U+0020 to U+00FF only.
    doc = '{\n\t"Version": "2012-10-17", "Sid": "caf\u00e9"\r\n}'
    assert arn.validate_policy_document_text(doc) == doc
    for bad in ("", '{"Sid": "\u0100"}', '{"Sid": "\U0001f600"}', "{\x00}"):
        with pytest.raises(ValidationError, match="policyDocument"):
            arn.validate_policy_document_text(bad)


def test_version_ids() -> None:
    assert [arn.version_id(n) for n in (1, 2, 10)] == ["v1", "v2", "v10"]
    assert arn.validate_version_id("v12") == "v12"
    for bad in ("v0", "1", "V1", "v01"):
        with pytest.raises(ValidationError):
            arn.validate_version_id(bad)


# -------------------------------------------------------------------------- ARNs


def test_arn_builders_follow_iam_identifiers() -> None:
    assert arn.user_arn(ACCOUNT, "/", "JohnDoe") == "arn:aws:iam::123456789012:user/JohnDoe"
    assert (
        arn.user_arn(ACCOUNT, "/division_abc/subdivision_xyz/", "JaneDoe")
        == "arn:aws:iam::123456789012:user/division_abc/subdivision_xyz/JaneDoe"
    )
    assert arn.group_arn(ACCOUNT, "/", "Developers") == "arn:aws:iam::123456789012:group/Developers"
    assert arn.role_arn(ACCOUNT, "/application_abc/component_xyz/", "S3Access") == (
        "arn:aws:iam::123456789012:role/application_abc/component_xyz/S3Access"
    )
    assert arn.policy_arn(ACCOUNT, "/", "UsersManageOwnCredentials") == (
        "arn:aws:iam::123456789012:policy/UsersManageOwnCredentials"
    )
    assert arn.instance_profile_arn(ACCOUNT, "/", "Webserver") == (
        "arn:aws:iam::123456789012:instance-profile/Webserver"
    )
    assert arn.mfa_arn(ACCOUNT, "/", "JaneMFA") == "arn:aws:iam::123456789012:mfa/JaneMFA"
    assert arn.root_arn(ACCOUNT) == "arn:aws:iam::123456789012:root"
    assert arn.assumed_role_arn(ACCOUNT, "Accounting-Role", "Mary") == (
        "arn:aws:sts::123456789012:assumed-role/Accounting-Role/Mary"
    )


def test_aws_managed_policy_arns() -> None:
    admin = arn.aws_managed_policy_arn("/", "AdministratorAccess")
    assert admin == "arn:aws:iam::aws:policy/AdministratorAccess"
    config = arn.aws_managed_policy_arn("/service-role/", "AWSConfigRole")
    assert config == "arn:aws:iam::aws:policy/service-role/AWSConfigRole"
    assert arn.is_aws_managed_policy_arn(config)
    assert not arn.is_aws_managed_policy_arn(arn.policy_arn(ACCOUNT, "/", "Mine"))


@given(kind=st.sampled_from(["user", "group", "role", "policy"]), segs=path_segments, name=names)
def test_built_iam_arns_parse_back(kind: str, segs: list[str], name: str) -> None:
    build = {
        "user": arn.user_arn,
        "group": arn.group_arn,
        "role": arn.role_arn,
        "policy": arn.policy_arn,
    }[kind]
    path = as_path(segs)
    text = build(ACCOUNT, path, name)
    parsed = arn.Arn.parse(text)
    assert (parsed.partition, parsed.service, parsed.region, parsed.account) == (
        "aws",
        "iam",
        "",
        ACCOUNT,
    )
    assert str(parsed) == text
    assert parsed.resource_type == kind
    assert arn.split_iam_resource(text) == (kind, path, name)


resource_text = st.text(
    alphabet=string.ascii_letters + string.digits + "/:-_.*?$,{}", min_size=1, max_size=40
)


@given(
    service=st.sampled_from(["iam", "s3", "sts", "lambda", "execute-api", "dynamodb"]),
    region=st.sampled_from(["", "us-east-1", "eu-west-3"]),
    account=st.sampled_from(["", ACCOUNT, "aws"]),
    resource=resource_text,
)
def test_arn_round_trip(service: str, region: str, account: str, resource: str) -> None:
    text = f"arn:aws:{service}:{region}:{account}:{resource}"
    parsed = arn.Arn.parse(text)
    assert str(parsed) == text
    assert arn.Arn.parse(str(parsed)) == parsed


def test_arn_resource_may_hold_colons() -> None:
    parsed = arn.Arn.parse("arn:aws:lambda:us-east-1:123456789012:function:my-func:PROD")
    assert parsed.resource == "function:my-func:PROD"
    assert parsed.resource_type == "function"
    assert arn.Arn.parse("arn:aws:s3:::bucket/key").resource_type == "bucket"


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "arn",
        "arn:aws:iam::123456789012",
        "urn:aws:iam::123456789012:user/Bob",
        "arn::iam::123456789012:user/Bob",
        "arn:aws::us-east-1:123456789012:x",
        "arn:aws:iam::12345:user/Bob",
        "arn:aws:iam::123456789012:",
        "arn:aws:iam::123456789012:user/Bob Smith",
        "arn:aws:IAM::123456789012:user/Bob",
    ],
)
def test_malformed_arns_are_invalid_input(bad: str) -> None:
    with pytest.raises(InvalidInput) as err:
        arn.Arn.parse(bad)
    assert "is not valid" in err.value.message
    assert err.value.code == "InvalidInput"


def test_split_iam_resource() -> None:
    assert arn.split_iam_resource(arn.root_arn(ACCOUNT)) == ("root", "/", "")
    with pytest.raises(InvalidInput):
        arn.split_iam_resource("arn:aws:s3:::bucket")


# -------------------------------------------------------------------- unique IDs


@pytest.mark.parametrize(
    ("kind", "prefix", "length"),
    [
        ("user", "AIDA", 21),
        ("group", "AGPA", 21),
        ("role", "AROA", 21),
        ("policy", "ANPA", 21),
        ("instance-profile", "AIPA", 21),
        ("access-key", "AKIA", 20),
        ("temporary-access-key", "ASIA", 20),
    ],
)
def test_unique_ids_have_aws_prefixes(kind: str, prefix: str, length: int) -> None:
    ids = {arn.new_unique_id(kind) for _ in range(50)}
    assert len(ids) == 50  # random, not sequential
    for uid in ids:
        assert len(uid) == length
        assert uid.startswith(prefix)
        assert re.fullmatch(r"[A-Z2-7]+", uid[4:])
        assert arn.is_unique_id(uid, kind)
    assert not arn.is_unique_id(prefix + "1" * (length - 4), kind)  # '1' is outside [A-Z2-7]


def test_unknown_id_kind() -> None:
    with pytest.raises(ValueError):
        arn.new_unique_id("bucket")


# ------------------------------------------------------------------------ quotas


def test_default_quotas_are_aws_defaults() -> None:
    q = arn.DEFAULT_QUOTAS
    assert (q.groups_per_user, q.versions_per_policy, q.access_keys_per_user) == (10, 5, 2)
    assert (q.managed_policies_per_user, q.managed_policies_per_group) == (10, 10)
    assert q.managed_policies_per_role == 10
    assert (q.user_inline_policy_size, q.group_inline_policy_size) == (2048, 5120)
    assert (q.role_inline_policy_size, q.managed_policy_size) == (10240, 6144)
    assert (q.trust_policy_size, q.mfa_devices_per_user, q.tags_per_entity) == (2048, 8, 50)
    assert (q.users, q.groups) == (5000, 300)
    with pytest.raises(AttributeError):
        q.users = 1  # type: ignore[misc]
    assert arn.Quotas(roles=5000).roles == 5000


def test_summary_map_uses_get_account_summary_keys() -> None:
    # IAM API Reference, GetAccountSummary: SummaryMap valid keys.
    summary = arn.Quotas(users=7).summary_map()
    assert summary["UsersQuota"] == 7
    assert summary["PolicySizeQuota"] == 6144
    assert summary["AssumeRolePolicySizeQuota"] == 2048
    assert summary["AccessKeysPerUserQuota"] == 2
    documented = set(
        [
            "Users",
            "UsersQuota",
            "Groups",
            "GroupsQuota",
            "ServerCertificates",
            "ServerCertificatesQuota",
            "UserPolicySizeQuota",
            "GroupPolicySizeQuota",
            "GroupsPerUserQuota",
            "SigningCertificatesPerUserQuota",
            "AccessKeysPerUserQuota",
            "MFADevices",
            "MFADevicesInUse",
            "AccountMFAEnabled",
            "AccountAccessKeysPresent",
            "AccountPasswordPresent",
            "AccountSigningCertificatesPresent",
            "AttachedPoliciesPerGroupQuota",
            "AttachedPoliciesPerRoleQuota",
            "AttachedPoliciesPerUserQuota",
            "Policies",
            "PoliciesQuota",
            "PolicySizeQuota",
            "PolicyVersionsInUse",
            "PolicyVersionsInUseQuota",
            "VersionsPerPolicyQuota",
            "GlobalEndpointTokenVersion",
            "AssumeRolePolicySizeQuota",
            "InstanceProfiles",
            "InstanceProfilesQuota",
            "Providers",
            "RolePolicySizeQuota",
            "Roles",
            "RolesQuota",
        ]
    )
    assert set(summary) <= documented


def test_policy_size_ignores_white_space() -> None:
    compact = '{"Version":"2012-10-17","Statement":[]}'
    pretty = '{\n    "Version": "2012-10-17",\n\t"Statement": [ ]\r\n}\n'
    assert arn.policy_size(compact) == len(compact)
    assert arn.policy_size(pretty) == arn.policy_size(compact)
    # White space inside strings does not count either.
    assert arn.policy_size('{"Sid": "a b"}') == len('{"Sid":"ab"}')


@given(text=st.text(alphabet=string.printable))
def test_policy_size_counts_non_white_characters(text: str) -> None:
    assert arn.policy_size(text) == len("".join(text.split()))


def test_the_service_and_the_grammar_count_a_policy_against_the_documented_quota() -> None:
    """IAM User Guide, "IAM and AWS STS quotas" (reference_iam-quotas.html): a managed
    policy may hold 6,144 characters and IAM doesn't count white space toward that size;
    a policy document holds only tab, LF, CR and U+0020-U+00FF, so NBSP (U+00A0) is an
    ordinary character there and counts. The service's quota check and the policy
    grammar's validation give the same answer from the one count."""
    from iamtui.policy import PolicyType, validate_policy
    from iamtui.policy.grammar import policy_size as grammar_size

    assert grammar_size is arn.policy_size

    def managed(size: int) -> str:
        head = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*",' \
               '"Resource":"arn:aws:s3:::b/\u00a0'
        tail = '"}]}'
        return head + "k" * (size - len(head) - len(tail)) + tail

    def refused(text: str) -> bool:
        report = validate_policy(text, PolicyType.IDENTITY, max_size=6144, advice=False)
        return any(f.issue_code == "POLICY_SIZE_EXCEEDED" for f in report.findings)

    at_quota = managed(6144)
    assert len(at_quota) == 6144 and arn.policy_size(at_quota) == 6144
    pretty = json.dumps(json.loads(at_quota), indent=4, ensure_ascii=False)
    assert len(pretty) > 6144 and arn.policy_size(pretty) == 6144  # white space is free
    for text in (at_quota, pretty):
        assert arn.check_policy_size(text, 6144) == 6144 and not refused(text)
    over = managed(6145)  # one character more, the NBSP among the counted ones
    with pytest.raises(LimitExceeded, match="Cannot exceed quota for PolicySize: 6144"):
        arn.check_policy_size(over, 6144)
    assert refused(over)


def test_check_policy_size() -> None:
    doc = "x" * 6144 + " " * 100
    assert arn.check_policy_size(doc, 6144) == 6144
    with pytest.raises(LimitExceeded, match="Cannot exceed quota for PolicySize: 6144"):
        arn.check_policy_size(doc + "y", 6144)
    with pytest.raises(LimitExceeded, match="ACLSizePerRole: 2048"):
        arn.check_policy_size("z" * 2049, 2048, "ACLSizePerRole")


def test_arn_module_imports_only_the_stdlib_and_errors() -> None:
    # The policy engine (no I/O, no store) imports arn.py, so arn.py imports nothing else of
    # ours: it would drag more into every evaluation and risk a cycle.
    tree = ast.parse(Path(arn.__file__).read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
    ours = {m for m in imported if m.split(".")[0] == "iamtui"}
    assert ours == {"iamtui.errors"}
    third_party = {
        m
        for m in imported - ours
        if m.split(".")[0] not in sys.stdlib_module_names and m != "__future__"
    }
    assert third_party == set()


@given(st.integers(min_value=-10**6, max_value=10**6))
def test_seconds_in_range_pass_and_others_name_the_bound(seconds: int) -> None:
    """validate_seconds, the one range check of every DurationSeconds and MaxSessionDuration:
    AWS's ValidationError naming the bound that was crossed."""
    if 900 <= seconds <= 43200:
        assert arn.validate_seconds(seconds, "durationSeconds", 900, 43200) == seconds
        return
    bound = ("greater than or equal to 900" if seconds < 900
             else "less than or equal to 43200")
    with pytest.raises(ValidationError) as caught:
        arn.validate_seconds(seconds, "durationSeconds", 900, 43200)
    assert str(caught.value) == (f"1 validation error detected: Value '{seconds}' at "
                                 "'durationSeconds' failed to satisfy constraint: Member "
                                 f"must have value {bound}")


@pytest.mark.parametrize("seconds", [True, "3600", 3600.0, None])
def test_seconds_must_be_an_integer(seconds: object) -> None:
    with pytest.raises(ValidationError, match="at 'durationSeconds' must be an integer"):
        arn.validate_seconds(seconds, "durationSeconds", 900, 43200)  # type: ignore[arg-type]
