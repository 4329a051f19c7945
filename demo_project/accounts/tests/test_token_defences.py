"""The token endpoint as an attacker meets it: throttled, bound to the password, strict on sub."""

import json

import jwt
import pytest

from demo_project.accounts.tests.bad_tokens import claims
from demo_project.accounts.tokens import token_issue, token_user
from demo_project.catalog.generator import DEMO_PASSWORD
from demo_project.catalog.models import Category

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token"


def obtain(api, password: str, username: str = "alice", **headers):
    body = json.dumps({"username": username, "password": password})
    return api.post(TOKEN, body, content_type="application/json", headers=headers)


def create_item(api, token: str):
    body = {"name": "Lamp", "price": "5.00", "category_id": Category.objects.first().pk}
    return api.post(
        "/api/v1/items/",
        json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


# Brute force


def test_a_brute_force_run_is_throttled_before_the_right_password_works(
    api, catalog, settings, expect_error
):
    settings.TOKEN_THROTTLE_RATE = "5/min"
    wrong = [obtain(api, f"guess-{n}").status_code for n in range(5)]

    response = obtain(api, DEMO_PASSWORD)

    assert wrong == [401] * 5
    error = expect_error(response, 429, "throttled")
    assert 0 < int(response["Retry-After"]) <= 60
    assert response["Retry-After"] in error["message"]


def test_the_throttle_follows_the_default_rate_from_settings(api, catalog, settings):
    allowed = int(settings.TOKEN_THROTTLE_RATE.split("/")[0])

    statuses = [obtain(api, "wrong").status_code for _ in range(allowed + 1)]

    assert statuses == [401] * allowed + [429]


def test_a_forged_forwarded_for_header_does_not_reset_the_throttle(api, catalog, settings):
    settings.TOKEN_THROTTLE_RATE = "3/min"

    statuses = [
        obtain(api, "wrong", X_Forwarded_For=f"203.0.113.{n}").status_code for n in range(4)
    ]

    assert statuses == [401, 401, 401, 429]


def test_the_throttle_counts_in_the_configured_cache(api, catalog, settings):
    from django.core.cache import cache

    settings.TOKEN_THROTTLE_RATE = "2/min"
    obtain(api, "wrong")
    obtain(api, "wrong")
    cache.clear()  # what a restart of a shared cache would do

    assert obtain(api, DEMO_PASSWORD).status_code == 200


# Password change


def test_changing_the_password_revokes_the_tokens_issued_before(api, catalog, user, expect_error):
    alice = user("alice")
    token = obtain(api, DEMO_PASSWORD).json()["access_token"]
    assert create_item(api, token).status_code == 201

    alice.set_password("a-new-password-for-alice")
    alice.save()

    response = create_item(api, token)
    expect_error(response, 401, "invalid_token")
    assert response["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    fresh = obtain(api, "a-new-password-for-alice").json()["access_token"]
    assert create_item(api, fresh).status_code == 201


def test_a_token_of_another_user_keeps_working_after_a_password_change(catalog, user):
    token = token_issue(user("bob"))
    alice = user("alice")
    alice.set_password("a-new-password-for-alice")
    alice.save()

    assert token_user(token) == user("bob")


# The sub claim


@pytest.mark.parametrize(
    "sub", ["9" * 5000, "0", "-1", "1.0", " 1", "01", str(2**63), None, 1, ["1"]]
)
def test_a_signed_token_with_a_sub_that_is_not_an_id_answers_401(
    api, catalog, user, settings, expect_error, sub
):
    payload = claims(user("alice"), sub=sub)
    token = jwt.encode(payload, settings.JWT_SIGNING_KEY, algorithm="HS256")

    expect_error(create_item(api, token), 401, "invalid_token")


def test_a_signed_token_without_sub_answers_401(api, catalog, user, settings, expect_error):
    payload = claims(user("alice"))
    del payload["sub"]
    token = jwt.encode(payload, settings.JWT_SIGNING_KEY, algorithm="HS256")

    expect_error(create_item(api, token), 401, "invalid_token")


# WWW-Authenticate


def test_a_wrong_password_answers_401_with_www_authenticate(api, catalog, expect_error):
    response = obtain(api, "wrong")

    expect_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Bearer"


def test_the_signing_keys_are_two_and_neither_is_the_old_literal(settings):
    from demo_project.accounts.tests.bad_tokens import OLD_LITERAL_KEY

    assert settings.JWT_SIGNING_KEY != settings.SECRET_KEY
    assert OLD_LITERAL_KEY not in {settings.JWT_SIGNING_KEY, settings.SECRET_KEY}
