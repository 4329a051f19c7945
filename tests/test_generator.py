"""The data generator: the same rows, ids and timestamps for the same size and seed.

Every notebook's checked output rests on this: a lesson run twice, or on another
machine, or on PostgreSQL, must read the very same catalog.
"""

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Max

from demo_project.catalog import caching
from demo_project.catalog.generator import (
    CATEGORIES,
    DEFAULT_SEED,
    DEMO_PASSWORD,
    DEMO_USERS,
    ORIGIN,
    TAGS,
    CatalogSize,
    generate_catalog,
)
from demo_project.catalog.models import Category, Item, Review, Tag
from demo_project.catalog.selectors import category_list_cached

pytestmark = pytest.mark.django_db

User = get_user_model()
# Password hashes are salted at random, so they differ between runs by design; the
# snapshot leaves them out, and a test below checks that the password itself works.
USER_FIELDS = ("id", "username", "email", "is_staff", "is_superuser", "is_active", "date_joined")


def rows(model, *fields) -> list[tuple]:
    return list(model.objects.order_by("pk").values_list(*fields))


def snapshot() -> dict[str, list[tuple]]:
    """Every generated row, with its id and timestamps, in id order."""
    every = [field.attname for field in Item._meta.concrete_fields]
    return {
        "users": rows(User, *USER_FIELDS),
        "categories": rows(Category, *[f.attname for f in Category._meta.concrete_fields]),
        "tags": rows(Tag, *[f.attname for f in Tag._meta.concrete_fields]),
        "items": rows(Item, *every),
        "item tags": sorted(Item.tags.through.objects.values_list("item_id", "tag_id")),
        "reviews": rows(Review, *[f.attname for f in Review._meta.concrete_fields]),
    }


def test_the_same_seed_gives_identical_rows_ids_and_timestamps(db):
    generate_catalog(items=200, seed=DEFAULT_SEED)
    first = snapshot()

    generate_catalog(items=200, seed=DEFAULT_SEED)

    assert snapshot() == first
    assert first["items"][0][0] == 1  # ids restart at 1 on every run


def test_ids_restart_at_one_after_rows_were_added_in_between(db, make_item):
    generate_catalog(items=5)
    first = snapshot()
    make_item(owner="alice")
    Review.objects.create(item=Item.objects.first(), author=None, rating=3)

    generate_catalog(items=5)

    assert snapshot() == first


def test_another_seed_gives_other_items_but_the_same_fixed_rows(db):
    generate_catalog(items=50, seed=DEFAULT_SEED)
    first = snapshot()

    generate_catalog(items=50, seed=DEFAULT_SEED + 1)
    other = snapshot()

    assert other["items"] != first["items"]
    assert other["reviews"] != first["reviews"]
    for fixed in ("users", "categories", "tags"):
        assert other[fixed] == first[fixed]


@pytest.mark.parametrize("items", [0, 10, 1_000])
def test_generate_catalog_loads_exactly_the_size_asked_for(db, items):
    size = generate_catalog(items=items)

    assert size == CatalogSize(
        users=len(DEMO_USERS),
        categories=len(CATEGORIES),
        tags=len(TAGS),
        items=items,
        reviews=Review.objects.count(),
    )
    assert Item.objects.count() == items
    assert User.objects.count() == len(DEMO_USERS)
    assert Category.objects.count() == len(CATEGORIES)
    assert Tag.objects.count() == len(TAGS)
    if items == 0:
        assert size.reviews == 0


def test_generate_catalog_replaces_the_previous_catalog(db):
    generate_catalog(items=30)

    generate_catalog(items=4)

    assert Item.objects.count() == 4
    assert Item.objects.aggregate(Max("pk"))["pk__max"] == 4


def test_timestamps_come_from_a_fixed_origin_not_the_clock(db):
    generate_catalog(items=20)

    for number, created in enumerate(rows(Item, "created_at")):
        assert created == (ORIGIN + timedelta(minutes=7 * number),)
    assert set(User.objects.values_list("date_joined", flat=True)) == {ORIGIN}
    assert set(Category.objects.values_list("created_at", flat=True)) == {ORIGIN}
    latest = ORIGIN + timedelta(minutes=7 * 19, days=len(DEMO_USERS))
    assert all(ORIGIN < created <= latest for (created,) in rows(Review, "created_at"))


@pytest.mark.parametrize("model", [Category, Item, Review], ids=lambda model: model.__name__)
def test_updated_at_is_pinned_to_created_at(db, model):
    generate_catalog(items=20)

    assert model.objects.exists()
    for created, updated in rows(model, "created_at", "updated_at"):
        assert updated == created


def test_reviews_respect_the_one_review_per_author_and_rating_rules(db):
    generate_catalog(items=200)

    pairs = rows(Review, "item_id", "author_id")
    assert len(pairs) == len(set(pairs))
    assert set(Review.objects.values_list("rating", flat=True)) <= {1, 2, 3, 4, 5}


def test_every_demo_user_logs_in_with_the_demo_password(db):
    generate_catalog(items=0)

    for username, is_staff in DEMO_USERS:
        account = authenticate(username=username, password=DEMO_PASSWORD)
        assert account is not None, username
        assert account.is_staff is is_staff


def test_generate_catalog_refuses_a_negative_size(db):
    with pytest.raises(ValueError, match="zero or more"):
        generate_catalog(items=-1)


def test_ten_thousand_items_load_in_batches_with_progress(db):
    calls = []

    size = generate_catalog(items=10_000, progress=lambda done, total: calls.append((done, total)))

    assert size.items == Item.objects.count() == 10_000
    assert calls == [(done, 10_000) for done in range(2_000, 10_001, 2_000)]
    assert Item.objects.order_by("-pk").first().name.endswith(" 10000")


def test_a_reseed_makes_cached_catalog_reads_stale_on_commit(
    db, django_capture_on_commit_callbacks
):
    generate_catalog(items=10)
    cached = category_list_cached()
    version = caching.catalog_version()

    with django_capture_on_commit_callbacks(execute=True):
        generate_catalog(items=40)

    assert caching.catalog_version() != version
    assert sum(row["item_count"] for row in cached) == 10
    assert sum(row["item_count"] for row in category_list_cached()) == 40


def test_seed_catalog_command_loads_the_catalog_and_names_the_password(db):
    out = StringIO()

    call_command("seed_catalog", items=12, seed=3, stdout=out)

    assert Item.objects.count() == 12
    assert DEMO_PASSWORD in out.getvalue()


def test_seed_catalog_command_refuses_a_size_out_of_range(db):
    with pytest.raises(CommandError, match="--items"):
        call_command("seed_catalog", items=-5, stdout=StringIO())
