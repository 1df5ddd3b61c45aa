"""The CLI's commands, one module per family; importing a module registers its commands."""

import importlib

from iamtui.commands.registry import COMMANDS

# Families that need no store: a one-shot `simulate-custom-policy` loads only these,
# and so stays a short process (the others bring the store, Argon2 and the models).
STORELESS = ("policy", "catalog")


def load(command: str | None = None) -> None:
    """Register `command`'s family (the store-less ones first), or every family."""
    for name in STORELESS:
        importlib.import_module(f"{__name__}.{name}")
    if command is not None and command in COMMANDS:
        return
    import pkgutil  # only to list every family: a known command's start skips it

    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
