import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import PERSONAS
from proposals.models import Proposal, Session

HOME = reverse("home")


@pytest.fixture
def session(db):
    return Session.objects.create(
        name="省十四届人大三次会议",
        level="provincial",
        term=14,
        session_no=3,
        opens_on=datetime.date(2024, 1, 24),
        closes_on=datetime.date(2024, 1, 28),
        submission_deadline=timezone.now(),
    )


def make_proposal(session, user, title, status=Proposal.Status.SUBMITTED):
    return Proposal.objects.create(
        session=session, title=title, body="正文", lead_deputy=user.deputy, status=status, created_by=user
    )


def test_the_home_page_sends_anonymous_visitors_to_login(client, db):
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next=/"


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_every_role_has_a_chinese_home_page_with_its_name_and_role(client, persona):
    client.force_login(persona)
    page = client.get(HOME).content.decode()
    assert f"您好，{persona.full_name}" in page
    assert persona.get_role_display() in page
    assert "我的待办" in page


def test_a_department_user_sees_their_department_in_the_header(client, clerk_a):
    client.force_login(clerk_a)
    page = client.get(HOME).content.decode()
    assert "省科技厅" in page
    assert "吉林省科学技术厅" in page


def test_a_deputy_sees_their_own_proposals_and_not_anyone_elses(client, session, deputy, outsider_deputy):
    make_proposal(session, deputy, "关于加强科技成果转化的建议")
    make_proposal(session, outsider_deputy, "关于改善乡村道路的建议")
    client.force_login(deputy)
    page = client.get(HOME).content.decode()
    assert "关于加强科技成果转化的建议" in page
    assert "关于改善乡村道路的建议" not in page


def test_a_deputy_without_proposals_is_told_so(client, deputy):
    client.force_login(deputy)
    assert "您还没有提出建议。" in client.get(HOME).content.decode()


def test_the_coordinator_sees_submitted_proposals_waiting_for_review(client, session, deputy, coordinator):
    make_proposal(session, deputy, "关于加强科技成果转化的建议")
    make_proposal(session, deputy, "关于草稿的建议", status=Proposal.Status.DRAFT)
    client.force_login(coordinator)
    page = client.get(HOME).content.decode()
    assert "待审查的建议" in page
    assert "关于加强科技成果转化的建议" in page
    assert "关于草稿的建议" not in page


def test_a_role_without_to_dos_sees_an_empty_state(client, auditor):
    client.force_login(auditor)
    assert "暂无待办事项。" in client.get(HOME).content.decode()


def test_a_clerk_without_assignments_is_told_there_is_nothing_to_sign_for(client, clerk_a):
    client.force_login(clerk_a)
    assert "没有待签收的交办。" in client.get(HOME).content.decode()


def test_the_deputy_home_page_runs_a_fixed_number_of_queries(client, session, deputy, django_assert_max_num_queries):
    for i in range(15):
        make_proposal(session, deputy, f"关于第{i}项工作的建议")
    client.force_login(deputy)
    # session, user, unread notifications, invitations, the proposals with their sessions and
    # signer counts, the replies awaiting feedback and those received: no query per row
    with django_assert_max_num_queries(7):
        response = client.get(HOME)
    assert response.content.decode().count("省十四届人大三次会议") == 10  # the panel shows the latest ten


def test_text_in_proposals_is_shown_escaped(client, session, deputy):
    make_proposal(session, deputy, "<script>alert(1)</script>关于的建议")
    client.force_login(deputy)
    page = client.get(HOME).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
