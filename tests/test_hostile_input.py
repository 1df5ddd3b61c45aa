"""Input that used to end in a traceback or poison the store (issue 10, items 10 and 11):
lone surrogates, bytes that are not UTF-8, deep JSON, endless files, folders where files
belong, and a reader that closes the pipe.

AWS's API takes UTF-8 text only (IAM API Reference, "Common parameters" / the JSON
request syntax), so a lone surrogate (JSON's "\\ud800", or what Python makes of a byte
that is not UTF-8 in argv, PEP 383) can never reach it: a policy holding one is a
MalformedPolicyDocument, any other parameter an argument error (exit 252) or AWS's
ValidationError / InvalidInput. The largest document the API takes is 131,072 characters
(the PolicyDocument length constraint of CreatePolicy / PutUserPolicy).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from helpers import ACCOUNT_ID, ROOT_PASSWORD, CliRunner, parsed
from hypothesis import given
from hypothesis import strategies as st

from iamtui import cli
from iamtui.arn import (
    Arn,
    new_unique_id,
    validate_description,
    validate_tag_key,
    validate_user_name,
)
from iamtui.commands import registry
from iamtui.errors import InvalidInput, MalformedPolicyDocument, ValidationError
from iamtui.policy import ContextEntry, PolicyType, load_json, parse_policy
from iamtui.policy.document import parse_json
from iamtui.service import IamService, Principal

ALLOW = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket/*"}]}
TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"},
     "Action": "sts:AssumeRole"}]}
# What the issue stored: "\ud800" written as JSON's escape, six ASCII characters.
SURROGATE_RESOURCE = json.dumps(ALLOW).replace("bucket/*", "bucket/\\ud800")
SURROGATE_TRUST = json.dumps(TRUST).replace('"sts:AssumeRole"',
                                            '"sts:AssumeRole", "Sid": "x\\udfff"')
DEEP = "[" * 100_000 + "]" * 100_000


class Cli(CliRunner):
    """Runs commands as root: (exit code, stdout, stderr)."""

    def __call__(self, *argv: str, stdin: str = "") -> tuple[int, str, str]:
        return self.root(*argv, stdin=stdin)


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> Cli:
    runner = Cli(tmp_path, monkeypatch, capsys)
    runner.init()
    assert runner("create-user", "--user-name", "bob")[0] == 0
    return runner


def aws_error(err: str, code: str, operation: str) -> bool:
    return err.startswith(f"An error occurred ({code}) when calling the {operation} operation:")


# ---------------------------------------------------------------- item 10: lone surrogates


def test_a_policy_with_a_lone_surrogate_is_malformed_and_every_reader_still_works(
        run: Cli) -> None:
    """The issue's three crash paths: the documents are refused as AWS refuses a document it
    cannot parse, and get-user-policy, list-roles and get-account-authorization-details
    answer afterwards."""
    code, _, err = run("put-user-policy", "--user-name", "bob", "--policy-name", "p",
                       "--policy-document", SURROGATE_RESOURCE)
    assert code == 254 and aws_error(err, "MalformedPolicyDocument", "PutUserPolicy")
    assert "lone surrogate (\\ud800)" in err
    code, _, err = run("create-role", "--role-name", "r",
                       "--assume-role-policy-document", SURROGATE_TRUST)
    assert code == 254 and aws_error(err, "MalformedPolicyDocument", "CreateRole")
    code, _, err = run("create-policy", "--policy-name", "p",
                       "--policy-document", SURROGATE_RESOURCE)
    assert code == 254 and aws_error(err, "MalformedPolicyDocument", "CreatePolicy")

    code, _, err = run("get-user-policy", "--user-name", "bob", "--policy-name", "p")
    assert code == 254 and aws_error(err, "NoSuchEntity", "GetUserPolicy")
    code, out, _ = run("list-roles")
    assert code == 0 and parsed(out) == {"Roles": []}
    code, out, _ = run("get-account-authorization-details")
    assert code == 0 and [u["UserName"] for u in parsed(out)["UserDetailList"]] == ["bob"]


def test_a_store_that_already_holds_one_still_lists(run: Cli,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Defence in depth: documents stored before the parser refused surrogates print
    with the surrogate as its JSON escape (valid JSON that reads back the same) in JSON and
    in tables, instead of a UnicodeEncodeError for every reader."""
    with monkeypatch.context() as old_parser:
        old_parser.setattr("iamtui.policy.document.lone_surrogate", lambda value: None)
        assert run("put-user-policy", "--user-name", "bob", "--policy-name", "p",
                   "--policy-document", SURROGATE_RESOURCE)[0] == 0
        assert run("create-role", "--role-name", "r",
                   "--assume-role-policy-document", SURROGATE_TRUST)[0] == 0
    code, out, err = run("get-user-policy", "--user-name", "bob", "--policy-name", "p")
    assert code == 0, err
    resource = parsed(out)["PolicyDocument"]["Statement"][0]["Resource"]
    assert resource == "arn:aws:s3:::bucket/\ud800" and "\\ud800" in out
    code, out, err = run("list-roles")
    assert code == 0, err
    assert parsed(out)["Roles"][0]["AssumeRolePolicyDocument"]["Statement"][0]["Sid"] == (
        "x\udfff")
    for output in ("json", "table"):
        code, out, err = run("get-account-authorization-details", "--output", output)
        assert code == 0, err
        out.encode("utf-8")  # printable as UTF-8: no surrogate left in the text
    code, out, err = run("get-role", "--role-name", "r", "--output", "table")
    assert code == 0 and "\\udfff" in out


@pytest.mark.parametrize(("option", "argv"), [
    ("--user-name", ("create-user", "--user-name", "eve\udcff")),
    ("--path", ("create-user", "--user-name", "eve", "--path", "/a\udcff/")),
    ("--description", ("create-role", "--role-name", "r", "--assume-role-policy-document",
                       json.dumps(TRUST), "--description", "caf\udce9")),
    ("--tags", ("tag-user", "--user-name", "bob", "--tags", "Key=k,Value=\udcff")),
    ("--user-name", ("put-user-policy", "--user-name", "bob\udcff", "--policy-name", "p",
                     "--policy-document", json.dumps(ALLOW))),
    ("--policy-arn", ("attach-user-policy", "--user-name", "bob", "--policy-arn",
                      "arn:aws:iam::aws:policy/\udcff")),
    ("--resource-arn", ("put-resource-policy", "--resource-arn", "arn:aws:s3:::bucket\udcff",
                        "--policy-document", json.dumps(ALLOW))),
    ("--resource-arn", ("get-resource-policy", "--resource-arn", "arn:aws:s3:::\udcff")),
    ("--user-name", ("lookup-events", "--user-name", "\udcff")),
    ("--lookup-attributes", ("lookup-events", "--lookup-attributes",
                             "AttributeKey=Username,AttributeValue=\udcff")),
    ("--resource-arns", ("simulate-principal-policy", "--policy-source-arn",
                         f"arn:aws:iam::{ACCOUNT_ID}:user/bob", "--action-names",
                         "s3:GetObject", "--resource-arns", "arn:aws:s3:::\udcff")),
    ("--context-entries", ("simulate-custom-policy", "--policy-input-list", json.dumps(ALLOW),
                           "--action-names", "s3:GetObject", "--context-entries",
                           "ContextKeyName=aws:username,ContextKeyValues=\udcff,"
                           "ContextKeyType=string")),
    ("--profile", ("list-users", "--profile", "p\udcff")),
])
def test_a_byte_that_is_not_utf8_in_any_parameter_is_an_argument_error(
        run: Cli, option: str, argv: tuple[str, ...]) -> None:
    """sys.argv holds "\\udcff" for the byte 0xff (PEP 383): no parameter can be sent as
    UTF-8 with it, so the CLI refuses it before the service, naming the parameter; the
    issue's TypeError came from writing it to the store and the audit log."""
    code, out, err = run(*argv)
    assert code == cli.EXIT_BAD_ARGUMENTS and out == ""
    assert f"Error parsing parameter '{option}': " in err and "is not UTF-8 text" in err
    err.encode("utf-8")
    code, out, _ = run("list-users")
    assert [u["UserName"] for u in parsed(out)["Users"]] == ["bob"]


@pytest.mark.parametrize("argv", [
    ("tag-user", "--user-name", "bob", "--tags", '[{"Key": "\\ud800", "Value": "v"}]'),
    ("create-user", "--user-name", "eve", "--tags", '[{"Key": "k", "Value": "\\udc00"}]'),
    ("simulate-custom-policy", "--policy-input-list", json.dumps(ALLOW), "--action-names",
     "s3:GetObject", "--context-entries",
     '[{"ContextKeyName": "aws:username", "ContextKeyValues": ["\\ud800"], '
     '"ContextKeyType": "string"}]'),
])
def test_a_lone_surrogate_escape_in_a_json_parameter_is_an_argument_error(
        run: Cli, argv: tuple[str, ...]) -> None:
    code, out, err = run(*argv)
    assert code == cli.EXIT_BAD_ARGUMENTS and out == ""
    assert "Error parsing parameter '--" in err and "a lone surrogate (\\ud" in err
    err.encode("utf-8")


def test_a_file_name_may_hold_bytes_that_are_not_utf8(run: Cli, tmp_path: Path) -> None:
    """File names are bytes to the system: `file://` and --outfile keep working with them."""
    folder = os.fsdecode(bytes(tmp_path) + b"/caf\xe9")
    os.mkdir(folder)
    Path(folder, "p.json").write_text(json.dumps(ALLOW))
    code, _, err = run("put-user-policy", "--user-name", "bob", "--policy-name", "p",
                       "--policy-document", f"file://{folder}/p.json")
    assert code == 0, err
    code, out, err = run("create-virtual-mfa-device", "--virtual-mfa-device-name", "d",
                         "--outfile", f"{folder}/seed", "--bootstrap-method",
                         "Base32StringSeed")
    assert code == 0, err
    assert "Base32StringSeed" not in out  # written to the file, not printed
    assert len(Path(folder, "seed").read_text()) == 32


def test_service_validators_refuse_surrogates_with_printable_messages() -> None:
    """Callers other than the CLI (the TUI, an embedding program) meet the same door: AWS's
    codes, and messages that show the surrogate as an escape so that they can be printed."""
    cases: list[tuple[Any, type[Exception]]] = [
        (lambda: Arn.parse("arn:aws:s3:::b\ud800"), InvalidInput),
        (lambda: validate_user_name("bob\udcff"), ValidationError),
        (lambda: validate_description("caf\udce9"), ValidationError),
        (lambda: validate_tag_key("k\udfff"), ValidationError),
        (lambda: ContextEntry.from_aws({"ContextKeyName": "aws:username",
                                        "ContextKeyValues": ["\ud800"]}), InvalidInput),
        (lambda: ContextEntry.from_aws({"ContextKeyName": "k\ud800",
                                        "ContextKeyValues": ["v"]}), InvalidInput),
    ]
    for call, error in cases:
        with pytest.raises(error) as raised:
            call()
        str(raised.value).encode("utf-8")
        assert "\\ud" in str(raised.value)


_SURROGATES = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)


@st.composite
def text_with_a_surrogate(draw: st.DrawFn) -> str:
    text = draw(st.text(st.characters(codec="utf-8"), max_size=20))
    at = draw(st.integers(0, len(text)))
    return text[:at] + draw(_SURROGATES) + text[at:]


@given(text_with_a_surrogate(), st.sampled_from(["Sid", "Action", "Resource", "Condition",
                                                 "Key"]), st.booleans())
def test_any_string_with_a_lone_surrogate_is_refused_by_the_parser(
        value: str, where: str, escaped: bool) -> None:
    """Wherever a string holds a surrogate, written as JSON's escape or raw, in a value or
    a key, the policy parser refuses the document (MalformedPolicyDocument with a message
    that prints), and so does load_json, the reader of other JSON parameters."""
    statement: dict[str, Any] = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
    if where == "Condition":
        statement["Condition"] = {"StringEquals": {"aws:username": value}}
    elif where == "Key":
        statement["Condition"] = {"StringEquals": {value: "x"}}
    else:
        statement[where] = value
    text = json.dumps({"Version": "2012-10-17", "Statement": [statement]},
                      ensure_ascii=escaped)
    with pytest.raises(MalformedPolicyDocument) as raised:
        parse_policy(text, PolicyType.IDENTITY)
    raised.value.message.encode("utf-8")
    if escaped:  # a raw one is already outside the characters a policy may hold
        assert "lone surrogate" in raised.value.message
    with pytest.raises(MalformedPolicyDocument, match="lone surrogate"):
        parse_json(text)
    with pytest.raises(json.JSONDecodeError) as decoding:
        load_json(text)
    assert "lone surrogate" in decoding.value.msg


def test_a_surrogate_pair_is_one_character_and_stays_welcome() -> None:
    """"\\ud83d\\ude00" is one character (U+1F600), not a lone surrogate."""
    text = json.dumps(ALLOW).replace("bucket/*", "bucket/\\ud83d\\ude00")
    assert parse_json(text).plain()["Statement"][0]["Resource"] == "arn:aws:s3:::bucket/😀"
    assert load_json(text)["Statement"][0]["Resource"] == "arn:aws:s3:::bucket/😀"


# --------------------------------------------------------- item 11: tracebacks into errors


def test_deeply_nested_json_is_an_error_in_every_json_parameter(run: Cli,
                                                                tmp_path: Path) -> None:
    """Python's json raises RecursionError past ~1,000 levels; each parameter that reads
    JSON now refuses nesting past its limit as bad input, naming where."""
    deep_file = tmp_path / "deep.json"
    deep_file.write_text(DEEP)
    for argv, operation in [
        (("tag-user", "--user-name", "bob", "--tags", DEEP), None),
        (("simulate-custom-policy", "--policy-input-list", json.dumps(ALLOW),
          "--action-names", "s3:GetObject", "--context-entries", DEEP), None),
        (("import-account-authorization-details", DEEP), None),
        (("import-account-authorization-details", f"file://{deep_file}"), None),
        (("test-policies", str(deep_file)), "TestPolicies"),
        (("put-user-policy", "--user-name", "bob", "--policy-name", "p",
          "--policy-document", DEEP[49_000:151_000]), "PutUserPolicy"),
    ]:
        code, _, err = run(*argv)
        if operation is None:
            assert code == cli.EXIT_BAD_ARGUMENTS, err
            assert err.startswith("Error parsing parameter '"), err
        else:
            assert code == cli.EXIT_SERVICE_ERROR, err
            assert err.startswith("An error occurred ("), err
        assert "nesting deeper than" in err and "line 1" in err


def test_load_json_reports_where_the_nesting_goes_too_deep() -> None:
    text = '{"a": "[[[[", "b": ' + "[" * 70 + "]" * 70 + "}"
    with pytest.raises(json.JSONDecodeError) as raised:
        load_json(text)
    assert raised.value.msg == "nesting deeper than 64 levels"
    assert raised.value.pos == text.index("[[[[[") + 63  # strings' brackets do not count
    # 64 levels still read: a policy's Condition sits at level 12 of an export
    value, depth = load_json("[" * 64 + "]" * 64), 1
    while value:
        value, depth = value[0], depth + 1
    assert depth == 64
    with pytest.raises(json.JSONDecodeError, match="number too long"):
        load_json("9" * 5000)


def test_test_policies_refuses_a_file_that_is_not_utf8(run: Cli, tmp_path: Path) -> None:
    bad = tmp_path / "latin1.json"
    bad.write_bytes('{"Version": 1, "Subject": "caf\u00e9"}'.encode("latin-1"))
    code, _, err = run("test-policies", str(bad))
    assert code == cli.EXIT_SERVICE_ERROR
    assert aws_error(err, "InvalidInput", "TestPolicies") and "not UTF-8 text" in err
    code, _, err = run("test-policies", str(tmp_path))
    assert code == cli.EXIT_BAD_ARGUMENTS and "Is a directory" in err


def test_test_policies_refuses_a_set_of_the_wrong_shape(run: Cli, tmp_path: Path) -> None:
    """A hand-edited set with an action that is not a string is refused, not run."""
    odd = tmp_path / "odd.json"
    odd.write_text(json.dumps({"Version": 1, "Subject": {"SourceArn": None},
                               "Actions": [["s3:GetObject"]], "Resources": ["*"]}))
    code, _, err = run("test-policies", str(odd))
    assert code == cli.EXIT_SERVICE_ERROR and "Actions has the wrong type" in err


def test_mfa_outfile_is_checked_before_the_device_is_created(run: Cli, tmp_path: Path) -> None:
    """--outfile naming a folder used to fail after the device existed, its seed never
    shown: the file is opened first, and nothing is created when it cannot be."""
    for outfile in (str(tmp_path), str(tmp_path / "missing" / "seed"), "seed\x00"):
        code, out, err = run("create-virtual-mfa-device", "--virtual-mfa-device-name", "d",
                             "--outfile", outfile, "--bootstrap-method", "QRCodePNG")
        assert code == cli.EXIT_BAD_ARGUMENTS and out == "", err
        assert err.startswith("Cannot write the bootstrap to --outfile ")
    code, out, _ = run("list-virtual-mfa-devices")
    assert code == 0 and parsed(out)["VirtualMFADevices"] == []
    # a device that cannot be created leaves no empty file behind
    assert run("create-virtual-mfa-device", "--virtual-mfa-device-name", "bad name",
               "--outfile", str(tmp_path / "seed"), "--bootstrap-method",
               "Base32StringSeed")[0] == cli.EXIT_SERVICE_ERROR
    assert not (tmp_path / "seed").exists()


def test_file_reads_stop_at_the_cap(run: Cli, tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """`file:///dev/zero` read 24 GB before it was killed: every file:// read stops a
    little past the largest input its command can take, with a clean error."""
    assert registry.DOCUMENT_READ_LIMIT >= 2 * 131_072  # the API's largest document, in UTF-8
    assert registry.EXPORT_READ_LIMIT <= 1 << 30
    code, out, err = run("validate-policy", "--policy-document", "file:///dev/zero")
    assert code == cli.EXIT_BAD_ARGUMENTS and out == ""
    assert err.startswith("Error parsing parameter '--policy-document': Unable to load "
                          "paramfile file:///dev/zero: it holds more than 1 MiB")
    code, _, err = run("put-user-policy", "--user-name", "bob", "--policy-name", "p",
                       "--policy-document", "file:///dev/zero")
    assert code == cli.EXIT_BAD_ARGUMENTS and "more than 1 MiB" in err
    # the export's cap is larger; a small one here keeps the test from reading 256 MiB
    monkeypatch.setattr("iamtui.commands.account_details.EXPORT_READ_LIMIT", 4 << 20)
    code, _, err = run("import-account-authorization-details", "file:///dev/zero")
    assert code == cli.EXIT_BAD_ARGUMENTS and "more than 4 MiB" in err
    monkeypatch.setattr("iamtui.testsets.TEST_SET_MAX_BYTES", 1 << 20)
    code, _, err = run("test-policies", "/dev/zero")
    assert code == cli.EXIT_SERVICE_ERROR and "more than 1 MiB" in err


def test_an_endless_fifo_ends_in_a_clean_error(run: Cli, tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)

    def feed() -> None:
        try:
            with fifo.open("wb") as out:
                while True:
                    out.write(b" " * 65536)
        except BrokenPipeError:  # the reader stopped at its cap and closed
            pass

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    code, _, err = run("validate-policy", "--policy-document", f"file://{fifo}")
    writer.join(timeout=30)
    assert not writer.is_alive()
    assert code == cli.EXIT_BAD_ARGUMENTS and "more than 1 MiB" in err


def test_output_into_a_closed_pipe_ends_quietly(tmp_path: Path, run: Cli) -> None:
    """`iamtui list-users | head -1` with many users: the reader leaves early, and iamtui
    ends without a BrokenPipeError traceback, as Python's documentation of SIGPIPE advises
    (stdout pointed at /dev/null, exit 1)."""
    bob = parsed(run("get-account-authorization-details")[1])["UserDetailList"][0]
    many = [{**bob, "UserName": f"user{i:03}", "UserId": new_unique_id("user"),
             "Arn": bob["Arn"].replace("bob", f"user{i:03}")} for i in range(600)]
    code, _, err = run("import-account-authorization-details",
                       json.dumps({"UserDetailList": many}))
    assert code == 0, err
    env = {**os.environ, "IAMTUI_CONFIG_DIR": str(run.config), "IAMTUI_ARGON2_PROFILE": "test"}
    password = tmp_path / "password"
    password.write_text(ROOT_PASSWORD + "\n")
    # 600 users print 140 KB of JSON, more than a pipe holds (64 KiB): iamtui is still
    # writing when `head -1` leaves. The others meet a pipe closed before they write: a
    # long answer fails inside print(), a short one when stdout is flushed.
    for argv in (["list-users"], ["list-users", "--output", "table"],
                 ["get-user", "--user-name", "bob"]):
        with password.open("rb") as stdin:
            proc = subprocess.Popen(
                [sys.executable, "-m", "iamtui", *argv, "--db", str(run.db), "--as-root",
                 "--root-password-stdin"], stdin=stdin, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, env=env)
        assert proc.stdout is not None and proc.stderr is not None
        if len(argv) == 1:
            assert proc.stdout.readline().strip()  # `head -1`
        proc.stdout.close()
        err = proc.stderr.read()
        assert proc.wait(timeout=60) == cli.EXIT_BROKEN_PIPE, (argv, err.decode())
        assert err == b""


def test_a_password_on_stdin_that_is_not_utf8_is_an_argument_error(
        run: Cli, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """`printf '\\xff\\n' | iamtui ... --root-password-stdin`: in the C locale Python's stdin
    escapes the byte to a surrogate, which Argon2 could not encode; in a UTF-8 locale the
    read itself fails. Both are bad input, like a byte in argv."""
    code, _, err = run.run("list-users", "--as-root", "--root-password-stdin", stdin="\udcff\n")
    assert code == cli.EXIT_BAD_ARGUMENTS
    assert err.strip() == "Root password: standard input is not UTF-8 text"
    code, _, err = run("create-login-profile", "--user-name", "bob", "--password-stdin",
                       stdin="Passw\udcff0rd!\n")
    assert code == cli.EXIT_BAD_ARGUMENTS and "standard input is not UTF-8 text" in err
    strict = io.TextIOWrapper(io.BytesIO(b"\xff\xfe\n"), encoding="utf-8", errors="strict")
    monkeypatch.setattr("sys.stdin", strict)
    capsys.readouterr()
    code = cli.main(["list-users", "--db", str(run.db), "--as-root", "--root-password-stdin"])
    assert code == cli.EXIT_BAD_ARGUMENTS
    assert "standard input is not UTF-8 text" in capsys.readouterr().err


def test_lookup_events_refuses_a_surrogate_before_auditing_the_lookup(service: IamService,
                                                                     root: Principal) -> None:
    """The service's own door (the TUI's Activity tab calls it too): the lookup is audited
    with its filter, and a surrogate cannot be written to the log."""
    for attribute in ({"user_name": "\udcff"}, {"event_name": "Create\ud800"},
                      {"involving_user": "b\udcffb"}):
        with pytest.raises(InvalidInput, match="lone surrogate") as raised:
            service.lookup_events(root, **attribute)
        str(raised.value).encode("utf-8")
    assert service.lookup_events(root, user_name="root")


def test_credential_report_outfile_that_cannot_be_written_is_an_argument_error(
        run: Cli, tmp_path: Path) -> None:
    assert run("generate-credential-report")[0] == 0
    for outfile in (str(tmp_path), "report\x00.csv"):
        code, _, err = run("get-credential-report", "--outfile", outfile)
        assert code == cli.EXIT_BAD_ARGUMENTS and err.startswith("Cannot write the report to ")


def test_the_service_refuses_a_surrogate_in_any_operations_parameters(
        service: IamService, root: Principal) -> None:
    """Callers other than the CLI (an embedding program) pass Python strings: an operation
    whose parameters hold a surrogate (a boundary ARN, a serial number...) is refused
    before it is authorized, stored or audited, instead of an orjson TypeError when its
    audit record was written."""
    service.create_user(root, "bob")
    newest = service.audit.page(0, 1)[0]["sequence"]
    calls = [
        lambda: service.create_user(root, "eve", permissions_boundary="arn:aws:iam::\udcff"),
        lambda: service.put_user_permissions_boundary(root, "bob", "arn:aws:iam::x\ud800"),
        lambda: service.deactivate_mfa_device(root, "bob", "arn:aws:iam::1:mfa/\udcff"),
        lambda: service.delete_virtual_mfa_device(root, "arn:aws:iam::1:mfa/\udcff"),
        lambda: service.enable_mfa_device(root, "bob", "arn:\udcff", "123456", "654321"),
    ]
    for call in calls:
        with pytest.raises(ValidationError, match="without a lone surrogate") as raised:
            call()
        str(raised.value).encode("utf-8")
    assert service.audit.page(0, 1)[0]["sequence"] == newest  # refused before the audit
    assert [u.user_name for u in service.list_users(root)] == ["bob"]
