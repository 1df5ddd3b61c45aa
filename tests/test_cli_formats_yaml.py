"""`--output yaml`, `--output yaml-stream` and `--generate-cli-skeleton yaml-input`, byte for
byte as AWS CLI v2 writes them (tests/aws_v2.py is the judge: v2's formatter and skeleton
generator over ruamel.yaml). AWS CLI User Guide: "Setting the output format" (yaml,
yaml-stream) and "Generating AWS CLI skeleton and input files" (yaml-input).
"""

from __future__ import annotations

import enum
from typing import Any

import awscli.formatter  # noqa: F401  (first: its botocore, the data file's, is the judge's)
import jmespath
import pytest
from aws_v2 import v2_yaml, v2_yaml_input_skeleton, v2_yaml_stream
from helpers import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_cli_habits import _KEY, RESPONSES, botocore_page_iterator

from iamtui.commands import aws_model, paging
from iamtui.commands.formats import format_yaml
from iamtui.commands.output import yaml_stream

QUERIES = [None, "Users", "Users[].UserName", "IsTruncated", "Marker", "Users[0]",
           "{n: Users[0].UserName, more: IsTruncated}", "Nothing"]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(RESPONSES, st.dictionaries(_KEY, RESPONSES, max_size=5)))
def test_yaml_output_is_the_aws_cli_v2s(data: Any) -> None:
    """Block style, keys sorted, YAML 1.2 quoting (`on`, `yes` stay plain), libyaml's line
    folding, wide text kept; a scalar (a --query's) as JSON; {} as nothing."""
    assert format_yaml(data) == v2_yaml(data)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(RESPONSES, st.dictionaries(_KEY, RESPONSES, max_size=5)),
       st.sampled_from(QUERIES))
def test_yaml_stream_of_an_unpaginated_answer_is_the_aws_cli_v2s(data: Any,
                                                                  query: str | None) -> None:
    """One item, the answer queried; nothing when that is {}."""
    compiled = jmespath.compile(query) if query else None
    assert "".join(yaml_stream([data], compiled, paginated=False)) == \
        v2_yaml_stream(data, compiled, paginated=False)


def _botocore_pages(answer: dict[str, Any], **config: Any) -> Any:
    """The pages botocore's paginator yields over the same API calls."""
    return botocore_page_iterator(answer, ["Users"], [], **config)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 40), st.one_of(st.none(), st.integers(1, 12)),
       st.one_of(st.none(), st.integers(1, 50)), st.sampled_from(QUERIES), st.booleans())
def test_yaml_stream_writes_each_page_as_v2_does(count: int, page_size: int | None,
                                                 max_items: int | None, query: str | None,
                                                 resume: bool) -> None:
    """Each page as the paginator yields it (IsTruncated and Marker included, the last one
    cut at --max-items, the first where --starting-token stopped), --query applied to each
    page, each an item of its own; no NextToken line."""
    answer = {"Users": [{"UserName": f"u{i}", "Path": "/"} for i in range(count)],
              "IsTruncated": False}
    token = None
    if resume and max_items:
        token = paging.paginate(answer, ["Users"], [], max_items=max_items,
                                page_size=page_size).get("NextToken")
    compiled = jmespath.compile(query) if query else None
    ours = "".join(yaml_stream(paging.PageIterator(
        answer, ["Users"], max_items=max_items, starting_token=token, page_size=page_size),
        compiled, paginated=True))
    theirs = v2_yaml_stream(_botocore_pages(answer, MaxItems=max_items, StartingToken=token,
                                            PageSize=page_size), compiled, paginated=True)
    assert ours == theirs


class _Decision(enum.StrEnum):
    ALLOWED = "allowed"


def test_strings_of_str_subclasses_and_lone_surrogates_write_cleanly() -> None:
    """A StrEnum (a decision) is its value; a lone surrogate, which no UTF-8 writer takes
    (v2 would fail), is its escape; controls are YAML escapes, never raw."""
    assert format_yaml({"EvalDecision": _Decision.ALLOWED}) == "EvalDecision: allowed\n"
    assert format_yaml({"_Decision": [_Decision.ALLOWED]}) == "_Decision:\n- allowed\n"
    assert format_yaml({"UserName": "a\ud800b"}) == "UserName: a\\ud800b\n"
    assert format_yaml({"UserName": "\x1b[31mred"}) == 'UserName: "\\e[31mred"\n'
    assert format_yaml("a\ud800") == '"a\\ud800"\n'


# ------------------------------------------------------------------------ the commands


@pytest.fixture
def users(cli_run: CliRunner) -> CliRunner:
    for name in ("alice", "bob", "carol", "on", "yes"):
        cli_run.as_root("create-user", "--user-name", name)
    return cli_run


def test_yaml_of_a_command_is_v2s_over_its_json_answer(users: CliRunner) -> None:
    """--output yaml prints what v2 prints for the JSON answer, --query included."""
    for query in ([], ["--query", "Users[].UserName"], ["--query", "Users[0].UserName"]):
        data = users.as_root("list-users", *query)
        code, out, err = users.root("list-users", "--output", "yaml", *query)
        assert code == 0, err
        assert out == v2_yaml(data)
    assert "- on\n- yes\n" in users.root("list-users", "--output", "yaml", "--query",
                                         "Users[].UserName")[1]


def test_yaml_stream_of_a_command_prints_each_page(users: CliRunner) -> None:
    """list-users --page-size 2 --output yaml-stream: three pages, each as v2 writes it, the
    query applied per page; --max-items cuts the last page and adds no NextToken."""
    answer = {"Users": users.as_root("list-users")["Users"], "IsTruncated": False}
    for extra, config in ((["--page-size", "2"], {"PageSize": 2}),
                          (["--page-size", "2", "--max-items", "3"],
                           {"PageSize": 2, "MaxItems": 3})):
        for query in (None, "Users[].UserName"):
            flags = [*extra, *(["--query", query] if query else [])]
            code, out, err = users.root("list-users", "--output", "yaml-stream", *flags)
            assert code == 0, err
            compiled = jmespath.compile(query) if query else None
            assert out == v2_yaml_stream(_botocore_pages(answer, **config), compiled,
                                         paginated=True)
    out = users.root("list-users", "--output", "yaml-stream", "--page-size", "2")[1]
    assert out.count("- IsTruncated:") == 3 and "NextToken" not in out


def test_yaml_stream_writes_a_page_before_the_next_is_cut(
        users: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    """As v2 streams: each page is written (and flushed) as the paginator yields it."""
    seen_before: list[str] = []
    real_page = paging.server_page

    def watched(data: dict[str, Any], keys: list[str], marker: str | None,
                max_items: int) -> dict[str, Any]:
        seen_before.append(users.capsys.readouterr().out if marker else "")
        return real_page(data, keys, marker, max_items)

    monkeypatch.setattr(paging, "server_page", watched)
    code, _, err = users.root("list-users", "--output", "yaml-stream", "--page-size", "2")
    assert code == 0, err
    assert [s.count("- IsTruncated:") for s in seen_before] == [0, 1, 1]


def test_yaml_stream_of_an_answerless_command_prints_nothing(users: CliRunner) -> None:
    code, out, _ = users.root("tag-user", "--user-name", "bob", "--tags", "Key=a,Value=b",
                                "--output", "yaml-stream")
    assert (code, out) == (0, "")
    out = users.root("get-user", "--user-name", "bob", "--output", "yaml-stream")[1]
    assert out.startswith("- User:\n")


# ------------------------------------------------------------------------ the skeleton


def _service_model() -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model("iam")


def test_the_yaml_input_skeleton_of_every_iam_command_is_v2s(cli_run: CliRunner) -> None:
    """For each command that mirrors an IAM operation: the members in the model's order, a
    comment with [REQUIRED], the first sentence of AWS's documentation and an enum's valid
    values, lists of one, maps as KeyName, nested structures indented under their list."""
    from iamtui.commands.registry import COMMANDS

    service = _service_model()
    mirrored = [c for c in COMMANDS if aws_model.operation(c) is not None]
    assert len(mirrored) > 80
    for command in mirrored:
        code, out, err = cli_run.run(command, "--generate-cli-skeleton", "yaml-input")
        assert code == 0, err
        op = service.operation_model(aws_model.operation_name(command))
        assert out == v2_yaml_input_skeleton(op.input_shape), command


def test_the_yaml_input_skeleton_reads_as_aws_cli_v2_writes_it(cli_run: CliRunner) -> None:
    """The lines the AWS CLI v2 prints for create-user (its Command Reference's skeleton)."""
    out = cli_run.run("create-user", "--generate-cli-skeleton", "yaml-input")[1]
    assert out.splitlines()[:2] == [
        "Path: ''  #  The path for the user name.",
        "UserName: '' # [REQUIRED] The name of the user to create."]
    assert "- Key: ''  # [REQUIRED] The key name" in out
    out = cli_run.run("simulate-custom-policy", "--generate-cli-skeleton", "yaml-input")[1]
    assert "  ContextKeyType: string # The data type of the value (or values) specified in " \
           "the ContextKeyValues parameter. Valid values are: string, stringList," in out


def test_a_filled_yaml_skeleton_runs_the_command(cli_run: CliRunner, tmp_path: Any) -> None:
    """The skeleton, filled in, is --cli-input-yaml's input; read as YAML 1.2 as v2 reads it
    (a user named `on` is the string, not a boolean)."""
    out = cli_run.run("create-user", "--generate-cli-skeleton", "yaml-input")[1]
    lines = [line for line in out.splitlines()
             if line.startswith(("Path:", "UserName:"))]
    filled = "\n".join(lines).replace("UserName: ''", "UserName: on").replace(
        "Path: ''", "Path: /ops/") + "\n"
    created = cli_run.as_root("create-user", "--cli-input-yaml", filled)
    assert (created["User"]["UserName"], created["User"]["Path"]) == ("on", "/ops/")


def test_a_query_that_fails_on_the_answer_is_an_error_not_a_traceback(users: CliRunner) -> None:
    """`length(Foo)` compiles but fails on the data (jmespath raises at search): the AWS CLI
    prints the message and exits 255; in every format, yaml-stream's pages included."""
    for output in ("json", "text", "yaml", "yaml-stream"):
        code, _, err = users.root("list-users", "--output", output, "--query", "length(Foo)")
        assert code == 255 and "In function length(), invalid type" in err
        assert "Traceback" not in err
