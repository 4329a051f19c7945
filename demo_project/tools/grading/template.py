"""A migrated, empty SQLite database that each kernel copies instead of migrating.

    python demo_project/tools/grading/template.py /some/folder/template.sqlite3

Migrating costs each kernel about 0.6 s of CPU (Django renders the models of every
migration); copying the file takes milliseconds. The grader makes one per run, in a process
of its own before the first kernel starts, and each sandbox sees it read-only; ``boot()``
copies it when ``WORKBOOK_DATABASE_TEMPLATE`` names it.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from contextlib import closing


def main(argv: list[str] | None = None) -> int:
    (target,) = sys.argv[1:] if argv is None else argv
    from demo_project.lab.boot import SANDBOX_ENVIRONMENT

    os.environ.update(SANDBOX_ENVIRONMENT)  # the kernels' database: SQLite in memory
    import django
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    with closing(sqlite3.connect(target)) as copy:
        connection.connection.backup(copy)
    return 0


if __name__ == "__main__":
    sys.exit(main())
