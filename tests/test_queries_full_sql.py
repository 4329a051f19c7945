"""The query panel shows each statement whole on demand, and the whole text is valid SQL.

The panel's table shows a statement short (its column list folded, cut at a width); a
<details> element holds the whole statement with its values inlined as SQL literals.
Copied out of the page and run on the database, it returns what the statement returned.
"""

import html
import re
from decimal import Decimal

import pytest
from django.db import connection

from demo_project.catalog.models import Item
from demo_project.lab.queries import QueryPanel, as_statement, sql_literal

WHOLE = re.compile(r"<details><summary>.*?</summary><pre[^>]*><code class='sql'>(.*?)</code></pre>")

REQUESTS = [
    "/api/v1/items/",
    "/api/v1/items/?page_size=100&ordering=-price",
    "/api/v1/items/?search=O'Brien%25_x&min_price=1.50&max_price=900&is_active=true",
    "/api/v1/items/?tag=1&category=2",
    "/api/v1/items/cursor/",
    "/api/v1/items/1",
    "/api/v1/categories/",
]


def copied_from_the_page(panel: QueryPanel) -> list[str]:
    """The whole statements as a learner copies them out of the rendered panel."""
    return [html.unescape(text) for text in WHOLE.findall(panel._repr_html_())]


def rows_of(sql: str, params=None) -> list[tuple]:
    """Run ``sql`` on the driver's own connection: no placeholder handling by Django."""
    connection.ensure_connection()
    if params is None:
        return connection.connection.execute(sql).fetchall()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@pytest.mark.parametrize("path", REQUESTS)
def test_each_statement_copied_whole_runs_and_returns_what_it_returned(lab_kit, path):
    with QueryPanel(show=False) as panel:
        assert lab_kit.client.get(path).status_code == 200

    copied = copied_from_the_page(panel)

    assert len(copied) == panel.count > 0
    for query, statement in zip(panel.queries, copied, strict=True):
        assert statement == query.statement
        assert "…" not in statement and "%s" not in statement
        assert rows_of(statement) == rows_of(query.sql, query.params), statement


def test_a_long_statement_is_short_in_the_table_and_whole_on_demand(lab_kit):
    with QueryPanel(show=False) as panel:
        lab_kit.client.get("/api/v1/items/?search=lamp&min_price=1")
    page = panel._repr_html_()
    query = next(q for q in panel.queries if q.sql.startswith('SELECT "catalog_item"."id"'))

    short = html.escape(query.readable())
    assert f"<details><summary><code class='sql'>{short}</code></summary>" in page
    assert short.startswith("SELECT … FROM") and len(query.statement) > len(query.readable())
    assert "<details open" not in page, "closed until clicked"
    # The text form keeps the short statement only.
    assert f"     sql: {query.readable()}" in str(panel).splitlines()
    assert query.statement not in str(panel)


def test_a_statement_with_line_breaks_is_one_line_of_the_stored_html(lab_kit):
    with QueryPanel(show=False) as panel, connection.cursor() as cursor:
        cursor.execute("SELECT name\nFROM catalog_item\nWHERE id = %s", [1])

    (statement,) = copied_from_the_page(panel)
    assert statement == "SELECT name\nFROM catalog_item\nWHERE id = 1"
    assert len(panel._repr_html_().splitlines()) == 1
    assert rows_of(statement) == [(Item.objects.get(pk=1).name,)]


@pytest.mark.parametrize(
    "value",
    [None, True, False, 0, -7, 2.5, Decimal("19.90"), "", "it's", "50% off", b"\x00\xff"],
)
def test_every_kind_of_value_becomes_a_literal_sqlite_reads_back(db, value):
    if connection.vendor != "sqlite":
        # A bare quoted literal has no type on PostgreSQL ('19.90' reads back as text); in
        # a statement its column types it, which the request tests above check there.
        pytest.skip("SQLite reads a bare literal back as its value; PostgreSQL as text")
    statement = as_statement("SELECT %s", (value,))
    assert statement == f"SELECT {sql_literal(value)}"
    assert rows_of(statement) == rows_of("SELECT %s", [value])


def test_a_json_value_bound_by_postgresql_s_driver_is_a_json_literal():
    """A JSONField's value reaches psycopg as ``Jsonb(...)``: the literal is its JSON text."""
    json_types = pytest.importorskip("psycopg.types.json")
    value = json_types.Jsonb(["it's", 2])
    assert sql_literal(value) == """'["it''s", 2]'"""
    assert as_statement("SELECT %s", (value,)) == """SELECT '["it''s", 2]'"""


def test_a_doubled_percent_is_one_percent_in_a_statement_with_values(db):
    sql = "SELECT %s || '%%', 'a%%b' LIKE 'a%%'"
    statement = as_statement(sql, ("10",))
    assert statement == "SELECT '10' || '%', 'a%b' LIKE 'a%'"
    assert rows_of(statement) == rows_of(sql, ["10"]) == [("10%", 1)]
    assert as_statement("SELECT '%%'", ()) == "SELECT '%%'", "no values: nothing was doubled"
