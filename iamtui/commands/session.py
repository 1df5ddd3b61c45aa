"""How a command reaches the store and proves who is calling.

Every command but `init` and the store-less policy commands acts as a principal:
the root user with `--as-root` (its password read without echo, or from standard
input with `--root-password-stdin`), or an access key pair: from
$IAMTUI_ACCESS_KEY_ID / $IAMTUI_SECRET_ACCESS_KEY, or from a profile of the
credentials file that `iamtui configure` writes.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from iamtui.errors import IamError

if TYPE_CHECKING:
    from iamtui.service import IamService, Principal


class NoCredentials(IamError):
    """No way to tell who is calling (AWS CLI: "Unable to locate credentials")."""

    code = "NoCredentials"


def read_secret(prompt: str, *, from_stdin: bool) -> str:
    """A password or secret: one line of standard input, or typed without echo."""
    if from_stdin:
        line = sys.stdin.readline()
        return line[:-1] if line.endswith("\n") else line
    if not sys.stdin.isatty():
        raise NoCredentials(f"{prompt.rstrip(': ')} is needed, and standard input is not a "
                            "terminal: pass it with --root-password-stdin")
    return getpass.getpass(prompt)


# Other ways of resolving credentials register here (access keys, profiles, sessions).
CredentialSource = Callable[["IamService", argparse.Namespace], "Principal | None"]
CREDENTIAL_SOURCES: list[CredentialSource] = []


def caller_for(service: IamService, args: argparse.Namespace) -> Principal:
    """The principal the command acts as."""
    if getattr(args, "as_root", False):
        password = read_secret("Root password: ", from_stdin=args.root_password_stdin)
        return service.authenticate_root(password)
    for source in CREDENTIAL_SOURCES:
        principal = source(service, args)
        if principal is not None:
            return principal
    raise NoCredentials(
        "Unable to locate credentials. Use --as-root to act as the root user, or give an "
        "access key: create one with `iamtui create-access-key --user-name NAME --as-root`, "
        "then run `iamtui configure` or set IAMTUI_ACCESS_KEY_ID and "
        "IAMTUI_SECRET_ACCESS_KEY.")


@contextmanager
def session(args: argparse.Namespace) -> Iterator[tuple[IamService, Principal]]:
    """Open the store named by --db / $IAMTUI_DB and authenticate the caller."""
    from iamtui.service import IamService

    service = IamService.open(args.db)
    try:
        yield service, caller_for(service, args)
    finally:
        service.close()
