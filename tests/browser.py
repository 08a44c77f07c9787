"""Steps the browser tests share."""

import re
from pathlib import Path

from django.conf import settings
from playwright.sync_api import expect


def sign_in(page, live_server, username, password=None):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password or settings.DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()


def sign_in_ok(page, live_server, username):
    sign_in(page, live_server, username)
    expect(page.get_by_role("heading", level=1)).to_contain_text("您好")


def sign_out(page):
    page.get_by_role("button", name="退出").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))


AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page) -> list[str]:
    """axe-core's WCAG 2.1 A and AA violations on the page as it is now, one line each."""
    page.evaluate(AXE)  # not a <script> tag: the CSP refuses inline scripts
    result = page.evaluate("(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG)
    return [f"{v['id']}: {[n['target'] for n in v['nodes']]}" for v in result["violations"]]


def assert_accessible(page):
    problems = axe_violations(page)
    assert not problems, f"{page.url}: {problems}"
