"""Checks that make strict nbval mean what it says, for every lesson and solution.

nbval compares a cell's fresh outputs with its stored ones, but it skips a cell that has
no stored output, says nothing about what a stored output contains, and cannot tell a
time from a count. The checks below close those gaps without a kernel: every code cell
was executed and has an output; no output holds an error, stderr, a warning, a token, a
time or an address that the sanitize file would let through; only plot and time cells
are left unchecked; each lesson has its title, objectives, key points and links.

Then three tests run kernels: one proves that a changed query count fails strict nbval
(on a tiny notebook, with the repository's own sanitize file), one that every code cell
of a committed notebook is really checked, and one that each lesson runs twice in one
kernel (boot() reseeds) with the same outputs.

A check that must not apply to one cell goes in ALLOWED, with the reason.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from nbval.plugin import (
    coalesce_streams,
    comment_markers,
    find_comment_markers,
    find_metadata_tags,
    get_sanitize_patterns,
    metadata_tags,
)

ROOT = Path(__file__).resolve().parent.parent
SANITIZE_FILE = ROOT / "nbval-sanitize.cfg"
LESSON_NAMES = (
    "00-start-here",
    "01-models",
    "02-schemas",
    "03-the-api",
    "04-services",
    "05-selectors-and-n-plus-one",
    "06-caching",
    "07-auth",
    "08-the-reference-reviewed",
    "09-async-ninja",
    "10-where-the-time-goes",
)
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}

# (notebook file name, cell id, rule) -> why that rule does not apply to that cell.
ALLOWED: dict[tuple[str, str, str], str] = {}


def notebooks_in(folder: str) -> list[Path]:
    return sorted((ROOT / folder).glob("*.ipynb"))


LESSONS = notebooks_in("notebooks")
NOTEBOOKS = LESSONS + notebooks_in("solutions")


def each(paths: list[Path]) -> list:
    """Parametrize over ``paths``; with none yet, one cleanly skipped case."""
    if not paths:
        return [pytest.param(None, marks=pytest.mark.skip(reason="no notebooks yet"))]
    return [pytest.param(path, id=f"{path.parent.name}/{path.name}") for path in paths]


# ---------------------------------------------------------------------------------------
# What a stored output may hold


def sanitize_rules(path: Path = SANITIZE_FILE) -> list[tuple[str, str]]:
    """Return the sanitize file's (regex, replacement) pairs, read the way nbval reads them."""
    return get_sanitize_patterns(path.read_text())


def sanitized(text: str, rules: list[tuple[str, str]]) -> str:
    for regex, replace in rules:
        text = re.sub(regex, replace, text)
    return text


TEXT_TYPES = ("text/plain", "text/html", "text/markdown", "text/latex")
JWT = re.compile(r"eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+")
# Checked after sanitizing: what is left of these changes from run to run.
UNSTABLE = {
    "duration": (
        re.compile(r"\d+\.\d+(?:e-?\d+)?\s?(?:s|secs?|seconds?|ms|µs|us|ns)\b"),
        "a time the sanitize file does not rewrite: print it with format_duration()",
    ),
    "long float": (
        # Not a binary rounding artefact (0.30000000000000004, Decimal(19.99) written out),
        # which a lesson on Decimal shows on purpose and which is the same on every run.
        re.compile(
            r"(?<![\w.])\d+\.(?!\d*?(?:0{6,}|9{6,}))\d{5,}(?:e-?\d+)?\b"
            r"|\b\d(?:\.\d+)?e-\d+\b"
        ),
        "a float with many digits (a raw time or ratio?): round it, or show a count",
    ),
    "address": (
        re.compile(r"\b0x[0-9a-fA-F]+\b"),
        "a memory address the sanitize file does not rewrite",
    ),
    "kernel path": (
        re.compile(r"ipykernel_\d+"),
        "the kernel's temporary file path (from a warning or a traceback)",
    ),
    "thread name": (
        re.compile(r"\b(?:Thread-\d+|ThreadPoolExecutor-\d+_\d+)\b"),
        "a thread name, which changes from run to run",
    ),
}


def output_text(output) -> str:
    """Return every text an output carries (images left out: nbval does not compare them)."""
    kind = output.get("output_type")
    if kind == "stream":
        return output.get("text", "")
    if kind == "error":
        return "\n".join([output.get("ename", ""), output.get("evalue", ""), *output["traceback"]])
    data = output.get("data", {})
    texts = [data[key] for key in TEXT_TYPES if key in data]
    texts += [json.dumps(data[key]) for key in data if key.endswith("json")]
    return "\n".join(text if isinstance(text, str) else "".join(text) for text in texts)


# ---------------------------------------------------------------------------------------
# The checks


@dataclass(frozen=True)
class Problem:
    cell: str  # the cell's id, or its index when it has none
    rule: str
    message: str

    def __str__(self) -> str:
        return f"cell {self.cell}: {self.rule}: {self.message}"


def cell_name(cell, index: int) -> str:
    return cell.get("id") or str(index)


def markers(cell) -> set[str]:
    """Return nbval's markers on ``cell`` (comments and tags) as option names."""
    found = list(find_comment_markers(cell.source)) + list(find_metadata_tags(cell.metadata))
    return {f"{option}={value}" for option, value in found}


IGNORED = "check=False"
# A predict cell holds the learner's guess and shows nothing: nothing to compare.
PREDICTION = re.compile(r"guess\w* = None  # your prediction: [^\n]*")
# A plot, a time, or a plan's own words (which differ between SQLite and PostgreSQL).
PLOT_OR_TIME = re.compile(
    r"plot|plt\.|figure|format_duration|seconds|timeit|perf_counter|time|explain\("
)
A_COUNT = re.compile(r"\.count\b|status_code|len\(|lab\.queries\(")


def output_problems(cell, name: str, rules) -> list[Problem]:
    problems = []
    for output in cell.get("outputs", []):
        text = output_text(output)
        if output.get("output_type") == "error":
            problems.append(Problem(name, "error", f"{output.get('ename')}: stored as output"))
        elif "Traceback (most recent call last)" in text or "Traceback" in text.split("\n")[0]:
            problems.append(Problem(name, "traceback", "a traceback in the output"))
        if output.get("output_type") == "stream" and output.get("name") == "stderr":
            problems.append(Problem(name, "stderr", f"stderr text: {text[:80]!r}"))
        if "Warning" in text:
            line = next(line for line in text.splitlines() if "Warning" in line)
            problems.append(Problem(name, "warning", f"the word Warning: {line[:100]!r}"))
        if JWT.search(text):
            problems.append(Problem(name, "jwt", "a JSON Web Token: do not print tokens"))
        rest = sanitized(text, rules)
        for rule, (pattern, why) in UNSTABLE.items():
            match = pattern.search(rest)
            if match:
                problems.append(Problem(name, rule, f"{match.group()!r}: {why}"))
    return problems


def problems(notebook, rules=None) -> list[Problem]:
    """Return what is wrong with a notebook's stored cells and outputs (not its prose)."""
    rules = sanitize_rules() if rules is None else rules
    found = []
    counts = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        name = cell_name(cell, index)
        cell_markers = markers(cell)
        if "skip=True" in cell_markers:
            found.append(Problem(name, "skip", "NBVAL_SKIP: the cell never runs under nbval"))
        # nbgrader's graded checks may raise in an exercise copy, where no answer is written.
        graded = cell.metadata.get("nbgrader", {}).get("grade", False)
        if "check_exception=True" in cell_markers and not graded:
            found.append(
                Problem(name, "raises", "a cell that raises: catch and print the error instead")
            )
        if not cell.source.strip():
            continue
        if cell.get("execution_count") is None:
            found.append(Problem(name, "not executed", "no execution count: run make notebooks"))
        else:
            counts.append(cell.execution_count)
        if not cell.get("outputs") and not PREDICTION.fullmatch(cell.source.strip()):
            found.append(
                Problem(
                    name,
                    "no output",
                    "nbval does not compare a cell without outputs: end it with an "
                    "expression or a print",
                )
            )
        if IGNORED in cell_markers and (
            A_COUNT.search(cell.source) or not PLOT_OR_TIME.search(cell.source)
        ):
            found.append(
                Problem(
                    name,
                    "ignored output",
                    "only plot and time cells may be NBVAL_IGNORE_OUTPUT; this one "
                    "shows a count or a status, or no time or plot",
                )
            )
        found += output_problems(cell, name, rules)
    if counts != list(range(1, len(counts) + 1)):
        found.append(
            Problem(
                "*",
                "execution order",
                f"execution counts {counts[:12]}… are not 1, 2, 3…: run the notebook top "
                "to bottom in a fresh kernel (make notebooks)",
            )
        )
    return found


def lesson_problems(notebook, filename: str) -> list[Problem]:
    """Return what is missing from a lesson's frame: title, objectives, setup, key points."""
    stem = filename.removesuffix(".ipynb")
    found = []
    cells = notebook.cells
    if stem not in LESSON_NAMES:
        found.append(Problem("*", "file name", f"{filename} is not one of {LESSON_NAMES}"))
        return found
    number = stem[:2]
    first = cells[0] if cells else None
    if first is None or first.cell_type != "markdown":
        return [Problem("0", "title", "a lesson opens with a markdown cell")]
    if not re.match(rf"# {number} · \S", first.source):
        found.append(Problem(cell_name(first, 0), "title", f"the first line is '# {number} · …'"))
    code = [(index, cell) for index, cell in enumerate(cells) if cell.cell_type == "code"]
    before_code = "\n".join(c.source for c in cells[: code[0][0] if code else len(cells)])
    if not re.search(r"^(\*\*Objectives\*\*|#+ Objectives)", before_code, flags=re.M):
        found.append(Problem("*", "objectives", "no **Objectives** before the first code cell"))
    if code:
        index, setup = code[0]
        lines = [line for line in setup.source.splitlines() if line.strip()]
        shown = "".join(output_text(output) for output in setup.get("outputs", []))
        if not (
            lines[:1] == ["from demo_project.lab import boot"]
            and any(re.match(r"lab = boot\(", line) for line in lines)
            and lines[-1] == "lab"
            and shown.startswith("Django is ready: ")
        ):
            found.append(
                Problem(
                    cell_name(setup, index),
                    "setup",
                    "the first code cell is: from demo_project.lab import boot / "
                    "lab = boot(items=N) / lab",
                )
            )
    markdown = [cell.source for cell in cells if cell.cell_type == "markdown"]
    key_points = next(
        (
            n
            for n, text in enumerate(markdown)
            if re.search(r"^#+ Key points|^\*\*Key points", text, flags=re.M)
        ),
        None,
    )
    if key_points is None:
        found.append(Problem("*", "key points", "no Key points heading"))
        ending = ""
    else:
        ending = "\n".join(markdown[key_points:])
    position = LESSON_NAMES.index(stem)
    neighbours = (
        LESSON_NAMES[max(position - 1, 0) : position] + LESSON_NAMES[position + 1 : position + 2]
    )
    for neighbour in neighbours:
        if f"]({neighbour}.ipynb)" not in ending:
            found.append(
                Problem("*", "links", f"no relative link to {neighbour}.ipynb after Key points")
            )
    for index, cell in enumerate(cells):
        if cell.cell_type == "code" and list(find_comment_markers(cell.source)):
            found.append(
                Problem(
                    cell_name(cell, index),
                    "visible marker",
                    "an nbval comment (# NBVAL_...) shows in the lesson: use the cell's tag "
                    "instead (nbval-ignore-output, nbval-skip, nbval-raises-exception)",
                )
            )
        if cell.cell_type != "code" or not cell.source.startswith('"""Check'):
            continue
        shown = "".join(output_text(output) for output in cell.get("outputs", []))
        if "assert " not in cell.source or not shown.lstrip().startswith("✓"):
            found.append(
                Problem(
                    cell_name(cell, index),
                    "check cell",
                    'a """Check…""" cell asserts, then prints "✓ <what was checked>"',
                )
            )
    return found


def allowed(problem: Problem, filename: str) -> bool:
    return (filename, problem.cell, problem.rule) in ALLOWED


def report(found: list[Problem], filename: str) -> str:
    return "\n".join(str(problem) for problem in found if not allowed(problem, filename))


# ---------------------------------------------------------------------------------------
# Every committed notebook


@pytest.mark.parametrize("path", each(NOTEBOOKS))
def test_the_notebook_is_valid_nbformat_with_the_kernelspec(path):
    notebook = nbformat.read(path, as_version=nbformat.NO_CONVERT)
    nbformat.validate(notebook)
    assert notebook.nbformat == 4
    assert notebook.metadata.get("kernelspec") == KERNELSPEC


@pytest.mark.parametrize("path", each(NOTEBOOKS))
def test_every_cell_is_executed_checked_and_stable(path):
    found = problems(nbformat.read(path, as_version=4))
    assert not report(found, path.name), f"{path.relative_to(ROOT)}:\n{report(found, path.name)}"


@pytest.mark.parametrize("path", each(notebooks_in("solutions")))
def test_no_nbval_comment_shows_in_a_solution(path):
    """exercises/ is generated from solutions/: a marker there would show to learners."""
    notebook = nbformat.read(path, as_version=4)
    visible = [
        cell_name(cell, index)
        for index, cell in enumerate(notebook.cells)
        if cell.cell_type == "code" and list(find_comment_markers(cell.source))
    ]
    assert visible == [], f"use the cell's nbval tag instead of a # NBVAL_ comment: {visible}"


@pytest.mark.parametrize("path", each(LESSONS))
def test_the_lesson_has_its_frame(path):
    found = lesson_problems(nbformat.read(path, as_version=4), path.name)
    assert not report(found, path.name), f"{path.relative_to(ROOT)}:\n{report(found, path.name)}"


@pytest.mark.parametrize("path", each(NOTEBOOKS))
def test_the_file_name_follows_the_convention(path):
    assert path.stem in LESSON_NAMES, f"{path.relative_to(ROOT)}: name it one of {LESSON_NAMES}"


@pytest.mark.parametrize("path", each(NOTEBOOKS))
def test_relative_links_point_at_notebooks_of_the_workbook(path):
    notebook = nbformat.read(path, as_version=4)
    text = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    for target in re.findall(r"\]\(([^)\s#]+\.ipynb)(?:#[^)]*)?\)", text):
        assert not re.match(r"\w+://|/", target), f"{target}: use a relative link"
        # A lesson still being written may be linked before it exists.
        exists = (path.parent / target).exists()
        assert exists or Path(target).stem in LESSON_NAMES, f"{path.name} links to {target}"


# ---------------------------------------------------------------------------------------
# The checks themselves, on made-up notebooks (no kernel)


def made_up(*cells, count_from: int = 1):
    """Return a notebook of code cells given as (source, outputs), executed in order."""
    notebook = nbformat.v4.new_notebook(metadata={"kernelspec": dict(KERNELSPEC)})
    for number, (source, outputs) in enumerate(cells, count_from):
        notebook.cells.append(
            nbformat.v4.new_code_cell(source, execution_count=number, outputs=outputs)
        )
    return notebook


def stdout(text: str):
    return nbformat.v4.new_output("stream", name="stdout", text=text)


def result(text: str, number: int = 1):
    return nbformat.v4.new_output("execute_result", {"text/plain": text}, execution_count=number)


def rules_of(notebook) -> set[str]:
    return {problem.rule for problem in problems(notebook)}


def test_a_clean_notebook_has_no_problems():
    notebook = made_up(
        ("print('3 queries in 12.34 ms')", [stdout("3 queries in 12.34 ms\n")]),
        ("panel.count", [result("3")]),
        ("print(object())", [stdout("<object object at 0x7f3a2b1c0d90>\n")]),
    )
    assert problems(notebook) == []


def test_a_cell_without_outputs_is_flagged():
    notebook = made_up(("panel.count", [result("3")]), ("x = 1", []))
    assert [(p.rule, p.cell) for p in problems(notebook)] == [("no output", notebook.cells[1].id)]


def test_a_cell_never_executed_is_flagged():
    notebook = made_up(("panel.count", [result("3")]))
    notebook.cells[0].execution_count = None
    assert "not executed" in rules_of(notebook)


def test_cells_executed_out_of_order_are_flagged():
    notebook = made_up(("a", [result("1")]), ("b", [result("2")]))
    notebook.cells[0].execution_count = 7
    assert rules_of(notebook) == {"execution order"}


def test_a_predict_cell_needs_no_output_but_other_assignments_do():
    notebook = made_up(("guess_queries = None  # your prediction: a number", []))
    assert problems(notebook) == []
    notebook = made_up(("guess_queries = None  # your prediction: a number\nx = 1", []))
    assert rules_of(notebook) == {"no output"}


def test_an_empty_code_cell_needs_nothing():
    notebook = made_up(("panel.count", [result("3")]))
    notebook.cells.append(nbformat.v4.new_code_cell(""))
    assert problems(notebook) == []


@pytest.mark.parametrize(
    ("output", "rule"),
    [
        (nbformat.v4.new_output("error", ename="ValueError", evalue="x", traceback=[]), "error"),
        (stdout("Traceback (most recent call last):\n  ...\n"), "traceback"),
        (nbformat.v4.new_output("stream", name="stderr", text="oops\n"), "stderr"),
        (stdout("a RuntimeWarning: never awaited\n"), "warning"),
        (stdout("took 0.0123 s\n"), "duration"),
        (stdout("took 12.345 ms\n"), "duration"),
        (stdout("took 1.5s\n"), "duration"),
        (stdout("took 3e-05\n"), "long float"),
        (stdout("ratio 3.1415926\n"), "long float"),
        (stdout("0.0012345678\n"), "long float"),
        (stdout("<object at 0x7fab>\n"), "address"),
        (stdout('File "/tmp/ipykernel_4242/12345.py", line 3\n'), "kernel path"),
        (stdout("ran in Thread-3 (work)\n"), "thread name"),
        (stdout("ran in ThreadPoolExecutor-0_1\n"), "thread name"),
        (result("'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl'"), "jwt"),
    ],
)
def test_an_output_that_would_break_or_fool_nbval_is_flagged(output, rule):
    assert rule in rules_of(made_up(("cell", [output])))


def test_the_sanitized_forms_pass():
    notebook = made_up(
        ("t", [stdout("   12.34 ms\n1234.56 ms\n")]),
        ("p", [result("price 361.48, rating 3.5")]),
        ("f", [result("0.30000000000000004 49978.61999999999 19.98999999999999843680598")]),
        ("d", [stdout("<function f at 0x7f00deadbeef>\n")]),
    )
    assert problems(notebook) == []


def test_html_outputs_are_read_too():
    html = nbformat.v4.new_output(
        "display_data", {"text/html": "<td>0.123456 s</td>", "text/plain": "x"}
    )
    assert "duration" in rules_of(made_up(("table", [html])))


def test_an_ignored_cell_may_show_a_plot_or_a_time_only():
    plot = "# NBVAL_IGNORE_OUTPUT\nfigure = plot_comparison(table)"
    count = "# NBVAL_IGNORE_OUTPUT\npanel.count"
    status = "response = lab.client.get('/api/v1/items/')\nresponse.status_code"
    notebook = made_up(
        (plot, [result("<Figure>")]), (count, [result("3")]), (status, [result("200")])
    )
    notebook.cells[2].metadata["tags"] = ["nbval-ignore-output"]
    flagged = [(p.cell, p.rule) for p in problems(notebook)]
    assert flagged == [
        (notebook.cells[1].id, "ignored output"),
        (notebook.cells[2].id, "ignored output"),
    ]


def test_skipped_and_raising_cells_are_flagged():
    notebook = made_up(
        ("# NBVAL_SKIP\nx", [result("1")]), ("# NBVAL_RAISES_EXCEPTION\ny", [result("2")])
    )
    assert rules_of(notebook) == {"skip", "raises"}


def test_the_markers_read_are_nbvals_own():
    assert comment_markers["NBVAL_IGNORE_OUTPUT"] == ("check", False)
    assert metadata_tags["nbval-ignore-output"] == ("check", False)


def test_allowed_problems_are_left_out_of_the_report(monkeypatch):
    notebook = made_up(("x = 1", []))
    found = problems(notebook)
    monkeypatch.setitem(ALLOWED, ("x.ipynb", notebook.cells[0].id, "no output"), "a reason")
    assert report(found, "x.ipynb") == ""
    assert report(found, "y.ipynb") != ""


def lesson(name: str, *, title=None, objectives=True, key_points=True, links=None):
    stem = name.removesuffix(".ipynb")
    number = stem[:2]
    opening = (title or f"# {number} · A title") + "\n\nWhy.\n"
    if objectives:
        opening += "\n**Objectives**\n\n- one\n"
    notebook = made_up(
        (
            "from demo_project.lab import boot\n\nlab = boot(items=10)\nlab",
            [result("Django is ready: 10 items")],
        ),
        (
            '"""Check: one thing."""\nassert True, "always"\nprint("✓ one thing")',
            [stdout("✓ one thing\n")],
        ),
    )
    notebook.cells.insert(0, nbformat.v4.new_markdown_cell(opening))
    ending = "## Key points\n\n- one\n\n" if key_points else ""
    ending += (
        links
        if links is not None
        else "[← 02 · Schemas](02-schemas.ipynb) · [04 · Services →](04-services.ipynb)"
    )
    notebook.cells.append(nbformat.v4.new_markdown_cell(ending))
    return notebook


def test_a_lesson_with_its_frame_passes():
    assert lesson_problems(lesson("03-the-api.ipynb"), "03-the-api.ipynb") == []


def test_the_first_and_last_lessons_link_one_way():
    assert (
        lesson_problems(
            lesson("00-start-here", links="[01 →](01-models.ipynb)"), "00-start-here.ipynb"
        )
        == []
    )
    last = lesson("10-where-the-time-goes", links="[← 09](09-async-ninja.ipynb)")
    assert lesson_problems(last, "10-where-the-time-goes.ipynb") == []


@pytest.mark.parametrize(
    ("changes", "rule"),
    [
        ({"title": "# 3 · The API"}, "title"),
        ({"title": "# 04 · The API"}, "title"),
        ({"objectives": False}, "objectives"),
        ({"key_points": False}, "key points"),
        ({"links": "[← 02](02-schemas.ipynb)"}, "links"),
    ],
)
def test_a_lesson_missing_part_of_its_frame_is_flagged(changes, rule):
    found = lesson_problems(lesson("03-the-api", **changes), "03-the-api.ipynb")
    assert rule in {problem.rule for problem in found}


def test_a_lesson_without_the_setup_cell_or_with_a_silent_check_is_flagged():
    notebook = lesson("03-the-api")
    notebook.cells[1].source = "import django"
    notebook.cells[2].outputs = [stdout("done\n")]
    assert {p.rule for p in lesson_problems(notebook, "03-the-api.ipynb")} == {
        "setup",
        "check cell",
    }


def test_an_nbval_comment_in_a_lesson_is_flagged_and_its_tag_is_not():
    notebook = lesson("03-the-api")
    plot = nbformat.v4.new_code_cell("# NBVAL_IGNORE_OUTPUT\nplot_loads(loads);")
    notebook.cells.insert(2, plot)
    flagged = lesson_problems(notebook, "03-the-api.ipynb")
    assert [(p.cell, p.rule) for p in flagged] == [(plot.id, "visible marker")]
    plot.source = "plot_loads(loads);"
    plot.metadata["tags"] = ["nbval-ignore-output"]
    assert lesson_problems(notebook, "03-the-api.ipynb") == []


def test_a_lesson_with_another_name_is_flagged():
    found = lesson_problems(lesson("03-api"), "03-api.ipynb")
    assert [problem.rule for problem in found] == ["file name"]


@pytest.mark.parametrize("path", each(NOTEBOOKS[:1]))
def test_removing_a_stored_output_of_a_committed_notebook_is_flagged(path):
    notebook = nbformat.read(path, as_version=4)
    index, cell = next(
        (index, cell)
        for index, cell in enumerate(notebook.cells)
        if cell.cell_type == "code" and cell.outputs
    )
    stripped = copy.deepcopy(notebook)
    stripped.cells[index].outputs = []
    before = {(p.cell, p.rule) for p in problems(notebook)}
    after = {(p.cell, p.rule) for p in problems(stripped)}
    assert after - before == {(cell_name(cell, index), "no output")}


# ---------------------------------------------------------------------------------------
# Kernels: strict nbval really fails, and lessons run twice


@pytest.fixture(scope="session")
def jupyter_environment():
    """Keep Jupyter's files in the repository and plots off screen (as the Makefile does)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JUPYTER_RUNTIME_DIR", str(ROOT / "var" / "jupyter" / "runtime"))
        patch.setenv("IPYTHONDIR", str(ROOT / "var" / "ipython"))
        patch.setenv("MPLBACKEND", "Agg")
        patch.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")
        (ROOT / "var" / "jupyter" / "runtime").mkdir(parents=True, exist_ok=True)
        yield


TINY_LESSON = [
    "from demo_project.lab import boot\n\nlab = boot(items=10)\nlab",
    'with lab.queries("a page", show=False) as panel:\n'
    '    lab.client.get("/api/v1/items/")\n'
    "panel.count",
    'with lab.queries("a page") as panel:\n    lab.client.get("/api/v1/items/1")',
    'lab.compare({"list": "GET /api/v1/items/", "detail": "/api/v1/items/1"},\n'
    "            sizes=(5, 10), repeat=1)",
]


def execute(notebook, path: Path):
    from nbclient import NotebookClient

    NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(path)}}
    ).execute()
    return notebook


@pytest.fixture
def tiny_lesson(tmp_path, jupyter_environment):
    """A four-cell notebook executed as make notebooks would: boot, a count, a panel, compare."""
    notebook = nbformat.v4.new_notebook(metadata={"kernelspec": dict(KERNELSPEC)})
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in TINY_LESSON]
    execute(notebook, tmp_path)
    return notebook


def test_a_changed_query_count_fails_strict_nbval(tmp_path, tiny_lesson):
    assert problems(tiny_lesson) == [], "the tiny lesson itself must be clean"
    count = tiny_lesson.cells[1].outputs[0]
    assert count["data"]["text/plain"] == "2"
    outputs = tiny_lesson.cells[3].outputs
    kinds = [output.output_type for output in outputs]
    assert set(kinds[:-2]) == {"stream"}, "compare() prints a line per size as it starts"
    assert kinds[-2:] == ["display_data", "execute_result"], "then a plot, then the table"
    assert "image/png" in outputs[-2]["data"]
    changed = copy.deepcopy(tiny_lesson)
    changed.cells[1].outputs[0]["data"]["text/plain"] = "4"
    nbformat.write(changed, tmp_path / "changed.ipynb")

    run = subprocess.run(
        [
            sys.executable, "-m", "pytest", "--nbval", "--nbval-current-env",
            "--nbval-sanitize-with", str(SANITIZE_FILE), "-p", "no:django",
            "-p", "no:cacheprovider", "--rootdir", str(tmp_path), "-v", "changed.ipynb",
        ],
        cwd=tmp_path, capture_output=True, text=True, timeout=240, check=False,
    )  # fmt: skip

    # nbval names its items oddly ("changed::ipynb::Cell 1"): read the cell and outcome.
    outcomes = dict(re.findall(r"^\S+::(Cell \d+) (PASSED|FAILED)", run.stdout, re.M))
    # The other cells pass, so their stored panel, times and table survive a fresh run:
    # the failure is the count, and only the count.
    assert outcomes == {
        "Cell 0": "PASSED",
        "Cell 1": "FAILED",
        "Cell 2": "PASSED",
        "Cell 3": "PASSED",
    }, run.stdout[-3000:]
    assert "mismatch 'text/plain'" in run.stdout and "'4' == '2'" in run.stdout
    assert run.returncode == 1


def run_twice(path: Path) -> list[dict[str, str]]:
    """Run every cell of ``path`` twice in one kernel; return each run's sanitized outputs."""
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=60,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    rules = sanitize_rules()
    runs = []
    with client.setup_kernel():
        for _ in range(2):
            shown = {}
            for index, cell in enumerate(notebook.cells):
                if cell.cell_type != "code":
                    continue
                client.execute_cell(cell, index)  # raises CellExecutionError on an error
                name = cell_name(cell, index)
                stderr = [o for o in cell.outputs if o.get("name") == "stderr"]
                assert not stderr, f"{path.name} cell {name} wrote to stderr: {stderr[0].text}"
                if IGNORED not in markers(cell):
                    outputs = coalesce_streams(copy.deepcopy(cell.outputs))  # as nbval does
                    shown[name] = sanitized("\n".join(map(output_text, outputs)), rules)
            runs.append(shown)
    return runs


TWICE = "test_the_lesson_runs_twice_in_one_kernel_with_the_same_outputs"


@pytest.fixture(scope="session")
def lessons_run_twice(request, jupyter_environment):
    """Run the selected lessons two at a time (one kernel each, one per core), on demand.

    Under pytest-xdist each worker runs its own lessons one by one: the workers already
    keep both cores busy. With DATABASE_URL set, every kernel boots on that one database,
    so lessons run one at a time there (two would reseed each other's tables).
    """
    selected = []
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        selected = [
            item.callspec.params["path"]
            for item in request.session.items
            if getattr(item, "originalname", None) == TWICE
            and item.callspec.params["path"] is not None
        ]
    with ThreadPoolExecutor(max_workers=1 if os.environ.get("DATABASE_URL") else 2) as pool:
        runs = {path: pool.submit(run_twice, path) for path in selected}

        def result(path: Path):
            if path not in runs:
                runs[path] = pool.submit(run_twice, path)
            return runs[path].result()

        yield result
        for future in runs.values():
            future.cancel()


@pytest.mark.parametrize("path", each(LESSONS))
def test_the_lesson_runs_twice_in_one_kernel_with_the_same_outputs(path, lessons_run_twice):
    first, second = lessons_run_twice(path)
    changed = [name for name in first if first[name] != second[name]]
    assert not changed, (
        f"{path.name}: cells {changed} show something else on a second run "
        f"(boot() reseeds; clear caches at the start of a demo):\n"
        f"first:  {first[changed[0]][:300]!r}\nsecond: {second[changed[0]][:300]!r}"
    )
