"""The public portal in Chromium: home, search results, a proposal and its replies, on an
office screen and on a phone, each page checked with axe-core against WCAG 2.1 A and AA and
photographed into test-artifacts/portal/ (ignored by git)."""

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from replies.scaffold import Disclosure
from replies.tests.conftest import make_handling
from replies.tests.test_publication import sign_reply
from tests.browser import axe_violations

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "portal"

pytestmark = pytest.mark.browser
PHONE = {"width": 360, "height": 740}


def check(page, name):
    """No axe-core violation, nothing wider than the screen, and a screenshot."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    problems = axe_violations(page)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)
    assert not problems, f"{name} ({page.url}): {problems}"
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{name}: {overflow}px wider than the screen"


@pytest.fixture
def published(live_server, deputy, cosigner, coordinator, clerk_a, leader_a, session, category):
    """Three replies to three proposals: in full, as a summary, by title only."""
    replies = {}
    for title, disclosure in (
        ("关于加强科技成果转化的建议", Disclosure.PUBLIC),
        ("关于完善科研人员激励机制的建议", Disclosure.SUMMARY),
        ("关于建设创新平台的建议", Disclosure.TITLE_ONLY),
    ):
        handled = make_handling(
            deputy=deputy,
            cosigner=cosigner,
            coordinator=coordinator,
            clerk_a=clerk_a,
            clerk_b=None,
            session=session,
            category=category,
            title=title,
        )
        replies[disclosure] = sign_reply(
            handled, clerk_a, leader_a, disclosure=disclosure, summary="激励机制已经建立，正在全省推广。"
        )
    return replies


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_the_portal_is_accessible_on_a_desktop_and_a_phone(page, live_server, published, viewport):
    if viewport == "phone":
        page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/public/")
    expect(page.get_by_role("heading", level=1)).to_have_text("代表建议办理结果公开")
    expect(page.get_by_test_id("result-count")).to_have_text("共 3 件答复")
    check(page, f"{viewport}-01-home")

    page.get_by_label("关键词").fill("成果转化")
    page.get_by_role("button", name="搜索").click()
    expect(page.get_by_test_id("result-count")).to_have_text("共 1 件答复")
    check(page, f"{viewport}-02-search")

    page.get_by_label("关键词").fill("😀")
    page.get_by_role("button", name="搜索").click()
    expect(page.get_by_test_id("query-error")).to_contain_text("搜索词")
    check(page, f"{viewport}-03-bad-query")

    page.get_by_test_id("reset").click()
    page.get_by_role("link", name="关于加强科技成果转化的建议").click()
    expect(page.get_by_test_id("published-on")).to_contain_text("公开日期")
    expect(page.get_by_test_id("download-pdf")).to_be_visible()
    check(page, f"{viewport}-04-reply")

    page.get_by_role("link", name="第1号建议").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("《关于加强科技成果转化的建议》")
    check(page, f"{viewport}-05-proposal")

    page.goto(f"{live_server.url}/public/replies/{published[Disclosure.SUMMARY].pk}/")
    expect(page.get_by_test_id("summary")).to_contain_text("激励机制已经建立")
    check(page, f"{viewport}-06-summary")

    page.goto(f"{live_server.url}/public/replies/{published[Disclosure.TITLE_ONLY].pk}/")
    expect(page.get_by_test_id("title-only")).to_be_visible()
    check(page, f"{viewport}-07-title-only")
