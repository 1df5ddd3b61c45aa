"""Where save and load dialogs start: the user's documents folder (or home), shown in
full, and then the last path used, so a second save or a load lands where the first went.

What is remembered lives with the app (one run), keyed by purpose ("test-set",
"credential-report", ...); a new purpose starts in the folder of the last file used.
"""

from __future__ import annotations

import os
import weakref
from pathlib import Path
from typing import TYPE_CHECKING

from iamtui.local_paths import expand_home

if TYPE_CHECKING:
    from textual.app import App
    from textual.dom import DOMNode

_LAST: weakref.WeakKeyDictionary[App[object], dict[str, Path]] = weakref.WeakKeyDictionary()
_FOLDER = "\0folder"  # the folder of the last file used, whatever its purpose


def _xdg_documents(home: Path) -> Path | None:
    """XDG's documents folder, from $XDG_DOCUMENTS_DIR or user-dirs.dirs (Linux desktops
    name it in the user's language: "Dokumente", "Documents"...)."""
    configured = os.environ.get("XDG_DOCUMENTS_DIR")
    if not configured:
        config = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config")
        try:
            for line in (config / "user-dirs.dirs").read_text(encoding="utf-8").splitlines():
                if line.startswith("XDG_DOCUMENTS_DIR="):
                    configured = line.split("=", 1)[1].strip().strip('"')
        except (OSError, UnicodeDecodeError):
            return None
    if not configured:
        return None
    return expand_home(configured.replace("$HOME", str(home)))


def documents_folder() -> Path:
    """The user's documents folder when there is one, else the home folder."""
    home = Path.home()
    for candidate in (_xdg_documents(home), home / "Documents"):
        if candidate is not None and candidate.is_dir():
            return candidate
    return home


def suggested_path(node: DOMNode, purpose: str, file_name: str) -> str:
    """The full path a dialog for `purpose` starts with: the last one used for it, else
    `file_name` in the folder of the last file used, else in the documents folder."""
    last = _LAST.get(node.app, {})
    if purpose in last:
        return str(last[purpose])
    return str((last.get(_FOLDER) or documents_folder()) / file_name)


def remember_path(node: DOMNode, purpose: str, path: Path) -> None:
    """The path a dialog for `purpose` used (after it worked): the next one starts there."""
    path = expand_home(path).absolute()
    last = _LAST.setdefault(node.app, {})
    last[purpose] = path
    last[_FOLDER] = path.parent
