"""The deadline engine: month arithmetic, working days from the seeded official calendar,
the fallback for years not entered, every assignment mode, and the tracking states."""

from datetime import UTC, date, datetime, timedelta

import pytest

from proposals import deadlines
from proposals.deadlines import Policy, TrackingState, WorkCalendar, add_months, compute, tracking_state
from proposals.models import Assignment

from .calendar_fixtures import ensure_package_calendar

PROVISIONAL = "（临时：按周一至周五计算）"


@pytest.fixture
def official(db):
    """The seeded calendar, 2024 to 2027 (2027 is not in the package: not covered)."""
    ensure_package_calendar()
    return WorkCalendar.load(date(2024, 1, 1), date(2026, 12, 31))


def d(text):
    return date.fromisoformat(text)


# --- months ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        ("2024-01-31", 1, "2024-02-29"),  # leap year
        ("2023-01-31", 1, "2023-02-28"),
        ("2024-08-31", 3, "2024-11-30"),
        ("2024-02-29", 12, "2025-02-28"),  # a leap day a year on
        ("2024-02-29", 48, "2028-02-29"),
        ("2024-03-01", 3, "2024-06-01"),
        ("2024-11-15", 3, "2025-02-15"),  # across the year end
        ("2024-12-31", 1, "2025-01-31"),
        ("2024-03-31", -1, "2024-02-29"),
        ("2024-05-31", 6, "2024-11-30"),
    ],
)
def test_months_are_civil_months_clamped_to_the_month_end(start, months, expected):
    assert add_months(d(start), months) == d(expected)


# --- the seeded official calendar -----------------------------------------------------------


def test_the_seeded_calendar_has_the_2026_national_day_arrangement(official):
    assert official.is_workday(d("2026-09-20"))  # a Sunday worked (调休)
    assert official.is_workday(d("2026-10-10"))  # a Saturday worked
    assert not any(official.is_workday(d(f"2026-10-0{day}")) for day in range(1, 8))
    assert official.is_workday(d("2026-10-08"))


def test_the_seeded_calendar_names_holidays_and_worked_weekends_in_chinese(official):
    from proposals.models import WorkCalendarDay

    names = dict(
        WorkCalendarDay.objects.filter(
            date__in=[
                d("2026-10-01"),
                d("2026-09-20"),
                d("2026-02-17"),
                d("2026-02-14"),
                d("2015-09-03"),
                d("2026-03-03"),
            ]
        ).values_list("date", "name")
    )
    assert names == {
        d("2026-10-01"): "国庆节",
        d("2026-09-20"): "国庆节调休上班",
        d("2026-02-17"): "春节",
        d("2026-02-14"): "春节调休上班",
        d("2015-09-03"): "抗战胜利70周年纪念日",
        d("2026-03-03"): "",
    }


def test_every_year_the_package_knows_is_covered_and_2027_is_not(db):
    ensure_package_calendar()
    calendar = WorkCalendar.load(date(2004, 1, 1), date(2026, 12, 31))
    assert set(range(2004, 2027)) <= calendar.covered_years
    assert not calendar.covers(d("2027-01-01"))


def test_loading_the_calendar_takes_one_query(db, django_assert_num_queries):
    ensure_package_calendar()
    with django_assert_num_queries(1):
        WorkCalendar.load(d("2026-03-01"), d("2026-03-01"))


# --- working days ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        ("2026-09-30", 1, "2026-10-08"),  # over the whole National Day block
        ("2026-09-30", 2, "2026-10-09"),
        ("2026-10-09", 1, "2026-10-10"),  # the Saturday worked
        ("2026-09-18", 1, "2026-09-20"),  # the Sunday worked
        ("2026-09-28", 3, "2026-10-08"),
        ("2026-09-28", 7, "2026-10-13"),
        ("2026-02-13", 1, "2026-02-14"),  # Spring Festival: the Saturday before is worked
        ("2026-02-13", 2, "2026-02-24"),  # then 15–23 February off
        ("2026-02-13", 3, "2026-02-25"),
        ("2026-02-24", 4, "2026-02-28"),  # and the Saturday after is worked too
        ("2024-03-01", 3, "2024-03-06"),  # an ordinary week
        ("2026-03-03", 0, "2026-03-03"),
    ],
)
def test_working_days_follow_the_official_calendar(official, start, n, expected):
    assert official.add_workdays(d(start), n) == (d(expected), False)


def test_a_year_not_entered_falls_back_to_monday_to_friday_and_is_provisional(official):
    # 2027-01-01 is a Friday: without the 2027 calendar it counts as a working day.
    assert official.add_workdays(d("2026-12-29"), 3) == (d("2027-01-01"), True)
    assert official.add_workdays(d("2026-12-31"), 2) == (d("2027-01-04"), True)
    assert not official.is_workday(d("2027-01-02"))
    assert not official.covers(d("2027-06-01"))


def test_a_window_ending_before_the_year_not_entered_is_not_provisional(official):
    assert official.add_workdays(d("2026-12-24"), 3) == (d("2026-12-29"), False)


def test_a_day_entered_in_a_year_not_fully_entered_counts_but_stays_provisional():
    calendar = WorkCalendar({d("2027-01-01"): False}, covered_years=set())
    assert calendar.add_workdays(d("2026-12-31"), 1) == (d("2027-01-04"), True)


# --- computing an assignment's deadlines ----------------------------------------------------


def test_a_lead_assignment_gets_sign_reassign_reply_and_longest_reply_deadlines(official):
    due = compute(assigned_on=d("2024-03-01"), mode="lead", policy=Policy(), calendar=official)
    assert (due.sign_due, due.reassign_until, due.reply_due, due.max_reply_due, due.opinion_due) == (
        d("2024-03-06"),
        d("2024-03-12"),
        d("2024-06-01"),
        d("2024-09-01"),
        None,
    )
    assert due.basis == {
        "sign_due": "交办日 2024-03-01 后第3个工作日 = 2024-03-06",
        "reassign_until": "交办日 2024-03-01 后第7个工作日 = 2024-03-12",
        "reply_due": "交办日 2024-03-01 + 3个月 = 2024-06-01",
        "max_reply_due": "交办日 2024-03-01 + 6个月 = 2024-09-01",
    }
    assert not due.provisional


def test_a_separate_assignment_owes_a_reply_like_a_lead(official):
    due = compute(assigned_on=d("2024-03-01"), mode="separate", policy=Policy(), calendar=official)
    assert (due.reply_due, due.max_reply_due, due.opinion_due) == (d("2024-06-01"), d("2024-09-01"), None)


def test_a_cohandler_owes_an_opinion_in_one_month_and_no_reply(official):
    due = compute(assigned_on=d("2024-01-31"), mode="cohandler", policy=Policy(), calendar=official)
    assert (due.opinion_due, due.reply_due, due.max_reply_due) == (d("2024-02-29"), None, None)
    assert due.basis["opinion_due"] == "交办日 2024-01-31 + 1个月 = 2024-02-29"
    assert set(due.basis) == {"sign_due", "reassign_until", "opinion_due"}


def test_a_reference_assignment_owes_neither_reply_nor_opinion_but_still_signs(official):
    due = compute(assigned_on=d("2024-03-01"), mode="reference", policy=Policy(), calendar=official)
    assert (due.reply_due, due.max_reply_due, due.opinion_due) == (None, None, None)
    assert (due.sign_due, due.reassign_until) == (d("2024-03-06"), d("2024-03-12"))


def test_counting_from_the_session_close_moves_the_reply_but_not_the_opinion(official):
    policy = Policy(count_from_close=True)
    lead = compute(
        assigned_on=d("2024-03-01"), mode="lead", policy=policy, calendar=official, session_closes_on=d("2024-01-28")
    )
    assert (lead.reply_due, lead.max_reply_due) == (d("2024-04-28"), d("2024-07-28"))
    assert lead.basis["reply_due"] == "闭会日 2024-01-28 + 3个月 = 2024-04-28"
    assert lead.sign_due == d("2024-03-06")  # working-day windows still run from the assignment
    cohandler = compute(
        assigned_on=d("2024-03-01"),
        mode="cohandler",
        policy=policy,
        calendar=official,
        session_closes_on=d("2024-01-28"),
    )
    assert cohandler.opinion_due == d("2024-04-01")


def test_counting_from_the_close_without_a_close_date_counts_from_the_assignment(official):
    due = compute(assigned_on=d("2024-03-01"), mode="lead", policy=Policy(count_from_close=True), calendar=official)
    assert due.reply_due == d("2024-06-01")
    assert due.basis["reply_due"].startswith("交办日")


def test_the_session_policy_decides_every_period(official, session):
    session.reply_months, session.extended_reply_months, session.sign_for_workdays = 2, 4, 5
    session.reassign_window_workdays, session.cohandler_opinion_months = 10, 2
    policy = Policy.from_session(session)
    lead = compute(assigned_on=d("2024-03-01"), mode="lead", policy=policy, calendar=official)
    assert (lead.sign_due, lead.reassign_until, lead.reply_due, lead.max_reply_due) == (
        d("2024-03-08"),
        d("2024-03-15"),
        d("2024-05-01"),
        d("2024-07-01"),
    )
    assert compute(assigned_on=d("2024-03-01"), mode="cohandler", policy=policy, calendar=official).opinion_due == d(
        "2024-05-01"
    )


def test_the_policy_defaults_are_the_statutory_ones(session):
    assert Policy.from_session(session) == Policy(3, 6, 1, 3, 7, 1, 15, False)


def test_a_deadline_in_2027_is_marked_provisional_in_its_basis(official):
    due = compute(assigned_on=d("2026-12-24"), mode="lead", policy=Policy(), calendar=official)
    assert due.provisional
    assert due.sign_due == d("2026-12-29")
    assert "临时" not in due.basis["sign_due"]  # three working days stay in 2026
    assert due.reassign_until == d("2027-01-04")
    assert due.basis["reassign_until"] == f"交办日 2026-12-24 后第7个工作日 = 2027-01-04{PROVISIONAL}"
    assert "临时" not in due.basis["reply_due"]  # months need no calendar


def test_the_sign_for_window_over_the_spring_festival_is_explained(official):
    due = compute(assigned_on=d("2026-02-13"), mode="lead", policy=Policy(), calendar=official)
    assert due.basis["sign_due"] == "交办日 2026-02-13 后第3个工作日 = 2026-02-25"


def test_an_unknown_mode_is_refused(official):
    with pytest.raises(ValueError, match="unknown"):
        compute(assigned_on=d("2024-03-01"), mode="nonsense", policy=Policy(), calendar=official)


def test_re_handling_is_due_a_month_after_the_decision():
    assert deadlines.rehandling_due(d("2024-01-31"), Policy()) == (
        d("2024-02-29"),
        "重新办理决定日 2024-01-31 + 1个月 = 2024-02-29",
    )
    assert deadlines.rehandling_due(d("2024-06-10"), Policy(rehandling_months=3))[0] == d("2024-09-10")


# --- tracking states ------------------------------------------------------------------------

DUE = d("2024-06-01")
SIGNED = datetime(2024, 3, 2, 2, 0, tzinfo=UTC)


def at(text):
    """A moment given in China time, as the database returns it (UTC)."""
    return datetime.fromisoformat(text + "+08:00").astimezone(UTC)


@pytest.mark.parametrize(
    ("mode", "signed_at", "replied_at", "today", "expected"),
    [
        ("reference", None, None, "2024-07-01", TrackingState.REFERENCE),
        ("lead", SIGNED, at("2024-05-20T10:00"), "2024-07-01", TrackingState.REPLIED_ON_TIME),
        ("lead", SIGNED, at("2024-06-01T23:30"), "2024-07-01", TrackingState.REPLIED_ON_TIME),  # the last evening
        ("lead", SIGNED, at("2024-06-02T01:00"), "2024-07-01", TrackingState.REPLIED_LATE),  # still 1 June in UTC
        ("lead", None, at("2024-05-20T10:00"), "2024-07-01", TrackingState.REPLIED_ON_TIME),  # replied wins
        ("lead", None, None, "2024-03-05", TrackingState.UNSIGNED),
        ("lead", None, None, "2024-05-25", TrackingState.UNSIGNED),  # unsigned hides due-soon
        ("lead", None, None, "2024-06-02", TrackingState.OVERDUE),  # but not overdue
        ("lead", SIGNED, None, "2024-05-16", TrackingState.IN_PROGRESS),  # 16 days left
        ("lead", SIGNED, None, "2024-05-17", TrackingState.DUE_SOON),  # 15 days left
        ("lead", SIGNED, None, "2024-06-01", TrackingState.DUE_SOON),  # the due date itself
        ("lead", SIGNED, None, "2024-06-02", TrackingState.OVERDUE),
        ("separate", SIGNED, None, "2024-04-01", TrackingState.IN_PROGRESS),
        ("cohandler", SIGNED, None, "2024-05-20", TrackingState.DUE_SOON),
        ("cohandler", SIGNED, at("2024-06-03T09:00"), "2024-06-10", TrackingState.REPLIED_LATE),
        ("cohandler", None, None, "2024-06-05", TrackingState.OVERDUE),
    ],
)
def test_the_tracking_state_follows_its_precedence(mode, signed_at, replied_at, today, expected):
    state = tracking_state(
        mode=mode, signed_at=signed_at, replied_at=replied_at, due=DUE, today=d(today), due_soon_days=15
    )
    assert state == expected


def test_without_a_due_date_a_signed_assignment_is_in_progress_and_its_reply_on_time():
    common = {"mode": "lead", "due": None, "today": d("2030-01-01"), "due_soon_days": 15}
    assert tracking_state(signed_at=SIGNED, replied_at=None, **common) == TrackingState.IN_PROGRESS
    assert tracking_state(signed_at=SIGNED, replied_at=SIGNED, **common) == TrackingState.REPLIED_ON_TIME


def test_the_due_soon_window_is_a_setting():
    state = tracking_state(
        mode="lead", signed_at=SIGNED, replied_at=None, due=DUE, today=DUE - timedelta(days=20), due_soon_days=30
    )
    assert state == TrackingState.DUE_SOON


def test_the_state_of_an_assignment_is_measured_against_the_date_its_mode_owes():
    common = {"signed_at": SIGNED, "reply_due": d("2024-06-01"), "opinion_due": d("2024-04-01")}
    today = d("2024-04-10")
    assert deadlines.state_of(Assignment(mode="lead", **common), today, 15) == TrackingState.IN_PROGRESS
    assert deadlines.state_of(Assignment(mode="separate", **common), today, 15) == TrackingState.IN_PROGRESS
    assert deadlines.state_of(Assignment(mode="cohandler", **common), today, 15) == TrackingState.OVERDUE
    assert deadlines.state_of(Assignment(mode="reference", **common), today, 15) == TrackingState.REFERENCE


def test_tracking_states_have_chinese_labels():
    assert [s.label for s in TrackingState] == [
        "未签收",
        "办理中",
        "临期",
        "逾期",
        "已答复（按期）",
        "已答复（逾期）",
        "参阅",
    ]
