"""Fixtures (no tests here) for the statistics tests: a small session whose every statistic
was worked out by hand (test_statistics.py writes out the arithmetic). Four proposals, three
departments, two aspects and no category, three delegations; replies on time, late and not
at all; contacts before and after the reply; feedback of every kind; one proposal re-handled
by another department; categories A–D."""

import datetime
from dataclasses import dataclass

import pytest
from django.utils import timezone

from accounts.models import Department
from proposals.deadlines import CHINA
from proposals.models import Assignment, Category, Proposal
from replies.models import ContactRecord, Feedback, RehandlingDecision, Reply, ReplyVersion

Mode = Assignment.Mode
Rating = Feedback.Rating
S, B, D = Rating.SATISFIED, Rating.BASIC, Rating.DISSATISFIED


def today():
    return timezone.localdate()


def day(offset):
    return today() + datetime.timedelta(days=offset)


def at(d, hour=10):
    """A moment on date `d` in China."""
    return datetime.datetime.combine(d, datetime.time(hour, 0), tzinfo=CHINA)


@dataclass
class World:
    session: object
    a: Department
    b: Department
    c: Department
    economy: Category  # an aspect
    society: Category  # an aspect used directly as a proposal's category
    p1: Proposal
    p2: Proposal
    p3: Proposal
    p4: Proposal


@pytest.fixture
def department_c(db):
    return Department.objects.create(name="吉林省人力资源和社会保障厅", short_name="省人社厅", doc_code="吉人社函")


@pytest.fixture
def build(coordinator, leader_a):
    """Helpers writing rows with the timestamps given, as the services would have recorded them."""
    numbers = iter(range(1, 100_000))

    class Build:
        def proposal(self, session, lead, category=None, *, is_key=False, **extra):
            n = next(numbers)
            return Proposal.objects.create(
                session=session,
                number=n,
                title=f"关于第{n}项工作的建议",
                body="正文",
                lead_deputy=lead.deputy,
                category=category,
                status=Proposal.Status.ASSIGNED,
                is_key=is_key,
                created_by=coordinator,
                **extra,
            )

        def assignment(self, proposal, department, mode=Mode.LEAD, *, assigned, due, replied=None, **extra):
            extra.setdefault("signed_at", at(assigned + datetime.timedelta(days=1)))
            return Assignment.objects.create(
                proposal=proposal,
                department=department,
                mode=mode,
                assigned_at=at(assigned),
                assigned_by=coordinator,
                sign_due=assigned + datetime.timedelta(days=3),
                reassign_until=assigned + datetime.timedelta(days=9),
                reply_due=due if mode in (Mode.LEAD, Mode.SEPARATE) else None,
                opinion_due=due if mode == Mode.COHANDLER else None,
                replied_at=at(replied) if replied else None,
                **extra,
            )

        def reply(self, assignment, category, *, round=1):
            reply = Reply.objects.create(
                assignment=assignment,
                department=assignment.department,
                kind=Reply.Kind.REPLY,
                round=round,
                category=category,
                status=Reply.Status.SIGNED,
                created_by=leader_a,
            )
            version = ReplyVersion.objects.create(
                reply=reply, number=1, kind=ReplyVersion.Kind.SIGNED, content={}, text="x", saved_by=leader_a
            )
            Reply.objects.filter(pk=reply.pk).update(signed_version=version, signed_at=assignment.replied_at)
            reply.refresh_from_db()
            return reply

        def feedback(self, reply, deputy_user, attitude="", result="", *, responded=True):
            return Feedback.objects.create(
                reply=reply, deputy=deputy_user.deputy, responded=responded, attitude=attitude, result=result
            )

        def contact(self, assignment, on):
            return ContactRecord.objects.create(
                assignment=assignment,
                date=on,
                form=ContactRecord.Form.PHONE,
                participants="赵磊",
                deputy_said="同意",
                agreement=ContactRecord.Agreement.AGREED,
                recorded_by=leader_a,
            )

    return Build()


@pytest.fixture
def stats_world(
    session, build, department_a, department_b, department_c, deputy, cosigner, outsider_deputy, coordinator
):
    a, b, c = department_a, department_b, department_c
    economy = Category.objects.create(name="经济建设")
    tech = Category.objects.create(name="科技创新", parent=economy)
    society = Category.objects.create(name="社会事业")

    # P1 (科技创新 → 经济建设; 长春代表团): A leads, on time, contact before the reply, category A,
    # one satisfied and one basically satisfied form; B co-handles, opinion late; C for reference.
    p1 = build.proposal(session, deputy, tech, is_key=True, supervising_leader="张副主任")
    p1_a = build.assignment(p1, a, assigned=day(-40), due=day(-10), replied=day(-12))
    build.contact(p1_a, day(-15))
    reply = build.reply(p1_a, "A")
    build.feedback(reply, deputy, S, S)
    build.feedback(reply, cosigner, S, B)
    build.assignment(p1, b, Mode.COHANDLER, assigned=day(-40), due=day(-20), replied=day(-18))
    build.assignment(p1, c, Mode.REFERENCE, assigned=day(-40), due=None, replied=day(-30))

    # P2 (社会事业 itself; 吉林市代表团): B leads, replied late, the contact came after the reply,
    # category C, the deputy dissatisfied with the result.
    p2 = build.proposal(session, cosigner, society)
    p2_b = build.assignment(p2, b, assigned=day(-40), due=day(-5), replied=day(-2))
    build.contact(p2_b, day(-1))
    build.feedback(build.reply(p2_b, "C"), cosigner, B, D)

    # P3 (科技创新; 延边代表团): A's reply (category D) was rated dissatisfied and the office
    # sent it to C for a second round, which is in force: on time, contact on the reply's day,
    # category B, one satisfied form and one not returned in time.
    p3 = build.proposal(session, outsider_deputy, tech)
    p3_a = build.assignment(p3, a, assigned=day(-60), due=day(-30), replied=day(-35), is_active=False)
    first = build.reply(p3_a, "D")
    build.feedback(first, outsider_deputy, D, D)
    p3_c = build.assignment(p3, c, assigned=day(-20), due=day(10), replied=day(-5), round=2)
    RehandlingDecision.objects.create(
        reply=first, decision=RehandlingDecision.Decision.ORDERED, department=c, assignment=p3_c, decided_by=coordinator
    )
    build.contact(p3_c, day(-5))
    second = build.reply(p3_c, "B", round=2)
    build.feedback(second, outsider_deputy, S, S)
    build.feedback(second, deputy, responded=False)

    # P4 (no category; 长春代表团): A leads and is overdue; C handles a part separately, not
    # yet signed for.
    p4 = build.proposal(session, deputy, None, is_key=True)
    build.assignment(p4, a, assigned=day(-40), due=day(-1))
    build.assignment(p4, c, Mode.SEPARATE, assigned=day(-10), due=day(30), signed_at=None)

    return World(session, a, b, c, economy, society, p1, p2, p3, p4)
