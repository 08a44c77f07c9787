"""The home page's to-do panels for deputies and coordinators (see accounts.registry)."""

import datetime

from django.db.models import F, Q
from django.utils import timezone

from . import deadlines
from .models import Assignment, AssignmentRequest, CoSigner, Proposal

PANEL_SIZE = 10


def invitations(user):
    """Invitations to co-sign, and withdrawals of joint proposals waiting for this deputy."""
    return list(
        CoSigner.objects.filter(deputy__user=user)
        .filter(
            Q(status=CoSigner.Status.INVITED)
            | Q(
                status=CoSigner.Status.CONFIRMED,
                proposal__withdrawal_requested_at__isnull=False,
                agreed_to_withdraw_at__isnull=True,
            )
        )
        .exclude(proposal__status__in=(Proposal.Status.WITHDRAWN, Proposal.Status.NOT_ACCEPTED))
        .select_related("proposal__lead_deputy", "proposal__session")
        .order_by("-invited_at")[:PANEL_SIZE]
    )


def my_proposals(user):
    return list(Proposal.objects.filter(lead_deputy__user=user).for_home().order_by("-updated_at", "-id")[:PANEL_SIZE])


def review_queue(user):
    return list(
        Proposal.objects.visible_to(user)
        .filter(status=Proposal.Status.SUBMITTED)
        .for_home()
        .order_by("submitted_at", "id")[:PANEL_SIZE]
    )


def _open_assignments(user):
    return Assignment.objects.visible_to(user).current().filter(replied_at__isnull=True).for_inbox()


def _with_state(assignments):
    today = timezone.localdate()
    return [(a, deadlines.state_of(a, today, a.proposal.session.due_soon_days)) for a in assignments]


def unsigned(user):
    return _with_state(_open_assignments(user).filter(signed_at__isnull=True).order_by("sign_due", "id")[:PANEL_SIZE])


def due_soon_or_overdue(user):
    """Open assignments whose reply or opinion is due within the session's warning period,
    or past it."""
    horizon = timezone.localdate() + datetime.timedelta(days=60)  # wider than any warning period
    rows = (
        _open_assignments(user)
        .exclude(mode=Assignment.Mode.REFERENCE)
        .filter(Q(reply_due__lte=horizon) | Q(opinion_due__lte=horizon))
        .order_by(F("reply_due").asc(nulls_last=True), "opinion_due", "id")[:200]
    )
    wanted = (deadlines.TrackingState.DUE_SOON, deadlines.TrackingState.OVERDUE)
    return [row for row in _with_state(rows) if row[1] in wanted][:PANEL_SIZE]


def pending_requests(user):
    return list(
        AssignmentRequest.objects.filter(status=AssignmentRequest.Status.PENDING)
        .select_related("assignment__proposal", "assignment__department")
        .order_by("requested_at")[:PANEL_SIZE]
    )
