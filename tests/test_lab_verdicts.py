"""A check with a receipt sends its verdict as structured output, whatever the outcome."""

from __future__ import annotations

import nbformat
import pytest
from nbclient import NotebookClient

from demo_project.lab.checks import VERDICT_MIME

SETUP = """from demo_project.lab import boot
from demo_project.lab.checks import check
lab = boot(items=20)"""
RIGHT = """from demo_project.catalog.models import Item
def active_item_rows():
    items = Item.objects.filter(is_active=True).select_related("category", "owner")
    return [(i.name, i.category.name, i.owner.username) for i in items.order_by("name", "id")]
"""
N_PLUS_ONE = """from demo_project.catalog.models import Item
def active_item_rows():
    items = Item.objects.filter(is_active=True).order_by("name", "id")
    return [(i.name, i.category.name, i.owner.username) for i in items]
"""
STUB = "def active_item_rows():\n    raise NotImplementedError()"


@pytest.fixture(scope="module")
def kernel_verdicts() -> dict[str, list[dict]]:
    """One kernel: each answer in turn, then its checks; the verdicts by receipt."""
    cells = [SETUP]
    cells += [RIGHT, 'check("5.1", receipt="right")', 'check("5.1", hidden=True, receipt="right")']
    cells += [N_PLUS_ONE, 'check("5.1", receipt="n+1")']
    cells += [STUB, 'check("5.1", receipt="stub")']
    cells += [RIGHT, 'check("5.1")']
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    NotebookClient(notebook, timeout=120, allow_errors=True, kernel_name="python3").execute()
    found: dict[str, list[dict]] = {"right": [], "n+1": [], "stub": [], "no receipt": []}
    for output in (output for cell in notebook.cells for output in cell.outputs):
        verdict = output.get("data", {}).get(VERDICT_MIME)
        if verdict is not None:
            found[verdict["receipt"]].append(verdict)
    return found


def test_a_passing_check_sends_one_verdict_per_call_with_the_receipt(kernel_verdicts):
    visible, hidden = kernel_verdicts["right"]
    assert (visible["status"], visible["hidden"], visible["receipt"]) == ("passed", False, "right")
    assert (hidden["status"], hidden["hidden"]) == ("passed", True)
    assert visible["message"].startswith("✓ Exercise 5.1 passes")


def test_a_failing_check_sends_its_verdict_before_it_raises(kernel_verdicts):
    [verdict] = kernel_verdicts["n+1"]
    assert verdict["status"] == "failed"
    assert "the budget is 1 query" in verdict["message"]


def test_an_unanswered_exercise_is_not_done(kernel_verdicts):
    [verdict] = kernel_verdicts["stub"]
    assert verdict["status"] == "not done"


def test_a_learners_own_check_sends_nothing(kernel_verdicts):
    assert kernel_verdicts["no receipt"] == []
