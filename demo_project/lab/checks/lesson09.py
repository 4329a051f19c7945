"""The checks of lesson 09 (Async Ninja) and their reference answers.

The learner's async code runs as a server runs it: awaited in an event loop, with Django's
async safety on (``DJANGO_ALLOW_ASYNC_UNSAFE`` unset), so that a sync query inside async
code fails here as it would in production. The notebook's own loop is busy running the
check cell, so the coroutine gets a loop of its own, in a thread of its own.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import os
from concurrent.futures import ThreadPoolExecutor
from unittest import mock

from .core import _where, catalog, exercise, measure, short

AS_A_SERVER = {"DJANGO_ALLOW_ASYNC_UNSAFE": ""}
SYNC_IN_ASYNC = "SynchronousOnlyOperation"
NO_SYNC_HINT = (
    "fetch every relation you read in the first query (select_related, prefetch_related), "
    "or await it (afirst, acount, async for over item.tags.all())."
)


def awaited(ex, function, name: str):
    """Return a plain function that awaits ``function`` as a server would, for ex.call()."""
    if not callable(function):
        ex.fail(f"`{name}` should be a function, not {type(function).__name__}.")
    if not inspect.iscoroutinefunction(function):
        with ex.requirement("async"):
            ex.fail(
                f"`{name}` is a plain function: write it with `async def`.",
                hint=f"async def {name}(...): and await the ORM's a-methods inside.",
            )

    @functools.wraps(function)
    def run(*args, **kwargs):
        return in_a_loop(function, *args, **kwargs)

    return run


def in_a_loop(coroutine_function, *args, **kwargs):
    """Await ``coroutine_function(*args, **kwargs)`` in a new loop, with async safety on."""

    def run():
        with mock.patch.dict(os.environ, AS_A_SERVER):
            return asyncio.run(coroutine_function(*args, **kwargs))

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def refuse_sync_queries(ex, error: BaseException, what: str) -> None:
    """Fail the requirement "no-sync" when ``error`` is Django refusing a sync query."""
    if SYNC_IN_ASYNC in f"{type(error).__name__}: {error}":
        with ex.requirement("no-sync"):
            ex.fail(
                f"{what} ran a sync query inside async code: a server refuses it "
                "(SynchronousOnlyOperation).",
                *_where(error),
                hint=NO_SYNC_HINT,
            )


# 9.1 · An item card, awaited


def _card(item_id: int) -> dict | None:
    from demo_project.catalog.models import Item

    item = Item.objects.select_related("category", "owner").filter(pk=item_id).first()
    if item is None:
        return None
    return {
        "name": item.name,
        "category": item.category.name,
        "owner": item.owner.username,
        "tags": sorted(item.tags.values_list("name", flat=True)),
        "reviews": item.reviews.count(),
    }


@exercise(
    "9.1",
    "item_card",
    requirements={
        "async": (
            "it is a coroutine function (`async def`)",
            "`inspect.iscoroutinefunction` on `item_card`, before running it",
        ),
        "card": (
            "the card is right, on your catalog and on another",
            "compares it key by key with the reference on 5 items of your catalog and of "
            "40 items (seed 7)",
        ),
        "no-sync": (
            "it makes no sync query inside async code (a server refuses one with "
            "`SynchronousOnlyOperation`)",
            "runs the coroutine with async safety on; `SynchronousOnlyOperation` fails with "
            "the line that queried",
        ),
        "queries": (
            "it takes at most 3 queries",
            "a silent query panel (every thread) around each call",
        ),
        "missing": (
            "a missing id gives `None`, not an exception",
            "an id 1,000 past the last; `DoesNotExist` or any value but `None` fails",
        ),
    },
)
def check_9_1(ex, answer):
    from django.core.exceptions import ObjectDoesNotExist, SynchronousOnlyOperation

    from demo_project.catalog.models import Item

    run = awaited(ex, answer, "item_card")

    def card(item_id: int):
        try:
            return ex.call(run, item_id, allow=(SynchronousOnlyOperation, ObjectDoesNotExist))
        except SynchronousOnlyOperation as error:
            refuse_sync_queries(ex, error, f"item_card({item_id})")
            raise

    checked = 0
    for items, seed in ex.catalogs():
        with catalog(items, seed) as context:
            ids = list(Item.objects.order_by("id").values_list("id", flat=True))
            step = 10 if ex.hidden else max(1, len(ids) // 5)
            for item_id in ids[::step]:
                with ex.requirement("card"):
                    try:
                        got, panel = measure(lambda item_id=item_id: card(item_id))
                    except ObjectDoesNotExist as error:
                        ex.fail(f"item_card({item_id}) raised {type(error).__name__}: {error}")
                    ex.expect_equal(
                        _card(item_id),
                        got,
                        what=f"the card of item {item_id}",
                        context=context,
                        hint="name, category name, owner's username, tag names sorted, and "
                        "the number of reviews, in a dict with exactly these keys.",
                    )
                with ex.requirement("queries"):
                    ex.hold_budget(
                        panel,
                        3,
                        f"the card of item {item_id}",
                        context=context,
                        hint="one query for the item with its category and owner "
                        "(select_related), one for its tags, one for its review count.",
                    )
                checked += 1
            missing = max(ids) + 1000
            with ex.requirement("missing"):
                try:
                    got = card(missing)
                except ObjectDoesNotExist as error:
                    ex.fail(
                        f"item_card({missing}) raised {type(error).__name__}; an id that no "
                        "item has gives None.",
                        hint="afirst() returns None when nothing matches; aget() raises.",
                    )
                if got is not None:
                    ex.fail(
                        f"item_card({missing}) returned {short(got)}; an id that no item has "
                        "gives None.",
                    )
    return f"{checked} cards right on {len(ex.catalogs())} catalogs, 3 queries at most each."


# 9.2 · An async endpoint without an N+1

NEWEST_PATH = "/items/newest"


def _newest(limit: int) -> list[dict]:
    from demo_project.catalog.models import Item

    items = (
        Item.objects.filter(is_active=True)
        .select_related("category")
        .prefetch_related("tags")
        .order_by("-created_at", "-id")[:limit]
    )
    return [
        {
            "name": item.name,
            "category": item.category.name,
            "tags": sorted(tag.name for tag in item.tags.all()),
        }
        for item in items
    ]


def _operation(ex, router):
    from ninja import Router

    if not isinstance(router, Router):
        ex.fail(f"`router` should be a ninja Router, not {type(router).__name__}.")
    path = router.path_operations.get(NEWEST_PATH)
    operations = [op for op in (path.operations if path else []) if "GET" in op.methods]
    if not operations:
        ex.fail(
            f"router has no GET {NEWEST_PATH}.",
            f"  its paths: {sorted(router.path_operations) or 'none'}",
            hint=f'@router.get("{NEWEST_PATH}", response=list[ItemCardOut]) above the view.',
        )
    return operations[0]


@exercise(
    "9.2",
    "router",
    "NewestQuery",
    requirements={
        "async": (
            "the operation is `async def`",
            "the view behind `GET /items/newest` on `router`",
        ),
        "items": (
            "the items are right: active only, newest first, `limit` of them, each with its "
            "category and sorted tags",
            "the JSON of the page without `limit` and with `limit=3`, against the reference, "
            "on both catalogs",
        ),
        "no-sync": (
            "it returns data, not a lazy queryset, and makes no sync query inside async code",
            "the request runs with async safety on; a refusal anywhere (the view or Ninja's "
            "serialization) fails",
        ),
        "queries": (
            "2 queries whatever the limit (the items with their categories, then the tags)",
            "a silent query panel around each request",
        ),
        "limit": (
            "a `limit` below 1 or above 50 gets a 422",
            "`limit=0` and `limit=51`",
        ),
    },
)
def check_9_2(ex, router, query_schema):
    from ninja.testing import TestAsyncClient

    ex.not_done_if_empty(query_schema, "NewestQuery")
    operation = _operation(ex, router)
    view = operation.view_func
    if not inspect.iscoroutinefunction(view):
        with ex.requirement("async"):
            ex.fail(
                f"{view.__name__}() is a plain function: write it with `async def`.",
                hint="async def newest_items(request, query: Query[NewestQuery]): ...",
            )
    client = TestAsyncClient(router)

    @functools.wraps(view)
    def get(url: str):
        try:
            return in_a_loop(client.get, url)
        except Exception as error:
            refuse_sync_queries(ex, error, f"GET {url}")
            raise

    limits = [None, 1, 50] if ex.hidden else [None, 3]
    served = 0
    for items, seed in ex.catalogs():
        with catalog(items, seed) as context:
            for limit in limits:
                url = NEWEST_PATH + ("" if limit is None else f"?limit={limit}")
                expected = _newest(10 if limit is None else limit)
                with ex.requirement("items"):
                    response, panel = measure(lambda url=url: ex.call(get, url))
                    if response.status_code != 200:
                        ex.fail(
                            f"GET {url} answered {response.status_code}, not 200.",
                            f"  on: {context}",
                            f"  body: {short(response.content.decode(errors='replace'))}",
                        )
                    ex.compare_rows(
                        expected,
                        response.json(),
                        what=f"GET {url}",
                        context=context,
                        hint="active items only, newest first (-created_at, then -id), at "
                        "most limit of them (10 when not given).",
                    )
                with ex.requirement("queries"):
                    ex.hold_budget(
                        panel,
                        2,
                        f"GET {url}",
                        context=context,
                        hint="select_related('category') joins the categories "
                        "into the items' query and prefetch_related('tags') adds one more; "
                        "sync_to_async per item is an N+1.",
                    )
                served += len(expected)
    bad = ["0", "51", "-5", "1000", "ten"] if ex.hidden else ["0", "51"]
    for limit in bad:
        url = f"{NEWEST_PATH}?limit={limit}"
        with ex.requirement("limit"):
            status = ex.call(get, url).status_code
            if status != 422:
                ex.fail(
                    f"GET {url} answered {status}; a limit below 1 or above 50 gets a 422.",
                    hint="bound the field of NewestQuery: Field(10, ge=1, le=50).",
                )
    return (
        f"{served} items right on {len(ex.catalogs())} catalogs, in 2 queries whatever the "
        f"limit; limits {', '.join(bad)} answered 422."
    )
