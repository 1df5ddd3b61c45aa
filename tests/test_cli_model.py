"""iamtui's copy of AWS's API model (iamtui/data/aws_cli.json and the paginators in
iamtui/commands/aws_model.py) is what botocore's service-2.json, paginators-1.json and
waiters-2.json say; and --generate-cli-skeleton prints AWS's own skeleton (AWS CLI User
Guide: "Generating AWS CLI skeleton and input files")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aws_model import dump, model

from iamtui.commands import aws_model
from iamtui.commands.params import xform_name

DATA = Path(aws_model.__file__).resolve().parent.parent / "data" / "aws_cli.json"


def test_the_data_file_is_botocores_model() -> None:
    """Regenerate with `.venv/bin/python tests/aws_model.py > iamtui/data/aws_cli.json`."""
    assert DATA.read_text(encoding="utf-8") == dump()


def test_the_paginators_are_botocores() -> None:
    ops = model()["operations"]
    expected = {c: (o["paginator"]["result_keys"], o["paginator"]["non_aggregate_keys"])
                for c, o in ops.items() if "paginator" in o}
    assert expected == aws_model.PAGINATORS


def test_member_names_become_botocores_flag_names() -> None:
    from botocore import xform_name as botocore_xform

    for op in model()["operations"].values():
        for member in op["input"]:
            assert xform_name(member) == botocore_xform(member, "-")


def test_every_paginated_command_takes_the_paging_options(cli_run) -> None:
    from iamtui.cli import build_parser
    from iamtui.commands.registry import COMMANDS

    build_parser()
    paginated = [c for c in COMMANDS if aws_model.result_keys(c) is not None]
    assert {"list-users", "list-policies", "get-group", "simulate-custom-policy"} <= set(
        paginated)
    for name in paginated:
        code, _, err = cli_run.run(name, "--max-items", "x")
        assert code == 252 and "--max-items" in err


@pytest.mark.parametrize("command", ["create-user", "simulate-custom-policy", "list-users",
                                     "put-user-policy", "create-role", "tag-user"])
def test_input_skeleton_is_awss(cli_run, command: str, monkeypatch) -> None:
    """--generate-cli-skeleton needs no required flag and prints the operation's input
    members with empty values, in the model's order."""
    import random

    import botocore.session
    from aws_model import first_enum_value
    from botocore.utils import ArgumentGenerator

    monkeypatch.setattr(random, "choice", first_enum_value)  # AWS picks an enum's at random

    service = botocore.session.get_session().get_service_model("iam")
    op = service.operation_model(aws_model.operation_name(command))
    code, out, err = cli_run.run(command, "--generate-cli-skeleton")
    assert code == 0, err
    assert out == json.dumps(ArgumentGenerator().generate_skeleton(op.input_shape),
                             indent=4) + "\n"
    code, out, _ = cli_run.run(command, "--generate-cli-skeleton", "output")
    assert code == 0


def test_cli_input_json_fills_the_flags_and_the_command_line_wins(cli_run, tmp_path) -> None:
    """--cli-input-json takes the skeleton's shape (file:// too); flags given override it;
    a member the operation lacks is refused."""
    code, skeleton, _ = cli_run.run("create-user", "--generate-cli-skeleton")
    given = json.loads(skeleton)
    given.update(UserName="alice", Path="/ops/", Tags=[{"Key": "team", "Value": "a"}])
    del given["PermissionsBoundary"]
    (tmp_path / "in.json").write_text(json.dumps(given))
    made = cli_run.as_root("create-user", "--cli-input-json", f"file://{tmp_path}/in.json",
                           "--path", "/eng/")
    assert made["User"]["UserName"] == "alice" and made["User"]["Path"] == "/eng/"
    assert cli_run.as_root("list-user-tags", "--user-name", "alice")["Tags"] == [
        {"Key": "team", "Value": "a"}]
    code, _, err = cli_run.root("get-user", "--cli-input-yaml", "UserName: alice\nFoo: 1\n")
    assert code == 252 and "Unknown parameter in input: \"Foo\"" in err
    got = cli_run.as_root("get-user", "--cli-input-yaml", "UserName: alice\n")
    assert got["User"]["Path"] == "/eng/"
    code, _, err = cli_run.root("get-group")
    assert code == 252 and "--group-name" in err
