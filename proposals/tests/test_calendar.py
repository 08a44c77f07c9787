"""The work calendar: editing days and importing a year move open deadlines and are recorded;
a malformed import changes nothing; the coordinators' page; the banner for missing years."""

import csv
import io
from datetime import date, datetime, time

import openpyxl
import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse

from accounts.models import Role
from conftest import make_user
from proposals import calendar, deadlines
from proposals.context_processors import calendar_warning
from proposals.models import Assignment, CalendarChange, ProposalEvent, WorkCalendarDay

from .calendar_fixtures import ensure_package_calendar

Kind = ProposalEvent.Kind
# Made-up 2027 arrangement (the official one is not published yet): the special days only.
YEAR_2027 = [
    ("2027-01-01", "休", "元旦"),
    ("2027-02-06", "休", "春节"),
    ("2027-02-07", "休", "春节"),
    ("2027-02-08", "休", "春节"),
    ("2027-02-09", "休", "春节"),
    ("2027-02-10", "休", "春节"),
    ("2027-02-11", "休", "春节"),
    ("2027-02-12", "休", "春节"),
    ("2027-02-20", "班", "春节调休上班"),
    ("2027-10-01", "否", "国庆节"),
    ("2027-10-09", "是", "国庆节调休上班"),
]


@pytest.fixture(autouse=True)
def official_calendar(db):
    ensure_package_calendar()


def d(text):
    return date.fromisoformat(text)


def make_assignment(proposal, department, actor, assigned_on, mode="lead", **extra):
    """An assignment with the deadlines the engine gives, as the assignment service stores them."""
    due = deadlines.compute(
        assigned_on=assigned_on,
        mode=mode,
        policy=deadlines.Policy.from_session(proposal.session),
        calendar=deadlines.WorkCalendar.load(assigned_on, assigned_on),
        session_closes_on=proposal.session.closes_on,
    )
    fields = {
        "sign_due": due.sign_due,
        "reassign_until": due.reassign_until,
        "reply_due": due.reply_due,
        "max_reply_due": due.max_reply_due,
        "opinion_due": due.opinion_due,
        "deadline_basis": due.basis,
        "provisional": due.provisional,
        **extra,
    }
    return Assignment.objects.create(
        proposal=proposal,
        department=department,
        mode=mode,
        assigned_at=datetime.combine(assigned_on, time(10), tzinfo=deadlines.CHINA),
        assigned_by=actor,
        **fields,
    )


def xlsx_file(rows, header=("日期", "是否工作日", "名称")):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return SimpleUploadedFile("2027年节假日.xlsx", out.getvalue())


def csv_file(rows, encoding, header=("日期", "是否工作日", "名称")):
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(header)
    writer.writerows(rows)
    return SimpleUploadedFile("2027年节假日.csv", text.getvalue().encode(encoding))


def calendar_state():
    return (
        list(WorkCalendarDay.objects.values_list("date", "is_workday", "name", "source").order_by("date")),
        CalendarChange.objects.count(),
    )


# --- editing days ---------------------------------------------------------------------------


def test_making_a_day_a_holiday_moves_an_open_sign_for_deadline_and_records_it(accepted, department_a, coordinator):
    assignment = make_assignment(accepted, department_a, coordinator, d("2026-09-28"))
    assert (assignment.sign_due, assignment.reassign_until) == (d("2026-10-08"), d("2026-10-13"))
    reply_due = assignment.reply_due

    change = calendar.set_days(
        [(d("2026-10-08"), False, "国庆节")], actor=coordinator, source=WorkCalendarDay.Source.MANUAL
    )

    assignment.refresh_from_db()
    assert (assignment.sign_due, assignment.reassign_until) == (d("2026-10-09"), d("2026-10-14"))
    assert assignment.reply_due == reply_due
    assert assignment.deadline_basis["sign_due"] == "交办日 2026-09-28 后第3个工作日 = 2026-10-09"
    assert assignment.deadline_basis["reply_due"].startswith("交办日 2026-09-28 + 3个月")
    assert (change.days_changed, change.deadlines_recomputed, change.actor) == (1, 1, coordinator)
    assert "2026-10-08" in change.summary
    day = WorkCalendarDay.objects.get(date=d("2026-10-08"))
    assert (day.is_workday, day.name, day.source, day.updated_by) == (False, "国庆节", "manual", coordinator)
    event = accepted.events.get(kind=Kind.DEADLINES_RECOMPUTED)
    assert event.actor == coordinator
    assert event.details["moves"][0]["sign_due"] == ["2026-10-08", "2026-10-09"]
    assert "签收期限 2026-10-08 → 2026-10-09" in event.message


def test_saving_a_day_as_it_already_is_changes_no_deadline(accepted, department_a, coordinator):
    make_assignment(accepted, department_a, coordinator, d("2026-09-28"))
    change = calendar.set_days([(d("2026-10-01"), False, "国庆节")], actor=coordinator, source="manual")
    assert (change.days_changed, change.deadlines_recomputed) == (0, 0)
    assert not accepted.events.filter(kind=Kind.DEADLINES_RECOMPUTED).exists()


def test_replied_and_reassigned_assignments_keep_their_deadlines(accepted, department_a, department_b, coordinator):
    replied = make_assignment(
        accepted, department_a, coordinator, d("2026-09-28"), replied_at=datetime.now(tz=deadlines.CHINA)
    )
    moved_away = make_assignment(accepted, department_b, coordinator, d("2026-09-28"), is_active=False)
    change = calendar.set_days([(d("2026-10-08"), False, "")], actor=coordinator, source="manual")
    assert change.deadlines_recomputed == 0
    for assignment in (replied, moved_away):
        assignment.refresh_from_db()
        assert assignment.sign_due == d("2026-10-08")


def test_a_calendar_change_never_undoes_an_extension(accepted, department_a, coordinator):
    extended = make_assignment(accepted, department_a, coordinator, d("2026-09-28"), reply_due=d("2027-02-28"))
    calendar.set_days([(d("2026-10-08"), False, "")], actor=coordinator, source="manual")
    extended.refresh_from_db()
    assert (extended.reply_due, extended.sign_due) == (d("2027-02-28"), d("2026-10-09"))


def test_a_name_too_long_is_refused_before_anything_is_written(coordinator):
    before = calendar_state()
    with pytest.raises(calendar.CalendarError, match="不能超过"):
        calendar.set_days([(d("2026-10-08"), False, "很" * 31)], actor=coordinator, source="manual")
    assert calendar_state() == before


# --- importing a year -----------------------------------------------------------------------


def test_importing_2027_from_xlsx_fills_the_year_and_clears_provisional_deadlines(accepted, department_a, coordinator):
    assignment = make_assignment(accepted, department_a, coordinator, d("2026-12-29"))
    assert (assignment.sign_due, assignment.provisional) == (d("2027-01-01"), True)
    assert calendar.uncovered_years([2026, 2027]) == [2027]

    change = calendar.import_year(xlsx_file(YEAR_2027), actor=coordinator)

    assert change.year == 2027
    assert calendar.uncovered_years([2027]) == []
    assert WorkCalendarDay.objects.filter(date__year=2027, source="import").count() == 365
    days = dict(
        WorkCalendarDay.objects.filter(
            date__in=[d("2027-01-01"), d("2027-02-20"), d("2027-01-09"), d("2027-01-11")]
        ).values_list("date", "is_workday")
    )
    assert days == {d("2027-01-01"): False, d("2027-02-20"): True, d("2027-01-09"): False, d("2027-01-11"): True}
    assignment.refresh_from_db()
    assert (assignment.sign_due, assignment.provisional) == (d("2027-01-04"), False)
    assert "临时" not in assignment.deadline_basis["sign_due"]
    assert change.deadlines_recomputed == 1
    assert change.summary == "导入2027年工作日历：节假日9天，调休上班2天"
    event = accepted.events.get(kind=Kind.DEADLINES_RECOMPUTED)
    assert event.details["moves"][0]["provisional"] == [True, False]
    assert "不再是临时期限" in event.message


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-8"])
def test_importing_a_csv_saved_by_excel_works_in_every_usual_encoding(coordinator, encoding):
    rows = [(f"{r[0][:4]}年{int(r[0][5:7])}月{int(r[0][8:])}日", *r[1:]) for r in YEAR_2027]  # 2027年1月1日
    calendar.import_year(csv_file(rows, encoding), actor=coordinator)
    assert calendar.uncovered_years([2027]) == []
    assert WorkCalendarDay.objects.get(date=d("2027-10-09")).name == "国庆节调休上班"


def test_workday_values_may_be_yes_no_work_rest_or_one_zero(coordinator):
    rows = [("2027-01-01", "否", ""), ("2027-01-02", "1", ""), ("2027-01-04", 0, ""), ("2027-01-03", "班", "")]
    calendar.import_year(xlsx_file(rows), actor=coordinator)
    values = dict(
        WorkCalendarDay.objects.filter(date__lte=d("2027-01-04"), date__year=2027).values_list("date", "is_workday")
    )
    assert values == {d("2027-01-01"): False, d("2027-01-02"): True, d("2027-01-03"): True, d("2027-01-04"): False}


def test_a_malformed_import_reports_every_bad_row_in_chinese_and_changes_nothing(accepted, department_a, coordinator):
    assignment = make_assignment(accepted, department_a, coordinator, d("2026-12-29"))
    before = calendar_state()
    rows = [
        ("2027-01-01", "休", "元旦"),  # row 2: fine
        ("2027-02-30", "休", "春节"),  # row 3: no such date
        ("明天", "休", ""),  # row 4
        ("2027-02-06", "放", "春节"),  # row 5: unknown value
        ("2027-01-01", "休", "元旦"),  # row 6: duplicate of row 2
        ("2028-01-01", "休", "元旦"),  # row 7: another year
    ]
    with pytest.raises(calendar.CalendarImportError) as caught:
        calendar.import_year(xlsx_file(rows), actor=coordinator)
    messages = caught.value.messages
    assert messages == [
        "第3行：无法识别日期“2027-02-30”，请写成 2027-01-01 的形式。",
        "第4行：无法识别日期“明天”，请写成 2027-01-01 的形式。",
        "第5行：“是否工作日”应填 是/否、班/休 或 1/0，不能是“放”。",
        "第6行：日期2027-01-01与第2行重复。",
        "第7行：日期2028-01-01不在2027年（第2行）。一个文件只能导入一年的日历。",
    ]
    assert calendar_state() == before
    assignment.refresh_from_db()
    assert assignment.provisional


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("x.xlsx", b""), "文件是空的"),
        (SimpleUploadedFile("x.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe"), "无法读取此文件"),
        (SimpleUploadedFile("x.xlsx", b"PK\x03\x04 damaged"), "无法读取此 Excel 文件"),
        (SimpleUploadedFile("x.csv", "日期,类型\n2027-01-01,休\n".encode()), "缺少：“是否工作日”"),
        (SimpleUploadedFile("x.csv", "日期,是否工作日,名称\n".encode()), "没有数据行"),
    ],
)
def test_a_file_that_is_not_a_calendar_is_refused_with_one_clear_message(coordinator, upload, message):
    before = calendar_state()
    with pytest.raises(calendar.CalendarImportError) as caught:
        calendar.import_year(upload, actor=coordinator)
    assert message in caught.value.messages[0]
    assert calendar_state() == before


# --- seeding --------------------------------------------------------------------------------


def test_seeding_again_adds_only_missing_days_and_keeps_the_offices_edits(coordinator):
    calendar.set_days([(d("2026-10-08"), False, "国庆节")], actor=coordinator, source="manual")
    WorkCalendarDay.objects.filter(date=d("2025-05-05")).delete()
    out = io.StringIO()
    call_command("seed_calendar", stdout=out)
    assert "Added 1 calendar days, updated 0" in out.getvalue()
    assert WorkCalendarDay.objects.get(date=d("2025-05-05")).name == "劳动节"
    assert WorkCalendarDay.objects.get(date=d("2026-10-08")).source == "manual"
    out = io.StringIO()
    call_command("seed_calendar", stdout=out)
    assert "Added 0 calendar days, updated 0" in out.getvalue()


# --- the page -------------------------------------------------------------------------------

URLS = [("get", "proposals:calendar"), ("post", "proposals:calendar_day"), ("post", "proposals:calendar_import")]


@pytest.mark.parametrize(("method", "name"), URLS)
def test_the_calendar_pages_are_for_coordinators_only(client, clerk_a, method, name):
    url = reverse(name)
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
    client.force_login(clerk_a)
    assert getattr(client, method)(url).status_code == 403


@pytest.mark.parametrize("name", ["proposals:calendar_day", "proposals:calendar_import"])
def test_changing_the_calendar_by_get_is_not_allowed(client, coordinator, name):
    client.force_login(coordinator)
    assert client.get(reverse(name)).status_code == 405


def test_a_coordinator_sees_the_year_with_holidays_and_worked_weekends(client, coordinator):
    client.force_login(coordinator)
    page = client.get(reverse("proposals:calendar"), {"year": 2026}).content.decode()
    assert "2026年工作日历" in page
    assert "2026年的工作日历已录入" in page
    assert "1–7日 国庆节" in page
    assert "国庆节调休上班" in page
    assert 'title="2026-10-10 · 工作日 · 国庆节调休上班"' in page
    assert "cal-day--adjusted" in page
    assert page.count('class="cal-month"') == 12


def test_a_year_not_entered_is_shown_monday_to_friday_with_a_warning(client, coordinator):
    client.force_login(coordinator)
    page = client.get(reverse("proposals:calendar"), {"year": 2027}).content.decode()
    assert "2027年的工作日历尚未录入完整" in page
    assert "cal-day--fallback" in page


def test_clicking_a_day_fills_the_form_with_it(client, coordinator):
    client.force_login(coordinator)
    page = client.get(reverse("proposals:calendar"), {"year": 2026, "day": "2026-09-20"}).content.decode()
    assert 'value="2026-09-20"' in page
    assert 'value="国庆节调休上班"' in page


def test_a_coordinator_edits_one_day(client, coordinator, accepted, department_a):
    assignment = make_assignment(accepted, department_a, coordinator, d("2026-09-28"))
    client.force_login(coordinator)
    response = client.post(
        reverse("proposals:calendar_day"), {"date": "2026-10-08", "is_workday": "0", "name": " 国庆节 "}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("proposals:calendar") + "?year=2026"
    assert "重新计算了1个交办期限" in response.content.decode()
    assert WorkCalendarDay.objects.get(date=d("2026-10-08")).name == "国庆节"
    assignment.refresh_from_db()
    assert assignment.sign_due == d("2026-10-09")


def test_a_day_without_a_date_is_not_saved(client, coordinator):
    client.force_login(coordinator)
    before = calendar_state()
    response = client.post(reverse("proposals:calendar_day"), {"is_workday": "0", "name": "国庆节", "year": "2026"})
    assert response.status_code == 200
    assert "field--error" in response.content.decode()
    assert calendar_state() == before


def test_a_coordinator_imports_a_year(client, coordinator):
    client.force_login(coordinator)
    response = client.post(reverse("proposals:calendar_import"), {"file": xlsx_file(YEAR_2027)}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("proposals:calendar") + "?year=2027"
    page = response.content.decode()
    assert "导入2027年工作日历" in page
    assert "2027年的工作日历已录入" in page


def test_a_malformed_upload_lists_its_errors_and_changes_nothing(client, coordinator):
    client.force_login(coordinator)
    before = calendar_state()
    rows = [("2027-01-01", "休", "元旦"), ("2027-13-01", "休", ""), ("2027-01-02", "x", "")]
    response = client.post(reverse("proposals:calendar_import"), {"file": csv_file(rows, "gbk")})
    page = response.content.decode()
    assert response.status_code == 200
    assert "文件未导入，工作日历没有任何改动" in page
    assert "第3行：无法识别日期“2027-13-01”" in page
    assert "第4行：“是否工作日”应填" in page
    assert calendar_state() == before


# --- the banner -----------------------------------------------------------------------------


@pytest.fixture
def on(monkeypatch):
    def set_today(text):
        monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: d(text))

    return set_today


def warning_for(user):
    request = RequestFactory().get("/")
    request.user = user
    return calendar_warning(request)


def test_coordinators_are_warned_while_next_years_calendar_is_missing(coordinator, on, django_assert_max_num_queries):
    on("2026-11-27")
    with django_assert_max_num_queries(2):
        context = warning_for(coordinator)
    assert context["calendar_warning"] == (
        "2027年的工作日历尚未录入，涉及该年的期限暂按周一至周五计算并标为临时。请在“工作日历”中录入。"
    )


def test_no_warning_once_both_years_are_entered_and_nothing_is_provisional(
    coordinator, on, django_assert_max_num_queries
):
    on("2025-06-01")
    with django_assert_max_num_queries(2):
        assert warning_for(coordinator) == {}


def test_coordinators_are_warned_while_an_open_assignment_is_provisional(accepted, department_a, coordinator, on):
    on("2025-06-01")
    make_assignment(accepted, department_a, coordinator, d("2026-12-29"))
    assert "部分交办的期限" in warning_for(coordinator)["calendar_warning"]


def test_other_roles_and_visitors_see_no_calendar_warning(clerk_a, deputy, on, django_assert_num_queries):
    users = [clerk_a, deputy, AnonymousUser(), make_user("p_sysadmin", Role.SYSADMIN)]
    on("2026-11-27")
    with django_assert_num_queries(0):
        for user in users:
            assert warning_for(user) == {}
