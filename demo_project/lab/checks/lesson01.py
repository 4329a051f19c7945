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


@exercise("1.1", "item_name_not_empty")
def check_1_1(ex, answer):
    from django.core.exceptions import ValidationError
    from django.db import models

    from demo_project.catalog.models import Item

    constraint = ex.call(answer)
    if not isinstance(constraint, models.CheckConstraint):
        ex.fail(
            f"it returned {short(constraint)}, not a models.CheckConstraint.",
            hint="return models.CheckConstraint(condition=..., name=...).",
        )
    if ex.hidden:
        again = ex.call(answer)
        if again.name != constraint.name:
            ex.fail(
                "two calls gave constraints of different names: "
                f"{constraint.name!r} and {again.name!r}.",
                hint="a migration needs a fixed name; do not generate one.",
            )
    checked = 0
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
    names = ["0", "x", " A"] if ex.hidden else ["A"]
    for name in names:
        try:
            constraint.validate(Item, Item(name=name))
        except ValidationError:
            ex.fail(f"it refuses the name {name!r}.", hint="only an empty name is refused.")
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
        if _refused(lambda: Item.objects.filter(pk=item.pk).update(name="Renamed")) is not None:
            ex.fail("with the constraint added, the database refuses a valid name.")
    return f"{checked} valid items accepted; the database refuses an empty name."


@exercise("1.2", "tag_name_unique_ignoring_case")
def check_1_2(ex, answer):
    from django.core.exceptions import ValidationError
    from django.db import models

    from demo_project.catalog.models import Tag

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
        ("a new tag 'SALE' (a tag 'sale' exists)", Tag(name="SALE", slug="sale-2"), True),
        ("a new tag 'Brand new'", Tag(name="Brand new", slug="brand-new"), False),
        ("the tag 'eco' renamed 'ECO'", existing("eco", "ECO"), False),
        (
            "the tag 'gift' renamed 'Popular' (a tag 'popular' exists)",
            existing("gift", "Popular"),
            True,
        ),
    ]
    if ex.hidden:
        cases += [
            ("a new tag 'HandMade'", Tag(name="HandMade", slug="x"), True),
            ("a new tag 'handmade2'", Tag(name="handmade2", slug="y"), False),
            ("the tag 'new' renamed 'NEW'", existing("new", "NEW"), False),
        ]
    for label, tag, refused in cases:
        if refuses(tag) != refused:
            ex.fail(
                f"{label} is {'accepted' if refused else 'refused'}.",
                f"  expected: {'refused' if refused else 'accepted'}",
                hint="compare lower-cased names: models.UniqueConstraint(Lower('name'), name=...).",
            )
    with _constraint_added(Tag, constraint):
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


@exercise("1.3", "item_category_price_index")
def check_1_3(ex, answer):
    from django.db import connection, models

    from demo_project.catalog.models import Item

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
        if _sorts(plan):
            ex.fail(
                "the plan uses your index but still sorts the rows.",
                *details,
                hint="after the filtered column, index every ORDER BY column in order (price, "
                "then id), so the index hands the rows over already sorted.",
            )
    return f"with {index.name} the plan finds a category's items in price order (no sort)."
