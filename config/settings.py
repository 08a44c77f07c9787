"""Jianyi's one settings module. Everything that differs between machines comes from the
environment, read through the small typed helpers below, which fail loudly.

With DEBUG off (the default) the app refuses to start without a real SECRET_KEY and
ALLOWED_HOSTS. The README lists every variable; .env.example shows a production set.
"""

import os
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = env_str(name)
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


def parse_database_url(url: str) -> dict:
    """postgresql://USER:PASSWORD@HOST:PORT/NAME?option=value → a Django DATABASES entry.

    A unix socket directory can be given as ?host=/path. Query options other than host
    are passed to psycopg (sslmode=require, for example).
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"DATABASE_URL is malformed ({exc}); expected postgresql://USER:PASSWORD@HOST:PORT/NAME"
        ) from None
    if parts.scheme not in ("postgres", "postgresql"):
        raise ImproperlyConfigured("DATABASE_URL must start with postgresql:// (Jianyi runs on PostgreSQL only)")
    name = unquote(parts.path.lstrip("/"))
    if not name:
        raise ImproperlyConfigured(
            "DATABASE_URL has no database name; expected postgresql://USER:PASSWORD@HOST:PORT/NAME"
        )
    options = dict(parse_qsl(parts.query))
    host = options.pop("host", None) or unquote(parts.hostname or "")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": host,
        "PORT": str(port or ""),
        "OPTIONS": options,
    }


DEBUG = env_bool("DEBUG", False)
# Served over HTTPS: secure cookies, redirects and HSTS. Only a local or test run over plain
# http turns this off.
HTTPS = env_bool("HTTPS", not DEBUG)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY and DEBUG:
    SECRET_KEY = "local-development-only-" + "x" * 40
if not DEBUG and (
    len(SECRET_KEY) < 50
    or SECRET_KEY.startswith("django-insecure")
    or "CHANGE" in SECRET_KEY
    or len(set(SECRET_KEY)) < 5
):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a random string of at least 50 characters when DEBUG is off "
        "(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')"
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must list the host names this site answers to when DEBUG is off")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "accounts.apps.JianyiAdminConfig",
    "django.contrib.postgres",
    "django_filters",
    "procrastinate.contrib.django",
    "accounts.apps.AccountsConfig",
    "proposals.apps.ProposalsConfig",
    "replies.apps.RepliesConfig",
    "reports.apps.ReportsConfig",
    "portal.apps.PortalConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "accounts.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "accounts.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.AuditDenialMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.SessionTimeoutMiddleware",
    "accounts.middleware.PasswordPolicyMiddleware",
    "accounts.middleware.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.navigation",
                "proposals.context_processors.calendar_warning",
            ],
        },
    },
]

# Widgets written in Python with Django's markup (docs/performance.md, "Filter bars").
FORM_RENDERER = "accounts.renderers.FastRenderer"

# --- database -----------------------------------------------------------------------------
_database_url = env_str("DATABASE_URL")
if not _database_url:
    raise ImproperlyConfigured(
        "DATABASE_URL is not set; use the README's commands (they start a local PostgreSQL) "
        "or set DATABASE_URL=postgresql://USER:PASSWORD@HOST:PORT/NAME"
    )
_db = parse_database_url(_database_url)
# Django's psycopg pool: each gunicorn worker keeps a few warm connections. With the pool on,
# CONN_MAX_AGE must stay 0 (the pool does the reuse).
_db["OPTIONS"]["pool"] = {
    "min_size": env_int("DB_POOL_MIN", 1),
    "max_size": env_int("DB_POOL_MAX", 8),
    "timeout": env_int("DB_POOL_TIMEOUT", 10),
}
# Parameters sent apart from the SQL (server-side binding), so that psycopg can prepare a
# statement run DB_PREPARE_THRESHOLD times on a connection and PostgreSQL plans it once: the
# pages' queries join up to eight tables, and planning them took 3-6 ms where running them took
# under 1 ms (docs/performance.md). 0 turns preparing off, for a pooler that cannot keep
# prepared statements (PgBouncer before 1.21 in transaction mode).
_prepare_threshold = env_int("DB_PREPARE_THRESHOLD", 5)
_db["OPTIONS"]["server_side_binding"] = True
_db["OPTIONS"]["prepare_threshold"] = _prepare_threshold if _prepare_threshold > 0 else None
# pg_trgm's `%` (similar proposals, proposals.similarity) matches titles at least this similar.
# A connection parameter costs no query; the default 0.3 matches a quarter of all Chinese
# proposal titles (they share 关于……的建议) and makes the trigram index return thousands of rows.
_db["OPTIONS"]["options"] = f"{_db['OPTIONS'].get('options', '')} -c pg_trgm.similarity_threshold=0.5".strip()
_db["TEST"] = {"NAME": env_str("TEST_DATABASE_NAME") or f"test_{_db['NAME']}"}
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- accounts -----------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.RoleBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
# Passwords (等保 2.0 level 3, accounts.validators): at least PASSWORD_MIN_LENGTH characters from
# at least PASSWORD_MIN_CLASSES of upper, lower, digit, symbol; not like the user's name or
# address; not a common password. Staff (every role but deputies) change theirs every
# PASSWORD_MAX_AGE_DAYS (0: never); a password set by an administrator is changed at first
# sign-in (accounts.middleware.PasswordPolicyMiddleware).
PASSWORD_MIN_LENGTH = env_int("PASSWORD_MIN_LENGTH", 8)
PASSWORD_MIN_CLASSES = env_int("PASSWORD_MIN_CLASSES", 3)
PASSWORD_MAX_AGE_DAYS = env_int("PASSWORD_MAX_AGE_DAYS", 90)
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("username", "full_name", "email")},
    },
    {"NAME": "accounts.validators.CompositionValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Bulk pages post a field per selected row; a thousand proposals must fit in one form.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 20000
# Sessions live in the database so any number of app servers can share them.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
# Sessions end after SESSION_IDLE_TIMEOUT_MINUTES without a request and SESSION_ABSOLUTE_HOURS
# after sign-in, whatever happens (accounts.middleware.SessionTimeoutMiddleware).
SESSION_IDLE_TIMEOUT_MINUTES = env_int("SESSION_IDLE_TIMEOUT_MINUTES", 30)
SESSION_ABSOLUTE_HOURS = env_int("SESSION_ABSOLUTE_HOURS", 12)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_HOURS * 60 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# No script reads the CSRF cookie (htmx takes the token from base.html's hx-headers).
CSRF_COOKIE_HTTPONLY = True
DEMO_PASSWORD = env_str("DEMO_PASSWORD", "Jianyi-demo-2024")
# Audit log (accounts.audit): how many reverse proxies in front may be trusted to append the
# client's address to X-Forwarded-For (0: use the connection's address, ignore the header);
# how many days entries stay online before `archive_audit` may move them to a signed file.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 180)
# Login lockout (等保 2.0 level 3, accounts.lockout): LOCKOUT_FAILURES failed sign-ins with one
# user name, or LOCKOUT_ADDRESS_FAILURES from one source address, within LOCKOUT_MINUTES lock that
# name or address for LOCKOUT_MINUTES (0 failures: that lock is off). Offices whose staff share
# one address behind NAT may want a higher LOCKOUT_ADDRESS_FAILURES.
LOCKOUT_FAILURES = env_int("LOCKOUT_FAILURES", 5)
LOCKOUT_ADDRESS_FAILURES = env_int("LOCKOUT_ADDRESS_FAILURES", 5)
LOCKOUT_MINUTES = env_int("LOCKOUT_MINUTES", 30)
# Two-factor sign-in (accounts.two_factor, TOTP): the roles that must use it (an empty list makes
# it optional for everyone); the others may turn it on. The issuer names the account in the
# authenticator app.
TWO_FACTOR_REQUIRED_ROLES = env_list("TWO_FACTOR_REQUIRED_ROLES", "coordinator,leader,auditor,sysadmin")
TWO_FACTOR_ISSUER = env_str("TWO_FACTOR_ISSUER", "建议办理平台")

# --- the public portal ----------------------------------------------------------------------
# Its pages are the same for every visitor: each is kept this many seconds (0: not kept), so a
# reply published shows there within that time (portal.views.same_for_everybody).
PORTAL_CACHE_SECONDS = env_int("PORTAL_CACHE_SECONDS", 60)

# --- internationalisation -------------------------------------------------------------------
# UI strings are written in Chinese (the msgids); locale/en holds the English translation and
# locale/zh_Hans overrides a few of Django's own translations. The language comes from the
# user's choice (a cookie), never from the browser: the product is Chinese first.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_TZ = True

# --- static files and uploads -----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploads are stored outside the web root and served only through permission-checking views.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or BASE_DIR / "var" / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or not env_bool("STATIC_MANIFEST", True)
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG or not env_bool("STATIC_MANIFEST", True)
# Licensed official fonts (方正小标宋简体, 仿宋_GB2312, 楷体_GB2312, 黑体) dropped here are used
# in reply PDFs; without them the PDFs use free substitutes and say so in their metadata.
REPLY_FONTS_DIR = Path(env_str("REPLY_FONTS_DIR") or BASE_DIR / "var" / "fonts")

# --- email ----------------------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND") or (
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "建议办理平台 <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
ADMINS = [("ops", addr) for addr in env_list("ADMINS")]
# Text messages: a class with send(phone, text); the default writes them to the log.
SMS_SENDER = env_str("SMS_SENDER", "accounts.sms.LoggingSmsSender")
# The public address of the site, for links in emails (no trailing slash).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# --- security -------------------------------------------------------------------------------
# Headers on every response: Django's SecurityMiddleware (nosniff, Referrer-Policy, COOP, HSTS),
# XFrameOptionsMiddleware, and accounts.security.SecurityHeadersMiddleware (CSP and
# Permissions-Policy). `manage.py check --deploy` is clean with the production environment.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS and env_bool("SECURE_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # probes from the load balancer or compose speak plain http
# HSTS: a year by default; never below 180 days in production (browsers forget a shorter one
# between the office's yearly sessions).
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 60 * 60) if HTTPS else 0
if HTTPS and SECURE_HSTS_SECONDS < 180 * 24 * 60 * 60:
    raise ImproperlyConfigured("SECURE_HSTS_SECONDS must be at least 15552000 (180 days) when served over HTTPS")
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
# Content-Security-Policy, enforced: scripts only from our own static files (no inline script,
# no eval: htmx runs with allowEval off, see templates/base.html), styles from our stylesheets
# plus inline <style> elements carrying this response's nonce (the printable reply and the 500
# page); no inline style attributes. "'nonce-{nonce}'" is filled in per response.
CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'", "'nonce-{nonce}'"],
    "img-src": ["'self'"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
# Only to try a changed policy on a live site: violations are reported, nothing is blocked.
CSP_REPORT_ONLY = env_bool("CSP_REPORT_ONLY", False)
# Browser features no page of the platform uses, switched off for every page and frame.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
}
if env_bool("BEHIND_TLS_PROXY", False):
    # Only when a proxy that sets this header sits in front; otherwise clients could forge it.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- background jobs ------------------------------------------------------------------------
PROCRASTINATE_ON_APP_READY = None

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "procrastinate": {"level": env_str("JOBS_LOG_LEVEL", "WARNING")},
    },
}
