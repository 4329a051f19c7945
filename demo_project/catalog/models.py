"""The catalog: categories, tags, items and their reviews."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class TimestampedModel(models.Model):
    """Abstract base: when a row was created and last changed.

    ``created_at`` uses ``default=timezone.now`` rather than ``auto_now_add`` so that the
    data generator can pin it to a fixed moment (``auto_now_add`` overwrites any value).
    """

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Category(TimestampedModel):
    # unique=True already creates an index: an explicit Index on slug would be a second,
    # redundant one (the reference text adds it; lesson 01 shows why not to).
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)

    class Meta:
        verbose_name_plural = "categories"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    name = models.CharField(max_length=50, unique=True)
    slug = models.SlugField(max_length=50, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Item(TimestampedModel):
    # No db_index on name: the API searches it with icontains, which a B-tree index
    # cannot serve (lesson 01 measures it). On PostgreSQL, migration 0002 adds a trigram
    # index on UPPER(name), the expression icontains compiles to.
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    price = models.DecimalField(max_digits=10, decimal_places=2)
    # Units in store; PositiveIntegerField adds a CHECK (stock >= 0) in the database.
    stock = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    # PROTECT: a category that still has items cannot be deleted by accident.
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="items")
    # CASCADE: an account that is deleted takes its items with it.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="items"
    )
    tags = models.ManyToManyField(Tag, related_name="items", blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The list endpoint's default order, newest first; also serves cursor pages.
            models.Index(fields=["-created_at", "-id"], name="item_newest_first_idx"),
            # The price range filter.
            models.Index(fields=["price"], name="item_price_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="item_price_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name


class Review(TimestampedModel):
    # CASCADE: reviews mean nothing without their item.
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="reviews")
    # SET_NULL: a review outlives its author's account.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="reviews"
    )
    rating = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5), name="review_rating_1_to_5"
            ),
            models.UniqueConstraint(fields=["item", "author"], name="review_one_per_author"),
        ]

    def __str__(self) -> str:
        return f"{self.rating}/5 for item {self.item_id}"
