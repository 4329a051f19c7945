"""HTTP caching of GET /api/v1/categories/: an ETag, a 304 without a query, no-cache."""

import pytest
from django.core.cache import cache

from demo_project.catalog import caching
from demo_project.catalog.models import Category

pytestmark = pytest.mark.django_db
URL = "/api/v1/categories/"


def test_the_list_carries_an_etag_and_asks_clients_to_revalidate(catalog, api):
    response = api.get(URL)

    assert response.status_code == 200
    assert response["ETag"] == f'"{caching.catalog_version()}"'
    assert response["Cache-Control"] == "no-cache"


def test_a_matching_etag_gets_a_304_without_body_or_query(catalog, api, django_assert_num_queries):
    etag = api.get(URL)["ETag"]

    with django_assert_num_queries(0):
        response = api.get(URL, headers={"If-None-Match": etag})

    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag


def test_after_a_committed_write_the_old_etag_gets_the_new_list(
    catalog, api, django_capture_on_commit_callbacks
):
    etag = api.get(URL)["ETag"]
    with django_capture_on_commit_callbacks(execute=True):
        Category.objects.create(name="Lamps", slug="lamps")

    response = api.get(URL, headers={"If-None-Match": etag})

    assert response.status_code == 200
    assert response["ETag"] != etag
    assert "Lamps" in {row["name"] for row in response.json()}


def test_after_the_version_is_evicted_the_old_etag_no_longer_matches(catalog, api):
    etag = api.get(URL)["ETag"]
    cache.delete(caching.VERSION_KEY)

    assert api.get(URL, headers={"If-None-Match": etag}).status_code == 200
