"""The checks of lesson 02 (Schemas) and their reference answers."""

from __future__ import annotations

from decimal import Decimal

from .core import NotDone, catalog, cents, exercise, measure, short, validation_error


@exercise("2.1", "PriceIn")
def check_2_1(ex, schema):
    from demo_project.catalog.models import Item

    ex.not_done_if_empty(schema, "PriceIn")
    if "price" not in schema.model_fields:
        ex.fail("PriceIn has no field `price`.")
    invalid_error = validation_error()

    def parse(value):
        try:
            return schema(price=value).price
        except invalid_error:
            return "invalid"

    valid = 0
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
    refused = ["-0.01", "1.234", "abc", "12345678901.00", None, 0.1 + 0.2]
    accepted = {"0": Decimal("0"), "99999999.99": Decimal("99999999.99")}
    if ex.hidden:
        refused += ["100000000.00", "NaN", "Infinity", -1, "0.001"]
        accepted.update({"0.00": Decimal("0"), "1e3": Decimal("1000"), 7: Decimal("7")})
    for value in refused:
        if parse(value) != "invalid":
            ex.fail(
                f"PriceIn(price={value!r}) is accepted; it should be refused.",
                f"  got: {short(parse(value))}",
                hint="Field(ge=0, max_digits=10, decimal_places=2).",
            )
    for value, expected in accepted.items():
        ex.expect_equal(
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


@exercise("2.2", "ReviewOut")
def check_2_2(ex, schema):
    from demo_project.catalog.models import Review

    ex.not_done_if_empty(schema, "ReviewOut")
    counted = 0
    for items, seed in ex.catalogs():
        with catalog(items, seed) as context:
            reviews = Review.objects.select_related("item", "author").order_by("id")
            expected = [_review_row(review) for review in reviews.all()]
            got, panel = _serialize(ex, schema, reviews)
            ex.compare_rows(
                expected,
                got,
                what="ReviewOut of every review",
                hint="item and author come through aliases ('item.name', "
                "'author.username'); stars through a resolver.",
                context=context,
            )
            ex.hold_budget(
                panel,
                1,
                "ReviewOut",
                context=context,
                hint="the selector already joined item and author: a resolver must "
                "read them from obj, not query again.",
            )
            counted += len(expected)
    if ex.hidden:
        review = Review.objects.select_related("item", "author").order_by("id").first()
        review.author = None  # the author deleted their account (on_delete=SET_NULL)
        expected = _review_row(review)
        got = ex.dump(schema, review)
        ex.expect_equal(
            expected,
            got,
            what="ReviewOut of a review whose author is gone",
            hint="author may be None: declare it `str | None`.",
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


@exercise("2.3", "ItemPriceOut")
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
            got, panel = _serialize(ex, schema, queryset)
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
            ex.compare_rows(
                expected,
                got,
                what="ItemPriceOut of every item",
                context=context,
                hint="category through an alias, tags and price_with_tax through resolvers.",
            )
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
