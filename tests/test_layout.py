"""The layering rules (screens/commands -> service -> policy/security/store; only the store
imports TinyDB; imports go one way), checked statically and in a fresh interpreter."""

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


def test_the_store_imports_nothing_of_iam() -> None:
    """Only store/ imports tinydb, and the store knows nothing of IAM: it raises its own
    errors (the service translates them), so it imports only itself."""
    outside = [f"{p.relative_to(ROOT)}: {m}" for p in _sources("iamtui", "screens")
               for m in _imports(p) if m.split(".")[0] == "tinydb"]
    assert outside == []
    bad = [f"{p.relative_to(ROOT)}: {m}" for p in _sources("store") for m in _imports(p)
           if m.split(".")[0] == "iamtui" and not m.startswith("iamtui.store")]
    assert bad == []


# ---------------------------------------------------------------------------- one way

_FOLDERS = {"iamtui": "iamtui", "store": "iamtui.store", "screens": "iamtui.screens"}


def _module_name(path: Path) -> str:
    folder, *rest = path.relative_to(ROOT).with_suffix("").parts
    parts = [_FOLDERS[folder], *rest]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _module_level_imports(path: Path, name: str, known: set[str]) -> set[str]:
    """The project modules `path` imports when it is loaded: statements of the module body
    (and of its top-level if/try blocks), not those in functions or under TYPE_CHECKING."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(statements: list[ast.stmt]) -> None:
        for node in statements:
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, *([base] if base else [])])
                # `from package import module` needs the module; a package's own
                # __init__ is imported before any of its modules, so it is no edge
                for alias in node.names:
                    found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known
                              else base)
            elif isinstance(node, ast.If):
                if "TYPE_CHECKING" not in ast.unparse(node.test):
                    visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                visit(node.body)
                for handler in node.handlers:
                    visit(handler.body)
                visit(node.orelse)
                visit(node.finalbody)

    visit(ast.parse(path.read_text(encoding="utf-8")).body)
    return {m for m in found if m in known and m != name}


def _import_cycles() -> list[list[str]]:
    """Every strongly connected group of modules (Tarjan), in the module-level graph."""
    files = {_module_name(p): p for p in _sources(*_FOLDERS)}
    graph = {name: sorted(_module_level_imports(path, name, set(files)))
             for name, path in files.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph[node]:
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for name in sorted(graph):
        if name not in index:
            connect(name)
    return cycles


def test_the_cycle_finder_sees_a_cycle(tmp_path: Path, monkeypatch) -> None:
    """The finder itself: two modules importing each other at module level are a cycle,
    one importing the other inside a function is not."""
    (tmp_path / "iamtui").mkdir()
    (tmp_path / "iamtui" / "__init__.py").write_text("")
    (tmp_path / "iamtui" / "a.py").write_text("from iamtui import b\n")
    (tmp_path / "iamtui" / "b.py").write_text("from iamtui.a import thing\n")
    (tmp_path / "iamtui" / "c.py").write_text("def f():\n    from iamtui import a\n")
    (tmp_path / "iamtui" / "d.py").write_text("from typing import TYPE_CHECKING\n"
                                              "from . import c\n"
                                              "if TYPE_CHECKING:\n    from iamtui import e\n")
    (tmp_path / "iamtui" / "e.py").write_text("from .d import x\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    monkeypatch.setattr(sys.modules[__name__], "_FOLDERS", {"iamtui": "iamtui"})
    assert _import_cycles() == [["iamtui.a", "iamtui.b"]]


def test_no_import_cycle_among_the_project_modules() -> None:
    """Imports go one way (cli -> commands -> registry, service -> store, ...): no module
    imports, at module level, one that imports it back."""
    assert _import_cycles() == []


def test_commands_register_in_the_registry_not_in_the_cli() -> None:
    """The CLI imports the commands (to build its parser); no command module imports the
    CLI back, at any depth: they declare themselves in iamtui.commands.registry."""
    bad = [f"{p.relative_to(ROOT)}: {m}" for p in _sources("iamtui/commands")
           for m in _imports(p) if m == "iamtui.cli" or m.startswith("iamtui.cli.")]
    assert bad == []


def test_the_credential_sources_are_listed_where_they_are_used() -> None:
    """No module registers itself into another at import time: session.py lists every
    source, the role session's first, without commands/sts.py being imported."""
    code = ("import sys, iamtui.commands.session as s\n"
            "print([f.__name__ for f in s.CREDENTIAL_SOURCES], "
            "'iamtui.commands.sts' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == ("['from_session_environment', 'from_environment', "
                                  "'from_profile'] False")


def test_private_files_are_written_by_one_function() -> None:
    """Writing a file whole or not at all (temp file 0600, fsync, rename or link, fsync the
    folder) is coded once, in iamtui.store.files.atomic_write (the store may import nothing
    outside itself): no other module renames or links files into place."""
    moves = {"replace", "rename", "link"}
    bad = [f"{p.relative_to(ROOT)}:{node.lineno}" for p in _sources("iamtui", "store")
           if p != ROOT / "store" / "files.py"
           for node in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
           if isinstance(node, ast.Attribute) and node.attr in moves
           and isinstance(node.value, ast.Name) and node.value.id == "os"]
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


def _handlers(tree: ast.AST) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    """Message handlers: `on_*` methods and methods decorated with `@on(...)`."""
    def decorated(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
        return any(isinstance(d, ast.Call) and getattr(d.func, "id", None) == "on"
                   for d in node.decorator_list)
    return [node for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and (node.name.startswith("on_") or decorated(node))]


def _rooted_at(node: ast.AST, names: set[str]) -> bool:
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name) and node.id in names


def test_handlers_route_by_selector_not_by_comparing_ids() -> None:
    """A message from a widget carries `control`, so `@on(Table.Highlighted, "#results")`
    routes it; `if event.table.id == "results"` in a catch-all handler is the hand-made
    copy (and misses a renamed id silently)."""
    bad = []
    for p in [*_sources("screens"), ROOT / "iamtui" / "app.py"]:
        for handler in _handlers(ast.parse(p.read_text(encoding="utf-8"))):
            params = {a.arg for a in handler.args.args[1:]}
            bad += [f"{p.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node)}"
                    for node in ast.walk(handler) if isinstance(node, ast.Compare)
                    and not all(isinstance(op, ast.Is | ast.IsNot) for op in node.ops)
                    for operand in (node.left, *node.comparators)
                    if isinstance(operand, ast.Attribute) and operand.attr == "id"
                    and _rooted_at(operand.value, params)]
    assert bad == []


def test_the_id_comparison_finder_sees_one() -> None:
    tree = ast.parse("class S:\n def on_x(self, event):\n  if event.table.id == 'a': pass\n")
    handler = _handlers(tree)[0]
    assert any(isinstance(n, ast.Compare) and _rooted_at(n.left.value, {"event"})
               for n in ast.walk(handler))


def test_every_widget_message_names_its_control() -> None:
    """A Message class declared inside a widget is posted by that widget: it defines
    `control` (the widget), or `@on(..., "#id")` cannot route it."""
    bad = []
    for p in _sources("screens"):
        for owner in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if not isinstance(owner, ast.ClassDef):
                continue
            for inner in owner.body:
                if isinstance(inner, ast.ClassDef) and any(
                        getattr(b, "id", getattr(b, "attr", None)) == "Message"
                        for b in inner.bases) and not any(
                        isinstance(f, ast.FunctionDef) and f.name == "control"
                        for f in inner.body):
                    bad.append(f"{p.relative_to(ROOT)}:{inner.lineno}: "
                               f"{owner.name}.{inner.name}")
    assert bad == []
