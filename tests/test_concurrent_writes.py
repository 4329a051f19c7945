"""Twelve concurrent writers against runserver on a SQLite file: no 5xx, no write lost.

A real server on loopback, as the README starts it (migrate, seed_catalog, runserver),
because the failure lives between threads and connections, where the test client is not.
Without the SQLite options in settings (BEGIN IMMEDIATE, a busy timeout, WAL), most of
these writes fail with "database is locked".
"""

from demo_project.settings import SQLITE_FILE_OPTIONS, database_from_url
from demo_project.tools.write_load import measure

WRITERS = 12
SECONDS = 4


def test_twelve_concurrent_writers_on_a_sqlite_file_get_no_5xx_and_lose_no_write(tmp_path):
    url = f"sqlite:///{tmp_path / 'served.sqlite3'}"
    load, lost = measure(url, clients=WRITERS, seconds=SECONDS, items=50)
    assert load.failures == 0, f"{load.failures} of {load.statuses.total()}: {load.statuses}"
    assert load.created and load.described, f"the writers wrote nothing: {load.statuses}"
    assert set(load.statuses) == {200, 201}, load.statuses
    assert lost == [], lost


def test_a_sqlite_file_gets_immediate_transactions_a_busy_timeout_and_wal():
    options = database_from_url("sqlite:////tmp/served.sqlite3")["OPTIONS"]
    assert options == SQLITE_FILE_OPTIONS
    assert options["transaction_mode"] == "IMMEDIATE" and options["timeout"] >= 5
    assert "journal_mode=WAL" in options["init_command"]


def test_the_shared_in_memory_database_keeps_sqlites_defaults():
    options = database_from_url("sqlite://:memory:")["OPTIONS"]
    assert options == {"uri": True}
