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


def test_a_store_less_command_loads_no_store_crypto_or_ui() -> None:
    """`iamtui simulate-custom-policy` is a short process: running it must not import the
    store, Argon2, the MFA crypto, the models' service or Textual."""
    code = (
        "import sys, iamtui.cli\n"
        "sys.argv = ['iamtui', 'validate-policy', '--policy-document', "
        "'{\"Statement\":[]}']\n"
        "import contextlib, io\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    iamtui.cli.main(sys.argv[1:])\n"
        "heavy = ('tinydb', 'store', 'argon2', 'cryptography', 'textual', 'rich', 'pyotp',\n"
        "         'segno', 'orjson')\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in heavy or\n"
        "       m.startswith('iamtui.service')]\n"
        "print(','.join(sorted(bad)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_every_command_is_reachable_from_the_full_parser() -> None:
    """`iamtui --help` lists every family; each command also parses on its own."""
    from iamtui import cli

    full = cli.build_parser()
    names = set(cli.COMMANDS)
    assert len(names) > 100 and {"simulate-custom-policy", "create-user", "init"} <= names
    for name in names:
        assert cli.command_name(["--output", "table", name, "--db", "x"]) == name
    assert full.format_help().count("simulate-custom-policy") >= 1
