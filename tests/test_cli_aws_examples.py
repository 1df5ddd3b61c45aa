"""Scripts from the AWS CLI's own `aws iam` examples run unchanged on iamtui.

The examples are those of the AWS CLI Command Reference's `aws iam` pages (each page's
"Examples" section), read from the awscli package's copy of them (awscli/examples/iam/*.rst,
the source of those pages). Each runs in bash with `aws` meaning iamtui (`aws iam X ...` ->
`iamtui X ...`), as an administrator whose access key is in the environment, after the
entities it names were made. Its output must carry the keys of the example's own Output, and
a simulation must reach the example's decisions.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import awscli
import pytest
from credential_examples import prepare as prepare_credentials
from credential_examples import write_files as write_credential_files
from helpers import ROOT_PASSWORD, CliRunner
from saml_idp import IdP

from iamtui.commands import aws_model

EXAMPLES = Path(awscli.__file__).parent / "examples" / "iam"
ACCOUNT = "123456789012"  # the account of AWS's examples

# Examples that cannot run unchanged anywhere but the account they were written in.
NOT_HERE = {
    ("create-virtual-mfa-device", 0): "writes to C:/QRCode.png",
    ("enable-mfa-device", 0): "needs two codes of the example's own device",
    ("resync-mfa-device", 0): "needs two codes of the example's own device",
    ("deactivate-mfa-device", 0): "a device in account 210987654321",
    ("delete-access-key", 0): "the example's access key ID",
    ("update-access-key", 0): "the example's access key ID",
    ("get-access-key-last-used", 0): "the example's access key ID",
    ("untag-policy", 0): "a policy in account 452925170507",
    ("change-password", 0): "the reader edits the skeleton before the next step",
    ("change-password", 1): "the reader edits the skeleton first",
    ("create-login-profile", 0): "the reader edits the skeleton before the next step",
    ("create-login-profile", 1): "the reader edits the skeleton first",
    ("update-login-profile", 0): "a <password> placeholder for the reader to fill in",
    ("get-service-last-accessed-details", 0): "a job ID of the example's own account",
    ("get-service-last-accessed-details-with-entities", 0): "a job ID of the example's "
                                                           "own account",
    ("create-open-id-connect-provider", 1): "the reader fills in the skeleton first",
    ("remove-client-id-from-open-id-connect-provider", 0): "its first line lacks the \\",
    ("get-mfa-device", 0): "a FIDO security key (u2f/...), which iamtui does not have",
    ("get-service-linked-role-deletion-status", 0): "the example's own deletion task ID",
}

POLICY = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "*", "Resource": "*"}]}
TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
    "Action": "sts:AssumeRole"}]}


def _blocks(path: Path) -> list[tuple[str, Any]]:
    """Each `aws iam` command of a page (continuation lines joined) and its Output JSON."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found: list[tuple[str, Any]] = []
    i = 0
    while i < len(lines):
        if lines[i].strip().startswith("aws iam "):
            command = lines[i].strip()
            while command.endswith("\\"):
                i += 1
                command = command[:-1].rstrip() + " " + lines[i].strip()
            found.append((command, None))
        elif lines[i].startswith("Output::") and found and found[-1][1] is None:
            body = []
            i += 1
            while i < len(lines) and (not lines[i] or lines[i].startswith(" ")):
                body.append(lines[i])
                i += 1
            with contextlib.suppress(ValueError):  # an Output that is no JSON: not compared
                found[-1] = (found[-1][0], json.loads("\n".join(body)))
            continue
        i += 1
    return found


def _examples() -> list[Any]:
    from iamtui.commands import load
    from iamtui.commands.registry import COMMANDS

    load()
    cases = []
    for path in sorted(EXAMPLES.glob("*.rst")):
        if path.stem not in COMMANDS:
            continue
        for number, (command, output) in enumerate(_blocks(path)):
            marks = ([pytest.mark.skip(reason=NOT_HERE[(path.stem, number)])]
                     if (path.stem, number) in NOT_HERE else [])
            cases.append(pytest.param(path.stem, command, output, marks=marks,
                                      id=f"{path.stem}-{number + 1}"))
    return cases


def _options(words: list[str]) -> dict[str, str]:
    return {w: words[i + 1] for i, w in enumerate(words[:-1]) if w.startswith("--")}


def _prepare(run: CliRunner, name: str, command: str, folder: Path) -> None:
    """Make what the example takes for granted: the users, groups, roles, policies and files
    it names (not the one it creates), and the state its operation needs."""
    words = shlex.split(command)[2:]
    given = _options(words)
    for path in re.findall(r"file://([\w.-]+)", command):
        document = TRUST if "trust" in path.lower() else POLICY
        (folder / path).write_text(IdP().metadata() if path.endswith(".xml")  # SAML metadata
                                   else json.dumps(document))

    def ok(*argv: str) -> None:
        code, _, err = run.root(*argv)
        assert code == 0, (argv, err)

    user = given.get("--user-name") or (given.get("--policy-source-arn", "").split("/")[-1]
                                        or None)
    if user and name != "create-user":
        ok("create-user", "--user-name", user)
    if "--group-name" in given and name != "create-group":
        ok("create-group", "--group-name", given["--group-name"])
    if "--saml-provider-arn" in given:
        ok("create-saml-provider", "--name", given["--saml-provider-arn"].split("/")[-1],
           "--saml-metadata-document", IdP().metadata(), "--tags", "Key=DeptID,Value=123456",
           "Key=Department,Value=Accounting")
    if "--role-name" in given and name not in ("create-role", "delete-service-linked-role"):
        ok("create-role", "--role-name", given["--role-name"], "--assume-role-policy-document",
           json.dumps(TRUST))
    for flag in ("--policy-arn", "--permissions-boundary"):
        arn = given.get(flag, "")
        if arn.startswith(f"arn:aws:iam::{ACCOUNT}:policy/") and name != "create-policy":
            ok("create-policy", "--policy-name", arn.split("/")[-1], "--policy-document",
               json.dumps(POLICY))
    owner = (["--user-name", user] if "user" in name and user else
             ["--group-name", given.get("--group-name", "")] if "group" in name else
             ["--role-name", given.get("--role-name", "")])
    kind = "user" if owner[0] == "--user-name" else owner[0][2:-5]
    arn = given.get("--policy-arn", "")
    if name.startswith(("get-", "delete-")) and name.endswith(("-user-policy", "-group-policy",
                                                                  "-role-policy")):
        ok(f"put-{kind}-policy", *owner, "--policy-name", given["--policy-name"],
           "--policy-document", json.dumps(POLICY))
    if name.startswith("detach-"):
        ok(f"attach-{kind}-policy", *owner, "--policy-arn", arn)
    if name == "list-entities-for-policy":
        ok("create-user", "--user-name", "Alice")
        ok("attach-user-policy", "--user-name", "Alice", "--policy-arn", arn)
    provider = given.get("--open-id-connect-provider-arn", "")
    if provider.startswith(f"arn:aws:iam::{ACCOUNT}:oidc-provider/"):
        ok("create-open-id-connect-provider", "--url",
           "https://" + provider.split(":oidc-provider/", 1)[1], "--client-id-list", "example")
    if "--instance-profile-name" in given and name != "create-instance-profile":
        ok("create-instance-profile", "--instance-profile-name", given["--instance-profile-name"])
    if "--version-id" in given:
        ok("create-policy-version", "--policy-arn", arn, "--policy-document",
           json.dumps(POLICY))
    if name.startswith("delete-") and name.endswith("-permissions-boundary"):
        ok(f"put-{kind}-permissions-boundary", *owner, "--permissions-boundary",
           "arn:aws:iam::aws:policy/PowerUserAccess")
    extra = {
        "remove-user-from-group": [["add-user-to-group", "--user-name", "Bob", "--group-name",
                                    "Admins"]],
        "get-login-profile": [["create-login-profile", "--user-name", "Bob", "--password",
                               "Correct-Horse-9-Battery"]],
        "delete-login-profile": [["create-login-profile", "--user-name", "Bob", "--password",
                                  "Correct-Horse-9-Battery"]],
        "get-credential-report": [["generate-credential-report"]],
        "get-account-password-policy": [["update-account-password-policy",
                                         "--minimum-password-length", "12"]],
        "delete-account-password-policy": [["update-account-password-policy",
                                            "--minimum-password-length", "12"]],
        "untag-user": [["tag-user", "--user-name", "alice", "--tags",
                        "Key=Department,Value=Accounting"]],
        "untag-role": [["tag-role", "--role-name", "my-role", "--tags",
                        "Key=Department,Value=Accounting"]],
        "remove-role-from-instance-profile": [[
            "add-role-to-instance-profile", "--instance-profile-name",
            given.get("--instance-profile-name", ""), "--role-name", given.get("--role-name", "")]],
        "untag-instance-profile": [["tag-instance-profile", "--instance-profile-name",
                                    given.get("--instance-profile-name", ""), "--tags",
                                    "Key=Department,Value=Accounting"]],
        "delete-service-linked-role": [["create-service-linked-role", "--aws-service-name",
                                        "lex.amazonaws.com"]],
        "delete-virtual-mfa-device": [["create-virtual-mfa-device",
                                       "--virtual-mfa-device-name", "MFATest"]],
        "delete-account-alias": [["create-account-alias", "--account-alias", "mycompany"]],
        **{name: [["create-virtual-mfa-device", "--virtual-mfa-device-name", "alice"],
                  ["tag-mfa-device", "--serial-number", f"arn:aws:iam::{ACCOUNT}:mfa/alice",
                   "--tags", "Key=DeptID,Value=123456", "Key=Department,Value=Accounting"]]
           for name in ("tag-mfa-device", "untag-mfa-device", "list-mfa-device-tags")},
        "generate-service-last-accessed-details": [
            ["create-policy", "--policy-name", "intern-boundary", "--policy-document",
             json.dumps(POLICY)]],
        "list-policies-granting-service-access": [
            ["create-user", "--user-name", "sofia"],
            ["put-user-policy", "--user-name", "sofia", "--policy-name",
             "Grant-Sofia-Access-To-CodeCommit", "--policy-document", json.dumps(POLICY)]],
    }
    for argv in extra.get(name, []):
        ok(*argv)
    write_credential_files(folder, re.findall(r"file://([\w.-]+)", command))
    prepare_credentials(run, name, given)


@pytest.fixture
def account(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
            capsys: pytest.CaptureFixture[str]) -> CliRunner:
    """A store of AWS's example account, with an administrator's access key."""
    run = CliRunner(tmp_path, monkeypatch, capsys)
    code, _, err = run.run("init", "--account-id", ACCOUNT, "--root-password-stdin",
                           stdin=ROOT_PASSWORD + "\n")
    assert code == 0, err
    return run


@pytest.mark.skipif(shutil.which("bash") is None, reason="the examples are bash")
@pytest.mark.parametrize(("name", "command", "output"), _examples())
def test_an_aws_cli_example_runs_unchanged(account: CliRunner, tmp_path: Path, name: str,
                                           command: str, output: Any) -> None:
    folder = tmp_path / "work"
    folder.mkdir()
    _prepare(account, name, command, folder)
    key = _admin_key(account)
    env = {**os.environ, "IAMTUI_DB": str(account.db), "IAMTUI_ACCESS_KEY_ID": key[0],
           "IAMTUI_SECRET_ACCESS_KEY": key[1], "IAMTUI_CONFIG_DIR": str(account.config),
           "AWS_PAGER": ""}
    iamtui = [sys.executable, "-m", "iamtui"]
    script = (f'aws() {{ shift; {shlex.join(iamtui)} "$@"; }}\n'  # `aws iam X` -> iamtui X
              f"set -e\n{command}\n")
    done = subprocess.run(["bash", "-c", script], cwd=folder, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, (command, done.stderr)
    if isinstance(output, dict):
        answer = json.loads(done.stdout)
        # Some pages show the API's raw page; the AWS CLI itself pages a paginated
        # operation and prints neither IsTruncated nor Marker (as iamtui does)
        shown = set(output) - ({"IsTruncated", "Marker"} if aws_model.result_keys(name)
                               else set())
        assert shown <= set(answer), (command, answer)
        if name == "simulate-custom-policy":  # a principal's decisions need its policies
            assert [r["EvalDecision"] for r in answer["EvaluationResults"]] == [
                r["EvalDecision"] for r in output["EvaluationResults"]]


def _admin_key(run: CliRunner) -> tuple[str, str]:
    """An administrator's access key pair, for the examples to run as."""
    run.as_root("create-user", "--user-name", "example-admin")
    run.as_root("attach-user-policy", "--user-name", "example-admin", "--policy-arn",
                "arn:aws:iam::aws:policy/AdministratorAccess")
    key = run.as_root("create-access-key", "--user-name", "example-admin")["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]
