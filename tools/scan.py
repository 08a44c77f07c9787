#!/usr/bin/env python3
"""A vulnerability scan of the running app with wapiti (issue 9, 等保 2.0 level 3): the dynamic
counterpart of bandit in CI.

    python3 -m tools.scan                  # the whole step, as .ci/run runs it
    python3 -m tools.scan --judge REPORT   # only judge a wapiti JSON report

One run, in var/scan/:
  1. a scratch database, jianyi_scan, dropped and created afresh next to the one `make manage`
     uses (DATABASE_URL, or the project-local cluster), migrated and seeded with the demo data;
  2. gunicorn with production settings on 127.0.0.1: DEBUG off, a random SECRET_KEY, HTTPS on
     over a throwaway self-signed certificate (so the secure cookies, HSTS and the https
     redirect are the production ones), and TWO_FACTOR_REQUIRED_ROLES empty: a coordinator who
     must enrol an authenticator first would see only the enrolment page;
  3. a sign-in as the demo coordinator through the real login form (CSRF token, password);
  4. wapiti with that session: one crawl, then time-bounded runs of its attack modules (see
     PASSES below), writing report.json (every finding, with wapiti's levels) and report-html/;
  5. the verdict: the build fails on any finding of medium or higher severity, on a scan that
     was not signed in (no coordinator-only page crawled) or lost its session, and on a server
     error in gunicorn's log.
gunicorn is stopped and the scratch database dropped in every case, Ctrl-C included.

Standard library only, like tools/dev.py, whose venv, database and apt helpers it uses.
wapiti has a venv of its own (var/scan/venv, from requirements-scan.txt): it pins its
dependencies exactly, and mitmproxy's asgiref<3.8 cannot share a venv with Django 5.2.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import html
import json
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from http.cookiejar import CookieJar
from pathlib import Path

from tools import dev

ROOT = dev.ROOT
SCAN_DIR = dev.VAR / "scan"
SCAN_VENV = SCAN_DIR / "venv"
WAPITI = SCAN_VENV / "bin" / "wapiti"
SCAN_LOCK = ROOT / "requirements-scan.txt"
REPORT = SCAN_DIR / "report.json"
HTML_REPORT = SCAN_DIR / "report-html"
SCRATCH_DB = "jianyi_scan"
HOST = "127.0.0.1"

# wapiti's modules, chosen for a server-rendered Django app; each reports with its own level.
#   xss, permanentxss  reflected and stored cross-site scripting
#   sql                SQL injection, error and boolean based
#   redirect, crlf     open redirects (the login's ?next=), header injection
#   csrf               forms without a working CSRF token
#   upload             attachments and imports that would run what they store
#   exec, file         command/code execution, path traversal and file inclusion: the app runs no
#                      command and opens no path from a request (bandit watches the code), so
#                      they get a shorter time
#   http_headers, csp, cookieflags   passive checks of the responses
# Left out: ssrf, xxe and log4shell prove a hit through wapiti's public endpoint (this machine
# reaches no internet); timesql (sleep-based, minutes per parameter); ssl (the certificate is
# our throwaway one; production's is the TLS proxy's); https_redirect (we serve https only);
# nikto, wapp, htp and buster (they download databases or brute-force paths); brute_login_form
# (the lockout answers it); methods (informational only); backup, htaccess, ldap, shellshock,
# spring4shell, takeover, cms, wp_enum, network_device (stacks and files this app does not have).
#
# The runs of wapiti over one crawl: (name, modules, seconds per module). wapiti attacks a
# module's links before its forms and stops the module at its time limit (--max-attack-time),
# so in one run the forms, where stored text comes in, would rarely be reached: the first run
# attacks forms only ("-xss:get" switches a module's GET requests off), with permanentxss
# reading every page for what xss stored; the second the links ("-xss:post"), then the passive
# checks; the third exec and file on both. A module stopped by its limit has attacked the
# requests it reached, in crawl order; the log says which ("Max attack time was reached").
PASSES = (
    ("forms", "xss,sql,crlf,csrf,upload,-xss:get,-sql:get,-crlf:get,-csrf:get,-upload:get,permanentxss", 45),
    ("links", "xss,sql,redirect,crlf,-xss:post,-sql:post,-redirect:post,-crlf:post,http_headers,csp,cookieflags", 45),
    ("exec and file", "exec,file", 20),
)
MODULES = tuple(dict.fromkeys(m for _n, spec, _s in PASSES for m in spec.split(",") if not m.startswith("-")))
# The crawl stops by itself in about a minute with the demo data. xss, sql and upload use their
# whole time, the other modules seconds: the step takes about six to nine minutes on two cores,
# setup included. Should every module use its whole time, the runs' limits add up to about
# eleven; each run is killed a minute after its limits. --time-factor scales every limit, for a
# longer scan by hand.
CRAWL_SECONDS = 90
REQUEST_TIMEOUT = 30  # a page slower than this under the scan is itself a finding (resource consumption)
# Pages that would end the session the scan uses. The language switch stays in: the session
# cookie is sent as a fixed header, so no cookie the scan is answered with replaces it.
EXCLUDED = ("/accounts/logout/*", "/admin/logout/*")
# Links to a view already crawled with the same parameters: crawling them adds time, not
# coverage. The dashboard's drill-downs to the lists (each list's filter form carries every
# parameter they set) and the calendar's years and days (one view, whose forms are all on
# /proposals/calendar/ itself).
REDUNDANT = (
    "/proposals/?session=*",
    "/proposals/assign/?session=*",
    "/proposals/calendar/?*",
    "/proposals/calendar/import/?*",
)
# Signed in as the coordinator, wapiti reaches these (the coordinator's navigation); anonymous,
# it would be sent to the login page. One of them in the crawled pages proves a signed-in scan.
COORDINATOR_ONLY = ("/proposals/dashboard/", "/proposals/sessions/")

LEVELS = {0: "info", 1: "low", 2: "medium", 3: "high", 4: "critical"}
FAIL_LEVEL = 2  # medium


@dataclass(frozen=True)
class Accepted:
    """A finding judged a false positive after investigation: narrow (module, category and a
    path pattern) and with its reason."""

    module: str
    category: str
    path: str  # a regular expression matched against the finding's path
    reason: str

    def covers(self, finding: Finding) -> bool:
        return (
            finding.module == self.module
            and finding.category == self.category
            and re.fullmatch(self.path, finding.path) is not None
        )


# Empty: every medium or higher finding fails the build. Add an entry only with the
# investigation that shows the finding is false, and say so in docs/security.md.
ACCEPTED: tuple[Accepted, ...] = ()


@dataclass(frozen=True)
class Finding:
    kind: str  # vulnerability, anomaly or additional
    category: str
    level: int
    module: str
    method: str
    path: str
    parameter: str
    info: str

    @property
    def severity(self) -> str:
        return LEVELS.get(self.level, f"level {self.level}")

    def line(self) -> str:
        where = f"{self.method} {self.path}" + (f" [{self.parameter}]" if self.parameter else "")
        info = " ".join(self.info.split())
        return f"{self.severity.upper()}: {self.category} ({self.module}) {where}: {info}"


@dataclass
class Verdict:
    findings: list[Finding]
    failing: list[Finding]
    accepted: list[Finding]
    crawled: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.failing and not self.problems

    def counts(self) -> str:
        by_level = {}
        for finding in self.findings:
            by_level[finding.severity] = by_level.get(finding.severity, 0) + 1
        order = [name for _level, name in sorted(LEVELS.items(), reverse=True)]
        parts = [f"{by_level[name]} {name}" for name in order if name in by_level]
        return ", ".join(parts) or "no findings"

    def summary(self) -> str:
        outcome = "passed" if self.ok else "FAILED"
        accepted = f" ({len(self.accepted)} accepted as false positives)" if self.accepted else ""
        return (
            f"wapiti scan {outcome}: {self.crawled} URLs crawled; {self.counts()}{accepted}; "
            f"{len(self.failing)} at medium or above"
        )


def findings_of(report: dict) -> list[Finding]:
    """Every entry of a wapiti JSON report: vulnerabilities, anomalies (a server error is a
    high anomaly, a timeout a medium one) and additionals, each with wapiti's own level."""
    found = []
    sections = (("vulnerabilities", "vulnerability"), ("anomalies", "anomaly"), ("additionals", "additional"))
    for section, kind in sections:
        for category, entries in (report.get(section) or {}).items():
            for entry in entries or []:
                found.append(
                    Finding(
                        kind=kind,
                        category=category,
                        level=int(entry.get("level") or 0),
                        module=str(entry.get("module") or ""),
                        method=str(entry.get("method") or ""),
                        path=str(entry.get("path") or ""),
                        parameter=str(entry.get("parameter") or ""),
                        info=str(entry.get("info") or ""),
                    )
                )
    return found


def crawled_urls(report: dict) -> list[str]:
    """The URLs wapiti crawled (the report lists them with --detailed-report 1)."""
    pages = (report.get("infos") or {}).get("crawled_pages") or []
    return [str((page.get("request") or {}).get("url") or "") for page in pages]


def judge(report: dict, *, accepted: tuple[Accepted, ...] = ACCEPTED, signed_in_paths=COORDINATOR_ONLY) -> Verdict:
    found = findings_of(report)
    serious = [f for f in found if f.level >= FAIL_LEVEL]
    excused = [f for f in serious if any(a.covers(f) for a in accepted)]
    failing = [f for f in serious if f not in excused]
    urls = crawled_urls(report)
    crawled = int((report.get("infos") or {}).get("crawled_pages_nbr") or len(urls))
    problems = []
    paths = {urllib.parse.urlsplit(url).path for url in urls}
    if signed_in_paths and not any(path in paths for path in signed_in_paths):
        problems.append(
            "the scan was not signed in: none of "
            + ", ".join(signed_in_paths)
            + " was crawled (only the coordinator reaches them)"
        )
    return Verdict(found, failing, excused, crawled, problems)


def read_report(path: Path) -> dict:
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise dev.Stop(f"wapiti wrote no report ({path}); see {SCAN_DIR / 'wapiti.log'}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise dev.Stop(f"the wapiti report {path} is not valid JSON ({exc})") from None
    if not isinstance(report, dict) or "vulnerabilities" not in report:
        raise dev.Stop(f"{path} is not a wapiti JSON report (no 'vulnerabilities')")
    return report


def print_verdict(verdict: Verdict) -> None:
    for finding in verdict.failing:
        print(finding.line())
    for finding in verdict.accepted:
        print(f"accepted, see tools/scan.py ACCEPTED: {finding.line()}")
    for problem in verdict.problems:
        print(f"problem: {problem}")
    print(verdict.summary(), flush=True)


# --- wapiti's venv ------------------------------------------------------------------------


def ensure_scan_venv() -> None:
    """wapiti in var/scan/venv, reinstalled when requirements-scan.txt changes."""
    digest = hashlib.sha256(SCAN_LOCK.read_bytes()).hexdigest()
    stamp = SCAN_VENV / ".installed"
    if stamp.exists() and stamp.read_text() == digest:
        return
    dev.say("installing wapiti in var/scan/venv (requirements-scan.txt)")
    shutil.rmtree(SCAN_VENV, ignore_errors=True)
    dev.run([sys.executable, "-m", "venv", SCAN_VENV])
    result = subprocess.run(
        [SCAN_VENV / "bin" / "python", "-m", "pip", "install", "-q", "--disable-pip-version-check", "-r", SCAN_LOCK],
        stderr=subprocess.PIPE,
        text=True,
    )
    noise = ("is ignored: it is neither a file nor a directory",)
    sys.stderr.write("".join(line for line in result.stderr.splitlines(True) if not any(n in line for n in noise)))
    if result.returncode:
        raise dev.Stop("pip could not install requirements-scan.txt (see above)")
    stamp.write_text(digest)


# --- the scratch database -----------------------------------------------------------------

# Run by the project's venv (psycopg); CREATE and DROP DATABASE cannot run in a transaction.
_ADMIN_SQL = """
import sys, psycopg
from psycopg import sql
url, name, action = sys.argv[1:]
with psycopg.connect(url, autocommit=True) as conn:
    conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    if action == "create":
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
"""


def with_database(url: str, name: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + urllib.parse.quote(name)))


@contextlib.contextmanager
def scratch_database(url: str):
    """Yields the DATABASE_URL of a fresh jianyi_scan next to `url`'s database; drops it after."""
    admin = with_database(url, "postgres")
    dev.say(f"creating the scratch database {SCRATCH_DB}")
    dev.run([dev.PY, "-c", _ADMIN_SQL, admin, SCRATCH_DB, "create"])
    try:
        yield with_database(url, SCRATCH_DB)
    finally:
        dev.say(f"dropping the scratch database {SCRATCH_DB}")
        subprocess.run([str(dev.PY), "-c", _ADMIN_SQL, admin, SCRATCH_DB, "drop"], check=False)


# --- the site -------------------------------------------------------------------------------


@dataclass
class Site:
    base: str  # https://127.0.0.1:PORT
    tls: ssl.SSLContext  # trusts the throwaway certificate only
    password: str
    log: Path
    access_log: Path

    def url(self, path: str) -> str:
        return self.base + path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, valid for a day, made afresh each run."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    dev.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            f"/CN={HOST}",
            "-addext",
            f"subjectAltName=IP:{HOST}",
            "-keyout",
            key,
            "-out",
            cert,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    key.chmod(0o600)
    return cert, key


def site_env(db_url: str, *, base: str, password: str) -> dict:
    """Production settings, but local: what the operations guide sets, with throwaway secrets."""
    env = dev.base_env(db_url)
    for name in ("BEHIND_TLS_PROXY", "CSP_REPORT_ONLY", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS"):
        env.pop(name, None)  # the production defaults
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.update(
        DEBUG="false",
        HTTPS="true",
        STATIC_MANIFEST="true",
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS=HOST,
        SITE_URL=base,
        # Enrolment in two-factor sign-in is the one page a coordinator would reach otherwise.
        TWO_FACTOR_REQUIRED_ROLES="",
        # seed_demo gives this password to the accounts it creates (all of them: the database is new).
        DEMO_PASSWORD=password,
        # Uploads the scan makes stay in its own directory; mail goes to gunicorn's log.
        MEDIA_ROOT=str(SCAN_DIR / "media"),
        EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend",
        LOG_LEVEL="WARNING",
    )
    return env


def get(site: Site, path: str, *, cookies: str = "", timeout: float = 30) -> tuple[int, str, str]:
    """(status, Location, body) of a GET, redirects not followed."""
    # An https URL on 127.0.0.1 that this module builds: no user-given scheme.
    request = urllib.request.Request(site.url(path), headers={"Cookie": cookies} if cookies else {})  # noqa: S310  # nosec B310
    opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=site.tls), _NoRedirect)
    try:
        with opener.open(request, timeout=timeout) as response:
            return response.status, "", response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Location", ""), ""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@contextlib.contextmanager
def running_site(db_url: str):
    """Migrate, seed and serve the scratch database with gunicorn over https; stop it after."""
    SCAN_DIR.mkdir(parents=True, exist_ok=True)
    port = free_port()
    base = f"https://{HOST}:{port}"
    password = "Scan-" + secrets.token_urlsafe(18)
    env = site_env(db_url, base=base, password=password)
    dev.say("migrating and seeding the demo data")
    dev.manage("migrate", "--no-input", "-v", "0", env=env)
    dev.manage("compilemessages", "-v", "0", env=env)
    dev.manage("collectstatic", "--no-input", "-v", "0", env=env)
    dev.run([dev.PY, ROOT / "manage.py", "seed_demo"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    cert, key = make_certificate(SCAN_DIR)
    tls = ssl.create_default_context(cafile=str(cert))
    site = Site(base, tls, password, SCAN_DIR / "gunicorn.log", SCAN_DIR / "access.log")
    site.log.unlink(missing_ok=True)
    site.access_log.unlink(missing_ok=True)
    dev.say(f"serving the scratch site on {base} (gunicorn, production settings)")
    log = site.log.open("w")
    server = subprocess.Popen(
        [
            str(dev.VENV / "bin" / "gunicorn"),
            "config.wsgi",
            "--bind",
            f"{HOST}:{port}",
            "--workers",
            "2",
            "--certfile",
            str(cert),
            "--keyfile",
            str(key),
            "--timeout",
            "120",
            "--access-logfile",
            str(site.access_log),
        ],
        env=env,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        # gunicorn's own messages and Django's log (warnings, errors with their tracebacks)
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # stopped by us, after the scan, not by a Ctrl-C meant for wapiti
    )
    try:
        wait_until_up(site, server)
        yield site
    finally:
        stop(server, "gunicorn")
        log.close()


def wait_until_up(site: Site, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise dev.Stop(f"gunicorn exited ({server.returncode}): " + " | ".join(tail(site.log, 5)))
        with contextlib.suppress(OSError):
            if get(site, "/healthz", timeout=5)[0] == 200:
                return
        time.sleep(0.5)
    raise dev.Stop(f"the scratch site did not answer /healthz within {timeout:.0f} s")


def stop(process: subprocess.Popen, name: str) -> None:
    if process.poll() is not None:
        return
    dev.say(f"stopping {name}")
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def tail(path: Path, lines: int) -> list[str]:
    try:
        return path.read_text(errors="replace").splitlines()[-lines:]
    except FileNotFoundError:
        return []


# --- signing in -----------------------------------------------------------------------------

_CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken"\s+value="([^"]+)"')


def sign_in(site: Site, username: str = "coordinator") -> str:
    """Signs in through the login form as a browser does (the CSRF cookie and token, the
    Referer https requires); returns the Cookie header of the new session."""
    jar = CookieJar()
    opener = urllib.request.build_opener(
        urllib.request.HTTPSHandler(context=site.tls), urllib.request.HTTPCookieProcessor(jar), _NoRedirect
    )
    login = site.url("/accounts/login/")
    with opener.open(login, timeout=30) as response:
        match = _CSRF_INPUT.search(response.read().decode("utf-8", "replace"))
    if not match:
        raise dev.Stop("the login page has no CSRF token")
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": html.unescape(match.group(1)), "username": username, "password": site.password}
    ).encode()
    request = urllib.request.Request(login, data=form, headers={"Referer": login})  # noqa: S310  # nosec B310
    try:
        with opener.open(request, timeout=30) as response:
            status, location = response.status, ""
    except urllib.error.HTTPError as error:
        status, location = error.code, error.headers.get("Location", "")
    if status != 302 or location.startswith("/accounts/login"):
        raise dev.Stop(f"signing in as {username} failed (HTTP {status}, Location {location!r})")
    cookies = "; ".join(f"{c.name}={c.value}" for c in jar if c.name in ("sessionid", "csrftoken"))
    if not signed_in(site, cookies):
        raise dev.Stop(f"signed in as {username}, but {COORDINATOR_ONLY[0]} still refuses the session")
    dev.say(f"signed in as {username}")
    return cookies


def signed_in(site: Site, cookies: str) -> bool:
    return get(site, COORDINATOR_ONLY[0], cookies=cookies)[0] == 200


# --- wapiti ---------------------------------------------------------------------------------


def wapiti_args(site: Site, cookies: str, *, scan_force: str = "paranoid") -> list[str]:
    """What every run shares; a run adds its modules, its limits and what it does with the session."""
    args = [
        str(WAPITI),
        "--url",
        site.url("/"),
        "--scope",
        "folder",
        # The session, sent as a fixed header: wapiti never signs in or out by itself.
        "--cookie-value",
        cookies,
        "--skip",
        "csrfmiddlewaretoken",  # mutating the token only earns a 403
        # A browser's same-origin POST names its origin; Django's CSRF check over https
        # refuses one without (wapiti leaves it out of some requests).
        "--header",
        f"Referer: {site.url('/')}",
        # Once or a few times per view and set of parameter names, not every link to it; few
        # crawling tasks, or they race past that count (two gunicorn workers answer anyway).
        "--scan-force",
        scan_force,
        "--tasks",
        "4",
        "--timeout",
        str(REQUEST_TIMEOUT),
        "--verify-ssl",
        "0",
        # Offline: no crash reports to wapiti's site; the endpoints (used only by modules left
        # out) point at a closed local port, so nothing ever waits on the internet.
        "--no-bugreport",
        "--endpoint",
        f"http://{HOST}:9/",
        "--dns-endpoint",
        "localhost",
        # The session kept in var/scan/, not in ~/.wapiti.
        "--store-session",
        str(SCAN_DIR / "session"),
        "--store-config",
        str(SCAN_DIR / "config"),
        "--detailed-report",
        "1",  # lists the crawled pages, which proves the scan was signed in
        "--verbose",
        "1",
    ]
    for path in EXCLUDED + REDUNDANT:
        args += ["--exclude", site.url(path)]
    return args


def runs(common: list[str], *, factor: float = 1) -> list[tuple[str, list[str], float]]:
    """(name, arguments, deadline in seconds) of each run of wapiti: the crawl and the forms,
    then the other PASSES, then the HTML report from the stored session (no module)."""
    log = ("--log", str(SCAN_DIR / "wapiti.log"))
    found = []
    for i, (name, spec, seconds) in enumerate(PASSES):
        limit = seconds * factor
        args = [*common, *log, "--module", spec, "--max-attack-time", str(limit)]
        deadline = 60 + limit * sum(1 for m in spec.split(",") if not m.startswith("-"))
        if i == 0:
            name = f"crawl and {name}"
            args += ["--flush-session", "--max-scan-time", str(CRAWL_SECONDS * factor)]
            deadline += CRAWL_SECONDS * factor
        else:
            args += ["--skip-crawl"]
        # every run writes the report of all findings so far; the last one's is the verdict's
        output = REPORT if i == len(PASSES) - 1 else SCAN_DIR / f"report-{i + 1}.json"
        found.append((name, [*args, "--format", "json", "--output", str(output)], deadline))
    html_args = [*common, "--skip-crawl", "--module", "", "--format", "html", "--output", str(HTML_REPORT)]
    found.append(("HTML report", html_args, 120))
    return found


def run_wapiti(name: str, args: list[str], deadline: float) -> None:
    """One run of wapiti in the foreground; killed at `deadline` seconds whatever it is doing."""
    dev.say(f"wapiti, {name}: at most {deadline:.0f} s")
    # No terminal input: wapiti's Ctrl-C menu must not wait for an answer.
    process = subprocess.Popen(args, cwd=SCAN_DIR, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    try:
        process.wait(timeout=deadline)
    except subprocess.TimeoutExpired:
        raise dev.Stop(f"wapiti ({name}) did not finish within {deadline:.0f} s") from None
    finally:
        stop(process, "wapiti")
    if process.returncode:
        raise dev.Stop(f"wapiti ({name}) failed ({process.returncode}); see {SCAN_DIR / 'wapiti.log'}")


def modules_stopped_by_their_limit(log: Path) -> list[str]:
    pattern = re.compile(r"Max attack time was reached for module (\w+)")
    return [m.group(1) for line in tail(log, 10**7) if (m := pattern.search(line))]


def server_errors(access_log: Path) -> list[str]:
    """Requests gunicorn answered with a 5xx (its access log's status follows the quoted request)."""
    errors = []
    for line in tail(access_log, 10**7):
        match = re.search(r'"([A-Z]+ [^"]*)" (5\d\d) ', line)
        if match:
            errors.append(f"{match.group(2)} {match.group(1)}")
    return errors


def coordinator_requests(access_log: Path) -> int:
    """Requests for the coordinator-only pages answered 200: the scan's session at work."""
    pattern = re.compile(r'"GET (' + "|".join(re.escape(p) for p in COORDINATOR_ONLY) + r')\S* [^"]*" 200 ')
    return sum(1 for line in tail(access_log, 10**7) if pattern.search(line))


def scan(args) -> Verdict:
    dev.ensure_apt({"gettext": "msgfmt", "openssl": "openssl", **dev.FONT_PACKAGES})
    dev.ensure_venv()
    ensure_scan_venv()
    for stale in (REPORT, *SCAN_DIR.glob("report-*.json"), SCAN_DIR / "wapiti.log"):
        stale.unlink(missing_ok=True)
    shutil.rmtree(HTML_REPORT, ignore_errors=True)
    with dev.database() as url, scratch_database(url) as db_url, running_site(db_url) as site:
        cookies = sign_in(site)
        started = time.monotonic()
        for name, command, deadline in runs(wapiti_args(site, cookies), factor=args.time_factor):
            run_wapiti(name, command, deadline)
        dev.say(f"wapiti finished in {time.monotonic() - started:.0f} s")
        still_signed_in = signed_in(site, cookies)
        verdict = judge(read_report(REPORT))
        if not still_signed_in:
            verdict.problems.append("the session ended during the scan: the pages after that were scanned signed out")
        for error in server_errors(site.access_log):
            verdict.problems.append(f"server error: {error} (see {site.log.relative_to(ROOT)})")
        stopped = modules_stopped_by_their_limit(SCAN_DIR / "wapiti.log")
        dev.say(
            f"coordinator-only pages served to the scan: {coordinator_requests(site.access_log)}; "
            f"requests: {sum(1 for _ in tail(site.access_log, 10**7))}; "
            f"stopped by the time limit: {', '.join(stopped) or 'none'}"
        )
        dev.say(f"report: {REPORT.relative_to(ROOT)}, {HTML_REPORT.relative_to(ROOT)}/")
    return verdict


def _terminate(signum, _frame):
    raise SystemExit(128 + signum)  # unwinds the with blocks: gunicorn stopped, database dropped


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m tools.scan", description=__doc__.split("\n\n")[0])
    parser.add_argument("--judge", metavar="REPORT", type=Path, help="only judge an existing wapiti JSON report")
    parser.add_argument(
        "--time-factor", type=float, default=1, help="multiplies every time limit (a longer scan by hand: 10)"
    )
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        if args.judge:
            verdict = judge(read_report(args.judge))
        else:
            signal.signal(signal.SIGTERM, _terminate)
            verdict = scan(args)
    except dev.Stop as exc:
        print(f"[jianyi] error: {exc}", file=sys.stderr)
        print("wapiti scan FAILED: " + str(exc), flush=True)
        return 2
    except subprocess.CalledProcessError as exc:
        print(f"[jianyi] error: command failed ({exc.returncode}): {' '.join(map(str, exc.cmd))}", file=sys.stderr)
        return exc.returncode or 1
    print_verdict(verdict)
    if not args.judge:
        dev.say(f"the scan step took {time.monotonic() - started:.0f} s")
    return 0 if verdict.ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
