"""Print how long each notebook takes under strict nbval, from the JUnit reports of runs.

    scripts/lesson_times.py var/lesson-times/run-*.xml

Each report is one nbval run (``make lesson-times`` makes them). A notebook's time is the
sum of its cells' times, kernel start included (nbval starts it in the first cell's
setup); collection, a second or two per run, is left out. With several runs, the table
shows each run and the median, since one run on a busy machine says little alone.
"""

import statistics
import sys
import xml.etree.ElementTree as ElementTree
from collections import defaultdict
from pathlib import Path


def notebook_seconds(report: Path) -> dict[str, float]:
    """Return {notebook path: seconds} summed over the test cases of one JUnit report."""
    seconds: dict[str, float] = defaultdict(float)
    for case in ElementTree.parse(report).iter("testcase"):
        notebook = case.get("file") or case.get("classname", "")
        seconds[notebook.split("::")[0]] += float(case.get("time", 0))
    return dict(seconds)


YARDSTICK = "notebooks/00-start-here.ipynb"


def table(runs: list[dict[str, float]]) -> str:
    """Return a Markdown table: a row per notebook, a column per run, the median, and the
    median as a multiple of lesson 00's (a busy machine slows every lesson alike, so that
    column moves less from one machine to another than the seconds do)."""
    notebooks = sorted({name for run in runs for name in run})
    medians = {
        name: statistics.median(run[name] for run in runs if name in run) for name in notebooks
    }
    header = ["notebook", *(f"run {n} (s)" for n in range(1, len(runs) + 1)), "median (s)"]
    header += ["× lesson 00"] if YARDSTICK in medians else []
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for name in notebooks:
        cells = [name, *(f"{run[name]:.1f}" if name in run else "" for run in runs)]
        cells.append(f"{medians[name]:.1f}")
        if YARDSTICK in medians:
            cells.append(f"{medians[name] / medians[YARDSTICK]:.1f}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(paths: list[str]) -> int:
    if not paths:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    print(table([notebook_seconds(Path(path)) for path in paths]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
