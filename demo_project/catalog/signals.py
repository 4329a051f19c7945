"""Signal receivers of the catalog.

Services call what a write implies directly; that is easier to follow than a signal.
A signal earns its place only where writes bypass the services: reviews are written from
the admin and by the data generator, so a review change invalidates cached catalog reads
here, whoever made it.
"""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import caching
from .models import Review


@receiver([post_save, post_delete], sender=Review, dispatch_uid="catalog_review_changed")
def review_changed(sender, **kwargs) -> None:
    transaction.on_commit(caching.bump_catalog_version)
