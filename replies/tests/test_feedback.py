import datetime
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification
from proposals.models import Assignment, ProposalEvent
from replies import feedback, services
from replies.models import Feedback, Reply

SATISFIED, BASIC, DISSATISFIED = "satisfied", "basic", "dissatisfied"


def rate(reply, actor, attitude=SATISFIED, result=SATISFIED, comments="", today=None):
    return feedback.give(
        reply, actor, attitude=attitude, result=result, contacted="phone", comments=comments, today=today
    )


def test_signing_opens_a_window_of_one_month(issued):
    today = timezone.localdate()
    from proposals.deadlines import add_months

    assert issued.feedback_until == add_months(today, 1)
    assert issued.feedback_until > today + datetime.timedelta(days=27)


def test_the_lead_and_every_confirmed_cosigner_rate_the_reply(issued, deputy, cosigner):
    rate(issued, deputy)
    rate(issued, cosigner, BASIC, SATISFIED)
    assert {(f.deputy.user, f.attitude, f.result) for f in Feedback.objects.all()} == {
        (deputy, SATISFIED, SATISFIED),
        (cosigner, BASIC, SATISFIED),
    }
    assert issued.assignment.proposal.events.filter(kind=ProposalEvent.Kind.FEEDBACK).count() == 2


def test_someone_who_is_not_a_signer_cannot_give_feedback(issued, outsider_deputy, clerk_a):
    for actor in (outsider_deputy, clerk_a):
        with pytest.raises(services.ReplyError, match="只有提出这件建议的代表"):
            rate(issued, actor)


def test_dissatisfaction_needs_reasons_and_tells_the_office(issued, deputy, coordinator):
    with pytest.raises(services.ReplyError, match="请写明理由"):
        rate(issued, deputy, DISSATISFIED, SATISFIED, comments="  ")
    assert not Feedback.objects.exists()
    rate(issued, deputy, SATISFIED, DISSATISFIED, comments="没有回应第二条建议。")
    assert Notification.objects.filter(user=coordinator, message__contains="不满意").exists()


def test_a_second_submission_corrects_the_first(issued, deputy):
    rate(issued, deputy, DISSATISFIED, DISSATISFIED, comments="不满意。")
    rate(issued, deputy, BASIC, BASIC)
    assert Feedback.objects.get().attitude == BASIC and Feedback.objects.count() == 1


def test_feedback_after_the_window_is_refused(issued, deputy):
    after = issued.feedback_until + datetime.timedelta(days=1)
    with pytest.raises(services.ReplyError, match="反馈期限已于"):
        rate(issued, deputy, today=after)
    rate(issued, deputy, today=issued.feedback_until)  # the last day still counts


def test_a_week_before_the_window_closes_those_who_have_not_answered_are_reminded(
    issued, deputy, cosigner, django_capture_on_commit_callbacks
):
    rate(issued, deputy)
    week_before = issued.feedback_until - datetime.timedelta(days=7)
    assert feedback.daily(today=week_before - datetime.timedelta(days=1)) == (0, 0)
    with django_capture_on_commit_callbacks(execute=True):
        assert feedback.daily(today=week_before) == (1, 0)
    assert Notification.objects.filter(user=cosigner, message__contains="提出反馈意见").count() == 1
    assert not Notification.objects.filter(user=deputy, message__contains="提出反馈意见").exists()
    assert feedback.daily(today=week_before) == (0, 0)  # never twice


def test_no_answer_by_the_end_is_recorded_as_no_feedback_once(issued, deputy, cosigner):
    rate(issued, deputy)
    after = issued.feedback_until + datetime.timedelta(days=1)
    assert feedback.daily(today=after) == (0, 1)
    assert feedback.daily(today=after) == (0, 0)
    missing = Feedback.objects.get(responded=False)
    assert missing.deputy.user == cosigner and missing.attitude == ""
    with pytest.raises(services.ReplyError):
        rate(issued, cosigner, today=issued.feedback_until)  # final once recorded


def test_the_deputy_rates_on_the_reply_page(client, issued, deputy):
    client.force_login(deputy)
    page = client.get(reverse("replies:detail", args=[issued.pk])).content.decode()
    assert "办理情况意见反馈" in page and "提交反馈" in page
    response = client.post(
        reverse("replies:feedback", args=[issued.pk]),
        {"attitude": DISSATISFIED, "result": SATISFIED, "contacted": "phone"},
    )
    html = response.content.decode()
    assert response.status_code == 200 and "请写明理由" in html and not Feedback.objects.exists()
    data = {"attitude": SATISFIED, "result": BASIC, "contacted": "in_person", "comments": "<b>谢谢</b>"}
    response = client.post(reverse("replies:feedback", args=[issued.pk]), data, follow=True)
    assert "已提交反馈意见" in response.content.decode() and "修改反馈" in response.content.decode()


def test_the_department_sees_each_deputys_feedback_escaped(client, issued, deputy, clerk_a):
    rate(issued, deputy, SATISFIED, DISSATISFIED, comments="<script>x</script>")
    client.force_login(clerk_a)
    page = client.get(reverse("replies:detail", args=[issued.pk])).content.decode()
    assert "代表反馈" in page and "&lt;script&gt;x&lt;/script&gt;" in page and "待反馈" in page


def test_the_deputy_home_lists_replies_awaiting_feedback(client, issued, deputy):
    client.force_login(deputy)
    assert "待反馈的答复" in client.get("/").content.decode()
    page = client.get("/").content.decode()
    assert page.split("待反馈的答复")[1].split("</section>")[0].count("关于加强科技成果转化的建议") == 1
    rate(issued, deputy)
    page = client.get("/").content.decode()
    assert "没有待反馈的答复。" in page


def test_the_deputy_home_lists_the_ten_replies_signed_last_newest_first(client, issued, deputy):
    # eleven more signed rounds of the same reply, each signed a day after the one before
    for round_ in range(2, 13):
        Reply.objects.create(
            **{
                f.attname: getattr(issued, f.attname)
                for f in Reply._meta.concrete_fields
                if f.attname not in ("id", "round", "signed_at", "document_number")
            },
            round=round_,
            signed_at=issued.signed_at + datetime.timedelta(days=round_),
            document_number=f"第{round_}号",
        )
    client.force_login(deputy)
    panel = client.get("/").content.decode().split("收到的答复")[1].split("</section>")[0]
    links = [f"/replies/{pk}/" for pk in Reply.objects.order_by("-signed_at").values_list("pk", flat=True)]
    assert [link for link in links if link in panel] == links[:10]
    assert panel.index(links[0]) < panel.index(links[9])


def test_the_proposal_page_offers_the_deputy_the_reply_downloads_and_the_feedback_form(client, issued, deputy):
    client.force_login(deputy)
    url = reverse("proposals:detail", args=[issued.assignment.proposal_id])
    page = client.get(url).content.decode()
    assert reverse("replies:pdf", args=[issued.pk]) in page and reverse("replies:docx", args=[issued.pk]) in page
    assert "请提出反馈意见" in page and 'aria-current="step">答复' not in page
    assert 'progress-steps__step--done">答复' in page  # the reply is issued; feedback and closing remain
    rate(issued, deputy)
    assert "请提出反馈意见" not in client.get(url).content.decode()


def test_the_proposal_page_prompts_for_feedback_whatever_other_replies_await_it(client, issued, deputy):
    """The home panel shows the ten windows that close first; the proposal page looks at its own
    replies, not at those ten."""
    earlier = issued.feedback_until - datetime.timedelta(days=1)
    for n in range(10):
        proposal = issued.assignment.proposal
        proposal.pk, proposal._state.adding = None, True
        proposal.number, proposal.client_token = 900 + n, uuid.uuid4()
        proposal.save()
        assignment = Assignment.objects.get(pk=issued.assignment_id)
        assignment.pk, assignment._state.adding, assignment.proposal = None, True, proposal
        assignment.save()
        other = Reply.objects.get(pk=issued.pk)
        other.pk, other._state.adding = None, True
        other.assignment, other.feedback_until, other.serial, other.document_number = assignment, earlier, 900 + n, ""
        other.save()
    client.force_login(deputy)
    home = client.get("/").content.decode().split("待反馈的答复")[1].split("</section>")[0]
    assert home.count("关于加强科技成果转化的建议") == 10  # the ten that close first
    url = reverse("proposals:detail", args=[issued.assignment.proposal_id])
    assert "请提出反馈意见" in client.get(url).content.decode()
