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
