import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext_lazy as _


class LanguageMiddleware:
    """The UI language is the one the user picked (the language cookie), else Chinese.

    Unlike Django's LocaleMiddleware it ignores the browser's Accept-Language: a government
    PC with an English browser still gets the Chinese product unless the user asks.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.languages = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in self.languages:
            language = settings.LANGUAGE_CODE
        request.LANGUAGE_CODE = language
        # Scoped to this request, so a worker thread never keeps a previous user's language.
        with translation.override(language):
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ("Cookie",))
        return response


class AuditDenialMiddleware:
    """Records refusals in the audit log: every 403, and a 404 from a URL that names an object
    (it has arguments, such as /proposals/12/) answered to a signed-in user — that is how an
    object the user may not see is refused (outsiders get 404, not 403). Not recorded: 404s for
    anonymous visitors (they never reach an object view: the login page comes first, so theirs
    are scanners and typos) and 404s of URLs that match no pattern or name no object. The
    public portal's pages are everyone's, so a 404 there refuses nothing."""

    PUBLIC_NAMESPACES = {"portal"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        status = response.status_code
        if status in (403, 404) and getattr(request, "user", None) is not None and request.user.is_authenticated:
            match = getattr(request, "resolver_match", None)
            if status == 403 or (match and match.kwargs and match.namespace not in self.PUBLIC_NAMESPACES):
                self._record(request, status, match)
        return response

    def _record(self, request, status, match):
        from . import audit
        from .models import AuditAction, AuditOutcome

        arguments = dict(match.kwargs) if match else {}
        audit.record(
            request,
            AuditAction.DENIED,
            outcome=AuditOutcome.DENIED,
            status=status,
            method=request.method,
            path=request.path[:500],
            view=match.view_name if match else "",
            arguments=arguments,
        )


# --- sessions and passwords (等保 2.0 level 3) ----------------------------------------------------

# Session keys: when the user signed in and when their last request came (seconds since the
# epoch). Set at sign-in by start_session_clock (connected in AccountsConfig.ready).
LOGIN_AT = "jianyi_login_at"
SEEN_AT = "jianyi_seen_at"
# The last-request time is written at most once a minute, so an active user costs one session
# UPDATE a minute, not one a request; the idle timeout is exact to the minute.
TOUCH_EVERY_SECONDS = 60


def start_session_clock(sender, request, user, **kwargs):
    now = int(time.time())
    request.session[LOGIN_AT] = now
    request.session[SEEN_AT] = now


def _redirect(request, url):
    """A redirect, or for an htmx request (a fragment or a poll) a full-page redirect, so the
    login or password page never lands inside a fragment."""
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def _with_next(request, url):
    # Only a page can be returned to: a POST or an htmx fragment cannot be replayed.
    if request.method == "GET" and not request.headers.get("HX-Request"):
        return f"{url}?{urlencode({'next': request.get_full_path()})}"
    return url


class SessionTimeoutMiddleware:
    """Ends a session after SESSION_IDLE_TIMEOUT_MINUTES without a request, and
    SESSION_ABSOLUTE_HOURS after sign-in in any case: the user is signed out (audited as a
    logout with reason "idle" or "absolute") and sent to the login page with a message. Every
    request of the signed-in user counts as activity, htmx polls (progress bars, presence)
    included: a page that polls is a page open in front of someone."""

    MESSAGES = {
        "idle": _("您已超过 %(minutes)d 分钟未操作，为保护账号安全已自动退出，请重新登录。"),
        "absolute": _("本次登录已超过 %(hours)d 小时，为保护账号安全已自动退出，请重新登录。"),
    }

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            reason = self.expired(request.session, now)
            if reason:
                return self.end(request, reason)
            if now - request.session.get(SEEN_AT, 0) >= TOUCH_EVERY_SECONDS:
                request.session[SEEN_AT] = now
        return self.get_response(request)

    @staticmethod
    def expired(session, now) -> str:
        login_at = session.setdefault(LOGIN_AT, now)  # a session from before this middleware
        seen_at = session.get(SEEN_AT, now)
        if now - login_at >= settings.SESSION_ABSOLUTE_HOURS * 3600:
            return "absolute"
        if now - seen_at >= settings.SESSION_IDLE_TIMEOUT_MINUTES * 60:
            return "idle"
        return ""

    def end(self, request, reason):
        request.session_end_reason = reason  # for the audit entry (accounts.audit.on_logged_out)
        logout(request)
        messages.warning(
            request,
            self.MESSAGES[reason]
            % {"minutes": settings.SESSION_IDLE_TIMEOUT_MINUTES, "hours": settings.SESSION_ABSOLUTE_HOURS},
        )
        return _redirect(request, _with_next(request, reverse(settings.LOGIN_URL)))


class PasswordPolicyMiddleware:
    """A user who must change their password (an initial or reset password, or a staff
    password older than PASSWORD_MAX_AGE_DAYS) reaches only the password page, the logout,
    the language switch and the health check until it is done; static files are served
    before this runs. The page itself says why (accounts.views.PasswordChangeView)."""

    ALLOWED = {
        "accounts:password_change",
        "accounts:password_change_done",
        "accounts:logout",
        "accounts:login",
        "set_language",
        "healthz",
    }

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.user.is_authenticated or not request.user.password_change_reason():
            return None
        if request.resolver_match.view_name in self.ALLOWED:
            return None
        return _redirect(request, _with_next(request, reverse("accounts:password_change")))


class TwoFactorMiddleware:
    """Two-factor sign-in (accounts.two_factor_views): a session that signed in without the
    code of the user's authenticator is ended; a user whose role must use two-factor sign-in
    (TWO_FACTOR_REQUIRED_ROLES) and has not enrolled reaches only the enrolment page (and the
    pages the password policy allows) until done. Reads the state the sign-in left in the
    session: no query per request."""

    ALLOWED = PasswordPolicyMiddleware.ALLOWED | {"two_factor:setup", "two_factor:confirm"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        from . import two_factor
        from .two_factor_views import NOT_ENROLLED, SESSION_STATE, UNVERIFIED, VERIFIED

        if not request.user.is_authenticated:
            return None
        state = request.session.get(SESSION_STATE)
        if state == VERIFIED:
            return None
        if state is None:  # a session from before two-factor sign-in existed: as at sign-in
            state = UNVERIFIED if two_factor.confirmed_device(request.user) else NOT_ENROLLED
            request.session[SESSION_STATE] = state
        if state == UNVERIFIED:
            logout(request)
            messages.warning(request, _("您的账号已启用双因素认证，请重新登录并输入验证码。"))
            return _redirect(request, reverse(settings.LOGIN_URL))
        if not two_factor.required_for(request.user) or request.resolver_match.view_name in self.ALLOWED:
            return None
        return _redirect(request, _with_next(request, reverse("two_factor:setup")))
