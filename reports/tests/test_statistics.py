"""The statistics of a session, on the hand-checked data of test_statistics_world.py: every
figure asserted against the arithmetic written next to it."""

from decimal import Decimal

import pytest

from reports.statistics import session_statistics
from reports.tests import test_statistics_world as world
from reports.tests.test_statistics_world import today

# the hand-checked session's fixtures, shared with the other statistics tests
build = world.build
department_c = world.department_c
stats_world = world.stats_world

FIELDS = (
    "assigned",
    "replied",
    "on_time",
    "late",
    "overdue",
    "answered",
    "contacted",
    "days",
    "rehandled",
    "responded",
    "not_responded",
    "satisfied",
    "basic",
    "dissatisfied",
    "attitude_satisfied",
    "attitude_basic",
    "attitude_dissatisfied",
    "result_satisfied",
    "result_basic",
    "result_dissatisfied",
    "signed",
    "results",
)
RATES = (
    "reply_rate",
    "on_time_rate",
    "contact_rate",
    "average_days",
    "satisfied_rate",
    "basic_rate",
    "attitude_satisfied_rate",
    "attitude_basic_rate",
    "result_satisfied_rate",
    "result_basic_rate",
    "solved_or_planned_rate",
)


def counts(row):
    return {name: getattr(row, name) for name in FIELDS}


def rates(row):
    return {name: getattr(row, name) for name in RATES}


def d(text):
    return Decimal(text) if text is not None else None


@pytest.fixture
def stats(stats_world):
    return session_statistics(stats_world.session, today())


def test_the_session_totals_are_the_hand_computed_ones(stats):
    # In force, reference excluded: P1·A, P1·B, P2·B, P3·C (round 2), P4·A, P4·C = 6
    # (P1·C is for reference; P3·A was replaced by the re-handling round).
    assert counts(stats.total) == {
        "assigned": 6,
        "replied": 4,  # P1·A, P1·B (opinion), P2·B, P3·C
        "on_time": 2,  # P1·A (day -12 ≤ due -10), P3·C (day -5 ≤ due +10)
        "late": 2,  # P1·B (-18 > -20), P2·B (-2 > -5)
        "overdue": 1,  # P4·A: due yesterday, not replied
        "answered": 3,  # replied lead/separate: P1·A, P2·B, P3·C (the co-handler P1·B is not one)
        "contacted": 2,  # P1·A (contact -15 ≤ reply -12), P3·C (-5 ≤ -5); P2·B's came after (-1 > -2)
        "days": 103,  # 28 (P1·A: -40 → -12) + 22 (P1·B: -40 → -18) + 38 (P2·B: -40 → -2) + 15 (P3·C: -20 → -5)
        "rehandled": 1,  # P3·C is round 2
        "responded": 4,  # P1·A: 2 forms, P2·B: 1, P3·C: 1 (a 5th was not returned); P3·A's not in force
        "not_responded": 1,
        "satisfied": 2,  # S/S on P1·A, S/S on P3·C
        "basic": 1,  # S/B on P1·A
        "dissatisfied": 1,  # B/D on P2·B
        "attitude_satisfied": 3,  # S, S (P1·A), S (P3·C)
        "attitude_basic": 1,  # B (P2·B)
        "attitude_dissatisfied": 0,
        "result_satisfied": 2,  # S (P1·A), S (P3·C)
        "result_basic": 1,  # B (P1·A)
        "result_dissatisfied": 1,  # D (P2·B)
        "signed": 3,  # A (P1·A), C (P2·B), B (P3·C); round 1's D is no longer in force
        "results": {"A": 1, "B": 1, "C": 1},
    }
    assert rates(stats.total) == {
        "reply_rate": d("66.7"),  # 4 / 6
        "on_time_rate": d("50.0"),  # 2 / 4
        "contact_rate": d("66.7"),  # 2 / 3
        "average_days": d("25.8"),  # 103 / 4 = 25.75, half up
        "satisfied_rate": d("50.0"),  # 2 / 4
        "basic_rate": d("25.0"),  # 1 / 4
        "attitude_satisfied_rate": d("75.0"),  # 3 / 4
        "attitude_basic_rate": d("25.0"),  # 1 / 4
        "result_satisfied_rate": d("50.0"),  # 2 / 4
        "result_basic_rate": d("25.0"),  # 1 / 4
        "solved_or_planned_rate": d("66.7"),  # (A 1 + B 1) / 3
    }
    assert stats.total.states == {
        "unsigned": 1,  # P4·C
        "in_progress": 0,
        "due_soon": 0,
        "overdue": 1,
        "replied_on_time": 2,
        "replied_late": 2,
    }
    assert stats.total.result_counts == [("A", 1), ("B", 1), ("C", 1), ("D", 0)]


def test_each_department_gets_its_own_assignments_and_the_feedback_on_its_replies(stats, stats_world):
    rows = {r.key: r for r in stats.departments}
    assert [r.key for r in stats.departments] == sorted(rows, key=lambda k: rows[k].name)  # 2 each: by name
    a, b, c = rows[stats_world.a.pk], rows[stats_world.b.pk], rows[stats_world.c.pk]
    assert (a.name, a.short_name) == ("吉林省科学技术厅", "省科技厅")
    # A: P1·A (on time, contacted, 28 days, category A, S/S + S/B) and P4·A (overdue)
    assert counts(a) == {
        **dict.fromkeys(FIELDS, 0),
        "assigned": 2,
        "replied": 1,
        "on_time": 1,
        "overdue": 1,
        "answered": 1,
        "contacted": 1,
        "days": 28,
        "responded": 2,
        "satisfied": 1,
        "basic": 1,
        "attitude_satisfied": 2,
        "result_satisfied": 1,
        "result_basic": 1,
        "signed": 1,
        "results": {"A": 1},
    }
    assert (a.reply_rate, a.on_time_rate, a.contact_rate, a.average_days) == (
        d("50.0"),
        d("100.0"),
        d("100.0"),
        d("28.0"),
    )
    assert (a.satisfied_rate, a.basic_rate, a.solved_or_planned_rate) == (d("50.0"), d("50.0"), d("100.0"))
    # B: P1·B (opinion late, 22 days) and P2·B (late, contact after the reply, 38 days, C, B/D)
    assert counts(b) == {
        **dict.fromkeys(FIELDS, 0),
        "assigned": 2,
        "replied": 2,
        "late": 2,
        "answered": 1,
        "days": 60,  # 22 + 38
        "responded": 1,
        "dissatisfied": 1,
        "attitude_basic": 1,
        "result_dissatisfied": 1,
        "signed": 1,
        "results": {"C": 1},
    }
    assert (b.reply_rate, b.on_time_rate, b.contact_rate, b.average_days) == (d("100.0"), d("0.0"), d("0.0"), d("30.0"))
    assert (b.satisfied_rate, b.basic_rate, b.solved_or_planned_rate) == (d("0.0"), d("0.0"), d("0.0"))
    # C: P3·C (round 2, on time, contacted, 15 days, B, S/S + one not returned) and P4·C (unsigned)
    assert counts(c) == {
        **dict.fromkeys(FIELDS, 0),
        "assigned": 2,
        "replied": 1,
        "on_time": 1,
        "answered": 1,
        "contacted": 1,
        "days": 15,
        "rehandled": 1,
        "responded": 1,
        "not_responded": 1,
        "satisfied": 1,
        "attitude_satisfied": 1,
        "result_satisfied": 1,
        "signed": 1,
        "results": {"B": 1},
    }
    assert c.states["unsigned"] == 1 and a.states["overdue"] == 1
    # A's round-1 reply to P3 (category D, dissatisfied) is in no department's figures
    assert sum(r.results.get("D", 0) for r in stats.departments) == 0


def test_the_category_breakdown_groups_by_aspect_and_lists_the_uncategorised_last(stats, stats_world):
    assert [r.key for r in stats.categories] == [stats_world.economy.pk, stats_world.society.pk, None]
    economy, society, none = stats.categories
    assert economy.name == "经济建设" and society.name == "社会事业"
    # 经济建设 = P1 (科技创新) and P3 (科技创新): P1·A, P1·B, P3·C
    assert (economy.assigned, economy.replied, economy.on_time, economy.late) == (3, 3, 2, 1)
    assert (economy.answered, economy.contacted, economy.days) == (2, 2, 65)  # 28 + 22 + 15
    assert economy.average_days == d("21.7")  # 65 / 3
    assert (economy.responded, economy.satisfied, economy.basic, economy.not_responded) == (3, 2, 1, 1)
    assert (economy.rehandled, economy.results, economy.solved_or_planned_rate) == (1, {"A": 1, "B": 1}, d("100.0"))
    # 社会事业 = P2: B late, no contact before the reply, dissatisfied, C
    assert (society.assigned, society.late, society.contacted, society.dissatisfied) == (1, 1, 0, 1)
    assert society.results == {"C": 1}
    # no category = P4: A overdue, C unsigned
    assert (none.assigned, none.replied, none.overdue, none.states["unsigned"]) == (2, 0, 1, 1)
    assert none.reply_rate == d("0.0") and none.on_time_rate is None and none.average_days is None


def test_the_delegation_breakdown_follows_the_lead_deputy(stats):
    rows = {r.name: r for r in stats.delegations}
    assert [r.name for r in stats.delegations] == ["长春代表团", "吉林市代表团", "延边代表团"]  # 4, 1, 1 assigned
    changchun, jilin, yanbian = rows["长春代表团"], rows["吉林市代表团"], rows["延边代表团"]
    # 长春 leads P1 and P4: P1·A, P1·B, P4·A, P4·C
    assert (changchun.assigned, changchun.replied, changchun.on_time, changchun.late, changchun.overdue) == (
        4,
        2,
        1,
        1,
        1,
    )
    assert (changchun.satisfied, changchun.basic, changchun.results) == (1, 1, {"A": 1})
    assert (jilin.assigned, jilin.late, jilin.dissatisfied, jilin.results) == (1, 1, 1, {"C": 1})
    assert (yanbian.assigned, yanbian.on_time, yanbian.rehandled, yanbian.not_responded) == (1, 1, 1, 1)


def test_an_empty_session_has_zero_figures_and_no_rates(session):
    stats = session_statistics(session, today())
    assert stats.total.assigned == 0 and stats.total.signed == 0
    assert stats.total.reply_rate is None and stats.total.satisfied_rate is None
    assert stats.departments == [] and stats.categories == [] and stats.delegations == []


def test_a_session_with_three_result_categories_shares_its_first_two(stats_world):
    session = stats_world.session
    session.result_categories = [["甲", "已解决"], ["乙", "正在解决"], ["丙", "留作参考"]]
    session.save()
    stats = session_statistics(session, today())
    # the replies carry A, B, C, which this session does not list: 其他
    assert stats.total.result_counts == [("甲", 0), ("乙", 0), ("丙", 0), ("", 3)]
    assert stats.total.solved_or_planned_rate == d("0.0")
