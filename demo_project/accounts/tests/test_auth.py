"""POST /api/v1/auth/token, and bearer auth on the endpoints that write."""

import json
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from demo_project.accounts.api import BAD_CREDENTIALS
from demo_project.accounts.auth import JWTAuth
from demo_project.accounts.tests.bad_tokens import BAD_TOKENS
from demo_project.accounts.tokens import token_issue
from demo_project.catalog.generator import DEMO_PASSWORD
from demo_project.catalog.models import Category, Item

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token"


def obtain(api, **body):
    return api.post(TOKEN, json.dumps(body), content_type="application/json")


def create_item(api, headers: dict):
    body = {"name": "Lamp", "price": "5.00", "category_id": Category.objects.first().pk}
    return api.post(
        "/api/v1/items/", json.dumps(body), content_type="application/json", headers=headers
    )


# The token endpoint


def test_token_endpoint_issues_a_bearer_token_for_the_right_password(api, catalog, user, settings):
    response = obtain(api, username="alice", password=DEMO_PASSWORD)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == settings.JWT_LIFETIME.total_seconds()
    payload = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert payload["sub"] == str(user("alice").pk)


def test_the_issued_token_authenticates_a_write(api, catalog):
    token = obtain(api, username="alice", password=DEMO_PASSWORD).json()["access_token"]

    response = create_item(api, {"Authorization": f"Bearer {token}"})

    assert response.status_code == 201
    assert response.json()["owner"] == "alice"


def test_token_endpoint_answers_401_for_a_wrong_password(api, catalog, expect_error):
    error = expect_error(obtain(api, username="alice", password="wrong"), 401, "not_authenticated")

    assert error["message"] == BAD_CREDENTIALS


def test_token_endpoint_answers_401_for_an_unknown_user(api, catalog, expect_error):
    error = expect_error(obtain(api, username="mallory", password=DEMO_PASSWORD), 401)

    assert error["message"] == BAD_CREDENTIALS


def test_token_endpoint_answers_401_for_an_inactive_user(api, catalog, user, expect_error):
    bob = user("bob")
    bob.is_active = False
    bob.save()

    expect_error(obtain(api, username="bob", password=DEMO_PASSWORD), 401, "not_authenticated")


@pytest.mark.parametrize(
    "body",
    [
        {"username": "alice"},
        {"password": DEMO_PASSWORD},
        {"username": "", "password": DEMO_PASSWORD},
        {"username": "alice", "password": ""},
        {"username": "a" * 151, "password": DEMO_PASSWORD},
        {"username": ["alice"], "password": DEMO_PASSWORD},
        {"username": "alice\x00", "password": DEMO_PASSWORD},  # PostgreSQL refuses NUL
        {"username": "alice", "password": "pass\x00word"},
    ],
)
def test_token_endpoint_answers_422_for_an_incomplete_body(api, catalog, expect_error, body):
    expect_error(obtain(api, **body), 422, "validation_error")


def test_token_endpoint_answers_400_for_a_body_that_is_not_json(api, catalog, expect_error):
    response = api.post(TOKEN, "{username: alice", content_type="application/json")

    expect_error(response, 400)


def test_token_endpoint_refuses_get_with_405(api, catalog, expect_error):
    expect_error(api.get(TOKEN), 405)


# Bearer auth on a write


@pytest.mark.parametrize("make_token", BAD_TOKENS.values(), ids=BAD_TOKENS.keys())
def test_a_write_with_a_bad_token_answers_401_and_writes_nothing(
    api, catalog, user, settings, expect_error, make_token
):
    before = Item.objects.count()
    token = make_token(user("alice"), settings)

    response = create_item(api, {"Authorization": f"Bearer {token}"})

    expect_error(response, 401, "invalid_token" if token else "not_authenticated")
    assert response["WWW-Authenticate"] == ('Bearer error="invalid_token"' if token else "Bearer")
    assert Item.objects.count() == before


@pytest.mark.parametrize(
    "header",
    ["", "Bearer", "Basic YWxpY2U6cGFzc3dvcmQ=", "Token abc", "Bearer a b"],
    ids=["empty", "scheme only", "basic", "other scheme", "two tokens"],
)
def test_a_write_with_a_malformed_authorization_header_answers_401(
    api, catalog, expect_error, header
):
    response = create_item(api, {"Authorization": header})

    error = expect_error(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert error["code"] == ("invalid_token" if header == "Bearer a b" else "not_authenticated")


def test_a_write_without_a_token_answers_401_saying_to_send_a_bearer_token(
    api, catalog, expect_error
):
    response = create_item(api, {})

    expect_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Bearer"


def test_a_token_of_a_deleted_user_answers_401(api, catalog, user, expect_error):
    token = token_issue(user("bob"))
    user("bob").delete()

    expect_error(create_item(api, {"Authorization": f"Bearer {token}"}), 401)


def test_a_token_of_an_inactive_user_answers_401(api, catalog, user, expect_error):
    token = token_issue(user("bob"))
    type(user("bob")).objects.filter(username="bob").update(is_active=False)

    expect_error(create_item(api, {"Authorization": f"Bearer {token}"}), 401)


def test_the_api_honours_a_token_until_its_expiry(api, catalog, user, settings, expect_error):
    now = datetime.now(UTC)
    fresh = token_issue(user("alice"), now=now - settings.JWT_LIFETIME + timedelta(minutes=1))
    stale = token_issue(user("alice"), now=now - settings.JWT_LIFETIME - timedelta(minutes=1))

    assert create_item(api, {"Authorization": f"Bearer {fresh}"}).status_code == 201
    expect_error(create_item(api, {"Authorization": f"Bearer {stale}"}), 401)


def test_jwt_auth_puts_the_user_on_the_request(catalog, user, rf):
    request = rf.post("/api/v1/items/")

    found = JWTAuth().authenticate(request, token_issue(user("carol")))

    assert found == user("carol")
    assert request.user == user("carol")


def test_jwt_auth_returns_none_for_a_bad_token(catalog, rf):
    assert JWTAuth().authenticate(rf.post("/api/v1/items/"), "nope") is None
