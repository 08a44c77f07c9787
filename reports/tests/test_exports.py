"""Excel exports of filtered lists: exactly the filtered rows, visible ones only, text kept
as text, built by the worker with its progress, downloadable by the requester alone."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.tests.test_worker import run_worker_until_idle
from proposals.models import Proposal
from proposals.tests.conftest import registered
from replies.tests.test_filters import make_replies, sign_all
from reports import exports
from reports.models import ListExport


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def built(user, list_name, query=""):
    export = exports.request_export(user, list_name, query)
    assert exports.build(export.pk)
    export.refresh_from_db()
    return export


def sheet_rows(export):
    with export.file.open("rb") as f:
        sheet = load_workbook(io.BytesIO(f.read())).active
    return list(sheet.iter_rows())


def values(export):
    return [[cell.value for cell in row] for row in sheet_rows(export)]


def test_the_export_holds_exactly_the_filtered_rows_in_the_lists_order(media, coordinator, session, deputy, client):
    registered(session, deputy, range(1, 41))
    export = built(coordinator, "proposals", "number_min=5&number_max=34&ordering=-number&page=2")
    rows = values(export)
    assert rows[0][:3] == ["会次", "建议号", "建议标题"]
    assert [row[1] for row in rows[1:]] == list(range(34, 4, -1))  # every page, same order
    assert (export.status, export.total, export.processed, export.percent) == ("done", 30, 30, 100)
    client.force_login(coordinator)
    page = client.get(reverse("proposals:list"), {"number_min": 5, "number_max": 34, "ordering": "-number"})
    assert [p.number for p in page.context["page_obj"]] == [row[1] for row in rows[1:26]]
    assert not exports.build(export.pk)  # a second run of the job does nothing


def test_text_that_looks_like_a_formula_comes_back_as_text(media, coordinator, session, deputy):
    titles = ['=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1)"]
    Proposal.objects.bulk_create(
        Proposal(
            session=session,
            title=title,
            body="x",
            lead_deputy=deputy.deputy,
            number=n,
            created_by=deputy,
            status="accepted",
        )
        for n, title in enumerate(titles, 1)
    )
    export = built(coordinator, "proposals", "ordering=number")
    cells = [row[2] for row in sheet_rows(export)[1:]]
    assert [c.value for c in cells] == ["'" + t for t in titles]
    assert all(c.data_type == "s" for c in cells)


def test_a_clerks_export_never_holds_another_departments_rows(
    media, session, deputy, coordinator, department_a, department_b, clerk_a, clerk_b, leader_a
):
    make_replies(session, deputy, coordinator, department_a, clerk_a, range(1, 4))
    make_replies(session, deputy, coordinator, department_b, clerk_b, range(4, 7))
    # the query names department B: a department's list has no such filter
    export = built(clerk_a, "replies", f"department={department_b.pk}")
    assert sorted(row[1] for row in values(export)[1:]) == [1, 2, 3]
    inbox = built(clerk_a, "inbox", "")
    assert sorted(row[1] for row in values(inbox)[1:]) == [1, 2, 3]
    assert {row[9] for row in values(inbox)[1:]} == {"办理中"}


def test_the_feedback_and_follow_up_lists_export_their_rows(
    media, session, deputy, coordinator, department_a, clerk_a, leader_a
):
    from replies.models import Commitment, Feedback

    replies = make_replies(session, deputy, coordinator, department_a, clerk_a, range(1, 4))
    sign_all(replies, leader_a, "C")
    Feedback.objects.create(reply=replies[0], deputy=deputy.deputy, attitude="basic", result="dissatisfied")
    Commitment.objects.create(
        reply=replies[1], text="=1+1", due=timezone.localdate() + datetime.timedelta(days=5), created_by=clerk_a
    )
    feedback = values(built(coordinator, "feedback", "result=dissatisfied"))
    assert len(feedback) == 2 and feedback[1][8:10] == ["基本满意", "不满意"]
    followups = values(built(clerk_a, "followups", ""))
    assert len(followups) == 2 and followups[1][0] == "'=1+1"


def test_an_export_is_refused_for_a_list_the_role_does_not_have(media, clerk_a, deputy):
    with pytest.raises(exports.ExportError):
        exports.request_export(clerk_a, "feedback", "")
    with pytest.raises(exports.ExportError):
        exports.request_export(deputy, "nonsense", "")
    assert not ListExport.objects.exists()


def test_bad_filter_input_in_an_export_is_left_out_as_on_the_page(media, coordinator, session, deputy):
    registered(session, deputy, range(1, 6))
    export = built(coordinator, "proposals", "number_min=abc&number_max=3&status=nonsense")
    assert export.total == 3


def test_the_worker_builds_the_export_started_from_a_list_and_only_its_requester_downloads_it(
    client, media, job_queue, coordinator, session, deputy, clerk_a
):
    registered(session, deputy, range(1, 8))
    client.force_login(coordinator)
    response = client.post(reverse("reports:export_create"), {"list": "proposals", "query": "number_max=5"})
    export = ListExport.objects.get()
    assert response["Location"] == reverse("reports:export", args=[export.pk])
    progress = reverse("reports:export_progress", args=[export.pk])
    assert "排队中" in client.get(progress).content.decode()
    run_worker_until_idle()
    page = client.get(progress).content.decode()
    assert "已完成" in page and "5 / 5 行" in page and "hx-get" not in page  # polling stops when done
    download = client.get(reverse("reports:export_download", args=[export.pk]))
    assert "attachment" in download["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    assert sheet.max_row == 6
    client.force_login(clerk_a)
    for name in ("reports:export", "reports:export_progress", "reports:export_download"):
        assert client.get(reverse(name, args=[export.pk])).status_code == 404


def test_an_unfinished_export_cannot_be_downloaded(client, media, coordinator):
    export = ListExport.objects.create(requested_by=coordinator, list_name="proposals")
    client.force_login(coordinator)
    assert client.get(reverse("reports:export_download", args=[export.pk])).status_code == 404


def test_one_person_cannot_pile_up_exports(client, media, coordinator):
    client.force_login(coordinator)
    for _ in range(exports.MAX_ACTIVE):
        client.post(reverse("reports:export_create"), {"list": "proposals", "query": ""})
    response = client.post(reverse("reports:export_create"), {"list": "proposals", "query": ""}, follow=True)
    assert "正在生成" in response.content.decode()
    assert ListExport.objects.count() == exports.MAX_ACTIVE


def test_exports_older_than_seven_days_are_removed(media, coordinator, session, deputy):
    registered(session, deputy, range(1, 3))
    export = built(coordinator, "proposals")
    path = media / export.file.name
    assert path.exists()
    assert exports.purge(now=timezone.now() + datetime.timedelta(days=6)) == 0
    assert exports.purge(now=timezone.now() + datetime.timedelta(days=8)) == 1
    assert not path.exists() and not ListExport.objects.exists()


def test_an_export_whose_worker_died_is_marked_failed_after_a_day(media, coordinator):
    export = ListExport.objects.create(requested_by=coordinator, list_name="proposals", status="running")
    exports.purge(now=timezone.now() + datetime.timedelta(hours=25))
    export.refresh_from_db()
    assert export.status == "failed" and "重新导出" in export.error


def test_the_purge_is_a_daily_periodic_job():
    from procrastinate.contrib.django import app

    from reports import tasks

    assert tasks.purge_list_exports.name in {t.task.name for t in app.periodic_registry.periodic_tasks.values()}
