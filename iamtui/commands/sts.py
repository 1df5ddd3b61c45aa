"""Sessions: assume-role, get-session-token, get-federation-token, get-caller-identity,
get-access-key-info, decode-authorization-message, revoke-role-sessions, list-role-sessions.

Every command acts as a role session given its temporary key pair and token in
$IAMTUI_ACCESS_KEY_ID, $IAMTUI_SECRET_ACCESS_KEY and $IAMTUI_SESSION_TOKEN, as the AWS CLI
takes AWS_SESSION_TOKEN beside the key pair (session.from_session_environment).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from iamtui.commands import session
from iamtui.commands.common import parse_tags
from iamtui.commands.registry import ArgumentError, Response, arg, command
from iamtui.model import aws_timestamp
from iamtui.policy import load_json

if TYPE_CHECKING:
    from iamtui.service.sts import Credentials


def parse_policy_arns(values: Sequence[str] | None) -> list[str]:
    """`--policy-arns arn=ARN ...` (the AWS CLI's shorthand) or a JSON list of {"arn": ...}."""
    arns: list[str] = []
    for value in values or ():
        text = value.strip()
        if text.startswith("["):
            try:
                arns += [str(item["arn"]) for item in load_json(text)]
            except (json.JSONDecodeError, TypeError, KeyError) as exc:
                raise ArgumentError("Error parsing parameter '--policy-arns': expected a JSON "
                                    f"list of {{\"arn\": ...}}: {exc}") from None
        elif text.startswith("arn="):
            arns.append(text[len("arn="):])
        else:
            raise ArgumentError("Error parsing parameter '--policy-arns': expected arn=ARN, "
                                f"got {value!r}")
    return arns


def session_policy_args() -> tuple:
    """--policy and --policy-arns: the session policies every call that makes a role or
    federated session takes (AssumeRole, AssumeRoleWithSAML, AssumeRoleWithWebIdentity,
    GetFederationToken)."""
    return (arg("--policy", help="an inline session policy (JSON, or file://): the session "
                "may do only what it allows too"),
            arg("--policy-arns", nargs="+", metavar="ARN",
                help="managed session policies: arn=ARN ... (up to 10)"))


def session_policies(args: argparse.Namespace) -> dict[str, Any]:
    """The `policy` and `policy_arns` keyword arguments of the service call."""
    return {"policy": args.policy, "policy_arns": parse_policy_arns(args.policy_arns)}


def _session_shape_args() -> tuple:
    """The options that shape a session's permissions: session policies and tags."""
    return (*session_policy_args(),
            arg("--tags", nargs="+", metavar="TAG", help="session tags: Key=k,Value=v ..."))


def _credentials_rows(creds: Credentials) -> list[list[str]]:
    return [["AccessKeyId", creds.access_key_id], ["SecretAccessKey", creds.secret_access_key],
            ["SessionToken", creds.session_token],
            ["Expiration", aws_timestamp(creds.expiration)]]

@command("assume-role", "Get temporary credentials for a role (as `aws sts assume-role`).",
         arg("--role-arn", required=True, help="the role's ARN"),
         arg("--role-session-name", required=True, help="a name for the session (2-64)"),
         arg("--duration-seconds", type=int, default=3600,
             help="900 up to the role's MaxSessionDuration (default 3600)"),
         arg("--serial-number", help="your MFA device's serial number (its ARN)"),
         arg("--token-code", help="the six-digit code your MFA device shows"),
         arg("--external-id", help="the external ID the role's trust policy asks for"),
         *_session_shape_args(),
         arg("--transitive-tag-keys", nargs="+", metavar="KEY",
             help="session tag keys that pass on to sessions chained from this one"),
         arg("--source-identity", help="who is behind the session (kept in a role chain)"))
def run_assume_role(args: argparse.Namespace) -> Response:
    from iamtui.service.sts import aws_assume_role

    with session.session(args) as (svc, caller):
        result = svc.assume_role(
            caller, args.role_arn, args.role_session_name,
            duration_seconds=args.duration_seconds, serial_number=args.serial_number,
            token_code=args.token_code, external_id=args.external_id, **session_policies(args),
            tags=[(t.key, t.value) for t in parse_tags(args.tags)],
            transitive_tag_keys=args.transitive_tag_keys or (),
            source_identity=args.source_identity)
    table = [*_credentials_rows(result.credentials),
             ["AssumedRoleId", result.assumed_role_id], ["Arn", result.arn]]
    return Response(aws_assume_role(result), table=table, headers=["Field", "Value"])


@command("get-session-token", "Get temporary credentials for yourself, with MFA proven "
         "when you give a code (as `aws sts get-session-token`).",
         arg("--duration-seconds", type=int, default=43200,
             help="900-129600 (the root user: at most 3600); default 43200"),
         arg("--serial-number", help="your MFA device's serial number (its ARN)"),
         arg("--token-code", help="the six-digit code your MFA device shows"))
def run_get_session_token(args: argparse.Namespace) -> Response:
    from iamtui.service.federation import aws_session_token

    with session.session(args) as (svc, caller):
        creds = svc.get_session_token(caller, duration_seconds=args.duration_seconds,
                                      serial_number=args.serial_number,
                                      token_code=args.token_code)
    return Response(aws_session_token(creds), table=_credentials_rows(creds),
                    headers=["Field", "Value"])


@command("get-scoped-credentials", "Narrow your session's credentials: a scope-down policy "
         "and/or a shorter lifetime, the same identity (as `aws sts get-scoped-credentials`).",
         arg("--policy", help="the scope-down policy (JSON, or file://): the new credentials "
             "may do only what it allows too"),
         arg("--duration-seconds", type=int,
             help="1-129600, within the calling session's remaining lifetime"),
         arg("--scoped-session-description", help="why (2-256 characters; audited)"))
def run_get_scoped_credentials(args: argparse.Namespace) -> Response:
    from iamtui.service.federation import aws_scoped_credentials

    with session.session(args) as (svc, caller):
        result = svc.get_scoped_credentials(
            caller, policy=args.policy, duration_seconds=args.duration_seconds,
            scoped_session_description=args.scoped_session_description)
    table = [*_credentials_rows(result.credentials),
             ["ScopedSessionId", result.principal.principal_id],
             ["Arn", result.principal.arn],
             ["ScopedPoliciesCount", str(result.scoped_policies_count)]]
    return Response(aws_scoped_credentials(result), table=table, headers=["Field", "Value"])


@command("get-federation-token", "Get credentials for a federated user whose permissions are "
         "yours intersected with the session policies (as `aws sts get-federation-token`).",
         arg("--name", required=True, help="the federated user's name (2-32)"),
         *_session_shape_args(),
         arg("--duration-seconds", type=int, default=43200,
             help="900-129600 (the root user: at most 3600); default 43200"))
def run_get_federation_token(args: argparse.Namespace) -> Response:
    from iamtui.service.federation import aws_federation_token

    with session.session(args) as (svc, caller):
        result = svc.get_federation_token(
            caller, args.name, **session_policies(args),
            duration_seconds=args.duration_seconds,
            tags=[(t.key, t.value) for t in parse_tags(args.tags)])
    table = [*_credentials_rows(result.credentials),
             ["FederatedUserId", result.federated_user_id], ["Arn", result.arn]]
    return Response(aws_federation_token(result), table=table, headers=["Field", "Value"])


@command("get-access-key-info", "Show the account an access key ID belongs to "
         "(as `aws sts get-access-key-info`).",
         arg("--access-key-id", required=True, help="an AKIA or ASIA access key ID"))
def run_get_access_key_info(args: argparse.Namespace) -> Response:
    with session.session(args) as (svc, caller):
        account = svc.get_access_key_info(caller, args.access_key_id)
    return Response({"Account": account}, table=[[account]], headers=["Account"])


@command("get-caller-identity", "Show who you are (as `aws sts get-caller-identity`).")
def run_get_caller_identity(args: argparse.Namespace) -> Response:
    from iamtui.service.sts import aws_caller_identity

    with session.session(args) as (svc, caller):
        identity = svc.get_caller_identity(caller)
    return Response(aws_caller_identity(identity),
                    table=[[identity.user_id, identity.account, identity.arn]],
                    headers=["UserId", "Account", "Arn"])


@command("revoke-role-sessions", "Revoke every session of a role issued before now "
         "(the console's \"Revoke active sessions\").",
         arg("--role-name", required=True, help="the role's name"))
def run_revoke_role_sessions(args: argparse.Namespace) -> Response:
    with session.session(args) as (svc, caller):
        cutoff = svc.revoke_role_sessions(caller, args.role_name)
    return Response({"RoleName": args.role_name, "PolicyName": "AWSRevokeOlderSessions",
                     "RevokedBefore": aws_timestamp(cutoff)})


@command("list-role-sessions", "List a role's unexpired sessions (never their secrets).",
         arg("--role-name", required=True, help="the role's name"))
def run_list_role_sessions(args: argparse.Namespace) -> Response:
    with session.session(args) as (svc, caller):
        sessions = svc.list_role_sessions(caller, args.role_name)
    items = [{"AccessKeyId": s.access_key_id, "RoleSessionName": s.session_name,
              "IssuedAt": aws_timestamp(s.issued_at), "Expiration": aws_timestamp(s.expiration),
              "SourceArn": s.source_arn, "MFAAuthenticated": s.mfa_authenticated_at is not None}
             for s in sessions]
    return Response({"Sessions": items},
                    table=[[i["RoleSessionName"], i["AccessKeyId"], i["IssuedAt"],
                            i["Expiration"], i["SourceArn"]] for i in items],
                    headers=["Session", "AccessKeyId", "Issued", "Expires", "AssumedBy"])


@command("decode-authorization-message", "Decode the encoded authorization failure message "
         "of an AccessDenied (as `aws sts decode-authorization-message`).",
         arg("--encoded-message", required=True,
             help="the text after \"Encoded authorization failure message:\""))
def run_decode_authorization_message(args: argparse.Namespace) -> Response:
    with session.session(args) as (svc, caller):
        decoded = svc.decode_authorization_message(caller, args.encoded_message)
    return Response({"DecodedMessage": decoded}, table=[[decoded]], headers=["DecodedMessage"])
