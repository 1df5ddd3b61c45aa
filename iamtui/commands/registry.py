"""The commands' registry: each family module declares its commands with `@command`, and
the CLI builds its parser from COMMANDS. Command modules import this, never the CLI (which
imports them), so the imports go one way."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, NamedTuple

from iamtui.commands.output import Response, printable
from iamtui.errors import InvalidInput

# The largest document IAM's API takes is 131,072 characters (the PolicyDocument
# parameter's length constraint, IAM API Reference: CreatePolicy, PutUserPolicy...), of
# U+0009-U+00FF: at most 2 bytes each in UTF-8. 1 MiB is that with a wide margin, and
# `file:///dev/zero` or an endless pipe stops there with an error instead of filling memory.
DOCUMENT_READ_LIMIT = 1 << 20
# An account export (import-account-authorization-details) or a saved test set has no API
# limit but the account's quotas ("IAM and AWS STS quotas"): 1,500 customer managed
# policies x 5 versions x 6,144 characters, 1,000 roles x (10,240 inline + 2,048 trust),
# 5,000 users x 2,048 and 300 groups x 5,120 come to about 70 million characters, before
# indentation and the AWS managed policies an export lists too. 256 MiB holds that with
# room to spare, and still bounds what a wrong path makes the CLI read.
EXPORT_READ_LIMIT = 256 << 20

Handler = Callable[[argparse.Namespace], "Response"]


class ArgumentError(Exception):
    """Arguments the CLI cannot parse (exit 252, like the AWS CLI)."""


class CommandFailure(Exception):
    """A failure that is neither bad arguments nor a service error, such as a waiter running
    out of attempts: the AWS CLI exits 255 with its message."""

    exit_code = 255


class Arg(NamedTuple):
    """One argument of a command, as `add_argument` takes it."""

    flags: tuple[str, ...]
    options: dict[str, Any]


def arg(*flags: str, **options: Any) -> Arg:
    """Declare an argument: `arg("--user-name", required=True)`."""
    return Arg(flags, options)


class Command(NamedTuple):
    name: str
    help: str
    handler: Handler
    arguments: tuple[Arg, ...]

    @property
    def operation(self) -> str:
        """AWS's name of the operation (`list-mfa-devices` -> `ListMFADevices`)."""
        from iamtui.commands.aws_model import operation_name  # its data only when needed

        return operation_name(self.name)


COMMANDS: dict[str, Command] = {}


def command(name: str, help: str, *arguments: Arg) -> Callable[[Handler], Handler]:
    """Register `handler` as the command `name` with its arguments."""
    def register(handler: Handler) -> Handler:
        COMMANDS[name] = Command(name, help, handler, arguments)
        return handler
    return register


def read_text_file(path: str | os.PathLike[str], limit: int) -> str:
    """The UTF-8 text of the file at `path`, which may hold at most `limit` bytes.

    Raises OSError, UnicodeDecodeError, or ValueError when the file is larger (reading
    stops there, so a device or a pipe that never ends cannot exhaust memory).
    """
    with open(path, "rb") as file:
        data = file.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"it holds more than {limit // (1 << 20)} MiB, more than any "
                         "input of this command can be")
    return data.decode("utf-8")


# False while `iamtui serve` runs a command for a request: a document sent over HTTP is the
# document itself, and "file://..." in it must never read a file of the server's machine.
LOCAL_FILES: ContextVar[bool] = ContextVar("local_files", default=True)


def read_document(value: str, option: str, *, limit: int = DOCUMENT_READ_LIMIT) -> str:
    """A document argument: JSON text, or `file://PATH` to read it (at most `limit` bytes)."""
    if value.startswith("file://") and LOCAL_FILES.get():
        # os.path, not pathlib: pathlib (and urllib.parse, ipaddress) cost a short command
        # such as simulate-custom-policy 4 ms of its start
        path = os.path.expanduser(value[len("file://"):])
        try:
            return read_text_file(path, limit)
        except (OSError, ValueError) as exc:  # UnicodeDecodeError is a ValueError
            raise ArgumentError(f"Error parsing parameter '{option}': Unable to load paramfile "
                                f"{printable(value)}: {printable(str(exc))}") from None
    return value


def require(condition: bool, message: str) -> None:
    """Raise InvalidInput (AWS's code for a bad parameter value) unless `condition`."""
    if not condition:
        raise InvalidInput(message)


__all__ = ["COMMANDS", "DOCUMENT_READ_LIMIT", "EXPORT_READ_LIMIT", "LOCAL_FILES", "Arg",
           "ArgumentError", "Command", "CommandFailure", "Handler", "Response", "arg", "command",
           "read_document", "read_text_file", "require"]
