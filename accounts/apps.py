from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("账号与单位")

    def ready(self):
        from django.contrib.auth import signals

        from . import audit, lockout, two_factor_views
        from .middleware import start_session_clock
        from .models import Role
        from .registry import HomePanel, NavItem, register_nav, register_panel

        signals.user_logged_in.connect(audit.on_logged_in, dispatch_uid="audit_login")
        signals.user_login_failed.connect(audit.on_login_failed, dispatch_uid="audit_login_failed")
        signals.user_logged_out.connect(audit.on_logged_out, dispatch_uid="audit_logout")
        signals.user_logged_in.connect(start_session_clock, dispatch_uid="session_clock")
        signals.user_logged_in.connect(lockout.on_logged_in, dispatch_uid="lockout_success")
        signals.user_logged_in.connect(two_factor_views.on_logged_in, dispatch_uid="two_factor_state")

        everyone = tuple(Role.values)
        register_nav(NavItem(_("首页"), "home", everyone, order=0))
        register_nav(NavItem(_("审计日志"), "audit:list", (Role.AUDITOR,), order=20))
        register_nav(NavItem(_("账号安全"), "accounts:security_users", (Role.SECADMIN,), order=20))
        register_nav(NavItem(_("登录锁定"), "accounts:security_lockouts", (Role.SECADMIN,), order=21))
        register_nav(NavItem(_("安全策略"), "accounts:security_policy", (Role.SECADMIN,), order=22))
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
