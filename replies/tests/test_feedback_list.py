"""The office's list of deputies' feedback."""

import pytest
from django.urls import reverse

from replies.models import Feedback

from .test_filters import make_replies, numbers, queries_for, sign_all

FEEDBACK = reverse("replies:feedback_list")


def proposal_of(feedback):
    return feedback.reply.assignment.proposal


@pytest.fixture
def rated(session, deputy, coordinator, department_a, department_b, clerk_a, clerk_b, leader_a):
    """Replies 1–4 of department A and 5 of B, each rated by the deputy; 4 was not answered."""
    replies = make_replies(session, deputy, coordinator, department_a, clerk_a, range(1, 5))
    replies += make_replies(session, deputy, coordinator, department_b, clerk_b, range(5, 6))
    sign_all(replies, leader_a)
    ratings = [
        ("satisfied", "satisfied"),
        ("satisfied", "basic"),
        ("basic", "dissatisfied"),
        ("", ""),
        ("basic", "basic"),
    ]
    for reply, (attitude, result) in zip(replies, ratings, strict=True):
        Feedback.objects.create(
            reply=reply, deputy=deputy.deputy, attitude=attitude, result=result, responded=bool(attitude)
        )
    return replies


def test_the_office_filters_feedback_by_attitude_result_and_response(client, coordinator, rated, department_b):
    client.force_login(coordinator)
    assert numbers(client.get(FEEDBACK, {"attitude": "satisfied"}), proposal_of) == [1, 2]
    assert numbers(client.get(FEEDBACK, {"result": "dissatisfied"}), proposal_of) == [3]
    assert numbers(client.get(FEEDBACK, {"responded": "false"}), proposal_of) == [4]
    assert numbers(client.get(FEEDBACK, {"department": department_b.pk}), proposal_of) == [5]
    page = client.get(FEEDBACK, {"responded": "false"}).content.decode()
    assert "未反馈" in page and "共 1 条" in page


def test_the_feedback_list_answers_bad_input_with_messages(client, coordinator, rated):
    client.force_login(coordinator)
    response = client.get(FEEDBACK, {"attitude": "great", "date_from": "2026-05-02", "date_to": "2026-05-01"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "办理态度：所选的值无效" in page and "反馈日期的开始日期不能晚于结束日期。" in page
    assert response.context["page_obj"].paginator.count == 5


def test_the_feedback_list_is_in_the_coordinators_navigation(client, coordinator, clerk_a):
    client.force_login(coordinator)
    assert f'href="{FEEDBACK}"' in client.get(reverse("home")).content.decode()
    client.force_login(clerk_a)
    assert client.get(FEEDBACK).status_code == 403


def test_the_feedback_list_takes_the_same_number_of_queries_for_3_or_30_rows(
    client, session, deputy, coordinator, department_a, clerk_a, leader_a
):
    def rate(numbers_):
        replies = make_replies(session, deputy, coordinator, department_a, clerk_a, numbers_)
        sign_all(replies, leader_a)
        Feedback.objects.bulk_create(
            Feedback(reply=r, deputy=deputy.deputy, attitude="basic", result="basic") for r in replies
        )

    rate(range(1, 4))
    client.force_login(coordinator)
    client.get(FEEDBACK)  # the calendar banner's facts are cached after the first page
    few = queries_for(client, FEEDBACK, {"attitude": "basic"})
    rate(range(4, 31))
    assert queries_for(client, FEEDBACK, {"attitude": "basic"}) == few
