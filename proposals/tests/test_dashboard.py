import datetime
import re
from decimal import Decimal
from html import escape

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Department
from proposals import deadlines
from proposals.dashboard import session_dashboard
from proposals.deadlines import CHINA, TrackingState
from proposals.models import Assignment, Proposal

Mode = Assignment.Mode
State = TrackingState
DASHBOARD = reverse("proposals:dashboard")


def today():
    return timezone.localdate()


def day(offset):
    return today() + datetime.timedelta(days=offset)


def at(d, hour=10, minute=0):
    """A moment on date `d` in China."""
    return datetime.datetime.combine(d, datetime.time(hour, minute), tzinfo=CHINA)


@pytest.fixture
def department_c(db):
    return Department.objects.create(name="吉林省人力资源和社会保障厅", short_name="省人社厅", doc_code="吉人社函")


@pytest.fixture
def make_proposal(session, deputy, coordinator):
    numbers = iter(range(1, 10_000))

    def make(*, is_key=False, in_session=None, status=Proposal.Status.ASSIGNED):
        n = next(numbers)
        return Proposal.objects.create(
            session=in_session or session,
            number=n,
            title=f"关于第{n}项工作的建议",
            body="正文",
            lead_deputy=deputy.deputy,
            status=status,
            is_key=is_key,
            created_by=coordinator,
        )

    return make


def new_assignment(proposal, department, mode, actor, *, due=None, signed=True, replied=None, active=True):
    """An assignment with its timestamps and deadlines set by hand: `due` is the reply_due
    (lead, separate) or the opinion_due (cohandler); `replied` a datetime."""
    assigned_on = day(-40)
    return Assignment(
        proposal=proposal,
        department=department,
        mode=mode,
        assigned_at=at(assigned_on),
        assigned_by=actor,
        is_active=active,
        signed_at=at(assigned_on + datetime.timedelta(days=1)) if signed else None,
        sign_due=assigned_on + datetime.timedelta(days=3),
        reassign_until=assigned_on + datetime.timedelta(days=9),
        reply_due=due if mode in (Mode.LEAD, Mode.SEPARATE) else None,
        opinion_due=due if mode == Mode.COHANDLER else None,
        replied_at=replied,
    )


@pytest.fixture
def assign(coordinator):
    def make(proposal, department, mode=Mode.LEAD, **kwargs):
        assignment = new_assignment(proposal, department, mode, coordinator, **kwargs)
        assignment.save()
        return assignment

    return make


# --- the tracking state in SQL ------------------------------------------------------------------


STATE_CASES = {
    # name: (mode, signed, due offset, replied (date offset, hour in China) or None, due_soon_days, expected)
    "unsigned, due far off": (Mode.LEAD, False, 60, None, 15, State.UNSIGNED),
    "signed, due far off": (Mode.LEAD, True, 60, None, 15, State.IN_PROGRESS),
    "signed, due on the last due-soon day": (Mode.LEAD, True, 15, None, 15, State.DUE_SOON),
    "signed, due the day after the due-soon window": (Mode.LEAD, True, 16, None, 15, State.IN_PROGRESS),
    "signed, due soon by the session's own window": (Mode.LEAD, True, 12, None, 10, State.IN_PROGRESS),
    "signed, due today": (Mode.LEAD, True, 0, None, 15, State.DUE_SOON),
    "unsigned hides due soon": (Mode.LEAD, False, 3, None, 15, State.UNSIGNED),
    "signed, due yesterday": (Mode.LEAD, True, -1, None, 15, State.OVERDUE),
    "unsigned, due yesterday": (Mode.LEAD, False, -1, None, 15, State.OVERDUE),
    "replied on the due date late in the evening": (Mode.LEAD, True, -5, (-5, 23), 15, State.REPLIED_ON_TIME),
    # 00:30 in China is still the previous day in UTC: the China date decides
    "replied just after midnight China time": (Mode.LEAD, True, -5, (-4, 0), 15, State.REPLIED_LATE),
    "replied a week late": (Mode.LEAD, True, -10, (-3, 10), 15, State.REPLIED_LATE),
    "replied before a due date now past": (Mode.LEAD, True, -10, (-20, 10), 15, State.REPLIED_ON_TIME),
    "replied without ever signing": (Mode.LEAD, False, 30, (-1, 10), 15, State.REPLIED_ON_TIME),
    "separate, signed, due far off": (Mode.SEPARATE, True, 60, None, 15, State.IN_PROGRESS),
    "separate, overdue": (Mode.SEPARATE, True, -2, None, 15, State.OVERDUE),
    "co-handler, opinion due soon": (Mode.COHANDLER, True, 5, None, 15, State.DUE_SOON),
    "co-handler, opinion overdue": (Mode.COHANDLER, False, -1, None, 15, State.OVERDUE),
    "co-handler, opinion sent late": (Mode.COHANDLER, True, -8, (-6, 9), 15, State.REPLIED_LATE),
    "co-handler, opinion sent on time": (Mode.COHANDLER, True, -8, (-9, 9), 15, State.REPLIED_ON_TIME),
    "reference owes nothing": (Mode.REFERENCE, False, None, None, 15, State.REFERENCE),
    "reference, even when something was recorded": (Mode.REFERENCE, True, None, (-1, 9), 15, State.REFERENCE),
}


@pytest.mark.parametrize("case", STATE_CASES, ids=list(STATE_CASES))
def test_the_state_computed_in_sql_is_the_state_computed_in_python(case, session, make_proposal, assign, department_a):
    mode, signed, due_offset, replied, soon_days, expected = STATE_CASES[case]
    session.due_soon_days = soon_days
    session.save()
    replied_at = at(day(replied[0]), replied[1], 30) if replied else None
    due = day(due_offset) if due_offset is not None else None
    assignment = assign(make_proposal(), department_a, mode, due=due, signed=signed, replied=replied_at)

    in_sql = Assignment.objects.with_state(today()).get(pk=assignment.pk).state
    in_python = deadlines.state_of(assignment, today(), soon_days)

    assert in_python == expected
    assert in_sql == in_python


# --- a small session ----------------------------------------------------------------------------


@pytest.fixture
def scenario(session, past_session, make_proposal, assign, department_a, department_b, department_c):
    """Seven proposals over three departments (expected figures in the tests below)."""
    A, B, C = department_a, department_b, department_c
    p = {i: make_proposal(is_key=(i == 4)) for i in range(1, 8)}
    assign(p[1], A, Mode.LEAD, due=day(-10))  # overdue 10 days
    assign(p[1], B, Mode.COHANDLER, due=day(-40), replied=at(day(-41)))  # on time
    assign(p[2], A, Mode.LEAD, due=day(-5), replied=at(day(-1)))  # late
    assign(p[2], B, Mode.COHANDLER, due=day(-3), signed=False)  # overdue 3 days, unsigned
    assign(p[3], A, Mode.LEAD, due=day(5))  # due soon, due this week
    assign(p[3], C, Mode.REFERENCE)  # not counted anywhere
    assign(p[4], B, Mode.LEAD, due=day(60), signed=False)  # unsigned; key proposal
    assign(p[5], C, Mode.LEAD, due=day(30), replied=at(day(-2)))  # on time
    assign(p[5], A, Mode.COHANDLER, due=day(30))  # in progress
    assign(p[6], A, Mode.LEAD, due=day(-2), signed=False)  # overdue 2 days, unsigned
    assign(p[7], B, Mode.SEPARATE, due=day(40), replied=at(day(-1)))  # on time
    assign(p[7], C, Mode.SEPARATE, due=day(3), signed=False)  # unsigned, due this week
    # not counted: moved away by a reassignment, and another session's proposal
    assign(p[4], A, Mode.LEAD, due=day(-30), active=False)
    assign(make_proposal(in_session=past_session), A, Mode.LEAD, due=day(-100))
    return p


def test_the_session_figures_count_proposals_by_the_state_of_their_assignments(scenario, session):
    data = session_dashboard(session, today())

    assert data.by_state == {
        State.UNSIGNED: 2,
        State.IN_PROGRESS: 1,
        State.DUE_SOON: 1,
        State.OVERDUE: 3,
        State.REPLIED_ON_TIME: 3,
        State.REPLIED_LATE: 1,
    }
    assert (data.owing, data.replied, data.due_this_week, data.key_count) == (7, 4, 2, 1)
    assert data.rate == Decimal("75.0")  # 3 of 4 replied assignments on time


def test_the_department_table_counts_each_departments_assignments(
    scenario, session, department_a, department_b, department_c
):
    rows = {r.department_id: r for r in session_dashboard(session, today()).departments}

    a, b, c = rows[department_a.pk], rows[department_b.pk], rows[department_c.pk]
    assert (a.assigned, a.replied, a.late, a.overdue, a.unsigned, a.rate) == (5, 1, 1, 2, 0, Decimal("0.0"))
    assert (b.assigned, b.replied, b.late, b.overdue, b.unsigned, b.rate) == (4, 2, 0, 1, 1, Decimal("100.0"))
    assert (c.assigned, c.replied, c.late, c.overdue, c.unsigned, c.rate) == (2, 1, 0, 0, 1, Decimal("100.0"))
    assert list(rows) == [department_a.pk, department_b.pk, department_c.pk]  # most overdue first


def test_the_overdue_list_puts_the_latest_first(scenario, session):
    data = session_dashboard(session, today())

    assert [(a.proposal_id, a.days_late) for a in data.overdue_list] == [
        (scenario[1].pk, 10),
        (scenario[2].pk, 3),
        (scenario[6].pk, 2),
    ]
    assert [a.proposal_id for a in data.due_list] == [scenario[7].pk, scenario[3].pk]
    assert [a.proposal_id for a in data.unsigned_list] == [scenario[4].pk, scenario[7].pk]
    assert [p.pk for p in data.key_list] == [scenario[4].pk]


def figures_and_links(context):
    """Every (figure, link) pair the page shows."""
    pairs = [(t["value"], t["url"]) for t in context["tiles"] if t["label"] != "按时答复率"]
    pairs += [(b["value"], b["url"]) for b in context["state_chart"]["bars"]]
    data, links = context["data"], context["links"]
    pairs += [
        (data.by_state[State.OVERDUE], links["overdue"]),
        (data.by_state[State.UNSIGNED], links["unsigned"]),
        (data.due_this_week, links["due"]),
        (data.key_count, links["key"]),
    ]
    for row in data.departments:
        pairs += [(getattr(row, key), url) for key, url in row.links.items()]
    return pairs


def test_each_figure_links_to_a_list_of_exactly_the_proposals_it_counts(client, coordinator, scenario, session):
    client.force_login(coordinator)
    response = client.get(DASHBOARD, {"session": session.pk})
    assert response.status_code == 200

    pairs = figures_and_links(response.context)
    assert len(pairs) > 30
    for figure, url in pairs:
        assert escape(url) in response.content.decode()
        listed = client.get(url).context["page_obj"].paginator.count
        assert listed == figure, url


def test_the_page_shows_the_charts_and_explains_what_overdue_means(client, coordinator, scenario, session):
    client.force_login(coordinator)
    html = client.get(DASHBOARD).content.decode()

    assert html.count('<svg class="chart"') == 2
    assert '<title id="chart-states-title">办理状态分布（件）</title>' in html
    # the link's name starts with what the bar shows (WCAG 2.5.3), then says it in full
    assert 'aria-label="逾期 3（逾期：3件）"' in html
    assert "按时率0.0%" in html  # department A, in the on-time chart's bar names
    assert "逾期数为目前已过期限仍未答复的件数" in html
    assert "第1号" in html and "10 天" in html


def test_the_default_session_is_the_latest_with_assignments(
    client, coordinator, session, past_session, make_proposal, assign, department_a
):
    assign(make_proposal(in_session=past_session), department_a, due=day(10))
    client.force_login(coordinator)

    assert client.get(DASHBOARD).context["session"] == past_session
    assert client.get(DASHBOARD, {"session": session.pk}).context["session"] == session


def test_without_assignments_the_latest_session_is_shown_empty(client, coordinator, session, past_session):
    client.force_login(coordinator)
    response = client.get(DASHBOARD)

    assert response.context["session"] == session
    assert "本会次还没有交办" in response.content.decode()


def test_without_any_session_the_page_says_so(client, coordinator):
    client.force_login(coordinator)
    assert "还没有会次" in client.get(DASHBOARD).content.decode()


# --- scale ---------------------------------------------------------------------------------------

# session, user, unread count, calendar banner, the dashboard's 8, the figures snapshot read and written
PINNED_QUERIES = 14


@pytest.mark.parametrize("n", [5, 200])
def test_the_page_runs_the_same_queries_for_5_or_200_assignments(
    n, client, coordinator, session, deputy, department_a, department_b, department_c, django_assert_max_num_queries
):
    departments = [department_a, department_b, department_c]
    proposals = Proposal.objects.bulk_create(
        Proposal(
            session=session,
            number=i + 1,
            title=f"关于第{i}项工作的建议",
            body="x",
            lead_deputy=deputy.deputy,
            status=Proposal.Status.ASSIGNED,
            is_key=i % 7 == 0,
            created_by=coordinator,
        )
        for i in range(n)
    )
    shapes = [
        {"due": day(-3)},
        {"due": day(4), "signed": False},
        {"due": day(10)},
        {"due": day(50)},
        {"due": day(-9), "replied": at(day(-2))},
        {"due": day(20), "replied": at(day(-2))},
    ]
    Assignment.objects.bulk_create(
        new_assignment(p, departments[i % 3], Mode.LEAD, coordinator, **shapes[i % len(shapes)])
        for i, p in enumerate(proposals)
    )
    client.force_login(coordinator)

    with django_assert_max_num_queries(PINNED_QUERIES):
        response = client.get(DASHBOARD)

    data = response.context["data"]
    assert data.owing == n and len(data.departments) == 3
    assert data.key_count == len([p for p in proposals if p.is_key])


# --- who may see it ------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["clerk_a", "leader_a", "deputy"])
def test_department_staff_and_deputies_are_refused(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(DASHBOARD).status_code == 403


def test_anonymous_visitors_are_sent_to_login(client):
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


# --- the list's assignment filters ---------------------------------------------------------------


def listed(client, session, **params):
    response = client.get(reverse("proposals:list"), {"session": session.pk, **params})
    return {p.pk for p in response.context["page_obj"]}


def test_the_state_filter_and_the_department_filter_speak_of_the_same_assignment(
    client, coordinator, scenario, session, department_a, department_b
):
    client.force_login(coordinator)
    p = scenario

    assert listed(client, session, state="overdue") == {p[1].pk, p[2].pk, p[6].pk}
    assert listed(client, session, state="overdue", department=department_a.pk) == {p[1].pk, p[6].pk}
    assert listed(client, session, state="overdue", department=department_b.pk) == {p[2].pk}
    assert listed(client, session, state="replied", department=department_b.pk) == {p[1].pk, p[7].pk}
    assert listed(client, session, state="reference") == {p[3].pk}


def test_the_mode_filter_finds_the_proposals_a_department_co_handles(
    client, coordinator, scenario, session, department_a, department_b
):
    client.force_login(coordinator)

    assert listed(client, session, mode="cohandler", department=department_b.pk) == {scenario[1].pk, scenario[2].pk}
    assert listed(client, session, mode="cohandler", department=department_a.pk) == {scenario[5].pk}


def test_due_before_lists_what_is_still_owed_by_that_date(client, coordinator, scenario, session, department_a):
    client.force_login(coordinator)
    p = scenario
    in_a_week = day(6).isoformat()

    # overdue ones are due before the date too; replied ones are done whatever their date
    assert listed(client, session, due_before=in_a_week) == {p[1].pk, p[2].pk, p[3].pk, p[6].pk, p[7].pk}
    assert listed(client, session, due_before=in_a_week, due_from=today().isoformat()) == {p[3].pk, p[7].pk}
    assert listed(client, session, due_before=in_a_week, department=department_a.pk) == {p[1].pk, p[3].pk, p[6].pk}


def test_the_figures_are_computed_once_a_minute_and_again_on_request(
    client, coordinator, session, make_proposal, assign, department_a
):
    assign(make_proposal(), department_a, due=day(-3))
    client.force_login(coordinator)
    first = client.get(DASHBOARD)
    assert first.context["data"].by_state[State.OVERDUE] == 1
    assert "数据计算于" in first.content.decode()
    assign(make_proposal(), department_a, due=day(-2))

    again = client.get(DASHBOARD, {"session": session.pk})
    assert "data" not in again.context  # served from the snapshot, not computed
    assert overdue_tile(again) == overdue_tile(first) == "1"
    assert "立即重新计算" in again.content.decode()

    refreshed = client.get(DASHBOARD, {"session": session.pk, "refresh": 1})
    assert overdue_tile(refreshed) == "2"


def overdue_tile(response):
    return re.search(r'tile--overdue">\s*<a href="[^"]*"><span class="tile__value">(\d+)<', response.content.decode())[
        1
    ]


def test_cached_figures_expire_after_a_minute(
    client, coordinator, session, make_proposal, assign, department_a, monkeypatch
):
    from accounts import figures

    monkeypatch.setattr(figures, "SECONDS", 0)  # expired at once
    assign(make_proposal(), department_a, due=day(-3))
    client.force_login(coordinator)
    client.get(DASHBOARD)
    assign(make_proposal(), department_a, due=day(-2))
    assert client.get(DASHBOARD).context["data"].by_state[State.OVERDUE] == 2
