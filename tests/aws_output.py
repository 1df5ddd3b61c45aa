"""Checks a command's JSON answer against the output shape of its operation in botocore's
model of IAM (service-2.json, as vendored with the AWS CLI): every member known, every
required one present, strings within their length, pattern and enum, timestamps ISO 8601."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

# AWS's API reference gives SSHPublicKey.Fingerprint a fixed length of 48, yet the MD5 it
# names, in colon-separated hex, has 47 characters (16 pairs, 15 colons): the length is
# not checked for it.
_LENGTH_EXEMPT = {("SSHPublicKey", "Fingerprint")}


def check_output(operation: str, data: Any) -> list[str]:
    """Problems of `data` as the output of IAM's `operation` (e.g. "ListSSHPublicKeys")."""
    import awscli.formatter  # noqa: F401  -- awscli first, its botocore and models
    import botocore.session

    model = botocore.session.get_session().get_service_model("iam")
    shape = model.operation_model(operation).output_shape
    problems: list[str] = []
    if shape is None:
        if data:
            problems.append(f"{operation} has no output, got {data!r}")
        return problems
    _check(shape, data, operation, None, problems)
    return problems


def _check(shape: Any, value: Any, where: str, parent: str | None,
           problems: list[str]) -> None:
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            problems.append(f"{where}: a structure expected, got {value!r}")
            return
        for name in value:
            if name not in shape.members:
                problems.append(f"{where}.{name}: not a member of {shape.name}")
        for name in shape.required_members:
            if name not in value:
                problems.append(f"{where}.{name}: required by {shape.name}, missing")
        for name, member in shape.members.items():
            if name in value:
                _check(member, value[name], f"{where}.{name}", shape.name, problems)
        return
    if kind == "list":
        if not isinstance(value, list):
            problems.append(f"{where}: a list expected, got {value!r}")
            return
        for i, item in enumerate(value):
            _check(shape.member, item, f"{where}[{i}]", parent, problems)
        return
    if kind == "timestamp":
        try:
            datetime.fromisoformat(value)
        except (TypeError, ValueError):
            problems.append(f"{where}: not an ISO 8601 timestamp: {value!r}")
        return
    if kind == "boolean":
        if not isinstance(value, bool):
            problems.append(f"{where}: a boolean expected, got {value!r}")
        return
    if kind in ("integer", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            problems.append(f"{where}: an integer expected, got {value!r}")
        return
    if kind == "blob":
        if not isinstance(value, str):
            problems.append(f"{where}: base64 text expected, got {value!r}")
        return
    if not isinstance(value, str):
        problems.append(f"{where}: a string expected, got {value!r}")
        return
    meta = shape.metadata
    member = where.rsplit(".", 1)[-1]
    too_short, too_long = len(value) < meta.get("min", 0), len(value) > meta.get("max", 1 << 62)
    if (parent, member) not in _LENGTH_EXEMPT and (too_short or too_long):
        problems.append(f"{where}: length {len(value)} outside {meta.get('min')}-"
                        f"{meta.get('max')}")
    if "enum" in meta and value not in meta["enum"]:
        problems.append(f"{where}: {value!r} not in {meta['enum']}")
    if "pattern" in meta and "\\p{" not in meta["pattern"]:
        pattern = re.sub(r"\\u([0-9A-Fa-f]{4})", lambda m: chr(int(m[1], 16)),
                         meta["pattern"])
        if re.fullmatch(pattern, value, re.ASCII | re.S) is None:
            problems.append(f"{where}: {value!r} does not match {meta['pattern']}")
