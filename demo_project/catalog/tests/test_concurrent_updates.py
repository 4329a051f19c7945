"""Two concurrent item_update calls on one item: each change survives the other.

On PostgreSQL only: SQLite lets one writer in at a time (each transaction of a served file
database begins IMMEDIATE), so two updates can never interleave there; the services lane
runs this test.
"""

import contextlib
import threading
from decimal import Decimal

import pytest
from django.db import connection

from demo_project.catalog.models import Item
from demo_project.catalog.services import item_update

# How long the first writer waits, between its read and its write, for the second one to
# read too. Without a row lock both read before either writes, the barrier opens at once
# and the second save overwrites the first; with one, the second waits on the lock, the
# barrier times out and the first commits before the second reads.
BOTH_READ_TIMEOUT = 2.0


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_updates_of_different_fields_both_survive(catalog, user, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent write transactions: PostgreSQL (make test-services)")
    item = Item.objects.filter(owner__username="alice").order_by("id").first()
    both_read = threading.Barrier(2)
    full_clean = Item.full_clean

    def full_clean_once_both_have_read(self, *args, **kwargs):
        with contextlib.suppress(threading.BrokenBarrierError):
            both_read.wait(timeout=BOTH_READ_TIMEOUT)
        return full_clean(self, *args, **kwargs)

    monkeypatch.setattr(Item, "full_clean", full_clean_once_both_have_read)
    changes = [{"name": "Renamed concurrently"}, {"price": Decimal("123.45")}]
    errors = []

    def update(data):
        try:
            item_update(item_id=item.pk, user=user("alice"), data=data)
        except Exception as error:  # reported by the assert below, not lost in a thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=update, args=(data,)) for data in changes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    item.refresh_from_db()
    assert (item.name, item.price) == ("Renamed concurrently", Decimal("123.45"))
