from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Statistics, spreadsheet exports and the annual handling report: read-only views over
    proposals and replies (DESIGN.md layers)."""

    name = "reports"
    verbose_name = _("统计报表")

    def ready(self):
        from accounts.models import Role
        from accounts.registry import NavItem, register_nav

        register_nav(NavItem(_("统计"), "reports:statistics", (Role.COORDINATOR,), order=32))
