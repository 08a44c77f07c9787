"""In Chromium, on the demo data: the coordinator imports the real reply of 2024 (the seed
reply) as a historical reply of 第53号, reads it, and exports the session's archive, which
the worker builds while the page shows its progress."""

import io
import threading
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from accounts.tests.test_worker import run_worker_until_idle
from proposals.demo import SEED_TITLE
from proposals.models import Proposal
from tests.browser import sign_in_ok

pytestmark = pytest.mark.browser
SEED = Path(__file__).resolve().parents[1] / "replies" / "tests" / "data" / "seed-reply-jilin-2024-56.txt"


def test_a_historical_reply_is_imported_and_exported_in_the_archive(
    page, live_server, demo_data, job_queue, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    Proposal.objects.filter(title=SEED_TITLE).update(status="accepted", number=53)
    sign_in_ok(page, live_server, "coordinator")
    page.get_by_role("link", name="历史答复导入").click()
    page.get_by_label("答复文件").set_input_files(
        files=[{"name": "答复.txt", "mimeType": "text/plain", "buffer": SEED.read_bytes()}]
    )
    page.get_by_role("button", name="识别").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("确认识别结果")
    expect(page.get_by_label("文号")).to_have_value("吉科发规划〔2024〕56号")
    expect(page.get_by_label("建议号")).to_have_value("53")
    expect(page.get_by_label("答复日期")).to_have_value("2024-05-14")
    expect(page.get_by_label("答复单位")).to_have_value(str(_science_pk()))
    page.get_by_label("办理结果类别").select_option("B")
    page.get_by_test_id("import-save").click()
    expect(page.get_by_text("已导入历史答复。")).to_be_visible()
    document = page.locator(".official")
    expect(document.locator(".number")).to_have_text("吉科发规划〔2024〕56号")
    expect(document).to_contain_text("五、关于“突出企业创新主体作用，构建创新联合体。”的建议")

    page.get_by_role("link", name="答复", exact=True).click()
    page.get_by_label("会次").select_option(label="省十四届人大三次会议")
    page.get_by_role("button", name="筛选").click()
    page.get_by_role("link", name="导出归档（PDF 和 Word）").click()
    expect(page.get_by_label("会次")).to_have_value(str(Proposal.objects.get(number=53).session_id))
    page.get_by_role("button", name="生成归档").click()
    expect(page.get_by_text("已开始生成归档，完成后可在本页下载。")).to_be_visible()
    # the worker in its own thread: Playwright's event loop holds this one
    worker = threading.Thread(target=run_worker_until_idle)
    worker.start()
    worker.join(timeout=120)
    expect(page.get_by_test_id("archive-download")).to_be_visible(timeout=10_000)  # the page polls
    with page.expect_download() as download:
        page.get_by_test_id("archive-download").click()
    names = zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes())).namelist()
    assert sorted(names) == ["省十四届人大三次会议-第53号-省科技厅.docx", "省十四届人大三次会议-第53号-省科技厅.pdf"]


def _science_pk():
    from accounts.models import Department

    return Department.objects.get(short_name="省科技厅").pk
