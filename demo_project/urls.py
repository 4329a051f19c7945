from django.contrib import admin
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views import defaults

from demo_project.api import api
from demo_project.errors import error_body

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]


def page_not_found(request: HttpRequest, exception: Exception):
    """Answer unknown API paths with the API's error body; the rest with Django's page."""
    if request.path.startswith("/api/"):
        body = error_body(404, "not_found", f"No endpoint at {request.path}.")
        return JsonResponse(body, status=404)
    return defaults.page_not_found(request, exception)


handler404 = page_not_found
