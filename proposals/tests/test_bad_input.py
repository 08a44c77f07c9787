"""Bad input from a request never becomes a 500, and refusals come in Chinese."""

import uuid

from django.urls import reverse

from accounts.models import Notification
from accounts.notifications import notify
from proposals import assigning, services
from proposals.assigning import PlanLine
from proposals.forms import CategoryForm
from proposals.models import Assignment, AssignmentRequest, Category, Proposal

from .conftest import SUGGESTIONS, draft_data

Mode = Assignment.Mode


def test_a_very_long_notification_is_cut_to_fit_instead_of_failing_the_action(deputy):
    notify([deputy], "长" * 400, "/")
    assert len(Notification.objects.get().message) == 300


def test_nul_bytes_and_odd_digits_in_raw_request_input_are_harmless(
    client, coordinator, deputy, accepted, department_a
):
    assigning.assign_proposal(accepted, [PlanLine(department_a, Mode.LEAD)], coordinator)
    assignment = accepted.assignments.get()
    client.force_login(coordinator)
    assert client.get(reverse("proposals:similar"), {"title": "关于\x00科技的建议", "exclude": "²"}).status_code == 200
    assert client.get(reverse("proposals:bulk_assign"), {"ids": ["²", "9" * 30]}).status_code == 302
    response = client.post(reverse("proposals:chase", args=[assignment.pk]), {"message": "请\x00尽快"}, follow=True)
    assert "已向吉林省科学技术厅发出催办通知" in response.content.decode()
    response = client.post(
        reverse("proposals:key_supervision", args=[accepted.pk]),
        {"is_key": "on", "leader": "张\x00主任", "note": "\x00"},
        follow=True,
    )
    assert response.status_code == 200 and Proposal.objects.get(pk=accepted.pk).supervising_leader == "张主任"


def test_a_nul_byte_in_a_suggestion_is_dropped(client, deputy, session, category):
    client.force_login(deputy)
    data = {
        "title": "关于测试的建议",
        "body": "正文",
        "category": category.pk,
        "suggestion": ["第一\x00条"],
        "client_token": str(uuid.uuid4()),
    }
    client.post(reverse("proposals:create"), data)
    assert Proposal.objects.get().suggestions.get().text == "第一条"


def test_a_calendar_day_outside_the_supported_years_is_refused(client, coordinator):
    client.force_login(coordinator)
    response = client.post(reverse("proposals:calendar_day"), {"date": "9999-12-31", "is_workday": "0"}, follow=True)
    assert "日期应在2000年至2100年之间" in response.content.decode()
    assert client.get(reverse("proposals:calendar")).status_code == 200


def test_the_same_form_sent_again_with_other_content_is_refused_not_dropped(session, deputy, category):
    token = uuid.uuid4()
    services.save_draft(
        actor=deputy, session=session, data=draft_data(category), suggestions=SUGGESTIONS, client_token=token
    )
    changed = draft_data(category, title="关于改过的建议")
    try:
        services.save_draft(actor=deputy, session=session, data=changed, suggestions=SUGGESTIONS, client_token=token)
    except services.ProposalError as error:
        assert "已经保存过" in error.message
    else:
        raise AssertionError("a changed resend must be refused")
    assert Proposal.objects.get().title == "关于加强科技成果转化的建议"


def test_a_request_about_an_assignment_moved_elsewhere_lapses(
    accepted, coordinator, department_a, department_b, clerk_a
):
    lead = assigning.assign_proposal(accepted, [PlanLine(department_a, Mode.LEAD)], coordinator)[0]
    extension = assigning.request_extension(lead, clerk_a, reason="情况复杂", until=lead.max_reply_due)
    reassign = assigning.request_reassignment(lead, clerk_a, reason="不属于我厅", suggested_department=department_b)
    assigning.decide_reassignment(reassign, coordinator, approve=True)
    extension.refresh_from_db()
    assert extension.status == AssignmentRequest.Status.REFUSED
    assert "不再适用" in extension.decision_note
    try:
        assigning.decide_extension(extension, coordinator, approve=True)
    except assigning.ProposalError as error:
        assert "已经审批过" in error.message
    assert Assignment.objects.get(pk=lead.pk).reply_due == lead.reply_due


def test_reference_assignments_are_not_chased(accepted, coordinator, department_a, department_b):
    assigning.assign_proposal(
        accepted, [PlanLine(department_a, Mode.LEAD), PlanLine(department_b, Mode.REFERENCE)], coordinator
    )
    reference = accepted.assignments.get(mode=Mode.REFERENCE)
    try:
        assigning.chase(reference, coordinator)
    except assigning.ProposalError as error:
        assert "参阅单位不需答复" in error.message
    else:
        raise AssertionError("chasing a reference assignment must be refused")


def test_an_area_cannot_be_its_own_parent(db):
    area = Category.objects.create(name="经济建设")
    assert area not in CategoryForm(instance=area).fields["parent"].queryset


def test_the_system_administrator_cannot_change_a_users_role(client, sysadmin, clerk_a):
    client.force_login(sysadmin)
    page = client.get(reverse("admin:accounts_user_change", args=[clerk_a.pk])).content.decode()
    assert 'name="role"' not in page
    assert 'name="role"' in client.get(reverse("admin:accounts_user_add")).content.decode()


def test_the_work_calendar_import_refuses_dates_outside_the_supported_years(coordinator):
    import io

    from proposals import calendar

    csv = io.BytesIO("日期,是否工作日,名称\n9999-01-01,否,元旦\n".encode())
    csv.name = "2027.csv"
    try:
        calendar.import_year(csv, actor=coordinator)
    except calendar.CalendarImportError as error:
        assert any("超出范围" in m for m in error.messages)
    else:
        raise AssertionError("a year 9999 date must be refused")
