"""archive_audit moves old entries to a signed file and loses nothing; verify_audit_archive
checks such a file."""

import datetime
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts import audit_archive
from accounts.models import AuditAction, AuditEntry, AuditOutcome


@pytest.fixture
def log(db, deputy):
    now = timezone.now()
    ages = [400, 365, 200, 181, 179, 10, 0]  # days
    AuditEntry.objects.bulk_create(
        AuditEntry(
            time=now - datetime.timedelta(days=age),
            user=deputy,
            username=deputy.username,
            source_address="10.0.0.1",
            action=AuditAction.LOGIN_FAILED,
            outcome=AuditOutcome.FAILURE,
            object_label=f"{age}天前",
            details={"age": age, "text": '中文 "quoted"\n'},
        )
        for age in ages
    )
    return ages


def archive_lines(path):
    lines = path.read_bytes().decode().splitlines()
    return json.loads(lines[0]), [json.loads(line) for line in lines[1:-1]], json.loads(lines[-1])


def test_archiving_moves_exactly_the_old_entries_to_a_signed_file_and_loses_nothing(log, tmp_path):
    output = tmp_path / "audit-2026.jsonl"
    old_ids = set(
        AuditEntry.objects.filter(time__lt=timezone.now() - datetime.timedelta(days=180)).values_list("id", flat=True)
    )
    before = list(AuditEntry.objects.order_by("id").values("id", "time", "username", "details"))

    call_command("archive_audit", "--older-than-days", "180", "--output", str(output), stdout=open("/dev/null", "w"))  # noqa: SIM115

    header, entries, trailer = archive_lines(output)
    assert header["count"] == len(entries) == 4 and "hmac_sha256" in trailer
    assert {e["id"] for e in entries} == old_ids
    assert [e["details"]["age"] for e in entries] == [400, 365, 200, 181]  # oldest first
    assert entries[0]["details"]["text"] == '中文 "quoted"\n' and entries[0]["source_address"] == "10.0.0.1"
    remaining = AuditEntry.objects.exclude(action=AuditAction.AUDIT_ARCHIVED)
    # nothing lost: every entry is either still in the table or in the file, never both
    assert len(before) == remaining.count() + len(entries)
    assert {r["id"] for r in before} == set(remaining.values_list("id", flat=True)) | {e["id"] for e in entries}
    assert not remaining.filter(id__in=old_ids).exists()
    archived = AuditEntry.objects.get(action=AuditAction.AUDIT_ARCHIVED)
    assert archived.details["count"] == 4
    assert audit_archive.verify(output)["count"] == 4
    assert not list(tmp_path.glob("*.part"))


@pytest.mark.parametrize(
    "tamper",
    [
        lambda text: text.replace("400天前", "399天前"),  # an entry changed
        lambda text: "\n".join(line for i, line in enumerate(text.splitlines()) if i != 2) + "\n",  # one dropped
        lambda text: text.replace('"count":4', '"count":3'),  # the header changed
        lambda text: text.rsplit("\n", 2)[0] + "\n",  # the signature cut off
        lambda text: "",
    ],
)
def test_a_tampered_archive_fails_verification(log, tmp_path, tamper):
    output = tmp_path / "a.jsonl"
    audit_archive.archive(output, older_than_days=180)
    call_command("verify_audit_archive", str(output), stdout=open("/dev/null", "w"))  # noqa: SIM115
    output.write_text(tamper(output.read_text()))
    with pytest.raises(CommandError):
        call_command("verify_audit_archive", str(output))


def test_an_archive_signed_with_another_key_fails_but_a_fallback_key_still_verifies(log, tmp_path, settings):
    output = tmp_path / "a.jsonl"
    audit_archive.archive(output, older_than_days=180)
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY = "another-" + "k" * 60
    with pytest.raises(audit_archive.ArchiveError, match="签名无效"):
        audit_archive.verify(output)
    settings.SECRET_KEY_FALLBACKS = [old_key]
    assert audit_archive.verify(output)["count"] == 4


def test_it_refuses_a_period_shorter_than_the_retention(log, tmp_path, settings):
    settings.AUDIT_RETENTION_DAYS = 180
    with pytest.raises(CommandError, match="至少在线保存180天"):
        call_command("archive_audit", "--older-than-days", "30", "--output", str(tmp_path / "a.jsonl"))
    assert AuditEntry.objects.count() == len(log) and not list(tmp_path.iterdir())


def test_it_never_overwrites_an_existing_archive(log, tmp_path):
    output = tmp_path / "a.jsonl"
    output.write_text("earlier archive")
    with pytest.raises(CommandError, match="已存在"):
        call_command("archive_audit", "--older-than-days", "180", "--output", str(output))
    assert output.read_text() == "earlier archive" and AuditEntry.objects.count() == len(log)


def test_when_the_file_cannot_be_written_nothing_is_deleted(log, tmp_path):
    with pytest.raises(FileNotFoundError):
        audit_archive.archive(tmp_path / "missing-dir" / "a.jsonl", older_than_days=180)
    assert AuditEntry.objects.count() == len(log)


def test_archiving_with_nothing_old_writes_an_empty_signed_archive(db, tmp_path):
    output = tmp_path / "a.jsonl"
    assert audit_archive.archive(output, older_than_days=180).count == 0
    assert audit_archive.verify(output)["count"] == 0
