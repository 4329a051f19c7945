"""The item endpoints through HTTP: /api/v1/items/, /items/cursor/ and /items/{id}."""

import json
import warnings
from decimal import Decimal

import pytest

from demo_project.catalog.models import Item, Tag
from demo_project.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE

pytestmark = pytest.mark.django_db

ITEMS = "/api/v1/items/"
CURSOR = "/api/v1/items/cursor/"
ITEM_FIELDS = {
    "id",
    "name",
    "description",
    "price",
    "is_active",
    "category_id",
    "category",
    "owner",
    "tags",
    "review_count",
    "average_rating",
    "created_at",
    "updated_at",
}


def item_url(item_id: int) -> str:
    return f"{ITEMS}{item_id}"


def send(client, method: str, url: str, body: dict, headers: dict):
    return getattr(client, method)(
        url, json.dumps(body), content_type="application/json", headers=headers
    )


def new_item_body(**fields) -> dict:
    from demo_project.catalog.models import Category

    body = {
        "name": "Copper Kettle",
        "description": "Whistles.",
        "price": "24.50",
        "category_id": Category.objects.get(slug="kitchen").pk,
        "tag_ids": list(Tag.objects.filter(slug__in=["eco", "gift"]).values_list("pk", flat=True)),
    }
    return body | fields


# List


def test_list_items_returns_the_first_page_newest_first_with_the_total(api, catalog):
    response = api.get(ITEMS)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 10
    assert set(body["items"][0]) == ITEM_FIELDS
    expected = list(Item.objects.order_by("-created_at", "-id").values_list("id", flat=True))
    assert [item["id"] for item in body["items"]] == expected


def test_list_items_serializes_relations_and_review_statistics(api, catalog):
    item = Item.objects.filter(reviews__isnull=False).order_by("id").first()
    ratings = list(item.reviews.values_list("rating", flat=True))

    (shown,) = [row for row in api.get(ITEMS).json()["items"] if row["id"] == item.pk]

    assert shown["category"] == item.category.name
    assert shown["category_id"] == item.category_id
    assert shown["owner"] == item.owner.username
    assert shown["tags"] == sorted(item.tags.values_list("name", flat=True))
    assert shown["review_count"] == len(ratings)
    assert shown["average_rating"] == round(sum(ratings) / len(ratings), 2)


def test_list_items_shows_prices_as_exact_decimal_strings(api, catalog):
    for row in api.get(ITEMS).json()["items"]:
        assert isinstance(row["price"], str)
        assert Decimal(row["price"]) == Item.objects.get(pk=row["id"]).price


def test_list_items_pages_with_page_and_page_size(api, catalog):
    first = api.get(ITEMS, {"page": 1, "page_size": 4}).json()
    third = api.get(ITEMS, {"page": 3, "page_size": 4}).json()

    assert len(first["items"]) == 4
    assert len(third["items"]) == 2
    assert first["count"] == third["count"] == 10


def test_list_items_uses_the_default_page_size(api, seed):
    seed(items=DEFAULT_PAGE_SIZE + 5)

    assert len(api.get(ITEMS).json()["items"]) == DEFAULT_PAGE_SIZE


@pytest.mark.parametrize("page", [99, MAX_PAGE])
def test_list_items_answers_a_page_past_the_end_with_no_items(api, catalog, page):
    body = api.get(ITEMS, {"page": page}).json()

    assert body == {"items": [], "count": 10}


@pytest.mark.parametrize(
    ("ordering", "key", "reverse"),
    [
        ("name", lambda row: (row["name"], row["id"]), False),
        ("-name", lambda row: (row["name"], row["id"]), True),
        ("price", lambda row: (Decimal(row["price"]), row["id"]), False),
        ("-price", lambda row: (Decimal(row["price"]), row["id"]), True),
        ("created_at", lambda row: (row["created_at"], row["id"]), False),
        ("-created_at", lambda row: (row["created_at"], row["id"]), True),
    ],
)
def test_list_items_orders_by_the_ordering_parameter(api, catalog, ordering, key, reverse):
    rows = api.get(ITEMS, {"ordering": ordering}).json()["items"]

    assert rows == sorted(rows, key=key, reverse=reverse)


def test_list_items_filters_by_category(api, catalog):
    category_id = Item.objects.order_by("id").first().category_id

    rows = api.get(ITEMS, {"category": category_id}).json()["items"]

    assert rows
    assert {row["category_id"] for row in rows} == {category_id}
    assert len(rows) == Item.objects.filter(category_id=category_id).count()


def test_list_items_filters_by_tag_slug(api, catalog):
    tag = Tag.objects.filter(items__isnull=False).order_by("slug").first()

    rows = api.get(ITEMS, {"tag": tag.slug}).json()["items"]

    assert rows
    assert all(tag.name in row["tags"] for row in rows)
    assert len(rows) == tag.items.count()


def test_list_items_filters_by_a_price_range(api, catalog):
    rows = api.get(ITEMS, {"min_price": "100", "max_price": "500.50"}).json()["items"]

    assert all(Decimal("100") <= Decimal(row["price"]) <= Decimal("500.50") for row in rows)
    assert len(rows) == Item.objects.filter(price__gte=100, price__lte=Decimal("500.50")).count()


def test_list_items_searches_name_and_description_case_insensitively(api, catalog):
    word = Item.objects.order_by("id").first().name.split()[1]  # a noun, e.g. "Drum"

    rows = api.get(ITEMS, {"search": word.upper()}).json()["items"]

    assert rows
    assert all(word.lower() in (row["name"] + row["description"]).lower() for row in rows)


def test_list_items_filters_by_active_flag(api, auth, catalog):
    rows = api.get(ITEMS, {"is_active": "false"}, headers=auth("admin")).json()["items"]

    inactive = Item.objects.filter(is_active=False).order_by("-created_at", "-id")
    assert [row["id"] for row in rows] == list(inactive.values_list("id", flat=True))


def test_list_items_answers_a_token_that_is_not_valid_with_401(api, catalog, expect_error):
    response = api.get(ITEMS, headers={"Authorization": "Bearer not-a-token"})

    expect_error(response, 401)


# Cursor


def test_cursor_list_returns_a_page_and_a_next_link(api, catalog):
    body = api.get(CURSOR, {"page_size": 3}).json()

    assert set(body) == {"previous", "next", "results"}
    assert body["previous"] is None
    assert body["next"].startswith("http://testserver/api/v1/items/cursor/?cursor=")
    expected = list(Item.objects.order_by("-created_at", "-id").values_list("id", flat=True)[:3])
    assert [row["id"] for row in body["results"]] == expected


def test_cursor_list_walks_every_item_once_in_order(api, catalog):
    seen, url = [], f"{CURSOR}?page_size=3"
    while url:
        body = api.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]

    assert seen == list(Item.objects.order_by("-created_at", "-id").values_list("id", flat=True))


def test_cursor_list_previous_link_goes_back_to_the_first_page(api, catalog):
    first = api.get(CURSOR, {"page_size": 3}).json()
    second = api.get(first["next"]).json()

    back = api.get(second["previous"]).json()

    assert [row["id"] for row in back["results"]] == [row["id"] for row in first["results"]]


# Detail


def test_get_item_returns_one_item(api, catalog):
    item = Item.objects.order_by("id").first()

    response = api.get(item_url(item.pk))

    assert response.status_code == 200
    assert response.json()["id"] == item.pk
    assert response.json()["name"] == item.name
    assert set(response.json()) == ITEM_FIELDS


def test_get_item_answers_404_for_an_unknown_id(api, catalog, expect_error):
    error = expect_error(api.get(item_url(10_000)), 404, "not_found")

    assert error["message"] == "Item not found."


# Create


def test_create_item_answers_201_with_the_item_owned_by_the_caller(api, catalog, auth):
    response = send(api, "post", ITEMS, new_item_body(), auth("alice"))

    assert response.status_code == 201
    body = response.json()
    assert body["owner"] == "alice"
    assert body["name"] == "Copper Kettle"
    assert body["price"] == "24.50"
    assert body["category"] == "Kitchen"
    assert body["tags"] == ["eco", "gift"]
    assert body["review_count"] == 0
    assert body["average_rating"] is None
    assert Item.objects.get(pk=body["id"]).owner.username == "alice"


def test_create_item_strips_the_name(api, catalog, auth):
    response = send(api, "post", ITEMS, new_item_body(name="  Kettle  "), auth("alice"))

    assert response.json()["name"] == "Kettle"


def test_create_item_accepts_a_price_at_the_cap(api, catalog, auth, settings):
    body = new_item_body(price=settings.CATALOG_PRICE_CAP)

    response = send(api, "post", ITEMS, body, auth("alice"))

    assert response.status_code == 201
    assert Decimal(response.json()["price"]) == Decimal(settings.CATALOG_PRICE_CAP)


def test_create_item_ignores_repeated_tag_ids(api, catalog, auth):
    tag = Tag.objects.get(slug="eco")

    response = send(api, "post", ITEMS, new_item_body(tag_ids=[tag.pk, tag.pk]), auth("alice"))

    assert response.status_code == 201
    assert response.json()["tags"] == ["eco"]


def test_create_item_answers_422_for_a_price_over_the_cap(api, catalog, auth, expect_error):
    before = Item.objects.count()

    response = send(api, "post", ITEMS, new_item_body(price="10000.01"), auth("alice"))

    error = expect_error(response, 422, "business_rule")
    assert error["details"][0]["loc"] == ["body", "price"]
    assert Item.objects.count() == before


def test_create_item_answers_401_without_a_token(api, catalog, expect_error):
    before = Item.objects.count()

    response = send(api, "post", ITEMS, new_item_body(), {})

    expect_error(response, 401, "not_authenticated")
    assert Item.objects.count() == before


# Replace, update, delete


def test_put_replaces_every_field_and_clears_left_out_tags(api, catalog, auth, make_item):
    item = make_item(owner="alice", tags=list(Tag.objects.all()[:2]))
    body = new_item_body(name="Renamed", price="3.00", tag_ids=[])
    del body["description"]

    response = send(api, "put", item_url(item.pk), body, auth("alice"))

    assert response.status_code == 200
    assert response.json()["name"] == "Renamed"
    assert response.json()["description"] == ""
    assert response.json()["tags"] == []
    item.refresh_from_db()
    assert item.price == Decimal("3.00")
    assert item.category.slug == "kitchen"


def test_patch_changes_only_the_fields_sent(api, catalog, auth, make_item):
    item = make_item(owner="alice", description="Keep me.", price=Decimal("5.00"))

    response = send(api, "patch", item_url(item.pk), {"price": "6.25"}, auth("alice"))

    assert response.status_code == 200
    assert response.json()["price"] == "6.25"
    assert response.json()["description"] == "Keep me."
    assert response.json()["name"] == item.name


def test_patch_with_an_empty_body_changes_nothing(api, catalog, auth, make_item):
    item = make_item(owner="alice")

    response = send(api, "patch", item_url(item.pk), {}, auth("alice"))

    assert response.status_code == 200
    assert response.json()["name"] == item.name


def test_patch_replaces_the_tags(api, catalog, auth, make_item):
    item = make_item(owner="alice", tags=[Tag.objects.get(slug="eco")])
    sale = Tag.objects.get(slug="sale")

    response = send(api, "patch", item_url(item.pk), {"tag_ids": [sale.pk]}, auth("alice"))

    assert response.json()["tags"] == ["sale"]


def test_patch_moves_the_item_to_another_category(api, catalog, auth, make_item):
    item = make_item(owner="alice")
    garden = item.category.__class__.objects.get(slug="garden")

    response = send(api, "patch", item_url(item.pk), {"category_id": garden.pk}, auth("alice"))

    assert response.json()["category"] == "Garden"


def test_delete_answers_204_with_no_body_and_the_item_is_gone(api, catalog, auth, make_item):
    item = make_item(owner="alice")

    response = api.delete(item_url(item.pk), headers=auth("alice"))

    assert response.status_code == 204
    assert response.content == b""
    assert not Item.objects.filter(pk=item.pk).exists()


def test_delete_twice_answers_404_the_second_time(api, catalog, auth, make_item, expect_error):
    item = make_item(owner="alice")
    api.delete(item_url(item.pk), headers=auth("alice"))

    expect_error(api.delete(item_url(item.pk), headers=auth("alice")), 404, "not_found")


def test_create_and_delete_emit_no_deprecation_warning(api, catalog, auth):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        created = send(api, "post", ITEMS, new_item_body(), auth("alice"))
        api.delete(item_url(created.json()["id"]), headers=auth("alice"))

    assert [str(w.message) for w in caught if issubclass(w.category, DeprecationWarning)] == []
