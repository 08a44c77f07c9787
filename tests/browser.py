"""Steps the browser tests share."""

import re

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
