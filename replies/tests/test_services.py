import datetime

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.utils import timezone

from accounts.models import Notification
from conftest import make_user
from proposals.models import Assignment, ProposalEvent
from replies import scaffold, services
from replies.models import ContactRecord, Delivery, DocumentSeries, Reply, ReplyVersion

from .conftest import fill, reload


@pytest.fixture
def leader_b(department_b):
    return make_user("p_leader_b", "leader", department=department_b, full_name="周文军")


def contact(assignment, actor, **fields):
    data = {
        "date": timezone.localdate(),
        "form": ContactRecord.Form.PHONE,
        "participants": "赵磊",
        "deputy_said": "同意办理思路。",
        "agreement": ContactRecord.Agreement.AGREED,
        **fields,
    }
    return services.add_contact(assignment, actor, data=data)


def signed_opinion(handling, clerk_b, leader_b):
    opinion = services.start_reply(handling.cohandler, clerk_b)
    opinion = fill(opinion, clerk_b)
    services.submit_for_review(opinion, clerk_b, version=opinion.version)
    services.sign(reload(opinion), leader_b)
    return reload(opinion)


@pytest.fixture
def ready(handling, draft, clerk_a, clerk_b, leader_b):
    """A lead reply that passes the gate: bodies written, category, a contact, the opinion in."""
    contact(handling.lead, clerk_a)
    signed_opinion(handling, clerk_b, leader_b)
    return fill(reload(draft), clerk_a)


@pytest.fixture
def in_review(ready, clerk_a):
    services.submit_for_review(ready, clerk_a, version=ready.version)
    return reload(ready)


# --- drafting ---------------------------------------------------------------------------------


def test_opening_the_reply_generates_one_section_per_suggestion(handling, clerk_a):
    reply = services.start_reply(handling.lead, clerk_a)
    content = services.content_of(reply)
    assert reply.kind == Reply.Kind.REPLY and reply.status == Reply.Status.DRAFT
    assert content.title == f"对省十四届人大三次会议第{handling.proposal.number}号代表建议的答复"
    assert content.addressee == "王宇辉等2位代表："
    assert content.numbered_headings() == [
        "一、关于“加强科技成果转化平台建设。”的建议",
        "二、关于“完善科研人员激励机制。”的建议",
    ]
    assert [s.suggestions for s in content.sections] == [[s.pk] for s in handling.proposal.suggestions.all()]
    assert content.signature == "吉林省科学技术厅"
    assert content.cc == "省人大常委会代表工作委员会，省政府办公厅"
    assert content.contact_name == "赵磊"
    assert reply.versions.get().kind == ReplyVersion.Kind.CREATED


def test_opening_it_twice_opens_the_same_draft(handling, clerk_a, leader_a):
    first = services.start_reply(handling.lead, clerk_a)
    assert services.start_reply(handling.lead, leader_a) == first
    assert Reply.objects.count() == 1


def test_the_title_follows_the_departments_setting(handling, clerk_a):
    from replies.models import ReplySettings

    ReplySettings.objects.create(department=clerk_a.department, title_template="关于对{会议全称}第{建议号}号建议的答复")
    reply = services.start_reply(handling.lead, clerk_a)
    assert services.content_of(reply).title == f"关于对省十四届人大三次会议第{handling.proposal.number}号建议的答复"


def test_a_non_government_department_copies_only_the_congress_office(handling, clerk_a):
    handling.lead.department.is_government = False
    handling.lead.department.save()
    reply = services.start_reply(handling.lead, clerk_a)
    assert services.content_of(reply).cc == "省人大常委会代表工作委员会"


def test_a_co_handler_opens_an_opinion_addressed_to_the_lead(handling, clerk_b):
    opinion = services.start_reply(handling.cohandler, clerk_b)
    content = services.content_of(opinion)
    assert opinion.kind == Reply.Kind.OPINION
    assert content.addressee == "吉林省科学技术厅："
    assert content.title.endswith("号代表建议的协办意见")


def test_it_refuses_to_open_a_reply_before_signing_for(handling, clerk_a):
    Assignment.objects.filter(pk=handling.lead.pk).update(signed_at=None)
    handling.lead.refresh_from_db()
    with pytest.raises(services.ReplyError, match="请先签收"):
        services.start_reply(handling.lead, clerk_a)


def test_it_refuses_a_reply_by_another_department(handling, clerk_b):
    with pytest.raises(services.ReplyError):
        services.start_reply(handling.lead, clerk_b)


def test_every_save_keeps_a_version_and_moves_the_version_number_on(draft, clerk_a):
    reply = fill(draft, clerk_a)
    assert reply.version == 2
    assert list(reply.versions.values_list("number", "kind")) == [(1, "created"), (2, "saved")]
    assert "第1条建议的办理情况。" in reply.versions.get(number=2).text


def test_a_stale_save_is_refused_and_changes_nothing(draft, clerk_a, leader_a):
    content = services.content_of(draft)
    content.sections[0].body = "承办人写的。"
    services.save_content(draft, content, clerk_a, version=1)
    mine = services.content_of(draft)
    mine.sections[0].body = "负责人写的。"
    with pytest.raises(services.ConflictError) as conflict:
        services.save_content(draft, mine, leader_a, version=1)
    assert "赵磊" in conflict.value.message and conflict.value.current.number == 2
    assert services.content_of(reload(draft)).sections[0].body == "承办人写的。"


def test_a_section_cannot_answer_a_suggestion_of_another_proposal(draft, clerk_a, handling, make_user_proposal):
    content = services.content_of(draft)
    content.sections[0].suggestions = [make_user_proposal.suggestions.first().pk]
    with pytest.raises(services.ReplyError, match="不属于本件建议"):
        services.save_content(draft, content, clerk_a, version=draft.version)


def test_presence_lists_the_others_who_have_the_draft_open(draft, clerk_a, leader_a):
    assert services.touch_presence(draft, clerk_a) == []
    assert services.touch_presence(draft, leader_a) == [clerk_a]
    later = timezone.now() + datetime.timedelta(minutes=5)
    assert services.touch_presence(draft, leader_a, now=later) == []


# --- the quality gate ---------------------------------------------------------------------------


def test_a_fresh_draft_fails_the_gate_for_every_reason_at_once(draft):
    failures = services.quality_gate(draft)
    assert any("第1部分" in f and "还没有写正文" in f for f in failures)
    assert any("第2部分" in f for f in failures)
    assert any("占位符" in f for f in failures)
    assert any("办理结果类别" in f for f in failures)
    assert any("沟通记录" in f for f in failures)
    assert any("吉林省教育厅的协办意见" in f for f in failures)


def test_a_suggestion_without_a_section_fails_the_gate(ready, clerk_a):
    content = services.content_of(ready)
    del content.sections[1]
    services.save_content(ready, content, clerk_a, version=ready.version)
    assert services.quality_gate(reload(ready)) == ["第2条建议“完善科研人员激励机制。”没有对应的答复部分。"]


def test_an_empty_section_fails_the_gate(ready, clerk_a):
    content = services.content_of(ready)
    content.sections[1].body = ""
    services.save_content(ready, content, clerk_a, version=ready.version)
    assert services.quality_gate(reload(ready)) == ["第2部分（二、）还没有写正文。"]


def test_a_leftover_placeholder_fails_the_gate(ready, clerk_a):
    content = services.content_of(ready)
    content.closing = [scaffold.THANKS]
    services.save_content(ready, content, clerk_a, version=ready.version)
    assert services.quality_gate(reload(ready)) == ["稿中还有未替换的占位符（……），请写完整。"]


def test_the_category_can_come_from_the_sections_least_resolved(ready, clerk_a):
    content = services.content_of(ready)
    content.category = ""
    services.save_content(ready, content, clerk_a, version=ready.version)
    assert services.quality_gate(reload(ready)) == ["请选择办理结果类别。"]
    content.sections[0].category, content.sections[1].category = "A", "D"
    services.save_content(ready, content, clerk_a, version=reload(ready).version)
    assert services.quality_gate(reload(ready)) == []
    assert services.content_of(reload(ready)).effective_category(scaffold_categories()) == "D"


def scaffold_categories():
    from proposals.models import RESULT_CATEGORIES

    return RESULT_CATEGORIES


def test_the_contact_requirement_is_a_session_setting(handling, draft, clerk_a, clerk_b, leader_b):
    signed_opinion(handling, clerk_b, leader_b)
    reply = fill(reload(draft), clerk_a)
    assert services.quality_gate(reply) == ["签发前须先与代表沟通，请添加沟通记录。"]
    handling.proposal.session.contact_required = False
    handling.proposal.session.save()
    assert services.quality_gate(reload(reply)) == []


def test_a_contact_cannot_be_dated_in_the_future(handling, clerk_a):
    with pytest.raises(services.ReplyError, match="不能晚于今天"):
        contact(handling.lead, clerk_a, date=timezone.localdate() + datetime.timedelta(days=1))


def test_recording_a_contact_is_logged_on_the_proposal(handling, clerk_a):
    contact(handling.lead, clerk_a, form=ContactRecord.Form.IN_PERSON)
    event = handling.proposal.events.get(kind=ProposalEvent.Kind.CONTACT_RECORDED)
    assert event.message == "当面 · 同意"


# --- co-handler opinions ------------------------------------------------------------------------


def test_the_lead_cannot_send_for_signing_while_an_opinion_is_missing(handling, draft, clerk_a):
    contact(handling.lead, clerk_a)
    reply = fill(reload(draft), clerk_a)
    with pytest.raises(services.GateError) as gate:
        services.submit_for_review(reply, clerk_a, version=reply.version)
    assert gate.value.failures == ["尚未收到吉林省教育厅的协办意见（如确实无法等待，可请交办机构同意免等）。"]
    assert reload(reply).status == Reply.Status.DRAFT


def test_a_coordinator_can_waive_a_missing_opinion_with_a_reason(handling, draft, clerk_a, coordinator):
    contact(handling.lead, clerk_a)
    reply = fill(reload(draft), clerk_a)
    with pytest.raises(services.ReplyError, match="理由"):
        services.waive_opinion(handling.cohandler, coordinator, reason=" ")
    services.waive_opinion(handling.cohandler, coordinator, reason="协办单位机构调整，经协调不再出具意见。")
    services.submit_for_review(reply, clerk_a, version=reply.version)
    assert reload(reply).status == Reply.Status.IN_REVIEW
    assert handling.proposal.events.filter(kind=ProposalEvent.Kind.OPINION_WAIVED).exists()


def test_only_a_coordinator_waives(handling, clerk_a):
    with pytest.raises(services.ReplyError):
        services.waive_opinion(handling.cohandler, clerk_a, reason="x")


def test_a_signed_opinion_is_numbered_in_the_opinion_series_and_reaches_the_lead(handling, clerk_a, clerk_b, leader_b):
    opinion = signed_opinion(handling, clerk_b, leader_b)
    year = timezone.localdate().year
    assert opinion.document_number == f"吉教函〔{year}〕1号"  # the department's one series
    assert opinion.kind == Reply.Kind.OPINION
    assert Notification.objects.filter(user=clerk_a, message__contains="协办意见").exists()
    handling.cohandler.refresh_from_db()
    assert handling.cohandler.replied_at is not None
    assert Reply.objects.visible_to(clerk_a).filter(pk=opinion.pk).exists()


# --- review and signature -----------------------------------------------------------------------


def test_submitting_tells_the_leader(leader_a, in_review):
    assert in_review.status == Reply.Status.IN_REVIEW
    assert Notification.objects.filter(user=leader_a, message__contains="请审核签发").exists()


def test_a_draft_in_review_cannot_be_edited(in_review, clerk_a):
    with pytest.raises(services.ReplyError, match="不能修改"):
        services.save_content(in_review, services.content_of(in_review), clerk_a, version=in_review.version)


def test_the_leader_returns_with_comments_kept_on_the_draft(in_review, leader_a, clerk_a):
    with pytest.raises(services.ReplyError, match="退回修改的意见"):
        services.return_for_revision(in_review, leader_a, comment="  ")
    services.return_for_revision(in_review, leader_a, comment="第二部分再具体些。")
    reply = reload(in_review)
    assert reply.status == Reply.Status.RETURNED and reply.is_editable
    assert [c.text for c in reply.comments.all()] == ["第二部分再具体些。"]
    assert Notification.objects.filter(user=clerk_a, message__contains="第二部分再具体些").exists()


def test_a_clerk_cannot_return(in_review, clerk_a):
    with pytest.raises(services.ReplyError):
        services.return_for_revision(in_review, clerk_a, comment="x")


def test_it_refuses_signing_by_a_clerk(in_review, clerk_a):
    with pytest.raises(services.ReplyError, match="只有本单位负责人可以签发"):
        services.sign(in_review, clerk_a)
    assert reload(in_review).status == Reply.Status.IN_REVIEW


def test_it_refuses_signing_by_another_departments_leader(in_review, leader_b):
    with pytest.raises(services.ReplyError, match="只有本单位负责人可以签发"):
        services.sign(in_review, leader_b)


def test_it_refuses_signing_a_draft_not_sent_for_review(ready, leader_a):
    with pytest.raises(services.ReplyError, match="先送审"):
        services.sign(ready, leader_a)


def test_signing_runs_the_gate_again(in_review, leader_a, handling):
    ContactRecord.objects.all().delete()
    with pytest.raises(services.GateError) as gate:
        services.sign(in_review, leader_a)
    assert gate.value.failures == ["签发前须先与代表沟通，请添加沟通记录。"]
    assert reload(in_review).document_number == ""


def test_signing_numbers_freezes_and_issues_the_reply(in_review, leader_a, handling, deputy, cosigner, coordinator):
    now = timezone.now()
    version = services.sign(in_review, leader_a, now=now)
    reply = reload(in_review)
    year = timezone.localdate(now).year
    assert reply.status == Reply.Status.SIGNED
    assert reply.document_number == f"吉科发规划〔{year}〕1号"
    assert reply.category == "A"
    assert reply.signed_version == version and version.kind == ReplyVersion.Kind.SIGNED
    content = scaffold.ReplyContent.from_json(version.content)
    assert content.date == timezone.localdate(now) and content.number == reply.document_number
    assert version.text.startswith(reply.document_number)
    assert {d.deputy.user for d in Delivery.objects.all()} == {deputy, cosigner}
    for user in (deputy, cosigner):
        assert Notification.objects.filter(user=user, message__contains=reply.document_number).exists()
    assert Notification.objects.filter(user=coordinator, message__contains="已签发").exists()
    handling.lead.refresh_from_db()
    assert handling.lead.replied_at == now
    assert handling.proposal.events.filter(kind=ProposalEvent.Kind.REPLY_SIGNED).exists()
    assert Reply.objects.visible_to(deputy).filter(pk=reply.pk).exists()


def test_signing_twice_is_refused(in_review, leader_a):
    services.sign(in_review, leader_a)
    with pytest.raises(services.ReplyError, match="不能重复签发"):
        services.sign(reload(in_review), leader_a)
    assert DocumentSeries.objects.get(department=leader_a.department).last_number == 1


def test_a_signed_reply_cannot_be_edited(in_review, leader_a, clerk_a):
    services.sign(in_review, leader_a)
    reply = reload(in_review)
    with pytest.raises(services.ReplyError, match="已签发"):
        services.save_content(reply, services.content_of(reply), clerk_a, version=reply.version)


def test_deputies_do_not_see_a_reply_before_it_is_signed(in_review, deputy):
    assert not Reply.objects.visible_to(deputy).exists()


def test_a_correction_is_a_second_signed_version_under_the_same_number(in_review, leader_a, clerk_a, deputy):
    services.sign(in_review, leader_a)
    reply = reload(in_review)
    number, first = reply.document_number, reply.signed_version
    with pytest.raises(services.ReplyError, match="更正理由"):
        services.start_correction(reply, clerk_a, reason="")
    services.start_correction(reply, clerk_a, reason="第二部分数字有误。")
    reply = reload(reply)
    assert reply.is_correction and reply.signed_version == first  # deputies still see the signed text
    content = services.content_of(reply)
    content.sections[1].body = "更正后的办理情况。"
    services.save_content(reply, content, clerk_a, version=reply.version)
    services.submit_for_review(reload(reply), clerk_a, version=reload(reply).version)
    second = services.sign(reload(reply), leader_a)
    reply = reload(reply)
    assert reply.document_number == number and reply.signed_version == second
    assert second.kind == ReplyVersion.Kind.CORRECTED and second.note == "第二部分数字有误。"
    assert list(reply.versions.filter(kind__in=["signed", "corrected"]).values_list("pk", flat=True)) == [
        first.pk,
        second.pk,
    ]
    assert Notification.objects.filter(user=deputy, message__contains="更正").exists()
    assert DocumentSeries.objects.get(department=leader_a.department).last_number == 1


def test_versions_are_append_only_in_the_database(draft):
    version = draft.versions.get()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        ReplyVersion.objects.filter(pk=version.pk).update(note="changed")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        ReplyVersion.objects.filter(pk=version.pk).delete()


def test_mark_replied_is_not_moved_by_a_correction(in_review, leader_a, clerk_a, handling):
    first = timezone.now()
    services.sign(in_review, leader_a, now=first)
    services.start_correction(reload(in_review), clerk_a, reason="笔误。")
    services.submit_for_review(reload(in_review), clerk_a, version=reload(in_review).version)
    services.sign(reload(in_review), leader_a)
    handling.lead.refresh_from_db()
    assert handling.lead.replied_at == first


# --- concurrency ----------------------------------------------------------------------------------


def test_twenty_concurrent_signatures_get_twenty_consecutive_numbers(
    transactional_db, deputy, coordinator, clerk_a, leader_a, session, category
):
    import threading

    from .conftest import make_handling

    session.contact_required = False
    session.save()
    replies = []
    for i in range(20):
        handling = make_handling(
            deputy=deputy,
            cosigner=None,
            coordinator=coordinator,
            clerk_a=clerk_a,
            clerk_b=None,
            session=session,
            category=category,
            title=f"关于第{i}项工作的建议",
        )
        reply = fill(services.start_reply(handling.lead, clerk_a), clerk_a)
        services.submit_for_review(reply, clerk_a, version=reply.version)
        replies.append(reply)
    start = threading.Barrier(20)
    errors = []

    def sign(reply):
        try:
            start.wait()
            services.sign(reply, leader_a)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sign, args=(r,)) for r in replies]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    serials = sorted(Reply.objects.values_list("serial", flat=True))
    assert serials == list(range(1, 21))
    assert Reply.objects.values("document_number").distinct().count() == 20


def test_a_reply_without_sections_or_addressee_fails_the_gate(ready, clerk_a):
    content = services.content_of(ready)
    content.sections = []
    content.addressee = ""
    services.save_content(ready, content, clerk_a, version=ready.version)
    failures = services.quality_gate(reload(ready))
    assert "答复至少要有一个部分。" in failures
    assert "请填写主送代表和署名单位。" in failures
    assert sum("没有对应的答复部分" in f for f in failures) == 2


def test_an_opinion_needs_no_category_contact_or_coverage(handling, clerk_b):
    opinion = services.start_reply(handling.cohandler, clerk_b)
    content = services.content_of(opinion)
    content.sections = content.sections[:1]
    content.sections[0].body = "我厅将配合做好相关工作。"
    services.save_content(opinion, content, clerk_b, version=opinion.version)
    assert services.quality_gate(reload(opinion)) == []


def test_a_reassigned_department_can_no_longer_change_or_send_its_draft(draft, clerk_a):
    Assignment.objects.filter(pk=draft.assignment_id).update(is_active=False)
    with pytest.raises(services.ReplyError, match="已调整给其他单位"):
        services.save_content(draft, services.content_of(draft), clerk_a, version=draft.version)
    with pytest.raises(services.ReplyError, match="已调整给其他单位"):
        services.submit_for_review(draft, clerk_a, version=draft.version)


def test_a_separate_handler_answers_only_its_own_part(handling, clerk_a):
    Assignment.objects.filter(pk=handling.lead.pk).update(mode=Assignment.Mode.SEPARATE)
    handling.lead.refresh_from_db()
    contact(handling.lead, clerk_a)
    reply = services.start_reply(handling.lead, clerk_a)
    reply = fill(reply, clerk_a)
    content = services.content_of(reply)
    del content.sections[1]
    services.save_content(reply, content, clerk_a, version=reply.version)
    assert services.quality_gate(reload(reply)) == []  # no co-handler wait, no coverage of the rest


def test_the_leaders_return_comment_stays_off_the_proposals_timeline(in_review, leader_a):
    services.return_for_revision(in_review, leader_a, comment="内部意见：数据再核实。")
    event = in_review.assignment.proposal.events.get(kind=ProposalEvent.Kind.REPLY_RETURNED)
    assert "内部意见" not in event.message and "内部意见" not in str(event.details)


@pytest.mark.django_db(transaction=True)
def test_signing_does_not_wait_for_a_lock_on_the_session(in_review, leader_a):
    # The office's acceptances lock the session row (its proposal counter); signing must lock
    # only the reply (and its series), or every signature of the session queues behind them.
    import psycopg

    settings = connection.settings_dict
    params = {"dbname": settings["NAME"], "user": settings["USER"], "host": settings["HOST"], "port": settings["PORT"]}
    session_id = in_review.assignment.proposal.session_id
    with psycopg.connect(**{k: v for k, v in params.items() if v}) as other:
        other.execute("SELECT 1 FROM proposals_session WHERE id = %s FOR UPDATE", [session_id])
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
            services.sign(in_review, leader_a)
        other.rollback()
    assert reload(in_review).status == Reply.Status.SIGNED
