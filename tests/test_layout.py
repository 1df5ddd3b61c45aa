"""The layering rules of DESIGN.md, checked in a fresh interpreter."""

import ast
import subprocess
import sys
import tomllib
from pathlib import Path


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
        "heavy = ('tinydb', 'argon2', 'cryptography', 'textual', 'rich', 'pyotp',\n"
        "         'segno', 'orjson')\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in heavy or\n"
        "       m.startswith(('iamtui.service', 'iamtui.store', 'iamtui.screens'))]\n"
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


# ---------------------------------------------------------------------------- one package

ROOT = Path(__file__).resolve().parent.parent


def _pyproject() -> dict:
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["tool"]["setuptools"]


def _imports(path: Path) -> set[str]:
    """The modules `path` imports, at any depth of its code (absolute imports only)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _sources(*folders: str) -> list[Path]:
    return [p for folder in folders for p in sorted((ROOT / folder).rglob("*.py"))]


def test_one_top_level_name_installs_and_every_package_is_listed() -> None:
    """store/ and screens/ install as iamtui.store and iamtui.screens (a bare `store` would
    collide with other distributions); setuptools is given every package, since its finder
    cannot see through package-dir, so a new sub-package must be listed to be installed."""
    setuptools = _pyproject()
    folders = setuptools["package-dir"]
    assert set(folders) == {"iamtui", "iamtui.store", "iamtui.screens"}
    on_disk = set()
    for package, folder in folders.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / folder).parts
            on_disk.add(".".join((package, *rel)))
    # iamtui/ itself holds no store/ or screens/ folder: the mapping is the only way in
    assert on_disk == set(setuptools["packages"])
    assert {p.split(".")[0] for p in setuptools["packages"]} == {"iamtui"}


def test_bare_store_and_screens_are_not_importable_outside_the_checkout(tmp_path: Path) -> None:
    code = ("import importlib.util as u\n"
            "print([n for n in ('store', 'screens') if u.find_spec(n)],"
            " [n for n in ('iamtui.store', 'iamtui.screens.main') if not u.find_spec(n)])\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=tmp_path)
    assert out.stdout.strip() == "[] []"


def test_no_module_imports_the_bare_names() -> None:
    bad = [f"{p.relative_to(ROOT)}: {m}" for p in _sources("iamtui", "store", "screens",
                                                           "tests", "bench")
           for m in _imports(p) if m.split(".")[0] in ("store", "screens")]
    assert bad == []


def test_screens_reach_the_store_only_through_the_service() -> None:
    bad = [f"{p.relative_to(ROOT)}: {m}" for p in _sources("screens")
           for m in _imports(p)
           if m.split(".")[0] == "tinydb" or m.startswith("iamtui.store")]
    assert bad == []


def test_the_store_imports_nothing_of_iam_but_its_error_base() -> None:
    """Only store/ imports tinydb, and the store knows no IAM module (iamtui.errors, for the
    base of its errors, is the one exception left)."""
    outside = [f"{p.relative_to(ROOT)}: {m}" for p in _sources("iamtui", "screens")
               for m in _imports(p) if m.split(".")[0] == "tinydb"]
    assert outside == []
    allowed = ("iamtui.store", "iamtui.errors")
    bad = [f"{p.relative_to(ROOT)}: {m}" for p in _sources("store") for m in _imports(p)
           if m.split(".")[0] == "iamtui" and not m.startswith(allowed)]
    assert bad == []


def test_no_screen_touches_the_store_behind_the_service() -> None:
    """Screens read the store's revision and path through IamService (`service.revision`),
    never `service.store`: the store is the service's business."""
    bad = [f"{p.relative_to(ROOT)}:{node.lineno}" for p in _sources("screens")
           for node in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
           if isinstance(node, ast.Attribute) and node.attr == "store"]
    assert bad == []


def test_widgets_reach_the_app_through_the_typed_session() -> None:
    """`session_of(widget)` is the typed way to the service and the principal: a
    `type: ignore[attr-defined]` on a line reaching `app.` means someone went around it."""
    files = [*_sources("screens"), ROOT / "iamtui" / "app.py"]
    bad = [f"{p.relative_to(ROOT)}:{n}: {line.strip()}" for p in files
           for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
           if "type: ignore[attr-defined]" in line and "app." in line]
    assert bad == []


def _imported(node: ast.AST) -> list[str]:
    if isinstance(node, ast.ImportFrom):
        return [node.module or ""]
    return [a.name for a in node.names] if isinstance(node, ast.Import) else []


def test_screens_import_each_other_at_the_top_only() -> None:
    """An import inside a function is how a cycle hides; screens navigate by messages
    (`OpenEntity`, which the app handles), so none needs one."""
    bad = [f"{p.relative_to(ROOT)}:{inner.lineno}: {ast.unparse(inner)}"
           for p in [*_sources("screens"), ROOT / "iamtui" / "app.py"]
           for node in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
           if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
           for inner in ast.walk(node)
           if any(m.startswith("iamtui.screens") for m in _imported(inner))]
    assert bad == []


def test_every_binding_has_an_id_a_keymap_can_name() -> None:
    """keymap.toml remaps keys by binding id (Textual's App.set_keymap): a binding without
    one cannot be remapped."""
    bad = [f"{p.relative_to(ROOT)}:{node.lineno}"
           for p in [*_sources("screens"), ROOT / "iamtui" / "app.py"]
           for node in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
           if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Binding"
           and not any(k.arg == "id" for k in node.keywords)]
    assert bad == []
