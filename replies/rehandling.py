"""Re-handling (重新办理) and closing (办结), DOMAIN.md steps 10 and 12.

A 不满意 rating puts the reply in the office's queue. The office orders a new round (to the
same department or another, due `rehandling_months` after the decision; a third round needs
an explicit confirmation) or declines with a written explanation. A proposal closes when
every reply it is owed is issued and, for each, every feedback is in and none is
dissatisfied, or the feedback window has passed with no dissatisfaction left undecided, or
the office declined re-handling with its explanation."""

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import NotificationKind, Role
from accounts.notifications import notify
from proposals import assigning
from proposals import services as proposal_services
from proposals.deadlines import REPLY_MODES
from proposals.models import Proposal, ProposalEvent
from proposals.services import log

from .models import Feedback, RehandlingDecision, Reply
from .services import ReplyError, signers

Rating = Feedback.Rating
Decision = RehandlingDecision.Decision


# a rating of 不满意 on either aspect
DISSATISFIED = Q(attitude=Rating.DISSATISFIED) | Q(result=Rating.DISSATISFIED)


def queue():
    """Replies a deputy was dissatisfied with, awaiting the office's decision."""
    return (
        Reply.objects.filter(kind=Reply.Kind.REPLY, signed_version__isnull=False, rehandling__isnull=True)
        .filter(Exists(Feedback.objects.filter(DISSATISFIED, reply=OuterRef("pk"), responded=True)))
        .for_list()
        .order_by("signed_at")
    )


def _require_pending(reply, actor):
    if actor.role != Role.COORDINATOR:
        raise ReplyError(_("只有交办机构可以决定是否重新办理。"))
    Reply.objects.select_for_update().get(pk=reply.pk)  # two coordinators at once: one decides
    if RehandlingDecision.objects.filter(reply=reply).exists():
        raise ReplyError(_("已对这份答复作出决定。"))
    if not reply.feedback.filter(DISSATISFIED, responded=True).exists():
        raise ReplyError(_("代表对这份答复没有不满意的反馈，无需重新办理。"))


def _signer_users(proposal):
    return [d.user for d in signers(proposal) if d.user_id]


@transaction.atomic
def order(reply, actor, *, department, confirm_third=False, note=""):
    _require_pending(reply, actor)
    next_round = reply.round + 1
    if next_round >= 3 and not confirm_third:
        raise ReplyError(_("这将是第%(n)s轮办理，需交办机构明确决定：请勾选确认后再提交。") % {"n": next_round})
    proposal = reply.assignment.proposal
    reopened = proposal_services.reopen_for_rehandling(proposal)
    assignment = assigning.order_rehandling(reply.assignment, department, actor)
    RehandlingDecision.objects.create(
        reply=reply,
        decision=Decision.ORDERED,
        department=department,
        assignment=assignment,
        explanation=note.strip(),
        decided_by=actor,
    )
    status = {"old": Proposal.Status.CLOSED, "new": Proposal.Status.ASSIGNED} if reopened else {}
    log(
        proposal,
        ProposalEvent.Kind.REHANDLING_ORDERED,
        actor,
        message=note.strip(),
        **status,
        department=department.name,
        round=assignment.round,
    )
    notify(
        _signer_users(proposal),
        _("您的第%(n)s号建议将由%(dept)s重新办理（第%(round)s轮）。")
        % {"n": proposal.number, "dept": department.name, "round": assignment.round},
        reverse("proposals:detail", args=[proposal.pk]),
        kind=NotificationKind.REHANDLING_ORDERED,
    )
    return assignment


@transaction.atomic
def decline(reply, actor, *, explanation):
    _require_pending(reply, actor)
    explanation = explanation.strip()
    if not explanation:
        raise ReplyError(_("请写明不再重新办理的理由，如与代表当面沟通的情况。"))
    RehandlingDecision.objects.create(
        reply=reply, decision=Decision.DECLINED, explanation=explanation, decided_by=actor
    )
    proposal = reply.assignment.proposal
    log(proposal, ProposalEvent.Kind.REHANDLING_DECLINED, actor, message=explanation)
    check_closing(proposal, actor=actor)


def _settled(reply, today):
    """Why this reply's feedback no longer keeps the proposal open, or None."""
    if reply.feedback_until is None:
        return _("历史答复")  # imported: issued before the system, no feedback asked
    decision = getattr(reply, "rehandling", None)
    if decision is not None:
        return (
            _("交办机构说明：%(text)s") % {"text": decision.explanation}
            if decision.decision == Decision.DECLINED
            else None
        )
    rows = list(reply.feedback.all())
    if any(f.responded and f.is_dissatisfied for f in rows):
        return None  # waiting for the office's decision
    answered = {f.deputy_id for f in rows if f.responded}
    if all(d.pk in answered for d in signers(reply.assignment.proposal)):
        return _("代表对答复满意或基本满意")
    if reply.feedback_until and today > reply.feedback_until:
        return _("反馈期限已过")
    return None


def check_closing(proposal, *, actor=None, today=None):
    """Close the proposal if nothing is left to do; returns whether it closed now."""
    today = today or timezone.localdate()
    proposal = Proposal.objects.get(pk=proposal.pk)
    if proposal.status != Proposal.Status.ASSIGNED:
        return False
    owed = list(proposal.assignments.current().filter(mode__in=REPLY_MODES))
    if not owed:
        return False
    reasons = []
    for assignment in owed:
        reply = (
            assignment.replies.filter(kind=Reply.Kind.REPLY, round=assignment.round, signed_version__isnull=False)
            .select_related("rehandling")
            .first()
        )
        if reply is None:
            return False
        reason = _settled(reply, today)
        if reason is None:
            return False
        reasons.append(f"{assignment.department.name}：{reason}")
    note = _("全部答复已签发。") + "；".join(reasons) + "。"
    return proposal_services.close_proposal(proposal, note, actor=actor)
