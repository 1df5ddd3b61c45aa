"""find-privilege-escalation: who is, or can make itself, an administrator, and how."""

from __future__ import annotations

import argparse

from iamtui.commands.registry import Response, arg, command
from iamtui.commands.session import session


@command("find-privilege-escalation",
         "Every user and role that is an administrator or can become one (creating access "
         "keys, attaching policies, assuming or passing roles...), each path hop by hop "
         "with the statement that allows it.",
         arg("--principal-arn", nargs="+", default=[], metavar="ARN", dest="principal_arns",
             help="only these users and roles (default: all)"),
         arg("--propose-fixes", action="store_true",
             help="for each path, every change that breaks it (a Deny statement, a detached "
                  "policy or deleted inline policy, a group membership, a narrowed trust "
                  "policy), each checked by running the analysis again with it, smallest "
                  "first, as the path's Fixes; and its Deny statement as ProposedFixes"))
def run_find_privilege_escalation(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        report = svc.analyse_privilege_escalation(caller, args.principal_arns,
                                                  propose_fixes=args.propose_fixes)
    table = []
    for finding in report.findings:
        if finding.is_admin:
            table.append([finding.principal_arn, "administrator", ""])
        for number, path in enumerate(finding.paths, 1):
            hops = " → ".join(f"{s.action} {s.resource}" for s in path.steps)
            needs = f" (needs {path.requires_existing_resource})" \
                if path.requires_existing_resource else ""
            table.append([finding.principal_arn, f"path {number}", hops + needs])
            for rank, fix in enumerate(report.candidates_for(finding.principal_arn,
                                                             number - 1), 1):
                count = fix.permissions_removed
                table.append([finding.principal_arn, f"fix {number}.{rank}",
                              f"{fix.description} (removes {count} "
                              f"permission{'s' * (count != 1)})"])
    return Response(report.to_aws(with_fixes=args.propose_fixes), table=table,
                    headers=["Principal", "Verdict", "Steps"])
