"""`iamtui <command>`: the `aws iam`-shaped command line (filled in by the engine work)."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `iamtui` console script."""
    args = sys.argv[1:] if argv is None else argv
    print("usage: iamtui <command> [options]", file=sys.stderr if args else sys.stdout)
    return 0
