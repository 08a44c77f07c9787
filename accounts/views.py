import logging

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import DatabaseError, connection, transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from . import audit, tasks
from .forms import TestEmailForm
from .models import AuditAction, NotificationKind, Role
from .permissions import role_required
from .registry import panels_for

log = logging.getLogger(__name__)


@login_required
def home(request):
    panels = [{"panel": panel, "items": panel.items(request.user)} for panel in panels_for(request.user)]
    return render(request, "home/home.html", {"panels": panels})


@role_required(Role.SYSADMIN)
def test_email(request):
    """Queues a test message, so an operator can prove the mail settings and the worker."""
    form = TestEmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        address = form.cleaned_data["email"]
        transaction.on_commit(lambda: tasks.send_test_email.defer(address=address))
        messages.success(request, _("测试邮件已加入发送队列，请稍后查收。"))
        return redirect("accounts:test_email")
    return render(request, "accounts/test_email.html", {"form": form})


@never_cache
@require_safe
def healthz(request):
    """200 when the database answers; 503 otherwise. For load balancers and compose."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        log.exception("health check: database unavailable")
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


@login_required
def notifications(request):
    page = Paginator(request.user.notifications.all(), 30).get_page(request.GET.get("page"))
    kinds = [(value, label, value not in request.user.email_opt_out) for value, label in NotificationKind.choices]
    return render(request, "accounts/notifications.html", {"page_obj": page, "email_kinds": kinds})


@require_POST
@login_required
def notification_settings(request):
    """Which kinds of notification the user also wants by email (in-app ones always come)."""
    wanted = set(request.POST.getlist("email"))
    request.user.email_opt_out = [value for value in NotificationKind.values if value not in wanted]
    request.user.save(update_fields=["email_opt_out"])
    messages.success(request, _("已保存邮件设置。"))
    return redirect("accounts:notifications")


@require_POST
@login_required
def notification_open(request, pk):
    """Marks the notification read and goes where it points."""
    notification = get_object_or_404(request.user.notifications, pk=pk)
    request.user.notifications.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
    target = notification.url
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("accounts:notifications")
    return redirect(target or "accounts:notifications")


@require_POST
@login_required
def notifications_read_all(request):
    request.user.notifications.unread().update(read_at=timezone.now())
    messages.success(request, _("已全部标为已读。"))
    return redirect("accounts:notifications")


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's page, plus an audit entry when the password has been changed."""

    def form_valid(self, form):
        response = super().form_valid(form)
        audit.record(self.request, AuditAction.PASSWORD_CHANGED, obj=self.request.user)
        return response
