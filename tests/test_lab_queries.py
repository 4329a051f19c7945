"""The query panel: exact counts, from any thread, grouped, traced to a line, shown once.

Threads and the test database: pytest-django runs each test inside a transaction on a
shared in-memory SQLite database (``file:memorydb_default?mode=memory&cache=shared``).
Another thread opens its own connection to that database, and SQLite's shared cache locks
a table that an open transaction of another connection has written ("database table is
locked"). So a test whose threads read the catalog is ``django_db(transaction=True)``:
the data is committed, and the tables are flushed after the test. Each thread closes its
connection when its work ends, as Django's request cycle does.
"""

import inspect
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, transaction
from django.test import Client

from demo_project.catalog import selectors
from demo_project.catalog.models import Category, Item
from demo_project.catalog.schemas import ItemOut
from demo_project.lab import format_duration
from demo_project.lab.queries import Query, QueryPanel, _active, shorten_sql

DURATION = re.compile(r"\b\d+\.\d\d ms\b")  # the form nbval-sanitize.cfg rewrites


def line_of(function, text: str) -> int:
    """Return the file line number of the first line of ``function`` containing ``text``."""
    lines, first = inspect.getsourcelines(function)
    return first + next(n for n, line in enumerate(lines) if text in line)


def fake_query(sql: str, seconds: float = 0.001, **fields) -> Query:
    fields = {"params": (), "origin": "catalog/selectors.py:1 item_list", "thread": "t"} | fields
    return Query(sql=sql, seconds=seconds, **fields)


def panel_of(*queries: Query, title: str = "") -> QueryPanel:
    panel = QueryPanel(title=title, show=False)
    panel._queries.extend(queries)
    return panel


def test_the_panel_counts_every_query_of_a_ninja_list_request(lab_kit):
    with QueryPanel(show=False) as panel:
        response = lab_kit.client.get("/api/v1/items/")

    assert response.status_code == 200
    # The page's count, the page of items (joined, tag names and statistics as subqueries).
    assert panel.count == 2, panel
    assert len(panel) == panel.count
    assert panel.queries[0].sql.startswith("SELECT COUNT(*)")
    outer = [shorten_sql(query.sql, width=10_000) for query in panel.queries]
    tables = [re.search(r'FROM "(\w+)"', sql).group(1) for sql in outer]
    assert tables == ["catalog_item", "catalog_item"]
    assert panel.similar == [] and panel.duplicates == []
    assert panel.from_other_threads == 0
    assert panel.summary().startswith("2 queries in ")


def test_the_count_is_exact_whatever_the_page_holds(lab_kit):
    counts = []
    for size in (1, 5, 20):
        with QueryPanel(show=False) as panel:
            assert lab_kit.client.get(f"/api/v1/items/?page_size={size}").status_code == 200
        counts.append(panel.count)
    assert counts == [2, 2, 2]


def test_a_detail_request_names_the_selector_line_that_issued_it(lab_kit):
    with QueryPanel(show=False) as panel:
        assert lab_kit.client.get("/api/v1/items/1").status_code == 200

    line = line_of(selectors.item_get, ".get(pk=item_id)")
    # The item, with its tag names and statistics, runs inside .get(), in item_get.
    assert [query.origin for query in panel.queries] == [f"catalog/selectors.py:{line} item_get"]


def test_a_lazy_page_names_the_caller_not_the_middleware_around_the_view(lab_kit):
    # Ninja's paginator evaluates the page after the view returned: no project line is on
    # the stack but the middleware's __call__, which only hands the request on.
    with QueryPanel(show=False) as panel:
        assert lab_kit.client.get("/api/v1/items/?page_size=2").status_code == 200
    line = inspect.currentframe().f_lineno - 1

    assert {query.origin for query in panel.queries} == {f"test_lab_queries.py:{line}"}


def test_a_query_from_a_schema_validator_names_the_validator(lab_kit):
    item = Item.objects.select_related("category", "owner").get(pk=1)  # no tag names
    with QueryPanel(show=False) as panel:
        ItemOut.model_validate(item)

    line = line_of(ItemOut.tag_names_in_order, "names.all()")
    origin = f"catalog/schemas.py:{line} tag_names_in_order"
    assert [query.origin for query in panel.queries] == [origin]


def test_a_query_from_outside_the_project_names_the_calling_line(lab_kit):
    with QueryPanel(show=False) as panel:
        Category.objects.count()
    line = inspect.currentframe().f_lineno - 1
    assert panel.queries[0].origin == f"test_lab_queries.py:{line}"


def test_an_n_plus_one_over_categories_is_one_similar_group_of_n(lab_kit):
    with QueryPanel(show=False) as panel:
        names = [item.category.name for item in Item.objects.order_by("id")[:10]]

    assert len(names) == 10
    assert panel.count == 11  # the items, then one query per item for its category
    assert len(panel.similar) == 1
    count, query = panel.similar[0]
    assert count == 10
    assert '"catalog_category"' in query.sql and query.sql.endswith("LIMIT 21")
    # Items share categories, so the same category is fetched again: duplicates.
    assert panel.duplicates, "8 categories for 10 items: some must repeat"
    assert sum(n for n, _ in panel.duplicates) <= 10
    assert "1 similar group(s), largest 10×: an N+1?" in panel.summary()


def test_statements_that_differ_only_in_an_in_list_are_similar():
    panel = panel_of(
        fake_query("SELECT a FROM t WHERE id IN (%s, %s)", params=(1, 2)),
        fake_query("SELECT a FROM t WHERE id IN (%s)", params=(3,)),
        fake_query("SELECT a FROM t WHERE id IN (%s)", params=(3,)),
    )
    assert [n for n, _ in panel.similar] == [3]
    assert [n for n, _ in panel.duplicates] == [2]


def test_transaction_control_is_left_out_of_the_count(lab_kit):
    with QueryPanel(show=False) as panel, transaction.atomic():
        Category.objects.count()

    # Inside the test's transaction, atomic() is a savepoint: SAVEPOINT, SELECT, RELEASE.
    statements = [query.sql.split()[0] for query in panel._queries]
    assert statements == ["SAVEPOINT", "SELECT", "RELEASE"]
    assert panel.count == 1
    assert panel.transaction_statements == 2
    assert all(sql.startswith("SELECT") for sql in panel.sql())


@pytest.mark.parametrize(
    "sql",
    ["BEGIN", 'SAVEPOINT "s1"', 'RELEASE SAVEPOINT "s1"', 'ROLLBACK TO SAVEPOINT "s1"', "COMMIT"],
)
def test_each_transaction_statement_is_recognised(sql):
    assert fake_query(sql).is_transaction_control
    assert panel_of(fake_query(sql)).count == 0


def test_a_select_is_not_transaction_control():
    assert not fake_query('SELECT "begin" FROM t').is_transaction_control


def _count_items() -> int:
    try:
        # The items an anonymous client lists: the same shape as the page's own count.
        return Item.objects.filter(is_active=True).count()
    finally:
        connection.close()  # this thread's own connection


@pytest.mark.django_db(transaction=True)  # see the module's docstring
def test_queries_from_other_threads_are_captured_and_counted(lab_kit):
    with QueryPanel(show=False) as panel:
        assert lab_kit.client.get("/api/v1/items/").status_code == 200
        thread = threading.Thread(target=_count_items)
        thread.start()
        thread.join()
        with ThreadPoolExecutor(max_workers=4) as pool:
            counts = list(pool.map(lambda _: _count_items(), range(4)))

    assert counts == [Item.objects.filter(is_active=True).count()] * 4
    assert panel.count == 2 + 1 + 4
    assert panel.from_other_threads == 5
    assert len(panel.threads) >= 3  # the test's, the thread, one or more of the pool's
    # A pool uses as many threads as its timing allows: the summary counts statements.
    assert panel.summary().endswith("; 5 from other threads")
    # The five counts in threads share their shape with the list's own page count.
    assert panel.similar[0][0] == 6


def test_nested_panels_each_see_their_own_block_and_both_stop_listening(lab_kit):
    with QueryPanel(show=False) as outer:
        with QueryPanel(show=False) as inner:
            Category.objects.count()
        Category.objects.count()

    assert (inner.count, outer.count) == (1, 2)
    assert outer not in _active and inner not in _active
    Category.objects.count()
    assert (inner.count, outer.count) == (1, 2)


def test_a_panel_reused_starts_empty(lab_kit):
    panel = QueryPanel(show=False)
    with panel:
        Category.objects.count()
    with panel:
        pass
    assert panel.count == 0 and len(panel) == 0


def test_the_text_form_reads_as_a_summary_then_numbered_statements(lab_kit):
    with QueryPanel("list", show=False) as panel:
        lab_kit.client.get("/api/v1/items/?category=1")
    line = inspect.currentframe().f_lineno - 1
    text = str(panel)
    lines = text.splitlines()

    assert lines[0].startswith("list: 2 queries in ")
    assert re.fullmatch(rf"  1\. +\d+\.\d\d ms  test_lab_queries\.py:{line}", lines[1])
    assert lines[2].startswith('     sql: SELECT COUNT(*) AS "__count" FROM "catalog_item"')
    assert '"category_id" = 1)' in lines[2], "parameters are inlined for reading"
    assert lines[4].startswith('     sql: SELECT … FROM "catalog_item"')
    assert repr(panel) == text


def test_the_text_form_shows_similar_groups_after_the_statements():
    panel = panel_of(*[fake_query("SELECT a FROM t WHERE id = %s", params=(n,)) for n in (1, 2)])
    lines = str(panel).splitlines()
    assert lines[-2] == "similar 2×, first from catalog/selectors.py:1 item_list"
    assert lines[-1] == "     sql: SELECT a FROM t WHERE id = %s"


def test_the_html_form_is_a_table_with_escaped_sql(lab_kit):
    with QueryPanel("detail", show=False) as panel:
        lab_kit.client.get("/api/v1/items/1")
    page = panel._repr_html_()

    assert page.startswith("<div class='lab-query-panel'>")
    assert "<b>detail: 1 query in " in page
    assert page.count("<tr><td>") == 1
    assert "<code class='sql'>SELECT … FROM &quot;catalog_item&quot;" in page
    assert '"catalog_item"' not in page, "SQL must be escaped"
    assert "<code>catalog/selectors.py:" in page


def test_durations_are_printed_only_in_the_one_form():
    panel = panel_of(
        fake_query("SELECT 1", seconds=0.0123456),
        fake_query("SELECT 2", seconds=1.5),
        fake_query("SELECT 3", seconds=3e-7),
    )
    total = format_duration(0.0123456 + 1.5 + 3e-7)
    for shown in (str(panel), panel._repr_html_()):
        assert {"12.35 ms", "1500.00 ms", "0.00 ms", total} <= set(DURATION.findall(shown))
        rest = DURATION.sub("<duration>", shown)
        assert not re.search(r"\d\.\d|\de-\d", rest), rest


def test_durations_of_a_real_request_are_printed_only_in_the_one_form(lab_kit):
    with QueryPanel(show=False) as panel:
        lab_kit.client.get("/api/v1/items/")
    for shown in (str(panel), panel._repr_html_()):
        assert DURATION.search(shown)
        assert not re.search(r"\d\.\d|\de-\d", DURATION.sub("<duration>", shown))


def test_the_panel_is_silent_when_show_is_false(lab_kit, capsys):
    with QueryPanel(show=False):
        lab_kit.client.get("/api/v1/items/")
    assert capsys.readouterr() == ("", "")


def test_the_panel_prints_itself_outside_a_notebook(lab_kit, capsys):
    with QueryPanel("shown") as panel:
        Category.objects.count()
    assert capsys.readouterr().out == str(panel) + "\n"


def test_a_panel_whose_block_raises_shows_nothing_and_stops_listening(lab_kit, capsys):
    with pytest.raises(ZeroDivisionError), QueryPanel("failing") as panel:
        Category.objects.count()
        1 / 0  # noqa: B018
    assert capsys.readouterr().out == ""
    assert panel not in _active and panel.count == 1


def test_lab_queries_returns_a_panel(lab_kit, capsys):
    with lab_kit.queries("via lab") as panel:
        Category.objects.count()
    assert isinstance(panel, QueryPanel)
    assert capsys.readouterr().out.startswith("via lab: 1 query in ")
    assert lab_kit.queries(show=False).show is False


def test_a_client_made_in_a_thread_is_seen_too(transactional_db, lab_kit):
    def request() -> int:
        try:
            return Client().get("/api/v1/items/1").status_code
        finally:
            connection.close()

    with QueryPanel(show=False) as panel, ThreadPoolExecutor(max_workers=1) as pool:
        assert pool.submit(request).result() == 200
    assert panel.count == 1 and panel.from_other_threads == 1


def test_a_statement_on_the_raw_driver_connection_is_counted_and_named(lab_kit):
    connection.ensure_connection()
    with QueryPanel(show=False) as panel:
        list(Category.objects.order_by("id")[:1])
        for _ in range(3):
            cursor = connection.connection.cursor()
            cursor.execute("SELECT 1")
            cursor.fetchall()
            cursor.close()
    assert panel.count == 4
    assert panel.raw == 3
    assert [query.raw for query in panel.queries] == [False, True, True, True]
    assert "on the raw driver connection" in panel.summary()
    assert "(raw driver connection)" in str(panel)
    assert panel.similar[0][0] == 3  # the raw N+1 is a similar group like any other


def test_a_statement_through_djangos_cursor_is_counted_once(lab_kit):
    with QueryPanel(show=False) as panel, connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    assert (panel.count, panel.raw) == (1, 0)
