"""Fair marks in both graders: a chained exercise is marked on its own answer, and the
learner's own exception is an error.

One learner's copy of exercises 06: 6.1 left unanswered, 6.2 answered right (its check
reads through 6.1's answer), 6.3 answered with a typo that raises. ``make grade``'s grader
and nbgrader's own ``autograde`` both give 6.2 its points.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
STEM = "06-caching"
CLEARED = {"DATABASE_URL", "CACHE_URL", "CELERY_BROKER_URL"}


def answer_of(grade_id: str) -> str:
    """The solution's answer cell, its markers taken out."""
    solution = nbformat.read(ROOT / "solutions" / f"{STEM}.ipynb", as_version=4)
    source = next(
        c.source for c in solution.cells if c.metadata["nbgrader"]["grade_id"] == grade_id
    )
    return "\n".join(line for line in source.splitlines() if "### " not in line)


@pytest.fixture(scope="module")
def submission(tmp_path_factory) -> Path:
    nb = nbformat.read(ROOT / "exercises" / f"{STEM}.ipynb", as_version=4)
    cells = {cell.metadata["nbgrader"]["grade_id"]: cell for cell in nb.cells}
    cells["ex6-2-answer"].source = answer_of("ex6-2-answer")
    cells["ex6-3-answer"].source = answer_of("ex6-3-answer").replace(
        "Item.objects.select_for_update()", "Item.objects.select_releated()"
    )
    assert "select_releated" in cells["ex6-3-answer"].source
    folder = tmp_path_factory.mktemp("collected") / "Amélie Dubois"
    folder.mkdir()
    nbformat.write(nb, folder / f"{STEM}.ipynb")
    return folder / f"{STEM}.ipynb"


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("MPLBACKEND", "Agg")
    return env


def test_the_grader_marks_6_2_on_its_own_answer_and_a_typo_as_an_error(submission, tmp_path):
    grades = tmp_path / "grades.csv"
    command = [sys.executable, "-m", "demo_project.tools.grading", str(submission.parent)]
    command += ["--jobs", "1", "--cell-timeout", "60", "--csv", str(grades)]
    result = subprocess.run(
        command, cwd=ROOT, env=environment(), capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr[-3000:]
    with grades.open(newline="", encoding="utf-8") as handle:
        rows = {row["exercise"]: row for row in csv.DictReader(handle)}
    assert rows["6.1"]["status"] == "not done"
    assert (rows["6.2"]["status"], rows["6.2"]["points"]) == ("passed", "3")
    assert rows["6.3"]["status"] == "error"
    assert "select_releated" in rows["6.3"]["detail"]


def test_nbgrader_autograde_marks_6_2_on_its_own_answer(submission, tmp_path):
    env = environment()

    def nbgrader(*args):
        result = subprocess.run(
            [str(Path(sys.executable).parent / "nbgrader"), *args, "--CourseDirectory.root=."],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr[-3000:]

    (tmp_path / "source" / "ps06").mkdir(parents=True)
    shutil.copy(ROOT / "solutions" / f"{STEM}.ipynb", tmp_path / "source" / "ps06")
    nbgrader("generate_assignment", "ps06")
    (tmp_path / "submitted" / "amelie" / "ps06").mkdir(parents=True)
    shutil.copy(submission, tmp_path / "submitted" / "amelie" / "ps06")
    nbgrader("db", "student", "add", "amelie")
    nbgrader("autograde", "ps06")

    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}") as gradebook:
        (notebook,) = gradebook.find_submission("ps06", "amelie").notebooks
        scores = {grade.name: grade.score for grade in notebook.grades}
    assert scores == {
        "ex6-1-check": 0,
        "ex6-2-check": 3,
        "ex6-3-check": 0,
        "ex6-4-check": 0,
        "ex6-5-check": 0,
    }
