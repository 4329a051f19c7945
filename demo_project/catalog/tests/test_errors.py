"""The one error body: every error a client can cause is mapped once, to one 4xx shape.

Each case makes the tags endpoint's selector raise one kind of error, so the mapping is
tested through a real request without a test-only endpoint.
"""

import pytest
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponseNotAllowed
from ninja.errors import HttpError

from demo_project.catalog import selectors
from demo_project.errors import (
    ApiErrorBodyMiddleware,
    ApplicationError,
    BusinessRuleViolation,
    Conflict,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    UnknownReference,
    error_body,
)

pytestmark = pytest.mark.django_db

TAGS = "/api/v1/tags/"

CASES = {
    "application error": (ApplicationError("Bad."), 400, "bad_request"),
    "not found": (NotFound("No such thing."), 404, "not_found"),
    "not authenticated": (NotAuthenticated("Log in."), 401, "not_authenticated"),
    "permission denied": (PermissionDenied("Not yours."), 403, "permission_denied"),
    "business rule": (BusinessRuleViolation("Too dear."), 422, "business_rule"),
    "conflict": (Conflict("Sold out."), 409, "conflict"),
    "unknown reference": (UnknownReference("No such category."), 422, "unknown_reference"),
    "Django's ValidationError": (DjangoValidationError("Broken."), 422, "invalid"),
    "Django's PermissionDenied": (DjangoPermissionDenied(), 403, "permission_denied"),
    "Django's Http404": (Http404(), 404, "not_found"),
    "Ninja's HttpError": (HttpError(418, "I am a teapot."), 418, "http_error"),
}


@pytest.fixture
def raising(monkeypatch):
    """Make GET /api/v1/tags/ raise ``error``."""

    def raising(error: Exception) -> None:
        def fail():
            raise error

        monkeypatch.setattr(selectors, "tag_list", fail)

    return raising


def test_error_body_has_exactly_status_code_message_and_details():
    assert error_body(404, "not_found", "Gone.") == {
        "error": {"status": 404, "code": "not_found", "message": "Gone.", "details": []}
    }


@pytest.mark.parametrize(("error", "status", "code"), CASES.values(), ids=CASES.keys())
def test_each_client_error_becomes_its_status_with_the_one_body(
    api, raising, expect_error, error, status, code
):
    raising(error)

    expect_error(api.get(TAGS), status, code)


def test_application_error_details_reach_the_client(api, raising, expect_error):
    details = [{"loc": ["body", "price"], "msg": "too high", "type": "rule"}]
    raising(BusinessRuleViolation("Too dear.", details=details))

    error = expect_error(api.get(TAGS), 422)

    assert error["message"] == "Too dear."
    assert error["details"] == details


def test_django_validation_error_names_each_field_in_the_details(api, raising, expect_error):
    raising(DjangoValidationError({"name": ["Too short."], "price": ["Too high."]}))

    error = expect_error(api.get(TAGS), 422, "invalid")

    assert {tuple(detail["loc"]) for detail in error["details"]} == {
        ("body", "name"),
        ("body", "price"),
    }


def test_an_unexpected_error_stays_a_500_and_is_not_disguised_as_a_4xx(api, raising):
    raising(RuntimeError("a bug"))

    assert api.get(TAGS).status_code == 500


def test_a_method_the_path_does_not_have_answers_405_with_the_one_body(api, db, expect_error):
    response = api.delete(TAGS)

    error = expect_error(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET, HEAD"
    assert "GET, HEAD" in error["message"]


def test_a_405_outside_the_api_is_left_as_it_is(rf):
    plain = HttpResponseNotAllowed(["GET"], content=b"Method not allowed")
    middleware = ApiErrorBodyMiddleware(lambda request: plain)

    assert middleware(rf.put("/admin/somewhere/")) is plain
