"""The daily reminders: each department one digest of its unsigned, due-soon and overdue
assignments; the coordinators one summary. Idempotent per day (accounts.DigestLog)."""

import logging
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts import emails
from accounts.models import DigestLog, Role, User
from accounts.sms import send_sms

from . import deadlines
from .models import Assignment

State = deadlines.TrackingState
log = logging.getLogger(__name__)


@dataclass
class Digest:
    department: object
    unsigned: list = field(default_factory=list)
    due_soon: list = field(default_factory=list)
    overdue: list = field(default_factory=list)

    @property
    def is_empty(self):
        return not (self.unsigned or self.due_soon or self.overdue)


def build_digests(today):
    """Digests per department, from the assignments in force that are not replied."""
    digests = {}
    open_assignments = (
        Assignment.objects.current()
        .filter(replied_at__isnull=True)
        .exclude(mode=Assignment.Mode.REFERENCE)
        .select_related("proposal__session", "department")
        .order_by("department__name", "reply_due", "opinion_due", "id")
    )
    for a in open_assignments:
        state = deadlines.state_of(a, today, a.proposal.session.due_soon_days)
        digest = digests.setdefault(a.department_id, Digest(a.department))
        if state == State.OVERDUE:
            digest.overdue.append(a)
        elif state == State.UNSIGNED:
            digest.unsigned.append(a)
        elif state == State.DUE_SOON:
            digest.due_soon.append(a)
    return [d for d in digests.values() if not d.is_empty]


def _once(kind, target, today, send):
    """Runs `send` unless this digest went out today. The log row and the sending share a
    transaction: a failed send leaves no row, so the next run tries again; it does not stop
    the other departments' digests."""
    try:
        with transaction.atomic():
            DigestLog.objects.create(kind=kind, target=str(target), day=today)
            send()
    except IntegrityError:
        return False
    except Exception:
        log.exception("reminder %s for %s failed; it will be retried on the next run", kind, target)
        return False
    return True


def send_reminders(today, *, dry_run=False, out=None):
    """Sends what is due today and returns (department digests sent, summaries sent).
    With dry_run it writes what it would send to `out` and records nothing."""
    digests = build_digests(today)
    no_address = _("（无邮箱）")
    users = defaultdict(list)
    for user in User.objects.filter(
        department_id__in=[d.department.pk for d in digests], role__in=(Role.CLERK, Role.LEADER), is_active=True
    ):
        users[user.department_id].append(user)
    sent_departments = 0
    for digest in digests:
        recipients = [u.email for u in users[digest.department.pk] if u.email]
        line = _("%(dept)s：未签收%(u)s件，临期%(s)s件，逾期%(o)s件") % {
            "dept": digest.department.name,
            "u": len(digest.unsigned),
            "s": len(digest.due_soon),
            "o": len(digest.overdue),
        }
        if dry_run:
            if out:
                out.write(f"{line} → {', '.join(recipients) or no_address}\n")
            continue

        def send(digest=digest, recipients=recipients, line=line):
            if recipients:
                emails.send("department_digest", recipients, {"digest": digest, "today": today})
            if digest.overdue:
                for leader in (u for u in users[digest.department.pk] if u.role == Role.LEADER):
                    send_sms(leader.phone, _("【建议办理】%(line)s，请及时办理。") % {"line": line})

        sent_departments += _once("department_digest", digest.department.pk, today, send)

    coordinators = [u.email for u in User.objects.filter(role=Role.COORDINATOR, is_active=True) if u.email]
    summary = {
        "digests": digests,
        "today": today,
        "unsigned": sum(len(d.unsigned) for d in digests),
        "due_soon": sum(len(d.due_soon) for d in digests),
        "overdue": sum(len(d.overdue) for d in digests),
    }
    if dry_run:
        if out:
            out.write(
                _("交办机构汇总：未签收%(unsigned)s件，临期%(due_soon)s件，逾期%(overdue)s件") % summary
                + f" → {', '.join(coordinators) or no_address}\n"
            )
        return 0, 0
    sent_summaries = 0
    if digests and coordinators:
        sent_summaries = int(
            _once(
                "coordinator_summary", "all", today, lambda: emails.send("coordinator_summary", coordinators, summary)
            )
        )
    return sent_departments, sent_summaries
