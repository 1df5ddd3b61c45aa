"""What iamtui's CLI takes from AWS's API model of IAM, derived from botocore's own copy
(service-2.json, paginators-1.json, waiters-2.json): the test extra installs botocore, the
runtime keeps only iamtui/data/aws_cli.json, which test_cli_model checks against this.

Regenerate after adding a command that mirrors an IAM operation:

    .venv/bin/python tests/aws_model.py > iamtui/data/aws_cli.json
"""

from __future__ import annotations

import json
import sys
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
        else:
            entry["input"], entry["required"], entry["input_skeleton"] = {}, [], {}
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


if __name__ == "__main__":
    sys.stdout.write(dump_query() if sys.argv[1:] == ["query"] else dump())
