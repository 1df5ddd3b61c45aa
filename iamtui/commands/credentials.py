"""Access key commands (create-, update-, delete-, list-access-keys, get-access-key-last-used)
and `configure`, which saves a key pair in a profile of the credentials file.

Flags and JSON shapes are those of `aws iam` (AWS CLI Command Reference, iam); the secret
is printed by create-access-key only, once.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from iamtui.commands.common import register_credential_commands
from iamtui.commands.registry import ArgumentError, Response, arg, command
from iamtui.commands.session import (
    load_profile,
    profile_name,
    read_secret,
    save_profile,
    session,
    validate_profile_name,
)
from iamtui.model import AccessKey, aws_access_key, aws_access_key_last_used, aws_timestamp
from iamtui.security.access_keys import ACCESS_KEY_ID_RE, SECRET_ACCESS_KEY_RE

_USER = arg("--user-name", help="the user (default: the calling user; for root, its own keys)")
_KEY_ID = arg("--access-key-id", required=True, help="the access key's ID (AKIA...)")


def _owner_shown(data: dict[str, Any]) -> dict[str, Any]:
    """The root user's own keys carry no IAM user name; leave UserName out for them."""
    from iamtui.service.access_keys import ROOT_KEY_OWNER

    if data.get("UserName") == ROOT_KEY_OWNER:
        return {k: v for k, v in data.items() if k != "UserName"}
    return data


def _created(key: AccessKey, secret: str) -> dict[str, Any]:
    return _owner_shown({"UserName": key.user_name, "AccessKeyId": key.access_key_id,
                         "Status": key.status, "SecretAccessKey": secret,
                         "CreateDate": aws_timestamp(key.create_date)})


@command("create-access-key", "Create an access key; its secret is shown this once only.",
         _USER)
def run_create_access_key(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        created = svc.create_access_key(caller, args.user_name)
    shape = _created(created.key, created.secret_access_key)
    return Response({"AccessKey": shape},
                    table=[[created.key.access_key_id, created.secret_access_key,
                            created.key.status, shape.get("UserName", "<root>")]],
                    headers=["AccessKeyId", "SecretAccessKey (shown once)", "Status",
                             "UserName"])


register_credential_commands("access-key", "an access key", _KEY_ID, _USER)


@command("list-access-keys", "List a user's access keys (never their secrets).", _USER)
def run_list_access_keys(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        keys = svc.list_access_keys(caller, args.user_name)
    return Response({"AccessKeyMetadata": [_owner_shown(aws_access_key(k)) for k in keys]},
                    table=[[k.access_key_id, k.status, aws_timestamp(k.create_date),
                            k.user_name] for k in keys],
                    headers=["AccessKeyId", "Status", "CreateDate", "UserName"])


@command("get-access-key-last-used", "When, where and with which service a key was last used.",
         _KEY_ID)
def run_get_access_key_last_used(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        key = svc.get_access_key_last_used(caller, args.access_key_id)
    data = _owner_shown(aws_access_key_last_used(key))
    last = data["AccessKeyLastUsed"]
    return Response(data, table=[[last.get("LastUsedDate", "N/A"), last["ServiceName"],
                                  last["Region"]]],
                    headers=["LastUsedDate", "ServiceName", "Region"])


def _masked(value: str | None) -> str:
    # As `aws configure` shows a saved value: all but the last four characters hidden.
    return "None" if not value else "*" * 16 + value[-4:]


def _read_pair(from_stdin: bool, current: tuple[str, str] | None) -> tuple[str, str]:
    """The key ID and secret: two lines of standard input, or typed (the secret unechoed;
    an empty answer keeps the profile's current value, as `aws configure` does)."""
    if from_stdin:
        key_id = read_secret("configure: the access key ID", from_stdin=True).strip()
        secret = read_secret("configure: the secret", from_stdin=True).strip()
    elif not sys.stdin.isatty():
        raise ArgumentError("configure: standard input is not a terminal; pass --stdin to "
                            "read the access key ID and the secret from two lines of it.")
    else:
        old_id, old_secret = current or (None, None)
        key_id = input(f"IAMTUI Access Key ID [{_masked(old_id)}]: ").strip() or old_id or ""
        secret = (getpass.getpass(f"IAMTUI Secret Access Key [{_masked(old_secret)}]: ")
                  .strip() or old_secret or "")
    if not ACCESS_KEY_ID_RE.fullmatch(key_id):
        raise ArgumentError("configure: the access key ID must be AKIA (or ASIA) and 16 of "
                            "A-Z and 2-7, as create-access-key prints it; nothing was saved.")
    if not SECRET_ACCESS_KEY_RE.fullmatch(secret):
        raise ArgumentError("configure: the secret access key must be 40 characters of "
                            "A-Z, a-z, 0-9, + and /; nothing was saved.")
    return key_id, secret


@command("configure", "Save an access key pair in a profile of the credentials file "
         "(--profile NAME, default 'default').",
         arg("--stdin", action="store_true",
             help="read the access key ID and the secret from two lines of standard input "
                  "(a temporary ASIA pair: its session token from a third)"))
def run_configure(args: argparse.Namespace) -> Response:
    name = validate_profile_name(profile_name(args)[0])
    typed = not args.stdin and sys.stdin.isatty()
    key_id, secret = _read_pair(args.stdin, load_profile(name, required=False) if typed
                                else None)
    token = None
    if key_id.startswith("ASIA"):  # temporary credentials work only with their token
        token = (read_secret("configure: the session token", from_stdin=True).strip()
                 if args.stdin else getpass.getpass("IAMTUI Session Token: ").strip())
        if not token:
            raise ArgumentError("configure: temporary (ASIA) credentials need their session "
                                "token; nothing was saved.")
    path = save_profile(name, key_id, secret, token)
    return Response({"Profile": name, "AccessKeyId": key_id, "CredentialsFile": str(path)})
