"""The dependency rule, read from the source: pages -> ui -> model / feedback_store.

Domain code (``model/``, ``feedback_store/``) imports neither Streamlit nor Altair nor the
``ui`` package; nothing below the pages imports a page or ``app.py``; and no import circle
exists among the project's modules. Imports are read with ``ast``, so an import inside a
function counts as much as one at the top; imports under ``if TYPE_CHECKING:`` are left out
of the circles (they never run), but still count against the domain rule.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
#: The project's own code: the entry point and these folders.
PACKAGES = ("pages", "ui", "model", "feedback_store", "bench")
DOMAIN = ("model", "feedback_store")
SCREEN_LIBRARIES = ("streamlit", "altair", "ui")
TOP = ("app", "pages")
#: The longest a project module may be.
MAX_MODULE_LINES = 600


def module_files(root: Path) -> dict[str, Path]:
    """Every project module under ``root``, by dotted name (``pages/x.py`` is ``pages.x``)."""
    found = {"app": root / "app.py"} if (root / "app.py").is_file() else {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, module: str, is_package: bool, typing_only: bool = False):
    """``(imported name, typing_only)`` for every import statement below ``tree``."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.body:
                yield from _imports(ast.Module([child], []), module, is_package, True)
            for child in node.orelse:
                yield from _imports(ast.Module([child], []), module, is_package, typing_only)
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, typing_only
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module.split(".") if is_package else module.split(".")[:-1]
                package = package[: len(package) - node.level + 1]
                base = ".".join([*package, base] if base else package)
            for alias in node.names:
                yield f"{base}.{alias.name}", typing_only
        else:
            yield from _imports(node, module, is_package, typing_only)


def import_graph(root: Path) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """``(runtime, every)``: for each project module, the names it imports; ``runtime``
    leaves out imports under ``if TYPE_CHECKING:``. Names of project modules are resolved to
    the module itself (``from model import bakeoff`` is ``model.bakeoff``)."""
    files = module_files(root)
    tops = {module.split(".")[0] for module in files}
    runtime: dict[str, set[str]] = {}
    every: dict[str, set[str]] = {}
    for module, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        runtime[module], every[module] = set(), set()
        for name, typing_only in _imports(tree, module, path.name == "__init__.py"):
            # ``from model import bakeoff`` imports the module ``model.bakeoff``;
            # ``from model.x import SomeClass`` the module ``model.x``.
            while name not in files and "." in name and name.split(".")[0] in tops:
                name = name.rsplit(".", 1)[0]
            every[module].add(name)
            if not typing_only:
                runtime[module].add(name)
    return runtime, every


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import circles: strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in graph:
                continue
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def forbidden(every: dict[str, set[str]], below: tuple[str, ...], names: tuple[str, ...]):
    """``(module, imported)`` for each module under ``below`` that imports one of ``names``."""
    for module, imported in sorted(every.items()):
        if module.split(".")[0] not in below:
            continue
        for name in sorted(imported):
            if name.split(".")[0] in names:
                yield module, name


def _write(root: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@functools.cache
def project_graph() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """``import_graph`` of this project, read once for the tests below."""
    return import_graph(PROJECT)


# -- the rule, on this project --------------------------------------------------------------------
def test_domain_code_imports_neither_streamlit_nor_altair_nor_ui():
    _, every = project_graph()
    assert list(forbidden(every, DOMAIN, SCREEN_LIBRARIES)) == []


def test_nothing_below_the_pages_imports_a_page_or_the_app():
    _, every = project_graph()
    assert list(forbidden(every, ("ui", *DOMAIN, "bench"), TOP)) == []


def test_the_ui_package_imports_no_page():
    _, every = project_graph()
    assert list(forbidden(every, ("ui",), ("pages",))) == []


def test_no_import_circles_among_the_projects_modules():
    runtime, _ = project_graph()
    assert cycles(runtime) == []


def test_no_project_module_is_over_600_lines():
    """A module a newcomer can read in one sitting: split a longer one by concern."""
    lengths = {
        module: len(path.read_text(encoding="utf-8").splitlines())
        for module, path in module_files(PROJECT).items()
    }
    assert {module: n for module, n in lengths.items() if n > MAX_MODULE_LINES} == {}
    assert lengths["model.estimate"] > 100  # the files really are read


def test_every_project_module_is_read():
    runtime, _ = project_graph()
    assert {"app", "pages.overview", "ui.cached", "model.bakeoff", "feedback_store.store"} <= set(
        runtime
    )
    assert "model.bakeoff" in runtime["ui.report"]


# -- the checks themselves find what they look for ------------------------------------------------
def test_a_streamlit_import_inside_a_domain_function_is_found(tmp_path):
    root = _write(
        tmp_path,
        {
            "model/__init__.py": "",
            "model/a.py": "def draw():\n    import streamlit as st\n",
            "model/b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
            "    import altair as alt\n",
            "ui/__init__.py": "",
            "ui/c.py": "import streamlit\nfrom model import a\n",
        },
    )
    _, every = import_graph(root)
    assert list(forbidden(every, DOMAIN, SCREEN_LIBRARIES)) == [
        ("model.a", "streamlit"),
        ("model.b", "altair"),
    ]


def test_a_domain_module_importing_ui_is_found(tmp_path):
    root = _write(
        tmp_path,
        {"model/__init__.py": "", "model/a.py": "from ui.views import x\n", "ui/__init__.py": ""},
    )
    _, every = import_graph(root)
    assert list(forbidden(every, DOMAIN, SCREEN_LIBRARIES)) == [("model.a", "ui")]


def test_circles_are_found_through_lazy_and_relative_imports(tmp_path):
    root = _write(
        tmp_path,
        {
            "feedback_store/__init__.py": "from feedback_store.store import Store\n",
            "feedback_store/store.py": "def export():\n    from .training import run\n",
            "feedback_store/training.py": "from feedback_store import agreement\n",
            "feedback_store/cli.py": "import feedback_store\nfrom feedback_store import store\n",
            "feedback_store/agreement.py": "from feedback_store.store import Store\n",
            "model/__init__.py": "",
            "model/publishing.py": "from model.stats import x\n",
            "model/stats.py": "def f():\n    from model import publishing\n",
            "model/ok.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
            "    from model.uses import y\n",
            "model/uses.py": "from model.ok import z\n",
        },
    )
    runtime, _ = import_graph(root)
    assert cycles(runtime) == [
        ["feedback_store.agreement", "feedback_store.store", "feedback_store.training"],
        ["model.publishing", "model.stats"],
    ]
