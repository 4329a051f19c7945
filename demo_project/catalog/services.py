"""Write-side business logic of the catalog.

Each service runs in one transaction, validates the model before saving, checks who may
do what, and queues side effects with ``transaction.on_commit`` so that nothing leaves the
process for a change that was rolled back.
"""

from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F

from demo_project.errors import (
    ApplicationError,
    BusinessRuleViolation,
    Conflict,
    NotFound,
    PermissionDenied,
    UnknownReference,
)

from . import tasks
from .models import Category, Item, Tag
from .selectors import ITEM_NOT_FOUND, visible_items

UNKNOWN_CATEGORY = "No category has this id."
UNKNOWN_TAGS = "No tag has some of these ids."
PRICE_OVER_CAP = "The price is over the catalog's cap of {cap}."
NOT_THE_OWNER = "Only the item's owner or staff may change or delete it."


def user_can_edit_item(user: AbstractBaseUser, item: Item) -> bool:
    """Return whether ``user`` may change or delete ``item``: its owner, or staff."""
    return user.is_authenticated and (user.is_staff or item.owner_id == user.pk)


def _check_price(price: Decimal) -> None:
    cap = Decimal(settings.CATALOG_PRICE_CAP)
    if price > cap:
        raise BusinessRuleViolation(
            PRICE_OVER_CAP.format(cap=cap),
            details=[{"loc": ["body", "price"], "msg": f"must be at most {cap}", "type": "rule"}],
        )


def _get_category(category_id: int) -> Category:
    try:
        return Category.objects.get(pk=category_id)
    except Category.DoesNotExist:
        raise UnknownReference(
            UNKNOWN_CATEGORY,
            details=[{"loc": ["body", "category_id"], "msg": UNKNOWN_CATEGORY, "type": "missing"}],
        ) from None


def _get_tags(tag_ids: list[int]) -> list[Tag]:
    wanted = set(tag_ids)
    tags = list(Tag.objects.filter(pk__in=wanted))
    if len(tags) != len(wanted):
        raise UnknownReference(
            UNKNOWN_TAGS,
            details=[{"loc": ["body", "tag_ids"], "msg": UNKNOWN_TAGS, "type": "missing"}],
        )
    return tags


def _item_to_change(item_id: int, user: AbstractBaseUser) -> Item:
    """Lock the item's row until the commit and return it, if ``user`` may change it.

    The lock, rather than saving only the changed fields: a concurrent update waits here
    and then reads the row as the first one committed it, so neither change is lost and
    the rules and the permission are checked against the current row, not a stale copy.
    (On SQLite, where Django leaves ``FOR UPDATE`` out, a served file database begins
    every transaction IMMEDIATE: the second writer waits at BEGIN instead.)
    """
    item = visible_items(Item.objects.select_for_update(), user).filter(pk=item_id).first()
    if item is None:
        raise NotFound(ITEM_NOT_FOUND)
    if not user_can_edit_item(user, item):
        raise PermissionDenied(NOT_THE_OWNER)
    return item


def _after_write(item_id: int, *, created: bool = False) -> None:
    """Queue what must happen only once the write is committed.

    Cached reads need nothing here: every save(), delete() and tags.set() above bumps the
    catalog's cache version through its signal (signals.py), whoever calls it.
    """
    if created:
        transaction.on_commit(lambda: tasks.announce_item.delay(item_id))


@transaction.atomic
def item_create(
    *,
    owner: AbstractBaseUser,
    name: str,
    price: Decimal,
    category_id: int,
    description: str = "",
    is_active: bool = True,
    tag_ids: list[int] | None = None,
) -> Item:
    """Create an item owned by ``owner``, with its tags, in one transaction."""
    if not owner.is_authenticated:
        raise PermissionDenied("Log in to create items.")
    _check_price(price)
    item = Item(
        owner=owner,
        name=name,
        description=description,
        price=price,
        is_active=is_active,
        category=_get_category(category_id),
    )
    item.full_clean()
    item.save()
    if tag_ids:
        item.tags.set(_get_tags(tag_ids))
    _after_write(item.pk, created=True)
    return item


@transaction.atomic
def item_update(*, item_id: int, user: AbstractBaseUser, data: dict) -> Item:
    """Change the fields in ``data`` of an item the user may edit."""
    item = _item_to_change(item_id, user)
    data = dict(data)
    tag_ids = data.pop("tag_ids", None)
    if "price" in data:
        _check_price(data["price"])
    if "category_id" in data:
        data["category"] = _get_category(data.pop("category_id"))
    for field, value in data.items():
        setattr(item, field, value)
    item.full_clean()
    item.save()
    if tag_ids is not None:
        item.tags.set(_get_tags(tag_ids))
    _after_write(item.pk)
    return item


@transaction.atomic
def item_delete(*, item_id: int, user: AbstractBaseUser) -> None:
    """Delete an item the user may edit, with its reviews."""
    item = _item_to_change(item_id, user)
    item.delete()
    _after_write(item_id)


OUT_OF_STOCK = "Not enough stock: {stock} left."


@transaction.atomic
def item_take_stock(*, item_id: int, quantity: int = 1) -> int:
    """Take ``quantity`` units of an item's stock and return what is left.

    One UPDATE with F() does the read, the check and the write in the database, so two
    concurrent calls can never both read the same stock and lose one decrement.
    """
    if quantity < 1:
        raise ApplicationError("quantity must be at least 1.")
    # update() sends no signal, so it bumps no cache version: no cached read shows stock.
    taken = Item.objects.filter(pk=item_id, stock__gte=quantity).update(stock=F("stock") - quantity)
    stock = Item.objects.filter(pk=item_id).values_list("stock", flat=True).first()
    if stock is None:
        raise NotFound(ITEM_NOT_FOUND)
    if not taken:
        raise Conflict(OUT_OF_STOCK.format(stock=stock))
    return stock
