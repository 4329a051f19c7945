"""boot(): configure Django in this process, migrate, seed, and hand back a Lab.

    from demo_project.lab import boot
    lab = boot(items=100)

Unset, the database is an in-memory SQLite shared by every thread of the process and the
cache is local memory; ``DATABASE_URL``, ``CACHE_URL`` and ``CELERY_BROKER_URL`` switch to
PostgreSQL, Redis and a Celery worker. Calling boot() again reseeds the same data (so a
lesson run twice shows the same outputs); calling it with other settings says what to do.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .ready import BootError

SETTINGS_MODULE = "demo_project.settings"
DEFAULT_ITEMS = 100
SANDBOX_ENVIRONMENT = {
    # Jupyter runs cells inside an asyncio loop; Django refuses ORM calls there unless told
    # that this is the notebook case its docs describe.
    "DJANGO_ALLOW_ASYNC_UNSAFE": "true",
    "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE,
    "DATABASE_URL": "sqlite://:memory:",
    # A notebook is one process: its own local-memory cache is shared by all it runs.
    "CACHE_URL": "locmem://",
    "DJANGO_FAST_PASSWORD_HASHER": "1",
    "WORKBOOK_EPHEMERAL_KEYS": "1",  # keys made for this kernel: no key file, none needed
}
SWITCHES = ("DATABASE_URL", "CACHE_URL", "CELERY_BROKER_URL")
# A migrated SQLite file to copy instead of migrating (the grader makes one per run).
DATABASE_TEMPLATE = "WORKBOOK_DATABASE_TEMPLATE"


@dataclass(repr=False)
class Lab:
    """What a lesson needs: a test client, the data's size, and the kit's instruments."""

    items: int
    seed: int
    database: str
    cache: str
    tasks: str
    client: Any = field(repr=False)
    boot_seconds: float = field(default=0.0, repr=False)

    def __str__(self) -> str:
        return (
            f"Django is ready: {self.items} items (seed {self.seed}) in {self.database}, "
            f"cache: {self.cache}, tasks: {self.tasks}."
        )

    __repr__ = __str__

    # Data
    def reseed(self, items: int | None = None, seed: int | None = None) -> None:
        """Replace the data with a fresh catalog (the boot size unless told otherwise)."""
        _seed(self.items if items is None else items, self.seed if seed is None else seed)

    # Auth
    def token(self, username: str = "alice") -> str:
        """Return a bearer token for a demo user, through the API's own endpoint."""
        from django.conf import settings

        from demo_project.catalog.generator import DEMO_PASSWORD, DEMO_USERS

        response = self.client.post(
            "/api/v1/auth/token",
            {"username": username, "password": DEMO_PASSWORD},
            content_type="application/json",
        )
        if response.status_code == 429:  # cells run again and again ask for many tokens
            raise BootError(
                f"No token for {username!r}: the token endpoint allows "
                f"{settings.TOKEN_THROTTLE_RATE} tries per client address and answered 429. "
                "Wait a minute, or forget the tries: django.core.cache.cache.clear()."
            )
        if response.status_code != 200:
            users = ", ".join(name for name, _ in DEMO_USERS)
            raise BootError(
                f"No token for {username!r} (the API answered {response.status_code}); "
                f"use one of the demo users: {users}, or call lab.reseed() if the data "
                "was changed."
            )
        return response.json()["access_token"]

    def auth(self, username: str = "alice") -> dict[str, str]:
        """Return the headers of ``username``: ``client.post(..., headers=lab.auth())``."""
        return {"Authorization": f"Bearer {self.token(username)}"}

    # Instruments
    def queries(self, title: str = "", *, show: bool = True):
        """Return a query panel: ``with lab.queries() as panel: ...``."""
        from .queries import QueryPanel

        return QueryPanel(title=title, show=show)

    def compare(self, variants, *, sizes=(10, 100, 1000), repeat: int = 3, plot: bool = True):
        """Measure named variants at several data sizes; see ``lab.compare.compare``."""
        from .compare import compare

        try:
            return compare(variants, sizes=sizes, repeat=repeat, plot=plot, client=self.client)
        finally:
            self.reseed()

    def reveal(self, guess, measured, *, what: str, look_at: str, tolerance: float = 0) -> None:
        """Compare a prediction with a measurement; see ``lab.predict.reveal``."""
        from .predict import reveal

        return reveal(guess, measured, what=what, look_at=look_at, tolerance=tolerance)

    def explain(self, queryset):
        """Return the query plan of ``queryset``; see ``lab.explain.explain``."""
        from .explain import explain

        return explain(queryset)


_lab: Lab | None = None
_switches: dict[str, str] = {}


def booted_lab() -> Lab | None:
    """The Lab that boot() made in this process, or None before the first boot()."""
    return _lab


def _current_switches() -> dict[str, str]:
    return {name: os.environ.get(name, "") for name in SWITCHES}


def _without_password(url: str) -> str:
    """Return ``url`` with any password replaced, fit to print in a notebook."""
    return re.sub(r"(//[^/:@]*:)[^/@]*@", r"\1***@", url)


def _seed(items: int, seed: int) -> None:
    from django.core.cache import cache

    from demo_project.catalog.generator import generate_catalog

    generate_catalog(items=items, seed=seed)
    cache.clear()  # the local-memory cache outlives the data it was computed from


def _migrate() -> None:
    """Bring the database's schema up to date, from the template when one is given."""
    import sqlite3
    from contextlib import closing

    from django.core.management import call_command
    from django.db import connection

    template = os.environ.get(DATABASE_TEMPLATE)
    if not (template and connection.vendor == "sqlite" and connection.is_in_memory_db()):
        call_command("migrate", verbosity=0, interactive=False)
        return
    connection.ensure_connection()
    read_only = f"{Path(template).resolve().as_uri()}?mode=ro"
    with closing(sqlite3.connect(read_only, uri=True)) as source:
        source.backup(connection.connection)


def _describe() -> tuple[str, str, str]:
    from django.conf import settings
    from django.db import connection

    database = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(
        connection.vendor, connection.vendor
    )
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        database += " (in memory)"
    backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    names = {"LocMemCache": "local memory", "RedisCache": "Redis", "FileBasedCache": "files"}
    cache = names.get(backend, backend)
    tasks = "run eagerly" if settings.CELERY_TASK_ALWAYS_EAGER else "Celery worker"
    return database, cache, tasks


def _lab_default_seed() -> int:
    from demo_project.catalog.generator import DEFAULT_SEED

    return DEFAULT_SEED


def boot(items: int = DEFAULT_ITEMS, *, seed: int | None = None) -> Lab:
    """Configure Django, migrate, seed ``items`` generated items, return the Lab."""
    global _lab
    if not 0 <= items <= 100_000:
        raise BootError("items must be between 0 and 100000.")
    started = time.perf_counter()

    if _lab is not None:
        seed = _lab_default_seed() if seed is None else seed
        if _current_switches() != _switches:
            raise BootError(
                "boot() already set Django up with "
                + ", ".join(
                    f"{k}={_without_password(v) or '(unset)'}" for k, v in _switches.items()
                )
                + "; restart the kernel (Kernel > Restart Kernel) to boot with other settings."
            )
        _seed(items, seed)
        _lab.items, _lab.seed = items, seed
        _lab.boot_seconds = time.perf_counter() - started
        return _lab

    for name, value in SANDBOX_ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    _switches.update(_current_switches())

    import django
    from django.test import Client

    django.setup()
    from . import queries

    queries.enable()
    seed = _lab_default_seed() if seed is None else seed
    _migrate()
    _seed(items, seed)
    database, cache, tasks = _describe()
    _lab = Lab(
        items=items,
        seed=seed,
        database=database,
        cache=cache,
        tasks=tasks,
        client=Client(),
        boot_seconds=time.perf_counter() - started,
    )
    return _lab
