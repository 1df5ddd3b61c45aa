"""Property: whatever its parameters hold, no command ends in a traceback (issue 10).

Every command of the registry (so a new command is covered the day it is added) gets
generated values for its options: plausible ones, text with control characters and lone
surrogates, the surrogates Python makes of argv bytes that are not UTF-8 (PEP 383),
deeply nested JSON, JSON with lone surrogate escapes, huge numbers, and `file://` paths
to a folder, a missing file, a file that is not UTF-8, one too large, /dev/zero... Each
run, in-process against a small store, must end as the AWS CLI ends: exit 0, 252 (bad
arguments), 253 (no credentials) or 254 (a service error), with no traceback.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import ACCOUNT_ID, ROOT_PASSWORD, CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iamtui import cli
from iamtui.commands import registry
from iamtui.commands.test_policies import EXIT_CHANGED

cli.build_parser()  # registers every command
COMMANDS = sorted(cli.COMMANDS)
# 108 commands x 10 runs: 10 s on an idle 2-core machine, 30 s beside four busy loops and
# another test run. Raise it to look harder: 250 a command (27,000 runs) found no more.
EXAMPLES_PER_COMMAND = 10
# 255: a waiter that ran out of attempts or met a failure state (AWS CLI's return codes)
ALLOWED_EXITS = {0, cli.EXIT_BAD_ARGUMENTS, cli.EXIT_CONFIGURATION, cli.EXIT_SERVICE_ERROR,
                 255}

USER_ARN = f"arn:aws:iam::{ACCOUNT_ID}:user/bob"
POLICY_ARN = f"arn:aws:iam::{ACCOUNT_ID}:policy/p"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT_ID}:role/r"
MFA_ARN = f"arn:aws:iam::{ACCOUNT_ID}:mfa/d"
ALLOW = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]})
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"},
     "Action": "sts:AssumeRole"}]})
BUCKET_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": USER_ARN}, "Action": "s3:GetObject",
     "Resource": "arn:aws:s3:::bucket/*"}]})

# Plausible values by the option's last word, so that commands get past their lookups.
PLAUSIBLE: dict[str, list[str]] = {
    "user-name": ["bob", "alice", "root"], "group-name": ["devs", "ops"],
    "role-name": ["r", "other"], "policy-name": ["p", "inline"],
    "device-name": ["d2", "d"], "arn": [POLICY_ARN, ROLE_ARN, USER_ARN,
                                         "arn:aws:iam::aws:policy/ReadOnlyAccess",
                                         "arn:aws:s3:::bucket"],
    "arns": ["arn:aws:s3:::bucket/key", "*"], "boundary": [POLICY_ARN],
    "document": [ALLOW, TRUST, BUCKET_POLICY], "policy": [BUCKET_POLICY],
    "list": [ALLOW], "tags": ["Key=team,Value=blue", '[{"Key": "k", "Value": "v"}]'],
    "keys": ["team"], "names": ["s3:GetObject", "iam:CreateUser", "*"],
    "entries": ["ContextKeyName=aws:username,ContextKeyValues=bob,ContextKeyType=string",
                '[{"ContextKeyName": "aws:MultiFactorAuthPresent", '
                '"ContextKeyValues": ["true"], "ContextKeyType": "boolean"}]'],
    "number": [MFA_ARN], "id": ["v1", "v2", ACCOUNT_ID], "path": ["/", "/eng/"],
    "prefix": ["/", "arn:aws:s3"], "description": ["a role"], "status": ["Active", "Inactive"],
    "code1": ["123456"], "code2": ["654321"], "code": ["123456"], "password": ["Passw0rd!23"],
    "time": ["2026-11-28T12:00:00Z", "0"], "results": ["5"], "attributes": [
        "AttributeKey=Username,AttributeValue=bob"], "owner": [ACCOUNT_ID],
    "filter": ["User", "Role", "LocalManagedPolicy"], "scope": ["Local", "AWS", "All"],
    "details": ['{"UserDetailList": []}'], "subcommand": ["verify"], "type": ["RESOURCE_POLICY"],
    "alias": ["example"],
}

_SURROGATE_JSON = [
    '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:Get\\ud800",'
    ' "Resource": "*"}]}',
    '[{"Key": "\\udc00", "Value": "v"}]',
    '[{"ContextKeyName": "k", "ContextKeyValues": ["\\ud800"], "ContextKeyType": "string"}]',
    '{"UserDetailList": [{"UserName": "\\udfff"}]}',
]
_DEEP = [lambda n: "[" * n + "]" * n, lambda n: '{"a":' * n + "1" + "}" * n,
         lambda n: '[{"Key": ' + "[" * n + "]" * n + ', "Value": "v"}]',
         lambda n: '{"UserDetailList": [' + "[" * n + "]" * n + "]}"]
_ARGV_TEXT = st.characters(exclude_categories=())  # surrogates and control characters too
# Keys the JSON parameters read, so that generated JSON has shapes near the real ones.
_JSON_KEYS = st.sampled_from([
    "Key", "Value", "ContextKeyName", "ContextKeyValues", "ContextKeyType", "Version",
    "Statement", "Effect", "Action", "Resource", "Principal", "Condition", "Sid",
    "UserDetailList", "GroupDetailList", "RoleDetailList", "Policies", "UserName", "Arn",
    "Path", "UserId", "CreateDate", "Tags", "Subject", "Actions", "Resources", "Expected",
    "SourceArn", "Decision"]) | st.text(_ARGV_TEXT, max_size=5)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(_ARGV_TEXT, max_size=8)
    | st.sampled_from(["2012-10-17", "Allow", "*", "string", USER_ARN, "2026-01-01T00:00:00Z",
                       1, "allowed"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_JSON_KEYS, inner, max_size=4),
    max_leaves=12)


def _files(folder: Path) -> list[str]:
    """Files for `file://` values and path arguments, made once per store."""
    folder.mkdir()
    (folder / "deep.json").write_text("[" * 5000 + "]" * 5000)
    (folder / "latin1.json").write_bytes(b'{"Description": "caf\xe9"}')
    (folder / "surrogate.json").write_text(_SURROGATE_JSON[0])
    (folder / "empty.json").write_text("")
    (folder / "big.json").write_bytes(b" " * (registry.DOCUMENT_READ_LIMIT + 1))
    (folder / "policy.json").write_text(ALLOW)
    (folder / "testset.json").write_text(json.dumps({
        "Version": 1, "Subject": {"SourceArn": USER_ARN}, "Actions": ["s3:GetObject"],
        "Resources": ["*"], "Expected": [{"Action": "s3:GetObject", "Resource": "*",
                                         "Decision": "allowed"}]}))
    (folder / "folder").mkdir()
    names = ["deep.json", "latin1.json", "surrogate.json", "empty.json", "big.json",
             "policy.json", "testset.json", "folder", "missing.json"]
    return [str(folder / name) for name in names] + ["/dev/null", "/dev/zero"]


def _safe(value: str) -> str:
    """A value that argparse cannot take for an option: one starting with '-' would be
    parsed as one (`--outfile=/etc/passwd`, and the suite may run as root)."""
    return value if not value.startswith("-") or re.fullmatch(r"-[0-9]+", value) else (
        "x" + value)


@st.composite
def values(draw: st.DrawFn, key: str, files: list[str]) -> str:
    """A value for an option whose last word is `key`."""
    plausible = PLAUSIBLE.get(key) or ["x"]
    kind = draw(st.sampled_from(["plausible", "plausible", "text", "argv", "deep",
                                 "surrogate", "file", "number", "mixed", "json", "long"]))
    if kind == "plausible":
        return draw(st.sampled_from(plausible))
    if kind == "text":
        return draw(st.text(_ARGV_TEXT, max_size=30))
    if kind == "argv":  # what Python makes of bytes that are not UTF-8 in argv
        return draw(st.binary(min_size=1, max_size=20)).decode("utf-8", "surrogateescape")
    if kind == "deep":
        return draw(st.sampled_from(_DEEP))(draw(st.sampled_from([40, 70, 1200, 20000])))
    if kind == "surrogate":
        return draw(st.sampled_from(_SURROGATE_JSON))
    if kind == "file":
        return "file://" + draw(st.sampled_from(files))
    if kind == "json":  # any shape, as text or as a file
        text = json.dumps(draw(_JSON), ensure_ascii=draw(st.booleans()))
        if draw(st.booleans()):
            return text
        path = Path(files[0]).with_name(f"generated-{len(text)}-{abs(hash(text))}.json")
        path.write_text(text, errors="surrogatepass")
        return f"file://{path}"
    if kind == "long":
        return draw(st.sampled_from(plausible)) * draw(st.sampled_from([100, 20_000]))
    if kind == "number":
        return draw(st.sampled_from(["9" * 5000, "-1", "0", "1e400", "NaN", "٣٦٠٠",
                                     "99999999999999999999"]))
    return draw(st.sampled_from(plausible)) + draw(st.text(_ARGV_TEXT, min_size=1,
                                                           max_size=5))


@st.composite
def path_values(draw: st.DrawFn, files: list[str]) -> str:
    """A file name for --outfile or test-policies' FILE: under the test's folder only."""
    name = draw(st.text(_ARGV_TEXT, min_size=1, max_size=12).filter(
        lambda n: "/" not in n and n not in (".", "..")))
    prepared = [f for f in files if not f.startswith("/dev/zero")]
    return draw(st.one_of(st.just(name), st.sampled_from(prepared),
                          st.just(files[0].rsplit("/", 1)[0] + "/missing/dir/file")))


def _key(flag: str) -> str:
    """The PLAUSIBLE key of an option: its whole name, or its last two or one words."""
    words = flag.lstrip("-").split("-")
    for n in (len(words), 2, 1):
        if "-".join(words[-n:]) in PLAUSIBLE:
            return "-".join(words[-n:])
    return words[-1]


@st.composite
def command_lines(draw: st.DrawFn, command: cli.Command,
                  files: list[str]) -> tuple[list[str], str, str]:
    """(argv, standard input, who) for one run of `command`: as root (its password, then
    the generated lines on stdin), as root with a generated password, or as nobody."""
    argv = [command.name]
    for argument in command.arguments:
        flag, options = argument.flags[0], argument.options
        positional = not flag.startswith("-")
        if options.get("action") is not None:  # a switch
            if draw(st.booleans()):
                argv.append(flag)
            continue
        if not (positional or options.get("required")) and draw(st.integers(0, 2)) == 0:
            continue
        key = _key(flag)
        if "choices" in options and draw(st.booleans()):
            strategy = st.sampled_from([str(c) for c in options["choices"]])
        elif key in ("outfile", "file"):
            strategy = path_values(files)
        else:
            strategy = values(key, files)
        count = draw(st.integers(1, 3)) if options.get("nargs") == "+" else 1
        words = [_safe(draw(strategy)) for _ in range(count)]
        argv += words if positional else [flag, *words]
    if draw(st.integers(0, 3)) == 0:
        argv += ["--output", "table"]
    stdin = "\n".join(draw(st.lists(values("password", files), max_size=2)))
    return argv, stdin, draw(st.sampled_from(["root"] * 4 + ["any password", "nobody"]))


# ------------------------------------------------------------------------- the store


def _quietly(argv: list[str], stdin: str = "") -> int:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("sys.stdin", io.StringIO(stdin))
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(
                io.StringIO()) as err:
            code = cli.main(argv)
    assert code == 0, (argv, err.getvalue())
    return code


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A store with a user, group, role, policies, a key and an MFA device, made once
    through the CLI itself and copied for each command's test."""
    folder = tmp_path_factory.mktemp("template")
    db = str(folder / "data" / "iamtui.json")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("IAMTUI_CONFIG_DIR", str(folder / "config"))
        for name in ("IAMTUI_ACCESS_KEY_ID", "IAMTUI_SECRET_ACCESS_KEY", "IAMTUI_PROFILE",
                     "IAMTUI_SESSION_TOKEN", "IAMTUI_DB"):
            patch.delenv(name, raising=False)
        _quietly(["init", "--account-id", ACCOUNT_ID, "--root-password-stdin", "--db", db],
                 ROOT_PASSWORD + "\n")
        for argv in (["create-user", "--user-name", "bob", "--tags", "Key=team,Value=blue"],
                     ["create-group", "--group-name", "devs"],
                     ["add-user-to-group", "--group-name", "devs", "--user-name", "bob"],
                     ["create-policy", "--policy-name", "p", "--policy-document", ALLOW],
                     ["attach-user-policy", "--user-name", "bob", "--policy-arn", POLICY_ARN],
                     ["put-user-policy", "--user-name", "bob", "--policy-name", "inline",
                      "--policy-document", ALLOW],
                     ["create-role", "--role-name", "r", "--assume-role-policy-document",
                      TRUST],
                     ["create-access-key", "--user-name", "bob"],
                     ["create-virtual-mfa-device", "--virtual-mfa-device-name", "d"],
                     ["put-resource-policy", "--resource-arn", "arn:aws:s3:::bucket",
                      "--policy-document", BUCKET_POLICY]):
            _quietly([*argv, "--db", db, "--as-root", "--root-password-stdin"],
                     ROOT_PASSWORD + "\n")
    yield folder


@pytest.fixture
def runner(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
           capsys: pytest.CaptureFixture[str]) -> CliRunner:
    for part in ("data", "config"):
        shutil.copytree(template / part, tmp_path / part)
    monkeypatch.chdir(tmp_path)  # relative --outfile names land here
    return CliRunner(tmp_path, monkeypatch, capsys)


def test_every_command_is_fuzzed() -> None:
    """The list comes from the registry: a new command is in it without a line here."""
    assert len(COMMANDS) > 100 and {"create-user", "test-policies", "lookup-events"} <= set(
        COMMANDS)


# `serve` runs until interrupted when its arguments are good: tests/test_serve.py runs it
LONG_RUNNING = frozenset({"serve"})


@pytest.mark.parametrize("name", [c for c in COMMANDS if c not in LONG_RUNNING])
def test_no_command_ends_in_a_traceback(name: str, runner: CliRunner, tmp_path: Path) -> None:
    runner.monkeypatch.setattr("iamtui.commands.waiters.sleep", lambda _: None)
    files = _files(tmp_path / "inputs")
    command = cli.COMMANDS[name]

    @settings(max_examples=EXAMPLES_PER_COMMAND, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture,
                                     HealthCheck.too_slow, HealthCheck.data_too_large,
                                     HealthCheck.large_base_example])
    @given(command_lines(command, files))
    def run(line: tuple[list[str], str, bool]) -> None:
        argv, stdin, who = line
        try:
            if who == "root":
                code, out, err = runner.root(*argv, stdin=stdin)
            elif who == "any password":
                code, out, err = runner.run(*argv, "--as-root", "--root-password-stdin",
                                            stdin=stdin)
            else:
                code, out, err = runner.run(*argv, stdin=stdin)
        except SystemExit as exit_:  # test-policies exits 1 when a decision changed
            code, (out, err) = exit_.code, runner.capsys.readouterr()
            assert name == "test-policies" and code == EXIT_CHANGED, (argv, err)
            return
        assert code in ALLOWED_EXITS, (argv, code, err)
        assert "Traceback" not in err, (argv, err)
        out.encode("utf-8"), err.encode("utf-8")  # printable on any UTF-8 terminal
        if code != 0:
            assert err.strip(), argv  # a failure always says why

    run()
