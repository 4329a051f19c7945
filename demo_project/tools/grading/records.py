"""What the grading steps pass along: exercises, submissions, rows of the report."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

# A mark after the points in the table, per status.
STATUS_MARKS = {
    "passed": "",
    "not done": "N",
    "failed": "F",
    "failed hidden": "H",
    "error": "E",
    "time limit": "T",
    "not run": "X",
    "needs review": "R",
    "not graded": "-",
}


def by_name(learner: str) -> tuple[str, str]:
    """Sort learners as a class list does: ``Amélie`` beside ``alice``, not after ``Zoe``."""
    return learner.casefold(), learner


@dataclass
class Exercise:
    id: str
    points: float
    answer_id: str
    check_id: str


@dataclass
class Assignment:
    """One exercise notebook, as solutions/ defines it."""

    stem: str
    number: str
    exercises: list[Exercise]
    cells: list  # the solution's nbgrader cells, in order, with the hidden checks
    released: dict  # grade_id -> the cell as learners got it (source, nbgrader checksum)

    @property
    def max_points(self) -> float:
        return sum(exercise.points for exercise in self.exercises)

    def source(self, grade_id: str) -> str:
        """The source of one of the solution's cells, as solutions/ holds it."""
        found = (c.source for c in self.cells if c.metadata["nbgrader"]["grade_id"] == grade_id)
        return next(found, "")


@dataclass
class Row:
    learner: str
    notebook: str
    exercise: str
    points: float
    max_points: float
    status: str
    detail: str = ""
    notes: str = ""
    path: str = ""
    feedback: str = ""  # every message and hint the check cell gave (feedback.py)
    run: str = ""  # the run that graded it (gradebook.py)


@dataclass
class Submission:
    """One file handed in: who, where, its bytes (read before any kernel starts), its marks."""

    learner: str
    path: Path
    content: bytes | None = None
    nb: dict | None = None  # the parsed notebook (nbformat 4), when it is one
    notebook: str = ""  # the assignment it answers (a solutions/ stem)
    rank: tuple = ()  # which copy wins when a learner handed in two (lowest first)
    superseded: bool = False  # another copy of the same notebook was graded instead
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def points(self) -> float:
        return sum(row.points for row in self.rows)

    @property
    def max_points(self) -> float:
        return sum(row.max_points for row in self.rows)

    def not_graded(self, assignment: Assignment | None, why: str) -> None:
        """One row per exercise (or one row when the assignment is unknown) saying why."""
        exercises = assignment.exercises if assignment else [Exercise("-", 0, "", "")]
        self.rows = [
            Row(self.learner, self.notebook or self.path.name, e.id, 0, e.points, "not graded", why)
            for e in exercises
        ]
