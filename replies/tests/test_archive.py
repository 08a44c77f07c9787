import datetime
import io
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.test_worker import run_worker_until_idle
from replies import archive, services
from replies.models import ArchiveExport

from .conftest import fill, make_handling, reload


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def signed_reply(*, deputy, coordinator, clerk, leader, session, category, title):
    handling = make_handling(
        deputy=deputy,
        cosigner=None,
        coordinator=coordinator,
        clerk_a=clerk,
        clerk_b=None,
        session=session,
        category=category,
        title=title,
    )
    reply = fill(services.start_reply(handling.lead, clerk), clerk)
    services.submit_for_review(reply, clerk, version=reply.version)
    services.sign(reload(reply), leader)
    return reload(reply)


@pytest.fixture
def two_signed(deputy, coordinator, clerk_a, leader_a, clerk_b, department_b, session, category):
    from conftest import make_user

    session.contact_required = False
    session.save()
    leader_b = make_user("p_leader_b", "leader", department=department_b, full_name="周文军")
    people = {"deputy": deputy, "coordinator": coordinator, "session": session, "category": category}
    return [
        signed_reply(clerk=clerk_a, leader=leader_a, title="关于加强科技成果转化的建议", **people),
        signed_reply(clerk=clerk_b, leader=leader_b, title="关于改善办学条件的建议", **people),
    ]


def names_in(export):
    with export.file.open("rb") as f:
        return sorted(zipfile.ZipFile(io.BytesIO(f.read())).namelist())


def test_the_archive_holds_every_signed_reply_as_pdf_and_word(media, two_signed, coordinator, session):
    export = archive.request_export(coordinator, session)
    assert archive.build(export.pk)
    export.refresh_from_db()
    assert (export.status, export.total, export.processed, export.percent) == ("done", 2, 2, 100)
    first, second = (r.assignment.proposal.number for r in two_signed)
    assert names_in(export) == sorted(
        [
            f"省十四届人大三次会议-第{first}号-省科技厅.pdf",
            f"省十四届人大三次会议-第{first}号-省科技厅.docx",
            f"省十四届人大三次会议-第{second}号-省教育厅.pdf",
            f"省十四届人大三次会议-第{second}号-省教育厅.docx",
        ]
    )
    assert not archive.build(export.pk)  # a second run of the job does nothing


def test_a_department_exports_only_its_own_replies(media, two_signed, clerk_a, session):
    export = archive.request_export(clerk_a, session)
    archive.build(export.pk)
    export.refresh_from_db()
    assert export.department == clerk_a.department and export.total == 1
    assert all("省科技厅" in name for name in names_in(export))


def test_archives_older_than_seven_days_are_removed(media, two_signed, coordinator, session):
    export = archive.request_export(coordinator, session)
    archive.build(export.pk)
    export.refresh_from_db()
    path = media / export.file.name
    assert path.exists()
    assert archive.purge(now=timezone.now() + datetime.timedelta(days=6)) == 0
    assert archive.purge(now=timezone.now() + datetime.timedelta(days=8)) == 1
    assert not path.exists() and not ArchiveExport.objects.exists()


def test_the_worker_builds_the_archive_asked_for_in_the_browser_page(
    client, media, job_queue, deputy, coordinator, clerk_a, leader_a, session, category
):
    session.contact_required = False
    session.save()
    signed_reply(
        deputy=deputy,
        coordinator=coordinator,
        clerk=clerk_a,
        leader=leader_a,
        session=session,
        category=category,
        title="关于加强科技成果转化的建议",
    )
    client.force_login(coordinator)
    response = client.post(reverse("replies:archives"), {"session": session.pk})
    export = ArchiveExport.objects.get()
    assert response["Location"] == reverse("replies:archive", args=[export.pk])
    assert "排队中" in client.get(reverse("replies:archive_progress", args=[export.pk])).content.decode()
    run_worker_until_idle()
    progress = client.get(reverse("replies:archive_progress", args=[export.pk])).content.decode()
    assert "已完成" in progress and "hx-get" not in progress  # polling stops when done
    download = client.get(reverse("replies:archive_download", args=[export.pk]))
    assert download["Content-Type"] == "application/zip"
    assert len(zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content))).namelist()) == 2


def test_someone_elses_archive_is_not_found(client, media, coordinator, clerk_a, session):
    export = ArchiveExport.objects.create(requested_by=coordinator, session=session)
    client.force_login(clerk_a)
    assert client.get(reverse("replies:archive", args=[export.pk])).status_code == 404


def test_an_unfinished_archive_cannot_be_downloaded(client, media, coordinator, session):
    export = ArchiveExport.objects.create(requested_by=coordinator, session=session)
    client.force_login(coordinator)
    assert client.get(reverse("replies:archive_download", args=[export.pk])).status_code == 404


def test_an_export_whose_worker_died_is_marked_failed_after_a_day(media, coordinator, session):
    export = ArchiveExport.objects.create(requested_by=coordinator, session=session, status="running")
    archive.purge(now=timezone.now() + datetime.timedelta(hours=25))
    export.refresh_from_db()
    assert export.status == "failed" and "重新生成" in export.error
