"""The audit log's one entry point: `record(request, action, ...)`.

Everything security-relevant calls it: sign-in and sign-out (the auth signals below), password
changes, user administration, denials (accounts.middleware.AuditDenialMiddleware), downloads and
settings pages in the apps to the right. Workflow steps reach the log by a database trigger on
the proposal event log (proposals migration 0011). The login lockout (accounts.lockout) records
LOCKOUT once when a lock starts and UNLOCK when the security administrator lifts one; two-factor
authentication, when it comes, calls:

    audit.record(request, AuditAction.TWO_FACTOR_ENROLLED, user=request.user, method="totp")

record() never raises into the caller's flow. It validates and normalises everything before the
INSERT, because a failed INSERT inside the caller's transaction would break that transaction;
the only error left is the database itself failing, which the caller meets anyway.
"""

import ipaddress
import json
import logging

from django.conf import settings
from django.db import DatabaseError, connection

from .models import AuditAction, AuditEntry, AuditOutcome

log = logging.getLogger(__name__)

_field = AuditEntry._meta.get_field
LIMITS = {name: _field(name).max_length for name in ("username", "object_type", "object_id", "object_label")}


def client_address(request) -> str | None:
    """The address the request came from: REMOTE_ADDR, or with TRUSTED_PROXY_COUNT = n > 0
    proxies in front, the address the outermost trusted proxy saw (n-th from the right of
    X-Forwarded-For). Anything left of it the client could have written itself."""
    if request is None:
        return None
    meta = request.META
    address = meta.get("REMOTE_ADDR", "")
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    forwarded = [part.strip() for part in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if proxies > 0 and forwarded:
        address = forwarded[-proxies] if len(forwarded) >= proxies else forwarded[0]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def _plain(details: dict) -> dict:
    """JSON-safe details: anything json cannot write becomes its text; NUL characters (which
    PostgreSQL's jsonb refuses) are dropped."""
    text = json.dumps(details, ensure_ascii=False, default=str).replace("\\u0000", "")
    return json.loads(text)


def _text(value, field: str) -> str:
    return str(value).replace("\x00", "")[: LIMITS[field]]


def _describe(obj) -> tuple[str, str, str]:
    if obj is None:
        return "", "", ""
    try:
        label = str(obj)
    except Exception:  # a __str__ that fails must not cost the entry
        log.warning("audit: cannot describe %r", type(obj), exc_info=True)
        label = ""
    meta = getattr(obj, "_meta", None)
    kind = meta.label_lower if meta else type(obj).__name__
    return _text(kind, "object_type"), _text(getattr(obj, "pk", "") or "", "object_id"), _text(label, "object_label")


def record(request, action, *, obj=None, outcome=AuditOutcome.SUCCESS, user=None, **details):
    """Write one audit entry; returns it, or None when the input was unusable (logged).

    `user` defaults to the request's signed-in user. `obj` is any model instance (its type,
    primary key and text are kept), `details` anything JSON can hold (the rest is kept as text).
    """
    if action not in AuditAction.values or outcome not in AuditOutcome.values:
        log.error("audit: unknown action %r or outcome %r, nothing recorded", action, outcome)
        return None
    if user is None and request is not None:
        user = getattr(request, "user", None)
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    if user is not None and getattr(user, "pk", None) is None:  # unsaved: keep only the name
        details.setdefault("username", getattr(user, "username", ""))
        user = None
    username = user.get_username() if user is not None else details.get("username", "")
    object_type, object_id, object_label = _describe(obj)
    entry = AuditEntry(
        user=user,
        username=_text(username or "", "username"),
        source_address=client_address(request),
        action=action,
        outcome=outcome,
        object_type=object_type,
        object_id=object_id,
        object_label=object_label,
        details=_plain(details),
    )
    if connection.in_atomic_block:
        entry.save()  # an error here has already broken the caller's transaction
        return entry
    try:
        entry.save()
    except DatabaseError:
        log.exception("audit: could not record %s", action)
        return None
    return entry


# --- sign-in and sign-out (connected in AccountsConfig.ready) ------------------------------


def on_logged_in(sender, request, user, **kwargs):
    record(request, AuditAction.LOGIN, user=user)


def on_login_failed(sender, credentials, request=None, **kwargs):
    # Django has already replaced the password with asterisks; only the name typed is kept.
    name = (credentials or {}).get("username", "")
    record(request, AuditAction.LOGIN_FAILED, outcome=AuditOutcome.FAILURE, user=None, username=name)


def on_logged_out(sender, request, user, **kwargs):
    if user is not None:  # signing out without a session changes nothing
        # A session ended by the timeouts (accounts.middleware.SessionTimeoutMiddleware) says
        # why: reason "idle" or "absolute".
        reason = getattr(request, "session_end_reason", None)
        record(request, AuditAction.LOGOUT, user=user, **({"reason": reason} if reason else {}))
