"""Paths typed by a person: `~` and `~user` expanded the way a shell expands them."""

from __future__ import annotations

import os
from pathlib import Path


def expand_home(text: str | os.PathLike[str]) -> Path:
    """`text` with a leading `~` or `~user` expanded; an unknown user is left as typed.

    `Path.expanduser` raises RuntimeError for `~nobody-here`; a shell (and
    `os.path.expanduser`) keeps the word, so the path then fails as a missing file would.
    """
    return Path(os.path.expanduser(os.fspath(text)))
