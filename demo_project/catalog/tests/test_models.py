"""The catalog's models: constraints the database enforces and what deletes take along."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from demo_project.catalog.models import Category, Item, Review, Tag

pytestmark = pytest.mark.django_db


def refused_by_the_database(write) -> bool:
    """Return whether ``write()`` raised IntegrityError (inside a savepoint, so the test
    transaction stays usable on PostgreSQL)."""
    try:
        with transaction.atomic():
            write()
    except IntegrityError:
        return True
    return False


def test_the_database_refuses_a_negative_price(catalog, make_item):
    item = make_item()

    assert refused_by_the_database(lambda: Item.objects.filter(pk=item.pk).update(price=-1))


def test_the_database_refuses_a_negative_stock(catalog, make_item):
    item = make_item()

    assert refused_by_the_database(lambda: Item.objects.filter(pk=item.pk).update(stock=-1))


@pytest.mark.parametrize("rating", [0, 6])
def test_the_database_refuses_a_rating_outside_one_to_five(catalog, user, make_item, rating):
    item = make_item()

    assert refused_by_the_database(
        lambda: Review.objects.create(item=item, author=user("bob"), rating=rating)
    )


def test_the_database_refuses_a_second_review_by_the_same_author(catalog, user, make_item):
    item = make_item()
    Review.objects.create(item=item, author=user("bob"), rating=4)

    assert refused_by_the_database(
        lambda: Review.objects.create(item=item, author=user("bob"), rating=2)
    )


def test_a_category_that_still_has_items_cannot_be_deleted(catalog):
    category = Item.objects.order_by("pk").first().category

    with pytest.raises(ProtectedError):
        category.delete()


def test_an_empty_category_can_be_deleted(catalog):
    category = Category.objects.create(name="Empty", slug="empty")

    category.delete()

    assert not Category.objects.filter(slug="empty").exists()


def test_deleting_an_item_deletes_its_reviews(catalog):
    item = Item.objects.filter(reviews__isnull=False).order_by("pk").first()
    review_ids = list(item.reviews.values_list("pk", flat=True))

    item.delete()

    assert not Review.objects.filter(pk__in=review_ids).exists()


def test_deleting_a_user_deletes_their_items_and_keeps_their_reviews_anonymous(catalog, user):
    bob = user("bob")
    reviews = list(bob.reviews.values_list("pk", flat=True))
    other_items = Item.objects.exclude(owner=bob).count()

    bob.delete()

    assert not Item.objects.filter(owner__username="bob").exists()
    assert Item.objects.count() == other_items
    kept = Review.objects.filter(pk__in=reviews, item__isnull=False)
    assert all(review.author_id is None for review in kept)


def test_deleting_a_tag_leaves_its_items(catalog):
    tag = Tag.objects.filter(items__isnull=False).order_by("pk").first()
    items = Item.objects.count()

    tag.delete()

    assert Item.objects.count() == items


def test_created_at_can_be_pinned_and_updated_at_follows_each_save(catalog, make_item):
    item = make_item()
    pinned = item.created_at - timedelta(days=365)
    item.created_at = pinned
    item.save()
    first_update = item.updated_at

    item.name = "Changed"
    item.save()

    item.refresh_from_db()
    assert item.created_at == pinned
    assert item.updated_at >= first_update > pinned


def test_category_slug_has_only_the_index_its_unique_constraint_makes():
    slug = Category._meta.get_field("slug")

    assert slug.unique
    assert not [index for index in Category._meta.indexes if "slug" in index.fields]


def test_item_name_has_no_index_that_icontains_could_not_use():
    assert not Item._meta.get_field("name").db_index


def test_models_read_as_their_names(catalog, make_item, user):
    item = make_item(name="Lamp", price=Decimal("1.00"))
    review = Review.objects.create(item=item, author=user("bob"), rating=5)

    assert str(item) == "Lamp"
    assert str(item.category) == item.category.name
    assert str(Tag.objects.get(slug="eco")) == "eco"
    assert str(review) == f"5/5 for item {item.pk}"
