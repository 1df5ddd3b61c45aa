"""Role sessions: assume-role, get-caller-identity, revoke-role-sessions, list-role-sessions.

Every command acts as a role session given its temporary key pair and token in
$IAMTUI_ACCESS_KEY_ID, $IAMTUI_SECRET_ACCESS_KEY and $IAMTUI_SESSION_TOKEN, as the AWS CLI
takes AWS_SESSION_TOKEN beside the key pair (session.from_session_environment).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from iamtui.commands import session
from iamtui.commands.registry import Response, arg, command
from iamtui.model import aws_timestamp

if TYPE_CHECKING:
    pass

@command("assume-role", "Get temporary credentials for a role (as `aws sts assume-role`).",
         arg("--role-arn", required=True, help="the role's ARN"),
         arg("--role-session-name", required=True, help="a name for the session (2-64)"),
         arg("--duration-seconds", type=int, default=3600,
             help="900 up to the role's MaxSessionDuration (default 3600)"),
         arg("--serial-number", help="your MFA device's serial number (its ARN)"),
         arg("--token-code", help="the six-digit code your MFA device shows"),
         arg("--external-id", help="the external ID the role's trust policy asks for"))
def run_assume_role(args: argparse.Namespace) -> Response:
    from iamtui.service.sts import aws_assume_role

    with session.session(args) as (svc, caller):
        result = svc.assume_role(caller, args.role_arn, args.role_session_name,
                                 duration_seconds=args.duration_seconds,
                                 serial_number=args.serial_number, token_code=args.token_code,
                                 external_id=args.external_id)
    data = aws_assume_role(result)
    creds = result.credentials
    table = [["AccessKeyId", creds.access_key_id],
             ["SecretAccessKey", creds.secret_access_key],
             ["SessionToken", creds.session_token],
             ["Expiration", aws_timestamp(creds.expiration)],
             ["AssumedRoleId", result.assumed_role_id], ["Arn", result.arn]]
    return Response(data, table=table, headers=["Field", "Value"])


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
