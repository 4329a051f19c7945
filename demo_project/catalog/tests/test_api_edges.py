"""What Django answers before the API runs keeps the one error body, with DEBUG on and off.

Every request goes through ``django.test.Client``, which runs the middleware and the URL
resolver as a server does.
"""

import json

import pytest

from demo_project.catalog import selectors
from demo_project.errors import JSON_ONLY, NOT_AN_OBJECT, NOT_JSON

pytestmark = pytest.mark.django_db

ITEMS = "/api/v1/items/"
JSON = "application/json"
PASSWORD_IN_URL = "s3cret-db-password"


@pytest.fixture(params=[False, True], ids=["DEBUG off", "DEBUG on"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


@pytest.fixture
def item_url(catalog, make_item):
    return f"{ITEMS}{make_item(owner='alice').pk}"


def test_an_unknown_path_under_the_api_answers_404_with_the_error_body(api, debug, expect_error):
    error = expect_error(api.get("/api/v1/no-such-thing/"), 404, "not_found")

    assert error["message"] == "No endpoint at /api/v1/no-such-thing/."


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE"])
def test_a_path_without_its_trailing_slash_answers_404_naming_the_right_one(
    api, catalog, auth, debug, expect_error, method
):
    response = api.generic(method, "/api/v1/items", "{}", content_type=JSON, headers=auth("alice"))

    error = expect_error(response, 404, "not_found")
    assert error["message"] == "No endpoint at /api/v1/items; did you mean /api/v1/items/?"


def test_a_path_with_a_trailing_slash_too_many_names_the_right_one(
    api, item_url, debug, expect_error
):
    error = expect_error(api.get(f"{item_url}/"), 404, "not_found")

    assert error["message"].endswith(f"did you mean {item_url}?")


def test_a_server_error_under_debug_shows_no_setting_and_no_password(
    api, catalog, settings, debug, monkeypatch
):
    settings.DATABASE_URL = f"postgres://workbook:{PASSWORD_IN_URL}@db.example.com/workbook"

    def broken():
        raise RuntimeError("a bug")

    monkeypatch.setattr(selectors, "tag_list", broken)
    response = api.get("/api/v1/tags/")

    assert response.status_code == 500
    assert response.json()["error"]["code"] == "server_error"
    assert PASSWORD_IN_URL.encode() not in response.content
    assert b"DATABASE_URL" not in response.content


def test_the_debug_page_outside_the_api_hides_urls_with_passwords(settings, rf):
    from django.views.debug import technical_500_response

    settings.DEBUG = True
    settings.DATABASE_URL = f"postgres://workbook:{PASSWORD_IN_URL}@db.example.com/workbook"
    try:
        raise RuntimeError("a bug")
    except RuntimeError as error:
        page = technical_500_response(rf.get("/admin/"), type(error), error, error.__traceback__)

    assert b"DATABASE_URL" in page.content
    assert PASSWORD_IN_URL.encode() not in page.content


def test_a_method_the_path_does_not_have_answers_405_listing_head(
    api, catalog, debug, expect_error
):
    response = api.delete("/api/v1/tags/")

    expect_error(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET, HEAD"


@pytest.mark.parametrize("path", [ITEMS, "/api/v1/items/cursor/", "/api/v1/tags/"])
def test_head_answers_like_get_without_a_body(api, catalog, debug, path):
    get, head = api.get(path), api.head(path)

    assert (head.status_code, head["Content-Type"]) == (200, get["Content-Type"])
    assert head.content == b""


def test_head_of_an_unknown_item_answers_404_like_get(api, catalog, debug):
    assert api.head(f"{ITEMS}999999").status_code == 404


def test_a_body_over_the_limit_answers_413(api, catalog, auth, settings, debug, expect_error):
    body = json.dumps({"name": "x" * (10 * 1024 * 1024)})

    response = api.post(ITEMS, body, content_type=JSON, headers=auth("alice"))

    error = expect_error(response, 413, "payload_too_large")
    assert str(settings.DATA_UPLOAD_MAX_MEMORY_SIZE) in error["message"]


def test_a_body_over_the_limit_on_the_token_endpoint_answers_413(api, catalog, debug, expect_error):
    body = json.dumps({"username": "alice", "password": "x" * (10 * 1024 * 1024)})

    expect_error(api.post("/api/v1/auth/token", body, content_type=JSON), 413)


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "", "application/jsonp"],
    ids=["text/plain", "form", "none", "jsonp"],
)
def test_json_sent_as_another_media_type_answers_415_and_creates_nothing(
    api, catalog, auth, debug, expect_error, content_type
):
    from demo_project.catalog.models import Item

    before = Item.objects.count()
    body = json.dumps({"name": "Lamp", "price": "5.00", "category_id": 1})

    response = api.generic("POST", ITEMS, body, content_type=content_type, headers=auth("alice"))

    error = expect_error(response, 415, "unsupported_media_type")
    assert error["message"] == JSON_ONLY
    assert Item.objects.count() == before


def test_json_with_a_charset_or_a_json_suffix_is_accepted(api, catalog, auth):
    body = json.dumps({"name": "Lamp", "price": "5.00", "category_id": 1})
    for content_type in ("application/json; charset=utf-8", "application/merge-patch+json"):
        response = api.post(ITEMS, body, content_type=content_type, headers=auth("alice"))
        assert response.status_code == 201, (content_type, response.content)


@pytest.mark.parametrize("body", ["[]", "null", "1", "true", '"name"', '[{"name": "x"}]'])
def test_a_patch_whose_body_is_not_a_json_object_answers_422_and_changes_nothing(
    api, item_url, auth, debug, expect_error, body
):
    before = api.get(item_url).json()

    response = api.patch(item_url, body, content_type=JSON, headers=auth("alice"))

    error = expect_error(response, 422, "validation_error")
    assert error["details"] == [{"loc": ["body"], "msg": NOT_AN_OBJECT, "type": "dict_type"}]
    assert api.get(item_url).json() == before


@pytest.mark.parametrize("body", ["{", "{'name': 'x'}", "\xff"])
def test_a_body_that_is_not_json_answers_400(api, item_url, auth, debug, expect_error, body):
    response = api.patch(item_url, body, content_type=JSON, headers=auth("alice"))

    assert expect_error(response, 400, "malformed_json")["message"] == NOT_JSON


def test_an_empty_price_range_answers_422(api, catalog, debug, expect_error):
    response = api.get(ITEMS, {"min_price": "100", "max_price": "10"})

    error = expect_error(response, 422, "validation_error")
    assert "min_price must not be greater than max_price" in error["details"][0]["msg"]


def test_a_price_range_of_one_price_is_not_empty(api, catalog):
    assert api.get(ITEMS, {"min_price": "10.00", "max_price": "10"}).status_code == 200


def test_a_host_the_server_does_not_serve_answers_400_with_the_error_body(
    api, catalog, debug, expect_error
):
    expect_error(api.get("/api/v1/tags/", headers={"Host": "evil.example.com"}), 400)


def test_outside_the_api_django_keeps_its_own_pages(api, db, settings):
    settings.DEBUG = False
    response = api.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    "change",
    [{"is_active": 0}, {"is_active": "yes"}, {"category_id": "1"}, {"category_id": 1.0}],
    ids=["0 for false", "yes for true", "id as text", "id as float"],
)
def test_a_body_value_of_another_json_type_answers_422(api, catalog, auth, expect_error, change):
    body = {"name": "Lamp", "price": "5.00", "category_id": 1} | change

    response = api.post(ITEMS, json.dumps(body), content_type=JSON, headers=auth("alice"))

    expect_error(response, 422, "validation_error")
