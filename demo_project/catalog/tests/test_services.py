"""The catalog's services: business rules, one transaction each, side effects on commit."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser

from demo_project.catalog import caching, services, tasks
from demo_project.catalog.models import Category, Item, Review, Tag
from demo_project.catalog.services import (
    NOT_THE_OWNER,
    UNKNOWN_CATEGORY,
    UNKNOWN_TAGS,
    item_create,
    item_delete,
    item_take_stock,
    item_update,
)
from demo_project.errors import (
    ApplicationError,
    BusinessRuleViolation,
    Conflict,
    NotFound,
    PermissionDenied,
)

pytestmark = pytest.mark.django_db


def rows() -> dict[str, int]:
    """Count the rows a write to the catalog can touch."""
    return {
        "items": Item.objects.count(),
        "item tags": Item.tags.through.objects.count(),
        "reviews": Review.objects.count(),
    }


def tag_ids(*slugs: str) -> list[int]:
    return list(Tag.objects.filter(slug__in=slugs).order_by("slug").values_list("pk", flat=True))


def unknown_tag_id() -> int:
    return Tag.objects.order_by("-pk").first().pk + 1


@pytest.fixture
def kitchen(catalog) -> Category:
    return Category.objects.get(slug="kitchen")


def create(owner, category: Category, **fields) -> Item:
    fields.setdefault("name", "Tea Tin")
    fields.setdefault("price", Decimal("4.00"))
    return item_create(owner=owner, category_id=category.pk, **fields)


# item_create


def test_item_create_saves_the_item_with_its_owner_and_tags(user, kitchen):
    item = create(user("alice"), kitchen, tag_ids=tag_ids("eco", "gift"), description="Tin.")

    saved = Item.objects.get(pk=item.pk)
    assert saved.owner.username == "alice"
    assert saved.category == kitchen
    assert saved.description == "Tin."
    assert sorted(saved.tags.values_list("slug", flat=True)) == ["eco", "gift"]


def test_item_create_refuses_an_anonymous_owner(kitchen):
    before = rows()

    with pytest.raises(PermissionDenied):
        create(AnonymousUser(), kitchen)

    assert rows() == before


def test_item_create_refuses_a_price_over_the_cap_with_a_422(user, kitchen, settings):
    before = rows()

    with pytest.raises(BusinessRuleViolation) as caught:
        create(user("alice"), kitchen, price=Decimal(settings.CATALOG_PRICE_CAP) + Decimal("0.01"))

    assert caught.value.status == 422
    assert caught.value.details[0]["loc"] == ["body", "price"]
    assert rows() == before


def test_item_create_reads_the_price_cap_from_settings(user, kitchen, settings):
    settings.CATALOG_PRICE_CAP = "5.00"

    create(user("alice"), kitchen, price=Decimal("5.00"))
    with pytest.raises(BusinessRuleViolation, match=r"5\.00"):
        create(user("alice"), kitchen, price=Decimal("5.01"))


def test_item_create_refuses_an_unknown_category_and_writes_nothing(user, catalog):
    before = rows()
    unknown = Category(pk=Category.objects.order_by("-pk").first().pk + 1)

    with pytest.raises(ApplicationError, match=UNKNOWN_CATEGORY):
        create(user("alice"), unknown)

    assert rows() == before


def test_item_create_rolls_back_the_item_when_a_tag_id_is_unknown(user, kitchen):
    before = rows()

    with pytest.raises(ApplicationError, match=UNKNOWN_TAGS):
        create(user("alice"), kitchen, tag_ids=[*tag_ids("eco"), unknown_tag_id()])

    assert rows() == before
    assert not Item.objects.filter(name="Tea Tin").exists()


def test_item_create_queues_its_side_effects_until_the_commit(
    user, kitchen, announced, django_capture_on_commit_callbacks
):
    version = caching.catalog_version()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        item = create(user("alice"), kitchen)

    assert len(callbacks) == 2  # the item's post_save bumps the version; the announcement
    assert announced == []
    assert caching.catalog_version() == version
    for callback in callbacks:  # what the commit would do
        callback()
    assert announced == [item.pk]
    assert tasks.announced_items() == ["Tea Tin"]
    assert caching.catalog_version() != version


def test_item_create_that_fails_queues_no_side_effects(
    user, kitchen, announced, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(ApplicationError),
    ):
        create(user("alice"), kitchen, tag_ids=[unknown_tag_id()])

    assert callbacks == []
    assert announced == []


# item_update


def test_item_update_changes_the_fields_given(catalog, user, make_item):
    item = make_item(owner="alice", description="Old.")

    item_update(item_id=item.pk, user=user("alice"), data={"name": "New", "price": Decimal("2")})

    item.refresh_from_db()
    assert (item.name, item.price, item.description) == ("New", Decimal("2.00"), "Old.")


def test_item_update_replaces_the_tags_when_given_and_keeps_them_otherwise(
    catalog, user, make_item
):
    item = make_item(owner="alice", tags=Tag.objects.filter(slug="eco"))

    item_update(item_id=item.pk, user=user("alice"), data={"name": "Same tags"})
    assert list(item.tags.values_list("slug", flat=True)) == ["eco"]

    item_update(item_id=item.pk, user=user("alice"), data={"tag_ids": tag_ids("sale")})
    assert list(item.tags.values_list("slug", flat=True)) == ["sale"]


def test_item_update_rolls_back_the_fields_when_a_tag_id_is_unknown(catalog, user, make_item):
    item = make_item(owner="alice", tags=Tag.objects.filter(slug="eco"))
    data = {"name": "Half written", "tag_ids": [unknown_tag_id()]}

    with pytest.raises(ApplicationError, match=UNKNOWN_TAGS):
        item_update(item_id=item.pk, user=user("alice"), data=data)

    item.refresh_from_db()
    assert item.name == "Test Lamp"
    assert list(item.tags.values_list("slug", flat=True)) == ["eco"]


def test_item_update_that_fails_after_changing_the_tags_rolls_the_tags_back(
    catalog, user, make_item, monkeypatch
):
    item = make_item(owner="alice", tags=Tag.objects.filter(slug="eco"))
    before = rows()

    def fail(*args, **kwargs):
        raise RuntimeError("the last step of the service failed")

    monkeypatch.setattr(services, "_after_write", fail)  # runs after tags.set()
    with pytest.raises(RuntimeError):
        item_update(
            item_id=item.pk,
            user=user("alice"),
            data={"name": "Half written", "tag_ids": tag_ids("gift", "sale")},
        )

    item.refresh_from_db()
    assert item.name == "Test Lamp"
    assert list(item.tags.values_list("slug", flat=True)) == ["eco"]
    assert rows() == before


def test_item_update_refuses_a_price_over_the_cap_and_changes_nothing(user, make_item, catalog):
    item = make_item(owner="alice")

    with pytest.raises(BusinessRuleViolation):
        item_update(
            item_id=item.pk, user=user("alice"), data={"name": "X", "price": Decimal("10000.01")}
        )

    item.refresh_from_db()
    assert (item.name, item.price) == ("Test Lamp", Decimal("10.00"))


def test_item_update_moves_the_item_to_another_category(user, make_item, catalog):
    item = make_item(owner="alice")
    garden = Category.objects.get(slug="garden")

    item_update(item_id=item.pk, user=user("alice"), data={"category_id": garden.pk})

    item.refresh_from_db()
    assert item.category == garden


def test_item_update_refuses_another_user(user, make_item, catalog):
    item = make_item(owner="alice")

    with pytest.raises(PermissionDenied, match=NOT_THE_OWNER):
        item_update(item_id=item.pk, user=user("bob"), data={"name": "Mine now"})


def test_item_update_raises_not_found_for_an_unknown_id(user, catalog):
    with pytest.raises(NotFound):
        item_update(item_id=10_000, user=user("admin"), data={"name": "Ghost"})


def test_item_update_bumps_the_cache_version_on_commit(
    user, make_item, catalog, django_capture_on_commit_callbacks
):
    item = make_item(owner="alice")
    version = caching.catalog_version()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        item_update(item_id=item.pk, user=user("alice"), data={"name": "Renamed"})

    assert len(callbacks) == 1  # the item's post_save bumps the version
    assert caching.catalog_version() != version


def test_item_update_queues_no_announcement(
    user, make_item, catalog, announced, django_capture_on_commit_callbacks
):
    item = make_item(owner="alice")

    with django_capture_on_commit_callbacks(execute=True):
        item_update(item_id=item.pk, user=user("alice"), data={"name": "Renamed"})

    assert announced == []


# item_delete


def test_item_delete_removes_the_item_and_its_reviews(user, catalog):
    item = Item.objects.filter(reviews__isnull=False).order_by("pk").first()
    reviews = item.reviews.count()
    before = rows()

    item_delete(item_id=item.pk, user=user("admin"))

    assert not Item.objects.filter(pk=item.pk).exists()
    assert rows()["reviews"] == before["reviews"] - reviews
    assert rows()["items"] == before["items"] - 1


def test_item_delete_refuses_another_user_and_deletes_nothing(user, make_item, catalog):
    item = make_item(owner="alice")
    before = rows()

    with pytest.raises(PermissionDenied):
        item_delete(item_id=item.pk, user=user("bob"))

    assert rows() == before


def test_item_delete_bumps_the_cache_version_on_commit(
    user, make_item, catalog, django_capture_on_commit_callbacks
):
    item = make_item(owner="alice")
    version = caching.catalog_version()

    with django_capture_on_commit_callbacks(execute=True):
        item_delete(item_id=item.pk, user=user("alice"))

    assert caching.catalog_version() != version


# item_take_stock


def test_item_take_stock_returns_what_is_left(make_item, catalog):
    item = make_item(stock=5)

    assert item_take_stock(item_id=item.pk, quantity=2) == 3
    item.refresh_from_db()
    assert item.stock == 3


def test_item_take_stock_refuses_more_than_is_left_with_a_409(make_item, catalog):
    item = make_item(stock=1)

    with pytest.raises(Conflict, match="1 left") as caught:
        item_take_stock(item_id=item.pk, quantity=2)

    assert caught.value.status == 409
    item.refresh_from_db()
    assert item.stock == 1


def test_item_take_stock_refuses_a_quantity_below_one(make_item, catalog):
    item = make_item(stock=1)

    with pytest.raises(ApplicationError):
        item_take_stock(item_id=item.pk, quantity=0)


def test_item_take_stock_raises_not_found_for_an_unknown_id(catalog):
    with pytest.raises(NotFound):
        item_take_stock(item_id=10_000)
