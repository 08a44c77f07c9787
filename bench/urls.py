"""The production URLs plus Django admin's proposal changelist (bench.admin), for bench settings
only."""

from django.urls import path

from config.urls import urlpatterns as production

from .admin import site

ADMIN_PREFIX = "bench-admin/"

urlpatterns = [*production, path(ADMIN_PREFIX, site.urls)]
