"""The statistics of one session (DOMAIN.md "What the office measures"): the queries only,
no presentation.

What is counted. The unit is the *assignment in force* (交办件次: one proposal handed to one
department, reference/参阅 excluded, earlier rounds of a re-handled proposal replaced by the
round in force), the same rows as the dashboard's department table, so each figure's link
to the proposal list shows the proposals it counts. Every figure comes from what the system
recorded when it happened — assignment, reply and contact dates, deadlines, the deputies'
feedback forms, the category of the signed reply, the round number a re-handling decision
created — never from a field a department fills in about itself.

- 交办数: assignments in force, reference excluded (lead, separate and co-handler).
- 办复率 = replied ÷ 交办数; 按时答复率 = replied on or before the due date ÷ replied
  (the China date of replied_at against reply_due / opinion_due, as tracking states do).
- 逾期未答复: not replied and past due today; 逾期答复: replied after the due date.
- 沟通率 = replies (lead and separate assignments replied) with a contact record dated on or
  before the reply date ÷ those replies. Co-handlers answer the lead department, not the
  deputy, so they are left out of this one figure.
- 平均答复天数 = mean of (China date of replied_at − China date of assigned_at) over replied.
- 满意度: the feedback forms the deputies returned (responded) on the signed replies of the
  assignments in force — the latest round, the verdict as it stands. A form is 满意 when both
  aspects are 满意, 不满意 when either is 不满意 (what sends it to re-handling), 基本满意
  otherwise; each aspect (办理态度, 办理结果) is also counted on its own. Forms not returned
  in time (responded = false) are counted apart and are not in any denominator.
- 重新办理: assignments in force of round 2 or later (each made by a RehandlingDecision).
- 办理结果类别: signed replies (kind reply) of the assignments in force, by Reply.category, in
  the session's result_categories; A+B share = the first two categories ÷ signed replies.

How. Each source (assignments, feedback forms, signed replies) is read by one SQL query that
aggregates it four ways at once — the session, per department, per topic aspect, per
delegation — with GROUP BY GROUPING SETS over a per-row table of 0/1 flags built by the ORM.
So the statistics page runs the same few queries for 10 assignments or 100,000, and each
source is scanned once rather than once per breakdown.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Sum,
)
from django.db.models.functions import Coalesce, TruncDate

from proposals.dashboard import on_time_rate as percent
from proposals.deadlines import CHINA, REPLY_MODES, TrackingState
from proposals.models import Assignment, Proposal
from replies.models import ContactRecord, Feedback, Reply

State = TrackingState
OWING_STATES = [s for s in State if s != State.REFERENCE]
REPLIED_STATES = [State.REPLIED_ON_TIME, State.REPLIED_LATE]
Rating = Feedback.Rating
BREAKDOWNS = ("department", "category", "delegation")

# The grouping sets: the columns each breakdown groups on (an id and its names).
GROUPINGS = {
    "total": (),
    "department": ("g_department", "g_department_name", "g_department_short"),
    "category": ("g_aspect", "g_aspect_name"),
    "delegation": ("g_delegation", "g_delegation_name"),
}
KEYS = ("g_department", "g_aspect", "g_delegation")
# GROUPING(g_department, g_aspect, g_delegation) sets a bit for each key *not* grouped on.
BREAKDOWN_OF_BITS = {0b111: "total", 0b011: "department", 0b101: "category", 0b110: "delegation"}


def _group_columns(path):
    """The breakdown keys of a row reached through `path` to its assignment: the department,
    the proposal's aspect (the top level of its category) and the lead deputy's delegation."""
    return {
        "g_department": F(f"{path}department_id"),
        "g_department_name": F(f"{path}department__name"),
        "g_department_short": F(f"{path}department__short_name"),
        "g_aspect": Coalesce(f"{path}proposal__category__parent_id", f"{path}proposal__category_id"),
        "g_aspect_name": Coalesce(f"{path}proposal__category__parent__name", f"{path}proposal__category__name"),
        "g_delegation": F(f"{path}proposal__lead_deputy__delegation_id"),
        "g_delegation_name": F(f"{path}proposal__lead_deputy__delegation__name"),
    }


def _rollup(queryset, facts, measures, extra=(), totals=None):
    """Aggregate `queryset`'s rows per breakdown, in one query:
    {breakdown: {key: {"name":…, "short_name":…, measure: n} or {extra value: {measure: n}}}}.

    The inner query is the ORM's own SQL and parameters: the rows counted (`f_n`) per value
    of the group columns and of the `facts` (each computed once per row; the ORM would repeat
    an annotation such as the tracking state inside every expression that refers to it),
    plus the `totals` aggregates. That leaves a few thousand rows whatever the size, which the
    outer query adds up four ways: `measures` are SQL aggregates over the fact columns, with
    their parameters."""
    group = [c for cols in GROUPINGS.values() for c in cols]
    inner = queryset.order_by().values(*group, *extra, *facts).annotate(f_n=Count("pk"), **(totals or {}))
    sql, params = inner.query.sql_with_params()
    sets = ", ".join("(" + ", ".join((*cols, *extra)) + ")" for cols in GROUPINGS.values())
    aggregates = [expression for expression, _params in measures.values()]
    outer_params = [p for _expression, measure_params in measures.values() for p in measure_params]
    select = ", ".join([f"GROUPING({', '.join(KEYS)})", *group, *extra, *aggregates])
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {select} FROM ({sql}) AS facts GROUP BY GROUPING SETS ({sets})",  # noqa: S608 - names from GROUPINGS, SQL from the ORM  # nosec B608
            [*outer_params, *params],
        )
        rows = cursor.fetchall()
    names = list(measures)
    result = {name: {} for name in GROUPINGS}
    key_column = {"department": "g_department", "category": "g_aspect", "delegation": "g_delegation"}
    for row in rows:
        breakdown = BREAKDOWN_OF_BITS[row[0]]
        values = dict(zip(group, row[1 : 1 + len(group)], strict=True))
        extras = row[1 + len(group) : 1 + len(group) + len(extra)]
        sums = dict(zip(names, row[1 + len(group) + len(extra) :], strict=True))
        column = key_column.get(breakdown)
        entry = result[breakdown].setdefault(
            values[column] if column else None,
            {"name": values.get(f"{column}_name") or "", "short_name": values.get("g_department_short") or ""},
        )
        if extra:
            entry[extras[0]] = sums
        else:
            entry.update(sums)
    return result


def _count(condition="", params=()):
    """How many rows meet an SQL condition on the fact columns (SUM of bigint is numeric in
    PostgreSQL: cast back)."""
    where = f" FILTER (WHERE {condition})" if condition else ""
    return (f"CAST(COALESCE(SUM(f_n){where}, 0) AS bigint)", list(params))


def _in(values):
    return "(" + ", ".join(["%s"] * len(values)) + ")"


# --- the three sources --------------------------------------------------------------------------


def assignments_in_force(session, today):
    return (
        Assignment.objects.current()
        .filter(proposal__session=session)
        .exclude(mode=Assignment.Mode.REFERENCE)
        .with_state(today)
    )


ASSIGNMENT_MEASURES = {
    "assigned": _count(),
    "replied": _count(f"f_state IN {_in(REPLIED_STATES)}", REPLIED_STATES),
    "on_time": _count("f_state = %s", [State.REPLIED_ON_TIME]),
    "late": _count("f_state = %s", [State.REPLIED_LATE]),
    "overdue": _count("f_state = %s", [State.OVERDUE]),
    **{f"state_{s}": _count("f_state = %s", [s]) for s in OWING_STATES},
    "answered": _count("f_answered"),
    "contacted": _count("f_answered AND f_contacted"),
    "days": ("CAST(COALESCE(SUM(f_days), 0) AS bigint)", []),
    "rehandled": _count("f_round > 1"),
}


def _assignment_rollup(session, today):
    contact = ContactRecord.objects.filter(assignment=OuterRef("pk"), date__lte=OuterRef("replied_on"))
    queryset = (
        assignments_in_force(session, today)
        .annotate(**_group_columns(""))
        .annotate(
            f_state=F("state"),
            f_answered=ExpressionWrapper(Q(mode__in=REPLY_MODES, replied_at__isnull=False), BooleanField()),
            f_contacted=Exists(contact),
            f_round=F("round"),
        )
    )
    # China dates: date − date is a whole number of days in PostgreSQL (NULL if not replied)
    days = Func(
        F("replied_on"),
        TruncDate("assigned_at", tzinfo=CHINA),
        arg_joiner=" - ",
        template="(%(expressions)s)",
        output_field=IntegerField(),
    )
    return _rollup(
        queryset,
        ["f_state", "f_answered", "f_contacted", "f_round"],
        ASSIGNMENT_MEASURES,
        totals={"f_days": Sum(days)},
    )


def _signed_replies(path=""):
    """Signed replies (not co-handler opinions) of the assignments in force, reached by `path`."""
    return Q(
        **{
            f"{path}kind": Reply.Kind.REPLY,
            f"{path}signed_version__isnull": False,
            f"{path}assignment__is_active": True,
        }
    ) & ~Q(**{f"{path}assignment__mode": Assignment.Mode.REFERENCE})


S, B, D = Rating.SATISFIED, Rating.BASIC, Rating.DISSATISFIED
FEEDBACK_MEASURES = {
    "responded": _count("f_responded"),
    "not_responded": _count("NOT f_responded"),
    "satisfied": _count("f_responded AND f_attitude = %s AND f_result = %s", [S, S]),
    "basic": _count(
        "f_responded AND f_attitude <> %s AND f_result <> %s AND NOT (f_attitude = %s AND f_result = %s)",
        [D, D, S, S],
    ),
    "dissatisfied": _count("f_responded AND (f_attitude = %s OR f_result = %s)", [D, D]),
    **{
        f"{aspect}_{name}": _count(f"f_responded AND f_{aspect} = %s", [rating])
        for aspect in ("attitude", "result")
        for name, rating in (("satisfied", S), ("basic", B), ("dissatisfied", D))
    },
}


def _feedback_rollup(session):
    queryset = (
        Feedback.objects.filter(_signed_replies("reply__"), reply__assignment__proposal__session=session)
        .annotate(**_group_columns("reply__assignment__"))
        .annotate(f_responded=F("responded"), f_attitude=F("attitude"), f_result=F("result"))
    )
    return _rollup(queryset, ["f_responded", "f_attitude", "f_result"], FEEDBACK_MEASURES)


def _result_rollup(session):
    queryset = (
        Reply.objects.filter(_signed_replies(), assignment__proposal__session=session)
        .annotate(**_group_columns("assignment__"))
        .annotate(g_result=F("category"))
    )
    return _rollup(queryset, [], {"signed": _count()}, extra=("g_result",))


# --- the figures --------------------------------------------------------------------------------


def _rate(numerator, denominator):
    return percent(numerator, denominator)


@dataclass
class Figures:
    """The figures of one row: the session, or one department, aspect or delegation."""

    key: int | None = None
    name: str = ""
    short_name: str = ""
    codes: tuple = ()  # the session's result category codes, most resolved first
    assigned: int = 0
    replied: int = 0
    on_time: int = 0
    late: int = 0
    overdue: int = 0
    answered: int = 0  # replies owed to the deputy (lead, separate) that were sent
    contacted: int = 0  # … of which with a contact record dated on or before the reply
    days: int = 0  # total days from assignment to reply, over `replied`
    rehandled: int = 0
    states: dict = field(default_factory=dict)  # TrackingState value → assignments
    responded: int = 0
    not_responded: int = 0
    satisfied: int = 0
    basic: int = 0
    dissatisfied: int = 0
    attitude_satisfied: int = 0
    attitude_basic: int = 0
    attitude_dissatisfied: int = 0
    result_satisfied: int = 0
    result_basic: int = 0
    result_dissatisfied: int = 0
    results: dict = field(default_factory=dict)  # Reply.category → signed replies
    signed: int = 0

    @property
    def reply_rate(self):
        return _rate(self.replied, self.assigned)

    @property
    def on_time_rate(self):
        return _rate(self.on_time, self.replied)

    @property
    def contact_rate(self):
        return _rate(self.contacted, self.answered)

    @property
    def average_days(self) -> Decimal | None:
        if not self.replied:
            return None
        return (Decimal(self.days) / Decimal(self.replied)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def satisfied_rate(self):
        return _rate(self.satisfied, self.responded)

    @property
    def basic_rate(self):
        return _rate(self.basic, self.responded)

    @property
    def dissatisfied_rate(self):
        return _rate(self.dissatisfied, self.responded)

    @property
    def attitude_satisfied_rate(self):
        return _rate(self.attitude_satisfied, self.responded)

    @property
    def attitude_basic_rate(self):
        return _rate(self.attitude_basic, self.responded)

    @property
    def result_satisfied_rate(self):
        return _rate(self.result_satisfied, self.responded)

    @property
    def result_basic_rate(self):
        return _rate(self.result_basic, self.responded)

    @property
    def solved_or_planned(self) -> int:
        """A+B: signed replies in the first two result categories."""
        return sum(self.results.get(code, 0) for code in self.codes[:2])

    @property
    def solved_or_planned_rate(self):
        return _rate(self.solved_or_planned, self.signed)

    @property
    def result_counts(self) -> list[tuple[str, int]]:
        """(code, signed replies) for each of the session's categories, in order, then any
        category the session does not list (imported replies) as one 其他 entry."""
        known = [(code, self.results.get(code, 0)) for code in self.codes]
        other = sum(n for code, n in self.results.items() if code not in self.codes)
        return known + ([("", other)] if other else [])


@dataclass
class SessionStatistics:
    session: object
    today: datetime.date
    categories_labels: list  # the session's [[code, label], …]
    total: Figures
    departments: list[Figures]
    categories: list[Figures]
    delegations: list[Figures]

    @property
    def codes(self):
        return tuple(code for code, _label in self.categories_labels)

    def breakdown(self, name) -> list[Figures]:
        return {"department": self.departments, "category": self.categories, "delegation": self.delegations}[name]


def session_statistics(session, today: datetime.date) -> SessionStatistics:
    """Three queries whatever the session's size (and the SET LOCAL below)."""
    codes = tuple(code for code, _label in session.result_categories)
    with transaction.atomic(), connection.cursor() as cursor:
        # PostgreSQL's JIT compiler judges these scans costly enough to compile, and spends
        # longer compiling (1.5 s at 100,000 proposals) than the query then takes: off, for
        # this transaction only.
        cursor.execute("SET LOCAL jit = off")
        assignments = _assignment_rollup(session, today)
        feedback = _feedback_rollup(session)
        results = _result_rollup(session)

    def figures(breakdown, key, entry):
        sums = {k: v for k, v in entry.items() if k not in ("name", "short_name")}
        row = Figures(key=key, name=entry["name"], short_name=entry["short_name"], codes=codes)
        row.states = {s.value: sums.pop(f"state_{s}") for s in OWING_STATES}
        for name, value in sums.items():
            setattr(row, name, value)
        for name, value in feedback[breakdown].get(key, {}).items():
            if name not in ("name", "short_name"):
                setattr(row, name, value)
        by_result = results[breakdown].get(key, {})
        row.results = {code: sums_["signed"] for code, sums_ in by_result.items() if code not in ("name", "short_name")}
        row.signed = sum(row.results.values())
        return row

    def rows(breakdown):
        made = [figures(breakdown, key, entry) for key, entry in assignments[breakdown].items()]
        # the groups without a key (未分类, no delegation) last; the biggest first
        return sorted(made, key=lambda r: (r.key is None, -r.assigned, r.name))

    total_entry = assignments["total"].get(None) or {"name": "", "short_name": ""}
    if "assigned" not in total_entry:  # no assignment at all: an empty set still counts 0
        total_entry = {**total_entry, **dict.fromkeys(ASSIGNMENT_MEASURES, 0)}
    return SessionStatistics(
        session=session,
        today=today,
        categories_labels=[list(pair) for pair in session.result_categories],
        total=figures("total", None, total_entry),
        departments=rows("department"),
        categories=rows("category"),
        delegations=rows("delegation"),
    )


# --- across sessions and the key-supervised items ---------------------------------------------


def result_categories_by_session(sessions) -> dict[int, Counter]:
    """Signed replies of the assignments in force per session and category: one query."""
    rows = (
        Reply.objects.filter(
            kind=Reply.Kind.REPLY,
            signed_version__isnull=False,
            assignment__is_active=True,
            assignment__proposal__session__in=[s.pk for s in sessions],
        )
        .exclude(assignment__mode=Assignment.Mode.REFERENCE)
        .values_list("assignment__proposal__session_id", "category")
        .annotate(n=Count("id"))
        .order_by()
    )
    by_session = {s.pk: Counter() for s in sessions}
    for session_id, category, n in rows:
        by_session[session_id][category] += n
    return by_session


def key_items(session, today):
    """The session's key-supervised proposals (重点督办), each with .in_force: its
    assignments in force that owe something, with their tracking state. Two queries."""
    items = list(
        Proposal.objects.filter(session=session, is_key=True)
        .exclude(status=Proposal.Status.DRAFT)
        .select_related("lead_deputy")
        .prefetch_related(
            Prefetch(
                "assignments",
                queryset=Assignment.objects.current()
                .exclude(mode=Assignment.Mode.REFERENCE)
                .with_state(today)
                .select_related("department")
                .order_by("mode", "id"),
                to_attr="in_force",
            )
        )
        .order_by("number", "id")
    )
    for proposal in items:
        for assignment in proposal.in_force:
            assignment.state = State(assignment.state)
    return items
