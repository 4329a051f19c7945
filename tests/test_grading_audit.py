"""The audit names each way a submission can reach the checks, and no right answer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from demo_project.tools.grading.audit import audit_cells

ROOT = Path(__file__).resolve().parent.parent


def answer_cells(path: Path) -> list[str]:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    return [
        "".join(cell["source"])
        for cell in notebook["cells"]
        if cell.get("metadata", {}).get("nbgrader", {}).get("solution")
    ]


@pytest.mark.parametrize(
    "path", sorted((ROOT / "solutions").glob("*.ipynb")), ids=lambda path: path.stem
)
def test_no_reference_answer_is_flagged(path):
    assert audit_cells(answer_cells(path)) == []


ORDINARY = [
    "def f(items):\n    for item in items:\n        item.price = 1\n        item.save()",
    "class ItemOut(Schema):\n    def __init__(self):\n        super().__init__()",
    "from django.db.models import Count, F, Prefetch, Q\nfrom django.db import transaction",
    "from demo_project.lab import boot\nlab = boot(items=40)",
    "%timeit sum(range(3))",
    "from django.db import connection\nwith connection.execute_wrapper(print):\n    pass",
    "for _ in range(3):\n    pass",
    "try:\n    pass\nexcept ValueError as error:\n    message = str(error)",
    "x = (1 +",  # fails when it runs; not tampering
]


@pytest.mark.parametrize("source", ORDINARY)
def test_ordinary_code_is_not_flagged(source):
    assert audit_cells([source]) == []


# Each way a submission patched the checks, silenced them or hid its queries.
TAMPERING = {
    "replaces check": "from demo_project.lab import checks\nchecks.check = lambda *a, **k: None",
    "rebinds check": "def check(*args, **kwargs):\n    pass",
    "rewrites the registry": ("from demo_project.lab.checks import EXERCISES\nEXERCISES.clear()"),
    "input transformer": (
        "ip = get_ipython()\nip.input_transformers_post.append(lambda lines: [])"
    ),
    "ast transformer": (
        "import ast\nclass Quiet(ast.NodeTransformer):\n    pass\n"
        "get_ipython().ast_transformers.append(Quiet())"
    ),
    "zeroes the panel": (
        "from demo_project.lab.queries import QueryPanel\nQueryPanel.count = property(lambda s: 0)"
    ),
    "removes the recorder": (
        "from django.db import connection\nconnection.execute_wrappers.clear()"
    ),
    "raw connection": (
        "from django.db import connection\n"
        "def rows():\n    cursor = connection.connection.cursor()\n    return cursor"
    ),
    "driver trace": "import sqlite3\nsqlite3.connect(':memory:').set_trace_callback(None)",
    "patches Django": ("from django.db.models import QuerySet\nQuerySet.count = lambda self: 0"),
    "patches the lab": "lab.queries = lambda *a, **k: None",
    "introspection": "def f():\n    return f.__globals__",
    "getattr by string": "import django\ngetattr(django, 'db')",
    "exec": "exec('import os')",
    "history": "source = In[-1]",
    "shell escape": "!cat /proc/1/cmdline",
    "other magic": "%load_ext something",
    "os": "import os\nos.system('true')",
    "builtins": "import builtins\nbuiltins.print = None",
    "frames": "import sys\nframe = sys._getframe(1)",
    "gc": "import gc\ngc.get_objects()",
    "instruments module": "from django.test.utils import CaptureQueriesContext",
    "type()": "Sneaky = type('Sneaky', (), {})",
    "open": "open('/tmp/x', 'w')",
}


@pytest.mark.parametrize("source", TAMPERING.values(), ids=TAMPERING.keys())
def test_each_tampering_technique_is_named(source):
    reasons = audit_cells([source])
    assert reasons, source


def test_a_reason_says_what_and_where():
    reasons = audit_cells(
        ["x = 1\nfrom django.db import connection\nconnection.execute_wrappers.pop()"]
    )
    assert reasons == ["reaches `.execute_wrappers` (line 3): under the query instruments"]


def test_a_name_bound_in_another_cell_is_the_learners_own():
    assert audit_cells(["helper = object()", "def f(x):\n    helper.value = x"]) == []
    assert audit_cells(["import django", "def f():\n    django.VERSION = (9,)"]) != []
