"""`make clean` removes what make builds under var/ and keeps the instructors' gradebooks."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

BUILT = [
    "var/jupyter/runtime/kernel-1.json",
    "var/ipython/profile_default/startup/x.py",
    "var/site/html/index.html",
    "var/screenshots/lesson-00.png",
    "var/bench.csv",
    "var/bench-services.md",
    "var/bench-class/n5/homes/learner-01/notebooks/00-start-here.ipynb",
    "var/progress.png",
    "var/nbval-sanitize-services.cfg",
    ".pytest_cache/v/cache/nodeids",
]
KEPT = [
    "var/grades.csv",
    "var/grades-wide.csv",
    "var/grades-report.html",
    "var/grades/runs/2026-11-30T10-00-00.csv",
    "var/grades/feedback/amelie.md",
    "var/ps05/grades.csv",
]


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_clean_keeps_gradebooks(tmp_path):
    """Every built file goes; every gradebook file stays, with its content."""
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    for name in BUILT + KEPT:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(name)
    subprocess.run(["make", "clean"], cwd=tmp_path, check=True, capture_output=True)
    assert [name for name in BUILT if (tmp_path / name).exists()] == []
    assert {name: (tmp_path / name).read_text() for name in KEPT} == {name: name for name in KEPT}
