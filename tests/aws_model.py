"""What iamtui's CLI takes from AWS's API model of IAM, derived from botocore's own copy
(service-2.json, paginators-1.json, waiters-2.json): the test extra installs botocore, the
runtime keeps only iamtui/data/aws_cli.json, which test_cli_model checks against this.

Regenerate after adding a command that mirrors an IAM operation:

    .venv/bin/python tests/aws_model.py > iamtui/data/aws_cli.json
"""

from __future__ import annotations

import json
import re
import sys
import xml.dom.minidom
import xml.parsers.expat
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _shape(shape: Any) -> Any:
    """A member's type, compact: "string", "blob", ..., or [item], or {"member": type},
    or {"map": [key, value]}; enough to tell JSON-typed, blob and scalar parameters apart."""
    if shape.type_name == "structure":
        return {name: _shape(m) for name, m in shape.members.items()}
    if shape.type_name == "list":
        return [_shape(shape.member)]
    if shape.type_name == "map":
        return {"map": [_shape(shape.key), _shape(shape.value)]}
    return shape.type_name


def first_enum_value(items: Any) -> Any:
    """botocore's skeletons pick an enum's value at random; the data file takes the first."""
    return items[0]


# ------------------------------------------------------------- the yaml-input skeleton
#
# AWS CLI v2's `--generate-cli-skeleton yaml-input` puts a comment after each member: "[REQUIRED]"
# if it is, the first sentence of its documentation (markup stripped, cut at the first "." or
# ":", line breaks made spaces), and an enum's "Valid values are: a, b.".

_SENTENCE_END = re.compile(r"[.:]+")


def doc_overview(documentation: str) -> str:
    """The first sentence of a shape's documentation, as v2's get_shape_doc_overview."""
    try:
        dom = xml.dom.minidom.parseString(f"<doc>{documentation}</doc>")
        text = "".join(_texts(dom))
    except xml.parsers.expat.ExpatError:
        text = documentation  # not well-formed markup: taken as it is
    text = _SENTENCE_END.split(text, maxsplit=1)[0]
    text = text + "." if text else text
    return text.replace("\n", " ").replace("\u2028", " ")


def _texts(node: Any) -> list[str]:
    return [part for child in node.childNodes
            for part in ([child.data] if child.nodeType == node.TEXT_NODE else _texts(child))]


def member_comment(structure: Any, name: str, member: Any) -> str:
    """The comment v2 writes after a structure's member (without its "# "), or ""."""
    parts = ["[REQUIRED]"] if name in structure.required_members else []
    parts.append(doc_overview(member.documentation))
    if getattr(member, "enum", None):
        parts.append(f"Valid values are: {', '.join(member.enum)}.")
    comment = " ".join(parts)
    return "" if comment.isspace() else comment


def yaml_input(shape: Any, stack: list[str] | None = None) -> Any:
    """The yaml-input skeleton of `shape`, compact, as iamtui.commands.skeletons reads it:
    {"S": [[member, node, comment], ...]} a structure (empty where it recurses), {"L": node}
    a list of one, {"M": node} a map {KeyName: node}, {"B": 1} a blob, {"T": 1} a
    timestamp; else the placeholder value itself ("", an enum's first value, 0, 0.0, true)."""
    stack = [] if stack is None else stack
    stack.append(shape.name)
    try:
        kind = shape.type_name
        if kind == "structure":
            if stack.count(shape.name) > 1:
                return {"S": []}
            return {"S": [[name, yaml_input(member, stack), member_comment(shape, name, member)]
                          for name, member in shape.members.items()]}
        if kind == "list":
            return {"L": yaml_input(shape.member, stack)}
        if kind == "map":
            return {"M": yaml_input(shape.value, stack)}
        if kind in ("blob", "timestamp"):
            return {kind[0].upper(): 1}
        if kind == "string":
            return shape.enum[0] if shape.enum else ""
        return {"integer": 0, "long": 0, "float": 0.0, "double": 0.0, "boolean": True}[kind]
    finally:
        stack.pop()


def model() -> dict[str, Any]:
    """For each IAM operation, by its CLI name: AWS's operation name, its input members
    (types, required ones), skeletons, and its paginator; then IAM's waiters. Every
    operation, not only the commands iamtui has, so that a new command finds its own."""
    import random
    from unittest import mock

    # awscli first: it brings its own botocore and models, those the AWS CLI itself runs on,
    # and importing it after botocore would mix the two
    import awscli.formatter  # noqa: F401
    import botocore.session
    from awscli.utils import json_encoder
    from botocore import xform_name
    from botocore.utils import ArgumentGenerator

    patch = mock.patch.object(random, "choice", first_enum_value)
    patch.start()
    try:
        return _model(botocore, xform_name, ArgumentGenerator, json_encoder)
    finally:
        patch.stop()


def _model(botocore: Any, xform_name: Any, ArgumentGenerator: Any, json_encoder: Any
           ) -> dict[str, Any]:
    session = botocore.session.get_session()
    service = session.get_service_model("iam")
    paginators = session.get_paginator_model("iam")._paginator_config
    by_cli_name = {xform_name(op, "-"): op for op in service.operation_names}
    operations: dict[str, Any] = {}
    for command in sorted(by_cli_name):
        name = by_cli_name[command]
        op = service.operation_model(name)
        entry: dict[str, Any] = {"operation": name}
        if op.input_shape is not None:
            entry["input"] = {m: _shape(s) for m, s in op.input_shape.members.items()}
            entry["required"] = list(op.input_shape.required_members)
            entry["input_skeleton"] = ArgumentGenerator().generate_skeleton(op.input_shape)
            entry["yaml_input"] = yaml_input(op.input_shape)
        else:
            entry["input"], entry["required"], entry["input_skeleton"] = {}, [], {}
            entry["yaml_input"] = {"S": []}
        output = (ArgumentGenerator(use_member_names=True).generate_skeleton(op.output_shape)
                  if op.output_shape is not None else {})
        entry["output_skeleton"] = json.loads(json.dumps(output, default=json_encoder))
        if name in paginators:
            config = paginators[name]
            keys = config["result_key"]
            entry["paginator"] = {"result_keys": keys if isinstance(keys, list) else [keys],
                                  "non_aggregate_keys": config.get("non_aggregate_keys", [])}
        operations[command] = entry
    waiters = session.get_waiter_model("iam")
    return {"operations": operations, "waiters": {
        xform_name(w, "-"): {"operation": waiters.get_waiter(w).operation,
                             "delay": waiters.get_waiter(w).delay,
                             "max_attempts": waiters.get_waiter(w).max_attempts,
                             "acceptors": [{"state": a.state, "matcher": a.matcher,
                                            "expected": a.expected,
                                            **({"argument": a.argument} if a.argument else {})}
                                           for a in waiters.get_waiter(w).acceptors]}
        for w in waiters.waiter_names}}


def dump() -> str:
    """The data file's text."""
    return json.dumps(model(), separators=(",", ":")) + "\n"




def query_models() -> dict[str, Any]:
    """IAM's and STS's service-2.json as `iamtui serve` reads them (iamtui/data/aws_query.json):
    the metadata, operations and shapes, without the documentation, which is most of the
    text and none of the protocol. Regenerate with `python tests/aws_model.py query`."""
    import awscli  # noqa: F401  (its botocore and models, as in model())
    import botocore.session

    loader = botocore.session.get_session().get_component("data_loader")

    def strip(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items()
                    if k not in ("documentation", "documentationUrl", "examples")}
        if isinstance(node, list):
            return [strip(v) for v in node]
        return node

    return {name: strip(loader.load_service_model(name, "service-2"))
            for name in ("iam", "sts")}


def dump_query() -> str:
    """The text of iamtui/data/aws_query.json."""
    return json.dumps(query_models(), separators=(",", ":")) + "\n"


# ------------------------------------------------------------- answers against the model

_SCALARS = {"string": str, "integer": int, "long": int, "boolean": bool, "double": float,
            "float": float, "timestamp": str}


def output_problems(operation: str, answer: Any) -> list[str]:
    """Where `answer` (a command's JSON, as printed) departs from the operation's output
    shape in AWS's model: unknown or missing required members, wrong types, values outside
    an enum. [] when it conforms."""
    import awscli.formatter  # noqa: F401  (its botocore, as model() uses)
    import botocore.session

    shape = botocore.session.get_session().get_service_model("iam").operation_model(
        operation).output_shape
    problems: list[str] = []
    if shape is None:
        return [] if answer in ({}, None) else [f"{operation} has no output: {answer!r}"]
    _conform(shape, answer, operation, problems)
    return problems


def _conform(shape: Any, value: Any, where: str, problems: list[str]) -> None:
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            problems.append(f"{where}: {value!r} is no structure")
            return
        for name in shape.required_members:
            if name not in value:
                problems.append(f"{where}: required {name} missing")
        for name, member in value.items():
            if name not in shape.members:
                problems.append(f"{where}: {name} is no member of {shape.name}")
            else:
                _conform(shape.members[name], member, f"{where}.{name}", problems)
    elif kind == "list":
        if not isinstance(value, list):
            problems.append(f"{where}: {value!r} is no list")
            return
        for i, item in enumerate(value):
            _conform(shape.member, item, f"{where}[{i}]", problems)
    elif kind == "map":
        if not isinstance(value, dict):
            problems.append(f"{where}: {value!r} is no map")
            return
        for key, item in value.items():
            _conform(shape.key, key, f"{where} key", problems)
            _conform(shape.value, item, f"{where}[{key}]", problems)
    elif shape.name == "policyDocumentType" and isinstance(value, dict):
        return  # botocore's json_decode_policies hands the AWS CLI policy documents as JSON
    else:
        expected = _SCALARS.get(kind, str)
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            problems.append(f"{where}: {value!r} is no {kind}")
        elif getattr(shape, "enum", None) and value not in shape.enum:
            problems.append(f"{where}: {value!r} is not one of {shape.enum}")


def _encoded_documents(value: Any) -> Any:
    """`value` with policy documents as the API sends them (JSON text): the AWS CLI, and
    iamtui, print them decoded, where the model's shape says string."""
    if isinstance(value, dict):
        return {k: json.dumps(v) if k.endswith("Document") and not isinstance(v, str)
                else _encoded_documents(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_encoded_documents(v) for v in value]
    return value


def output_errors(operation: str, data: dict[str, Any]) -> str:
    """What in `data`, a command's JSON answer, is not the output shape AWS's model gives
    the operation (`operation` is AWS's name: "GetInstanceProfile"): unknown members,
    missing required ones, wrong types. "" when it conforms."""
    import awscli.formatter  # noqa: F401  (the AWS CLI's own botocore, as in model())
    import botocore.session
    from botocore.validate import ParamValidator

    shape = botocore.session.get_session().get_service_model("iam").operation_model(
        operation).output_shape
    if shape is None:
        return "" if not data else f"{operation} has no output, got {data}"
    report = ParamValidator().validate(_encoded_documents(data), shape)
    return report.generate_report() if report.has_errors() else ""


if __name__ == "__main__":
    sys.stdout.write(dump_query() if sys.argv[1:] == ["query"] else dump())
