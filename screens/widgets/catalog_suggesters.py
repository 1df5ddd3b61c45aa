"""Input suggesters from AWS's action catalog (Service Authorization Reference)."""

from __future__ import annotations

from textual.suggester import Suggester

from iamtui.policy.completion import complete_resource


class ResourceSuggester(Suggester):
    """Completes the last ARN of a comma- or space-separated list with the ARN formats of
    its service (`arn:aws:s3:::` -> `arn:aws:s3:::${BucketName}`)."""

    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        cut = max(value.rfind(","), value.rfind(" ")) + 1
        rest = complete_resource(value[cut:])
        return value + rest if rest else None
