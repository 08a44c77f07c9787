from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("账号与单位")

    def ready(self):
        from .models import Role
        from .registry import HomePanel, NavItem, register_nav, register_panel

        everyone = tuple(Role.values)
        register_nav(NavItem(_("首页"), "home", everyone, order=0))
        register_nav(NavItem(_("系统管理"), "admin:index", (Role.SYSADMIN,), order=90))
        register_panel(
            HomePanel(
                title=_("系统管理"),
                roles=(Role.SYSADMIN,),
                items=lambda user: [],
                template="home/_sysadmin_panel.html",
                order=10,
            )
        )


class JianyiAdminConfig(AdminConfig):
    """Django admin, restricted to the system administrator role (see accounts.admin)."""

    default_site = "accounts.sites.JianyiAdminSite"
