import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection, transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from . import audit, lockout, tasks
from .forms import TestEmailForm
from .models import AuditAction, LoginLock, NotificationKind, Role, User
from .pagination import BoundedPaginator
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
    page = BoundedPaginator(request.user.notifications.all(), 30).get_page(request.GET.get("page"))
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
    """Django's page, plus an audit entry when the password has been changed. When the
    password policy sent the user here (accounts.middleware.PasswordPolicyMiddleware) the page
    says why, and once changed the user goes on to the page they asked for."""

    REASONS = {
        "initial": _lazy(
            "您正在使用管理员设置的初始密码。为保护账号安全，请先设置只有您自己知道的新密码，然后才能继续使用系统。"
        ),
        "expired": _lazy(
            "您的密码已使用超过 %(days)d 天。按照网络安全等级保护要求，工作人员须定期更换密码，请先设置新密码。"
        ),
    }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        reason = self.request.user.password_change_reason()
        if reason:
            context["forced_reason"] = self.REASONS[reason] % {"days": settings.PASSWORD_MAX_AGE_DAYS}
        context["next"] = self._next()
        return context

    def _next(self):
        target = self.request.POST.get("next") or self.request.GET.get("next") or ""
        if url_has_allowed_host_and_scheme(target, allowed_hosts={self.request.get_host()}):
            return target
        return ""

    def form_valid(self, form):
        forced = bool(self.request.user.password_change_reason())
        response = super().form_valid(form)
        audit.record(self.request, AuditAction.PASSWORD_CHANGED, obj=self.request.user)
        if forced:
            messages.success(self.request, _("密码已修改。"))
            return redirect(self._next() or "home")
        return response


# --- 强制下线: the security administrator ends a user's sessions ---------------------------------


@role_required(Role.SECADMIN)
def security_users(request):
    """Accounts, searchable by username or name, each with a 强制下线 button."""
    query = request.GET.get("q", "").strip()[:50]
    users = User.objects.for_security_list(query)
    page = BoundedPaginator(users, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/security_users.html", {"page_obj": page, "q": query})


@require_POST
@role_required(Role.SECADMIN)
def force_logout(request):
    """Ends every session of the user (bumps their security stamp), audited."""
    try:
        user_id = int(request.POST.get("user", ""))
    except ValueError:
        user_id = None
    target = User.objects.filter(pk=user_id).first() if user_id else None
    if target is None:
        messages.error(request, _("未找到该用户，请刷新页面后重试。"))
        return redirect("accounts:security_users")
    target.end_sessions()
    audit.record(request, AuditAction.FORCED_LOGOUT, obj=target, target_username=target.username)
    messages.success(request, _("已强制“%(name)s”下线，该用户须重新登录。") % {"name": target})
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("accounts:security_users")


# --- 安全策略: the security policy in force, for the security administrator ------------------------


def security_policy_rows():
    """(what, value, the environment variable that sets it), read from the running settings."""
    roles = dict(Role.choices)
    required = "、".join(str(roles.get(r, r)) for r in settings.TWO_FACTOR_REQUIRED_ROLES)
    days = settings.PASSWORD_MAX_AGE_DAYS
    return [
        (_("密码最短长度"), _("%(n)d 个字符") % {"n": settings.PASSWORD_MIN_LENGTH}, "PASSWORD_MIN_LENGTH"),
        (
            _("密码须包含的字符类别"),
            _("四类中至少 %(n)d 类") % {"n": settings.PASSWORD_MIN_CLASSES},
            "PASSWORD_MIN_CLASSES",
        ),
        (
            _("工作人员密码有效期"),
            _("%(n)d 天") % {"n": days} if days else _("不强制更换"),
            "PASSWORD_MAX_AGE_DAYS",
        ),
        (
            _("无操作自动退出"),
            _("%(n)d 分钟") % {"n": settings.SESSION_IDLE_TIMEOUT_MINUTES},
            "SESSION_IDLE_TIMEOUT_MINUTES",
        ),
        (_("单次登录最长时间"), _("%(n)d 小时") % {"n": settings.SESSION_ABSOLUTE_HOURS}, "SESSION_ABSOLUTE_HOURS"),
        (_("同一账号登录失败锁定"), _("%(n)d 次") % {"n": settings.LOCKOUT_FAILURES}, "LOCKOUT_FAILURES"),
        (
            _("同一地址登录失败锁定"),
            _("%(n)d 次") % {"n": settings.LOCKOUT_ADDRESS_FAILURES},
            "LOCKOUT_ADDRESS_FAILURES",
        ),
        (_("失败计数时段和锁定时长"), _("%(n)d 分钟") % {"n": settings.LOCKOUT_MINUTES}, "LOCKOUT_MINUTES"),
        (_("必须使用双因素认证的角色"), required or _("无（所有角色自愿启用）"), "TWO_FACTOR_REQUIRED_ROLES"),
        (_("审计日志在线保存"), _("至少 %(n)d 天") % {"n": settings.AUDIT_RETENTION_DAYS}, "AUDIT_RETENTION_DAYS"),
    ]


@role_required(Role.SECADMIN)
def security_policy(request):
    """The security settings in force. They are deployment settings (environment variables,
    changed by the operator and audited by the deployment's change control), so the page
    shows them rather than edits them: the assessor and the security administrator see the
    policy actually running."""
    return render(request, "accounts/security_policy.html", {"rows": security_policy_rows()})


# --- 解除锁定: the security administrator lifts a login lockout (accounts.lockout) -------------


@role_required(Role.SECADMIN)
def security_lockouts(request):
    """Accounts and source addresses locked now, newest first, each with 解除锁定."""
    locks = LoginLock.objects.active().order_by("-locked_at", "-pk")
    page = BoundedPaginator(locks, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/security_lockouts.html", {"page_obj": page})


@require_POST
@role_required(Role.SECADMIN)
def unlock(request):
    """Ends a lock now, audited (an account's lock together with its addresses' locks)."""
    try:
        lock_id = int(request.POST.get("lock", ""))
    except ValueError:
        lock_id = None
    lock = LoginLock.objects.filter(pk=lock_id).first() if lock_id else None
    if lock is None or not lockout.unlock(request, lock):
        messages.error(request, _("该锁定已解除或已到期，无需再解除。"))
    else:
        messages.success(request, _("已解除“%(key)s”的登录锁定。") % {"key": lock.key})
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("accounts:security_lockouts")
