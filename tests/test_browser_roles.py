"""In Chromium: the security administrator makes a clerk the leader of another department
through 账号安全 → 变更角色 (三员分立); the clerk's open session ends. The page, with and without
errors, passes axe-core."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import AuditAction, AuditEntry, Department, Role, User
from conftest import PASSWORD, make_user
from tests.browser import assert_accessible, sign_in

pytestmark = pytest.mark.browser


def test_the_security_administrator_makes_a_clerk_the_leader_of_another_department(
    page, live_server, transactional_db, browser
):
    science = Department.objects.create(name="吉林省科学技术厅", short_name="省科技厅", doc_code="吉科发规划")
    Department.objects.create(name="吉林省教育厅", short_name="省教育厅", doc_code="吉教函")
    make_user("p_secadmin", Role.SECADMIN, full_name="钱芳")
    make_user("p_clerk", Role.CLERK, department=science, full_name="赵磊")
    theirs = browser.new_context(locale="zh-CN")
    their_page = theirs.new_page()
    sign_in(their_page, live_server, "p_clerk", PASSWORD)
    expect(their_page.get_by_role("heading", level=1)).to_have_text("您好，赵磊")

    sign_in(page, live_server, "p_secadmin", PASSWORD)
    page.get_by_role("link", name="账号安全").click()
    page.get_by_label("用户名或姓名").fill("赵磊")
    page.get_by_role("button", name="查找").click()
    page.get_by_role("link", name="变更角色：赵磊").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("变更角色：赵磊")
    expect(page.get_by_label("所属单位")).to_have_value(str(science.pk))  # pre-filled
    assert_accessible(page)

    page.get_by_label("新角色").select_option(label="单位负责人")
    page.get_by_label("所属单位").select_option(label="吉林省教育厅")
    page.get_by_role("button", name="确认变更").click()
    expect(page.get_by_text("请填写变更原因。")).to_be_visible()  # the choices are kept
    expect(page.get_by_label("新角色")).to_have_value("leader")
    assert_accessible(page)

    page.get_by_label("变更原因").fill("调任省教育厅负责人，依据人事任免通知")
    page.get_by_role("button", name="确认变更").click()
    expect(page.get_by_text("已将“赵磊”的角色由“承办人”变更为“单位负责人”，该用户须重新登录。")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="p_clerk")
    expect(row).to_contain_text("单位负责人")
    expect(row).to_contain_text("省教育厅")

    clerk = User.objects.get(username="p_clerk")
    assert (clerk.role, clerk.department.short_name) == (Role.LEADER, "省教育厅")
    entry = AuditEntry.objects.get(action=AuditAction.ROLE_CHANGED)
    assert entry.details["reason"] == "调任省教育厅负责人，依据人事任免通知"

    their_page.reload()
    expect(their_page).to_have_url(re.compile(r"/accounts/login/"))
    theirs.close()
