"""What proposals writes to the audit log (accounts.audit): attachment downloads, session and
calendar changes, and — by the database trigger of migration 0011 — every workflow event."""

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse

from accounts.models import AuditAction, AuditEntry
from proposals import services
from proposals.models import Attachment, ProposalEvent

from .test_views import session_post


def test_an_attachment_download_records_who_downloaded_which_file(client, deputy, submitted, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    stored = default_storage.save("attachments/x.pdf", ContentFile(b"%PDF-1.4\n"))
    attachment = Attachment.objects.create(
        proposal=submitted, file=stored, original_name="调研报告.pdf", kind="pdf", size=9, uploaded_by=deputy
    )
    client.force_login(deputy)
    response = client.get(reverse("proposals:attachment_download", args=[attachment.pk]), REMOTE_ADDR="192.0.2.20")
    assert response.status_code == 200
    entry = AuditEntry.objects.get(action=AuditAction.DOWNLOAD)
    assert (entry.user, entry.source_address) == (deputy, "192.0.2.20")
    assert (entry.object_type, entry.object_id) == ("proposals.attachment", str(attachment.pk))
    assert entry.details == {"proposal": submitted.pk}


def test_a_refused_attachment_download_is_a_denial_not_a_download(client, outsider_deputy, deputy, submitted):
    attachment = Attachment.objects.create(
        proposal=submitted, file="attachments/none.pdf", original_name="a.pdf", kind="pdf", size=9, uploaded_by=deputy
    )
    client.force_login(outsider_deputy)
    assert client.get(reverse("proposals:attachment_download", args=[attachment.pk])).status_code == 404
    assert not AuditEntry.objects.filter(action=AuditAction.DOWNLOAD).exists()
    assert AuditEntry.objects.get(action=AuditAction.DENIED).user == outsider_deputy


def test_every_workflow_event_is_copied_into_the_audit_log_in_the_same_transaction(deputy, coordinator, submitted):
    services.accept_proposal(submitted, coordinator)
    event = ProposalEvent.objects.filter(proposal=submitted).latest("id")
    entry = AuditEntry.objects.get(action=AuditAction.WORKFLOW, details__event=event.pk)
    assert (entry.user, entry.username, entry.time) == (coordinator, "p_coordinator", event.created_at)
    assert (entry.object_type, entry.object_id) == ("proposals.proposal", str(submitted.pk))
    assert entry.object_label.startswith("第") and submitted.title in entry.object_label
    assert entry.details == {"event": event.pk, "kind": "accepted", "from": "submitted", "to": "accepted"}
    assert AuditEntry.objects.filter(action=AuditAction.WORKFLOW).count() == ProposalEvent.objects.count()


def test_a_session_change_is_recorded_with_the_fields_changed(client, coordinator, session):
    client.force_login(coordinator)
    data = session_post(session, result_categories="甲 已经解决\n乙 正在解决\n丙 留作参考")
    assert client.post(reverse("proposals:session_edit", args=[session.pk]), data).status_code == 302
    entry = AuditEntry.objects.get(action=AuditAction.SETTINGS_CHANGED)
    assert entry.user == coordinator and entry.object_type == "proposals.session"
    assert "result_categories" in entry.details["fields"]


def test_a_calendar_change_is_recorded(client, coordinator):
    client.force_login(coordinator)
    client.post(reverse("proposals:calendar_day"), {"date": "2026-10-08", "is_workday": "0", "name": "国庆节"})
    entry = AuditEntry.objects.get(action=AuditAction.SETTINGS_CHANGED)
    assert entry.object_type == "proposals.calendarchange" and entry.details == {"days": 1}
