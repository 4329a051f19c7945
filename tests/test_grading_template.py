"""The grader's database template: kernels copy it instead of migrating, and cannot change it.

The grader migrates one SQLite database per run (template.py) and each kernel's ``boot()``
copies it. The copy must give a kernel the database migrating would, and a submission,
which sees the template read-only in its sandbox, must not be able to change what the next
submission starts from.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from demo_project.tools.grading import sandbox

ROOT = Path(__file__).resolve().parent.parent
DUMP = (
    "from demo_project.lab import boot\n"
    "from django.db import connection\n"
    "boot(items=20)\n"
    "print('\\n'.join(connection.connection.iterdump()))\n"
)


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    made = sandbox.database_template(tmp_path_factory.mktemp("template"))
    assert made is not None and made.stat().st_size > 0, "the template was not made"
    return made


def database_after_boot(tmp_path: Path, template: Path | None) -> str:
    """The SQL dump of a fresh process's database after ``boot(items=20)``.

    Password hashes are salted afresh in each process, and each migration records when it
    was applied: the dump shows them as ``md5$…`` and ``applied``.
    """
    env = sandbox.environment(tmp_path, template)
    done = subprocess.run(
        [sys.executable, "-c", DUMP], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    dump = re.sub(r"md5\$[^']*", "md5$…", done.stdout)
    return re.sub(r"(INSERT INTO \"django_migrations\" .*)'[\d:. -]+'\);", r"\1'applied');", dump)


def test_a_kernel_booted_from_the_template_has_the_database_migrating_gives(tmp_path, template):
    """Same schema, same migrations recorded, same rows, same sequences."""
    migrated = database_after_boot(tmp_path, None)
    copied = database_after_boot(tmp_path, template)
    assert "django_migrations" in migrated and "catalog_item" in migrated
    assert copied == migrated


def test_boot_copies_the_template_rather_than_migrating(tmp_path, template):
    """A table only the template has shows up in the kernel's database."""
    marked = tmp_path / "marked.sqlite3"
    shutil.copy(template, marked)
    with sqlite3.connect(marked) as db:
        db.execute("CREATE TABLE only_in_the_template (x)")
    assert "only_in_the_template" in database_after_boot(tmp_path, marked)


WRITE_THE_TEMPLATE = """
import os, sqlite3
path = os.environ["WORKBOOK_DATABASE_TEMPLATE"]
tries = {
    "sql": lambda: sqlite3.connect(path).execute("CREATE TABLE poisoned (x)"),
    "file": lambda: open(path, "ab").write(b"poison"),
    "delete": lambda: os.remove(path),
}
for name, attempt in tries.items():
    try:
        attempt()
        print(name, "succeeded")
    except Exception as error:
        print(name, "refused:", type(error).__name__)
"""


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed")
def test_a_submission_cannot_change_the_template_the_next_one_starts_from(tmp_path, template):
    """In the sandbox the template is read-only: SQL, a file write and a delete all fail.

    The copy attacked here is writable by anyone, so only the read-only mount stops them.
    """
    template = Path(shutil.copy(template, tmp_path / "template.sqlite3"))
    template.chmod(0o666)
    before = hashlib.sha256(template.read_bytes()).hexdigest()
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nb.cells = [nbformat.v4.new_code_cell(WRITE_THE_TEMPLATE)]
    executed, ending = sandbox.run(
        nbformat.writes(nb), cell_timeout=60, timeout=120, hidden=[], template=template
    )
    assert executed is not None and not ending, ending
    printed = "".join(o.get("text", "") for o in nbformat.reads(executed, 4).cells[0].outputs)
    assert printed.count("refused") == 3, printed
    assert hashlib.sha256(template.read_bytes()).hexdigest() == before
