"""Version 1 of the API: one NinjaAPI, every app's router, one error format."""

import json

from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.errors import ValidationError
from ninja.parser import Parser

from demo_project.accounts.api import router as auth_router
from demo_project.catalog.api import router as catalog_router
from demo_project.errors import (
    JSON_ONLY,
    NOT_AN_OBJECT,
    NOT_JSON,
    MalformedBody,
    UnsupportedMediaType,
    install_error_handlers,
)


class JsonObjectParser(Parser):
    """Ninja's JSON parser, made strict: the JSON media type only, and a JSON object only.

    Ninja's own parser reads any body as JSON whatever its Content-Type (a form post or
    text/plain would create items), and passes a list, a number or null on to the schema.
    """

    def parse_body(self, request: HttpRequest) -> dict:
        content_type = request.content_type or ""
        if content_type != "application/json" and not content_type.endswith("+json"):
            raise UnsupportedMediaType(JSON_ONLY)
        try:
            data = json.loads(request.body)
        except ValueError:
            raise MalformedBody(NOT_JSON) from None
        if not isinstance(data, dict):
            raise ValidationError([{"loc": ("body",), "msg": NOT_AN_OBJECT, "type": "dict_type"}])
        return data


api = NinjaAPI(
    title="Workbook catalog API",
    version="1",
    description="The demo project's API. Writes need `Authorization: Bearer <token>` "
    "from POST /api/v1/auth/token. Every error answers "
    '`{"error": {"status", "code", "message", "details"}}`.',
    urls_namespace="api-1",
    parser=JsonObjectParser(),
)
install_error_handlers(api)
api.add_router("/auth/", auth_router)
api.add_router("/", catalog_router)
