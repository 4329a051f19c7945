"""The catalog's cache: versioned keys, eviction, one computation per miss."""

import threading
import time

import pytest
from django.core.cache import cache

from demo_project.catalog import caching
from demo_project.catalog.selectors import category_list_cached

THREADS = 8


def books_count() -> int:
    return {row["name"]: row["item_count"] for row in category_list_cached()}["Books"]


def category(name: str):
    from demo_project.catalog.models import Category

    return Category.objects.get(name=name)


# Versions


def test_catalog_version_stays_the_same_until_a_bump():
    assert caching.catalog_version() == caching.catalog_version()


def test_each_bump_gives_a_version_never_seen_before():
    versions = [caching.catalog_version()]
    for _ in range(5):
        caching.bump_catalog_version()
        versions.append(caching.catalog_version())

    assert len(set(versions)) == len(versions)


def test_an_evicted_version_starts_a_new_one_rather_than_an_old_one():
    seen = [caching.catalog_version()]
    caching.bump_catalog_version()
    seen.append(caching.catalog_version())

    cache.delete(caching.VERSION_KEY)  # evicted: culled, expired, or the cache restarted

    assert caching.catalog_version() not in seen


def test_an_evicted_version_never_serves_entries_cached_before_a_write(catalog, make_item):
    cache.clear()  # a server starting on an empty cache
    before = books_count()  # cached under the first version
    make_item(category=category("Books"))
    caching.bump_catalog_version()  # what the item's commit does
    assert books_count() == before + 1  # cached under the second version

    cache.delete(caching.VERSION_KEY)

    assert books_count() == before + 1, "the count cached before the write came back"


# cached()


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

    assert cache.get(f"catalog:{caching.catalog_version()}:answer") == 42


@pytest.mark.parametrize("name", ["categories", "anything"])
def test_cached_keeps_names_apart(name):
    caching.cached(name, lambda: name)

    assert caching.cached(name, lambda: "other") == name


def test_cached_stores_an_empty_result_too():
    calls = []

    def compute():
        calls.append(1)
        return []

    caching.cached("empty", compute)
    caching.cached("empty", compute)

    assert calls == [1]


# The stampede: concurrent readers of one missing entry


@pytest.fixture
def atomic_cache(settings):
    """A cache whose ``add`` is atomic between threads: Redis when configured, else memory."""
    if not settings.CACHES["default"]["BACKEND"].endswith("RedisCache"):
        backend = "django.core.cache.backends.locmem.LocMemCache"
        settings.CACHES = {"default": {"BACKEND": backend, "LOCATION": "stampede-tests"}}
    cache.clear()
    yield cache
    cache.clear()


def read_concurrently(read, threads: int = THREADS) -> list:
    """Start ``threads`` threads at once, each calling ``read()``; return their results."""
    start = threading.Barrier(threads)
    results = [None] * threads

    def reader(index):
        start.wait()
        results[index] = read()

    workers = [threading.Thread(target=reader, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return results


def slow_compute(calls: list, value="rows", seconds: float = 0.2):
    def compute():
        calls.append(1)
        time.sleep(seconds)  # an expensive query: long enough for every reader to miss
        return value

    return compute


def test_concurrent_cold_reads_compute_once(atomic_cache):
    calls = []

    results = read_concurrently(lambda: caching.cached("slow", slow_compute(calls)))

    assert results == ["rows"] * THREADS
    assert len(calls) == 1, f"{len(calls)} of {THREADS} readers recomputed the entry"


def test_get_or_set_alone_lets_every_concurrent_reader_compute(atomic_cache):
    calls = []

    read_concurrently(lambda: cache.get_or_set("slow", slow_compute(calls), timeout=60))

    assert len(calls) > 1  # the stampede that cached() prevents


def test_a_reader_computes_itself_when_the_lock_holder_takes_too_long(atomic_cache, monkeypatch):
    monkeypatch.setattr(caching, "LOCK_WAIT", 0.05)
    key = caching.catalog_key("stuck")
    cache.add(f"{key}:lock", 1, timeout=60)  # held by a process that never finishes

    assert caching.cached("stuck", lambda: "computed here") == "computed here"


def test_a_failed_computation_frees_the_lock_for_the_next_reader(atomic_cache):
    def fail():
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        caching.cached("flaky", fail)

    assert not cache.has_key(f"{caching.catalog_key('flaky')}:lock")
    assert caching.cached("flaky", lambda: "recovered") == "recovered"
