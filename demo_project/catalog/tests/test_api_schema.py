"""The OpenAPI description at /api/v1/openapi.json: every endpoint, with its bounds stated."""

import pytest

from demo_project.catalog.schemas import MAX_ID
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
