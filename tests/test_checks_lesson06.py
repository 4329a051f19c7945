"""Lesson 06's visible checks fail every answer that breaks one of its stated requirements.

Each wrong answer below breaks one requirement of its exercise's text; the learner's own
check (not only the grader's hidden one) must say so. The reference answers pass.
"""

from __future__ import annotations

import hashlib
import time

import pytest
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Q
from django.views.decorators.cache import cache_control
from django.views.decorators.http import condition
from ninja.decorators import decorate_view

from demo_project.catalog.models import Category, Item, Tag
from demo_project.lab.checks.core import EXERCISES, CheckFailed, Context

# Real commits: the answers queue their invalidation with transaction.on_commit.
pytestmark = pytest.mark.django_db(transaction=True)

COUNTS_KEY = "exercises:category-counts"
LOCK_WAIT = 1.0


@pytest.fixture(autouse=True)
def _the_notebooks_cache(settings):
    """Run the checks on the cache a notebook has: boot() uses local memory, not files.

    The file-based default of ``manage.py`` makes ``cache.add`` a check then a write, so
    eight threads released together all win the stampede lock; local memory and Redis
    add atomically.
    """
    if settings.CACHES["default"]["BACKEND"].endswith("FileBasedCache"):
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": "lesson-06-checks",
            }
        }


def run_check(exercise_id: str, lab, *answers) -> str:
    return EXERCISES[exercise_id].run(Context(exercise_id, False, lab), *answers)


def fails(exercise_id: str, lab, *answers) -> str:
    with pytest.raises(CheckFailed) as failure:
        run_check(exercise_id, lab, *answers)
    return failure.value.text()


# 6.2 · Invalidation on write


def category_counts() -> dict[str, int]:
    rows = Category.objects.annotate(active=Count("items", filter=Q(items__is_active=True)))
    return {row.name: row.active for row in rows.order_by("name")}


def counts_cached() -> dict[str, int]:
    return cache.get_or_set(COUNTS_KEY, category_counts, timeout=300)


def set_active_on_commit(*, item_id, is_active):
    with transaction.atomic():
        Item.objects.filter(pk=item_id).update(is_active=is_active)
        transaction.on_commit(lambda: cache.delete(COUNTS_KEY))


def set_active_eagerly(*, item_id, is_active):
    with transaction.atomic():
        Item.objects.filter(pk=item_id).update(is_active=is_active)
        cache.delete(COUNTS_KEY)  # before the commit: a rollback leaves the cache wrong


def set_active_without_invalidating(*, item_id, is_active):
    Item.objects.filter(pk=item_id).update(is_active=is_active)


def set_active_without_saving(*, item_id, is_active):
    cache.delete(COUNTS_KEY)


def counts_never_cached() -> dict[str, int]:
    return category_counts()


def test_6_2_passes_the_reference_answer(lab_kit):
    assert "writes" in run_check("6.2", lab_kit, counts_cached, set_active_on_commit)


@pytest.mark.parametrize(
    ("read", "write", "message"),
    [
        (counts_cached, set_active_eagerly, "was rolled back"),
        (counts_cached, set_active_without_invalidating, "stale or wrong data"),
        (counts_cached, set_active_without_saving, "did not save is_active"),
        (counts_never_cached, set_active_on_commit, "expected at most 0"),
    ],
    ids=["not-on-commit", "no-invalidation", "no-save", "reads-not-cached"],
)
def test_6_2_visible_check_fails_each_broken_requirement(lab_kit, read, write, message):
    assert message in fails("6.2", lab_kit, read, write)


# 6.3 · Invalidate exactly what changed


def names_key(category_id: int) -> str:
    return f"exercises:category:{category_id}:names"


def names_cached(category_id: int) -> list[str]:
    def names():
        items = Item.objects.filter(category_id=category_id, is_active=True)
        return list(items.order_by("name", "id").values_list("name", flat=True))

    return cache.get_or_set(names_key(category_id), names, timeout=300)


def mover(invalidate):
    def item_move(*, item_id, category_id):
        with transaction.atomic():
            item = Item.objects.select_for_update().get(pk=item_id)
            old = item.category_id
            item.category_id = category_id
            item.save(update_fields=["category"])
            invalidate(old, category_id)

    return item_move


def on_commit(old, new):
    keys = [names_key(old), names_key(new)]
    transaction.on_commit(lambda: cache.delete_many(keys))


def test_6_3_passes_the_reference_answer(lab_kit):
    assert "moves" in run_check("6.3", lab_kit, names_cached, mover(on_commit))


@pytest.mark.parametrize(
    ("invalidate", "message"),
    [
        (lambda old, new: transaction.on_commit(cache.clear), "which no move touched"),
        (lambda old, new: cache.delete_many([names_key(old), names_key(new)]), "rolled back"),
        (lambda old, new: transaction.on_commit(lambda: cache.delete(names_key(new))), "stale"),
    ],
    ids=["clears-everything", "not-on-commit", "only-the-new-category"],
)
def test_6_3_visible_check_fails_each_broken_requirement(lab_kit, invalidate, message):
    assert message in fails("6.3", lab_kit, names_cached, mover(invalidate))


# 6.4 · An ETag for the tag list


def tags_etag(request) -> str:
    rows = Tag.objects.order_by("id").values_list("id", "name", "slug")
    return hashlib.sha256(repr(list(rows)).encode()).hexdigest()


def caching_with(etag_func, **control):
    control = control or {"no_cache": True}

    def with_http_caching(view):
        return decorate_view(condition(etag_func=etag_func), cache_control(**control))(view)

    return with_http_caching


def etag_from_count(request) -> str:
    return str(Tag.objects.count())


def etag_in_two_queries(request) -> str:
    return f"{Tag.objects.count()}-{tags_etag(request)}"


def etag_from_the_clock(request) -> str:
    return str(time.perf_counter_ns())


def test_6_4_passes_the_reference_answer(lab_kit):
    assert "304" in run_check("6.4", lab_kit, tags_etag, caching_with(tags_etag))


@pytest.mark.parametrize(
    ("etag", "with_http_caching", "message"),
    [
        (etag_from_count, caching_with(etag_from_count), "a tag was renamed"),
        (etag_in_two_queries, caching_with(etag_in_two_queries), "the budget is 1 query"),
        (etag_from_the_clock, caching_with(etag_from_the_clock), "different ETags"),
        (tags_etag, caching_with(tags_etag, max_age=60), "without no-cache"),
        (tags_etag, caching_with(etag_from_count), "not tags_etag's"),
    ],
    ids=["misses-renames", "two-queries", "unstable", "no-cache-missing", "other-etag"],
)
def test_6_4_visible_check_fails_each_broken_requirement(lab_kit, etag, with_http_caching, message):
    assert message in fails("6.4", lab_kit, etag, with_http_caching)


# 6.5 · One computation per miss


def compute_once(key, compute, timeout=300, *, release=True, wait=LOCK_WAIT):
    missing = object()
    value = cache.get(key, missing)
    if value is not missing:
        return value
    lock = f"{key}:lock"
    if cache.add(lock, 1, timeout=10):
        try:
            value = cache.get(key, missing)
            if value is missing:
                value = compute()
                cache.set(key, value, timeout)
        except BaseException:
            if release:
                cache.delete(lock)
            raise
        cache.delete(lock)
        return value
    deadline = time.monotonic() + wait
    while True:
        released = not cache.has_key(lock)
        value = cache.get(key, missing)
        if value is not missing:
            return value
        if released or time.monotonic() >= deadline:
            return compute()
        time.sleep(0.005)


def test_6_5_passes_the_reference_answer(lab_kit):
    assert "1 computation" in run_check("6.5", lab_kit, compute_once, LOCK_WAIT)


def plain_get_or_set(key, compute, timeout=300):
    return cache.get_or_set(key, compute, timeout)


def always_computes(key, compute, timeout=300):
    value = compute()
    cache.set(key, value, timeout)
    return value


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (plain_get_or_set, "ran the computation"),
        (always_computes, "with the entry in the cache"),
        (
            lambda key, compute, timeout=300: compute_once(key, compute, timeout, release=False),
            "its lock was still held",
        ),
        (
            lambda key, compute, timeout=300: compute_once(key, compute, timeout, wait=30),
            "waited forever",
        ),
    ],
    ids=["stampede", "ignores-hits", "lock-kept-on-failure", "waits-forever"],
)
def test_6_5_visible_check_fails_each_broken_requirement(lab_kit, answer, message):
    assert message in fails("6.5", lab_kit, answer, LOCK_WAIT)
