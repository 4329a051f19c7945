"""boot() inside pytest-django: safe to call twice, and clear when the settings changed.

pytest-django has configured Django on a test database before any test runs; boot() must
work there too (it migrates, which finds nothing to do, and seeds the test database) and
never reach for the development database. The lab kit's own tests (test_lab_boot.py)
cover the rest of boot(); these hold the promises the notebooks rely on.
"""

import importlib
import json
import os

import pytest
from django.conf import settings
from django.db import connection

from demo_project.catalog.models import Category, Item, Review, Tag
from demo_project.lab import BootError, boot

# The package's name ``boot`` is the function; the module holds the process's state.
boot_module = importlib.import_module("demo_project.lab.boot")


@pytest.fixture
def not_booted(db, monkeypatch):
    """A process in which boot() has not run; the environment is restored afterwards."""
    saved = os.environ.copy()
    monkeypatch.setattr(boot_module, "_lab", None)
    monkeypatch.setattr(boot_module, "_switches", {})
    yield
    os.environ.clear()
    os.environ.update(saved)


def catalog_rows() -> list:
    """Every catalog row with its id and timestamps."""
    return [
        list(Category.objects.order_by("pk").values_list()),
        list(Tag.objects.order_by("pk").values_list()),
        list(Item.objects.order_by("pk").values_list()),
        sorted(Item.tags.through.objects.values_list("item_id", "tag_id")),
        list(Review.objects.order_by("pk").values_list()),
    ]


def test_boot_uses_the_test_database_that_pytest_django_set_up(not_booted):
    boot(items=5)

    assert connection.settings_dict["NAME"] != str(settings.BASE_DIR / "db.sqlite3")
    if connection.vendor == "postgresql":
        assert connection.settings_dict["NAME"].startswith("test_")
    assert Item.objects.count() == 5


def test_boot_twice_returns_the_same_lab_and_reseeds_identical_data(not_booted):
    lab = boot(items=12)
    first = catalog_rows()
    Item.objects.filter(pk__in=[1, 2]).delete()
    Item.objects.filter(pk=3).update(name="Changed by the learner")
    Review.objects.all().delete()

    again = boot(items=12)

    assert again is lab
    assert catalog_rows() == first
    assert str(again) == str(lab)


def test_the_booted_client_reads_and_writes_through_the_api(not_booted):
    lab = boot(items=5)
    body = {"name": "Kettle", "price": "3.00", "category_id": Category.objects.first().pk}

    listed = lab.client.get("/api/v1/items/")
    created = lab.client.post(
        "/api/v1/items/", json.dumps(body), content_type="application/json", headers=lab.auth()
    )

    assert listed.json()["count"] == 5
    assert created.status_code == 201
    assert created.json()["owner"] == "alice"


def test_boot_after_database_url_changed_raises_a_boot_error_that_says_what_to_do(
    not_booted, monkeypatch
):
    boot(items=3)
    first_url = os.environ["DATABASE_URL"]
    monkeypatch.setenv("DATABASE_URL", "postgres://workbook@127.0.0.1:5432/elsewhere")

    with pytest.raises(BootError) as error:
        boot(items=3)

    message = str(error.value)
    assert f"DATABASE_URL={first_url}" in message
    assert "restart the kernel" in message
    assert Item.objects.count() == 3  # the data booted before is left as it was
