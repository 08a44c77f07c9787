from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers


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
