"""Parameters as the AWS CLI takes them, for every command: `file://` and `fileb://`
values, JSON or shorthand for structured parameters, `--cli-input-json` /
`--cli-input-yaml`, and `--generate-cli-skeleton`.

The CLI calls these between parsing and the command's handler, so a command declares its
flags once (`arg("--user-name", ...)`) and gets the habits for free.
"""

from __future__ import annotations

import argparse
import json
import os
import re
from typing import Any

from iamtui.commands import aws_model
from iamtui.commands.output import printable
from iamtui.commands.registry import (
    DOCUMENT_READ_LIMIT,
    Arg,
    ArgumentError,
    Command,
    read_text_file,
)

# Arguments a handler reads as files itself (documents with their own limits, paths).
_READ_BY_HANDLER = frozenset({"DOC", "file://PATH", "FILE", "PATH"})
_PATH_DESTS = frozenset({"db", "outfile", "file"})

_FIRST_CAP = re.compile(r"(.)([A-Z][a-z]+)")
_END_CAP = re.compile(r"([a-z0-9])([A-Z])")
_PLURAL_ACRONYM = re.compile(r"[A-Z]{2,}s$")


def xform_name(name: str, sep: str = "-") -> str:
    """An API member's CLI name, as botocore makes it: `MFADevices` -> `mfa-devices`,
    `UserName` -> `user-name`."""
    found = _PLURAL_ACRONYM.search(name)
    if found:
        name = f"{name[:-len(found.group())]}{sep}{found.group().lower()}"
    return _END_CAP.sub(rf"\1{sep}\2", _FIRST_CAP.sub(rf"\1{sep}\2", name)).lower()


def _dest(argument: Arg) -> str:
    return argument.options.get("dest", argument.flags[0].lstrip("-").replace("-", "_"))


def _options(cmd: Command) -> list[Arg]:
    return [a for a in cmd.arguments if a.flags[0].startswith("--")]


def member_arguments(cmd: Command) -> dict[str, Arg]:
    """The command's flags by API member name (`UserName` -> --user-name): the model's
    members where AWS has the operation, else the flags' own words in CamelCase."""
    model = aws_model.operation(cmd.name)
    by_flag = {a.flags[0][2:]: a for a in _options(cmd)}
    if model is not None:
        return {m: by_flag[xform_name(m)] for m in model["input"] if xform_name(m) in by_flag}
    return {"".join(p.capitalize() for p in flag.split("-")): a for flag, a in by_flag.items()}


def _given(argument: Arg, argv: list[str]) -> bool:
    return any(w == f or w.startswith(f + "=") for w in argv for f in argument.flags)


# ------------------------------------------------------------------------------ file://


def _load_param_file(value: str, flag: str) -> str:
    if value.startswith("fileb://"):
        raise ArgumentError(f"Error parsing parameter '{flag}': fileb:// reads bytes, for "
                            f"blob parameters; {flag} takes text: use file://")
    path = os.path.expanduser(value[len("file://"):])
    try:
        return read_text_file(path, DOCUMENT_READ_LIMIT)
    except (OSError, ValueError) as exc:  # UnicodeDecodeError is a ValueError
        raise ArgumentError(f"Error parsing parameter '{flag}': Unable to load paramfile "
                            f"{printable(value)}: {printable(str(exc))}") from None


def expand_param_files(cmd: Command, args: argparse.Namespace) -> None:
    """Any parameter's value may be `file://PATH` (its UTF-8 text, at most 1 MiB), as with
    the AWS CLI; documents and paths are left to their handlers, which read them with their
    own limits."""
    for argument in _options(cmd):
        dest = _dest(argument)
        if argument.options.get("metavar") in _READ_BY_HANDLER or dest in _PATH_DESTS:
            continue
        value = getattr(args, dest, None)
        if isinstance(value, str) and value.startswith(("file://", "fileb://")):
            setattr(args, dest, _load_param_file(value, argument.flags[0]))
        elif isinstance(value, list):
            setattr(args, dest, [_load_param_file(v, argument.flags[0])
                                 if isinstance(v, str) and v.startswith(("file://", "fileb://"))
                                 else v for v in value])


# ------------------------------------------------------------------ JSON and shorthand


def normalize_structured(cmd: Command, args: argparse.Namespace) -> None:
    """Structured parameters (AWS's lists of structures: --tags, --context-entries) take
    JSON or shorthand; each shorthand value becomes the JSON list its handler reads, and a
    JSON list given to a list of strings (`--action-names '["a","b"]'`) becomes its items."""
    from iamtui.commands.shorthand import ShorthandError, fit_to_model, parse_shorthand

    if not any(_maybe_structured(getattr(args, _dest(a), None)) for a in _options(cmd)
               if a.options.get("nargs") in ("+", "*")
               and a.options.get("metavar") not in _READ_BY_HANDLER):
        return  # nothing to reshape: the model's data is not even read
    model = aws_model.operation(cmd.name)
    if model is None:
        return
    for member, argument in member_arguments(cmd).items():
        shape = model["input"][member]
        value = getattr(args, _dest(argument), None)
        if not isinstance(value, list) or not isinstance(shape, list):
            continue
        out: list[str] = []
        for item in value:
            text = item.strip() if isinstance(item, str) else item
            if not isinstance(text, str):
                out.append(item)
            elif isinstance(shape[0], dict) and not text.startswith(("[", "{")):
                try:
                    parsed = fit_to_model(parse_shorthand(text), shape[0])
                except ShorthandError as exc:
                    raise ArgumentError(f"Error parsing parameter '{argument.flags[0]}': "
                                        f"{printable(str(exc))}") from None
                except ValueError as exc:
                    raise ArgumentError(f"Error parsing parameter '{argument.flags[0]}': "
                                        f"{printable(str(exc))}") from None
                out.append(json.dumps([parsed]))
            elif isinstance(shape[0], dict) and text.startswith("{"):
                out.append(_json_object_as_list(text))  # one JSON object per word
            elif shape[0] == "string" and text.startswith("[") and len(value) == 1:
                out.extend(_json_string_list(text, argument.flags[0]))
            else:
                out.append(item)
        setattr(args, _dest(argument), out)


def _maybe_structured(value: Any) -> bool:
    return isinstance(value, list) and any(
        isinstance(v, str) and ("=" in v or v.lstrip().startswith(("[", "{"))) for v in value)


def _json_object_as_list(text: str) -> str:
    try:
        item = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        return text  # the handler reports it
    return json.dumps([item]) if isinstance(item, dict) else text


def _json_string_list(text: str, flag: str) -> list[str]:
    try:
        items = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        return [text]  # not JSON after all: a value that starts with '['
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise ArgumentError(f"Error parsing parameter '{flag}': expected a JSON list of "
                            "strings")
    return items


# ------------------------------------------------------------------------ cli input


def _to_argument(value: Any, argument: Arg) -> Any:
    """An API value from --cli-input-json as argparse would have left the flag's value."""
    options = argument.options
    if options.get("action") in ("store_true", "store_false"):
        return bool(value)
    if options.get("nargs") in ("+", "*"):
        items = value if isinstance(value, list) else [value]
        if all(not isinstance(i, dict | list) for i in items):
            return [str(i) for i in items]
        return [json.dumps(items)]
    if isinstance(value, dict | list):
        return json.dumps(value)
    convert = options.get("type")
    return convert(value) if callable(convert) and not isinstance(value, bool) else str(value)


def load_cli_input(args: argparse.Namespace) -> dict[str, Any] | None:
    """The mapping --cli-input-json or --cli-input-yaml gives (file:// allowed), or None."""
    text, kind = (args.cli_input_json, "json") if getattr(args, "cli_input_json", None) \
        else (getattr(args, "cli_input_yaml", None), "yaml")
    if text is None:
        return None
    flag = f"--cli-input-{kind}"
    if text.startswith(("file://", "fileb://")):
        text = _load_param_file(text, flag)
    try:
        if kind == "json":
            data = json.loads(text)
        else:  # as AWS CLI v2 reads it: ruamel's safe loader, YAML 1.2 (`on` is a string)
            from ruamel.yaml import YAML

            data = YAML(typ="safe", pure=True).load(text)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, or nested too deep
        raise ArgumentError(f"Error parsing parameter '{flag}': Invalid {kind.upper()} received: "
                            f"{printable(str(exc))}") from None
    except Exception as exc:  # ruamel's YAMLError, imported only here
        raise ArgumentError(f"Error parsing parameter '{flag}': Invalid YAML received: "
                            f"{printable(str(exc))}") from None
    if not isinstance(data, dict):
        raise ArgumentError(f"Error parsing parameter '{flag}': the input must be a "
                            f"{kind.upper()} object of the operation's parameters")
    return data


def merge_cli_input(cmd: Command, args: argparse.Namespace, data: dict[str, Any],
                    argv: list[str]) -> None:
    """Fill the flags from --cli-input-json's members; a flag on the command line wins, as
    in the AWS CLI. A member the operation does not take is refused."""
    members = member_arguments(cmd)
    for member, value in data.items():
        if member == "Marker":
            args.marker = str(value)
            continue
        if member == "MaxItems" and hasattr(args, "page_size"):
            args.no_paginate, args.max_items = True, int(value)  # the API's page, as v2 does
            continue
        argument = members.get(member)
        if argument is None:
            raise ArgumentError(f"Parameter validation failed:\nUnknown parameter in input: "
                                f"\"{printable(member)}\", must be one of: "
                                f"{', '.join(members)}")
        if not _given(argument, argv):
            setattr(args, _dest(argument), _to_argument(value, argument))


def check_required(cmd: Command, args: argparse.Namespace) -> None:
    """The flags argparse was told not to insist on (an input file may give them)."""
    missing = [a.flags[0] for a in _options(cmd)
               if a.options.get("required") and getattr(args, _dest(a), None) is None]
    if missing:
        raise ArgumentError(f"iamtui {cmd.name}: error: the following arguments are "
                            f"required: {', '.join(missing)}")


# -------------------------------------------------------------------------- skeleton


def skeleton(cmd: Command, kind: str) -> Any:
    """What --generate-cli-skeleton prints: the input members with empty values, exactly
    AWS's (`input`, `yaml-input`) or a sample answer (`output`)."""
    model = aws_model.operation(cmd.name)
    if model is not None:
        return model[{"output": "output_skeleton", "yaml-input": "yaml_input"}.get(
            kind, "input_skeleton")]
    if kind == "output":
        return {}
    members: dict[str, Any] = {}
    for member, argument in member_arguments(cmd).items():
        options = argument.options
        if options.get("action") in ("store_true", "store_false"):
            members[member] = True
        elif options.get("nargs") in ("+", "*"):
            members[member] = [""]
        elif options.get("type") is int:
            members[member] = 0
        else:
            members[member] = ""
    return members
