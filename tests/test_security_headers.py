"""HTTP hardening (issue 9, item 7) and error pages that never show a stack trace or SQL
(item 8): the headers on every kind of page, the production settings and `check --deploy`,
CSRF on every POST, and in Chromium the main pages of every role without one CSP violation."""

import os
import re
import runpy
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, path
from playwright.sync_api import expect

from config.urls import urlpatterns as site_urlpatterns
from proposals.demo import SEED_BODY, SEED_TITLE
from tests.browser import sign_in_ok, sign_out
from tests.test_browser_reply import assigned_seed  # noqa: F401 - a fixture used below

BASE_DIR = Path(settings.BASE_DIR)
HALF_YEAR = 180 * 24 * 60 * 60


# --- a URLconf with two failing views, for the error pages ---------------------------------------


def crash(request):
    raise RuntimeError("secret detail of a crash")


def crash_in_sql(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT no_such_column FROM accounts_user WHERE password = 'pbkdf2'")
    return HttpResponse("unreachable")


urlpatterns = [*site_urlpatterns, path("crash/", crash), path("crash-sql/", crash_in_sql)]


# --- helpers ------------------------------------------------------------------------------------


def production_settings(monkeypatch, **extra):
    """config/settings.py as it loads on a server: DEBUG and HTTPS at their defaults."""
    for name in ("DEBUG", "HTTPS", "SECURE_HSTS_SECONDS", "SECURE_SSL_REDIRECT", "CSP_REPORT_ONLY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SECRET_KEY", secrets.token_urlsafe(50))
    monkeypatch.setenv("ALLOWED_HOSTS", "jianyi.example.gov.cn")
    for name, value in extra.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(BASE_DIR / "config" / "settings.py"))


def directives(response):
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


@pytest.fixture
def production_headers(settings, monkeypatch):
    """This process's settings given the production values of the header settings."""
    prod = production_settings(monkeypatch)
    for name in (
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SECURE_CONTENT_TYPE_NOSNIFF",
        "SECURE_REFERRER_POLICY",
        "X_FRAME_OPTIONS",
        "CONTENT_SECURITY_POLICY",
        "CSP_REPORT_ONLY",
        "PERMISSIONS_POLICY",
    ):
        setattr(settings, name, prod[name])
    return prod


PAGES = {
    "home": ("/", True, 200),
    "login": ("/accounts/login/", False, 200),
    "not-found": ("/proposals/999999/no-such-page/", True, 404),
    "portal": ("/public/", False, 200),
}


# --- headers ------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_every_kind_of_page_carries_every_security_header(client, clerk_a, production_headers, page):
    url, signed_in, status = PAGES[page]
    if signed_in:
        client.force_login(clerk_a)
    response = client.get(url, secure=True)  # served over HTTPS, as in production
    assert response.status_code == status
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]
    assert "microphone=()" in response["Permissions-Policy"]
    policy = directives(response)
    assert policy["script-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert "Content-Security-Policy-Report-Only" not in response


def test_the_policy_allows_no_inline_script_no_eval_and_no_inline_style(client, production_headers):
    policy = directives(client.get("/accounts/login/"))
    for directive in ("script-src", "style-src", "default-src"):
        assert "'unsafe-inline'" not in policy[directive]
        assert "'unsafe-eval'" not in policy[directive]
    assert "script-src-attr" not in policy
    assert "style-src-attr" not in policy


def test_the_style_nonce_is_new_on_every_response(client, db):
    nonces = {directives(client.get("/accounts/login/"))["style-src"][1] for _ in range(3)}
    assert len(nonces) == 3
    assert all(re.fullmatch(r"'nonce-[\w-]{24}'", nonce) for nonce in nonces)


def test_static_files_carry_the_headers_too(client, db):
    response = client.get("/static/js/htmx.min.js")
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" in response


def test_no_template_has_an_inline_script_an_event_handler_or_a_style_attribute():
    """Emails are not pages (no CSP applies to them); everything else must pass the policy."""
    offenders = []
    for template in (BASE_DIR / "templates").rglob("*.html"):
        if "emails" in template.parts:
            continue
        text = template.read_text(encoding="utf-8")
        for pattern in (r"<script(?![^>]*\bsrc=)[^>]*>", r"\son[a-z]+\s*=", r"\sstyle\s*=", r"hx-on", r"javascript:"):
            offenders += [f"{template.relative_to(BASE_DIR)}: {m.group(0)}" for m in re.finditer(pattern, text)]
        offenders += [
            f"{template.relative_to(BASE_DIR)}: <style> without the nonce"
            for m in re.finditer(r"<style(?![^>]*nonce=)", text)
        ]
        offenders += [  # an hx-trigger filter ([condition]) needs eval
            f"{template.relative_to(BASE_DIR)}: {m.group(0)}" for m in re.finditer(r'hx-trigger="[^"]*\[', text)
        ]
    assert not offenders


# --- production settings ------------------------------------------------------------------------


def test_production_runs_without_debug_and_with_hsts_for_at_least_180_days(monkeypatch):
    prod = production_settings(monkeypatch)
    assert prod["DEBUG"] is False
    assert prod["HTTPS"] is True
    assert prod["SECURE_HSTS_SECONDS"] >= HALF_YEAR
    assert prod["SECURE_HSTS_SECONDS"] == 31536000
    assert prod["SECURE_SSL_REDIRECT"] is True
    assert prod["SESSION_COOKIE_SECURE"] is True
    assert prod["CSRF_COOKIE_SECURE"] is True
    assert prod["CSP_REPORT_ONLY"] is False


def test_production_refuses_an_hsts_shorter_than_180_days(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="SECURE_HSTS_SECONDS"):
        production_settings(monkeypatch, SECURE_HSTS_SECONDS=str(HALF_YEAR - 1))
    assert production_settings(monkeypatch, SECURE_HSTS_SECONDS=str(HALF_YEAR))["SECURE_HSTS_SECONDS"] == HALF_YEAR


def test_check_deploy_is_clean_with_the_production_settings():
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        "DATABASE_URL": os.environ["DATABASE_URL"],
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "jianyi.example.gov.cn",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


# --- CSRF ---------------------------------------------------------------------------------------


def test_a_post_without_its_csrf_token_is_refused_with_a_chinese_page(clerk_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(clerk_a)
    refused = client.post("/accounts/logout/")
    assert refused.status_code == 403
    text = refused.content.decode()
    assert "页面已过期" in text
    assert "verification failed" not in text  # no technical reason shown
    assert "CSRF cookie" not in text
    client.get("/")
    accepted = client.post("/accounts/logout/", {"csrfmiddlewaretoken": client.cookies["csrftoken"].value})
    assert accepted.status_code == 302


def test_no_view_is_exempt_from_csrf():
    def views(resolver):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                yield from views(entry)
            elif isinstance(entry, URLPattern):
                yield entry

    exempt = [str(p.pattern) for p in views(get_resolver()) if getattr(p.callback, "csrf_exempt", False)]
    assert not exempt


# --- error pages --------------------------------------------------------------------------------


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("url", ["/crash/", "/crash-sql/"])
def test_a_crash_shows_the_plain_500_page_without_traceback_or_sql(db, url):
    client = Client(raise_request_exception=False)
    response = client.get(url)
    assert response.status_code == 500
    text = response.content.decode()
    assert "系统暂时无法处理您的请求" in text
    for leak in ("Traceback", "secret detail", "RuntimeError", "ProgrammingError", "SELECT", "no_such_column"):
        assert leak not in text
    nonce = directives(response)["style-src"][1].removeprefix("'nonce-").removesuffix("'")
    assert f'<style nonce="{nonce}">' in text  # the page's own style is allowed


def test_a_missing_page_shows_the_404_page_without_the_url_list(client, clerk_a):
    client.force_login(clerk_a)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    text = response.content.decode()
    assert "页面不存在" in text
    assert "URLconf" not in text
    assert "urlpatterns" not in text


# --- in Chromium --------------------------------------------------------------------------------

REPORTER = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"} on ${location.pathname}`);
});
"""


@pytest.fixture
def violations(page):
    """Every CSP violation the pages report, from Chromium's own console message and from the
    securitypolicyviolation event."""
    found = []
    page.add_init_script(REPORTER)
    page.on(
        "console",
        lambda msg: found.append(msg.text) if "Content Security Policy" in msg.text or "CSP" in msg.text else None,
    )
    return found


ROLES = ["deputy", "coordinator", "clerk", "leader", "auditor", "sysadmin", "secadmin"]


@pytest.mark.browser
def test_the_main_pages_of_every_role_and_the_portal_load_without_a_csp_violation(
    page, live_server, demo_data, violations
):
    visited = []
    for username in ROLES:
        sign_in_ok(page, live_server, username)
        links = page.locator("nav.main-nav a").evaluate_all("(links) => links.map((a) => a.href)")
        assert links
        for href in links:
            page.goto(href)
            visited.append(href)
            expect(page.locator("h1").first).to_be_visible()
        page.goto(f"{live_server.url}/")  # the admin pages have no 退出 button of ours
        sign_out(page)
    page.goto(f"{live_server.url}/public/")
    page.goto(f"{live_server.url}/public/?q=科技")
    page.goto(f"{live_server.url}/no-such-page/")
    assert len(visited) >= 15
    assert not violations


@pytest.mark.browser
def test_htmx_and_the_page_scripts_work_under_the_policy(page, live_server, assigned_seed, violations):  # noqa: F811
    # the reply editor's live preview (htmx on input) and the printable page's nonced style
    sign_in_ok(page, live_server, "clerk")
    page.get_by_role("link", name="交办事项", exact=True).click()
    page.get_by_role("link", name=SEED_TITLE).click()
    page.get_by_role("button", name="起草答复").click()
    page.get_by_test_id("section-1").get_by_label("正文").fill("我厅高度重视，已建成省科技成果转化服务平台。")
    expect(page.locator("#preview")).to_contain_text("已建成省科技成果转化服务平台")
    page.get_by_test_id("save").click()
    expect(page.get_by_text("已保存。")).to_be_visible()
    reply_pk = re.search(r"/replies/(\d+)/", page.url).group(1)
    reply_url = f"{live_server.url}/replies/{reply_pk}/"
    page.goto(reply_url + "print/")
    assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == "21.3333px"  # 16pt
    page.goto(reply_url)

    # the footer's language picker switches on change, without a button
    page.locator("#language-select").select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.locator("#language-select").select_option("zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    sign_out(page)

    # pasting a proposal body fills the suggestion list (htmx, triggered from a static script)
    sign_in_ok(page, live_server, "deputy")
    page.goto(f"{live_server.url}/proposals/new/")
    body = page.locator("#id_body")
    body.fill(SEED_BODY)
    body.dispatch_event("paste")
    expect(page.locator("textarea[name=suggestion]")).to_have_count(5)
    # pasting again once the list is filled does not replace it
    page.locator("textarea[name=suggestion]").first.fill("我自己改写的第一条建议。")
    body.dispatch_event("paste")
    page.wait_for_timeout(500)
    expect(page.locator("textarea[name=suggestion]").first).to_have_value("我自己改写的第一条建议。")
    assert not violations
