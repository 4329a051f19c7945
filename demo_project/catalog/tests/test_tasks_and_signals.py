"""The announce task, and the signal that invalidates cached reads when a review changes."""

import pytest

from demo_project.catalog import caching
from demo_project.catalog.models import Item, Review
from demo_project.catalog.tasks import announce_item, announced_items

pytestmark = pytest.mark.django_db


def test_announce_item_appends_the_name_of_an_item(catalog, make_item):
    first, second = make_item(name="First"), make_item(name="Second")

    assert announce_item(first.pk) == "announced"
    assert announce_item(second.pk) == "announced"

    assert announced_items() == ["First", "Second"]


def test_announce_item_reports_missing_for_a_row_it_cannot_see(catalog):
    assert announce_item(10_000) == "missing"
    assert announced_items() == []


def test_saving_a_review_bumps_the_cache_version_only_on_commit(
    catalog, user, django_capture_on_commit_callbacks
):
    item = Item.objects.exclude(reviews__author__username="dave").order_by("pk").first()
    version = caching.catalog_version()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        Review.objects.create(item=item, author=user("dave"), rating=3)
    assert caching.catalog_version() == version

    for callback in callbacks:
        callback()
    assert caching.catalog_version() != version


def test_deleting_a_review_bumps_the_cache_version(catalog, django_capture_on_commit_callbacks):
    review = Review.objects.order_by("pk").first()
    version = caching.catalog_version()

    with django_capture_on_commit_callbacks(execute=True):
        review.delete()

    assert caching.catalog_version() != version
