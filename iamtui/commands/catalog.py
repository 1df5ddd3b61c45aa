"""Commands that read AWS's action catalog (the Service Authorization Reference) and need
no store: expand-actions and summarize-policy. The catalog is imported inside each
handler, so that registering these commands costs other commands nothing."""

from __future__ import annotations

import argparse

from iamtui.commands.registry import Response, arg, command, read_document, require
from iamtui.errors import MalformedPolicyDocument
from iamtui.policy import PolicyType, parse_policy


@command("expand-actions",
         "List the AWS actions a pattern such as 's3:Get*' covers, with their access level, "
         "resource types and condition keys (AWS's Service Authorization Reference).",
         arg("patterns", nargs="+", metavar="PATTERN",
             help="an action or wildcard pattern: s3:Get*, iam:*User*, ec2:Describe?pcs"))
def run_expand_actions(args: argparse.Namespace) -> Response:
    from iamtui.policy.catalog import expand_actions

    expansions = []
    rows = []
    for pattern in args.patterns:
        require(pattern == "*" or ":" in pattern, f"Action pattern {pattern!r} must look "
                "like service:Action, e.g. s3:Get*")
        actions = expand_actions(pattern)
        expansions.append({"Pattern": pattern, "Count": len(actions), "Actions": [
            {"Action": a.full_name, "AccessLevel": a.access_level,
             "ResourceTypes": [r.name + ("*" if r.required else "")
                               for r in a.resource_types],
             "ConditionKeys": list(a.condition_keys)} for a in actions]})
        rows.extend([pattern, a.full_name, a.access_level,
                     ", ".join(r.name for r in a.resource_types) or "*"] for a in actions)
        rows.append([pattern, f"({len(actions)} actions)", "", ""])
    return Response({"Expansions": expansions}, table=rows,
                    headers=["Pattern", "Action", "Access level", "Resource types"])


@command("summarize-policy",
         "Summarise policies as the IAM console does: per service, the access level granted "
         "(full or limited), the resources and the request conditions.",
         arg("--policy-document", nargs="+", required=True, metavar="DOC", dest="documents",
             help="policy documents (JSON text or file://PATH), summarised together"),
         arg("--policy-type", default="IDENTITY_POLICY",
             choices=["IDENTITY_POLICY", "RESOURCE_POLICY"],
             help="IDENTITY_POLICY (default) or RESOURCE_POLICY"))
def run_summarize_policy(args: argparse.Namespace) -> Response:
    from iamtui.policy.summary import summarize

    kind = PolicyType(args.policy_type)
    documents = []
    for number, value in enumerate(args.documents, start=1):
        try:
            documents.append(parse_policy(read_document(value, "--policy-document"), kind))
        except MalformedPolicyDocument as exc:
            raise MalformedPolicyDocument(f"PolicyDocument.{number}: {exc.message}") from None
    rows = summarize(documents)
    return Response({"PolicySummary": [row.to_aws() for row in rows]},
                    table=[[row.name, row.effect, row.access,
                            "; ".join(row.resources), "; ".join(row.conditions) or "None"]
                           for row in rows],
                    headers=["Service", "Effect", "Access level", "Resource",
                             "Request condition"])
