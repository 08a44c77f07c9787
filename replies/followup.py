"""Follow-up of promises (跟踪办理, DOMAIN.md step 11). A reply whose result category lies
between "solved" and "for reference" (B and C of A–D) lists its commitments — what, by when
— before it is signed; once signed they are tracked: reminders to the department, progress
reports, done with a note (the deputies are told). Open items of past years roll into the
current year's list."""

import datetime

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import DigestLog, NotificationKind, Role, User
from accounts.notifications import notify, notify_many
from proposals.models import ProposalEvent
from proposals.services import log

from .models import Commitment, ProgressNote, Reply
from .services import ReplyError, signers

REMIND_DAYS_BEFORE = 7


def _require_department(reply, actor):
    if actor.role not in (Role.CLERK, Role.LEADER) or actor.department_id != reply.department_id:
        raise ReplyError(_("只有本单位的承办人员可以办理承诺事项。"))


def add(reply, actor, *, text, due, today=None):
    today = today or timezone.localdate()
    _require_department(reply, actor)
    text = " ".join((text or "").split())
    if not text:
        raise ReplyError(_("请写明承诺做什么。"))
    if reply.kind != Reply.Kind.REPLY:
        raise ReplyError(_("协办意见不列承诺事项，由主办单位在答复中承诺。"))
    if due < today:
        raise ReplyError(_("完成时限不能早于今天。"))
    _require_unsigned(Reply.objects.get(pk=reply.pk))
    return Commitment.objects.create(reply=reply, text=text[:300], due=due, created_by=actor)


def _require_unsigned(reply):
    """Commitments are listed with the first draft; once signed they are tracked (a
    correction does not change what was promised)."""
    if reply.signed_version_id or not reply.is_editable:
        raise ReplyError(_("答复送审或签发后不能再增删承诺事项；签发后请报告进展。"))


def remove(commitment, actor):
    _require_department(commitment.reply, actor)
    _require_unsigned(Reply.objects.get(pk=commitment.reply_id))
    commitment.delete()


def _require_tracked(commitment, actor):
    _require_department(commitment.reply, actor)
    if not commitment.reply.signed_version_id:
        raise ReplyError(_("答复签发后才开始跟踪承诺事项。"))
    if commitment.is_done:
        raise ReplyError(_("这项承诺已完成。"))


def report(commitment, actor, *, text):
    _require_tracked(commitment, actor)
    text = (text or "").strip()
    if not text:
        raise ReplyError(_("请写明进展情况。"))
    return ProgressNote.objects.create(commitment=commitment, text=text, author=actor)


@transaction.atomic
def complete(commitment, actor, *, note, now=None):
    _require_tracked(commitment, actor)
    note = (note or "").strip()
    if not note:
        raise ReplyError(_("请写明完成情况。"))
    now = now or timezone.now()
    if not Commitment.objects.filter(pk=commitment.pk, done_at__isnull=True).update(
        done_at=now, done_note=note, done_by=actor
    ):
        raise ReplyError(_("这项承诺已完成。"))
    commitment.refresh_from_db()
    proposal = commitment.reply.assignment.proposal
    log(
        proposal,
        ProposalEvent.Kind.COMMITMENT_DONE,
        actor,
        message=f"{commitment.text}：{note}",
        department=commitment.reply.department.name,
    )
    notify(
        [d.user for d in signers(proposal) if d.user_id],
        _("%(dept)s对第%(n)s号建议承诺的“%(text)s”已完成。")
        % {"dept": commitment.reply.department.name, "n": proposal.number, "text": commitment.text},
        reverse("replies:detail", args=[commitment.reply_id]),
        kind=NotificationKind.COMMITMENT_DONE,
    )


def tracked():
    """Commitments of signed replies."""
    return Commitment.objects.filter(reply__signed_version__isnull=False)


def for_list(queryset):
    return queryset.select_related(
        "reply__department", "reply__assignment__proposal__session", "reply__assignment__proposal__lead_deputy"
    )


def of_year(queryset, year: int):
    """The year's list: items due that year, and items of earlier years still open (结转)."""
    return queryset.filter(due__year=year) | queryset.filter(due__year__lt=year, done_at__isnull=True)


def daily(today=None):
    """Remind the department a week before an open commitment is due, on the day, and every
    week after; never twice for one item on one day."""
    today = today or timezone.localdate()
    week_ahead = today + datetime.timedelta(days=REMIND_DAYS_BEFORE)
    candidates = for_list(tracked().filter(done_at__isnull=True, due__lte=week_ahead))
    sent = 0
    staff = {}  # department id → its clerks and leaders, read once per department
    for item in candidates:
        late_by = (today - item.due).days
        if not (item.due == week_ahead or (late_by >= 0 and late_by % 7 == 0)):
            continue
        try:
            with transaction.atomic():
                DigestLog.objects.create(kind="commitment_reminder", target=str(item.pk), day=today)
        except IntegrityError:
            continue
        if late_by > 0:
            message = _("第%(n)s号建议承诺的“%(text)s”已超过完成时限（%(due)s），请报告进展。")
        else:
            message = _("第%(n)s号建议承诺的“%(text)s”将于%(due)s到期，请按时完成。")
        text = message % {
            "n": item.reply.assignment.proposal.number,
            "text": item.text,
            "due": f"{item.due:%Y-%m-%d}",
        }
        url = reverse("replies:detail", args=[item.reply_id])
        department = item.reply.department_id
        if department not in staff:
            staff[department] = list(User.objects.filter(department_id=department, role__in=(Role.CLERK, Role.LEADER)))
        users = staff[department]
        sent += len(notify_many([(user, text, url) for user in users]))
    return sent
