"""Input and output schemas of the catalog API.

Prices are ``Decimal`` end to end: a ``float`` cannot hold 19.99 exactly, and the model
stores a ``DecimalField``. Related fields are read through aliases that follow a relation
(``AliasPath("category", "name")``), which cost no query because the selectors fetch the
relations and the tag names in the same query.
"""

import re
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from django.db.models import Manager
from ninja import Field, FilterLookup, FilterSchema, Schema
from pydantic import (
    AliasChoices,
    AliasPath,
    BaseModel,
    ConfigDict,
    ValidatorFunctionWrapHandler,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic.functional_validators import WrapValidator

MAX_PRICE_DIGITS = 10
# A price on the wire: a string of up to 8 digits, a point and up to 2 decimals. A JSON
# number is refused: a float cannot hold 19.99 exactly, and the client should know it.
PRICE_PATTERN = r"^[0-9]{1,8}(\.[0-9]{1,2})?$"
PRICE_AS_TEXT = 'must be a decimal string such as "19.99"'
PRICE_SCHEMA = {"type": "string", "pattern": PRICE_PATTERN, "examples": ["19.99"]}
EMPTY_PRICE_RANGE = "min_price must not be greater than max_price"


def _price_from_text(value: object, handler: ValidatorFunctionWrapHandler) -> Decimal:
    """Accept a decimal string in PRICE_PATTERN (or a Decimal, from Python code)."""
    if not isinstance(value, str | Decimal):
        raise ValueError(PRICE_AS_TEXT)
    price = handler(value)  # Pydantic's own checks first: their messages say what is wrong
    if isinstance(value, str) and not re.fullmatch(PRICE_PATTERN, value):
        raise ValueError(PRICE_AS_TEXT)
    return price


PRICE = Annotated[
    Decimal,
    Field(ge=0, max_digits=MAX_PRICE_DIGITS, decimal_places=2),
    WrapValidator(_price_from_text),
    WithJsonSchema(PRICE_SCHEMA),
]
# The largest id a BigAutoField holds: a larger number reaching the database would raise
# OverflowError (SQLite) or "out of range" (PostgreSQL), a 500 instead of a 422.
MAX_ID = 2**63 - 1
# Strict in bodies: JSON has true/false and integers, and "1", 1.0 or 0 sent for them is
# a client's mistake to report, not to guess at.
ID = Annotated[int, Field(ge=1, le=MAX_ID, strict=True)]
FLAG = Annotated[bool, Field(strict=True)]
NOT_BLANK = "must not be blank"
NOT_NULL = "must not be null; leave the field out to keep its value"
NO_NUL = "must not contain the NUL character (\\x00)"


def no_nul(value: str | None) -> str | None:
    """Refuse text with a NUL character: PostgreSQL cannot store or compare it (a 500)."""
    if value is not None and "\x00" in value:
        raise ValueError(NO_NUL)
    return value


def _strip_not_blank(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError(NOT_BLANK)
    return value


ItemOrdering = Literal["name", "-name", "price", "-price", "created_at", "-created_at"]


class ItemIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=5000)
    price: PRICE
    is_active: FLAG = True
    category_id: ID
    tag_ids: list[ID] = Field(default_factory=list, max_length=20)

    text_has_no_nul = field_validator("name", "description")(no_nul)

    @field_validator("name")
    @classmethod
    def name_is_not_blank(cls, value: str) -> str:
        return _strip_not_blank(value)


class ItemPatch(Schema):
    """The fields of a partial update; any of them may be left out, none may be null."""

    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=5000)
    price: PRICE | None = None
    is_active: FLAG | None = None
    category_id: ID | None = None
    tag_ids: list[ID] | None = Field(None, max_length=20)

    # None is only the "left out" default: a null sent for a column that cannot be null
    # would otherwise reach the service (a TypeError or an IntegrityError, a 500).
    @field_validator("*")
    @classmethod
    def sent_values_are_not_null(cls, value):
        if value is None:
            raise ValueError(NOT_NULL)
        return value

    text_has_no_nul = field_validator("name", "description")(no_nul)

    @field_validator("name")
    @classmethod
    def name_is_not_blank(cls, value: str | None) -> str | None:
        return None if value is None else _strip_not_blank(value)


class ItemOut(BaseModel):
    """An item as the API shows it, read from the attributes of an ``Item``.

    A Pydantic model with ``from_attributes``, not a Ninja ``Schema``: a ``Schema`` hands
    every field to its ``resolve_*`` machinery through a getter written in Python, which
    cost as much as the rest of a page of 100 items; here Pydantic's core reads the
    attributes itself. A value that needs code gets a validator instead of a resolver.
    """

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    description: str
    price: Annotated[Decimal, WithJsonSchema(PRICE_SCHEMA)]
    is_active: bool
    category_id: int
    # AliasPath follows the relation by plain attribute reads: item.category.name.
    category: str = Field(validation_alias=AliasPath("category", "name"))
    owner: str = Field(validation_alias=AliasPath("owner", "username"))
    # The selectors annotate tag_names; any other item hands over its tags manager.
    tags: list[str] = Field(validation_alias=AliasChoices("tag_names", "tags"))
    review_count: int = 0
    average_rating: float | None = None
    created_at: datetime
    updated_at: datetime

    @field_validator("tags", mode="before")
    @classmethod
    def tag_names_in_order(cls, names: list[str] | Manager) -> list[str]:
        # A manager costs a query per item, unless something prefetched "tags".
        if isinstance(names, Manager):
            names = [tag.name for tag in names.all()]
        return sorted(names)

    @field_validator("average_rating")
    @classmethod
    def two_decimals(cls, average: float | None) -> float | None:
        return None if average is None else round(average, 2)


class ItemCursorOut(ItemOut):
    """ItemOut under another name, for the cursor-paginated list.

    Ninja names a paginated response after its item schema (``PagedItemOut``); two
    paginators over one schema would share that name in OpenAPI and one would document
    the other's shape.
    """


class ItemFilter(FilterSchema):
    search: Annotated[str | None, FilterLookup(["name__icontains", "description__icontains"])] = (
        Field(None, max_length=100)
    )
    category: Annotated[int | None, FilterLookup("category_id")] = Field(None, ge=1, le=MAX_ID)
    tag: Annotated[str | None, FilterLookup("tags__slug")] = Field(None, max_length=50)
    min_price: Annotated[PRICE | None, FilterLookup("price__gte")] = None
    max_price: Annotated[PRICE | None, FilterLookup("price__lte")] = None
    is_active: Annotated[bool | None, FilterLookup("is_active")] = None

    text_has_no_nul = field_validator("search", "tag")(no_nul)

    @model_validator(mode="after")
    def price_range_is_not_empty(self):
        # An empty range is the client's mistake: a 422, not an empty page that looks
        # like an empty catalog.
        if None not in (self.min_price, self.max_price) and self.min_price > self.max_price:
            raise ValueError(EMPTY_PRICE_RANGE)
        return self


class CategoryOut(Schema):
    id: int
    name: str
    slug: str
    item_count: int


class TagOut(Schema):
    id: int
    name: str
    slug: str
