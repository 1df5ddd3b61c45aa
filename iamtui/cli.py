"""`iamtui <command>`: the `aws iam`-shaped command line.

Commands take AWS CLI's flag names, print AWS's JSON response shapes (or a table
with `--output table`), and fail like the AWS CLI v2: `An error occurred (CODE) when
calling the OPERATION operation: MESSAGE` on stderr, exit 254 for a service error
and 252 for arguments it cannot parse. Textual is imported only to open the TUI,
so a one-shot command stays a short process.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Callable
from typing import Any, NamedTuple, NoReturn

from iamtui.arn import lone_surrogate
from iamtui.errors import IamError, InvalidInput

EXIT_SERVICE_ERROR = 254
EXIT_BAD_ARGUMENTS = 252
EXIT_CONFIGURATION = 253  # no or unusable credentials, as the AWS CLI's return codes say
EXIT_BROKEN_PIPE = 1  # what Python's documentation of SIGPIPE advises for a closed stdout

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


class Response(NamedTuple):
    """A command's result: AWS's JSON shape, and rows for `--output table`."""

    data: dict[str, Any]
    table: list[list[str]] | None = None
    headers: list[str] | None = None


class ArgumentError(Exception):
    """Arguments the CLI cannot parse (exit 252, like the AWS CLI)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # The message quotes the argument; one with a byte that is not UTF-8 must print.
        raise ArgumentError(f"{self.prog}: error: {printable(message)}")


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
        """`simulate-custom-policy` -> `SimulateCustomPolicy`, as AWS names operations."""
        return "".join(part.capitalize() for part in self.name.split("-"))


COMMANDS: dict[str, Command] = {}


def command(name: str, help: str, *arguments: Arg) -> Callable[[Handler], Handler]:
    """Register `handler` as the command `name` with its arguments."""
    def register(handler: Handler) -> Handler:
        COMMANDS[name] = Command(name, help, handler, arguments)
        return handler
    return register


# ---------------------------------------------------------------------------- arguments


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


def read_document(value: str, option: str, *, limit: int = DOCUMENT_READ_LIMIT) -> str:
    """A document argument: JSON text, or `file://PATH` to read it (at most `limit` bytes)."""
    if value.startswith("file://"):
        # os.path, not pathlib: pathlib (and urllib.parse, ipaddress) cost a short command
        # such as simulate-custom-policy 4 ms of its start
        path = os.path.expanduser(value[len("file://"):])
        try:
            return read_text_file(path, limit)
        except (OSError, ValueError) as exc:  # UnicodeDecodeError is a ValueError
            raise ArgumentError(f"Error parsing parameter '{option}': Unable to load paramfile "
                                f"{printable(value)}: {printable(str(exc))}") from None
    return value


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
    import iamtui.commands

    iamtui.commands.load(command)
    parser = _Parser(prog="iamtui", description="Identity and access management with AWS IAM "
                     "semantics. Without a command, opens the terminal app.")
    parser.add_argument("--version", action="version", version=_version())
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


def _version() -> str:
    from iamtui import __version__
    return f"iamtui {__version__}"


# ---------------------------------------------------------------------------- output

# C0 controls, DEL and C1 controls: ESC and CSI start terminal sequences, OSC ones set the
# window title or write the clipboard, CR and backspace overwrite what was printed.
# A lone surrogate (stored before inputs refused them) cannot be written as UTF-8 at all.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_UNESCAPED_BY_JSON = re.compile("[\x7f-\x9f\ud800-\udfff]")
_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str) -> str:
    """`text` with every control character and lone surrogate shown as an escape
    (`\\x1b`, `\\ud800`), so input echoed in an error message or a table cell cannot drive
    the terminal or break its UTF-8 writer."""
    return _CONTROLS.sub(lambda m: _NAMED_ESCAPES.get(m[0]) or _escape(m[0]), text)


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def dump_json(data: Any) -> str:
    """JSON as the AWS CLI prints it. json.dumps escapes C0 controls in strings but, keeping
    UTF-8, lets DEL, C1 and lone surrogates through raw: those become \\u escapes (the same
    JSON value)."""
    text = json.dumps(data, indent=4, ensure_ascii=False)
    return _UNESCAPED_BY_JSON.sub(lambda m: f"\\u{ord(m[0]):04x}", text)


def _colour(text: str, decision: str, enabled: bool) -> str:
    if not enabled:
        return text
    code = {"allowed": "32", "explicitDeny": "31", "implicitDeny": "33"}.get(decision)
    return f"\033[{code}m{text}\033[0m" if code else text


def render_table(response: Response, *, colour: bool) -> str:
    """Rows under headers, columns padded; decisions coloured where `colour`."""
    if response.table is None:
        return dump_json(response.data)
    headers = response.headers or []
    rows = [[printable(str(c)) for c in row] for row in response.table]
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip(),
             "  ".join("-" * w for w in widths)]
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            padded = cell.ljust(widths[i]) if i < len(row) - 1 else cell
            cells.append(_colour(padded, cell.strip(), colour))
        lines.append("  ".join(cells))
    return "\n".join(lines)


def emit(response: Response, output: str) -> None:
    """Print a response the way `--output` asks."""
    if output == "table":
        colour = sys.stdout.isatty() and "NO_COLOR" not in os.environ
        print(render_table(response, colour=colour))
    elif response.data:  # like the AWS CLI, an operation that returns nothing prints nothing
        print(dump_json(response.data))


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


def require(condition: bool, message: str) -> None:
    """Raise InvalidInput (AWS's code for a bad parameter value) unless `condition`."""
    if not condition:
        raise InvalidInput(message)
