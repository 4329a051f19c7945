"""Write ``exercises/`` from ``solutions/`` with nbgrader's own preprocessors.

    python -m demo_project.tools.exercises            # what `make exercises` runs
    python -m demo_project.tools.exercises --check    # exit 1 if exercises/ is out of step
    python -m demo_project.tools.exercises --force    # overwrite notebooks changed by hand

Each solution notebook goes through nbgrader's ``LockCells``, ``ClearSolutions`` (every
``### BEGIN SOLUTION`` region becomes ``raise NotImplementedError()``), ``ClearOutput``,
``ClearHiddenTests`` and ``ComputeChecksums``, as ``nbgrader generate_assignment`` would,
without its course database. One difference: a region directly inside a class body (a
schema's fields) becomes ``pass``, because a ``raise`` there would fail the cell before
its check could say "not done yet"; the check reports an empty schema as not done.

Points are said once, in the ``points`` of each exercise's check cell (what nbgrader
grades): the generator writes them into the heading of the exercise's task,
``## Exercise 5.1 · ... (2 points)``, in ``exercises/`` and in ``solutions/`` alike.

The generator never overwrites an exercise notebook that differs from what it generated
last (a learner may be working in a clone) unless told to with ``--force``: each
generated notebook records the hash of its own content in its metadata, and a notebook
whose content no longer matches that hash was changed by someone.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"
CLASS_BODY_STUB = "# YOUR CODE HERE\npass"


def _preprocessors():
    from nbgrader.preprocessors import (
        CheckCellMetadata,
        ClearHiddenTests,
        ClearOutput,
        ClearSolutions,
        ComputeChecksums,
        LockCells,
    )

    class ClearSolutionsKeepingClasses(ClearSolutions):
        """nbgrader's ClearSolutions, with ``pass`` as the stub of a class body's region."""

        def _replace_solution_region(self, cell, language):
            lines = cell.source.split("\n")
            stubs = {}
            for number, line in enumerate(lines):
                if self.begin_solution_delimeter in line and _inside_class(lines, number):
                    stubs[number] = CLASS_BODY_STUB
            if not stubs:
                return super()._replace_solution_region(cell, language)
            # Replace class-body regions with a marker first, then let nbgrader do the rest.
            marker = "__workbook_class_stub__"
            kept, skipping = [], False
            for number, line in enumerate(lines):
                if number in stubs:
                    indent = re.match(r"\s*", line).group(0)
                    kept += [indent + stub_line for stub_line in CLASS_BODY_STUB.split("\n")]
                    kept[-1] += f"  # {marker}"
                    skipping = True
                elif skipping and self.end_solution_delimeter in line:
                    skipping = False
                elif not skipping:
                    kept.append(line)
            cell.source = "\n".join(kept)
            super()._replace_solution_region(cell, language)
            cell.source = cell.source.replace(f"  # {marker}", "")
            return True

    clear_output = ClearOutput()
    clear_output.remove_metadata_fields = {"collapsed", "scrolled", "execution"}
    return [
        CheckCellMetadata(),
        LockCells(),
        ClearSolutionsKeepingClasses(),
        clear_output,
        ClearHiddenTests(),
        ComputeChecksums(),
        CheckCellMetadata(),
    ]


HEADING = re.compile(r"^(## Exercise (\d+\.\d+) · .*?) \((\d+) points?\)$", re.M)


def points_of(nb) -> dict[str, int]:
    """Each exercise's points, from its check cell's nbgrader metadata: ``{"5.1": 2}``."""
    found = {}
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        match = re.fullmatch(r"ex(\d+)-(\d+)-check", grade_id)
        if match:
            found[f"{match[1]}.{match[2]}"] = int(cell.metadata["nbgrader"]["points"])
    return found


def with_points(nb) -> bool:
    """Write each check cell's points into its task's heading; return whether any changed."""
    points = points_of(nb)
    changed = False

    def heading(match: re.Match) -> str:
        if match[2] not in points:
            raise ValueError(f"{match[0]!r}: exercise {match[2]} has no check cell with points")
        count = points[match[2]]
        return f"{match[1]} ({count} point{'' if count == 1 else 's'})"

    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.source.startswith("## Exercise "):
            source = HEADING.sub(heading, cell.source, count=1)
            if source == cell.source and not HEADING.match(cell.source):
                raise ValueError(f"{cell.source.splitlines()[0]!r} does not end with (N points)")
            changed |= source != cell.source
            cell.source = source
    return changed


def _inside_class(lines: list[str], number: int) -> bool:
    """Whether line ``number`` sits directly in a class body (not in a method)."""
    indent = len(lines[number]) - len(lines[number].lstrip())
    for line in reversed(lines[:number]):
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", '"""', "'''")) or stripped.endswith('"""'):
            continue
        if len(line) - len(line.lstrip()) < indent:
            return stripped.startswith("class ")
    return False


def content_hash(nb) -> str:
    """Hash what a learner changes by working in a notebook: sources and outputs."""
    cells = [
        [cell.get("cell_type"), cell.get("source"), cell.get("outputs", [])]
        for cell in nb.get("cells", [])
    ]
    blob = json.dumps(cells, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(blob).hexdigest()


def generate(solution: Path):
    """Return the exercise notebook generated from ``solution`` (nothing is written)."""
    import nbformat

    nb = nbformat.read(solution, as_version=4)
    with_points(nb)
    resources = {}
    for preprocessor in _preprocessors():
        nb, resources = preprocessor.preprocess(nb, resources)
    workbook = dict(nb.metadata.get("workbook", {}))
    workbook["generated_from"] = f"solutions/{solution.name}"
    workbook["content_hash"] = content_hash(nb)
    nb.metadata["workbook"] = workbook
    nb.metadata.pop("language_info", None)
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def render(nb) -> str:
    import nbformat

    return nbformat.writes(nb) + "\n"


@dataclass
class Outcome:
    path: Path
    status: str  # "written", "unchanged", "kept", "out of step"
    message: str = ""


def was_changed_by_hand(text: str) -> bool:
    """Whether a generated notebook's content no longer matches the hash it recorded."""
    import nbformat

    try:
        nb = nbformat.reads(text, as_version=4)  # sources as one string, as generated
    except Exception:  # not JSON, not a notebook: certainly not what was generated
        return True
    recorded = nb.get("metadata", {}).get("workbook", {}).get("content_hash")
    return recorded is None or recorded != content_hash(nb)


def sync(
    solutions: Path = SOLUTIONS,
    exercises: Path = EXERCISES,
    *,
    force: bool = False,
    check: bool = False,
) -> list[Outcome]:
    """Bring ``exercises`` in step with ``solutions``; with ``check``, only compare."""
    outcomes = []
    exercises.mkdir(parents=True, exist_ok=True)
    for solution in sorted(solutions.glob("*.ipynb")):
        outcomes += _points_in_headings(solution, check)
        target = exercises / solution.name
        text = render(generate(solution))
        current = target.read_text(encoding="utf-8") if target.exists() else None
        if current == text:
            outcomes.append(Outcome(target, "unchanged"))
        elif check:
            outcomes.append(Outcome(target, "out of step", "run `make exercises`"))
        elif current is not None and not force and was_changed_by_hand(current):
            outcomes.append(
                Outcome(
                    target,
                    "kept",
                    "it was changed since it was generated (someone's work?); "
                    "move it aside, or run `make exercises FORCE=1` to overwrite it",
                )
            )
        else:
            target.write_text(text, encoding="utf-8")
            outcomes.append(Outcome(target, "written"))
    return outcomes


def _points_in_headings(solution: Path, check: bool) -> list[Outcome]:
    """Put the check cells' points into the solution's own headings (its markdown only)."""
    import nbformat

    nb = nbformat.read(solution, as_version=4)
    if not with_points(nb):
        return []
    if check:
        return [Outcome(solution, "out of step", "its headings' points: run `make exercises`")]
    nbformat.write(nb, solution)
    return [Outcome(solution, "written", "the points in its headings")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only say what is out of step")
    parser.add_argument("--force", action="store_true", help="overwrite notebooks changed by hand")
    parser.add_argument("--solutions", type=Path, default=SOLUTIONS)
    parser.add_argument("--exercises", type=Path, default=EXERCISES)
    args = parser.parse_args(argv)
    outcomes = sync(args.solutions, args.exercises, force=args.force, check=args.check)
    for outcome in outcomes:
        name = outcome.path.relative_to(ROOT) if outcome.path.is_relative_to(ROOT) else outcome.path
        line = f"{outcome.status:>11}  {name}"
        print(line + (f": {outcome.message}" if outcome.message else ""))
    problems = [o for o in outcomes if o.status in {"kept", "out of step"}]
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
