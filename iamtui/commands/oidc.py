"""OIDC federation: the OpenID Connect provider commands of `aws iam`,
`assume-role-with-web-identity` of `aws sts`, and iamtui's own
`set-open-id-connect-provider-jwks` (the provider's signing keys, which STS would fetch
from the network) and `test-web-identity` (the tester's question, offline)."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from iamtui.commands.common import TAGS_HELP, created_with_tags, parse_tags, register_tag_commands
from iamtui.commands.registry import ArgumentError, Response, arg, command, read_document
from iamtui.commands.session import session, unsigned_store
from iamtui.commands.sts import session_policies, session_policy_args
from iamtui.model import aws_timestamp

if TYPE_CHECKING:
    pass

_ARN = arg("--open-id-connect-provider-arn", required=True, metavar="ARN",
           help="the provider's ARN (arn:aws:iam::ACCOUNT:oidc-provider/HOST/PATH)")


@command("create-open-id-connect-provider", "Create an IAM OpenID Connect (OIDC) identity "
         "provider.",
         arg("--url", required=True, help="the provider's URL, https://HOST/PATH (its iss)"),
         arg("--client-id-list", nargs="+", default=[], metavar="CLIENT_ID",
             help="the audiences (aud) its tokens may carry, at most 100"),
         arg("--thumbprint-list", nargs="+", default=[], metavar="THUMBPRINT",
             help="up to 5 SHA-1 thumbprints (40 hex characters) of its certificates"),
         arg("--tags", nargs="+", metavar="TAG", help=TAGS_HELP))
def run_create_open_id_connect_provider(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        provider = svc.create_open_id_connect_provider(
            caller, args.url, args.client_id_list, args.thumbprint_list,
            tags=parse_tags(args.tags))
    return created_with_tags("OpenIDConnectProviderArn", provider.arn, provider.tags)


@command("get-open-id-connect-provider", "Show an OIDC identity provider.", _ARN)
def run_get_open_id_connect_provider(args: argparse.Namespace) -> Response:
    from iamtui.service.oidc_providers import aws_open_id_connect_provider

    with session(args) as (svc, caller):
        provider = svc.get_open_id_connect_provider(caller, args.open_id_connect_provider_arn)
    return Response(aws_open_id_connect_provider(provider))


@command("list-open-id-connect-providers", "List the account's OIDC identity providers.")
def run_list_open_id_connect_providers(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        providers = svc.list_open_id_connect_providers(caller)
    return Response({"OpenIDConnectProviderList": [{"Arn": p.arn} for p in providers]},
                    table=[[p.arn, ", ".join(p.client_ids), aws_timestamp(p.create_date)]
                           for p in providers],
                    headers=["Arn", "ClientIDList", "CreateDate"])


@command("delete-open-id-connect-provider", "Delete an OIDC identity provider (roles that "
         "trust it stay as they are).", _ARN)
def run_delete_open_id_connect_provider(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        svc.delete_open_id_connect_provider(caller, args.open_id_connect_provider_arn)
    return Response({})


@command("add-client-id-to-open-id-connect-provider", "Add a client ID (audience) to an OIDC "
         "identity provider.", _ARN,
         arg("--client-id", required=True, help="the client ID (1-255 characters)"))
def run_add_client_id(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        svc.add_client_id_to_open_id_connect_provider(
            caller, args.open_id_connect_provider_arn, args.client_id)
    return Response({})


@command("remove-client-id-from-open-id-connect-provider", "Remove a client ID (audience) from "
         "an OIDC identity provider.", _ARN,
         arg("--client-id", required=True, help="the client ID to remove"))
def run_remove_client_id(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        svc.remove_client_id_from_open_id_connect_provider(
            caller, args.open_id_connect_provider_arn, args.client_id)
    return Response({})


@command("update-open-id-connect-provider-thumbprint", "Replace an OIDC identity provider's "
         "certificate thumbprints.", _ARN,
         arg("--thumbprint-list", nargs="+", required=True, metavar="THUMBPRINT",
             help="1 to 5 SHA-1 thumbprints (40 hex characters)"))
def run_update_thumbprint(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        svc.update_open_id_connect_provider_thumbprint(
            caller, args.open_id_connect_provider_arn, args.thumbprint_list)
    return Response({})


register_tag_commands("open-id-connect-provider", _ARN, "an OIDC identity provider")


@command("set-open-id-connect-provider-jwks", "iamtui's own: give an OIDC identity provider's "
         "public signing keys as a JWKS document (what STS fetches from its jwks_uri; "
         "iamtui works offline).", _ARN,
         arg("--jwks", required=True, metavar="JSON",
             help='{"keys": [...]}, public RSA or EC keys: JSON text or file://PATH'))
def run_set_jwks(args: argparse.Namespace) -> Response:
    jwks = read_document(args.jwks, "--jwks")
    with session(args) as (svc, caller):
        provider = svc.set_open_id_connect_provider_jwks(
            caller, args.open_id_connect_provider_arn, jwks)
    kids = [k.get("kid") for k in json.loads(jwks)["keys"]]
    return Response({"OpenIDConnectProviderArn": provider.arn, "KeyIds": kids})


@command("assume-role-with-web-identity", "Get temporary credentials for a role with an OIDC "
         "ID token (as `aws sts assume-role-with-web-identity`; needs no credentials).",
         arg("--role-arn", required=True, help="the role's ARN"),
         arg("--role-session-name", required=True, help="a name for the session (2-64)"),
         arg("--web-identity-token", required=True, metavar="JWT",
             help="the ID token: its text or file://PATH"),
         arg("--duration-seconds", type=int, default=3600,
             help="900 up to the role's MaxSessionDuration (default 3600)"),
         *session_policy_args())
def run_assume_role_with_web_identity(args: argparse.Namespace) -> Response:
    from iamtui.service.web_identity import aws_assume_role_with_web_identity

    token = read_document(args.web_identity_token, "--web-identity-token").strip()
    with unsigned_store(args) as svc:
        result = svc.assume_role_with_web_identity(args.role_arn, args.role_session_name,
                                                   token,
                                                   duration_seconds=args.duration_seconds,
                                                   **session_policies(args))
    data = aws_assume_role_with_web_identity(result)
    creds = data["Credentials"]
    table = [[name, str(creds[name])] for name in creds] + [
        ["SubjectFromWebIdentityToken", result.subject],
        ["AssumedRoleId", result.session.assumed_role_id], ["Arn", result.session.arn],
        ["Provider", result.provider_arn], ["Audience", result.audience]]
    return Response(data, table=table, headers=["Field", "Value"])


def read_claims(value: str) -> dict[str, Any]:
    """--claims: a JSON object (text or file://PATH) of the token's claims."""
    from iamtui.policy import load_json

    text = read_document(value, "--claims")
    try:
        claims = load_json(text)
    except (ValueError, RecursionError) as exc:
        raise ArgumentError(f"Error parsing parameter '--claims': {exc}") from None
    if not isinstance(claims, dict):
        raise ArgumentError("Error parsing parameter '--claims': expected a JSON object of "
                            "claims, such as {\"iss\": ..., \"aud\": ..., \"sub\": ...}")
    return claims


@command("test-web-identity", "iamtui's own: may a token, or a token with these claims, "
         "assume the role? (\"Can a GitHub Actions job from repo X on branch Y assume "
         "it?\"; nothing is issued).",
         arg("--role-arn", required=True, help="the role's ARN"),
         arg("--web-identity-token", metavar="JWT",
             help="a token to check as STS would, signature included (text or file://)"),
         arg("--claims", metavar="JSON", help="the token's claims instead, as a JSON object "
             "(iss, aud, sub, ...): everything but the signature is checked"),
         arg("--role-session-name", default="web-identity-test",
             help="the session name the trust policy sees as sts:RoleSessionName"))
def run_test_web_identity(args: argparse.Namespace) -> Response:
    from iamtui.service.web_identity import aws_web_identity_test

    if (args.web_identity_token is None) == (args.claims is None):
        raise ArgumentError("give one of --web-identity-token and --claims")
    token = claims = None
    if args.web_identity_token is not None:
        token = read_document(args.web_identity_token, "--web-identity-token").strip()
    else:
        claims = read_claims(args.claims)
    with session(args) as (svc, caller):
        test = svc.test_web_identity(caller, args.role_arn, token=token, claims=claims,
                                     role_session_name=args.role_session_name)
    data = aws_web_identity_test(test)
    table = [[data["EvalDecision"], data.get("ErrorCode", ""),
              (data.get("Explanation") or [data.get("ErrorMessage", "")])[0]]]
    return Response(data, table=table, headers=["Decision", "Error", "Why"])
