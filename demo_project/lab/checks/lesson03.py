"""The checks of lesson 03 (The API) and their reference answers."""

from __future__ import annotations

import functools

from .core import catalog, exercise, short, validation_error


@functools.cache
def _page_in():
    """The reference answer of 3.1, which 3.2's view is annotated with."""
    from ninja import Field, Schema

    class PageIn(Schema):
        page: int = Field(1, ge=1, le=1000)
        page_size: int = Field(10, ge=1, le=50)

    return PageIn


@exercise(
    "3.1",
    "PageIn",
    reference={"PageIn": _page_in},
    requirements={
        "defaults": (
            "`page` is 1 and `page_size` 10 when not given",
            "parses an empty input and one with both values",
        ),
        "page": (
            "`page` is from 1 to 1000, both included",
            "parses pages 0, -1, 1000 and 1001",
        ),
        "page_size": (
            "`page_size` is from 1 to 50, both included",
            "parses sizes 0, 1, 50, 51 and -5",
        ),
        "integers": (
            "both are whole numbers: `'2'` reads as 2, `'abc'` is refused",
            "parses `page='2'` and `page_size='abc'`",
        ),
    },
)
def check_3_1(ex, schema):
    ex.not_done_if_empty(schema, "PageIn")
    invalid_error = validation_error()

    def parse(**values):
        try:
            page = schema(**values)
        except invalid_error:
            return "invalid"
        return (getattr(page, "page", None), getattr(page, "page_size", None))

    cases = [
        ("defaults", {}, (1, 10)),
        ("defaults", {"page": 3, "page_size": 20}, (3, 20)),
        ("page", {"page": 0}, "invalid"),
        ("page", {"page": -1}, "invalid"),
        ("page", {"page": 1000}, (1000, 10)),
        ("page", {"page": 1001}, "invalid"),
        ("page_size", {"page_size": 0}, "invalid"),
        ("page_size", {"page_size": 1}, (1, 1)),
        ("page_size", {"page_size": 50}, (1, 50)),
        ("page_size", {"page_size": 51}, "invalid"),
        ("page_size", {"page_size": -5}, "invalid"),
        ("integers", {"page": "2"}, (2, 10)),
        ("integers", {"page_size": "abc"}, "invalid"),
    ]
    if ex.hidden:
        cases += [
            ("page", {"page": 999, "page_size": 49}, (999, 49)),
            ("page", {"page": 100_000}, "invalid"),
            ("page_size", {"page_size": 10_000}, "invalid"),
            ("integers", {"page": "1.5"}, "invalid"),
        ]
    for key, values, expected in cases:
        with ex.requirement(key):
            got = parse(**values)
            if got != expected:
                shown = ", ".join(f"{k}={v!r}" for k, v in values.items())
                ex.fail(
                    f"PageIn({shown}) gave {short(got)}; expected {short(expected)}.",
                    hint="page: 1 to 1000, default 1; page_size: 1 to 50, default 10 "
                    "(Field(10, ge=1, le=50)).",
                )
    return f"{len(cases)} inputs: defaults, bounds and bad values right."


def _reviews_page(item_id: int, page: int, page_size: int) -> dict:
    from demo_project.catalog.models import Review

    reviews = Review.objects.filter(item_id=item_id).order_by("-created_at", "-id")
    start = (page - 1) * page_size
    return {
        "count": reviews.count(),
        "results": [
            {"id": r.id, "rating": r.rating, "author": r.author.username if r.author else None}
            for r in reviews.select_related("author")[start : start + page_size]
        ],
    }


@exercise(
    "3.2",
    "item_reviews",
    builds_on=("3.1",),
    requirements={
        "page": (
            "it returns `count` (all the item's reviews) and `results`, one page of "
            "`{id, rating, author}` newest first (`-created_at`, then `-id`)",
            "requests first, second and last pages of the busiest and the quietest item of "
            "two catalogs and compares each body with the reference",
        ),
        "queries": (
            "a request costs at most 3 queries, whatever the page size",
            "counts the queries of each of those requests",
        ),
        "not-found": (
            "a missing item is a 404 with the one error body",
            "requests the reviews of an item that does not exist",
        ),
        "bad-page": (
            "a bad page or page size is a 422 with the one error body",
            "requests `page=0`, `page_size=0` and `page_size=51`",
        ),
    },
)
def check_3_2(ex, view):
    from django.db.models import Count

    from demo_project.catalog.models import Item

    client = ex.client_for("/items/{item_id}/reviews", view)
    requests = 0
    for items, seed in ex.catalogs():
        with catalog(items, seed) as context:
            ids = list(
                Item.objects.annotate(n=Count("reviews"))
                .order_by("-n", "id")
                .values_list("id", flat=True)
            )
            busiest, quietest = ids[0], ids[-1]
            cases = [(busiest, 1, 2), (busiest, 2, 2), (quietest, 1, 10), (busiest, 1, 10)]
            if ex.hidden:
                cases += [(busiest, 1, 50), (busiest, 40, 3), (ids[len(ids) // 2], 1, 1)]
            for item_id, page, size in cases:
                path = f"/items/{item_id}/reviews?page={page}&page_size={size}"
                with ex.requirement("page"):
                    response, panel = ex.request(client, path)
                    if response.status_code != 200:
                        ex.fail(
                            f"GET {path} answered {response.status_code}, not 200.",
                            f"  body: {short(response.json())}",
                            f"  on: {context}",
                        )
                    ex.expect_equal(
                        _reviews_page(item_id, page, size),
                        response.json(),
                        what=f"the body of GET {path}",
                        context=context,
                        hint="{'count': all the item's reviews, 'results': this page, "
                        "newest first (-created_at, -id)}.",
                    )
                with ex.requirement("queries"):
                    ex.hold_budget(
                        panel,
                        3,
                        f"GET {path}",
                        context=context,
                        hint="one query for the item, one count, one page (with its "
                        "authors joined).",
                    )
                requests += 1
    checks = [
        ("not-found", "/items/999999/reviews", 404, "not_found"),
        ("bad-page", "/items/1/reviews?page_size=0", 422, "validation_error"),
        ("bad-page", "/items/1/reviews?page=0", 422, "validation_error"),
        ("bad-page", "/items/1/reviews?page_size=51", 422, "validation_error"),
    ]
    for key, path, status, code in checks:
        with ex.requirement(key):
            response, _ = ex.request(client, path)
            body = _json(response)
            if response.status_code != status:
                ex.fail(
                    f"GET {path} answered {response.status_code}; expected {status}.",
                    f"  body: {short(body)}",
                    hint="raise NotFound for a missing item; bound page and page_size in PageIn.",
                )
            error = body.get("error") if isinstance(body, dict) else None
            if not isinstance(error, dict) or error.get("code") != code:
                ex.fail(
                    f"GET {path} answered {status} but not with the one error body.",
                    f"  expected: {{'error': {{'status': {status}, 'code': {code!r}, ...}}}}",
                    f"  got:      {short(body)}",
                    hint="raise demo_project.errors.NotFound: the API's handler writes the body.",
                )
    return f"{requests} pages right within 3 queries each; 404 and 422 with the one error body."


def _json(response):
    """The body of ``response`` as JSON, or its bytes when it is not JSON."""
    if response.get("Content-Type", "").startswith("application/json"):
        return response.json()
    return response.content
