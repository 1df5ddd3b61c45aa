"""Managed policy attachment commands, generated from one table of owner kinds:
attach-/detach-/list-attached-{user,group,role}-policies, with `aws iam`'s flags and
answers."""

from __future__ import annotations

import argparse

from iamtui.commands.registry import Response, arg, command
from iamtui.commands.session import session
from iamtui.model import ManagedPolicy, OwnerKind

OWNER_KINDS: tuple[OwnerKind, ...] = ("user", "group", "role")

_POLICY_ARN = arg("--policy-arn", required=True, metavar="ARN", help="the managed policy's ARN")


def attached_table(policies: list[ManagedPolicy]) -> Response:
    """A list-attached-*-policies response (AttachedPolicy items) and its table."""
    return Response({"AttachedPolicies": [{"PolicyName": p.policy_name, "PolicyArn": p.arn}
                                          for p in policies]},
                    table=[[p.policy_name, p.arn] for p in policies],
                    headers=["PolicyName", "PolicyArn"])


def _register(kind: OwnerKind) -> None:
    owner = arg(f"--{kind}-name", dest="owner_name", required=True, help=f"the {kind}'s name")

    def attach(args: argparse.Namespace) -> Response:
        with session(args) as (svc, caller):
            svc.attach_policy(caller, kind, args.owner_name, args.policy_arn)
        return Response({})

    def detach(args: argparse.Namespace) -> Response:
        with session(args) as (svc, caller):
            svc.detach_policy(caller, kind, args.owner_name, args.policy_arn)
        return Response({})

    def list_(args: argparse.Namespace) -> Response:
        with session(args) as (svc, caller):
            return attached_table(svc.list_attached_policies(
                caller, kind, args.owner_name, path_prefix=args.path_prefix))

    command(f"attach-{kind}-policy", f"Attach a managed policy to a {kind} (10 at most).",
            owner, _POLICY_ARN)(attach)
    command(f"detach-{kind}-policy", f"Detach a managed policy from a {kind}.", owner,
            _POLICY_ARN)(detach)
    command(f"list-attached-{kind}-policies", f"List the managed policies attached to a {kind}.",
            owner, arg("--path-prefix", default="/",
                       help="only policies whose path starts with this"))(list_)


for _kind in OWNER_KINDS:
    _register(_kind)
