"""The steps in order, for every submission: collect, assemble, run, judge (report: report.py)."""

from __future__ import annotations

import inspect
import json
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat

from . import sandbox
from .assemble import ROOT, SOLUTIONS, assemble, load_assignments
from .collect import collect
from .feedback import check_feedback
from .judge import audit, by_grade_id, judge
from .records import Assignment, Row, Submission

CELL_TIMEOUT = 60
NOTEBOOK_TIMEOUT = 240


class SandboxMissing(RuntimeError):
    """bubblewrap is not installed and the submissions were not declared trusted."""


def check_takes_receipt() -> bool:
    """Whether check() records verdicts with a receipt; until it does, judge by cell errors."""
    from demo_project.lab.checks import check

    return "receipt" in inspect.signature(check).parameters


def hidden_folders(*paths: Path) -> list[Path]:
    """The folders of ``paths`` a sandbox can be kept from seeing (not the project's root)."""
    folders = {(path if path.is_dir() else path.parent).resolve() for path in map(Path, paths)}
    return sorted(folder for folder in folders if not ROOT.is_relative_to(folder))


def grade_one(
    submission: Submission,
    assignment: Assignment,
    *,
    cell_timeout: float = CELL_TIMEOUT,
    timeout: float = NOTEBOOK_TIMEOUT,
    receipts: bool = True,
    hidden: list[Path] = (),
    sandboxed: bool = True,
    template: Path | None = None,
) -> Submission:
    """Assemble, run, judge one submission; never raises for anything a submission holds."""
    started = time.perf_counter()
    try:
        run = assemble(submission.nb, assignment, receipts=receipts)
        submission.notes += run.notes
        executed, ending = sandbox.run(
            nbformat.writes(run.notebook),
            cell_timeout=cell_timeout,
            timeout=timeout,
            hidden=list(hidden),
            sandboxed=sandboxed,
            template=template,
        )
        nb = json.loads(executed) if executed else {}
        ending = ending or nb.get("metadata", {}).get("grading", {}).get("ending", "")
        cells = by_grade_id(nb)
    except Exception as error:  # a grader bug on one odd notebook must not stop the run
        submission.notes.append(f"the grader could not run it: {type(error).__name__}: {error}")
        submission.not_graded(assignment, submission.notes[-1])
        return finish(submission, started)
    if ending:
        submission.notes.append(ending)
    reasons = audit(run.learner_sources)
    for exercise in assignment.exercises:
        status, detail = judge(exercise, cells, run.missing, ending, run.receipt)
        if reasons:  # what the checks said stays in the row, for the instructor to weigh
            said = f"{status}: {detail}" if detail else status
            status, detail = "needs review", f"{'; '.join(reasons)} (the checks said: {said})"
        points = exercise.points if status == "passed" else 0
        messages = check_feedback(exercise, cells, assignment, run.receipt)
        submission.rows.append(
            Row(submission.learner, assignment.stem, exercise.id, points, exercise.points,
                status, detail, feedback=messages)
        )  # fmt: skip
    return finish(submission, started)


def finish(submission: Submission, started: float) -> Submission:
    submission.seconds = time.perf_counter() - started
    for row in submission.rows:
        row.notes, row.path = "; ".join(submission.notes), str(submission.path)
    return submission


def grade(
    paths: list[Path],
    *,
    solutions: Path = SOLUTIONS,
    jobs: int = 1,
    cell_timeout: float = CELL_TIMEOUT,
    timeout: float = NOTEBOOK_TIMEOUT,
    trusted: bool = False,
    keep_from_sandbox: tuple[Path, ...] = (),
    progress=None,
) -> list[Submission]:
    """Grade every submission under ``paths``; ``progress(done, total, submission)``."""
    sandboxed = sandbox.bwrap() is not None
    if not sandboxed and not trusted:
        raise SandboxMissing(sandbox.INSTALL_HINT)
    done: list[Submission] = []

    def step(submission: Submission) -> Submission:
        assignment = assignments.get(submission.notebook)
        if submission.superseded or submission.nb is None or assignment is None:
            submission.not_graded(None if submission.superseded else assignment,
                                  "; ".join(submission.notes))  # fmt: skip
            finish(submission, time.perf_counter())
        else:
            if not sandboxed:
                submission.notes.append("ran unsandboxed (--trusted)")
            grade_one(submission, assignment, cell_timeout=cell_timeout, timeout=timeout,
                      receipts=receipts, hidden=hidden, sandboxed=sandboxed,
                      template=template)  # fmt: skip
        done.append(submission)
        if progress is not None:
            progress(len(done), len(submissions), submission)
        return submission

    with (
        tempfile.TemporaryDirectory(prefix="grading-template-") as folder,
        ThreadPoolExecutor(max_workers=max(jobs, 1)) as pool,
    ):
        # Bytecode and one migration for the whole run, in processes of their own while the
        # notebooks are read.
        compiled = pool.submit(sandbox.compile_environment)
        migrated = pool.submit(sandbox.database_template, Path(folder))
        assignments = load_assignments(solutions)
        submissions = collect(paths, assignments)  # every file read before any kernel starts
        hidden = hidden_folders(*paths, solutions, *keep_from_sandbox)
        receipts = check_takes_receipt()
        template, _ = migrated.result(), compiled.result()
        list(pool.map(step, submissions))
    return sorted(submissions, key=lambda s: (s.notebook or "~", s.learner, str(s.path)))
