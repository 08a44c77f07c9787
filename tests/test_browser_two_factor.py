"""In Chromium: a coordinator, whose role must use two-factor sign-in, is sent to enrolment at
first sign-in, binds an authenticator from the key on the page, is shown the recovery codes, and
from then on signs in with the password and a code. Every page passes axe-core."""

import re

import pytest
from playwright.sync_api import expect

from accounts import two_factor
from accounts.models import Role
from conftest import PASSWORD, make_user
from tests.browser import assert_accessible, sign_in, sign_out

pytestmark = pytest.mark.browser


def test_a_coordinator_enrols_at_first_sign_in_and_then_signs_in_with_a_code(
    page, live_server, transactional_db, settings
):
    settings.TWO_FACTOR_REQUIRED_ROLES = ["coordinator", "leader", "auditor", "sysadmin"]
    make_user("p_coord2fa", Role.COORDINATOR, full_name="李敏")
    sign_in(page, live_server, "p_coord2fa", PASSWORD)
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/\?next=%2F$"))
    expect(page.get_by_role("alert")).to_contain_text("您的角色须启用双因素认证后才能继续使用系统")
    expect(page.locator(".qr-code svg")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="首页").click()  # nothing else opens before enrolment
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/"))
    secret = page.locator(".qr-code .secret").inner_text().replace(" ", "")
    page.get_by_label("验证码").fill(
        "000000" if two_factor.code_at(secret, two_factor.current_step()) != "000000" else "1"
    )
    page.get_by_role("button", name="启用双因素认证").click()
    expect(page.get_by_text("验证码不正确")).to_be_visible()
    page.get_by_label("验证码").fill(two_factor.code_at(secret, two_factor.current_step()))
    page.get_by_role("button", name="启用双因素认证").click()
    expect(page.get_by_text("双因素认证已启用。")).to_be_visible()
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    assert_accessible(page)
    page.get_by_role("link", name="我已保存，继续").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("您好，李敏")

    sign_out(page)
    sign_in(page, live_server, "p_coord2fa", PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("输入验证码")
    assert_accessible(page)
    page.get_by_label("验证码").fill("12345")
    page.get_by_role("button", name="验证并登录").click()
    expect(page.get_by_text("验证码不正确或已使用过")).to_be_visible()
    # The enrolment spent this step's code; the next step's is accepted (clock drift).
    page.get_by_label("验证码").fill(two_factor.code_at(secret, two_factor.current_step() + 1))
    page.get_by_role("button", name="验证并登录").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("您好，李敏")
