"""Grade learners' exercise notebooks: visible and hidden checks, points, a table, a CSV.

    python -m demo_project.lab.grading collected/              # a folder of submissions
    python -m demo_project.lab.grading alice/05-selectors-and-n-plus-one.ipynb
    make grade SUBMISSIONS=collected/

Each submission runs in a fresh kernel, in a temporary folder, with a time limit per cell
and per notebook. The grader never writes to a submission: it reads it, rebuilds the
notebook to run from it, and runs that copy. The copy keeps the learner's answer cells and
any cells of their own, and takes every locked cell from ``solutions/`` (the setup, the
given code, and each check cell with its hidden checks), so an edited or deleted check
cell is restored and said so. An exercise earns its points when its check cell runs
without an error: the self-check and the hidden checks (other seeds, larger catalogs, a
second call, a write after a cached read) all pass.

A submission that cannot be graded (not JSON, not one of the workbook's notebooks) gets a
line in the table and the run goes on; so does one that loops forever (the cell is
interrupted at its time limit) or kills its kernel.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"
DEFAULT_CSV = ROOT / "var" / "grades.csv"
CELL_TIMEOUT = 60
NOTEBOOK_TIMEOUT = 240
# The kernel of a submission always runs on the embedded defaults: parallel submissions
# must not share one PostgreSQL database or Redis cache.
CLEARED_ENVIRONMENT = ("DATABASE_URL", "CACHE_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND")
STATUS_MARKS = {
    "passed": "",
    "not done": "N",
    "failed": "F",
    "failed hidden": "H",
    "error": "E",
    "time limit": "T",
    "not run": "X",
    "not graded": "-",
}
ANSI = re.compile(r"\x1b\[[0-9;]*m")


# What is graded


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
    released: dict[str, str]  # grade_id -> source as the learners got it

    @property
    def max_points(self) -> float:
        return sum(exercise.points for exercise in self.exercises)


def load_assignments(solutions: Path = SOLUTIONS) -> dict[str, Assignment]:
    """Read every solution notebook and the exercise notebook generated from it."""
    import nbformat

    from demo_project.tools.exercises import generate

    assignments = {}
    for path in sorted(solutions.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        released = {
            cell.metadata["nbgrader"]["grade_id"]: cell.source
            for cell in generate(path).cells
            if "nbgrader" in cell.metadata
        }
        cells, exercises, answers = [], [], {}
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader")
            if not meta:
                continue
            cells.append(cell)
            grade_id = meta["grade_id"]
            match = re.fullmatch(r"ex(\d+)-(\d+)-(answer|check)", grade_id)
            if not match:
                continue
            exercise_id = f"{match[1]}.{match[2]}"
            if match[3] == "answer":
                answers[exercise_id] = grade_id
            else:
                points = float(meta.get("points", 0))
                exercises.append(Exercise(exercise_id, points, answers[exercise_id], grade_id))
        number = nb.metadata.get("workbook", {}).get("exercises", path.stem[:2])
        assignments[path.stem] = Assignment(path.stem, number, exercises, cells, released)
    return assignments


# What comes back


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


@dataclass
class Submission:
    learner: str
    path: Path
    notebook: str = ""
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def points(self) -> float:
        return sum(row.points for row in self.rows)

    @property
    def max_points(self) -> float:
        return sum(row.max_points for row in self.rows)


# Finding and naming submissions


def find_submissions(paths: list[Path], assignments: dict[str, Assignment]) -> list[Submission]:
    """Every notebook under ``paths``, with the learner each one belongs to.

    In ``collected/alice/05-....ipynb`` the learner is the folder, ``alice``; a notebook
    with a name of its own (``collected/alice.ipynb``) is its own learner.
    """
    found = []
    for root in paths:
        root = Path(root)
        if root.is_file():
            files, base = [root], root.parent
        elif root.is_dir():
            files = sorted(
                path for path in root.rglob("*.ipynb") if ".ipynb_checkpoints" not in path.parts
            )
            base = root
        else:
            raise FileNotFoundError(f"{root}: no such file or folder.")
        for path in files:
            if path.stem in assignments:
                parent = path.parent
                learner = (
                    parent.relative_to(base).as_posix() if parent != base else ""
                ) or parent.name
            else:
                learner = path.stem
            found.append(Submission(learner=learner, path=path))
    return found


def identify(path: Path, nb: dict | None, assignments: dict[str, Assignment]) -> str | None:
    """Which assignment a submission answers: its metadata, its file name, or its cells."""
    if nb is not None:
        number = nb.get("metadata", {}).get("workbook", {}).get("exercises")
        for stem, assignment in assignments.items():
            if number and assignment.number == number:
                return stem
    if path.stem in assignments:
        return path.stem
    for stem in assignments:
        if path.stem.startswith(stem[:3]):
            return stem
    if nb is not None:
        ids = {
            cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            for cell in nb.get("cells", [])
            if isinstance(cell, dict)
        }
        for stem, assignment in assignments.items():
            if ids & {cell.metadata["nbgrader"]["grade_id"] for cell in assignment.cells}:
                return stem
    return None


# Building the notebook to run


def _grade_id(cell) -> str | None:
    meta = cell.get("metadata", {}).get("nbgrader") if isinstance(cell, dict) else None
    return meta.get("grade_id") if isinstance(meta, dict) else None


def _source(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def build_run(nb: dict, assignment: Assignment) -> tuple[object, list[str], set[str]]:
    """Return the notebook to run, notes on what was restored, and the missing answers."""
    import nbformat

    notes: list[str] = []
    missing: set[str] = set()
    known = {cell.metadata["nbgrader"]["grade_id"] for cell in assignment.cells}
    cells = [cell for cell in nb.get("cells", []) if isinstance(cell, dict)]

    # The learner's own cells travel with the workbook cell they follow.
    theirs: dict[str | None, list[dict]] = {}
    by_id: dict[str, dict] = {}
    order: list[str] = []
    anchor = None
    for cell in cells:
        grade_id = _grade_id(cell)
        if grade_id in known and grade_id not in by_id:
            by_id[grade_id] = cell
            order.append(grade_id)
            anchor = grade_id
        elif cell.get("cell_type") == "code" and _source(cell).strip():
            theirs.setdefault(anchor, []).append(cell)
    canonical = [cell.metadata["nbgrader"]["grade_id"] for cell in assignment.cells]
    if order != [grade_id for grade_id in canonical if grade_id in by_id]:
        notes.append("cells reordered: graded in the workbook's order")

    run = nbformat.v4.new_notebook(
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}}
    )
    checks = {exercise.check_id: exercise.id for exercise in assignment.exercises}
    answers = {exercise.answer_id: exercise.id for exercise in assignment.exercises}

    def add(source: str, grade_id: str | None = None) -> None:
        cell = nbformat.v4.new_code_cell(source)
        if grade_id:
            cell.metadata["grade_id"] = grade_id
        run.cells.append(cell)

    for cell in theirs.get(None, []):
        add(_source(cell))
    for original in assignment.cells:
        grade_id = original.metadata["nbgrader"]["grade_id"]
        submitted = by_id.get(grade_id)
        if original.cell_type == "code":
            if grade_id in answers:
                if submitted is None:
                    notes.append(f"answer cell of {answers[grade_id]} deleted")
                    missing.add(answers[grade_id])
                    add(assignment.released[grade_id], grade_id)
                else:
                    add(_source(submitted), grade_id)
            else:
                name = f"check cell of {checks[grade_id]}" if grade_id in checks else grade_id
                if submitted is None:
                    notes.append(f"{name} deleted: restored")
                elif _source(submitted).strip() not in {
                    assignment.released[grade_id].strip(),
                    original.source.strip(),  # the instructor's own copy, hidden checks and all
                }:
                    what = "graded with the original" if grade_id in checks else "restored"
                    notes.append(f"{name} edited: {what}")
                add(original.source, grade_id)
        for cell in theirs.get(grade_id, []):
            add(_source(cell))
    return run, notes, missing


# Running


def kernel_environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in CLEARED_ENVIRONMENT}
    env.setdefault("MPLBACKEND", "Agg")
    env.setdefault("JUPYTER_RUNTIME_DIR", str(ROOT / "var" / "jupyter" / "runtime"))
    env.setdefault("IPYTHONDIR", str(ROOT / "var" / "ipython"))
    return env


def execute(run, *, cell_timeout: float, timeout: float) -> tuple[dict[str, dict], str]:
    """Run the notebook; return each graded cell's outcome and a note on how it ended."""
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    outcomes: dict[str, dict] = {}

    def on_cell_executed(cell, cell_index, execute_reply):
        grade_id = cell.metadata.get("grade_id")
        content = execute_reply.get("content", {}) if execute_reply else {}
        if grade_id:
            outcomes[grade_id] = {
                "status": content.get("status", "ok"),
                "ename": content.get("ename", ""),
                "evalue": content.get("evalue", ""),
            }

    ending = ""
    with tempfile.TemporaryDirectory(prefix="grading-") as folder:
        client = NotebookClient(
            run,
            kernel_name="python3",
            timeout=cell_timeout,
            allow_errors=True,
            interrupt_on_timeout=True,
            error_on_timeout={
                "ename": "CellTimeoutError",
                "evalue": f"the cell ran over its time limit of {cell_timeout:g} s",
                "traceback": [],
            },
            shutdown_kernel="immediate",
            record_timing=False,
            resources={"metadata": {"path": folder}},
            on_cell_executed=on_cell_executed,
        )

        async def go():
            await asyncio.wait_for(
                # The kernel's own stderr (a warning about TCP) is noise in the report.
                client.async_execute(
                    env=kernel_environment(), cwd=folder, stderr=subprocess.DEVNULL
                ),
                timeout,
            )

        try:
            asyncio.run(go())
        except TimeoutError:
            ending = f"stopped at the notebook's time limit of {timeout:g} s"
        except DeadKernelError:
            ending = "the kernel died"
        except Exception as error:  # nbclient's own failures: report, never crash the run
            ending = f"the run stopped: {type(error).__name__}: {error}"
        finally:
            if client.km is not None:  # nbclient cleans up after itself; this is a backstop
                with contextlib.suppress(Exception):
                    client._cleanup_kernel()
    for cell in run.cells:  # the error's own message, as the learner would read it
        grade_id = cell.metadata.get("grade_id")
        for output in cell.get("outputs", []):
            if grade_id in outcomes and output.get("output_type") == "error":
                lines = [ANSI.sub("", line) for line in output.get("traceback", [])]
                outcomes[grade_id]["traceback"] = lines
    return outcomes, ending


def _first_line(outcome: dict) -> str:
    """The check's own headline (and on which catalog), or the error's type and message."""
    lines = [line for line in outcome.get("traceback", []) if line.strip()]
    if outcome["ename"] in {"NotDone", "CheckFailed", "HiddenCheckFailed"} and lines:
        headline = lines[0].removeprefix("✗ ").strip()
        where = lines[1].strip() if len(lines) > 1 and lines[1].strip().startswith("on:") else ""
        return f"{headline} ({where})" if where else headline
    return f"{outcome['ename']}: {outcome['evalue']}".strip()


def judge(exercise: Exercise, outcomes: dict[str, dict], missing: set[str], ending: str):
    """Return (status, detail) of one exercise from its cells' outcomes."""
    check = outcomes.get(exercise.check_id)
    answer = outcomes.get(exercise.answer_id)
    if exercise.id in missing:
        return "not done", "the answer cell was deleted"
    if check is None:
        return "not run", ending or "the check cell never ran"
    if check["status"] == "ok":
        return "passed", ""
    ename = check["ename"]
    if ename == "CellTimeoutError":
        return "time limit", check["evalue"]
    if answer is not None and answer["status"] != "ok":
        if answer["ename"] == "CellTimeoutError":
            return "time limit", f"the answer cell: {answer['evalue']}"
        return "error", f"the answer cell failed: {_first_line(answer)}"
    if ename == "NotDone":
        return "not done", _first_line(check)
    if ename == "HiddenCheckFailed":
        return "failed hidden", _first_line(check)
    if ename == "CheckFailed":
        return "failed", _first_line(check)
    if ename == "KeyboardInterrupt":
        return "time limit", "interrupted at the cell's time limit"
    return "error", _first_line(check)


def grade_one(
    submission: Submission,
    assignments: dict[str, Assignment],
    *,
    cell_timeout: float = CELL_TIMEOUT,
    timeout: float = NOTEBOOK_TIMEOUT,
) -> Submission:
    """Grade one submission; never raises for anything a submission holds."""
    started = time.perf_counter()
    try:
        raw = submission.path.read_bytes()
    except OSError as error:
        raw, submission.notes = None, [f"cannot read the file: {error}"]
    nb = None
    if raw is not None:
        try:
            nb = json.loads(raw.decode("utf-8"))
            if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
                submission.notes.append("not a notebook: no list of cells")
                nb = None
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            submission.notes.append(f"not a notebook: invalid JSON ({error})")
    stem = identify(submission.path, nb, assignments)
    if stem is None:
        submission.notes.append("not one of the workbook's exercise notebooks")
        submission.rows = [Row(submission.learner, submission.path.name, "-", 0, 0, "not graded")]
        return _finish(submission, started)
    assignment = assignments[stem]
    submission.notebook = stem
    if nb is None:
        submission.rows = [
            Row(submission.learner, stem, e.id, 0, e.points, "not graded", submission.notes[0])
            for e in assignment.exercises
        ]
        return _finish(submission, started)
    try:
        run, notes, missing = build_run(nb, assignment)
        submission.notes += notes
        outcomes, ending = execute(run, cell_timeout=cell_timeout, timeout=timeout)
    except Exception as error:  # a grader bug on one odd notebook must not stop the run
        submission.notes.append(f"the grader could not run it: {type(error).__name__}: {error}")
        submission.rows = [
            Row(submission.learner, stem, e.id, 0, e.points, "not graded", submission.notes[-1])
            for e in assignment.exercises
        ]
        return _finish(submission, started)
    if ending:
        submission.notes.append(ending)
    for exercise in assignment.exercises:
        status, detail = judge(exercise, outcomes, missing, ending)
        points = exercise.points if status == "passed" else 0
        submission.rows.append(
            Row(submission.learner, stem, exercise.id, points, exercise.points, status, detail)
        )
    return _finish(submission, started)


def _finish(submission: Submission, started: float) -> Submission:
    submission.seconds = time.perf_counter() - started
    notes = "; ".join(submission.notes)
    for row in submission.rows:
        row.notes = notes
    return submission


def _grade_in_worker(submission, solutions, cell_timeout, timeout):
    return grade_one(
        submission, load_assignments(solutions), cell_timeout=cell_timeout, timeout=timeout
    )


def grade(
    paths: list[Path],
    *,
    solutions: Path = SOLUTIONS,
    jobs: int = 1,
    cell_timeout: float = CELL_TIMEOUT,
    timeout: float = NOTEBOOK_TIMEOUT,
    progress=None,
) -> list[Submission]:
    """Grade every submission under ``paths``; ``progress(done, total, submission)``."""
    assignments = load_assignments(solutions)
    submissions = find_submissions(paths, assignments)
    done: list[Submission] = []

    def report(submission):
        done.append(submission)
        if progress is not None:
            progress(len(done), len(submissions), submission)

    if jobs <= 1 or len(submissions) <= 1:
        for submission in submissions:
            report(grade_one(submission, assignments, cell_timeout=cell_timeout, timeout=timeout))
    else:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = {
                pool.submit(_grade_in_worker, s, solutions, cell_timeout, timeout): s
                for s in submissions
            }
            for future in as_completed(futures):
                try:
                    report(future.result())
                except Exception as error:  # the worker itself died
                    submission = futures[future]
                    submission.notes.append(f"the grader failed: {type(error).__name__}: {error}")
                    submission.rows = [
                        Row(submission.learner, "?", "-", 0, 0, "not graded", submission.notes[-1])
                    ]
                    report(submission)
    return sorted(done, key=lambda s: (s.notebook or "~", s.learner, str(s.path)))


# Reporting


CSV_FIELDS = [
    "learner",
    "notebook",
    "exercise",
    "points",
    "max_points",
    "status",
    "detail",
    "notes",
]


def write_csv(submissions: list[Submission], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_FIELDS)
        writer.writeheader()
        for submission in submissions:
            for row in submission.rows:
                values = asdict(row)
                values["points"] = _number(row.points)
                values["max_points"] = _number(row.max_points)
                writer.writerow(values)
    return path


def _number(value: float) -> str:
    return f"{value:g}"


def summary(submissions: list[Submission]) -> str:
    """One table per notebook: a row per learner, points per exercise; then the reasons."""
    lines = []
    notebooks = sorted({s.notebook for s in submissions if s.notebook})
    ungraded = [s for s in submissions if not s.notebook]
    for notebook in notebooks:
        group = [s for s in submissions if s.notebook == notebook]
        exercises = [row.exercise for row in group[0].rows]
        width = max(len("learner"), *(len(s.learner) for s in group))
        header = f"{'learner':<{width}}  " + "  ".join(f"{e:>5}" for e in exercises)
        total_points = _number(group[0].max_points)
        lines += ["", f"{notebook} ({len(exercises)} exercises, {total_points} points)"]
        lines += [header + "  total", "-" * (len(header) + 8)]
        for s in group:
            cells = []
            for row in s.rows:
                mark = STATUS_MARKS.get(row.status, "?")
                cells.append(f"{_number(row.points) + mark:>5}")
            total = f"{_number(s.points)}/{_number(s.max_points)}"
            lines.append(f"{s.learner:<{width}}  " + "  ".join(cells) + f"  {total}")
        for s in group:
            for note in s.notes:
                lines.append(f"  {s.learner}: {note}")
            for row in s.rows:
                # "Not done" is plain from its mark, "not graded" from the note above.
                if row.status not in {"passed", "not done", "not graded"}:
                    reason = f": {row.detail}" if row.detail else ""
                    lines.append(f"  {s.learner} {row.exercise} {row.status}{reason}")
    if ungraded:
        lines += ["", "Not graded"]
        for s in ungraded:
            lines.append(f"  {s.learner} ({s.path.name}): {'; '.join(s.notes)}")
    legend = ", ".join(f"{mark} {status}" for status, mark in STATUS_MARKS.items() if mark)
    lines += ["", f"Marks after points: {legend}."]
    return "\n".join(lines).lstrip("\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m demo_project.lab.grading",
        description="Grade exercise notebooks: one notebook, or folders of learners' copies.",
    )
    parser.add_argument("paths", nargs="+", type=Path, help="notebooks or folders to grade")
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV, help="where to write the CSV")
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--cell-timeout", type=float, default=CELL_TIMEOUT, help="seconds")
    parser.add_argument("--timeout", type=float, default=NOTEBOOK_TIMEOUT, help="per notebook")
    parser.add_argument("--solutions", type=Path, default=SOLUTIONS)
    args = parser.parse_args(argv)

    def progress(done, total, submission):
        score = (
            f"{_number(submission.points)}/{_number(submission.max_points)}"
            if submission.notebook
            else "not graded"
        )
        where = f"{submission.learner}/{submission.notebook or submission.path.name}"
        print(f"[{done}/{total}] {where}: {score} ({submission.seconds:.1f} s)", file=sys.stderr)

    started = time.perf_counter()
    try:
        submissions = grade(
            args.paths,
            solutions=args.solutions,
            jobs=args.jobs,
            cell_timeout=args.cell_timeout,
            timeout=args.timeout,
            progress=progress,
        )
    except FileNotFoundError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(summary(submissions))
    path = write_csv(submissions, args.csv)
    rows = sum(len(s.rows) for s in submissions)
    print(
        f"\n{len(submissions)} submission{'s' if len(submissions) != 1 else ''} graded in "
        f"{time.perf_counter() - started:.1f} s "
        f"with {args.jobs} job(s); {rows} rows written to {path}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
