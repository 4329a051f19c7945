"""Every stated requirement of an exercise has a wrong answer, and the learner's own check fails it.

Each exercise states its requirements in its task (and the check registers them, with how
the visible check tests each). A wrong answer here is the solution's answer cell with a
few lines changed so that it breaks one requirement: the solution notebook's code cells
run in this process after ``boot()``, the changed answer cell in place of the right one,
then ``check(exercise)`` without the hidden cases. It must fail, naming that requirement.
The same harness runs every solution unchanged, which must pass.
"""

# ruff: noqa: E501  (the wrong answers are lines of code, kept whole)
from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from demo_project.lab.checks import EXERCISES, CheckFailed, check

ROOT = Path(__file__).resolve().parent.parent
# Lessons 06 and 09 test their requirements in tests/test_checks_lesson06.py and
# tests/test_exercises_09.py, one wrong answer each.
OWN = [key for key in EXERCISES if not key.startswith(("6.", "9."))]
boot_module = importlib.import_module("demo_project.lab.boot")


@dataclass(frozen=True)
class Wrong:
    exercise: str
    requirement: str  # the key of the requirement it breaks
    why: str  # what the answer gets wrong, as a test id
    changes: tuple[tuple[str, str], ...]  # (text in the solution's answer, what replaces it)


def wrong(exercise: str, requirement: str, why: str, *changes: tuple[str, str]) -> Wrong:
    return Wrong(exercise, requirement, why, changes)


WRONG_ANSWERS = [
    # 1.1 · no empty names
    wrong(
        "1.1",
        "type",
        "returns-a-q",
        (
            'return models.CheckConstraint(condition=~Q(name=""), name="item_name_not_empty")',
            'return ~Q(name="")',
        ),
    ),
    wrong("1.1", "name", "another-name", ('name="item_name_not_empty"', 'name="name_not_empty"')),
    wrong(
        "1.1",
        "name",
        "a-generated-name",
        (
            'name="item_name_not_empty"',
            'name="item_name_not_empty_" + __import__("uuid").uuid4().hex[:6]',
        ),
    ),
    wrong(
        "1.1",
        "valid",
        "refuses-zero",
        ('condition=~Q(name="")', 'condition=~Q(name__in=["", "0"])'),
    ),
    wrong(
        "1.1",
        "valid",
        "refuses-a-leading-space",
        ('condition=~Q(name="")', r'condition=Q(name__regex=r"^\S")'),
    ),
    wrong(
        "1.1",
        "empty",
        "refuses-null-only",
        ('condition=~Q(name="")', "condition=Q(name__isnull=False)"),
    ),
    # 1.2 · unique ignoring case
    wrong("1.2", "type", "an-index", ("models.UniqueConstraint(Lower", "models.Index(Lower")),
    wrong(
        "1.2",
        "case",
        "case-sensitive",
        ('UniqueConstraint(Lower("name"), ', 'UniqueConstraint(fields=["name"], '),
    ),
    wrong(
        "1.2",
        "others",
        "unique-first-letter",
        ("import Lower", "import Lower, Substr"),
        ('Lower("name"), name=', 'Substr(Lower("name"), 1, 1), name='),
    ),
    # 1.3 · an index the plan uses
    wrong("1.3", "type", "no-name", (', name="item_category_price_idx"', "")),
    wrong(
        "1.3",
        "filter",
        "price-first",
        ('fields=["category", "price", "id"]', 'fields=["price", "id"]'),
    ),
    wrong(
        "1.3",
        "order",
        "id-descending",
        ('fields=["category", "price", "id"]', 'fields=["category", "price", "-id"]'),
    ),
    # 2.1 · an exact price
    wrong(
        "2.1",
        "decimal",
        "a-float",
        (
            "price: Decimal = Field(ge=0, max_digits=10, decimal_places=2)",
            "price: float = Field(ge=0)",
        ),
    ),
    wrong("2.1", "negative", "no-lower-bound", ("Field(ge=0, ", "Field(")),
    wrong("2.1", "negative", "zero-refused", ("Field(ge=0, ", "Field(gt=0, ")),
    wrong("2.1", "digits", "eleven-digits", ("max_digits=10", "max_digits=11")),
    wrong("2.1", "digits", "no-digit-limit", ("max_digits=10, ", "")),
    wrong(
        "2.1",
        "exact",
        "floats-rounded",
        (
            "from ninja import Field, Schema",
            "from ninja import Field, Schema\nfrom pydantic import field_validator",
        ),
        (
            "price: Decimal = Field(ge=0, max_digits=10, decimal_places=2)\n",
            'price: Decimal = Field(ge=0, max_digits=10, decimal_places=2)\n\n    @field_validator("price", mode="before")\n    @classmethod\n    def round_floats(cls, value):\n        return round(value, 2) if isinstance(value, float) else value\n',
        ),
    ),
    # 2.2 · aliases and a resolver
    wrong(
        "2.2",
        "fields",
        "stars-without-empty-ones",
        ('return "★" * obj.rating + "☆" * (5 - obj.rating)', 'return "★" * obj.rating'),
    ),
    wrong(
        "2.2",
        "no-author",
        "author-required",
        (
            'author: str | None = Field(None, alias="author.username")',
            'author: str = Field(alias="author.username")',
        ),
    ),
    wrong(
        "2.2",
        "queries",
        "item-queried-again",
        (
            "class ReviewOut(Schema):",
            "from demo_project.catalog.models import Item\n\n\nclass ReviewOut(Schema):",
        ),
        (
            'item: str = Field(alias="item.name")',
            "item: str\n\n    @staticmethod\n    def resolve_item(obj) -> str:\n        return Item.objects.get(pk=obj.item_id).name",
        ),
    ),
    # 2.3 · money out
    wrong("2.3", "exact", "tax-as-float", ("price_with_tax: Decimal", "price_with_tax: float")),
    wrong("2.3", "fields", "category-slug", ('alias="category.name"', 'alias="category.slug"')),
    wrong(
        "2.3", "queries", "tags-ordered-again", ("obj.tags.all())", 'obj.tags.order_by("-name"))')
    ),
    # 3.1 · a bounded page
    wrong("3.1", "defaults", "page-size-20", ("Field(10, ge=1, le=50)", "Field(20, ge=1, le=50)")),
    wrong("3.1", "page", "last-page-excluded", ("le=1000", "lt=1000")),
    wrong(
        "3.1",
        "page_size",
        "size-one-excluded",
        ("Field(10, ge=1, le=50)", "Field(10, gt=1, le=50)"),
    ),
    wrong(
        "3.1",
        "integers",
        "any-string-size",
        (
            "from ninja import Field, Schema",
            "from typing import Annotated\n\nfrom ninja import Field, Schema",
        ),
        (
            "page_size: int = Field(10, ge=1, le=50)",
            "page_size: Annotated[int, Field(ge=1, le=50)] | str = 10",
        ),
    ),
    # 3.2 · an endpoint's 404 and 422
    wrong(
        "3.2",
        "page",
        "oldest-first",
        ('.order_by("-created_at", "-id")', '.order_by("created_at", "id")'),
    ),
    wrong(
        "3.2", "queries", "authors-one-by-one", ('reviews.select_related("author")[', "reviews[")
    ),
    wrong(
        "3.2",
        "not-found",
        "an-empty-page-for-a-missing-item",
        (
            '    if not Item.objects.filter(pk=item_id).exists():\n        raise NotFound("Item not found.")\n',
            "",
        ),
    ),
    wrong(
        "3.2",
        "bad-page",
        "unbounded-parameters",
        (
            "item_id: int, page: Query[PageIn]):",
            "item_id: int, page: int = 1, page_size: int = 10):\n    page = __import__('types').SimpleNamespace(page=page, page_size=page_size)",
        ),
    ),
    # 4.1 · a permission rule
    wrong(
        "4.1",
        "allowed",
        "anyone-reviewed-it",
        ("filter(item_id=item.pk, author_id=user.pk)", "filter(item_id=item.pk)"),
    ),
    wrong(
        "4.1",
        "who",
        "inactive-allowed",
        ("not user.is_authenticated or not user.is_active or ", "not user.is_authenticated or "),
    ),
    wrong("4.1", "owner", "owner-allowed", (" or item.owner_id == user.pk", "")),
    wrong(
        "4.1",
        "once",
        "reviews-forgotten",
        (
            "return not Review.objects.filter(item_id=item.pk, author_id=user.pk).exists()",
            "return True",
        ),
    ),
    wrong("4.1", "queries", "owner-fetched", ("item.owner_id == user.pk", "item.owner == user")),
    wrong(
        "4.1",
        "queries",
        "query-first",
        (
            "    if not user.is_authenticated or not user.is_active or item.owner_id == user.pk:\n        return False  # no query: owner_id is on the item already\n    return not Review.objects.filter(item_id=item.pk, author_id=user.pk).exists()",
            "    if Review.objects.filter(item_id=item.pk, author_id=user.pk).exists():\n        return False\n    return user.is_authenticated and user.is_active and item.owner_id != user.pk",
        ),
    ),
    # 4.2 · all or nothing
    wrong(
        "4.2",
        "prices",
        "percent-as-a-fraction",
        ("new_price(item.price, percent)", "new_price(item.price, percent / 100)"),
    ),
    wrong(
        "4.2",
        "count",
        "none-for-an-empty-category",
        ("return len(items)", "return len(items) or None"),
    ),
    wrong(
        "4.2",
        "cap",
        "over-the-cap-skipped",
        (
            'raise BusinessRuleViolation(f"Item {item.pk} would cost more than {PRICE_CAP}.")',
            "continue",
        ),
    ),
    wrong(
        "4.2",
        "atomic",
        "not-atomic",
        ("with transaction.atomic():  # an exception inside rolls back every save", "if True:"),
    ),
    # 4.3 · a side effect after the commit
    wrong(
        "4.3",
        "created",
        "comment-dropped",
        ("rating=rating, comment=comment)", 'rating=rating, comment="")'),
    ),
    wrong("4.3", "notify", "the-item-announced", ("notify(review.pk))", "notify(item.pk))")),
    wrong(
        "4.3",
        "rollback",
        "notify-at-once",
        ("transaction.on_commit(lambda: notify(review.pk))", "notify(review.pk)"),
    ),
    wrong(
        "4.3",
        "missing",
        "does-not-exist-escapes",
        (
            'item = Item.objects.filter(pk=item_id).first()\n        if item is None:\n            raise NotFound("Item not found.")',
            "item = Item.objects.get(pk=item_id)",
        ),
    ),
    wrong(
        "4.3",
        "permission",
        "owner-only",
        ("if not user_can_review(author, item):", "if author == item.owner:"),
    ),
    wrong("4.3", "invalid", "not-validated", ("        review.full_clean()\n", "")),
    wrong(
        "4.3",
        "nothing",
        "refusal-announced",
        (
            "            raise PermissionDenied(CANNOT_REVIEW)\n",
            "            notify(item.pk)  # tell the owner someone tried\n            raise PermissionDenied(CANNOT_REVIEW)\n",
        ),
    ),
    # 5.1 · one query
    wrong(
        "5.1",
        "rows",
        "inactive-items-too",
        ("Item.objects.filter(is_active=True)", "Item.objects.all()"),
    ),
    wrong(
        "5.1",
        "queries",
        "owner-one-by-one",
        ('.select_related("category", "owner")', '.select_related("category")'),
    ),
    # 5.2 · tags without an N+1
    wrong(
        "5.2",
        "rows",
        "oldest-first",
        ('.order_by("-created_at", "-id")', '.order_by("created_at", "id")'),
    ),
    wrong(
        "5.2",
        "queries",
        "tags-one-by-one",
        ('Item.objects.prefetch_related("tags")', "Item.objects"),
    ),
    wrong(
        "5.2",
        "fresh",
        "one-queryset-kept",
        (
            "def items_with_tags():",
            "import functools\n\n\n@functools.cache\ndef items_with_tags():",
        ),
    ),
    # 5.3 · a resolver's N+1
    wrong(
        "5.3",
        "cards",
        "rounded-to-one-place",
        ("round(float(average), 2)", "round(float(average), 1)"),
    ),
    wrong(
        "5.3",
        "queries",
        "owner-one-by-one",
        ('Item.objects.select_related("owner")', "Item.objects"),
    ),
    wrong(
        "5.3",
        "queries",
        "average-in-the-resolver",
        (
            "average = obj.average_rating  # the annotation: no query",
            'average = obj.reviews.aggregate(a=Avg("rating"))["a"]',
        ),
    ),
    # 5.4 · the newest three per category
    wrong(
        "5.4",
        "rows",
        "inactive-items-counted",
        ('Count("items", filter=Q(items__is_active=True))', 'Count("items")'),
    ),
    wrong(
        "5.4",
        "queries",
        "latest-one-by-one",
        (
            '"latest": [item.name for item in category.newest]',
            '"latest": list(category.items.filter(is_active=True).order_by("-created_at", "-id").values_list("name", flat=True)[:3])',
        ),
    ),
    # 7.1 · the header
    wrong(
        "7.1",
        "token",
        "scheme-case-sensitive",
        ('scheme.lower() != "bearer"', 'scheme != "Bearer"'),
    ),
    wrong("7.1", "missing", "none-not-handled", ("    if not header:\n        return None\n", "")),
    wrong("7.1", "scheme", "any-scheme", ('scheme.lower() != "bearer" or ', "")),
    wrong(
        "7.1",
        "spaces",
        "split-on-whitespace",
        (
            '    scheme, space, token = header.partition(" ")\n    if scheme.lower() != "bearer" or not space or not token:\n        return None\n    if any(character.isspace() for character in token):\n        return None\n    return token',
            '    parts = header.split()\n    if len(parts) != 2 or parts[0].lower() != "bearer":\n        return None\n    return parts[1]',
        ),
    ),
    # 7.2 · a bad token
    wrong(
        "7.2",
        "valid",
        "sub-as-username",
        ("filter(pk=int(subject), is_active=True)", "filter(username=subject, is_active=True)"),
    ),
    wrong(
        "7.2",
        "signature",
        "signature-not-verified",
        (
            'options={"require": ["exp", "sub"]}',
            'options={"require": ["exp", "sub"], "verify_signature": False}',
        ),
    ),
    wrong(
        "7.2",
        "algorithm",
        "hs512-allowed",
        ('algorithms=["HS256"]', 'algorithms=["HS256", "HS512"]'),
    ),
    wrong("7.2", "expiry", "exp-optional", ('"require": ["exp", "sub"]', '"require": ["sub"]')),
    wrong("7.2", "subject", "sub-optional", ('"require": ["exp", "sub"]', '"require": ["exp"]')),
    wrong(
        "7.2",
        "subject",
        "sub-not-checked",
        (
            "    if not isinstance(subject, str) or not subject.isdigit():\n        return None\n",
            "",
        ),
    ),
    wrong(
        "7.2",
        "garbage",
        "errors-listed-one-by-one",
        (
            "except jwt.InvalidTokenError:",
            "except (jwt.InvalidSignatureError, jwt.InvalidAlgorithmError, jwt.ExpiredSignatureError, jwt.MissingRequiredClaimError):",
        ),
    ),
    wrong(
        "7.2",
        "inactive",
        "inactive-users-too",
        ("filter(pk=int(subject), is_active=True)", "filter(pk=int(subject))"),
    ),
    wrong(
        "7.2",
        "errors",
        "except-exception-around-everything",
        (
            '    except jwt.InvalidTokenError:\n        return None\n    subject = payload["sub"]\n    if not isinstance(subject, str) or not subject.isdigit():\n        return None\n    return get_user_model().objects.filter(pk=int(subject), is_active=True).first()',
            '        subject = payload["sub"]\n        if not isinstance(subject, str) or not subject.isdigit():\n            return None\n        return get_user_model().objects.filter(pk=int(subject), is_active=True).first()\n    except Exception:\n        return None',
        ),
    ),
    wrong(
        "7.2",
        "queries",
        "active-checked-apart",
        (
            "    return get_user_model().objects.filter(pk=int(subject), is_active=True).first()",
            "    user = get_user_model().objects.filter(pk=int(subject)).first()\n    if user is None or not get_user_model().objects.filter(pk=user.pk, is_active=True).exists():\n        return None\n    return user",
        ),
    ),
    # 8.1 · a domain error as a 409
    wrong(
        "8.1",
        "answer",
        "a-fixed-message",
        (
            'error_body(409, "reviews_closed", str(exc))',
            'error_body(409, "reviews_closed", "Reviews are closed.")',
        ),
    ),
    wrong(
        "8.1",
        "others",
        "every-exception",
        ("@api.exception_handler(ReviewsClosed)", "@api.exception_handler(Exception)"),
    ),
    # 8.2 · the project's errors, mapped once
    wrong(
        "8.2",
        "application",
        "always-400",
        ("respond(request, exc.status, exc.code, ", "respond(request, 400, exc.code, "),
    ),
    wrong("8.2", "validation", "loc-without-body", ('{"loc": ["body", field]', '{"loc": [field]')),
    wrong(
        "8.2",
        "bugs",
        "permission-error-as-403",
        (
            "    ### END SOLUTION",
            '    @api.exception_handler(PermissionError)\n    def permission_error(request, exc):\n        return respond(request, 403, "permission_denied", str(exc))\n\n    ### END SOLUTION',
        ),
    ),
    wrong(
        "8.2",
        "bugs",
        "every-does-not-exist-as-404",
        (
            "    ### END SOLUTION",
            '    from django.core.exceptions import ObjectDoesNotExist\n\n    @api.exception_handler(ObjectDoesNotExist)\n    def does_not_exist(request, exc):\n        return respond(request, 404, "not_found", str(exc))\n\n    ### END SOLUTION',
        ),
    ),
]


def solution_cells(exercise: str) -> list[tuple[str, str]]:
    """(grade_id, source) of the solution's code cells up to the answer of ``exercise``."""
    lesson = exercise.split(".")[0].zfill(2)
    (path,) = (ROOT / "solutions").glob(f"{lesson}-*.ipynb")
    cells = []
    answer = f"ex{exercise.replace('.', '-')}-answer"
    for cell in nbformat.read(path, as_version=4).cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        if cell.cell_type != "code" or grade_id.endswith(("-setup", "-check")):
            continue
        cells.append((grade_id, cell.source))
        if grade_id == answer:
            return cells
    raise AssertionError(f"{path.name} has no cell {answer}")


def run_answer(lab, exercise: str, changes=()) -> dict:
    """Run the solution's cells with ``changes`` made to the answer; return the namespace."""
    namespace = {"__name__": "__main__", "lab": lab}
    answer = f"ex{exercise.replace('.', '-')}-answer"
    for grade_id, source in solution_cells(exercise):
        if grade_id == answer:
            for old, new in changes:
                assert source.count(old) == 1, f"{old!r} is not once in the answer of {exercise}"
                source = source.replace(old, new)
        exec(compile(source, f"<{grade_id}>", "exec", dont_inherit=True), namespace)
    return namespace


@pytest.fixture
def lab(transactional_db, monkeypatch):
    """A booted lab, as in a notebook (checks commit and alter tables: no test transaction)."""
    saved = os.environ.copy()
    monkeypatch.setattr(boot_module, "_lab", None)
    monkeypatch.setattr(boot_module, "_switches", {})
    yield boot_module.boot(items=10)
    os.environ.clear()
    os.environ.update(saved)


def by_id(wrongs):
    return [pytest.param(w, id=f"{w.exercise}-{w.requirement}-{w.why}") for w in wrongs]


@pytest.mark.parametrize("exercise", OWN)
def test_the_solution_passes_its_own_check_in_this_harness(lab, exercise, capsys):
    namespace = run_answer(lab, exercise)
    check(exercise, namespace=namespace)
    assert f"✓ Exercise {exercise} passes" in capsys.readouterr().out


@pytest.mark.parametrize("answer", by_id(WRONG_ANSWERS))
def test_the_visible_check_fails_a_wrong_answer_naming_the_requirement(lab, answer):
    namespace = run_answer(lab, answer.exercise, answer.changes)
    stated = EXERCISES[answer.exercise].requirements[answer.requirement].text
    with pytest.raises(CheckFailed) as failure:
        check(answer.exercise, namespace=namespace)
    assert failure.value.requirement == stated, str(failure.value)
    assert f'requirement "{stated}"' in str(failure.value).splitlines()[0]


@pytest.mark.parametrize("exercise", OWN)
def test_every_requirement_has_a_wrong_answer(exercise):
    requirements = EXERCISES[exercise].requirements
    assert requirements, f"{exercise} states no requirement"
    broken = {w.requirement for w in WRONG_ANSWERS if w.exercise == exercise}
    assert broken <= set(requirements), broken - set(requirements)
    assert set(requirements) <= broken, f"no wrong answer breaks {set(requirements) - broken}"


@pytest.mark.parametrize("exercise", OWN)
def test_the_task_states_every_requirement(exercise):
    lesson = exercise.split(".")[0].zfill(2)
    (path,) = (ROOT / "solutions").glob(f"{lesson}-*.ipynb")
    task = next(
        cell.source
        for cell in nbformat.read(path, as_version=4).cells
        if cell.metadata.get("nbgrader", {}).get("grade_id")
        == f"ex{exercise.replace('.', '-')}-task"
    )
    for requirement in EXERCISES[exercise].requirements.values():
        assert f"- {requirement.text}" in task, (
            f"{exercise}: the task does not state {requirement.text!r}"
        )


def test_the_instructor_guide_holds_the_table_of_requirements():
    from demo_project.lab.checks.core import requirements_table

    guide = (ROOT / "docs" / "instructor-guide.md").read_text(encoding="utf-8")
    assert requirements_table() in guide, "docs/instructor-guide.md lacks requirements_table()"
