"""Who reads inactive items: anonymous clients see active ones; owners their own; staff all.

The rule lives in ``selectors.visible_items`` and applies to the page list, the cursor
list and the detail; the write services use it too, so an inactive item that a user may
not read is a 404 to them there as well.
"""

from decimal import Decimal

import pytest

from demo_project.catalog import selectors
from demo_project.catalog.models import Item

ITEMS = "/api/v1/items/"
CURSOR = "/api/v1/items/cursor/"
JSON = "application/json"


@pytest.fixture
def hidden(catalog, make_item):
    """Alice's inactive item, beside the generated catalog."""
    return make_item(owner="alice", name="Hidden Lamp", is_active=False)


def listed(response) -> set[int]:
    assert response.status_code == 200, response.content[:300]
    body = response.json()
    return {row["id"] for row in body.get("items", body.get("results"))}


def expected(*, owner: str | None = None, staff: bool = False) -> set[int]:
    items = Item.objects.all()
    if not staff:
        items = items.filter(is_active=True) | items.filter(owner__username=owner)
    return set(items.values_list("id", flat=True))


@pytest.mark.parametrize("url", [ITEMS, CURSOR])
def test_anonymous_clients_list_active_items_only(api, hidden, url):
    ids = listed(api.get(url, {"page_size": 100}))

    assert hidden.pk not in ids
    assert ids == expected()
    assert Item.objects.filter(pk__in=ids, is_active=False).count() == 0


@pytest.mark.parametrize("url", [ITEMS, CURSOR])
def test_owners_list_their_own_inactive_items_and_not_others(api, auth, hidden, url):
    alice = listed(api.get(url, {"page_size": 100}, headers=auth("alice")))
    bob = listed(api.get(url, {"page_size": 100}, headers=auth("bob")))

    assert hidden.pk in alice and hidden.pk not in bob
    assert alice == expected(owner="alice")
    assert bob == expected(owner="bob")


@pytest.mark.parametrize("url", [ITEMS, CURSOR])
def test_staff_list_every_item(api, auth, hidden, url):
    ids = listed(api.get(url, {"page_size": 100}, headers=auth("admin")))

    assert hidden.pk in ids
    assert ids == expected(staff=True)


def test_anonymous_asking_for_inactive_items_gets_an_empty_list(api, hidden):
    response = api.get(ITEMS, {"is_active": "false"})

    assert listed(response) == set()
    assert response.json()["count"] == 0


def test_the_owner_asking_for_inactive_items_gets_their_own(api, auth, hidden):
    response = api.get(ITEMS, {"is_active": "false"}, headers=auth("alice"))

    own_inactive = Item.objects.filter(owner__username="alice", is_active=False)
    assert listed(response) == set(own_inactive.values_list("id", flat=True))
    assert hidden.pk in listed(response)


def test_an_inactive_items_detail_is_a_404_to_others(api, auth, hidden, expect_error):
    url = f"{ITEMS}{hidden.pk}"

    expect_error(api.get(url), 404, "not_found")
    expect_error(api.get(url, headers=auth("bob")), 404, "not_found")
    assert api.get(url, headers=auth("alice")).json()["name"] == "Hidden Lamp"
    assert api.get(url, headers=auth("admin")).json()["name"] == "Hidden Lamp"


def test_an_active_items_detail_is_readable_by_anyone(api, catalog):
    item = Item.objects.filter(is_active=True).order_by("id").first()

    assert api.get(f"{ITEMS}{item.pk}").json()["id"] == item.pk


def test_another_users_inactive_item_is_a_404_to_patch_and_delete(api, auth, hidden, expect_error):
    url = f"{ITEMS}{hidden.pk}"
    change = {"price": "1.00"}

    expect_error(api.patch(url, change, content_type=JSON, headers=auth("bob")), 404)
    expect_error(api.delete(url, headers=auth("bob")), 404)
    assert Item.objects.get(pk=hidden.pk).price == Decimal("10.00")
    assert api.patch(url, change, content_type=JSON, headers=auth("alice")).status_code == 200


def test_another_users_active_item_is_still_a_403_to_patch(api, auth, catalog, expect_error):
    item = Item.objects.filter(owner__username="alice", is_active=True).order_by("id").first()

    response = api.patch(
        f"{ITEMS}{item.pk}", {"name": "Mine"}, content_type=JSON, headers=auth("bob")
    )

    expect_error(response, 403)


def test_a_trusted_caller_without_a_user_reads_every_item(hidden):
    assert hidden.pk in {item.pk for item in selectors.item_list()}
    assert selectors.item_get(hidden.pk).pk == hidden.pk
