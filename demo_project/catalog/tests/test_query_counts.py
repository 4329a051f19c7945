"""Query-count guards: every list and detail endpoint costs the same at 10 and 1,000 items.

A count that grows with the data is an N+1 (a relation read per row); these tests fail
the moment a schema or selector change introduces one. The counting is Django's own
``CaptureQueriesContext``, the tool ``assertNumQueries`` and pytest-django's
``django_assert_num_queries`` are built on.
"""

import pytest
from django.db import connection, transaction
from django.test import Client, TestCase, override_settings
from django.test.utils import CaptureQueriesContext

from demo_project.catalog.generator import generate_catalog
from demo_project.catalog.models import Item

# The mark also tells pytest-django to create the test database that the module-scoped
# fixture below uses: without any marked test it would reach the development database.
pytestmark = pytest.mark.django_db

SIZES = (10, 1_000)
FAST_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"
FULL_PAGE = "item list, 100 a page"


def first_item_url(api) -> str:
    return f"/api/v1/items/{Item.objects.order_by('pk').values_list('pk', flat=True).first()}"


def second_cursor_page(api) -> str:
    return api.get("/api/v1/items/cursor/", {"page_size": 3}).json()["next"]


# name: (how to find the URL once the data is there, most queries allowed). A page is its
# count and one query for its items, which carries their tag names and review statistics.
ENDPOINTS = {
    "item list": (lambda api: "/api/v1/items/", 2),
    FULL_PAGE: (lambda api: "/api/v1/items/?page_size=100", 2),
    "item list, filtered": (lambda api: "/api/v1/items/?min_price=0&is_active=true", 2),
    "item list, by price": (lambda api: "/api/v1/items/?ordering=-price&page=2&page_size=5", 2),
    "item list by cursor": (lambda api: "/api/v1/items/cursor/", 1),
    "item list by cursor, next page": (second_cursor_page, 1),
    "item detail": (first_item_url, 1),
    "categories": (lambda api: "/api/v1/categories/", 1),
    "tags": (lambda api: "/api/v1/tags/", 1),
}


@pytest.fixture(scope="module")
def counts(django_db_setup, django_db_blocker) -> dict[str, dict[int, int]]:
    """Count one GET of each endpoint at each size: ``counts[name][size]``.

    Seeding 1,000 items takes a while, so the module seeds each size once, in a
    transaction it rolls back, and the tests below read the counts.
    """
    api = Client(raise_request_exception=False)
    counts: dict[str, dict[int, int]] = {name: {} for name in ENDPOINTS}
    # The autouse fixtures are function-scoped: set the fast hasher here too.
    fast_hasher = override_settings(PASSWORD_HASHERS=[FAST_HASHER])
    with django_db_blocker.unblock(), fast_hasher, transaction.atomic():
        for size in SIZES:
            # Run what the generator queues for its commit: cached reads go stale.
            with TestCase.captureOnCommitCallbacks(execute=True):
                generate_catalog(items=size)
            for name, (url_of, _) in ENDPOINTS.items():
                url = url_of(api)
                with CaptureQueriesContext(connection) as captured:
                    response = api.get(url)
                assert response.status_code == 200, (name, response.content[:300])
                counts[name][size] = len(captured)
        transaction.set_rollback(True)
    return counts


@pytest.mark.parametrize("name", ENDPOINTS)
def test_endpoint_issues_the_same_queries_at_10_and_1000_items(counts, name):
    assert counts[name][10] == counts[name][1_000], f"queries grew with the data: {counts[name]}"


@pytest.mark.parametrize("name", ENDPOINTS)
def test_endpoint_stays_within_its_query_budget(counts, name):
    budget = ENDPOINTS[name][1]

    assert max(counts[name].values()) <= budget, counts[name]


@pytest.mark.parametrize("items", SIZES)
def test_a_full_page_of_100_items_costs_2_queries(counts, items):
    assert counts[FULL_PAGE][items] == 2
