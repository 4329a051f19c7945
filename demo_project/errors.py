"""One application error type, and the one error body every 4xx response has.

Every 4xx answer of the API has the same shape::

    {"error": {"status": 404, "code": "not_found", "message": "Item not found.", "details": []}}

Services and selectors raise the errors below; the handlers registered by
``install_error_handlers`` turn them (and Ninja's and Django's own) into that body.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse

if TYPE_CHECKING:
    from ninja import NinjaAPI


class ApplicationError(Exception):
    """An error a client caused and can fix; mapped to a 4xx response."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []


class NotFound(ApplicationError):
    status = 404
    code = "not_found"


class NotAuthenticated(ApplicationError):
    status = 401
    code = "not_authenticated"


class PermissionDenied(ApplicationError):
    status = 403
    code = "permission_denied"


class BusinessRuleViolation(ApplicationError):
    """A valid request that a business rule refuses (a price over the cap, say)."""

    status = 409
    code = "business_rule"


def error_body(status: int, code: str, message: str, details: list | None = None) -> dict:
    return {"error": {"status": status, "code": code, "message": message, "details": details or []}}


def _validation_details(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Keep the parts of Pydantic's errors a client needs: where, what, which kind."""
    details = []
    for error in errors:
        details.append(
            {
                "loc": [str(part) for part in error.get("loc", [])],
                "msg": str(error.get("msg", error)),
                "type": str(error.get("type", "value_error")),
            }
        )
    return details


def _django_validation_details(exc: DjangoValidationError) -> list[dict[str, Any]]:
    if hasattr(exc, "error_dict"):
        return [
            {"loc": ["body", field], "msg": message, "type": "value_error"}
            for field, messages in exc.message_dict.items()
            for message in messages
        ]
    return [{"loc": ["body"], "msg": message, "type": "value_error"} for message in exc.messages]


class ApiErrorBodyMiddleware:
    """Give a 405 under ``/api/`` the one error body.

    Ninja answers a method that a path does not have with a plain-text 405 before any
    exception handler can run, so it would be the one 4xx a client reads differently.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 405 or not request.path.startswith("/api/"):
            return response
        # Ninja builds Allow from a set: sort it, so the message is the same in every process.
        allowed = ", ".join(sorted(m.strip() for m in response.get("Allow", "").split(",") if m))
        message = f"{request.method} is not allowed here; use one of: {allowed}."
        answer = JsonResponse(error_body(405, "method_not_allowed", message), status=405)
        answer["Allow"] = allowed
        return answer


def install_error_handlers(api: NinjaAPI) -> None:
    """Map every error a client can cause to one body shape and a 4xx status."""
    from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError

    def respond(request: HttpRequest, status: int, code: str, message: str, details=None):
        return api.create_response(
            request, error_body(status, code, message, details), status=status
        )

    @api.exception_handler(ApplicationError)
    def application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
        return respond(request, exc.status, exc.code, exc.message, exc.details)

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        details = _validation_details(exc.errors)
        return respond(request, 422, "validation_error", "The request is not valid.", details)

    @api.exception_handler(AuthenticationError)
    def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return respond(
            request, 401, "not_authenticated", "Send a valid token: Authorization: Bearer <token>."
        )

    @api.exception_handler(AuthorizationError)
    def authorization_error(request: HttpRequest, exc: AuthorizationError) -> HttpResponse:
        return respond(request, 403, "permission_denied", str(exc))

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return respond(request, exc.status_code, "http_error", str(exc))

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return respond(request, 404, "not_found", str(exc) or "Not found.")

    @api.exception_handler(DjangoValidationError)
    def django_validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        details = _django_validation_details(exc)
        return respond(request, 400, "invalid", "The data breaks a rule of the model.", details)

    @api.exception_handler(DjangoPermissionDenied)
    def django_permission_denied(request: HttpRequest, exc: DjangoPermissionDenied) -> HttpResponse:
        return respond(request, 403, "permission_denied", str(exc) or "Permission denied.")
