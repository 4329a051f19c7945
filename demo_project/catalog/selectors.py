"""Read-side queries of the catalog.

Every selector returns a queryset that already carries what its callers will read
(``select_related``, ``prefetch_related``, ``annotate``) and an explicit order, so that
serializing a page costs the same few queries at any page size or table size.
"""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import (
    Aggregate,
    Avg,
    Count,
    FloatField,
    IntegerField,
    JSONField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from demo_project.errors import NotFound

from . import caching
from .models import Category, Item, Review, Tag
from .schemas import ItemFilter

ITEM_NOT_FOUND = "Item not found."

# Each ordering ends on the primary key, so that ties never reorder a page.
ITEM_ORDERINGS = {
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "price": ("price", "id"),
    "-price": ("-price", "-id"),
    "created_at": ("created_at", "id"),
    "-created_at": ("-created_at", "-id"),
}


# The columns ItemOut reads, and no more: a page builds its items, categories and owners
# from these alone (an owner row otherwise carries its password hash and six more fields).
# Reading any other field of a listed item costs a query per item: add it here first.
ITEM_OUT_FIELDS = (
    *("name", "description", "price", "is_active", "created_at", "updated_at"),
    *("category__name", "owner__username"),
)


class JSONArrayAgg(Aggregate):
    """The values of a group as one JSON array, read back as a list.

    Django 5.2 has no portable aggregate into a list (``ArrayAgg`` is PostgreSQL's only):
    SQLite names it ``JSON_GROUP_ARRAY``, PostgreSQL ``JSONB_AGG``. Neither orders it here.
    """

    function = "JSON_GROUP_ARRAY"
    output_field = JSONField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, function="JSONB_AGG", **extra_context)


def _tag_names():
    """Return the names of one item's tags as a list, from a correlated subquery."""
    links = Item.tags.through.objects.filter(item=OuterRef("pk")).order_by().values("item")
    names = Subquery(links.annotate(names=JSONArrayAgg("tag__name")).values("names"))
    return Coalesce(names, Value([], output_field=JSONField()))  # no tags: no group


def _review_statistic(aggregate, output_field):
    """Return ``aggregate`` over one item's reviews, as a correlated subquery."""
    reviews = Review.objects.filter(item=OuterRef("pk")).order_by().values("item")
    return Subquery(reviews.annotate(value=aggregate).values("value"), output_field=output_field)


def item_queryset() -> QuerySet[Item]:
    """Return all items with their category, owner, tag names and review statistics.

    The statistics and the tag names are correlated subqueries, not
    ``annotate(Count("reviews"))``: a JOIN and GROUP BY would group every item of the
    table before the page is cut, so each page would cost as much as the whole table. A
    subquery runs only for the rows of the page, through the index on ``item_id``, and
    the paginator's count leaves it out. The tag names come as a list in the item's own
    row (``tag_names``): a prefetch would cost a second query and a model instance per tag.
    """
    return (
        Item.objects.select_related("category", "owner")
        .only(*ITEM_OUT_FIELDS)
        .annotate(tag_names=_tag_names(), **review_statistics())
    )


def review_statistics() -> dict:
    """Return the annotations ``review_count`` and ``average_rating`` of an item query."""
    return {
        "review_count": Coalesce(_review_statistic(Count("pk"), IntegerField()), 0),
        "average_rating": _review_statistic(Avg("rating"), FloatField()),
    }


def visible_items(queryset: QuerySet[Item], user: AbstractBaseUser | AnonymousUser | None):
    """Narrow ``queryset`` to the items ``user`` may read.

    Anyone reads the active items, a logged-in user also their own inactive ones, staff
    every item. ``None`` is a trusted caller (a service, a shell, a lesson): no narrowing.
    Filters narrow further, so ``?is_active=false`` from an anonymous client is an empty
    list, not a 403: it asks for the inactive items it may read, and there are none.
    """
    if user is None or (user.is_authenticated and user.is_staff):
        return queryset
    visible = Q(is_active=True)
    if user.is_authenticated:
        visible |= Q(owner=user)
    return queryset.filter(visible)


def item_list(
    *,
    filters: ItemFilter | None = None,
    ordering: str = "-created_at",
    user: AbstractBaseUser | AnonymousUser | None = None,
) -> QuerySet[Item]:
    """Return the items ``user`` may read that match ``filters``, in ``ordering``.

    ``ordering`` is one of ITEM_ORDERINGS; ``user`` as in ``visible_items``.
    """
    queryset = visible_items(item_queryset(), user)
    if filters is not None:
        queryset = filters.filter(queryset)
    return queryset.order_by(*ITEM_ORDERINGS[ordering])


def item_get(item_id: int, *, user: AbstractBaseUser | AnonymousUser | None = None) -> Item:
    """Return one item ``user`` may read, ready to serialize, or raise NotFound.

    An inactive item is a 404 to those who may not read it, as if it were not there.
    """
    try:
        return visible_items(item_queryset(), user).get(pk=item_id)
    except Item.DoesNotExist:
        raise NotFound(ITEM_NOT_FOUND) from None


def category_list() -> QuerySet[Category]:
    """Return every category with the number of its items."""
    return Category.objects.annotate(item_count=Count("items")).order_by("name", "id")


def tag_list() -> QuerySet[Tag]:
    """Return every tag, by name."""
    return Tag.objects.order_by("name", "id")


def category_list_cached() -> list[dict]:
    """Return ``category_list()`` as plain rows, cached until the catalog changes.

    Rows, not a queryset: a cached queryset would be pickled with its rows and go stale
    in a way nobody can see, and a lazy one would query again on every read.
    """
    return caching.cached(
        "categories", lambda: list(category_list().values("id", "name", "slug", "item_count"))
    )
