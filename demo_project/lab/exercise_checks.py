"""The check of each exercise (``solutions/NN-*.ipynb``), lesson by lesson.

Each check is ``run(*answers, hidden=False) -> str``: it raises ``NotDone`` or
``CheckFailed`` (see ``checks.py``), or returns a few words on what passed. With
``hidden=True`` it runs the grader's extra cases instead: other seeds, a larger catalog,
a second call, a write after a cached read. The reference answers are written here, next
to the checks, and not in the notebooks the learners get.
"""

from __future__ import annotations

import contextlib
import itertools
import re
import warnings
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from .checks import (
    call,
    catalog,
    catalogs,
    compare_rows,
    exercise,
    expect_equal,
    fail,
    hold_budget,
    measure,
    not_done_if_empty,
    queries,
    query_lines,
    short,
)

# 01 · Models


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
def check_1_1(answer, *, hidden=False):
    from django.core.exceptions import ValidationError
    from django.db import models

    from demo_project.catalog.models import Item

    constraint = call("1.1", answer)
    if not isinstance(constraint, models.CheckConstraint):
        fail(
            "1.1",
            f"it returned {short(constraint)}, not a models.CheckConstraint.",
            hint="return models.CheckConstraint(condition=..., name=...).",
        )
    if hidden:
        again = call("1.1", answer)
        if again.name != constraint.name:
            fail(
                "1.1",
                "two calls gave constraints of different names: "
                f"{constraint.name!r} and {again.name!r}.",
                hint="a migration needs a fixed name; do not generate one.",
            )
    checked = 0
    for items, seed in catalogs(hidden=hidden):
        with catalog(items, seed) as context:
            for item in Item.objects.order_by("id"):
                try:
                    constraint.validate(Item, item)
                except ValidationError:
                    fail(
                        "1.1",
                        f"it refuses a valid item, {item.name!r}.",
                        f"  on: {context}",
                        hint="only an empty name breaks the rule.",
                    )
                checked += 1
    names = ["0", "x", " A"] if hidden else ["A"]
    for name in names:
        try:
            constraint.validate(Item, Item(name=name))
        except ValidationError:
            fail("1.1", f"it refuses the name {name!r}.", hint="only an empty name is refused.")
    try:
        constraint.validate(Item, Item(name=""))
    except ValidationError:
        pass
    else:
        fail(
            "1.1",
            "an item with an empty name passes the constraint.",
            hint="the condition says what every row must satisfy: ~Q(name='').",
        )
    item = Item.objects.order_by("id").first()
    with _constraint_added(Item, constraint):
        if _refused(lambda: Item.objects.filter(pk=item.pk).update(name="")) is None:
            fail("1.1", "with the constraint added, the database still accepts an empty name.")
        if _refused(lambda: Item.objects.filter(pk=item.pk).update(name="Renamed")) is not None:
            fail("1.1", "with the constraint added, the database refuses a valid name.")
    return f"{checked} valid items accepted; the database refuses an empty name."


@exercise("1.2", "tag_name_unique_ignoring_case")
def check_1_2(answer, *, hidden=False):
    from django.core.exceptions import ValidationError
    from django.db import models

    from demo_project.catalog.models import Tag

    constraint = call("1.2", answer)
    if not isinstance(constraint, models.UniqueConstraint):
        fail("1.2", f"it returned {short(constraint)}, not a models.UniqueConstraint.")

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
    if hidden:
        cases += [
            ("a new tag 'HandMade'", Tag(name="HandMade", slug="x"), True),
            ("a new tag 'handmade2'", Tag(name="handmade2", slug="y"), False),
            ("the tag 'new' renamed 'NEW'", existing("new", "NEW"), False),
        ]
    for label, tag, refused in cases:
        if refuses(tag) != refused:
            fail(
                "1.2",
                f"{label} is {'accepted' if refused else 'refused'}.",
                f"  expected: {'refused' if refused else 'accepted'}",
                hint="compare lower-cased names: models.UniqueConstraint(Lower('name'), name=...).",
            )
    with _constraint_added(Tag, constraint):
        if _refused(lambda: Tag.objects.create(name="Sale", slug="sale-3")) is None:
            fail("1.2", "with the constraint added, the database accepts 'Sale' beside 'sale'.")
    return f"{len(cases)} cases right; the database refuses 'Sale' beside 'sale'."


def _category_by_price(category_id: int):
    from demo_project.catalog.models import Item

    return Item.objects.filter(category_id=category_id).order_by("price", "id")


def _plan(queryset):
    from django.db import connection, transaction

    from .explain import explain

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
def check_1_3(answer, *, hidden=False):
    from django.db import connection, models

    from demo_project.catalog.models import Item

    index = call("1.3", answer)
    if not isinstance(index, models.Index):
        fail("1.3", f"it returned {short(index)}, not a models.Index.")
    if not index.name:
        fail("1.3", "the index has no name.", hint="models.Index(fields=[...], name='...').")
    runs = [(items, seed, 3) for items, seed in catalogs(hidden=hidden)]
    if hidden:
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
            fail(
                "1.3",
                f"the plan does not use {index.name}.",
                *details,
                hint="the query filters on category and orders by price, then id: "
                "index those columns, in that order.",
            )
        searched = re.search(r"Index Cond: \(+category_id|\(category_id=\?", plan.text)
        if "catalog_item" in plan.full_scans or not searched:
            fail(
                "1.3",
                "the plan still reads the whole items table (or your whole index).",
                *details,
                hint="start the index with the filtered column, category, so the database "
                "searches it instead of reading it all.",
            )
        if _sorts(plan):
            fail(
                "1.3",
                "the plan uses your index but still sorts the rows.",
                *details,
                hint="after the filtered column, index every ORDER BY column in order (price, "
                "then id), so the index hands the rows over already sorted.",
            )
    return f"with {index.name} the plan finds a category's items in price order (no sort)."


# 02 · Schemas


def _validation_error():
    from pydantic import ValidationError

    return ValidationError


@exercise("2.1", "PriceIn")
def check_2_1(schema, *, hidden=False):
    from demo_project.catalog.models import Item

    not_done_if_empty("2.1", schema, "PriceIn")
    if "price" not in schema.model_fields:
        fail("2.1", "PriceIn has no field `price`.")
    invalid_error = _validation_error()

    def parse(value):
        try:
            return schema(price=value).price
        except invalid_error:
            return "invalid"

    valid = 0
    for items, seed in catalogs(hidden=hidden):
        with catalog(items, seed) as context:
            for price in Item.objects.order_by("id").values_list("price", flat=True):
                for value in (str(price), float(price)):
                    got = parse(value)
                    expect_equal(
                        "2.1",
                        price,
                        got,
                        what=f"PriceIn(price={value!r}).price",
                        hint="declare price as a Decimal; a float cannot hold 19.99 exactly.",
                        context=context,
                    )
                    valid += 1
    refused = ["-0.01", "1.234", "abc", "12345678901.00", None, 0.1 + 0.2]
    accepted = {"0": Decimal("0"), "99999999.99": Decimal("99999999.99")}
    if hidden:
        refused += ["100000000.00", "NaN", "Infinity", -1, "0.001"]
        accepted.update({"0.00": Decimal("0"), "1e3": Decimal("1000"), 7: Decimal("7")})
    for value in refused:
        if parse(value) != "invalid":
            fail(
                "2.1",
                f"PriceIn(price={value!r}) is accepted; it should be refused.",
                f"  got: {short(parse(value))}",
                hint="Field(ge=0, max_digits=10, decimal_places=2).",
            )
    for value, expected in accepted.items():
        expect_equal(
            "2.1",
            expected,
            parse(value),
            what=f"PriceIn(price={value!r}).price",
            hint="at most 10 digits, 2 of them after the point, not negative.",
        )
    return f"{valid + len(accepted)} prices read exactly, {len(refused)} bad ones refused."


def _stars(rating: int) -> str:
    return "★" * rating + "☆" * (5 - rating)


def _review_row(review) -> dict:
    return {
        "id": review.id,
        "rating": review.rating,
        "stars": _stars(review.rating),
        "comment": review.comment,
        "item": review.item.name,
        "author": review.author.username if review.author else None,
    }


def _dump(exercise_id: str, schema, obj) -> dict:
    try:
        return schema.from_orm(obj).model_dump()
    except NotImplementedError:
        raise
    except Exception as error:
        fail(
            exercise_id,
            f"{schema.__name__} cannot read {obj!r}: {type(error).__name__}.",
            *("  " + line for line in str(error).splitlines()[:6]),
            hint="aliases name the attribute path to read, e.g. Field(alias='item.name').",
        )


def _serialize(exercise_id: str, schema, queryset):
    from .checks import NotDone

    def run():
        return [_dump(exercise_id, schema, obj) for obj in queryset.all()]

    try:
        return measure(run)
    except NotImplementedError:
        raise NotDone(
            exercise_id,
            f"a resolver of {schema.__name__} still raises NotImplementedError.",
            details=["Write its body, run the answer cell, then this one."],
        ) from None


@exercise("2.2", "ReviewOut")
def check_2_2(schema, *, hidden=False):
    from demo_project.catalog.models import Review

    not_done_if_empty("2.2", schema, "ReviewOut")
    counted = 0
    for items, seed in catalogs(hidden=hidden):
        with catalog(items, seed) as context:
            reviews = Review.objects.select_related("item", "author").order_by("id")
            expected = [_review_row(review) for review in reviews.all()]
            got, panel = _serialize("2.2", schema, reviews)
            compare_rows(
                "2.2",
                expected,
                got,
                what="ReviewOut of every review",
                hint="item and author come through aliases ('item.name', "
                "'author.username'); stars through a resolver.",
                context=context,
            )
            hold_budget(
                "2.2",
                panel,
                1,
                "ReviewOut",
                context=context,
                hint="the selector already joined item and author: a resolver must "
                "read them from obj, not query again.",
            )
            counted += len(expected)
    if hidden:
        review = Review.objects.select_related("item", "author").order_by("id").first()
        review.author = None  # the author deleted their account (on_delete=SET_NULL)
        expected = _review_row(review)
        got = _dump("2.2", schema, review)
        expect_equal(
            "2.2",
            expected,
            got,
            what="ReviewOut of a review whose author is gone",
            hint="author may be None: declare it `str | None`.",
        )
    return f"{counted} reviews serialized right, one query for each list."


def _with_tax(price: Decimal) -> Decimal:
    from .checks import cents

    return cents(price * Decimal("1.25"))


def _item_price_row(item) -> dict:
    return {
        "id": item.id,
        "name": item.name,
        "category": item.category.name,
        "price": item.price,
        "price_with_tax": _with_tax(item.price),
        "tags": sorted(tag.name for tag in item.tags.all()),
    }


@exercise("2.3", "ItemPriceOut")
def check_2_3(schema, *, hidden=False):
    from demo_project.catalog.models import Item

    not_done_if_empty("2.3", schema, "ItemPriceOut")
    counted = 0
    for items, seed in catalogs(hidden=hidden):
        with catalog(items, seed) as context:
            queryset = (
                Item.objects.select_related("category").prefetch_related("tags").order_by("id")
            )
            expected = [_item_price_row(item) for item in queryset.all()]
            got, panel = _serialize("2.3", schema, queryset)
            for want, have in zip(expected, got, strict=False):
                for field in ("price", "price_with_tax"):
                    if field in have:
                        expect_equal(
                            "2.3",
                            want[field],
                            have[field],
                            what=f"{field} of item {want['id']}",
                            context=context,
                            hint="Decimal all the way: price * Decimal('1.25'), "
                            "then .quantize(Decimal('0.01'), ROUND_HALF_UP).",
                        )
            compare_rows(
                "2.3",
                expected,
                got,
                what="ItemPriceOut of every item",
                context=context,
                hint="category through an alias, tags and price_with_tax through resolvers.",
            )
            hold_budget(
                "2.3",
                panel,
                2,
                "ItemPriceOut",
                context=context,
                hint="the queryset prefetched tags: read obj.tags.all(), and do not "
                "filter or order it in the resolver (that queries again).",
            )
            counted += len(expected)
    return f"{counted} items serialized with exact prices, in 2 queries a list."


# 03 · The API


@exercise("3.1", "PageIn")
def check_3_1(schema, *, hidden=False):
    not_done_if_empty("3.1", schema, "PageIn")
    invalid_error = _validation_error()

    def parse(**values):
        try:
            page = schema(**values)
        except invalid_error:
            return "invalid"
        return (getattr(page, "page", None), getattr(page, "page_size", None))

    cases = [
        ({}, (1, 10)),
        ({"page": 3, "page_size": 20}, (3, 20)),
        ({"page": 0}, "invalid"),
        ({"page": -1}, "invalid"),
        ({"page_size": 0}, "invalid"),
        ({"page_size": 51}, "invalid"),
        ({"page": 1001}, "invalid"),
        ({"page_size": "abc"}, "invalid"),
    ]
    if hidden:
        cases += [
            ({"page": 1000, "page_size": 50}, (1000, 50)),
            ({"page_size": 1}, (1, 1)),
            ({"page": "2"}, (2, 10)),
            ({"page_size": -5}, "invalid"),
            ({"page_size": 10_000}, "invalid"),
        ]
    for values, expected in cases:
        got = parse(**values)
        if got != expected:
            shown = ", ".join(f"{k}={v!r}" for k, v in values.items())
            fail(
                "3.1",
                f"PageIn({shown}) gave {short(got)}; expected {short(expected)}.",
                hint="page: 1 to 1000, default 1; page_size: 1 to 50, default 10 "
                "(Field(10, ge=1, le=50)).",
            )
    return f"{len(cases)} inputs: defaults, bounds and bad values right."


_api_numbers = itertools.count(1)


def _client_for(exercise_id: str, path: str, view, *, install=None, with_handlers=True):
    """A fresh API with ``view`` at GET ``path``, and a test client for it."""
    from ninja import NinjaAPI, Router
    from ninja.testing import TestClient

    from demo_project.errors import install_error_handlers

    api = NinjaAPI(urls_namespace=f"exercise-{next(_api_numbers)}")
    if with_handlers:
        install_error_handlers(api)
    if install is not None:
        call(exercise_id, install, api)
    router = Router()
    try:
        router.get(path)(view)
    except Exception as error:
        fail(
            exercise_id,
            f"Ninja cannot use {getattr(view, '__name__', view)} as a view: "
            f"{type(error).__name__}: {error}",
        )
    api.add_router("/", router)
    return TestClient(api)


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


def _request(exercise_id: str, client, path: str):
    from .checks import NotDone

    try:
        return measure(lambda: client.get(path))
    except NotDone:
        raise
    except NotImplementedError:
        raise NotDone(
            exercise_id,
            "the view still raises NotImplementedError.",
            details=["Write its body, run the answer cell, then this one."],
        ) from None
    except Exception as error:
        fail(
            exercise_id,
            f"GET {path} raised {type(error).__name__}: {error}",
            hint="an error a client caused must become a 4xx: raise NotFound (from "
            "demo_project.errors) for a missing item.",
        )


@exercise("3.2", "item_reviews")
def check_3_2(view, *, hidden=False):
    from django.db.models import Count

    from demo_project.catalog.models import Item

    client = _client_for("3.2", "/items/{item_id}/reviews", view)
    requests = 0
    for items, seed in catalogs(hidden=hidden):
        with catalog(items, seed) as context:
            ids = list(
                Item.objects.annotate(n=Count("reviews"))
                .order_by("-n", "id")
                .values_list("id", flat=True)
            )
            busiest, quietest = ids[0], ids[-1]
            cases = [(busiest, 1, 2), (busiest, 2, 2), (quietest, 1, 10), (busiest, 1, 10)]
            if hidden:
                cases += [(busiest, 1, 50), (busiest, 40, 3), (ids[len(ids) // 2], 1, 1)]
            for item_id, page, size in cases:
                path = f"/items/{item_id}/reviews?page={page}&page_size={size}"
                response, panel = _request("3.2", client, path)
                if response.status_code != 200:
                    fail(
                        "3.2",
                        f"GET {path} answered {response.status_code}, not 200.",
                        f"  body: {short(response.json())}",
                        f"  on: {context}",
                    )
                expect_equal(
                    "3.2",
                    _reviews_page(item_id, page, size),
                    response.json(),
                    what=f"the body of GET {path}",
                    context=context,
                    hint="{'count': all the item's reviews, 'results': this page, "
                    "newest first (-created_at, -id)}.",
                )
                hold_budget(
                    "3.2",
                    panel,
                    3,
                    f"GET {path}",
                    context=context,
                    hint="one query for the item, one count, one page (with its authors joined).",
                )
                requests += 1
    checks = [
        ("/items/999999/reviews", 404, "not_found"),
        ("/items/1/reviews?page_size=0", 422, "validation_error"),
        ("/items/1/reviews?page=0", 422, "validation_error"),
        ("/items/1/reviews?page_size=51", 422, "validation_error"),
    ]
    for path, status, code in checks:
        response, _ = _request("3.2", client, path)
        body = response.json()
        if response.status_code != status:
            fail(
                "3.2",
                f"GET {path} answered {response.status_code}; expected {status}.",
                f"  body: {short(body)}",
                hint="raise NotFound for a missing item; bound page and page_size in PageIn.",
            )
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict) or error.get("code") != code:
            fail(
                "3.2",
                f"GET {path} answered {status} but not with the one error body.",
                f"  expected: {{'error': {{'status': {status}, 'code': {code!r}, ...}}}}",
                f"  got:      {short(body)}",
                hint="raise demo_project.errors.NotFound: the API's handler writes the body.",
            )
    return f"{requests} pages right within 3 queries each; 404 and 422 with the one error body."


# 04 · Services


def _can_review(user, item) -> bool:
    from demo_project.catalog.models import Review

    return bool(
        user.is_authenticated
        and user.is_active
        and item.owner_id != user.pk
        and not Review.objects.filter(item_id=item.pk, author_id=user.pk).exists()
    )


@exercise("4.1", "user_can_review")
def check_4_1(answer, *, hidden=False):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import AnonymousUser

    from demo_project.catalog.models import Item

    calls = 0
    for items, seed in catalogs(hidden=hidden):
        with catalog(items, seed) as context:
            users = list(get_user_model().objects.order_by("id"))
            inactive = get_user_model().objects.get(username="bob")
            inactive.is_active = False
            people = [*users, AnonymousUser(), inactive]
            for item in Item.objects.order_by("id")[: 30 if hidden else 12]:
                for user in people:
                    expected = _can_review(user, item)
                    got, panel = measure(lambda u=user, i=item: call("4.1", answer, u, i))
                    who = "an anonymous user" if not user.is_authenticated else user.username
                    who += "" if user.is_active else " (inactive)"
                    expect_equal(
                        "4.1",
                        expected,
                        got,
                        context=context,
                        what=f"user_can_review({who}, item {item.pk} owned by "
                        f"{item.owner.username})",
                        hint="logged in, active, not the owner, and no review of "
                        "this item yet; return True or False.",
                    )
                    hold_budget(
                        "4.1",
                        panel,
                        1,
                        "the answer",
                        context=context,
                        hint="compare owner_id (no query); one .exists() query for "
                        "an earlier review, and none for an anonymous user.",
                    )
                    calls += 1
    return f"{calls} (user, item) pairs right, at most one query each."


def _prices(category_id=None) -> dict[int, Decimal]:
    from demo_project.catalog.models import Item

    items = Item.objects.order_by("id")
    if category_id is not None:
        items = items.filter(category_id=category_id)
    return dict(items.values_list("id", "price"))


def _repriced(price: Decimal, percent) -> Decimal:
    from .checks import cents

    return cents(price * (100 + Decimal(percent)) / 100)


def _busiest_category(ordered="-n") -> int:
    from django.db.models import Count

    from demo_project.catalog.models import Category

    return (
        Category.objects.annotate(n=Count("items"))
        .order_by(ordered, "id")
        .values_list("id", flat=True)[0]
    )


@exercise("4.2", "category_reprice")
def check_4_2(answer, *, hidden=False):
    from django.conf import settings

    from demo_project.catalog.models import Category
    from demo_project.errors import BusinessRuleViolation

    cap = Decimal(settings.CATALOG_PRICE_CAP)
    hint_atomic = (
        "run the loop inside `with transaction.atomic():`, so that the error rolls back "
        "every price already saved."
    )
    runs = 0
    for items, seed in catalogs(hidden=hidden):
        with catalog(items, seed) as context:
            category_id = _busiest_category()
            cases = [10, -50, 0] if hidden else [10]
            for percent in cases:
                before = _prices()
                count = call("4.2", answer, category_id=category_id, percent=percent)
                after = _prices()
                expected = {
                    pk: _repriced(p, percent) if pk in _prices(category_id) else p
                    for pk, p in before.items()
                }
                expect_equal(
                    "4.2",
                    len(_prices(category_id)),
                    count,
                    context=context,
                    what=f"the count category_reprice(percent={percent}) returned",
                    hint="return how many items were repriced.",
                )
                wrong = [pk for pk in expected if expected[pk] != after[pk]]
                if wrong:
                    pk = wrong[0]
                    fail(
                        "4.2",
                        f"after category_reprice(percent={percent}) item {pk} costs "
                        f"{after[pk]}; expected {expected[pk]}.",
                        f"  on: {context}",
                        hint="new price = price × (100 + percent) / 100, rounded half up to "
                        "cents; only the category's items change.",
                    )
                runs += 1
            # A rise that takes the dearest item over the cap, and not every item.
            prices = _prices(category_id)
            percent = int((cap / max(prices.values()) - 1) * 100) + 1
            over = [pk for pk, p in prices.items() if _repriced(p, percent) > cap]
            before = _prices()
            try:
                call(
                    "4.2",
                    answer,
                    category_id=category_id,
                    percent=percent,
                    allow=(BusinessRuleViolation,),
                )
            except BusinessRuleViolation:
                pass
            else:
                fail(
                    "4.2",
                    f"category_reprice(percent={percent}) took {len(over)} items over "
                    f"the cap of {cap} and raised nothing.",
                    f"  on: {context}",
                    hint="raise BusinessRuleViolation when a new price is over the cap.",
                )
            after = _prices()
            changed = [pk for pk in before if before[pk] != after[pk]]
            if changed:
                fail(
                    "4.2",
                    f"the rise was refused, but {len(changed)} prices stayed changed: "
                    "the service is not atomic.",
                    f"  on: {context}",
                    f"  e.g. item {changed[0]}: {before[changed[0]]} → {after[changed[0]]}",
                    hint=hint_atomic,
                )
            runs += 1
            if hidden:
                empty = Category.objects.create(name="Empty shelf", slug="empty-shelf")
                count = call("4.2", answer, category_id=empty.pk, percent=10)
                expect_equal(
                    "4.2",
                    0,
                    count,
                    what="the count for a category with no items",
                    hint="no items: nothing to do, return 0.",
                )
    return f"{runs} repricings right; a rise over the cap changes nothing."


class _Rollback(Exception):
    pass


@exercise("4.3", "review_create")
def check_4_3(answer, *, hidden=False):
    from django.contrib.auth import get_user_model
    from django.core.exceptions import ValidationError
    from django.db import transaction

    from demo_project.catalog.models import Item, Review
    from demo_project.errors import ApplicationError, NotFound, PermissionDenied

    notified: list[int] = []

    def notify(review_id: int) -> None:
        notified.append(review_id)

    def reviewer_for(item):
        for user in get_user_model().objects.order_by("id"):
            if _can_review(user, item):
                return user
        return None

    def expect_refusal(errors, label, **kwargs):
        count, calls = Review.objects.count(), len(notified)
        try:
            call("4.3", answer, notify=notify, allow=errors, **kwargs)
        except errors:
            pass
        else:
            fail(
                "4.3",
                f"{label}: review_create raised nothing.",
                hint=f"raise {errors[0].__name__} (from demo_project.errors).",
            )
        if Review.objects.count() != count:
            fail("4.3", f"{label}: a review was written anyway.")
        if len(notified) != calls:
            fail("4.3", f"{label}: notify was called anyway.")

    created = 0
    for items, seed in catalogs(hidden=hidden):
        with catalog(items, seed) as context:
            item = Item.objects.order_by("id")[2]
            user = reviewer_for(item)
            notified.clear()
            review = call(
                "4.3",
                answer,
                author=user,
                item_id=item.pk,
                rating=4,
                comment="Solid.",
                notify=notify,
            )
            if not isinstance(review, Review) or review.pk is None:
                fail("4.3", f"review_create returned {short(review)}, not a saved Review.")
            saved = Review.objects.filter(pk=review.pk, item=item, author=user, rating=4).exists()
            if not saved:
                fail(
                    "4.3",
                    "the returned review is not in the database as asked.",
                    f"  on: {context}",
                )
            if notified != [review.pk]:
                fail(
                    "4.3",
                    f"notify was called with {notified}; expected [{review.pk}], once.",
                    hint="transaction.on_commit(lambda: notify(review.pk)).",
                )
            created += 1
            expect_refusal(
                (PermissionDenied,),
                "the owner reviewing their own item",
                author=item.owner,
                item_id=item.pk,
                rating=5,
            )
            # Inside a transaction that rolls back, notify must never run.
            other = Item.objects.order_by("id")[3]
            reviewer = reviewer_for(other)
            notified.clear()
            try:
                with transaction.atomic():
                    call("4.3", answer, author=reviewer, item_id=other.pk, rating=3, notify=notify)
                    raise _Rollback
            except _Rollback:
                pass
            if notified:
                fail(
                    "4.3",
                    "notify ran for a review whose transaction was rolled back.",
                    f"  on: {context}",
                    hint="queue it with transaction.on_commit(...): it runs only if the "
                    "outermost transaction commits.",
                )
            if hidden:
                expect_refusal(
                    (PermissionDenied,),
                    "a second review by the same user",
                    author=user,
                    item_id=item.pk,
                    rating=2,
                )
                expect_refusal(
                    (ApplicationError, ValidationError),
                    "a rating of 6",
                    author=reviewer,
                    item_id=other.pk,
                    rating=6,
                )
                expect_refusal(
                    (NotFound,),
                    "an item that does not exist",
                    author=reviewer,
                    item_id=999_999,
                    rating=3,
                )
    return f"{created} reviews created and announced after commit; refusals write nothing."


# 05 · Selectors and N+1


def _active_item_rows() -> list[tuple]:
    from demo_project.catalog.models import Item

    return list(
        Item.objects.filter(is_active=True)
        .order_by("name", "id")
        .values_list("name", "category__name", "owner__username")
    )


@exercise("5.1", "active_item_rows")
def check_5_1(answer, *, hidden=False):
    total = 0
    for items, seed in catalogs(hidden=hidden):
        with catalog(items, seed) as context:
            expected = _active_item_rows()
            got, panel = measure(lambda: call("5.1", answer))
            got = [tuple(row) for row in got] if isinstance(got, list | tuple) else got
            compare_rows(
                "5.1",
                expected,
                got,
                what="the list of rows",
                context=context,
                hint="active items only, as (name, category name, owner's username), "
                "ordered by name then id.",
            )
            hold_budget(
                "5.1",
                panel,
                1,
                "the list",
                context=context,
                hint="item.category.name and item.owner.username each cost a query "
                "per item unless the first query joins them: select_related, or "
                "values_list('name', 'category__name', ...).",
            )
            total += len(expected)
    return f"{total} rows right on {len(catalogs(hidden=hidden))} catalogs, 1 query each."


@exercise("5.2", "items_with_tags")
def check_5_2(answer, *, hidden=False):
    from demo_project.catalog.models import Item

    total = 0
    for items, seed in catalogs(hidden=hidden):
        with catalog(items, seed) as context:
            expected = [
                (item.name, sorted(tag.name for tag in item.tags.all()))
                for item in Item.objects.prefetch_related("tags").order_by("-created_at", "-id")
            ]

            def use():
                return [
                    (item.name, sorted(tag.name for tag in item.tags.all()))
                    for item in call("5.2", answer)
                ]

            got, panel = measure(use)
            compare_rows(
                "5.2",
                expected,
                got,
                what="the items and their tags",
                context=context,
                hint="every item, newest first (-created_at, -id).",
            )
            hold_budget(
                "5.2",
                panel,
                2,
                "the list",
                context=context,
                hint="item.tags.all() is one query per item unless the selector "
                "prefetches the tags: prefetch_related('tags').",
            )
            total += len(expected)
            if hidden:  # a second call must not be served from a stale, evaluated queryset
                again, _ = measure(use)
                compare_rows(
                    "5.2",
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
def check_5_3(schema, selector, *, hidden=False):
    from .checks import NotDone

    not_done_if_empty("5.3", schema, "ItemCardOut")
    total = 0
    for items, seed in catalogs(hidden=hidden):
        with catalog(items, seed) as context:
            expected = _item_cards()

            def use():
                return [_dump("5.3", schema, item) for item in call("5.3", selector)]

            try:
                got, panel = measure(use)
            except NotImplementedError:
                raise NotDone(
                    "5.3", "a resolver of ItemCardOut still raises NotImplementedError."
                ) from None
            compare_rows(
                "5.3",
                expected,
                got,
                what="the item cards",
                context=context,
                hint="every item by id; average_rating rounded to 2 places, None without reviews.",
            )
            hold_budget(
                "5.3",
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
def check_5_4(answer, *, hidden=False):
    total = 0
    for items, seed in catalogs(hidden=hidden):
        with catalog(items, seed) as context:
            expected = _category_highlights()
            got, panel = measure(lambda: call("5.4", answer))
            compare_rows(
                "5.4",
                expected,
                got,
                what="the highlights",
                context=context,
                hint="every category by name; count and list active items only; "
                "the three newest (-created_at, -id).",
            )
            hold_budget(
                "5.4",
                panel,
                2,
                "the highlights",
                context=context,
                hint="annotate the count (Count with filter=Q(...)) and prefetch the "
                "newest items with Prefetch(queryset=...[:3], to_attr=...).",
            )
            total += len(expected)
    return f"{total} categories right, in 2 queries whatever the size."


# 06 · Caching


def _category_counts() -> dict[str, int]:
    from django.db.models import Count, Q

    from demo_project.catalog.models import Category

    rows = Category.objects.annotate(
        active=Count("items", filter=Q(items__is_active=True))
    ).order_by("name")
    return {row.name: row.active for row in rows}


def _cached_read(exercise_id, function, *args, budget, expected, label, context, hint):
    got, panel = measure(lambda: call(exercise_id, function, *args))
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
        fail(
            exercise_id,
            f"{label} returned stale or wrong data.",
            f"  on: {context}",
            f"  expected: {short(expected)}",
            f"  got:      {short(got)}",
            *(f"  {line}" for line in diff[:4]),
            hint=hint,
        )
    if panel.count > budget:
        fail(
            exercise_id,
            f"{label} took {queries(panel.count)}; expected at most {budget}.",
            f"  on: {context}",
            *query_lines(panel),
            hint=hint,
        )
    return got


@exercise("6.1", "category_counts_cached")
def check_6_1(answer, *, hidden=False):
    from django.core.cache import cache

    reads = 0
    for items, seed in catalogs(hidden=hidden):
        with catalog(items, seed) as context:
            cache.clear()
            expected = _category_counts()
            hint = "cache.get_or_set(key, category_counts, timeout): computed once, then read."
            for label, budget in [("the first call", 1), ("the second call", 0)] + (
                [("a third call", 0)] if hidden else []
            ):
                _cached_read(
                    "6.1",
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
def check_6_2(read, write, *, hidden=False):
    from django.core.cache import cache
    from django.db import transaction

    from demo_project.catalog.models import Item

    hint = (
        "after saving, delete the cached entry (or bump a version) in "
        "transaction.on_commit(...), so the next read recomputes."
    )
    writes = 0
    for items, seed in catalogs(hidden=hidden):
        with catalog(items, seed) as context:
            cache.clear()
            call("6.2", read)  # warm the cache
            item = _first_item()
            steps = [(item.pk, False)] + (
                [(item.pk, True), (_first_item().pk, False)] if hidden else []
            )
            for item_id, active in steps:
                call("6.2", write, item_id=item_id, is_active=active)
                if Item.objects.get(pk=item_id).is_active != active:
                    fail(
                        "6.2",
                        f"item_set_active(item_id={item_id}, is_active={active}) did "
                        "not save is_active.",
                    )
                label = (
                    "category_counts_cached() after "
                    f"item_set_active(item_id={item_id}, is_active={active})"
                )
                expected = _category_counts()
                _cached_read(
                    "6.2",
                    read,
                    budget=1,
                    expected=expected,
                    label=label,
                    context=context,
                    hint=hint,
                )
                _cached_read(
                    "6.2",
                    read,
                    budget=0,
                    expected=expected,
                    label="the read after that",
                    context=context,
                    hint="invalidate on write only; reads stay cached.",
                )
                writes += 1
            if hidden:  # a write that rolls back after a read must leave a true cache
                cache.clear()
                call("6.2", read)
                target = _first_item()
                try:
                    with transaction.atomic():
                        call("6.2", write, item_id=target.pk, is_active=False)
                        call("6.2", read)
                        raise _Rollback
                except _Rollback:
                    pass
                _cached_read(
                    "6.2",
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
def check_6_3(read, move, *, hidden=False):
    from django.core.cache import cache

    from demo_project.catalog.models import Category, Item

    def read_list(category_id, budget, label, context, hint):
        got, panel = measure(lambda: call("6.3", read, category_id))
        expected = _names_in(category_id)
        if got != expected:
            missing = sorted(set(expected) - set(got or []))
            extra = sorted(set(got or []) - set(expected))
            fail(
                "6.3",
                f"{label} returned stale or wrong names.",
                f"  on: {context}",
                f"  expected {len(expected)} names, got {len(got or [])}",
                f"  missing: {short(missing)}",
                f"  not there any more: {short(extra)}",
                hint=hint,
            )
        if panel.count > budget:
            fail(
                "6.3",
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
    for items, seed in catalogs(hidden=hidden):
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
            plan = [(item.pk, new)] + ([(item.pk, old), (item.pk, old)] if hidden else [])
            for item_id, target in plan:
                source = Item.objects.get(pk=item_id).category_id
                call("6.3", move, item_id=item_id, category_id=target)
                if Item.objects.get(pk=item_id).category_id != target:
                    fail(
                        "6.3",
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
            if hidden:
                read_list(
                    untouched,
                    0,
                    f"category {untouched}, which no move touched,",
                    context,
                    "invalidate only the entries a move changes: "
                    "cache.clear() empties everyone's cache.",
                )
    return f"{moves} moves, each refreshing both categories and nothing else."


# 07 · Auth


@exercise("7.1", "bearer_token")
def check_7_1(answer, *, hidden=False):
    cases = [
        ("Bearer abc.def.ghi", "abc.def.ghi"),
        ("bearer abc", "abc"),
        ("BEARER abc", "abc"),
        (None, None),
        ("", None),
        ("Bearer", None),
        ("Bearer ", None),
        ("Basic dXNlcjpwYXNz", None),
        ("Bearer a b", None),
        ("Token abc", None),
        ("Bearerabc", None),
    ]
    if hidden:
        cases += [
            ("Bearer  abc", None),
            ("Bearer abc ", None),
            ("Bearer\tabc", None),
            (" Bearer abc", None),
            ("Bearer " + "x" * 500, "x" * 500),
        ]
    for header, expected in cases:
        got = call("7.1", answer, header)
        expect_equal(
            "7.1",
            expected,
            got,
            what=f"bearer_token({header!r})",
            hint="the header is exactly '<scheme> <token>': scheme 'bearer' in any "
            "case, then one space, then a token with no spaces; anything else is "
            "None.",
        )
    return f"{len(cases)} headers read right, bad ones refused."


def _token_cases(hidden: bool) -> list[tuple[str, str, int | None]]:
    """(what, token, the user id it should give or None)."""
    import base64
    import json

    import jwt
    from django.conf import settings
    from django.contrib.auth import get_user_model

    from demo_project.accounts.tokens import token_issue

    key, lifetime = settings.JWT_SIGNING_KEY, settings.JWT_LIFETIME
    users = list(get_user_model().objects.order_by("id"))
    alice = next(user for user in users if user.username == "alice")
    now = datetime.now(UTC)
    exp = int((now + lifetime).timestamp())

    def signed(payload, secret=key, algorithm="HS256"):
        with warnings.catch_warnings():  # PyJWT warns about short keys; these are attacks
            warnings.simplefilter("ignore")
            return jwt.encode(payload, secret, algorithm=algorithm)

    def b64(data: dict) -> str:
        raw = json.dumps(data, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    valid = token_issue(alice)
    header, _, signature = valid.split(".")
    cases = [(f"a valid token of {user.username}", token_issue(user), user.pk) for user in users]
    cases += [
        ("an expired token", token_issue(alice, now=now - lifetime - timedelta(minutes=1)), None),
        (
            "a token signed with another key",
            signed(
                {"sub": str(alice.pk), "exp": exp},
                "a-different-signing-key-of-the-same-length-as-ours",
            ),
            None,
        ),
        (
            "an unsigned token (alg: none)",
            b64({"alg": "none", "typ": "JWT"})
            + "."
            + b64({"sub": str(alice.pk), "exp": exp})
            + ".",
            None,
        ),
        (
            "a token whose payload was changed to another user",
            f"{header}.{b64({'sub': str(users[0].pk), 'exp': exp})}.{signature}",
            None,
        ),
        ("a token without exp", signed({"sub": str(alice.pk)}), None),
        ("not a token at all", "abc", None),
    ]
    if hidden:
        cases += [
            ("an empty string", "", None),
            ("three dots", "a.b.c", None),
            ("a token for no user", signed({"sub": "999999", "exp": exp}), None),
            ("a token whose sub is not an id", signed({"sub": "1 OR 1=1", "exp": exp}), None),
            ("a token without sub", signed({"exp": exp}), None),
            (
                "a token signed with HS512",
                signed({"sub": str(alice.pk), "exp": exp}, algorithm="HS512"),
                None,
            ),
        ]
    return cases


@exercise("7.2", "user_for_token")
def check_7_2(answer, *, hidden=False):
    from django.contrib.auth import get_user_model
    from django.db import DatabaseError, connection

    checked = 0
    for items, seed in catalogs(hidden=hidden):
        with catalog(items, seed) as context:
            cases = _token_cases(hidden)
            bob = get_user_model().objects.get(username="bob")
            from demo_project.accounts.tokens import token_issue

            inactive_token = token_issue(bob)
            for what, token, user_id in cases:
                user, panel = measure(lambda t=token: call("7.2", answer, t))
                got = getattr(user, "pk", user)
                if got != user_id:
                    expected = "None" if user_id is None else f"the user with id {user_id}"
                    fail(
                        "7.2",
                        f"for {what}, user_for_token gave {short(user)}; expected {expected}.",
                        f"  on: {context}",
                        hint="jwt.decode(token, settings.JWT_SIGNING_KEY, algorithms=['HS256'],"
                        " options={'require': ['exp', 'sub']}); a bad token is None.",
                    )
                hold_budget(
                    "7.2",
                    panel,
                    1,
                    f"the answer for {what}",
                    context=context,
                    hint="one query for the user, none for a bad token.",
                )
                checked += 1
            bob.is_active = False
            bob.save(update_fields=["is_active"])
            user = call("7.2", answer, inactive_token)
            if user is not None:
                fail(
                    "7.2",
                    "a valid token of a deactivated user still gives the user.",
                    hint="look the user up with is_active=True.",
                )
            checked += 1
    if hidden:  # a database failure is not a bad token: it must not become a silent 401
        token = _token_cases(False)[1][1]

        def database_down(execute, sql, params, many, context):
            raise DatabaseError("the database is down")

        with connection.execute_wrapper(database_down):
            try:
                got = call("7.2", answer, token, allow=(DatabaseError,))
            except DatabaseError:
                pass
            else:
                fail(
                    "7.2",
                    f"with the database down, user_for_token returned {short(got)} "
                    "instead of letting the DatabaseError through.",
                    hint="catch jwt.InvalidTokenError only: a bare `except` turns every bug "
                    "and outage into a silent 401.",
                )
    return f"{checked} tokens: valid ones give their user, every attack gives None."


# 08 · The reference, reviewed


@exercise("8.1", "ReviewsClosed", "install_reviews_closed_handler")
def check_8_1(error_class, install, *, hidden=False):
    from demo_project.errors import NotFound, error_body

    if not (isinstance(error_class, type) and issubclass(error_class, Exception)):
        fail("8.1", "ReviewsClosed should be an exception class; run the cell that defines it.")
    messages = ["Reviews of this item are closed."]
    if hidden:
        messages.append("Item 7 was archived: no more reviews.")
    for message in messages:

        def closed(request, message=message):
            raise error_class(message)

        client = _client_for("8.1", "/closed", closed, install=install)
        response, _ = _request("8.1", client, "/closed")
        expect_equal(
            "8.1",
            409,
            response.status_code,
            what="the status for ReviewsClosed",
            hint="api.create_response(request, error_body(409, 'reviews_closed', "
            "str(exc)), status=409).",
        )
        expect_equal(
            "8.1",
            error_body(409, "reviews_closed", message),
            response.json(),
            what="the body for ReviewsClosed",
            hint="the one error body: demo_project.errors.error_body(...).",
        )

    def missing(request):
        raise NotFound("Item not found.")

    client = _client_for("8.1", "/missing", missing, install=install)
    response, _ = _request("8.1", client, "/missing")
    expect_equal(
        "8.1",
        404,
        response.status_code,
        what="the status of NotFound beside your handler",
        hint="handle ReviewsClosed only.",
    )
    if hidden:

        class ItemArchived(error_class):
            pass

        def archived(request):
            raise ItemArchived("Archived.")

        client = _client_for("8.1", "/archived", archived, install=install)
        response, _ = _request("8.1", client, "/archived")
        expect_equal(
            "8.1",
            409,
            response.status_code,
            what="the status for a subclass of ReviewsClosed",
            hint="register the handler for ReviewsClosed itself.",
        )
    return "ReviewsClosed answers 409 with the one error body; other errors unchanged."


@exercise("8.2", "install_domain_handlers")
def check_8_2(install, *, hidden=False):
    from django.core.exceptions import ValidationError

    from demo_project.catalog.models import Category, Item

    def raising(error):
        def view(request):
            if callable(error):
                error()
            raise error

        return view

    cases = [
        (
            "PermissionError",
            PermissionError("Only the owner may edit this item."),
            403,
            {"code": "permission_denied", "message": "Only the owner may edit this item."},
        ),
        ("Item.DoesNotExist", lambda: Item.objects.get(pk=0), 404, {"code": "not_found"}),
        (
            "ValidationError from full_clean",
            ValidationError({"price": ["Too high."]}),
            400,
            {
                "code": "invalid",
                "details": [{"loc": ["body", "price"], "msg": "Too high.", "type": "value_error"}],
            },
        ),
    ]
    if hidden:
        cases += [
            (
                "Category.DoesNotExist",
                lambda: Category.objects.get(pk=0),
                404,
                {"code": "not_found"},
            ),
            (
                "a ValidationError without a field",
                ValidationError("Not allowed."),
                400,
                {
                    "code": "invalid",
                    "details": [{"loc": ["body"], "msg": "Not allowed.", "type": "value_error"}],
                },
            ),
        ]
    for label, error, status, expected in cases:
        client = _client_for("8.2", "/x", raising(error), install=install, with_handlers=False)
        response, _ = _request("8.2", client, "/x")
        body = (
            response.json()
            if response.get("Content-Type", "").startswith("application/json")
            else response.content
        )
        if response.status_code != status:
            fail(
                "8.2",
                f"{label} answered {response.status_code}; expected {status}.",
                f"  body: {short(body)}",
                hint="one @api.exception_handler per error type, each returning the one "
                "error body.",
            )
        error_part = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error_part, dict) or error_part.get("status") != status:
            fail(
                "8.2",
                f"{label} answered {status} but not with the one error body.",
                f"  got: {short(body)}",
                hint="demo_project.errors.error_body(status, code, message, details).",
            )
        for key, value in expected.items():
            expect_equal(
                "8.2",
                value,
                error_part.get(key),
                what=f"error.{key} for {label}",
                hint="codes: permission_denied, not_found, invalid; details as "
                "[{'loc': ['body', field], 'msg': ..., 'type': 'value_error'}].",
            )
    client = _client_for(
        "8.2", "/bug", raising(RuntimeError("a bug")), install=install, with_handlers=False
    )
    try:
        response = client.get("/bug")
    except RuntimeError:
        pass
    else:
        fail(
            "8.2",
            f"an unexpected RuntimeError became a {response.status_code} response.",
            hint="handle the errors a client caused; let a bug propagate (Django answers "
            "500 and logs it), never a catch-all Exception handler.",
        )
    return f"{len(cases)} domain errors mapped to 4xx with the one body; a bug still propagates."
