"""The checks of lesson 06 (Caching) and their reference answers."""

from __future__ import annotations

from .core import Rollback, catalog, exercise, measure, queries, query_lines, short


def _category_counts() -> dict[str, int]:
    from django.db.models import Count, Q

    from demo_project.catalog.models import Category

    rows = Category.objects.annotate(
        active=Count("items", filter=Q(items__is_active=True))
    ).order_by("name")
    return {row.name: row.active for row in rows}


def _cached_read(ex, function, *args, budget, expected, label, context, hint):
    got, panel = measure(lambda: ex.call(function, *args))
    if got != expected:
        diff = (
            [
                f"{k}: expected {expected.get(k)}, got {got.get(k)}"
                for k in sorted(set(expected) | set(got or {}), key=str)
                if expected.get(k) != (got or {}).get(k)
            ]
            if isinstance(got, dict)
            else []
        )
        ex.fail(
            f"{label} returned stale or wrong data.",
            f"  on: {context}",
            f"  expected: {short(expected)}",
            f"  got:      {short(got)}",
            *(f"  {line}" for line in diff[:4]),
            hint=hint,
        )
    if panel.count > budget:
        ex.fail(
            f"{label} took {queries(panel.count)}; expected at most {budget}.",
            f"  on: {context}",
            *query_lines(panel),
            hint=hint,
        )
    return got


@exercise("6.1", "category_counts_cached")
def check_6_1(ex, answer):
    from django.core.cache import cache

    reads = 0
    for items, seed in ex.catalogs():
        with catalog(items, seed) as context:
            cache.clear()
            expected = _category_counts()
            hint = "cache.get_or_set(key, category_counts, timeout): computed once, then read."
            for label, budget in [("the first call", 1), ("the second call", 0)] + (
                [("a third call", 0)] if ex.hidden else []
            ):
                _cached_read(
                    ex,
                    answer,
                    budget=budget,
                    expected=expected,
                    label=label,
                    context=context,
                    hint=hint,
                )
                reads += 1
    return f"{reads} reads right: one query when cold, none when warm."


def _first_item(*, active: bool = True, category_id: int | None = None):
    from demo_project.catalog.models import Item

    items = Item.objects.filter(is_active=active).order_by("id")
    if category_id is not None:
        items = items.filter(category_id=category_id)
    return items.first()


@exercise("6.2", "category_counts_cached", "item_set_active")
def check_6_2(ex, read, write):
    from django.core.cache import cache
    from django.db import transaction

    from demo_project.catalog.models import Item

    hint = (
        "after saving, delete the cached entry (or bump a version) in "
        "transaction.on_commit(...), so the next read recomputes."
    )
    writes = 0
    for items, seed in ex.catalogs():
        with catalog(items, seed) as context:
            cache.clear()
            ex.call(read)  # warm the cache
            item = _first_item()
            steps = [(item.pk, False)] + (
                [(item.pk, True), (_first_item().pk, False)] if ex.hidden else []
            )
            for item_id, active in steps:
                ex.call(write, item_id=item_id, is_active=active)
                if Item.objects.get(pk=item_id).is_active != active:
                    ex.fail(
                        f"item_set_active(item_id={item_id}, is_active={active}) did "
                        "not save is_active.",
                    )
                label = (
                    "category_counts_cached() after "
                    f"item_set_active(item_id={item_id}, is_active={active})"
                )
                expected = _category_counts()
                _cached_read(
                    ex,
                    read,
                    budget=1,
                    expected=expected,
                    label=label,
                    context=context,
                    hint=hint,
                )
                _cached_read(
                    ex,
                    read,
                    budget=0,
                    expected=expected,
                    label="the read after that",
                    context=context,
                    hint="invalidate on write only; reads stay cached.",
                )
                writes += 1
            if ex.hidden:  # a write that rolls back after a read must leave a true cache
                cache.clear()
                ex.call(read)
                target = _first_item()
                try:
                    with transaction.atomic():
                        ex.call(write, item_id=target.pk, is_active=False)
                        ex.call(read)
                        raise Rollback
                except Rollback:
                    pass
                _cached_read(
                    ex,
                    read,
                    budget=1,
                    expected=_category_counts(),
                    label="a read after a write that was rolled back",
                    context=context,
                    hint="invalidate in transaction.on_commit: a "
                    "read inside the transaction must not cache data that is then "
                    "rolled back.",
                )
    return f"{writes} writes, each followed by a fresh read and then a cached one."


def _names_in(category_id: int) -> list[str]:
    from demo_project.catalog.models import Item

    return list(
        Item.objects.filter(category_id=category_id, is_active=True)
        .order_by("name", "id")
        .values_list("name", flat=True)
    )


@exercise("6.3", "category_item_names_cached", "item_move")
def check_6_3(ex, read, move):
    from django.core.cache import cache

    from demo_project.catalog.models import Category, Item

    def read_list(category_id, budget, label, context, hint):
        got, panel = measure(lambda: ex.call(read, category_id))
        expected = _names_in(category_id)
        if got != expected:
            missing = sorted(set(expected) - set(got or []))
            extra = sorted(set(got or []) - set(expected))
            ex.fail(
                f"{label} returned stale or wrong names.",
                f"  on: {context}",
                f"  expected {len(expected)} names, got {len(got or [])}",
                f"  missing: {short(missing)}",
                f"  not there any more: {short(extra)}",
                hint=hint,
            )
        if panel.count > budget:
            ex.fail(
                f"{label} took {queries(panel.count)}; expected at most {budget}.",
                f"  on: {context}",
                *query_lines(panel),
                hint=hint,
            )

    hint = (
        "a move changes two lists: invalidate the old category's entry and the new one's "
        "(read item.category_id before you change it), on commit."
    )
    moves = 0
    for items, seed in ex.catalogs():
        with catalog(items, seed) as context:
            cache.clear()
            categories = list(Category.objects.order_by("id").values_list("id", flat=True))
            item = _first_item()
            old, new = item.category_id, next(c for c in categories if c != item.category_id)
            untouched = next(c for c in categories if c not in (old, new))
            for category_id in (old, new, untouched):
                read_list(
                    category_id, 1, f"the first read of category {category_id}", context, hint
                )
            plan = [(item.pk, new)] + ([(item.pk, old), (item.pk, old)] if ex.hidden else [])
            for item_id, target in plan:
                source = Item.objects.get(pk=item_id).category_id
                ex.call(move, item_id=item_id, category_id=target)
                if Item.objects.get(pk=item_id).category_id != target:
                    ex.fail(
                        f"item_move(item_id={item_id}, category_id={target}) did not "
                        "save the category.",
                    )
                for category_id in dict.fromkeys((source, target)):
                    label = (
                        f"category {category_id} after moving item {item_id} "
                        f"from {source} to {target}"
                    )
                    read_list(category_id, 1, label, context, hint)
                    read_list(
                        category_id,
                        0,
                        f"the next read of category {category_id}",
                        context,
                        "reads stay cached until a write.",
                    )
                moves += 1
            if ex.hidden:
                read_list(
                    untouched,
                    0,
                    f"category {untouched}, which no move touched,",
                    context,
                    "invalidate only the entries a move changes: "
                    "cache.clear() empties everyone's cache.",
                )
    return f"{moves} moves, each refreshing both categories and nothing else."
