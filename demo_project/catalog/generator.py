"""A deterministic catalog: the same rows, ids and timestamps for the same size and seed.

No Faker-style library (their output changes between versions), no clock, no network:
names come from fixed word lists, numbers from ``random.Random(seed)``, timestamps from a
fixed origin. Rows go in with ``bulk_create``, a batch at a time, so 100,000 items load in
seconds in little memory.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import F

from . import caching
from .models import Category, Item, Review, Tag

DEFAULT_SEED = 42
DEMO_PASSWORD = "workbook-password"
ORIGIN = datetime(2024, 1, 1, tzinfo=UTC)
BATCH_SIZE = 2_000

# (username, is_staff): "admin" is staff, the others are ordinary owners and reviewers.
DEMO_USERS = [
    ("admin", True),
    ("alice", False),
    ("bob", False),
    ("carol", False),
    ("dave", False),
    ("erin", False),
    ("frank", False),
    ("grace", False),
]
CATEGORIES = ["Books", "Electronics", "Garden", "Kitchen", "Music", "Outdoors", "Sports", "Toys"]
TAGS = [
    "bundle", "eco", "gift", "handmade", "imported", "limited",
    "local", "new", "popular", "premium", "refurbished", "sale",
]  # fmt: skip
ADJECTIVES = [
    "Ancient", "Bright", "Compact", "Daring", "Elegant", "Fuzzy", "Gentle", "Handy",
    "Icy", "Jolly", "Keen", "Lucky", "Mighty", "Nimble", "Odd", "Plain",
    "Quiet", "Rapid", "Sturdy", "Tiny", "Urban", "Vivid", "Witty", "Young",
]  # fmt: skip
NOUNS = [
    "Anvil", "Basket", "Candle", "Drum", "Easel", "Flask", "Globe", "Hammock",
    "Ink", "Jacket", "Kettle", "Lamp", "Mug", "Notebook", "Oar", "Pillow",
    "Quilt", "Radio", "Scarf", "Teapot", "Umbrella", "Vase", "Wallet", "Yo-yo",
]  # fmt: skip
COMMENTS = ["", "Great value.", "Works as described.", "Not what I expected.", "Would buy again."]


class Twists:
    """What a hidden catalog changes, so that no wrong answer passes by coincidence.

    In the default catalog ids follow names (users, categories and tags are inserted in
    alphabetical order), ``created_at`` follows the item's id and a review's follows its
    id, an item's name ends in its own id, and ``stock`` is a function of the id. A hidden
    catalog inserts those lists shuffled, back-dates one item in four (to the time of an
    earlier item, so some share a timestamp), dates reviews in random order, numbers the
    names in random order and draws the stock. Its draws come from a generator of their
    own: the default catalog stays exactly as it was.
    """

    def __init__(self, seed: int, items: int):
        self.rng = random.Random(f"hidden catalog {seed}")
        self.labels = list(range(1, items + 1))
        self.rng.shuffle(self.labels)

    def shuffled(self, values: list) -> list:
        return self.rng.sample(values, len(values))

    def label(self, number: int) -> int:
        return self.labels[number]

    def minute(self, number: int) -> int:
        return self.rng.randint(0, number) if self.rng.random() < 0.25 else number

    def stock(self) -> int:
        return self.rng.randrange(50)

    def review_day(self) -> int:
        return self.rng.randint(1, 4)


@dataclass(frozen=True)
class CatalogSize:
    users: int
    categories: int
    tags: int
    items: int
    reviews: int


def _batches(total: int, size: int = BATCH_SIZE):
    for start in range(0, total, size):
        yield start, min(start + size, total)


def reset_catalog() -> None:
    """Delete every catalog row and user, and restart the id sequences at 1."""
    user_model = get_user_model()
    models = [Review, Item.tags.through, Item, Tag, Category, user_model]
    models += [user_model.groups.through, user_model.user_permissions.through]
    tables = [model._meta.db_table for model in models]
    statements = connection.ops.sql_flush(
        no_style(), tables, reset_sequences=True, allow_cascade=True
    )
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        # Rows written earlier in the same transaction (a second reseed, a test) leave
        # deferred foreign-key checks pending, and PostgreSQL refuses to TRUNCATE a table
        # with pending checks: run them now, then defer again as Django's constraints are.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    connection.ops.execute_sql_flush(statements)


@transaction.atomic
def generate_catalog(
    *,
    items: int,
    seed: int = DEFAULT_SEED,
    hidden: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> CatalogSize:
    """Replace the catalog with ``items`` generated items (and their users, tags, reviews).

    ``hidden=True`` makes a catalog for the grader's hidden checks, without the coincidences
    a wrong answer could ride on (see ``Twists``). ``progress(done, total)`` is called after
    each batch of items.
    """
    if items < 0:
        raise ValueError("items must be zero or more.")
    rng = random.Random(seed)
    twists = Twists(seed, items) if hidden else None
    reset_catalog()

    user_model = get_user_model()
    password = make_password(DEMO_PASSWORD)
    users = user_model.objects.bulk_create(
        user_model(
            username=name,
            email=f"{name}@example.com",
            password=password,
            is_staff=staff,
            is_superuser=staff,
            date_joined=ORIGIN,
        )
        for name, staff in (twists.shuffled(DEMO_USERS) if twists else DEMO_USERS)
    )
    categories = Category.objects.bulk_create(
        Category(name=name, slug=name.lower(), created_at=ORIGIN)
        for name in (twists.shuffled(CATEGORIES) if twists else CATEGORIES)
    )
    tags = Tag.objects.bulk_create(
        Tag(name=name, slug=name) for name in (twists.shuffled(TAGS) if twists else TAGS)
    )
    if twists:  # rng draws from the lists in one order, whatever the ids
        categories.sort(key=lambda category: category.name)
        tags.sort(key=lambda tag: tag.name)
        users.sort(key=lambda user: user.username)
    owners = [user for user in users if not user.is_staff]

    label = twists.label if twists else lambda number: number + 1
    minute = twists.minute if twists else lambda number: number
    reviews_total = 0
    for start, stop in _batches(items):
        batch = Item.objects.bulk_create(
            Item(
                name=f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} {label(number)}",
                description=f"{rng.choice(ADJECTIVES)} and {rng.choice(ADJECTIVES).lower()}.",
                price=Decimal(rng.randint(100, 99_999)) / 100,
                stock=twists.stock() if twists else (number * 37) % 50,  # not from rng
                is_active=rng.random() < 0.9,
                # Ids, not instances: bulk_create then has no related object to check.
                category_id=rng.choice(categories).pk,
                owner_id=rng.choice(owners).pk,
                created_at=ORIGIN + timedelta(minutes=7 * minute(number)),
            )
            for number in range(start, stop)
        )
        item_tags, reviews = [], []
        for item in batch:
            for tag in rng.sample(tags, rng.randint(0, 3)):
                item_tags.append(Item.tags.through(item_id=item.pk, tag_id=tag.pk))
            for offset, author in enumerate(rng.sample(users, rng.randint(0, 4))):
                reviews.append(
                    Review(
                        item_id=item.pk,
                        author_id=author.pk,
                        rating=rng.randint(1, 5),
                        comment=rng.choice(COMMENTS),
                        created_at=item.created_at
                        + timedelta(days=twists.review_day() if twists else offset + 1),
                    )
                )
        Item.tags.through.objects.bulk_create(item_tags)
        Review.objects.bulk_create(reviews)
        reviews_total += len(reviews)
        if progress is not None:
            progress(stop, items)

    # auto_now stamped updated_at with the clock during the inserts; pin it.
    for model in (Category, Item, Review):
        model.objects.update(updated_at=F("created_at"))
    # Cached reads describe the catalog that was just replaced (bulk_create sends no
    # signals, and a reseed by compare() or seed_catalog does not clear the cache).
    transaction.on_commit(caching.bump_catalog_version)
    return CatalogSize(
        users=len(users),
        categories=len(categories),
        tags=len(tags),
        items=items,
        reviews=reviews_total,
    )
