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
         arg("--policy-document", nargs="+", default=[], metavar="DOC", dest="documents",
             help="policy documents (JSON text or file://PATH), summarised together"),
         arg("--policy-arn", help="a managed policy of the store (its default version)"),
         arg("--user-name", help="everything attached to this user and its groups"),
         arg("--group-name", help="everything attached to this group"),
         arg("--role-name", help="everything attached to this role"),
         arg("--policy-type", default="IDENTITY_POLICY",
             choices=["IDENTITY_POLICY", "RESOURCE_POLICY"],
             help="IDENTITY_POLICY (default) or RESOURCE_POLICY"))
def run_summarize_policy(args: argparse.Namespace) -> Response:
    from iamtui.policy.summary import summarize

    kind = PolicyType(args.policy_type)
    stored = [(k, getattr(args, f"{k}_name")) for k in ("user", "group", "role")
              if getattr(args, f"{k}_name")]
    require(len(stored) + bool(args.policy_arn) + bool(args.documents) == 1,
            "Give one of --policy-document, --policy-arn, --user-name, --group-name or "
            "--role-name")
    texts = list(args.documents)
    if stored or args.policy_arn:
        texts = _stored_documents(args, stored)
    documents = []
    for number, value in enumerate(texts, start=1):
        try:
            text = read_document(value, "--policy-document") if args.documents else value
            documents.append(parse_policy(text, kind))
        except MalformedPolicyDocument as exc:
            raise MalformedPolicyDocument(f"PolicyDocument.{number}: {exc.message}") from None
    rows = summarize(documents)
    return Response({"PolicySummary": [row.to_aws() for row in rows]},
                    table=[[row.name, row.effect, row.access,
                            "; ".join(row.resources), "; ".join(row.conditions) or "None"]
                           for row in rows],
                    headers=["Service", "Effect", "Access level", "Resource",
                             "Request condition"])


def _stored_documents(args: argparse.Namespace, owner: list[tuple[str, str]]) -> list[str]:
    """The documents of a managed policy, or of everything attached to a user, group or
    role, read from the store as the caller (each read authorized)."""
    from iamtui.commands.session import session
    from iamtui.service.documents import managed_document, owner_documents

    with session(args) as (service, caller):
        if args.policy_arn:
            return [managed_document(service, caller, args.policy_arn)]
        (kind, name), = owner
        return owner_documents(service, caller, kind, name)
