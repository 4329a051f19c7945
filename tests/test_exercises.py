"""exercises/ comes from solutions/ and stays in step; unsolved, every check says "not done yet".

The solutions themselves run under strict nbval (``make test-notebooks``), where every
check prints its ✓ line. Here: nbgrader can read the solutions' metadata, the generated
copies hold no answer and no hidden check, the generator keeps a learner's work, and each
unsolved exercise notebook runs top to bottom in a kernel with every check cell reporting
"not done yet" and no other cell failing. Check cells raise on purpose (the kit's
``NotDone`` and ``CheckFailed`` show as a short message, and the cells carry nbgrader's
grade metadata and the ``raises-exception`` tag, so a run of all cells goes on past them).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from demo_project.lab.checks import EXERCISES
from demo_project.tools import exercises as generator

ROOT = Path(__file__).resolve().parent.parent
SOLUTION_PATHS = sorted((ROOT / "solutions").glob("*.ipynb"))
EXERCISE_PATHS = sorted((ROOT / "exercises").glob("*.ipynb"))
LESSONS = ["01", "02", "03", "04", "05", "06", "07", "08", "09"]
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def by_name(paths):
    return [pytest.param(path, id=path.stem) for path in paths]


def grade_id(cell) -> str:
    return cell.metadata.get("nbgrader", {}).get("grade_id", "")


def kernel_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CACHE_URL"}}
    env.pop("CELERY_BROKER_URL", None)
    env.setdefault("MPLBACKEND", "Agg")
    return env


def run_notebook(nb, tmp_path: Path):
    """Run ``nb`` in a fresh kernel, going on past errors; return it with its outputs."""
    from nbclient import NotebookClient

    client = NotebookClient(
        nb, kernel_name="python3", timeout=120, allow_errors=True, record_timing=False
    )
    client.execute(env=kernel_env(), cwd=str(tmp_path))
    return nb


def error_text(cell) -> str:
    return "\n".join(
        ANSI.sub("", "\n".join(output.get("traceback", [])))
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    )


# ---------------------------------------------------------------------------------------
# The solutions: one notebook per lesson, nbgrader's metadata, every check registered


def test_every_lesson_from_01_to_09_has_an_exercise_notebook_of_two_to_five_exercises():
    numbers = {path.stem[:2]: path for path in SOLUTION_PATHS}
    assert sorted(numbers) == LESSONS
    for path in numbers.values():
        nb = nbformat.read(path, as_version=4)
        checks = [cell for cell in nb.cells if grade_id(cell).endswith("-check")]
        assert 2 <= len(checks) <= 5, f"{path.name}: {len(checks)} exercises"
        points = [cell.metadata["nbgrader"]["points"] for cell in checks]
        assert points == sorted(points), f"{path.name}: exercises rise in difficulty"


@pytest.mark.parametrize("path", by_name(SOLUTION_PATHS))
def test_the_solution_carries_nbgrader_markers_and_metadata(path):
    from nbgrader.nbgraderformat import MetadataValidator

    nb = nbformat.read(path, as_version=4)
    MetadataValidator().validate_nb(nb)
    ids = [grade_id(cell) for cell in nb.cells if grade_id(cell)]
    assert len(ids) == len(set(ids)), "grade_ids are unique"
    number = path.stem[:2].lstrip("0")
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader")
        assert meta, f"{cell.id}: every cell of an exercise notebook is an nbgrader cell"
        gid = meta["grade_id"]
        if gid.endswith("-answer"):
            assert meta["solution"] and not meta["grade"] and not meta["locked"]
            assert cell.source.count("### BEGIN SOLUTION") >= 1
            assert cell.source.count("### BEGIN SOLUTION") == cell.source.count("### END SOLUTION")
        elif gid.endswith("-check"):
            assert meta["grade"] and meta["locked"] and not meta["solution"]
            assert meta["points"] > 0
            assert cell.metadata.get("tags") == ["raises-exception"]
            exercise = re.search(r'check\("(\d+\.\d+)"\)', cell.source).group(1)
            assert exercise in EXERCISES and exercise.split(".")[0] == number
            assert gid == f"ex{exercise.replace('.', '-')}-check"
            hidden = f'### BEGIN HIDDEN TESTS\ncheck("{exercise}", hidden=True)\n'
            assert hidden in cell.source, "the hidden checks sit in nbgrader's hidden region"
        else:
            assert meta["locked"] and not meta["grade"] and not meta["solution"]


def test_every_registered_check_has_its_exercise_in_a_solution():
    text = "".join(path.read_text() for path in SOLUTION_PATHS)
    for exercise in EXERCISES:
        assert f'check(\\"{exercise}\\")' in text, exercise


# ---------------------------------------------------------------------------------------
# The generated copies


@pytest.mark.parametrize("path", by_name(SOLUTION_PATHS))
def test_exercises_are_in_step_with_solutions(path):
    target = ROOT / "exercises" / path.name
    assert target.exists(), f"{target.name} is missing: run `make exercises`"
    expected = generator.render(generator.generate(path))
    assert target.read_text(encoding="utf-8") == expected, (
        f"exercises/{path.name} is out of step with solutions/{path.name}: run `make exercises`"
    )


def test_no_exercise_notebook_lacks_its_solution():
    assert [p.name for p in EXERCISE_PATHS] == [p.name for p in SOLUTION_PATHS]


@pytest.mark.parametrize("path", by_name(EXERCISE_PATHS))
def test_the_exercise_holds_no_answer_no_hidden_check_and_no_output(path):
    nb = nbformat.read(path, as_version=4)
    solution = nbformat.read(ROOT / "solutions" / path.name, as_version=4)
    answers = {grade_id(c): c.source for c in solution.cells if grade_id(c).endswith("-answer")}
    for cell in nb.cells:
        assert "BEGIN SOLUTION" not in cell.source and "HIDDEN TESTS" not in cell.source
        assert "hidden=True" not in cell.source
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
        gid = grade_id(cell)
        if gid.endswith("-answer"):
            assert "# YOUR CODE HERE" in cell.source
            inside = re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", answers[gid], re.S)
            for region in inside:
                for line in region.strip().splitlines():
                    if len(line.strip()) > 20 and not line.strip().startswith("#"):
                        assert line.strip() not in cell.source, f"{gid} leaks {line.strip()!r}"
        if gid.endswith("-check"):
            assert cell.metadata["editable"] is False and cell.metadata["deletable"] is False


def test_a_region_in_a_function_becomes_raise_and_in_a_class_body_becomes_pass():
    nb = nbformat.read(ROOT / "exercises" / "02-schemas.ipynb", as_version=4)
    price_in = next(c for c in nb.cells if grade_id(c) == "ex2-1-answer").source
    assert "class PriceIn(Schema):" in price_in
    assert "    # YOUR CODE HERE\n    pass" in price_in
    nb = nbformat.read(ROOT / "exercises" / "05-selectors-and-n-plus-one.ipynb", as_version=4)
    cards = next(c for c in nb.cells if grade_id(c) == "ex5-3-answer").source
    assert cards.count("raise NotImplementedError()") == 2  # a resolver and a selector


def test_the_generator_never_overwrites_a_notebook_changed_since_it_was_generated(tmp_path):
    solutions, exercises = tmp_path / "solutions", tmp_path / "exercises"
    solutions.mkdir()
    shutil.copy(ROOT / "solutions" / "07-auth.ipynb", solutions)
    target = exercises / "07-auth.ipynb"

    assert [o.status for o in generator.sync(solutions, exercises)] == ["written"]
    assert [o.status for o in generator.sync(solutions, exercises)] == ["unchanged"]

    # A learner runs a cell and saves: the copy now differs from what was generated.
    nb = nbformat.read(target, as_version=4)
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="hi\n")]
    nbformat.write(nb, target)
    worked_on = target.read_text()
    _touch_solution(solutions / "07-auth.ipynb")
    (outcome,) = generator.sync(solutions, exercises)
    assert outcome.status == "kept" and "FORCE=1" in outcome.message
    assert target.read_text() == worked_on
    assert [o.status for o in generator.sync(solutions, exercises, check=True)] == ["out of step"]

    (outcome,) = generator.sync(solutions, exercises, force=True)
    assert outcome.status == "written" and target.read_text() != worked_on

    # Untouched since it was generated: a changed solution rewrites it.
    _touch_solution(solutions / "07-auth.ipynb", "Once more.")
    assert [o.status for o in generator.sync(solutions, exercises)] == ["written"]
    assert "Once more." in target.read_text()


def _touch_solution(path: Path, words: str = "A new sentence.") -> None:
    nb = nbformat.read(path, as_version=4)
    nb.cells[0].source += f"\n{words}"
    nbformat.write(nb, path)


# Points: said once, in each check cell's metadata; headings follow


def headings(path: Path) -> dict[str, int]:
    """The points each exercise's heading states: ``{"5.1": 2}``."""
    found = {}
    for cell in nbformat.read(path, as_version=4).cells:
        match = generator.HEADING.match(cell.source) if cell.cell_type == "markdown" else None
        if match:
            found[match[2]] = int(match[3])
    return found


@pytest.mark.parametrize("path", by_name(SOLUTION_PATHS))
def test_every_heading_states_its_check_cells_points(path):
    points = generator.points_of(nbformat.read(path, as_version=4))
    assert headings(path) == points
    assert headings(ROOT / "exercises" / path.name) == points


def test_changing_the_points_of_a_check_cell_changes_the_headings_learners_see(tmp_path):
    solutions, exercises = tmp_path / "solutions", tmp_path / "exercises"
    solutions.mkdir()
    shutil.copy(ROOT / "solutions" / "07-auth.ipynb", solutions)
    generator.sync(solutions, exercises)
    nb = nbformat.read(solutions / "07-auth.ipynb", as_version=4)
    check = next(c for c in nb.cells if grade_id(c) == "ex7-2-check")
    check.metadata["nbgrader"]["points"] = 1
    nbformat.write(nb, solutions / "07-auth.ipynb")

    assert [o.status for o in generator.sync(solutions, exercises, check=True)] == [
        "out of step",
        "out of step",
    ]
    generator.sync(solutions, exercises)
    assert headings(exercises / "07-auth.ipynb") == {"7.1": 2, "7.2": 1}
    assert headings(solutions / "07-auth.ipynb") == {"7.1": 2, "7.2": 1}
    assert "(1 point)" in (exercises / "07-auth.ipynb").read_text()
    folders = ["--solutions", str(solutions), "--exercises", str(exercises)]
    assert generator.main(["--check", *folders]) == 0


def test_a_heading_without_its_points_stops_the_generator(tmp_path):
    path = tmp_path / "07-auth.ipynb"
    nb = nbformat.read(ROOT / "solutions" / "07-auth.ipynb", as_version=4)
    task = next(c for c in nb.cells if grade_id(c) == "ex7-1-task")
    task.source = task.source.replace(" (2 points)", "", 1)
    nbformat.write(nb, path)
    with pytest.raises(ValueError, match=r"does not end with \(N points\)"):
        generator.generate(path)


def test_make_exercises_check_reports_nothing_out_of_step():
    assert generator.main(["--check"]) == 0


# ---------------------------------------------------------------------------------------
# The unsolved exercises, run: every check "not done yet", nothing else failing


@pytest.mark.parametrize("path", by_name(EXERCISE_PATHS))
def test_every_check_of_the_unsolved_exercise_says_not_done_yet(path, tmp_path):
    nb = run_notebook(nbformat.read(path, as_version=4), tmp_path)
    checks = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        gid = grade_id(cell)
        errors = [o for o in cell.outputs if o.get("output_type") == "error"]
        stderr = [o for o in cell.outputs if o.get("name") == "stderr"]
        assert not stderr, f"{gid}: stderr {stderr[0].get('text', '')[:200]!r}"
        if gid.endswith("-check"):
            checks += 1
            assert [e.ename for e in errors] == ["NotDone"], f"{gid}: {error_text(cell)[:500]}"
            message = error_text(cell)
            assert re.match(r"✗ Exercise \d+\.\d+ is not done yet: ", message), message
            assert "Traceback" not in message and "File " not in message, message
        else:
            assert not errors, f"{gid} failed: {error_text(cell)[:500]}"
    assert checks >= 2


def test_a_wrong_answer_says_what_is_wrong_and_a_right_one_passes(tmp_path):
    """The learner's loop: right rows but an N+1, the check says so; fixed, it passes."""
    path = ROOT / "exercises" / "05-selectors-and-n-plus-one.ipynb"
    nb = nbformat.read(path, as_version=4)
    position = {grade_id(cell): index for index, cell in enumerate(nb.cells)}
    check_cell = nb.cells[position["ex5-1-check"]]
    naive = (
        "def active_item_rows():\n"
        "    items = Item.objects.filter(is_active=True).order_by('name', 'id')\n"
        "    return [(i.name, i.category.name, i.owner.username) for i in items]"
    )
    right = naive.replace(".filter(", ".select_related('category', 'owner').filter(")
    cells = nb.cells[: position["ex5-1-answer"]]
    cells += [nbformat.v4.new_code_cell(naive), nbformat.v4.new_code_cell(check_cell.source)]
    cells += [nbformat.v4.new_code_cell(right), nbformat.v4.new_code_cell(check_cell.source)]
    nb.cells = cells
    run_notebook(nb, tmp_path)

    wrong, fixed = nb.cells[-3], nb.cells[-1]
    message = error_text(wrong)
    assert [o.ename for o in wrong.outputs if o.output_type == "error"] == ["CheckFailed"]
    assert (
        '✗ Exercise 5.1, requirement "in one query": the list is right, but it took 183 '
        "queries; the budget is 1 query." in message
    )
    assert "on: a catalog of 100 items (seed 42)" in message
    assert "queries that ran (183):" in message
    # The hint comes from the statement that repeated, mapped back to the relation it reads.
    hint = next(line for line in message.splitlines() if line.startswith("Hint: "))
    assert hint.startswith('Hint: repeated 91×: SELECT … FROM "catalog_category" WHERE'), hint
    assert "the category of each of the items" in hint and "select_related('category')" in hint
    assert "Traceback" not in message
    shown = "".join(o.get("text", "") for o in fixed.outputs)
    assert shown.startswith("✓ Exercise 5.1 passes: ") and not error_text(fixed)


def test_the_instructor_guide_counts_the_exercises_and_points_of_solutions():
    graded = [
        cell.metadata["nbgrader"]
        for path in sorted((ROOT / "solutions").glob("*.ipynb"))
        for cell in nbformat.read(path, as_version=4).cells
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade")
    ]
    points = sum(cell["points"] for cell in graded)
    guide = (ROOT / "docs" / "instructor-guide.md").read_text(encoding="utf-8")
    assert f": {len(graded)} exercises, {points:g} points." in guide.splitlines()[2]
