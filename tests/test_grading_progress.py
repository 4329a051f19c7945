"""make progress on a fresh copy: solved, wrong and untouched exercises, nothing written."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

from demo_project.tools.grading.assemble import load_assignments

ROOT = Path(__file__).resolve().parent.parent
FIVE = "05-selectors-and-n-plus-one"


def test_progress_shows_done_wrong_and_not_started_and_writes_nothing(tmp_path):
    mine = tmp_path / "exercises"
    mine.mkdir()
    shutil.copy(ROOT / "tests" / "submissions" / "n-plus-one" / f"{FIVE}.ipynb", mine)
    shutil.copy(ROOT / "tests" / "submissions" / "reordered" / "03-the-api.ipynb", mine)
    shutil.copy(ROOT / "exercises" / "07-auth.ipynb", mine)
    before = {p: hashlib.sha256(p.read_bytes()).digest() for p in mine.iterdir()}
    png = tmp_path / "progress.png"
    result = subprocess.run(
        [sys.executable, "-m", "demo_project.tools.grading.progress", str(mine), "--png", str(png)],
        cwd=ROOT, capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    rows = {tuple(line.split()[:3]) for line in result.stdout.splitlines()}
    assert (FIVE, "5.1", "wrong") in rows
    assert {(FIVE, e, "done") for e in ("5.2", "5.3", "5.4")} <= rows
    assert {("03-the-api", "3.1", "done"), ("03-the-api", "3.2", "done")} <= rows
    assert ("07-auth", "7.1", "not") in rows  # "not started", split in two words
    assert ("01-models", "1.1", "not") in rows  # no notebook at all: not started
    (wrong,) = [line for line in result.stdout.splitlines() if line.startswith(f"{FIVE}  5.1")]
    assert "it took 183 queries; the budget is 1 query" in wrong
    assert "hidden" not in result.stdout  # visible checks only
    total = sum(float(e.points) for a in load_assignments().values() for e in a.exercises)
    others = sum(len(a.exercises) for a in load_assignments().values()) - 6
    assert f"5 done, 1 wrong, {others} not started: 15 of {total:g} points." in result.stdout
    assert png.read_bytes().startswith(b"\x89PNG")
    assert {p: hashlib.sha256(p.read_bytes()).digest() for p in mine.iterdir()} == before
