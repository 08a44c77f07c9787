import datetime

import pytest
from django.utils import timezone

from proposals import services
from proposals.models import Proposal, Session

SUGGESTIONS = ["加强科技成果转化平台建设。", "完善科研人员激励机制。"]


@pytest.fixture
def past_session(db):
    return Session.objects.create(
        name="省十四届人大二次会议",
        level="provincial",
        term=14,
        session_no=2,
        opens_on=datetime.date(2025, 1, 20),
        closes_on=datetime.date(2025, 1, 25),
        submission_deadline=timezone.now() - datetime.timedelta(days=300),
    )


def draft_data(category=None, title="关于加强科技成果转化的建议", body="科技成果转化率不高。为此建议："):
    return {"title": title, "body": body, "category": category, "hoped_departments": [], "agrees_to_publish": True}


@pytest.fixture
def make_draft(session, category):
    def make(user, title="关于加强科技成果转化的建议", suggestions=SUGGESTIONS, in_session=None):
        return services.save_draft(
            actor=user, session=in_session or session, data=draft_data(category, title), suggestions=list(suggestions)
        )

    return make


@pytest.fixture
def make_submitted(make_draft):
    def make(user, title="关于加强科技成果转化的建议", **kwargs):
        proposal = make_draft(user, title, **kwargs)
        return services.submit_proposal(proposal, user)

    return make


@pytest.fixture
def submitted(make_submitted, deputy):
    return make_submitted(deputy)


@pytest.fixture
def accepted(submitted, coordinator):
    return services.accept_proposal(submitted, coordinator)


def reload(proposal):
    return Proposal.objects.get(pk=proposal.pk)


def registered(session, deputy, numbers, **fields):
    """Registered proposals numbered `numbers`, inserted in one query (for tests about many)."""
    fields = {"status": Proposal.Status.ACCEPTED, "accepted_at": timezone.now(), **fields}
    return Proposal.objects.bulk_create(
        Proposal(
            session=session,
            title=f"关于第{n}项工作的建议",
            body="x",
            lead_deputy=deputy.deputy,
            number=n,
            created_by=deputy,
            **fields,
        )
        for n in numbers
    )
