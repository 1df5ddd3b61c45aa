"""AWS's query protocol, as IAM and STS speak it, driven by their API models.

One generic parser turns a form-encoded request (`Action`, `Version`, lists as
`Name.member.N`, maps as `Name.entry.N.key` / `.value`, structures as `Name.Member`) into the
operation's input in the model's member names, the mapping `--cli-input-json` takes; one
generic writer turns a command's JSON response into `<{Op}Response><{Op}Result>...` XML, and
an error into `<ErrorResponse><Error><Type>/<Code>/<Message>` with the model's HTTP status.

The models are botocore's service-2.json for IAM and STS without their documentation
(iamtui/data/aws_query.json, made by tests/aws_model.py; test_serve checks it still matches).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from datetime import datetime
from functools import cache
from typing import Any
from urllib.parse import quote
from xml.etree import ElementTree as ET

from iamtui.errors import IamError

SERVICES = ("iam", "sts")


class QueryError(IamError):
    """A request the protocol cannot take; `code` is the one AWS answers with."""

    http_status = 400

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.http_status = code, status


@cache
def models() -> dict[str, Any]:
    """IAM's and STS's service models, by endpoint prefix (read on first use)."""
    path = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", "aws_query.json")
    with open(path, encoding="utf-8") as file:
        return json.load(file)


def operation_model(service: str, action: str) -> dict[str, Any]:
    """The model of `action` in `service`; InvalidAction when the service has no such one."""
    found = models()[service]["operations"].get(action)
    if found is None:
        raise QueryError("InvalidAction", f"Could not find operation {action} for version "
                         f"{models()[service]['metadata']['apiVersion']}")
    return found


def service_of(action: str) -> str | None:
    """Which of IAM and STS has the operation `action` (None: neither)."""
    return next((s for s in SERVICES if action in models()[s]["operations"]), None)


# --------------------------------------------------------------------------- requests


def parse_request(service: str, form: Mapping[str, str]) -> tuple[str, dict[str, Any]]:
    """The operation a query request calls and its input, in the model's member names."""
    action = form.get("Action")
    if not action:
        raise QueryError("MissingAction", "Missing Action")
    model = models()[service]
    version = form.get("Version")
    if version != model["metadata"]["apiVersion"]:
        raise QueryError("InvalidParameterValue" if version else "MissingParameter",
                         f"Version must be {model['metadata']['apiVersion']}, got "
                         f"{version!r}" if version else "The request must contain the "
                         "parameter Version")
    op = operation_model(service, action)
    if "input" not in op:
        return action, {}
    # every dotted prefix of every key once, so that presence tests are O(1)
    prefixes = {key.rsplit(".", n)[0] for key in form for n in range(key.count(".") + 1)}
    return action, _parse(model["shapes"], op["input"]["shape"], "", form, prefixes)


def _parse(shapes: Mapping[str, Any], name: str, prefix: str, form: Mapping[str, str],
           prefixes: set[str]) -> Any:
    shape = shapes[name]
    kind = shape["type"]
    if kind == "structure":
        out: dict[str, Any] = {}
        for member, ref in shape.get("members", {}).items():
            key = f"{prefix}.{member}" if prefix else member
            if key in prefixes:
                out[member] = _parse(shapes, ref["shape"], key, form, prefixes)
        return out
    if kind == "list":
        items, n = [], 1
        while f"{prefix}.member.{n}" in prefixes:
            items.append(_parse(shapes, shape["member"]["shape"], f"{prefix}.member.{n}",
                                form, prefixes))
            n += 1
        return items
    if kind == "map":
        entries, n = {}, 1
        while f"{prefix}.entry.{n}" in prefixes:
            base = f"{prefix}.entry.{n}"
            key = _parse(shapes, shape["key"]["shape"], f"{base}.key", form, prefixes)
            entries[key] = _parse(shapes, shape["value"]["shape"], f"{base}.value", form,
                                  prefixes)
            n += 1
        return entries
    text = form.get(prefix, "")
    if kind in ("integer", "long"):
        try:
            return int(text)
        except ValueError:
            raise QueryError("ValidationError", f"Value '{text}' at '{prefix}' failed to "
                             "satisfy constraint: Member must be a number") from None
    if kind == "boolean":
        if text not in ("true", "false"):
            raise QueryError("ValidationError", f"Value '{text}' at '{prefix}' failed to "
                             "satisfy constraint: Member must be true or false")
        return text == "true"
    return text  # strings, timestamps and blobs travel as text


# -------------------------------------------------------------------------- responses

_POLICY_DOCUMENT = "policyDocumentType"  # IAM sends these URL-encoded (API reference)


def response_xml(service: str, action: str, data: Mapping[str, Any], request_id: str) -> bytes:
    """A successful response: the result shaped by the operation's output model."""
    model = models()[service]
    op = operation_model(service, action)
    root = ET.Element(f"{action}Response", xmlns=model["metadata"]["xmlNamespace"])
    output = op.get("output")
    if output is not None:
        result = ET.SubElement(root, output.get("resultWrapper", f"{action}Result"))
        _write(model["shapes"], output["shape"], result, data)
    meta = ET.SubElement(root, "ResponseMetadata")
    ET.SubElement(meta, "RequestId").text = request_id
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _write(shapes: Mapping[str, Any], name: str, element: ET.Element, value: Any) -> None:
    shape = shapes[name]
    kind = shape["type"]
    if kind == "structure":
        for member, ref in shape.get("members", {}).items():
            if isinstance(value, Mapping) and value.get(member) is not None:
                child = ET.SubElement(element, ref.get("locationName", member))
                _write(shapes, ref["shape"], child, value[member])
    elif kind == "list":
        ref = shape["member"]
        for item in value:
            _write(shapes, ref["shape"], ET.SubElement(element, ref.get("locationName",
                                                                        "member")), item)
    elif kind == "map":
        for key, item in value.items():
            entry = ET.SubElement(element, "entry")
            _write(shapes, shape["key"]["shape"], ET.SubElement(entry, "key"), key)
            _write(shapes, shape["value"]["shape"], ET.SubElement(entry, "value"), item)
    else:
        element.text = _scalar(name, kind, value)


def _scalar(name: str, kind: str, value: Any) -> str:
    if kind == "boolean":
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if name == _POLICY_DOCUMENT:  # the CLI shows it decoded; the wire carries it encoded
        text = value if isinstance(value, str) else json.dumps(value, indent=4)
        return quote(text, safe="")
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def error_status(service: str, code: str, default: int) -> tuple[int, bool]:
    """The HTTP status the model gives error `code` and whether it is the sender's fault."""
    for shape in models()[service]["shapes"].values():
        error = shape.get("error")
        if error and error.get("code") == code:
            status = error.get("httpStatusCode", default)
            return status, error.get("senderFault", status < 500)
    return default, default < 500


def error_xml(service: str, code: str, message: str, status: int, request_id: str
              ) -> tuple[int, bytes]:
    """An error response: its HTTP status and `<ErrorResponse>` body."""
    status, sender = error_status(service, code, status)
    root = ET.Element("ErrorResponse", xmlns=models()[service]["metadata"]["xmlNamespace"])
    error = ET.SubElement(root, "Error")
    ET.SubElement(error, "Type").text = "Sender" if sender else "Receiver"
    ET.SubElement(error, "Code").text = code
    ET.SubElement(error, "Message").text = message
    ET.SubElement(root, "RequestId").text = request_id
    return status, ET.tostring(root, encoding="utf-8", xml_declaration=True)


__all__ = ["QueryError", "error_xml", "models", "operation_model", "parse_request",
           "response_xml", "service_of"]
