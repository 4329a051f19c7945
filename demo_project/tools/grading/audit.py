"""Read the code a learner wrote and name what could tamper with the checks.

A check runs in the learner's kernel, next to the learner's code, and Python lets any code
in a process replace what that process runs: a check function, the exercise registry, an
IPython transformer, the query panel's counter. So the grader reads every cell the learner
wrote before it trusts a verdict, and names anything that reaches for the machinery rather
than the data: imports outside the modules an answer needs, introspection (dunder
attributes, ``getattr``/``exec``/``globals``), IPython's own objects, the database driver's
connection under Django's, and assignments that patch an imported module or class.

An answer that the grader would pass never needs any of these (a test checks it on every
solution). A finding is not proof of cheating: the exercise gets 0 and the row says
"needs review" with the reason, for an instructor to read.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable

# What an answer may import: the project's apps, Django and Ninja, and the standard
# library's plain data modules.
ALLOWED_IMPORTS = {
    "asgiref",
    "asyncio",
    "base64",
    "collections",
    "concurrent",
    "contextlib",
    "dataclasses",
    "datetime",
    "decimal",
    "django",
    "enum",
    "functools",
    "hashlib",
    "hmac",
    "itertools",
    "json",
    "jwt",
    "math",
    "ninja",
    "operator",
    "pydantic",
    "re",
    "secrets",
    "statistics",
    "string",
    "threading",
    "time",
    "typing",
    "uuid",
    "zoneinfo",
}
ALLOWED_PROJECT_IMPORTS = (
    "demo_project.catalog",
    "demo_project.accounts",
    "demo_project.errors",
    "demo_project.pagination",
    "demo_project.api",
)
# The kit: the setup cell's import is the only one an answer needs.
ALLOWED_KIT_NAMES = {"demo_project.lab": {"boot", "format_duration", "wait_for"}}
# Modules of Django that hold the instruments or let code swap them.
REFUSED_DJANGO = ("django.test.utils", "django.db.backends")
FORBIDDEN_CALLS = {
    "__import__",
    "breakpoint",
    "compile",
    "delattr",
    "eval",
    "exec",
    "getattr",
    "globals",
    "locals",
    "open",
    "setattr",
    "vars",
}
# IPython's objects and the history it keeps (a check cell's source is in ``In``).
FORBIDDEN_NAMES = {
    "EXERCISES",
    "In",
    "Out",
    "_dh",
    "_ih",
    "_ii",
    "_iii",
    "_oh",
    "check",
    "exit",
    "get_ipython",
    "quit",
}
# Attributes that reach the instruments or the driver under Django's connection.
FORBIDDEN_ATTRIBUTES = {
    "connection",
    "execute_wrappers",
    "set_trace_callback",
    "cursor_factory",
    "server_cursor_factory",
    "f_back",
    "f_globals",
    "f_locals",
    "gi_frame",
    "cr_frame",
    "tb_frame",
}
ALLOWED_DUNDERS = {"__init__", "__str__", "__repr__", "__name__", "__post_init__", "__mro__"}
# Line magics a learner may use to time or inspect their own code.
ALLOWED_MAGICS = {"time", "timeit"}
DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def audit_cells(sources: Iterable[str]) -> list[str]:
    """Return the reasons the learner's ``sources`` look like tampering, first seen first."""
    reasons: list[str] = []
    trees = []
    for source in sources:
        tree = _parse(source)
        if tree is not None:
            trees.append(tree)
    imported = {name for tree in trees for name in _imported_names(tree)}
    bound = {name for tree in trees for name in _bound_names(tree)} - imported
    for tree in trees:
        for reason in _findings(tree, imported, bound):
            if reason not in reasons:
                reasons.append(reason)
    return reasons


def _parse(source: str) -> ast.Module | None:
    """Parse a cell as IPython runs it: magics and shell escapes become Python first."""
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        python = TransformerManager().transform_cell(source)
        return ast.parse(python)
    except (SyntaxError, ValueError):
        return None  # the cell fails when it runs; that is not tampering


def _imported_names(tree: ast.AST) -> Iterable[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            for alias in node.names:
                yield (alias.asname or alias.name).split(".")[0]


def _bound_names(tree: ast.AST) -> Iterable[str]:
    """Names the learner's code binds itself: variables, parameters, functions, classes."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            yield node.id
        elif isinstance(node, ast.arg):
            yield node.arg
        elif isinstance(node, (*DEFINITIONS, ast.ExceptHandler)) and node.name:
            yield node.name


def _findings(tree: ast.AST, imported: set[str], bound: set[str]) -> Iterable[str]:
    allowed_magic_shells = set(_allowed_magic_receivers(tree))
    for node in ast.walk(tree):
        if id(node) in allowed_magic_shells:
            continue
        if isinstance(node, DEFINITIONS) and node.name in FORBIDDEN_NAMES:
            yield f"rebinds `{node.name}` (line {node.lineno})"
        if isinstance(node, ast.Import | ast.ImportFrom):
            for alias in node.names:
                if alias.asname in FORBIDDEN_NAMES:
                    yield f"rebinds `{alias.asname}` (line {node.lineno})"
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield from _import_finding(alias.name, None)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                yield f"a relative import (line {node.lineno})"
            else:
                for alias in node.names:
                    yield from _import_finding(node.module or "", alias.name)
        elif isinstance(node, ast.Call):
            yield from _call_finding(node)
        elif isinstance(node, ast.Name):
            if node.id in FORBIDDEN_NAMES and not (isinstance(node.ctx, ast.Store)):
                yield f"uses `{node.id}` (line {node.lineno}): the checks' or IPython's own"
            elif node.id in FORBIDDEN_NAMES:
                yield f"rebinds `{node.id}` (line {node.lineno})"
            elif _dunder(node.id) and node.id not in ALLOWED_DUNDERS:
                yield f"uses `{node.id}` (line {node.lineno})"
        elif isinstance(node, ast.Attribute):
            yield from _attribute_finding(node, imported, bound)
        elif isinstance(node, ast.Global | ast.Nonlocal):
            for name in node.names:
                if name in FORBIDDEN_NAMES:
                    yield f"rebinds `{name}` (line {node.lineno})"


def _allowed_magic_receivers(tree: ast.AST) -> Iterable[int]:
    """The ``get_ipython`` names of ``%time`` and ``%timeit``, as IPython rewrites them."""
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in {"run_line_magic", "run_cell_magic"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and node.args[0].value in ALLOWED_MAGICS
            and isinstance(node.func.value, ast.Call)
            and isinstance(node.func.value.func, ast.Name)
            and node.func.value.func.id == "get_ipython"
        ):
            yield id(node.func.value.func)


def _import_finding(module: str, name: str | None) -> Iterable[str]:
    root = module.split(".")[0]
    what = f"{module}.{name}" if name else module
    if module in ALLOWED_KIT_NAMES:
        if name is None or name not in ALLOWED_KIT_NAMES[module]:
            yield f"imports `{what}`: an answer needs only `boot` from the kit"
        return
    if root == "demo_project":
        if not module.startswith(ALLOWED_PROJECT_IMPORTS):
            yield f"imports `{what}`: the checks and the grader are not part of an answer"
        return
    if module.startswith(REFUSED_DJANGO) or (module == "django.test" and name is None):
        yield f"imports `{what}`: the query instruments' own module"
        return
    if root not in ALLOWED_IMPORTS:
        yield f"imports `{what}`: not a module an answer needs"


def _call_finding(node: ast.Call) -> Iterable[str]:
    function = node.func
    if isinstance(function, ast.Name):
        if function.id in FORBIDDEN_CALLS:
            yield f"calls `{function.id}()` (line {node.lineno})"
        elif function.id == "type" and len(node.args) != 1:
            yield f"builds a class with `type()` (line {node.lineno})"
    elif isinstance(function, ast.Attribute) and function.attr in {
        "run_line_magic",
        "run_cell_magic",
    }:
        magic = node.args[0].value if node.args and isinstance(node.args[0], ast.Constant) else ""
        if magic not in ALLOWED_MAGICS:
            yield f"runs the magic `%{magic}` (line {node.lineno})"


def _attribute_finding(node: ast.Attribute, imported: set[str], bound: set[str]) -> Iterable[str]:
    if _dunder(node.attr) and node.attr not in ALLOWED_DUNDERS:
        yield f"reads `.{node.attr}` (line {node.lineno}): introspection"
    elif node.attr in FORBIDDEN_ATTRIBUTES:
        yield f"reaches `.{node.attr}` (line {node.lineno}): under the query instruments"
    if isinstance(node.ctx, ast.Store | ast.Del):
        root = _root_name(node)
        if root is not None and (root in imported or root not in bound):
            verb = "deletes" if isinstance(node.ctx, ast.Del) else "replaces"
            target = ast.unparse(node)
            yield f"{verb} `{target}` (line {node.lineno}): patches code it did not write"


def _root_name(node: ast.expr) -> str | None:
    """The name a pure dotted path starts from (``a`` in ``a.b.c``); None past a call."""
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _dunder(name: str) -> bool:
    return name.startswith("__") and name.endswith("__") and len(name) > 4
