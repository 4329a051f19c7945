"""Learners' work collected inside the repository is never linted, formatted or committed."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RUFF = Path(sys.executable).with_name("ruff")
# An unused import, a line too long, a comparison to None, spacing ruff format would change.
BAD_CODE = "import os\nx=[1,2 ,3]\nif x == None: print('" + "y" * 120 + "')\n"
BAD_NOTEBOOK = {
    "cells": [
        {"cell_type": "code", "execution_count": None, "id": "a1", "metadata": {},
         "outputs": [], "source": BAD_CODE}
    ],
    # ruff lints a notebook whose language is Python, as Jupyter saves it.
    "metadata": {"language_info": {"name": "python"}},
    "nbformat": 4,
    "nbformat_minor": 5,
}  # fmt: skip


def ruff(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(RUFF), *args], cwd=cwd, capture_output=True, text=True, check=False)


def test_ruff_ignores_a_bad_notebook_under_collected_and_not_elsewhere(tmp_path):
    """The project's own settings, without git: the exclusion is ruff's, not .gitignore's."""
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    for folder in ("collected/Amélie Dubois", "notebooks"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "05-x.ipynb").write_text(json.dumps(BAD_NOTEBOOK))
    assert ruff("check", "--no-cache", ".", cwd=tmp_path).returncode == 1  # it is bad
    assert ruff("format", "--check", "--no-cache", ".", cwd=tmp_path).returncode == 1
    (tmp_path / "notebooks" / "05-x.ipynb").unlink()
    checked = ruff("check", "--no-cache", ".", cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout
    assert ruff("format", "--check", "--no-cache", ".", cwd=tmp_path).returncode == 0
    before = (tmp_path / "collected" / "Amélie Dubois" / "05-x.ipynb").read_bytes()
    ruff("check", "--fix", "--no-cache", ".", cwd=tmp_path)  # what make format runs
    ruff("format", "--no-cache", ".", cwd=tmp_path)
    assert (tmp_path / "collected" / "Amélie Dubois" / "05-x.ipynb").read_bytes() == before


def test_git_ignores_collected_work_in_the_repository():
    if not (ROOT / ".git").exists():  # a worktree has a .git file, a clone a folder
        pytest.skip("not a git checkout")
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", "collected/Amélie Dubois/05-x.ipynb"],
        cwd=ROOT, check=False,
    )  # fmt: skip
    assert ignored.returncode == 0
