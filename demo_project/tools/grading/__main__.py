"""python -m demo_project.tools.grading PATHS... [--csv var/grades.csv] [--jobs 2] [--trusted]

A path that does not exist is read as a list of paths quoted as a shell would, so that
``make grade SUBMISSIONS="collected/Amélie Dubois/"`` is one folder and
``make grade SUBMISSIONS="solutions exercises"`` two.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import time
from pathlib import Path

from . import gradebook
from .assemble import ROOT, SOLUTIONS
from .pipeline import CELL_TIMEOUT, NOTEBOOK_TIMEOUT, SandboxMissing, grade
from .report import number, summary
from .sandbox import bwrap

DEFAULT_CSV = ROOT / "var" / "grades.csv"


def progress(done, total, submission):
    score = (
        f"{number(submission.points)}/{number(submission.max_points)}"
        if submission.max_points
        else "not graded"
    )
    where = f"{submission.learner}/{submission.notebook or submission.path.name}"
    print(f"[{done}/{total}] {where}: {score} ({submission.seconds:.1f} s)", file=sys.stderr)


def expand(paths: list[Path]) -> list[Path]:
    """Each path as it is when it exists, else the paths it lists, shell-quoted."""
    found = []
    for path in paths:
        if path.exists() or not str(path).strip():
            found.append(path)
            continue
        try:
            found += [Path(part) for part in shlex.split(str(path))]
        except ValueError as error:  # an unbalanced quote: say which argument
            raise FileNotFoundError(f"{path}: no such file or folder ({error}).") from None
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m demo_project.tools.grading",
        description="Grade exercise notebooks: one notebook, or folders of learners' copies.",
    )
    parser.add_argument("paths", nargs="+", type=Path, help="notebooks or folders to grade")
    parser.add_argument(
        "--csv", type=Path, default=DEFAULT_CSV, help="the class gradebook this run merges into"
    )
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--cell-timeout", type=float, default=CELL_TIMEOUT, help="seconds")
    parser.add_argument("--timeout", type=float, default=NOTEBOOK_TIMEOUT, help="per notebook")
    parser.add_argument("--solutions", type=Path, default=SOLUTIONS)
    parser.add_argument(
        "--trusted",
        action="store_true",
        help="run without bubblewrap where it is missing (only for submissions you trust)",
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        gradebook.read(args.csv)  # refuse a file that is not a gradebook before grading
        submissions = grade(
            expand(args.paths),
            solutions=args.solutions,
            jobs=args.jobs,
            cell_timeout=args.cell_timeout,
            timeout=args.timeout,
            trusted=args.trusted,
            keep_from_sandbox=(args.csv.resolve().parent,),
            progress=progress,
        )
    except (FileNotFoundError, SandboxMissing, gradebook.NotAGradebook) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(summary(submissions, sandboxed=bwrap() is not None))
    recorded = gradebook.record(submissions, args.csv)
    rows = sum(len(s.rows) for s in submissions)
    seconds = time.perf_counter() - started
    print(f"\n{recorded.said()}", file=sys.stderr)
    print(
        f"\n{len(submissions)} submission{'s' if len(submissions) != 1 else ''} graded in "
        f"{seconds:.1f} s with {args.jobs} job(s); {rows} rows merged into "
        f"{recorded.paths.gradebook}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
