"""The statistics page, the 办理情况汇总表 spreadsheet and who may see them."""

import io
from html import escape
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import Delegation, Department
from conftest import make_session
from proposals.models import Assignment, Proposal
from replies.models import Feedback, Reply, ReplyVersion
from reports.tests import test_statistics_world as world
from reports.tests.test_statistics_world import at, day

# the hand-checked session's fixtures, shared with the other statistics tests
build = world.build
department_c = world.department_c
stats_world = world.stats_world

STATISTICS = reverse("reports:statistics")
XLSX = reverse("reports:statistics_xlsx")
LIST = reverse("proposals:list")


def list_url(session, **params):
    return f"{LIST}?{urlencode({'session': session.pk, **params})}"


@pytest.fixture
def signed_in(client, coordinator):
    client.force_login(coordinator)
    return client


# --- the page -------------------------------------------------------------------------------------


def test_the_page_shows_each_figure_with_how_it_is_computed(signed_in, stats_world):
    response = signed_in.get(STATISTICS, {"session": stats_world.session.pk})
    assert response.status_code == 200
    summary = {f["label"]: f for f in response.context["summary"]}
    assert summary["交办数（件次）"]["value"] == 6
    assert summary["办复率"]["value"] == "66.7%"
    assert summary["按时答复率"]["value"] == "50.0%"
    assert summary["沟通率"]["value"] == "66.7%"
    assert summary["满意率"]["value"] == "50.0%" and summary["基本满意率"]["value"] == "25.0%"
    assert summary["A+B占比"]["value"] == "66.7%"
    assert summary["D类"]["value"] == 0
    assert all(f["note"] for f in summary.values())
    html = response.content.decode()
    assert "办复率 = 已答复 ÷ 交办数。" in html
    assert "沟通率 = 答复前有沟通 ÷ 主办、分办单位已答复的件次（3）" in html
    for heading in ("按承办单位统计", "按分类统计", "按代表团统计", "代表满意度"):
        assert heading in html


def test_each_breakdown_figure_links_to_the_list_filtered_to_its_rows(signed_in, stats_world):
    response = signed_in.get(STATISTICS, {"session": stats_world.session.pk})
    session = stats_world.session
    html = response.content.decode()
    overdue_of_a = list_url(session, department=stats_world.a.pk, state="overdue")
    assert f'href="{escape(overdue_of_a)}"' in html
    assert f'href="{escape(list_url(session, category=stats_world.economy.pk, state="owing"))}"' in html
    delegation = Delegation.objects.get(name="延边代表团")
    assert f'href="{escape(list_url(session, delegation=delegation.pk, state="replied_on_time"))}"' in html

    # following it shows exactly the proposal counted: P4, which A has not answered
    listed = signed_in.get(overdue_of_a)
    assert list(listed.context["page_obj"].object_list) == [stats_world.p4]


def test_rows_without_a_category_or_delegation_are_shown_without_links(signed_in, stats_world):
    response = signed_in.get(STATISTICS, {"session": stats_world.session.pk})
    tables = {t["id"]: t for t in response.context["tables"]}
    uncategorised = tables["category"]["rows"][-1]
    assert uncategorised.label == "未分类" and uncategorised.links == {}


def test_the_charts_are_named_described_and_link_to_their_rows(signed_in, stats_world):
    response = signed_in.get(STATISTICS, {"session": stats_world.session.pk})
    html = response.content.decode()
    for chart in ("chart-states", "chart-on-time", "chart-satisfaction", "chart-results"):
        assert f'aria-labelledby="{chart}-title"' in html and f'id="{chart}-desc"' in html
    satisfaction = response.context["satisfaction_chart"]
    assert [r["label"] for r in satisfaction["rows"]] == ["省教育厅", "省科技厅", "省人社厅"]  # least satisfied first
    assert "已反馈2份，满意1份、基本满意1份、不满意0份，满意率50.0%" in satisfaction["rows"][1]["title"]
    states = {b["css"]: b for b in response.context["state_chart"]["bars"]}
    assert states["overdue"]["value"] == 1
    assert states["overdue"]["url"] == list_url(stats_world.session, state="overdue")


def test_the_result_chart_puts_every_session_side_by_side(signed_in, stats_world, build, deputy, department_a):
    earlier = make_session(2, 2025)
    p = build.proposal(earlier, deputy)
    for category, dept in (("A", department_a), ("D", stats_world.b)):
        build.reply(build.assignment(p, dept, assigned=day(-400), due=day(-300), replied=day(-310)), category)

    response = signed_in.get(STATISTICS, {"session": stats_world.session.pk})
    rows = {r["label"]: r for r in response.context["results_chart"]["rows"]}
    assert set(rows) == {"省十四届人大三次会议", "省十四届人大二次会议"}
    assert rows["省十四届人大二次会议"]["text"] == "50.0%"  # A 1 of 2
    assert rows["省十四届人大三次会议"]["text"] == "66.7%"  # A + B, 2 of 3
    assert [s["css"] for s in rows["省十四届人大二次会议"]["segments"]] == ["result-0", "result-3"]


def test_the_default_session_is_the_latest_with_assignments(signed_in, stats_world):
    make_session(4, 2027)
    response = signed_in.get(STATISTICS)
    assert response.context["session"] == stats_world.session


@pytest.mark.parametrize("value", ["abc", "999999", "1 OR 1=1", "-1", "１"])
def test_an_unknown_or_malformed_session_shows_the_default_one_with_a_message(signed_in, stats_world, value):
    response = signed_in.get(STATISTICS, {"session": value})
    assert response.status_code == 200
    assert response.context["session"] == stats_world.session
    assert "没有找到所选的会次" in response.content.decode()


def test_without_any_session_the_page_says_so(signed_in):
    response = signed_in.get(STATISTICS)
    assert response.status_code == 200
    assert "还没有会次" in response.content.decode()


def test_the_coordinator_finds_the_page_in_the_navigation(signed_in, session):
    assert f'href="{STATISTICS}"' in signed_in.get(reverse("home")).content.decode()


@pytest.mark.parametrize("persona", ["deputy", "clerk_a", "leader_a", "sysadmin", "auditor"])
def test_everyone_but_the_coordinator_is_refused(client, request, persona, session):
    client.force_login(request.getfixturevalue(persona))
    for url in (STATISTICS, XLSX):
        assert client.get(url).status_code == 403
    assert client.post(reverse("reports:annual_report")).status_code == 403


# --- a constant number of queries -----------------------------------------------------------------

# session, user; the sessions for the selector; the figures snapshot looked up (accounts.figures);
# SAVEPOINT, SET LOCAL jit = off, the three roll-ups (assignments, feedback, signed replies), RELEASE
# SAVEPOINT; the categories of every session; the snapshot written; and the base template's unread
# count and calendar check.
PINNED_QUERIES = 14


@pytest.mark.parametrize("n", [1, 40])
def test_the_page_runs_the_same_queries_for_1_or_40_departments_and_proposals(
    n, signed_in, session, deputy, cosigner, coordinator, leader_a, django_assert_num_queries
):
    departments = Department.objects.bulk_create(
        Department(name=f"第{i}厅", short_name=f"{i}厅", doc_code=f"D{i}") for i in range(n)
    )
    proposals = Proposal.objects.bulk_create(
        Proposal(
            session=session,
            number=i + 1,
            title=f"关于第{i}项工作的建议",
            body="x",
            lead_deputy=(deputy if i % 2 else cosigner).deputy,
            status=Proposal.Status.ASSIGNED,
            created_by=coordinator,
        )
        for i in range(n)
    )
    assignments = Assignment.objects.bulk_create(
        Assignment(
            proposal=p,
            department=departments[i],
            mode=Assignment.Mode.LEAD,
            assigned_at=at(day(-30)),
            assigned_by=coordinator,
            sign_due=day(-27),
            reassign_until=day(-20),
            reply_due=day(i % 5 - 2),
            replied_at=at(day(-3)) if i % 3 else None,
        )
        for i, p in enumerate(proposals)
    )
    replies = Reply.objects.bulk_create(
        Reply(assignment=a, department=a.department, kind="reply", category="ABCD"[i % 4], created_by=leader_a)
        for i, a in enumerate(assignments)
        if a.replied_at
    )
    for reply in replies:
        version = ReplyVersion.objects.create(
            reply=reply, number=1, kind="signed", content={}, text="x", saved_by=leader_a
        )
        Reply.objects.filter(pk=reply.pk).update(signed_version=version)
    Feedback.objects.bulk_create(
        Feedback(reply=r, deputy=deputy.deputy, attitude="satisfied", result="basic") for r in replies
    )

    with django_assert_num_queries(PINNED_QUERIES):
        response = signed_in.get(STATISTICS, {"session": session.pk})
        response.content  # noqa: B018  the template is rendered inside the block

    stats = response.context["stats"]
    assert stats.total.assigned == n and len(stats.departments) == n
    assert stats.total.responded == len(replies)


# --- the spreadsheet ------------------------------------------------------------------------------


def workbook_of(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    return load_workbook(io.BytesIO(response.content))


def test_the_spreadsheet_has_a_totals_sheet_and_one_sheet_per_breakdown(signed_in, stats_world):
    response = signed_in.get(XLSX, {"session": stats_world.session.pk})
    assert "attachment" in response["Content-Disposition"]
    assert (
        "%E5%8A%9E%E7%90%86%E6%83%85%E5%86%B5%E6%B1%87%E6%80%BB%E8%A1%A8" in response["Content-Disposition"]
    )  # 办理情况汇总表
    book = workbook_of(response)
    assert book.sheetnames == ["汇总", "承办单位", "分类", "代表团"]

    totals = {row[0]: row[1:] for row in book["汇总"].iter_rows(values_only=True)}
    assert totals["指标"] == ("数值", "计算方法")
    assert totals["会次"][0] == "省十四届人大三次会议"
    assert totals["交办数（件次）"][0] == 6
    assert totals["办复率"][0] == "66.7%"
    assert totals["A+B占比"][0] == "66.7%"

    departments = list(book["承办单位"].iter_rows(values_only=True))
    header = departments[0]
    assert header[:4] == ("承办单位", "交办数", "已答复", "办复率（%）")
    assert header[-5:] == ("A类", "B类", "C类", "D类", "A+B占比（%）")
    by_name = {row[0]: dict(zip(header, row, strict=True)) for row in departments[1:]}
    a = by_name["吉林省科学技术厅"]
    assert (a["交办数"], a["逾期未答复"], a["A类"]) == (2, 1, 1)
    assert a["办复率（%）"] == 50  # a number, not text: it can be summed and charted
    assert a["满意率（%）"] == 50 and a["平均答复天数"] == 28

    categories = [row[0] for row in book["分类"].iter_rows(min_row=2, values_only=True)]
    assert categories == ["经济建设", "社会事业", "未分类"]
    delegations = [row[0] for row in book["代表团"].iter_rows(min_row=2, values_only=True)]
    assert delegations == ["长春代表团", "吉林市代表团", "延边代表团"]


def test_names_that_look_like_formulas_stay_text(signed_in, stats_world):
    Department.objects.filter(pk=stats_world.a.pk).update(name='=HYPERLINK("http://evil.example","点击")')
    Delegation.objects.filter(name="长春代表团").update(name="=1+1代表团")
    book = workbook_of(signed_in.get(XLSX, {"session": stats_world.session.pk}))
    names = [row[0] for row in book["承办单位"].iter_rows(min_row=2, values_only=True)]
    assert '\'=HYPERLINK("http://evil.example","点击")' in names
    assert not any(cell.data_type == "f" for row in book["承办单位"].iter_rows() for cell in row)
    delegations = [row[0] for row in book["代表团"].iter_rows(min_row=2, values_only=True)]
    assert "'=1+1代表团" in delegations


def test_the_spreadsheet_of_an_unknown_session_sends_back_with_a_message(signed_in, stats_world):
    response = signed_in.get(XLSX, {"session": "nope"}, follow=True)
    assert response.redirect_chain[-1][0] == STATISTICS
    assert "没有找到所选的会次，请在统计页重新选择。" in response.content.decode()


def test_the_spreadsheet_without_any_session_sends_back_with_a_message(signed_in):
    response = signed_in.get(XLSX, follow=True)
    assert "还没有会次，无法生成统计。" in response.content.decode()


def test_the_spreadsheet_defaults_to_the_latest_session_with_assignments(signed_in, stats_world):
    book = workbook_of(signed_in.get(XLSX))
    assert {r[0]: r[1] for r in book["汇总"].iter_rows(values_only=True)}["会次"] == "省十四届人大三次会议"


def test_the_figures_are_computed_once_a_minute_and_again_on_request(signed_in, stats_world, django_assert_num_queries):
    first = signed_in.get(STATISTICS)
    assert "stats" in first.context and "数据计算于" in first.content.decode()
    with django_assert_num_queries(5):  # as PINNED_QUERIES, less the computing and the cached calendar check
        again = signed_in.get(STATISTICS)
    assert "stats" not in again.context  # the snapshot, at most a minute old
    assert "stats" in signed_in.get(STATISTICS, {"refresh": 1}).context
