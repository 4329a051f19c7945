"""The checks of lesson 06 (Caching) and their reference answers."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from functools import partial

from .core import Rollback, catalog, exercise, measure, queries, query_lines, short


def _category_counts() -> dict[str, int]:
    from django.db.models import Count, Q

    from demo_project.catalog.models import Category

    rows = Category.objects.annotate(
        active=Count("items", filter=Q(items__is_active=True))
    ).order_by("name")
    return {row.name: row.active for row in rows}


def _cached_read(ex, function, *args, budget, expected, label, context, hint):
    got, panel = measure(lambda: ex.call(function, *args))
    if got != expected:
        diff = (
            [
                f"{k}: expected {expected.get(k)}, got {got.get(k)}"
                for k in sorted(set(expected) | set(got or {}), key=str)
                if expected.get(k) != (got or {}).get(k)
            ]
            if isinstance(got, dict)
            else []
        )
        ex.fail(
            f"{label} returned stale or wrong data.",
            f"  on: {context}",
            f"  expected: {short(expected)}",
            f"  got:      {short(got)}",
            *(f"  {line}" for line in diff[:4]),
            hint=hint,
        )
    if panel.count > budget:
        ex.fail(
            f"{label} took {queries(panel.count)}; expected at most {budget}.",
            f"  on: {context}",
            *query_lines(panel),
            hint=hint,
        )
    return got


@exercise("6.1", "category_counts_cached")
def check_6_1(ex, answer):
    from django.core.cache import cache

    reads = 0
    for items, seed in ex.catalogs():
        with catalog(items, seed) as context:
            cache.clear()
            expected = _category_counts()
            hint = "cache.get_or_set(key, category_counts, timeout): computed once, then read."
            for label, budget in [("the first call", 1), ("the second call", 0)] + (
                [("a third call", 0)] if ex.hidden else []
            ):
                _cached_read(
                    ex,
                    answer,
                    budget=budget,
                    expected=expected,
                    label=label,
                    context=context,
                    hint=hint,
                )
                reads += 1
    return f"{reads} reads right: one query when cold, none when warm."


ROLLED_BACK_HINT = (
    "the read inside the transaction cached data that was then rolled back: invalidate "
    "in transaction.on_commit(...), which runs only if the write commits."
)


def _rolled_back(write, *reads) -> None:
    """Run ``write()`` then ``reads`` inside a transaction that rolls back."""
    from django.db import transaction

    try:
        with transaction.atomic():
            write()
            for read in reads:
                read()
            raise Rollback
    except Rollback:
        pass


def _first_item(*, active: bool = True, category_id: int | None = None):
    from demo_project.catalog.models import Item

    items = Item.objects.filter(is_active=active).order_by("id")
    if category_id is not None:
        items = items.filter(category_id=category_id)
    return items.first()


@exercise("6.2", "category_counts_cached", "item_set_active")
def check_6_2(ex, read, write):
    from django.core.cache import cache

    from demo_project.catalog.models import Item

    hint = (
        "after saving, delete the cached entry (or bump a version) in "
        "transaction.on_commit(...), so the next read recomputes."
    )
    writes = 0
    for items, seed in ex.catalogs():
        with catalog(items, seed) as context:
            cache.clear()
            ex.call(read)  # warm the cache
            item = _first_item()
            steps = [(item.pk, False)] + (
                [(item.pk, True), (_first_item().pk, False)] if ex.hidden else []
            )
            for item_id, active in steps:
                ex.call(write, item_id=item_id, is_active=active)
                if Item.objects.get(pk=item_id).is_active != active:
                    ex.fail(
                        f"item_set_active(item_id={item_id}, is_active={active}) did "
                        "not save is_active.",
                    )
                label = (
                    "category_counts_cached() after "
                    f"item_set_active(item_id={item_id}, is_active={active})"
                )
                expected = _category_counts()
                _cached_read(
                    ex,
                    read,
                    budget=1,
                    expected=expected,
                    label=label,
                    context=context,
                    hint=hint,
                )
                _cached_read(
                    ex,
                    read,
                    budget=0,
                    expected=expected,
                    label="the read after that",
                    context=context,
                    hint="invalidate on write only; reads stay cached.",
                )
                writes += 1
            # Stated: invalidate once the write has committed. A write that rolls back
            # after a read inside its transaction must leave a true cache behind.
            cache.clear()
            ex.call(read)
            target = _first_item()
            _rolled_back(
                partial(ex.call, write, item_id=target.pk, is_active=False), partial(ex.call, read)
            )
            _cached_read(
                ex,
                read,
                budget=1,
                expected=_category_counts(),
                label=f"a read after item_set_active(item_id={target.pk}, is_active=False) "
                "was rolled back",
                context=context,
                hint=ROLLED_BACK_HINT,
            )
    return f"{writes} writes, each followed by a fresh read and then a cached one."


def _names_in(category_id: int) -> list[str]:
    from demo_project.catalog.models import Item

    return list(
        Item.objects.filter(category_id=category_id, is_active=True)
        .order_by("name", "id")
        .values_list("name", flat=True)
    )


@exercise("6.3", "category_item_names_cached", "item_move")
def check_6_3(ex, read, move):
    from django.core.cache import cache

    from demo_project.catalog.models import Category, Item

    def read_list(category_id, budget, label, context, hint):
        got, panel = measure(lambda: ex.call(read, category_id))
        expected = _names_in(category_id)
        if got != expected:
            missing = sorted(set(expected) - set(got or []))
            extra = sorted(set(got or []) - set(expected))
            ex.fail(
                f"{label} returned stale or wrong names.",
                f"  on: {context}",
                f"  expected {len(expected)} names, got {len(got or [])}",
                f"  missing: {short(missing)}",
                f"  not there any more: {short(extra)}",
                hint=hint,
            )
        if panel.count > budget:
            ex.fail(
                f"{label} took {queries(panel.count)}; expected at most {budget}.",
                f"  on: {context}",
                *query_lines(panel),
                hint=hint,
            )

    hint = (
        "a move changes two lists: invalidate the old category's entry and the new one's "
        "(read item.category_id before you change it), on commit."
    )
    moves = 0
    for items, seed in ex.catalogs():
        with catalog(items, seed) as context:
            cache.clear()
            categories = list(Category.objects.order_by("id").values_list("id", flat=True))
            item = _first_item()
            old, new = item.category_id, next(c for c in categories if c != item.category_id)
            untouched = next(c for c in categories if c not in (old, new))
            for category_id in (old, new, untouched):
                read_list(
                    category_id, 1, f"the first read of category {category_id}", context, hint
                )
            plan = [(item.pk, new)] + ([(item.pk, old), (item.pk, old)] if ex.hidden else [])
            for item_id, target in plan:
                source = Item.objects.get(pk=item_id).category_id
                ex.call(move, item_id=item_id, category_id=target)
                if Item.objects.get(pk=item_id).category_id != target:
                    ex.fail(
                        f"item_move(item_id={item_id}, category_id={target}) did not "
                        "save the category.",
                    )
                for category_id in dict.fromkeys((source, target)):
                    label = (
                        f"category {category_id} after moving item {item_id} "
                        f"from {source} to {target}"
                    )
                    read_list(category_id, 1, label, context, hint)
                    read_list(
                        category_id,
                        0,
                        f"the next read of category {category_id}",
                        context,
                        "reads stay cached until a write.",
                    )
                moves += 1
            read_list(
                untouched,
                0,
                f"category {untouched}, which no move touched,",
                context,
                "invalidate only the two entries a move changes: cache.clear() empties "
                "every entry of a shared cache, everyone's.",
            )
            # Stated: on commit. A move that rolls back after reads must leave both true.
            item = Item.objects.get(pk=item.pk)
            source, target = item.category_id, untouched
            for category_id in (source, target):
                ex.call(read, category_id)
            _rolled_back(
                partial(ex.call, move, item_id=item.pk, category_id=target),
                partial(ex.call, read, source),
                partial(ex.call, read, target),
            )
            for category_id in (source, target):
                read_list(
                    category_id,
                    1,
                    f"category {category_id} after moving item {item.pk} to {target} "
                    "was rolled back",
                    context,
                    ROLLED_BACK_HINT,
                )
    return f"{moves} moves, each refreshing both categories and nothing else."


# 6.4 · An ETag for the tag list


def _tag_rows() -> list[dict]:
    from demo_project.catalog.models import Tag

    return list(Tag.objects.order_by("name", "id").values("id", "name", "slug"))


def _tag_writes(hidden: bool) -> list[tuple[str, Callable[[], object]]]:
    """The writes after which the tag list, and so its ETag, must change."""
    from demo_project.catalog.models import Tag

    def create():
        Tag.objects.create(name="checked", slug="checked")

    def rename():
        tag = Tag.objects.order_by("id").first()
        tag.name = f"{tag.name}-renamed"
        tag.save()

    def delete():
        Tag.objects.order_by("-id").first().delete()

    def change_slug():
        tag = Tag.objects.order_by("id").last()
        tag.slug = f"{tag.slug}-2"
        tag.save()

    writes = [("a tag was created", create), ("a tag was renamed", rename)]
    writes.append(("a tag was deleted", delete))
    return writes + ([("a tag's slug was changed", change_slug)] if hidden else [])


@exercise("6.4", "tags_etag", "with_http_caching")
def check_6_4(ex, etag_function, with_http_caching):
    from django.core.cache import cache

    def list_tags(request):  # a fresh view each run: decorate_view marks the function
        return _tag_rows()

    path = "/tags/"
    client = ex.client_for(path, ex.call(with_http_caching, list_tags), with_handlers=False)

    def get(etag=None):
        meta = {"REMOTE_ADDR": "127.0.0.1"}
        if etag is not None:
            meta["HTTP_IF_NONE_MATCH"] = etag
        return measure(lambda: client.get(path, META=meta))

    def body_is_the_list(response, what: str, context: str) -> None:
        hint = "with_http_caching(view) returns the view, decorated: decorate_view(...)(view)."
        ex.compare_rows(_tag_rows(), response.json(), what=what, hint=hint, context=context)

    requests = 0
    for items, seed in ex.catalogs():
        with catalog(items, seed) as context:
            cache.clear()
            response, _ = get()
            if response.status_code != 200:
                ex.fail(f"GET {path} answered {response.status_code}, not 200.", f"  on: {context}")
            body_is_the_list(response, f"the body of GET {path}", context)
            again, _ = get()
            if again.get("ETag") != response.get("ETag"):
                ex.fail(
                    "two requests with no write between them got different ETags: "
                    f"{response.get('ETag')} and {again.get('ETag')}.",
                    hint="compute the ETag from the tags themselves, not from the clock "
                    "or a random number.",
                )
            validator = ex.call(etag_function, None)
            if not isinstance(validator, str) or not validator:
                ex.fail(
                    f"tags_etag(request) returned {short(validator)}, not a non-empty string.",
                    hint="return a string computed from the tags' rows, e.g. a hash of them.",
                )
            etag = response.get("ETag")
            if not etag or etag.removeprefix("W/").strip('"') != validator.strip('"'):
                ex.fail(
                    f"GET {path} sent the ETag {etag!r}, not tags_etag's {validator!r}.",
                    hint="decorate_view(condition(etag_func=tags_etag), ...)(view).",
                )
            if "no-cache" not in response.get("Cache-Control", ""):
                ex.fail(
                    f"GET {path} sent Cache-Control {response.get('Cache-Control')!r}, "
                    "without no-cache.",
                    hint="add cache_control(no_cache=True) to decorate_view(...).",
                )
            unchanged, panel = get(etag)
            if unchanged.status_code != 304 or unchanged.content:
                ex.fail(
                    f"GET {path} with If-None-Match: {etag} answered "
                    f"{unchanged.status_code} with {len(unchanged.content)} bytes, not 304 "
                    "with none.",
                    hint="django.views.decorators.http.condition(etag_func=...) answers 304 "
                    "for a matching If-None-Match.",
                )
            ex.hold_budget(
                panel,
                1,
                "the 304",
                hint="a 304 must not build the list: the ETag costs at most one query "
                "and the view does not run.",
                context=context,
            )
            requests += 4
            for what, write in _tag_writes(ex.hidden):
                write()
                changed, _ = get(etag)
                if changed.status_code != 200 or changed.get("ETag") == etag:
                    ex.fail(
                        f"after {what}, If-None-Match: {etag} got {changed.status_code} "
                        f"with ETag {changed.get('ETag')}: the client keeps a stale list.",
                        f"  on: {context}",
                        hint="the ETag must change whenever any tag's id, name or slug "
                        "does: a count or the newest id misses renames and deletions; a "
                        "hash of every row's values does not.",
                    )
                body_is_the_list(changed, f"the body after {what}", context)
                etag = changed["ETag"]
                requests += 1
    return f"{requests} requests right: 304 while unchanged, a new ETag after each write."


# 6.5 · One computation per miss


STAMPEDE_READERS = 8
SLOW_SECONDS = 0.2


class _Counted:
    """A slow computation that counts its runs, from any thread."""

    def __init__(self, value, seconds: float = SLOW_SECONDS):
        self.value, self.seconds, self.runs = value, seconds, 0
        self._lock = threading.Lock()

    def __call__(self):
        with self._lock:
            self.runs += 1
        time.sleep(self.seconds)
        return self.value


def _at_once(function, readers: int, timeout: float) -> tuple[list, list, bool]:
    """Call ``function()`` from ``readers`` threads released together.

    Return the results, the errors, and whether every thread finished within ``timeout``.
    """
    start = threading.Barrier(readers)
    results, errors = [], []

    def reader():
        start.wait()
        try:
            results.append(function())
        except BaseException as error:  # reported by the check, in the main thread
            errors.append(error)

    threads = [threading.Thread(target=reader, daemon=True) for _ in range(readers)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    return results, errors, not any(thread.is_alive() for thread in threads)


@exercise("6.5", "get_or_compute_once", "LOCK_WAIT")
def check_6_5(ex, answer, lock_wait):
    from django.core.cache import cache

    if not isinstance(lock_wait, int | float) or not 0 < lock_wait <= 5:
        ex.fail(f"LOCK_WAIT is {lock_wait!r}; keep the given 1.0 (seconds).")
    patience = lock_wait + 5 * SLOW_SECONDS + 2
    rounds = 3 if ex.hidden else 1
    readers = 2 * STAMPEDE_READERS if ex.hidden else STAMPEDE_READERS
    for number in range(rounds):
        key = f"exercises:stampede:{number}"
        cache.clear()
        # A hit returns the stored value without computing.
        cache.set(key, "stored", 60)
        hit = _Counted("computed", seconds=0)
        if ex.call(answer, key, hit, 60) != "stored" or hit.runs:
            ex.fail(
                "with the entry in the cache, it computed or returned something else.",
                hint="look the key up first: a hit returns cache.get(key).",
            )
        # A miss computes once and stores the value.
        cache.delete(key)
        miss = _Counted(["rows", number], seconds=0)
        got = ex.call(answer, key, miss, 60)
        if got != ["rows", number] or cache.get(key) != ["rows", number]:
            ex.fail(
                f"on a miss it returned {short(got)} and stored {short(cache.get(key))}.",
                hint="compute, cache.set(key, value, timeout), return the value.",
            )
        # Concurrent readers of a missing key: one computation.
        cache.delete(key)
        slow = _Counted("shared")
        results, errors, finished = _at_once(
            lambda key=key, slow=slow: answer(key, slow, 60), readers, patience
        )
        if errors:
            ex.fail(
                f"{len(errors)} of {readers} concurrent readers raised "
                f"{type(errors[0]).__name__}: {errors[0]}",
            )
        if not finished:
            ex.fail(
                f"{readers} concurrent readers were still waiting after {patience:.1f} s.",
                hint="a waiter polls the cache for the value, and stops waiting after "
                "LOCK_WAIT seconds.",
            )
        if slow.runs != 1 or results != ["shared"] * readers:
            ex.fail(
                f"{readers} concurrent readers of a missing entry ran the computation "
                f"{slow.runs} times (the budget is 1), and got {short(sorted(map(str, results)))}.",
                hint="take a lock with cache.add(key + ':lock', ...): only one caller wins it "
                "and computes; the others wait for cache.get(key) to return the value.",
            )
        # A lock whose holder never finishes: wait LOCK_WAIT, then compute here.
        cache.delete(key)
        cache.add(f"{key}:lock", "held by a process that died", 60)
        stuck = _Counted("computed here", seconds=0)
        results, errors, finished = _at_once(
            lambda key=key, stuck=stuck: answer(key, stuck, 60), 1, patience
        )
        if not finished or errors or results != ["computed here"]:
            ex.fail(
                "with the lock held by a caller that never finishes, it "
                + ("waited forever" if not finished else f"gave {short(results or errors)}")
                + ".",
                hint="after LOCK_WAIT seconds of waiting, compute the value yourself.",
            )
        # A computation that fails frees the lock for the next caller.
        cache.delete(key)
        cache.delete(f"{key}:lock")

        def fail():
            raise RuntimeError("the database went away")

        with contextlib.suppress(RuntimeError):
            ex.call(answer, key, fail, 60, allow=(RuntimeError,))
        if cache.get(f"{key}:lock") is not None:
            ex.fail(
                "after a computation raised, its lock was still held: every reader "
                "would wait LOCK_WAIT seconds until it expires.",
                hint="release the lock in a finally: block.",
            )
    return (
        f"{readers} concurrent readers, 1 computation; a stuck lock waited out, "
        "a failed one released."
    )
