"""Any cell, run again: every notebook gives the same verdicts with each code cell run twice.

A learner runs a cell a second time all the time: to look again, after an edit, by a
stray Shift+Enter. Each lesson, solution and exercise notebook runs here in a fresh kernel
with every code cell executed twice in a row. Both runs of a cell must give its verdict:
whether it raised (and what), and the lines a check prints (``✓ ...``, ``✗ ...``). Where
the notebook is committed executed, that verdict is the stored one, so the cells after a
re-run one are held to it too. Timings are not compared: durations and tokens are
rewritten by the notebooks' own sanitize rules first.

One kernel per notebook, run twice through: ``make test-rerun`` (``-n 2``).
"""

from __future__ import annotations

import configparser
import copy
import os
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted(
    path
    for folder in ("notebooks", "solutions", "exercises")
    for path in (ROOT / folder).glob("*.ipynb")
)
ANSI = re.compile(r"\x1b\[[0-9;]*m")
VERDICT = re.compile(r"^\s*([✓✗].*)$", re.M)

pytestmark = pytest.mark.rerun


def kernel_env() -> dict[str, str]:
    """The embedded lane's environment: no service switches."""
    switches = {"DATABASE_URL", "CACHE_URL", "CELERY_BROKER_URL"}
    env = {k: v for k, v in os.environ.items() if k not in switches}
    env.setdefault("MPLBACKEND", "Agg")
    return env


def sanitize_rules() -> list[tuple[re.Pattern, str]]:
    parser = configparser.ConfigParser()
    parser.read(ROOT / "nbval-sanitize.cfg", encoding="utf-8")
    return [(re.compile(parser[s]["regex"]), parser[s]["replace"]) for s in parser.sections()]


RULES = sanitize_rules()


def sanitized(text: str) -> str:
    for pattern, replacement in RULES:
        text = pattern.sub(replacement, text)
    return ANSI.sub("", text)


def verdict(outputs) -> tuple[str | None, tuple[str, ...]]:
    """(the error a cell raised, as 'Name: first line', or None; the check lines it printed)."""
    error, texts = None, []
    for output in outputs:
        if output.get("output_type") == "error":
            shown = [ANSI.sub("", line) for line in output.get("traceback", [])]
            first = next((line for line in shown if line.strip()), "")
            error = sanitized(f"{output.get('ename')}: {first if first[:1] in '✓✗' else ''}")
            texts.append("\n" + "\n".join(shown) + "\n")
        text = output.get("text") or output.get("data", {}).get("text/plain", "")
        texts.append("".join(text) if isinstance(text, list) else text)
    # A stream arrives in chunks that may split a line: join them before reading lines.
    return error, tuple(VERDICT.findall(sanitized("".join(texts))))


def by_name(paths):
    return [pytest.param(path, id=f"{path.parent.name}/{path.stem}") for path in paths]


@pytest.mark.parametrize("path", by_name(NOTEBOOKS))
def test_every_cell_run_twice_gives_the_same_verdicts(path):
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    stored = {index: verdict(cell.get("outputs", [])) for index, cell in enumerate(nb.cells)}
    executed = any(cell.get("outputs") for cell in nb.cells if cell.cell_type == "code")
    client = NotebookClient(
        nb, kernel_name="python3", timeout=120, allow_errors=True, record_timing=False
    )
    differences = []
    with client.setup_kernel(env=kernel_env(), cwd=str(path.parent)):
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            client.execute_cell(cell, index)
            first = verdict(copy.deepcopy(cell.outputs))
            client.execute_cell(cell, index)
            second = verdict(cell.outputs)
            expected = stored[index] if executed else first
            for run, got in (("first", first), ("second", second)):
                if got != expected:
                    start = cell.source.splitlines()[0][:60] if cell.source else ""
                    differences.append(
                        f"cell [{index}] ({start}), {run} run: {got}, expected {expected}"
                    )
    assert not differences, f"{path.relative_to(ROOT)}:\n" + "\n".join(differences)
