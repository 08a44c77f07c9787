"""The auditor's viewer: filters, bad input, pagination, query count, the Excel export."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import AuditAction, AuditEntry, AuditOutcome

LIST = reverse("audit:list")


@pytest.fixture
def entries(db, clerk_a, deputy):
    now = timezone.now()
    made = [
        AuditEntry(
            time=now - datetime.timedelta(days=10),
            user=deputy,
            username=deputy.username,
            source_address="10.1.0.5",
            action=AuditAction.LOGIN_FAILED,
            outcome=AuditOutcome.FAILURE,
        ),
        AuditEntry(
            time=now,
            user=clerk_a,
            username=clerk_a.username,
            source_address="192.0.2.1",
            action=AuditAction.DOWNLOAD,
            object_type="replies.reply",
            object_id="7",
            object_label='=HYPERLINK("http://x")',
        ),
    ]
    return AuditEntry.objects.bulk_create(made)


def rows(response):
    return list(response.context["page_obj"].object_list)


def test_the_auditor_sees_the_entries_newest_first_with_a_count(client, auditor, entries):
    client.force_login(auditor)
    response = client.get(LIST)
    assert response.status_code == 200
    listed = [e for e in rows(response) if e.pk in {x.pk for x in entries}]
    assert [e.action for e in listed] == [AuditAction.DOWNLOAD, AuditAction.LOGIN_FAILED]
    assert "共 " in response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"action": AuditAction.LOGIN_FAILED}, AuditAction.LOGIN_FAILED),
        ({"outcome": AuditOutcome.FAILURE}, AuditAction.LOGIN_FAILED),
        ({"user": "clerk"}, AuditAction.DOWNLOAD),
        ({"user": "王宇"}, AuditAction.LOGIN_FAILED),  # the account's full name
        ({"source_address": "10.1."}, AuditAction.LOGIN_FAILED),
        ({"object_type": "replies.reply"}, AuditAction.DOWNLOAD),
        ({"object_id": "7"}, AuditAction.DOWNLOAD),
    ],
)
def test_each_filter_narrows_the_list(client, auditor, entries, query, expected):
    client.force_login(auditor)
    response = client.get(LIST, {**query, "date_from": "2000-01-01"})
    assert [e.action for e in rows(response)] == [expected]


def test_a_date_range_keeps_the_days_given(client, auditor, entries):
    client.force_login(auditor)
    today = timezone.localdate()
    response = client.get(
        LIST,
        {"date_from": str(today - datetime.timedelta(days=11)), "date_to": str(today - datetime.timedelta(days=9))},
    )
    assert [e.action for e in rows(response)] == [AuditAction.LOGIN_FAILED]


def test_reversed_dates_are_refused_in_chinese_and_not_applied(client, auditor, entries):
    client.force_login(auditor)
    response = client.get(LIST, {"date_from": "2030-01-02", "date_to": "2020-01-01"})
    assert response.status_code == 200
    assert "开始日期不能晚于结束日期" in response.content.decode()
    assert len(rows(response)) >= 2


@pytest.mark.parametrize(
    "query",
    [
        {"date_from": "14/05/2024"},
        {"action": "nonsense"},
        {"user": "a\x00b"},
        {"source_address": "x" * 100},
        {"page": "abc"},
    ],
)
def test_bad_input_gets_a_page_never_an_error(client, auditor, entries, query):
    client.force_login(auditor)
    response = client.get(LIST, query)
    assert response.status_code == 200


def test_the_pagination_keeps_the_filter(client, auditor, db):
    AuditEntry.objects.bulk_create(
        AuditEntry(action=AuditAction.LOGIN_FAILED, username=f"u{i}", outcome=AuditOutcome.FAILURE) for i in range(60)
    )
    client.force_login(auditor)
    response = client.get(LIST, {"action": AuditAction.LOGIN_FAILED})
    assert "action=login_failed&amp;page=2" in response.content.decode()
    assert len(rows(client.get(LIST, {"action": AuditAction.LOGIN_FAILED, "page": 2}))) == 10


@pytest.mark.parametrize("count", [1, 120])
def test_the_list_takes_the_same_number_of_queries_whatever_the_number_of_entries(
    client, auditor, clerk_a, django_assert_num_queries, count
):
    AuditEntry.objects.bulk_create(
        AuditEntry(action=AuditAction.DOWNLOAD, user=clerk_a, username="p_clerk_a", details={"n": i})
        for i in range(count)
    )
    client.force_login(auditor)
    # session, user, the header's unread count, the count, the page (each entry's user joined)
    with django_assert_num_queries(5):
        response = client.get(LIST, {"user": "clerk"})
        response.content.decode()
    assert response.status_code == 200


def test_the_export_is_a_spreadsheet_of_the_filtered_entries_with_formulas_neutralised(client, auditor, entries):
    client.force_login(auditor)
    response = client.get(reverse("audit:export"), {"action": AuditAction.DOWNLOAD})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.values)
    assert values[0][0] == "时间"
    assert len(values) == 2
    assert values[1][7] == '\'=HYPERLINK("http://x")'
    assert sheet.cell(row=2, column=8).data_type == "s"
    exported = AuditEntry.objects.get(action=AuditAction.AUDIT_EXPORTED)
    assert exported.user == auditor and exported.details["rows"] == 1
    assert exported.details["filters"] == {"action": AuditAction.DOWNLOAD}


def test_an_export_with_a_bad_filter_goes_back_to_the_list_with_a_message(client, auditor, entries):
    client.force_login(auditor)
    response = client.get(reverse("audit:export"), {"date_from": "2030-01-02", "date_to": "2020-01-01"}, follow=True)
    assert "筛选条件有误" in response.content.decode()
    assert not AuditEntry.objects.filter(action=AuditAction.AUDIT_EXPORTED).exists()


def test_the_auditor_has_the_viewer_in_the_navigation_and_others_do_not(client, auditor, sysadmin, secadmin):
    client.force_login(auditor)
    assert f'href="{LIST}"' in client.get(reverse("home")).content.decode()
    for user in (sysadmin, secadmin):
        client.force_login(user)
        assert f'href="{LIST}"' not in client.get(reverse("home")).content.decode()
        assert client.get(LIST).status_code == 403
        assert client.get(reverse("audit:export")).status_code == 403


def test_viewing_refusals_of_other_administrators_are_themselves_in_the_log(client, sysadmin, db):
    client.force_login(sysadmin)
    client.get(LIST)
    assert AuditEntry.objects.filter(action=AuditAction.DENIED, user=sysadmin).exists()


def test_the_viewer_answers_only_get(client, auditor):
    client.force_login(auditor)
    assert client.post(LIST).status_code == 405
