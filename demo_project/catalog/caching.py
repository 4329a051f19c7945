"""Cache-aside for catalog reads, with versioned keys and one computation per miss.

Every key embeds the catalog's current version, ``catalog:{version}:{name}``. A write
replaces the version with a new random token (``bump_catalog_version``), so one call
invalidates every derived entry, and a reader never sees a mix of old and new ones.

Why a random token and not a counter: a counter kept in the cache starts again when its
key is evicted, and the next process to count would read the entries written the first
time round (``catalog:1:...`` from before the writes). A token that was never used before
cannot name an old entry: after an eviction the worst case is one recomputation.

Why a lock: when an entry is missing, every concurrent reader would run the same query
(a cache stampede). ``cached()`` lets the one reader that takes the lock compute while the
others wait for its result. The lock is ``cache.add``, which is atomic on the local-memory
and Redis backends; on the file-based backend it is not, and a stampede there costs at
worst the computations it would have cost without it.

The version and the entries live in the configured cache, so invalidation reaches every
process that shares it: Redis, or the file-based default of ``manage.py`` (the server, the
admin, a shell and a worker on one machine). A notebook is one process, and its
local-memory cache is shared by everything in it.
"""

import secrets
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache

VERSION_KEY = "catalog:version"
LOCK_TIMEOUT = 10  # seconds: a lock whose holder died frees itself after this
LOCK_WAIT = 5.0  # seconds a reader waits for another's computation before doing its own
LOCK_POLL = 0.005  # seconds between looks at the cache while waiting
_MISSING = object()


def new_version() -> str:
    """Return a version token that no process has used before."""
    return secrets.token_hex(8)


def catalog_version() -> str:
    """Return the catalog's current cache version, starting a new one if there is none."""
    version = cache.get(VERSION_KEY)
    if version is None:
        version = new_version()
        if not cache.add(VERSION_KEY, version, timeout=None):
            # Another process started one first: use its version (or ours, if it is
            # already gone again; a token never seen before is always safe).
            version = cache.get(VERSION_KEY, version)
    return version


def bump_catalog_version() -> None:
    """Make every cached catalog read stale at once, in every process sharing the cache."""
    cache.set(VERSION_KEY, new_version(), timeout=None)


def catalog_etag(request, *args, **kwargs) -> str:
    """Return the ETag of a response computed from the catalog: its current version."""
    return catalog_version()


def catalog_key(name: str) -> str:
    """Return the cache key of ``name`` for the catalog's current version."""
    return f"catalog:{catalog_version()}:{name}"


def cached(name: str, compute: Callable[[], Any], timeout: int | None = None) -> Any:
    """Return ``compute()``, cached under ``name`` for the current catalog version."""
    return get_or_compute_once(
        catalog_key(name), compute, timeout or settings.CATALOG_CACHE_TIMEOUT
    )


def get_or_compute_once(key: str, compute: Callable[[], Any], timeout: int) -> Any:
    """Return the entry ``key``, or compute it: one caller computes, concurrent ones wait."""
    value = cache.get(key, _MISSING)
    if value is not _MISSING:
        return value
    lock = f"{key}:lock"
    if cache.add(lock, 1, timeout=LOCK_TIMEOUT):
        try:
            # Another caller may have stored it between our miss and our lock.
            value = cache.get(key, _MISSING)
            if value is _MISSING:
                value = compute()
                cache.set(key, value, timeout)
            return value
        finally:
            cache.delete(lock)
    deadline = time.monotonic() + LOCK_WAIT
    while True:
        # The lock first: its holder stores the value before it lets the lock go.
        released = not cache.has_key(lock)
        value = cache.get(key, _MISSING)
        if value is not _MISSING:
            return value
        # The computation failed, or took too long: answer rather than wait forever.
        if released or time.monotonic() >= deadline:
            return compute()
        time.sleep(LOCK_POLL)
