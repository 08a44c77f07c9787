"""Deputies' feedback on a reply (DOMAIN.md step 9): the lead deputy and every confirmed
co-signer rate 办理态度 and 办理结果, say whether and how the department contacted them, and
give reasons when dissatisfied. One feedback per deputy and reply round, correctable until
the window closes (Reply.feedback_until); then final, and those who did not answer are
recorded as 未反馈."""

import datetime

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import DigestLog, NotificationKind, Role, User
from accounts.notifications import notify, notify_many
from proposals.models import ProposalEvent
from proposals.services import log

from .models import Feedback, Reply
from .services import ReplyError, signers

REMIND_DAYS_BEFORE = 7
Rating = Feedback.Rating


def is_open(reply, today=None) -> bool:
    today = today or timezone.localdate()
    return bool(reply.signed_version_id and reply.feedback_until and today <= reply.feedback_until)


def _url(reply):
    return reverse("replies:detail", args=[reply.pk])


def give(reply, actor, *, attitude, result, contacted, comments, today=None):
    """Record or correct the actor's feedback on `reply`."""
    today = today or timezone.localdate()
    comments = (comments or "").strip()
    if reply.kind != Reply.Kind.REPLY or not reply.signed_version_id:
        raise ReplyError(_("只能对已签发的答复提出反馈。"))
    proposal = reply.assignment.proposal
    deputy = next((d for d in signers(proposal) if d.user_id == actor.pk), None)
    if actor.role != Role.DEPUTY or deputy is None:
        raise ReplyError(_("只有提出这件建议的代表可以反馈。"))
    if reply.feedback_until is None:
        raise ReplyError(_("这是导入的历史答复，不征求反馈意见。"))
    if hasattr(reply, "rehandling"):
        raise ReplyError(_("交办机构已对这份答复作出决定，反馈不能再修改。"))
    if not is_open(reply, today):
        raise ReplyError(
            _("反馈期限已于%(date)s截止，不能再提交或修改。") % {"date": f"{reply.feedback_until:%Y-%m-%d}"}
        )
    if Rating.DISSATISFIED in (attitude, result) and not comments:
        raise ReplyError(_("选择“不满意”时，请写明理由，以便重新办理。"))
    values = {
        "attitude": attitude,
        "result": result,
        "contacted": contacted,
        "comments": comments,
        "submitted_by": actor,
        "responded": True,
    }
    with transaction.atomic():
        existing = Feedback.objects.select_for_update().filter(reply=reply, deputy=deputy).first()
        if existing is not None and not existing.responded:
            raise ReplyError(_("反馈期限已截止，已记为未反馈。"))
        try:
            with transaction.atomic():
                feedback, created = Feedback.objects.update_or_create(reply=reply, deputy=deputy, defaults=values)
        except IntegrityError:  # a double submit: the other request created it; update it
            Feedback.objects.filter(reply=reply, deputy=deputy).update(**values)
            feedback, created = Feedback.objects.get(reply=reply, deputy=deputy), False
        summary = _("%(deputy)s：办理态度%(attitude)s，办理结果%(result)s") % {
            "deputy": deputy.name,
            "attitude": feedback.get_attitude_display(),
            "result": feedback.get_result_display(),
        }
        log(
            proposal,
            ProposalEvent.Kind.FEEDBACK,
            actor,
            message=summary if created else _("修改反馈：") + summary,
            reply=reply.pk,
            department=reply.department.name,
        )
        if feedback.is_dissatisfied:
            coordinators = User.objects.filter(role=Role.COORDINATOR, is_active=True)
            notify(
                coordinators,
                _("%(deputy)s对%(dept)s关于第%(n)s号建议的答复不满意，请研究是否重新办理。")
                % {"deputy": deputy.name, "dept": reply.department.name, "n": proposal.number},
                _url(reply),
            )
    from .rehandling import check_closing

    check_closing(proposal, actor=actor, today=today)
    return feedback


def _awaiting(reply):
    """Signers who have not answered yet (reads `reply.feedback`, so a prefetch serves it)."""
    answered = {f.deputy_id for f in reply.feedback.all()}
    return [d for d in signers(reply.assignment.proposal) if d.pk not in answered]


# what the daily job reads of each reply, in a fixed number of queries
DAILY = ("feedback", "assignment__proposal__cosigners__deputy__user")


def daily(today=None):
    """Remind, a week ahead, those who have not answered; record 未反馈 for windows that
    closed. Running it twice a day sends and records nothing twice."""
    today = today or timezone.localdate()
    reminded = 0
    due = today + datetime.timedelta(days=REMIND_DAYS_BEFORE)
    asked = Reply.objects.filter(kind=Reply.Kind.REPLY, feedback_until=due, rehandling__isnull=True)
    for reply in asked.for_detail().prefetch_related(*DAILY):
        try:
            with transaction.atomic():
                DigestLog.objects.create(kind="feedback_reminder", target=str(reply.pk), day=today)
        except IntegrityError:
            continue  # already reminded today
        proposal = reply.assignment.proposal
        message = _("请在%(date)s前对%(dept)s关于第%(n)s号建议的答复提出反馈意见。") % {
            "date": f"{reply.feedback_until:%Y-%m-%d}",
            "dept": reply.department.name,
            "n": proposal.number,
        }
        items = [(d.user, message, _url(reply)) for d in _awaiting(reply) if d.user_id]
        reminded += len(notify_many(items, kind=NotificationKind.FEEDBACK_REMINDER))
    # windows closed in the last week (a week of catching up if the job did not run)
    closed = Reply.objects.filter(
        kind=Reply.Kind.REPLY,
        signed_version__isnull=False,
        feedback_until__lt=today,
        feedback_until__gte=today - datetime.timedelta(days=REMIND_DAYS_BEFORE),
    )
    missing = [
        Feedback(reply=reply, deputy=deputy, responded=False)
        for reply in closed.select_related("assignment__proposal__lead_deputy").prefetch_related(*DAILY)
        for deputy in _awaiting(reply)
    ]
    Feedback.objects.bulk_create(missing, ignore_conflicts=True)
    from .rehandling import check_closing

    for reply in closed.select_related("assignment__proposal"):
        check_closing(reply.assignment.proposal, today=today)
    return reminded, len(missing)
