"""Two-factor sign-in: the login page's second step, the user's own 双因素认证 page (enrolment by QR
code, recovery codes, turning it off) and the security administrator's reset.

Sign-in with a confirmed authenticator is two requests: the password (LoginView) leaves only a
pending mark in the anonymous session, and the user is signed in (django.contrib.auth.login) only
once the code is right (verify). So no session is ever half signed in. Every sign-in records in
the session how it met the requirement (SESSION_STATE, set by `on_logged_in`), which
accounts.middleware.TwoFactorMiddleware reads without a query.
"""

import time

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from . import audit, lockout, two_factor
from .forms import LoginForm
from .models import AuditAction, AuditOutcome, Role, TwoFactorDevice, User
from .permissions import role_required

PENDING = "jianyi_2fa_pending"
PENDING_SECONDS = 300
SESSION_STATE = "jianyi_2fa"
VERIFIED, NOT_ENROLLED, UNVERIFIED = "verified", "none", "unverified"


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_lazy("验证码"),
        max_length=20,
        help_text=_lazy("身份验证器应用中显示的 6 位数字；手机不在身边时可输入一个恢复码。"),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}),
    )


class TotpForm(forms.Form):
    code = forms.CharField(
        label=_lazy("验证码"),
        max_length=20,
        help_text=_lazy("身份验证器应用中当前显示的 6 位数字。"),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def _safe_next(request, target) -> str:
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


# --- signing in -----------------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if not TwoFactorDevice.objects.filter(user=user, confirmed_at__isnull=False).exists():
            return super().form_valid(form)
        session = self.request.session
        session.cycle_key()  # a fixed anonymous session id gets nothing from the pending step
        session[PENDING] = {
            "user": user.pk,
            "hash": user.get_session_auth_hash(),
            "backend": user.backend,
            "at": int(time.time()),
            "next": _safe_next(self.request, self.get_redirect_url()),
        }
        return redirect("two_factor:verify")


def on_logged_in(sender, request, user, **kwargs):
    """Records in the new session how it met the two-factor requirement (AccountsConfig.ready)."""
    if getattr(request, "two_factor_method", None):
        state = VERIFIED
    elif TwoFactorDevice.objects.filter(user=user, confirmed_at__isnull=False).exists():
        state = UNVERIFIED  # signed in without the code it has: never by the login page
    else:
        state = NOT_ENROLLED
    request.session[SESSION_STATE] = state


def _pending_user(request):
    pending = request.session.get(PENDING)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None, None
    user = User.objects.filter(pk=pending.get("user"), is_active=True).first()
    # A password changed (or the account disabled) since the first step ends the attempt.
    if user is None or user.get_session_auth_hash() != pending.get("hash"):
        return None, None
    user.backend = pending["backend"]
    return user, pending


def _back_to_login(request, message):
    request.session.pop(PENDING, None)
    messages.error(request, message)
    return redirect(settings.LOGIN_URL)


def _locked_message():
    return LoginForm.error_messages["locked"] % {"minutes": settings.LOCKOUT_MINUTES}


@never_cache
@sensitive_post_parameters("code")
def verify(request):
    """The second step: a code from the authenticator, or one recovery code. Wrong codes count
    as failed sign-ins (the lockout), and each is audited."""
    user, pending = _pending_user(request)
    if user is None and request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    if user is None:
        return _back_to_login(request, _("验证已超时，请重新输入用户名和密码。"))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if lockout.is_locked(request, user.username):
            return _back_to_login(request, _locked_message())
        code = form.cleaned_data["code"]
        device = two_factor.confirmed_device(user)
        method = None
        if device is not None and two_factor.verify(device, code):
            method = "totp"
        elif two_factor.use_recovery_code(user, code):
            method = "recovery_code"
        if method:
            del request.session[PENDING]
            request.two_factor_method = method
            auth_login(request, user, backend=user.backend)
            if method == "recovery_code":
                left = two_factor.recovery_codes_left(user)
                audit.record(request, AuditAction.RECOVERY_CODE_USED, obj=user, left=left)
                messages.warning(
                    request,
                    _("您使用了一个恢复码登录，还剩 %(left)d 个。如果手机已丢失，请尽快重新绑定身份验证器。")
                    % {"left": left},
                )
            return redirect(pending["next"] or settings.LOGIN_REDIRECT_URL)
        audit.record(request, AuditAction.TWO_FACTOR_FAILED, outcome=AuditOutcome.FAILURE, user=user, step="login")
        if lockout.record_failure(request, user.username):
            return _back_to_login(request, _locked_message())
        form.add_error("code", _("验证码不正确或已使用过，请输入身份验证器中当前显示的验证码。"))
    return render(request, "accounts/two_factor_verify.html", {"form": form})


# --- the user's own page: enrol, recovery codes, turn off --------------------------------------------


@never_cache
@login_required
def setup(request):
    device = two_factor.confirmed_device(request.user)
    if device is None:
        return _enrolment_page(request, TotpForm())
    context = {
        "device": device,
        "required": two_factor.required_for(request.user),
        "codes_left": two_factor.recovery_codes_left(request.user),
        "renew_form": CodeForm(auto_id="renew_%s"),
        "disable_form": CodeForm(auto_id="disable_%s"),
    }
    return render(request, "accounts/two_factor.html", context)


def _enrolment_page(request, form):
    pending = two_factor.start_enrolment(request.user)
    context = {
        "required": two_factor.required_for(request.user),
        "form": form,
        "qr_svg": two_factor.qr_svg(pending),
        "secret_groups": [pending.secret[i : i + 4] for i in range(0, len(pending.secret), 4)],
    }
    return render(request, "accounts/two_factor.html", context)


@never_cache
@require_POST
@login_required
@sensitive_post_parameters("code")
def confirm(request):
    form = TotpForm(request.POST)
    if two_factor.confirmed_device(request.user) is not None:
        messages.info(request, _("双因素认证已经启用。"))
        return redirect("two_factor:setup")
    device = two_factor.start_enrolment(request.user)
    codes = two_factor.confirm(device, form.cleaned_data["code"]) if form.is_valid() else None
    if codes is None:
        form.add_error("code", _("验证码不正确。请确认手机时间准确，并输入应用中当前显示的 6 位数字。"))
        return _enrolment_page(request, form)
    request.session[SESSION_STATE] = VERIFIED
    audit.record(request, AuditAction.TWO_FACTOR_ENROLLED, obj=request.user, method="totp")
    return render(request, "accounts/two_factor_codes.html", {"codes": codes, "enrolled": True})


def _check_current_code(request, form):
    """A current code (or a recovery code, for a lost phone) is required before the recovery
    codes change or the authenticator goes, so a session left open is not enough. A wrong code
    counts towards the lockout and is audited."""
    device = two_factor.confirmed_device(request.user)
    if device is None:
        return None
    if form.is_valid():
        code = form.cleaned_data["code"]
        if two_factor.verify(device, code):
            return device
        if two_factor.use_recovery_code(request.user, code):
            left = two_factor.recovery_codes_left(request.user)
            audit.record(request, AuditAction.RECOVERY_CODE_USED, obj=request.user, left=left)
            return device
    audit.record(request, AuditAction.TWO_FACTOR_FAILED, outcome=AuditOutcome.FAILURE, step="manage")
    lockout.record_failure(request, request.user.username)
    messages.error(request, _("验证码不正确，操作未执行。"))
    return None


@never_cache
@require_POST
@login_required
@sensitive_post_parameters("code")
def recovery_codes(request):
    if _check_current_code(request, CodeForm(request.POST)) is None:
        return redirect("two_factor:setup")
    codes = two_factor.new_recovery_codes(request.user)
    audit.record(request, AuditAction.RECOVERY_CODES_RENEWED, obj=request.user)
    return render(request, "accounts/two_factor_codes.html", {"codes": codes})


@never_cache
@require_POST
@login_required
@sensitive_post_parameters("code")
def disable(request):
    """Turns two-factor sign-in off; for a role that must use it, this is how a new phone is
    bound: the enrolment page follows at once (TwoFactorMiddleware)."""
    if _check_current_code(request, CodeForm(request.POST)) is None:
        return redirect("two_factor:setup")
    two_factor.remove(request.user)
    request.session[SESSION_STATE] = NOT_ENROLLED
    audit.record(request, AuditAction.TWO_FACTOR_REMOVED, obj=request.user, by="self")
    if two_factor.required_for(request.user):
        messages.success(request, _("已解除原身份验证器，请立即绑定新的身份验证器。"))
    else:
        messages.success(request, _("已停用双因素认证。"))
    return redirect("two_factor:setup")


# --- the security administrator: a user lost the phone and the recovery codes -------------------------


@require_POST
@role_required(Role.SECADMIN)
def reset(request):
    """Removes the user's authenticator and recovery codes and ends their sessions; they enrol
    again at the next sign-in (their role may require it). Audited."""
    try:
        user_id = int(request.POST.get("user", ""))
    except ValueError:
        user_id = None
    target = User.objects.filter(pk=user_id).first() if user_id else None
    if target is None or target.pk == request.user.pk:
        messages.error(request, _("未找到该用户，或不能重置自己的双因素认证。"))
    elif not two_factor.remove(target):
        messages.info(request, _("“%(name)s”没有启用双因素认证，无需重置。") % {"name": target})
    else:
        target.end_sessions()
        audit.record(request, AuditAction.TWO_FACTOR_REMOVED, obj=target, by="secadmin")
        messages.success(request, _("已重置“%(name)s”的双因素认证，该用户下次登录时须重新绑定。") % {"name": target})
    back = _safe_next(request, request.POST.get("next", ""))
    return redirect(back or reverse("accounts:security_users"))
