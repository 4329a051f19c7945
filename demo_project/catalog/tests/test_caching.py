"""Versioned cache keys: one bump makes every cached catalog read stale."""

import pytest
from django.core.cache import cache

from demo_project.catalog import caching


def test_catalog_version_starts_at_one():
    assert caching.catalog_version() == 1


def test_bump_catalog_version_adds_one():
    caching.catalog_version()

    caching.bump_catalog_version()
    caching.bump_catalog_version()

    assert caching.catalog_version() == 3


def test_bump_catalog_version_restarts_above_any_old_version_after_eviction():
    caching.catalog_version()
    cache.delete(caching.VERSION_KEY)

    caching.bump_catalog_version()

    assert caching.catalog_version() == 2


def test_cached_computes_once_per_version():
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    assert caching.cached("answer", compute) == 1
    assert caching.cached("answer", compute) == 1
    caching.bump_catalog_version()
    assert caching.cached("answer", compute) == 2
    assert len(calls) == 2


def test_cached_keys_embed_the_version():
    caching.cached("answer", lambda: 42)

    assert cache.get(f"catalog:v{caching.catalog_version()}:answer") == 42


@pytest.mark.parametrize("name", ["categories", "anything"])
def test_cached_keeps_names_apart(name):
    caching.cached(name, lambda: name)

    assert caching.cached(name, lambda: "other") == name
