"""The checks of lesson 01 (Models) and their reference answers."""

from __future__ import annotations

import contextlib
import re

from .core import catalog, exercise, short


@contextlib.contextmanager
def _constraint_added(model, constraint):
    """Add ``constraint`` to ``model``'s table for a block, then drop it again.

    SQLite rebuilds the table to add a CHECK, from the model's own Meta: the constraint
    is put there for the rebuild and taken out before the table is rebuilt back.
    """
    from django.db import connection

    original = list(model._meta.constraints)
    model._meta.constraints = [*original, constraint]
    try:
        with connection.schema_editor() as editor:
            editor.add_constraint(model, constraint)
    except Exception:
        model._meta.constraints = original
        raise
    try:
        yield
    finally:
        model._meta.constraints = original
        with connection.schema_editor() as editor:
            editor.remove_constraint(model, constraint)


def _refused(write) -> Exception | None:
    """Return the IntegrityError the database raised for ``write``, or None."""
    from django.db import IntegrityError, transaction

    try:
        with transaction.atomic():
            write()
    except IntegrityError as error:
        return error
    return None


@exercise(
    "1.1",
    "item_name_not_empty",
    requirements={
        "type": (
            "it returns a `models.CheckConstraint`",
            "calls the function and looks at what it returns",
        ),
        "name": (
            "it is named `item_name_not_empty`, the same name on every call",
            "calls the function twice and compares both names with `item_name_not_empty`",
        ),
        "valid": (
            "every name that is not empty passes, `0`, ` A` and `x` too",
            "validates every item of two catalogs, then the names `0`, ` A`, `x` and `A`",
        ),
        "empty": (
            "the empty name is refused, by `validate()` and by the database",
            "validates an item named `''`; adds the constraint to the items table, "
            "where `update(name='')` must fail and a valid rename must not",
        ),
    },
)
def check_1_1(ex, answer):
    from django.core.exceptions import ValidationError
    from django.db import models

    from demo_project.catalog.models import Item

    with ex.requirement("type"):
        constraint = ex.call(answer)
        if not isinstance(constraint, models.CheckConstraint):
            ex.fail(
                f"it returned {short(constraint)}, not a models.CheckConstraint.",
                hint="return models.CheckConstraint(condition=..., name=...).",
            )
    with ex.requirement("name"):
        again = ex.call(answer)
        names = {constraint.name, getattr(again, "name", None)}
        if names != {"item_name_not_empty"}:
            ex.fail(
                f"two calls gave constraints named {constraint.name!r} and "
                f"{getattr(again, 'name', None)!r}; expected 'item_name_not_empty' both times.",
                hint="a migration refers to a constraint by its name: write it out, do not "
                "generate it.",
            )
    checked = 0
    with ex.requirement("valid"):
        for items, seed in ex.catalogs():
            with catalog(items, seed) as context:
                for item in Item.objects.order_by("id"):
                    try:
                        constraint.validate(Item, item)
                    except ValidationError:
                        ex.fail(
                            f"it refuses a valid item, {item.name!r}.",
                            f"  on: {context}",
                            hint="only an empty name breaks the rule.",
                        )
                    checked += 1
        names = ["0", " A", "x", "A"] + (["00", "-", " "] if ex.hidden else [])
        for name in names:
            try:
                constraint.validate(Item, Item(name=name))
            except ValidationError:
                ex.fail(f"it refuses the name {name!r}.", hint="only an empty name is refused.")
    with ex.requirement("empty"):
        try:
            constraint.validate(Item, Item(name=""))
        except ValidationError:
            pass
        else:
            ex.fail(
                "an item with an empty name passes the constraint.",
                hint="the condition says what every row must satisfy: ~Q(name='').",
            )
        item = Item.objects.order_by("id").first()
        with _constraint_added(Item, constraint):
            if _refused(lambda: Item.objects.filter(pk=item.pk).update(name="")) is None:
                ex.fail("with the constraint added, the database still accepts an empty name.")
            if _refused(lambda: Item.objects.filter(pk=item.pk).update(name="Renamed")):
                ex.fail("with the constraint added, the database refuses a valid name.")
    return f"{checked} valid items accepted; the database refuses an empty name."


@exercise(
    "1.2",
    "tag_name_unique_ignoring_case",
    requirements={
        "type": (
            "it returns a `models.UniqueConstraint`",
            "calls the function and looks at what it returns",
        ),
        "case": (
            "a name that differs from another tag's only in case is refused "
            "(`SALE` beside `sale`), by `validate()` and by the database",
            "validates new and renamed tags that clash in another case; adds the constraint "
            "to the tags table and creates `Sale` beside `sale`",
        ),
        "others": (
            "any other name is accepted, and so is a tag renamed to its own name in "
            "capitals (`eco` → `ECO`)",
            "validates a new tag `Brand new` and the tag `eco` renamed `ECO`",
        ),
    },
)
def check_1_2(ex, answer):
    from django.core.exceptions import ValidationError
    from django.db import models

    from demo_project.catalog.models import Tag

    with ex.requirement("type"):
        constraint = ex.call(answer)
        if not isinstance(constraint, models.UniqueConstraint):
            ex.fail(f"it returned {short(constraint)}, not a models.UniqueConstraint.")

    def refuses(tag) -> bool:
        try:
            constraint.validate(Tag, tag)
        except ValidationError:
            return True
        return False

    def existing(name: str, new_name: str) -> Tag:
        tag = Tag.objects.get(name=name)
        tag.name = new_name
        return tag

    cases = [
        ("case", "a new tag 'SALE' (a tag 'sale' exists)", Tag(name="SALE", slug="sale-2"), True),
        (
            "case",
            "the tag 'gift' renamed 'Popular' (a tag 'popular' exists)",
            existing("gift", "Popular"),
            True,
        ),
        ("others", "a new tag 'Brand new'", Tag(name="Brand new", slug="brand-new"), False),
        ("others", "the tag 'eco' renamed 'ECO'", existing("eco", "ECO"), False),
    ]
    if ex.hidden:
        cases += [
            ("case", "a new tag 'HandMade'", Tag(name="HandMade", slug="x"), True),
            ("others", "a new tag 'handmade2'", Tag(name="handmade2", slug="y"), False),
            ("others", "the tag 'new' renamed 'NEW'", existing("new", "NEW"), False),
        ]
    for key, label, tag, refused in cases:
        with ex.requirement(key):
            if refuses(tag) != refused:
                ex.fail(
                    f"{label} is {'accepted' if refused else 'refused'}.",
                    f"  expected: {'refused' if refused else 'accepted'}",
                    hint="compare lower-cased names: "
                    "models.UniqueConstraint(Lower('name'), name=...).",
                )
    with ex.requirement("case"), _constraint_added(Tag, constraint):
        if _refused(lambda: Tag.objects.create(name="Sale", slug="sale-3")) is None:
            ex.fail("with the constraint added, the database accepts 'Sale' beside 'sale'.")
    return f"{len(cases)} cases right; the database refuses 'Sale' beside 'sale'."


def _category_by_price(category_id: int):
    from demo_project.catalog.models import Item

    return Item.objects.filter(category_id=category_id).order_by("price", "id")


def _plan(queryset):
    from django.db import connection, transaction

    from ..explain import explain

    if connection.vendor != "postgresql":
        return explain(queryset)
    # A tiny, unanalyzed table: PostgreSQL would pick a plan by guesswork. Forbid the
    # alternatives instead, so the plan says whether some index can serve filter and order.
    with transaction.atomic(), connection.cursor() as cursor:
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            cursor.execute(f"SET LOCAL {setting} = off")
        return explain(queryset)


def _sorts(plan) -> bool:
    return "TEMP B-TREE" in plan.text or bool(re.search(r"\bSort\b", plan.text))


@exercise(
    "1.3",
    "item_category_price_index",
    requirements={
        "type": (
            "it returns a `models.Index` with a name",
            "calls the function and reads the index's name",
        ),
        "filter": (
            "the plan uses it to find one category's items, without reading the whole table",
            "adds the index, reads the plan of a category page on two catalogs, drops it",
        ),
        "order": (
            "the rows come out of the index in price order, then id: the plan has no sort",
            "looks for a sort step (SQLite's TEMP B-TREE, PostgreSQL's Sort) in that plan",
        ),
    },
)
def check_1_3(ex, answer):
    from django.db import connection, models

    from demo_project.catalog.models import Item

    with ex.requirement("type"):
        index = ex.call(answer)
        if not isinstance(index, models.Index):
            ex.fail(f"it returned {short(index)}, not a models.Index.")
        if not index.name:
            ex.fail("the index has no name.", hint="models.Index(fields=[...], name='...').")
    runs = [(items, seed, 3) for items, seed in ex.catalogs()]
    if ex.hidden:
        runs.append((300, 11, 8))
    for items, seed, category_id in runs:
        with catalog(items, seed) as context:
            with connection.schema_editor() as editor:
                editor.add_index(Item, index)
            try:
                plan = _plan(_category_by_price(category_id))
            finally:
                with connection.schema_editor() as editor:
                    editor.remove_index(Item, index)
        details = [
            f"  on: {context}",
            "  the plan with your index:",
            *("    " + line for line in plan.text.splitlines()),
        ]
        with ex.requirement("filter"):
            if not plan.uses_index(index.name):
                ex.fail(
                    f"the plan does not use {index.name}.",
                    *details,
                    hint="the query filters on category and orders by price, then id: "
                    "index those columns, in that order.",
                )
            searched = re.search(r"Index Cond: \(+category_id|\(category_id=\?", plan.text)
            if "catalog_item" in plan.full_scans or not searched:
                ex.fail(
                    "the plan still reads the whole items table (or your whole index).",
                    *details,
                    hint="start the index with the filtered column, category, so the database "
                    "searches it instead of reading it all.",
                )
        with ex.requirement("order"):
            if _sorts(plan):
                ex.fail(
                    "the plan uses your index but still sorts the rows.",
                    *details,
                    hint="after the filtered column, index every ORDER BY column in order "
                    "(price, then id), so the index hands the rows over already sorted.",
                )
    return f"with {index.name} the plan finds a category's items in price order (no sort)."
