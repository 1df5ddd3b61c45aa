"""The AWS CLI's habits on iamtui's own commands, each compared with what the AWS CLI does:
output formats judged by the awscli formatter on the same answers, pagination options and
tokens, file:// and shorthand parameters, waiters, help, completion, pager, --debug,
--color. AWS CLI User Guide: "Setting the output format", "Using the AWS CLI pagination
options", "Loading parameters from a file", "Using shorthand syntax", "Using the output
pager", "Command completion"; AWS CLI Command Reference: "iam wait user-exists".
"""

from __future__ import annotations

import argparse
import base64
import io
import json
from pathlib import Path
from typing import Any

import pytest
from aws_v2 import v2_yaml, v2_yaml_stream
from awscli.formatter import TableFormatter, TextFormatter
from helpers import CliRunner

from iamtui.commands import aws_model

POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
     "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]})


@pytest.fixture
def account(cli_run: CliRunner) -> CliRunner:
    """A store with users (one tagged and in a group), a group, a role and a policy."""
    for name in ("alice", "bob", "carol", "dave", "erin"):
        cli_run.as_root("create-user", "--user-name", name)
    cli_run.as_root("tag-user", "--user-name", "alice", "--tags", "Key=team,Value=blue",
                    "Key=漢字,Value=wide")
    cli_run.as_root("create-group", "--group-name", "devs")
    for name in ("alice", "bob", "carol"):
        cli_run.as_root("add-user-to-group", "--group-name", "devs", "--user-name", name)
    cli_run.as_root("create-policy", "--policy-name", "read", "--policy-document", POLICY)
    cli_run.as_root("attach-user-policy", "--user-name", "alice", "--policy-arn",
                    "arn:aws:iam::111122223333:policy/read")
    return cli_run


COMMANDS: list[list[str]] = [
    ["list-users"], ["get-user", "--user-name", "alice"], ["list-groups"],
    ["get-group", "--group-name", "devs"], ["list-groups-for-user", "--user-name", "bob"],
    ["list-user-tags", "--user-name", "alice"], ["list-policies", "--scope", "Local"],
    ["list-attached-user-policies", "--user-name", "alice"],
    ["get-policy", "--policy-arn", "arn:aws:iam::111122223333:policy/read"],
    ["list-entities-for-policy", "--policy-arn", "arn:aws:iam::111122223333:policy/read"],
    ["get-account-authorization-details", "--filter", "User", "Group"],
    ["simulate-custom-policy", "--policy-input-list", POLICY, "--action-names",
     "s3:GetObject", "s3:PutObject", "--context-entries",
     "ContextKeyName=aws:MultiFactorAuthPresent,ContextKeyValues=true,ContextKeyType=boolean"],
    ["get-caller-identity"],
]


def _judge(output: str, command: list[str], data: Any) -> str:
    out = io.StringIO()
    args = argparse.Namespace(color="off", query=None)
    if output == "text":
        TextFormatter(args)(aws_model.operation_name(command[0]), data, out)
    else:
        formatter = TableFormatter(args)
        formatter.table._terminal_width = 80
        formatter(aws_model.operation_name(command[0]), data, out)
    return out.getvalue()


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_text_table_and_yaml_print_the_json_answer_as_the_aws_cli_would(
        account: CliRunner, command: list[str]) -> None:
    """--output text and table: the awscli formatter's bytes for the same answer; yaml and
    yaml-stream: AWS CLI v2's (tests/aws_v2.py). The JSON answer itself has no Marker or
    IsTruncated (the CLI paginated it)."""
    data = account.as_root(*command)
    assert "IsTruncated" not in data and "Marker" not in data
    for output in ("text", "table"):
        code, out, err = account.root(*command, "--output", output, "--color", "off")
        assert code == 0, err
        assert out == _judge(output, command, data)
    code, out, _ = account.root(*command, "--output", "yaml")
    assert out == v2_yaml(data)
    if aws_model.result_keys(command[0]) is None:  # else pages: test_cli_formats_yaml.py
        code, out, _ = account.root(*command, "--output", "yaml-stream")
        assert out == v2_yaml_stream(data, paginated=False)


def test_a_result_no_table_can_draw_is_an_error_not_a_traceback(account: CliRunner) -> None:
    """Rows of unequal lengths (a query's lists) fail as in the AWS CLI: a message, 255."""
    code, _, err = account.root("list-users", "--output", "table", "--query",
                                  "[[Users[0].UserName, Users[1].UserName], [Users[2].Path]]")
    assert code == 255 and "Row should have 2 elements" in err and "Traceback" not in err


def test_color_on_colours_the_table_values(account: CliRunner) -> None:
    _, out, _ = account.root("list-groups", "--output", "table", "--color", "on")
    assert "\x1b[1m\x1b[34m" in out and "devs" in out


# ------------------------------------------------------------------ pagination


def test_max_items_ends_with_next_token_and_starting_token_continues(
        account: CliRunner) -> None:
    """--max-items 2 prints two users and NextToken; --starting-token goes on from there;
    --page-size changes the calls only."""
    first = account.as_root("list-users", "--max-items", "2", "--page-size", "1")
    assert [u["UserName"] for u in first["Users"]] == ["alice", "bob"]
    assert list(first) == ["Users", "NextToken"]
    json.loads(base64.b64decode(first["NextToken"]))  # the AWS CLI's token: base64 JSON
    rest = account.as_root("list-users", "--starting-token", first["NextToken"])
    assert [u["UserName"] for u in rest["Users"]] == ["carol", "dave", "erin"]
    assert "NextToken" not in rest
    _, out, _ = account.root("list-users", "--max-items", "2", "--output", "text",
                                "--query", "Users[].UserName")
    lines = out.splitlines()
    # the AWS CLI runs the query on its NextToken line too, which it finds nothing in
    assert lines == ["alice\tbob", "None"]


def test_no_paginate_prints_the_apis_page(account: CliRunner) -> None:
    """--no-paginate: one API call; --max-items is then the API's MaxItems, and the page
    says IsTruncated and gives the Marker that --marker takes."""
    page = account.as_root("list-users", "--no-paginate", "--max-items", "2")
    assert [u["UserName"] for u in page["Users"]] == ["alice", "bob"]
    assert page["IsTruncated"] is True and page["Marker"]
    rest = account.as_root("list-users", "--marker", page["Marker"])
    assert [u["UserName"] for u in rest["Users"]] == ["carol", "dave", "erin"]
    assert rest["IsTruncated"] is False
    code, _, err = account.root("list-users", "--no-paginate", "--starting-token", "x")
    assert code == 252 and "Cannot specify --no-paginate along with pagination" in err


# ------------------------------------------------------------------ parameters


def test_any_parameter_reads_file_and_context_entries_take_shorthand(
        account: CliRunner, tmp_path: Path) -> None:
    """`--description file://d.txt`, `--context-entries file://ctx.json` (JSON) and the
    same entries in shorthand decide alike; fileb:// is for blobs only."""
    (tmp_path / "d.txt").write_text("Role for the build farm")
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
        "Action": "sts:AssumeRole"}]})
    made = account.as_root("create-role", "--role-name", "build", "--description",
                           f"file://{tmp_path}/d.txt", "--assume-role-policy-document", trust)
    assert made["Role"]["Description"] == "Role for the build farm"
    (tmp_path / "ctx.json").write_text(json.dumps([{
        "ContextKeyName": "aws:MultiFactorAuthPresent", "ContextKeyValues": ["true"],
        "ContextKeyType": "boolean"}]))
    common = ["simulate-custom-policy", "--policy-input-list", POLICY, "--action-names",
              "s3:GetObject", "--context-entries"]
    from_file = account.ok(*common, f"file://{tmp_path}/ctx.json")
    shorthand = account.ok(*common, "ContextKeyName=aws:MultiFactorAuthPresent,"
                           "ContextKeyValues=true,ContextKeyType=boolean")
    assert from_file == shorthand
    assert from_file["EvaluationResults"][0]["EvalDecision"] == "allowed"
    code, _, err = account.root("update-role", "--role-name", "build", "--description",
                                f"fileb://{tmp_path}/d.txt")
    assert code == 252 and "fileb://" in err
    code, _, err = account.root("update-role", "--role-name", "build", "--description",
                                "file:///dev/zero")
    assert code == 252 and "Unable to load paramfile" in err
    code, _, err = account.root("tag-user", "--user-name", "bob", "--tags", "Key")
    assert code == 252 and "Error parsing parameter '--tags'" in err
    tags = [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]
    (tmp_path / "tags.json").write_text(json.dumps(tags))
    account.as_root("tag-user", "--user-name", "bob", "--tags", f"file://{tmp_path}/tags.json")
    assert account.as_root("list-user-tags", "--user-name", "bob")["Tags"] == tags


# ------------------------------------------------------------------ waiters


def test_waiters_poll_with_awss_delay_and_attempts(account: CliRunner,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """user-exists succeeds at once for a user that exists and prints nothing; for one that
    does not, it sleeps 1 s between 20 attempts and fails as the AWS CLI does (255)."""
    slept: list[float] = []
    monkeypatch.setattr("iamtui.commands.waiters.sleep", slept.append)
    assert account.root("wait", "user-exists", "--user-name", "alice") == (0, "", "")
    code, _, err = account.root("wait", "user-exists", "--user-name", "ghost")
    assert code == 255 and "Waiter UserExists failed: Max attempts exceeded" in err
    assert slept == [1] * 19
    code, _, err = account.root("wait", "policy-exists", "--policy-arn",
                                "arn:aws:iam::111122223333:policy/read")
    assert code == 0, err
    code, _, err = account.root("wait", "role-exists")
    assert code == 252 and "--role-name" in err
    code, _, err = account.run("wait", "user-exists", "--user-name", "alice")
    assert code == 255 and "Waiter UserExists failed: An error occurred" in err


# ------------------------------------------------------------------ help, completion


@pytest.mark.parametrize("words", [["list-users", "help"], ["help", "list-users"],
                                   ["list-users", "--help"]])
def test_help_as_the_aws_cli_takes_it(cli_run: CliRunner, words: list[str]) -> None:
    with pytest.raises(SystemExit) as done:
        cli_run.run(*words)
    assert done.value.code == 0
    out = cli_run.capsys.readouterr().out
    assert "--max-items" in out and "--starting-token" in out and "--query" in out


def test_completion_offers_commands_flags_choices_and_live_names(
        account: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    """Completion lists what may come next; user names only as the caller's own
    credentials may list them (none without credentials: it never asks for a password)."""
    from iamtui.cli import main

    def complete(*words: str) -> list[str]:
        account.capsys.readouterr()
        assert main(["__complete", *words]) == 0
        return account.capsys.readouterr().out.split()

    assert complete("list-u") == ["list-user-policies", "list-user-tags", "list-users"]
    assert "--max-items" in complete("list-users", "--m")
    assert complete("list-users", "--output", "y") == ["yaml", "yaml-stream"]
    assert complete("wait", "user") == ["user-exists"]
    db = str(account.db)
    assert complete("get-user", "--db", db, "--user-name", "") == []  # no credentials
    key = account.as_root("create-access-key", "--user-name", "alice")["AccessKey"]
    account.as_root("attach-user-policy", "--user-name", "alice", "--policy-arn",
                    "arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    monkeypatch.setenv("IAMTUI_ACCESS_KEY_ID", key["AccessKeyId"])
    monkeypatch.setenv("IAMTUI_SECRET_ACCESS_KEY", key["SecretAccessKey"])
    assert complete("get-user", "--db", db, "--user-name", "") == [
        "alice", "bob", "carol", "dave", "erin"]
    assert complete("get-group", "--db", db, "--group-name", "d") == ["devs"]


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_scripts_install_with_one_command(cli_run: CliRunner, shell: str,
                                                     tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    code, out, _ = cli_run.run("completion", shell)
    assert code == 0 and "__complete" in out
    for _ in range(2):  # twice: installed once
        code, out, err = cli_run.run("completion", shell, "--install")
        assert code == 0, err
    installed = {"bash": ".bashrc", "zsh": ".zshrc",
                 "fish": ".config/fish/completions/iamtui.fish"}[shell]
    text = (tmp_path / installed).read_text()
    assert text.count("__complete" if shell == "fish" else f"iamtui completion {shell})") == 1


# ------------------------------------------------------------------ pager, debug


def test_pager_debug_and_timeouts(account: CliRunner, monkeypatch: pytest.MonkeyPatch,
                                  tmp_path: Path) -> None:
    """On a terminal, long output goes through $AWS_PAGER (an empty one, or --no-cli-pager,
    turns it off); --debug logs to stderr and no secret; --cli-read-timeout is accepted."""
    from iamtui import cli

    paged = tmp_path / "paged"
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    monkeypatch.setattr(cli, "_screen_lines", lambda: 5)
    monkeypatch.setenv("AWS_PAGER", f"tee {paged}")
    code, _, _ = account.root("list-users")
    assert code == 0 and json.loads(paged.read_text())["Users"]
    paged.unlink()
    code, out, _ = account.root("list-users", "--no-cli-pager")
    assert code == 0 and json.loads(out)["Users"] and not paged.exists()
    monkeypatch.setenv("AWS_PAGER", "")
    code, out, _ = account.root("list-users")
    assert json.loads(out)["Users"] and not paged.exists()
    monkeypatch.setattr("sys.stdout.isatty", lambda: False)
    code, out, err = account.root("list-users", "--debug", "--cli-read-timeout", "5",
                                  "--cli-connect-timeout", "5", "--no-cli-auto-prompt",
                                  "--region", "us-east-1")
    assert code == 0 and "DEBUG" in err and "ListUsers" in err
    from helpers import ROOT_PASSWORD

    assert ROOT_PASSWORD not in err


def test_the_bash_script_completes_in_bash(tmp_path: Path) -> None:
    """The script `iamtui completion bash` prints, sourced in bash, fills COMPREPLY."""
    import os
    import shutil
    import subprocess
    import sys

    if shutil.which("bash") is None:
        pytest.skip("no bash here")
    script = ('eval "$(iamtui completion bash)"\n'
              "COMP_WORDS=(iamtui list-u); COMP_CWORD=1; _iamtui_complete\n"
              'printf "%s\\n" "${COMPREPLY[@]}"\n'
              'COMP_WORDS=(iamtui list-users --output ""); COMP_CWORD=3; _iamtui_complete\n'
              'printf "%s\\n" "${COMPREPLY[@]}"\n')
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}"
           f"{os.environ.get('PATH', '')}", "IAMTUI_DB": str(tmp_path / "none.json")}
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env,
                          timeout=120)
    assert done.stdout.split() == ["list-user-policies", "list-user-tags", "list-users",
                                   "json", "table", "text", "yaml", "yaml-stream"]


@pytest.fixture
def lister(cli_run: CliRunner, tmp_path: Path) -> dict[str, str]:
    """The environment of a shell whose iamtui is this venv's, signed in (by access key) as
    a user who may list users, over a store holding the user `alice-in-store`."""
    import os
    import sys

    cli_run.as_root("create-user", "--user-name", "alice-in-store")
    cli_run.as_root("create-user", "--user-name", "reader")
    cli_run.as_root("attach-user-policy", "--user-name", "reader", "--policy-arn",
                    "arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    key = cli_run.as_root("create-access-key", "--user-name", "reader")["AccessKey"]
    return {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}"
            f"{os.environ.get('PATH', '')}", "IAMTUI_DB": str(cli_run.db),
            "IAMTUI_CONFIG_DIR": str(cli_run.config), "HOME": str(tmp_path),
            "IAMTUI_ACCESS_KEY_ID": key["AccessKeyId"],
            "IAMTUI_SECRET_ACCESS_KEY": key["SecretAccessKey"]}


# zsh completes only in its line editor: drive an interactive zsh through a pseudo-terminal
# (zsh/zpty), type a word and TAB, and read back what the line became.
_ZSH_DRIVER = r"""
zmodload zsh/zpty
zpty z 'TERM=dumb zsh -f -i'
zpty -w z 'PROMPT="> "; eval "$(iamtui completion zsh)"'
zpty -n -w z "$1"$'	'
out=""
integer tries=0
while (( tries++ < 300 )); do
  if zpty -r -t z chunk; then out+=$chunk; else sleep 0.1; fi
  [[ $out == *"$2"* ]] && break
done
zpty -d z
print -r -- "$out"
"""


@pytest.mark.parametrize(("typed", "completed"), [
    ("iamtui list-use", "iamtui list-user"),  # the candidates' common prefix
    ("iamtui get-user --user-name alice-in", "iamtui get-user --user-name alice-in-store "),
])
def test_the_zsh_script_completes_in_zsh(lister: dict[str, str], typed: str,
                                         completed: str) -> None:
    """`iamtui completion zsh`, loaded in an interactive zsh: TAB completes a command and a
    user name read from the store with the shell's credentials."""
    import shutil
    import subprocess

    if shutil.which("zsh") is None:
        pytest.skip("no zsh here (apt-get install zsh)")
    done = subprocess.run(["zsh", "-f", "-c", _ZSH_DRIVER, "zsh", typed, completed],
                          capture_output=True, text=True, env=lister, timeout=120)
    assert completed in done.stdout, done.stdout[-500:]


def test_the_fish_script_completes_in_fish(lister: dict[str, str]) -> None:
    """`iamtui completion fish`, sourced in fish: `complete -C` (what TAB shows) offers the
    commands and the store's user names the shell's credentials may list."""
    import shutil
    import subprocess

    if shutil.which("fish") is None:
        pytest.skip("no fish here (apt-get install fish)")
    script = ("iamtui completion fish | source\n"
              "complete -C 'iamtui list-use'\n"
              "complete -C 'iamtui get-user --user-name alice'\n")
    done = subprocess.run(["fish", "--no-config", "-c", script], capture_output=True,
                          text=True, env=lister, timeout=120)
    *commands, user = done.stdout.split()  # fish orders candidates its own way
    assert sorted(commands) == ["list-user-policies", "list-user-tags", "list-users"]
    assert user == "alice-in-store"


def test_iamtuis_own_commands_get_the_habits_too(account: CliRunner) -> None:
    """Commands AWS does not have (lookup-events, validate-policy) page and take
    skeletons the same way, from their own flags."""
    events = account.as_root("lookup-events", "--max-items", "2")
    assert len(events["Events"]) == 2 and "NextToken" in events
    more = account.as_root("lookup-events", "--starting-token", events["NextToken"],
                           "--max-items", "2")
    assert more["Events"] and more["Events"][0] != events["Events"][0]
    code, out, _ = account.run("validate-policy", "--generate-cli-skeleton")
    assert code == 0 and json.loads(out) == {"PolicyDocument": "", "PolicyType": "",
                                             "ValidatePolicyResourceType": "", "Locale": ""}


@pytest.mark.parametrize("page_size", [None, "1", "2"])
@pytest.mark.parametrize("max_items", [None, "3"])
@pytest.mark.parametrize("query", [None, "Users[].UserName"])
def test_paginated_text_is_printed_page_by_page_as_the_aws_cli_does(
        account: CliRunner, page_size: str | None, max_items: str | None,
        query: str | None) -> None:
    """--output text of a paginated answer: the awscli TextFormatter over botocore's
    paginator of the same API pages (each page on its own lines, --query per page, then
    NextToken), byte for byte."""
    import jmespath
    from botocore.paginate import PageIterator

    from iamtui.commands import paging

    whole = account.as_root("list-users", "--no-paginate", "--max-items", "1000")
    compiled = jmespath.compile

    def call(**kwargs: Any) -> dict[str, Any]:
        return paging.server_page(whole, ["Users"], kwargs.get("Marker"),
                                  kwargs.get("MaxItems", paging.DEFAULT_MAX_ITEMS))

    iterator = PageIterator(call, ["Marker"], [compiled("Marker")], compiled("IsTruncated"),
                            [compiled("Users")], [], "MaxItems",
                            int(max_items) if max_items else None, None,
                            int(page_size) if page_size else None, {})
    expected = io.StringIO()
    TextFormatter(argparse.Namespace(query=compiled(query) if query else None))(
        "ListUsers", iterator, expected)
    flags = [f for name, value in (("--page-size", page_size), ("--max-items", max_items),
                                   ("--query", query)) if value for f in (name, value)]
    code, out, err = account.root("list-users", "--output", "text", *flags)
    assert code == 0, err
    assert out == expected.getvalue()
