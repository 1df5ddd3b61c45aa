"""The CLI's commands, one module per family; importing this registers them all."""

from iamtui.commands import policy  # noqa: F401
