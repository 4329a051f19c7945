"""The class gradebook: runs merge by learner and notebook, a wide CSV, a feedback file each.

The first test grades a class of three with ``make grade`` (one learner's folder has a space
and an accent in its name), then regrades that one learner: every other row survives, byte
for byte, and the run says what it replaced. The others take the steps one at a time.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from demo_project.tools.grading import gradebook
from demo_project.tools.grading.__main__ import expand, main
from demo_project.tools.grading.feedback import check_feedback, file_name, markdown
from demo_project.tools.grading.records import Exercise, Row, Submission

ROOT = Path(__file__).resolve().parent.parent
AUTH = "07-auth"
AMELIE = "Amélie Dubois"
CLEARED_ENVIRONMENT = ("DATABASE_URL", "CACHE_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND")


def rows_of(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


def make_grade(submissions: str, csv_path: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in CLEARED_ENVIRONMENT}
    options = f"--csv {csv_path} --jobs 2 --cell-timeout 30"
    command = ["make", "--no-print-directory", "grade", f"SUBMISSIONS={submissions}"]
    command += [f"GRADE_OPTIONS={options}", f"PYTHON={sys.executable}"]
    return subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
    )


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed")
def test_regrading_one_learner_changes_that_learners_rows_only(tmp_path):
    collected = tmp_path / "collected"
    copies = {
        "alice": ROOT / "solutions" / f"{AUTH}.ipynb",
        "bob": ROOT / "tests" / "submissions" / "edited-check" / f"{AUTH}.ipynb",
        AMELIE: ROOT / "exercises" / f"{AUTH}.ipynb",  # handed in untouched, at first
    }
    for learner, source in copies.items():
        (collected / learner).mkdir(parents=True)
        shutil.copy(source, collected / learner / f"{AUTH}.ipynb")
    grades = tmp_path / "grades.csv"
    first = make_grade(f"{collected}/", grades)
    assert first.returncode == 0, first.stderr[-3000:]
    before = rows_of(grades)
    assert {r["learner"] for r in before} == {"alice", "bob", AMELIE} and len(before) == 6

    # Amélie hands in her answers; the instructor regrades her alone, quoted as a shell user would.
    shutil.copy(ROOT / "solutions" / f"{AUTH}.ipynb", collected / AMELIE / f"{AUTH}.ipynb")
    again = make_grade(f"{collected}/{AMELIE}/", grades)
    assert again.returncode == 0, again.stderr[-3000:]
    after = rows_of(grades)

    others = [row for row in before if row["learner"] != AMELIE]
    assert [row for row in after if row["learner"] != AMELIE] == others
    mine = {row["exercise"]: row for row in after if row["learner"] == AMELIE}
    assert {e: (r["points"], r["status"]) for e, r in mine.items()} == {
        "7.1": ("2", "passed"),
        "7.2": ("4", "passed"),
    }
    (first_run,) = {row["run"] for row in before}
    assert f"replaced {AMELIE} / {AUTH}: 0/6 (graded by {first_run}) -> 6/6" in again.stderr
    assert "1 learner-notebook(s) replaced, 0 added, 4 other rows kept" in again.stderr
    runs = sorted((tmp_path / "grades" / "runs").glob("*.csv"))
    assert [len(rows_of(run)) for run in runs] == [6, 2], "each run keeps its own results"

    # The wide CSV, with a BOM for spreadsheets; a feedback file per learner.
    raw = (tmp_path / "grades-wide.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    wide = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert [list(row.values()) for row in wide] == [
        ["alice", "2", "4", "6", "6", "0"],
        [AMELIE, "2", "4", "6", "6", "0"],
        ["bob", "0", "4", "4", "6", "0"],
    ]
    assert list(wide[0]) == ["learner", "ex7.1", "ex7.2", "total", "out_of", "review"]
    bob = (tmp_path / "grades" / "feedback" / "bob.md").read_text(encoding="utf-8")
    assert "## 07-auth: 4 of 6" in bob and "### Exercise 7.1: 0 of 2, error" in bob
    assert "  at: return header.split" in bob, "the whole message, not its first line alone"
    assert "check cell of 7.1 edited: graded with the original" in bob
    assert "HIDDEN" not in bob and "hidden=True" not in bob and "receipt" not in bob
    assert (tmp_path / "grades" / "feedback" / f"{AMELIE}.md").exists()
    assert (tmp_path / "grades-report.html").read_text(encoding="utf-8").count("<tr") >= 3


# The steps one at a time, without a kernel


def submission(learner, notebook, marks, path="") -> Submission:
    """A graded submission: ``marks`` is [(exercise, points, max_points, status, detail)]."""
    graded = Submission(learner, Path(path or f"collected/{learner}/{notebook}.ipynb"))
    graded.notebook = notebook
    graded.rows = [Row(learner, notebook, *mark, path=str(graded.path)) for mark in marks]
    return graded


def class_of_three() -> list[Submission]:
    return [
        submission("alice", AUTH, [("7.1", 2, 2, "passed", ""), ("7.2", 4, 4, "passed", "")]),
        submission("bob", AUTH, [("7.1", 0, 2, "failed", "wrong"), ("7.2", 4, 4, "passed", "")]),
        submission(AMELIE, AUTH, [("7.1", 0, 2, "not done", "x"), ("7.2", 0, 4, "not done", "")]),
    ]


def test_the_command_merges_into_the_gradebook_it_is_given(tmp_path, monkeypatch, capsys):
    """The command line itself: a second run over one learner keeps the rest of the class."""
    from demo_project.tools.grading import __main__ as command

    runs = iter([class_of_three(), [class_of_three()[2]]])
    monkeypatch.setattr(command, "grade", lambda paths, **options: next(runs))
    grades = tmp_path / "grades.csv"
    assert main(["collected", "--csv", str(grades)]) == 0
    assert main(["collected/Amélie Dubois", "--csv", str(grades)]) == 0
    assert {row["learner"] for row in rows_of(grades)} == {"alice", "bob", AMELIE}
    assert "replaced Amélie Dubois / 07-auth" in capsys.readouterr().err


def test_a_run_replaces_each_learner_and_notebook_it_graded_and_nothing_else(tmp_path):
    grades = tmp_path / "grades.csv"
    monday = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    gradebook.record(class_of_three(), grades, now=monday)
    five = submission("alice", "05-selectors", [("5.1", 2, 2, "passed", "")])
    gradebook.record([five], grades, now=monday)  # the same second: a run of its own still
    regraded = submission("bob", AUTH, [("7.1", 2, 2, "passed", ""), ("7.2", 4, 4, "passed", "")])
    recorded = gradebook.record([regraded], grades, now=monday)
    assert recorded.run == "20260302T090000Z-3"
    assert (
        recorded.replaced == ["bob / 07-auth: 4/6 (graded by 20260302T090000Z) -> 6/6"]
        and recorded.kept == 5
    )
    rows = rows_of(grades)
    assert [(r["notebook"], r["learner"], r["exercise"], r["points"], r["run"]) for r in rows] == [
        ("05-selectors", "alice", "5.1", "2", "20260302T090000Z-2"),
        (AUTH, "alice", "7.1", "2", "20260302T090000Z"),
        (AUTH, "alice", "7.2", "4", "20260302T090000Z"),
        (AUTH, AMELIE, "7.1", "0", "20260302T090000Z"),
        (AUTH, AMELIE, "7.2", "0", "20260302T090000Z"),
        (AUTH, "bob", "7.1", "2", "20260302T090000Z-3"),
        (AUTH, "bob", "7.2", "4", "20260302T090000Z-3"),
    ]


def test_two_runs_at_once_lose_nothing(tmp_path, monkeypatch):
    """Each run reads, merges and writes under the lock; slowed reads would interleave."""
    grades = tmp_path / "grades.csv"
    read = gradebook.read

    def slow_read(path):
        rows = read(path)
        time.sleep(0.5)  # the other run reads now, unless the lock holds it back
        return rows

    monkeypatch.setattr(gradebook, "read", slow_read)
    runs = [threading.Thread(target=gradebook.record, args=([s], grades)) for s in class_of_three()]
    for run in runs:
        run.start()
    for run in runs:
        run.join()
    assert {row["learner"] for row in rows_of(grades)} == {"alice", "bob", AMELIE}


def test_a_file_that_is_not_a_gradebook_is_refused_and_left_alone(tmp_path, capsys):
    grades = tmp_path / "grades.csv"
    grades.write_text("name,mark\nalice,5\n", encoding="utf-8")
    assert main(["collected", "--csv", str(grades)]) == 2
    assert "is not a gradebook" in capsys.readouterr().err
    assert grades.read_text(encoding="utf-8") == "name,mark\nalice,5\n"


def test_a_gradebook_of_the_older_format_is_merged_not_lost(tmp_path):
    grades = tmp_path / "grades.csv"
    grades.write_text(
        "learner,notebook,exercise,points,max_points,status,detail,notes,path\n"
        "carol,07-auth,7.1,2,2,passed,,,collected/carol/07-auth.ipynb\n",
        encoding="utf-8",
    )
    recorded = gradebook.record(class_of_three(), grades)
    assert recorded.kept == 1 and recorded.added == 3
    assert "carol" in {row["learner"] for row in rows_of(grades)}


def test_the_wide_csv_leaves_empty_what_was_not_handed_in_or_needs_review():
    rows = [gradebook.as_record(row) for s in class_of_three() for row in s.rows]
    rows.append(gradebook.as_record(Row("zoe", "05-selectors", "5.1", 0, 2, "needs review")))
    fields, table = gradebook.wide(rows)
    assert fields == ["learner", "ex5.1", "ex7.1", "ex7.2", "total", "out_of", "review"]
    assert all(field.isascii() for field in fields)
    zoe = next(row for row in table if row["learner"] == "zoe")
    assert zoe == {"learner": "zoe", "total": "0", "out_of": "2", "review": "1"}
    assert next(row for row in table if row["learner"] == "bob")["ex7.1"] == "0"


def test_shell_quoted_lists_of_paths_are_split_and_an_existing_path_is_not(tmp_path):
    folder = tmp_path / AMELIE
    folder.mkdir()
    assert expand([folder]) == [folder]
    assert expand([Path("solutions exercises")]) == [Path("solutions"), Path("exercises")]
    assert expand([Path(f"'{folder}' solutions")]) == [folder, Path("solutions")]
    with pytest.raises(FileNotFoundError, match="no such file or folder"):
        expand([Path("'unbalanced")])


# Feedback

EXERCISE = Exercise("5.1", 2, "ex5-1-answer", "ex5-1-check")
RECEIPT = "0123456789abcdef0123456789abcdef"


def test_feedback_has_every_message_and_hint_and_never_the_hidden_checks(assignments_05):
    leaked = assignments_05.source("ex5-1-check").replace(
        'check("5.1"', f'check("5.1", receipt="{RECEIPT}"'
    )
    failed = "✗ Exercise 5.1: the list is right, but it took 183 queries; the budget is 1 query."
    cells = {
        "ex5-1-check": {
            "source": leaked,
            "outputs": [
                # An answer that prints the kernel's input history quotes the check cell.
                {"output_type": "stream", "name": "stdout", "text": [f"{leaked}\n", "mine\n"]},
                {"output_type": "display_data", "data": {"application/json": {"r": RECEIPT}}},
                {
                    "output_type": "error",
                    "ename": "CheckFailed",
                    "evalue": f"{failed}\n  on: 100 items (seed 42)\nHint: select_related",
                    "traceback": [f"check('5.1', hidden=True, receipt='{RECEIPT}')"],
                },
            ],
        },
        "ex5-1-answer": {
            "outputs": [{"output_type": "error", "ename": "NameError", "evalue": "x"}]
        },
    }
    said = check_feedback(EXERCISE, cells, assignments_05, RECEIPT)
    assert failed in said and "Hint: select_related" in said and "mine" in said
    assert "The answer cell failed: NameError: x" in said
    for secret in ("hidden=True", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS", RECEIPT):
        assert secret not in said, secret
    assert "[a line that quotes the grader's check cell is withheld]" in said


def test_the_feedback_file_fences_what_it_quotes_and_stays_in_its_folder():
    row = gradebook.as_record(Row("eve", AUTH, "7.1", 0, 2, "failed", "x", feedback="```\n# no"))
    text = markdown("eve", [row])
    assert "\n````\n```\n# no\n````\n" in text and "0 of 2 points" in text
    assert file_name("section-b/bob") == Path("section-b/bob.md")
    assert file_name("../../etc/passwd") == Path("_../_../etc/passwd.md")
    assert file_name(AMELIE) == Path(f"{AMELIE}.md")
    assert file_name("Ada.Lovelace") == Path("Ada.Lovelace.md")


@pytest.fixture(scope="module")
def assignments_05():
    from demo_project.tools.grading.assemble import load_assignments

    return load_assignments()["05-selectors-and-n-plus-one"]
