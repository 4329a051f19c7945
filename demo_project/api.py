"""Version 1 of the API: one NinjaAPI, every app's router, one error format."""

from ninja import NinjaAPI

from demo_project.accounts.api import router as auth_router
from demo_project.catalog.api import router as catalog_router
from demo_project.errors import install_error_handlers

api = NinjaAPI(
    title="Workbook catalog API",
    version="1",
    description="The demo project's API. Writes need `Authorization: Bearer <token>` "
    "from POST /api/v1/auth/token.",
    urls_namespace="api-1",
)
install_error_handlers(api)
api.add_router("/auth/", auth_router)
api.add_router("/", catalog_router)
