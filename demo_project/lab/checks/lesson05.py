"""The checks of lesson 05 (Selectors and N+1) and their reference answers."""

from __future__ import annotations

from .core import NotDone, catalog, exercise, measure


def _active_item_rows() -> list[tuple]:
    from demo_project.catalog.models import Item

    return list(
        Item.objects.filter(is_active=True)
        .order_by("name", "id")
        .values_list("name", "category__name", "owner__username")
    )


@exercise(
    "5.1",
    "active_item_rows",
    requirements={
        "rows": (
            "it returns `(name, category name, owner's username)` of every active item, "
            "ordered by name then id",
            "compares the rows on two catalogs with the reference",
        ),
        "queries": ("in one query", "counts the queries of each call: one"),
    },
)
def check_5_1(ex, answer):
    total = 0
    for items, seed in ex.catalogs():
        with catalog(items, seed) as context:
            expected = _active_item_rows()
            with ex.requirement("rows"):
                got, panel = measure(lambda: ex.call(answer))
                got = [tuple(row) for row in got] if isinstance(got, list | tuple) else got
                ex.compare_rows(
                    expected,
                    got,
                    what="the list of rows",
                    context=context,
                    hint="active items only, as (name, category name, owner's username), "
                    "ordered by name then id.",
                )
            with ex.requirement("queries"):
                ex.hold_budget(
                    panel,
                    1,
                    "the list",
                    context=context,
                    hint="join what each row reads into the first query: select_related, "
                    "or values_list('name', 'category__name', ...).",
                )
            total += len(expected)
    return f"{total} rows right on {len(ex.catalogs())} catalogs, 1 query each."


def _items_with_tags() -> list[tuple]:
    from demo_project.catalog.models import Item

    return [
        (item.name, sorted(tag.name for tag in item.tags.all()))
        for item in Item.objects.prefetch_related("tags").order_by("-created_at", "-id")
    ]


@exercise(
    "5.2",
    "items_with_tags",
    requirements={
        "rows": (
            "it returns every item, newest first (`-created_at`, then `-id`), with its tags",
            "reads each item's name and `item.tags.all()` on two catalogs and compares them",
        ),
        "queries": (
            "reading the items and their tags costs two queries however many items there are",
            "counts the queries of that read: two",
        ),
        "fresh": (
            "each call reads the database anew: a call after a change shows the change",
            "renames an item, calls again and compares",
        ),
    },
)
def check_5_2(ex, answer):
    from demo_project.catalog.models import Item

    total = 0
    for items, seed in ex.catalogs():
        with catalog(items, seed) as context:
            expected = _items_with_tags()

            def use():
                return [
                    (item.name, sorted(tag.name for tag in item.tags.all()))
                    for item in ex.call(answer)
                ]

            with ex.requirement("rows"):
                got, panel = measure(use)
                ex.compare_rows(
                    expected,
                    got,
                    what="the items and their tags",
                    context=context,
                    hint="every item, newest first (-created_at, -id).",
                )
            with ex.requirement("queries"):
                ex.hold_budget(
                    panel,
                    2,
                    "the list",
                    context=context,
                    hint="prefetch the tags in the selector: prefetch_related('tags').",
                )
            total += len(expected)
            with ex.requirement("fresh"):
                renamed = Item.objects.order_by("id").first()
                Item.objects.filter(pk=renamed.pk).update(name="Renamed since the last call")
                again, _ = measure(use)
                ex.compare_rows(
                    _items_with_tags(),
                    again,
                    what="a call after an item was renamed",
                    context=context,
                    hint="build a fresh queryset on every call; an evaluated queryset "
                    "kept between calls serves the rows it read the first time.",
                )
    return f"{total} items with their tags, in 2 queries whatever the size."


def _item_cards() -> list[dict]:
    from django.db.models import Avg, Count

    from demo_project.catalog.models import Item

    rows = (
        Item.objects.annotate(n=Count("reviews"), average=Avg("reviews__rating"))
        .select_related("owner")
        .order_by("id")
    )
    return [
        {
            "id": item.id,
            "name": item.name,
            "owner": item.owner.username,
            "review_count": item.n,
            "average_rating": None if item.average is None else round(float(item.average), 2),
        }
        for item in rows
    ]


@exercise(
    "5.3",
    "ItemCardOut",
    "item_cards",
    requirements={
        "cards": (
            "every item by id as `id`, `name`, `owner` (the username), `review_count` and "
            "`average_rating` (rounded to 2 places, `None` without reviews)",
            "serializes `item_cards()` with `ItemCardOut` on two catalogs and compares",
        ),
        "queries": (
            "serializing every item costs one query",
            "counts the queries of that serialization: one",
        ),
    },
)
def check_5_3(ex, schema, selector):
    ex.not_done_if_empty(schema, "ItemCardOut")
    total = 0
    for items, seed in ex.catalogs():
        with catalog(items, seed) as context:
            expected = _item_cards()

            def use():
                return [ex.dump(schema, item) for item in ex.call(selector)]

            try:
                with ex.requirement("cards"):
                    got, panel = measure(use)
            except NotImplementedError:
                raise NotDone(
                    ex.id, "a resolver of ItemCardOut still raises NotImplementedError."
                ) from None
            with ex.requirement("cards"):
                ex.compare_rows(
                    expected,
                    got,
                    what="the item cards",
                    context=context,
                    hint="every item by id; average_rating rounded to 2 places, None without "
                    "reviews.",
                )
            with ex.requirement("queries"):
                ex.hold_budget(
                    panel,
                    1,
                    "the list of cards",
                    context=context,
                    hint="annotate what the resolvers read in item_cards() and join the "
                    "owner; let the resolvers read the annotations.",
                )
            total += len(expected)
    return f"{total} cards right, in 1 query whatever the size."


def _category_highlights() -> list[dict]:
    from demo_project.catalog.models import Category, Item

    rows = []
    for category in Category.objects.order_by("name", "id"):
        active = Item.objects.filter(category=category, is_active=True)
        rows.append(
            {
                "category": category.name,
                "active_items": active.count(),
                "latest": list(
                    active.order_by("-created_at", "-id").values_list("name", flat=True)[:3]
                ),
            }
        )
    return rows


@exercise(
    "5.4",
    "category_highlights",
    requirements={
        "rows": (
            "for every category, by name: `category`, `active_items` (its active items' "
            "count) and `latest` (the names of its three newest active items)",
            "compares the highlights of two catalogs with the reference",
        ),
        "queries": (
            "two queries in all: the categories with their counts, then the items",
            "counts the queries of each call: two",
        ),
    },
)
def check_5_4(ex, answer):
    total = 0
    for items, seed in ex.catalogs():
        with catalog(items, seed) as context:
            expected = _category_highlights()
            with ex.requirement("rows"):
                got, panel = measure(lambda: ex.call(answer))
                ex.compare_rows(
                    expected,
                    got,
                    what="the highlights",
                    context=context,
                    hint="every category by name; count and list active items only; "
                    "the three newest (-created_at, -id).",
                )
            with ex.requirement("queries"):
                ex.hold_budget(
                    panel,
                    2,
                    "the highlights",
                    context=context,
                    hint="annotate the count (Count with filter=Q(...)) and prefetch the "
                    "newest items with Prefetch(queryset=...[:3], to_attr=...).",
                )
            total += len(expected)
    return f"{total} categories right, in 2 queries whatever the size."
