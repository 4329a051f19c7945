"""boot(): one call that sets Django up, again to reseed, and errors that say what to do.

pytest-django has already configured Django, so boot() here takes its second path only in
part: it sets the sandbox's environment (restored after each test), migrates the test
database (already migrated: nothing to do) and seeds it.
"""

import importlib
import os
import re
import subprocess
import sys

import pytest
from django.db import connection

from demo_project.catalog.generator import DEMO_USERS
from demo_project.catalog.models import Item
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
        assert described.endswith("in SQLite (in memory), cache: local memory, tasks: run eagerly.")
    assert lab.client.get("/api/v1/items/").status_code == 200


def test_boot_again_reseeds_the_same_data_and_returns_the_same_lab(fresh):
    lab = boot(items=10)
    names = list(Item.objects.order_by("id").values_list("name", flat=True))
    Item.objects.filter(pk__lte=5).delete()

    again = boot(items=10)

    assert again is lab
    assert list(Item.objects.order_by("id").values_list("name", flat=True)) == names


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
