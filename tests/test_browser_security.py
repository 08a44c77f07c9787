"""In Chromium: a user with an initial password is sent to the password page at first sign-in,
sees why, changes it and reaches the home page; the security administrator's 强制下线 page.
Both pages pass axe-core."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Role, User
from conftest import PASSWORD, make_user
from tests.browser import assert_accessible, sign_in

pytestmark = pytest.mark.browser
NEW = "Fresh-start-2025"


def test_an_initial_password_is_changed_at_first_sign_in_and_the_user_reaches_home(page, live_server, transactional_db):
    make_user("p_newcomer", Role.COORDINATOR, full_name="周新")
    User.objects.filter(username="p_newcomer").update(must_change_password=True)  # as the admin leaves it
    sign_in(page, live_server, "p_newcomer", PASSWORD)
    expect(page).to_have_url(re.compile(r"/accounts/password/\?next=%2F$"))
    expect(page.get_by_role("alert")).to_contain_text("您正在使用管理员设置的初始密码")
    assert_accessible(page)
    page.get_by_role("link", name="首页").click()  # nothing else opens before the password is changed
    expect(page).to_have_url(re.compile(r"/accounts/password/"))
    page.get_by_label("原密码").fill(PASSWORD)
    page.get_by_label(re.compile(r"^新密码")).fill("abcdefghij")
    page.get_by_label("确认新密码").fill("abcdefghij")
    page.get_by_role("button", name="保存新密码").click()
    expect(page.get_by_text("密码须包含大写字母、小写字母、数字和符号四类中的至少 3 类。")).to_be_visible()
    page.get_by_label("原密码").fill(PASSWORD)
    page.get_by_label(re.compile(r"^新密码")).fill(NEW)
    page.get_by_label("确认新密码").fill(NEW)
    page.get_by_role("button", name="保存新密码").click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("您好，周新")
    expect(page.get_by_text("密码已修改。")).to_be_visible()


def test_the_security_administrator_forces_a_user_off(page, live_server, transactional_db, browser):
    make_user("p_secadmin", Role.SECADMIN, full_name="钱芳")
    make_user("p_coord", Role.COORDINATOR, full_name="李敏")
    victim = browser.new_context(locale="zh-CN")
    victim_page = victim.new_page()
    sign_in(victim_page, live_server, "p_coord", PASSWORD)
    expect(victim_page.get_by_role("heading", level=1)).to_have_text("您好，李敏")

    sign_in(page, live_server, "p_secadmin", PASSWORD)
    page.get_by_role("link", name="账号安全").click()
    page.get_by_label("用户名或姓名").fill("李敏")
    page.get_by_role("button", name="查找").click()
    assert_accessible(page)
    page.get_by_role("button", name="强制下线：李敏").click()
    expect(page.get_by_text("已强制“李敏”下线，该用户须重新登录。")).to_be_visible()
    expect(page.get_by_label("用户名或姓名")).to_have_value("李敏")  # back on the same search

    victim_page.reload()
    expect(victim_page).to_have_url(re.compile(r"/accounts/login/"))
    victim.close()
