"""In Chromium, on the demo data: the coordinator registers and assigns the seed proposal
(科技厅 leads, 教育厅 co-handles), the 科技厅 clerk signs for it, the 教育厅 clerk asks for
reassignment, the coordinator refuses, and the dashboard counts it all."""

import re

import pytest
from playwright.sync_api import expect

from proposals.demo import SEED_TITLE
from tests.browser import sign_in_ok, sign_out

pytestmark = pytest.mark.browser


def test_assignment_sign_for_reassignment_request_and_refusal(page, live_server, demo_data):
    sign_in_ok(page, live_server, "coordinator")
    page.get_by_role("link", name=SEED_TITLE).click()
    page.get_by_role("button", name="立案").click()
    expect(page.get_by_text("已立案，编号为第1号。")).to_be_visible()
    page.get_by_role("link", name="交办承办单位").click()
    # The deputy hoped for 科技厅: the plan starts with it as the lead.
    expect(page.get_by_label("第1个承办单位")).to_have_value(re.compile(r"\d+"))
    page.get_by_label("第1个承办单位").select_option(label="吉林省科学技术厅")
    page.get_by_label("第1个办理方式").select_option(label="主办")
    page.get_by_label("第2个承办单位").select_option(label="吉林省教育厅")
    page.get_by_label("第2个办理方式").select_option(label="协办")
    page.get_by_role("button", name="确认交办").click()
    expect(page.get_by_text("已交办。")).to_be_visible()
    expect(page.locator(".status").first).to_have_text("已交办")
    sign_out(page)

    sign_in_ok(page, live_server, "clerk")
    expect(page.get_by_role("heading", name="待签收的交办")).to_be_visible()
    page.get_by_role("link", name=SEED_TITLE).click()
    page.get_by_role("button", name="签收").click()
    expect(page.get_by_text("已签收。")).to_be_visible()
    sign_out(page)

    sign_in_ok(page, live_server, "clerk2")
    page.get_by_role("link", name="交办事项", exact=True).click()
    page.get_by_role("link", name=SEED_TITLE).click()
    page.get_by_text(re.compile(r"申请调整（")).click()
    page.locator("details").filter(has_text="申请调整").get_by_label("理由").fill(
        "该事项主要涉及科技成果转化，不属于我厅职责。"
    )
    page.get_by_label("建议承办单位").select_option(label="吉林省工业和信息化厅")
    page.get_by_role("button", name="提交调整申请").click()
    expect(page.get_by_text("已提交调整申请，等待交办机构审批。")).to_be_visible()
    sign_out(page)

    sign_in_ok(page, live_server, "coordinator")
    page.get_by_role("link", name="调整与延期申请").first.click()
    expect(page.get_by_text("该事项主要涉及科技成果转化，不属于我厅职责。")).to_be_visible()
    page.get_by_label("不同意的理由").fill("人才培养等内容与你厅职责密切相关，请认真办理。")
    page.get_by_role("button", name="不同意", exact=True).click()
    expect(page.get_by_text("已答复不同意。")).to_be_visible()
    expect(page.get_by_text("没有待审批的申请。")).to_be_visible()

    page.get_by_role("link", name="督办看板").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("督办看板")
    tiles = page.locator(".tile")
    expect(tiles.filter(has_text="交办建议").locator(".tile__value")).to_have_text("1")
    expect(tiles.filter(has_text="未签收").locator(".tile__value")).to_have_text("1")  # 教育厅 has not signed
    expect(tiles.filter(has_text="办理中").locator(".tile__value")).to_have_text("1")  # 科技厅 signed
    expect(tiles.filter(has_text="逾期").first.locator(".tile__value")).to_have_text("0")
    science = page.locator("table tr").filter(has_text="吉林省科学技术厅")
    expect(science.locator("td").first).to_have_text("1")
