"""Who may change an item: its owner and staff; others get 403, anonymous callers 401."""

import json

import pytest
from django.contrib.auth.models import AnonymousUser

from demo_project.catalog.models import Item
from demo_project.catalog.services import NOT_THE_OWNER, user_can_edit_item

pytestmark = pytest.mark.django_db

SUCCESS = {"put": 200, "patch": 200, "delete": 204}


def write(api, method: str, item: Item, headers: dict):
    url = f"/api/v1/items/{item.pk}"
    if method == "delete":
        return api.delete(url, headers=headers)
    body = {"name": "Changed", "price": "1.00", "category_id": item.category_id}
    return getattr(api, method)(
        url, json.dumps(body), content_type="application/json", headers=headers
    )


@pytest.mark.parametrize("method", SUCCESS)
def test_the_owner_may_change_or_delete_an_item(api, catalog, auth, make_item, method):
    item = make_item(owner="alice")

    response = write(api, method, item, auth("alice"))

    assert response.status_code == SUCCESS[method]


@pytest.mark.parametrize("method", SUCCESS)
def test_staff_may_change_or_delete_anyones_item(api, catalog, auth, make_item, method):
    item = make_item(owner="alice")

    response = write(api, method, item, auth("admin"))

    assert response.status_code == SUCCESS[method]


@pytest.mark.parametrize("method", SUCCESS)
def test_another_user_gets_403_and_the_item_is_unchanged(
    api, catalog, auth, make_item, expect_error, method
):
    item = make_item(owner="alice")
    before = Item.objects.filter(pk=item.pk).values().get()

    response = write(api, method, item, auth("bob"))

    error = expect_error(response, 403, "permission_denied")
    assert error["message"] == NOT_THE_OWNER
    assert Item.objects.filter(pk=item.pk).values().get() == before


@pytest.mark.parametrize("method", SUCCESS)
def test_an_anonymous_caller_gets_401_and_the_item_is_unchanged(
    api, catalog, make_item, expect_error, method
):
    item = make_item(owner="alice")
    before = Item.objects.filter(pk=item.pk).values().get()

    response = write(api, method, item, {})

    expect_error(response, 401, "not_authenticated")
    assert Item.objects.filter(pk=item.pk).values().get() == before


@pytest.mark.parametrize("method", SUCCESS)
def test_another_user_gets_404_not_403_for_an_item_that_does_not_exist(
    api, catalog, auth, make_item, expect_error, method
):
    item = make_item(owner="alice")
    item_id = item.pk
    item.delete()
    item.pk = item_id

    expect_error(write(api, method, item, auth("bob")), 404, "not_found")


def test_user_can_edit_item_is_true_for_the_owner(catalog, user, make_item):
    assert user_can_edit_item(user("alice"), make_item(owner="alice"))


def test_user_can_edit_item_is_true_for_staff(catalog, user, make_item):
    assert user_can_edit_item(user("admin"), make_item(owner="alice"))


def test_user_can_edit_item_is_false_for_another_user(catalog, user, make_item):
    assert not user_can_edit_item(user("bob"), make_item(owner="alice"))


def test_user_can_edit_item_is_false_for_an_anonymous_user(catalog, make_item):
    assert not user_can_edit_item(AnonymousUser(), make_item(owner="alice"))
