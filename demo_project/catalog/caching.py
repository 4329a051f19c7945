"""Cache-aside for catalog reads, with versioned keys.

Every key embeds the catalog's current version; a write bumps the version, so every key
written before it is simply never read again (and expires on its own). One call
invalidates all derived data, and a reader can never see a mix of old and new keys.
"""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache

VERSION_KEY = "catalog:version"


def catalog_version() -> int:
    """Return the catalog's current cache version, starting it at 1."""
    cache.add(VERSION_KEY, 1, timeout=None)
    return cache.get(VERSION_KEY, 1)


def bump_catalog_version() -> None:
    """Make every cached catalog read stale at once."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # the key was evicted: start again above any old version
        cache.set(VERSION_KEY, 2, timeout=None)


def cached(name: str, compute: Callable[[], Any], timeout: int | None = None) -> Any:
    """Return ``compute()``, cached under ``name`` for the current catalog version."""
    key = f"catalog:v{catalog_version()}:{name}"
    return cache.get_or_set(key, compute, timeout or settings.CATALOG_CACHE_TIMEOUT)
