"""In Chromium, on the demo data: the coordinators' set-up pages (sessions, categories, the
work calendar), paper entry and spreadsheet import, returning a proposal for revision,
attachments, extension requests, bulk assignment, key supervision and the department inbox.
Each test signs in through the login form and clicks through the pages as a user would; set-up
already covered by other browser tests (registering, assigning) is done through the services."""

import datetime
import io
import re

import openpyxl
import pytest
from playwright.sync_api import expect

from accounts.models import Department, Deputy, Notification, User
from proposals import assigning, services
from proposals.assigning import PlanLine
from proposals.calendar_seed import package_days
from proposals.demo import SEED_TITLE, SESSION_NAME
from proposals.models import (
    Assignment,
    Attachment,
    Category,
    ImportBatch,
    Proposal,
    Session,
    WorkCalendarDay,
)
from tests.browser import sign_in_ok, sign_out

pytestmark = pytest.mark.browser

SCIENCE = "吉林省科学技术厅"
EDUCATION = "吉林省教育厅"
SECOND_TITLE = "关于加快黑土地保护利用的建议"
LEAD, COHANDLER = Assignment.Mode.LEAD, Assignment.Mode.COHANDLER


# --- set-up through the services (the UI for these is covered elsewhere) --------------------------


def user(username):
    return User.objects.get(username=username)


def seed_proposal():
    return Proposal.objects.get(title=SEED_TITLE)


def second_proposal(title=SECOND_TITLE):
    """A paper proposal by 张建国, waiting for review."""
    return services.enter_on_behalf(
        actor=user("coordinator"),
        deputy=Deputy.objects.get(user__username="deputy3"),
        session=Session.objects.get(name=SESSION_NAME),
        data={
            "title": title,
            "body": "黑土地是耕地中的大熊猫，近年来黑土层变薄、有机质下降。",
            "category": Category.objects.get(name="农业农村"),
            "hoped_departments": [],
            "agrees_to_publish": True,
        },
        suggestions=["实施黑土地保护性耕作。", "建立黑土地质量监测网络。"],
    )


def register(proposal):
    return services.accept_proposal(proposal, user("coordinator"))


def assign_to(proposal, *plan):
    """plan: (department name, mode) pairs; the assignments made, in the plan's order."""
    lines = [PlanLine(Department.objects.get(name=name), mode) for name, mode in plan]
    return assigning.assign_proposal(proposal, lines, user("coordinator"))


def xlsx(headers, rows):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h, "") for h in headers])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- 1. sessions and categories ---------------------------------------------------------------------


def test_coordinator_creates_a_session_and_a_category(page, live_server, demo_data):
    sign_in_ok(page, live_server, "coordinator")
    page.get_by_role("link", name="会次与分类").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("会次管理")
    page.get_by_role("link", name="新建会次").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("新建会次")

    page.get_by_label("会议全称").fill("省十四届人大四次会议")
    page.get_by_label("人大层级").select_option(label="省级")
    page.get_by_label(re.compile(r"^届")).fill("14")
    page.get_by_label(re.compile(r"^次")).fill("4")
    page.get_by_label("提出时段").select_option(label="大会期间")
    page.get_by_label("开幕日期").fill("2027-01-20")
    page.get_by_label("闭幕日期").fill("2027-01-24")
    page.get_by_label("建议提交截止时间").fill("2027-01-23T18:00")
    page.get_by_role("button", name="保存").click()

    expect(page.get_by_text("已创建会次“省十四届人大四次会议”。")).to_be_visible()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name="省十四届人大四次会议"))
    expect(row).to_contain_text("2027-01-20 — 2027-01-24")
    expect(row).to_contain_text("2027-01-23 18:00")
    expect(row).to_contain_text("3个月")  # the default deadline policy
    session = Session.objects.get(name="省十四届人大四次会议")
    assert (session.term, session.session_no, session.level) == (14, 4, "provincial")

    page.get_by_role("link", name="建议分类").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("建议分类")
    page.get_by_label("名称").fill("生态文明")
    page.get_by_role("button", name="添加").click()
    expect(page.get_by_text("已添加分类“生态文明”。")).to_be_visible()
    expect(page.get_by_role("heading", name="生态文明")).to_be_visible()

    page.get_by_label("名称").fill("绿色低碳")
    page.get_by_label("所属方面").select_option(label="生态文明")
    page.get_by_role("button", name="添加").click()
    expect(page.get_by_text("已添加分类“绿色低碳”。")).to_be_visible()
    aspect = page.get_by_role("heading", name="生态文明")
    expect(aspect.locator("xpath=following-sibling::ul[1]")).to_have_text("绿色低碳")
    assert Category.objects.get(name="绿色低碳").parent.name == "生态文明"


# --- 2. a paper proposal keyed in by the office -----------------------------------------------------


def test_coordinator_enters_a_paper_proposal_for_a_deputy(page, live_server, demo_data):
    sign_in_ok(page, live_server, "coordinator")
    page.get_by_role("link", name="建议", exact=True).click()
    page.get_by_role("link", name="代录纸质建议").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("代录纸质建议")
    page.wait_for_load_state()  # the suggestion list's buttons work once its deferred script has run

    expect(page.get_by_label("会次")).to_have_value(str(Session.objects.get(name=SESSION_NAME).pk))
    page.get_by_label("领衔代表").select_option(label="张建国（延边代表团）")
    page.get_by_label("标题").fill(SECOND_TITLE)
    page.get_by_label("正文").fill("黑土地是耕地中的大熊猫，近年来黑土层变薄、有机质下降。")
    page.get_by_label("第1条建议").fill("实施黑土地保护性耕作。")
    page.get_by_role("button", name="增加一条建议").click()
    page.get_by_label("第2条建议").fill("建立黑土地质量监测网络。")
    page.get_by_label("分类").select_option(label="农业农村")
    page.get_by_label("吉林省科学技术厅").check()
    page.get_by_role("button", name="录入并提交审查").click()

    expect(page.get_by_text("已代录建议，进入待审查队列。")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"《{SECOND_TITLE}》")
    expect(page.locator(".status").first).to_have_text("待审查")
    expect(page.locator(".signers")).to_have_text("张建国")
    expect(page.locator(".suggestions li")).to_have_text(["实施黑土地保护性耕作。", "建立黑土地质量监测网络。"])
    timeline = page.locator(".timeline li")
    expect(timeline).to_have_count(1)
    expect(timeline.first).to_contain_text("工作人员代录")
    expect(timeline.first).to_contain_text("李敏")
    expect(timeline.first).to_contain_text("根据代表纸质建议录入")

    page.get_by_role("link", name="首页").click()
    queue = page.locator("section").filter(has=page.get_by_role("heading", name="待审查的建议"))
    expect(queue.get_by_role("link", name=SECOND_TITLE)).to_be_visible()

    proposal = Proposal.objects.get(title=SECOND_TITLE)
    assert proposal.lead_deputy.user.username == "deputy3"
    assert proposal.channel == Proposal.Channel.PAPER
    assert proposal.created_by.username == "coordinator"
    assert list(proposal.hoped_departments.values_list("name", flat=True)) == [SCIENCE]


# --- 3. spreadsheet import -----------------------------------------------------------------------------


def test_coordinator_imports_proposals_from_a_spreadsheet(page, live_server, demo_data, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    sign_in_ok(page, live_server, "coordinator")
    page.get_by_role("link", name="建议", exact=True).click()
    page.get_by_role("link", name="表格导入").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("表格导入建议")

    with page.expect_download() as info:
        page.get_by_role("link", name="下载导入模板").click()
    download = info.value
    assert download.suggested_filename == "建议导入模板.xlsx"
    with open(download.path(), "rb") as saved:  # saved without an extension, which openpyxl wants
        template = openpyxl.load_workbook(saved)
    headers = [c.value for c in template.worksheets[0][1]]
    assert {"会次", "领衔代表", "标题", "正文", "具体建议", "分类", "外部编号"} <= set(headers)

    def row(n, lead, title):
        return {
            "会次": SESSION_NAME,
            "领衔代表": lead,
            "联名代表": "",
            "标题": title,
            "正文": "说明问题和理由。",
            "具体建议": "1. 第一条建议。\n2. 第二条建议。",
            "分类": "社会事业/教育",
            "希望承办单位": "省教育厅",
            "外部编号": f"2024-10{n}",
            "同意公开": "是",
        }

    good_rows = [
        row(1, "刘晓梅（吉林市代表团）", "关于推进职业教育产教融合的建议"),
        row(2, "张建国", "关于加强乡村学校教师队伍建设的建议"),
    ]
    bad_rows = [good_rows[0], row(2, "赵无名", "关于加强乡村学校教师队伍建设的建议")]
    before = Proposal.objects.count()
    upload = page.get_by_label("Excel 文件（.xlsx）")

    upload.set_input_files(files=[{"name": "第一批.xlsx", "mimeType": XLSX, "buffer": xlsx(headers, bad_rows)}])
    page.get_by_role("button", name="上传并导入").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("导入：第一批.xlsx")
    expect(page.get_by_text("发现 1 处问题，没有导入任何建议。请修改表格后重新上传。")).to_be_visible()
    errors = page.locator("#errors tbody tr")
    expect(errors).to_have_count(1)
    expect(errors.locator("td")).to_have_text(["第3行", "领衔代表", "没有找到名为“赵无名”的在任代表。"])
    assert Proposal.objects.count() == before

    page.get_by_role("link", name="返回表格导入").click()
    upload.set_input_files(files=[{"name": "第一批（改）.xlsx", "mimeType": XLSX, "buffer": xlsx(headers, good_rows)}])
    page.get_by_role("button", name="上传并导入").click()
    expect(page.get_by_text("已导入 2 件，0 件已存在未变。")).to_be_visible()
    page.get_by_role("link", name="查看建议列表").click()
    expect(page.get_by_role("link", name="关于推进职业教育产教融合的建议")).to_be_visible()
    expect(page.get_by_role("link", name="关于加强乡村学校教师队伍建设的建议")).to_be_visible()

    assert Proposal.objects.count() == before + 2
    imported = Proposal.objects.get(external_number="2024-102")
    assert imported.channel == Proposal.Channel.IMPORT
    assert imported.status == Proposal.Status.SUBMITTED
    assert imported.lead_deputy.name == "张建国"
    assert [b.status for b in ImportBatch.objects.order_by("id")] == ["invalid", "done"]


# --- 4. returned for revision, edited, resubmitted, registered ---------------------------------------


def test_a_returned_proposal_is_revised_resubmitted_and_registered(page, live_server, demo_data):
    message = "请补充近三年科技成果省内转化率的数据。"
    sign_in_ok(page, live_server, "coordinator")
    page.get_by_role("link", name=SEED_TITLE).click()
    page.get_by_text("退回修改", exact=True).click()
    page.get_by_label("修改意见").fill(message)
    page.get_by_role("button", name="退回代表修改").click()
    expect(page.get_by_text("已退回代表修改完善。")).to_be_visible()
    expect(page.locator(".status").first).to_have_text("退回修改")
    sign_out(page)

    sign_in_ok(page, live_server, "deputy")
    page.get_by_role("link", name="我的建议", exact=True).first.click()
    page.get_by_role("link", name=SEED_TITLE).click()
    expect(page.get_by_text(f"修改意见：{message}")).to_be_visible()
    page.get_by_role("link", name="修改", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("修改建议")
    page.wait_for_load_state()  # the suggestion list's buttons work once its deferred script has run
    expect(page.get_by_text(f"交办机构的修改意见：{message}")).to_be_visible()
    body = page.get_by_label("正文")
    body.fill(body.input_value() + "\n2021年至2023年，省内高校科技成果省内转化率分别为31%、34%和38%。")
    page.get_by_role("button", name="增加一条建议").click()
    page.get_by_label("第6条建议").fill("建立科技成果省内转化率年度统计制度。")
    page.get_by_role("button", name="提交", exact=True).click()
    expect(page.get_by_text("建议已提交，等待交办机构审查。")).to_be_visible()
    expect(page.locator(".status").first).to_have_text("待审查")
    expect(page.locator(".suggestions li")).to_have_count(6)
    sign_out(page)

    sign_in_ok(page, live_server, "coordinator")
    page.get_by_role("link", name=SEED_TITLE).click()
    expect(page.get_by_text("省内转化率分别为31%、34%和38%")).to_be_visible()
    page.get_by_role("button", name="立案").click()
    expect(page.get_by_text("已立案，编号为第1号。")).to_be_visible()
    proposal = seed_proposal()
    assert (proposal.status, proposal.number, proposal.review_message) == ("accepted", 1, "")
    assert proposal.suggestions.count() == 6


# --- 5. attachments ----------------------------------------------------------------------------------


def test_deputy_uploads_a_pdf_and_a_fake_pdf_is_refused(page, live_server, demo_data, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    # Attachments can be changed while the proposal is editable: a returned one will do.
    services.return_for_revision(seed_proposal(), user("coordinator"), "请附上调研报告。")
    pdf = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"

    sign_in_ok(page, live_server, "deputy")
    page.get_by_role("link", name="我的建议", exact=True).first.click()
    page.get_by_role("link", name=SEED_TITLE).click()
    attachments = page.locator("section").filter(has=page.get_by_role("heading", name="附件", exact=True))
    expect(attachments.get_by_role("listitem")).to_have_text("无")

    page.get_by_label("附件").set_input_files(
        files=[{"name": "调研报告.pdf", "mimeType": "application/pdf", "buffer": pdf}]
    )
    page.get_by_role("button", name="上传", exact=True).click()
    expect(page.get_by_text("已上传附件“调研报告.pdf”。")).to_be_visible()
    expect(attachments.get_by_role("link", name="调研报告.pdf")).to_be_visible()
    expect(page.locator(".timeline")).to_contain_text("上传附件")

    fake = b"<!doctype html><html><body>x</body></html>"
    page.get_by_label("附件").set_input_files(
        files=[{"name": "假文件.pdf", "mimeType": "application/pdf", "buffer": fake}]
    )
    page.get_by_role("button", name="上传", exact=True).click()
    expect(
        page.get_by_text("只能上传 PDF、DOCX、XLSX、JPG、PNG 格式的文件，“假文件.pdf”的内容不是这些格式。")
    ).to_be_visible()
    expect(attachments.get_by_role("link")).to_have_count(1)
    assert list(Attachment.objects.values_list("original_name", "kind")) == [("调研报告.pdf", "pdf")]


# --- 6. extension -------------------------------------------------------------------------------------


def test_clerk_asks_for_an_extension_the_coordinator_approves_and_the_deputy_is_told(page, live_server, demo_data):
    proposal = register(seed_proposal())
    [assignment] = assign_to(proposal, (SCIENCE, LEAD))
    until = assignment.reply_due + datetime.timedelta(days=30)
    reason = "涉及多个厅局的数据会商，需延长办理时间。"

    sign_in_ok(page, live_server, "clerk")
    page.get_by_role("link", name="交办事项", exact=True).click()
    page.get_by_role("link", name=SEED_TITLE).click()
    extension = page.locator("details").filter(has_text="申请延期")
    extension.get_by_text("申请延期").click()
    extension.get_by_label("理由").fill(reason)
    extension.get_by_label("延期至").fill(until.isoformat())
    extension.get_by_role("button", name="提交延期申请").click()
    expect(page.get_by_text("已提交延期申请，等待交办机构审批。")).to_be_visible()
    expect(page.get_by_text("申请延期 · 待审批")).to_be_visible()
    sign_out(page)

    sign_in_ok(page, live_server, "coordinator")
    page.get_by_role("link", name="调整与延期申请").first.click()
    card = page.locator("section.card").filter(has_text=SCIENCE)
    expect(card).to_contain_text(reason)
    expect(card).to_contain_text(f"申请延至 {until.isoformat()}")
    card.get_by_role("button", name="同意", exact=True).click()
    expect(page.get_by_text("已同意。")).to_be_visible()
    expect(page.get_by_text("没有待审批的申请。")).to_be_visible()
    sign_out(page)

    assignment.refresh_from_db()
    assert assignment.reply_due == until
    deputy = user("deputy")
    unread = Notification.objects.filter(user=deputy).unread().count()
    sign_in_ok(page, live_server, "deputy")
    header_link = page.locator(".notifications-link")
    expect(header_link.locator(".count")).to_have_text(str(unread))
    page.get_by_role("link", name=re.compile(r"^通知")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("通知")
    date_text = f"{until.year}年{until.month}月{until.day}日"
    expect(page.locator(".notification-list li").first).to_contain_text(
        f"《{SEED_TITLE}》的答复期限已延至{date_text}。"
    )


# --- 7. the work calendar ------------------------------------------------------------------------------


def test_coordinator_edits_a_day_and_imports_next_years_calendar(page, live_server, demo_data):
    # The migration seeds the official calendar, but a transactional test's flush empties the
    # table: make this year whole again so that only next year is missing.
    WorkCalendarDay.objects.bulk_create(
        [WorkCalendarDay(date=d, is_workday=w, name=n) for d, w, n in package_days([2026])],
        ignore_conflicts=True,
    )
    WorkCalendarDay.objects.filter(date__year=2027).delete()

    sign_in_ok(page, live_server, "coordinator")
    banner = page.locator(".message--warning")
    expect(banner).to_contain_text("2027年的工作日历尚未录入")
    page.get_by_role("link", name="工作日历", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("2026年工作日历")

    page.get_by_title("2026-12-31 · 工作日").click()  # brings the day into the form
    expect(page.get_by_label("日期")).to_have_value("2026-12-31")
    expect(page.get_by_label("类型")).to_have_value("1")
    page.get_by_label("类型").select_option(label="休息日（放假）")
    page.get_by_label("名称").fill("年终盘点休息")
    page.get_by_role("button", name="保存这一天").click()
    expect(page.get_by_text("已保存：将2026-12-31设为休息日（年终盘点休息）。重新计算了0个交办期限。")).to_be_visible()
    december = page.locator(".cal-month").filter(has=page.get_by_text("12月", exact=True))
    expect(december.locator(".cal-month__names")).to_contain_text("31日 年终盘点休息")
    expect(page.get_by_title("2026-12-31 · 休息日 · 年终盘点休息")).to_contain_text("休")
    changes = page.locator("section").filter(has=page.get_by_role("columnheader", name="修改天数"))
    expect(changes.locator("tbody tr").first).to_contain_text("将2026-12-31设为休息日（年终盘点休息）")
    expect(changes.locator("tbody tr").first).to_contain_text("李敏")

    csv = "日期,是否工作日,名称\n2027-01-01,否,元旦\n2027-02-06,是,春节调休上班\n2027-02-08,否,春节\n"
    page.get_by_label("日历文件（.xlsx 或 CSV）").set_input_files(
        files=[{"name": "2027年节假日.csv", "mimeType": "text/csv", "buffer": csv.encode()}]
    )
    page.get_by_role("button", name="上传并导入").click()
    expect(page.get_by_text("导入2027年工作日历：节假日2天，调休上班1天。重新计算了0个交办期限。")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("2027年工作日历")
    expect(page.get_by_text("2027年的工作日历已录入。")).to_be_visible()
    expect(banner).to_have_count(0)
    expect(changes.locator("tbody tr").first).to_contain_text("导入2027年工作日历")

    assert WorkCalendarDay.objects.filter(date__year=2027).count() == 365
    feb6 = WorkCalendarDay.objects.get(date=datetime.date(2027, 2, 6))
    assert (feb6.is_workday, feb6.name) == (True, "春节调休上班")


# --- 8. bulk assignment ----------------------------------------------------------------------------


def test_coordinator_assigns_two_registered_proposals_at_once(page, live_server, demo_data):
    register(seed_proposal())
    register(second_proposal())
    second_proposal("关于支持冰雪旅游发展的建议")  # not registered: it cannot be ticked

    sign_in_ok(page, live_server, "coordinator")
    page.get_by_role("link", name="建议", exact=True).click()
    expect(page.get_by_text("共 3 件")).to_be_visible()
    page.get_by_label("状态", exact=True).select_option(label="已立案")
    page.get_by_role("button", name="筛选").click()
    expect(page.get_by_text("共 2 件")).to_be_visible()
    page.get_by_label("选择第1号").check()
    page.get_by_label("选择第2号").check()
    page.get_by_role("button", name="交办所选建议").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("批量交办 2 件建议")
    page.get_by_label("第1个承办单位").select_option(label=SCIENCE)
    page.get_by_label("第1个办理方式").select_option(label="主办")
    page.get_by_role("button", name="确认交办").click()
    expect(page.get_by_text("已交办2件建议。")).to_be_visible()

    assigned = Proposal.objects.filter(status=Proposal.Status.ASSIGNED)
    assert sorted(assigned.values_list("number", flat=True)) == [1, 2]
    assert set(Assignment.objects.values_list("department__name", "mode")) == {(SCIENCE, "lead")}
    assert Assignment.objects.count() == 2


# --- 9. key supervision ---------------------------------------------------------------------------------


def test_coordinator_marks_a_proposal_for_key_supervision_and_filters_by_it(page, live_server, demo_data):
    assign_to(register(seed_proposal()), (SCIENCE, LEAD))
    assign_to(register(second_proposal()), (EDUCATION, LEAD))

    sign_in_ok(page, live_server, "coordinator")
    page.get_by_role("link", name="建议", exact=True).click()
    page.get_by_role("link", name=SEED_TITLE).click()
    page.get_by_label("列为重点督办建议").check()
    page.get_by_label("督办领导").fill("省人大常委会王副主任")
    page.get_by_label("督办说明").fill("主任会议确定的重点督办建议。")
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_text("已列为重点督办。")).to_be_visible()
    expect(page.get_by_text("督办领导：省人大常委会王副主任")).to_be_visible()
    expect(page.locator(".timeline")).to_contain_text("列为重点督办")

    page.get_by_role("link", name="建议", exact=True).click()
    expect(page.get_by_text("共 2 件")).to_be_visible()
    page.get_by_text("更多筛选条件").click()
    page.get_by_label("重点督办").select_option(label="是")
    page.get_by_role("button", name="筛选").click()
    expect(page.get_by_text("共 1 件")).to_be_visible()
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.get_by_role("link", name=SEED_TITLE)).to_be_visible()
    expect(rows.locator(".status--key")).to_have_text("重点督办")

    proposal = seed_proposal()
    assert (proposal.is_key, proposal.supervising_leader) == (True, "省人大常委会王副主任")


# --- 10. the department's inbox --------------------------------------------------------------------------


def test_clerk_filters_the_inbox_by_tracking_state(page, live_server, demo_data):
    # 科技厅 leads the seed proposal and has signed for it; it co-handles the second, unsigned.
    [lead] = assign_to(register(seed_proposal()), (SCIENCE, LEAD))
    assign_to(register(second_proposal()), (EDUCATION, LEAD), (SCIENCE, COHANDLER))
    assigning.sign_for(lead, user("clerk"))

    sign_in_ok(page, live_server, "clerk")
    page.get_by_role("link", name="交办事项", exact=True).click()
    expect(page.get_by_text("共 2 件")).to_be_visible()
    rows = page.locator("table tbody tr")

    page.get_by_label("办理状态").select_option(label="未签收")
    page.get_by_role("button", name="筛选").click()
    expect(page.get_by_text("共 1 件")).to_be_visible()
    expect(rows).to_have_count(1)
    expect(rows.get_by_role("link", name=SECOND_TITLE)).to_be_visible()
    expect(rows.locator(".state")).to_have_text("未签收")
    expect(page.get_by_label("办理状态")).to_have_value("unsigned")

    page.get_by_label("办理状态").select_option(label="办理中")
    page.get_by_role("button", name="筛选").click()
    expect(rows).to_have_count(1)
    expect(rows.get_by_role("link", name=SEED_TITLE)).to_be_visible()
    expect(rows.locator(".state")).to_have_text("办理中")

    page.get_by_label("办理状态").select_option(label="逾期")
    page.get_by_role("button", name="筛选").click()
    expect(page.get_by_text("没有符合条件的交办事项。")).to_be_visible()
