"""Signal receivers of the catalog: every saved or deleted catalog row invalidates the cache.

Services invalidate what they write themselves (``services._after_write``): that is the
code a reader follows, and it holds even where a service writes with ``update()``. But
the services are not the only writers: the admin, a shell, a migration or a worker call
``save()`` and ``delete()`` on models, and ``item.tags.set()`` changes a many-to-many
table. Cached reads must be right after all of them, so each of those writes bumps the
catalog's cache version here, once its transaction commits.

``QuerySet.delete()`` sends these signals too (Django deletes row by row when a receiver
listens). What sends none: ``QuerySet.update()``, ``bulk_create()``, ``bulk_update()`` and
raw SQL. Code that writes that way bumps the version itself (the data generator does).
"""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from . import caching
from .models import Category, Item, Review, Tag

CATALOG_MODELS = (Category, Item, Tag, Review)
M2M_WRITES = {"post_add", "post_remove", "post_clear"}


def invalidate_on_commit() -> None:
    """Bump the catalog's cache version once the current transaction commits.

    Bumped before the commit, another request could read the old rows and cache them
    under the new version, where no later write would notice them.
    """
    transaction.on_commit(caching.bump_catalog_version)


def catalog_row_changed(sender, **kwargs) -> None:
    invalidate_on_commit()


# One connection per model: a receiver for every sender would make Django delete every
# model's rows one by one (it deletes in bulk only where nobody listens).
for model in CATALOG_MODELS:
    for signal in (post_save, post_delete):
        signal.connect(catalog_row_changed, sender=model, dispatch_uid=f"catalog_{model.__name__}")


@receiver(m2m_changed, sender=Item.tags.through, dispatch_uid="catalog_item_tags_changed")
def item_tags_changed(sender, action: str, **kwargs) -> None:
    if action in M2M_WRITES:
        invalidate_on_commit()
