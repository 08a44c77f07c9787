"""In Chromium: the coordinator filters the proposal list (with a mistake first), follows the
pagination keeping the filter, exports the filtered rows to Excel, watches the progress bar
while the worker builds it, and downloads exactly those rows. axe-core checks the list with
its error message and the export page."""

import io
import re
import threading
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from accounts.tests.test_worker import run_worker_until_idle
from conftest import PASSWORD
from proposals.tests.conftest import registered
from tests.browser import assert_accessible, sign_in

pytestmark = pytest.mark.browser


def test_a_filtered_list_is_paged_and_exported_to_excel(
    page, live_server, job_queue, coordinator, session, deputy, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    registered(session, deputy, range(1, 41))
    sign_in(page, live_server, coordinator.username, PASSWORD)
    page.goto(f"{live_server.url}/proposals/")

    page.get_by_label("建议号从").fill("30")
    page.get_by_label("建议号到").fill("3")
    page.get_by_role("button", name="筛选").click()
    expect(page.get_by_role("alert")).to_contain_text("建议号“从”不能大于“到”。")
    assert_accessible(page)

    page.get_by_label("建议号从").fill("3")
    page.get_by_label("建议号到").fill("32")
    page.get_by_label("状态", exact=True).select_option(label="已立案")
    page.get_by_label("排序").select_option(label="建议号")
    page.get_by_role("button", name="筛选").click()
    expect(page.get_by_text("共 30 件")).to_be_visible()
    page.get_by_role("link", name="下一页").click()
    expect(page).to_have_url(re.compile(r"number_max=32.*page=2"))
    expect(page.get_by_label("建议号到")).to_have_value("32")
    expect(page.locator("tbody tr")).to_have_count(5)

    page.get_by_role("button", name="导出Excel").click()
    expect(page.get_by_text("已开始导出，完成后可在本页下载。")).to_be_visible()
    worker = threading.Thread(target=run_worker_until_idle)  # Playwright's event loop holds this thread
    worker.start()
    worker.join(timeout=120)
    expect(page.get_by_test_id("export-download")).to_be_visible(timeout=10_000)  # the page polls
    expect(page.locator("#export-progress")).to_contain_text("30 / 30 行")
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_test_id("export-download").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    assert [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)] == list(range(3, 33))
