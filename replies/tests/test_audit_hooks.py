"""What replies writes to the audit log (accounts.audit): document and archive downloads,
reply settings and document number series."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse

from accounts.models import AuditAction, AuditEntry
from replies.models import ArchiveExport, DocumentSeries


@pytest.mark.parametrize("fmt", ["pdf", "docx", "print"])
def test_a_reply_document_download_records_who_took_which_reply(client, issued, deputy, fmt):
    client.force_login(deputy)
    response = client.get(reverse(f"replies:{fmt}", args=[issued.pk]), REMOTE_ADDR="192.0.2.30")
    assert response.status_code == 200
    entry = AuditEntry.objects.get(action=AuditAction.DOWNLOAD)
    assert (entry.user, entry.source_address) == (deputy, "192.0.2.30")
    assert (entry.object_type, entry.object_id) == ("replies.reply", str(issued.pk))
    assert entry.details == {"format": "html" if fmt == "print" else fmt, "draft": False}


def test_an_archive_download_is_recorded(client, coordinator, session, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    export = ArchiveExport.objects.create(
        requested_by=coordinator,
        session=session,
        status="done",
        total=1,
        processed=1,
        file=default_storage.save("archives/x.zip", ContentFile(b"PK\x05\x06" + b"\x00" * 18)),
    )
    client.force_login(coordinator)
    assert client.get(reverse("replies:archive_download", args=[export.pk])).status_code == 200
    entry = AuditEntry.objects.get(action=AuditAction.DOWNLOAD)
    assert entry.object_type == "replies.archiveexport" and entry.details["session"] == session.pk


def test_reply_settings_and_series_changes_are_recorded(client, leader_a):
    client.force_login(leader_a)
    client.post(
        reverse("replies:series"),
        {"kind": "reply", "year": 2027, "pattern": "吉科发规划〔{年份}〕{序号}号", "next_number": 1},
    )
    series = DocumentSeries.objects.get()
    client.post(
        reverse("replies:series_edit", args=[series.pk]),
        {"year": 2027, "pattern": "吉科函〔{年份}〕{序号}号", "next_number": 5},
    )
    entries = list(AuditEntry.objects.filter(action=AuditAction.SETTINGS_CHANGED).order_by("id"))
    assert [e.details.get("created") for e in entries] == [True, None]
    assert all(e.object_type == "replies.documentseries" and e.user == leader_a for e in entries)
    assert "next_number" in entries[1].details["fields"]
