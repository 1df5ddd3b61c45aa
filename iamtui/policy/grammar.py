"""AWS's save-time checks: JSON tree -> typed PolicyDocument, or findings that say what is wrong.

IAM User Guide, "IAM JSON policy element reference" and "Grammar of the IAM JSON
policy language"; the finding shape follows IAM Access Analyzer's `ValidatePolicy`
(ERROR, SECURITY_WARNING, WARNING, SUGGESTION, each with an issue code and the
location of the element it is about).
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any, NamedTuple

from iamtui.arn import policy_size
from iamtui.errors import MalformedPolicyDocument
from iamtui.policy.conditions import check_value, parse_operator
from iamtui.policy.document import LineIndex, Node, Position, parse_json
from iamtui.policy.patterns import GLOB, WildcardSet

VERSIONS = ("2012-10-17", "2008-10-17")
# iamtui's own action (import-account-authorization-details): an administrator's permission.
IMPORT_ACTION = "iam:ImportAccountAuthorizationDetails"
# The API's PolicyDocument pattern: tab, LF, CR, and U+0020 through U+00FF.
_ALLOWED_CHARS = re.compile(r"[^\t\n\r\u0020-\u00ff]")
# The API's maximum length of any policy document parameter.
MAX_DOCUMENT_CHARS = 131_072
_ACTION = re.compile(r"^[A-Za-z0-9*?-]+:[A-Za-z0-9*?_.-]+$")
_SID_IAM = re.compile(r"^[A-Za-z0-9]*$")
_ACCOUNT = re.compile(r"^\d{12}$")
# A principal that was deleted shows in saved policies as its unique ID (AIDA..., AROA...).
_UNIQUE_ID = re.compile(r"^A(IDA|ROA|GPA)[A-Z0-9]{13,30}$")
_PRINCIPAL_ARN = re.compile(
    r"^arn:aws[a-z-]*:(iam::(\d{12}|aws):(root|user/.+|role/.+|federated-user/.+|saml-provider/.+"
    r"|oidc-provider/.+)|sts::\d{12}:(assumed-role/.+/.+|federated-user/.+))$")
_PRINCIPAL_TYPES = ("AWS", "Service", "Federated", "CanonicalUser")
_STATEMENT_KEYS = ("Sid", "Effect", "Action", "NotAction", "Resource", "NotResource",
                   "Principal", "NotPrincipal", "Condition")


class _ActionCheck(NamedTuple):
    prefix: str
    action: str
    narrowing_key: str
    finding_type: FindingType
    details: dict[str, str]


# "Resource": "*" or every role of an account (arn:aws:iam::*:role/*)
_STAR_RESOURCE = re.compile(r"^(\*|arn:[^:]*:iam::[^:]*:(role/)?\*)$")

# AWS's findingDetails, "IAM policy validation check reference"
_PASS_ROLE_DETAILS = {
    "STAR_IN_RESOURCE": "Using the iam:PassRole action with wildcards (*) in the resource can "
    "be overly permissive because it allows iam:PassRole permissions on multiple resources. "
    "We recommend that you specify resource ARNs or add the iam:PassedToService condition key "
    "to your statement.",
    "STAR_IN_ACTION_AND_RESOURCE": "Using wildcards (*) in the action and the resource can be "
    "overly permissive because it allows iam:PassRole permissions on all resources. We "
    "recommend that you specify resource ARNs or add the iam:PassedToService condition key to "
    "your statement.",
    "NOT_RESOURCE": "Using the iam:PassRole action with NotResource can be overly permissive "
    "because it can allow iam:PassRole permissions on multiple resources. We recommend that "
    "you specify resource ARNs instead.",
    "STAR_IN_ACTION_AND_NOT_RESOURCE": "Using an action with a wildcard (*) and NotResource "
    "can be overly permissive because it can allow iam:PassRole permissions on multiple "
    "resources. We recommend that you specify resource ARNs instead.",
    "NOT_ACTION_AND_NOT_RESOURCE": "Using NotAction with NotResource can be overly permissive "
    "because it can allow iam:PassRole permissions on multiple resources. We recommend that "
    "you specify resource ARNs instead.",
    "STAR_IN_RESOURCE_AND_NOT_ACTION": "Using a resource with wildcards (*) and NotAction can "
    "be overly permissive because it allows iam:PassRole permissions on all resources. We "
    "recommend that you specify resource ARNs or add the iam:PassedToService condition key to "
    "your statement.",
}
_CREATE_SLR_DETAILS = {
    "STAR_IN_RESOURCE": "Using the iam:CreateServiceLinkedRole action with wildcards (*) in "
    "the resource can allow creation of unintended service-linked roles. We recommend that you "
    "specify resource ARNs instead.",
    "STAR_IN_ACTION_AND_RESOURCE": "Using wildcards (*) in the action and the resource can "
    "allow creation of unintended service-linked roles because it allows "
    "iam:CreateServiceLinkedRole permissions on all resources. We recommend that you specify "
    "resource ARNs instead.",
    "NOT_RESOURCE": "Using the iam:CreateServiceLinkedRole action with NotResource can allow "
    "creation of unintended service-linked roles for multiple resources. We recommend that "
    "you specify resource ARNs instead.",
    "STAR_IN_ACTION_AND_NOT_RESOURCE": "Using an action with a wildcard(*) and NotResource can "
    "allow creation of unintended service-linked roles because it can allow "
    "iam:CreateServiceLinkedRole permissions on multiple resources. We recommend that you "
    "specify resource ARNs instead.",
    "NOT_ACTION_AND_NOT_RESOURCE": "Using NotAction with NotResource can allow creation of "
    "unintended service-linked roles because it allows iam:CreateServiceLinkedRole "
    "permissions on multiple resources. We recommend that you specify resource ARNs instead.",
    "STAR_IN_RESOURCE_AND_NOT_ACTION": "Using a resource with wildcards (*) and NotAction can "
    "allow creation of unintended service-linked roles because it allows "
    "iam:CreateServiceLinkedRole permissions on all resources. We recommend that you specify "
    "resource ARNs instead.",
}


# Access Analyzer's ValidatePolicy parameters (API Reference, ValidatePolicy).
POLICY_TYPES = ("IDENTITY_POLICY", "RESOURCE_POLICY", "SERVICE_CONTROL_POLICY",
                "RESOURCE_CONTROL_POLICY")
RESOURCE_TYPES = ("AWS::S3::Bucket", "AWS::S3::AccessPoint", "AWS::S3::MultiRegionAccessPoint",
                  "AWS::S3ObjectLambda::AccessPoint", "AWS::IAM::AssumeRolePolicyDocument",
                  "AWS::DynamoDB::Table")
LOCALES = ("DE", "EN", "ES", "FR", "IT", "JA", "KO", "PT_BR", "ZH_CN", "ZH_TW")
TRUST_POLICY = "AWS::IAM::AssumeRolePolicyDocument"

class PolicyType(StrEnum):
    """Which kind of policy a document is; the rules differ."""

    IDENTITY = "IDENTITY_POLICY"  # managed, inline, and permissions boundaries
    RESOURCE = "RESOURCE_POLICY"  # e.g. an S3 bucket policy
    TRUST = "TRUST_POLICY"  # a role's assume-role policy: a resource policy without Resource


class FindingType(StrEnum):
    ERROR = "ERROR"
    SECURITY_WARNING = "SECURITY_WARNING"
    WARNING = "WARNING"
    SUGGESTION = "SUGGESTION"


class Finding(NamedTuple):
    """One thing the checks found, pointing at the element it is about."""

    finding_type: FindingType
    issue_code: str
    detail: str
    path: tuple[str | int, ...]
    start: Position
    end: Position
    offsets: tuple[int, int] = (0, 0)  # of start and end in the text, counted from 0

    def where(self) -> str:
        """`Statement[0].Effect at line 4, column 17`: a path a person can follow."""
        parts = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in self.path)
        place = f"line {self.start.line}, column {self.start.column}"
        return f"{parts.lstrip('.')} at {place}" if parts else place

    def learn_more_link(self) -> str:
        """The check's own section of AWS's "IAM policy validation check reference";
        iamtui's own checks (IAMTUI_...) point at the page."""
        page = ("https://docs.aws.amazon.com/IAM/latest/UserGuide/"
                "access-analyzer-reference-policy-checks.html")
        if self.issue_code.startswith("IAMTUI_"):
            return page
        kind = {"ERROR": "error", "SECURITY_WARNING": "security-warning",
                "WARNING": "general-warning", "SUGGESTION": "suggestion"}[self.finding_type]
        return (f"{page}#access-analyzer-reference-policy-checks-{kind}-"
                + self.issue_code.lower().replace("_", "-"))

    def to_aws(self) -> dict[str, Any]:
        """Access Analyzer's `ValidatePolicyFinding` shape."""
        return {
            "findingDetails": self.detail,
            "findingType": self.finding_type.value,
            "issueCode": self.issue_code,
            "learnMoreLink": self.learn_more_link(),
            "locations": [{
                "path": [{"index": p} if isinstance(p, int) else {"value": p}
                         for p in self.path],
                # Access Analyzer's Position: line from 1, column and offset from 0
                "span": {"start": {"line": self.start.line, "column": self.start.column - 1,
                                   "offset": self.offsets[0]},
                         "end": {"line": self.end.line, "column": self.end.column - 1,
                                 "offset": self.offsets[1]}},
            }],
        }


class Principal(NamedTuple):
    """A Principal or NotPrincipal element: `"*"`, or (type, value) pairs."""

    wildcard: bool
    entries: tuple[tuple[str, str], ...] = ()


class ConditionClause(NamedTuple):
    """One operator/key pair of a Condition block with its values, as written."""

    operator: str
    key: str
    values: tuple[str, ...]


class Statement(NamedTuple):
    """One statement, with the span of its text."""

    index: int
    sid: str | None
    effect: str
    action: tuple[str, ...] | None
    not_action: tuple[str, ...] | None
    resource: tuple[str, ...] | None
    not_resource: tuple[str, ...] | None
    principal: Principal | None
    not_principal: Principal | None
    conditions: tuple[ConditionClause, ...]
    start: Position
    end: Position


class PolicyDocument(NamedTuple):
    """A checked policy: its text, version and statements."""

    text: str
    version: str | None
    id: str | None
    statements: tuple[Statement, ...]

    @property
    def variables_enabled(self) -> bool:
        """Policy variables are replaced only in version 2012-10-17 documents."""
        return self.version == "2012-10-17"


class ValidationReport(NamedTuple):
    """The typed document (None when there are errors) and every finding."""

    document: PolicyDocument | None
    findings: list[Finding]

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.finding_type is FindingType.ERROR]


def parse_policy(text: str, policy_type: PolicyType = PolicyType.IDENTITY, *,
                 max_size: int | None = None) -> PolicyDocument:
    """Check `text` as AWS does on save; raise MalformedPolicyDocument at the first error."""
    # advice never stops a save, and evaluation compiles thousands of documents: skip it
    report = validate_policy(text, policy_type, max_size=max_size, advice=False)
    if report.document is None:
        first = report.errors[0]
        raise MalformedPolicyDocument(f"{first.detail} ({first.where()})")
    return report.document


def validate_policy(text: str, policy_type: PolicyType = PolicyType.IDENTITY, *,
                    max_size: int | None = None, advice: bool = True) -> ValidationReport:
    """Every finding about `text`: errors that stop a save, and (unless `advice` is
    False) the warnings and suggestions that do not."""
    if not isinstance(text, str):
        raise MalformedPolicyDocument("The policy document must be text")
    lines = LineIndex(text)
    origin = lines.position(0)
    if len(text) > MAX_DOCUMENT_CHARS:
        return ValidationReport(None, [Finding(
            FindingType.ERROR, "POLICY_SIZE_EXCEEDED",
            f"The document is {len(text)} characters long; the most any policy may be is "
            f"{MAX_DOCUMENT_CHARS}", (), origin, origin)])
    bad_char = _ALLOWED_CHARS.search(text)
    if bad_char:
        where = lines.position(bad_char.start())
        return ValidationReport(None, [Finding(
            FindingType.ERROR, "INVALID_CHARACTER",
            f"Character {bad_char.group()!r} (U+{ord(bad_char.group()):04X}) is outside the "
            "range AWS accepts in a policy (tab, newline, carriage return, U+0020-U+00FF)",
            (), where, where, (bad_char.start(), bad_char.start()))])
    try:
        root = parse_json(text)
    except MalformedPolicyDocument as exc:
        where, offset = getattr(exc, "position", origin), getattr(exc, "offset", 0)
        return ValidationReport(None, [Finding(
            FindingType.ERROR, "JSON_SYNTAX_ERROR",
            f"Syntax error: {getattr(exc, 'reason', exc.message)}", (), where, where,
            (offset, offset))])
    checker = _Checker(text, lines, policy_type, advice=advice)
    document = checker.document(root)
    if max_size is not None and (size := policy_size(text)) > max_size:
        checker.add(FindingType.ERROR, "POLICY_SIZE_EXCEEDED",
                    f"The policy is {size} characters without whitespace; this policy type "
                    f"may have at most {max_size}", (), root)
    findings = sorted(checker.findings, key=lambda f: (
        list(FindingType).index(f.finding_type), f.start.line, f.start.column))
    if any(f.finding_type is FindingType.ERROR for f in findings):
        document = None
    return ValidationReport(document, findings)


class _Checker:
    def __init__(self, text: str, lines: LineIndex, policy_type: PolicyType, *,
                 advice: bool = True) -> None:
        self.text, self.lines, self.policy_type = text, lines, policy_type
        self.advice = advice
        self.findings: list[Finding] = []

    def add(self, kind: FindingType, code: str, detail: str, path: tuple[str | int, ...],
            node: Node) -> None:
        self.findings.append(Finding(kind, code, detail, path, self.lines.position(node.start),
                                     self.lines.position(node.end), (node.start, node.end)))

    def error(self, detail: str, path: tuple[str | int, ...], node: Node,
              code: str = "SYNTAX_ERROR") -> None:
        self.add(FindingType.ERROR, code, detail, path, node)

    # -------------------------------------------------------------- document level

    def document(self, root: Node) -> PolicyDocument | None:
        if root.kind != "object":
            self.error("The policy must be a JSON object", (), root)
            return None
        members = {k.value: (k, v) for k, v in root.members()}
        for key, (key_node, _) in members.items():
            if key not in ("Version", "Id", "Statement"):
                self.error(f"The policy element {key!r} is not valid: a policy holds only "
                           "Version, Id and Statement", (key,), key_node, "INVALID_POLICY_ELEMENT")
        version = self._version(members.get("Version"), root)
        policy_id = None
        if "Id" in members:
            id_node = members["Id"][1]
            if id_node.kind != "string":
                self.error("Id must be a string", ("Id",), id_node, "DATA_TYPE_MISMATCH")
            else:
                policy_id = id_node.value
        if "Statement" not in members:
            self.error("Missing required element Statement", (), root, "MISSING_STATEMENT")
            return None
        statement_node = members["Statement"][1]
        if statement_node.kind == "object":
            nodes = [statement_node]
        elif statement_node.kind == "array":
            nodes = statement_node.value
            if not nodes:
                self.error("Statement must not be an empty list", ("Statement",), statement_node)
        else:
            self.error("Statement must be an object or a list of objects", ("Statement",),
                       statement_node)
            return None
        statements = []
        sids: dict[str, int] = {}
        for index, node in enumerate(nodes):
            path: tuple[str | int, ...] = ("Statement", index)
            statement = self.statement(index, node, path, version)
            if statement is None:
                continue
            if statement.sid:
                if statement.sid in sids:
                    self.error(f"Statement IDs (SID) in a single policy must be unique: "
                               f"{statement.sid!r} is also used by statement {sids[statement.sid]}",
                               (*path, "Sid"), node, "UNIQUE_SIDS_REQUIRED")
                sids.setdefault(statement.sid, index)
            statements.append(statement)
        return PolicyDocument(self.text, version, policy_id, tuple(statements))

    def _version(self, member: tuple[Node, Node] | None, root: Node) -> str | None:
        if member is None:
            self.add(FindingType.WARNING, "MISSING_VERSION",
                     "Add \"Version\": \"2012-10-17\"; without it AWS uses 2008-10-17, where "
                     "policy variables such as ${aws:username} are plain text", (), root)
            return None
        node = member[1]
        if node.kind != "string" or node.value not in VERSIONS:
            self.error(f"The policy must contain a valid version string: Version must be "
                       f"\"2012-10-17\" or \"2008-10-17\", not {_show(node)}",
                       ("Version",), node, "INVALID_VERSION")
            return None
        if node.value == "2008-10-17":
            uses_variables = "${" in self.text
            self.add(FindingType.WARNING if uses_variables else FindingType.SUGGESTION,
                     "IAMTUI_OLD_VERSION",
                     "Version 2008-10-17 treats ${...} as plain text"
                     if uses_variables else "Use Version 2012-10-17, the current language",
                     ("Version",), node)
        return node.value

    # -------------------------------------------------------------- statement level

    def statement(self, index: int, node: Node, path: tuple[str | int, ...],
                  version: str | None) -> Statement | None:
        if node.kind != "object":
            self.error("Each statement must be a JSON object", path, node)
            return None
        members = {k.value: (k, v) for k, v in node.members()}
        for key, (key_node, _) in members.items():
            if key not in _STATEMENT_KEYS:
                self.error(f"The policy element {key!r} is not valid in a statement",
                           (*path, key), key_node, "INVALID_POLICY_ELEMENT")
        sid = self._sid(members.get("Sid"), path)
        effect = self._effect(members.get("Effect"), node, path)
        action, not_action = self._pair(members, node, path, "Action", "NotAction",
                                        self._action)
        if self.policy_type is PolicyType.TRUST and ("Resource" in members
                                                     or "NotResource" in members):
            key = "Resource" if "Resource" in members else "NotResource"
            self.error(f"A role's trust policy has no {key}: the role itself is the resource",
                       (*path, key), members[key][0], "ROLE_TRUST_POLICY_SYNTAX_ERROR_RESOURCE")
            resource = not_resource = None
        elif self.policy_type is PolicyType.TRUST:
            resource, not_resource = None, None
        else:
            resource, not_resource = self._pair(members, node, path, "Resource", "NotResource",
                                                self._resource)
        principal = not_principal = None
        if self.policy_type is PolicyType.IDENTITY:
            for key in ("Principal", "NotPrincipal"):
                if key in members:
                    self.error(f"Policy document should not specify a principal: an "
                               f"identity-based policy applies to whoever it is attached to, "
                               f"so {key} is not allowed", (*path, key), members[key][0],
                               "UNSUPPORTED_PRINCIPAL")
        else:
            if "Principal" in members and "NotPrincipal" in members:
                self.error("The policy elements Principal and NotPrincipal can not be used in "
                           "the same statement. Remove one of these elements.", path, node,
                           "UNSUPPORTED_ELEMENT_COMBINATION")
            elif "Principal" not in members and "NotPrincipal" not in members:
                self.error("Missing required element Principal: a resource-based policy must "
                           "say who it applies to", path, node, "MISSING_PRINCIPAL")
            if self.policy_type is PolicyType.TRUST and "NotPrincipal" in members:
                self.error("A role's trust policy cannot use NotPrincipal; name who may "
                           "assume the role in Principal", (*path, "NotPrincipal"),
                           members["NotPrincipal"][0],
                           "ROLE_TRUST_POLICY_SYNTAX_ERROR_NOTPRINCIPAL")
            if "Principal" in members:
                principal = self._principal(members["Principal"][1], (*path, "Principal"))
            if "NotPrincipal" in members:
                not_principal = self._principal(members["NotPrincipal"][1],
                                                (*path, "NotPrincipal"))
        conditions = self._conditions(members.get("Condition"), path)
        if effect is None:
            return None
        # AWS reports the positions just past the statement's "{" and just past its "}"
        # (AWS CLI reference, simulate-custom-policy, example 1: columns 38 and 167)
        statement = Statement(index, sid, effect, action, not_action, resource, not_resource,
                              principal, not_principal, conditions,
                              self.lines.position(node.start + 1), self.lines.position(node.end))
        if self.advice:
            self._advise(statement, node, path, version)
        return statement

    def _sid(self, member: tuple[Node, Node] | None, path: tuple[str | int, ...]) -> str | None:
        if member is None:
            return None
        node = member[1]
        if node.kind != "string":
            self.error("Sid must be a string", (*path, "Sid"), node, "DATA_TYPE_MISMATCH")
            return None
        if self.policy_type is PolicyType.IDENTITY and not _SID_IAM.match(node.value):
            self.error(f"Sid {node.value!r} may hold only letters A-Z, a-z and digits 0-9 "
                       "in an IAM policy", (*path, "Sid"), node, "UNSUPPORTED_SID")
        return node.value

    def _effect(self, member: tuple[Node, Node] | None, statement: Node,
                path: tuple[str | int, ...]) -> str | None:
        if member is None:
            self.error("Missing required element Effect", path, statement, "MISSING_EFFECT")
            return None
        node = member[1]
        if node.kind != "string" or node.value not in ("Allow", "Deny"):
            self.error(f"Effect must be \"Allow\" or \"Deny\", not {_show(node)}",
                       (*path, "Effect"), node, "INVALID_EFFECT")
            return None
        return node.value

    def _pair(self, members: dict[str, tuple[Node, Node]], statement: Node,
              path: tuple[str | int, ...], name: str, not_name: str,
              check: Any) -> tuple[tuple[str, ...] | None, tuple[str, ...] | None]:
        """Exactly one of Action/NotAction (or Resource/NotResource), as strings."""
        if name in members and not_name in members:
            self.error(f"The policy elements {name} and {not_name} can not be used in the same "
                       "statement. Remove one of these elements.", path, statement,
                       "UNSUPPORTED_ELEMENT_COMBINATION")
            return None, None
        if name not in members and not_name not in members:
            self.error(f"Missing required element {name} (or {not_name})", path, statement,
                       f"MISSING_{name.upper()}")
            return None, None
        key = name if name in members else not_name
        values = self._strings(members[key][1], (*path, key))
        for i, (value, value_node) in enumerate(values):
            check(value, value_node, (*path, key, i) if len(values) > 1 else (*path, key))
        found = tuple(v for v, _ in values)
        return (found, None) if key == name else (None, found)

    def _strings(self, node: Node, path: tuple[str | int, ...]) -> list[tuple[str, Node]]:
        if node.kind == "string":
            return [(node.value, node)]
        if node.kind == "array" and node.value and all(n.kind == "string" for n in node.value):
            return [(n.value, n) for n in node.value]
        self.error(f"{path[-1]} must be a string or a non-empty list of strings", path, node,
                   "DATA_TYPE_MISMATCH" if node.kind != "array" or node.value else "SYNTAX_ERROR")
        return []

    def _action(self, value: str, node: Node, path: tuple[str | int, ...]) -> None:
        if value != "*" and not _ACTION.match(value):
            self.error(f"Action {value!r} must be \"*\" or \"service:action\", e.g. "
                       "\"s3:GetObject\" or \"iam:List*\" (actions must be prefaced by a "
                       "service, and hold one colon)", path, node, "INVALID_ACTION")

    def _resource(self, value: str, node: Node, path: tuple[str | int, ...]) -> None:
        if value == "*":
            return
        if not value.startswith("arn:"):
            self.error(f"Add the required prefix (arn) to the resource ARN {value!r}, or "
                       "use \"*\"", path, node, "INVALID_ARN_PREFIX")
        elif value.count(":") < 5:
            self.error(f"Resource ARNs must include at least fields in the following "
                       f"structure: arn:partition:service:region:account:resource ({value!r})",
                       path, node, "MISSING_ARN_FIELD")

    def _principal(self, node: Node, path: tuple[str | int, ...]) -> Principal | None:
        if node.kind == "string":
            if node.value == "*":
                return Principal(True)
            self.error(f"The Principal element contents are not valid: \"*\" or an object "
                       f"such as {{\"AWS\": ...}}, not {_show(node)}", path, node,
                       "INVALID_PRINCIPAL_FORMAT")
            return None
        if node.kind != "object" or not node.value:
            self.error("The Principal element contents are not valid. Specify a key-value "
                       "pair in the Principal element.", path, node, "INVALID_PRINCIPAL_FORMAT")
            return None
        entries: list[tuple[str, str]] = []
        for key_node, value_node in node.members():
            kind = key_node.value
            if kind not in _PRINCIPAL_TYPES:
                self.error(f"The principal key {kind!r} is not valid: use "
                           + ", ".join(_PRINCIPAL_TYPES), (*path, kind), key_node,
                           "INVALID_PRINCIPAL_KEY")
                continue
            for value, vnode in self._strings(value_node, (*path, kind)):
                # "You cannot use a wildcard to match part of a principal name or ARN"
                partial = value != "*" and any(c in value for c in "*?")
                if kind == "AWS" and partial:
                    self.error(f"Wildcards (*, ?) are not supported with the principal key "
                               f"AWS ({value!r}). Replace the wildcard with a valid principal "
                               "value.", (*path, kind), vnode, "UNSUPPORTED_WILDCARD_IN_PRINCIPAL")
                elif kind == "AWS" and (not (value == "*" or _ACCOUNT.match(value)
                                                      or _PRINCIPAL_ARN.match(value)
                                                      or _UNIQUE_ID.match(value))):
                    self.error(f"Invalid principal in policy: {value!r} must be \"*\", a "
                               "12-digit account ID, or the ARN of an account root, user, "
                               "role or session (no wildcards)", (*path, kind), vnode,
                               "INVALID_PRINCIPAL")
                entries.append((kind, value))
        return Principal(any(e == ("AWS", "*") for e in entries), tuple(entries))

    def _conditions(self, member: tuple[Node, Node] | None,
                    path: tuple[str | int, ...]) -> tuple[ConditionClause, ...]:
        if member is None:
            return ()
        node, path = member[1], (*path, "Condition")
        if node.kind != "object":
            self.error("Condition must be an object of operators", path, node)
            return ()
        clauses: list[ConditionClause] = []
        for op_node, keys_node in node.members():
            spec = parse_operator(op_node.value)
            op_path = (*path, op_node.value)
            if spec is None and _is_null_if_exists(op_node.value):
                self.error("The Null condition operator cannot be used with the IfExists "
                           "suffix. Update the operator or the suffix.", op_path, op_node,
                           "NULL_WITH_IF_EXISTS")
                continue
            if spec is None:
                self.error(f"Invalid Condition type : {op_node.value} (not an operator AWS "
                           "knows; see Condition operators)", op_path, op_node,
                           "INVALID_CONDITION_OPERATOR")
                continue
            if keys_node.kind != "object" or not keys_node.value:
                self.error(f"{op_node.value} must map condition keys to values", op_path,
                           keys_node)
                continue
            for key_node, values_node in keys_node.members():
                key_path = (*op_path, key_node.value)
                items = values_node.value if values_node.kind == "array" else [values_node]
                if not items or any(i.kind not in ("string", "number", "bool") for i in items):
                    self.error(f"The values of {key_node.value} must be a string, number or "
                               "boolean, or a non-empty list of them", key_path, values_node)
                    continue
                values = tuple(_scalar(i) for i in items)
                for item, value in zip(items, values, strict=True):
                    if "${" in value and spec.variables:
                        continue
                    problem = check_value(spec.family, value)
                    if problem:
                        # AWS's "Type mismatch ..." checks; an error here: IAM refuses it
                        self.error(f"{op_node.value} on {key_node.value}: {problem}",
                                   key_path, item, _TYPE_MISMATCH[spec.family])
                if not key_node.value:
                    self.error("A condition key must not be empty", key_path, key_node)
                clauses.append(ConditionClause(spec.name, key_node.value, values))
        return tuple(clauses)

    # -------------------------------------------------------------- advice

    def _advise(self, st: Statement, node: Node, path: tuple[str | int, ...],
                version: str | None) -> None:
        if st.effect != "Allow":
            return
        if st.not_action is not None:
            self.add(FindingType.SECURITY_WARNING, "IAMTUI_ALLOW_WITH_NOT_ACTION",
                     "Allow with NotAction grants every action not listed, including ones "
                     "AWS adds later; list the actions to allow instead", (*path, "NotAction"),
                     node)
        if st.not_resource is not None:
            self.add(FindingType.SECURITY_WARNING, "IAMTUI_ALLOW_WITH_NOT_RESOURCE",
                     "Allow with NotResource grants every resource not listed, including new "
                     "ones; list the resources to allow instead", (*path, "NotResource"), node)
        if st.not_principal is not None:
            self.add(FindingType.SECURITY_WARNING, "ALLOW_WITH_NOT_PRINCIPAL",
                     "Allow with NotPrincipal grants everyone not listed, anonymous users "
                     "included; name the principals to allow instead", (*path, "NotPrincipal"),
                     node)
        actions = WildcardSet(st.action or (), mode=GLOB, fold=True)
        all_resources = st.resource is not None and "*" in st.resource
        if actions.matches_all and all_resources and not st.conditions:
            self.add(FindingType.SECURITY_WARNING, "IAMTUI_FULL_ACCESS",
                     "This statement allows every action on every resource: full "
                     "administrator access", path, node)
        for check in (_PASS_ROLE, _CREATE_SLR):
            self._privileged_action(check, st, node, path, actions)
        # iamtui's own import can bring in a role that trusts the holder and carries
        # AdministratorAccess; said only where the statement does not already allow all of
        # IAM ("*", "iam:*": those match the name "iam:*" itself, and are admin anyway).
        if st.action is not None and actions.matches(IMPORT_ACTION) \
                and not actions.matches("iam:*"):
            self.add(FindingType.SECURITY_WARNING, "IAMTUI_IMPORT_IS_ADMINISTRATOR_ACCESS",
                     f"{IMPORT_ACTION} lets the holder import a role that trusts it with "
                     "AdministratorAccess attached: it is equivalent to administrator access; "
                     "grant it to administrators only", (*path, "Action"), node)
        if (st.principal is not None and st.principal.wildcard and not st.conditions
                and self.policy_type is not PolicyType.IDENTITY):
            self.add(FindingType.SECURITY_WARNING, "IAMTUI_PUBLIC_ACCESS",
                     "Principal \"*\" without a condition allows anyone, anonymous users "
                     "included", (*path, "Principal"), node)
        self._redundant_actions(st, node, path)

    def _privileged_action(self, check: _ActionCheck, st: Statement, node: Node,
                           path: tuple[str | int, ...], actions: WildcardSet) -> None:
        """AWS's "Pass role with ..." and "Create SLR with ..." checks: the action allowed
        on every resource (a star, or NotResource), by name, by a wildcard or by NotAction;
        the condition key that narrows it (iam:PassedToService) silences them."""
        if any(c.key.lower() == check.narrowing_key for c in st.conditions):
            return
        if st.action is not None:
            if not actions.matches(check.action):
                return
            how = "" if any(a.lower() == check.action for a in st.action) else "STAR_IN_ACTION"
        elif st.not_action is not None:
            if WildcardSet(st.not_action, mode=GLOB, fold=True).matches(check.action):
                return
            how = "NOT_ACTION"
        else:
            return
        if st.not_resource is not None:
            where = "NOT_RESOURCE"
        elif st.resource is not None and any(_STAR_RESOURCE.match(r) for r in st.resource):
            where = "STAR_IN_RESOURCE"
        else:
            return
        if how == "STAR_IN_ACTION":
            code = f"{how}_AND_{where.removeprefix('STAR_IN_')}"
        elif how == "NOT_ACTION":
            code = ("STAR_IN_RESOURCE_AND_NOT_ACTION" if where == "STAR_IN_RESOURCE"
                    else "NOT_ACTION_AND_NOT_RESOURCE")
        else:
            code = where
        self.add(check.finding_type, f"{check.prefix}_WITH_{code}", check.details[code],
                 (*path, "Action" if st.action is not None else "NotAction"), node)

    def _redundant_actions(self, st: Statement, node: Node, path: tuple[str | int, ...]) -> None:
        listed = st.action or st.not_action or ()
        # Each wildcard pattern compiled once and filed under its service prefix, so a
        # list of thousands of actions (AWS's ReadOnlyAccess) is not quadratic in regexes.
        by_service: dict[str, list[tuple[str, WildcardSet]]] = {}
        for a in listed:
            if any(c in a for c in "*?"):
                service = a.split(":", 1)[0].lower()
                key = "*" if any(c in service for c in "*?") or ":" not in a else service
                by_service.setdefault(key, []).append(
                    (a.lower(), WildcardSet((a,), mode=GLOB, fold=True)))
        for i, action in enumerate(listed):
            lowered = action.lower()
            candidates = by_service.get(lowered.split(":", 1)[0], []) + by_service.get("*", [])
            if any(a != lowered and matcher.matches(action) for a, matcher in candidates):
                self.add(FindingType.SUGGESTION, "REDUNDANT_ACTION",
                         "The action(s) are redundant because they provide similar "
                         f"permissions. Update the policy to remove the redundant action "
                         f"such as: {action}.",
                         (*path, "Action" if st.action else "NotAction", i), node)


_PASS_ROLE = _ActionCheck("PASS_ROLE", "iam:passrole", "iam:passedtoservice",
                          FindingType.SECURITY_WARNING, _PASS_ROLE_DETAILS)
_CREATE_SLR = _ActionCheck("CREATE_SLR", "iam:createservicelinkedrole", "iam:awsservicename",
                           FindingType.WARNING, _CREATE_SLR_DETAILS)


# The IAM policy validation check reference's "Type mismatch ..." code per operator family.
_TYPE_MISMATCH = {"numeric": "TYPE_MISMATCH_NUMBER", "date": "TYPE_MISMATCH_DATE",
                  "bool": "TYPE_MISMATCH_BOOLEAN", "null": "TYPE_MISMATCH_BOOLEAN",
                  "ip": "TYPE_MISMATCH_IP_RANGE", "binary": "TYPE_MISMATCH_STRING"}


def _is_null_if_exists(operator: str) -> bool:
    """`NullIfExists` (AWS's check "Error – Null with if exists")."""
    return operator.rpartition(":")[2].lower() == "nullifexists"


def _scalar(node: Node) -> str:
    if node.kind == "bool":
        return "true" if node.value else "false"
    return node.value if node.kind == "string" else _number_text(node)


def _number_text(node: Node) -> str:
    return str(node.value)


def _show(node: Node) -> str:
    return repr(node.value) if node.kind in ("string", "number", "bool") else f"a JSON {node.kind}"
