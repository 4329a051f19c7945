"""What serializing a page of items builds, beyond its queries.

Once the queries are fixed, the time of a page goes to Python objects: model instances and
the work per field of the schema. These guards count both, so a change that brings back a
tag instance per tag or a Python getter per field fails here, not in a benchmark.
"""

from collections import Counter
from contextlib import contextmanager

import pytest
from django.db.models.signals import post_init
from ninja.schema import DjangoGetter

from demo_project.catalog.models import Category, Item, Tag

pytestmark = pytest.mark.django_db


@contextmanager
def instances_built():
    """Count the model instances built inside the block, by model."""
    built = Counter()

    def count(sender, **kwargs):
        built[sender] += 1

    post_init.connect(count)
    try:
        yield built
    finally:
        post_init.disconnect(count)


@contextmanager
def getter_reads(monkeypatch):
    """Count the attribute reads through Ninja's DjangoGetter inside the block."""
    reads = Counter()
    read = DjangoGetter.__getattr__

    def counted(getter, key):
        reads[key] += 1
        return read(getter, key)

    with monkeypatch.context() as patch:
        patch.setattr(DjangoGetter, "__getattr__", counted)
        yield reads


def test_a_page_builds_one_instance_per_item_category_and_owner_and_none_per_tag(catalog, api):
    listed = Item.objects.filter(is_active=True).count()
    assert Item.tags.through.objects.filter(item__is_active=True).exists()

    with instances_built() as built:
        page = api.get("/api/v1/items/?page_size=100").json()

    assert len(page["items"]) == listed
    assert sum(len(item["tags"]) for item in page["items"]) > 0
    assert built[Item] == built[Category] == listed
    assert built[Tag] == 0, "the tag names come as a list in the item's row"


def test_the_schema_reads_no_field_of_an_item_through_ninjas_getter(catalog, api, monkeypatch):
    with getter_reads(monkeypatch) as reads:
        one = api.get("/api/v1/items/?page_size=1").json()
    with getter_reads(monkeypatch) as more:
        many = api.get("/api/v1/items/?page_size=100").json()

    assert len(one["items"]) == 1 and len(many["items"]) > 1
    # The paginated wrapper is a Ninja Schema (its items and count); ItemOut is not.
    assert reads == more, "a read per item: ItemOut went back to a Python getter"
    assert not {"name", "owner", "tags", "created_at"} & set(more)


def test_the_tag_names_come_sorted_and_an_item_without_tags_has_an_empty_list(
    catalog, api, make_item
):
    # Created out of order, so that neither the table's order nor the link's is the answer.
    zeta = Tag.objects.create(name="zeta", slug="zeta")
    alpha = Tag.objects.create(name="alpha", slug="alpha")
    tagged, bare = make_item(name="Tagged", tags=[zeta, alpha]), make_item(name="Bare")

    shown = {
        item["id"]: item["tags"] for item in api.get("/api/v1/items/?page_size=100").json()["items"]
    }
    detail = api.get(f"/api/v1/items/{bare.pk}").json()

    assert shown[tagged.pk] == ["alpha", "zeta"]
    assert shown[bare.pk] == [] == detail["tags"]
