"""What the burst test (tests/test_burst.py) drives the application with: real gunicorn app
servers on the test database, users signed in the way the login page signs them in, a small
browser that speaks HTTP to either server, and requests released together by a barrier.

Standard library only on the client side (http.client, html.parser): the test adds no
dependency."""

import ctypes
import datetime
import http.client
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session as WebSession
from django.test import override_settings
from django.utils import timezone
from django.utils.crypto import get_random_string

from accounts.middleware import LOGIN_AT, SEEN_AT
from accounts.models import Role
from accounts.two_factor_views import NOT_ENROLLED, SESSION_STATE, VERIFIED

ROOT = Path(settings.BASE_DIR)
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
# Two sync workers per server, the production worker class (Dockerfile): two servers make
# four worker processes on this 2-core machine, beside PostgreSQL and the test's client
# threads. More processes would add memory and context switches, not parallelism; four
# workers already hold four transactions open at once on the same locks, which is what makes
# a duplicate or lost number show. The other requests of a burst wait in the listen
# backlog, as they would behind a real server.
WORKERS_PER_SERVER = 2
# The roles the server makes use two-factor sign-in (the production default of
# TWO_FACTOR_REQUIRED_ROLES, which the servers keep): their sessions say they gave the code.
TWO_FACTOR_ROLES = {Role.COORDINATOR, Role.LEADER, Role.AUDITOR, Role.SYSADMIN}
# What in a server's log means a request failed on the server (Django logs a 500 with its
# traceback at ERROR; gunicorn logs a worker timeout or crash at CRITICAL or ERROR).
FAILURE_MARKS = ("Traceback", " ERROR ", "[ERROR]", "[CRITICAL]", "WORKER TIMEOUT")


# --- the app servers ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url(db: dict) -> str:
    """The DATABASE_URL of a Django DATABASES entry (config.settings.parse_database_url's
    inverse), the unix socket directory as ?host=."""
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    credentials = f"{user}{password}@" if user else ""
    host = db["HOST"] or ""
    if host.startswith("/"):
        return f"postgresql://{credentials}/{quote(db['NAME'])}?host={quote(host)}"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgresql://{credentials}{host}{port}/{quote(db['NAME'])}"


def server_env(*, url: str, secret: str, media_root: Path) -> dict:
    """The production settings (DEBUG off, a random SECRET_KEY, two-factor sign-in required
    for staff) over plain http on 127.0.0.1. Static files come from the finders, as in the
    rest of the suite (STATIC_MANIFEST=false): the manifest needs a collectstatic run, which
    costs time and tests nothing here."""
    return {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "DATABASE_URL": url,
        "SECRET_KEY": secret,
        "DEBUG": "false",
        "HTTPS": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_MANIFEST": "false",
        "MEDIA_ROOT": str(media_root),
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "LOG_LEVEL": "WARNING",
        # a sync worker uses one connection at a time
        "DB_POOL_MIN": "1",
        "DB_POOL_MAX": "2",
    }


def _die_with_the_tests():
    """In the server's process before gunicorn starts: if the test process dies without
    stopping it (killed, not interrupted), the kernel stops the server too."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGTERM))  # PR_SET_PDEATHSIG


@dataclass
class AppServer:
    """One `gunicorn config.wsgi` on 127.0.0.1:port, its output and access log in `logs`."""

    name: str
    port: int
    logs: Path
    proc: subprocess.Popen | None = None
    _output: object = None

    @property
    def output_path(self) -> Path:
        return self.logs / f"{self.name}.log"

    @property
    def access_path(self) -> Path:
        return self.logs / f"{self.name}-access.log"

    def start(self, env: dict) -> None:
        self._output = open(self.output_path, "w")  # noqa: SIM115 - closed in stop()
        command = [
            str(GUNICORN),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(WORKERS_PER_SERVER),
            "--access-logfile",
            str(self.access_path),
            "--graceful-timeout",
            "5",
        ]
        self.proc = subprocess.Popen(
            command,
            env=env,
            cwd=ROOT,
            stdout=self._output,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_the_tests,
        )

    def wait_until_healthy(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited ({self.proc.returncode}):\n{self.tail()}")
            try:
                if Browser(self.port).get("/healthz").status == 200:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} did not answer /healthz within {timeout:.0f} s:\n{self.tail()}")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self._output is not None:
            self._output.close()

    def tail(self, lines: int = 30) -> str:
        return "\n".join(self.output_path.read_text(errors="replace").splitlines()[-lines:])

    def failures(self) -> list[str]:
        """The lines of the server's output that report a failed request."""
        text = self.output_path.read_text(errors="replace")
        return [line for line in text.splitlines() if any(mark in line for mark in FAILURE_MARKS)]

    def served(self, method: str, fragment: str) -> int:
        """How many `method` requests whose path contains `fragment` this server answered."""
        if not self.access_path.exists():
            return 0
        text = self.access_path.read_text(errors="replace")
        return sum(f'"{method} ' in line and fragment in line for line in text.splitlines())


def start_servers(count: int, env: dict, logs: Path) -> list[AppServer]:
    """`count` servers on free ports, started together, each answering /healthz."""
    servers = [AppServer(f"server{i + 1}", free_port(), logs) for i in range(count)]
    try:
        for server in servers:
            server.start(env)
        for server in servers:
            server.wait_until_healthy()
    except BaseException:
        for server in servers:
            server.stop()
        raise
    return servers


def new_secret() -> str:
    return secrets.token_urlsafe(50)


# --- signing in --------------------------------------------------------------------------------


def sign_in(users, secret: str) -> dict[int, str]:
    """A server-side session for each user, with what django.contrib.auth.login and the
    project's sign-in handlers store (the user, the backend, the session hash, the session
    clock of accounts.middleware, the two-factor state), signed with the servers'
    SECRET_KEY. The servers use the production password hasher, so signing two hundred
    people in through the login page would cost minutes of hashing and test nothing here.
    Returns each user's session key."""
    now = int(time.time())
    expires = timezone.now() + datetime.timedelta(hours=settings.SESSION_ABSOLUTE_HOURS)
    rows, keys = [], {}
    with override_settings(SECRET_KEY=secret):
        store = SessionStore()
        for user in users:
            data = {
                SESSION_KEY: str(user.pk),
                BACKEND_SESSION_KEY: settings.AUTHENTICATION_BACKENDS[0],
                HASH_SESSION_KEY: user.get_session_auth_hash(),
                LOGIN_AT: now,
                SEEN_AT: now,
                SESSION_STATE: VERIFIED if user.role in TWO_FACTOR_ROLES else NOT_ENROLLED,
            }
            key = get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789")
            rows.append(WebSession(session_key=key, session_data=store.encode(data), expire_date=expires))
            keys[user.pk] = key
    WebSession.objects.bulk_create(rows)
    return keys


# --- a browser -------------------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: dict
    text: str
    cookies: dict = field(default_factory=dict)

    @property
    def location(self) -> str:
        return self.headers.get("location", "")


class Browser:
    """One person's browser: a cookie jar and the server it talks to (another server can be
    named per request, as a load balancer would send a double click to two servers). Redirects
    are not followed: the test reads where they go."""

    def __init__(self, port: int, session_key: str | None = None):
        self.port = port
        self.cookies: dict[str, str] = {}
        if session_key:
            self.cookies[settings.SESSION_COOKIE_NAME] = session_key
        self._lock = threading.Lock()

    @property
    def csrf_token(self) -> str:
        return self.cookies[settings.CSRF_COOKIE_NAME]

    def get(self, path: str, *, port: int | None = None, cookies: dict | None = None) -> Response:
        return self._request("GET", path, port=port, cookies=cookies)

    def post(self, path: str, fields=(), *, port: int | None = None) -> Response:
        fields = [*(fields.items() if isinstance(fields, dict) else fields)]
        if not any(name == "csrfmiddlewaretoken" for name, _value in fields):
            fields.append(("csrfmiddlewaretoken", self.csrf_token))
        body = urlencode(fields, doseq=True).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        return self._request("POST", path, port=port, body=body, headers=headers)

    def follow(self, response: Response) -> Response:
        """The page a redirect leads to, with the cookies that response set (its messages)."""
        with self._lock:
            cookies = {k: v for k, v in self.cookies.items() if k != "messages"}
        return self.get(response.location, cookies={**cookies, **response.cookies})

    def _request(self, method, path, *, port=None, body=None, headers=None, cookies=None) -> Response:
        port = port or self.port
        with self._lock:
            jar = dict(self.cookies if cookies is None else cookies)
        headers = {"Host": f"127.0.0.1:{port}", **(headers or {})}
        if jar:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in jar.items())
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        try:
            connection.request(method, path, body=body, headers=headers)
            answer = connection.getresponse()
            text = answer.read().decode("utf-8", errors="replace")
            set_cookies = answer.headers.get_all("Set-Cookie") or []
            response = Response(answer.status, {k.lower(): v for k, v in answer.getheaders()}, text)
        finally:
            connection.close()
        for line in set_cookies:
            for name, morsel in SimpleCookie(line).items():
                response.cookies[name] = morsel.coded_value
        if cookies is None:
            with self._lock:
                for name, value in response.cookies.items():
                    if value and value != '""':
                        self.cookies[name] = value
                    else:
                        self.cookies.pop(name, None)
        return response


# --- forms -----------------------------------------------------------------------------------------


class _Forms(HTMLParser):
    """Every <form> of a page: its attributes and the fields a browser would send (buttons
    are left out: the test says which action it takes)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form = None
        self._textarea = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form = {"attrs": attrs, "fields": []}
            self.forms.append(self._form)
        if self._form is None or "disabled" in attrs:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self._form["fields"].append((name, attrs.get("value", "on" if kind in ("checkbox", "radio") else "")))
        elif tag == "textarea" and name:
            self._textarea = [name, ""]
        elif tag == "select" and name:
            self._select = {"name": name, "first": None, "chosen": [], "multiple": "multiple" in attrs}
        elif tag == "option" and self._select is not None:
            value = attrs.get("value", "")
            if self._select["first"] is None:
                self._select["first"] = value
            if "selected" in attrs:
                self._select["chosen"].append(value)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea" and self._textarea is not None:
            name, text = self._textarea
            # a browser drops the one newline right after <textarea>
            self._form["fields"].append((name, text[1:] if text.startswith("\n") else text))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            chosen = self._select["chosen"]
            if not chosen and not self._select["multiple"] and self._select["first"] is not None:
                chosen = [self._select["first"]]  # a single choice shows, and sends, its first option
            self._form["fields"].extend((self._select["name"], value) for value in chosen)
            self._select = None


def form_fields(html: str, **attrs) -> list[tuple[str, str]]:
    """The fields of the page's form whose attributes include `attrs` (id="editor", say)."""
    parser = _Forms()
    parser.feed(html)
    for form in parser.forms:
        if all(form["attrs"].get(k) == v for k, v in attrs.items()):
            return form["fields"]
    raise AssertionError(f"no form with {attrs} on the page")


def with_values(fields, **values) -> list[tuple[str, str]]:
    """`fields` with the named fields replaced (a list value gives the field several times)."""
    kept = [(name, value) for name, value in fields if name not in values]
    for name, value in values.items():
        kept.extend((name, v) for v in (value if isinstance(value, list) else [value]))
    return kept


# --- requests released together ---------------------------------------------------------------------


def at_once(jobs, *, timeout: float = 180) -> list:
    """Runs each job (a callable) in a thread of its own, all released at the same instant by
    a barrier; returns their results in order, an exception in place of the result of a job
    that raised."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def run(i, job):
        try:
            barrier.wait(timeout=60)
            results[i] = job()
        except Exception as exc:  # reported by the caller's assertions
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, job), daemon=True) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    stuck = sum(thread.is_alive() for thread in threads)
    if stuck:
        raise AssertionError(f"{stuck} of {len(jobs)} requests had no answer after {timeout:.0f} s")
    return results
