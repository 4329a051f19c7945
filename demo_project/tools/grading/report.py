"""Step 5, report: a table per notebook, the reasons, and the CSV (written atomically).

The CSV is written by the grader, outside every sandbox, to a temporary file in its own
folder and then renamed over the old one, so a reader never sees half a file.
"""

from __future__ import annotations

import csv
import os
import tempfile
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

from .records import STATUS_MARKS, Row, Submission

CSV_FIELDS = [
    "learner",
    "notebook",
    "exercise",
    "points",
    "max_points",
    "status",
    "detail",
    "notes",
    "path",
    "feedback",
    "run",
]
UNSANDBOXED = "UNSANDBOXED: --trusted was given; the submissions ran as the grader's user."


def number(value: float) -> str:
    return f"{value:g}"


def write_csv(submissions: list[Submission], path: Path) -> Path:
    rows = [as_record(row) for submission in submissions for row in submission.rows]
    return write_rows(rows, path)


def as_record(row: Row) -> dict[str, str]:
    """A row as the CSV holds it: every field a string, points without a trailing .0."""
    values = asdict(row)
    values["points"] = number(row.points)
    values["max_points"] = number(row.max_points)
    return values


@contextmanager
def replacing(path: Path, *, encoding: str = "utf-8", newline: str | None = None):
    """Yield a text stream to a temporary file beside ``path``; rename it over ``path`` at the end.

    A reader sees the old file or the new one, never half a file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding=encoding, newline=newline) as stream:
            yield stream
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_rows(rows: list[dict], path: Path, fields=CSV_FIELDS, *, bom: bool = False) -> Path:
    """Write ``rows`` as CSV, replacing ``path`` whole.

    ``bom``: start with UTF-8's byte order mark, which spreadsheets need to read accents.
    """
    path = path.resolve()
    with replacing(path, encoding="utf-8-sig" if bom else "utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def table(group: list[Submission]) -> list[str]:
    exercises = [row.exercise for row in group[0].rows]
    width = max(len("learner"), *(len(s.learner) for s in group))
    header = f"{'learner':<{width}}  " + "  ".join(f"{e:>5}" for e in exercises)
    lines = [header + "  total", "-" * (len(header) + 8)]
    for s in group:
        cells = [f"{number(row.points) + STATUS_MARKS.get(row.status, '?'):>5}" for row in s.rows]
        total = f"{number(s.points)}/{number(s.max_points)}"
        lines.append(f"{s.learner:<{width}}  " + "  ".join(cells) + f"  {total}")
    for s in group:
        lines += [f"  {s.learner}: {note}" for note in s.notes]
        for row in s.rows:
            # "Not done" is plain from its mark, "not graded" from the note above.
            if row.status not in {"passed", "not done", "not graded"}:
                reason = f": {row.detail}" if row.detail else ""
                lines.append(f"  {s.learner} {row.exercise} {row.status}{reason}")
    return lines


def summary(submissions: list[Submission], *, sandboxed: bool = True) -> str:
    """One table per notebook: a row per learner, points per exercise; then the reasons."""
    lines = [] if sandboxed else [UNSANDBOXED]
    graded = [s for s in submissions if s.notebook and not s.superseded and s.max_points]
    for notebook in sorted({s.notebook for s in graded}):
        group = [s for s in graded if s.notebook == notebook]
        points = number(group[0].max_points)
        lines += ["", f"{notebook} ({len(group[0].rows)} exercises, {points} points)"]
        lines += table(group)
    others = [s for s in submissions if s not in graded]
    if others:
        lines += ["", "Not graded"]
        lines += [f"  {s.learner} ({s.path}): {'; '.join(s.notes)}" for s in others]
    legend = ", ".join(f"{mark} {status}" for status, mark in STATUS_MARKS.items() if mark)
    lines += ["", f"Marks after points: {legend}."]
    return "\n".join(lines).lstrip("\n")
