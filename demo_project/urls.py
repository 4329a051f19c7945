from django.contrib import admin
from django.urls import path

from demo_project.api import api

# Errors under /api/ (an unknown path too) get the API's error body from
# demo_project.errors.ApiErrorBodyMiddleware, with DEBUG on or off.
urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]
