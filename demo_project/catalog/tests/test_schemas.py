"""The catalog's schemas: what they accept, what they refuse, what they turn input into."""

import re
from decimal import Decimal

import pytest
from pydantic import ValidationError

from demo_project.catalog.schemas import MAX_ID, NO_NUL, NOT_BLANK, NOT_NULL, ItemIn, ItemPatch

VALID = {"name": "Lamp", "price": "19.99", "category_id": 1}


def test_item_in_keeps_the_price_an_exact_decimal():
    item = ItemIn(**VALID)

    assert item.price == Decimal("19.99")
    assert isinstance(item.price, Decimal)


def test_item_in_strips_the_name_and_fills_the_defaults():
    item = ItemIn(**VALID | {"name": "  Lamp  "})

    assert item.name == "Lamp"
    assert (item.description, item.is_active, item.tag_ids) == ("", True, [])


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "   ", NOT_BLANK),
        ("name", "La\x00mp", NO_NUL),
        ("category_id", MAX_ID + 1, "less than or equal"),
        ("tag_ids", [MAX_ID + 1], "less than or equal"),
        ("price", "-0.01", "greater than or equal"),
        ("price", "0.001", "decimal places"),
    ],
)
def test_item_in_refuses_bad_values(field, value, message):
    with pytest.raises(ValidationError, match=re.escape(message)):
        ItemIn(**VALID | {field: value})


def test_item_in_accepts_the_largest_id():
    assert ItemIn(**VALID | {"category_id": MAX_ID}).category_id == MAX_ID


def test_item_patch_dumps_only_the_fields_sent():
    patch = ItemPatch(price="2.50")

    assert patch.model_dump(exclude_unset=True) == {"price": Decimal("2.50")}


@pytest.mark.parametrize("field", list(ItemPatch.model_fields))
def test_item_patch_refuses_an_explicit_null_for_every_field(field):
    with pytest.raises(ValidationError, match=re.escape(NOT_NULL)):
        ItemPatch(**{field: None})


def test_item_patch_strips_and_refuses_a_blank_name():
    assert ItemPatch(name=" Lamp ").name == "Lamp"
    with pytest.raises(ValidationError, match=re.escape(NOT_BLANK)):
        ItemPatch(name=" ")
