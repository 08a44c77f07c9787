"""Django admin's changelist for proposals, as a quick build would give it: the yardstick of
ratio (b) (docs/performance.md, "Benchmark").

A separate AdminSite, mounted only by bench.urls (bench settings): the production admin site
(accounts.sites) deliberately does not register proposals, since the system administrator reads no
proposal content. Here the coordinator may enter, and may only look.
"""

from django.contrib import admin

from accounts.models import Role
from proposals.models import Proposal

# The proposal list's page size (proposals.views.PAGE_SIZE), so both pages fetch the same rows.
PAGE_SIZE = 25


class BenchAdminSite(admin.AdminSite):
    site_header = site_title = index_title = "Benchmark: Django admin"

    def has_permission(self, request):
        return request.user.is_active and request.user.is_authenticated and request.user.role == Role.COORDINATOR


class ProposalAdmin(admin.ModelAdmin):
    """What `admin.site.register(Proposal, ...)` with the list's columns and filters gives."""

    list_display = ("number", "title", "lead_deputy", "session", "category", "status", "submitted_at")
    list_filter = ("session", "status")
    search_fields = ("title",)
    ordering = ("-submitted_at", "-id")
    list_per_page = PAGE_SIZE

    def has_module_permission(self, request):
        return self.admin_site.has_permission(request)

    def has_view_permission(self, request, obj=None):
        return self.admin_site.has_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


site = BenchAdminSite(name="bench_admin")
site.register(Proposal, ProposalAdmin)
