from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The public site (/public/): published replies, without login."""

    name = "portal"
    verbose_name = _("公开平台")

    def ready(self):
        from accounts.models import Role
        from accounts.registry import NavItem, register_nav

        # the office's list of signed replies waiting for their publication day
        register_nav(NavItem(_("待公开"), "replies:publication_queue", (Role.COORDINATOR,), order=45))
