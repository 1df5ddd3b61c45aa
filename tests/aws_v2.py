"""The judge of `--output yaml`, `yaml-stream` and `--generate-cli-skeleton yaml-input`: AWS CLI
v2's behaviour (awscli/formatter.py YAMLDumper, YAMLFormatter and StreamedYAMLFormatter;
awscli/customizations/generatecliskeleton.py YAMLArgumentGenerator), written again from what
it does, over ruamel.yaml as v2 uses it. The awscli test dependency is v1, which has no YAML
output; its botocore gives the API model and the paginator the pages come from.
"""

from __future__ import annotations

import datetime
import io
import json
from collections.abc import Iterable
from typing import Any

from aws_model import member_comment
from ruamel.yaml import YAML


def _v2_dumper() -> YAML:
    yaml = YAML(typ="safe")  # libyaml's emitter when ruamel.yaml.clib is there, as in v2
    yaml.encoding = None
    yaml.representer.default_flow_style = False
    return yaml


def v2_dump(value: Any) -> str:
    """v2's YAMLDumper.dump: JSON scalars (and None) as JSON, the rest as safe YAML."""
    out = io.StringIO()
    if value is None or isinstance(value, int | float | bool | str):
        json.dump(value, out, ensure_ascii=False)
        out.write("\n")
    else:
        _v2_dumper().dump(value, out)
    return out.getvalue()


def v2_yaml(response: Any, query: Any = None) -> str:
    """YAMLFormatter: the whole (built) result, queried; nothing for {}."""
    if query is not None:
        response = query.search(response)
    return "" if response == {} else v2_dump(response)


def v2_yaml_stream(pages: Iterable[Any] | Any, query: Any = None, *,
                   paginated: bool) -> str:
    """StreamedYAMLFormatter: each page queried and written as a list of one; a response
    that is no paginator is one page, and none when it (queried) is {}."""
    def transformed(page: Any) -> Any:
        return query.search(page) if query is not None else page

    if not paginated:
        output = transformed(pages)
        return "" if output == {} else v2_dump([output])
    return "".join(v2_dump([transformed(page)]) for page in pages)


class _Bytes:
    @staticmethod
    def represent(dumper: Any, data: Any) -> Any:
        return dumper.represent_scalar("tag:yaml.org,2002:binary", "")


def v2_yaml_input_skeleton(input_shape: Any) -> str:
    """`--generate-cli-skeleton yaml-input`: the round-trip dumper over a commented map of
    the input shape's members, recursion cut, lists of one, maps {KeyName: ...}."""
    yaml = YAML()
    yaml.representer.add_representer(_Bytes, _Bytes.represent)

    def generate(shape: Any, stack: list[str]) -> Any:
        stack.append(shape.name)
        try:
            kind = shape.type_name
            if kind == "blob":
                return _Bytes()
            if kind == "structure":
                skeleton = yaml.map()
                if stack.count(shape.name) > 1:
                    return skeleton
                for name, member in shape.members.items():
                    skeleton[name] = generate(member, stack)
                    comment = member_comment(shape, name, member)
                    if comment:
                        skeleton.yaml_add_eol_comment("# " + comment, name)
                return skeleton
            if kind == "list":
                return [generate(shape.member, stack)]
            if kind == "map":
                return {"KeyName": generate(shape.value, stack)}
            if kind == "string":
                return shape.enum[0] if shape.enum else ""
            if kind == "timestamp":
                return datetime.datetime(1970, 1, 1)
            return {"integer": 0, "long": 0, "float": 0.0, "double": 0.0,
                    "boolean": True}[kind]
        finally:
            stack.pop()

    out = io.StringIO()
    yaml.dump(generate(input_shape, []) if input_shape is not None else yaml.map(), out)
    return out.getvalue()
