"""python -m demo_project.tools.grading PATHS... [--csv var/grades.csv] [--jobs 2] [--trusted]"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from .assemble import ROOT, SOLUTIONS
from .pipeline import CELL_TIMEOUT, NOTEBOOK_TIMEOUT, SandboxMissing, grade
from .report import number, summary, write_csv
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m demo_project.tools.grading",
        description="Grade exercise notebooks: one notebook, or folders of learners' copies.",
    )
    parser.add_argument("paths", nargs="+", type=Path, help="notebooks or folders to grade")
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV, help="where to write the CSV")
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
        submissions = grade(
            args.paths,
            solutions=args.solutions,
            jobs=args.jobs,
            cell_timeout=args.cell_timeout,
            timeout=args.timeout,
            trusted=args.trusted,
            keep_from_sandbox=(args.csv.resolve().parent,),
            progress=progress,
        )
    except (FileNotFoundError, SandboxMissing) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(summary(submissions, sandboxed=bwrap() is not None))
    path = write_csv(submissions, args.csv)
    rows = sum(len(s.rows) for s in submissions)
    seconds = time.perf_counter() - started
    print(
        f"\n{len(submissions)} submission{'s' if len(submissions) != 1 else ''} graded in "
        f"{seconds:.1f} s with {args.jobs} job(s); {rows} rows written to {path}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
