"""The lessons' install: what it leaves out is not needed, and the catalog's schema is unchanged.

``make lab`` installs requirements.txt only; PostgreSQL's driver and Redis's client come
with the services extra (requirements-services.txt). The project must therefore migrate
and serve on SQLite with neither importable, and on PostgreSQL migration 0002 must still
build the trigram extension and index.
"""

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

ROOT = Path(__file__).resolve().parent.parent

# A fresh process where the services' packages cannot be imported (as on a learner's
# install), which migrates an empty SQLite database, checks the project and answers a request.
WITHOUT_SERVICES = """
import sys
for name in ("psycopg", "psycopg2", "redis"):
    sys.modules[name] = None  # import psycopg now raises ImportError
import django
from django.core.management import call_command
django.setup()
call_command("migrate", verbosity=0)
call_command("check", fail_level="WARNING")
call_command("makemigrations", check=True, dry_run=True, verbosity=0)
from django.test import Client
print(Client().get("/api/v1/items/").status_code)
"""


def test_sqlite_migrates_and_serves_without_the_services_packages(tmp_path):
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "CACHE_URL", "CELERY_BROKER_URL"}
    }
    environment |= {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "demo_project.settings",
        "WORKBOOK_EPHEMERAL_KEYS": "1",
    }
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_SERVICES],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.splitlines()[-1] == "200", done.stdout


# IPython and ipykernel without the packages uv-excludes.txt leaves out: a kernel starts,
# runs code and still completes names.
WITHOUT_EXCLUDED = """
import sys
for name in ("jedi", "debugpy"):
    sys.modules[name] = None
from ipykernel.inprocess.manager import InProcessKernelManager
manager = InProcessKernelManager()
manager.start_kernel()
shell = manager.kernel.shell
shell.run_cell("import collections; answer = 6 * 7", store_history=False)
text, matches = shell.complete("collections.Ord")
from ipykernel.debugger import _is_debugpy_available
completed = any(match.endswith("OrderedDict") for match in matches)
print(shell.user_ns["answer"], completed, shell.Completer.use_jedi, _is_debugpy_available)
"""


def test_a_kernel_runs_and_completes_without_the_excluded_packages():
    excluded = (ROOT / "uv-excludes.txt").read_text().split("\n")
    assert sorted(line for line in excluded if line and not line.startswith("#")) == [
        "debugpy",
        "jedi",
    ]
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_EXCLUDED], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split("\n")[-2] == "42 True False False", done.stdout


def trigram_state() -> tuple[bool, str | None]:
    """Whether pg_trgm is installed, and the definition of the catalog's trigram index."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'")
        (extensions,) = cursor.fetchone()
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'item_name_trgm_idx'")
        row = cursor.fetchone()
    return extensions == 1, row and row[0]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_trgm is PostgreSQL's")
def test_migration_0002_builds_the_trigram_index_and_undoes_it(transactional_db):
    index = (
        "CREATE INDEX item_name_trgm_idx ON public.catalog_item "
        "USING gin (upper((name)::text) gin_trgm_ops)"
    )
    assert trigram_state() == (True, index)
    executor = MigrationExecutor(connection)
    executor.migrate([("catalog", "0001_initial")])
    assert trigram_state() == (False, None)
    executor.loader.build_graph()
    executor.migrate([("catalog", "0002_item_name_trigram")])
    assert trigram_state() == (True, index)


def test_the_bootstrap_uv_can_build_the_project_itself():
    """uv builds the workbook in-process only when its version is in uv_build's range."""
    backend = tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]
    assert backend["build-backend"] == "uv_build"
    (build,) = backend["requires"]
    makefile = (ROOT / "Makefile").read_text()
    (bootstrap,) = re.findall(r'pip install --quiet "(uv[^"]*)"', makefile)
    assert build.removeprefix("uv_build") == bootstrap.removeprefix("uv"), (build, bootstrap)
