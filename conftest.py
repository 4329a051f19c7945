"""Fixtures shared by the demo project's tests."""

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fast_passwords_and_clean_cache(settings):
    # Django's testing docs: a fast hasher makes creating and logging in users cheap.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    yield
    cache.clear()
