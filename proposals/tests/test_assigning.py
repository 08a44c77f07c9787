import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Department, Notification
from conftest import make_user
from proposals import assigning, deadlines
from proposals.assigning import PlanLine
from proposals.models import Assignment, AssignmentRequest, Proposal, ProposalEvent

from .conftest import registered, reload

Mode = Assignment.Mode
Kind = ProposalEvent.Kind


@pytest.fixture
def department_c(db):
    return Department.objects.create(name="吉林省人力资源和社会保障厅", short_name="省人社厅", doc_code="吉人社函")


@pytest.fixture
def assigned(accepted, coordinator, department_a, department_b, clerk_a, clerk_b):
    plan = [PlanLine(department_a, Mode.LEAD), PlanLine(department_b, Mode.COHANDLER)]
    assigning.assign_proposal(accepted, plan, coordinator)
    return reload(accepted)


def lead_of(proposal):
    return proposal.assignments.current().get(mode=Mode.LEAD)


# --- the plan rules --------------------------------------------------------------------------------


def test_a_plan_needs_exactly_one_lead(department_a, department_b):
    assert assigning.check_plan([PlanLine(department_a, Mode.LEAD)]) == []
    assert (
        "只能有一个主办单位"
        in assigning.check_plan([PlanLine(department_a, Mode.LEAD), PlanLine(department_b, Mode.LEAD)])[0]
    )
    assert "需要指定一个主办单位" in assigning.check_plan([PlanLine(department_a, Mode.REFERENCE)])[0]


def test_a_co_handler_needs_a_lead(department_a, department_b):
    errors = assigning.check_plan([PlanLine(department_a, Mode.COHANDLER)])
    assert "协办单位须有主办单位" in errors[0]


def test_separate_handling_has_no_lead_and_no_co_handler(department_a, department_b, department_c):
    ok = [PlanLine(department_a, Mode.SEPARATE), PlanLine(department_b, Mode.SEPARATE)]
    assert assigning.check_plan(ok) == []
    assert "不能再指定主办单位" in assigning.check_plan([*ok, PlanLine(department_c, Mode.LEAD)])[0]
    assert "不设协办单位" in assigning.check_plan([*ok, PlanLine(department_c, Mode.COHANDLER)])[0]


def test_a_department_appears_once_and_must_be_active(department_a, department_b):
    department_b.is_active = False
    department_b.save()
    errors = assigning.check_plan(
        [
            PlanLine(department_a, Mode.LEAD),
            PlanLine(department_a, Mode.COHANDLER),
            PlanLine(department_b, Mode.REFERENCE),
        ]
    )
    assert any("出现了两次" in e for e in errors)
    assert any("已停用" in e for e in errors)


# --- assigning ---------------------------------------------------------------------------------------


def test_assigning_records_deadlines_and_how_they_were_computed(assigned, department_a):
    lead = lead_of(assigned)
    assigned_on = timezone.localdate(lead.assigned_at)
    assert assigned.status == Proposal.Status.ASSIGNED
    assert lead.reply_due == deadlines.add_months(assigned_on, 3)
    assert lead.max_reply_due == deadlines.add_months(assigned_on, 6)
    assert lead.sign_due > assigned_on and lead.reassign_until >= lead.sign_due
    assert "3个月" in lead.deadline_basis["reply_due"]
    cohandler = assigned.assignments.get(mode=Mode.COHANDLER)
    assert cohandler.opinion_due == deadlines.add_months(assigned_on, 1) and cohandler.reply_due is None
    assert assigned.events.filter(kind=Kind.ASSIGNED).count() == 1


def test_the_departments_and_the_deputy_are_told_of_the_assignment(assigned, clerk_a, clerk_b, deputy):
    assert "新交办" in Notification.objects.get(user=clerk_a).message
    assert "协办" in Notification.objects.get(user=clerk_b).message
    assert "吉林省科学技术厅（主办）" in Notification.objects.filter(user=deputy).latest("id").message


def test_only_registered_proposals_are_assigned(submitted, coordinator, department_a):
    with pytest.raises(assigning.ProposalError, match="只能交办已立案"):
        assigning.assign_proposal(submitted, [PlanLine(department_a, Mode.LEAD)], coordinator)


def test_assigning_twice_is_refused(assigned, coordinator, department_a):
    with pytest.raises(assigning.ProposalError, match="只能交办已立案且尚未交办"):
        assigning.assign_proposal(assigned, [PlanLine(department_a, Mode.LEAD)], coordinator)


def test_only_coordinators_assign(accepted, clerk_a, department_a):
    with pytest.raises(assigning.ProposalError, match="只有交办机构"):
        assigning.assign_proposal(accepted, [PlanLine(department_a, Mode.LEAD)], clerk_a)


def test_bulk_assignment_of_a_thousand_proposals_runs_a_constant_number_of_queries(
    session, deputy, coordinator, department_a, department_b, clerk_a, django_assert_max_num_queries
):
    proposals = registered(session, deputy, range(1, 1001))
    plan = [PlanLine(department_a, Mode.LEAD), PlanLine(department_b, Mode.COHANDLER)]
    with django_assert_max_num_queries(14):
        assigning.bulk_assign(proposals, plan, coordinator)
    assert Assignment.objects.count() == 2000
    assert Proposal.objects.filter(status=Proposal.Status.ASSIGNED).count() == 1000
    assert Notification.objects.filter(user=clerk_a).count() == 1000


def test_bulk_assignment_stops_entirely_when_one_proposal_is_not_ready(
    accepted, make_submitted, deputy, coordinator, department_a
):
    pending = make_submitted(deputy, "关于尚未立案的建议")
    with pytest.raises(assigning.ProposalError, match="待审查"):
        assigning.bulk_assign([accepted, pending], [PlanLine(department_a, Mode.LEAD)], coordinator)
    assert not Assignment.objects.exists()


# --- the department ----------------------------------------------------------------------------------


def test_a_clerk_signs_for_their_departments_assignment_once(assigned, clerk_a, clerk_b):
    lead = lead_of(assigned)
    with pytest.raises(assigning.ProposalError, match="只有承办单位"):
        assigning.sign_for(lead, clerk_b)
    assigning.sign_for(lead, clerk_a)
    assert reload(assigned).assignments.get(pk=lead.pk).signed_by == clerk_a
    with pytest.raises(assigning.ProposalError, match="已签收"):
        assigning.sign_for(lead, clerk_a)


def test_a_reassignment_request_inside_the_window_reaches_the_coordinators(
    assigned, clerk_b, coordinator, department_c
):
    cohandler = assigned.assignments.get(mode=Mode.COHANDLER)
    assigning.request_reassignment(cohandler, clerk_b, reason="不属于我厅职责。", suggested_department=department_c)
    assert AssignmentRequest.objects.get().status == AssignmentRequest.Status.PENDING
    assert "申请调整" in Notification.objects.filter(user=coordinator).latest("id").message
    with pytest.raises(assigning.ProposalError, match="已经提交过调整申请"):
        assigning.request_reassignment(cohandler, clerk_b, reason="再次申请")


def test_a_late_reassignment_request_is_refused_with_the_closing_date(assigned, clerk_a):
    lead = lead_of(assigned)
    late = lead.reassign_until + datetime.timedelta(days=1)
    with pytest.raises(assigning.ProposalError, match="申请调整的期限已于") as error:
        assigning.request_reassignment(lead, clerk_a, reason="不属于我厅职责。", today=late)
    assert str(lead.reassign_until.year) in error.value.message
    assert not AssignmentRequest.objects.exists()


def test_approving_a_reassignment_moves_the_assignment_and_restarts_its_clock(
    assigned, clerk_b, coordinator, department_c, deputy
):
    cohandler = assigned.assignments.get(mode=Mode.COHANDLER)
    request = assigning.request_reassignment(
        cohandler, clerk_b, reason="不属于我厅职责。", suggested_department=department_c
    )
    hr_clerk = make_user("p_clerk_c", "clerk", department=department_c)
    later = timezone.now() + datetime.timedelta(days=2)
    moved = assigning.decide_reassignment(request, coordinator, approve=True, now=later)
    assert moved.department == department_c and moved.mode == Mode.COHANDLER
    assert moved.assigned_at == later
    assert not reload(assigned).assignments.get(pk=cohandler.pk).is_active
    assert list(
        assigned.assignments.current().values_list("department__name", flat=True).order_by("department__name")
    ) == sorted(["吉林省科学技术厅", "吉林省人力资源和社会保障厅"])
    assert Notification.objects.filter(user=hr_clerk).exists()
    assert "改由吉林省人力资源和社会保障厅承办" in Notification.objects.filter(user=deputy).latest("id").message
    assert assigned.events.filter(kind=Kind.REASSIGNMENT_APPROVED).exists()


def test_refusing_a_reassignment_needs_a_reason(assigned, clerk_b, coordinator):
    cohandler = assigned.assignments.get(mode=Mode.COHANDLER)
    request = assigning.request_reassignment(cohandler, clerk_b, reason="不属于我厅职责。")
    with pytest.raises(assigning.ProposalError, match="写明理由"):
        assigning.decide_reassignment(request, coordinator, approve=False)
    assigning.decide_reassignment(request, coordinator, approve=False, note="与你厅职责相关，请认真办理。")
    request.refresh_from_db()
    assert request.status == AssignmentRequest.Status.REFUSED
    assert "调整申请未获同意" in Notification.objects.filter(user=clerk_b).latest("id").message
    with pytest.raises(assigning.ProposalError, match="已经审批过"):
        assigning.decide_reassignment(request, coordinator, approve=True)


def test_a_decision_on_a_stale_page_is_refused(assigned, clerk_b, coordinator):
    cohandler = assigned.assignments.get(mode=Mode.COHANDLER)
    request = assigning.request_reassignment(cohandler, clerk_b, reason="不属于我厅职责。")
    seen_version = cohandler.version
    assigning.sign_for(cohandler, clerk_b)  # the assignment changes meanwhile
    with pytest.raises(assigning.ProposalError, match="已有变化"):
        assigning.decide_reassignment(request, coordinator, approve=False, note="x", version=seen_version)


def test_an_extension_is_allowed_up_to_six_months_and_the_deputy_is_told(assigned, clerk_a, coordinator, deputy):
    lead = lead_of(assigned)
    with pytest.raises(assigning.ProposalError, match="不能超过"):
        assigning.request_extension(lead, clerk_a, reason="情况复杂", until=lead.max_reply_due + datetime.timedelta(1))
    with pytest.raises(assigning.ProposalError, match="应晚于"):
        assigning.request_extension(lead, clerk_a, reason="情况复杂", until=lead.reply_due)
    request = assigning.request_extension(lead, clerk_a, reason="需要跨部门协调。", until=lead.max_reply_due)
    with pytest.raises(assigning.ProposalError, match="不能超过"):
        assigning.decide_extension(
            request, coordinator, approve=True, new_due=lead.max_reply_due + datetime.timedelta(1)
        )
    assigning.decide_extension(request, coordinator, approve=True, new_due=lead.max_reply_due - datetime.timedelta(10))
    lead = reload(assigned).assignments.get(pk=lead.pk)
    assert lead.reply_due == lead.max_reply_due - datetime.timedelta(10)
    assert "经批准延期" in lead.deadline_basis["reply_due"]
    assert "答复期限已延至" in Notification.objects.filter(user=deputy).latest("id").message


def test_a_co_handler_does_not_ask_for_a_reply_extension(assigned, clerk_b):
    cohandler = assigned.assignments.get(mode=Mode.COHANDLER)
    with pytest.raises(assigning.ProposalError, match="只有主办或分办"):
        assigning.request_extension(cohandler, clerk_b, reason="x", until=datetime.date(2030, 1, 1))


def test_a_chase_notice_goes_to_the_department_and_onto_the_timeline(assigned, coordinator, clerk_a, leader_a):
    assigning.chase(lead_of(assigned), coordinator, message="请于本周内报送答复。")
    assert "催办" in Notification.objects.filter(user=leader_a).latest("id").message
    event = assigned.events.get(kind=Kind.CHASED)
    assert event.message == "请于本周内报送答复。" and event.details["department"] == "吉林省科学技术厅"


def test_key_supervision_needs_a_supervising_leader(assigned, coordinator):
    with pytest.raises(assigning.ProposalError, match="督办领导"):
        assigning.set_key_supervision(assigned, coordinator, is_key=True)
    assigning.set_key_supervision(assigned, coordinator, is_key=True, leader="张副主任", note="季度调度")
    assert reload(assigned).is_key
    assert Proposal.objects.filter(is_key=True).count() == 1


# --- what department users see -------------------------------------------------------------------------


def test_department_users_see_proposals_assigned_to_them_and_nothing_else(
    assigned, clerk_a, clerk_b, department_c, submitted
):
    assert list(Proposal.objects.visible_to(clerk_a)) == [assigned]
    assert list(Proposal.objects.visible_to(clerk_b)) == [assigned]
    outsider = make_user("p_clerk_c2", "clerk", department=department_c)
    assert not Proposal.objects.visible_to(outsider).exists()


def test_the_inbox_lists_the_departments_assignments_with_their_state(client, assigned, clerk_a):
    client.force_login(clerk_a)
    page = client.get(reverse("proposals:inbox")).content.decode()
    assert assigned.title in page
    assert "未签收" in page
    client.post(reverse("proposals:sign", args=[lead_of(assigned).pk]), {"from": "inbox"})
    page = client.get(reverse("proposals:inbox")).content.decode()
    assert "办理中" in page


def test_the_inbox_shows_each_deadline_with_its_basis_and_marks_provisional_ones(client, assigned, clerk_a):
    lead = lead_of(assigned)
    Assignment.objects.filter(pk=lead.pk).update(
        provisional=True, deadline_basis={**lead.deadline_basis, "sign_due": "交办后 5 个工作日 <临时>"}
    )
    client.force_login(clerk_a)
    page = client.get(reverse("proposals:inbox")).content.decode()
    sign_due = f"{lead.sign_due:%Y-%m-%d}"
    basis = "交办后 5 个工作日 &lt;临时&gt;"
    assert f'<span title="{basis}" class="deadline deadline--provisional">{sign_due}*</span>' in page
    Assignment.objects.filter(pk=lead.pk).update(provisional=False)
    page = client.get(reverse("proposals:inbox")).content.decode()
    assert f'class="deadline">{sign_due}</span>' in page and f"{sign_due}*" not in page
    reply_due = f"{lead.reply_due:%Y-%m-%d}"
    assert f'<span title="{lead.deadline_basis["reply_due"]}" class="deadline">{reply_due}</span>' in page


def test_the_inbox_runs_a_fixed_number_of_queries(
    client, session, deputy, coordinator, department_a, clerk_a, django_assert_max_num_queries
):
    proposals = registered(session, deputy, range(1, 31))
    assigning.bulk_assign(proposals, [PlanLine(department_a, Mode.LEAD)], coordinator)
    client.force_login(clerk_a)
    # + the filter form's choice lists (sessions, categories, delegations)
    with django_assert_max_num_queries(9):
        client.get(reverse("proposals:inbox"))


def test_bulk_assignment_of_a_thousand_proposals_through_the_page_is_one_request(
    client, session, deputy, coordinator, department_a, clerk_a, django_assert_max_num_queries
):
    proposals = registered(session, deputy, range(1, 1001))
    client.force_login(coordinator)
    data = {"ids": [p.pk for p in proposals], "plan_department": [department_a.pk], "plan_mode": [Mode.LEAD]}
    # the same whether 10 or 1,000 proposals: session, user, the proposals and their hoped-for
    # departments, the plan's departments, then bulk_assign's own constant set
    with django_assert_max_num_queries(18):
        response = client.post(reverse("proposals:bulk_assign"), data)
    assert response["Location"] == reverse("proposals:list")
    assert "已交办1000件建议" in client.get(response["Location"]).content.decode()
    assert Assignment.objects.filter(department=department_a).count() == 1000


def test_every_registered_proposal_matching_the_list_filter_can_be_assigned_at_once(
    client, session, deputy, coordinator, department_a, make_submitted
):
    proposals = registered(session, deputy, range(1, 41))
    make_submitted(deputy, "关于尚未立案的建议")
    client.force_login(coordinator)
    page = client.get(reverse("proposals:bulk_assign"), {"number_max": 30, "all": "1"})
    assert len(page.context["proposals"]) == 30
    data = {"number_max": "30", "all": "1", "plan_department": [department_a.pk], "plan_mode": [Mode.LEAD]}
    client.post(reverse("proposals:bulk_assign"), data)
    assert Assignment.objects.count() == 30
    assert set(Assignment.objects.values_list("proposal__number", flat=True)) == set(range(1, 31))
    assert proposals


def test_the_bulk_page_shows_the_ticked_proposals_and_refuses_a_bad_plan(client, accepted, coordinator, department_a):
    client.force_login(coordinator)
    page = client.get(reverse("proposals:bulk_assign"), {"ids": [accepted.pk]}).content.decode()
    assert accepted.title in page
    data = {"ids": [accepted.pk], "plan_department": [department_a.pk], "plan_mode": [Mode.COHANDLER]}
    response = client.post(reverse("proposals:bulk_assign"), data)
    assert "协办单位须有主办单位" in response.content.decode()
    assert not Assignment.objects.exists()


def test_the_proposal_page_shows_an_approved_extension_and_reassignment_as_old_to_new(
    client, assigned, clerk_a, clerk_b, coordinator, department_c
):
    # They were once logged as the proposal's statuses: the page answered 500 afterwards, and a
    # department name over 20 characters could not even be saved.
    department_c.name = "吉林省人力资源和社会保障厅与省医疗保障局联合办公室"
    department_c.save()
    lead = lead_of(assigned)
    new_due = lead.max_reply_due - datetime.timedelta(10)
    request = assigning.request_extension(lead, clerk_a, reason="需要跨部门协调。", until=lead.max_reply_due)
    assigning.decide_extension(request, coordinator, approve=True, new_due=new_due)
    cohandler = assigned.assignments.get(mode=Mode.COHANDLER)
    moved = assigning.request_reassignment(
        cohandler, clerk_b, reason="不属于我厅职责。", suggested_department=department_c
    )
    assigning.decide_reassignment(moved, coordinator, approve=True)
    event = assigned.events.get(kind=Kind.EXTENSION_APPROVED)
    assert (event.from_status, event.to_status) == ("", "")
    assert event.details["new"] == new_due.isoformat()
    client.force_login(coordinator)
    page = client.get(reverse("proposals:detail", args=[assigned.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert f"{lead.reply_due.isoformat()} → {new_due.isoformat()}" in text
    assert "→ 吉林省人力资源和社会保障厅与省医疗保障局联合办公室" in text
