"""Step 6, gradebook: each run keeps its own results, and the class gradebook merges them.

Beside the gradebook given with ``--csv`` (``var/grades.csv``):

    var/grades.csv                   the class gradebook: a row per learner, notebook and exercise
    var/grades-wide.csv              a row per learner: a column per exercise and a total
    var/grades-report.html           the class report (class_report.py)
    var/grades/runs/<run>.csv        what one run graded, as it graded it
    var/grades/feedback/<learner>.md every message and hint a learner's checks gave

A run replaces, in the gradebook, the rows of each learner and notebook it graded, and only
those: regrading one learner leaves every other row as it was, and says what it replaced.
Runs take turns on a lock, so two runs at once cannot lose each other's rows.
"""

from __future__ import annotations

import csv
import fcntl
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from .class_report import write_report
from .feedback import numbered, points, write_feedback
from .records import Submission, by_name
from .report import CSV_FIELDS, as_record, number, write_rows

KEY = ("learner", "notebook")
WIDE_FIXED = ["learner", "total", "out_of", "review"]


class NotAGradebook(ValueError):
    """The file given as the gradebook is something else: it is left alone."""


@dataclass(frozen=True)
class Paths:
    gradebook: Path

    @property
    def wide(self) -> Path:
        return self.gradebook.with_name(f"{self.gradebook.stem}-wide.csv")

    @property
    def report(self) -> Path:
        return self.gradebook.with_name(f"{self.gradebook.stem}-report.html")

    @property
    def runs(self) -> Path:
        return self.gradebook.with_suffix("") / "runs"

    @property
    def feedback(self) -> Path:
        return self.gradebook.with_suffix("") / "feedback"


@dataclass
class Recorded:
    run: str
    paths: Paths
    replaced: list[str] = field(default_factory=list)  # one line per learner and notebook
    added: int = 0  # learner-notebooks new to the gradebook
    kept: int = 0  # rows of other learner-notebooks, left as they were
    learners: int = 0

    def said(self) -> str:
        lines = [
            f"Run {self.run}: its results in {self.paths.runs / f'{self.run}.csv'}",
            f"Gradebook {self.paths.gradebook}: {len(self.replaced)} learner-notebook(s) "
            f"replaced, {self.added} added, {self.kept} other rows kept as they were "
            f"({self.learners} learners in all)",
            *(f"  replaced {line}" for line in self.replaced),
            f"Wide CSV (a row per learner): {self.paths.wide}",
            f"Feedback, a file per learner: {self.paths.feedback}/",
            f"Class report: {self.paths.report}",
        ]
        return "\n".join(lines)


def new_run(runs: Path, now: datetime | None = None) -> tuple[str, Path]:
    """A name for this run (its UTC time) and its own file, created empty, never reused."""
    runs.mkdir(parents=True, exist_ok=True)
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    for attempt in range(1, 1000):
        run = stamp if attempt == 1 else f"{stamp}-{attempt}"
        try:
            (runs / f"{run}.csv").open("x").close()
        except FileExistsError:
            continue
        return run, runs / f"{run}.csv"
    raise RuntimeError(f"{runs}: no free name for a run at {stamp}")


@contextmanager
def locked(gradebook: Path):
    """Hold the gradebook's lock: one run merges at a time."""
    gradebook.parent.mkdir(parents=True, exist_ok=True)
    with open(gradebook.with_name(f".{gradebook.name}.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def read(gradebook: Path) -> list[dict]:
    """The gradebook's rows (none when there is none yet); refuse a file that is not one."""
    if not gradebook.exists():
        return []
    with gradebook.open(newline="", encoding="utf-8") as stream:
        reader = csv.DictReader(stream)
        missing = {"learner", "notebook", "exercise", "points", "max_points", "status"}
        missing -= set(reader.fieldnames or [])
        if missing:
            raise NotAGradebook(
                f"{gradebook} is not a gradebook (no column {', '.join(sorted(missing))}); "
                "it was left as it is: give another --csv."
            )
        return [{name: row.get(name) or "" for name in CSV_FIELDS} for row in reader]


def order(row: dict) -> tuple:
    return (row["notebook"], by_name(row["learner"]), numbered(row["exercise"]), row["path"])


def score(rows: list[dict]) -> str:
    return "{:g}/{:g}".format(*points(rows))


def merge(old: list[dict], new: list[dict]) -> tuple[list[dict], Recorded]:
    """The gradebook with ``new`` in place of the rows of each learner and notebook it holds."""
    graded = {tuple(row[k] for k in KEY) for row in new}
    kept = [row for row in old if tuple(row[k] for k in KEY) not in graded]
    recorded = Recorded(run=new[0]["run"] if new else "", paths=Paths(Path()))
    recorded.kept = len(kept)
    for key in sorted(graded):
        before = [row for row in old if tuple(row[k] for k in KEY) == key]
        after = [row for row in new if tuple(row[k] for k in KEY) == key]
        if before:
            runs = ", ".join(sorted({row["run"] for row in before if row["run"]})) or "an older run"
            recorded.replaced.append(
                f"{' / '.join(key)}: {score(before)} (graded by {runs}) -> {score(after)}"
            )
        else:
            recorded.added += 1
    rows = sorted(kept + new, key=order)
    recorded.learners = len({row["learner"] for row in rows})
    return rows, recorded


def wide(rows: list[dict]) -> tuple[list[str], list[dict]]:
    """A row per learner: points per exercise, the total, the points possible, rows to review.

    An exercise the learner did not hand in is empty, and so is one that needs review
    (counted in ``review``): an LMS import leaves an empty cell's grade as it was.
    """
    exercises = sorted({r["exercise"] for r in rows if r["exercise"] != "-"}, key=numbered)
    columns = [f"ex{exercise}" for exercise in exercises]
    table = []
    for learner in sorted({row["learner"] for row in rows}, key=by_name):
        mine = [row for row in rows if row["learner"] == learner and row["exercise"] != "-"]
        review = [row for row in mine if row["status"] == "needs review"]
        marked = {f"ex{row['exercise']}": row["points"] for row in mine if row not in review}
        total, out_of = points(mine)
        table.append(
            {"learner": learner, **marked, "total": number(total), "out_of": number(out_of),
             "review": str(len(review))}
        )  # fmt: skip
    return ["learner", *columns, *WIDE_FIXED[1:]], table


def record(submissions: list[Submission], gradebook: Path, now: datetime | None = None) -> Recorded:
    """Write this run's CSV, merge it into the gradebook, then what is made from the gradebook."""
    paths = Paths(gradebook.resolve())
    run, run_csv = new_run(paths.runs, now)
    new = [{**as_record(row), "run": run} for s in submissions for row in s.rows]
    write_rows(new, run_csv)
    with locked(paths.gradebook):
        rows, recorded = merge(read(paths.gradebook), new)
        write_rows(rows, paths.gradebook)
        fields, table = wide(rows)
        write_rows(table, paths.wide, fields, bom=True)
        write_feedback(rows, paths.feedback)
        write_report(rows, paths.report, source=str(paths.gradebook))
    recorded.run, recorded.paths = run, paths
    return recorded
