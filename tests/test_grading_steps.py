"""The grader's steps one at a time, without a kernel: assemble, judge, report, refuse.

The judge's tests hand it executed notebooks whose check cells carry verdict records,
``application/vnd.workbook.verdict+json``, as ``check()`` displays them.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from demo_project.tools.grading import judge as judging
from demo_project.tools.grading.assemble import assemble, load_assignments, with_receipt
from demo_project.tools.grading.records import Exercise, Row, Submission
from demo_project.tools.grading.report import CSV_FIELDS, summary, write_csv

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def assignments():
    return load_assignments()


def released(stem: str) -> dict:
    return json.loads(nbformat.writes(nbformat.read(ROOT / "exercises" / f"{stem}.ipynb", 4)))


def ids(nb: dict) -> list[str | None]:
    return [c["metadata"].get("nbgrader", {}).get("grade_id") for c in nb["cells"]]


def gid(cell) -> str | None:
    return cell.get("metadata", {}).get("grade_id")


# Assemble


def test_edited_and_deleted_locked_cells_are_restored_and_said_so(assignments):
    nb = released("07-auth")
    nb["cells"][ids(nb).index("ex7-1-check")]["source"] = "print('✓')"
    del nb["cells"][ids(nb).index("ex7-2-check")]
    run = assemble(nb, assignments["07-auth"])
    assert run.notes == [
        "check cell of 7.1 edited: graded with the original",
        "check cell of 7.2 deleted: restored",
    ]
    checks = [c.source for c in run.notebook.cells if gid(c) in {"ex7-1-check", "ex7-2-check"}]
    assert all("hidden=True" in source for source in checks)


def test_an_edit_nbgrader_sees_only_in_the_metadata_is_an_edit(assignments):
    nb = released("07-auth")
    nb["cells"][ids(nb).index("ex7-1-check")]["metadata"]["nbgrader"]["points"] = 99
    assert assemble(nb, assignments["07-auth"]).notes == [
        "check cell of 7.1 edited: graded with the original"
    ]
    assert assemble(released("07-auth"), assignments["07-auth"]).notes == []


def test_the_progress_cell_as_released_is_left_out_and_cells_after_it_still_run(assignments):
    nb = released("07-auth")
    mine = {"cell_type": "code", "source": "print('after')", "metadata": {}, "outputs": []}
    nb["cells"].insert(ids(nb).index("ex7-progress") + 1, mine)
    run = assemble(nb, assignments["07-auth"])
    assert "ex7-progress" not in [gid(c) for c in run.notebook.cells]
    assert run.notes == [] and "print('after')" in [c.source for c in run.notebook.cells]


def test_an_edited_or_deleted_progress_cell_runs_as_released(assignments):
    cells = assignments["07-auth"].cells
    (original,) = [c for c in cells if c.metadata["nbgrader"]["grade_id"] == "ex7-progress"]
    nb = released("07-auth")
    nb["cells"][ids(nb).index("ex7-progress")]["source"] = "import os"
    run = assemble(nb, assignments["07-auth"])
    assert run.notes == ["ex7-progress edited: restored"]
    (cell,) = [c for c in run.notebook.cells if gid(c) == "ex7-progress"]
    assert cell.source == original.source
    del nb["cells"][ids(nb).index("ex7-progress")]
    assert assemble(nb, assignments["07-auth"]).notes == ["ex7-progress deleted: restored"]


def test_a_deleted_answer_is_not_done_and_own_cells_stay_in_place(assignments):
    nb = released("07-auth")
    del nb["cells"][ids(nb).index("ex7-1-answer")]
    mine = {"cell_type": "code", "source": "print('mine')", "metadata": {}, "outputs": []}
    nb["cells"].insert(ids(nb).index("ex7-1-check") + 1, mine)
    run = assemble(nb, assignments["07-auth"])
    assert run.notes == ["answer cell of 7.1 deleted"] and run.missing == {"7.1"}
    sources = [c.source for c in run.notebook.cells]
    order = [gid(c) for c in run.notebook.cells]
    assert sources.index("print('mine')") == order.index("ex7-1-check") + 1
    assert "print('mine')" in run.learner_sources


def test_reordered_cells_run_in_the_workbook_order(assignments):
    nb = released("03-the-api")
    a, b = ids(nb).index("ex3-1-answer"), ids(nb).index("ex3-2-answer")
    nb["cells"][a], nb["cells"][b] = nb["cells"][b], nb["cells"][a]
    run = assemble(nb, assignments["03-the-api"])
    assert run.notes == ["cells reordered: graded in the workbook's order"]
    order = [gid(c) for c in run.notebook.cells if gid(c)]
    assert order.index("ex3-1-answer") < order.index("ex3-2-answer")


def test_every_check_call_of_a_check_cell_carries_the_runs_receipt(assignments):
    run = assemble(
        released("05-selectors-and-n-plus-one"), assignments["05-selectors-and-n-plus-one"]
    )
    assert len(run.receipt) == 32
    (check,) = [c.source for c in run.notebook.cells if gid(c) == "ex5-1-check"]
    assert f"check('5.1', receipt={run.receipt!r})" in check
    assert f"check('5.1', hidden=True, receipt={run.receipt!r})" in check
    answers = [c.source for c in run.notebook.cells if gid(c) == "ex5-1-answer"]
    assert run.receipt not in answers[0]
    assert assemble(released("07-auth"), assignments["07-auth"]).receipt != run.receipt
    assert with_receipt('check(\n    "5.1",\n)  # end', "r") == "check('5.1', receipt='r')  # end"


# Judge

EXERCISE = Exercise("5.1", 2, "ex5-1-answer", "ex5-1-check")
RECEIPT = "0123456789abcdef"


def verdict(status="passed", hidden=False, message="", receipt=RECEIPT, exercise="5.1"):
    record = {"exercise": exercise, "hidden": hidden, "status": status, "message": message}
    data = {judging.VERDICT_MIME: {**record, "receipt": receipt}}
    return {"output_type": "display_data", "data": data, "metadata": {}}


def error(ename, evalue=""):
    return {"output_type": "error", "ename": ename, "evalue": evalue, "traceback": []}


def cells(check_outputs, answer_outputs=(), ran=True):
    count = 1 if ran else None
    return {
        "ex5-1-answer": {"outputs": list(answer_outputs), "execution_count": count},
        "ex5-1-check": {"outputs": list(check_outputs), "execution_count": count},
    }


def judge(check_outputs, answer_outputs=(), *, missing=(), ending="", ran=True):
    found = cells(check_outputs, answer_outputs, ran)
    return judging.judge(EXERCISE, found, set(missing), ending, RECEIPT)


def test_both_verdicts_passed_is_passed():
    assert judge([verdict(), verdict(hidden=True)]) == ("passed", "")


def test_a_failed_verdict_says_what_failed():
    assert judge([verdict("failed", message="wrong rows"), error("CheckFailed")]) == (
        "failed",
        "wrong rows",
    )
    found = judge([verdict(), verdict("failed", hidden=True, message="seed 3")])
    assert found == ("failed hidden", "seed 3")
    assert judge([verdict("not done", message="stub")]) == ("not done", "stub")


def test_a_failed_answer_cell_says_more_than_its_checks_not_done():
    broken = [error("MemoryError")]
    not_done = [verdict("not done", message="✗ not defined"), error("NotDone", "✗ not defined")]
    assert judge(not_done, broken) == (
        "error",
        "the answer cell failed: MemoryError",
    )


def test_a_verdict_without_this_runs_receipt_is_a_forgery():
    forged = [verdict(receipt="guess"), verdict(hidden=True, receipt="guess")]
    assert judge(forged)[0] == "needs review"
    assert judge([verdict(), verdict(hidden=True, receipt="")])[0] == "needs review"


def test_only_the_check_cells_own_verdicts_count():
    # A verdict for another exercise, or a print that looks like one, is no verdict.
    other = [verdict(exercise="5.2"), verdict(exercise="5.2", hidden=True)]
    printed = {"output_type": "stream", "name": "stdout", "text": json.dumps(verdict())}
    assert judge([*other, printed]) == ("error", "the check cell recorded no verdict")
    # by_grade_id reads only cells the assembler marked: a learner's cell has no grade_id.
    executed = {
        "cells": [
            {"metadata": {}, "outputs": [verdict(), verdict(hidden=True)]},
            {"metadata": {"grade_id": "ex5-1-check"}, "outputs": [], "execution_count": 3},
        ]
    }
    found = judging.by_grade_id(executed)
    assert judging.judge(EXERCISE, found, set(), "", RECEIPT)[0] == "error"


def test_without_verdicts_the_cell_ending_decides():
    timeout = error("CellTimeoutError", "the cell ran over its time limit of 20 s")
    assert judge([timeout]) == ("time limit", "the cell ran over its time limit of 20 s")
    interrupted = [error("KeyboardInterrupt"), timeout]
    assert judge(interrupted) == ("time limit", "the cell ran over its time limit of 20 s")
    found = cells([error("KeyboardInterrupt")])  # nbclient's reply says what the limit did
    found["ex5-1-check"]["metadata"] = {"execute_reply": {"status": "error", **timeout}}
    found["ex5-1-check"]["metadata"]["execute_reply"].pop("traceback")
    assert judging.judge(EXERCISE, found, set(), "", RECEIPT) == (
        "time limit",
        "the cell ran over its time limit of 20 s",
    )
    assert judge([error("NameError", "x")], interrupted) == (
        "time limit",
        "the answer cell: the cell ran over its time limit of 20 s",
    )
    broken = [error("ModuleNotFoundError", "No module named 'y'")]
    assert judge([error("NameError", "x")], broken) == (
        "error",
        "the answer cell failed: ModuleNotFoundError: No module named 'y'",
    )
    assert judge([error("KeyboardInterrupt")])[0] == "time limit"
    assert judge([], ran=False, ending="the kernel died") == ("not run", "the kernel died")
    assert judge([verdict()], missing={"5.1"}) == ("not done", "the answer cell was deleted")


def test_until_check_takes_a_receipt_the_checks_exception_decides():
    def legacy(outputs):
        return judging.judge(EXERCISE, cells(outputs), set(), "", "")

    assert legacy([]) == ("passed", "")
    failed = error("CheckFailed", "✗ Exercise 5.1: wrong.\n  on: a catalog of 40 items (seed 7)")
    assert legacy([failed]) == (
        "failed",
        "Exercise 5.1: wrong. (on: a catalog of 40 items (seed 7))",
    )
    assert legacy([error("HiddenCheckFailed", "✗ x")])[0] == "failed hidden"
    assert legacy([error("NotDone", "✗ Exercise 5.1 is not done yet")])[0] == "not done"


def test_an_audit_reason_puts_the_submission_under_review(monkeypatch, assignments):
    from demo_project.tools.grading import pipeline

    monkeypatch.setattr(pipeline, "audit", lambda sources: ["replaces check()"])
    monkeypatch.setattr(pipeline.sandbox, "run", lambda *a, **k: (None, "the kernel died"))
    submission = Submission("zoe", Path("zoe/07-auth.ipynb"), nb=released("07-auth"))
    pipeline.grade_one(submission, assignments["07-auth"])
    assert {(r.status, r.detail, r.points) for r in submission.rows} == {
        ("needs review", "replaces check() (the checks said: not run: the kernel died)", 0)
    }


# Report


def test_the_csv_is_replaced_whole_and_has_the_path(tmp_path):
    submission = Submission("alice", Path("collected/alice/07-auth.ipynb"), notebook="07-auth")
    submission.rows = [Row("alice", "07-auth", "7.1", 3, 3, "passed", path=str(submission.path))]
    target = tmp_path / "grades.csv"
    target.write_text("old")
    assert write_csv([submission], target) == target
    assert os.listdir(tmp_path) == ["grades.csv"]
    (row,) = csv.DictReader(target.open(encoding="utf-8"))
    assert list(row) == CSV_FIELDS and row["path"] == "collected/alice/07-auth.ipynb"
    assert summary([submission], sandboxed=False).startswith("UNSANDBOXED")
    assert "UNSANDBOXED" not in summary([submission])


# Refuse


def test_without_bubblewrap_the_grader_refuses_unless_trusted(tmp_path):
    folder = tmp_path / "collected" / "alice"
    folder.mkdir(parents=True)
    (folder / "notes.ipynb").write_text(json.dumps({"cells": [], "metadata": {}}))
    command = [sys.executable, "-m", "demo_project.tools.grading", str(tmp_path / "collected")]
    command += ["--csv", str(tmp_path / "grades.csv")]
    env = {"PATH": str(tmp_path), "PYTHONPATH": str(ROOT)}  # no bwrap on this PATH

    def grade(*extra):
        return subprocess.run(
            [*command, *extra], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )

    refused = grade()
    assert refused.returncode == 2
    assert "apt-get install bubblewrap" in refused.stderr and "--trusted" in refused.stderr
    assert not (tmp_path / "grades.csv").exists()
    trusted = grade("--trusted")
    assert trusted.returncode == 0, trusted.stderr
    assert trusted.stdout.startswith("UNSANDBOXED")
