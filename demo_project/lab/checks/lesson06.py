"""The checks of lesson 06 (Caching) and their reference answers."""

from __future__ import annotations

import contextlib
import functools
import threading
import time
from collections.abc import Callable
from functools import partial

from .core import Rollback, catalog, exercise, measure, short


def _category_counts() -> dict[str, int]:
    from django.db.models import Count, Q

    from demo_project.catalog.models import Category

    rows = Category.objects.annotate(
        active=Count("items", filter=Q(items__is_active=True))
    ).order_by("name")
    return {row.name: row.active for row in rows}


def _cached_read(ex, function, *args, budget, expected, label, context, hint, keys):
    """Read through the answer: right data (requirement ``keys[0]``), within the budget
    (requirement ``keys[1]``)."""
    right, within = keys
    with ex.requirement(right):
        got, panel = measure(lambda: ex.call(function, *args))
        if got != expected:
            diff = (
                [
                    f"{k}: expected {expected.get(k)}, got {got.get(k)}"
                    for k in sorted(set(expected) | set(got or {}), key=str)
                    if expected.get(k) != (got or {}).get(k)
                ]
                if isinstance(got, dict) and isinstance(expected, dict)
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
    with ex.requirement(within):
        ex.hold_budget(panel, budget, label, hint=hint, context=context)
    return got


COUNTS_KEY = "exercises:category-counts"  # as the notebook gives it


def _category_counts_cached() -> dict[str, int]:
    from django.core.cache import cache

    return cache.get_or_set(COUNTS_KEY, _category_counts, timeout=300)


@exercise(
    "6.1",
    "category_counts_cached",
    requirements={
        "right": (
            "it returns the same dictionary as `category_counts()`",
            "compares every call's result with the counts, on two catalogs",
        ),
        "cached": (
            "the first call costs one query, the calls after it none",
            "counts the queries of a first and a second call",
        ),
    },
    reference={"category_counts_cached": lambda: _category_counts_cached},
)
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
                    keys=("right", "cached"),
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


def _saved(ex, write, name: str, *, item_id: int, **change) -> None:
    """Call the learner's ``write``; fail the requirement "saved" unless the item changed."""
    from demo_project.catalog.models import Item

    with ex.requirement("saved"):
        ex.call(write, item_id=item_id, **change)
        item = Item.objects.get(pk=item_id)
        for field, value in change.items():
            if getattr(item, field) != value:
                ex.fail(f"{name}(item_id={item_id}, {field}={value}) did not save {field}.")


def _first_item(*, active: bool = True, category_id: int | None = None):
    from demo_project.catalog.models import Item

    items = Item.objects.filter(is_active=active).order_by("id")
    if category_id is not None:
        items = items.filter(category_id=category_id)
    return items.first()


@exercise(
    "6.2",
    "category_counts_cached",
    "item_set_active",
    requirements={
        "saved": (
            "it saves the item's `is_active`",
            "reads the item back after each write",
        ),
        "fresh": (
            "the `category_counts_cached()` after a write reads the new counts (one query), "
            "and the reads after it are cached again",
            "reads the counts after a write, then again: one query, then none",
        ),
        "on-commit": (
            "it invalidates once the write has committed: a write rolled back after a read "
            "leaves the cache true",
            "writes and reads inside a transaction that rolls back, then reads again",
        ),
    },
    builds_on=("6.1",),
)
def check_6_2(ex, read, write):
    from django.core.cache import cache

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
                _saved(ex, write, "item_set_active", item_id=item_id, is_active=active)
                after = (
                    "category_counts_cached() after "
                    f"item_set_active(item_id={item_id}, is_active={active})"
                )
                expected = _category_counts()
                for label, budget in [(after, 1), ("the read after that", 0)]:
                    _cached_read(
                        ex,
                        read,
                        budget=budget,
                        expected=expected,
                        label=label,
                        context=context,
                        hint=hint if budget else "invalidate on write only; reads stay cached.",
                        keys=("fresh", "fresh"),
                    )
                writes += 1
            # A write that rolls back after a read inside its transaction must leave a
            # true cache behind.
            cache.clear()
            ex.call(read)
            target = _first_item()
            with ex.requirement("on-commit"):
                _rolled_back(
                    partial(ex.call, write, item_id=target.pk, is_active=False),
                    partial(ex.call, read),
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
                keys=("on-commit", "on-commit"),
            )
    return f"{writes} writes, each followed by a fresh read and then a cached one."


def _names_in(category_id: int) -> list[str]:
    from demo_project.catalog.models import Item

    return list(
        Item.objects.filter(category_id=category_id, is_active=True)
        .order_by("name", "id")
        .values_list("name", flat=True)
    )


@exercise(
    "6.3",
    "category_item_names_cached",
    "item_move",
    requirements={
        "cached": (
            "`category_item_names_cached(category_id)` returns the names of the category's "
            "active items, by name then id: one query the first time, none after",
            "reads three categories twice on two catalogs and compares with the reference",
        ),
        "saved": (
            "`item_move` saves the item's new category",
            "reads the item back after each move",
        ),
        "both": (
            "after a move, the old category's list and the new one's read fresh (one query "
            "each), then cached again",
            "moves an item, then reads both categories twice",
        ),
        "only": (
            "nothing else is invalidated: a category no move touched stays cached",
            "reads a third category after the moves: no query",
        ),
        "on-commit": (
            "it invalidates on commit: a move rolled back after reads leaves both lists true",
            "moves an item inside a transaction that reads both lists and rolls back, then "
            "reads them again",
        ),
    },
)
def check_6_3(ex, read, move):
    from django.core.cache import cache

    from demo_project.catalog.models import Category, Item

    def read_list(category_id, budget, label, context, hint, key):
        with ex.requirement(key):
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
            ex.hold_budget(panel, budget, label, hint=hint, context=context)

    hint = (
        "a move changes two lists: invalidate the old category's entry and the new one's "
        "(read item.category_id before you change it), on commit."
    )
    cached_hint = "cache.get_or_set(names_key(category_id), names, timeout) per category."
    moves = 0
    for items, seed in ex.catalogs():
        with catalog(items, seed) as context:
            cache.clear()
            categories = list(Category.objects.order_by("id").values_list("id", flat=True))
            item = _first_item()
            old, new = item.category_id, next(c for c in categories if c != item.category_id)
            untouched = next(c for c in categories if c not in (old, new))
            for category_id in (old, new, untouched):
                for label, budget in [("the first read", 1), ("the second read", 0)]:
                    label = f"{label} of category {category_id}"
                    read_list(category_id, budget, label, context, cached_hint, "cached")
            plan = [(item.pk, new)] + ([(item.pk, old), (item.pk, old)] if ex.hidden else [])
            for item_id, target in plan:
                source = Item.objects.get(pk=item_id).category_id
                _saved(ex, move, "item_move", item_id=item_id, category_id=target)
                for category_id in dict.fromkeys((source, target)):
                    label = (
                        f"category {category_id} after moving item {item_id} "
                        f"from {source} to {target}"
                    )
                    read_list(category_id, 1, label, context, hint, "both")
                    read_list(
                        category_id,
                        0,
                        f"the next read of category {category_id}",
                        context,
                        "reads stay cached until a write.",
                        "both",
                    )
                moves += 1
            read_list(
                untouched,
                0,
                f"category {untouched}, which no move touched,",
                context,
                "invalidate only the two entries a move changes: cache.clear() empties "
                "every entry of a shared cache, everyone's.",
                "only",
            )
            # A move that rolls back after reads must leave both lists true.
            item = Item.objects.get(pk=item.pk)
            source, target = item.category_id, untouched
            for category_id in (source, target):
                ex.call(read, category_id)
            with ex.requirement("on-commit"):
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
                    "on-commit",
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


@exercise(
    "6.4",
    "tags_etag",
    "with_http_caching",
    requirements={
        "stable": (
            "`tags_etag(request)` returns a non-empty string, the same while no tag changes",
            "calls it, and sends two requests with no write between them",
        ),
        "headers": (
            "the response is the tag list, with `tags_etag`'s value as its `ETag` and "
            "`Cache-Control: no-cache`",
            "reads the body and both headers of `GET /tags/`",
        ),
        "304": (
            "a request whose `If-None-Match` holds the current ETag gets `304` and no body, "
            "in at most one query",
            "sends the ETag back and counts the queries",
        ),
        "changes": (
            "the ETag changes after a tag is created, renamed or deleted",
            "makes each of those writes, then sends the last ETag back: a 200 with a new one",
        ),
    },
)
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
            with ex.requirement("headers"):
                if response.status_code != 200:
                    ex.fail(
                        f"GET {path} answered {response.status_code}, not 200.", f"  on: {context}"
                    )
                body_is_the_list(response, f"the body of GET {path}", context)
            with ex.requirement("stable"):
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
            with ex.requirement("headers"):
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
            with ex.requirement("304"):
                unchanged, panel = get(etag)
                if unchanged.status_code != 304 or unchanged.content:
                    ex.fail(
                        f"GET {path} with If-None-Match: {etag} answered "
                        f"{unchanged.status_code} with {len(unchanged.content)} bytes, not 304 "
                        "with none.",
                        hint="django.views.decorators.http.condition(etag_func=...) answers "
                        "304 for a matching If-None-Match.",
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
                    with ex.requirement("changes"):
                        ex.fail(
                            f"after {what}, If-None-Match: {etag} got {changed.status_code} "
                            f"with ETag {changed.get('ETag')}: the client keeps a stale list.",
                            f"  on: {context}",
                            hint="the ETag must change whenever any tag's id, name or slug "
                            "does: a count or the newest id misses renames and deletions; a "
                            "hash of every row's values does not.",
                        )
                with ex.requirement("headers"):
                    body_is_the_list(changed, f"the body after {what}", context)
                etag = changed["ETag"]
                requests += 1
    return f"{requests} requests right: 304 while unchanged, a new ETag after each write."


# 6.5 · One computation per miss


STAMPEDE_READERS = 8
CACHE_READS = ("get", "get_many", "has_key", "add")  # what a waiting reader calls


class _Counted:
    """A computation that counts its runs."""

    def __init__(self, value):
        self.value, self.runs = value, 0

    def __call__(self):
        self.runs += 1
        return self.value


class _Stampede:
    """A slow computation that lasts until every other reader is waiting for it.

    Its first run holds until each of the other readers has touched the cache since that
    run began (a miss: nothing is stored yet, so that reader is waiting) or has called the
    computation itself; then it returns at once. No reader's patience is spent on a fixed
    sleep, so a busy machine cannot make a right answer compute twice, and ``get_or_set``
    alone computes once per reader every time. ``cap`` bounds the wait for an answer whose
    waiters never touch the cache.
    """

    def __init__(self, value, readers: int, cap: float):
        self.value, self.readers, self.cap, self.runs = value, readers, cap, 0
        self._state = threading.Condition()
        self._began = False
        self._waiting: set[int] = set()  # reader threads known to be waiting or computing
        self._threads: set[int] = set()

    def enter(self) -> None:
        """Called by each reader thread before it calls the answer."""
        with self._state:
            self._threads.add(threading.get_ident())

    def touched(self) -> None:
        """Called on every cache access, from any thread."""
        with self._state:
            if self._began and threading.get_ident() in self._threads:
                self._waiting.add(threading.get_ident())
                self._state.notify_all()

    def __call__(self):
        with self._state:
            self.runs += 1
            self._began = True
            self._waiting.add(threading.get_ident())
            self._state.notify_all()
            self._state.wait_for(lambda: len(self._waiting) >= self.readers, timeout=self.cap)
        return self.value


@contextlib.contextmanager
def _watching_the_cache(on_access: Callable[[], None]):
    """Call ``on_access()`` after every read of the default cache, in any thread.

    After, not before: a read that ``on_access`` records as waiting has already missed.
    """
    from django.core.cache import caches

    backend = type(caches["default"])
    own = {name: backend.__dict__.get(name) for name in CACHE_READS}

    def watched(method):
        @functools.wraps(method)
        def read(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            finally:
                on_access()

        return read

    for name in CACHE_READS:
        setattr(backend, name, watched(getattr(backend, name)))
    try:
        yield
    finally:
        for name, method in own.items():
            if method is None:
                delattr(backend, name)
            else:
                setattr(backend, name, method)


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


@exercise(
    "6.5",
    "get_or_compute_once",
    "LOCK_WAIT",
    requirements={
        "hit": (
            "a hit returns the stored value without computing",
            "stores a value, then asks for it",
        ),
        "miss": (
            "a miss computes the value once, stores it and returns it",
            "asks for a missing key, then reads the cache",
        ),
        "once": (
            "concurrent readers of a missing key compute it once; the others wait for the "
            "value to appear in the cache",
            "releases eight readers of a missing key at once, with a computation that lasts "
            "until the others are waiting, and counts the computations",
        ),
        "stuck": (
            "a caller that has waited `LOCK_WAIT` seconds computes the value itself",
            "holds the lock as a caller that never finishes would, then asks for the key",
        ),
        "released": (
            "a computation that raises releases its lock",
            "asks with a computation that raises, then looks for the lock",
        ),
    },
)
def check_6_5(ex, answer, lock_wait):
    from django.core.cache import cache

    if not isinstance(lock_wait, int | float) or not 0 < lock_wait <= 5:
        ex.fail(f"LOCK_WAIT is {lock_wait!r}; keep the given 1.0 (seconds).")
    patience = 2 * lock_wait + 2
    rounds = 3 if ex.hidden else 1
    readers = 2 * STAMPEDE_READERS if ex.hidden else STAMPEDE_READERS
    for number in range(rounds):
        key = f"exercises:stampede:{number}"
        cache.clear()
        with ex.requirement("hit"):
            cache.set(key, "stored", 60)
            hit = _Counted("computed")
            if ex.call(answer, key, hit, 60) != "stored" or hit.runs:
                ex.fail(
                    "with the entry in the cache, it computed or returned something else.",
                    hint="look the key up first: a hit returns cache.get(key).",
                )
        with ex.requirement("miss"):
            cache.delete(key)
            miss = _Counted(["rows", number])
            got = ex.call(answer, key, miss, 60)
            if got != ["rows", number] or cache.get(key) != ["rows", number] or miss.runs != 1:
                ex.fail(
                    f"on a miss it computed {miss.runs} times, returned {short(got)} and "
                    f"stored {short(cache.get(key))}.",
                    hint="compute, cache.set(key, value, timeout), return the value.",
                )
        with ex.requirement("once"):
            cache.delete(key)
            slow = _Stampede("shared", readers, cap=lock_wait)

            def read(key=key, slow=slow):
                slow.enter()
                return answer(key, slow, 60)

            with _watching_the_cache(slow.touched):
                results, errors, finished = _at_once(read, readers, patience)
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
                    f"{slow.runs} times (the budget is 1), and got "
                    f"{short(sorted(map(str, results)))}.",
                    hint="take a lock with cache.add(key + ':lock', ...): only one caller wins "
                    "it and computes; the others wait for cache.get(key) to return the value.",
                )
        with ex.requirement("stuck"):
            cache.delete(key)
            cache.add(f"{key}:lock", "held by a process that died", 60)
            stuck = _Counted("computed here")
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
        with ex.requirement("released"):
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
