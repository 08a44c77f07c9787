"""The coordinator's dashboard for one session (DOMAIN.md "What the office measures"): the
queries only, no presentation.

Every figure comes from recorded timestamps and deadlines (assigned_at, signed_at,
replied_at, reply_due / opinion_due) through `AssignmentQuerySet.with_state`, and is an SQL
aggregate: the page runs the same few queries for 50 assignments or 10,000.

What is counted, so that each figure's link to the proposal list shows exactly its rows:
- session-wide state figures count *proposals* (件) with at least one assignment in force in
  that state; a proposal handled by several departments can be in several states at once;
- per-department figures count that department's assignments, one per proposal (a
  department appears once per proposal among the assignments in force), so they are
  proposals too;
- reference (参阅) assignments owe nothing and are left out of everything;
- 逾期数 is *currently* overdue (not replied, past due); replies sent late are 逾期答复;
- 按时率 is replied on or before the due date / replied, over assignments.
"""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Prefetch, Q, Window

from .deadlines import TrackingState
from .models import Assignment, Proposal

State = TrackingState
OWING_STATES = [s for s in State if s != State.REFERENCE]
REPLIED_STATES = [State.REPLIED_ON_TIME, State.REPLIED_LATE]
LIST_LIMIT = 50
DUE_WITHIN_DAYS = 7  # "due this week": today and the six days after


def on_time_rate(on_time: int, replied: int) -> Decimal | None:
    """Percentage with one decimal, half up (87.5); None when nothing was replied."""
    if not replied:
        return None
    return (Decimal(100 * on_time) / Decimal(replied)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class DepartmentRow:
    department_id: int
    name: str
    short_name: str
    assigned: int  # 交办数: assignments in force, reference excluded
    replied: int
    on_time: int
    late: int  # replied after the due date
    overdue: int  # not replied and past due, today
    unsigned: int  # not signed for and not yet overdue (an overdue one counts as overdue)

    @property
    def rate(self) -> Decimal | None:
        return on_time_rate(self.on_time, self.replied)


@dataclass
class SessionDashboard:
    session: object
    today: datetime.date
    due_until: datetime.date
    # proposals with an assignment in force in each state (TrackingState value → count)
    by_state: dict[str, int]
    owing: int  # proposals with any assignment that owes a reply or an opinion
    replied: int  # proposals with any assignment replied
    due_this_week: int  # proposals with an assignment not replied, due today … due_until
    assignments_replied: int
    assignments_on_time: int
    departments: list[DepartmentRow]
    overdue_list: list = field(default_factory=list)  # Assignments, most days late first
    due_list: list = field(default_factory=list)
    unsigned_list: list = field(default_factory=list)
    key_list: list = field(default_factory=list)  # Proposals, each with .in_force assignments
    key_count: int = 0

    @property
    def rate(self) -> Decimal | None:
        return on_time_rate(self.assignments_on_time, self.assignments_replied)


def _owing(session, today):
    return (
        Assignment.objects.current()
        .filter(proposal__session=session)
        .exclude(mode=Assignment.Mode.REFERENCE)
        .with_state(today)
    )


def _distinct_proposals(condition=None):
    return Count("proposal", filter=condition, distinct=True)


def session_dashboard(session, today: datetime.date) -> SessionDashboard:
    """Seven queries whatever the session's size."""
    owing = _owing(session, today)
    due_until = today + datetime.timedelta(days=DUE_WITHIN_DAYS - 1)
    open_due_this_week = Q(replied_at__isnull=True, due__gte=today, due__lte=due_until)

    totals = owing.aggregate(
        **{f"state_{s}": _distinct_proposals(Q(state=s)) for s in OWING_STATES},
        owing=_distinct_proposals(),
        replied=_distinct_proposals(Q(state__in=REPLIED_STATES)),
        due_this_week=_distinct_proposals(open_due_this_week),
        assignments_replied=Count("id", filter=Q(state__in=REPLIED_STATES)),
        assignments_on_time=Count("id", filter=Q(state=State.REPLIED_ON_TIME)),
    )

    rows = (
        owing.values("department_id", "department__name", "department__short_name")
        .annotate(
            assigned=Count("id"),
            replied=Count("id", filter=Q(state__in=REPLIED_STATES)),
            on_time=Count("id", filter=Q(state=State.REPLIED_ON_TIME)),
            late=Count("id", filter=Q(state=State.REPLIED_LATE)),
            overdue=Count("id", filter=Q(state=State.OVERDUE)),
            unsigned=Count("id", filter=Q(state=State.UNSIGNED)),
        )
        .order_by("-overdue", "-assigned", "department__name")
    )
    departments = [
        DepartmentRow(
            department_id=r["department_id"],
            name=r["department__name"],
            short_name=r["department__short_name"],
            **{k: r[k] for k in ("assigned", "replied", "on_time", "late", "overdue", "unsigned")},
        )
        for r in rows
    ]

    listed = owing.select_related("proposal", "department")
    overdue_list = list(listed.filter(state=State.OVERDUE).order_by("due", "proposal__number", "id")[:LIST_LIMIT])
    for a in overdue_list:
        a.days_late = (today - a.due).days
    due_list = list(listed.filter(open_due_this_week).order_by("due", "proposal__number", "id")[:LIST_LIMIT])
    unsigned_list = list(
        listed.filter(state=State.UNSIGNED).order_by("sign_due", "assigned_at", "proposal__number", "id")[:LIST_LIMIT]
    )

    # Key proposals are few (the chairperson meeting picks them); the window counts them all
    # in the same query that fetches the first LIST_LIMIT.
    key_list = list(
        Proposal.objects.filter(session=session, is_key=True)
        .exclude(status=Proposal.Status.DRAFT)
        .annotate(total=Window(Count("id")))
        .prefetch_related(
            Prefetch(
                "assignments",
                queryset=Assignment.objects.current()
                .with_state(today)
                .select_related("department")
                .order_by("mode", "id"),
                to_attr="in_force",
            )
        )
        .order_by("number", "id")[:LIST_LIMIT]
    )

    for a in [*due_list, *(a for p in key_list for a in p.in_force)]:
        a.state = State(a.state)  # for its label

    return SessionDashboard(
        session=session,
        today=today,
        due_until=due_until,
        by_state={s.value: totals[f"state_{s}"] for s in OWING_STATES},
        owing=totals["owing"],
        replied=totals["replied"],
        due_this_week=totals["due_this_week"],
        assignments_replied=totals["assignments_replied"],
        assignments_on_time=totals["assignments_on_time"],
        departments=departments,
        overdue_list=overdue_list,
        due_list=due_list,
        unsigned_list=unsigned_list,
        key_list=key_list,
        key_count=key_list[0].total if key_list else 0,
    )
