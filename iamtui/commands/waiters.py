"""`iamtui wait user-exists|role-exists|policy-exists|instance-profile-exists`: poll the
operation a waiter names until it succeeds, with AWS's delay and attempts (IAM's
waiters-2.json: GetUser, GetRole and GetPolicy every second up to 20 times, retried while
NoSuchEntity; GetInstanceProfile up to 40 times, retried while 404). Like the AWS CLI, it
prints nothing on success and fails with `Waiter NAME failed: ...` (exit 255)."""

from __future__ import annotations

import argparse
import io
import sys
import time
from typing import Any

from iamtui.commands import aws_model
from iamtui.commands.params import xform_name
from iamtui.commands.registry import (
    COMMANDS,
    ArgumentError,
    CommandFailure,
    Response,
    arg,
    command,
)
from iamtui.errors import IamError

WAITERS = ("instance-profile-exists", "policy-exists", "role-exists", "user-exists")
sleep = time.sleep  # tests replace it, so that nothing waits


class WaiterError(CommandFailure):
    """The waiter met a failure state or ran out of attempts (the AWS CLI exits 255)."""


def _matches(acceptor: dict[str, Any], error: IamError | None) -> bool:
    if acceptor["matcher"] == "status":
        status = 200 if error is None else error.http_status
        return status == acceptor["expected"]
    if acceptor["matcher"] == "error":
        return error is not None and error.code == acceptor["expected"]
    return False


@command("wait", "Wait until a user, role, policy or instance profile exists (AWS's "
         "waiters).",
         arg("waiter", choices=WAITERS, help="what to wait for"),
         arg("--user-name", help="user-exists: the user (default: the caller)"),
         arg("--role-name", help="role-exists: the role"),
         arg("--policy-arn", help="policy-exists: the policy's ARN"),
         arg("--instance-profile-name", help="instance-profile-exists: the instance profile"))
def run_wait(args: argparse.Namespace) -> Response:
    from iamtui.commands import load

    spec = aws_model.waiters()[args.waiter]
    name = "".join(p.capitalize() for p in args.waiter.split("-"))
    operation = xform_name(spec["operation"])
    load()
    target = COMMANDS.get(operation)
    if target is None:
        raise ArgumentError(f"iamtui wait {args.waiter}: iamtui has no {operation} command")
    for member in (aws_model.operation(operation) or {}).get("required", []):
        flag = xform_name(member)
        if getattr(args, flag.replace("-", "_"), None) is None:
            raise ArgumentError(f"iamtui wait {args.waiter}: error: the following arguments "
                                f"are required: --{flag}")
    # Every attempt signs in again: replay what standard input held (the root password)
    stdin = sys.stdin.read() if getattr(args, "root_password_stdin", False) else None
    for attempt in range(1, spec["max_attempts"] + 1):
        if stdin is not None:
            sys.stdin = io.StringIO(stdin)
        error: IamError | None = None
        try:
            target.handler(args)
        except IamError as exc:
            error = exc
        state = next((a["state"] for a in spec["acceptors"] if _matches(a, error)), None)
        if state == "success":
            return Response({})
        if state != "retry":
            reason = (f"An error occurred ({error.code}): {error.message}" if error is not None
                      else "Waiter encountered a terminal failure state")
            raise WaiterError(f"Waiter {name} failed: {reason}")
        if attempt < spec["max_attempts"]:
            sleep(spec["delay"])
    raise WaiterError(f"Waiter {name} failed: Max attempts exceeded")
