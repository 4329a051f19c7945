"""The checks of lesson 04 (Services) and their reference answers."""

from __future__ import annotations

from decimal import Decimal

from .core import Rollback, catalog, cents, exercise, measure, short


def _can_review(user, item) -> bool:
    from demo_project.catalog.models import Review

    return bool(
        user.is_authenticated
        and user.is_active
        and item.owner_id != user.pk
        and not Review.objects.filter(item_id=item.pk, author_id=user.pk).exists()
    )


@exercise(
    "4.1",
    "user_can_review",
    reference={"user_can_review": lambda: _can_review},
    requirements={
        "allowed": (
            "an active, logged-in user who does not own the item and has not reviewed it "
            "yet may review it: `True`",
            "asks for every user of two catalogs and 12 items, and compares with the reference",
        ),
        "who": (
            "an anonymous or inactive user may not: `False`",
            "asks for an anonymous user and a deactivated user, for every item",
        ),
        "owner": ("the item's owner may not: `False`", "asks for each item's owner"),
        "once": (
            "a user who reviewed the item already may not: `False`",
            "asks for the users who reviewed each item",
        ),
        "queries": (
            "at most one query, none for an anonymous user or the owner",
            "counts the queries of every call: one at most, zero for those two",
        ),
    },
)
def check_4_1(ex, answer):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import AnonymousUser

    from demo_project.catalog.models import Item, Review

    calls = 0
    for items, seed in ex.catalogs():
        with catalog(items, seed) as context:
            users = list(get_user_model().objects.order_by("id"))
            inactive = get_user_model().objects.get(username="bob")
            inactive.is_active = False
            people = [*users, AnonymousUser(), inactive]
            reviewed = set(Review.objects.values_list("item_id", "author_id"))
            for item in Item.objects.order_by("id")[: 30 if ex.hidden else 12]:
                for user in people:
                    expected = _can_review(user, item)
                    if not user.is_authenticated or not user.is_active:
                        key = "who"
                    elif item.owner_id == user.pk:
                        key = "owner"
                    elif (item.pk, user.pk) in reviewed:
                        key = "once"
                    else:
                        key = "allowed"
                    with ex.requirement(key):
                        got, panel = measure(lambda u=user, i=item: ex.call(answer, u, i))
                        who = "an anonymous user" if not user.is_authenticated else user.username
                        who += "" if user.is_active else " (inactive)"
                        ex.expect_equal(
                            expected,
                            got,
                            context=context,
                            what=f"user_can_review({who}, item {item.pk} owned by "
                            f"{item.owner.username})",
                            hint="logged in, active, not the owner, and no review of "
                            "this item yet; return True or False.",
                        )
                    free = not user.is_authenticated or item.owner_id == user.pk
                    with ex.requirement("queries"):
                        ex.hold_budget(
                            panel,
                            0 if free else 1,
                            f"the answer for {who}",
                            context=context,
                            hint="compare owner_id (no query) before anything else; one "
                            ".exists() query for an earlier review, and none for an "
                            "anonymous user or the owner.",
                        )
                    calls += 1
    return f"{calls} (user, item) pairs right, at most one query each."


def _prices(category_id=None) -> dict[int, Decimal]:
    from demo_project.catalog.models import Item

    items = Item.objects.order_by("id")
    if category_id is not None:
        items = items.filter(category_id=category_id)
    return dict(items.values_list("id", "price"))


def _repriced(price: Decimal, percent) -> Decimal:
    return cents(price * (100 + Decimal(percent)) / 100)


def _busiest_category(ordered="-n") -> int:
    from django.db.models import Count

    from demo_project.catalog.models import Category

    return (
        Category.objects.annotate(n=Count("items"))
        .order_by(ordered, "id")
        .values_list("id", flat=True)[0]
    )


@exercise(
    "4.2",
    "category_reprice",
    requirements={
        "prices": (
            "each price of the category becomes price × (100 + percent) / 100, rounded half "
            "up to the cent; no other item changes",
            "reprices the busiest category of two catalogs by 10 % and compares every price",
        ),
        "count": (
            "it returns the number of items repriced (0 for a category without items)",
            "compares the returned number, also for a new, empty category",
        ),
        "cap": (
            "a new price over the cap raises `BusinessRuleViolation`",
            "asks for a rise that takes the dearest item, and not every item, over the cap",
        ),
        "atomic": (
            "then no price has changed: all or nothing",
            "compares every price before and after that refused rise",
        ),
    },
)
def check_4_2(ex, answer):
    from django.conf import settings

    from demo_project.catalog.models import Category
    from demo_project.errors import BusinessRuleViolation

    cap = Decimal(settings.CATALOG_PRICE_CAP)
    runs = 0
    for items, seed in ex.catalogs():
        with catalog(items, seed) as context:
            category_id = _busiest_category()
            for percent in [10, -50, 0] if ex.hidden else [10]:
                before = _prices()
                with ex.requirement("prices"):
                    count = ex.call(answer, category_id=category_id, percent=percent)
                    after = _prices()
                    expected = {
                        pk: _repriced(p, percent) if pk in _prices(category_id) else p
                        for pk, p in before.items()
                    }
                    wrong = [pk for pk in expected if expected[pk] != after[pk]]
                    if wrong:
                        pk = wrong[0]
                        ex.fail(
                            f"after category_reprice(percent={percent}) item {pk} costs "
                            f"{after[pk]}; expected {expected[pk]}.",
                            f"  on: {context}",
                            hint="new price = price × (100 + percent) / 100, rounded half up "
                            "to cents; only the category's items change.",
                        )
                with ex.requirement("count"):
                    ex.expect_equal(
                        len(_prices(category_id)),
                        count,
                        context=context,
                        what=f"the count category_reprice(percent={percent}) returned",
                        hint="return how many items were repriced.",
                    )
                runs += 1
            # A rise that takes the dearest item over the cap, and not every item.
            prices = _prices(category_id)
            percent = int((cap / max(prices.values()) - 1) * 100) + 1
            over = [pk for pk, p in prices.items() if _repriced(p, percent) > cap]
            before = _prices()
            with ex.requirement("cap"):
                try:
                    ex.call(
                        answer,
                        category_id=category_id,
                        percent=percent,
                        allow=(BusinessRuleViolation,),
                    )
                except BusinessRuleViolation:
                    pass
                else:
                    ex.fail(
                        f"category_reprice(percent={percent}) took {len(over)} items over "
                        f"the cap of {cap} and raised nothing.",
                        f"  on: {context}",
                        hint="raise BusinessRuleViolation when a new price is over the cap.",
                    )
            with ex.requirement("atomic"):
                after = _prices()
                changed = [pk for pk in before if before[pk] != after[pk]]
                if changed:
                    ex.fail(
                        f"the rise was refused, but {len(changed)} prices stayed changed: "
                        "the service is not atomic.",
                        f"  on: {context}",
                        f"  e.g. item {changed[0]}: {before[changed[0]]} → {after[changed[0]]}",
                        hint="run the loop inside `with transaction.atomic():`, so that the "
                        "error rolls back every price already saved.",
                    )
            runs += 1
            with ex.requirement("count"):
                empty = Category.objects.create(name="Empty shelf", slug="empty-shelf")
                ex.expect_equal(
                    0,
                    ex.call(answer, category_id=empty.pk, percent=10),
                    what="the count for a category with no items",
                    hint="no items: nothing to do, return 0.",
                )
    return f"{runs} repricings right; a rise over the cap changes nothing."


@exercise(
    "4.3",
    "review_create",
    builds_on=("4.1",),
    requirements={
        "created": (
            "it saves the review asked for and returns it",
            "creates a review on two catalogs and reads it back from the database",
        ),
        "notify": (
            "it calls `notify(review.pk)` once, after the transaction has committed",
            "records the calls of `notify`",
        ),
        "rollback": (
            "inside a transaction that is rolled back, `notify` never runs",
            "creates a review inside `transaction.atomic()` and rolls it back",
        ),
        "missing": (
            "a missing item raises `NotFound`",
            "asks for a review of an item that does not exist",
        ),
        "permission": (
            "a user who may not review the item (`user_can_review`) gets `PermissionDenied`",
            "asks for a review by the item's owner and a second review by the same user",
        ),
        "invalid": (
            "the review is validated with `full_clean()`: a rating outside 1 to 5 is refused",
            "asks for a rating of 6 and of 0",
        ),
        "nothing": (
            "a refused review writes nothing and notifies nothing",
            "counts the reviews and the calls of `notify` around every refusal",
        ),
    },
)
def check_4_3(ex, answer):
    from django.contrib.auth import get_user_model
    from django.core.exceptions import ValidationError
    from django.db import transaction

    from demo_project.catalog.models import Item, Review
    from demo_project.errors import ApplicationError, NotFound, PermissionDenied

    notified: list[int] = []

    def notify(review_id: int) -> None:
        notified.append(review_id)

    def reviewer_for(item):
        for user in get_user_model().objects.order_by("id"):
            if _can_review(user, item):
                return user
        return None

    def expect_refusal(key, errors, label, **kwargs):
        count, calls = Review.objects.count(), len(notified)
        with ex.requirement(key):
            try:
                ex.call(answer, notify=notify, allow=errors, **kwargs)
            except errors:
                pass
            else:
                ex.fail(
                    f"{label}: review_create raised nothing.",
                    hint=f"raise {errors[0].__name__} (from demo_project.errors).",
                )
        with ex.requirement("nothing"):
            if Review.objects.count() != count:
                ex.fail(f"{label}: a review was written anyway.")
            if len(notified) != calls:
                ex.fail(f"{label}: notify was called anyway.")

    created = 0
    for items, seed in ex.catalogs():
        with catalog(items, seed) as context:
            item = Item.objects.order_by("id")[2]
            user = reviewer_for(item)
            notified.clear()
            with ex.requirement("created"):
                review = ex.call(
                    answer,
                    author=user,
                    item_id=item.pk,
                    rating=4,
                    comment="Solid.",
                    notify=notify,
                )
                if not isinstance(review, Review) or review.pk is None:
                    ex.fail(f"review_create returned {short(review)}, not a saved Review.")
                saved = Review.objects.filter(
                    pk=review.pk, item=item, author=user, rating=4, comment="Solid."
                ).exists()
                if not saved:
                    ex.fail(
                        "the returned review is not in the database as asked.",
                        f"  on: {context}",
                    )
            with ex.requirement("notify"):
                if notified != [review.pk]:
                    ex.fail(
                        f"notify was called with {notified}; expected [{review.pk}], once.",
                        hint="transaction.on_commit(lambda: notify(review.pk)).",
                    )
            created += 1
            other = Item.objects.order_by("id")[3]
            reviewer = reviewer_for(other)
            expect_refusal(
                "permission",
                (PermissionDenied,),
                "the owner reviewing their own item",
                author=item.owner,
                item_id=item.pk,
                rating=5,
            )
            expect_refusal(
                "permission",
                (PermissionDenied,),
                "a second review by the same user",
                author=user,
                item_id=item.pk,
                rating=2,
            )
            for rating in (6, 0):
                expect_refusal(
                    "invalid",
                    (ApplicationError, ValidationError),
                    f"a rating of {rating}",
                    author=reviewer,
                    item_id=other.pk,
                    rating=rating,
                )
            expect_refusal(
                "missing",
                (NotFound,),
                "an item that does not exist",
                author=reviewer,
                item_id=999_999,
                rating=3,
            )
            # Inside a transaction that rolls back, notify must never run.
            notified.clear()
            with ex.requirement("rollback"):
                try:
                    with transaction.atomic():
                        ex.call(answer, author=reviewer, item_id=other.pk, rating=3, notify=notify)
                        raise Rollback
                except Rollback:
                    pass
                if notified:
                    ex.fail(
                        "notify ran for a review whose transaction was rolled back.",
                        f"  on: {context}",
                        hint="queue it with transaction.on_commit(...): it runs only if the "
                        "outermost transaction commits.",
                    )
    return f"{created} reviews created and announced after commit; refusals write nothing."
