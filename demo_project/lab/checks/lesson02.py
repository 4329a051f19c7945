"""The checks of lesson 02 (Schemas) and their reference answers."""

from __future__ import annotations

from decimal import Decimal

from .core import NotDone, catalog, cents, exercise, measure, short, validation_error


@exercise(
    "2.1",
    "PriceIn",
    requirements={
        "decimal": (
            "`price` is a `Decimal`: every price reads back exactly, sent as a string or a float",
            "parses every price of two catalogs, as a string and as a float, and compares "
            "value and type",
        ),
        "negative": (
            "it is not negative: `0` is accepted, `-0.01` refused",
            "parses `0`, `0.00`, `-0.01` and `-1`",
        ),
        "digits": (
            "at most 10 digits, at most 2 of them after the point: `99999999.99` is "
            "accepted, `100000000.00` and `1.234` refused",
            "parses `99999999.99`, `100000000.00`, `12345678901.00`, `1.234` and `0.001`",
        ),
        "exact": (
            "a float that is not an exact price (`0.1 + 0.2`) is refused, not rounded; "
            "so is anything that is not a number",
            "parses `0.1 + 0.2`, `abc`, `None`, `NaN` and `Infinity`",
        ),
    },
)
def check_2_1(ex, schema):
    from demo_project.catalog.models import Item

    ex.not_done_if_empty(schema, "PriceIn")
    with ex.requirement("decimal"):
        if "price" not in schema.model_fields:
            ex.fail("PriceIn has no field `price`.")
    invalid_error = validation_error()

    def parse(value):
        try:
            return schema(price=value).price
        except invalid_error:
            return "invalid"

    valid = 0
    with ex.requirement("decimal"):
        for items, seed in ex.catalogs():
            with catalog(items, seed) as context:
                for price in Item.objects.order_by("id").values_list("price", flat=True):
                    for value in (str(price), float(price)):
                        got = parse(value)
                        ex.expect_equal(
                            price,
                            got,
                            what=f"PriceIn(price={value!r}).price",
                            hint="declare price as a Decimal; a float cannot hold 19.99 exactly.",
                            context=context,
                        )
                        valid += 1
    refused = {
        "negative": ["-0.01", -1],
        "digits": ["100000000.00", "12345678901.00", "1.234", "0.001"],
        "exact": [0.1 + 0.2, "abc", None, "NaN", "Infinity"],
    }
    accepted = {
        "negative": {"0": Decimal("0"), "0.00": Decimal("0")},
        "digits": {"99999999.99": Decimal("99999999.99")},
    }
    if ex.hidden:
        refused["negative"] += ["-99.99"]
        refused["digits"] += ["99999999.991", "1e9"]
        refused["exact"] += [1.1 + 2.2, "12,50"]
        accepted["digits"].update({"1e3": Decimal("1000"), 7: Decimal("7"), "0.5": Decimal("0.5")})
    hints = {
        "negative": "Field(ge=0): zero is a price, a negative number is not.",
        "digits": "Field(max_digits=10, decimal_places=2): 8 digits before the point at most.",
        "exact": "a Decimal field refuses a float with more than 2 decimals; do not round "
        "what the client sent.",
    }
    for key, values in refused.items():
        with ex.requirement(key):
            for value in values:
                got = parse(value)
                if got != "invalid":
                    ex.fail(
                        f"PriceIn(price={value!r}) is accepted; it should be refused.",
                        f"  got: {short(got)}",
                        hint=hints[key],
                    )
    for key, values in accepted.items():
        with ex.requirement(key):
            for value, expected in values.items():
                ex.expect_equal(
                    expected, parse(value), what=f"PriceIn(price={value!r}).price", hint=hints[key]
                )
    total = sum(len(values) for values in refused.values())
    return f"{valid} prices read exactly, {total} bad ones refused."


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


def _serialize(ex, schema, queryset):
    def run():
        return [ex.dump(schema, obj) for obj in queryset.all()]

    try:
        return measure(run)
    except NotImplementedError:
        raise NotDone(
            ex.id,
            f"a resolver of {schema.__name__} still raises NotImplementedError.",
            details=["Write its body, run the answer cell, then this one."],
        ) from None


@exercise(
    "2.2",
    "ReviewOut",
    requirements={
        "fields": (
            "every review serializes with `id`, `rating`, `stars`, `comment`, `item` (the "
            "item's name) and `author` (the author's username), and `stars` shows the "
            "rating as five characters",
            "serializes every review of two catalogs and compares each with the reference",
        ),
        "no-author": (
            "`author` is `None` once the author deleted their account",
            "serializes a review whose author is None",
        ),
        "queries": (
            "serializing `Review.objects.select_related('item', 'author')` queries nothing more",
            "counts the queries of serializing the whole list: one",
        ),
    },
)
def check_2_2(ex, schema):
    from demo_project.catalog.models import Review

    ex.not_done_if_empty(schema, "ReviewOut")
    counted = 0
    for items, seed in ex.catalogs():
        with catalog(items, seed) as context:
            reviews = Review.objects.select_related("item", "author").order_by("id")
            expected = [_review_row(review) for review in reviews.all()]
            with ex.requirement("fields"):
                got, panel = _serialize(ex, schema, reviews)
                ex.compare_rows(
                    expected,
                    got,
                    what="ReviewOut of every review",
                    hint="item and author come through aliases ('item.name', "
                    "'author.username'); stars through a resolver.",
                    context=context,
                )
            with ex.requirement("queries"):
                ex.hold_budget(
                    panel,
                    1,
                    "ReviewOut",
                    context=context,
                    hint="the selector already joined item and author: a resolver must "
                    "read them from obj, not query again.",
                )
            counted += len(expected)
            with ex.requirement("no-author"):
                review = Review.objects.select_related("item", "author").order_by("id").last()
                review.author = None  # the author deleted their account (on_delete=SET_NULL)
                ex.expect_equal(
                    _review_row(review),
                    ex.dump(schema, review),
                    what="ReviewOut of a review whose author is gone",
                    context=context,
                    hint="author may be None: declare it `str | None` with a default.",
                )
    return f"{counted} reviews serialized right, one query for each list."


def _with_tax(price: Decimal) -> Decimal:
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


@exercise(
    "2.3",
    "ItemPriceOut",
    requirements={
        "exact": (
            "`price` and `price_with_tax` are `Decimal`s; `price_with_tax` adds 25 % and "
            "rounds half up to the cent (`0.02` becomes `0.03`)",
            "compares both fields of every item of two catalogs with the reference, value and type",
        ),
        "fields": (
            "every item serializes with `id`, `name`, `category` (its name), `price`, "
            "`price_with_tax` and `tags` (the tag names, sorted)",
            "compares every serialized item with the reference",
        ),
        "queries": (
            "serializing `Item.objects.select_related('category').prefetch_related('tags')` "
            "costs those two queries only",
            "counts the queries of serializing the whole list: two",
        ),
    },
)
def check_2_3(ex, schema):
    from demo_project.catalog.models import Item

    ex.not_done_if_empty(schema, "ItemPriceOut")
    counted = 0
    for items, seed in ex.catalogs():
        with catalog(items, seed) as context:
            queryset = (
                Item.objects.select_related("category").prefetch_related("tags").order_by("id")
            )
            expected = [_item_price_row(item) for item in queryset.all()]
            with ex.requirement("fields"):
                got, panel = _serialize(ex, schema, queryset)
            with ex.requirement("exact"):
                for want, have in zip(expected, got, strict=False):
                    for field in ("price", "price_with_tax"):
                        if field in have:
                            ex.expect_equal(
                                want[field],
                                have[field],
                                what=f"{field} of item {want['id']}",
                                context=context,
                                hint="Decimal all the way: price * Decimal('1.25'), "
                                "then .quantize(Decimal('0.01'), ROUND_HALF_UP).",
                            )
            with ex.requirement("fields"):
                ex.compare_rows(
                    expected,
                    got,
                    what="ItemPriceOut of every item",
                    context=context,
                    hint="category through an alias, tags and price_with_tax through resolvers.",
                )
            with ex.requirement("queries"):
                ex.hold_budget(
                    panel,
                    2,
                    "ItemPriceOut",
                    context=context,
                    hint="the queryset prefetched tags: read obj.tags.all(), and do not "
                    "filter or order it in the resolver (that queries again).",
                )
            counted += len(expected)
    return f"{counted} items serialized with exact prices, in 2 queries a list."
