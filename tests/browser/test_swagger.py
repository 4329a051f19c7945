"""The Swagger UI at /api/v1/docs renders the item endpoints in a real browser."""

import pytest

pytestmark = pytest.mark.browser


def test_swagger_ui_lists_the_item_endpoints(page, api_server, screenshots):
    page.goto(f"{api_server}/api/v1/docs", wait_until="networkidle")
    page.wait_for_selector(".opblock", timeout=30_000)
    summaries = page.locator(".opblock-summary-path").all_inner_texts()
    paths = {text.replace("\u200b", "").strip() for text in summaries}
    page.screenshot(path=screenshots / "swagger-ui.png", full_page=True)
    assert "/api/v1/items/" in paths
    assert "/api/v1/items/{item_id}" in paths
    assert "/api/v1/auth/token" in paths
    methods = page.locator(".opblock-summary-method").all_inner_texts()
    assert {"GET", "POST", "PUT", "PATCH", "DELETE"} <= set(methods)
