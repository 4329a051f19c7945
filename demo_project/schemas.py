"""Schemas every app shares: the one error body, as OpenAPI documents it."""

from typing import Any

from ninja import Schema


class ErrorDetail(Schema):
    loc: list[str]
    msg: str
    type: str


class Error(Schema):
    status: int
    code: str
    message: str
    details: list[ErrorDetail | dict[str, Any]]


class ErrorOut(Schema):
    """The body of every 4xx answer: ``{"error": {"status", "code", "message", "details"}}``."""

    error: Error


def error_responses(*statuses: int) -> dict[int, type[ErrorOut]]:
    """Return ``{status: ErrorOut}`` for an operation's ``response=``, one entry a status."""
    return dict.fromkeys(statuses, ErrorOut)
