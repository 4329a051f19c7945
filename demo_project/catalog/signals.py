"""Signal receivers of the catalog.

Services call what a write implies directly; that is easier to follow than a signal.
A signal earns its place only where writes bypass the services: reviews are written from
the admin too, so a saved or deleted review invalidates cached catalog reads here,
whoever made it. (``bulk_create`` and ``update()`` send no signals: the data generator
bumps the version itself.)
"""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import caching
from .models import Review


@receiver([post_save, post_delete], sender=Review, dispatch_uid="catalog_review_changed")
def review_changed(sender, **kwargs) -> None:
    transaction.on_commit(caching.bump_catalog_version)
