"""Fixtures shared by the demo project's tests.

Data comes from the workbook's own generator (fixed seed, fixed timestamps, id sequences
restarted at 1), so a test reads the same rows on SQLite and on PostgreSQL.
"""

import os
from collections.abc import Callable
from decimal import Decimal
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client, override_settings

ERROR_KEYS = {"status", "code", "message", "details"}
REDIS_DATABASES = 16  # Redis's default number of numbered databases


@pytest.fixture(scope="session", autouse=True)
def _a_redis_database_per_worker():
    """Give each xdist worker its own Redis database when the cache is Redis.

    ``cache.clear()`` empties a whole Redis database, so two workers sharing one would
    clear each other's cache in the middle of a test. Workers use the databases after
    the one in CACHE_URL.
    """
    from django.conf import settings

    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    default = settings.CACHES["default"]
    if not worker.startswith("gw") or not default["BACKEND"].endswith("RedisCache"):
        yield
        return
    url = urlsplit(default["LOCATION"])
    database = (int(url.path.strip("/") or 0) + 1 + int(worker[2:])) % REDIS_DATABASES
    location = urlunsplit(url._replace(path=f"/{database}"))
    with override_settings(CACHES={"default": {**default, "LOCATION": location}}):
        yield


@pytest.fixture(autouse=True)
def _fast_passwords_and_clean_cache(settings):
    # Django's testing docs: a fast hasher makes creating and logging in users cheap.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def seed(db, django_capture_on_commit_callbacks) -> Callable:
    """Return ``seed(items=10, seed=42)``: replace the catalog with generated data.

    What the generator queues for its commit runs, as it would outside a test's
    transaction: cached reads of the replaced catalog go stale.
    """
    from demo_project.catalog.generator import DEFAULT_SEED, generate_catalog

    def seed(items: int = 10, seed: int = DEFAULT_SEED):
        with django_capture_on_commit_callbacks(execute=True):
            return generate_catalog(items=items, seed=seed)

    return seed


@pytest.fixture
def catalog(seed):
    """A generated catalog of 10 items, 8 users (admin is staff), 8 categories, 12 tags."""
    return seed(items=10)


@pytest.fixture
def api(db) -> Client:
    """A test client that answers a server error with a 500 instead of raising it."""
    return Client(raise_request_exception=False)


@pytest.fixture
def user(db) -> Callable:
    """Return ``user("alice")``: a user of the generated catalog, by username."""

    def user(username: str):
        return get_user_model().objects.get(username=username)

    return user


@pytest.fixture
def auth(user) -> Callable:
    """Return ``auth("alice")``: the headers that authenticate a user (or a User)."""
    from demo_project.accounts.tokens import token_issue

    def auth(who) -> dict[str, str]:
        account = user(who) if isinstance(who, str) else who
        return {"Authorization": f"Bearer {token_issue(account)}"}

    return auth


@pytest.fixture
def make_item(user) -> Callable:
    """Return ``make_item(owner="alice", **fields)``: one item, saved, in the first category."""
    from demo_project.catalog.models import Category, Item

    def make_item(owner: str = "alice", **fields):
        fields.setdefault("name", "Test Lamp")
        fields.setdefault("price", Decimal("10.00"))
        fields.setdefault("category", Category.objects.order_by("name").first())
        tags = fields.pop("tags", [])
        item = Item.objects.create(owner=user(owner), **fields)
        item.tags.set(tags)
        return item

    return make_item


@pytest.fixture
def announced(monkeypatch) -> list[int]:
    """Record the ids given to ``announce_item.delay`` and run the task in this process.

    Whatever broker CELERY_BROKER_URL names, a test sees what the task would do, here,
    on the test database, and sends nothing to a worker.
    """
    from demo_project.catalog import tasks

    calls: list[int] = []

    def delay(item_id: int):
        calls.append(item_id)
        return tasks.announce_item(item_id)

    monkeypatch.setattr(tasks.announce_item, "delay", delay)
    return calls


@pytest.fixture
def expect_error() -> Callable:
    """Return ``expect_error(response, status, code=None)``: check the one 4xx body shape.

    Every 4xx answer is exactly ``{"error": {"status", "code", "message", "details"}}``;
    the function returns the inner ``error`` dict for further checks.
    """

    def expect_error(response, status: int, code: str | None = None) -> dict:
        assert response.status_code == status, (
            f"expected {status}, got {response.status_code}: {response.content[:500]!r}"
        )
        assert response["Content-Type"].startswith("application/json")
        body = response.json()
        assert set(body) == {"error"}, body
        error = body["error"]
        assert set(error) == ERROR_KEYS, error
        assert error["status"] == status
        assert isinstance(error["code"], str) and error["code"]
        assert isinstance(error["message"], str) and error["message"]
        assert isinstance(error["details"], list)
        if code is not None:
            assert error["code"] == code, error
        return error

    return expect_error
