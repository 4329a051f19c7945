"""Feedback: what each check said to the learner, kept per row, and one Markdown file per learner.

A row's feedback is taken from the outputs of the executed notebook, never from its sources:
the lines the check cell printed, the full message of a check that failed (with its hint and
the queries it saw), and the error of an answer cell that failed. A check cell's source holds
the hidden checks and this run's receipt; a line of output that quotes either (an answer can
print the kernel's input history) is withheld.
"""

from __future__ import annotations

import re
from pathlib import Path

from .records import Assignment, Exercise

# The kit's outcomes render their message without a traceback: their evalue is the whole text.
CHECK_OUTCOMES = {"NotDone", "CheckFailed", "HiddenCheckFailed"}
HIDDEN_REGION = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.DOTALL)
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
WITHHELD = "[a line that quotes the grader's check cell is withheld]"
LIMIT = 4000  # characters of feedback kept per exercise


def secrets_of(source: str, receipt: str) -> list[str]:
    """What no feedback may show: the hidden checks' lines, their markers, the receipt."""
    secrets = ["### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"]
    for region in HIDDEN_REGION.findall(source):
        secrets += [line.strip() for line in region.splitlines() if line.strip()]
    return secrets + ([receipt] if receipt else [])


def text_of(value) -> str:
    return "".join(map(str, value)) if isinstance(value, list) else str(value or "")


def said(cell: dict | None, *, streams: bool) -> list[str]:
    """The messages among a cell's outputs (not its displays, which carry verdict records)."""
    found = []
    for output in (cell or {}).get("outputs", []):
        kind = output.get("output_type")
        if kind == "stream" and streams:
            found.append(text_of(output.get("text")).rstrip("\n"))
        elif kind == "error":
            name, value = text_of(output.get("ename")), text_of(output.get("evalue"))
            outcome = name in CHECK_OUTCOMES
            found.append(value if outcome else f"{name}: {value}" if value else name)
    return found


def check_feedback(exercise: Exercise, cells: dict, assignment: Assignment, receipt: str) -> str:
    """Every message and hint one exercise's cells gave, without a line of hidden source."""
    secrets = secrets_of(assignment.source(exercise.check_id), receipt)
    failed = said(cells.get(exercise.answer_id), streams=False)
    answer = [f"The answer cell failed: {message}" for message in failed]
    lines = ANSI.sub("", "\n".join([*answer, *said(cells.get(exercise.check_id), streams=True)]))
    kept = [WITHHELD if any(s in line for s in secrets) else line for line in lines.splitlines()]
    text = "\n".join(kept).strip()
    if len(text) > LIMIT:
        text = f"{text[:LIMIT]}\n… ({len(text) - LIMIT:,} more characters)"
    return text


# One file per learner


def file_name(learner: str) -> Path:
    """A relative path for a learner's file: their folders kept, nothing that climbs out."""
    parts = [re.sub(r"[^\w .@+-]", "_", part).strip() or "_" for part in learner.split("/")]
    *folders, name = [f"_{part}" if part.startswith(".") else part for part in parts]
    return Path(*folders, f"{name}.md")  # not with_suffix: "Ada.Lovelace" keeps her surname


def fenced(text: str) -> str:
    """``text`` as a Markdown code block whose fence no line of it can close."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}\n{text}\n{fence}"


def numbered(exercise: str) -> tuple:
    return tuple(int(part) if part.isdigit() else 0 for part in exercise.split("."))


def points(rows: list[dict]) -> tuple[float, float]:
    """The points earned and the points possible of some gradebook rows."""
    return (
        sum(float(row["points"] or 0) for row in rows),
        sum(float(row["max_points"] or 0) for row in rows),
    )


def markdown(learner: str, rows: list[dict]) -> str:
    """The feedback of one learner: per notebook, per exercise, points, status, every message."""
    total, out_of = points(rows)
    lines = [f"# Feedback for {learner}", "", f"{total:g} of {out_of:g} points.", ""]
    for notebook in sorted({row["notebook"] for row in rows}):
        mine = [row for row in rows if row["notebook"] == notebook]
        mine.sort(key=lambda row: numbered(row["exercise"]))
        lines += [f"## {notebook}: {'{:g} of {:g}'.format(*points(mine))}", ""]
        notes = next((r["notes"] for r in mine if r["notes"]), "")
        if notes:
            lines += [f"Notes: {notes}", ""]
        for row in mine:
            heading = f"Exercise {row['exercise']}" if row["exercise"] != "-" else "Not graded"
            lines += [f"### {heading}: {row['points']} of {row['max_points']}, {row['status']}", ""]
            message = row.get("feedback") or row["detail"]
            if message:
                lines += [fenced(message), ""]
    return "\n".join(lines)


def write_feedback(rows: list[dict], folder: Path) -> list[Path]:
    """One Markdown file per learner of the gradebook, each replaced whole."""
    from .report import replacing

    written = []
    for learner in sorted({row["learner"] for row in rows}):
        path = folder / file_name(learner)
        with replacing(path) as stream:
            stream.write(markdown(learner, [row for row in rows if row["learner"] == learner]))
        written.append(path)
    return written
