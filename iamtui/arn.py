"""ARNs, unique IDs, name and path rules, and quotas, as AWS IAM documents them.

Pure and stdlib-only: the policy engine imports this module, so it may import
nothing of the project but `iamtui.errors`.

Sources (IAM User Guide and IAM API Reference):
- "IAM identifiers": ARN formats and unique ID prefixes.
- "IAM and AWS STS quotas": name rules, object quotas, policy sizes.
- API reference of CreateUser, CreateGroup, CreateRole, CreatePolicy,
  CreateInstanceProfile, CreateAccountAlias, AssumeRole and the Tag data type:
  the length constraints and regular expression patterns checked here.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any, Final, NamedTuple

from iamtui.errors import InvalidInput, LimitExceeded, ValidationError

PARTITION: Final = "aws"
"""The partition of every ARN this system mints."""

AWS_MANAGED_ACCOUNT: Final = "aws"
"""The account field of AWS managed policy ARNs (`arn:aws:iam::aws:policy/...`)."""

# --------------------------------------------------------------------------- ARNs

_PARTITION_RE = re.compile(r"aws(-[a-z0-9]+)*")
_SERVICE_RE = re.compile(r"[a-z0-9][a-z0-9.-]*")
_REGION_RE = re.compile(r"([a-z0-9-]+)?")
_ACCOUNT_RE = re.compile(r"(\d{12}|aws)?")


class Arn(NamedTuple):
    """An Amazon Resource Name: `arn:partition:service:region:account:resource`."""

    partition: str
    service: str
    region: str
    account: str
    resource: str

    @classmethod
    def parse(cls, text: str) -> Arn:
        """Parse `text` into an Arn; raise InvalidInput when it is not a well-formed ARN.

        The resource part may itself contain colons (`function:name:alias`). This is
        for concrete ARNs: policy patterns with wildcards in the account or region
        (`arn:aws:iam::*:user/*`) are the policy engine's to match.
        """
        if not isinstance(text, str):
            raise InvalidInput(f"ARN {text!r} is not valid: an ARN is a string.")
        surrogate = lone_surrogate(text)
        if surrogate is not None:
            raise InvalidInput(f"ARN {escape_surrogates(text)} is not valid: it holds a lone "
                               f"surrogate ({surrogate}), which is not a Unicode character.")
        parts = text.split(":", 5)
        if len(parts) != 6 or parts[0] != "arn":
            raise InvalidInput(
                f"ARN {text} is not valid: expected arn:partition:service:region:account:resource."
            )
        _, partition, service, region, account, resource = parts
        if not _PARTITION_RE.fullmatch(partition):
            raise InvalidInput(f"ARN {text} is not valid: unknown partition '{partition}'.")
        if not _SERVICE_RE.fullmatch(service):
            raise InvalidInput(f"ARN {text} is not valid: bad service '{service}'.")
        if not _REGION_RE.fullmatch(region):
            raise InvalidInput(f"ARN {text} is not valid: bad region '{region}'.")
        if not _ACCOUNT_RE.fullmatch(account):
            raise InvalidInput(
                f"ARN {text} is not valid: the account must be empty, 12 digits or 'aws', "
                f"not '{account}'."
            )
        if not resource or any(c.isspace() for c in text):
            raise InvalidInput(f"ARN {text} is not valid: empty resource or white space.")
        return cls(partition, service, region, account, resource)

    def __str__(self) -> str:
        return f"arn:{self.partition}:{self.service}:{self.region}:{self.account}:{self.resource}"

    @property
    def resource_type(self) -> str:
        """The resource's type: the part of `resource` before the first '/' or ':'."""
        return re.split(r"[/:]", self.resource, maxsplit=1)[0]


def split_iam_resource(arn: Arn | str) -> tuple[str, str, str]:
    """Split an IAM ARN's resource into (type, path, name).

    `arn:aws:iam::123456789012:user/division/Bob` gives ("user", "/division/", "Bob");
    `...:root` gives ("root", "/", ""). Raise InvalidInput for a non-IAM ARN.
    """
    parsed = Arn.parse(arn) if isinstance(arn, str) else arn
    if parsed.service != "iam":
        raise InvalidInput(f"ARN {parsed} is not an IAM ARN.")
    kind, sep, rest = parsed.resource.partition("/")
    if not sep:
        return kind, "/", ""
    head, _, name = rest.rpartition("/")
    return kind, f"/{head}/" if head else "/", name


def _iam_arn(account: str, kind: str, path: str, name: str) -> str:
    return f"arn:{PARTITION}:iam::{account}:{kind}{path}{name}"


def user_arn(account: str, path: str, name: str) -> str:
    """`arn:aws:iam::ACCOUNT:user/PATH/NAME` (the path '/' gives `user/NAME`)."""
    return _iam_arn(account, "user", path, name)


def group_arn(account: str, path: str, name: str) -> str:
    """`arn:aws:iam::ACCOUNT:group/PATH/NAME`."""
    return _iam_arn(account, "group", path, name)


def role_arn(account: str, path: str, name: str) -> str:
    """`arn:aws:iam::ACCOUNT:role/PATH/NAME`."""
    return _iam_arn(account, "role", path, name)


def policy_arn(account: str, path: str, name: str) -> str:
    """`arn:aws:iam::ACCOUNT:policy/PATH/NAME`; pass account 'aws' for AWS managed ones."""
    return _iam_arn(account, "policy", path, name)


def aws_managed_policy_arn(path: str, name: str) -> str:
    """`arn:aws:iam::aws:policy/PATH/NAME`, e.g. `...:policy/service-role/AWSConfigRole`."""
    return policy_arn(AWS_MANAGED_ACCOUNT, path, name)


def instance_profile_arn(account: str, path: str, name: str) -> str:
    """`arn:aws:iam::ACCOUNT:instance-profile/PATH/NAME`."""
    return _iam_arn(account, "instance-profile", path, name)


def mfa_arn(account: str, path: str, name: str) -> str:
    """`arn:aws:iam::ACCOUNT:mfa/PATH/NAME`: a virtual MFA device's serial number."""
    return _iam_arn(account, "mfa", path, name)


def root_arn(account: str) -> str:
    """`arn:aws:iam::ACCOUNT:root`: the account's root user."""
    return f"arn:{PARTITION}:iam::{account}:root"


def assumed_role_arn(account: str, role_name: str, session_name: str) -> str:
    """`arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION` (an STS ARN, without the role path)."""
    return f"arn:{PARTITION}:sts::{account}:assumed-role/{role_name}/{session_name}"


def is_aws_managed_policy_arn(arn: str) -> bool:
    """Whether `arn` names an AWS managed policy (account field 'aws')."""
    return arn.startswith(f"arn:{PARTITION}:iam::{AWS_MANAGED_ACCOUNT}:policy/")


# --------------------------------------------------------------------- unique IDs

UNIQUE_ID_PREFIXES: Final[dict[str, str]] = {
    "user": "AIDA",
    "group": "AGPA",
    "role": "AROA",
    "policy": "ANPA",
    "instance-profile": "AIPA",
    "access-key": "AKIA",
    "temporary-access-key": "ASIA",
    "server-certificate": "ASCA",
}
"""AWS's four-character prefixes of unique IDs ("IAM identifiers", unique ID prefixes)."""

_ID_ALPHABET: Final = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_ACCESS_KEY_KINDS: Final = frozenset({"access-key", "temporary-access-key"})
ENTITY_ID_LENGTH: Final = 21
ACCESS_KEY_ID_LENGTH: Final = 20


def new_unique_id(kind: str) -> str:
    """A fresh random unique ID for `kind` (a key of UNIQUE_ID_PREFIXES).

    Entity IDs are 21 characters (prefix + 17), access key IDs 20 (prefix + 16),
    drawn from [A-Z2-7] with `secrets`.
    """
    try:
        prefix = UNIQUE_ID_PREFIXES[kind]
    except KeyError:
        raise ValueError(f"unknown unique ID kind {kind!r}") from None
    length = ACCESS_KEY_ID_LENGTH if kind in _ACCESS_KEY_KINDS else ENTITY_ID_LENGTH
    import secrets  # here: a store-less command (simulate-custom-policy) mints no IDs

    return prefix + "".join(secrets.choice(_ID_ALPHABET) for _ in range(length - len(prefix)))


def is_unique_id(value: str, kind: str) -> bool:
    """Whether `value` has the shape new_unique_id(kind) produces."""
    prefix = UNIQUE_ID_PREFIXES[kind]
    length = ACCESS_KEY_ID_LENGTH if kind in _ACCESS_KEY_KINDS else ENTITY_ID_LENGTH
    return (
        len(value) == length
        and value.startswith(prefix)
        and all(c in _ID_ALPHABET for c in value[len(prefix) :])
    )


# --------------------------------------------------------------------- validation
#
# AWS checks an API parameter's length and pattern constraints before anything
# else and answers with the ValidationError code, listing every violated
# constraint: "1 validation error detected: Value 'x y' at 'userName' failed to
# satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+".

NAME_PATTERN: Final = r"[\w+=,.@-]+"
SESSION_NAME_PATTERN: Final = r"[\w+=,.@-]*"
PATH_PATTERN: Final = r"(\u002F)|(\u002F[\u0021-\u007E]+\u002F)"
PATH_PREFIX_PATTERN: Final = r"\u002F[\u0021-\u007F]*"
ACCOUNT_ALIAS_PATTERN: Final = r"^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$"
DESCRIPTION_PATTERN: Final = r"[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*"
TAG_KEY_PATTERN: Final = r"[\p{L}\p{Z}\p{N}_.:/=+\-@]+"
TAG_VALUE_PATTERN: Final = r"[\p{L}\p{Z}\p{N}_.:/=+\-@]*"
VERSION_ID_PATTERN: Final = r"v[1-9][0-9]*(\.[A-Za-z0-9-]*)?"
POLICY_TEXT_PATTERN: Final = r"[\u0009\u000A\u000D\u0020-\u00FF]+"
SERIAL_NUMBER_PATTERN: Final = r"[\w+=/:,.@-]+"
# The longest a role session can last: a role's MaxSessionDuration and AssumeRole's
# DurationSeconds are both at most 43,200 seconds (IAM API Reference, CreateRole).
MAX_ROLE_SESSION_SECONDS: Final = 43200

# AWS evaluates these with Java regexes, where \w is ASCII-only: hence re.ASCII.
_NAME_RE = re.compile(r"[\w+=,.@-]+", re.ASCII)
_SESSION_NAME_RE = re.compile(r"[\w+=,.@-]*", re.ASCII)
_PATH_RE = re.compile(r"/|/[\x21-\x7e]+/")
_PATH_PREFIX_RE = re.compile(r"/[\x21-\x7f]*")
_ACCOUNT_ALIAS_RE = re.compile(r"[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]")
_ACCOUNT_ID_RE = re.compile(r"[0-9]{12}")
_SERIAL_NUMBER_RE = re.compile(r"[\w+=/:,.@-]+", re.ASCII)
_DESCRIPTION_RE = re.compile(r"[\t\n\r\x20-\x7e\xa1-\xff]*")
_VERSION_ID_RE = re.compile(r"v[1-9][0-9]*(\.[A-Za-z0-9-]*)?", re.ASCII)
_POLICY_TEXT_RE = re.compile(r"[\t\n\r\x20-\xff]+")
_SHOWN_MAX: Final = 256
_SURROGATE = re.compile("[\ud800-\udfff]")
_TAG_SYMBOLS: Final = frozenset("_.:/=+-@")


def lone_surrogate(value: str) -> str | None:
    """The first lone surrogate in `value`, written as its JSON escape (`\\ud800`), or None.

    A surrogate is half of a UTF-16 pair, not a character: JSON's `"\\ud800"` decodes to
    one, and so does a byte that is not UTF-8 in a command's arguments. No UTF-8 text
    (a terminal, a file, AWS's API) can carry it, so inputs refuse it at the door.
    """
    found = _SURROGATE.search(value)
    return None if found is None else f"\\u{ord(found.group()):04x}"


def escape_surrogates(text: str) -> str:
    """`text` with each lone surrogate written as its escape, so that a message quoting a
    refused value can still be printed (UTF-8 writers raise on a surrogate)."""
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _quoted(value: str) -> str:
    """A value as AWS quotes it in a message: a long one (a policy document) cut to stay
    readable, a lone surrogate escaped."""
    return escape_surrogates(value if len(value) <= _SHOWN_MAX else value[: _SHOWN_MAX - 3] + "...")


def validate_unicode(params: Mapping[str, Any]) -> None:
    """Raise ValidationError when a request parameter, at any depth, holds a lone surrogate.

    The service's last door for callers other than the CLI (which refuses them first):
    such a value cannot be stored, audited or printed, so it is refused before an
    operation is authorized, like any value that breaks a parameter's constraints.
    """
    pending: list[tuple[str, Any]] = list(params.items())
    while pending:
        field, value = pending.pop()
        if isinstance(value, str):
            surrogate = lone_surrogate(value)
            if surrogate is not None:
                _raise_failures([f"Value '{_quoted(value)}' at '{field}' failed to satisfy "
                                 "constraint: Member must be Unicode text, without a lone "
                                 f"surrogate ({surrogate})"])
        elif isinstance(value, Mapping):
            pending += [(f"{field}.{k}", v) for k, v in value.items()]
        elif isinstance(value, list | tuple):
            pending += [(f"{field}.{i}", v) for i, v in enumerate(value, start=1)]


def _tag_char_ok(c: str) -> bool:
    # Python's re has no \p{..}: test the Unicode general category instead.
    return c in _TAG_SYMBOLS or unicodedata.category(c)[0] in "LZN"


def _constraint_failures(
    value: str,
    field: str,
    *,
    min_len: int,
    max_len: int,
    matches: bool,
    pattern: str | None,
) -> list[str]:
    failures = []
    shown = f"Value '{_quoted(value)}' at '{field}' failed to satisfy constraint: "
    if len(value) < min_len:
        failures.append(shown + f"Member must have length greater than or equal to {min_len}")
    if len(value) > max_len:
        failures.append(shown + f"Member must have length less than or equal to {max_len}")
    if pattern is not None and not matches:
        failures.append(shown + f"Member must satisfy regular expression pattern: {pattern}")
    return failures


def _raise_failures(failures: list[str]) -> None:
    if failures:
        n = len(failures)
        noun = "validation error" if n == 1 else "validation errors"
        raise ValidationError(f"{n} {noun} detected: " + "; ".join(failures))


def _check(
    value: str, field: str, min_len: int, max_len: int, regex: re.Pattern[str], pattern: str
) -> str:
    if not isinstance(value, str):
        raise ValidationError(f"1 validation error detected: Value at '{field}' must be a string")
    matches = regex.fullmatch(value) is not None
    _raise_failures(
        _constraint_failures(
            value, field, min_len=min_len, max_len=max_len, matches=matches, pattern=pattern
        )
    )
    return value


def validate_user_name(name: str, field: str = "userName") -> str:
    """A user name for CreateUser: 1-64 characters of [\\w+=,.@-]; ValidationError if not."""
    return _check(name, field, 1, 64, _NAME_RE, NAME_PATTERN)


def validate_group_name(name: str, field: str = "groupName") -> str:
    """A group name for CreateGroup: 1-128 characters of [\\w+=,.@-]."""
    return _check(name, field, 1, 128, _NAME_RE, NAME_PATTERN)


def validate_role_name(name: str, field: str = "roleName") -> str:
    """A role name for CreateRole: 1-64 characters of [\\w+=,.@-]."""
    return _check(name, field, 1, 64, _NAME_RE, NAME_PATTERN)


def validate_policy_name(name: str, field: str = "policyName") -> str:
    """A managed or inline policy name (CreatePolicy, PutUserPolicy): 1-128 of [\\w+=,.@-]."""
    return _check(name, field, 1, 128, _NAME_RE, NAME_PATTERN)


def validate_instance_profile_name(name: str, field: str = "instanceProfileName") -> str:
    """An instance profile name: 1-128 characters of [\\w+=,.@-]."""
    return _check(name, field, 1, 128, _NAME_RE, NAME_PATTERN)


def validate_mfa_device_name(name: str, field: str = "virtualMFADeviceName") -> str:
    """A virtual MFA device name (CreateVirtualMFADevice): 1-226 characters of [\\w+=,.@-]."""
    return _check(name, field, 1, 226, _NAME_RE, NAME_PATTERN)


def validate_role_session_name(name: str, field: str = "roleSessionName") -> str:
    """A role session name (AssumeRole): 2-64 characters of [\\w+=,.@-]."""
    return _check(name, field, 2, 64, _SESSION_NAME_RE, SESSION_NAME_PATTERN)


def validate_path(path: str, field: str = "path", *, policy: bool = False) -> str:
    """An entity path: '/' or '/.../' of printable ASCII, up to 512 characters.

    CreatePolicy also forbids an asterisk in the path (`policy=True`): InvalidInput.
    """
    _check(path, field, 1, 512, _PATH_RE, PATH_PATTERN)
    if policy and "*" in path:
        raise InvalidInput(f"The path '{path}' of a policy cannot contain an asterisk (*).")
    return path


def validate_path_prefix(prefix: str, field: str = "pathPrefix") -> str:
    """A PathPrefix of the List* operations: '/' then printable ASCII, up to 512."""
    return _check(prefix, field, 1, 512, _PATH_PREFIX_RE, PATH_PREFIX_PATTERN)


def validate_account_id(account_id: str) -> str:
    """An AWS account ID: exactly 12 ASCII digits; InvalidInput if not."""
    if not isinstance(account_id, str) or not _ACCOUNT_ID_RE.fullmatch(account_id):
        raise InvalidInput(f"Account ID '{escape_surrogates(str(account_id))}' is not valid: "
                           "it must be 12 digits.")
    return account_id


def validate_account_alias(alias: str, field: str = "accountAlias") -> str:
    """An account alias (CreateAccountAlias): 3-63 of lowercase letters, digits and
    single hyphens, not starting or ending with a hyphen, and not 12 digits."""
    _check(alias, field, 3, 63, _ACCOUNT_ALIAS_RE, ACCOUNT_ALIAS_PATTERN)
    if _ACCOUNT_ID_RE.fullmatch(alias):
        raise InvalidInput(f"The account alias '{alias}' cannot be a 12-digit number.")
    return alias


def validate_serial_number(serial: str, field: str = "serialNumber") -> str:
    """An MFA device's serial number (its ARN, for a virtual device): 9-256 characters."""
    return _check(serial, field, 9, 256, _SERIAL_NUMBER_RE, SERIAL_NUMBER_PATTERN)


def validate_description(text: str, field: str = "description") -> str:
    """A role or policy description: up to 1,000 characters of AWS's allowed set."""
    return _check(text, field, 0, 1000, _DESCRIPTION_RE, DESCRIPTION_PATTERN)


def validate_version_id(version_id: str, field: str = "versionId") -> str:
    """A managed policy version ID such as 'v1' or 'v12'."""
    return _check(version_id, field, 0, 2**31, _VERSION_ID_RE, VERSION_ID_PATTERN)


def validate_policy_document_text(text: str, field: str = "policyDocument") -> str:
    """A policy document's characters as the API accepts them: 1-131,072 characters of
    tab, line feed, carriage return and U+0020-U+00FF (the JSON itself is the policy
    engine's to check; the size quotas are check_policy_size's)."""
    return _check(text, field, 1, 131072, _POLICY_TEXT_RE, POLICY_TEXT_PATTERN)


def constraint_error(value: object, field: str, constraint: str) -> ValidationError:
    """AWS's ValidationError for one parameter failing one constraint: "1 validation error
    detected: Value 'V' at 'FIELD' failed to satisfy constraint: Member must ..."."""
    return ValidationError(f"1 validation error detected: Value '{value}' at '{field}' failed "
                           f"to satisfy constraint: {constraint}")


def validate_seconds(seconds: int, field: str, low: int, high: int) -> int:
    """A whole number of seconds from `low` to `high` (a role's MaxSessionDuration, a
    session's DurationSeconds); ValidationError, as AWS words it, if not."""
    if isinstance(seconds, bool) or not isinstance(seconds, int):
        raise ValidationError(
            f"1 validation error detected: Value '{seconds}' at '{field}' must be an integer"
        )
    if seconds < low:
        raise constraint_error(seconds, field,
                               f"Member must have value greater than or equal to {low}")
    if seconds > high:
        raise constraint_error(seconds, field,
                               f"Member must have value less than or equal to {high}")
    return seconds


def validate_max_session_duration(seconds: int, field: str = "maxSessionDuration") -> int:
    """A role's MaxSessionDuration: 3,600 to 43,200 seconds; ValidationError if not."""
    return validate_seconds(seconds, field, 3600, MAX_ROLE_SESSION_SECONDS)


def validate_tag_key(key: str, field: str = "tags.1.member.key") -> str:
    """A tag key: 1-128 Unicode letters, spaces, digits or _.:/=+-@; not starting 'aws:'."""
    if not isinstance(key, str):
        raise ValidationError(f"1 validation error detected: Value at '{field}' must be a string")
    _raise_failures(
        _constraint_failures(
            key,
            field,
            min_len=1,
            max_len=128,
            matches=bool(key) and all(map(_tag_char_ok, key)),
            pattern=TAG_KEY_PATTERN,
        )
    )
    if key.lower().startswith("aws:"):
        raise InvalidInput(f"Tag key '{key}' is not valid: the prefix 'aws:' is reserved for AWS.")
    return key


def validate_tag_value(value: str, field: str = "tags.1.member.value") -> str:
    """A tag value: 0-256 Unicode letters, spaces, digits or _.:/=+-@."""
    if not isinstance(value, str):
        raise ValidationError(f"1 validation error detected: Value at '{field}' must be a string")
    _raise_failures(
        _constraint_failures(
            value,
            field,
            min_len=0,
            max_len=256,
            matches=all(map(_tag_char_ok, value)),
            pattern=TAG_VALUE_PATTERN,
        )
    )
    return value


def _tag_pair(tag: Any) -> tuple[str, str]:
    if hasattr(tag, "key") and hasattr(tag, "value"):
        return tag.key, tag.value
    if isinstance(tag, dict):
        return tag["Key"], tag["Value"]
    key, value = tag
    return key, value


def validate_tags(tags: Iterable[Any], field: str = "tags") -> list[tuple[str, str]]:
    """Validate a request's tags (objects with .key/.value, {Key, Value} dicts or pairs).

    At most 50 (ValidationError), each key and value valid, and no two keys equal
    ignoring case (InvalidInput: IAM treats tag keys case-insensitively).
    Returns the (key, value) pairs.
    """
    pairs = [_tag_pair(t) for t in tags]
    if len(pairs) > DEFAULT_QUOTAS.tags_per_entity:
        _raise_failures(
            [
                f"Value '{pairs}' at '{field}' failed to satisfy constraint: "
                f"Member must have length less than or equal to {DEFAULT_QUOTAS.tags_per_entity}"
            ]
        )
    seen: set[str] = set()
    for i, (key, value) in enumerate(pairs, start=1):
        validate_tag_key(key, f"{field}.{i}.member.key")
        validate_tag_value(value, f"{field}.{i}.member.value")
        folded = key.lower()
        if folded in seen:
            raise InvalidInput(
                "Duplicate tag keys found. Please note that Tag keys are case insensitive."
            )
        seen.add(folded)
    return pairs


def check_tag_count(total: int, limit: int | None = None) -> None:
    """Raise LimitExceeded when an entity would carry more than `limit` (50) tags."""
    limit = DEFAULT_QUOTAS.tags_per_entity if limit is None else limit
    if total > limit:
        raise LimitExceeded(f"The number of tags has reached the maximum limit of {limit}.")


def name_key(name: str) -> str:
    """The key under which a name is unique: IAM names ignore case ("ADMINS" is "admins").

    Valid names are ASCII, so ASCII lowercasing is the whole rule; other characters
    are left alone rather than folded in ways AWS does not.
    """
    return name.translate(_ASCII_LOWER)


_ASCII_LOWER: Final = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def version_id(n: int) -> str:
    """The ID of a managed policy's `n`th version: 'v1', 'v2', ..."""
    if n < 1:
        raise ValueError("policy version numbers start at 1")
    return f"v{n}"


# ------------------------------------------------------------------------- quotas


class Quotas(NamedTuple):
    """IAM quotas with AWS's default values ("IAM and AWS STS quotas").

    Sizes are in characters not counting white space, as IAM counts them.
    Account-wide object counts are adjustable in AWS: build another Quotas to
    raise them.
    """

    groups_per_user: int = 10
    managed_policies_per_user: int = 10
    managed_policies_per_group: int = 10
    managed_policies_per_role: int = 10  # AWS allows raising it to 20; this is the default
    versions_per_policy: int = 5
    user_inline_policy_size: int = 2048
    group_inline_policy_size: int = 5120
    role_inline_policy_size: int = 10240
    managed_policy_size: int = 6144
    trust_policy_size: int = 2048
    access_keys_per_user: int = 2
    mfa_devices_per_user: int = 8
    users: int = 5000
    groups: int = 300
    roles: int = 1000
    customer_managed_policies: int = 1500
    instance_profiles: int = 1000
    roles_per_instance_profile: int = 1
    tags_per_entity: int = 50
    # listed by GetAccountSummary though iamtui keeps no such entity (certificates) or
    # counts no more than AWS would let it hold
    server_certificates: int = 20
    signing_certificates_per_user: int = 2
    policy_versions_in_use: int = 10000
    min_session_duration: int = 3600
    max_session_duration: int = 43200

    def summary_map(self) -> dict[str, int]:
        """The quota entries of GetAccountSummary's SummaryMap (`aws iam
        get-account-summary`); the service adds the usage counts beside them."""
        return {
            "UsersQuota": self.users,
            "GroupsQuota": self.groups,
            "RolesQuota": self.roles,
            "PoliciesQuota": self.customer_managed_policies,
            "InstanceProfilesQuota": self.instance_profiles,
            "GroupsPerUserQuota": self.groups_per_user,
            "AttachedPoliciesPerUserQuota": self.managed_policies_per_user,
            "AttachedPoliciesPerGroupQuota": self.managed_policies_per_group,
            "AttachedPoliciesPerRoleQuota": self.managed_policies_per_role,
            "VersionsPerPolicyQuota": self.versions_per_policy,
            "UserPolicySizeQuota": self.user_inline_policy_size,
            "GroupPolicySizeQuota": self.group_inline_policy_size,
            "RolePolicySizeQuota": self.role_inline_policy_size,
            "PolicySizeQuota": self.managed_policy_size,
            "AssumeRolePolicySizeQuota": self.trust_policy_size,
            "AccessKeysPerUserQuota": self.access_keys_per_user,
            "ServerCertificatesQuota": self.server_certificates,
            "SigningCertificatesPerUserQuota": self.signing_certificates_per_user,
            "PolicyVersionsInUseQuota": self.policy_versions_in_use,
        }


DEFAULT_QUOTAS: Final = Quotas()

# A policy document holds only tab, LF, CR and U+0020-U+00FF ("IAM and AWS STS quotas"), so
# its white space is tab, LF, CR and space; NEL (U+0085) and NBSP (U+00A0), which
# str.isspace() would skip, are ordinary characters of that range and count.
_WHITESPACE: Final = frozenset(" \t\n\r\x0b\x0c")


def policy_size(text: str) -> int:
    """A policy's size as IAM counts it against its quotas: characters, not counting white
    space (IAM User Guide, "IAM and AWS STS quotas"). The one count the service's quota
    checks and the policy grammar's validation share."""
    return sum(1 for c in text if c not in _WHITESPACE)


def check_policy_size(text: str, limit: int, quota_name: str = "PolicySize") -> int:
    """Return policy_size(text); raise LimitExceeded when it is over `limit`.

    `quota_name` names the quota in the message as AWS does
    ("Cannot exceed quota for PolicySize: 6144", "ACLSizePerRole" for trust policies).
    """
    size = policy_size(text)
    if size > limit:
        raise LimitExceeded(f"Cannot exceed quota for {quota_name}: {limit}")
    return size


__all__ = [
    "ACCESS_KEY_ID_LENGTH",
    "AWS_MANAGED_ACCOUNT",
    "DEFAULT_QUOTAS",
    "ENTITY_ID_LENGTH",
    "NAME_PATTERN",
    "PARTITION",
    "PATH_PATTERN",
    "UNIQUE_ID_PREFIXES",
    "Arn",
    "Quotas",
    "assumed_role_arn",
    "aws_managed_policy_arn",
    "check_policy_size",
    "check_tag_count",
    "escape_surrogates",
    "group_arn",
    "instance_profile_arn",
    "is_aws_managed_policy_arn",
    "is_unique_id",
    "lone_surrogate",
    "mfa_arn",
    "name_key",
    "new_unique_id",
    "policy_arn",
    "policy_size",
    "role_arn",
    "root_arn",
    "split_iam_resource",
    "user_arn",
    "validate_account_alias",
    "validate_account_id",
    "validate_description",
    "validate_group_name",
    "validate_instance_profile_name",
    "validate_max_session_duration",
    "validate_mfa_device_name",
    "validate_path",
    "validate_path_prefix",
    "validate_policy_document_text",
    "validate_policy_name",
    "validate_role_name",
    "validate_role_session_name",
    "validate_serial_number",
    "validate_tag_key",
    "validate_tag_value",
    "validate_tags",
    "validate_unicode",
    "validate_user_name",
    "validate_version_id",
    "version_id",
]
