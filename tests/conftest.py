"""Fixtures of the lab kit's tests.

The kit's instruments need Django set up and a catalog, not ``boot()``: pytest-django has
already configured Django on a test database, so ``lab_kit`` builds a ``Lab`` around a
generated catalog without touching the process's ``boot()`` state.
"""

import pytest
from django.test import Client

LAB_ITEMS = 20


@pytest.fixture
def lab_kit(db):
    """A ``Lab`` over a generated catalog of ``LAB_ITEMS`` items, as ``boot()`` returns one."""
    from demo_project.catalog.generator import DEFAULT_SEED, generate_catalog
    from demo_project.lab import Lab

    generate_catalog(items=LAB_ITEMS, seed=DEFAULT_SEED)
    return Lab(
        items=LAB_ITEMS,
        seed=DEFAULT_SEED,
        database="SQLite (in memory)",
        cache="local memory",
        tasks="run eagerly",
        client=Client(),
    )
