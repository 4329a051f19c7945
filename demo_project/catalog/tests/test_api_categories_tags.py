"""GET /api/v1/categories/ (cached until the catalog changes) and GET /api/v1/tags/."""

import json

import pytest

from demo_project.catalog.models import Category, Item, Tag

pytestmark = pytest.mark.django_db

CATEGORIES = "/api/v1/categories/"
TAGS = "/api/v1/tags/"


def test_list_categories_returns_each_category_with_its_item_count(api, catalog):
    rows = api.get(CATEGORIES).json()

    assert [row["name"] for row in rows] == sorted(Category.objects.values_list("name", flat=True))
    assert set(rows[0]) == {"id", "name", "slug", "item_count"}
    for row in rows:
        assert row["item_count"] == Item.objects.filter(category_id=row["id"]).count()


def test_list_categories_is_served_from_the_cache_the_second_time(
    api, catalog, django_assert_num_queries
):
    with django_assert_num_queries(1):
        first = api.get(CATEGORIES).json()
    with django_assert_num_queries(0):
        second = api.get(CATEGORIES).json()

    assert second == first


def test_list_categories_shows_a_new_item_once_the_write_commits(
    api, catalog, auth, announced, django_capture_on_commit_callbacks
):
    kitchen = Category.objects.get(slug="kitchen")
    before = {row["slug"]: row["item_count"] for row in api.get(CATEGORIES).json()}
    body = {"name": "Pan", "price": "9.00", "category_id": kitchen.pk}

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/v1/items/", json.dumps(body), content_type="application/json", headers=auth("bob")
        )
    after = {row["slug"]: row["item_count"] for row in api.get(CATEGORIES).json()}

    assert response.status_code == 201
    assert after["kitchen"] == before["kitchen"] + 1
    assert announced == [response.json()["id"]]


def test_list_categories_shows_a_deletion_once_the_write_commits(
    api, catalog, auth, django_capture_on_commit_callbacks
):
    item = Item.objects.order_by("pk").first()
    slug = item.category.slug
    before = {row["slug"]: row["item_count"] for row in api.get(CATEGORIES).json()}

    with django_capture_on_commit_callbacks(execute=True):
        api.delete(f"/api/v1/items/{item.pk}", headers=auth("admin"))
    after = {row["slug"]: row["item_count"] for row in api.get(CATEGORIES).json()}

    assert after[slug] == before[slug] - 1


def test_list_categories_answers_an_empty_list_for_an_empty_catalog(api, db):
    assert api.get(CATEGORIES).json() == []


def test_list_tags_returns_every_tag_by_name(api, catalog):
    rows = api.get(TAGS).json()

    assert [row["name"] for row in rows] == sorted(Tag.objects.values_list("name", flat=True))
    assert set(rows[0]) == {"id", "name", "slug"}
    assert len(rows) == 12


@pytest.mark.parametrize("url", [CATEGORIES, TAGS])
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_read_only_lists_refuse_writes_with_405(api, catalog, expect_error, method, url):
    response = getattr(api, method)(url)

    expect_error(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET"
