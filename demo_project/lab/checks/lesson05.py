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


@exercise("5.1", "active_item_rows")
def check_5_1(ex, answer):
    total = 0
    for items, seed in ex.catalogs():
        with catalog(items, seed) as context:
            expected = _active_item_rows()
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
            ex.hold_budget(
                panel,
                1,
                "the list",
                context=context,
                hint="item.category.name and item.owner.username each cost a query "
                "per item unless the first query joins them: select_related, or "
                "values_list('name', 'category__name', ...).",
            )
            total += len(expected)
    return f"{total} rows right on {len(ex.catalogs())} catalogs, 1 query each."


@exercise("5.2", "items_with_tags")
def check_5_2(ex, answer):
    from demo_project.catalog.models import Item

    total = 0
    for items, seed in ex.catalogs():
        with catalog(items, seed) as context:
            expected = [
                (item.name, sorted(tag.name for tag in item.tags.all()))
                for item in Item.objects.prefetch_related("tags").order_by("-created_at", "-id")
            ]

            def use():
                return [
                    (item.name, sorted(tag.name for tag in item.tags.all()))
                    for item in ex.call(answer)
                ]

            got, panel = measure(use)
            ex.compare_rows(
                expected,
                got,
                what="the items and their tags",
                context=context,
                hint="every item, newest first (-created_at, -id).",
            )
            ex.hold_budget(
                panel,
                2,
                "the list",
                context=context,
                hint="item.tags.all() is one query per item unless the selector "
                "prefetches the tags: prefetch_related('tags').",
            )
            total += len(expected)
            if ex.hidden:  # a second call must not be served from a stale, evaluated queryset
                again, _ = measure(use)
                ex.compare_rows(
                    expected,
                    again,
                    what="a second call",
                    context=context,
                    hint="build a fresh queryset on every call.",
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


@exercise("5.3", "ItemCardOut", "item_cards")
def check_5_3(ex, schema, selector):
    ex.not_done_if_empty(schema, "ItemCardOut")
    total = 0
    for items, seed in ex.catalogs():
        with catalog(items, seed) as context:
            expected = _item_cards()

            def use():
                return [ex.dump(schema, item) for item in ex.call(selector)]

            try:
                got, panel = measure(use)
            except NotImplementedError:
                raise NotDone(
                    ex.id, "a resolver of ItemCardOut still raises NotImplementedError."
                ) from None
            ex.compare_rows(
                expected,
                got,
                what="the item cards",
                context=context,
                hint="every item by id; average_rating rounded to 2 places, None without reviews.",
            )
            ex.hold_budget(
                panel,
                1,
                "the list of cards",
                context=context,
                hint="a resolver that calls obj.reviews.count() or .aggregate() "
                "queries once per item: annotate the counts in item_cards() and let "
                "the resolvers read them.",
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


@exercise("5.4", "category_highlights")
def check_5_4(ex, answer):
    total = 0
    for items, seed in ex.catalogs():
        with catalog(items, seed) as context:
            expected = _category_highlights()
            got, panel = measure(lambda: ex.call(answer))
            ex.compare_rows(
                expected,
                got,
                what="the highlights",
                context=context,
                hint="every category by name; count and list active items only; "
                "the three newest (-created_at, -id).",
            )
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
