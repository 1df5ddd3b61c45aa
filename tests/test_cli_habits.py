"""The AWS CLI's habits, judged by the AWS CLI itself: the awscli package (a test
dependency only) formats the same answers for `--output text` and `table`, jmespath answers
`--query`, botocore's paginator pages the same lists, awscli's parser reads the same
shorthand. AWS CLI User Guide: "Setting the output format", "Filtering output"
(--query), "Using the AWS CLI pagination options", "Using shorthand syntax", "Loading
parameters from a file", "Generating AWS CLI skeleton and input files".
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import string
from typing import Any

import jmespath
import pytest
from awscli import text as aws_text
from awscli.formatter import TableFormatter
from awscli.shorthand import ShorthandParser
from botocore.paginate import PageIterator
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from iamtui.commands import paging
from iamtui.commands.formats import format_table, format_text
from iamtui.commands.shorthand import ShorthandError, parse_shorthand

# ------------------------------------------------------------------ the judges' answers


def aws_text_output(data: Any) -> str:
    out = io.StringIO()
    aws_text.format_text(data, out)
    return out.getvalue()


def aws_table_output(title: str, data: Any, colour: str = "off") -> str:
    out = io.StringIO()
    formatter = TableFormatter(argparse.Namespace(color=colour, query=None))
    formatter.table._terminal_width = 80  # what it measures when stdout is no terminal
    formatter(title, data, out)
    return out.getvalue()


# -------------------------------------------------------------------- response shapes

# Values a store holds: text without controls (iamtui escapes those, the AWS CLI does not:
# tests/test_cli_terminal.py covers that difference), wide CJK text that takes two columns,
# numbers, booleans and None.
_TEXT = st.text(alphabet=st.sampled_from(string.ascii_letters + string.digits
                                         + " :/-_.*" + "éü漢字ｱ"), max_size=12)
_SCALAR = st.one_of(_TEXT, st.integers(-5, 10**6), st.booleans(), st.none())
_KEY = st.sampled_from(["UserName", "Arn", "Path", "Tags", "Key", "Value", "IsTruncated",
                        "CreateDate", "PolicyName", "Statement", "Effect", "Users"])


def _objects(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.dictionaries(_KEY, children, max_size=5),
                     st.lists(st.dictionaries(_KEY, children, max_size=4), max_size=4),
                     st.lists(_SCALAR, max_size=4))


RESPONSES = st.recursive(_SCALAR, _objects, max_leaves=25)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(RESPONSES)
def test_text_output_is_the_aws_clis(data: Any) -> None:
    """--output text: tabs, capitalised keys for nested lists, None and True as Python
    writes them; the same bytes as the awscli formatter's."""
    assert format_text(data) == aws_text_output(data)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(_KEY, RESPONSES, max_size=5), st.sampled_from(["off", "on"]))
def test_table_output_is_the_aws_clis(data: dict[str, Any], colour: str) -> None:
    """--output table: the boxed table, its sections, widths (wide characters count two),
    the switch to key | value rows past 80 columns, and --color on; the same bytes."""
    try:
        expected = aws_table_output("ListUsers", data, colour)
    except (ValueError, IndexError, AttributeError):
        assume(False)  # shapes the AWS CLI itself cannot draw (rows of unequal lengths)
    assert format_table("ListUsers", data, width=80, colour=colour == "on") == expected


# ------------------------------------------------------------------ pagination


def botocore_page_iterator(data: dict[str, Any], keys: list[str], non_aggregate: list[str],
                           **config: Any) -> PageIterator:
    """botocore's paginator over the same API pages (`server_page` is the API)."""
    def call(**kwargs: Any) -> dict[str, Any]:
        return paging.server_page(data, keys, kwargs.get("Marker"),
                                  kwargs.get("MaxItems", paging.DEFAULT_MAX_ITEMS))

    compiled = jmespath.compile
    return PageIterator(call, ["Marker"], [compiled("Marker")], compiled("IsTruncated"),
                        [compiled(k) for k in keys], [compiled(k) for k in non_aggregate],
                        "MaxItems", config.get("MaxItems"), config.get("StartingToken"),
                        config.get("PageSize"), {})


def _botocore_pages(data: dict[str, Any], keys: list[str], non_aggregate: list[str],
                    **config: Any) -> dict[str, Any]:
    """What the AWS CLI prints: botocore's paginator's whole result."""
    return botocore_page_iterator(data, keys, non_aggregate, **config).build_full_result()


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 260), st.one_of(st.none(), st.integers(1, 120)),
       st.one_of(st.none(), st.integers(0, 300)), st.data())
def test_pagination_is_botocores(count: int, page_size: int | None, max_items: int | None,
                                 data: st.DataObject) -> None:
    """--max-items, --page-size and --starting-token give what botocore's paginator gives,
    NextToken included; following the tokens lists every item once, in order."""
    users = [{"UserName": f"u{i}"} for i in range(count)]
    answer = {"Users": users, "IsTruncated": False}
    token = None
    seen: list[Any] = []
    for _ in range(count + 2):
        ours = paging.paginate(answer, ["Users"], [], max_items=max_items,
                               starting_token=token, page_size=page_size)
        theirs = _botocore_pages(answer, ["Users"], [], MaxItems=max_items,
                                 StartingToken=token, PageSize=page_size)
        assert ours == theirs
        assert list(ours) == list(theirs)  # the same key order
        seen += ours.get("Users", [])
        token = ours.get("NextToken")
        if token is None or not max_items:
            break
    if max_items != 0:
        assert seen == users
    assert "Marker" not in ours and "IsTruncated" not in ours


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 30), st.integers(0, 30), st.integers(0, 30),
       st.one_of(st.none(), st.integers(1, 25)), st.one_of(st.none(), st.integers(1, 40)))
def test_pagination_of_several_result_keys_is_botocores(groups: int, users: int, roles: int,
                                                        page_size: int | None,
                                                        max_items: int | None) -> None:
    """list-entities-for-policy pages three lists; get-group keeps its Group from the first
    page (its paginator's non_aggregate_keys)."""
    answer = {"PolicyGroups": [{"GroupName": f"g{i}"} for i in range(groups)],
              "PolicyUsers": [{"UserName": f"u{i}"} for i in range(users)],
              "PolicyRoles": [{"RoleName": f"r{i}"} for i in range(roles)],
              "IsTruncated": False}
    keys = ["PolicyGroups", "PolicyUsers", "PolicyRoles"]
    ours = paging.paginate(answer, keys, [], max_items=max_items, page_size=page_size)
    assert ours == _botocore_pages(answer, keys, [], MaxItems=max_items, PageSize=page_size)
    group = {"Group": {"GroupName": "g"}, "Users": answer["PolicyUsers"], "IsTruncated": False}
    ours = paging.paginate(group, ["Users"], ["Group"], max_items=max_items,
                           page_size=page_size)
    theirs = _botocore_pages(group, ["Users"], ["Group"], MaxItems=max_items,
                             PageSize=page_size)
    assert ours == theirs and list(ours) == list(theirs)


def test_next_token_is_the_aws_clis_format() -> None:
    """NextToken is base64 of {"Marker": ..., "boto_truncate_amount": ...}."""
    answer = {"Users": [{"UserName": f"u{i}"} for i in range(5)]}
    token = paging.paginate(answer, ["Users"], [], max_items=2)["NextToken"]
    assert json.loads(base64.b64decode(token)) == {"Marker": None, "boto_truncate_amount": 2}


# ------------------------------------------------------------------ shorthand

_SH_KEY = st.sampled_from(["Key", "Value", "ContextKeyName", "ContextKeyValues",
                           "ContextKeyType", "a", "b-c", "d.e"])
_SH_WORD = st.text(alphabet=string.ascii_letters + string.digits + ":/*-_.@ ", min_size=1,
                   max_size=8).map(str.strip).filter(bool)


def _sh_value(depth: int) -> st.SearchStrategy[str]:
    words = st.one_of(_SH_WORD, _SH_WORD.map(lambda w: f"'{w},x'"),
                      _SH_WORD.map(lambda w: f'"{w}"'), _SH_WORD.map(lambda w: w + "\\,y"))
    if depth == 0:
        return words
    inner = _sh_value(depth - 1)
    return st.one_of(
        words,
        st.lists(words, min_size=2, max_size=3).map(",".join),
        st.lists(inner, max_size=3).map(lambda v: "[" + ",".join(v) + "]"),
        st.lists(st.tuples(_SH_KEY, inner), max_size=3, unique_by=lambda kv: kv[0]).map(
            lambda kvs: "{" + ",".join(f"{k}={v}" for k, v in kvs) + "}"))


SHORTHAND = st.lists(st.tuples(_SH_KEY, _sh_value(2)), min_size=1, max_size=4,
                     unique_by=lambda kv: kv[0]).map(
    lambda kvs: ",".join(f"{k}={v}" for k, v in kvs))


@settings(max_examples=500, deadline=None)
@given(st.one_of(SHORTHAND, st.text(alphabet="ab=,[]{}'\" \\", max_size=14)))
def test_shorthand_is_the_aws_clis(text: str) -> None:
    """The same structure as awscli's ShorthandParser, and an error where it has one."""
    try:
        expected = ShorthandParser().parse(text)
    except Exception:
        expected = None
    try:
        ours = parse_shorthand(text)
    except (ShorthandError, ValueError):
        ours = None
    assert ours == expected


# ------------------------------------------------------------------ query


@pytest.mark.parametrize("query", ["Users[].UserName", "Users[?Path=='/'].Arn | [0]",
                                   "length(Users)", "{names: Users[].UserName}",
                                   "Users[0]", "NoSuchKey"])
def test_query_is_jmespath_over_the_whole_result(cli_run, query: str) -> None:
    """--query runs on the whole result after pagination, then the output format."""
    for name in ("alice", "bob", "carol"):
        cli_run.root("create-user", "--user-name", name)
    whole = json.loads(cli_run.root("list-users")[1])
    code, out, err = cli_run.root("list-users", "--query", query, "--page-size", "1")
    assert code == 0, err
    expected = jmespath.search(query, whole)
    assert json.loads(out) == expected
    code, out, _ = cli_run.root("list-users", "--query", query, "--output", "text")
    assert out == aws_text_output(expected)


def test_a_bad_query_is_a_usage_error(cli_run) -> None:
    code, _, err = cli_run.root("list-users", "--query", "Users[")
    assert code == 252 and "Bad value for --query" in err


# ------------------------------------------------------------------ start-up
# (yaml and yaml-stream: tests/test_cli_formats_yaml.py)


def test_a_json_command_loads_neither_jmespath_nor_ruamel_nor_awscli() -> None:
    """The habits cost a one-shot command nothing it does not use (bench/startup.py)."""
    import subprocess
    import sys

    code = (
        "import sys, contextlib, io, iamtui.cli\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    iamtui.cli.main(['simulate-custom-policy', '--policy-input-list', "
        "'{\"Statement\":[]}', '--action-names', 's3:GetObject'])\n"
        "heavy = ('jmespath', 'yaml', 'ruamel', 'awscli', 'botocore', 'base64')\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in heavy)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == ""
