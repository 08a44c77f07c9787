"""Moving old audit entries out of the database into a signed file, and checking such a file.

The file is JSON lines: a header {"format", "cutoff", "count", "created"}, one line per entry
(oldest first), and a last line {"hmac_sha256": ...} signing every byte before it with a key
derived from SECRET_KEY for this purpose alone (Django's salted_hmac). Whoever holds the file
but not the key cannot change, add or drop an entry without verification failing; an archive
signed under a previous key still verifies while that key is in SECRET_KEY_FALLBACKS.

archive() writes and verifies the file, then, in the same transaction, deletes exactly the
entries written (the trigger lets a DELETE through only for rows older than the cutoff the
transaction declared, see migration 0007_audit_append_only), and records the archiving itself.
"""

import datetime
import json
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from .models import AuditAction, AuditEntry

FORMAT = "jianyi-audit-archive/1"
PURPOSE = "jianyi.accounts.audit_archive"
FIELDS = (
    "id",
    "time",
    "user_id",
    "username",
    "source_address",
    "action",
    "object_type",
    "object_id",
    "object_label",
    "outcome",
    "details",
)


class ArchiveError(Exception):
    """A Chinese message for the operator; nothing was deleted."""


@dataclass
class Archived:
    path: Path
    count: int
    cutoff: datetime.datetime


def _line(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode() + b"\n"


def _signature(body: bytes, secret=None) -> str:
    return salted_hmac(PURPOSE, body, secret=secret, algorithm="sha256").hexdigest()


def _entry_data(row: dict) -> dict:
    row = dict(row)
    row["time"] = row["time"].astimezone(datetime.UTC).isoformat()
    return row


def verify(path) -> dict:
    """The header of a valid archive; ArchiveError when the file is unreadable, changed or
    incomplete."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ArchiveError(_("无法读取归档文件：%(error)s") % {"error": exc}) from None
    body, _sep, last = data.rstrip(b"\n").rpartition(b"\n")
    body += b"\n"
    try:
        signature = json.loads(last)["hmac_sha256"]
        lines = body.splitlines()
        header = json.loads(lines[0])
        entries = [json.loads(line) for line in lines[1:]]
    except (ValueError, KeyError, TypeError, IndexError):
        raise ArchiveError(_("归档文件格式不正确或不完整。")) from None
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    if not isinstance(signature, str) or not any(
        constant_time_compare(_signature(body, s), signature) for s in secrets
    ):
        raise ArchiveError(_("归档文件签名无效：文件已被修改，或不是用本系统的密钥签名的。"))
    if header.get("format") != FORMAT or header.get("count") != len(entries):
        raise ArchiveError(_("归档文件的条目数与文件头不符。"))
    return header


def archive(output, *, older_than_days: int, now=None) -> Archived:
    """Move the entries older than `older_than_days` to the new file `output`."""
    retention = getattr(settings, "AUDIT_RETENTION_DAYS", 180)
    if older_than_days < retention:
        raise ArchiveError(
            _("审计日志至少在线保存%(days)s天，--older-than-days 不能小于%(days)s。") % {"days": retention}
        )
    output = Path(output)
    if output.exists():
        raise ArchiveError(_("文件 %(path)s 已存在，不会覆盖已有的归档。") % {"path": output})
    cutoff = (now or timezone.now()) - datetime.timedelta(days=older_than_days)
    partial = output.with_name(output.name + ".part")
    try:
        with transaction.atomic():
            old = AuditEntry.objects.filter(time__lt=cutoff)
            # Locks the rows for the length of the transaction: they are what gets deleted.
            rows = [_entry_data(r) for r in old.select_for_update().order_by("time", "id").values(*FIELDS)]
            header = {
                "format": FORMAT,
                "cutoff": cutoff.astimezone(datetime.UTC).isoformat(),
                "count": len(rows),
                "created": timezone.now().astimezone(datetime.UTC).isoformat(),
            }
            body = _line(header) + b"".join(_line(r) for r in rows)
            with open(partial, "xb") as handle:
                handle.write(body + _line({"hmac_sha256": _signature(body)}))
                handle.flush()
                os.fsync(handle.fileno())
            if verify(partial)["count"] != len(rows):
                raise ArchiveError(_("写入的归档文件校验失败，未删除任何记录。"))
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('jianyi.audit_archive_before', %s, true)", [cutoff.isoformat()])
            # The rows written are locked, and nothing writes an entry dated in the past, so
            # this deletes exactly them; the count proves it or everything is undone.
            deleted = old.delete()[0]
            with connection.cursor() as cursor:  # the escape ends here, not at COMMIT
                cursor.execute("SELECT set_config('jianyi.audit_archive_before', '', true)")
            if deleted != len(rows):
                raise ArchiveError(_("删除的记录数与归档文件不符，已撤销，未删除任何记录。"))
            AuditEntry.objects.create(
                action=AuditAction.AUDIT_ARCHIVED,
                object_label=output.name[:200],
                details={"count": len(rows), "cutoff": header["cutoff"], "file": str(output)},
            )
            partial.rename(output)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return Archived(path=output, count=len(rows), cutoff=cutoff)
