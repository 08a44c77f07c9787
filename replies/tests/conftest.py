"""A proposal being handled: registered, co-signed, assigned to department A (lead) and B
(co-handler), both signed for."""

from dataclasses import dataclass

import pytest

from proposals import assigning, services
from proposals.assigning import PlanLine
from proposals.models import Assignment, Proposal
from proposals.tests.conftest import SUGGESTIONS, draft_data
from replies import services as reply_services
from replies.models import Reply


@dataclass
class Handling:
    proposal: Proposal
    lead: Assignment
    cohandler: Assignment


def make_handling(
    *, deputy, cosigner, coordinator, clerk_a, clerk_b, session, category, title="关于加强科技成果转化的建议"
):
    proposal = services.save_draft(
        actor=deputy, session=session, data=draft_data(category, title=title), suggestions=list(SUGGESTIONS)
    )
    if cosigner:
        services.invite_cosigner(proposal, deputy, cosigner.deputy)
        services.respond_to_invitation(proposal, cosigner, accept=True)
    services.submit_proposal(proposal, deputy)
    services.accept_proposal(proposal, coordinator)
    lines = [PlanLine(clerk_a.department, Assignment.Mode.LEAD)]
    if clerk_b:
        lines.append(PlanLine(clerk_b.department, Assignment.Mode.COHANDLER))
    made = assigning.assign_proposal(proposal, lines, coordinator)
    for assignment, clerk in zip(made, (clerk_a, clerk_b), strict=False):
        assigning.sign_for(assignment, clerk)
    lead = next(a for a in made if a.mode == Assignment.Mode.LEAD)
    cohandler = next((a for a in made if a.mode == Assignment.Mode.COHANDLER), None)
    proposal.refresh_from_db()
    return Handling(proposal, lead, cohandler)


@pytest.fixture
def handling(deputy, cosigner, coordinator, clerk_a, clerk_b, session, category):
    return make_handling(
        deputy=deputy,
        cosigner=cosigner,
        coordinator=coordinator,
        clerk_a=clerk_a,
        clerk_b=clerk_b,
        session=session,
        category=category,
    )


@pytest.fixture
def draft(handling, clerk_a):
    return reply_services.start_reply(handling.lead, clerk_a)


def reload(reply):
    return Reply.objects.get(pk=reply.pk)


def fill(reply, actor, **changes):
    """Write every section's body (and apply `changes` to the content); returns the reply."""
    content = reply_services.content_of(reply)
    for i, section in enumerate(content.sections, 1):
        section.body = f"第{i}条建议的办理情况。"
    content.closing = ["下一步，我们将继续推进。", "感谢您对科技工作的关注与支持。"]
    content.category = "A"
    for name, value in changes.items():
        setattr(content, name, value)
    reply_services.save_content(reply, content, actor, version=reply.version)
    return reload(reply)


@pytest.fixture
def make_user_proposal(deputy, session, category):
    """Another proposal of the same deputy, whose suggestions no reply to `handling` may answer."""
    return services.save_draft(
        actor=deputy, session=session, data=draft_data(category, title="关于别的事的建议"), suggestions=["别的建议。"]
    )


@pytest.fixture
def issued(handling, draft, clerk_a, leader_a, coordinator):
    """A signed reply to `handling`, the co-handler's opinion waived, no contact required."""
    handling.proposal.session.contact_required = False
    handling.proposal.session.save()
    reply_services.waive_opinion(handling.cohandler, coordinator, reason="不再等待。")
    reply = fill(draft, clerk_a)
    reply_services.submit_for_review(reply, clerk_a, version=reply.version)
    reply_services.sign(reload(reply), leader_a)
    return reload(reply)
