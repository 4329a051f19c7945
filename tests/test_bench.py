"""The benchmark runs end to end: every section and target is in its table and its CSV.

Times are not asserted: this machine's speed is not the point of a test.
"""

import csv
import os
import subprocess
import sys
from pathlib import Path

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

    # Five targets, each judged from the measurements, each shown in the printed table.
    judged = [row for row in rows if row["result"]]
    assert len(judged) == 5, judged
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
