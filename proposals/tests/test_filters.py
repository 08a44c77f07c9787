"""The proposal list's and the department inbox's filters: applied through the URL, kept
across pages, bad input named in Chinese and left out (never an error page), and a fixed
number of queries whatever the number of rows."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from proposals import assigning
from proposals.assigning import PlanLine
from proposals.models import Assignment, Proposal

from .conftest import registered

Mode = Assignment.Mode
LIST, INBOX = reverse("proposals:list"), reverse("proposals:inbox")


def shown(response):
    return [row.pk for row in response.context["page_obj"]]


def queries_for(client, url, params=None):
    client.get(url, params or {})  # warm up: the filter's choice lists are cached per worker
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, params or {})
        assert response.status_code == 200
        assert response.content  # the template rendered, every row touched
    return len(context)


@pytest.fixture
def numbered(session, deputy):
    return registered(session, deputy, range(1, 41))


# --- the proposal list --------------------------------------------------------------------------


def test_the_list_filters_by_a_number_range_and_sorts_by_a_whitelisted_column(client, coordinator, numbered):
    client.force_login(coordinator)
    response = client.get(LIST, {"number_min": 5, "number_max": 9, "ordering": "-number"})
    assert [Proposal.objects.get(pk=pk).number for pk in shown(response)] == [9, 8, 7, 6, 5]
    assert "共 5 件" in response.content.decode()


def test_an_unknown_sort_column_is_refused_and_the_list_still_answers(client, coordinator, numbered):
    client.force_login(coordinator)
    response = client.get(LIST, {"ordering": "body", "number_max": 3})
    page = response.content.decode()
    assert response.status_code == 200
    assert "排序：所选的值无效，请从列表中选择。" in page
    assert len(shown(response)) == 3  # the good field is still applied


def test_a_reversed_number_range_is_named_and_neither_end_applied(client, coordinator, numbered):
    client.force_login(coordinator)
    response = client.get(LIST, {"number_min": 30, "number_max": 2})
    page = response.content.decode()
    assert response.status_code == 200
    assert "建议号“从”不能大于“到”。" in page and 'role="alert"' in page
    assert response.context["page_obj"].paginator.count == 40
    assert 'aria-describedby="id_number_min-error"' in page and 'id="id_number_min-error"' in page


def test_a_reversed_date_range_gets_its_own_message(client, coordinator, numbered):
    client.force_login(coordinator)
    page = client.get(LIST, {"submitted_from": "2026-05-01", "submitted_to": "2026-04-01"}).content.decode()
    assert "提交日期的开始日期不能晚于结束日期。" in page
    assert '<details class="filter-bar__more" open>' in page  # the field in error is shown


@pytest.mark.parametrize(
    "params, message",
    [
        ({"status": "nonsense"}, "状态：所选的值无效"),
        ({"number_min": "abc"}, "建议号从：请填写整数。"),
        ({"number_min": "9" * 30}, "建议号从："),
        ({"number_max": "1.5"}, "建议号到：请填写整数。"),
        ({"session": "9" * 30}, "会次：所选的值无效"),
        ({"category": "x\x00"}, "分类：所选的值无效"),
        ({"deputy": "王" * 200}, "代表：内容太长，请控制在30个字以内。"),
        ({"submitted_from": "2026-13-45"}, "提交日期从：请填写有效的日期"),
        ({"due_from": "x" * 5000}, "未答复·期限从：请填写有效的日期"),
        ({"state": "<script>"}, "办理状态：所选的值无效"),
        ({"q": "长" * 300}, "搜索词太长"),
    ],
)
def test_bad_filter_input_is_named_in_chinese_and_the_page_still_answers(
    client, coordinator, numbered, params, message
):
    client.force_login(coordinator)
    response = client.get(LIST, {"number_max": 4, **params} if "number_max" not in params else params)
    page = response.content.decode()
    assert response.status_code == 200
    assert message in page
    assert "<script>" not in page.split("</header>")[-1] or "&lt;script&gt;" in page


def test_a_bad_field_does_not_stop_the_good_ones(client, coordinator, numbered, session, deputy):
    client.force_login(coordinator)
    response = client.get(LIST, {"status": "accepted", "number_min": "abc", "number_max": 10})
    assert response.context["page_obj"].paginator.count == 10


def test_pagination_links_keep_every_filter_and_replace_only_the_page(client, coordinator, numbered):
    client.force_login(coordinator)
    page = client.get(LIST, {"status": "accepted", "number_max": 30, "page": 1}).content.decode()
    assert "?status=accepted&amp;number_max=30&amp;page=2" in page
    second = client.get(LIST, {"status": "accepted", "number_max": 30, "page": 2})
    assert len(shown(second)) == 5


def test_the_list_shows_the_count_a_reset_link_and_an_export_button(client, coordinator, numbered):
    client.force_login(coordinator)
    page = client.get(LIST, {"number_max": 7}).content.decode()
    assert "共 7 件" in page
    assert f'href="{LIST}" class="button">重置' in page
    assert reverse("reports:export_create") in page and 'name="query" value="number_max=7"' in page


def test_the_proposal_list_takes_the_same_number_of_queries_for_3_or_30_rows(client, coordinator, session, deputy):
    registered(session, deputy, range(1, 4))
    client.force_login(coordinator)
    client.get(LIST)  # the calendar banner's facts are cached after the first page
    few = queries_for(client, LIST, {"status": "accepted", "ordering": "number"})
    registered(session, deputy, range(4, 31))
    assert queries_for(client, LIST, {"status": "accepted", "ordering": "number"}) == few


# --- the department inbox -----------------------------------------------------------------------


@pytest.fixture
def inbox(session, deputy, coordinator, department_a, department_b, clerk_a):
    """Twelve proposals assigned to department A (lead), two to B; A signed for 1–4."""
    proposals = registered(session, deputy, range(1, 13))
    assigning.bulk_assign(proposals[:10], [PlanLine(department_a, Mode.LEAD)], coordinator)
    assigning.bulk_assign(
        proposals[10:], [PlanLine(department_b, Mode.LEAD), PlanLine(department_a, Mode.COHANDLER)], coordinator
    )
    others = registered(session, deputy, range(13, 15))
    assigning.bulk_assign(others, [PlanLine(department_b, Mode.LEAD)], coordinator)
    Assignment.objects.filter(department=department_a, proposal__number__lte=4).update(signed_at=timezone.now())
    return proposals


def numbers(response):
    return sorted(a.proposal.number for a in response.context["page_obj"])


def test_the_inbox_filters_by_state_mode_and_number(client, clerk_a, inbox):
    client.force_login(clerk_a)
    assert numbers(client.get(INBOX, {"state": "unsigned", "mode": "lead"})) == [5, 6, 7, 8, 9, 10]
    assert numbers(client.get(INBOX, {"mode": "cohandler"})) == [11, 12]
    assert numbers(client.get(INBOX, {"number_min": 3, "number_max": 5, "signed": "true"})) == [3, 4]
    assert numbers(client.get(INBOX, {"state": "in_progress"})) == [1, 2, 3, 4]


def test_the_inbox_due_range_reads_each_assignments_own_deadline(client, clerk_a, inbox):
    lead = Assignment.objects.filter(mode=Mode.LEAD, department__short_name="省科技厅").first()
    client.force_login(clerk_a)
    response = client.get(INBOX, {"due_from": lead.reply_due.isoformat(), "due_to": lead.reply_due.isoformat()})
    assert numbers(response) == list(range(1, 11))  # the co-handlers' opinions are due sooner


def test_the_inbox_never_lists_another_departments_assignment_whatever_the_filter(client, clerk_a, inbox):
    client.force_login(clerk_a)
    assert numbers(client.get(INBOX, {"number_min": 13})) == []


def test_the_inbox_answers_bad_input_with_a_message(client, clerk_a, inbox):
    client.force_login(clerk_a)
    today = timezone.localdate()
    response = client.get(
        INBOX, {"assigned_from": today.isoformat(), "assigned_to": (today - datetime.timedelta(days=3)).isoformat()}
    )
    assert response.status_code == 200
    assert "交办日期的开始日期不能晚于结束日期。" in response.content.decode()
    assert len(numbers(response)) == 12


def test_the_inbox_takes_the_same_number_of_queries_for_3_or_30_rows(
    client, session, deputy, coordinator, department_a, clerk_a, cosigner
):
    from proposals.models import CoSigner

    first = registered(session, deputy, range(1, 4))
    CoSigner.objects.bulk_create(  # co-signers are counted per row
        CoSigner(proposal=p, deputy=cosigner.deputy, status=CoSigner.Status.CONFIRMED) for p in first
    )
    assigning.bulk_assign(first, [PlanLine(department_a, Mode.LEAD)], coordinator)
    client.force_login(clerk_a)
    few = queries_for(client, INBOX, {"state": "owing"})
    more = registered(session, deputy, range(4, 31))
    assigning.bulk_assign(more, [PlanLine(department_a, Mode.LEAD)], coordinator)
    assert queries_for(client, INBOX, {"state": "owing"}) == few
    assert "王宇辉等2位代表" in client.get(INBOX, {"number_max": 3}).content.decode()
