"""The CLI's commands, one module per family; importing this registers them all."""

from iamtui.commands import account, policy, users  # noqa: F401
