"""explain(): which indexes a plan uses and which tables it reads whole."""

import pytest
from django.db import connection

from demo_project.catalog.models import Category, Item
from demo_project.lab.explain import Plan, explain

sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="reads SQLite's own plan text"
)


@sqlite_only
def test_a_price_range_uses_the_price_index(lab_kit):
    # order_by() drops the model's default order, so the plan shows the filter alone.
    plan = lab_kit.explain(Item.objects.filter(price__gt=500).order_by())

    assert plan.vendor == "sqlite"
    assert plan.text == "SEARCH catalog_item USING INDEX item_price_idx (price>?)"
    assert plan.indexes == {"item_price_idx"}
    assert plan.full_scans == set()
    assert plan.uses_index("item_price_idx") and plan.uses_index()
    assert not plan.uses_index("item_newest_first_idx")


@sqlite_only
def test_icontains_reads_the_whole_table(lab_kit):
    plan = explain(Item.objects.filter(name__icontains="lamp").order_by())

    assert plan.text == "SCAN catalog_item"
    assert plan.full_scans == {"catalog_item"}
    assert plan.indexes == set()
    assert not plan.uses_index()


@sqlite_only
def test_icontains_in_the_default_order_scans_the_whole_table_through_the_order_index(lab_kit):
    # A trap for a lesson: "uses an index" is true here, yet every row is read.
    plan = explain(Item.objects.filter(name__icontains="lamp"))

    assert plan.full_scans == {"catalog_item"}
    assert plan.indexes == {"item_newest_first_idx"}


@sqlite_only
def test_a_primary_key_lookup_shows_as_pk(lab_kit):
    assert explain(Item.objects.filter(pk=3)).indexes == {"pk"}


@sqlite_only
def test_a_unique_field_is_searched_through_its_own_index(lab_kit):
    plan = explain(Category.objects.filter(slug="books"))
    assert plan.full_scans == set()
    assert len(plan.indexes) == 1 and plan.indexes.pop().startswith("sqlite_autoindex_")


@sqlite_only
def test_a_join_lists_each_table_once(lab_kit):
    plan = explain(Item.objects.select_related("category").filter(price__gt=900).order_by())
    assert plan.indexes == {"item_price_idx", "pk"}
    assert plan.full_scans == set()
    assert len(plan.text.splitlines()) == 2


def test_the_plan_prints_as_its_text_and_shows_under_its_database():
    plan = Plan(vendor="sqlite", text="SCAN catalog_item")
    assert str(plan) == "SCAN catalog_item"
    # The header lets the services lane's sanitize rule mask a plan whose text differs.
    assert repr(plan) == "query plan (SQLite):\n  SCAN catalog_item"


@pytest.mark.parametrize(
    ("text", "indexes", "full_scans"),
    [
        ("SCAN TABLE catalog_item", set(), {"catalog_item"}),  # SQLite before 3.36
        (
            "SEARCH TABLE catalog_item USING INDEX item_price_idx (price>?)",
            {"item_price_idx"},
            set(),
        ),
        (
            "SCAN catalog_item USING COVERING INDEX item_price_idx",
            {"item_price_idx"},
            {"catalog_item"},
        ),
        ("SCAN CONSTANT ROW", set(), set()),
    ],
)
def test_sqlite_plan_forms_are_read(text, indexes, full_scans):
    plan = Plan(vendor="sqlite", text=text)
    assert (plan.indexes, plan.full_scans) == (indexes, full_scans)


POSTGRES_PLANS = {
    "index": (
        "Index Scan using item_price_idx on catalog_item  (cost=0.28..8.30 rows=1 width=96)\n"
        "  Index Cond: (price > '500'::numeric)",
        {"item_price_idx"},
        set(),
    ),
    "seq": (
        "Seq Scan on catalog_item  (cost=0.00..25.00 rows=3 width=96)\n"
        "  Filter: (upper((name)::text) ~~ '%LAMP%'::text)",
        set(),
        {"catalog_item"},
    ),
    "bitmap": (
        "Bitmap Heap Scan on catalog_item  (cost=4.3..12.1 rows=9 width=96)\n"
        "  ->  Bitmap Index Scan on item_price_idx  (cost=0.00..4.30 rows=9 width=0)",
        {"item_price_idx"},
        set(),
    ),
    "join": (
        "Nested Loop  (cost=0.28..20.00 rows=5 width=200)\n"
        "  ->  Parallel Seq Scan on catalog_item  (cost=0.00..10.00 rows=5 width=96)\n"
        "  ->  Index Only Scan Backward using catalog_category_pkey on catalog_category"
        "  (cost=0.28..2.00 rows=1 width=104)\n"
        "        Index Cond: (id = catalog_item.category_id)",
        {"catalog_category_pkey"},
        {"catalog_item"},
    ),
    # An index walked end to end (a deep OFFSET in index order) reads the whole table.
    "index walk": (
        "Limit  (cost=100.00..101.00 rows=20 width=96)\n"
        "  ->  Index Scan using item_newest_first_idx on catalog_item"
        "  (cost=0.29..2000.00 rows=20000 width=96)",
        {"item_newest_first_idx"},
        {"catalog_item"},
    ),
}


class FakeQuerySet:
    db = "default"

    def __init__(self, text: str):
        self.text = text

    def explain(self) -> str:
        return self.text


@pytest.mark.parametrize("name", POSTGRES_PLANS)
def test_postgresql_plans_are_read_without_their_cost_estimates(monkeypatch, name):
    text, indexes, full_scans = POSTGRES_PLANS[name]
    monkeypatch.setattr(connection, "vendor", "postgresql")

    plan = explain(FakeQuerySet(text))

    assert plan.vendor == "postgresql"
    assert "cost=" not in plan.text and "rows=" not in plan.text
    assert plan.text.splitlines()[0] == text.split("  (cost")[0]
    assert (plan.indexes, plan.full_scans) == (indexes, full_scans)


@sqlite_only
def test_a_plan_explained_before_an_index_is_dropped_no_longer_names_it(lab_kit):
    # sqlite3 caches statements by text; a cached EXPLAIN would keep the dropped index.
    price_range = Item.objects.filter(price__gt=500).order_by()
    assert explain(price_range).indexes == {"item_price_idx"}
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX item_price_idx")
    plan = explain(price_range)
    assert plan.indexes == set() and plan.full_scans == {"catalog_item"}
