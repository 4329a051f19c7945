"""How far you are: your own exercises/ notebooks, run afresh, visible checks only.

    make progress
    python -m demo_project.tools.grading.progress [exercises/] [--png var/progress.png]

Each notebook runs in a fresh kernel from a copy read into memory: nothing is written into
your notebooks, and the grader's hidden checks do not run. For every lesson and exercise it
says done, wrong (with the check's first message) or not started, as a table and as a plot.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nbformat

from . import sandbox
from .assemble import ROOT, assemble, load_assignments
from .collect import collect
from .judge import by_grade_id, judge

STATES = {"done": "#2e7d32", "wrong": "#c62828", "not started": "#bdbdbd"}


@dataclass
class Progress:
    notebook: str
    exercise: str
    points: float
    state: str  # done, wrong, not started
    message: str = ""


def run_one(nb: dict, assignment, template: Path | None = None) -> list[Progress]:
    run = assemble(nb, assignment, receipts=False, hidden=False)
    executed, ending = sandbox.run(
        nbformat.writes(run.notebook),
        cell_timeout=60,
        timeout=300,
        hidden=[],
        sandboxed=False,
        template=template,
    )
    cells = by_grade_id(json.loads(executed) if executed else {})
    found = []
    for exercise in assignment.exercises:
        status, detail = judge(exercise, cells, run.missing, ending, "")
        state = {"passed": "done", "not done": "not started"}.get(status, "wrong")
        found.append(Progress(assignment.stem, exercise.id, exercise.points, state, detail))
    return found


def progress(folder: Path, jobs: int = 2) -> list[Progress]:
    assignments = load_assignments()
    mine = {s.notebook: s for s in collect([folder], assignments) if s.nb and not s.superseded}
    with (
        tempfile.TemporaryDirectory(prefix="progress-template-") as folder,
        ThreadPoolExecutor(max_workers=jobs) as pool,
    ):
        compiled = pool.submit(sandbox.compile_environment)  # what no kernel can write
        template = sandbox.database_template(Path(folder))  # one migration for all kernels
        compiled.result()
        futures = {
            stem: pool.submit(run_one, mine[stem].nb, assignment, template)
            for stem, assignment in assignments.items()
            if stem in mine
        }
    found = []
    for stem, assignment in assignments.items():
        if stem in futures:
            found += futures[stem].result()
        else:
            found += [Progress(stem, e.id, e.points, "not started") for e in assignment.exercises]
    return found


def table(found: list[Progress]) -> str:
    width = max(len(p.notebook) for p in found)
    lines = [f"{'lesson':<{width}}  exercise  {'progress':<11}  first message"]
    for entry in found:
        message = entry.message.splitlines()[0] if entry.state == "wrong" and entry.message else ""
        lines.append(
            f"{entry.notebook:<{width}}  {entry.exercise:<8}  {entry.state:<11}  {message}"
        )
    done = sum(p.points for p in found if p.state == "done")
    total = sum(p.points for p in found)
    counts = ", ".join(f"{sum(p.state == s for p in found)} {s}" for s in STATES)
    lines += ["", f"{counts}: {done:g} of {total:g} points."]
    return "\n".join(lines)


def plot(found: list[Progress]):
    """Points per lesson, stacked: done, wrong, not started."""
    import matplotlib.pyplot as plt

    lessons = list(dict.fromkeys(p.notebook for p in found))
    figure, axes = plt.subplots(figsize=(8, 0.4 * len(lessons) + 1.2))
    left = [0.0] * len(lessons)
    for state, colour in STATES.items():
        widths = [
            sum(p.points for p in found if p.notebook == lesson and p.state == state)
            for lesson in lessons
        ]
        axes.barh(lessons, widths, left=left, color=colour, label=state)
        left = [a + b for a, b in zip(left, widths, strict=True)]
    axes.invert_yaxis()
    axes.set_xlabel("points")
    axes.legend(loc="lower right", fontsize="small")
    figure.tight_layout()
    return figure


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", type=Path, default=ROOT / "exercises")
    parser.add_argument("--png", type=Path, default=ROOT / "var" / "progress.png")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    if not args.folder.is_dir():
        print(f"error: {args.folder}: no such folder.", file=sys.stderr)
        return 2
    found = progress(args.folder, args.jobs)
    print(table(found))
    args.png.parent.mkdir(parents=True, exist_ok=True)
    plot(found).savefig(args.png, dpi=100)
    print(f"\nThe plot: {args.png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
