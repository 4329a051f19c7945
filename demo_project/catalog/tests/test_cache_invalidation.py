"""Every write that changes a catalog row invalidates cached catalog reads, once committed.

Whoever writes: a service, the admin, plain save() and delete(), a many-to-many change,
or another process sharing the cache.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from demo_project.catalog import caching
from demo_project.catalog.models import Category, Item, Review, Tag
from demo_project.catalog.selectors import category_list, category_list_cached

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[3]


def database_rows() -> list[dict]:
    return list(category_list().values("id", "name", "slug", "item_count"))


def first_item() -> Item:
    return Item.objects.order_by("pk").first()


def books() -> Category:
    return Category.objects.get(name="Books")


def rename_category():
    category = books()
    category.name = "Paperbacks"
    category.save()


def delete_empty_category():
    Category.objects.create(name="Empty", slug="empty").delete()


def queryset_delete_items():
    Item.objects.filter(category=books()).delete()


def create_item():
    Item.objects.create(name="Lamp", price=1, category=books(), owner=first_item().owner)


def move_item():
    item = Item.objects.exclude(category=books()).order_by("pk").first()
    item.category = books()
    item.save()


def delete_item():
    first_item().delete()


def rename_tag():
    tag = Tag.objects.order_by("pk").first()
    tag.name = "renamed"
    tag.save()


def delete_tag():
    Tag.objects.order_by("pk").first().delete()


def set_tags():
    first_item().tags.set(Tag.objects.order_by("-pk")[:1])


def add_tag_from_the_tag_side():
    tag = Tag.objects.exclude(items=first_item()).order_by("pk").first()
    tag.items.add(first_item())


def clear_tags():
    item = Item.objects.filter(tags__isnull=False).order_by("pk").first()
    item.tags.clear()


def create_review():
    Review.objects.create(item=first_item(), author=None, rating=4)


def delete_review():
    Review.objects.order_by("pk").first().delete()


WRITES = [
    rename_category,
    delete_empty_category,
    queryset_delete_items,
    create_item,
    move_item,
    delete_item,
    rename_tag,
    delete_tag,
    set_tags,
    add_tag_from_the_tag_side,
    clear_tags,
    create_review,
    delete_review,
]


@pytest.mark.parametrize("write", WRITES, ids=lambda write: write.__name__)
def test_a_committed_write_makes_cached_reads_fresh(
    write, catalog, django_capture_on_commit_callbacks
):
    category_list_cached()  # cached before the write
    version = caching.catalog_version()

    with django_capture_on_commit_callbacks(execute=True):
        write()

    assert caching.catalog_version() != version
    assert category_list_cached() == database_rows()


@pytest.mark.parametrize("write", [rename_category, set_tags], ids=lambda w: w.__name__)
def test_the_version_changes_only_when_the_write_commits(
    write, catalog, django_capture_on_commit_callbacks
):
    version = caching.catalog_version()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        write()

    assert callbacks, "the write queued no invalidation"
    assert caching.catalog_version() == version
    for callback in callbacks:  # what the commit does
        callback()
    assert caching.catalog_version() != version


def test_queryset_update_sends_no_signal_and_invalidates_nothing(
    catalog, django_capture_on_commit_callbacks
):
    """The documented gap: code that writes with update() bumps the version itself."""
    version = caching.catalog_version()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        Category.objects.filter(pk=books().pk).update(name="Paperbacks")

    assert callbacks == []
    assert caching.catalog_version() == version


# The admin


@pytest.fixture
def staff(catalog, user) -> Client:
    client = Client()
    client.force_login(user("admin"))
    return client


def test_renaming_a_category_in_the_admin_refreshes_the_api(
    staff, api, django_capture_on_commit_callbacks
):
    assert "Books" in {row["name"] for row in api.get("/api/v1/categories/").json()}
    category = books()

    with django_capture_on_commit_callbacks(execute=True):
        changed = staff.post(
            f"/admin/catalog/category/{category.pk}/change/",
            {"name": "Paperbacks", "slug": category.slug},
        )

    assert changed.status_code == 302, changed.content[:500]
    names = {row["name"] for row in api.get("/api/v1/categories/").json()}
    assert "Paperbacks" in names and "Books" not in names


def test_adding_an_item_in_the_admin_refreshes_the_api_counts(
    staff, api, user, django_capture_on_commit_callbacks
):
    def books_count():
        rows = api.get("/api/v1/categories/").json()
        return {row["name"]: row["item_count"] for row in rows}["Books"]

    before = books_count()
    form = {
        "name": "Admin Lamp",
        "description": "",
        "price": "12.00",
        "stock": "1",
        "is_active": "on",
        "category": books().pk,
        "owner": user("alice").pk,
    }

    with django_capture_on_commit_callbacks(execute=True):
        added = staff.post("/admin/catalog/item/add/", form)

    assert added.status_code == 302, added.content[:500]
    assert books_count() == before + 1


# Another process


READER = """
from demo_project.catalog.selectors import category_list_cached
print("first:", category_list_cached()[0]["name"], flush=True)
input()  # a write happens in another process meanwhile
print("second:", category_list_cached()[0]["name"], flush=True)
"""
WRITER = """
from demo_project.catalog.models import Category
category = Category.objects.order_by("name").first()
category.name = "AAA Renamed"
category.save()
"""


@pytest.mark.django_db(transaction=False)
def test_a_write_in_another_process_invalidates_this_process_on_the_default_cache(tmp_path):
    """A server process caches the list; a shell process renames a category; the server sees it.

    The environment has no CACHE_URL: this is the default a newcomer gets from manage.py.
    """
    env = {k: v for k, v in os.environ.items() if k not in {"CACHE_URL", "CELERY_BROKER_URL"}}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    env.setdefault(
        "DJANGO_SECRET_KEY", "a-key-for-this-test-only-0123456789abcdefghijklmnopqrstuvwxyz"
    )
    manage = [sys.executable, str(ROOT / "manage.py")]

    def run(*arguments):
        subprocess.run([*manage, *arguments], env=env, check=True, capture_output=True)

    run("migrate", "-v0")
    run("seed_catalog", "--items", "10")
    server = subprocess.Popen(
        [*manage, "shell", "--no-imports", "-c", READER],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        first = server.stdout.readline()
        run("shell", "--no-imports", "-c", WRITER)
        second, _ = server.communicate("\n", timeout=60)
    finally:
        server.kill()

    assert first == "first: Books\n", first
    assert "second: AAA Renamed" in second, f"the server served its own stale copy: {second}"
