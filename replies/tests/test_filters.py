"""The reply list's and the follow-up list's filters, and their query counts."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from proposals import assigning
from proposals.assigning import PlanLine
from proposals.models import Assignment
from proposals.tests.conftest import registered
from replies.models import Commitment, Feedback, Reply, ReplyVersion

REPLIES, FOLLOWUPS = reverse("replies:list"), reverse("replies:followups")


def make_replies(session, deputy, coordinator, department, clerk, numbers, **fields):
    """A lead reply of `department` to each of the registered proposals `numbers`."""
    proposals = registered(session, deputy, numbers)
    assigning.bulk_assign(proposals, [PlanLine(department, Assignment.Mode.LEAD)], coordinator)
    made = Assignment.objects.filter(proposal__in=proposals, department=department).order_by("proposal__number")
    made.update(signed_at=timezone.now())
    return Reply.objects.bulk_create(
        Reply(assignment=a, department=department, kind=Reply.Kind.REPLY, created_by=clerk, **fields) for a in made
    )


def sign_all(replies, leader, category="B"):
    for reply in replies:
        version = ReplyVersion.objects.create(
            reply=reply, number=1, kind="signed", content={}, text="x", saved_by=leader
        )
        Reply.objects.filter(pk=reply.pk).update(
            status="signed", signed_version=version, signed_at=timezone.now(), category=category
        )


def queries_for(client, url, params=None):
    client.get(url, params or {})  # warm up: the calendar banner and the filter's choice lists are cached per worker
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, params or {})
        assert response.status_code == 200
        assert response.content
    return len(context)


def numbers(response, path=lambda r: r.assignment.proposal):
    return sorted(path(r).number for r in response.context["page_obj"])


@pytest.fixture
def replies(session, deputy, coordinator, department_a, department_b, clerk_a, clerk_b, leader_a):
    """Department A: 1–6 (1–3 signed as B, 4 signed as C), department B: 7–8."""
    mine = make_replies(session, deputy, coordinator, department_a, clerk_a, range(1, 7))
    sign_all(mine[:3], leader_a, "B")
    sign_all(mine[3:4], leader_a, "C")
    make_replies(session, deputy, coordinator, department_b, clerk_b, range(7, 9))
    return mine


def test_the_reply_list_filters_by_result_category_status_and_number(client, coordinator, replies):
    client.force_login(coordinator)
    assert numbers(client.get(REPLIES, {"category": "B"})) == [1, 2, 3]
    assert numbers(client.get(REPLIES, {"status": "signed", "number_min": 3})) == [3, 4]
    assert numbers(client.get(REPLIES, {"status": "draft"})) == [5, 6, 7, 8]


def test_the_reply_list_filters_by_the_deputies_satisfaction(client, coordinator, replies, deputy):
    Feedback.objects.create(reply=replies[0], deputy=deputy.deputy, attitude="satisfied", result="dissatisfied")
    Feedback.objects.create(reply=replies[1], deputy=deputy.deputy, attitude="basic", result="basic")
    client.force_login(coordinator)
    assert numbers(client.get(REPLIES, {"satisfaction": "dissatisfied"})) == [1]
    assert numbers(client.get(REPLIES, {"satisfaction": "basic"})) == [2]


def test_a_clerk_sees_only_the_departments_replies_whatever_the_filter_says(client, clerk_a, replies, department_b):
    client.force_login(clerk_a)
    response = client.get(REPLIES, {"department": department_b.pk})
    assert numbers(response) == [1, 2, 3, 4, 5, 6]  # no department filter for a department
    assert 'name="department"' not in response.content.decode()


def test_the_reply_list_answers_bad_input_with_messages(client, coordinator, replies):
    client.force_login(coordinator)
    response = client.get(
        REPLIES, {"category": "Z", "signed_from": "2026-03-01", "signed_to": "2026-02-01", "status": "signed"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "办理结果类别：所选的值无效" in page and "签发日期的开始日期不能晚于结束日期。" in page
    assert numbers(response) == [1, 2, 3, 4]


def test_the_archive_link_keeps_the_session_filter(client, coordinator, replies, session):
    client.force_login(coordinator)
    page = client.get(REPLIES, {"session": session.pk}).content.decode()
    assert f"{reverse('replies:archives')}?session={session.pk}" in page


def test_the_reply_list_takes_the_same_number_of_queries_for_3_or_30_rows(
    client, session, deputy, coordinator, department_a, clerk_a
):
    make_replies(session, deputy, coordinator, department_a, clerk_a, range(1, 4))
    client.force_login(clerk_a)
    few = queries_for(client, REPLIES, {"status": "draft"})
    make_replies(session, deputy, coordinator, department_a, clerk_a, range(4, 31))
    assert queries_for(client, REPLIES, {"status": "draft"}) == few


# --- follow-up -------------------------------------------------------------------------------------


def commit(reply, clerk, due, done=False, text="建成平台"):
    return Commitment.objects.create(
        reply=reply, text=text, due=due, created_by=clerk, done_at=timezone.now() if done else None
    )


def test_the_follow_up_list_filters_by_overdue_number_and_due_range(client, coordinator, clerk_a, replies):
    today = timezone.localdate()
    late = commit(replies[0], clerk_a, today - datetime.timedelta(days=3), text="逾期的承诺")
    commit(replies[1], clerk_a, today + datetime.timedelta(days=30), text="未到期的承诺")
    commit(replies[2], clerk_a, today - datetime.timedelta(days=5), done=True, text="已完成的承诺")
    client.force_login(coordinator)
    assert [c.pk for c in client.get(FOLLOWUPS, {"overdue": "true"}).context["page_obj"]] == [late.pk]
    path = lambda c: c.reply.assignment.proposal  # noqa: E731
    assert numbers(client.get(FOLLOWUPS, {"state": "all"}), path) == [1, 2, 3]
    assert numbers(client.get(FOLLOWUPS), path) == [1, 2]  # open items by default
    assert numbers(client.get(FOLLOWUPS, {"state": "all", "number_min": 2}), path) == [2, 3]


def test_the_follow_up_list_answers_a_bad_year_with_a_message(client, coordinator):
    client.force_login(coordinator)
    response = client.get(FOLLOWUPS, {"year": "二〇二六", "due_from": "2026-09-01", "due_to": "2026-01-01"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "年度：请填写整数。" in page and "完成时限的开始日期不能晚于结束日期。" in page


def test_the_follow_up_list_takes_the_same_number_of_queries_for_3_or_30_rows(
    client, session, deputy, coordinator, department_a, clerk_a, leader_a
):
    due = timezone.localdate() + datetime.timedelta(days=10)
    first = make_replies(session, deputy, coordinator, department_a, clerk_a, range(1, 4))
    sign_all(first, leader_a)
    for reply in first:
        commit(reply, clerk_a, due)
    client.force_login(coordinator)
    few = queries_for(client, FOLLOWUPS, {"state": "all"})
    more = make_replies(session, deputy, coordinator, department_a, clerk_a, range(4, 31))
    sign_all(more, leader_a)
    for reply in more:
        commit(reply, clerk_a, due)
    assert queries_for(client, FOLLOWUPS, {"state": "all"}) == few
