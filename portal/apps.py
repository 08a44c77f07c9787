from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The public site (/public/): published replies, without login."""

    name = "portal"
    verbose_name = _("公开平台")
