"""The workbook's benchmark: ``make bench`` (``python -m demo_project.tools.bench``).

Every figure the README quotes comes from one run of this module: it boots the demo
project in this process, measures each pair of variants side by side (interleaved by
``lab.compare``, so a noisy moment falls on both), prints one table with the targets
beside the results, and writes it as CSV (``--csv``), Markdown (``--md``) and a plot
(``--png``). Boot and seeding are measured in fresh subprocesses, since boot() runs once
per process and a peak memory figure needs a process of its own.

A MISS is reported, not raised: this is a measurement, and the exit code is 0 unless the
benchmark itself broke.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from demo_project.lab.timing import format_duration

# The sections of the table, in order; tests/test_bench.py checks that each is present.
ITEM_LIST = "item list"
FLOOR = "near the floor"
CACHED_READ = "cached read"
CREATES = "creates"
DEEP_PAGE = "deep page"
BOOT = "boot"
SEEDING = "seeding"
INSTRUMENT = "instrument"
WRITES = "concurrent writes"
SECTIONS = (ITEM_LIST, FLOOR, CACHED_READ, CREATES, DEEP_PAGE, BOOT, SEEDING, WRITES, INSTRUMENT)
# Only in the full run: the quick one is itself part of the suite it would time.
TEST_SUITE = "test suite"
# Where each section's rows go in a table.
SECTION_ORDER = {section: number for number, section in enumerate((*SECTIONS, TEST_SUITE))}

NAIVE = "naive loop → ItemOut (4N+1 queries)"
OPTIMIZED = "selectors.item_list() → ItemOut"
ENDPOINT = "GET /api/v1/items/?page_size=100"
HAND_WRITTEN = "the same page by hand: values(), tag names, json.dumps"
FLOOR_LIMIT = 2  # the endpoint's time at most this many times its floor's
COLD = "category_list_cached(), cold (after cache.clear())"
WARM = "category_list_cached(), warm"
ONE_BY_ONE = "Item.objects.create() × N in one transaction"
BULK = "Item.objects.bulk_create(N) in one transaction"
BARE = "django.setup() + migrate"
PANEL_COST = "query panel: added time per recorded query"
PAGE_SIZE = 20
RESULT_MARK = "BENCH-RESULT "


@dataclass(frozen=True)
class Plan:
    """The sizes of one run: the full benchmark, or tiny ones for the test."""

    list_sizes: tuple[int, ...] = (10, 100, 1_000, 10_000)
    ratio_size: int = 1_000
    repeat: int = 5
    # The naive list at 10,000 items is 40,001 queries a call: timed once (after the
    # warm-up call), it keeps the whole run within a few minutes.
    large_size: int = 10_000
    large_repeat: int = 1
    cache_items: int = 10_000
    creates: int = 1_000
    catalog: int = 100_000  # seeded, then paged deep
    boot_runs: int = 3
    floor_size: int = 1_000  # and the deep page's catalog
    floor_repeat: int = 30  # two cheap calls a round: enough rounds for a stable median
    calibration_queries: int = 500
    calibration_pairs: int = 21
    writers: int = 12  # concurrent clients writing to a served database
    write_seconds: float = 20
    test_suite: bool = True

    @property
    def deep_page(self) -> int:
        """The page at 80% of the catalog's depth: the 4,000th of 5,000 pages of 20."""
        return max(2, self.catalog // PAGE_SIZE * 4 // 5)


FULL = Plan()
QUICK = Plan(
    list_sizes=(10, 50, 100),
    ratio_size=50,
    repeat=1,
    floor_size=100,
    floor_repeat=3,
    cache_items=100,
    creates=100,
    catalog=1_000,
    boot_runs=1,
    calibration_queries=100,
    calibration_pairs=5,
    write_seconds=2,
    test_suite=False,
)


@dataclass
class Row:
    """One line of the table: a variant of a benchmark at one size."""

    benchmark: str
    variant: str
    size: int | None = None
    queries: int | None = None
    seconds: float | None = None
    ratio: float | None = None
    ratio_without_panel: float | None = None
    peak_mb: float | None = None
    target: str = ""
    result: str = ""
    note: str = ""

    @property
    def smaller_ratio(self) -> float | None:
        """The ratio a target is judged on: the smaller of the two, with and without the panel."""
        ratios = [ratio for ratio in (self.ratio, self.ratio_without_panel) if ratio]
        return min(ratios, default=None)


@dataclass
class Results:
    rows: list[Row] = field(default_factory=list)

    def add(self, row: Row) -> Row:
        self.rows.append(row)
        return row

    def add_comparison(self, benchmark: str, table, size: int) -> None:
        """Add a row per variant of a ``compare()`` table measured at one size."""
        for record in table.to_dict("records"):
            self.add(
                Row(
                    benchmark,
                    record["variant"],
                    size=size,
                    queries=int(record["queries"]),
                    seconds=float(record["seconds"]),
                )
            )

    def find(self, benchmark: str, variant: str, size: int | None = None) -> Row:
        for row in self.rows:
            same = row.benchmark == benchmark and row.variant == variant
            if same and (size is None or row.size == size):
                return row
        raise KeyError((benchmark, variant, size))

    def judge(self, row: Row, target: str, passed: bool, measured: str) -> None:
        if row.target:
            raise ValueError(f"{row.variant} already carries a target; judge another row.")
        row.target = target
        row.result = "PASS" if passed else "MISS"
        row.note = "; ".join(part for part in (measured, row.note) if part)

    @property
    def misses(self) -> list[Row]:
        return [row for row in self.rows if row.result == "MISS"]


def progress(message: str) -> None:
    """Say what the benchmark is doing (stderr, so stdout holds only the table)."""
    print(message, file=sys.stderr, flush=True)


def thousands(number: int) -> str:
    return f"{number:,}"


# Children: boot and seeding, each in a fresh interpreter.


def _sandbox_environment() -> dict[str, str]:
    """Return the environment of a child: the embedded defaults, in-memory SQLite."""
    from demo_project.lab.boot import SANDBOX_ENVIRONMENT

    env = dict(os.environ)
    for name in ("CACHE_URL", "CELERY_BROKER_URL"):
        env.pop(name, None)
    env.update(SANDBOX_ENVIRONMENT)
    env["DATABASE_URL"] = "sqlite://:memory:"
    return env


def run_child(*arguments: str) -> dict:
    """Run this module as ``--child ...`` in a fresh interpreter and return its result."""
    command = [sys.executable, "-m", "demo_project.tools.bench", "--child", *arguments]
    finished = subprocess.run(
        command, env=_sandbox_environment(), stdout=subprocess.PIPE, text=True, check=False
    )
    lines = [line for line in finished.stdout.splitlines() if line.startswith(RESULT_MARK)]
    if finished.returncode != 0 or not lines:
        raise RuntimeError(
            f"The benchmark's child {' '.join(arguments)!r} failed (exit {finished.returncode}); "
            f"run `{' '.join(command)}` to see its error."
        )
    return json.loads(lines[-1].removeprefix(RESULT_MARK))


def _report(result: dict) -> None:
    print(RESULT_MARK + json.dumps(result), flush=True)


def _peak_rss_mb() -> float:
    """Return this process's peak resident memory, in MB."""
    # VmHWM belongs to this program's own memory map. ru_maxrss would do on macOS, but on
    # Linux it survives exec and so starts at the parent's size at the fork.
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, kilobytes elsewhere
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale / 1024


def child_boot(items: int | None) -> None:
    """Time boot(items) (or a bare setup + migrate when ``items`` is None)."""
    import django

    from demo_project.lab import boot

    started, cpu = time.perf_counter(), time.process_time()
    if items is None:
        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
    else:
        boot(items=items)
    _report({"seconds": time.perf_counter() - started, "cpu_seconds": time.process_time() - cpu})


def child_seed(items: int, page: int) -> None:
    """Seed ``items`` items, report time and peak memory, and the cursor of ``page``."""
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    from demo_project.catalog.generator import generate_catalog

    step, mark = max(1, items // 5), [0]

    def seeded(done: int, total: int) -> None:
        if done >= mark[0] + step or done == total:
            mark[0] = done
            progress(f"  seeded {thousands(done)}/{thousands(total)} items")

    baseline = _peak_rss_mb()
    started, cpu = time.perf_counter(), time.process_time()
    generate_catalog(items=items, progress=seeded)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    _report(
        {
            "seconds": seconds,
            "cpu_seconds": cpu_seconds,
            "peak_mb": _peak_rss_mb(),
            "baseline_mb": baseline,
            "cursor": cursor_at((page - 1) * PAGE_SIZE),
        }
    )


def cursor_at(offset: int) -> str:
    """Return the cursor the cursor endpoint would hand out for the row at ``offset``.

    Ninja's cursor is a position (the first ordering field of that row) and an offset
    among rows that share it; the endpoint filters ``created_at <= position`` and reads
    from there, without counting or skipping the rows before.
    """
    from demo_project.catalog.models import Item
    from demo_project.pagination import BoundedCursorPagination

    listed = Item.objects.filter(is_active=True)  # what an anonymous client pages through
    row = listed.order_by("-created_at", "-id").values("id", "created_at")[offset]
    ties = listed.filter(created_at=row["created_at"], id__gt=row["id"]).count()
    cursor = BoundedCursorPagination.Cursor(p=str(row["created_at"]), o=ties)
    return cursor.encode_as_param()


# The benchmarks, in this process.


def calibrate_panel(results: Results, plan: Plan) -> float:
    """Measure what the query panel adds to each query it records; return seconds/query.

    lab.compare times each call inside a query panel (that is how it counts queries),
    and recording a query (its origin line included) costs time. The variant with more
    queries pays more of it, so ratios between a many-query and a few-query variant come
    out a little larger than without the instrument; the table shows both.
    """
    from demo_project.catalog.models import Tag
    from demo_project.lab.queries import QueryPanel

    count = plan.calibration_queries

    def queries() -> None:
        for _ in range(count):
            Tag.objects.filter(pk=1).first()

    def cpu_time(function: Callable[[], None]) -> float:
        # CPU time, not wall time: the panel's cost is work this process does, and on a
        # shared machine the wall clock mostly measures the other processes.
        started = time.process_time()
        function()
        return time.process_time() - started

    def with_panel() -> float:
        with QueryPanel(show=False):
            return cpu_time(queries)

    queries()
    # Pairs taken side by side, in alternating order, so that a slow spell of the machine
    # falls on both halves of a pair; the median difference is the panel's cost.
    differences, bare = [], []
    for number in range(plan.calibration_pairs):
        if number % 2:
            inside, alone = with_panel(), cpu_time(queries)
        else:
            alone, inside = cpu_time(queries), with_panel()
        differences.append(inside - alone)
        bare.append(alone)
    per_query = max(0.0, statistics.median(differences) / count)
    results.add(
        Row(
            INSTRUMENT,
            PANEL_COST,
            size=count,
            queries=count,
            seconds=per_query,
            note=(
                f"CPU time, median of {plan.calibration_pairs} pairs; "
                f"a query alone: {format_duration(statistics.median(bare) / count)}"
            ),
        )
    )
    return per_query


def without_panel(slow: Row, fast: Row, per_query: float) -> float | None:
    """Return slow/fast with the panel's recording cost taken out of both times."""
    slow_seconds = slow.seconds - per_query * slow.queries
    fast_seconds = fast.seconds - per_query * fast.queries
    if slow_seconds <= 0 or fast_seconds <= 0:
        return None
    return slow_seconds / fast_seconds


def item_rows_naive() -> list[dict]:
    """Serialize every item the naive way: each item reads its relations one by one."""
    from django.db.models import Avg, Count

    from demo_project.catalog.models import Item
    from demo_project.catalog.schemas import ItemOut

    rows = []
    for item in Item.objects.order_by("-created_at", "-id"):
        # One query for the review statistics; ItemOut then reads category, owner, tags.
        stats = item.reviews.aggregate(review_count=Count("id"), average_rating=Avg("rating"))
        item.review_count, item.average_rating = stats["review_count"], stats["average_rating"]
        rows.append(ItemOut.model_validate(item).model_dump())
    return rows


def item_rows_optimized() -> list[dict]:
    """Serialize every item from the selector, which prepared what ItemOut reads."""
    from demo_project.catalog import selectors
    from demo_project.catalog.schemas import ItemOut

    return [ItemOut.model_validate(item).model_dump() for item in selectors.item_list()]


def bench_item_list(results: Results, plan: Plan, client, per_query: float) -> None:
    from demo_project.catalog.generator import generate_catalog
    from demo_project.lab.compare import compare

    # Both variants must produce the same rows, or the comparison means nothing.
    generate_catalog(items=plan.list_sizes[0])
    if item_rows_naive() != item_rows_optimized():
        raise AssertionError("The naive and optimized item lists differ; fix them first.")

    sizes = ", ".join(thousands(size) for size in plan.list_sizes)
    progress(f"item list: naive vs optimized vs the endpoint at {sizes} items…")
    variants = {NAIVE: item_rows_naive, OPTIMIZED: item_rows_optimized, ENDPOINT: ENDPOINT}
    small = [size for size in plan.list_sizes if size < plan.large_size]
    large = [size for size in plan.list_sizes if size >= plan.large_size]
    records = []
    for sizes, repeat in ((small, plan.repeat), (large, plan.large_repeat)):
        if sizes:
            table = compare(variants, sizes=sizes, repeat=repeat, plot=False, client=client)
            records += table.to_dict("records")
    for record in records:
        size = int(record["size"])
        results.add(
            Row(
                ITEM_LIST,
                record["variant"],
                size=size,
                queries=int(record["queries"]),
                seconds=float(record["seconds"]),
                note="one timed call, after a warm-up call" if size >= plan.large_size else "",
            )
        )
    for size in plan.list_sizes:
        naive, optimized = (
            results.find(ITEM_LIST, NAIVE, size),
            results.find(ITEM_LIST, OPTIMIZED, size),
        )
        optimized.ratio = naive.seconds / optimized.seconds
        optimized.ratio_without_panel = without_panel(naive, optimized, per_query)

    counts = [results.find(ITEM_LIST, OPTIMIZED, size).queries for size in plan.list_sizes]
    first, last = plan.list_sizes[0], plan.list_sizes[-1]
    results.judge(
        results.find(ITEM_LIST, OPTIMIZED, last),
        f"optimized queries constant from {thousands(first)} to {thousands(last)} items",
        len(set(counts)) == 1,
        "queries: " + ", ".join(str(count) for count in counts),
    )
    at = results.find(ITEM_LIST, OPTIMIZED, plan.ratio_size)
    ratio = at.smaller_ratio
    results.judge(
        at,
        f"naive/optimized time ≥ 10× at {thousands(plan.ratio_size)} items",
        ratio >= 10,
        f"{ratio:.1f}× (the smaller of the two ratios)",
    )


def item_page_floor() -> bytes:
    """Return the endpoint's first page of 100, written by hand: the floor under it.

    The endpoint's three queries (the count, the page with its review statistics, the
    page's tag names) read as plain values, one dict per item, and Django's JSON encoder
    (the one Ninja's extends): no model instance, no schema, no request. The bytes are
    the endpoint's own: ``check_floor`` compares them on the data just timed.
    """
    from django.core.serializers.json import DjangoJSONEncoder

    from demo_project.catalog.models import Item
    from demo_project.catalog.selectors import review_statistics

    listed = Item.objects.filter(is_active=True)  # what an anonymous client reads
    columns = ["id", "name", "description", "price", "is_active", "category_id"]
    columns += ["category__name", "owner__username", "created_at", "updated_at"]
    newest = listed.order_by("-created_at", "-id")
    page = list(newest.values(*columns, **review_statistics())[:100])
    tags: dict[int, list[str]] = {row["id"]: [] for row in page}
    pairs = Item.tags.through.objects.filter(item_id__in=tags).order_by("tag__name")
    for item_id, name in pairs.values_list("item_id", "tag__name"):
        tags[item_id].append(name)
    items = [
        {
            **{column: row[column] for column in columns[:6]},
            "category": row["category__name"],
            "owner": row["owner__username"],
            "tags": tags[row["id"]],
            "review_count": row["review_count"],
            "average_rating": None
            if row["average_rating"] is None
            else round(row["average_rating"], 2),
            "created_at": row["created_at"],
            "updated_at": row["updated_at"],
        }
        for row in page
    ]
    return json.dumps({"items": items, "count": listed.count()}, cls=DjangoJSONEncoder).encode()


def check_floor(client) -> None:
    """Raise unless the floor's bytes are the endpoint's, on the data seeded now."""
    served = client.get(ENDPOINT.removeprefix("GET ")).content
    if served != item_page_floor():
        raise AssertionError(
            "The hand-written floor's JSON differs from the endpoint's; fix the floor first."
        )


def judge_floor(results: Results, size: int, repeat: int) -> None:
    """Judge the endpoint against its floor at ``size`` items."""
    served, floor = results.find(FLOOR, ENDPOINT, size), results.find(FLOOR, HAND_WRITTEN, size)
    served.ratio = served.seconds / floor.seconds
    results.judge(
        served,
        f"the endpoint ≤ {FLOOR_LIMIT}× its hand-written floor at {thousands(size)} items",
        served.ratio <= FLOOR_LIMIT,
        f"{served.ratio:.2f}× (medians of {repeat} interleaved rounds)",
    )


def bench_floor(results: Results, plan: Plan, client) -> None:
    """Time the endpoint's page of 100 against the same bytes written by hand."""
    from demo_project.lab.compare import compare

    size = plan.floor_size
    progress(f"near the floor: the endpoint vs its hand-written floor at {thousands(size)} items…")
    variants = {ENDPOINT: ENDPOINT, HAND_WRITTEN: item_page_floor}
    table = compare(variants, sizes=(size,), repeat=plan.floor_repeat, plot=False, client=client)
    check_floor(client)
    results.add_comparison(FLOOR, table, size=size)
    judge_floor(results, size, plan.floor_repeat)


def bench_cached_read(results: Results, plan: Plan) -> None:
    from django.core.cache import cache

    from demo_project.catalog import selectors
    from demo_project.lab.compare import compare

    def cold() -> list[dict]:
        cache.clear()
        return selectors.category_list_cached()

    def warm() -> list[dict]:
        return selectors.category_list_cached()

    progress(f"cached read: cold vs warm on {thousands(plan.cache_items)} items…")
    # The first round runs cold before warm, so warm always finds the cache filled.
    table = compare(
        {COLD: cold, WARM: warm},
        sizes=(plan.cache_items,),
        repeat=plan.repeat,
        plot=False,
    )
    results.add_comparison(CACHED_READ, table, size=plan.cache_items)
    cold_row, warm_row = results.find(CACHED_READ, COLD), results.find(CACHED_READ, WARM)
    warm_row.ratio = cold_row.seconds / warm_row.seconds
    results.judge(
        warm_row,
        "warm: 0 queries and ≤ 1/10 of a cold read's time",
        warm_row.queries == 0 and warm_row.ratio >= 10,
        f"{warm_row.queries} queries, cold/warm {warm_row.ratio:.1f}×",
    )


def bench_creates(results: Results, plan: Plan, per_query: float) -> None:
    from decimal import Decimal

    from django.db import connection, transaction

    from demo_project.catalog.models import Item
    from demo_project.lab.compare import compare

    count = plan.creates

    def fields(number: int) -> dict:
        # The generator restarts ids at 1: category 1 and user 2 (alice) always exist.
        return {
            "name": f"Bench item {number}",
            "price": Decimal("9.99"),
            "category_id": 1,
            "owner_id": 2,
        }

    def one_by_one() -> None:
        with transaction.atomic():
            for number in range(count):
                Item.objects.create(**fields(number))
            transaction.set_rollback(True)  # every call starts from the same table

    def bulk() -> None:
        with transaction.atomic():
            Item.objects.bulk_create(Item(**fields(number)) for number in range(count))
            transaction.set_rollback(True)

    progress(f"creates: {thousands(count)} one by one vs bulk_create…")
    table = compare(
        {ONE_BY_ONE: one_by_one, BULK: bulk},
        sizes=(0,),
        repeat=plan.repeat,
        plot=False,
    )
    results.add_comparison(CREATES, table, size=count)
    slow, fast = results.find(CREATES, ONE_BY_ONE), results.find(CREATES, BULK)
    fast.ratio = slow.seconds / fast.seconds
    fast.ratio_without_panel = without_panel(slow, fast, per_query)
    ratio = fast.smaller_ratio
    if connection.vendor != "postgresql":
        # In-memory SQLite answers an INSERT with no round trip and no disk: what bulk
        # saves there is Django's per-statement work only, so the target means nothing.
        fast.note = (
            f"{ratio:.1f}× (the smaller of the two ratios); not judged here: an insert into "
            "in-memory SQLite costs no round trip, so the 10× target is judged on PostgreSQL"
        )
        return
    results.judge(
        fast,
        f"bulk_create ≥ 10× faster than one by one at {thousands(count)} rows (PostgreSQL)",
        ratio >= 10,
        # A row's time without the query panel's cost, as the smaller ratio is.
        bulk_note(
            ratio,
            slow.seconds / count - per_query,
            fast.seconds / count,
            round_trip_seconds(),
        ),
    )


def round_trip_seconds(rounds: int = 201) -> float:
    """The median time of ``SELECT 1`` on the database's own driver: one round trip."""
    from django.db import connection

    connection.ensure_connection()
    with connection.connection.cursor() as cursor:  # the driver's, without Django's wrappers
        times = []
        for _ in range(rounds):
            started = time.perf_counter()
            cursor.execute("SELECT 1")
            cursor.fetchone()
            times.append(time.perf_counter() - started)
    return statistics.median(times)


def bulk_note(ratio: float, create: float, bulk: float, round_trip: float) -> str:
    """What the bulk insert's ratio measured, and, below 10×, why: seconds a row.

    One ``create()`` is Django's own work for a row plus a round trip; ``bulk_create``
    pays Django's work once a row and a round trip once a batch. On loopback the round
    trip is short, so the ratio is mostly Django's work against Django's work; the note
    gives the round trip at which the same code reaches 10×.
    """
    note = f"{ratio:.1f}× (the smaller of the two ratios)"
    if ratio >= 10:
        return note
    needed = max(0.0, 10 * bulk - (create - round_trip))
    return (
        f"{note}; a create() costs {format_duration(create)} a row, of which a round trip "
        f"to this server {format_duration(round_trip)} (SELECT 1), bulk_create "
        f"{format_duration(bulk)} a row: 10× needs a round trip of "
        f"{format_duration(needed)} or more, as to a server across a network"
    )


def bench_boot(results: Results, plan: Plan) -> None:
    from demo_project.lab.compare import compare

    variants = {BARE: None, "boot(items=0)": 0, "boot() (100 items, the lessons' default)": 100}
    reported: dict[str, list[float]] = {name: [] for name in variants}
    cpu: dict[str, list[float]] = {name: [] for name in variants}

    def in_child(name: str, items: int | None) -> Callable[[], None]:
        arguments = ("setup",) if items is None else ("boot", str(items))

        def run() -> None:
            result = run_child(*arguments)
            reported[name].append(result["seconds"])
            cpu[name].append(result["cpu_seconds"])

        return run

    progress(
        f"boot: {len(variants)} variants × {plan.boot_runs + 1} fresh processes "
        "(the first round warms up)…"
    )
    compare(
        {name: in_child(name, items) for name, items in variants.items()},
        sizes=(0,),
        repeat=plan.boot_runs,
        plot=False,
    )
    # compare() times the whole subprocess from outside; the child's own figure leaves
    # out the interpreter's start and the imports, which are the same for every variant.
    bare = statistics.median(reported[BARE][1:])
    for name, items in variants.items():
        median = statistics.median(reported[name][1:])
        note = (
            f"median of {len(reported[name]) - 1} fresh processes, imports excluded; "
            f"CPU {format_duration(statistics.median(cpu[name][1:]))}"
        )
        if items is not None:
            note += f"; {median / bare:.2f}× the bare setup's time"
        results.add(Row(BOOT, name, size=items, seconds=median, note=note))


def bench_seeding(results: Results, plan: Plan) -> str:
    """Seed the catalog in a fresh process; return the deep page's cursor it computed."""
    progress(f"seeding {thousands(plan.catalog)} items in a fresh process…")
    result = run_child("seed", str(plan.catalog), str(plan.deep_page))
    row = results.add(
        Row(
            SEEDING,
            "generate_catalog() in a fresh process (in-memory SQLite)",
            size=plan.catalog,
            seconds=result["seconds"],
            peak_mb=result["peak_mb"],
        )
    )
    limit_seconds, limit_mb = 30, 500
    results.judge(
        row,
        f"seeding {thousands(plan.catalog)} items < {limit_seconds} s, peak < {limit_mb} MB",
        result["seconds"] < limit_seconds and result["peak_mb"] < limit_mb,
        f"{format_duration(result['seconds'])} (CPU {format_duration(result['cpu_seconds'])}), "
        f"peak RSS {result['peak_mb']:.0f} MB (before seeding {result['baseline_mb']:.0f} MB)",
    )
    return result["cursor"]


def bench_test_suite(results: Results, environment: dict[str, str]) -> None:
    """Time ``make test`` (lint, the project's tests, strict nbval), installation excluded.

    ``environment`` is this process's environment before ``boot()``: the suite must not
    inherit what boot() set for a notebook (``DJANGO_ALLOW_ASYNC_UNSAFE``, an in-memory
    database, a local-memory cache), which makes the tests that rely on Django's own
    defaults fail.
    """
    root = Path(__file__).resolve().parents[2]
    progress("make test (lint, the project's tests, every notebook), about 5 minutes…")
    started = time.perf_counter()
    # -o: take the installed environment as it is; only the tests are timed.
    done = subprocess.run(
        ["make", "--no-print-directory", "-o", ".venv/.installed", "test"],
        cwd=root,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    seconds = time.perf_counter() - started
    row = results.add(Row(TEST_SUITE, "make test, installation excluded", seconds=seconds))
    limit = 180
    passed = done.returncode == 0 and seconds < limit
    outcome = "passed" if done.returncode == 0 else f"FAILED (exit {done.returncode})"
    measured = f"{outcome} in {seconds:.0f} s"
    results.judge(row, f"make test < {limit // 60} minutes", passed, measured)


def bench_deep_page(results: Results, plan: Plan, client, cursor: str) -> None:
    from demo_project.lab.compare import compare

    page = plan.deep_page
    first_row = (page - 1) * PAGE_SIZE + 1
    variants = {
        "offset, page 1: GET /api/v1/items/?page=1": "GET /api/v1/items/?page=1",
        f"offset, page {thousands(page)}: GET /api/v1/items/?page={page}": (
            f"GET /api/v1/items/?page={page}"
        ),
        "cursor, page 1: GET /api/v1/items/cursor/": "GET /api/v1/items/cursor/",
        f"cursor, page {thousands(page)}: GET /api/v1/items/cursor/?cursor=…": (
            f"GET /api/v1/items/cursor/?cursor={cursor}"
        ),
    }
    progress(
        f"deep page: seeding {thousands(plan.catalog)} items in this process, then "
        f"page 1 and page {thousands(page)} of {PAGE_SIZE} by offset and by cursor, "
        "and the endpoint's page of 100 against its floor…"
    )
    # The floor's pair shares this catalog (seeding it twice would double the run's time);
    # the deep page's variants take the same number of rounds, which costs little.
    floor_variants = {ENDPOINT: ENDPOINT, HAND_WRITTEN: item_page_floor}
    table = compare(
        {**variants, **floor_variants},
        sizes=(plan.catalog,),
        repeat=max(plan.repeat, plan.floor_repeat),
        plot=False,
        client=client,
    )
    check_floor(client)
    floor_rows = table["variant"].isin(list(floor_variants))
    results.add_comparison(FLOOR, table[floor_rows], size=plan.catalog)
    judge_floor(results, plan.catalog, max(plan.repeat, plan.floor_repeat))
    table = table[~floor_rows]

    # The generator is deterministic, so the cursor built in the seeding process points
    # at the same row here; check that both deep pages hold the same items.
    paths = list(variants.values())
    by_offset = client.get(paths[1].removeprefix("GET ")).json()["items"]
    by_cursor = client.get(paths[3].removeprefix("GET ")).json()["results"]
    if [item["id"] for item in by_offset] != [item["id"] for item in by_cursor]:
        raise AssertionError("The offset and cursor deep pages differ; the cursor is wrong.")

    results.add_comparison(DEEP_PAGE, table, size=plan.catalog)
    names = list(variants)
    for offset_name, cursor_name in ((names[0], names[2]), (names[1], names[3])):
        offset_row, cursor_row = (
            results.find(DEEP_PAGE, offset_name),
            results.find(DEEP_PAGE, cursor_name),
        )
        cursor_row.ratio = offset_row.seconds / cursor_row.seconds
    results.find(DEEP_PAGE, names[3]).note = (
        f"rows {thousands(first_row)}–{thousands(first_row + PAGE_SIZE - 1)}, "
        "the same items as by offset"
    )


def bench_concurrent_writes(results: Results, plan: Plan) -> None:
    """Writers at once against runserver: on a SQLite file, and on PostgreSQL if configured.

    Each client creates items and changes its own (POST and PATCH, with a token) for the
    plan's time; every write the server acknowledged is then read back through the API.
    """
    import tempfile

    from django.db import connection

    from .write_load import measure

    databases = {"SQLite file": None}
    if connection.vendor == "postgresql":
        databases["PostgreSQL"] = os.environ["DATABASE_URL"]
    for name, url in databases.items():
        progress(f"concurrent writes: {plan.writers} clients for {plan.write_seconds:g} s, {name}…")
        with tempfile.TemporaryDirectory() as folder:
            load, lost = measure(
                url or f"sqlite:///{Path(folder) / 'served.sqlite3'}",
                clients=plan.writers,
                seconds=plan.write_seconds,
            )
        variant = (
            f"{name}, runserver: POST/PATCH by {plan.writers} clients for {plan.write_seconds:g} s"
        )
        row = results.add(Row(WRITES, variant, size=plan.writers))
        results.judge(
            row,
            f"{plan.writers} writers: no 5xx, no acknowledged write lost",
            load.failures == 0 and not lost,
            f"{load.writes_per_second:.1f} writes/s, p95 {format_duration(load.p95)}; "
            f"{load.failures} of {load.statuses.total():,} answers 5xx or none, "
            f"{len(lost)} of {load.acknowledged:,} acknowledged writes lost",
        )


# Output: the table, CSV, Markdown and a plot.

COLUMNS = [
    "benchmark",
    "variant",
    "size",
    "queries",
    "median time",
    "ratio",
    "ratio w/o panel",
    "peak memory",
    "target",
    "result",
    "measured / note",
]


def _cells(row: Row) -> list[str]:
    return [
        row.benchmark,
        row.variant,
        "" if row.size is None else thousands(row.size),
        "" if row.queries is None else thousands(row.queries),
        "" if row.seconds is None else format_duration(row.seconds),
        "" if row.ratio is None else f"{row.ratio:.1f}×",
        "" if row.ratio_without_panel is None else f"{row.ratio_without_panel:.1f}×",
        "" if row.peak_mb is None else f"{row.peak_mb:.0f} MB",
        row.target,
        row.result,
        row.note,
    ]


def render_text(results: Results) -> str:
    table = [COLUMNS, *(_cells(row) for row in results.rows)]
    widths = [max(len(line[i]) for line in table) for i in range(len(COLUMNS))]
    right = {2, 3, 4, 5, 6, 7}
    lines = []
    for number, line in enumerate(table):
        cells = [
            cell.rjust(width) if i in right else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(line, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
        if number == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)


def render_markdown(results: Results) -> str:
    def escape(cell: str) -> str:
        return cell.replace("|", "\\|")

    lines = ["| " + " | ".join(COLUMNS) + " |"]
    lines.append(
        "|"
        + "|".join("---:" if i in {2, 3, 4, 5, 6, 7} else "---" for i in range(len(COLUMNS)))
        + "|"
    )
    for row in results.rows:
        cells = _cells(row)
        if row.result == "MISS":
            cells[9] = "**MISS**"
        lines.append("| " + " | ".join(escape(cell) for cell in cells) + " |")
    return "\n".join(lines) + "\n"


def write_csv(results: Results, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["benchmark", "variant", "size", "queries", "seconds", "ratio",
             "ratio_without_panel", "peak_mb", "target", "result", "note"]
        )  # fmt: skip
        for row in results.rows:
            writer.writerow(
                [row.benchmark, row.variant, row.size, row.queries, row.seconds, row.ratio,
                 row.ratio_without_panel, row.peak_mb, row.target, row.result, row.note]
            )  # fmt: skip


def read_csv(path: Path) -> Results:
    """The rows ``write_csv`` wrote, with their numbers back."""

    def number(text: str, kind=float):
        return kind(text) if text else None

    results = Results()
    with path.open(newline="") as handle:
        for record in csv.DictReader(handle):
            results.add(
                Row(
                    record["benchmark"],
                    record["variant"],
                    size=number(record["size"], int),
                    queries=number(record["queries"], int),
                    seconds=number(record["seconds"]),
                    ratio=number(record["ratio"]),
                    ratio_without_panel=number(record["ratio_without_panel"]),
                    peak_mb=number(record["peak_mb"]),
                    target=record["target"],
                    result=record["result"],
                    note=record["note"],
                )
            )
    return results


def side_by_side(runs: dict[str, Results]) -> str:
    """One Markdown table of two or more runs (one per database), row by row.

    A ratio is the smaller of the two a row carries (with and without the query panel's
    cost); under the table, each MISS and each row measured but not judged says why.
    """
    names = list(runs)
    indexed = [
        {(row.benchmark, row.variant, row.size): row for row in results.rows}
        for results in runs.values()
    ]
    keys = list(dict.fromkeys(key for index in indexed for key in index))  # first seen first
    keys.sort(key=lambda key: SECTION_ORDER[key[0]])  # stable: variants keep their order

    def ratio(row: Row | None) -> str:
        return f"{row.smaller_ratio:.1f}×" if row and row.smaller_ratio else ""

    header = ["benchmark", "variant", "size", "queries"]
    header += [f"time, {name}" for name in names] + [f"ratio, {name}" for name in names]
    header += ["target", *names]
    lines = ["| " + " | ".join(header) + " |"]
    lines.append("|---|---|---:|---:|" + "---:|" * (2 * len(names)) + "---|" * (1 + len(names)))
    notes = []
    for key in keys:
        rows = [index.get(key) for index in indexed]
        queries = [
            thousands(row.queries) if row and row.queries is not None else "" for row in rows
        ]
        times = [format_duration(row.seconds) if row and row.seconds else "" for row in rows]
        target = next((row.target for row in rows if row and row.target), "")
        verdicts = [
            ("**MISS**" if row.result == "MISS" else row.result) if row else "" for row in rows
        ]
        cells = [key[0], key[1], "" if key[2] is None else thousands(key[2])]
        counted = {count for count in queries if count}
        cells.append(" / ".join(queries) if len(counted) > 1 else next(iter(counted), ""))
        cells += times + [ratio(row) for row in rows] + [target] + verdicts
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
        for name, row in zip(names, rows, strict=True):
            if row and (row.result == "MISS" or "not judged" in row.note):
                notes.append(f"- {name}, {row.variant} ({row.benchmark}): {row.note}")
    return "\n".join([*lines, "", *notes]) + "\n"


def plot(results: Results, plan: Plan, path: Path, title: str = "") -> None:
    """Draw the N+1 curve (queries and time against size) and the ratios, to a PNG."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch
    from matplotlib.ticker import FuncFormatter, NullFormatter

    figure = Figure(figsize=(15, 4.6), layout="constrained")
    FigureCanvasAgg(figure)
    if title:
        figure.suptitle(title, fontsize=10)
    queries_axis, time_axis, ratio_axis = figure.subplots(1, 3)
    sizes = list(plan.list_sizes)
    for variant, marker in ((NAIVE, "o"), (OPTIMIZED, "s"), (ENDPOINT, "^")):
        rows = [results.find(ITEM_LIST, variant, size) for size in sizes]
        queries_axis.plot(sizes, [row.queries for row in rows], marker=marker, label=variant)
        time_axis.plot(sizes, [row.seconds * 1000 for row in rows], marker=marker, label=variant)
    for axis, label, title in (
        (queries_axis, "queries per call", "Item list: queries (the N+1 curve)"),
        (time_axis, "median time per call (ms)", "Item list: time"),
    ):
        axis.set_xscale("log")
        axis.set_yscale("log")
        for ticks in (axis.xaxis, axis.yaxis):
            ticks.set_major_formatter(FuncFormatter(lambda x, _: f"{x:,g}"))
            ticks.set_minor_formatter(NullFormatter())
        axis.set_xlabel("items in the database (all serialized; the endpoint: one page)")
        axis.set_ylabel(label)
        axis.set_title(title)
        axis.grid(True, which="both", alpha=0.3)
    queries_axis.legend(fontsize=8)

    # (label, row, whether this bar's ratio is the one a target judges)
    bars = [
        (
            f"naive / optimized\n{thousands(size)} items",
            results.find(ITEM_LIST, OPTIMIZED, size),
            size == plan.ratio_size,
        )
        for size in sizes
    ]
    bars.append(("cold / warm cache", results.find(CACHED_READ, WARM), True))
    bars.append(
        (f"one by one / bulk\n{thousands(plan.creates)} rows", results.find(CREATES, BULK), True)
    )
    deep = [row for row in results.rows if row.benchmark == DEEP_PAGE and row.ratio]
    bars.append((f"offset / cursor\npage {thousands(plan.deep_page)}", deep[-1], False))
    labels = [label for label, _, _ in bars]
    # Where the query panel's own cost skews a ratio, the bar shows the ratio without it,
    # which is the one the target is judged on.
    values = [row.ratio_without_panel or row.ratio for _, row, _ in bars]
    colors = [
        {"PASS": "tab:green", "MISS": "tab:red"}.get(row.result, "tab:gray")
        if judged
        else "tab:gray"
        for _, row, judged in bars
    ]
    positions = range(len(bars))
    ratio_axis.barh(positions, values, color=colors)
    ratio_axis.set_yticks(list(positions), labels, fontsize=8)
    ratio_axis.invert_yaxis()
    ratio_axis.set_xscale("log")
    ratio_axis.set_xlim(min(1, min(values) / 2), max(values) * 3)
    ratio_axis.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:g}×"))
    ratio_axis.xaxis.set_minor_formatter(NullFormatter())
    ratio_axis.axvline(10, color="black", linestyle="--", linewidth=1, label="10× target")
    for position, value in zip(positions, values, strict=True):
        ratio_axis.text(value, position, f" {value:.1f}×", va="center", fontsize=8)
    ratio_axis.set_xlabel("times faster, measured in the same run (panel cost removed)")
    ratio_axis.set_title("Ratios")
    ratio_axis.legend(
        handles=[
            *ratio_axis.get_legend_handles_labels()[0],
            Patch(color="tab:green", label="target PASS"),
            Patch(color="tab:red", label="target MISS"),
            Patch(color="tab:gray", label="no target"),
        ],
        fontsize=8,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.16),
        ncol=4,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)


def describe_machine(lab) -> str:
    import django

    return (
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"Django {django.get_version()}, {lab.database}, cache: {lab.cache}"
    )


def run(
    plan: Plan,
    csv_path: Path,
    png_path: Path,
    md_path: Path | None,
    *,
    with_test_suite: bool = True,
) -> Results:
    """Run every benchmark of ``plan``, print the table, write CSV, Markdown and PNG."""
    from demo_project.lab import boot

    environment = dict(os.environ)  # before boot() sets a notebook's switches
    lab = boot(items=plan.list_sizes[0])
    results = Results()
    progress("calibrating the query panel…")
    per_query = calibrate_panel(results, plan)
    bench_item_list(results, plan, lab.client, per_query)
    bench_floor(results, plan, lab.client)
    bench_cached_read(results, plan)
    bench_creates(results, plan, per_query)
    bench_boot(results, plan)
    cursor = bench_seeding(results, plan)
    bench_deep_page(results, plan, lab.client, cursor)
    bench_concurrent_writes(results, plan)
    if plan.test_suite and with_test_suite:
        bench_test_suite(results, environment)

    results.rows.sort(key=lambda row: SECTION_ORDER[row.benchmark])  # stable: variants keep order
    kind = "quick" if plan.list_sizes == QUICK.list_sizes else "full"
    if kind == "full" and plan.list_sizes != FULL.list_sizes:
        kind = f"full, item list at {', '.join(thousands(size) for size in plan.list_sizes)}"
    print(f"Benchmark ({kind}): {describe_machine(lab)}")
    print(render_text(results))
    write_csv(results, csv_path)
    if md_path is not None:
        md_path.parent.mkdir(parents=True, exist_ok=True)
        md_path.write_text(render_markdown(results))
    plot(results, plan, png_path, title=describe_machine(lab))
    judged = [row for row in results.rows if row.result]
    print()
    print(f"Targets: {len(judged) - len(results.misses)} PASS, {len(results.misses)} MISS")
    for row in results.misses:
        print(f"MISS  {row.target}: measured {row.note}")
    print(f"Written: {csv_path}, {png_path}" + (f", {md_path}" if md_path else ""))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m demo_project.tools.bench",
        description="Measure the workbook's claims side by side and check them against targets.",
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes (for the test)")
    parser.add_argument("--csv", type=Path, default=Path("var/bench.csv"), help="CSV output")
    parser.add_argument("--png", type=Path, default=Path("var/bench.png"), help="plot output")
    parser.add_argument("--md", type=Path, default=None, help="also write the table as Markdown")
    parser.add_argument(
        "--list-sizes",
        type=lambda text: tuple(int(size) for size in text.split(",")),
        help="the item list's sizes, comma-separated (full run: 10,100,1000,10000)",
    )
    parser.add_argument(
        "--without-test-suite",
        action="store_true",
        help="leave out the `make test` row (it does not depend on the database measured)",
    )
    parser.add_argument(
        "--side-by-side",
        nargs="+",
        metavar="NAME=CSV",
        help="print (and with --md write) one table of earlier runs' CSVs, e.g. "
        "SQLite=var/bench.csv PostgreSQL=var/bench-postgresql.csv; nothing is measured",
    )
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.side_by_side:
        runs = {}
        for given in args.side_by_side:
            name, separator, path = given.partition("=")
            if not separator or not Path(path).is_file():
                parser.error(f"{given!r}: give NAME=CSV, the CSV of a finished run")
            runs[name] = read_csv(Path(path))
        table = side_by_side(runs)
        print(table, end="")
        if args.md is not None:
            args.md.parent.mkdir(parents=True, exist_ok=True)
            args.md.write_text(table)
        return 0

    if args.child:
        kind, *rest = args.child
        if kind == "setup":
            child_boot(None)
        elif kind == "boot":
            child_boot(int(rest[0]))
        elif kind == "seed":
            child_seed(int(rest[0]), int(rest[1]))
        else:
            parser.error(f"unknown child {kind!r}")
        return 0

    plan = QUICK if args.quick else FULL
    if args.list_sizes:
        plan = replace(plan, list_sizes=args.list_sizes, ratio_size=min(args.list_sizes[-1], 1_000))
    run(plan, args.csv, args.png, args.md, with_test_suite=not args.without_test_suite)
    return 0


if __name__ == "__main__":
    sys.exit(main())
