"""Input suggesters from AWS's action catalog (Service Authorization Reference)."""

from __future__ import annotations

from collections.abc import Callable

from textual.suggester import Suggester

from iamtui.policy import catalog
from iamtui.policy.completion import arn_formats, complete_condition_key, complete_resource


def _last_word(value: str) -> int:
    """Where the last word of a comma- or space-separated list starts."""
    return max(value.rfind(","), value.rfind(" ")) + 1


class ResourceSuggester(Suggester):
    """Completes the last ARN of a comma- or space-separated list with the ARN formats of
    the actions `actions()` returns (`a` -> `arn:aws:s3:::${BucketName}/${ObjectName}` for
    s3:GetObject), or, when they say nothing, of the ARN's service."""

    def __init__(self, actions: Callable[[], list[str]] = list) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.actions = actions

    async def get_suggestion(self, value: str) -> str | None:
        cut = _last_word(value)
        actions = self.actions()
        formats = arn_formats(actions) if actions else None
        rest = complete_resource(value[cut:], formats or None)
        return value + rest if rest else None


class ConditionKeySuggester(Suggester):
    """Completes a condition key with the keys the actions `actions()` return support,
    and the global ones (`aws:Mul` -> `aws:MultiFactorAuthPresent`)."""

    def __init__(self, actions: Callable[[], list[str]] = list) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.actions = actions

    async def get_suggestion(self, value: str) -> str | None:
        if ":" not in value:
            found = next((p for p in sorted(catalog.service_prefixes())
                          if p.startswith(value.lower())), None) if value else None
            return f"{value}{found[len(value):]}:" if found else None
        rest = complete_condition_key(value, self.actions() or None)
        return value + rest if rest else None
