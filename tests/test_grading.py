"""The grading command gives each submission the marks it deserves, and the run goes on.

One run of the command, as the instructor guide writes it, over the solutions (full
marks), the unsolved exercises (zero, every exercise "not done", no crash) and the
deliberately wrong learners' copies in tests/submissions/: a right answer with an N+1, a
hard-coded answer that fits only the catalog the learner sees, a cache that is never
invalidated, invalidation that only the hidden checks catch, an order by -id that only a
hidden catalog catches, an edited and a deleted check cell, an endless loop, an import
that fails, reordered cells, a file cut short and a notebook that is none of the
workbook's. In the same run, submissions attack the grader and their classmates from the
sandbox: one rewrites and deletes two classmates' notebooks (and runs their answers),
one leaves a process behind to rewrite the CSV, one reads the grader's command line from
/proc, one edits the kit's checks, one reaches for the network, one bombs memory, output
and processes. Each gets its marks, the classmates theirs, and afterwards not a byte of
what was graded or of the project has changed, the CSV is the grader's, and no process
the submissions started is left.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from demo_project.lab.checks import EXERCISES
from demo_project.tools.grading.assemble import load_assignments
from demo_project.tools.grading.report import CSV_FIELDS

ROOT = Path(__file__).resolve().parent.parent
GRADED = ["solutions", "exercises", "tests/submissions"]
# The kernels run on the embedded defaults: parallel submissions share no database.
CLEARED_ENVIRONMENT = ("DATABASE_URL", "CACHE_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND")
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
FIVE = "05-selectors-and-n-plus-one"
REVIEW = {e: "needs review" for e in ("5.1", "5.2", "5.3", "5.4")}
TAMPERING = [
    "ast-transformer",
    "drop-recorder",
    "input-transformer",
    "raw-connection",
    "registry",
    "replace-check",
    "zero-panel",
]
# (learner, notebook) -> (points, the status of each exercise that did not pass)
WRONG = {
    ("n-plus-one", FIVE): (9, {"5.1": "failed"}),
    ("hard-coded", FIVE): (7, {"5.4": "failed"}),
    ("orders-by-id", FIVE): (9, {"5.2": "failed hidden"}),
    ("stale-cache", "06-caching"): (11, {"6.2": "failed", "6.3": "failed"}),
    # Invalidating before the commit: the learner's own check says so (a stated requirement).
    ("eager-invalidation", "06-caching"): (11, {"6.2": "failed", "6.3": "failed"}),
    # Its 7.1 raises on a missing header: the learner's own exception is an error (E).
    ("edited-check", "07-auth"): (4, {"7.1": "error"}),
    ("endless-loop", "04-services"): (6, {"4.2": "time limit"}),
    # An import an answer does not need is a reason to look: the audit holds the marks back.
    ("import-fails", "08-the-reference-reviewed"): (
        0,
        {"8.1": "needs review", "8.2": "needs review"},
    ),
    ("reordered", "03-the-api"): (6, {}),
    ("broken-json", FIVE): (0, {e: "not graded" for e in ("5.1", "5.2", "5.3", "5.4")}),
    # Attacks from inside the sandbox: each held back by the audit, and contained by the
    # sandbox whatever the audit says (what they saw is in the detail)
    ("peer-sabotage", FIVE): (0, REVIEW),
    ("victim-a", FIVE): (11, {}),
    ("victim-b", FIVE): (11, {}),
    ("outlive-the-grader", FIVE): (0, REVIEW),
    ("spy-proc", FIVE): (0, REVIEW),
    ("edit-checks", FIVE): (0, REVIEW),
    ("network", FIVE): (0, REVIEW),
    ("bombs", FIVE): (0, REVIEW),
    # Tampering with the checks in the kernel: the audit names it
    **{(f"tamper-{kind}", FIVE): (0, REVIEW) for kind in TAMPERING},
}
SUBMISSIONS = (
    2 * len(FULL)  # solutions/ and exercises/
    + len(list((ROOT / "tests" / "submissions").glob("*/*.ipynb")))
)
TOKENS = ("outlive-the-grader-token", "process-bomb-token")
NETWORK_PORT = 47823  # the port tests/submissions/network tries on loopback


def fingerprints(paths: list[str]) -> dict[str, tuple[str, float]]:
    found = {}
    for folder in paths:
        for path in sorted((ROOT / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
                found[str(path)] = (digest, path.stat().st_mtime)
    return found


def survivors() -> list[str]:
    """Command lines of live processes that a submission started (they carry a token)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            text = cmdline.read_bytes().decode(errors="replace")
        except OSError:
            continue
        if any(token in text for token in TOKENS):
            found.append(text)
    return found


def run_the_guides_command(tmp_path: Path):
    """Run the guide's command; return its output, the CSV rows and the fingerprints."""
    before = fingerprints([*GRADED, "demo_project"])
    env = {k: v for k, v in os.environ.items() if k not in CLEARED_ENVIRONMENT}
    command = [sys.executable, "-m", "demo_project.tools.grading", *GRADED]
    command += ["--jobs", "2", "--cell-timeout", "20", "--csv", str(tmp_path / "grades.csv")]
    with socket.socket() as listener:  # what the network submission would reach, outside
        with contextlib.suppress(OSError):  # already taken: something listens there anyway
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(("127.0.0.1", NETWORK_PORT))
            listener.listen()
        result = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1200, check=False
        )
    written = (tmp_path / "grades.csv").read_bytes()
    time.sleep(3)  # a process left behind would rewrite the CSV by now
    after = fingerprints([*GRADED, "demo_project"])
    with (tmp_path / "grades.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return result, rows, before, after, written


def points_of(rows, learner, notebook):
    mine = [row for row in rows if row["learner"] == learner and row["notebook"] == notebook]
    assert mine, f"no rows for {learner}/{notebook}"
    return sum(float(row["points"]) for row in mine), {row["exercise"]: row for row in mine}


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed")
def test_the_guides_command_gives_every_submission_the_marks_it_deserves(tmp_path):
    # One test, not one per claim: each would grade every notebook again.
    result, rows, before, after, written = run_the_guides_command(tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert before == after, "grading changes no submission and no file of the project"
    assert (tmp_path / "grades.csv").read_bytes() == written, "the CSV is the grader's alone"
    assert survivors() == [], "every process a submission started is gone"

    # Progress on stderr, a table per notebook on stdout.
    assert "[1/" in result.stderr and f"[{SUBMISSIONS}/{SUBMISSIONS}] " in result.stderr
    assert f"{SUBMISSIONS} submissions graded in" in result.stderr
    assert not result.stdout.startswith("UNSANDBOXED")
    lines = result.stdout.splitlines()
    assert f"{FIVE} (4 exercises, 11 points)" in lines
    assert ["n-plus-one", "0F", "2", "3", "4", "9/11"] in [line.split() for line in lines]
    assert ["exercises", "0N", "0N", "0N", "0N", "0/11"] in [line.split() for line in lines]
    assert ["solutions", "2", "2", "3", "4", "11/11"] in [line.split() for line in lines]
    assert any(line.split()[:1] == ["eager-invalidation"] and "0F" in line for line in lines)

    # The CSV: one row per learner and exercise, with the file's path.
    keys = [(row["learner"], row["notebook"], row["exercise"]) for row in rows]
    assert len(keys) == len(set(keys))
    assert list(rows[0]) == CSV_FIELDS
    assert (
        sum(1 for row in rows if row["learner"] == "solutions")
        == len(EXERCISES)
        == sum(len(assignment.exercises) for assignment in load_assignments().values())
    )
    assert {row["path"] for row in rows if row["learner"] == "victim-a"} == {
        f"tests/submissions/victim-a/{FIVE}.ipynb"
    }

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

    six = "06-caching"
    detail = row("n-plus-one", FIVE, "5.1")["detail"]
    assert "the list is right, but it took 183 queries; the budget is 1 query" in detail
    assert "a catalog of 100 items (seed 42)" in detail
    assert "seed 7" in row("hard-coded", FIVE, "5.4")["detail"]  # right on the data it saw
    assert "(hidden check)" in row("orders-by-id", FIVE, "5.2")["detail"]
    assert "stale" in row("stale-cache", six, "6.2")["detail"]
    assert "(hidden check)" not in row("eager-invalidation", six, "6.2")["detail"]
    assert "rolled back" in row("eager-invalidation", six, "6.2")["detail"]
    assert "time limit of 20 s" in row("endless-loop", "04-services", "4.2")["detail"]
    assert (
        "the answer cell failed: ModuleNotFoundError"
        in row("import-fails", "08-the-reference-reviewed", "8.2")["detail"]
    )
    notes = row("edited-check", "07-auth", "7.1")["notes"]
    assert "check cell of 7.1 edited: graded with the original" in notes
    assert "check cell of 7.2 deleted: restored" in notes
    assert "cells reordered" in row("reordered", "03-the-api", "3.1")["notes"]
    assert "invalid JSON" in row("broken-json", FIVE, "5.1")["detail"]
    (other,) = [r for r in rows if r["learner"] == "not-a-workbook"]  # the folder names it
    assert other["status"] == "not graded" and "not one of the workbook's" in other["notes"]

    # What the attacks saw from inside, as the checks reported it behind the audit's reasons.
    assert "the checks said: error" in row("spy-proc", FIVE, "5.1")["detail"]
    assert "saw 0 grader command lines" in row("spy-proc", FIVE, "5.1")["detail"]
    assert "no network" in row("network", FIVE, "5.1")["detail"]
    assert "the answer cell failed: MemoryError" in row("bombs", FIVE, "5.1")["detail"]
    assert "outputs cut at 2,000,000 bytes" in row("bombs", FIVE, "5.1")["notes"]
    for exercise in ("5.1", "5.2", "5.3", "5.4"):  # nothing to copy: every answer undefined
        assert "the checks said: not done" in row("peer-sabotage", FIVE, exercise)["detail"]
        assert "the checks said: passed" in row("outlive-the-grader", FIVE, exercise)["detail"]
    assert "imports `socket`" in row("network", FIVE, "5.1")["detail"]
    assert "replaces `checks.check`" in row("tamper-replace-check", FIVE, "5.1")["detail"]


def test_nbgrader_takes_a_solution_as_it_is_and_grades_like_the_grader(tmp_path):
    """nbgrader's own generate_assignment and autograde, on lesson 05: the same marks."""
    stem = "05-selectors-and-n-plus-one"
    bin_dir = Path(sys.executable).parent
    env = {k: v for k, v in os.environ.items() if k not in CLEARED_ENVIRONMENT}
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
