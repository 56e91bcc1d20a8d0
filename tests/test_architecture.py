"""Imports point one way, and no module imports itself back through others.

The layers, lowest first (STYLE.md): indicators (pure) -> regiodash base modules (config,
errors, nuts, flags, geometry) -> storage -> ingest and projects -> ui -> app.py and
app_pages/. Nothing imports a layer above its own. Streamlit is a page concern: only ui/,
the server entry point and the pages import it. Imports inside functions are for the command
line (whose sub-commands load what they need); elsewhere they hide a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
BASE = {"config", "errors", "nuts", "flags", "geometry"}
CLI_MODULES = {"regiodash.cli", "regiodash.projects.cli"}
STREAMLIT_ALLOWED = ("regiodash.ui", "regiodash.server", "app", "app_pages")
# A layer may import only the layers named here (and itself).
ALLOWED = {
    "indicators": {"indicators"},
    "base": {"indicators", "base"},
    "storage": {"indicators", "base", "storage"},
    "ingest": {"indicators", "base", "storage", "ingest"},
    "projects": {"indicators", "base", "storage", "ingest", "projects"},
    "ui": {"indicators", "base", "storage", "ingest", "projects", "ui", "report"},
    # Printable reports: the pages' figure builders (ui modules without streamlit), laid out
    # as PDF; the CLI and the pages' download buttons call them.
    "report": {"indicators", "base", "storage", "ingest", "projects", "ui", "report"},
    "server": {"base", "server"},
    "cli": {"indicators", "base", "storage", "ingest", "projects", "cli", "server", "report"},
    "pages": {"indicators", "base", "ui", "pages"},
}


def module_files() -> dict[str, Path]:
    files = {".".join(p.relative_to(SRC).with_suffix("").parts): p
             for p in SRC.rglob("*.py")}
    files = {name.removesuffix(".__init__"): path for name, path in files.items()}
    files["app"] = ROOT / "app.py"
    for page in (ROOT / "app_pages").glob("*.py"):
        files[f"app_pages.{page.stem}"] = page
    return files


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] == "indicators":
        return "indicators"
    if parts[0] in ("app", "app_pages"):
        return "pages"
    if parts[0] != "regiodash":
        return None
    if len(parts) == 1 or parts[1] in BASE:
        return "base"
    if module in CLI_MODULES or parts[1].startswith("cli_"):
        return "cli"  # regiodash/cli_<command>.py: one sub-command's options and output
    return {"storage": "storage", "ingest": "ingest", "projects": "projects", "ui": "ui",
            "server": "server", "cli": "cli", "report": "report"}.get(parts[1])


def type_only_lines(path: Path) -> set[int]:
    """Lines of imports under `if TYPE_CHECKING:` (for annotations only, never run)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {child.lineno for node in tree.body if isinstance(node, ast.If)
            and ast.unparse(node.test).endswith("TYPE_CHECKING") for child in node.body}


def imports_of(path: Path, module: str) -> list[tuple[str, int, bool]]:
    """(imported module, line, at module level) for every import in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    # Module level: the body, and the bodies of module-level `if` / `try` (TYPE_CHECKING).
    top_level = {id(node) for node in tree.body}
    for node in tree.body:
        if isinstance(node, ast.If | ast.Try):
            for branch in (node.body, node.orelse, *(h.body for h in getattr(
                    node, "handlers", ()))):
                top_level |= {id(child) for child in branch}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the package
                base = module.split(".")[: -node.level] if not path.name.startswith(
                    "__init__") else module.split(".")[: len(module.split(".")) - node.level + 1]
                names = [".".join([*base, node.module] if node.module else base)]
            else:
                names = [node.module or ""]
            names += [f"{names[0]}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            found.append((name, node.lineno, id(node) in top_level))
    return found


FILES = module_files()


def project_target(name: str) -> str | None:
    """The project module an import name refers to (longest known prefix), if any."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in FILES:
            return candidate
    return None


def edges() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module, path in FILES.items():
        graph[module] = set()
        typing_only = type_only_lines(path)
        for name, line, top in imports_of(path, module):
            target = project_target(name)
            if target and target != module and top and line not in typing_only:
                graph[module].add(target)
    return graph


def test_no_import_points_up_a_layer() -> None:
    wrong = []
    for module, path in sorted(FILES.items()):
        layer = layer_of(module)
        assert layer is not None, module
        for name, line, _top in imports_of(path, module):
            target = project_target(name)
            if target is None:
                continue
            if layer_of(target) not in ALLOWED[layer]:
                wrong.append(f"{path.relative_to(ROOT)}:{line} {module} ({layer}) imports "
                             f"{target} ({layer_of(target)})")
    assert not wrong, "\n".join(wrong)


def test_streamlit_only_in_the_ui_the_server_and_the_pages() -> None:
    wrong = [f"{path.relative_to(ROOT)}:{line}"
             for module, path in sorted(FILES.items())
             if not module.startswith(STREAMLIT_ALLOWED)
             for name, line, _top in imports_of(path, module)
             if name.split(".")[0] == "streamlit"]
    assert not wrong, wrong


def test_function_level_project_imports_only_in_the_command_line() -> None:
    wrong = [f"{path.relative_to(ROOT)}:{line} imports {name} inside a function"
             for module, path in sorted(FILES.items()) if module not in CLI_MODULES
             for name, line, top in imports_of(path, module)
             if not top and project_target(name) is not None]
    assert not wrong, "\n".join(wrong)


def test_no_import_cycles() -> None:
    """Among the imports that run (imports for type annotations only are left out)."""
    graph = edges()
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert not cycles, cycles


@pytest.mark.parametrize("limit", [500])
def test_modules_stay_small(limit: int) -> None:
    """One job per module: past ~500 lines a module is usually two (the declarative
    catalog excepted)."""
    big = {module: n for module, path in FILES.items()
           if (n := len(path.read_text(encoding="utf-8").splitlines())) > limit
           and module != "indicators.catalog"}
    assert not big, big
