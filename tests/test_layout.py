"""The layering rules of DESIGN.md, checked in a fresh interpreter."""

import subprocess
import sys


def test_policy_engine_imports_neither_textual_nor_tinydb() -> None:
    code = (
        "import sys, iamtui.policy\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'tinydb', 'rich')]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
