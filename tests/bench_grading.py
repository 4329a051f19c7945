"""Time the grading of 30 submissions of one notebook, and nbgrader's autograde of the same 30.

    make bench-grading
    python tests/bench_grading.py --jobs 2 --copies 30 --notebook 05-selectors-and-n-plus-one

A benchmark, not a test. The 30 copies are a third solved, a third unsolved and a third
with an N+1 (from tests/submissions/), so the kernels do the work a real class hands in.
The grader runs each in its bubblewrap sandbox (``--no-nbgrader`` skips the comparison),
after the environment's bytecode is compiled (once per environment, so not timed);
nbgrader's ``autograde`` then grades the same copies, one at a time as it does, without
a sandbox, after ``generate_assignment`` and a student list (not timed). It prints both
times, the ratio, and whether the grader kept within 60 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from demo_project.lab.timing import format_duration  # noqa: E402
from demo_project.tools.grading import grade, sandbox  # noqa: E402

TARGET_SECONDS = 60
CLEARED_ENVIRONMENT = ("DATABASE_URL", "CACHE_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND")


def copies(notebook: str, count: int) -> dict[str, Path]:
    sources = [
        ROOT / "solutions" / f"{notebook}.ipynb",
        ROOT / "exercises" / f"{notebook}.ipynb",
        ROOT / "tests" / "submissions" / "n-plus-one" / f"{notebook}.ipynb",
    ]
    sources = [source for source in sources if source.exists()]
    return {f"learner-{n + 1:02d}": sources[n % len(sources)] for n in range(count)}


def time_the_grader(learners: dict[str, Path], notebook: str, jobs: int) -> tuple[float, list]:
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as folder:
        for learner, source in learners.items():
            (Path(folder) / learner).mkdir()
            shutil.copy(source, Path(folder) / learner / f"{notebook}.ipynb")
        started = time.perf_counter()
        submissions = grade(
            [Path(folder)],
            jobs=jobs,
            progress=lambda done, total, s: print(f"\r{done}/{total}", end="", file=sys.stderr),
        )
        print(file=sys.stderr)
        return time.perf_counter() - started, submissions


def time_nbgrader(learners: dict[str, Path], notebook: str) -> float:
    """nbgrader's autograde over the same copies (setup untimed)."""
    bin_dir = Path(sys.executable).parent
    env = {k: v for k, v in os.environ.items() if k not in CLEARED_ENVIRONMENT}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"  # nbgrader runs alembic
    env.setdefault("MPLBACKEND", "Agg")
    with tempfile.TemporaryDirectory(prefix="bench-nbgrader-") as course:
        course = Path(course)

        def nbgrader(*args):
            subprocess.run(
                [str(bin_dir / "nbgrader"), *args, "--CourseDirectory.root=.", "--log-level=ERROR"],
                cwd=course, env=env, check=True, capture_output=True, timeout=1800,
            )  # fmt: skip

        (course / "source" / "ps").mkdir(parents=True)
        shutil.copy(ROOT / "solutions" / f"{notebook}.ipynb", course / "source" / "ps")
        nbgrader("generate_assignment", "ps")
        (course / "students.csv").write_text("id\n" + "\n".join(learners) + "\n")
        nbgrader("db", "student", "import", "students.csv")
        for learner, source in learners.items():
            (course / "submitted" / learner / "ps").mkdir(parents=True)
            shutil.copy(source, course / "submitted" / learner / "ps" / f"{notebook}.ipynb")
        started = time.perf_counter()
        nbgrader("autograde", "ps", "--ExecutePreprocessor.timeout=60")
        return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=30)
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--notebook", default="05-selectors-and-n-plus-one")
    parser.add_argument("--no-nbgrader", action="store_true", help="time the grader alone")
    args = parser.parse_args(argv)
    for name in CLEARED_ENVIRONMENT:  # the embedded defaults, as the grader's kernels use
        os.environ.pop(name, None)

    learners = copies(args.notebook, args.copies)
    sandbox.compile_environment()  # once per environment, not per class: untimed
    seconds, submissions = time_the_grader(learners, args.notebook, args.jobs)
    points = sorted({f"{s.points:g}/{s.max_points:g}" for s in submissions})
    verdict = "within" if seconds <= TARGET_SECONDS else "OVER"
    print(f"{len(submissions)} submissions of {args.notebook}, sandboxed, {args.jobs} job(s)")
    print(f"on {os.cpu_count()} cores (load average {os.getloadavg()[0]:.1f} at the end)")
    print(f"grader: {seconds:.0f} s, {verdict} the target of {TARGET_SECONDS} s")
    print(f"per submission: {format_duration(seconds / max(len(submissions), 1))}")
    print(f"scores seen: {', '.join(points)}")
    if not args.no_nbgrader:
        autograde = time_nbgrader(learners, args.notebook)
        print(f"nbgrader autograde (one at a time, no sandbox): {autograde:.0f} s")
        print(f"the grader took {seconds / autograde:.2f}× nbgrader's time")
    return 0


if __name__ == "__main__":
    sys.exit(main())
