"""The sandbox keeps what the kernel runs from visible when it lives under a private folder.

bwrap gives each submission an empty /tmp (and an empty /root): a project cloned under
/tmp, as a CI machine may do, would vanish from inside, and every kernel would fail to
start ("No such file or directory") with every answer marked not run.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from demo_project.tools.grading import sandbox


def test_a_project_under_tmp_is_bound_back_read_only_after_the_private_tmp(monkeypatch):
    monkeypatch.setattr(sandbox, "ROOT", Path("/tmp/clone/workbook"))
    hidden = Path("/tmp/clone/workbook/collected")
    words = sandbox.command(["true"], Path("/tmp/one"), hidden=[], cpu_seconds=5, uid=None)
    private = words.index("/tmp", words.index("--tmpfs"))
    bound = [i for i, word in enumerate(words) if word == "--ro-bind"]
    bound = [i for i in bound if words[i + 1 : i + 3] == [str(sandbox.ROOT)] * 2]
    assert bound and bound[0] > private, "the project must be bound after /tmp is emptied"
    assert hidden.as_posix() not in words


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed")
def test_a_file_of_a_project_under_tmp_is_readable_inside(monkeypatch, tmp_path):
    project = tmp_path / "clone"
    project.mkdir()
    (project / "settings.txt").write_text("visible\n")
    folder = tmp_path / "submission"
    folder.mkdir()
    monkeypatch.setattr(sandbox, "ROOT", project)
    words = sandbox.command(
        ["cat", str(project / "settings.txt")], folder, hidden=[], cpu_seconds=5, uid=None
    )
    done = subprocess.run(words, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0 and done.stdout == "visible\n", done.stderr


def test_the_bytecode_no_kernel_can_write_is_compiled_before_the_kernels_start(tmp_path):
    module = tmp_path / "package" / "module.py"
    module.parent.mkdir()
    module.write_text("ANSWER = 42\n")
    assert sandbox.compile_bytecode([tmp_path / "package"])
    assert Path(importlib.util.cache_from_source(str(module))).is_file()


def test_the_environment_is_compiled_again_only_once_it_changed(monkeypatch, tmp_path):
    monkeypatch.setattr(sandbox, "BYTECODE_STAMP", tmp_path / "stamp")
    commands = []

    def run(words, **_):
        commands.append(words)
        return subprocess.CompletedProcess(words, 0)

    monkeypatch.setattr(sandbox.subprocess, "run", run)
    project, packages = str(sandbox.ROOT / "demo_project"), sysconfig.get_path("purelib")
    assert sandbox.compile_environment() and sandbox.compile_environment()
    assert packages in commands[0] and project in commands[0]
    assert packages not in commands[1] and project in commands[1]
    (tmp_path / "stamp").write_text("an install since")
    assert sandbox.compile_environment() and packages in commands[2]


def test_the_grader_starts_without_building_grammars_no_notebook_needs():
    code = "import sys, demo_project.tools.grading\n"
    code += "print('rfc3987_syntax.syntax_helpers' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout == "False\n"
