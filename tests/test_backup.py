"""tools/backup.py: a backup restores into a fresh database with every table's rows, the
sequences, the append-only triggers and the uploaded files intact (docs/operations.md,
"Backup and restore")."""

import psycopg
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from psycopg import sql
from psycopg.conninfo import make_conninfo

from accounts import audit
from accounts.models import AuditAction, Delegation, User
from proposals.models import Attachment, Proposal
from tools import backup as tool


def conninfo(dbname: str) -> str:
    """The test database's server, another database on it."""
    s = connection.settings_dict
    params = {"host": s["HOST"], "port": s["PORT"], "user": s["USER"], "password": s["PASSWORD"]}
    return make_conninfo(dbname=dbname, **{k: v for k, v in params.items() if v})


@pytest.fixture
def fresh_database(db):
    name = f"{connection.settings_dict['NAME']}_restored"
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    with psycopg.connect(conninfo("postgres"), autocommit=True) as admin:
        admin.execute(drop)
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield conninfo(name)
    with psycopg.connect(conninfo("postgres"), autocommit=True) as admin:
        admin.execute(drop)


@pytest.fixture
def seeded(demo_data, settings, tmp_path):
    """The demo data, an uploaded attachment and an audit entry, all committed."""
    settings.MEDIA_ROOT = tmp_path / "media"
    proposal = Proposal.objects.order_by("pk").first()
    user = User.objects.get(username="deputy")
    name = default_storage.save("attachments/2024/调研报告.pdf", ContentFile(b"%PDF-1.4 backup drill\n"))
    Attachment.objects.create(
        proposal=proposal, file=name, original_name="调研报告.pdf", kind="pdf", size=22, uploaded_by=user
    )
    audit.record(None, AuditAction.DOWNLOAD, obj=proposal, user=user, drill=True)
    return settings.MEDIA_ROOT / name


def test_a_backup_restores_into_a_fresh_database_with_every_table_and_file_intact(seeded, fresh_database, tmp_path):
    source = conninfo(connection.settings_dict["NAME"])
    folder = tool.backup(source, seeded.parents[2], tmp_path / "backups")
    manifest = tool.read_manifest(folder)
    assert manifest["tables"]["public.proposals_proposal"]["rows"] > 0
    assert manifest["tables"]["public.proposals_proposalevent"]["rows"] > 0
    assert manifest["tables"]["public.accounts_auditentry"]["rows"] > 0
    assert "attachments/2024/调研报告.pdf" in manifest["media"]

    restored_media = tmp_path / "restored-media"
    assert tool.restore(folder, fresh_database, restored_media) == []

    # Every table, sequence and trigger of the live database, compared directly too.
    assert tool.verify(source, fresh_database) == []
    assert (restored_media / "attachments/2024/调研报告.pdf").read_bytes() == seeded.read_bytes()
    with psycopg.connect(fresh_database) as conn:
        # The triggers came after the data: no event was copied into the audit log twice...
        events = conn.execute("SELECT count(*) FROM proposals_proposalevent").fetchone()[0]
        copied = conn.execute("SELECT count(*) FROM accounts_auditentry WHERE details ? 'event'").fetchone()[0]
        assert copied == events
        # ...and they are in force again: the audit log stays append-only.
        with pytest.raises(psycopg.errors.RaiseException):
            conn.execute("UPDATE accounts_auditentry SET username = 'x'")


def test_verify_reports_a_table_that_differs(seeded, fresh_database, tmp_path):
    folder = tool.backup(conninfo(connection.settings_dict["NAME"]), seeded.parents[2], tmp_path / "backups")
    assert tool.restore(folder, fresh_database, tmp_path / "restored") == []
    first_delegation = Delegation.objects.order_by("pk").first().pk
    with psycopg.connect(fresh_database) as conn:
        conn.execute("UPDATE accounts_delegation SET name = name || '（改）' WHERE id = %s", [first_delegation])
    (tmp_path / "restored" / "stray.txt").write_text("x")

    diffs = tool.verify(folder, fresh_database, tmp_path / "restored")

    assert [d for d in diffs if d.startswith("table ")] == [
        next(d for d in diffs if d.startswith("table public.accounts_delegation:"))
    ]
    assert "media file stray.txt not in the backup" in diffs
    assert tool.main(["verify", str(folder), fresh_database]) == 1


def test_restore_refuses_a_database_that_is_not_empty(seeded, fresh_database, tmp_path):
    folder = tool.backup(conninfo(connection.settings_dict["NAME"]), seeded.parents[2], tmp_path / "backups")
    assert tool.restore(folder, fresh_database, tmp_path / "one") == []

    with pytest.raises(tool.BackupError, match="not empty"):
        tool.restore(folder, fresh_database, tmp_path / "two")


def test_restore_refuses_a_damaged_dump(seeded, fresh_database, tmp_path):
    folder = tool.backup(conninfo(connection.settings_dict["NAME"]), seeded.parents[2], tmp_path / "backups")
    with open(folder / tool.DUMP, "ab") as fh:
        fh.write(b"\0")

    with pytest.raises(tool.BackupError, match="damaged"):
        tool.restore(folder, fresh_database, tmp_path / "restored")
