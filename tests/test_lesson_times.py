"""scripts/lesson_times.py: a notebook's time is the sum of its cells', per run, with medians."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("lesson_times", ROOT / "scripts" / "lesson_times.py")
lesson_times = importlib.util.module_from_spec(spec)
spec.loader.exec_module(lesson_times)

ZERO, FIVE = "notebooks/00-start-here.ipynb", "notebooks/05-selectors-and-n-plus-one.ipynb"


def report(tmp_path: Path, name: str, cells: dict[str, list[float]]) -> Path:
    cases = "".join(
        f'<testcase classname="x" name="Cell {n}" file="{notebook}" time="{seconds}" />'
        for notebook, times in cells.items()
        for n, seconds in enumerate(times)
    )
    path = tmp_path / name
    path.write_text(f'<?xml version="1.0"?><testsuites><testsuite>{cases}</testsuite></testsuites>')
    return path


def test_a_notebooks_time_is_the_sum_of_its_cells(tmp_path):
    path = report(tmp_path, "run.xml", {ZERO: [1.5, 0.25, 0.25], FIVE: [2.0, 3.0]})
    assert lesson_times.notebook_seconds(path) == {ZERO: 2.0, FIVE: 5.0}


def test_the_table_shows_each_run_the_median_and_the_yardstick(tmp_path):
    runs = [
        lesson_times.notebook_seconds(report(tmp_path, f"run-{n}.xml", {ZERO: [z], FIVE: [f]}))
        for n, (z, f) in enumerate([(2.0, 7.0), (4.0, 8.0), (2.0, 30.0)])
    ]
    lines = lesson_times.table(runs).splitlines()
    assert lines[0] == "| notebook | run 1 (s) | run 2 (s) | run 3 (s) | median (s) | × lesson 00 |"
    assert lines[2] == f"| {ZERO} | 2.0 | 4.0 | 2.0 | 2.0 | 1.0 |"
    assert lines[3] == f"| {FIVE} | 7.0 | 8.0 | 30.0 | 8.0 | 4.0 |"


def test_without_reports_it_says_how_to_call_it(capsys):
    assert lesson_times.main([]) == 2
    assert "lesson_times.py" in capsys.readouterr().err
