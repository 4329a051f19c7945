"""The benchmark runs end to end: every section and target is in its table and its CSV.

Times are not asserted: this machine's speed is not the point of a test.
"""

import csv
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.test import Client

from demo_project.tools import bench

ROOT = Path(__file__).resolve().parent.parent


def run_quick_bench(tmp_path: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    # The benchmark reseeds whatever database it is given: keep it on the embedded one.
    for name in ("DATABASE_URL", "CACHE_URL", "CELERY_BROKER_URL"):
        env.pop(name, None)
    command = [sys.executable, "-m", "demo_project.tools.bench", "--quick"]
    command += ["--csv", str(tmp_path / "bench.csv"), "--png", str(tmp_path / "bench.png")]
    command += ["--md", str(tmp_path / "bench.md")]
    return subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def test_quick_bench_prints_every_row_and_writes_the_csv_markdown_and_plot(tmp_path):
    finished = run_quick_bench(tmp_path)
    assert finished.returncode == 0, finished.stderr

    with (tmp_path / "bench.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    variants = {(row["benchmark"], row["variant"]) for row in rows}
    expected = {
        (bench.ITEM_LIST, bench.NAIVE),
        (bench.ITEM_LIST, bench.OPTIMIZED),
        (bench.ITEM_LIST, bench.ENDPOINT),
        (bench.FLOOR, bench.ENDPOINT),
        (bench.FLOOR, bench.HAND_WRITTEN),
        (bench.CACHED_READ, bench.COLD),
        (bench.CACHED_READ, bench.WARM),
        (bench.CREATES, bench.ONE_BY_ONE),
        (bench.CREATES, bench.BULK),
        (bench.BOOT, bench.BARE),
        (bench.INSTRUMENT, bench.PANEL_COST),
    }
    assert expected <= variants, expected - variants
    assert {row["benchmark"] for row in rows} == set(bench.SECTIONS)
    item_sizes = {int(row["size"]) for row in rows if row["benchmark"] == bench.ITEM_LIST}
    assert item_sizes == set(bench.QUICK.list_sizes)
    assert sum(row["benchmark"] == bench.DEEP_PAGE for row in rows) == 4
    assert sum(row["benchmark"] == bench.BOOT for row in rows) == 3
    # The endpoint against its floor, at the floor's size and on the deep page's catalog.
    floor_sizes = {int(row["size"]) for row in rows if row["benchmark"] == bench.FLOOR}
    assert floor_sizes == {bench.QUICK.floor_size, bench.QUICK.catalog}
    # Twelve writers on a served SQLite file: every answer a 2xx, every write read back.
    (writes,) = [row for row in rows if row["benchmark"] == bench.WRITES]
    assert writes["result"] == "PASS", writes

    # Seven targets, each judged from the measurements, each shown in the printed table;
    # on SQLite the bulk insert is measured, not judged, and its note says why.
    judged = [row for row in rows if row["result"]]
    assert len(judged) == 7, judged
    (bulk,) = [row for row in rows if row["variant"] == bench.BULK]
    assert bulk["result"] == "" and "judged on PostgreSQL" in bulk["note"], bulk
    assert {row["result"] for row in judged} <= {"PASS", "MISS"}
    for row in judged:
        assert row["target"] in finished.stdout
    for row in rows:
        assert row["variant"] in finished.stdout

    # Query counts are exact even in the quick run.
    naive = {int(r["size"]): int(r["queries"]) for r in rows if r["variant"] == bench.NAIVE}
    assert naive == {size: 4 * size + 1 for size in bench.QUICK.list_sizes}
    warm = next(row for row in rows if row["variant"] == bench.WARM)
    assert warm["queries"] == "0"

    assert "Targets:" in finished.stdout
    assert (tmp_path / "bench.png").read_bytes().startswith(b"\x89PNG")
    assert (tmp_path / "bench.md").read_text().startswith("| benchmark |")


@pytest.fixture
def catalog(db):
    from demo_project.catalog.generator import generate_catalog
    from demo_project.catalog.models import Item

    generate_catalog(items=150)
    # An edited item: a time with microseconds, which the encoder cuts to milliseconds.
    Item.objects.filter(pk=150).update(updated_at=datetime(2025, 1, 2, 3, 4, 5, 678901, UTC))
    Item.objects.filter(pk=149).update(is_active=False)  # not listed to an anonymous client


def test_the_floor_returns_the_endpoints_bytes(catalog):
    client = Client()
    served = client.get("/api/v1/items/?page_size=100").content

    assert bench.item_page_floor() == served
    bench.check_floor(client)  # does not raise
    page = json.loads(served)
    assert 149 not in [item["id"] for item in page["items"]]
    assert page["items"][0]["updated_at"] == "2025-01-02T03:04:05.678Z"


def test_a_floor_that_differs_from_the_endpoint_stops_the_benchmark(catalog, monkeypatch):
    real = bench.item_page_floor
    monkeypatch.setattr(bench, "item_page_floor", lambda: real().replace(b'"tags": [', b'"tag": ['))

    with pytest.raises(AssertionError, match="floor's JSON differs"):
        bench.check_floor(Client())


def test_make_test_runs_in_the_environment_from_before_boot(tmp_path, monkeypatch):
    """boot() sets a notebook's switches in os.environ; the timed suite must not inherit them."""
    from types import SimpleNamespace

    import demo_project.lab

    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)

    def booted(items):
        monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # as boot() does
        return SimpleNamespace(client=None, database="SQLite (in memory)", cache="local memory")

    monkeypatch.setattr(demo_project.lab, "boot", booted)
    for name in (
        "bench_item_list", "bench_floor", "bench_cached_read", "bench_creates",
        "bench_boot", "bench_deep_page", "bench_concurrent_writes", "plot",
    ):  # fmt: skip
        monkeypatch.setattr(bench, name, lambda *args, **kwargs: None)
    monkeypatch.setattr(bench, "calibrate_panel", lambda results, plan: 0.0)
    monkeypatch.setattr(bench, "bench_seeding", lambda results, plan: "")
    calls = []

    def make(command, **kwargs):
        calls.append((command, kwargs))
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(bench.subprocess, "run", make)

    results = bench.run(bench.FULL, tmp_path / "b.csv", tmp_path / "b.png", None)

    ((command, kwargs),) = calls
    assert command[-1] == "test"
    assert "DJANGO_ALLOW_ASYNC_UNSAFE" not in kwargs["env"]
    assert os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] == "true"  # the bench's own process kept it
    (row,) = [row for row in results.rows if row.benchmark == bench.TEST_SUITE]
    assert row.note.startswith("passed in")


def test_a_bulk_insert_below_its_target_says_what_round_trip_would_reach_it():
    # Measured on PostgreSQL over loopback: 1.05 ms a create(), 0.15 ms of it the round
    # trip, 0.125 ms a row by bulk_create: 10× needs 10 × 0.125 - 0.9 = 0.35 ms a trip.
    note = bench.bulk_note(7.8, 1.05e-3, 0.125e-3, 0.15e-3)
    assert note.startswith("7.8× (the smaller of the two ratios); a create() costs 1.05 ms")
    assert "round trip to this server 0.15 ms" in note
    assert "bulk_create 0.12 ms a row" in note
    assert "10× needs a round trip of 0.35 ms or more" in note
    assert bench.bulk_note(18.6, 2e-3, 0.1e-3, 1e-3) == "18.6× (the smaller of the two ratios)"


def test_two_runs_side_by_side_row_by_row_with_the_notes_of_each_miss(tmp_path):
    def run(database: str, bulk_ratio: float, result: str, note: str) -> Path:
        results = bench.Results()
        results.add(
            bench.Row(bench.CREATES, bench.ONE_BY_ONE, size=1000, queries=1000, seconds=1.0)
        )
        bulk = results.add(
            bench.Row(bench.CREATES, bench.BULK, size=1000, queries=1, seconds=1 / bulk_ratio)
        )
        bulk.ratio, bulk.ratio_without_panel = bulk_ratio, bulk_ratio - 0.5
        bulk.target, bulk.result, bulk.note = "bulk ≥ 10×", result, note
        if database == "PostgreSQL":  # a row only one run has, of an earlier section
            results.add(bench.Row(bench.ITEM_LIST, bench.NAIVE, size=10, queries=41, seconds=0.02))
        path = tmp_path / f"{database}.csv"
        bench.write_csv(results, path)
        return path

    sqlite = run("SQLite", 4.3, "", "4.3×; not judged here: no round trip")
    postgresql = run("PostgreSQL", 7.8, "MISS", "7.8×; 10× needs a round trip of 0.35 ms")
    table = bench.side_by_side(
        {"SQLite": bench.read_csv(sqlite), "PostgreSQL": bench.read_csv(postgresql)}
    )

    lines = table.splitlines()
    assert lines[0] == (
        "| benchmark | variant | size | queries | time, SQLite | time, PostgreSQL "
        "| ratio, SQLite | ratio, PostgreSQL | target | SQLite | PostgreSQL |"
    )
    assert lines[2].startswith(f"| {bench.ITEM_LIST} | {bench.NAIVE} | 10 | 41 |  | 20.00 ms |")
    assert lines[4] == (
        f"| {bench.CREATES} | {bench.BULK} | 1,000 | 1 | 232.56 ms | 128.21 ms | 3.8× | 7.3× "
        "| bulk ≥ 10× |  | **MISS** |"
    )
    assert (
        lines[-2]
        == f"- SQLite, {bench.BULK} ({bench.CREATES}): 4.3×; not judged here: no round trip"
    )
    assert lines[-1] == (
        f"- PostgreSQL, {bench.BULK} ({bench.CREATES}): 7.8×; 10× needs a round trip of 0.35 ms"
    )
