"""Signing in and opening pages as a browser would, for the load generator (bench/load.py,
bench/locustfile.py). Works on a locust HTTP client; imports nothing of locust itself (importing
locust monkey-patches the process), so the test suite can check it (tests/test_bench.py)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import struct
import time
from urllib.parse import urlsplit

LOGIN_URL = "/accounts/login/"
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CODE_FIELD = re.compile(r'name="code"')
QUERIES_HEADER = "X-Bench-Queries"
CAPTURE_HEADER = "X-Bench-Capture"


def totp(secret: str, at: float | None = None, *, digits: int = 6, step: int = 30) -> str:
    """RFC 6238 (HMAC-SHA1), as the authenticator app computes it."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    counter = int((time.time() if at is None else at) // step)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**digits).zfill(digits)


class SignInError(Exception):
    pass


def _location(response) -> str:
    """The path (and query) a redirect points to, relative or absolute."""
    target = urlsplit((response.headers or {}).get("Location") or "")
    return target.path + (f"?{target.query}" if target.query else "")


def sign_in(client, username: str, password: str, secret: str | None) -> None:
    """The login page's form, then the code page when the account has an authenticator
    (accounts.two_factor_views): each step must answer with a redirect onwards."""
    with client.get(LOGIN_URL, name="sign-in", catch_response=True) as page:
        token = CSRF_FIELD.search(page.text or "")
        if not token:
            page.failure("no CSRF token on the login page")
            raise SignInError(f"{username}: no CSRF token on the login page")
    form = {"csrfmiddlewaretoken": token.group(1), "username": username, "password": password}
    with client.post(LOGIN_URL, data=form, name="sign-in", allow_redirects=False, catch_response=True) as answer:
        if answer.status_code != 302:
            answer.failure("the password was refused")
            raise SignInError(f"{username}: the password was refused (or the account is locked)")
        target = _location(answer)
    with client.get(target, name="sign-in", allow_redirects=False, catch_response=True) as page:
        if not CODE_FIELD.search(page.text or ""):
            return  # signed in: the first page of the site
        token = CSRF_FIELD.search(page.text or "")
        if not secret:
            page.failure("asked for a two-factor code, and the plan has no secret for the account")
            raise SignInError(f"{username}: asked for a two-factor code")
    form = {"csrfmiddlewaretoken": token.group(1) if token else "", "code": totp(secret)}
    with client.post(target, data=form, name="sign-in", allow_redirects=False, catch_response=True) as done:
        if done.status_code != 302 or _location(done).startswith(LOGIN_URL):
            done.failure("the two-factor code was refused")
            raise SignInError(f"{username}: the two-factor code was refused")


def fetch(client, page: str, url: str, capture: str | None = None):
    """GET a key page without following redirects: anything but a 200 is an error (a redirect
    here means the session was lost or a page moved). The query count rides on the request
    event's context."""
    headers = {CAPTURE_HEADER: capture} if capture else None
    with client.get(url, name=page, allow_redirects=False, headers=headers, catch_response=True) as response:
        count = response.headers.get(QUERIES_HEADER) if response.headers else None
        response.request_meta["context"] = {**response.request_meta.get("context", {}), "queries": count}
        if response.status_code != 200:
            response.failure(f"HTTP {response.status_code}")
        return response
