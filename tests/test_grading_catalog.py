"""Hidden catalogs: no coincidence a wrong answer could ride on; the lessons' catalog as it was.

The default catalog orders ids like names and dates like ids, so ``-id`` passes for
``-created_at, -id`` and ``id`` for ``name``. A hidden catalog (``hidden=True``, what the
grader's hidden checks run on) breaks each of those; the catalog every lesson shows stays
exactly the same rows.
"""

import hashlib

import pytest
from django.contrib.auth import get_user_model

from demo_project.catalog.generator import generate_catalog
from demo_project.catalog.models import Category, Item, Review, Tag
from demo_project.lab.checks.core import HIDDEN_CATALOGS

pytestmark = pytest.mark.django_db
# sha256 of every row (passwords aside) of the default catalogs, as generated before
# hidden catalogs existed: the lessons' outputs rest on these rows.
DEFAULT_DIGESTS = {
    (100, 42): "addd755784fa00a036191365881cb390b19237e28c49da274c8b642550dbd5c6",
    (300, 11): "8417b12b67d0cb4c354bd2f63eee5b185a9d90b4b3df51334c203846e632b54c",
}


def digest() -> str:
    parts = []
    for model in (get_user_model(), Category, Tag, Item, Review, Item.tags.through):
        fields = [f.attname for f in model._meta.concrete_fields if f.attname != "password"]
        parts.append(repr(list(model.objects.order_by("pk").values_list(*fields))))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


@pytest.mark.parametrize("size", DEFAULT_DIGESTS)
def test_the_default_catalog_is_the_very_same_rows(size):
    items, seed = size
    generate_catalog(items=items, seed=seed)
    assert digest() == DEFAULT_DIGESTS[size]


def ids(queryset) -> list[int]:
    return list(queryset.values_list("id", flat=True))


def coincidences() -> dict[str, bool]:
    """Which wrong orders give the right answer on the catalog in the database."""
    newest = Item.objects.order_by("-created_at", "-id")
    item = max(Item.objects.all(), key=lambda item: item.reviews.count())
    reviews = item.reviews.all()
    return {
        "-id is newest first": ids(Item.objects.order_by("-id")) == ids(newest),
        "-created_at needs no tie-break": newest.count()
        == Item.objects.values("created_at").distinct().count(),
        "review -id is newest first": ids(reviews.order_by("-id"))
        == ids(reviews.order_by("-created_at", "-id")),
        "category id is by name": ids(Category.objects.order_by("id"))
        == ids(Category.objects.order_by("name")),
        "tag id is by name": ids(Tag.objects.order_by("id")) == ids(Tag.objects.order_by("name")),
        "user id is by name": ids(get_user_model().objects.order_by("id"))
        == ids(get_user_model().objects.order_by("username")),
        "name ends in the id": all(
            name.endswith(f" {pk}") for pk, name in Item.objects.values_list("id", "name")
        ),
        "stock follows the id": all(
            stock == ((pk - 1) * 37) % 50 for pk, stock in Item.objects.values_list("id", "stock")
        ),
    }


def test_the_default_catalog_has_the_coincidences():
    generate_catalog(items=100, seed=42)
    assert set(coincidences().values()) == {True}


@pytest.mark.parametrize("size", HIDDEN_CATALOGS)
def test_a_hidden_catalog_has_none_of_them(size):
    items, seed = size
    generate_catalog(items=items, seed=seed, hidden=True)
    assert coincidences() == dict.fromkeys(coincidences(), False)


def test_a_hidden_catalog_is_the_same_for_the_same_seed():
    generate_catalog(items=25, seed=3, hidden=True)
    first = digest()
    generate_catalog(items=25, seed=3, hidden=True)
    assert digest() == first
