"""What the replies app adds to the proposal page and to the home pages."""

from accounts.models import Role
from proposals.models import Assignment

from .models import Reply

DEPARTMENT = (Role.CLERK, Role.LEADER)


def proposal_panel(request, proposal):
    """The replies and opinions of this proposal the user may open, and for a department
    the button that opens its draft."""
    user = request.user
    replies = list(
        Reply.objects.visible_to(user)
        .filter(assignment__proposal=proposal)
        .select_related("department", "assignment")
        .prefetch_related("commitments")
        .order_by("kind", "id")
    )
    can_start = []
    if user.role in DEPARTMENT:
        started = {r.assignment_id for r in replies}
        can_start = [
            a
            for a in proposal.assignments.current()
            .filter(department_id=user.department_id, signed_at__isnull=False)
            .exclude(mode=Assignment.Mode.REFERENCE)
            if a.pk not in started
        ]
    if not replies and not can_start:
        return None
    feedback_due = set()
    if user.role == Role.DEPUTY:
        feedback_due = {r.pk for r in _awaiting_feedback(user).filter(assignment__proposal=proposal)}
    return {"replies": replies, "can_start": can_start, "feedback_due": feedback_due}


def to_sign(user):
    return list(
        Reply.objects.filter(department_id=user.department_id, status=Reply.Status.IN_REVIEW)
        .for_list()
        .order_by("updated_at")[:10]
    )


def to_revise(user):
    return list(
        Reply.objects.filter(department_id=user.department_id, status=Reply.Status.RETURNED)
        .for_list()
        .order_by("updated_at")[:10]
    )


def _awaiting_feedback(user):
    from django.utils import timezone

    return (
        Reply.objects.visible_to(user)
        .filter(kind=Reply.Kind.REPLY, feedback_until__gte=timezone.localdate(), rehandling__isnull=True)
        .exclude(feedback__deputy__user=user)
    )


def awaiting_feedback(user):
    """The home panel: the ten replies whose feedback window closes first."""
    return list(_awaiting_feedback(user).for_list().order_by("feedback_until")[:10])


def received(user):
    """The ten replies signed last. Chosen on the reply rows alone, then loaded with what the
    panel shows: joined first, a deputy with hundreds of replies had every one of them read
    with its proposal, session and department before ten were kept."""
    latest = Reply.objects.visible_to(user).order_by("-signed_at").values("pk")[:10]
    return list(Reply.objects.filter(pk__in=latest).for_list().order_by("-signed_at"))
