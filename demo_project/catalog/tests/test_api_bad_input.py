"""Bad input to the catalog's endpoints: always a 4xx with the one error body, never a 500.

The client is built with ``raise_request_exception=False``, so a server error would show
up here as a 500 status rather than as an exception from inside the view.
"""

import json
from base64 import b64encode

import pytest

from demo_project.catalog.models import Category, Item, Tag
from demo_project.pagination import INVALID_CURSOR

pytestmark = pytest.mark.django_db

ITEMS = "/api/v1/items/"
CURSOR = "/api/v1/items/cursor/"
TOO_BIG_ID = 2**63  # one past the largest BigAutoField id


def cursor_of(query: str) -> str:
    """Encode a cursor the way Ninja does: base64 of a query string."""
    return b64encode(query.encode()).decode()


def valid_body(**fields) -> dict:
    body = {"name": "Brass Lamp", "price": "12.00", "category_id": Category.objects.first().pk}
    return body | fields


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page=0", "page"),
        ("page=-3", "page"),
        ("page=abc", "page"),
        ("page=1000000000000", "page"),
        (f"page={10**30}", "page"),
        ("page_size=0", "page_size"),
        ("page_size=-1", "page_size"),
        ("page_size=101", "page_size"),
        ("page_size=1000000", "page_size"),
        ("ordering=view_count", "ordering"),
        ("ordering=-id", "ordering"),
        ("category=0", "category"),
        (f"category={TOO_BIG_ID}", "category"),
        (f"category={10**20}", "category"),
        ("category=books", "category"),
        ("min_price=-1", "min_price"),
        ("min_price=nan", "min_price"),
        ("max_price=inf", "max_price"),
        ("max_price=1e400", "max_price"),
        ("max_price=12345678901", "max_price"),
        ("is_active=maybe", "is_active"),
        ("search=" + "x" * 101, "search"),
        ("search=a%00b", "search"),  # PostgreSQL cannot compare text holding NUL
        ("tag=eco%00", "tag"),
    ],
)
def test_list_items_answers_422_for_a_bad_query_parameter(api, catalog, expect_error, query, field):
    error = expect_error(api.get(f"{ITEMS}?{query}"), 422, "validation_error")

    assert error["details"][0]["loc"] == ["query", field]


@pytest.mark.parametrize(
    "cursor",
    [
        pytest.param("!!!not-base64!!!", id="not base64"),
        pytest.param("YWJ", id="bad padding"),
        pytest.param(cursor_of("p=not-a-date"), id="position not a date"),
        pytest.param(cursor_of("p=2024-02-30 00:00:00+00:00"), id="impossible date"),
        pytest.param(cursor_of("p=2024-01-01"), id="date without time zone"),
        pytest.param(cursor_of("p=2024-01-01 00:07:00"), id="date-time without time zone"),
        pytest.param(cursor_of("p=2024-01-01T00:00:00%2B99:00"), id="offset out of range"),
        pytest.param(cursor_of("o=-1"), id="negative offset"),
        pytest.param(cursor_of("o=99999999999999"), id="huge offset"),
        pytest.param(cursor_of("r=perhaps"), id="reverse not a boolean"),
        pytest.param(b64encode("p=é".encode()).decode(), id="not ascii"),
        pytest.param("x" * 201, id="too long"),
    ],
)
def test_cursor_list_answers_422_for_a_cursor_it_did_not_issue(api, catalog, expect_error, cursor):
    error = expect_error(api.get(CURSOR, {"cursor": cursor}), 422, "validation_error")

    assert error["details"][0]["loc"] == ["query", "cursor"]


def test_cursor_list_names_a_forged_cursor_in_the_message(api, catalog, expect_error):
    error = expect_error(api.get(CURSOR, {"cursor": cursor_of("p=x")}), 422)

    assert error["details"][0]["msg"] == INVALID_CURSOR


@pytest.mark.parametrize("query", ["page_size=0", "page_size=101", "page_size=-5"])
def test_cursor_list_answers_422_for_a_bad_page_size(api, catalog, expect_error, query):
    expect_error(api.get(f"{CURSOR}?{query}"), 422, "validation_error")


@pytest.mark.parametrize("item_id", ["abc", "1.5", "0", "-1", str(TOO_BIG_ID), str(2**64)])
@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_item_endpoints_answer_422_for_an_id_that_is_not_a_valid_id(
    api, catalog, auth, expect_error, method, item_id
):
    body = json.dumps(valid_body()) if method in {"put", "patch"} else None
    kwargs = {"content_type": "application/json", "data": body} if body else {}

    response = getattr(api, method)(f"{ITEMS}{item_id}", headers=auth("admin"), **kwargs)

    error = expect_error(response, 422, "validation_error")
    assert error["details"][0]["loc"] == ["path", "item_id"]


def test_unknown_api_path_answers_404_with_the_error_body(api, expect_error):
    error = expect_error(api.get("/api/v1/no-such-thing/"), 404, "not_found")

    assert "/api/v1/no-such-thing/" in error["message"]


# Bodies of POST (create)

BAD_BODIES = {
    "negative price": ({"price": "-0.01"}, "price"),
    "price with too many digits": ({"price": "123456789.00"}, "price"),
    "price with three decimals": ({"price": "1.001"}, "price"),
    "price not a number": ({"price": "cheap"}, "price"),
    "price NaN": ({"price": "NaN"}, "price"),
    "price Infinity": ({"price": "Infinity"}, "price"),
    "blank name": ({"name": "   "}, "name"),
    "empty name": ({"name": ""}, "name"),
    "name too long": ({"name": "x" * 201}, "name"),
    "NUL in the name": ({"name": "Lamp\x00"}, "name"),
    "NUL in the description": ({"description": "a\x00b"}, "description"),
    "null name": ({"name": None}, "name"),
    "category id zero": ({"category_id": 0}, "category_id"),
    "category id too big": ({"category_id": TOO_BIG_ID}, "category_id"),
    "tag id too big": ({"tag_ids": [TOO_BIG_ID]}, "tag_ids"),
    "tag id zero": ({"tag_ids": [0]}, "tag_ids"),
    "too many tags": ({"tag_ids": list(range(1, 22))}, "tag_ids"),
    "tags not a list": ({"tag_ids": "1,2"}, "tag_ids"),
}


@pytest.mark.parametrize(("fields", "field"), BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_create_item_answers_422_for_an_invalid_field(
    api, catalog, auth, expect_error, fields, field
):
    before = Item.objects.count()

    response = api.post(
        ITEMS,
        json.dumps(valid_body(**fields)),
        content_type="application/json",
        headers=auth("bob"),
    )

    error = expect_error(response, 422, "validation_error")
    assert error["details"][0]["loc"][:3] == ["body", "data", field]
    assert Item.objects.count() == before


@pytest.mark.parametrize("missing", ["name", "price", "category_id"])
def test_create_item_answers_422_when_a_required_field_is_missing(
    api, catalog, auth, expect_error, missing
):
    body = valid_body()
    del body[missing]

    response = api.post(
        ITEMS, json.dumps(body), content_type="application/json", headers=auth("bob")
    )

    error = expect_error(response, 422, "validation_error")
    assert error["details"][0]["loc"][-1] == missing
    assert error["details"][0]["type"] == "missing"


@pytest.mark.parametrize("raw", ["{bad json", '{"name": "x",}', "\x00", "[1, 2"])
def test_create_item_answers_400_for_a_body_that_is_not_json(api, catalog, auth, expect_error, raw):
    response = api.post(ITEMS, raw, content_type="application/json", headers=auth("bob"))

    expect_error(response, 400)


@pytest.mark.parametrize("raw", ["", "[]", "null", '"a string"', "42"])
def test_create_item_answers_422_for_json_that_is_not_an_object(
    api, catalog, auth, expect_error, raw
):
    response = api.post(ITEMS, raw, content_type="application/json", headers=auth("bob"))

    expect_error(response, 422, "validation_error")


def test_create_item_answers_422_for_an_unknown_category(api, catalog, auth, expect_error):
    before = Item.objects.count()
    body = valid_body(category_id=Category.objects.order_by("-pk").first().pk + 1)

    response = api.post(
        ITEMS, json.dumps(body), content_type="application/json", headers=auth("bob")
    )

    error = expect_error(response, 422, "unknown_reference")
    assert error["details"][0]["loc"] == ["body", "category_id"]
    assert Item.objects.count() == before


def test_create_item_answers_422_for_unknown_tag_ids(api, catalog, auth, expect_error):
    before = Item.objects.count(), Item.tags.through.objects.count()
    known = Tag.objects.order_by("pk").first().pk
    unknown = Tag.objects.order_by("-pk").first().pk + 1

    response = api.post(
        ITEMS,
        json.dumps(valid_body(tag_ids=[known, unknown])),
        content_type="application/json",
        headers=auth("bob"),
    )

    error = expect_error(response, 422, "unknown_reference")
    assert error["details"][0]["loc"] == ["body", "tag_ids"]
    assert (Item.objects.count(), Item.tags.through.objects.count()) == before


# Bodies of PATCH (partial update)

BAD_PATCHES = {
    "null name": {"name": None},
    "null description": {"description": None},
    "null price": {"price": None},
    "null active flag": {"is_active": None},
    "null category": {"category_id": None},
    "null tags": {"tag_ids": None},
    "blank name": {"name": "  "},
    "NUL in the name": {"name": "a\x00b"},
    "NUL in the description": {"description": "\x00"},
    "negative price": {"price": "-1"},
    "price with too many digits": {"price": "99999999999"},
    "tag id too big": {"tag_ids": [TOO_BIG_ID]},
    "category id too big": {"category_id": TOO_BIG_ID},
}


@pytest.mark.parametrize("patch", BAD_PATCHES.values(), ids=BAD_PATCHES.keys())
def test_patch_answers_422_and_changes_nothing_for_an_invalid_field(
    api, catalog, auth, make_item, expect_error, patch
):
    item = make_item(owner="alice", description="Old.")
    before = Item.objects.filter(pk=item.pk).values().get()

    response = api.patch(
        f"{ITEMS}{item.pk}",
        json.dumps(patch),
        content_type="application/json",
        headers=auth("alice"),
    )

    error = expect_error(response, 422, "validation_error")
    assert error["details"][0]["loc"][:3] == ["body", "data", next(iter(patch))]
    assert Item.objects.filter(pk=item.pk).values().get() == before


def test_patch_strips_the_name_like_create_does(api, catalog, auth, make_item):
    item = make_item(owner="alice")

    response = api.patch(
        f"{ITEMS}{item.pk}",
        json.dumps({"name": "  Padded  "}),
        content_type="application/json",
        headers=auth("alice"),
    )

    assert response.json()["name"] == "Padded"


def test_patch_answers_422_for_a_price_over_the_cap(api, catalog, auth, make_item, expect_error):
    item = make_item(owner="alice")

    response = api.patch(
        f"{ITEMS}{item.pk}",
        json.dumps({"price": "10000.01"}),
        content_type="application/json",
        headers=auth("alice"),
    )

    expect_error(response, 422, "business_rule")
    item.refresh_from_db()
    assert str(item.price) == "10.00"
