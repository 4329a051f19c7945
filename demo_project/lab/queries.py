"""The query panel: every query a block of code issued, from any thread, in a table.

    with lab.queries() as panel:
        lab.client.get("/api/v1/items/")

The cell then shows the count, repeated and similar statements (the signature of an N+1),
the total time, each statement and the line of project code that issued it. Each statement
is shown short (its column list folded, cut at a width); a click shows it whole, with its
values inlined as SQL literals, ready to copy into a database shell.

Queries are seen through a database execute wrapper that the kit installs on every
connection as it opens, so a query made by another thread (a thread pool, a threaded
server) is seen too; Django's ``CaptureQueriesContext`` sees one connection only.
A statement sent on the driver's own connection (``connection.connection.cursor()``)
passes no execute wrapper: the driver reports it too (SQLite's trace callback, a cursor
class on psycopg), and the panel shows it as a raw statement.
"""

from __future__ import annotations

import html
import json
import os
import re
import sys
import sysconfig
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .ready import require_django
from .timing import format_duration

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LAB_ROOT = Path(__file__).resolve().parent
CELL_FILE = re.compile(r"ipykernel_\d+[/\\]\d+\.py$")
TRANSACTION_CONTROL = re.compile(
    r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE( SAVEPOINT)?|ROLLBACK TO)\b", re.I
)
SQL_WIDTH = 160
STDLIB = sysconfig.get_paths()["stdlib"]
DJANGO_HANDLERS = os.path.join("django", "core", "handlers", "")

_active: list[QueryPanel] = []
_lock = threading.Lock()
# Set while a statement runs through the execute wrapper: the driver's report of that
# statement is then already counted.
_wrapped = threading.local()


@dataclass(frozen=True)
class Query:
    """One statement: its SQL (with %s placeholders), parameters, time and origin."""

    sql: str
    params: tuple
    seconds: float
    origin: str
    thread: str
    many: bool = False
    thread_id: int = 0
    raw: bool = False  # sent on the driver's connection, past Django's cursor

    @property
    def where(self) -> str:
        """The origin, and for a raw statement the road it took."""
        return f"{self.origin} (raw driver connection)" if self.raw else self.origin

    @property
    def shape(self) -> str:
        """The SQL with IN lists collapsed: statements of one shape differ only in values."""
        return re.sub(r"\((?:%s, )*%s\)", "(…)", self.sql)

    @property
    def is_transaction_control(self) -> bool:
        return bool(TRANSACTION_CONTROL.match(self.sql))

    def readable(self, width: int = SQL_WIDTH) -> str:
        """The SQL with its values inlined and a long column list folded, for display."""
        return shorten_sql(inline_params(self.sql, self.params), width)

    @property
    def statement(self) -> str:
        """The whole statement with its values as SQL literals: valid SQL to copy and run."""
        return as_statement(self.sql, self.params)


def _plain(value):
    """A JSONField's value as PostgreSQL's driver binds it (psycopg's ``Jsonb``), as JSON text."""
    if type(value).__name__ in {"Json", "Jsonb"} and hasattr(value, "obj"):
        return json.dumps(value.obj)
    return value


def inline_params(sql: str, params) -> str:
    """Put the parameters in place of the placeholders (for reading, never for running)."""
    if not params:
        return sql
    values = iter(params if isinstance(params, list | tuple) else [params])

    def literal(match: re.Match) -> str:
        value = _plain(next(values, None))
        if isinstance(value, str):
            return "'" + value.replace("'", "''") + "'"
        return "NULL" if value is None else str(value)

    return re.sub(r"%s", literal, sql)


def sql_literal(value) -> str:
    """Return ``value`` as an SQL literal that SQLite and PostgreSQL both read."""
    value = _plain(value)
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return f"X'{bytes(value).hex()}'"
    # Text, dates, UUIDs, and decimals, which Django's SQLite backend binds as text too.
    return "'" + str(value).replace("'", "''") + "'"


def as_statement(sql: str, params) -> str:
    """Put the parameters in place of the placeholders as SQL literals, whole.

    Django writes a literal ``%`` as ``%%`` in a statement that has parameters; the
    statement that ran had ``%``.
    """
    if not params:
        return sql
    values = iter(params)
    return re.sub(r"%[s%]", lambda m: "%" if m[0] == "%%" else sql_literal(next(values)), sql)


def _outer_from(sql: str) -> int:
    """Return where the outermost `` FROM `` starts (not one inside a subquery), or -1."""
    depth = 0
    for index, char in enumerate(sql):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif depth == 0 and sql.startswith(" FROM ", index):
            return index
    return -1


def shorten_sql(sql: str, width: int = SQL_WIDTH) -> str:
    """Fold ``SELECT a, b, c FROM`` into ``SELECT … FROM`` and cut at ``width``."""
    match = re.match(r"^SELECT (DISTINCT )?", sql)
    end = _outer_from(sql) if match else -1
    if end - (match.end() if match else 0) > 40:
        sql = f"SELECT {match.group(1) or ''}…{sql[end:]}"
    sql = " ".join(sql.split())
    return sql if len(sql) <= width else sql[: width - 1] + "…"


def _is_library(filename: str) -> bool:
    return (
        filename.startswith("<")
        or "site-packages" in filename
        or "dist-packages" in filename
        or filename.startswith(STDLIB)
    )


def _origin() -> str:
    """Return the innermost line of project code on the stack, else of the caller's code.

    A lazy queryset runs where it is evaluated: a query that Ninja's serializer or
    paginator issues has no project line, and shows the notebook cell that made the call.
    """
    project, lab = f"{PROJECT_ROOT}{os.sep}", f"{LAB_ROOT}{os.sep}"
    frame, inner, caller = sys._getframe(2), None, None
    while frame is not None:
        filename = frame.f_code.co_filename
        if _hands_the_request_on(inner):
            pass  # a middleware: neither the origin nor the caller
        elif filename.startswith(project) and not filename.startswith(lab):
            where = Path(filename).relative_to(PROJECT_ROOT).as_posix()
            return f"{where}:{frame.f_lineno} {frame.f_code.co_name}"
        elif caller is None:
            if CELL_FILE.search(filename):
                caller = f"notebook cell, line {frame.f_lineno}"
            elif not _is_library(filename) and not filename.startswith(lab):
                caller = f"{Path(filename).name}:{frame.f_lineno}"
        frame, inner = frame.f_back, frame
    return caller or "outside the project"


def _hands_the_request_on(inner) -> bool:
    """Whether the frame that called ``inner`` was a middleware calling ``get_response``.

    A project middleware wraps every request; a query that runs further in (a lazy page
    that Ninja's paginator evaluates) did not come from it.
    """
    return inner is not None and DJANGO_HANDLERS in inner.f_code.co_filename


def _record(execute, sql, params, many, context):
    if not _active:  # the common case: nobody is listening
        return execute(sql, params, many, context)
    started = time.perf_counter()
    _wrapped.depth = getattr(_wrapped, "depth", 0) + 1
    try:
        return execute(sql, params, many, context)
    finally:
        _wrapped.depth -= 1
        _publish(
            sql=sql,
            params=tuple(params) if isinstance(params, list | tuple) else (),
            seconds=time.perf_counter() - started,
            many=many,
        )


def _publish(**query) -> None:
    query = Query(
        **query,
        origin=_origin(),
        thread=threading.current_thread().name,
        thread_id=threading.get_ident(),
    )
    with _lock:
        for panel in _active:
            panel._queries.append(query)


def _traced(sql) -> None:
    """Count a statement the driver ran that no execute wrapper saw (a raw cursor's)."""
    if _active and not getattr(_wrapped, "depth", 0):
        _publish(sql=str(sql), params=(), seconds=0.0, raw=True)


def _reporting_cursor(base: type) -> type:
    """A psycopg cursor class that reports statements sent past Django's cursor."""

    class ReportingCursor(base):
        def execute(self, query, *args, **kwargs):
            _traced(query)
            return super().execute(query, *args, **kwargs)

        def executemany(self, query, *args, **kwargs):
            _traced(query)
            return super().executemany(query, *args, **kwargs)

    ReportingCursor.__name__ = ReportingCursor.__qualname__ = f"Reporting{base.__name__}"
    return ReportingCursor


def install(connection) -> None:
    """Make ``connection`` report its queries to the panels (once per connection)."""
    if _record not in connection.execute_wrappers:
        connection.execute_wrappers.append(_record)
    driver = connection.connection
    if driver is None:
        return
    if connection.vendor == "sqlite":
        driver.set_trace_callback(_traced)
    elif connection.vendor == "postgresql" and not getattr(
        driver.cursor_factory, "reports_raw", False
    ):
        driver.cursor_factory = _reporting_cursor(driver.cursor_factory)
        driver.cursor_factory.reports_raw = True


def _on_connection_created(sender, connection, **kwargs) -> None:
    install(connection)


def enable() -> None:
    """Watch every connection that opens from now on, in any thread, and this thread's."""
    from django.db import connections
    from django.db.backends.signals import connection_created

    connection_created.connect(_on_connection_created, dispatch_uid="lab-query-panel")
    for connection in connections.all():
        install(connection)


# eq=False: panels compare by identity, so that leaving a nested panel removes that
# panel from the listeners and not an outer one that happens to hold the same queries.
@dataclass(eq=False)
class QueryPanel:
    """Capture the queries of a ``with`` block and show them in the cell when it ends."""

    title: str = ""
    show: bool = True
    _queries: list[Query] = field(default_factory=list, repr=False)
    _thread_id: int = field(default=0, repr=False)

    def __enter__(self) -> QueryPanel:
        require_django()
        enable()
        self._queries.clear()
        self._thread_id = threading.get_ident()
        with _lock:
            _active.append(self)
        return self

    def __exit__(self, *exc_info) -> None:
        with _lock:
            _active.remove(self)
        if self.show and exc_info[0] is None:
            _display(self)

    # What a check cell asserts on.
    @property
    def queries(self) -> list[Query]:
        """The statements that count: transaction control (BEGIN, SAVEPOINT…) left out."""
        return [query for query in self._queries if not query.is_transaction_control]

    @property
    def count(self) -> int:
        """The number of statements, transaction control left out; also ``len(panel)``."""
        return len(self.queries)

    def __len__(self) -> int:
        return self.count

    @property
    def raw(self) -> int:
        """How many statements went past Django's cursor, on the driver's connection."""
        return sum(query.raw for query in self.queries)

    @property
    def transaction_statements(self) -> int:
        return len(self._queries) - self.count

    @property
    def seconds(self) -> float:
        return sum(query.seconds for query in self.queries)

    @property
    def threads(self) -> set[str]:
        """The names of the threads that issued the statements."""
        return {query.thread for query in self.queries}

    @property
    def from_other_threads(self) -> int:
        """How many statements came from threads other than the one that opened the panel.

        A count of statements, not of threads: how many threads a pool uses for the same
        work changes from run to run, the statements they issue do not.
        """
        return sum(query.thread_id != self._thread_id for query in self.queries)

    @property
    def duplicates(self) -> list[tuple[int, Query]]:
        """The statements run more than once with the same values, most repeated first."""
        counts = Counter((query.sql, query.params) for query in self.queries)
        return self._groups(counts, key=lambda query: (query.sql, query.params))

    @property
    def similar(self) -> list[tuple[int, Query]]:
        """Statements of the same shape run more than once: the signature of an N+1."""
        counts = Counter(query.shape for query in self.queries)
        return self._groups(counts, key=lambda query: query.shape)

    def _groups(self, counts: Counter, key) -> list[tuple[int, Query]]:
        first = {}
        for query in self.queries:
            first.setdefault(key(query), query)
        repeated = [(n, first[k]) for k, n in counts.items() if n > 1]
        return sorted(repeated, key=lambda group: -group[0])

    def sql(self) -> list[str]:
        """Every statement's readable SQL, in order."""
        return [query.readable(width=10_000) for query in self.queries]

    # What the cell shows.
    def summary(self) -> str:
        noun = "query" if self.count == 1 else "queries"
        parts = [f"{self.count} {noun} in {format_duration(self.seconds)}"]
        if self.similar:
            worst = self.similar[0][0]
            parts.append(f"{len(self.similar)} similar group(s), largest {worst}×: an N+1?")
        if self.duplicates:
            parts.append(f"{len(self.duplicates)} duplicated")
        if self.from_other_threads:
            parts.append(f"{self.from_other_threads} from other threads")
        if self.raw:
            parts.append(f"{self.raw} on the raw driver connection")
        return (self.title + ": " if self.title else "") + "; ".join(parts)

    def __str__(self) -> str:
        lines = [self.summary()]
        for number, query in enumerate(self.queries, 1):
            lines.append(f"{number:>3}. {format_duration(query.seconds):>10}  {query.where}")
            lines.append(f"     sql: {query.readable()}")
        for count, query in self.similar:
            lines.append(f"similar {count}×, first from {query.origin}")
            lines.append(f"     sql: {shorten_sql(query.shape)}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        # SQL sits in <code class='sql'> (and after "sql: " in the text form) so that a
        # sanitize rule can mask it where the SQL dialect differs (PostgreSQL vs SQLite).
        esc = html.escape
        rows = "".join(
            f"<tr><td>{n}</td><td style='white-space:nowrap'>{esc(format_duration(q.seconds))}"
            f"</td><td style='white-space:nowrap'><code>{esc(q.where)}</code></td>"
            f"<td style='text-align:left'>{_expandable(q)}</td></tr>"
            for n, q in enumerate(self.queries, 1)
        )
        similar = "".join(
            f"<li><b>{n}×</b> <code class='sql'>{esc(shorten_sql(q.shape))}</code> "
            f"(first from <code>{esc(q.origin)}</code>)</li>"
            for n, q in self.similar
        )
        similar_block = f"<p>Similar statements:</p><ul>{similar}</ul>" if similar else ""
        return (
            f"<div class='lab-query-panel'><p><b>{esc(self.summary())}</b></p>"
            "<table><thead><tr><th>#</th><th>time</th><th>issued by</th>"
            "<th style='text-align:left'>SQL (click for the whole statement)</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>{similar_block}</div>"
        )


def _expandable(query: Query) -> str:
    """The short SQL; a click opens the whole statement (as debug-toolbar's SQL panel does).

    The whole statement keeps its line breaks as character references, so that each
    statement is one line of the stored HTML, as the sanitize rules expect.
    """
    whole = html.escape(query.statement).replace("\n", "&#10;")
    return (
        f"<details><summary><code class='sql'>{html.escape(query.readable())}</code></summary>"
        "<pre style='white-space:pre-wrap;user-select:all'>"
        f"<code class='sql'>{whole}</code></pre></details>"
    )


def _display(panel: QueryPanel) -> None:
    if "IPython" in sys.modules:
        from IPython import get_ipython

        if get_ipython() is not None:
            from IPython.display import display

            display(panel)
            return
    print(panel)
