"""In Chromium: every demo account signs in through the login form and lands on its own
Chinese home page."""

import pytest
from django.conf import settings
from playwright.sync_api import expect

from proposals.demo import ACCOUNTS
from tests.browser import sign_in, sign_out

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("username", "full_name", "role"), [(a[0], a[1], a[2]) for a in ACCOUNTS], ids=[a[0] for a in ACCOUNTS]
)
def test_each_demo_account_signs_in_and_sees_its_chinese_home_page(
    page, live_server, demo_data, username, full_name, role
):
    sign_in(page, live_server, username, settings.DEMO_PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"您好，{full_name}")
    expect(page.locator(".user-box")).to_contain_text(str(role.label))
    expect(page.get_by_role("heading", name="我的待办")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")


def test_a_wrong_password_shows_the_chinese_message_in_the_browser(page, live_server, demo_data):
    sign_in(page, live_server, "deputy", "wrong-password")
    expect(page.get_by_role("alert")).to_have_text("用户名或密码不正确，请重新输入。")
    expect(page.get_by_label("用户名")).to_have_value("deputy")


def test_the_deputy_sees_the_seed_proposal_and_can_sign_out(page, live_server, demo_data):
    sign_in(page, live_server, "deputy", settings.DEMO_PASSWORD)
    expect(page.get_by_text("关于充分发挥吉林省科教资源优势，创新引领吉林省振兴发展的建议")).to_be_visible()
    sign_out(page)


def test_a_user_can_switch_to_english_and_back(page, live_server, demo_data):
    sign_in(page, live_server, "coordinator", settings.DEMO_PASSWORD)
    page.get_by_label("语言").select_option("en")
    expect(page.get_by_role("heading", name="My to-do list")).to_be_visible()
    page.get_by_label("Language").select_option("zh-hans")
    expect(page.get_by_role("heading", name="我的待办")).to_be_visible()


def test_the_home_page_fits_a_phone_screen(page, live_server, demo_data):
    page.set_viewport_size({"width": 375, "height": 740})
    sign_in(page, live_server, "deputy", settings.DEMO_PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 375
