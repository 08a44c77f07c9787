"""In Chromium, on the demo data: a deputy drafts a proposal by pasting its text, corrects
the extracted suggestions, invites a co-signer who confirms, submits it, and the
coordinator registers it as 第1号."""

import pytest
from playwright.sync_api import expect

from proposals.demo import SEED_BODY, SEED_SUGGESTIONS
from proposals.models import Proposal
from tests.browser import sign_in_ok, sign_out

pytestmark = pytest.mark.browser
TITLE = "关于以科教资源优势带动吉林振兴的建议"


def test_a_proposal_goes_from_pasted_text_to_number_one(page, live_server, demo_data):
    sign_in_ok(page, live_server, "deputy")
    page.get_by_role("link", name="我的建议", exact=True).first.click()
    page.get_by_role("link", name="提出建议").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("提出建议")

    page.get_by_label("标题").fill(TITLE)
    body = page.locator("#id_body")
    body.fill(SEED_BODY)
    body.dispatch_event("paste")
    suggestions = page.locator("textarea[name=suggestion]")
    expect(suggestions).to_have_count(5)
    expect(page.get_by_role("status").filter(has_text="已从正文中提取 5 条建议")).to_be_visible()
    expect(suggestions.nth(0)).to_have_value(SEED_SUGGESTIONS[0])
    # The deputy corrects the result: rewords the third, moves the last up, removes the fourth.
    suggestions.nth(2).fill("聚焦人才，厚植科教优势转化的中坚力量。")
    page.locator(".suggestion-item").nth(4).get_by_role("button", name="上移").click()
    page.locator(".suggestion-item").nth(3).get_by_role("button", name="删除").click()
    expect(suggestions).to_have_count(4)
    page.get_by_label("分类").select_option(label="科技创新")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.get_by_text("草稿已保存。")).to_be_visible()

    proposal = Proposal.objects.get(title=TITLE)
    assert list(proposal.suggestions.values_list("text", flat=True)) == [
        SEED_SUGGESTIONS[0],
        SEED_SUGGESTIONS[1],
        "聚焦人才，厚植科教优势转化的中坚力量。",
        SEED_SUGGESTIONS[3],
    ]

    page.get_by_role("link", name="查看建议（联名、附件）").click()
    page.get_by_label("代表姓名").fill("刘晓梅")
    page.get_by_role("button", name="邀请联名").click()
    expect(page.get_by_text("已邀请刘晓梅代表联名，等待其确认。")).to_be_visible()
    sign_out(page)

    sign_in_ok(page, live_server, "deputy2")
    expect(page.get_by_role("heading", name="待确认的联名邀请")).to_be_visible()
    page.get_by_role("link", name=f"《{TITLE}》").click()
    page.get_by_role("button", name="确认联名").click()
    expect(page.get_by_text("已确认联名。")).to_be_visible()
    expect(page.locator(".signers")).to_have_text("王宇辉等2位代表")
    sign_out(page)

    sign_in_ok(page, live_server, "deputy")
    page.goto(f"{live_server.url}/proposals/{proposal.pk}/")
    page.get_by_role("button", name="提交", exact=True).click()
    expect(page.get_by_text("建议已提交，等待交办机构审查。")).to_be_visible()
    expect(page.locator(".status").first).to_have_text("待审查")
    sign_out(page)

    sign_in_ok(page, live_server, "coordinator")
    expect(page.get_by_role("heading", name="待审查的建议")).to_be_visible()
    page.get_by_role("link", name=TITLE).click()
    expect(page.locator(".signers")).to_have_text("王宇辉等2位代表")
    page.get_by_role("button", name="立案").click()
    expect(page.get_by_text("已立案，编号为第1号。")).to_be_visible()
    expect(page.locator(".number")).to_have_text("第1号")
