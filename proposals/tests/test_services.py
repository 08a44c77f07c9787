import datetime
import uuid

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from accounts.models import Notification
from conftest import make_user
from proposals import services
from proposals.models import CoSigner, Proposal, ProposalEvent, Session

from .conftest import SUGGESTIONS, draft_data, reload

Status = Proposal.Status
Kind = ProposalEvent.Kind


def kinds(proposal):
    return list(proposal.events.values_list("kind", flat=True))


# --- drafting and submission ------------------------------------------------------------------


def test_a_deputy_saves_a_draft_with_ordered_suggestions(make_draft, deputy):
    proposal = make_draft(deputy)
    assert proposal.status == Status.DRAFT
    assert proposal.lead_deputy == deputy.deputy
    assert list(proposal.suggestions.values_list("position", "text")) == [(1, SUGGESTIONS[0]), (2, SUGGESTIONS[1])]
    assert proposal.search_text == "\n".join([proposal.title, *SUGGESTIONS])
    assert kinds(proposal) == [Kind.CREATED]


def test_saving_changes_replaces_the_suggestions_and_bumps_the_version(make_draft, deputy, category):
    proposal = make_draft(deputy)
    services.save_draft(
        actor=deputy,
        session=proposal.session,
        data=draft_data(category),
        suggestions=["只有一条。"],
        proposal=proposal,
        version=proposal.version,
    )
    proposal = reload(proposal)
    assert list(proposal.suggestions.values_list("text", flat=True)) == ["只有一条。"]
    assert proposal.version == 2
    assert kinds(proposal) == [Kind.CREATED, Kind.EDITED]


def test_a_stale_edit_is_refused_and_does_not_overwrite_the_newer_one(make_draft, deputy, category):
    proposal = make_draft(deputy)
    services.save_draft(
        actor=deputy,
        session=proposal.session,
        data=draft_data(category, "关于第一次修改的建议"),
        suggestions=["新的。"],
        proposal=proposal,
        version=1,
    )
    with pytest.raises(services.ProposalError, match="已被修改"):
        services.save_draft(
            actor=deputy,
            session=proposal.session,
            data=draft_data(category, "关于旧页面的建议"),
            suggestions=["旧的。"],
            proposal=proposal,
            version=1,
        )
    assert reload(proposal).title == "关于第一次修改的建议"


def test_the_same_form_sent_twice_creates_one_proposal(session, deputy, category):
    token = uuid.uuid4()
    first = services.save_draft(
        actor=deputy, session=session, data=draft_data(category), suggestions=SUGGESTIONS, client_token=token
    )
    second = services.save_draft(
        actor=deputy, session=session, data=draft_data(category), suggestions=SUGGESTIONS, client_token=token
    )
    assert first.pk == second.pk
    assert Proposal.objects.count() == 1


def test_only_the_lead_deputy_edits_a_draft(make_draft, deputy, cosigner, category):
    proposal = make_draft(deputy)
    with pytest.raises(services.ProposalError, match="只有领衔代表"):
        services.save_draft(
            actor=cosigner,
            session=proposal.session,
            data=draft_data(category),
            suggestions=["x"],
            proposal=proposal,
            version=proposal.version,
        )


def test_submitting_moves_a_draft_to_review_and_records_a_snapshot(make_draft, deputy):
    proposal = services.submit_proposal(make_draft(deputy), deputy)
    assert proposal.status == Status.SUBMITTED
    assert proposal.submitted_at is not None
    event = proposal.events.get(kind=Kind.SUBMITTED)
    assert (event.from_status, event.to_status) == (Status.DRAFT, Status.SUBMITTED)
    assert event.details["suggestions"] == SUGGESTIONS


def test_submitting_twice_is_refused_with_a_clear_message(make_draft, deputy):
    proposal = services.submit_proposal(make_draft(deputy), deputy)
    with pytest.raises(services.ProposalError, match="已经提交"):
        services.submit_proposal(proposal, deputy)
    assert kinds(proposal).count(Kind.SUBMITTED) == 1


def test_a_proposal_without_suggestions_body_or_category_cannot_be_submitted(session, deputy, category):
    no_suggestions = services.save_draft(actor=deputy, session=session, data=draft_data(category), suggestions=[])
    with pytest.raises(services.ProposalError, match="至少填写一条具体建议"):
        services.submit_proposal(no_suggestions, deputy)
    no_category = services.save_draft(actor=deputy, session=session, data=draft_data(None), suggestions=["x"])
    with pytest.raises(services.ProposalError, match="请选择建议分类"):
        services.submit_proposal(no_category, deputy)
    no_body = services.save_draft(actor=deputy, session=session, data=draft_data(category, body=""), suggestions=["x"])
    with pytest.raises(services.ProposalError, match="请填写正文"):
        services.submit_proposal(no_body, deputy)


def test_a_new_proposal_after_the_deadline_is_refused_with_the_deadline(make_draft, deputy, session):
    proposal = make_draft(deputy)
    later = session.submission_deadline + datetime.timedelta(minutes=1)
    with pytest.raises(services.ProposalError, match="截止时间") as error:
        services.submit_proposal(proposal, deputy, now=later)
    assert "已过" in error.value.message
    assert reload(proposal).status == Status.DRAFT


def test_a_proposal_returned_for_revision_can_be_resubmitted_after_the_deadline(submitted, deputy, coordinator):
    services.return_for_revision(submitted, coordinator, "请补充具体措施。")
    later = submitted.session.submission_deadline + datetime.timedelta(days=3)
    proposal = services.submit_proposal(reload(submitted), deputy, now=later)
    assert proposal.status == Status.SUBMITTED
    assert kinds(proposal)[-2:] == [Kind.RETURNED, Kind.SUBMITTED]


def test_staff_enter_a_paper_proposal_straight_into_review(session, coordinator, deputy, category):
    proposal = services.enter_on_behalf(
        actor=coordinator, deputy=deputy.deputy, session=session, data=draft_data(category), suggestions=SUGGESTIONS
    )
    assert proposal.status == Status.SUBMITTED
    assert proposal.channel == Proposal.Channel.PAPER
    assert proposal.created_by == coordinator
    event = proposal.events.get()
    assert event.kind == Kind.ENTERED_BY_STAFF and event.actor == coordinator
    assert Notification.objects.filter(user=deputy).count() == 1


def test_only_coordinators_enter_proposals_on_behalf_of_deputies(session, clerk_a, deputy, category):
    with pytest.raises(services.ProposalError, match="只有交办机构"):
        services.enter_on_behalf(
            actor=clerk_a, deputy=deputy.deputy, session=session, data=draft_data(category), suggestions=SUGGESTIONS
        )


# --- co-signing ---------------------------------------------------------------------------------


def test_an_invited_co_signer_counts_only_after_confirming(make_draft, deputy, cosigner):
    proposal = make_draft(deputy)
    services.invite_cosigner(proposal, deputy, cosigner.deputy)
    assert proposal.signers_label(0) == "王宇辉"
    assert Notification.objects.filter(user=cosigner).exists()
    services.respond_to_invitation(proposal, cosigner, accept=True)
    assert Proposal.objects.for_list().get(pk=proposal.pk).signers_label() == "王宇辉等2位代表"
    assert kinds(proposal)[-2:] == [Kind.COSIGNER_INVITED, Kind.COSIGNER_CONFIRMED]


def test_a_declined_invitation_does_not_count_and_hides_the_proposal(make_draft, deputy, cosigner):
    proposal = make_draft(deputy)
    services.invite_cosigner(proposal, deputy, cosigner.deputy)
    assert Proposal.objects.visible_to(cosigner).filter(pk=proposal.pk).exists()
    services.respond_to_invitation(proposal, cosigner, accept=False)
    assert Proposal.objects.for_list().get(pk=proposal.pk).signers_label() == "王宇辉"
    assert not Proposal.objects.visible_to(cosigner).filter(pk=proposal.pk).exists()


def test_answering_an_invitation_twice_is_refused(make_draft, deputy, cosigner):
    proposal = make_draft(deputy)
    services.invite_cosigner(proposal, deputy, cosigner.deputy)
    services.respond_to_invitation(proposal, cosigner, accept=True)
    with pytest.raises(services.ProposalError, match="已答复过"):
        services.respond_to_invitation(proposal, cosigner, accept=False)


def test_inviting_the_same_deputy_twice_or_oneself_is_refused(make_draft, deputy, cosigner):
    proposal = make_draft(deputy)
    services.invite_cosigner(proposal, deputy, cosigner.deputy)
    with pytest.raises(services.ProposalError, match="已经邀请过"):
        services.invite_cosigner(proposal, deputy, cosigner.deputy)
    with pytest.raises(services.ProposalError, match="不需要邀请自己"):
        services.invite_cosigner(proposal, deputy, deputy.deputy)


def test_a_co_signer_is_found_by_name_and_by_name_with_delegation(deputy, cosigner):
    make_user("p_other_liu", "deputy", full_name="刘晓梅", delegation="延边代表团")
    with pytest.raises(services.ProposalError, match="有多位名为“刘晓梅”的代表"):
        services.find_deputy("刘晓梅")
    assert services.find_deputy("刘晓梅（吉林市代表团）") == cosigner.deputy
    assert services.find_deputy(" 刘晓梅(吉林市代表团) ") == cosigner.deputy
    assert services.find_deputy("王宇辉") == deputy.deputy


def test_a_co_signer_who_is_not_a_deputy_is_refused_by_name(clerk_a):
    with pytest.raises(services.ProposalError, match="不是人大代表"):
        services.find_deputy(clerk_a.full_name)
    with pytest.raises(services.ProposalError, match="没有找到"):
        services.find_deputy("查无此人")


# --- withdrawal ----------------------------------------------------------------------------------


def test_a_proposal_without_co_signers_is_withdrawn_at_once(submitted, deputy):
    services.request_withdrawal(submitted, deputy)
    assert reload(submitted).status == Status.WITHDRAWN


def test_a_joint_proposal_is_withdrawn_only_when_every_confirmed_co_signer_agrees(
    submitted, deputy, cosigner, outsider_deputy
):
    for other in (cosigner, outsider_deputy):
        services.invite_cosigner(submitted, deputy, other.deputy)
        services.respond_to_invitation(submitted, other, accept=True)
    services.request_withdrawal(submitted, deputy)
    assert reload(submitted).status == Status.SUBMITTED
    services.agree_to_withdraw(submitted, cosigner)
    assert reload(submitted).status == Status.SUBMITTED
    with pytest.raises(services.ProposalError, match="已同意"):
        services.agree_to_withdraw(submitted, cosigner)
    services.agree_to_withdraw(submitted, outsider_deputy)
    assert reload(submitted).status == Status.WITHDRAWN
    assert kinds(submitted)[-4:] == [
        Kind.WITHDRAWAL_REQUESTED,
        Kind.WITHDRAWAL_AGREED,
        Kind.WITHDRAWAL_AGREED,
        Kind.WITHDRAWN,
    ]


def test_only_the_lead_deputy_asks_to_withdraw(submitted, cosigner, deputy):
    services.invite_cosigner(submitted, deputy, cosigner.deputy)
    services.respond_to_invitation(submitted, cosigner, accept=True)
    with pytest.raises(services.ProposalError, match="只有领衔代表"):
        services.request_withdrawal(submitted, cosigner)


# --- review --------------------------------------------------------------------------------------


def test_accepting_gives_the_next_number_of_the_session_and_tells_the_signers(
    make_submitted, deputy, coordinator, django_capture_on_commit_callbacks
):
    first, second = make_submitted(deputy, "关于第一件的建议"), make_submitted(deputy, "关于第二件的建议")
    # Jobs left by tests outside a test transaction (a reused test database) do not count.
    jobs = "SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'accounts.tasks.email_notifications'"
    with connection.cursor() as cursor:
        cursor.execute(jobs)
        before = cursor.fetchone()[0]
    with django_capture_on_commit_callbacks(execute=True):
        services.accept_proposal(second, coordinator)
        services.accept_proposal(first, coordinator)
    assert (reload(second).number, reload(first).number) == (1, 2)
    assert Session.objects.get(pk=first.session_id).last_number == 2
    assert reload(first).accepted_at is not None
    message = Notification.objects.filter(user=deputy).latest("id").message
    assert "已立案" in message and "第2号" in message
    with connection.cursor() as cursor:
        cursor.execute(jobs)
        assert cursor.fetchone()[0] - before == 2  # one email job per acceptance


def test_numbers_are_counted_per_session(make_submitted, deputy, coordinator, session):
    other_session = Session.objects.create(
        name="省十四届人大四次会议",
        level="provincial",
        term=14,
        session_no=4,
        opens_on=session.opens_on,
        closes_on=session.closes_on,
        submission_deadline=session.submission_deadline,
    )
    here = services.accept_proposal(make_submitted(deputy), coordinator)
    there = services.accept_proposal(
        make_submitted(deputy, "关于下一次会议的建议", in_session=other_session), coordinator
    )
    assert (here.number, there.number) == (1, 1)


def test_accepting_an_accepted_proposal_is_refused_and_keeps_its_number(accepted, coordinator):
    with pytest.raises(services.ProposalError, match="已立案"):
        services.accept_proposal(accepted, coordinator)
    assert reload(accepted).number == 1
    assert Session.objects.get(pk=accepted.session_id).last_number == 1


def test_only_coordinators_review(submitted, clerk_a, deputy):
    for user in (clerk_a, deputy):
        with pytest.raises(services.ProposalError, match="只有交办机构"):
            services.accept_proposal(submitted, user)
    assert reload(submitted).status == Status.SUBMITTED


def test_returning_for_revision_needs_a_message_and_tells_the_deputy(submitted, coordinator, deputy):
    with pytest.raises(services.ProposalError, match="修改完善"):
        services.return_for_revision(submitted, coordinator, "  ")
    services.return_for_revision(submitted, coordinator, "请补充具体措施。")
    proposal = reload(submitted)
    assert proposal.status == Status.RETURNED and proposal.review_message == "请补充具体措施。"
    assert proposal.is_editable
    assert "请补充具体措施" in Notification.objects.filter(user=deputy).latest("id").message


def test_not_accepting_records_the_statutory_reason_and_disposition(submitted, coordinator):
    services.not_accept(submitted, coordinator, reason="personal", note="", disposition="letter")
    proposal = reload(submitted)
    assert proposal.status == Status.NOT_ACCEPTED
    assert proposal.get_not_accepted_reason_display() == "涉及代表本人及其亲属个人事务"
    assert proposal.get_disposition_display() == "作代表来信处理"
    event = proposal.events.get(kind=Kind.NOT_ACCEPTED)
    assert event.details == {"reason": "personal", "disposition": "letter"}


def test_returning_to_the_deputy_needs_an_explanation(submitted, coordinator):
    with pytest.raises(services.ProposalError, match="退回代表时请写明说明"):
        services.not_accept(submitted, coordinator, reason="academic", note="", disposition="returned")
    services.not_accept(
        submitted, coordinator, reason="academic", note="属于学术探讨，建议以论文形式发表。", disposition="returned"
    )
    assert reload(submitted).status == Status.NOT_ACCEPTED


def test_coordinators_do_not_see_deputies_drafts(make_draft, deputy, coordinator):
    draft = make_draft(deputy)
    assert not Proposal.objects.visible_to(coordinator).filter(pk=draft.pk).exists()


def test_the_reason_other_needs_an_explanation(submitted, coordinator):
    with pytest.raises(services.ProposalError, match="其他"):
        services.not_accept(submitted, coordinator, reason="other", note="", disposition="letter")
    with pytest.raises(services.ProposalError, match="理由"):
        services.not_accept(submitted, coordinator, reason="made-up", note="x", disposition="returned")


def test_merged_proposals_stay_separate_and_are_linked(make_submitted, deputy, outsider_deputy, coordinator):
    main = services.accept_proposal(make_submitted(deputy, "关于加强科技成果转化的建议"), coordinator)
    other = services.accept_proposal(make_submitted(outsider_deputy, "关于促进科技成果转化的建议"), coordinator)
    third = make_submitted(outsider_deputy, "关于科技成果转化的建议")
    services.merge_proposals(other, main, coordinator)
    services.merge_proposals(third, other, coordinator)  # joins the group's head
    assert reload(other).merged_into == main and reload(third).merged_into == main
    assert {p.pk for p in main.merged.all()} == {other.pk, third.pk}
    assert reload(other).status == Status.ACCEPTED and reload(other).number == 2
    with pytest.raises(services.ProposalError, match="自身"):
        services.merge_proposals(main, other, coordinator)


def test_merging_across_sessions_is_refused(make_submitted, deputy, coordinator, past_session):
    here = make_submitted(deputy)
    there = Proposal.objects.create(
        session=past_session,
        title="关于往届的建议",
        body="x",
        lead_deputy=deputy.deputy,
        status=Status.SUBMITTED,
        created_by=deputy,
    )
    with pytest.raises(services.ProposalError, match="同一会次"):
        services.merge_proposals(here, there, coordinator)


# --- the event log ---------------------------------------------------------------------------------


def test_the_event_log_cannot_be_changed_or_deleted(submitted):
    event = submitted.events.first()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        ProposalEvent.objects.filter(pk=event.pk).update(message="改写历史")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        ProposalEvent.objects.filter(pk=event.pk).delete()


def test_every_transition_writes_who_and_when(submitted, coordinator):
    before = timezone.now()
    services.accept_proposal(submitted, coordinator)
    event = submitted.events.get(kind=Kind.ACCEPTED)
    assert event.actor == coordinator and event.created_at >= before
    assert (event.from_status, event.to_status, event.details) == (Status.SUBMITTED, Status.ACCEPTED, {"number": 1})


def test_cosigner_rows_are_unique_per_proposal(make_draft, deputy, cosigner):
    proposal = make_draft(deputy)
    CoSigner.objects.create(proposal=proposal, deputy=cosigner.deputy)
    with pytest.raises(Exception), transaction.atomic():  # noqa: B017 - IntegrityError from the constraint
        CoSigner.objects.create(proposal=proposal, deputy=cosigner.deputy)
