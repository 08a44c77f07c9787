"""Every text a user typed is shown escaped (issue 9, item 8): one world where every typed field
holds a script, an image with an `onerror` handler, quotes and an ampersand; every page that
shows those objects, to every persona who reads them, shows the payload as inert text; the
documents (DOCX, PDF, Excel) carry it as literal text."""

import datetime
import io

import docx
import openpyxl
import pdfplumber
import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditAction, AuditEntry, Deputy, Notification
from proposals import assigning, services
from proposals.assigning import PlanLine
from proposals.models import Assignment
from replies import feedback, followup
from replies import services as reply_services
from replies.models import ContactRecord, Feedback, Snippet
from replies.tests.conftest import fill, reload
from reports import exports
from reports.models import ListExport

SCRIPT = "<script>alert(1)</script>"
IMAGE = "<img src=x onerror=alert(2)>"
PAYLOAD = f"{SCRIPT}{IMAGE}\"'&"
# What an escaping template makes of the payload's markup.
ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"


def typed(label):
    """A field's text: something Chinese to recognise it by (and to search for), then the payload."""
    return f"{label}{PAYLOAD}"


def fit(label, max_length):
    """The fullest typed text a field of `max_length` characters holds (always the script)."""
    tail = "\"'&"
    candidates = (typed(label), f"{label}{SCRIPT}{tail}", f"{SCRIPT}{tail}", SCRIPT)
    return next(text for text in candidates if len(text) <= max_length)


@pytest.fixture
def world(deputy, clerk_a, leader_a, clerk_b, coordinator, auditor, session, category, department_a):
    # who and where
    deputy.full_name = fit("王宇辉", 50)
    deputy.save()
    Deputy.objects.filter(user=deputy).update(name=fit("王宇辉", 50))
    delegation = deputy.deputy.delegation
    delegation.name = fit("长春代表团", 50)
    delegation.save()
    department_a.name, department_a.short_name = typed("吉林省科学技术厅"), fit("科技厅", 30)
    department_a.save()
    session.name = fit("省十四届人大三次会议", 60)
    session.contact_required = False
    session.save()
    category.name = fit("科技创新", 40)
    category.save()
    category.parent.name = fit("经济建设", 40)
    category.parent.save()
    deputy.refresh_from_db()
    clerk_a.refresh_from_db()
    leader_a.refresh_from_db()

    # the proposal, registered and assigned to department A
    proposal = services.save_draft(
        actor=deputy,
        session=session,
        data={
            "title": typed("关于科技成果转化的建议"),
            "body": typed("科技成果转化率不高。"),
            "category": category,
            "hoped_departments": [],
            "agrees_to_publish": True,
        },
        suggestions=[typed("加强平台建设。"), typed("完善激励机制。")],
    )
    services.submit_proposal(proposal, deputy)
    services.accept_proposal(proposal, coordinator)
    lead = assigning.assign_proposal(proposal, [PlanLine(clerk_a.department, Assignment.Mode.LEAD)], coordinator)[0]
    assigning.sign_for(lead, clerk_a)
    reply_services.add_contact(
        lead,
        clerk_a,
        data={
            "date": timezone.localdate(),
            "form": ContactRecord.Form.PHONE,
            "participants": typed("赵磊"),
            "deputy_said": typed("代表同意。"),
            "agreement": ContactRecord.Agreement.AGREED,
        },
    )

    # the reply: every part of its content typed, returned once with a comment, then signed
    reply = reply_services.start_reply(lead, clerk_a)
    sections = reply_services.content_of(reply).sections
    for i, section in enumerate(sections, 1):
        section.heading = typed(f"关于第{i}条建议")
    reply = fill(reply, clerk_a)  # fill writes the bodies; then every other field
    content = reply_services.content_of(reply)
    for i, section in enumerate(content.sections, 1):
        section.heading = typed(f"关于第{i}条建议")
        section.body = typed(f"第{i}条建议的办理情况。")
    content.title = typed("关于科技成果转化的建议的答复")
    content.opening = typed("您提出的建议收悉。")
    content.closing = [typed("下一步，我们将继续推进。"), typed("感谢您的关注。")]
    content.signature = typed("吉林省科学技术厅")
    content.contact_name = typed("赵磊")
    content.contact_phone = typed("0431")
    content.cc = typed("省人大常委会选举任免代表工作委员会")
    content.summary = typed("答复摘要。")
    reply_services.save_content(reply, content, clerk_a, version=reply.version)
    reply = reload(reply)
    followup.add(reply, clerk_a, text=typed("建成平台"), due=timezone.localdate() + datetime.timedelta(days=90))
    followup.add(reply, clerk_a, text=typed("出台办法"), due=timezone.localdate() + datetime.timedelta(days=90))
    reply_services.submit_for_review(reply, clerk_a, version=reply.version)
    reply_services.return_for_revision(reload(reply), leader_a, comment=typed("请补充数据。"))
    reply = reload(reply)
    reply_services.submit_for_review(reply, clerk_a, version=reply.version)
    reply_services.sign(reload(reply), leader_a)
    reply = reload(reply)
    reported, completed = reply.commitments.order_by("id")
    followup.report(reported, clerk_a, text=typed("平台已立项。"))
    followup.complete(completed, clerk_a, note=typed("办法已印发。"))
    feedback.give(
        reply,
        deputy,
        attitude=Feedback.Rating.SATISFIED,
        result=Feedback.Rating.DISSATISFIED,
        contacted=Feedback.Contacted.PHONE,
        comments=typed("落实不够。"),
    )

    # what each desk keeps
    snippet = Snippet.objects.create(
        department=clerk_a.department, title=fit("结束语", 40), text=typed("感谢。"), updated_by=clerk_a
    )
    for user in (deputy, clerk_a, leader_a, coordinator, auditor):
        Notification.objects.create(user=user, message=typed("新的通知："), url="/")
    AuditEntry.objects.create(
        user=coordinator,
        username=coordinator.username,
        action=AuditAction.LOGIN_FAILED,
        object_label=typed("对象"),
        details={"note": typed("详情")},
    )
    proposal.refresh_from_db()
    return {"proposal": proposal, "reply": reply, "snippet": snippet, "session": session}


def args_of(kind, world):
    if kind is None:
        return []
    if kind == "portal_proposal":
        return [world["session"].pk, world["proposal"].number]
    return [world[kind].pk]


# (persona, URL name, object, query): every page that shows the typed objects to that persona.
# Home shows typed text (the proposals and replies on its panels) to the deputy and department
# desks; every persona's notifications carry a typed message.
READER_PAGES = [("home", None, {}), ("accounts:notifications", None, {})]
REPLY_PAGES = [
    ("replies:detail", "reply", {}),
    ("replies:versions", "reply", {}),
    ("replies:diff", "reply", {}),
    ("replies:print", "reply", {}),
    ("proposals:detail", "proposal", {}),
    ("search", None, {"q": "科技"}),
    ("search", None, {"q": "科技", "kind": "reply"}),
]
DEPARTMENT_PAGES = [
    ("proposals:inbox", None, {}),
    ("replies:list", None, {}),
    ("replies:followups", None, {}),
    ("replies:snippets", None, {}),
    ("replies:snippet_edit", "snippet", {}),
]
PAGES = [
    *[("deputy", *page) for page in [*READER_PAGES, *REPLY_PAGES, ("proposals:list", None, {})]],
    *[
        (persona, *page)
        for persona in ("clerk_a", "leader_a")
        for page in [*READER_PAGES, *REPLY_PAGES, *DEPARTMENT_PAGES]
    ],
    *[
        ("coordinator", *page)
        for page in [
            ("accounts:notifications", None, {}),
            *REPLY_PAGES,
            ("proposals:list", None, {}),
            ("proposals:dashboard", None, {}),
            ("proposals:session_list", None, {}),
            ("proposals:category_list", None, {}),
            ("replies:list", None, {}),
            ("replies:followups", None, {}),
            ("replies:feedback_list", None, {}),
            ("replies:rehandling_queue", None, {}),
            ("reports:statistics", None, {}),
        ]
    ],
    *[("auditor", *page) for page in [("accounts:notifications", None, {}), ("audit:list", None, {})]],
    *[
        ("anonymous", *page)
        for page in [
            ("portal:index", None, {}),
            ("portal:index", None, {"q": "科技"}),
            ("portal:proposal", "portal_proposal", {}),
            ("portal:reply", "reply", {}),
        ]
    ],
]


def page_id(page):
    persona, name, _kind, query = page
    return f"{persona}-{name}" + ("-" + "-".join(query) if query else "")


@pytest.mark.parametrize("page", PAGES, ids=[page_id(p) for p in PAGES])
def test_every_page_shows_typed_text_escaped_and_never_as_markup(client, world, request, page):
    persona, name, kind, query = page
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse(name, args=args_of(kind, world)), query)
    assert response.status_code == 200
    body = response.content.decode()
    assert ESCAPED_SCRIPT in body, "the page does not show any typed text: the test would prove nothing"
    assert SCRIPT not in body
    assert IMAGE not in body
    assert "onerror=alert(2)>" not in body


def test_the_reply_docx_carries_the_payload_as_literal_text(client, world, clerk_a):
    client.force_login(clerk_a)
    response = client.get(reverse("replies:docx", args=[world["reply"].pk]))
    assert response.status_code == 200
    document = docx.Document(io.BytesIO(response.content))
    runs = [run.text for paragraph in document.paragraphs for run in paragraph.runs]
    text = "".join(runs)
    assert typed("您提出的建议收悉。") in text
    assert any(SCRIPT in run for run in runs)


@pytest.mark.parametrize(("persona", "name"), [("clerk_a", "replies:pdf"), ("anonymous", "portal:reply_pdf")])
def test_the_reply_pdf_carries_the_payload_as_literal_text(client, world, request, persona, name):
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse(name, args=[world["reply"].pk]))
    assert response.status_code == 200
    with pdfplumber.open(io.BytesIO(response.content)) as pdf:
        text = "".join((page.extract_text() or "").replace("\n", "") for page in pdf.pages)
    assert SCRIPT in text
    assert IMAGE in text


def test_the_statistics_workbook_keeps_the_payload_as_plain_text_cells(client, world, coordinator):
    client.force_login(coordinator)
    response = client.get(reverse("reports:statistics_xlsx"), {"session": world["session"].pk})
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    cells = [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]
    typed_cells = [cell for cell in cells if isinstance(cell.value, str) and SCRIPT in cell.value]
    assert typed_cells
    assert all(cell.data_type == "s" for cell in typed_cells)


# --- the annual report, the list exports, the audit export and system administration -------------


def docx_texts(document):
    """Every run of the body and of the tables' cells."""
    paragraphs = list(document.paragraphs)
    for table in document.tables:
        paragraphs += [p for row in table.rows for cell in row.cells for p in cell.paragraphs]
    return [run.text for paragraph in paragraphs for run in paragraph.runs]


def test_the_annual_report_docx_carries_the_payload_as_literal_text(client, world, coordinator):
    # key supervision puts the proposal, its deputy, its leader and its department in table 6
    leader = fit("陈志刚", 60)
    type(world["proposal"]).objects.filter(pk=world["proposal"].pk).update(is_key=True, supervising_leader=leader)
    client.force_login(coordinator)
    response = client.post(reverse("reports:annual_report"), {"session": world["session"].pk})
    assert response.status_code == 200
    document = docx.Document(io.BytesIO(response.content))
    runs = docx_texts(document)
    for text in (
        world["session"].name,  # the title
        typed("吉林省科学技术厅"),  # table 2, the departments
        fit("经济建设", 40),  # table 3, the categories' aspects
        typed("关于科技成果转化的建议"),  # table 6, the key proposals
        fit("王宇辉", 50),
        leader,
    ):
        assert any(text in run for run in runs), text
    # text, never markup: no element of the document is a script or an image
    assert not document.element.xpath("//*[local-name()='script' or local-name()='img']")


def cells_of(workbook):
    return [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]


def typed_cells(workbook):
    return [cell for cell in cells_of(workbook) if isinstance(cell.value, str) and SCRIPT in cell.value]


# A title a spreadsheet would run as a formula if it were written as one.
FORMULA = f'=HYPERLINK("https://example.com/","{SCRIPT}")'


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def every_commitment(world):
    # the list shows one year's open items by default; the promises fall due in 90 days
    return f"state=all&year={world['reply'].commitments.earliest('due').due.year}"


# Each list export with its requester, its query string and a typed text of its own columns.
EXPORTS = [
    ("proposals", "coordinator", None, fit("长春代表团", 50)),
    ("inbox", "clerk_a", None, fit("王宇辉", 50)),
    ("replies", "coordinator", None, typed("吉林省科学技术厅")),
    ("feedback", "coordinator", None, typed("落实不够。")),
    ("followups", "coordinator", every_commitment, typed("建成平台")),
]


@pytest.mark.parametrize(("list_name", "persona", "query", "text"), EXPORTS, ids=[e[0] for e in EXPORTS])
def test_every_list_export_keeps_the_payload_as_plain_text_cells(
    media, world, request, list_name, persona, query, text
):
    type(world["proposal"]).objects.filter(pk=world["proposal"].pk).update(title=FORMULA)
    user = request.getfixturevalue(persona)
    export = exports.request_export(user, list_name, query(world) if query else "")
    assert exports.build(export.pk)  # what the worker's job runs
    export.refresh_from_db()
    assert export.status == ListExport.Status.DONE
    with export.file.open("rb") as f:
        workbook = openpyxl.load_workbook(io.BytesIO(f.read()))
    values = [cell.value for cell in typed_cells(workbook)]
    for expected in (world["session"].name, text):  # every list has the session column
        assert any(expected in value for value in values), expected
    assert "'" + FORMULA in values  # the title: quoted, so no spreadsheet program evaluates it
    assert all(cell.data_type == "s" for cell in typed_cells(workbook))
    assert not [cell for cell in cells_of(workbook) if cell.data_type == "f"]


def test_the_audit_export_keeps_the_payload_as_plain_text_cells(client, world, coordinator, auditor):
    AuditEntry.objects.create(user=coordinator, action=AuditAction.DOWNLOAD, object_label=FORMULA, details={})
    client.force_login(auditor)
    response = client.get(reverse("audit:export"))
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    values = [cell.value for cell in typed_cells(workbook)]
    assert typed("对象") in values
    assert any(f"详情{SCRIPT}" in value for value in values)  # the details, written out as one text
    assert "'" + FORMULA in values
    assert all(cell.data_type == "s" for cell in typed_cells(workbook))
    assert not [cell for cell in cells_of(workbook) if cell.data_type == "f"]


@pytest.fixture
def admin_world(world, deputy, department_a, sysadmin):
    """What the system administrator keeps, every text field typed: the deputy's account and
    deputy record, the department, the delegation, and an entry in the admin's recent actions."""
    deputy.email, deputy.phone = "deputy@example.gov.cn", fit("0431", 30)
    deputy.save()
    record = deputy.deputy
    record.phone, record.address = fit("0431", 30), typed("长春市人民大街")
    record.save()
    department_a.doc_code, department_a.phone = fit("吉科发", 30), fit("0431", 30)
    department_a.save()
    LogEntry.objects.log_actions(
        sysadmin.pk, [department_a], CHANGE, change_message=typed("修改了单位"), single_object=True
    )
    return {"user": deputy, "deputy": record, "department": department_a, "delegation": record.delegation}


ADMIN_MODELS = ["user", "department", "delegation", "deputy"]
ADMIN_PAGES = [("index", None)] + [
    (view, model) for model in ADMIN_MODELS for view in ("changelist", "change", "history", "delete")
]


def admin_url(view, model, objects):
    if view == "index":
        return reverse("admin:index")
    name = f"admin:accounts_{model}_{view}"
    return reverse(name) if view == "changelist" else reverse(name, args=[objects[model].pk])


@pytest.mark.parametrize(("view", "model"), ADMIN_PAGES, ids=[f"{v}-{m}" if m else v for v, m in ADMIN_PAGES])
def test_the_admin_pages_show_typed_text_escaped_to_the_system_administrator(
    client, admin_world, sysadmin, view, model
):
    client.force_login(sysadmin)
    response = client.get(admin_url(view, model, admin_world))
    assert response.status_code == 200
    body = response.content.decode()
    assert ESCAPED_SCRIPT in body, "the page does not show any typed text: the test would prove nothing"
    assert SCRIPT not in body
    assert IMAGE not in body
    assert "onerror=alert(2)>" not in body
