"""Step 2, assemble: build the notebook to run from a submission and solutions/.

The notebook to run keeps the learner's answer cells and any cells of their own (each after
the workbook cell it followed), and takes every locked cell from ``solutions/``: the setup,
the given code, and each check cell with its hidden checks. A locked cell the learner
edited is found as nbgrader finds it (``compute_checksum`` against the checksum the
released notebook carries), restored, and said so. Each check cell calls ``check(...)``
with a receipt, a secret of this run, which the judge asks of every verdict. The progress
cell at the end (a table of the checks' outcomes for the learner, graded by nothing) is left
out when the submission holds it as released: it would only cost each kernel its import.
"""

from __future__ import annotations

import ast
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from .collect import field as get
from .records import Assignment, Exercise

ROOT = Path(__file__).resolve().parents[3]
SOLUTIONS = ROOT / "solutions"
CELL_ID = re.compile(r"ex(\d+)-(\d+)-(answer|check)")
PROGRESS_ID = re.compile(r"ex\d+-progress")


def load_assignments(solutions: Path = SOLUTIONS) -> dict[str, Assignment]:
    """Read every solution notebook and the exercise notebook generated from it."""
    import nbformat

    from demo_project.tools.exercises import generate

    assignments = {}
    for path in sorted(solutions.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        released = {
            cell.metadata["nbgrader"]["grade_id"]: cell
            for cell in generate(path).cells
            if "nbgrader" in cell.metadata
        }
        cells, exercises, answers = [], [], {}
        for cell in nb.cells:
            if "nbgrader" not in cell.metadata:
                continue
            cells.append(cell)
            meta = cell.metadata["nbgrader"]
            match = CELL_ID.fullmatch(meta["grade_id"])
            if match and match[3] == "answer":
                answers[f"{match[1]}.{match[2]}"] = meta["grade_id"]
            elif match:
                number = f"{match[1]}.{match[2]}"
                points = float(meta.get("points", 0))
                exercises.append(Exercise(number, points, answers[number], meta["grade_id"]))
        number = nb.metadata.get("workbook", {}).get("exercises", path.stem[:2])
        assignments[path.stem] = Assignment(path.stem, number, exercises, cells, released)
    return assignments


@dataclass
class Assembled:
    notebook: object  # the nbformat notebook to run
    receipt: str
    notes: list[str] = field(default_factory=list)
    missing: set[str] = field(default_factory=set)  # exercises whose answer cell was deleted
    learner_sources: list[str] = field(default_factory=list)  # answers and cells of their own


def source(cell) -> str:
    text = get(cell, "source")
    if isinstance(text, list):
        return "".join(str(line) for line in text)
    return text if isinstance(text, str) else ""


def unchanged(submitted: dict, released, original) -> bool:
    """nbgrader's test: the cell's checksum (source, type, grade_id, points) is the released one."""
    import nbformat
    from nbgrader.utils import compute_checksum

    try:
        checksum = compute_checksum(nbformat.from_dict({**submitted, "source": source(submitted)}))
    except Exception:  # metadata too mangled to checksum: it was edited
        return False
    return checksum in {released.metadata["nbgrader"].get("checksum"), compute_checksum(original)}


def with_receipt(code: str, receipt: str) -> str:
    """Add ``receipt=...`` to every ``check(...)`` call of a check cell."""
    calls = [
        node
        for node in ast.walk(ast.parse(code))
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "check"
    ]
    lines = code.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    for call in sorted(calls, key=lambda c: (c.lineno, c.col_offset), reverse=True):
        start = offsets[call.lineno - 1] + call.col_offset
        stop = offsets[call.end_lineno - 1] + call.end_col_offset
        call.keywords.append(ast.keyword("receipt", ast.Constant(receipt)))
        code = code[:start] + ast.unparse(call) + code[stop:]
    return code


def assemble(
    nb: dict, assignment: Assignment, *, receipts: bool = True, hidden: bool = True
) -> Assembled:
    """Build the notebook to run; ``receipts=False`` where check() takes none yet.

    ``hidden=False`` takes the locked cells as learners got them: no hidden checks.
    """
    import nbformat

    known = {cell.metadata["nbgrader"]["grade_id"] for cell in assignment.cells}
    answers = {exercise.answer_id for exercise in assignment.exercises}
    theirs: dict[str | None, list[dict]] = {}  # the learner's own cells, by the cell before
    by_id: dict[str, dict] = {}
    anchor = None
    for cell in get(nb, "cells") or []:
        grade_id = get(cell, "metadata", "nbgrader", "grade_id")
        if grade_id in known and grade_id not in by_id:
            by_id[grade_id], anchor = cell, grade_id
        elif get(cell, "cell_type") == "code" and source(cell).strip():
            theirs.setdefault(anchor, []).append(cell)
    run = Assembled(nbformat.v4.new_notebook(), secrets.token_hex(16) if receipts else "")
    run.notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    canonical = [cell.metadata["nbgrader"]["grade_id"] for cell in assignment.cells]
    if list(by_id) != [grade_id for grade_id in canonical if grade_id in by_id]:
        run.notes.append("cells reordered: graded in the workbook's order")

    def add(code: str, grade_id: str | None = None, *, learner: bool = False) -> None:
        cell = nbformat.v4.new_code_cell(code)
        if grade_id:
            cell.metadata["grade_id"] = grade_id
        run.notebook.cells.append(cell)
        if learner:
            run.learner_sources.append(code)

    for cell in theirs.get(None, []):
        add(source(cell), learner=True)
    for original in assignment.cells:
        grade_id = original.metadata["nbgrader"]["grade_id"]
        if original.cell_type == "code" and not left_out(original, by_id.get(grade_id), assignment):
            code = workbook_cell(run, assignment, original, by_id.get(grade_id))
            if not hidden and grade_id not in answers:
                code = assignment.released[grade_id].source
            add(code, grade_id, learner=grade_id in answers and grade_id in by_id)
        for cell in theirs.get(grade_id, []):
            add(source(cell), learner=True)
    return run


def left_out(original, submitted, assignment: Assignment) -> bool:
    """Whether ``original`` is the progress cell, and the submission holds it as released."""
    grade_id = original.metadata["nbgrader"]["grade_id"]
    if not PROGRESS_ID.fullmatch(grade_id) or submitted is None:
        return False
    return unchanged(submitted, assignment.released[grade_id], original)


def workbook_cell(run: Assembled, assignment: Assignment, original, submitted) -> str:
    """The code to run for one workbook cell: the learner's answer, or the locked original."""
    grade_id = original.metadata["nbgrader"]["grade_id"]
    match = CELL_ID.fullmatch(grade_id)
    number, kind = (f"{match[1]}.{match[2]}", match[3]) if match else ("", "locked")
    if kind == "answer":
        if submitted is None:
            run.notes.append(f"answer cell of {number} deleted")
            run.missing.add(number)
            return assignment.released[grade_id].source
        return source(submitted)
    name = f"check cell of {number}" if kind == "check" else grade_id
    if submitted is None:
        run.notes.append(f"{name} deleted: restored")
    elif not unchanged(submitted, assignment.released[grade_id], original):
        what = "graded with the original" if kind == "check" else "restored"
        run.notes.append(f"{name} edited: {what}")
    if kind == "check" and run.receipt:
        return with_receipt(original.source, run.receipt)
    return original.source
