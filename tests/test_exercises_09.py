"""Exercises 9.1 and 9.2: the learner's own check fails an answer that breaks any one
requirement, and says which.

Each wrong answer below breaks exactly one of the requirements the exercise lists; it runs
after the unsolved exercise notebook in one kernel, followed by the visible check (the
one a learner runs, never the hidden one), which must fail naming that requirement.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from test_exercises import error_text, run_notebook

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "exercises" / "09-async-ninja.ipynb"

CARD_OK = """
    return {"name": item.name, "category": item.category.name, "owner": item.owner.username,
            "tags": sorted([t.name async for t in item.tags.all()]),
            "reviews": await item.reviews.acount()}
"""
ITEM_CARD = {
    "1 (async def)": """
def item_card(item_id):
    item = Item.objects.select_related("category", "owner").filter(pk=item_id).first()
    return None if item is None else {"name": item.name}
""",
    "2 (the right card)": """
async def item_card(item_id):
    item = await Item.objects.select_related("category", "owner").filter(pk=item_id).afirst()
    if item is None:
        return None
    return {"name": item.name, "category": item.category.name, "owner": item.owner.username,
            "tags": sorted([t.name async for t in item.tags.all()]), "reviews": 0}
""",
    "3 (no sync query)": """
async def item_card(item_id):
    item = await Item.objects.filter(pk=item_id).afirst()
    if item is None:
        return None
"""
    + CARD_OK,
    "4 (3 queries)": """
from asgiref.sync import sync_to_async

async def item_card(item_id):
    item = await Item.objects.filter(pk=item_id).afirst()
    if item is None:
        return None
    await sync_to_async(getattr)(item, "category")
    await sync_to_async(getattr)(item, "owner")
"""
    + CARD_OK,
    "5 (None when missing)": """
async def item_card(item_id):
    item = await Item.objects.select_related("category", "owner").aget(pk=item_id)
"""
    + CARD_OK,
}

NEWEST = (
    'Item.objects.filter(is_active=True).select_related("category")'
    '.prefetch_related("tags").order_by("-created_at", "-id")'
)
ROUTER = """
router = Router()

class NewestQuery(Schema):
    limit: int = {field}

@router.get("/items/newest", response=list[ItemCardOut])
{kind} newest_items(request, query: Query[NewestQuery]):
{body}
"""
BOUNDED = "Field(10, ge=1, le=50)"
AWAITED = f"    return [item async for item in {NEWEST}[: query.limit]]"
NEWEST_ITEMS = {
    "1 (async def)": ROUTER.format(
        field=BOUNDED, kind="def", body=f"    return list({NEWEST}[: query.limit])"
    ),
    "2 (the right items)": ROUTER.format(
        field=BOUNDED, kind="async def", body=AWAITED.replace(".filter(is_active=True)", "")
    ),
    "3 (no sync query)": ROUTER.format(
        field=BOUNDED, kind="async def", body=f"    return {NEWEST}[: query.limit]"
    ),
    "4 (2 queries)": "from asgiref.sync import sync_to_async\n"
    + ROUTER.format(
        field=BOUNDED,
        kind="async def",
        body=AWAITED.replace('.select_related("category")', "").replace(
            "    return ", "    rows = "
        )
        + "\n    for item in rows:\n"
        + '        await sync_to_async(getattr)(item, "category")\n'
        + "    return rows",
    ),
    "5 (a 422 for a bad limit)": ROUTER.format(field="10", kind="async def", body=AWAITED),
}
CASES = [("9.1", name, source) for name, source in ITEM_CARD.items()] + [
    ("9.2", name, source) for name, source in NEWEST_ITEMS.items()
]


@pytest.fixture(scope="module")
def checked(tmp_path_factory):
    """The unsolved notebook, then each wrong answer with its visible check, in one kernel."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    for exercise, _, source in CASES:
        nb.cells.append(nbformat.v4.new_code_cell(f'{source}\n\ncheck("{exercise}")'))
    run_notebook(nb, tmp_path_factory.mktemp("exercises-09"))
    return nb.cells[-len(CASES) :]


KEYS = {
    "9.1": ["async", "card", "no-sync", "queries", "missing"],
    "9.2": ["async", "items", "no-sync", "queries", "limit"],
}


@pytest.mark.parametrize(
    ("index", "exercise", "requirement"),
    [(index, exercise, name) for index, (exercise, name, _) in enumerate(CASES)],
)
def test_the_visible_check_fails_an_answer_that_breaks_one_requirement(
    checked, index, exercise, requirement
):
    from demo_project.lab.checks import EXERCISES

    cell = checked[index]
    message = error_text(cell)
    errors = [output.ename for output in cell.outputs if output.output_type == "error"]
    assert errors == ["CheckFailed"], message[:600]
    key = KEYS[exercise][int(requirement.split()[0]) - 1]
    stated = EXERCISES[exercise].requirements[key].text
    assert message.startswith(f'✗ Exercise {exercise}, requirement "{stated}": '), message[:300]
    assert "Traceback" not in message


@pytest.mark.parametrize("exercise", ["9.1", "9.2"])
def test_every_requirement_of_lesson_09_has_a_wrong_answer_and_is_stated(exercise):
    from demo_project.lab.checks import EXERCISES

    requirements = EXERCISES[exercise].requirements
    assert list(requirements) == KEYS[exercise]
    assert len([case for case in CASES if case[0] == exercise]) == len(requirements)
    grade_id = f"ex{exercise.replace('.', '-')}-task"
    task = next(
        cell.source
        for cell in nbformat.read(ROOT / "solutions" / NOTEBOOK.name, as_version=4).cells
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id
    )
    for requirement in requirements.values():
        assert f"- {requirement.text}" in task, requirement.text
