import datetime

import pytest
from django.urls import reverse

from accounts.models import Notification
from proposals import assigning
from proposals.models import Assignment, Proposal, ProposalEvent
from replies import feedback, rehandling, services
from replies.models import RehandlingDecision

from .conftest import fill, reload
from .test_feedback import DISSATISFIED, SATISFIED, rate


def proposal_of(reply):
    return Proposal.objects.get(pk=reply.assignment.proposal_id)


def sign_round(assignment, clerk, leader):
    """The department signs for the new round and issues its reply."""
    assigning.sign_for(assignment, clerk)
    reply = fill(services.start_reply(Assignment.objects.get(pk=assignment.pk), clerk), clerk)
    services.submit_for_review(reply, clerk, version=reply.version)
    services.sign(reload(reply), leader)
    return reload(reply)


@pytest.fixture
def dissatisfied(issued, deputy):
    rate(issued, deputy, SATISFIED, DISSATISFIED, comments="第二条建议没有具体措施。")
    return reload(issued)


def test_a_proposal_closes_when_every_signer_is_satisfied(issued, deputy, cosigner):
    rate(issued, deputy)
    assert proposal_of(issued).status == Proposal.Status.ASSIGNED  # the co-signer has not answered
    rate(issued, cosigner, "basic", "basic")
    proposal = proposal_of(issued)
    assert proposal.status == Proposal.Status.CLOSED
    assert "代表对答复满意或基本满意" in proposal.closing_note
    assert proposal.events.filter(kind=ProposalEvent.Kind.CLOSED).exists()


def test_a_proposal_closes_when_the_window_passes_without_dissatisfaction(issued, deputy):
    rate(issued, deputy)
    feedback.daily(today=issued.feedback_until + datetime.timedelta(days=1))
    proposal = proposal_of(issued)
    assert proposal.status == Proposal.Status.CLOSED and "反馈期限已过" in proposal.closing_note


def test_a_proposal_with_a_reply_still_owed_does_not_close(issued, deputy, cosigner, clerk_b):
    Assignment.objects.filter(pk=issued.assignment_id).update(mode=Assignment.Mode.SEPARATE)
    Assignment.objects.filter(proposal=issued.assignment.proposal, department=clerk_b.department).update(
        mode=Assignment.Mode.SEPARATE
    )
    rate(issued, deputy)
    rate(issued, cosigner)
    assert proposal_of(issued).status == Proposal.Status.ASSIGNED  # 教育厅 has not replied


def test_dissatisfaction_waits_for_the_office_and_shows_in_its_queue(dissatisfied, cosigner):
    rate(dissatisfied, cosigner)
    assert proposal_of(dissatisfied).status == Proposal.Status.ASSIGNED
    assert list(rehandling.queue()) == [dissatisfied]


def test_re_handling_a_satisfied_reply_is_refused(issued, deputy, coordinator):
    rate(issued, deputy)
    with pytest.raises(services.ReplyError, match="没有不满意的反馈"):
        rehandling.order(issued, coordinator, department=issued.department)


def test_the_office_orders_a_second_round_from_the_same_department(
    dissatisfied, coordinator, clerk_a, leader_a, deputy, cosigner
):
    assignment = rehandling.order(dissatisfied, coordinator, department=dissatisfied.department, note="请补充措施。")
    assert assignment.round == 2 and assignment.mode == Assignment.Mode.LEAD
    assert not Assignment.objects.get(pk=dissatisfied.assignment_id).is_active  # round 1 kept as the record
    assert list(rehandling.queue()) == []
    assert Notification.objects.filter(user=deputy, message__contains="重新办理").exists()
    second = sign_round(assignment, clerk_a, leader_a)
    assert second.round == 2 and second.document_number.endswith(f"〔{second.year}〕2号")
    assert Notification.objects.filter(user=cosigner, message__contains=second.document_number).exists()
    rate(second, deputy)
    rate(second, cosigner)
    assert proposal_of(second).status == Proposal.Status.CLOSED


def test_re_handling_can_go_to_another_department(dissatisfied, coordinator, department_b):
    assignment = rehandling.order(dissatisfied, coordinator, department=department_b)
    assert assignment.department == department_b
    current = Assignment.objects.filter(proposal=assignment.proposal, is_active=True)
    assert list(current.values_list("department", "mode")) == [(department_b.pk, "lead")]


def test_a_third_round_needs_an_explicit_decision(dissatisfied, coordinator, clerk_a, leader_a, deputy):
    assignment = rehandling.order(dissatisfied, coordinator, department=dissatisfied.department)
    second = sign_round(assignment, clerk_a, leader_a)
    rate(second, deputy, DISSATISFIED, DISSATISFIED, comments="仍不满意。")
    with pytest.raises(services.ReplyError, match="第3轮"):
        rehandling.order(second, coordinator, department=second.department)
    third = rehandling.order(second, coordinator, department=second.department, confirm_third=True)
    assert third.round == 3


def test_declining_with_an_explanation_closes_the_proposal(dissatisfied, coordinator, cosigner):
    rate(dissatisfied, cosigner)
    with pytest.raises(services.ReplyError, match="理由"):
        rehandling.decline(dissatisfied, coordinator, explanation=" ")
    rehandling.decline(dissatisfied, coordinator, explanation="已与代表当面沟通，代表理解目前条件限制。")
    proposal = proposal_of(dissatisfied)
    assert proposal.status == Proposal.Status.CLOSED and "当面沟通" in proposal.closing_note
    assert RehandlingDecision.objects.get().decision == "declined"


def test_the_coordinator_decides_on_the_reply_page(client, dissatisfied, coordinator):
    client.force_login(coordinator)
    page = client.get(reverse("replies:detail", args=[dissatisfied.pk])).content.decode()
    assert "代表不满意：是否重新办理" in page
    assert "第二条建议没有具体措施。" in page
    response = client.post(
        reverse("replies:rehandle", args=[dissatisfied.pk]), {"department": dissatisfied.department_id}, follow=True
    )
    assert "已要求吉林省科学技术厅重新办理" in response.content.decode()
    assert "没有待决定的重新办理。" in client.get(reverse("replies:rehandling_queue")).content.decode()


def test_a_closed_proposal_shows_when_and_why(client, issued, deputy, cosigner):
    rate(issued, deputy)
    rate(issued, cosigner)
    client.force_login(deputy)
    page = client.get(reverse("proposals:detail", args=[issued.assignment.proposal_id])).content.decode()
    assert "已办结" in page and "代表对答复满意或基本满意" in page


def test_once_the_office_decided_the_earlier_rounds_feedback_is_final(dissatisfied, coordinator, deputy, cosigner):
    rehandling.order(dissatisfied, coordinator, department=dissatisfied.department)
    with pytest.raises(services.ReplyError, match="已对这份答复作出决定"):
        rate(reload(dissatisfied), cosigner)
    from replies.panels import awaiting_feedback

    assert awaiting_feedback(cosigner) == []
