"""Signed tokens: issued for a user, honoured until they expire, refused in every other case."""

from datetime import UTC, datetime, timedelta

import jwt
import pytest

from demo_project.accounts.tests.bad_tokens import BAD_TOKENS
from demo_project.accounts.tokens import token_issue, token_user

pytestmark = pytest.mark.django_db


def test_token_issue_names_the_user_and_expires_after_the_lifetime(catalog, user, settings):
    now = datetime(2030, 1, 1, tzinfo=UTC)

    token = token_issue(user("alice"), now=now)

    payload = jwt.decode(token, options={"verify_signature": False})
    assert payload["sub"] == str(user("alice").pk)
    assert payload["iat"] == int(now.timestamp())
    assert payload["exp"] == int((now + settings.JWT_LIFETIME).timestamp())
    assert jwt.get_unverified_header(token)["alg"] == "HS256"


def test_token_user_returns_the_user_a_fresh_token_names(catalog, user):
    assert token_user(token_issue(user("alice"))) == user("alice")


def test_token_user_honours_a_token_until_its_expiry(catalog, user, settings):
    almost_expired = datetime.now(UTC) - settings.JWT_LIFETIME + timedelta(minutes=1)

    assert token_user(token_issue(user("alice"), now=almost_expired)) == user("alice")


def test_token_user_refuses_a_token_past_its_expiry(catalog, user, settings):
    expired = datetime.now(UTC) - settings.JWT_LIFETIME - timedelta(seconds=1)

    assert token_user(token_issue(user("alice"), now=expired)) is None


def test_token_user_follows_a_shorter_lifetime_from_settings(catalog, user, settings):
    settings.JWT_LIFETIME = timedelta(minutes=1)
    issued = datetime.now(UTC) - timedelta(minutes=2)

    assert token_user(token_issue(user("alice"), now=issued)) is None


@pytest.mark.parametrize("make_token", BAD_TOKENS.values(), ids=BAD_TOKENS.keys())
def test_token_user_refuses_a_bad_token(catalog, user, settings, make_token):
    assert token_user(make_token(user("alice"), settings)) is None


def test_token_user_refuses_a_token_of_a_deleted_user(catalog, user):
    token = token_issue(user("bob"))
    user("bob").delete()

    assert token_user(token) is None


def test_token_user_refuses_a_token_of_an_inactive_user(catalog, user):
    token = token_issue(user("bob"))
    type(user("bob")).objects.filter(username="bob").update(is_active=False)

    assert token_user(token) is None
