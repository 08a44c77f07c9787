from functools import wraps
from urllib.parse import urlencode

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from .models import Role


class JianyiAdminSite(admin.AdminSite):
    """System administration: users, departments, deputies. Only the `sysadmin` role may
    enter; it holds no proposal content, so the three separated duties stay apart."""

    site_header = _("建议办理平台 · 系统管理")
    site_title = _("系统管理")
    index_title = _("系统管理")

    def has_permission(self, request):
        return request.user.is_authenticated and request.user.has_role(Role.SYSADMIN)

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        @wraps(view)
        def guard(request, *args, **kwargs):
            # Signed in with another role: refuse (403) instead of the admin's login form.
            if request.user.is_authenticated and not self.has_permission(request):
                raise PermissionDenied
            return inner(request, *args, **kwargs)

        return guard

    def password_change(self, request, extra_context=None):
        # The product's one password page (rules, audit entry), also under the admin's header link.
        from .views import PasswordChangeView

        view = PasswordChangeView.as_view(
            template_name="accounts/password_change.html", success_url=reverse("accounts:password_change_done")
        )
        return view(request)

    def login(self, request, extra_context=None):
        # One login page for the whole product.
        if request.user.is_authenticated and not self.has_permission(request):
            raise PermissionDenied
        target = request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            target = reverse("admin:index")
        if request.user.is_authenticated:
            return redirect(target)
        return redirect(f"{reverse('accounts:login')}?{urlencode({'next': target})}")
