"""The OpenAPI description at /api/v1/openapi.json: every endpoint, with its bounds stated."""

import pytest

from demo_project.catalog.schemas import MAX_ID, PRICE_PATTERN
from demo_project.pagination import MAX_PAGE, MAX_PAGE_SIZE

pytestmark = pytest.mark.django_db


@pytest.fixture
def openapi(api) -> dict:
    response = api.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def parameters(openapi: dict, path: str, method: str = "get") -> dict[str, dict]:
    operation = openapi["paths"][path][method]
    return {parameter["name"]: parameter["schema"] for parameter in operation["parameters"]}


def test_openapi_lists_every_endpoint_under_v1(openapi):
    assert {path: sorted(methods) for path, methods in openapi["paths"].items()} == {
        "/api/v1/auth/token": ["post"],
        "/api/v1/items/": ["get", "post"],
        "/api/v1/items/cursor/": ["get"],
        "/api/v1/items/{item_id}": ["delete", "get", "patch", "put"],
        "/api/v1/categories/": ["get"],
        "/api/v1/tags/": ["get"],
    }


def test_openapi_states_the_page_bounds(openapi):
    params = parameters(openapi, "/api/v1/items/")

    assert (params["page"]["minimum"], params["page"]["maximum"]) == (1, MAX_PAGE)
    assert (params["page_size"]["minimum"], params["page_size"]["maximum"]) == (1, MAX_PAGE_SIZE)


def test_openapi_states_the_id_bounds(openapi):
    params = parameters(openapi, "/api/v1/items/{item_id}")

    assert (params["item_id"]["minimum"], params["item_id"]["maximum"]) == (1, MAX_ID)


def test_openapi_marks_the_writes_as_needing_a_bearer_token(openapi):
    item = openapi["paths"]["/api/v1/items/{item_id}"]

    assert "security" not in item["get"]
    for method in ("put", "patch", "delete"):
        assert item[method]["security"] == [{"JWTAuth": []}]


def test_every_operation_documents_its_errors_with_the_error_schema(openapi):
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            errors = {code for code in operation["responses"] if code.startswith("4")}
            if method == "get" and path in {"/api/v1/categories/", "/api/v1/tags/"}:
                continue  # no parameter, no body: nothing a client sends can be wrong
            assert "422" in errors, (method, path, sorted(operation["responses"]))
            for code in errors:
                schema = operation["responses"][code]["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorOut"}, (method, path, code)


def test_writes_document_401_413_415_and_the_token_endpoint_429(openapi):
    item = openapi["paths"]["/api/v1/items/{item_id}"]
    for method in ("put", "patch"):
        assert {"400", "401", "403", "404", "413", "415", "422"} <= set(item[method]["responses"])
    token = openapi["paths"]["/api/v1/auth/token"]["post"]["responses"]
    assert {"401", "429"} <= set(token)


def test_price_is_a_decimal_string_with_its_pattern_in_and_out(openapi):
    schemas = openapi["components"]["schemas"]
    for name in ("ItemIn", "ItemPatch", "ItemOut"):
        price = schemas[name]["properties"]["price"]
        options = price.get("anyOf", [price])
        text = next(option for option in options if option.get("type") == "string")
        assert text["pattern"] == PRICE_PATTERN, (name, price)
        assert {option.get("type") for option in options} <= {"string", "null"}, (name, price)
