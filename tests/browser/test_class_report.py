"""The class report, written by grading a folder of mixed submissions, opened in Chromium."""

import os
import shutil
import subprocess
import sys

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.browser
FIVE = "05-selectors-and-n-plus-one"
# Solved, untouched, an N+1, an answer hard-coded to the data on screen, a cheat.
MIXED = {
    "solutions": ROOT / "solutions",
    "exercises": ROOT / "exercises",
    "n-plus-one": ROOT / "tests" / "submissions" / "n-plus-one",
    "hard-coded": ROOT / "tests" / "submissions" / "hard-coded",
    "tamper-replace-check": ROOT / "tests" / "submissions" / "tamper-replace-check",
}


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed")
def test_the_class_report_shows_its_plot_and_its_table_per_exercise(page, screenshots, tmp_path):
    for learner, folder in MIXED.items():
        (tmp_path / "collected" / learner).mkdir(parents=True)
        shutil.copy(folder / f"{FIVE}.ipynb", tmp_path / "collected" / learner)
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CACHE_URL"}}
    command = [sys.executable, "-m", "demo_project.tools.grading", str(tmp_path / "collected")]
    command += ["--csv", str(tmp_path / "grades.csv"), "--cell-timeout", "30"]
    graded = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    assert graded.returncode == 0, graded.stderr[-3000:]

    page.goto((tmp_path / "grades-report.html").as_uri())
    plot = page.locator("img#points-per-learner")
    plot.wait_for(state="visible")
    assert plot.evaluate("image => image.complete && image.naturalWidth > 300")
    rows = page.locator("table.exercises tr[data-exercise]")
    assert rows.evaluate_all("rows => rows.map(row => row.dataset.exercise)") == [
        "5.1",
        "5.2",
        "5.3",
        "5.4",
    ]
    first = rows.first.locator("td").all_inner_texts()
    assert first[:4] == ["5.1", "2", "5", "2"], first  # solutions and hard-coded pass 5.1
    assert first[5] == "1", "the N+1 is over its budget"
    assert first[6] == "1", "the untouched copy has not started"
    assert "took 183 queries" in first[9]
    assert "tamper-replace-check" in page.locator("table.review").inner_text()
    page.screenshot(path=screenshots / "class-report.png", full_page=True)
