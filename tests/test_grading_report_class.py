"""The class report: per exercise how the class did and why it failed, a plot, who to review."""

from __future__ import annotations

import base64
import re
from html import unescape
from pathlib import Path

from demo_project.tools.grading.class_report import exercises, render, to_review, write_report
from demo_project.tools.grading.records import Row
from demo_project.tools.grading.report import as_record

FIVE = "05-selectors-and-n-plus-one"
BUDGET = "Exercise 5.1: the list is right, but it took {} queries; the budget is 1 query."
WRONG = "Exercise 5.1: the rows: not what the reference gives."
ON = " (on: a catalog of {} items (seed 42))"


def row(learner, exercise, status, detail="", notes="", points=None):
    earned = 2 if status == "passed" else 0
    return as_record(
        Row(learner, FIVE, exercise, earned if points is None else points, 2, status, detail, notes)
    )


def a_class() -> list[dict]:
    """Seven learners on 5.1 and 5.2: passes, N+1s, a wrong answer, an untouched copy, a cheat."""
    return [
        row("ada", "5.1", "passed"),
        row("ada", "5.2", "passed"),
        row("ben", "5.1", "failed", BUDGET.format(183) + ON.format(100)),
        row("ben", "5.2", "passed"),
        row("cleo", "5.1", "failed", BUDGET.format(183) + ON.format(100)),
        row("cleo", "5.2", "failed hidden", "Exercise 5.2 (hidden check): tags wrong."),
        row("dan", "5.1", "failed", BUDGET.format(41) + ON.format(40)),
        row("dan", "5.2", "time limit", "the cell ran over its time limit of 60 s"),
        row("eve", "5.1", "failed", WRONG + ON.format(40)),
        row("eve", "5.2", "passed", notes="check cell of 5.2 edited: graded with the original"),
        row("finn", "5.1", "not done", "Exercise 5.1 is not done yet"),
        row("finn", "5.2", "not done", "Exercise 5.2 is not done yet"),
        row("gus", "5.1", "needs review", "replaces `checks.check` (the checks said: passed)"),
        row("gus", "5.2", "needs review", "replaces `checks.check` (the checks said: passed)"),
    ]


def test_each_exercise_has_its_pass_rate_budget_failures_not_started_and_top_messages():
    first, second = exercises(a_class())
    assert (first.exercise, first.learners, first.passed, first.not_started) == ("5.1", 7, 1, 1)
    assert (first.over_budget, first.failed, first.review) == (3, 4, 1)
    assert round(first.pass_rate, 3) == round(1 / 7, 3)
    # The same mistake on other catalogs or with other counts is not merged; "on:" is dropped.
    assert first.messages == [
        (BUDGET.format(183), 2),
        (BUDGET.format(41), 1),
        (WRONG, 1),
    ]
    assert (second.passed, second.over_budget, second.failed) == (3, 0, 2)


def test_the_rows_to_review_say_why():
    review = {(learner, notebook): why for learner, notebook, why in to_review(a_class())}
    assert set(review) == {("eve", FIVE), ("gus", FIVE)}
    assert review[("gus", FIVE)] == [
        "5.1, 5.2 need review: replaces `checks.check` (the checks said: passed)"
    ]
    assert review[("eve", FIVE)] == ["notes: check cell of 5.2 edited: graded with the original"]


def test_the_page_holds_its_tables_its_plot_and_no_outside_resource(tmp_path):
    rows = a_class()
    rows.append(row("<script>", "5.1", "failed", "<b>not bold</b>"))
    path = write_report(rows, tmp_path / "grades-report.html", source="var/grades.csv")
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and "<style>" in page
    assert "<script>" not in page and "&lt;b&gt;not bold&lt;/b&gt;" in page
    assert not re.search(r'(?:src|href)="(?!data:)', page), "everything inline"
    (png,) = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert base64.b64decode(png).startswith(b"\x89PNG\r\n\x1a\n")
    exercise_rows = re.findall(r'<tr data-exercise="([^"]+)">(.*?)</tr>', page)
    assert [name for name, _ in exercise_rows] == ["5.1", "5.2"]
    cells = [unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", exercise_rows[0][1])]
    assert cells[:4] == ["5.1", "2", "8", "1"] and cells[4].startswith("12 %")
    assert f"{BUDGET.format(183)} <b>(2)</b>" in page
    assert "8 learners, 1 notebook, from var/grades.csv" in page


def test_an_empty_gradebook_still_makes_a_page(tmp_path):
    page = render([])
    assert "No learner graded yet." in page and "Nothing to review." in page
    assert Path(write_report([], tmp_path / "r.html")).exists()
