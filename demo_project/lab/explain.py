"""explain(): a queryset's plan, readable, on SQLite and on PostgreSQL.

``plan.indexes`` names the indexes the plan uses and ``plan.full_scans`` the tables it
reads whole, so a check cell can assert on them on either database; ``plan.text`` is the
database's own words (PostgreSQL's cost estimates left out, since they vary run to run).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

INDEX_PATTERNS = [
    r"USING (?:COVERING |INTEGER PRIMARY KEY |PRIMARY KEY )?INDEX (\w+)",  # SQLite
    r"Index (?:Only )?Scan (?:Backward )?using (\w+)",  # PostgreSQL
    r"Bitmap Index Scan on (\w+)",  # PostgreSQL
]
FULL_SCAN_PATTERNS = [
    # SQLite: every row, in table or in index order ("SCAN TABLE t" before SQLite 3.36);
    # "SCAN CONSTANT ROW" reads no table.
    r"^\W*SCAN (?:TABLE )?(?!CONSTANT ROW\b)(\w+)",
    r"Seq Scan on (\w+)",  # PostgreSQL
]
PK_SEARCH = re.compile(r"USING INTEGER PRIMARY KEY")
PG_INDEX_WALK = re.compile(r"Index (?:Only )?Scan (?:Backward )?using \w+ on (\w+)")


@dataclass(frozen=True)
class Plan:
    vendor: str
    text: str

    @property
    def indexes(self) -> set[str]:
        """The names of the indexes the plan uses (SQLite's rowid search shows as 'pk')."""
        names = {m for p in INDEX_PATTERNS for m in re.findall(p, self.text, flags=re.M)}
        if PK_SEARCH.search(self.text):
            names.add("pk")
        return names

    @property
    def full_scans(self) -> set[str]:
        """The tables the plan reads row by row, whole (in table or in index order)."""
        lines = self.text.splitlines()
        scans = set()
        for number, line in enumerate(lines):
            for pattern in FULL_SCAN_PATTERNS:
                scans.update(re.findall(pattern, line))
            walk = PG_INDEX_WALK.search(line)
            if walk and not _has_index_condition(lines, number):
                scans.add(walk.group(1))  # an index walked from its first entry to its last
        return scans

    def uses_index(self, name: str | None = None) -> bool:
        """Return whether the plan uses index ``name`` (any index, when no name is given)."""
        return bool(self.indexes) if name is None else name in self.indexes

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        name = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(self.vendor, self.vendor)
        body = "\n".join(f"  {line}" for line in self.text.splitlines())
        return f"query plan ({name}):\n{body}"


def _has_index_condition(lines: list[str], number: int) -> bool:
    """Return whether the plan node on ``lines[number]`` has an Index Cond line."""
    indent = len(lines[number]) - len(lines[number].lstrip())
    for line in lines[number + 1 :]:
        if line.lstrip().startswith("->") or len(line) - len(line.lstrip()) <= indent:
            return False
        if line.lstrip().startswith("Index Cond:"):
            return True
    return False


def explain(queryset) -> Plan:
    """Return the plan the database would use for ``queryset``."""
    from django.db import connections

    vendor = connections[queryset.db].vendor
    if vendor == "sqlite":
        return Plan(vendor=vendor, text=_sqlite_plan(queryset))
    text = queryset.explain()
    if vendor == "postgresql":
        text = re.sub(r"\s*\(cost=[^)]*\)", "", text)
    return Plan(vendor=vendor, text=text)


_fresh = itertools.count()


def _sqlite_plan(queryset) -> str:
    """Return SQLite's EXPLAIN QUERY PLAN lines for ``queryset``, planned afresh.

    Python's sqlite3 caches prepared statements by their text, and SQLite does not prepare
    a cached EXPLAIN again after an index is dropped on the same connection: the plan would
    still name the dropped index. A comment that differs on every call makes it new.
    """
    from django.db import connections

    connection = connections[queryset.db]
    sql, params = queryset.query.get_compiler(queryset.db).as_sql()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql} /* lab.explain {next(_fresh)} */", params)
        return "\n".join(row[3] for row in cursor.fetchall())
