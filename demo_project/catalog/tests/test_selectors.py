"""The catalog's selectors: what they return, in which order, and what they prefetch."""

from decimal import Decimal

import pytest
from django.db.models import Avg

from demo_project.catalog import caching
from demo_project.catalog.models import Category, Item, Tag
from demo_project.catalog.schemas import ItemFilter
from demo_project.catalog.selectors import (
    ITEM_NOT_FOUND,
    ITEM_ORDERINGS,
    category_list,
    category_list_cached,
    item_get,
    item_list,
    tag_list,
)
from demo_project.errors import NotFound

pytestmark = pytest.mark.django_db


def ids(queryset) -> list[int]:
    return [item.pk for item in queryset]


def test_item_list_returns_every_item_newest_first(catalog):
    expected = list(Item.objects.order_by("-created_at", "-pk").values_list("pk", flat=True))

    assert ids(item_list()) == expected
    assert len(expected) == 10


def test_item_list_includes_inactive_items_unless_filtered(catalog):
    inactive = Item.objects.filter(is_active=False).count()

    assert item_list().count() == 10
    assert item_list(filters=ItemFilter(is_active=True)).count() == 10 - inactive


def test_item_list_breaks_ties_by_id_so_pages_are_stable(catalog, make_item):
    first = make_item(name="Same", price=Decimal("1.00"))
    second = make_item(name="Same", price=Decimal("1.00"), created_at=first.created_at)

    for ordering in ITEM_ORDERINGS:
        listed = [pk for pk in ids(item_list(ordering=ordering)) if pk in {first.pk, second.pk}]
        expected = [second.pk, first.pk] if ordering.startswith("-") else [first.pk, second.pk]
        assert listed == expected, ordering


@pytest.mark.parametrize("ordering", ITEM_ORDERINGS)
def test_every_ordering_ends_on_the_primary_key(ordering):
    assert ITEM_ORDERINGS[ordering][-1].lstrip("-") == "id"


def test_item_list_applies_every_filter(catalog):
    tag = Tag.objects.filter(items__isnull=False).order_by("slug").first()
    item = tag.items.order_by("pk").first()
    filters = ItemFilter(
        search=item.name.split()[0].lower(),
        category=item.category_id,
        tag=tag.slug,
        min_price=item.price,
        max_price=item.price,
        is_active=item.is_active,
    )

    assert item.pk in ids(item_list(filters=filters))
    for found in item_list(filters=filters):
        assert found.category_id == item.category_id
        assert found.price == item.price


def test_item_list_keeps_review_statistics_right_when_filtering_by_tag(catalog):
    tag = Tag.objects.filter(items__reviews__isnull=False).order_by("slug").first()

    filtered = list(item_list(filters=ItemFilter(tag=tag.slug)))

    assert filtered
    assert len({item.pk for item in filtered}) == len(filtered)
    for item in filtered:
        ratings = list(item.reviews.values_list("rating", flat=True))
        assert item.review_count == len(ratings)
        if ratings:
            assert item.average_rating == pytest.approx(sum(ratings) / len(ratings))
        else:
            assert item.average_rating is None


def test_item_list_annotates_review_statistics(catalog):
    for item in item_list():
        reviews = item.reviews.all()
        assert item.review_count == reviews.count()
        expected = reviews.aggregate(avg=Avg("rating"))["avg"]
        assert item.average_rating == expected


def test_item_get_returns_the_item_with_relations_loaded(catalog, django_assert_num_queries):
    pk = Item.objects.order_by("pk").first().pk

    # One query: the item with its relations, its tag names and its review statistics.
    with django_assert_num_queries(1):
        item = item_get(pk)
        shown = (item.category.name, item.owner.username, item.tag_names, item.review_count)

    assert sorted(shown[2]) == [tag.name for tag in item.tags.all()]

    assert item.pk == pk


def test_item_get_raises_not_found_for_an_unknown_id(catalog):
    with pytest.raises(NotFound, match=ITEM_NOT_FOUND):
        item_get(10_000)


def test_category_list_counts_the_items_of_each_category_including_none(catalog):
    empty = Category.objects.create(name="Empty shelf", slug="empty-shelf")

    counts = {category.slug: category.item_count for category in category_list()}

    assert counts["empty-shelf"] == 0
    assert sum(counts.values()) == Item.objects.count()
    for category in Category.objects.exclude(pk=empty.pk):
        assert counts[category.slug] == category.items.count()


def test_category_list_is_ordered_by_name(catalog):
    names = [category.name for category in category_list()]

    assert names == sorted(names)


def test_tag_list_returns_every_tag_by_name(catalog):
    names = [tag.name for tag in tag_list()]

    assert names == sorted(names)
    assert len(names) == 12


def test_category_list_cached_returns_plain_rows(catalog):
    rows = category_list_cached()

    assert isinstance(rows, list)
    assert set(rows[0]) == {"id", "name", "slug", "item_count"}
    assert rows == list(category_list().values("id", "name", "slug", "item_count"))


def test_category_list_cached_reads_the_database_once_per_catalog_version(
    catalog, django_assert_num_queries
):
    with django_assert_num_queries(1):
        first = category_list_cached()
    with django_assert_num_queries(0):
        second = category_list_cached()

    assert second == first


def test_category_list_cached_reads_again_after_the_version_is_bumped(catalog, make_item):
    before = {row["slug"]: row["item_count"] for row in category_list_cached()}
    item = make_item()

    caching.bump_catalog_version()
    after = {row["slug"]: row["item_count"] for row in category_list_cached()}

    assert after[item.category.slug] == before[item.category.slug] + 1
