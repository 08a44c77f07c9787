"""The home page's to-do panels for deputies and coordinators (see accounts.registry)."""

from django.db.models import Q

from .models import CoSigner, Proposal

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
