"""Background tasks of the catalog (run by Celery; eagerly when no broker is set)."""

from celery import shared_task
from django.core.cache import cache

from .models import Item

ANNOUNCED_KEY = "catalog:announced"


@shared_task
def announce_item(item_id: int) -> str:
    """Announce a new item (here: append its name to a list in the cache).

    A task that runs before its transaction commits cannot see the row: it reports
    ``missing``, which is how lesson 04 shows why services queue tasks with on_commit.
    """
    name = Item.objects.filter(pk=item_id).values_list("name", flat=True).first()
    if name is None:
        return "missing"
    announced = cache.get(ANNOUNCED_KEY, [])
    cache.set(ANNOUNCED_KEY, [*announced, name], timeout=None)
    return "announced"


def announced_items() -> list[str]:
    """Return the names announced so far."""
    return cache.get(ANNOUNCED_KEY, [])
