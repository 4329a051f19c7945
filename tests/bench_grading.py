"""Time the grading of 30 submissions of one notebook (a benchmark, not a test).

    make bench-grading
    python tests/bench_grading.py --jobs 2 --copies 30 --notebook 05-selectors-and-n-plus-one

The 30 copies are a third solved, a third unsolved and a third with an N+1 (from
tests/submissions/), so the kernels do the work a real class hands in. It prints the
total time, the time per submission, and whether the run kept within 3 minutes.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from demo_project.lab import grading  # noqa: E402
from demo_project.lab.timing import format_duration  # noqa: E402

TARGET_SECONDS = 180


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=30)
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--notebook", default="05-selectors-and-n-plus-one")
    args = parser.parse_args(argv)

    sources = [
        ROOT / "solutions" / f"{args.notebook}.ipynb",
        ROOT / "exercises" / f"{args.notebook}.ipynb",
        ROOT / "tests" / "submissions" / "n-plus-one" / f"{args.notebook}.ipynb",
    ]
    sources = [source for source in sources if source.exists()]
    for name in grading.CLEARED_ENVIRONMENT:  # the embedded defaults, as the grader uses
        os.environ.pop(name, None)
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as folder:
        for number in range(args.copies):
            learner = Path(folder) / f"learner-{number + 1:02d}"
            learner.mkdir()
            shutil.copy(sources[number % len(sources)], learner / f"{args.notebook}.ipynb")
        started = time.perf_counter()
        submissions = grading.grade(
            [Path(folder)],
            jobs=args.jobs,
            progress=lambda done, total, s: print(f"\r{done}/{total}", end="", file=sys.stderr),
        )
        seconds = time.perf_counter() - started
    print(file=sys.stderr)
    points = sorted({f"{s.points:g}/{s.max_points:g}" for s in submissions})
    verdict = "within" if seconds <= TARGET_SECONDS else "OVER"
    print(f"{len(submissions)} submissions of {args.notebook} graded with {args.jobs} job(s)")
    print(f"on {os.cpu_count()} cores (load average {os.getloadavg()[0]:.1f} at the end)")
    print(f"total: {seconds:.0f} s, {verdict} the target of {TARGET_SECONDS} s")
    print(f"per submission: {format_duration(seconds / max(len(submissions), 1))}")
    print(f"scores seen: {', '.join(points)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
