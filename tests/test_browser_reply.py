"""In Chromium, on the demo data: the 科技厅 clerk drafts the reply to the seed proposal with
the real reply's section bodies and a contact record, the leader returns it once, the clerk
fixes it, the leader signs it, and both deputies of the joint proposal receive it."""

import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Deputy, User
from proposals import assigning, services
from proposals.assigning import PlanLine
from proposals.demo import SEED_TITLE
from proposals.models import Assignment, CoSigner, Proposal
from replies.tests.test_scaffold import HEADING, sample_lines
from tests.browser import sign_in_ok, sign_out

pytestmark = pytest.mark.browser


def seed_bodies():
    """The five section bodies and the thanks of the real reply."""
    lines = sample_lines()
    starts = [i for i, line in enumerate(lines) if HEADING.match(line)]
    thanks = next(i for i, line in enumerate(lines) if line.startswith("感谢"))
    bodies = ["\n".join(lines[s + 1 : e]) for s, e in zip(starts, [*starts[1:], thanks], strict=True)]
    return bodies, lines[thanks]


@pytest.fixture
def assigned_seed(demo_data):
    """The seed proposal, co-signed by deputy2, registered and assigned to 科技厅, signed for."""
    proposal = Proposal.objects.get(title=SEED_TITLE)
    coordinator = User.objects.get(username="coordinator")
    CoSigner.objects.create(
        proposal=proposal, deputy=Deputy.objects.get(user__username="deputy2"), status=CoSigner.Status.CONFIRMED
    )
    services.accept_proposal(proposal, coordinator)
    clerk = User.objects.get(username="clerk")
    assignment = assigning.assign_proposal(proposal, [PlanLine(clerk.department, Assignment.Mode.LEAD)], coordinator)[0]
    assigning.sign_for(assignment, clerk)
    return proposal


def section(page, n):
    return page.get_by_test_id(f"section-{n}")


def test_a_reply_is_drafted_returned_fixed_signed_and_received_by_both_deputies(page, live_server, assigned_seed):
    bodies, thanks = seed_bodies()
    number = f"吉科发规划〔{timezone.localdate().year}〕1号"

    sign_in_ok(page, live_server, "clerk")
    page.get_by_role("link", name="交办事项", exact=True).click()
    page.get_by_role("link", name=SEED_TITLE).click()
    page.get_by_role("button", name="起草答复").click()
    expect(page.get_by_label(re.compile(r"^标题"))).to_have_value("对省十四届人大三次会议第1号代表建议的答复")
    expect(page.get_by_label("主送")).to_have_value("王宇辉等2位代表：")
    expect(section(page, 1).get_by_label("小标题")).to_have_value(
        "关于“瞄准项目，确定科教资源优势的经济优势转化重点。”的建议"
    )
    expect(section(page, 5)).to_be_visible()
    for n, body in enumerate(bodies, 1):
        section(page, n).get_by_label("正文").fill(body)
    # the live preview follows the typing, laid out like the document
    expect(page.locator("#preview .h1").first).to_have_text(re.compile(r"^一、关于“瞄准项目"))
    expect(page.locator("#preview")).to_contain_text("2023年启动“吉林西部生态脆弱区功能提升与绿色发展”")
    page.get_by_label("结束语").fill(thanks)
    page.get_by_label("办理结果类别").select_option("B")
    page.get_by_test_id("save").click()
    expect(page.get_by_text("已保存。")).to_be_visible()
    # a B reply promises work: what and by when, tracked once signed
    commitments = page.get_by_test_id("commitments")
    commitments.get_by_label("承诺事项").fill("年内建成省科技成果转化服务平台")
    commitments.get_by_label("完成时限").fill(f"{timezone.localdate().year + 1}-06-30")
    commitments.get_by_role("button", name="添加承诺事项").click()
    expect(page.get_by_text("已添加承诺事项。")).to_be_visible()

    # sending for signing without a contact record is refused, with the reason
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("gate-failures")).to_contain_text("签发前须先与代表沟通，请添加沟通记录。")
    page.get_by_text("添加沟通记录", exact=True).click()
    page.get_by_label("沟通方式").select_option(label="电话")
    page.get_by_label("本单位参加人员").fill("赵磊、规划处负责同志")
    page.get_by_label("代表意见").fill("王宇辉代表希望进一步加强人才政策落实。")
    page.get_by_label("代表对拟答复意见").select_option(label="同意")
    page.get_by_role("button", name="保存沟通记录").click()
    expect(page.get_by_text("已记录沟通情况。")).to_be_visible()
    page.get_by_test_id("submit").click()
    expect(page.get_by_text("已送领导审核签发。")).to_be_visible()
    expect(page.get_by_test_id("reply-status")).to_have_text("待签发")
    sign_out(page)

    sign_in_ok(page, live_server, "leader")
    page.locator("section").filter(has_text="待签发的答复").get_by_role("link", name=re.compile(SEED_TITLE)).click()
    page.get_by_label("退回意见").fill("第三部分请补充人才培养的具体数字。")
    page.get_by_test_id("return").click()
    expect(page.get_by_text("已退回承办人修改。")).to_be_visible()
    sign_out(page)

    sign_in_ok(page, live_server, "clerk")
    page.locator("section").filter(has_text="退回修改的答复").get_by_role("link", name=re.compile(SEED_TITLE)).click()
    expect(page.get_by_test_id("comment")).to_contain_text("第三部分请补充人才培养的具体数字。")
    body = section(page, 3).get_by_label("正文")
    body.fill(body.input_value() + "\n三是人才培养成效明显，2023年全省培养研究生1.2万人。")
    page.get_by_test_id("submit").click()
    expect(page.get_by_text("已送领导审核签发。")).to_be_visible()
    sign_out(page)

    sign_in_ok(page, live_server, "leader")
    page.locator("section").filter(has_text="待签发的答复").get_by_role("link", name=re.compile(SEED_TITLE)).click()
    expect(page.locator(".official")).to_contain_text("2023年全省培养研究生1.2万人")
    page.get_by_test_id("sign").click()
    expect(page.get_by_text(f"已签发，文号{number}。")).to_be_visible()
    expect(page.get_by_test_id("reply-status")).to_have_text("已签发")
    sign_out(page)

    for username in ("deputy", "deputy2"):
        sign_in_ok(page, live_server, username)
        page.locator("section").filter(has_text="收到的答复").get_by_role("link", name=re.compile(SEED_TITLE)).click()
        document = page.locator(".official")
        expect(document.locator(".number")).to_have_text(number)
        expect(document.locator(".category")).to_have_text("B")
        expect(document.locator(".addressee")).to_have_text("王宇辉等2位代表：")
        expect(document).to_contain_text("五、关于“突出企业创新主体作用，构建创新联合体。”的建议")
        expect(document).to_contain_text("2023年全省培养研究生1.2万人")
        expect(document.locator(".signature-block")).to_contain_text("吉林省科学技术厅")
        expect(document).not_to_have_class(re.compile("official--draft"))
        if username == "deputy2":
            with page.expect_download() as pdf:
                page.get_by_test_id("download-pdf").click()
            assert pdf.value.suggested_filename == "省十四届人大三次会议-第1号-省科技厅.pdf"
            assert Path(pdf.value.path()).read_bytes().startswith(b"%PDF")
            with page.expect_download() as word:
                page.get_by_test_id("download-docx").click()
            assert word.value.suggested_filename.endswith(".docx")
        sign_out(page)
