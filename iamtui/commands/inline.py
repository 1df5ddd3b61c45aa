"""Inline policy and permissions boundary commands, generated from one table of owner kinds:
put-/get-/delete-/list-{user,group,role}-policy (-policies) and
put-/delete-{user,role}-permissions-boundary, with `aws iam`'s flags and answers."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from iamtui.commands.registry import Arg, Response, arg, command, read_document
from iamtui.commands.session import session
from iamtui.model import OwnerKind, aws_inline_policy

OWNER_KINDS: tuple[OwnerKind, ...] = ("user", "group", "role")


def _owner_arg(kind: OwnerKind) -> Arg:
    return arg(f"--{kind}-name", dest="owner_name", required=True, help=f"the {kind}'s name")


_POLICY_NAME = arg("--policy-name", required=True, help="the inline policy's name")


def _register_inline(kind: OwnerKind) -> None:
    owner = _owner_arg(kind)

    def put(args: argparse.Namespace) -> Response:
        document = read_document(args.policy_document, "--policy-document")
        with session(args) as (svc, caller):
            svc.put_owner_policy(caller, kind, args.owner_name, args.policy_name, document)
        return Response({})

    def get(args: argparse.Namespace) -> Response:
        with session(args) as (svc, caller):
            policy = svc.get_owner_policy(caller, kind, args.owner_name, args.policy_name)
        return Response(aws_inline_policy(policy))

    def delete(args: argparse.Namespace) -> Response:
        with session(args) as (svc, caller):
            svc.delete_owner_policy(caller, kind, args.owner_name, args.policy_name)
        return Response({})

    def list_(args: argparse.Namespace) -> Response:
        with session(args) as (svc, caller):
            names = svc.list_owner_policies(caller, kind, args.owner_name)
        return Response({"PolicyNames": names}, table=[[n] for n in names],
                        headers=["PolicyName"])

    command(f"put-{kind}-policy", f"Add or replace an inline policy of a {kind}.", owner,
            _POLICY_NAME, arg("--policy-document", required=True, metavar="JSON",
                              help="the policy document: JSON text or file://PATH"))(put)
    command(f"get-{kind}-policy", f"Show an inline policy of a {kind}.", owner,
            _POLICY_NAME)(get)
    command(f"delete-{kind}-policy", f"Delete an inline policy of a {kind}.", owner,
            _POLICY_NAME)(delete)
    command(f"list-{kind}-policies", f"List the names of a {kind}'s inline policies.",
            owner)(list_)


def _register_boundary(kind: OwnerKind) -> None:
    owner = _owner_arg(kind)

    def put(args: argparse.Namespace) -> Response:
        with session(args) as (svc, caller):
            svc.set_owner_boundary(caller, kind, args.owner_name, args.permissions_boundary)
        return Response({})

    def delete(args: argparse.Namespace) -> Response:
        with session(args) as (svc, caller):
            svc.set_owner_boundary(caller, kind, args.owner_name, None)
        return Response({})

    command(f"put-{kind}-permissions-boundary",
            f"Set a managed policy as a {kind}'s permissions boundary.", owner,
            arg("--permissions-boundary", required=True, metavar="POLICY_ARN",
                help="the managed policy's ARN"))(put)
    command(f"delete-{kind}-permissions-boundary",
            f"Remove a {kind}'s permissions boundary.", owner)(delete)


_REGISTRARS: tuple[tuple[Callable[[OwnerKind], None], tuple[OwnerKind, ...]], ...] = (
    (_register_inline, OWNER_KINDS),
    (_register_boundary, ("user", "role")),
)
for _register, _kinds in _REGISTRARS:
    for _kind in _kinds:
        _register(_kind)
