"""Background tasks of the catalog (run by Celery; eagerly when no broker is set)."""

from celery import shared_task
from django.core.cache import cache

from .models import Item

ANNOUNCED_KEY = "catalog:announced"


@shared_task
def announce_item(item_id: int) -> str:
    """Announce a new item (here: append its name to a list in the cache).

    On a worker, a task sent before its transaction commits may run first and not see the
    row: it reports ``missing``. (Run eagerly, it runs inside the transaction and sees it.)
    That is why services send tasks with ``transaction.on_commit``.
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
