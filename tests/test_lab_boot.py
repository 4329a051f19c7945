"""boot(): one call that sets Django up, again to reseed, and errors that say what to do.

pytest-django has already configured Django on a test database, so boot() here takes its
second path only in part: it sets the sandbox's environment (restored after each test),
migrates the test database (already migrated: nothing to do) and seeds it, and must never
reach for the development database.
"""

import importlib
import json
import os
import re
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection

from demo_project.catalog.generator import DEMO_USERS
from demo_project.catalog.models import Category, Item, Review, Tag
from demo_project.lab import BootError, Lab, boot

# The package's name ``boot`` is the function; the module holds the process's state.
boot_module = importlib.import_module("demo_project.lab.boot")

JWT = re.compile(r"^eyJ[\w-]+\.[\w-]+\.[\w-]+$")


@pytest.fixture
def fresh(db, monkeypatch):
    """A process in which boot() has not run yet; its environment is restored afterwards."""
    saved = os.environ.copy()
    monkeypatch.setattr(boot_module, "_lab", None)
    monkeypatch.setattr(boot_module, "_switches", {})
    yield
    os.environ.clear()
    os.environ.update(saved)


def test_boot_returns_a_lab_that_describes_itself(fresh):
    lab = boot(items=10)

    assert isinstance(lab, Lab)
    assert Item.objects.count() == 10
    described = repr(lab)
    assert described == str(lab)
    assert re.fullmatch(
        r"Django is ready: 10 items \(seed 42\) in .+, cache: .+, tasks: .+\.", described
    )
    if connection.vendor == "sqlite":
        # pytest-django configured the cache before boot() ran: the tests' own one.
        assert described.endswith("in SQLite (in memory), cache: files, tasks: run eagerly.")
    assert lab.client.get("/api/v1/items/").status_code == 200


def test_boot_with_another_size_changes_the_lab(fresh):
    boot(items=10)
    lab = boot(items=3, seed=7)
    assert (lab.items, lab.seed, Item.objects.count()) == (3, 7, 3)
    assert str(lab).startswith("Django is ready: 3 items (seed 7)")


def test_boot_after_a_settings_switch_says_to_restart_the_kernel(fresh, monkeypatch):
    boot(items=3)
    monkeypatch.setenv("CACHE_URL", "redis://127.0.0.1:1/15")  # unlike any lane's own

    with pytest.raises(BootError) as error:
        boot(items=3)

    message = str(error.value)
    assert message.startswith("boot() already set Django up with DATABASE_URL=")
    assert "CACHE_URL=" in message and "redis://127.0.0.1:1/15" not in message
    assert message.endswith(
        "; restart the kernel (Kernel > Restart Kernel) to boot with other settings."
    )


@pytest.mark.parametrize("items", [-1, 100_001])
def test_boot_refuses_a_size_out_of_range(fresh, items):
    with pytest.raises(BootError, match=r"^items must be between 0 and 100000\.$"):
        boot(items=items)


def test_reseed_restores_the_boot_data(fresh):
    lab = boot(items=10)
    Item.objects.all().delete()
    lab.reseed()
    assert Item.objects.count() == 10
    lab.reseed(items=4)
    assert Item.objects.count() == 4


def test_token_and_auth_log_a_demo_user_in_through_the_api(lab_kit):
    token = lab_kit.token("alice")
    assert JWT.match(token)
    headers = lab_kit.auth("bob")
    assert list(headers) == ["Authorization"]
    assert headers["Authorization"].startswith("Bearer eyJ")


def test_a_token_for_an_unknown_user_names_the_demo_users(lab_kit):
    with pytest.raises(BootError) as error:
        lab_kit.token("mallory")
    message = str(error.value)
    assert message.startswith("No token for 'mallory' (the API answered 401); ")
    assert ", ".join(name for name, _ in DEMO_USERS) in message


def test_a_throttled_token_says_so_and_how_to_get_past_it(lab_kit, settings):
    from django.core.cache import cache

    settings.TOKEN_THROTTLE_RATE = "2/min"
    cache.clear()
    lab_kit.token("alice"), lab_kit.token("bob")
    with pytest.raises(BootError) as error:
        lab_kit.token("alice")
    assert str(error.value) == (
        "No token for 'alice': the token endpoint allows 2/min tries per client address and "
        "answered 429. Wait a minute, or forget the tries: django.core.cache.cache.clear()."
    )
    cache.clear()
    assert JWT.match(lab_kit.token("alice"))


def run_before_boot(code: str) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh Python in which Django is not set up."""
    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=environment, check=False
    )


def test_the_instruments_before_boot_say_to_call_boot_first():
    result = run_before_boot(
        "from demo_project.lab import BootError\n"
        "from demo_project.lab.queries import QueryPanel\n"
        "from demo_project.lab.compare import compare\n"
        "for attempt in (lambda: QueryPanel().__enter__(), lambda: compare({})):\n"
        "    try:\n"
        "        attempt()\n"
        "    except BootError as error:\n"
        "        print(error)\n"
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 2 and lines[0] == lines[1]
    assert lines[0].startswith("Django is not set up yet: run `from demo_project.lab import boot`")
    assert "`lab = boot()` first" in lines[0]


def test_boot_in_a_fresh_process_uses_a_local_memory_cache():
    """A notebook is one process: its cache need not be shared, and must not be."""
    environment = {k: v for k, v in os.environ.items() if k not in {"CACHE_URL", "DATABASE_URL"}}
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    code = "from demo_project.lab import boot\nprint(boot(items=0))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=environment, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "cache: local memory," in result.stdout


def catalog_rows() -> list:
    """Every catalog row with its id and timestamps."""
    return [
        list(Category.objects.order_by("pk").values_list()),
        list(Tag.objects.order_by("pk").values_list()),
        list(Item.objects.order_by("pk").values_list()),
        sorted(Item.tags.through.objects.values_list("item_id", "tag_id")),
        list(Review.objects.order_by("pk").values_list()),
    ]


def test_boot_uses_the_test_database_that_pytest_django_set_up(fresh):
    boot(items=5)

    assert connection.settings_dict["NAME"] != str(settings.BASE_DIR / "db.sqlite3")
    if connection.vendor == "postgresql":
        assert connection.settings_dict["NAME"].startswith("test_")
    assert Item.objects.count() == 5


def test_boot_twice_returns_the_same_lab_and_reseeds_identical_data(fresh):
    lab = boot(items=12)
    first = catalog_rows()
    Item.objects.filter(pk__in=[1, 2]).delete()
    Item.objects.filter(pk=3).update(name="Changed by the learner")
    Review.objects.all().delete()

    again = boot(items=12)

    assert again is lab
    assert catalog_rows() == first
    assert str(again) == str(lab)


def test_the_booted_client_reads_and_writes_through_the_api(fresh):
    lab = boot(items=5)
    body = {"name": "Kettle", "price": "3.00", "category_id": Category.objects.first().pk}

    listed = lab.client.get("/api/v1/items/")
    created = lab.client.post(
        "/api/v1/items/", json.dumps(body), content_type="application/json", headers=lab.auth()
    )

    assert listed.json()["count"] == 5
    assert created.status_code == 201
    assert created.json()["owner"] == "alice"


def test_a_settings_error_never_shows_a_password(fresh, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://workbook:s3cret@127.0.0.1:5432/db")
    monkeypatch.setattr(boot_module, "_lab", object())  # as if boot() had run before
    monkeypatch.setattr(boot_module, "_switches", {"DATABASE_URL": os.environ["DATABASE_URL"]})
    monkeypatch.setenv("DATABASE_URL", "sqlite://:memory:")

    with pytest.raises(BootError) as error:
        boot(items=3)

    assert "s3cret" not in str(error.value)
    assert "postgres://workbook:***@127.0.0.1:5432/db" in str(error.value)
