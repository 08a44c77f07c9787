"""The deadline engine (DOMAIN.md steps 4–7, "Deadlines"): date arithmetic and tracking states.

Pure functions over dates. The only database access is `WorkCalendar.load`, which reads the
working-day table; the `chinesecalendar` package is never called here (it only seeds the
table, and it raises for years it does not know).

- Month deadlines are civil months: 31 Jan + 1 month = 28/29 Feb (`add_months`).
- Working-day deadlines count the n-th working day *after* the start, by the calendar table.
  A year the table does not fully cover falls back to Monday–Friday and makes the deadline
  provisional (临时), until a coordinator enters that year.
- Each deadline comes with how it was computed ("交办日 2024-03-01 + 3个月 = 2024-06-01").
- Tracking states are computed from the dates when read, never stored.
"""

from calendar import isleap, monthrange
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# Deadlines are dates in China whatever the server's time zone.
CHINA = ZoneInfo("Asia/Shanghai")

LEAD, COHANDLER, SEPARATE, REFERENCE = "lead", "cohandler", "separate", "reference"  # Assignment.Mode
REPLY_MODES = (LEAD, SEPARATE)


def add_months(d: date, n: int) -> date:
    """`d` plus `n` civil months; a day the target month lacks becomes its last day."""
    years, month0 = divmod(d.month - 1 + n, 12)
    year, month = d.year + years, month0 + 1
    return date(year, month, min(d.day, monthrange(year, month)[1]))


@dataclass(frozen=True)
class Policy:
    """A session's deadline settings (Session's fields of the same names)."""

    reply_months: int = 3
    extended_reply_months: int = 6
    cohandler_opinion_months: int = 1
    sign_for_workdays: int = 3
    reassign_window_workdays: int = 7
    rehandling_months: int = 1
    due_soon_days: int = 15
    count_from_close: bool = False

    @classmethod
    def from_session(cls, session) -> "Policy":
        return cls(
            reply_months=session.reply_months,
            extended_reply_months=session.extended_reply_months,
            cohandler_opinion_months=session.cohandler_opinion_months,
            sign_for_workdays=session.sign_for_workdays,
            reassign_window_workdays=session.reassign_window_workdays,
            rehandling_months=session.rehandling_months,
            due_soon_days=session.due_soon_days,
            count_from_close=session.count_from_close,
        )


def _days_in_year(year: int) -> int:
    return 366 if isleap(year) else 365


class WorkCalendar:
    """Which days are working days.

    `days` maps dates to is_workday; `covered_years` are the years `days` holds completely
    (the official calendar was entered). For other years a day listed in `days` (say one
    holiday entered by hand) keeps its value, every other day follows Monday–Friday, and any
    deadline that looks at such a day is provisional.
    """

    def __init__(self, days: dict[date, bool], covered_years: set[int]):
        self.days = days
        self.covered_years = set(covered_years)

    @classmethod
    def load(cls, start: date, end: date) -> "WorkCalendar":
        """The table's rows from `start` to `end`, in one query.

        The range is widened to whole years and to the whole year after `end`, so that any
        working-day window counted from a date up to `end` stays inside what was loaded (a
        year outside it would otherwise count as not entered). A year is covered when the
        table holds a row for each of its days; counted from the same rows, so no second
        query is needed.
        """
        from .models import WorkCalendarDay  # the module stays importable without the app registry

        first, last = date(start.year, 1, 1), date(end.year + 1, 12, 31)
        days = dict(WorkCalendarDay.objects.filter(date__range=(first, last)).values_list("date", "is_workday"))
        per_year = Counter(d.year for d in days)
        return cls(days, {year for year, n in per_year.items() if n == _days_in_year(year)})

    def covers(self, d: date) -> bool:
        return d.year in self.covered_years

    def is_workday(self, d: date) -> bool:
        known = self.days.get(d)
        if known is not None:
            return known
        # Not entered: ordinary Monday–Friday. (In a covered year every day has a row.)
        return d.weekday() < 5

    def add_workdays(self, start: date, n: int) -> tuple[date, bool]:
        """The n-th working day after `start` (n ≥ 1; n = 0 gives `start`), and whether any
        day it looked at lies in a year the table does not cover (the result is provisional)."""
        d, found, provisional = start, 0, False
        while found < n:
            d += timedelta(days=1)
            provisional = provisional or not self.covers(d)
            if self.is_workday(d):
                found += 1
        return d, provisional


BASIS_KEYS = ("sign_due", "reassign_until", "reply_due", "max_reply_due", "opinion_due")


@dataclass(frozen=True)
class Deadlines:
    sign_due: date | None = None
    reassign_until: date | None = None
    reply_due: date | None = None
    max_reply_due: date | None = None
    opinion_due: date | None = None
    # How each deadline was computed, keyed like the fields ("reply_due": "交办日 … = …").
    basis: dict[str, str] = field(default_factory=dict)
    provisional: bool = False


def _months_basis(*, from_close: bool, start: date, n: int, due: date) -> str:
    values = {"start": start.isoformat(), "n": n, "due": due.isoformat()}
    if from_close:
        return _("闭会日 %(start)s + %(n)s个月 = %(due)s") % values
    return _("交办日 %(start)s + %(n)s个月 = %(due)s") % values


def _workdays_basis(*, start: date, n: int, due: date, provisional: bool) -> str:
    text = _("交办日 %(start)s 后第%(n)s个工作日 = %(due)s") % {
        "start": start.isoformat(),
        "n": n,
        "due": due.isoformat(),
    }
    if provisional:
        text = _("%(basis)s（临时：按周一至周五计算）") % {"basis": text}
    return text


def compute(
    *, assigned_on: date, mode: str, policy: Policy, calendar: WorkCalendar, session_closes_on: date | None = None
) -> Deadlines:
    """An assignment's deadlines.

    Every mode: sign_due and reassign_until, working days after `assigned_on`. lead and
    separate: reply_due = base + reply_months and max_reply_due = base + extended_reply_months
    (the most an extension may grant), where base is the session's close when the policy
    counts from it (and `session_closes_on` is given), else `assigned_on`. cohandler:
    opinion_due = assigned_on + cohandler_opinion_months, always from the assignment.
    reference: no reply and no opinion.

    `calendar` must cover `assigned_on` and some weeks after (`WorkCalendar.load(assigned_on,
    assigned_on)` does).
    """
    sign_due, sign_provisional = calendar.add_workdays(assigned_on, policy.sign_for_workdays)
    reassign_until, reassign_provisional = calendar.add_workdays(assigned_on, policy.reassign_window_workdays)
    basis = {
        "sign_due": _workdays_basis(
            start=assigned_on, n=policy.sign_for_workdays, due=sign_due, provisional=sign_provisional
        ),
        "reassign_until": _workdays_basis(
            start=assigned_on, n=policy.reassign_window_workdays, due=reassign_until, provisional=reassign_provisional
        ),
    }
    dates = {"sign_due": sign_due, "reassign_until": reassign_until}

    if mode in REPLY_MODES:
        from_close = policy.count_from_close and session_closes_on is not None
        base = session_closes_on if from_close else assigned_on
        for key, months in (("reply_due", policy.reply_months), ("max_reply_due", policy.extended_reply_months)):
            dates[key] = add_months(base, months)
            basis[key] = _months_basis(from_close=from_close, start=base, n=months, due=dates[key])
    elif mode == COHANDLER:
        months = policy.cohandler_opinion_months
        dates["opinion_due"] = add_months(assigned_on, months)
        basis["opinion_due"] = _months_basis(from_close=False, start=assigned_on, n=months, due=dates["opinion_due"])
    elif mode != REFERENCE:
        raise ValueError(f"unknown assignment mode {mode!r}")

    return Deadlines(**dates, basis=basis, provisional=sign_provisional or reassign_provisional)


def rehandling_due(decided_on: date, policy: Policy) -> tuple[date, str]:
    """The due date of a second round (重新办理), counted from the office's decision."""
    due = add_months(decided_on, policy.rehandling_months)
    basis = _("重新办理决定日 %(start)s + %(n)s个月 = %(due)s") % {
        "start": decided_on.isoformat(),
        "n": policy.rehandling_months,
        "due": due.isoformat(),
    }
    return due, basis


# --- tracking -------------------------------------------------------------------------------


class TrackingState(models.TextChoices):
    UNSIGNED = "unsigned", gettext_lazy("未签收")
    IN_PROGRESS = "in_progress", gettext_lazy("办理中")
    DUE_SOON = "due_soon", gettext_lazy("临期")
    OVERDUE = "overdue", gettext_lazy("逾期")
    REPLIED_ON_TIME = "replied_on_time", gettext_lazy("已答复（按期）")
    REPLIED_LATE = "replied_late", gettext_lazy("已答复（逾期）")
    REFERENCE = "reference", gettext_lazy("参阅")


def tracking_state(
    *,
    mode: str,
    signed_at: datetime | None,
    replied_at: datetime | None,
    due: date | None,
    today: date,
    due_soon_days: int,
) -> TrackingState:
    """Where an assignment stands on `today`. `due` is its reply_due (lead, separate) or
    opinion_due (cohandler); `replied_at` is when the reply (or the opinion) was sent.

    Precedence, first match wins:
      1. 参阅 — a reference assignment owes nothing;
      2. 已答复（按期）/ 已答复（逾期） — replied, on or before `due` (China date) or after it;
      3. 逾期 — `today` is after `due`, signed for or not;
      4. 未签收 — not signed for (this hides 临期: signing comes first);
      5. 临期 — `due` is at most `due_soon_days` days away (today included);
      6. 办理中.
    """
    if mode == REFERENCE:
        return TrackingState.REFERENCE
    if replied_at is not None:
        if due is not None and replied_at.astimezone(CHINA).date() > due:
            return TrackingState.REPLIED_LATE
        return TrackingState.REPLIED_ON_TIME
    if due is not None and today > due:
        return TrackingState.OVERDUE
    if signed_at is None:
        return TrackingState.UNSIGNED
    if due is not None and (due - today).days <= due_soon_days:
        return TrackingState.DUE_SOON
    return TrackingState.IN_PROGRESS


def due_of(assignment) -> date | None:
    """The date an assignment's tracking state is measured against."""
    if assignment.mode in REPLY_MODES:
        return assignment.reply_due
    if assignment.mode == COHANDLER:
        return assignment.opinion_due
    return None


def state_of(assignment, today: date, due_soon_days: int) -> TrackingState:
    return tracking_state(
        mode=assignment.mode,
        signed_at=assignment.signed_at,
        replied_at=assignment.replied_at,
        due=due_of(assignment),
        today=today,
        due_soon_days=due_soon_days,
    )
