# ruff: noqa: E501  (wrong answers are kept one to a line)
"""Lesson 06's visible checks fail every answer that breaks one of its stated requirements.

Each wrong answer below breaks one requirement of its exercise's text; the learner's own
check (not only the grader's hidden one) must say so, naming that requirement. The
reference answers pass.
"""

from __future__ import annotations

import hashlib
import re
import time
from pathlib import Path

import nbformat
import pytest
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Q
from django.views.decorators.cache import cache_control
from django.views.decorators.http import condition
from ninja.decorators import decorate_view

from demo_project.catalog.models import Category, Item, Tag
from demo_project.lab import checks
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


def fails(exercise_id: str, lab, *answers, requirement: str) -> str:
    """The failure's text; it must name ``requirement`` of the exercise."""
    with pytest.raises(CheckFailed) as failure:
        run_check(exercise_id, lab, *answers)
    stated = EXERCISES[exercise_id].requirements[requirement].text
    assert failure.value.requirement == stated, failure.value.text()
    return failure.value.text()


BROKEN: dict[str, set[str]] = {}  # the requirements each exercise's wrong answers break


def breaking(exercise_id: str, cases: list[tuple]) -> list:
    """Parametrize ``cases``, whose second-to-last field is the requirement each breaks."""
    BROKEN.setdefault(exercise_id, set()).update(case[-2] for case in cases)
    return cases


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
    ("write", "requirement", "message"),
    breaking(
        "6.2",
        [
            (set_active_eagerly, "on-commit", "was rolled back"),
            (set_active_without_invalidating, "fresh", "stale or wrong data"),
            (set_active_without_saving, "saved", "did not save is_active"),
        ],
    ),
    ids=["not-on-commit", "no-invalidation", "no-save"],
)
def test_6_2_visible_check_fails_each_broken_requirement(lab_kit, write, requirement, message):
    assert message in fails("6.2", lab_kit, counts_cached, write, requirement=requirement)


@pytest.fixture
def kernel(lab_kit, monkeypatch):
    """check() as a notebook calls it, on the test's catalog; outcomes start empty."""
    monkeypatch.setattr(checks, "booted_lab", lambda: lab_kit)
    monkeypatch.setattr(checks, "_OUTCOMES", {})
    return checks


def unanswered_6_1():
    raise NotImplementedError()


@pytest.mark.parametrize("read", [unanswered_6_1, counts_never_cached], ids=["stub", "uncached"])
def test_6_2_is_marked_on_its_own_answer_with_6_1s_reference_filled_in(kernel, capsys, read):
    namespace = {"category_counts_cached": read, "item_set_active": set_active_on_commit}
    kernel.check("6.2", namespace=namespace)
    out = capsys.readouterr().out
    assert out.startswith("✓ Exercise 6.2 passes"), out
    assert "It used the reference answer of 6.1 (category_counts_cached), not yours." in out
    assert namespace["category_counts_cached"] is read  # the learner's answer is back


def test_a_failure_of_6_2_says_which_earlier_answer_it_used(kernel):
    namespace = {"category_counts_cached": counts_cached, "item_set_active": set_active_eagerly}
    with pytest.raises(CheckFailed) as failure:
        kernel.check("6.2", namespace=namespace)
    assert "It used the reference answer of 6.1" in failure.value.text()


def counts_one_by_one() -> dict[str, int]:
    def counts():
        categories = Category.objects.order_by("name")
        return {c.name: c.items.filter(is_active=True).count() for c in categories}

    return cache.get_or_set(COUNTS_KEY, counts, timeout=300)


def test_a_budget_failure_of_a_cached_read_names_the_statement_that_repeated(lab_kit):
    message = fails("6.1", lab_kit, counts_one_by_one, requirement="cached")
    assert "the budget is 1 query" in message
    assert re.search(r"Hint: repeated \d+×: SELECT COUNT", message), message
    assert "annotate() it in the first query" in message


def counts_of_every_item() -> dict[str, int]:
    rows = Category.objects.annotate(active=Count("items")).order_by("name")
    return cache.get_or_set(COUNTS_KEY, lambda: {r.name: r.active for r in rows}, 300)


@pytest.mark.parametrize(
    ("read", "requirement", "message"),
    breaking(
        "6.1",
        [
            (counts_never_cached, "cached", "the budget is 0 queries"),
            (counts_of_every_item, "right", "wrong data"),
        ],
    ),
    ids=["not-cached", "counts-inactive-items"],
)
def test_6_1_visible_check_fails_each_broken_requirement(lab_kit, read, requirement, message):
    assert message in fails("6.1", lab_kit, read, requirement=requirement)


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


def names_unordered(category_id: int) -> list[str]:
    def names():
        items = Item.objects.filter(category_id=category_id, is_active=True)
        return list(items.order_by("-name").values_list("name", flat=True))

    return cache.get_or_set(names_key(category_id), names, timeout=300)


def move_without_saving(*, item_id, category_id):
    old = Item.objects.get(pk=item_id).category_id
    on_commit(old, category_id)


@pytest.mark.parametrize(
    ("read", "move", "requirement", "message"),
    breaking(
        "6.3",
        [
            (
                names_cached,
                mover(lambda o, n: transaction.on_commit(cache.clear)),
                "only",
                "which no move touched",
            ),
            (
                names_cached,
                mover(lambda o, n: cache.delete_many([names_key(o), names_key(n)])),
                "on-commit",
                "rolled back",
            ),
            (
                names_cached,
                mover(lambda o, n: transaction.on_commit(lambda: cache.delete(names_key(n)))),
                "both",
                "stale",
            ),
            (names_unordered, mover(on_commit), "cached", "wrong names"),
            (names_cached, move_without_saving, "saved", "did not save category_id"),
        ],
    ),
    ids=["clears-everything", "not-on-commit", "only-the-new-category", "unordered", "no-save"],
)
def test_6_3_visible_check_fails_each_broken_requirement(lab_kit, read, move, requirement, message):
    assert message in fails("6.3", lab_kit, read, move, requirement=requirement)


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
    ("etag", "with_http_caching", "requirement", "message"),
    breaking(
        "6.4",
        [
            (etag_from_count, caching_with(etag_from_count), "changes", "a tag was renamed"),
            (
                etag_in_two_queries,
                caching_with(etag_in_two_queries),
                "304",
                "the budget is 1 query",
            ),
            (etag_from_the_clock, caching_with(etag_from_the_clock), "stable", "different ETags"),
            (tags_etag, caching_with(tags_etag, max_age=60), "headers", "without no-cache"),
            (tags_etag, caching_with(etag_from_count), "headers", "not tags_etag's"),
        ],
    ),
    ids=["misses-renames", "two-queries", "unstable", "no-cache-missing", "other-etag"],
)
def test_6_4_visible_check_fails_each_broken_requirement(
    lab_kit, etag, with_http_caching, requirement, message
):
    assert message in fails("6.4", lab_kit, etag, with_http_caching, requirement=requirement)


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


def never_stores(key, compute, timeout=300):
    value = cache.get(key)
    return compute() if value is None else value


@pytest.mark.parametrize(
    ("answer", "requirement", "message"),
    breaking(
        "6.5",
        [
            (plain_get_or_set, "once", "ran the computation 8 times"),
            (always_computes, "hit", "with the entry in the cache"),
            (never_stores, "miss", "stored None"),
            (
                lambda key, compute, timeout=300: compute_once(
                    key, compute, timeout, release=False
                ),
                "released",
                "its lock was still held",
            ),
            (
                lambda key, compute, timeout=300: compute_once(key, compute, timeout, wait=30),
                "stuck",
                "waited forever",
            ),
        ],
    ),
    ids=["stampede", "ignores-hits", "never-stores", "lock-kept-on-failure", "waits-forever"],
)
def test_6_5_visible_check_fails_each_broken_requirement(lab_kit, answer, requirement, message):
    assert message in fails("6.5", lab_kit, answer, LOCK_WAIT, requirement=requirement)


def test_6_5_passes_a_right_answer_whose_waiters_give_up_before_a_fixed_sleep_would_end(lab_kit):
    """The stampede check waits on the readers, not on the clock: waiters that give up after
    0.1 s, half the old fixed sleep (a busy machine's pause, in effect) still see one computation."""
    impatient = lambda key, compute, timeout=300: compute_once(key, compute, timeout, wait=0.1)  # noqa: E731
    for _ in range(3):
        assert "1 computation" in run_check("6.5", lab_kit, impatient, LOCK_WAIT)


def test_6_5_leaves_the_cache_backend_as_it_found_it(lab_kit):
    from django.core.cache import caches

    backend = type(caches["default"])
    before = {name: backend.__dict__.get(name) for name in ("get", "get_many", "has_key", "add")}
    run_check("6.5", lab_kit, compute_once, LOCK_WAIT)
    assert {name: backend.__dict__.get(name) for name in before} == before


# Every requirement has a wrong answer above; every task states its requirements.

SOLUTION = Path(__file__).resolve().parent.parent / "solutions" / "06-caching.ipynb"


@pytest.mark.parametrize("exercise_id", ["6.1", "6.2", "6.3", "6.4", "6.5"])
def test_every_requirement_of_lesson_06_has_a_wrong_answer(exercise_id):
    assert set(EXERCISES[exercise_id].requirements) == BROKEN[exercise_id]


@pytest.mark.parametrize("exercise_id", ["6.1", "6.2", "6.3", "6.4", "6.5"])
def test_the_task_of_lesson_06_states_every_requirement(exercise_id):
    grade_id = f"ex{exercise_id.replace('.', '-')}-task"
    (task,) = [
        cell.source
        for cell in nbformat.read(SOLUTION, as_version=4).cells
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id
    ]
    for requirement in EXERCISES[exercise_id].requirements.values():
        assert f"- {requirement.text}\n" in task + "\n", requirement.text
