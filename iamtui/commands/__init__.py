"""The CLI's commands, one module per family; importing this registers them all."""

import importlib
import pkgutil

# Every module of this package registers its commands when imported; adding a
# family is adding a module.
for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
