"""SAML identity providers and federation with `aws iam`'s and `aws sts`'s flags and JSON
answers: create-saml-provider, get-saml-provider, list-saml-providers,
update-saml-provider, delete-saml-provider, the SAML provider tag commands, and
assume-role-with-saml (which, like AWS's, needs no credentials: the assertion is the proof).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from iamtui.commands.common import TAGS_HELP, created_with_tags, parse_tags, register_tag_commands
from iamtui.commands.registry import Response, arg, command, read_document
from iamtui.commands.session import session, unsigned_store
from iamtui.commands.sts import session_policies, session_policy_args
from iamtui.model import aws_timestamp

if TYPE_CHECKING:
    pass

# 10,000,000 characters of metadata, at most 4 bytes each in UTF-8.
METADATA_READ_LIMIT = 40_000_000

_ARN = arg("--saml-provider-arn", required=True, metavar="ARN",
           help="the SAML provider's ARN (arn:aws:iam::ACCOUNT:saml-provider/NAME)")
_METADATA = arg("--saml-metadata-document", required=True, metavar="DOC",
                help="the IdP's SAML metadata XML: text or file://PATH")


def _metadata(args: argparse.Namespace) -> str:
    return read_document(args.saml_metadata_document, "--saml-metadata-document",
                         limit=METADATA_READ_LIMIT)


@command("create-saml-provider", "Create a SAML identity provider from its metadata.",
         _METADATA, arg("--name", required=True, help="the provider's name (1-128)"),
         arg("--tags", nargs="+", metavar="TAG", help=TAGS_HELP))
def run_create_saml_provider(args: argparse.Namespace) -> Response:
    document = _metadata(args)
    with session(args) as (svc, caller):
        provider = svc.create_saml_provider(caller, args.name, document,
                                            tags=parse_tags(args.tags))
    return created_with_tags("SAMLProviderArn", provider.arn, provider.tags)


@command("get-saml-provider", "Show a SAML provider's metadata, dates and tags.", _ARN)
def run_get_saml_provider(args: argparse.Namespace) -> Response:
    from iamtui.service.saml_providers import aws_saml_provider

    with session(args) as (svc, caller):
        provider = svc.get_saml_provider(caller, args.saml_provider_arn)
    return Response(aws_saml_provider(provider))


@command("list-saml-providers", "List the SAML identity providers.")
def run_list_saml_providers(args: argparse.Namespace) -> Response:
    from iamtui.service.saml_providers import aws_saml_provider_list_entry

    with session(args) as (svc, caller):
        providers = svc.list_saml_providers(caller)
    return Response({"SAMLProviderList": [aws_saml_provider_list_entry(p) for p in providers]},
                    table=[[p.name, aws_timestamp(p.create_date), aws_timestamp(p.valid_until),
                            p.arn] for p in providers],
                    headers=["Name", "Created", "ValidUntil", "Arn"])


@command("update-saml-provider", "Replace a SAML provider's metadata (new keys, new expiry).",
         _METADATA, _ARN)
def run_update_saml_provider(args: argparse.Namespace) -> Response:
    document = _metadata(args)
    with session(args) as (svc, caller):
        provider = svc.update_saml_provider(caller, args.saml_provider_arn, document)
    return Response({"SAMLProviderArn": provider.arn})


@command("delete-saml-provider", "Delete a SAML identity provider.", _ARN)
def run_delete_saml_provider(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        svc.delete_saml_provider(caller, args.saml_provider_arn)
    return Response({})


register_tag_commands("saml-provider", _ARN, "a SAML provider")


@command("assume-role-with-saml", "Get temporary credentials for a role from a SAML "
         "response (as `aws sts assume-role-with-saml`; needs no credentials).",
         arg("--role-arn", required=True, help="the role's ARN"),
         arg("--principal-arn", required=True,
             help="the SAML provider's ARN (the IdP that issued the response)"),
         arg("--saml-assertion", required=True,
             help="the base64 SAMLResponse the IdP posted (or file://PATH)"),
         arg("--duration-seconds", type=int, default=3600,
             help="900 up to the role's MaxSessionDuration (default 3600)"),
         *session_policy_args())
def run_assume_role_with_saml(args: argparse.Namespace) -> Response:
    from iamtui.service.saml_providers import aws_assume_role_with_saml

    with unsigned_store(args) as svc:
        result = svc.assume_role_with_saml(args.role_arn, args.principal_arn,
                                           args.saml_assertion,
                                           duration_seconds=args.duration_seconds,
                                           **session_policies(args))
    data = aws_assume_role_with_saml(result)
    # people read the same fields flat: credentials, then who the session is, then the claims
    flat = {**data["Credentials"], **data["AssumedRoleUser"],
            **{k: v for k, v in data.items() if isinstance(v, str)}}
    return Response(data, table=[[k, v] for k, v in flat.items()], headers=["Field", "Value"])
