"""Ninja's paginators with every page parameter bounded, so bad input gets a 422.

Ninja's own classes clamp a huge ``page_size`` silently and, for cursors, let a tampered
cursor reach the database; here each parameter has a range, and a cursor that does not
decode to a position is a validation error like any other.
"""

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Schema
from ninja.errors import ValidationError
from ninja.pagination import CursorPagination, PageNumberPagination
from pydantic import ValidationError as PydanticValidationError

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_PAGE = 1_000_000
INVALID_CURSOR = "The cursor is not one this API issued."


class PageNumberInput(Schema):
    page: int = Field(1, ge=1, le=MAX_PAGE)
    page_size: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


class CursorInput(Schema):
    page_size: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)
    cursor: str | None = Field(None, max_length=200)


class BoundedPageNumberPagination(PageNumberPagination):
    Input = PageNumberInput  # a name of its own: OpenAPI keeps one schema per name

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("page_size", DEFAULT_PAGE_SIZE)
        kwargs.setdefault("max_page_size", MAX_PAGE_SIZE)
        super().__init__(**kwargs)


class BoundedCursorPagination(CursorPagination):
    Input = CursorInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("page_size", DEFAULT_PAGE_SIZE)
        kwargs.setdefault("max_page_size", MAX_PAGE_SIZE)
        super().__init__(**kwargs)

    def _check_position(self, queryset: QuerySet, encoded: str | None) -> None:
        """Raise ValueError unless the cursor's position is a value of the ordering field.

        Django would accept a date-time without a time zone (``2024-01-01``) with only a
        RuntimeWarning, logged for every such request; the cursors this API issues always
        carry one, so a position without it was made by hand.
        """
        position = self.Cursor.from_encoded_param(encoded).p
        if position is None:
            return
        field = queryset.model._meta.get_field(self._order_attribute)
        value = field.to_python(position)
        if isinstance(value, datetime) and timezone.is_naive(value):
            raise ValueError("The cursor's position has no time zone.")

    def paginate_queryset(
        self, queryset: QuerySet, pagination: Any, request: HttpRequest, **params: Any
    ) -> Any:
        try:
            self._check_position(queryset, pagination.cursor)
            return super().paginate_queryset(queryset, pagination, request, **params)
        except (ValidationError, DjangoValidationError, PydanticValidationError, ValueError):
            # Not base64, or well-formed base64 carrying a position that is not a date.
            raise ValidationError(
                [{"loc": ["query", "cursor"], "msg": INVALID_CURSOR, "type": "value_error"}]
            ) from None
