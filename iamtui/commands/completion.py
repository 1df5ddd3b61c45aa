"""Shell completion for bash, zsh and fish: command names, flags, choices, and live names
(users, groups, roles, policy ARNs) read from the store as the caller's own credentials
allow (an access key from the environment or a profile: completion never asks for a
password, and lists only what the caller may list).

    eval "$(iamtui completion bash)"      # or: iamtui completion bash --install
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from typing import Any

from iamtui.commands.registry import ArgumentError, Response, arg, command

# Each shell asks `iamtui __complete WORD... CURRENT` and offers the lines it prints.
SCRIPTS = {
    "bash": """\
_iamtui_complete() {
    local IFS=$'\\n'
    COMPREPLY=($(iamtui __complete "${COMP_WORDS[@]:1:$COMP_CWORD}" 2>/dev/null))
}
complete -o default -F _iamtui_complete iamtui
""",
    "zsh": """\
_iamtui() {
    local -a candidates
    candidates=("${(@f)$(iamtui __complete "${(@)words[2,CURRENT]}" 2>/dev/null)}")
    compadd -- $candidates
}
(( $+functions[compdef] )) || { autoload -Uz compinit && compinit }
compdef _iamtui iamtui
""",
    "fish": """\
complete -c iamtui -f -a '(iamtui __complete (commandline -opc)[2..-1] (commandline -ct))'
""",
}
_RC_FILES = {"bash": "~/.bashrc", "zsh": "~/.zshrc"}
_FISH_FILE = "~/.config/fish/completions/iamtui.fish"


@command("completion", "Print (or --install) shell completion for bash, zsh or fish.",
         arg("shell", choices=sorted(SCRIPTS), help="bash, zsh or fish"),
         arg("--install", action="store_true",
             help="install it: a line in ~/.bashrc or ~/.zshrc, or fish's completions file"))
def run_completion(args: argparse.Namespace) -> Response:
    if not args.install:
        print(SCRIPTS[args.shell], end="")
        return Response({})
    if args.shell == "fish":
        path = os.path.expanduser(_FISH_FILE)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as file:
            file.write(SCRIPTS["fish"])
    else:
        path = os.path.expanduser(_RC_FILES[args.shell])
        line = f'eval "$(iamtui completion {args.shell})"\n'
        try:
            with open(path, encoding="utf-8") as file:
                present = line in file.read()
        except FileNotFoundError:
            present = False
        except (OSError, UnicodeDecodeError) as exc:
            raise ArgumentError(f"Cannot read {path}: {exc}") from None
        if not present:
            with open(path, "a", encoding="utf-8") as file:
                file.write("\n# iamtui shell completion\n" + line)
    print(f"Installed iamtui completion for {args.shell} in {path}; open a new shell.")
    return Response({})


# Flags whose values are names in the store, and how to list them.
_LIVE: dict[str, tuple[str, str]] = {
    "--user-name": ("list_users", "user_name"),
    "--group-name": ("list_groups", "group_name"),
    "--role-name": ("list_roles", "role_name"),
    "--policy-arn": ("list_policies", "arn"),
    "--saml-provider-arn": ("list_saml_providers", "arn"),
}


def _actions(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    return list(parser._actions)  # argparse keeps no public list of a parser's options


def _subparser(parser: argparse.ArgumentParser, name: str) -> argparse.ArgumentParser | None:
    for action in _actions(parser):
        if isinstance(action, argparse._SubParsersAction):
            return action.choices.get(name)
    return None


def _live_names(flag: str, words: list[str]) -> list[str]:
    """Names the caller may list, with the --db and --profile the words give."""
    from iamtui.commands.session import session
    from iamtui.errors import IamError

    method, attribute = _LIVE[flag]
    given = dict(zip(words, [*words[1:], None], strict=False))
    args = argparse.Namespace(db=given.get("--db"), profile=given.get("--profile"),
                              as_root=False, root_password_stdin=False)
    try:
        with session(args) as (svc, caller):
            return [getattr(e, attribute) for e in getattr(svc, method)(caller)]
    except (IamError, OSError, ValueError):
        return []  # no credentials, no store, or not allowed: no names


def candidates(words: list[str],
               build_parser: Callable[..., argparse.ArgumentParser]) -> list[str]:
    """What may come next: `words` are those typed after `iamtui`, the last one the word
    being completed (perhaps empty)."""
    *done, current = words or [""]
    from iamtui.commands.registry import COMMANDS

    name = next((w for w in done if w in COMMANDS), None)
    parser = build_parser(name)
    scope: Any = _subparser(parser, name) if name else parser
    if scope is None:
        return []
    previous = done[-1] if done else None
    found: list[str] = []
    action = next((a for a in _actions(scope) if previous in a.option_strings), None)
    if action is not None and action.nargs != 0:
        if action.choices:
            found = [str(c) for c in action.choices]
        elif previous in _LIVE:
            found = _live_names(previous, done)
        return sorted(c for c in found if c.startswith(current))
    if current.startswith("-") or name is not None:
        found = [o for a in _actions(scope) if a.help != argparse.SUPPRESS
                 for o in a.option_strings if o.startswith("--")]
        for a in _actions(scope):  # a positional's choices (`wait user-exists`)
            if not a.option_strings and a.choices and not isinstance(
                    a, argparse._SubParsersAction):
                found += [str(c) for c in a.choices]
    else:
        found = sorted(c for c in COMMANDS if not c.startswith("_"))
    return sorted({c for c in found if c.startswith(current)})
