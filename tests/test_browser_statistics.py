"""In Chromium: the coordinator opens the statistics page (checked with axe-core), switches
session and back, follows a department's overdue figure to the proposal list, and downloads
the 办理情况汇总表."""

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from conftest import PASSWORD, make_session
from reports.tests import test_statistics_world as world
from reports.tests.test_statistics_world import day
from tests.browser import assert_accessible, sign_in

# the hand-checked session's fixtures, shared with the other statistics tests
build = world.build
department_c = world.department_c
stats_world = world.stats_world

pytestmark = pytest.mark.browser


@pytest.fixture
def two_sessions(transactional_db, stats_world, build, deputy, department_a):
    earlier = make_session(2, 2025)
    p = build.proposal(earlier, deputy)
    build.reply(build.assignment(p, department_a, assigned=day(-400), due=day(-300), replied=day(-310)), "A")
    return stats_world


def test_the_coordinator_reads_the_statistics_follows_a_figure_and_downloads_the_spreadsheet(
    page, live_server, two_sessions, coordinator
):
    world = two_sessions
    sign_in(page, live_server, coordinator.username, PASSWORD)
    page.get_by_role("link", name="统计", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("办理情况统计")
    expect(page.get_by_text("省十四届人大三次会议 · 统计日期")).to_be_visible()
    assert_accessible(page)

    # another session, then back
    page.get_by_label("会次", exact=True).select_option(label="省十四届人大二次会议")
    page.get_by_role("button", name="查看").click()
    expect(page.get_by_text("省十四届人大二次会议 · 统计日期")).to_be_visible()
    summary = page.get_by_role("region", name="全会次情况")
    expect(summary.get_by_role("row", name="交办数（件次）")).to_contain_text("1")
    page.get_by_label("会次", exact=True).select_option(label="省十四届人大三次会议")
    page.get_by_role("button", name="查看").click()
    expect(page.get_by_text("省十四届人大三次会议 · 统计日期")).to_be_visible()

    # 省科技厅 has one overdue assignment: its figure leads to that proposal
    departments = page.get_by_role("region", name="按承办单位统计")
    row = departments.get_by_role("row").filter(has_text="吉林省科学技术厅")
    row.locator("a.figure--alert").click()
    expect(page.get_by_role("link", name=world.p4.title)).to_be_visible()
    expect(page.get_by_role("link", name=world.p1.title)).to_have_count(0)
    page.go_back()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="下载办理情况汇总表（Excel）").click()
    download = download_info.value
    assert download.suggested_filename.startswith("省十四届人大三次会议办理情况汇总表")
    book = load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
    assert book.sheetnames == ["汇总", "承办单位", "分类", "代表团"]
