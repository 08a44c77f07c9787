"""The security headers Django does not send itself: Content-Security-Policy and
Permissions-Policy (nosniff, Referrer-Policy, HSTS and X-Frame-Options come from Django's own
SecurityMiddleware and XFrameOptionsMiddleware, configured in config/settings.py).

The policy comes from settings.CONTENT_SECURITY_POLICY ({directive: [sources]}). A source
"'nonce-{nonce}'" becomes a fresh random nonce on every response; templates put the same
nonce on an inline <style> with {% load csp %}<style nonce="{% csp_nonce %}">. Scripts never
get one: every script is a static file.
"""

import secrets
from contextvars import ContextVar

from django.conf import settings

_nonce: ContextVar[str] = ContextVar("csp_nonce", default="")


def current_nonce() -> str:
    """The nonce of the response being built, or "" outside a request (a PDF rendered by a
    background job, say)."""
    return _nonce.get()


def render_policy(policy: dict, nonce: str) -> str:
    return "; ".join(
        " ".join([directive, *(source.replace("{nonce}", nonce) for source in sources)])
        for directive, sources in policy.items()
    )


def render_permissions(policy: dict) -> str:
    return ", ".join(f"{feature}=({' '.join(allowed)})" for feature, allowed in policy.items())


class SecurityHeadersMiddleware:
    """Adds Content-Security-Policy and Permissions-Policy to every response (pages, error
    pages, static files), leaving alone a header a view has set itself."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = "Content-Security-Policy-Report-Only" if settings.CSP_REPORT_ONLY else "Content-Security-Policy"
        self.permissions = render_permissions(settings.PERMISSIONS_POLICY)

    def __call__(self, request):
        nonce = secrets.token_urlsafe(18)
        token = _nonce.set(nonce)
        try:
            response = self.get_response(request)
        finally:
            _nonce.reset(token)
        response.headers.setdefault(self.header, render_policy(settings.CONTENT_SECURITY_POLICY, nonce))
        response.headers.setdefault("Permissions-Policy", self.permissions)
        return response
