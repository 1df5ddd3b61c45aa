"""test-policies: re-run a test set saved from the permission tester (a regression suite
for policies). Exits 1 when a decision changed, printing the changes."""

from __future__ import annotations

import argparse

from iamtui.commands.output import emit, rendering_of
from iamtui.commands.registry import ArgumentError, Response, arg, command
from iamtui.commands.session import session
from iamtui.local_paths import expand_home

EXIT_CHANGED = 1


@command("test-policies", "Re-run a test set saved from the permission tester: every "
         "expected decision is evaluated again; exit 1 and list the changes when one differs.",
         arg("file", metavar="FILE", help="the test set (JSON) the tester saved"))
def run_test_policies(args: argparse.Namespace) -> Response:
    from iamtui.testsets import TestSet, run_test_set  # brings the service: not at start

    path = expand_home(args.file)
    try:
        test_set = TestSet.load(path)
    except OSError as exc:
        raise ArgumentError(f"Cannot read the test set {args.file!r}: {exc.strerror}") from None
    except ValueError as exc:  # a file name with a NUL byte, which no file has
        raise ArgumentError(f"Cannot read the test set {args.file!r}: {exc}") from None
    with session(args) as (svc, caller):
        _, changes = run_test_set(svc, caller, test_set)
    response = Response(
        {"Cases": len(test_set.cases), "Changed": [
            {"Action": c.action, "Resource": c.resource, "Expected": c.expected,
             "Actual": c.actual} for c in changes]},
        table=[[c.action, c.resource, c.expected, c.actual or "(not asked)"]
               for c in changes],
        headers=["Action", "Resource", "Expected", "Actual"])
    if changes:
        emit(response, rendering_of(args))  # main() prints only on success: print, then fail
        raise SystemExit(EXIT_CHANGED)
    return response
