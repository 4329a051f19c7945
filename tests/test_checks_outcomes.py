"""What a check says, and how it is marked, beyond right and wrong.

- After a kernel restart, an answer whose cell has not run again is "not run in this
  kernel", not "not done".
- An exception raised by the learner's own code is an error (E), as the instructor guide's
  table says, not a wrong result (F).
- An exercise that builds on an earlier one is checked with the earlier one's reference
  answer filled in, says so, and gives the learner's own answer back afterwards; every such
  chain in ``solutions/`` is declared.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest
import test_requirements
from test_requirements import run_answer, solution_cells

from demo_project.catalog.models import Item
from demo_project.lab import checks
from demo_project.lab.checks import EXERCISES
from demo_project.tools.grading import judge as judging

ROOT = Path(__file__).resolve().parent.parent
booted = test_requirements.lab  # a fixture: a booted lab, as in a notebook


@pytest.fixture
def kernel(lab_kit, monkeypatch):
    """check() as a notebook calls it; outcomes start empty and verdicts are recorded."""
    monkeypatch.setattr(checks, "booted_lab", lambda: lab_kit)
    monkeypatch.setattr(checks, "_OUTCOMES", {})
    sent = []
    monkeypatch.setattr("IPython.display.display", lambda data, raw: sent.append(data))
    checks.sent = sent
    yield checks
    del checks.sent


def verdict(kernel) -> dict:
    (record,) = [data[checks.VERDICT_MIME] for data in kernel.sent]
    return record


# After a restart


def test_a_check_whose_answer_cell_has_not_run_in_this_kernel_says_so(kernel):
    with pytest.raises(checks.NotDone) as outcome:
        kernel.check("5.1", namespace={"lab": object()}, receipt="r")
    first = str(outcome.value).splitlines()[0]
    assert first == "✗ Exercise 5.1 is not run in this kernel: `active_item_rows` is not defined."
    assert "Run the cell(s) above" in str(outcome.value)
    assert "not done" not in first
    assert kernel.progress("05").loc["5.1", "status"] == "not run"
    assert verdict(kernel)["status"] == "not done"  # a graded notebook ran every cell


def test_a_check_before_the_setup_cell_says_to_run_it(kernel, monkeypatch):
    monkeypatch.setattr(checks, "booted_lab", lambda: None)
    with pytest.raises(checks.NotDone) as outcome:
        kernel.check("5.1", namespace={"active_item_rows": list})
    assert str(outcome.value).startswith("✗ Exercise 5.1 is not run in this kernel")
    assert "Run the setup cell at the top" in str(outcome.value)


# The learner's own exception


def rows_with_a_typo():
    items = Item.objects.filter(is_active=True).select_releated("category", "owner")
    return [(i.name, i.category.name, i.owner.username) for i in items]


def test_an_exception_raised_by_the_learners_code_is_an_error(kernel):
    with pytest.raises(checks.CheckFailed) as outcome:
        kernel.check("5.1", namespace={"active_item_rows": rows_with_a_typo}, receipt="r")
    assert "rows_with_a_typo() raised AttributeError" in str(outcome.value)
    assert "select_releated" in str(outcome.value)
    record = verdict(kernel)
    assert record["status"] == "error"
    assert judging.from_verdicts([record, {**record, "hidden": True}], "r")[0] == "error"


def test_a_hidden_check_keeps_an_exception_an_error(kernel):
    with pytest.raises(checks.CheckFailed) as outcome:
        kernel.check("5.1", namespace={"active_item_rows": rows_with_a_typo}, hidden=True)
    assert not isinstance(outcome.value, checks.HiddenCheckFailed)


def test_the_judge_reads_a_learners_exception_as_an_error_without_verdicts():
    exercise = judging.Exercise("5.1", 2, "ex5-1-answer", "ex5-1-check")
    check = {
        "execution_count": 3,
        "outputs": [
            {
                "output_type": "error",
                "ename": "AnswerRaised",
                "evalue": "✗ Exercise 5.1: active_item_rows() raised AttributeError: x",
                "traceback": [],
            }
        ],
        "metadata": {},
    }
    status, detail = judging.judge(exercise, {"ex5-1-check": check}, set(), "", "")
    assert status == "error"
    assert detail.startswith("Exercise 5.1: active_item_rows() raised AttributeError")


# Chained exercises


def rerun(namespace: dict, source: str, exercise: str) -> None:
    """Run ``source`` in the notebook, then the answer cell of ``exercise`` again."""
    exec(source, namespace)
    answer = dict(solution_cells(exercise))[f"ex{exercise.replace('.', '-')}-answer"]
    exec(answer, namespace)


def test_3_2_is_checked_with_3_1s_reference_in_place_of_an_unanswered_page_in(booted, capsys):
    namespace = run_answer(booted, "3.2")
    rerun(namespace, "class PageIn(Schema):\n    pass\n", "3.2")  # 3.1 not done
    capsys.readouterr()
    checks.check("3.2", namespace=namespace)
    out = capsys.readouterr().out
    assert out.startswith("✓ Exercise 3.2 passes"), out
    assert "It used the reference answer of 3.1 (PageIn), not yours." in out
    assert not namespace["PageIn"].model_fields  # the learner's own class is back


def test_4_3_is_checked_with_4_1s_reference_and_gives_the_learners_back(booted, capsys):
    namespace = run_answer(booted, "4.3")
    exec("def user_can_review(user, item):\n    raise NotImplementedError()\n", namespace)
    stub = namespace["user_can_review"]
    capsys.readouterr()
    checks.check("4.3", namespace=namespace)
    out = capsys.readouterr().out
    assert out.startswith("✓ Exercise 4.3 passes"), out
    assert "reference answer of 4.1 (user_can_review)" in out
    assert namespace["user_can_review"] is stub


def defined_and_used(source: str) -> tuple[set[str], set[str]]:
    """Names an answer cell defines at its top level (not imports), and names it reads."""
    tree = ast.parse(source)
    defined = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            defined.add(node.name)
        elif isinstance(node, ast.Assign):
            defined |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    return defined, used


def chains_in_solutions() -> dict[str, set[str]]:
    """For each exercise, the earlier exercises whose answer cells define a name it uses."""
    found = {}
    for path in sorted((ROOT / "solutions").glob("*.ipynb")):
        earlier: dict[str, set[str]] = {}
        for cell in nbformat.read(path, as_version=4).cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
            match = re.fullmatch(r"ex(\d+)-(\d+)-answer", grade_id)
            if not match:
                continue
            exercise = f"{match[1]}.{match[2]}"
            defined, used = defined_and_used(cell.source)
            used = (used | set(EXERCISES[exercise].answers)) - defined
            found[exercise] = {e for e, names in earlier.items() if names & used}
            earlier[exercise] = defined
    return found


def test_every_chain_in_the_solutions_is_checked_with_the_reference_filled_in():
    chains = chains_in_solutions()
    assert set(chains) == set(EXERCISES)
    chained = {e: c for e, c in chains.items() if c}
    assert chained == {"3.2": {"3.1"}, "4.3": {"4.1"}, "6.2": {"6.1"}}
    for exercise, earlier in chains.items():
        assert set(EXERCISES[exercise].builds_on) == earlier, exercise
        for name in {n for e in earlier for n in EXERCISES[e].reference}:
            assert any(name in defined_and_used(s)[0] for _, s in solution_cells(exercise)), name
