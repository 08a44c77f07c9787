"""Importing assignment plans from a spreadsheet: validating every row, assigning all or none."""

import io
from urllib.parse import quote

import openpyxl
import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import Department, Notification
from proposals import assigning, assignment_import, deadlines, importing
from proposals.assigning import PlanLine
from proposals.models import Assignment, ImportBatch, Proposal, ProposalEvent, Session
from proposals.tests import test_importing as service_tests
from proposals.tests.conftest import registered
from proposals.tests.test_importing import SESSION

# The proposal import tests' fixtures: the session and departments, the coordinator importing, media in tmp.
catalogue = service_tests.catalogue
importer = service_tests.importer
media = service_tests.media

Mode = Assignment.Mode
HEADERS = [c.header for c in assignment_import.COLUMNS]
ASSIGNMENTS = ImportBatch.Kind.ASSIGNMENTS


def plan_row(number, **overrides):
    """A row as {header: value}; `overrides` by column key."""
    row = {"session": SESSION, "number": number, "lead": "吉林省科学技术厅", "cohandlers": "吉林省教育厅"}
    row.update(overrides)
    return {assignment_import.HEADERS[key]: value for key, value in row.items()}


def make_xlsx(rows, headers=HEADERS):
    return service_tests.make_xlsx(rows, headers)


def run_batch(user, data, name="交办方案.xlsx"):
    content = data.getvalue() if hasattr(data, "getvalue") else data
    batch = importing.create_batch(ContentFile(content), name, user, kind=ASSIGNMENTS)
    importing.process_batch(batch.pk)
    batch.refresh_from_db()
    return batch


def errors_of(batch):
    return [(e["row"], e["column"]) for e in batch.errors]


@pytest.fixture
def department_c(db):
    return Department.objects.create(name="吉林省人力资源和社会保障厅", short_name="省人社厅", doc_code="吉人社函")


@pytest.fixture
def session(catalogue):
    return Session.objects.get(name=SESSION)


@pytest.fixture
def register(session, deputy):
    """register(1, 2, 3): proposals 第1号… registered (已立案) in the session."""

    def make(*numbers, status=Proposal.Status.ACCEPTED):
        return registered(session, deputy, numbers, status=status)

    return make


def plan_of(number):
    proposal = Proposal.objects.get(number=number)
    return proposal.status, sorted(
        (a.department.short_name, a.mode) for a in proposal.assignments.current().select_related("department")
    )


# --- a valid file -------------------------------------------------------------------------------


def test_a_valid_file_assigns_every_row_with_its_modes(
    register, importer, department_a, department_b, department_c, clerk_a, deputy
):
    register(1, 2, 3, 4)
    rows = [
        plan_row(1),
        plan_row("第2号", lead="", cohandlers="", separate="省科技厅、吉林省教育厅"),
        plan_row(3.0, lead="省科技厅", cohandlers="", reference="省教育厅\n省人社厅"),
        plan_row(4, cohandlers="吉林省教育厅；省人社厅"),
    ]
    batch = run_batch(importer, make_xlsx(rows))

    assert (batch.status, batch.kind, batch.created_count, batch.unchanged_count, batch.errors) == (
        "done",
        "assignments",
        4,
        0,
        [],
    )
    assert (batch.total_rows, batch.processed_rows) == (4, 4)
    assigned = Proposal.Status.ASSIGNED
    assert plan_of(1) == (assigned, [("省教育厅", Mode.COHANDLER), ("省科技厅", Mode.LEAD)])
    assert plan_of(2) == (assigned, [("省教育厅", Mode.SEPARATE), ("省科技厅", Mode.SEPARATE)])
    assert plan_of(3) == (
        assigned,
        [("省人社厅", Mode.REFERENCE), ("省教育厅", Mode.REFERENCE), ("省科技厅", Mode.LEAD)],
    )
    assert plan_of(4) == (
        assigned,
        [("省人社厅", Mode.COHANDLER), ("省教育厅", Mode.COHANDLER), ("省科技厅", Mode.LEAD)],
    )
    # What bulk_assign does for each: one event, the department and the deputy told.
    event = Proposal.objects.get(number=1).events.get(kind=ProposalEvent.Kind.ASSIGNED)
    assert (event.actor, event.details["plan"]) == (
        importer,
        [
            {"department": "吉林省科学技术厅", "mode": "lead", "mode_label": "主办"},
            {"department": "吉林省教育厅", "mode": "cohandler", "mode_label": "协办"},
        ],
    )
    assert ProposalEvent.objects.filter(kind=ProposalEvent.Kind.ASSIGNED).count() == 4
    assert Notification.objects.filter(user=clerk_a).count() == 4
    assert Notification.objects.filter(user=deputy, message__contains="已交办").count() == 4


def test_the_deadlines_are_those_of_the_session_policy(register, importer, session, department_a, department_b):
    register(1)
    batch = run_batch(importer, make_xlsx([plan_row(1, reference="")]))

    assert batch.status == "done", batch.errors
    lead = Assignment.objects.get(mode=Mode.LEAD)
    assigned_on = timezone.localdate(lead.assigned_at)
    assert lead.reply_due == deadlines.add_months(assigned_on, 3)
    assert lead.max_reply_due == deadlines.add_months(assigned_on, 6)
    calendar = deadlines.WorkCalendar.load(assigned_on, assigned_on)
    policy = deadlines.Policy.from_session(session)
    for assignment in Assignment.objects.all():
        due = deadlines.compute(
            assigned_on=assigned_on,
            mode=assignment.mode,
            policy=policy,
            calendar=calendar,
            session_closes_on=session.closes_on,
        )
        assert (assignment.sign_due, assignment.reassign_until) == (due.sign_due, due.reassign_until)
        assert (assignment.reply_due, assignment.opinion_due) == (due.reply_due, due.opinion_due)
        assert assignment.deadline_basis == due.basis
    assert Assignment.objects.get(mode=Mode.COHANDLER).opinion_due == deadlines.add_months(assigned_on, 1)


def test_reimporting_the_same_file_changes_nothing(register, importer, department_a, department_b):
    register(1, 2)
    data = make_xlsx([plan_row(1), plan_row(2, cohandlers="")])
    first = run_batch(importer, data)
    events = ProposalEvent.objects.count()
    notifications = Notification.objects.count()

    again = run_batch(importer, data)

    assert (first.created_count, first.unchanged_count) == (2, 0)
    assert (again.status, again.created_count, again.unchanged_count, again.errors) == ("done", 0, 2, [])
    assert Assignment.objects.count() == 3
    assert (ProposalEvent.objects.count(), Notification.objects.count()) == (events, notifications)


def test_a_file_with_one_new_row_assigns_only_that_row(register, importer, department_a, department_b):
    register(1, 2)
    run_batch(importer, make_xlsx([plan_row(1)]))
    batch = run_batch(importer, make_xlsx([plan_row(1), plan_row(2)]))

    assert (batch.status, batch.created_count, batch.unchanged_count) == ("done", 1, 1)
    assert Assignment.objects.count() == 4


# --- errors -------------------------------------------------------------------------------------


def test_every_row_error_is_reported_with_its_row_and_column_and_nothing_is_assigned(
    register, importer, session, department_a, department_b, department_c
):
    register(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13)
    register(20, status=Proposal.Status.WITHDRAWN)
    assigning.assign_proposal(Proposal.objects.get(number=13), [PlanLine(department_a, Mode.LEAD)], importer)
    department_c.is_active = False
    department_c.save()
    assignments = Assignment.objects.count()
    rows = [
        plan_row(1),  # row 2: valid, but not assigned since other rows are wrong
        plan_row(2, session="省十四届人大九次会议"),  # 3
        plan_row(3, cohandlers="省财政厅"),  # 4
        plan_row("五十三"),  # 5
        plan_row(99),  # 6
        plan_row(20),  # 7: withdrawn
        plan_row(13),  # 8: already assigned, another plan
        plan_row(1, cohandlers=""),  # 9: the number of row 2 again
        plan_row(4, cohandlers="", lead="省科技厅、省教育厅"),  # 10: two leads
        plan_row(5, lead=""),  # 11: a co-handler without a lead
        plan_row(6, lead="", separate="省科技厅", cohandlers="省教育厅"),  # 12: separate with a co-handler
        plan_row(7, lead="", cohandlers=""),  # 13: no department
        plan_row(8, reference="省人社厅"),  # 14: a department no longer in use
        plan_row(9, reference="吉林省科学技术厅"),  # 15: one department twice
        plan_row(10, lead=None, cohandlers=2024),  # 16: a number where a name belongs
        plan_row(11, session=""),  # 17: no session
        plan_row(12, lead="", separate="省科技厅", cohandlers=""),  # 18: valid
    ]
    batch = run_batch(importer, make_xlsx(rows))

    assert batch.status == "invalid"
    assert errors_of(batch) == [
        (3, "会次"),
        (4, "协办单位"),
        (5, "建议号"),
        (6, "建议号"),
        (7, "建议号"),
        (8, "建议号"),
        (9, "建议号"),
        (10, "主办单位"),
        (11, "主办单位"),
        (12, "协办单位"),
        (13, "主办单位"),
        (14, "参阅单位"),
        (15, "参阅单位"),
        (16, "协办单位"),
        (17, "会次"),
    ]
    messages = [e["message"] for e in batch.errors]
    assert messages[0] == "没有名为“省十四届人大九次会议”的会次，请填写系统中已有会次的全称。"
    assert messages[1] == "没有名为“省财政厅”的承办单位。"
    assert "不能是“五十三”" in messages[2]
    assert messages[3] == f"{SESSION}中没有第99号建议。"
    assert "状态是“已撤回”，只能交办已立案的建议" in messages[4]
    assert "第13号建议已经交办（吉林省科学技术厅（主办））" in messages[5]
    assert messages[6] == "第1号建议在第2行已经填写过，每件建议只写一行。"
    # The plan's rules are assigning.check_plan's, word for word.
    assert "只能有一个主办单位" in messages[7]
    assert "协办单位须有主办单位" in messages[8]
    assert messages[9] == "分办时不设协办单位。"
    assert messages[10] == "请至少选择一个承办单位。"
    assert messages[11] == "吉林省人力资源和社会保障厅已停用，不能交办。"
    assert messages[12] == "吉林省科学技术厅在交办方案中出现了两次。"
    assert "此格是数字 2024，应填写文字" in messages[13]
    assert messages[14] == "请填写会次。"
    assert batch.created_count == 0
    assert Assignment.objects.count() == assignments
    assert Proposal.objects.filter(status=Proposal.Status.ASSIGNED).count() == 1


def test_a_file_without_any_department_column_is_refused(register, importer):
    register(1)
    batch = run_batch(importer, make_xlsx([{"会次": SESSION, "建议号": 1}], headers=["会次", "建议号"]))

    assert batch.status == "invalid"
    assert errors_of(batch) == [(None, "")]
    assert "表格缺少承办单位的列：主办单位、协办单位、分办单位、参阅单位至少要有一列" in batch.errors[0]["message"]


def test_a_missing_required_column_and_an_unreadable_file_are_named(register, importer):
    missing = run_batch(importer, make_xlsx([{"会次": SESSION, "主办单位": "省科技厅"}], headers=["会次", "主办单位"]))
    unreadable = run_batch(importer, b"not a workbook")

    assert "表格缺少必填的列：建议号" in missing.errors[0]["message"]
    assert unreadable.errors[0]["message"].endswith("没有交办任何建议。")


def test_a_header_only_sheet_speaks_of_plans(catalogue):
    with pytest.raises(importing.ImportFileError, match="没有交办方案"):
        assignment_import.read_rows(make_xlsx([]))


def test_a_proposal_assigned_after_validation_stops_the_whole_import(
    register, importer, department_a, department_b, monkeypatch
):
    register(1, 2)
    # Validate, then let someone else assign 第2号 before the import runs.
    validate = assignment_import.validate_rows

    def validate_then_assign(rows, **kwargs):
        result = validate(rows, **kwargs)
        assigning.assign_proposal(Proposal.objects.get(number=2), [PlanLine(department_b, Mode.LEAD)], importer)
        return result

    monkeypatch.setattr(
        assignment_import,
        "PIPELINE",
        importing.Pipeline(
            read=assignment_import.read_rows,
            validate=validate_then_assign,
            import_valid=assignment_import.import_rows,
            failure=assignment_import.PIPELINE.failure,
        ),
    )
    batch = run_batch(importer, make_xlsx([plan_row(1), plan_row(2, cohandlers="")]))

    assert batch.status == "failed"
    assert batch.errors[0]["message"].startswith("交办未能完成：只能交办已立案且尚未交办的建议")
    assert "本批次没有交办任何建议" in batch.errors[0]["message"]
    assert plan_of(1) == (Proposal.Status.ACCEPTED, [])
    assert plan_of(2) == (Proposal.Status.ASSIGNED, [("省教育厅", Mode.LEAD)])


# --- the template -------------------------------------------------------------------------------


def test_the_template_round_trips(register, department_a, department_b, department_c):
    register(assignment_import.EXAMPLE_NUMBER)
    rows = assignment_import.read_rows(io.BytesIO(assignment_import.build_template()))

    assert [r.number for r in rows] == [2]
    result = assignment_import.validate_rows(rows)
    assert result.errors == []
    [row] = result.valid
    assert row.proposal.number == 1
    assert sorted((line.department.short_name, line.mode) for line in row.lines) == [
        ("省人社厅", Mode.REFERENCE),
        ("省教育厅", Mode.COHANDLER),
        ("省科技厅", Mode.LEAD),
    ]


def test_the_template_is_offered_for_download_with_its_explanations(client, coordinator):
    client.force_login(coordinator)
    response = client.get(reverse("proposals:import_template"), {"kind": "assignments"})

    assert response["Content-Type"] == importing.XLSX_MIME_TYPE
    assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{quote('交办方案导入模板.xlsx')}"
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["交办方案", "填写说明"]
    explained = list(workbook["填写说明"].iter_rows(min_row=2, max_row=7, values_only=True))
    assert [row[0] for row in explained] == HEADERS
    assert [row[1] for row in explained] == ["必填", "必填", "不分办时必填", "选填", "选填", "选填"]


def test_the_example_departments_exist_in_the_demo_data():
    from proposals.demo import DEPARTMENTS, SESSION_NAME

    names = {name for name, _short, _code in DEPARTMENTS} | {short for _name, short, _code in DEPARTMENTS}
    example = assignment_import.COLUMNS
    assert example[0].example == SESSION_NAME
    assert {c.example for c in example[2:] if c.example} <= names


# --- the pages ----------------------------------------------------------------------------------


def upload(client, data, name="交办方案.xlsx", kind="assignments"):
    content = data.getvalue() if hasattr(data, "getvalue") else data
    return client.post(reverse("proposals:import"), {"kind": kind, "file": SimpleUploadedFile(name, content)})


def test_the_page_offers_both_kinds_and_documents_the_plan_columns(client, coordinator):
    client.force_login(coordinator)
    page = client.get(reverse("proposals:import"), {"kind": "assignments"}).content.decode()

    assert "表格导入交办方案" in page
    assert f'href="{reverse("proposals:import_template")}?kind=assignments"' in page
    assert f'href="{reverse("proposals:import")}"' in page  # the proposals tab
    assert '<input type="hidden" name="kind" value="assignments">' in page
    for column in assignment_import.COLUMNS:
        assert f"<td>{column.header}</td>" in page
    assert "<td>不分办时必填</td>" in page
    # Unknown kinds fall back to proposals.
    page = client.get(reverse("proposals:import"), {"kind": "nonsense"}).content.decode()
    assert '<input type="hidden" name="kind" value="proposals">' in page


def test_a_coordinator_uploads_a_plan_file_and_sees_it_assigned(client, importer, register, department_a, department_b):
    register(1, 2)
    client.force_login(importer)
    response = upload(client, make_xlsx([plan_row(1), plan_row(2)]))

    batch = ImportBatch.objects.get()
    assert response.url == reverse("proposals:import_batch", args=[batch.pk])
    assert (batch.kind, batch.status, batch.created_count) == ("assignments", "done", 2)
    assert Proposal.objects.filter(status=Proposal.Status.ASSIGNED).count() == 2
    page = client.get(response.url).content.decode()
    assert "导入内容：交办方案" in page
    assert "已交办 2 件，0 件此前已按相同方案交办。" in page
    assert f'href="{reverse("proposals:import")}?kind=assignments"' in page
    listing = client.get(reverse("proposals:import")).content.decode()
    assert "<td>交办方案</td>" in listing


def test_an_invalid_plan_file_shows_every_error_and_assigns_nothing(
    client, importer, register, department_a, department_b
):
    register(1)
    client.force_login(importer)
    response = upload(client, make_xlsx([plan_row(1, lead="<script>x</script>"), plan_row(7)]))

    page = client.get(response.url).content.decode()
    assert "校验未通过" in page
    assert "发现 2 处问题，没有交办任何建议" in page
    assert "<td>第2行</td>" in page and "<td>主办单位</td>" in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page and "<script>x</script>" not in page
    assert "<td>第3行</td>" in page and f"{SESSION}中没有第7号建议。" in page
    assert not Assignment.objects.exists()


def test_a_large_plan_file_is_assigned_by_the_worker(client, job_queue, importer, register, department_a):
    from accounts.tests.test_worker import run_worker_until_idle

    register(*range(1, 202))
    client.force_login(importer)
    upload(client, make_xlsx([plan_row(n, cohandlers="") for n in range(1, 202)]))

    batch = ImportBatch.objects.get()
    assert (batch.kind, batch.status) == ("assignments", "pending")

    run_worker_until_idle()

    batch.refresh_from_db()
    assert (batch.status, batch.created_count, batch.processed_rows) == ("done", 201, 201)
    assert Assignment.objects.filter(mode=Mode.LEAD).count() == 201


# --- size ---------------------------------------------------------------------------------------


PLANS = [
    {},
    {"cohandlers": ""},
    {"lead": "", "cohandlers": "", "separate": "省科技厅、省教育厅"},
    {"reference": "省教育厅", "cohandlers": ""},
]


def plan_file(numbers):
    return make_xlsx([plan_row(n, **PLANS[n % len(PLANS)]) for n in numbers])


def test_a_1000_row_file_validates_and_assigns_in_a_fixed_number_of_queries(
    register, importer, department_a, department_b, clerk_a, django_assert_max_num_queries
):
    register(*range(1, 1005))
    small = importing.create_batch(
        ContentFile(plan_file(range(1001, 1005)).getvalue()), "s.xlsx", importer, ASSIGNMENTS
    )
    large = importing.create_batch(ContentFile(plan_file(range(1, 1001)).getvalue()), "l.xlsx", importer, ASSIGNMENTS)

    # Claim, batch, row count; sessions, departments, proposals; per distinct plan (four here)
    # bulk_assign's eleven or so, savepoints included; the result. None per row: the count
    # grows with the number of distinct plans, not of rows.
    with django_assert_max_num_queries(60) as small_queries:
        importing.process_batch(small.pk)
    with django_assert_max_num_queries(len(small_queries)) as large_queries:
        importing.process_batch(large.pk)

    large.refresh_from_db()
    assert (large.status, large.created_count, large.processed_rows) == ("done", 1000, 1000), large.errors
    assert len(large_queries) == len(small_queries) <= 7 + 11 * len(PLANS), len(small_queries)
    assert Proposal.objects.filter(status=Proposal.Status.ASSIGNED).count() == 1004
    assert Assignment.objects.count() == 1004 // 4 * (2 + 1 + 2 + 2)


# --- the management command ---------------------------------------------------------------------


def test_the_command_assigns_a_file_and_says_how_many(tmp_path, register, importer, department_a, department_b):
    register(1, 2)
    path = tmp_path / "交办方案.xlsx"
    path.write_bytes(make_xlsx([plan_row(1), plan_row(2)]).getvalue())
    out = io.StringIO()

    call_command("import_assignments", str(path), stdout=out)
    assert out.getvalue().strip() == "已交办 2 件，0 件此前已按相同方案交办。"
    call_command("import_assignments", str(path), "--user", importer.username, stdout=out)
    assert out.getvalue().strip().endswith("已交办 0 件，2 件此前已按相同方案交办。")

    assert Assignment.objects.count() == 4
    assert set(ImportBatch.objects.values_list("kind", flat=True)) == {"assignments"}


def test_the_command_reports_every_error_and_fails(tmp_path, register, importer, department_a, department_b):
    register(1)
    path = tmp_path / "交办方案.xlsx"
    path.write_bytes(make_xlsx([plan_row(1, lead="省财政厅"), plan_row(8)]).getvalue())
    err = io.StringIO()

    with pytest.raises(CommandError, match="没有交办任何建议：发现 2 处问题"):
        call_command("import_assignments", str(path), stderr=err)

    assert err.getvalue().splitlines() == [
        "第2行【主办单位】没有名为“省财政厅”的承办单位。",
        f"第3行【建议号】{SESSION}中没有第8号建议。",
    ]
    assert not Assignment.objects.exists()


def test_the_command_needs_a_user_when_there_are_several_coordinators(tmp_path, catalogue, importer, coordinator):
    path = tmp_path / "交办方案.xlsx"
    path.write_bytes(make_xlsx([plan_row(1)]).getvalue())

    with pytest.raises(CommandError, match="请用 --user 指定导入人"):
        call_command("import_assignments", str(path))
    assert not ImportBatch.objects.exists()
