"""The grading command gives each submission the marks it deserves, and the run goes on.

One run of the command, as the instructor guide writes it, over the solutions (full
marks), the unsolved exercises (zero, every exercise "not done", no crash) and the
deliberately wrong learners' copies in tests/submissions/: a right answer with an N+1, a
hard-coded answer that fits only the catalog the learner sees, a cache that is never
invalidated, invalidation that only the hidden checks catch, an edited and a deleted
check cell, an endless loop, an import that fails, reordered cells, a file cut short and a
notebook that is none of the workbook's. Then the same command must not have changed a
byte of what it graded. The other tests build submissions in memory, without a kernel.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from demo_project.lab import grading
from demo_project.lab.checks import EXERCISES

ROOT = Path(__file__).resolve().parent.parent
GRADED = ["solutions", "exercises", "tests/submissions"]
FULL = {
    "01-models": 8,
    "02-schemas": 8,
    "03-the-api": 6,
    "04-services": 9,
    "05-selectors-and-n-plus-one": 11,
    "06-caching": 18,
    "07-auth": 6,
    "08-the-reference-reviewed": 7,
    "09-async-ninja": 5,
}
# (learner, notebook) -> (points, the status of each exercise that did not pass)
WRONG = {
    ("n-plus-one", "05-selectors-and-n-plus-one"): (9, {"5.1": "failed"}),
    ("hard-coded", "05-selectors-and-n-plus-one"): (7, {"5.4": "failed"}),
    ("stale-cache", "06-caching"): (11, {"6.2": "failed", "6.3": "failed"}),
    # Invalidating before the commit: the learner's own check says so (a stated requirement).
    ("eager-invalidation", "06-caching"): (11, {"6.2": "failed", "6.3": "failed"}),
    ("edited-check", "07-auth"): (4, {"7.1": "failed"}),
    ("endless-loop", "04-services"): (6, {"4.2": "time limit"}),
    ("import-fails", "08-the-reference-reviewed"): (3, {"8.2": "error"}),
    ("reordered", "03-the-api"): (6, {}),
    (
        "broken-json",
        "05-selectors-and-n-plus-one",
    ): (0, {e: "not graded" for e in ("5.1", "5.2", "5.3", "5.4")}),
}


def fingerprints(paths: list[str]) -> dict[str, tuple[str, float]]:
    found = {}
    for folder in paths:
        for path in sorted((ROOT / folder).rglob("*.ipynb")):
            found[str(path)] = (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime)
    return found


def run_the_guides_command(tmp_path: Path):
    """Run the guide's command; return its output, the CSV rows and the fingerprints."""
    before = fingerprints(GRADED)
    env = {k: v for k, v in os.environ.items() if k not in grading.CLEARED_ENVIRONMENT}
    command = [sys.executable, "-m", "demo_project.lab.grading", *GRADED]
    command += ["--jobs", "2", "--cell-timeout", "20", "--csv", str(tmp_path / "grades.csv")]
    result = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900, check=False
    )
    after = fingerprints(GRADED)
    with (tmp_path / "grades.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return result, rows, before, after


def points_of(rows, learner, notebook):
    mine = [row for row in rows if row["learner"] == learner and row["notebook"] == notebook]
    assert mine, f"no rows for {learner}/{notebook}"
    return sum(float(row["points"]) for row in mine), {row["exercise"]: row for row in mine}


def test_the_guides_command_gives_every_submission_the_marks_it_deserves(tmp_path):
    # One test, not one per claim: each would grade all 26 notebooks again in its own
    # pytest-xdist worker.
    result, rows, before, after = run_the_guides_command(tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert before == after, "grading never modifies a submission"

    # Progress on stderr, a table per notebook on stdout.
    assert "[1/26] " in result.stderr and "[26/26] " in result.stderr
    assert "26 submissions graded in" in result.stderr
    lines = result.stdout.splitlines()
    assert "05-selectors-and-n-plus-one (4 exercises, 11 points)" in lines
    assert ["n-plus-one", "0F", "2", "3", "4", "9/11"] in [line.split() for line in lines]
    assert ["exercises", "0N", "0N", "0N", "0N", "0/11"] in [line.split() for line in lines]
    assert ["solutions", "2", "2", "3", "4", "11/11"] in [line.split() for line in lines]
    assert any(line.split()[:1] == ["eager-invalidation"] and "0H" in line for line in lines)

    # The CSV: one row per learner and exercise.
    keys = [(row["learner"], row["notebook"], row["exercise"]) for row in rows]
    assert len(keys) == len(set(keys))
    assert list(rows[0]) == grading.CSV_FIELDS
    assert sum(1 for row in rows if row["learner"] == "solutions") == len(EXERCISES) == 22

    # The solutions: full marks; the unsolved exercises: zero, every exercise "not done".
    for notebook, full in FULL.items():
        points, exercises = points_of(rows, "solutions", notebook)
        assert points == full, {e: (r["status"], r["detail"]) for e, r in exercises.items()}
        assert all(row["notes"] == "" for row in exercises.values())
        points, exercises = points_of(rows, "exercises", notebook)
        assert points == 0
        for exercise, row in exercises.items():
            assert row["status"] == "not done", (exercise, row["detail"])
            assert f"Exercise {exercise} is not done yet" in row["detail"]

    # The wrong submissions: each the marks it deserves, and why.
    for (learner, notebook), (expected_points, expected_statuses) in WRONG.items():
        points, exercises = points_of(rows, learner, notebook)
        statuses = {e: row["status"] for e, row in exercises.items() if row["status"] != "passed"}
        details = {e: row["detail"] for e, row in exercises.items()}
        assert (points, statuses) == (expected_points, expected_statuses), (learner, details)

    def row(learner, notebook, exercise):
        return points_of(rows, learner, notebook)[1][exercise]

    five, six = "05-selectors-and-n-plus-one", "06-caching"
    detail = row("n-plus-one", five, "5.1")["detail"]
    assert "the list is right, but it took 183 queries; the budget is 1 query" in detail
    assert "a catalog of 100 items (seed 42)" in detail
    assert "seed 7" in row("hard-coded", five, "5.4")["detail"]  # right on the data it saw
    assert "stale" in row("stale-cache", six, "6.2")["detail"]
    assert "(hidden check)" not in row("eager-invalidation", six, "6.2")["detail"]
    assert "rolled back" in row("eager-invalidation", six, "6.2")["detail"]
    assert "time limit of 20 s" in row("endless-loop", "04-services", "4.2")["detail"]
    assert (
        "ModuleNotFoundError" in row("import-fails", "08-the-reference-reviewed", "8.2")["detail"]
    )
    notes = row("edited-check", "07-auth", "7.1")["notes"]
    assert "check cell of 7.1 edited: graded with the original" in notes
    assert "check cell of 7.2 deleted: restored" in notes
    assert "cells reordered" in row("reordered", "03-the-api", "3.1")["notes"]
    assert "invalid JSON" in row("broken-json", five, "5.1")["detail"]
    (other,) = [r for r in rows if r["learner"] == "my-notes"]
    assert other["status"] == "not graded" and "not one of the workbook's" in other["notes"]


# ---------------------------------------------------------------------------------------
# Without a kernel


@pytest.fixture(scope="module")
def assignments():
    return grading.load_assignments()


def test_learners_are_named_by_their_folder_or_their_own_file_name(tmp_path, assignments):
    (tmp_path / "alice").mkdir()
    (tmp_path / "alice" / "05-selectors-and-n-plus-one.ipynb").write_text("{}")
    (tmp_path / "bob.ipynb").write_text("{}")
    (tmp_path / ".ipynb_checkpoints").mkdir()
    (tmp_path / ".ipynb_checkpoints" / "bob-checkpoint.ipynb").write_text("{}")
    found = grading.find_submissions([tmp_path], assignments)
    assert sorted(s.learner for s in found) == ["alice", "bob"]


def test_a_notebook_is_recognized_by_metadata_name_or_cells(assignments):
    released = json.loads((ROOT / "exercises" / "07-auth.ipynb").read_text())
    assert grading.identify(Path("x.ipynb"), released, assignments) == "07-auth"
    released["metadata"].pop("workbook")
    assert grading.identify(Path("x.ipynb"), released, assignments) == "07-auth"
    assert grading.identify(Path("06-caching.ipynb"), None, assignments) == "06-caching"
    assert grading.identify(Path("notes.ipynb"), {"cells": []}, assignments) is None


def released(stem: str) -> dict:
    return json.loads(nbformat.writes(nbformat.read(ROOT / "exercises" / f"{stem}.ipynb", 4)))


def gid(cell) -> str | None:
    return cell.get("metadata", {}).get("grade_id")


def test_deleted_and_edited_cells_are_restored_and_said_so(assignments):
    nb = released("07-auth")
    ids = [c["metadata"].get("nbgrader", {}).get("grade_id") for c in nb["cells"]]
    nb["cells"][ids.index("ex7-1-check")]["source"] = "print('✓')"
    del nb["cells"][ids.index("ex7-2-check")]
    run, notes, missing = grading.build_run(nb, assignments["07-auth"])
    assert notes == [
        "check cell of 7.1 edited: graded with the original",
        "check cell of 7.2 deleted: restored",
    ]
    assert missing == set()
    checks = [c.source for c in run.cells if gid(c) in {"ex7-1-check", "ex7-2-check"}]
    assert all("hidden=True" in source for source in checks)


def test_a_deleted_answer_is_not_done_and_own_cells_stay_in_place(assignments):
    nb = released("07-auth")
    ids = [c["metadata"].get("nbgrader", {}).get("grade_id") for c in nb["cells"]]
    del nb["cells"][ids.index("ex7-1-answer")]
    mine = {"cell_type": "code", "source": "print('mine')", "metadata": {}, "outputs": []}
    ids.remove("ex7-1-answer")
    nb["cells"].insert(ids.index("ex7-1-check") + 1, mine)  # right after the 7.1 check
    run, notes, missing = grading.build_run(nb, assignments["07-auth"])
    assert notes == ["answer cell of 7.1 deleted"] and missing == {"7.1"}
    sources = [c.source for c in run.cells]
    assert sources.index("print('mine')") == [gid(c) for c in run.cells].index("ex7-1-check") + 1


def test_reordered_cells_run_in_the_workbook_order(assignments):
    nb = released("03-the-api")
    ids = [c["metadata"].get("nbgrader", {}).get("grade_id") for c in nb["cells"]]
    a, b = ids.index("ex3-1-answer"), ids.index("ex3-2-answer")
    nb["cells"][a], nb["cells"][b] = nb["cells"][b], nb["cells"][a]
    run, notes, _ = grading.build_run(nb, assignments["03-the-api"])
    assert notes == ["cells reordered: graded in the workbook's order"]
    order = [gid(c) for c in run.cells if gid(c)]
    assert order.index("ex3-1-answer") < order.index("ex3-2-answer")


def test_a_file_that_is_not_json_is_not_graded_without_a_kernel(tmp_path, assignments):
    path = tmp_path / "07-auth.ipynb"
    path.write_text('{"cells": [')
    submission = grading.grade_one(grading.Submission("zoe", path), assignments)
    assert [row.status for row in submission.rows] == ["not graded", "not graded"]
    assert submission.notes[0].startswith("not a notebook: invalid JSON")
    assert path.read_text() == '{"cells": ['


def test_a_check_that_raised_is_judged_by_its_kind():
    exercise = grading.Exercise("5.1", 2, "ex5-1-answer", "ex5-1-check")
    ok = {"status": "ok", "ename": "", "evalue": ""}

    def outcome(ename, first_line="✗ Exercise 5.1: wrong.", evalue=""):
        return {"status": "error", "ename": ename, "evalue": evalue, "traceback": [first_line]}

    def judge(check, answer=ok):
        outcomes = {"ex5-1-answer": answer, "ex5-1-check": check}
        return grading.judge(exercise, outcomes, set(), "")

    assert judge(ok) == ("passed", "")
    assert judge(outcome("CheckFailed")) == ("failed", "Exercise 5.1: wrong.")
    assert judge(outcome("HiddenCheckFailed"))[0] == "failed hidden"
    assert judge(outcome("NotDone"))[0] == "not done"
    assert judge(outcome("CellTimeoutError", evalue="over 20 s"))[0] == "time limit"
    assert judge(outcome("NameError", evalue="name 'x' is not defined")) == (
        "error",
        "NameError: name 'x' is not defined",
    )
    broken_answer = outcome("ModuleNotFoundError", evalue="No module named 'y'")
    assert judge(outcome("NameError"), broken_answer) == (
        "error",
        "the answer cell failed: ModuleNotFoundError: No module named 'y'",
    )
    assert grading.judge(exercise, {}, set(), "the kernel died") == ("not run", "the kernel died")


def test_nbgrader_takes_a_solution_as_it_is_and_grades_like_the_grader(tmp_path):
    """nbgrader's own generate_assignment and autograde, on lesson 05: the same marks."""
    stem = "05-selectors-and-n-plus-one"
    bin_dir = Path(sys.executable).parent
    env = {k: v for k, v in os.environ.items() if k not in grading.CLEARED_ENVIRONMENT}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"  # nbgrader runs alembic
    env.setdefault("MPLBACKEND", "Agg")

    def nbgrader(*args):
        result = subprocess.run(
            [str(bin_dir / "nbgrader"), *args, "--CourseDirectory.root=."],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr[-3000:]

    (tmp_path / "source" / "ps05").mkdir(parents=True)
    shutil.copy(ROOT / "solutions" / f"{stem}.ipynb", tmp_path / "source" / "ps05")
    nbgrader("generate_assignment", "ps05")
    released = nbformat.read(tmp_path / "release" / "ps05" / f"{stem}.ipynb", 4)
    assert "BEGIN SOLUTION" not in json.dumps(released) and "hidden=True" not in json.dumps(
        released
    )

    copies = {
        "alice": ROOT / "tests" / "submissions" / "n-plus-one" / f"{stem}.ipynb",
        "bob": tmp_path / "release" / "ps05" / f"{stem}.ipynb",
    }
    for student, source in copies.items():
        (tmp_path / "submitted" / student / "ps05").mkdir(parents=True)
        shutil.copy(source, tmp_path / "submitted" / student / "ps05")
        nbgrader("db", "student", "add", student)
    nbgrader("autograde", "ps05")

    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}") as gradebook:
        scores = {
            student: {
                grade.name: grade.score
                for notebook in gradebook.find_submission("ps05", student).notebooks
                for grade in notebook.grades
            }
            for student in copies
        }
    assert scores["alice"] == {
        "ex5-1-check": 0,
        "ex5-2-check": 2,
        "ex5-3-check": 3,
        "ex5-4-check": 4,
    }
    assert set(scores["bob"].values()) == {0}
