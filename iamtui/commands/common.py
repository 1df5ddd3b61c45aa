"""Argument and answer shapes shared by many commands: tags, documents, key lists."""

from __future__ import annotations

import json
from collections.abc import Sequence

from iamtui.commands.registry import ArgumentError, Response
from iamtui.model import Tag, aws_tag
from iamtui.policy import load_json


def parse_tags(values: Sequence[str] | None, option: str = "--tags") -> list[Tag]:
    """`--tags Key=k,Value=v ...` (the AWS CLI's shorthand) or a JSON list of {Key, Value}."""
    tags: list[Tag] = []
    for value in values or ():
        text = value.strip()
        if text.startswith("["):
            try:
                items = load_json(text)
                tags += [Tag(str(i["Key"]), str(i.get("Value", ""))) for i in items]
            except (json.JSONDecodeError, TypeError, KeyError) as exc:
                raise ArgumentError(f"Error parsing parameter '{option}': expected a JSON list "
                                    f"of {{\"Key\": ..., \"Value\": ...}}: {exc}") from None
            continue
        fields = dict(part.split("=", 1) for part in text.split(",") if "=" in part)
        if "Key" not in fields:
            raise ArgumentError(f"Error parsing parameter '{option}': expected Key=k,Value=v, "
                                f"got {value!r}")
        tags.append(Tag(fields["Key"], fields.get("Value", "")))
    return tags


def tags_response(tags: Sequence[Tag]) -> Response:
    """A List*Tags answer (ListUserTags, ListMFADeviceTags, ...), with its table rows."""
    return Response({"Tags": [aws_tag(t) for t in tags], "IsTruncated": False},
                    table=[[t.key, t.value] for t in tags], headers=["Key", "Value"])
