"""How the policies table keys a resource-based policy's row: `resource:<its ARN>`, apart
from managed policies' rows, keyed by the policy's ARN. Here, without imports, so that
the copy menu and bulk work (which sections import) can tell the rows apart too."""

from __future__ import annotations

PREFIX = "resource:"


def is_resource_key(key: str) -> bool:
    """Whether a row's key is a resource-based policy's."""
    return key.startswith(PREFIX)


def resource_arn(key: str) -> str:
    """The resource's ARN in a resource-based policy's row key (other keys unchanged)."""
    return key.removeprefix(PREFIX)
