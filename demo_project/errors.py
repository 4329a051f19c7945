"""One application error type, and the one error body every 4xx response has.

Every 4xx answer of the API has the same shape::

    {"error": {"status": 404, "code": "not_found", "message": "Item not found.", "details": []}}

Services and selectors raise the errors below; the handlers registered by
``install_error_handlers`` turn them (and Ninja's and Django's own) into that body, and
``ApiErrorBodyMiddleware`` gives it to what Django answers before the API runs (an unknown
path, a 405, a refused host), with DEBUG on or off. The status-code policy is the
README's table "Status codes".
"""

from __future__ import annotations

import math
import re
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.middleware.common import CommonMiddleware
from django.urls import Resolver404, resolve
from django.views.debug import SafeExceptionReporterFilter

if TYPE_CHECKING:
    from ninja import NinjaAPI

API_PREFIX = "/api/"
# The error code of each status when nothing more specific is known.
STATUS_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "throttled",
    500: "server_error",
}
NOT_JSON = "The body is not valid JSON."
NOT_AN_OBJECT = "The body must be a JSON object."
JSON_ONLY = "Send the body as JSON, with Content-Type: application/json."
TOO_LARGE = "The body is larger than {limit} bytes."
BAD_TOKEN = "The token is invalid, expired or revoked; get a new one from POST /api/v1/auth/token."
NO_TOKEN = "Send a valid token: Authorization: Bearer <token>."
THROTTLED = "Too many requests; try again in {wait} seconds."


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


class Conflict(ApplicationError):
    """A request that the resource's current state refuses (no stock left, say)."""

    status = 409
    code = "conflict"


class BusinessRuleViolation(ApplicationError):
    """A valid request that a business rule refuses (a price over the cap, say)."""

    status = 422
    code = "business_rule"


class UnknownReference(ApplicationError):
    """A well-formed id of a related object that does not exist (an unknown category)."""

    status = 422
    code = "unknown_reference"


class UnsupportedMediaType(ApplicationError):
    status = 415
    code = "unsupported_media_type"


class MalformedBody(ApplicationError):
    status = 400
    code = "malformed_json"


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


def _under_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def _not_found_message(request: HttpRequest) -> str:
    """Say that nothing is at this path, and where the endpoint is when only a slash is off."""
    path = request.path
    other = path[:-1] if path.endswith("/") else f"{path}/"
    try:
        resolve(other)
    except Resolver404:
        return f"No endpoint at {path}."
    return f"No endpoint at {path}; did you mean {other}?"


def _sent_a_token(request: HttpRequest) -> bool:
    """Return whether the request carries ``Authorization: Bearer <something>``."""
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and bool(credentials.strip())


class ApiErrorBodyMiddleware:
    """Give every error under ``/api/`` the one error body, whatever DEBUG is.

    Django answers some requests before any API handler can run: an unknown path (a 404
    page, with DEBUG the debug page), a method the path does not have (Ninja's plain-text
    405), a host or a body Django refuses (a 400 page). An error response that is not JSON
    is replaced by the error body with the same status; a server error by a body that says
    nothing about the server (the traceback is in the log).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code < 400 or not _under_api(request):
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        status = response.status_code
        message = HTTPStatus(status).phrase + "."
        headers = {}
        if status == 404:
            message = _not_found_message(request)
        elif status == 405:
            # Ninja builds Allow from a set: sort it, so the message is the same in every
            # process; HEAD is answered wherever GET is (HeadAsGetMiddleware).
            methods = {m.strip() for m in response.get("Allow", "").split(",") if m.strip()}
            allowed = ", ".join(sorted(methods | ({"HEAD"} if "GET" in methods else set())))
            message = f"{request.method} is not allowed here; use one of: {allowed}."
            headers["Allow"] = allowed
        elif status >= 500:
            message = "The server failed to answer; the error is logged."
        code = STATUS_CODES.get(status, "bad_request" if status < 500 else "server_error")
        answer = JsonResponse(error_body(status, code, message), status=status)
        for name, value in headers.items():
            answer[name] = value
        return answer


class HeadAsGetMiddleware:
    """Answer ``HEAD`` under ``/api/`` as ``GET``, as Django's class-based views do.

    Ninja routes by method, so a HEAD would be a 405; the server leaves out the body.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method != "HEAD" or not _under_api(request):
            return self.get_response(request)
        request.method = "GET"
        try:
            return self.get_response(request)
        finally:
            request.method = "HEAD"


class ApiCommonMiddleware(CommonMiddleware):
    """Django's CommonMiddleware, without the trailing-slash redirect under ``/api/``.

    The redirect turns a POST into a GET in most clients (and into a RuntimeError with
    DEBUG on); an API client is better told the right path, in a 404.
    """

    def should_redirect_with_slash(self, request: HttpRequest) -> bool:
        return not _under_api(request) and super().should_redirect_with_slash(request)


class SecretsHiddenReporterFilter(SafeExceptionReporterFilter):
    """Django's filter, also hiding settings named like URLs (``DATABASE_URL`` holds a password)."""

    hidden_settings = re.compile(
        SafeExceptionReporterFilter.hidden_settings.pattern + "|URL", flags=re.IGNORECASE
    )


def install_error_handlers(api: NinjaAPI) -> None:
    """Map every error a client can cause to one body shape and a 4xx status."""
    from ninja.errors import (
        AuthenticationError,
        AuthorizationError,
        HttpError,
        Throttled,
        ValidationError,
    )

    def respond(request: HttpRequest, status: int, code: str, message: str, details=None):
        response = api.create_response(
            request, error_body(status, code, message, details), status=status
        )
        if status == 401:
            # RFC 6750: a 401 says how to authenticate; "invalid_token" when a token came.
            invalid = 'Bearer error="invalid_token"'
            response["WWW-Authenticate"] = invalid if _sent_a_token(request) else "Bearer"
        return response

    @api.exception_handler(ApplicationError)
    def application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
        return respond(request, exc.status, exc.code, exc.message, exc.details)

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        details = _validation_details(exc.errors)
        return respond(request, 422, "validation_error", "The request is not valid.", details)

    @api.exception_handler(AuthenticationError)
    def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        if _sent_a_token(request):
            return respond(request, 401, "invalid_token", BAD_TOKEN)
        return respond(request, 401, "not_authenticated", NO_TOKEN)

    @api.exception_handler(AuthorizationError)
    def authorization_error(request: HttpRequest, exc: AuthorizationError) -> HttpResponse:
        return respond(request, 403, "permission_denied", str(exc))

    @api.exception_handler(Throttled)
    def throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
        # Ninja sets Retry-After on the response this returns.
        wait = "a few" if exc.wait is None else str(math.ceil(exc.wait))
        return respond(request, 429, "throttled", THROTTLED.format(wait=wait))

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        # Ninja wraps whatever its parser raises in a 400: answer the parser's own error.
        if isinstance(exc.__cause__, ApplicationError | ValidationError):
            return api.on_exception(request, exc.__cause__)
        status = exc.status_code
        return respond(request, status, STATUS_CODES.get(status, "http_error"), str(exc))

    @api.exception_handler(RequestDataTooBig)
    def too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        from django.conf import settings

        message = TOO_LARGE.format(limit=settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        return respond(request, 413, "payload_too_large", message)

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return respond(request, 404, "not_found", str(exc) or "Not found.")

    @api.exception_handler(DjangoValidationError)
    def django_validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        details = _django_validation_details(exc)
        return respond(request, 422, "invalid", "The data breaks a rule of the model.", details)

    @api.exception_handler(DjangoPermissionDenied)
    def django_permission_denied(request: HttpRequest, exc: DjangoPermissionDenied) -> HttpResponse:
        return respond(request, 403, "permission_denied", str(exc) or "Permission denied.")
