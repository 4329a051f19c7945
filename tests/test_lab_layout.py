"""The learners' kit is a tree of modules, apart from the instructors' tools.

Every import in ``demo_project/lab`` counts, also those inside functions: a cycle that
only closes at call time is still a cycle. ``python tests/test_lab_layout.py`` prints the
graph.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAB = ROOT / "demo_project" / "lab"
NOTEBOOK_FOLDERS = ("notebooks", "solutions", "exercises")


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(tree: ast.AST, module: str, is_package: bool) -> set[str]:
    """Every module named by an import anywhere in ``tree`` (top level or in a function)."""
    package = module if is_package else module.rpartition(".")[0]
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)  # submodules
    return names


def imports_anywhere(folder: Path = LAB, root: Path = ROOT) -> dict[str, set[str]]:
    """Module -> every module it names in an import, inside the project or not."""
    result = {}
    for path in sorted(folder.rglob("*.py")):
        module = module_name(path, root)
        tree = ast.parse(path.read_text(), filename=str(path))
        result[module] = imported(tree, module, path.name == "__init__.py")
    return result


def import_graph(folder: Path = LAB, root: Path = ROOT) -> dict[str, set[str]]:
    """Module -> the modules of the same package tree it imports."""
    modules = imports_anywhere(folder, root)
    graph = {}
    for module, names in modules.items():
        # A module's own packages are imported before it, whatever it says: not an edge.
        ancestors = {module.rsplit(".", n)[0] for n in range(1, module.count(".") + 1)}
        graph[module] = {name for name in names if name in modules} - ancestors - {module}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as a list of modules (first == last), or None."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                return [*stack[stack.index(target) :], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        state[node] = "done"
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_graph_sees_function_level_and_relative_imports(tmp_path):
    package = tmp_path / "demo_project" / "lab"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("from .a import f\n")
    (package / "a.py").write_text("def f():\n    from .sub import b\n")
    (package / "sub" / "__init__.py").write_text("")
    (package / "sub" / "b.py").write_text("from ..a import f\n")
    graph = import_graph(package, tmp_path)
    assert graph["demo_project.lab.a"] == {"demo_project.lab.sub", "demo_project.lab.sub.b"}
    assert graph["demo_project.lab.sub.b"] == {"demo_project.lab.a"}
    assert find_cycle(graph) == [
        "demo_project.lab.a",
        "demo_project.lab.sub.b",
        "demo_project.lab.a",
    ]


def test_the_lab_kit_has_no_import_cycle():
    """No module of demo_project/lab imports, even lazily, one that imports it back."""
    graph = import_graph()
    assert "demo_project.lab.checks.core" in graph and "demo_project.lab.boot" in graph
    assert find_cycle(graph) is None


def tools_imported_by(modules: dict[str, set[str]]) -> dict[str, list[str]]:
    offenders = {
        module: sorted(name for name in names if name.startswith("demo_project.tools"))
        for module, names in modules.items()
    }
    return {module: names for module, names in offenders.items() if names}


def test_the_lab_kit_does_not_import_the_tools():
    """The learners' kit stands without the instructors' and maintainers' tools."""
    assert tools_imported_by(imports_anywhere()) == {}


def test_a_kit_module_that_imports_the_tools_is_caught(tmp_path):
    package = tmp_path / "demo_project" / "lab"
    package.mkdir(parents=True)
    (package / "boot.py").write_text("def f():\n    from ..tools.bench import run\n")
    found = tools_imported_by(imports_anywhere(package, tmp_path))
    assert found == {
        "demo_project.lab.boot": ["demo_project.tools.bench", "demo_project.tools.bench.run"]
    }


def notebook_imports(path: Path) -> set[str]:
    """Every module a notebook's code cells import (IPython magics left out)."""
    names = set()
    for cell in json.loads(path.read_text())["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
        names |= imported(ast.parse("\n".join(lines)), "__main__", False)
    return names


@pytest.mark.parametrize("folder", NOTEBOOK_FOLDERS)
def test_no_notebook_imports_the_tools(folder):
    """Lessons, solutions and exercises use the learners' kit only."""
    notebooks = sorted((ROOT / folder).glob("*.ipynb"))
    assert notebooks, f"no notebooks in {folder}/"
    offenders = {
        path.name: sorted(name for name in notebook_imports(path) if "demo_project.tools" in name)
        for path in notebooks
    }
    assert {name: names for name, names in offenders.items() if names} == {}


def test_a_notebook_that_imports_the_tools_is_caught(tmp_path):
    notebook = tmp_path / "x.ipynb"
    source = ["def f():\n", "    from demo_project.tools import bench\n"]
    cell = {"cell_type": "code", "source": source}
    notebook.write_text(json.dumps({"cells": [cell]}))
    assert "demo_project.tools.bench" in notebook_imports(notebook)


if __name__ == "__main__":
    for module, targets in import_graph().items():
        print(module, "->", ", ".join(sorted(targets)) or "(nothing)")
    print("cycle:", find_cycle(import_graph()) or "none")
