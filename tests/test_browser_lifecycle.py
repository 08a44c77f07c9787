"""The whole life of a proposal in Chromium, on the demo data, every step through the pages:
`deputy` submits with `deputy2` co-signing → `coordinator` registers it and assigns 科技厅
(lead) and 教育厅 (co-handler) → `clerk2`/`leader2` send their opinion → `clerk` records a
contact and drafts → `leader` signs → `deputy` is dissatisfied and says why → `coordinator`
orders re-handling → a second reply is signed → `deputy` and `deputy2` are satisfied → the
proposal shows 已办结 with its whole timeline.

Every page visited is checked with axe-core (vendored from the npm package, tests/vendor/)
against WCAG 2.1 A and AA, and photographed into test-artifacts/lifecycle/ (ignored by git)
so a person can look at every step."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from proposals.demo import SEED_BODY
from tests.browser import axe_violations, sign_in_ok, sign_out
from tests.test_browser_feedback import rate

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "lifecycle"

pytestmark = pytest.mark.browser
TITLE = "关于以科教资源优势带动吉林振兴的建议"


class Steps:
    def __init__(self, page):
        self.page, self.count = page, 0
        ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def check(self, name):
        """axe-core on the page as it is now, then a screenshot of it."""
        self.count += 1
        problems = axe_violations(self.page)
        self.page.screenshot(path=ARTIFACTS / f"{self.count:02d}-{name}.png", full_page=True)
        assert not problems, f"{name} ({self.page.url}): {problems}"


def open_proposal(page, live_server, username):
    sign_in_ok(page, live_server, username)
    page.goto(f"{live_server.url}/proposals/")  # deputies and the office list their proposals here
    page.get_by_role("link", name=TITLE).first.click()


def open_from_inbox(page):
    page.get_by_role("link", name="交办事项", exact=True).click()
    page.get_by_role("link", name=TITLE).click()


def write_sections(page, text):
    for n in range(1, 6):
        page.get_by_test_id(f"section-{n}").get_by_label("正文").fill(f"{text}（第{n}部分）。")


def test_the_whole_life_of_a_proposal(page, live_server, demo_data):
    steps = Steps(page)
    page.goto(f"{live_server.url}/accounts/login/")
    steps.check("login")

    # 1. the deputy drafts, invites a co-signer and submits
    sign_in_ok(page, live_server, "deputy")
    steps.check("deputy-home")
    page.get_by_role("link", name="我的建议", exact=True).first.click()
    page.get_by_role("link", name="提出建议").click()
    page.get_by_label("标题").fill(TITLE)
    body = page.locator("#id_body")
    body.fill(SEED_BODY)
    body.dispatch_event("paste")
    expect(page.locator("textarea[name=suggestion]")).to_have_count(5)
    page.get_by_label("分类").select_option(label="科技创新")
    steps.check("new-proposal")
    page.get_by_role("button", name="保存草稿").click()
    page.get_by_role("link", name="查看建议（联名、附件）").click()
    page.get_by_label("代表姓名").fill("刘晓梅")
    page.get_by_role("button", name="邀请联名").click()
    expect(page.get_by_text("已邀请刘晓梅代表联名，等待其确认。")).to_be_visible()
    steps.check("invited")
    sign_out(page)

    sign_in_ok(page, live_server, "deputy2")
    page.get_by_role("link", name=f"《{TITLE}》").click()
    page.get_by_role("button", name="确认联名").click()
    expect(page.get_by_text("已确认联名。")).to_be_visible()
    steps.check("cosigned")
    sign_out(page)

    open_proposal(page, live_server, "deputy")
    page.get_by_role("button", name="提交", exact=True).click()
    expect(page.get_by_text("建议已提交，等待交办机构审查。")).to_be_visible()
    steps.check("submitted")
    sign_out(page)

    # 2. the office registers and assigns it
    open_proposal(page, live_server, "coordinator")
    page.get_by_role("button", name="立案").click()
    expect(page.get_by_text("已立案，编号为第1号。")).to_be_visible()
    page.get_by_role("link", name="交办承办单位").click()
    page.get_by_label("第1个承办单位").select_option(label="吉林省科学技术厅")
    page.get_by_label("第1个办理方式").select_option(label="主办")
    page.get_by_label("第2个承办单位").select_option(label="吉林省教育厅")
    page.get_by_label("第2个办理方式").select_option(label="协办")
    steps.check("assign")
    page.get_by_role("button", name="确认交办").click()
    expect(page.get_by_text("已交办。")).to_be_visible()
    steps.check("assigned")
    sign_out(page)

    # 3. the co-handler's opinion
    sign_in_ok(page, live_server, "clerk2")
    open_from_inbox(page)
    page.get_by_role("button", name="签收").click()
    page.get_by_role("button", name="起草协办意见").click()
    write_sections(page, "我厅将配合做好人才培养相关工作")
    steps.check("opinion-draft")
    page.get_by_test_id("submit").click()
    expect(page.get_by_text("已送领导审核签发。")).to_be_visible()
    sign_out(page)
    sign_in_ok(page, live_server, "leader2")
    page.locator("section").filter(has_text="待签发的答复").get_by_role("link", name=re.compile(TITLE)).click()
    page.get_by_test_id("sign").click()
    expect(page.get_by_text(re.compile(r"已签发，文号吉教函〔\d{4}〕1号。"))).to_be_visible()
    steps.check("opinion-signed")
    sign_out(page)

    # 4. the lead drafts with a contact record; the leader signs
    def draft_and_sign(round_text):
        sign_in_ok(page, live_server, "clerk")
        open_from_inbox(page)
        page.get_by_role("button", name="签收").click()
        page.get_by_role("button", name="起草答复").click()
        page.get_by_text("添加沟通记录", exact=True).click()
        page.get_by_label("沟通方式").select_option(label="当面")
        page.get_by_label("本单位参加人员").fill("赵磊")
        page.get_by_label("代表意见").fill("代表希望增加具体措施。")
        page.get_by_label("代表对拟答复意见").select_option(label="同意")
        page.get_by_role("button", name="保存沟通记录").click()
        expect(page.get_by_text("已记录沟通情况。")).to_be_visible()
        write_sections(page, round_text)
        page.get_by_label("结束语").fill("感谢您对我省科技工作的关注与支持。")
        page.get_by_label("办理结果类别").select_option("A")
        steps.check("reply-draft")
        page.get_by_test_id("submit").click()
        expect(page.get_by_text("已送领导审核签发。")).to_be_visible()
        sign_out(page)
        sign_in_ok(page, live_server, "leader")
        page.locator("section").filter(has_text="待签发的答复").get_by_role("link", name=re.compile(TITLE)).click()
        steps.check("to-sign")
        page.get_by_test_id("sign").click()
        expect(page.get_by_text(re.compile(r"已签发，文号吉科发规划〔\d{4}〕\d+号。"))).to_be_visible()
        steps.check("reply-signed")
        sign_out(page)

    draft_and_sign("我厅已加快推进科技成果转化")

    # 5. the deputy is dissatisfied; the office orders re-handling
    sign_in_ok(page, live_server, "deputy")
    page.locator("section").filter(has_text="待反馈的答复").get_by_role("link", name=re.compile(TITLE)).click()
    rate(page, "满意", "不满意", "答复没有提出具体措施。")
    expect(page.get_by_text("已提交反馈意见，截止日期前可以修改。")).to_be_visible()
    steps.check("dissatisfied")
    sign_out(page)
    sign_in_ok(page, live_server, "coordinator")
    page.get_by_role("link", name="重新办理", exact=True).click()
    steps.check("rehandling-queue")
    page.get_by_role("link", name=TITLE).click()
    page.get_by_label("要求").fill("请逐条补充具体措施和时间安排。")
    steps.check("rehandling-decision")
    page.get_by_test_id("rehandle").click()
    expect(page.get_by_text(re.compile(r"已要求吉林省科学技术厅重新办理，期限"))).to_be_visible()
    sign_out(page)

    # 6. the second round, then both deputies are satisfied
    draft_and_sign("我厅将于年内出台三项具体措施")
    for username in ("deputy", "deputy2"):
        sign_in_ok(page, live_server, username)
        page.locator("section").filter(has_text="待反馈的答复").get_by_role("link", name=re.compile(TITLE)).click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("第2轮")
        rate(page, "满意", "满意")
        expect(page.get_by_text("已提交反馈意见，截止日期前可以修改。")).to_be_visible()
        sign_out(page)

    # 7. closed, with the whole story on the proposal page
    open_proposal(page, live_server, "deputy")
    expect(page.get_by_test_id("closed")).to_contain_text("已办结")
    timeline = page.locator(".timeline")
    for event in ("提交", "立案", "交办", "协办意见签发", "记录沟通", "答复签发", "代表反馈", "重新办理", "办结"):
        expect(timeline).to_contain_text(event)
    steps.check("closed")
