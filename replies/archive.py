"""The archive export: every signed reply of a session (or of one department in it) as
PDF and DOCX in one ZIP, named {会议}-第{N}号-{单位简称}, built by a background job that
reports its progress, and removed after seven days."""

import datetime
import tempfile
import uuid
import zipfile

from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role

from . import rendering
from .models import ArchiveExport, Reply

KEEP_DAYS = 7
Status = ArchiveExport.Status


def replies_of(export):
    replies = Reply.objects.filter(
        kind=Reply.Kind.REPLY, signed_version__isnull=False, assignment__proposal__session=export.session
    )
    if export.department_id:
        replies = replies.filter(department_id=export.department_id)
    return replies.for_detail().order_by("assignment__proposal__number", "department__name", "round")


def request_export(user, session, department=None):
    """Department users export their own department; coordinators any or all."""
    if user.role in (Role.CLERK, Role.LEADER):
        department = user.department
    export = ArchiveExport.objects.create(requested_by=user, session=session, department=department)
    from . import tasks

    transaction.on_commit(lambda: tasks.build_archive.defer(export_id=export.pk))
    return export


def build(export_id: int) -> bool:
    """Claims a pending export (so a second run does nothing) and writes the ZIP."""
    if not ArchiveExport.objects.filter(pk=export_id, status=Status.PENDING).update(status=Status.RUNNING):
        return False
    export = ArchiveExport.objects.select_related("session", "department").get(pk=export_id)
    try:
        replies = list(replies_of(export))
        ArchiveExport.objects.filter(pk=export_id).update(total=len(replies))
        with tempfile.TemporaryFile() as spool:
            with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                names = set()
                for done, reply in enumerate(replies, 1):
                    stem = rendering.file_name(reply, "pdf").removesuffix(".pdf")
                    if stem in names:  # two departments with the same short name
                        stem = f"{stem}-{reply.department_id}"
                    names.add(stem)
                    for fmt in ("pdf", "docx"):
                        archive.writestr(f"{stem}.{fmt}", rendering.render(reply, fmt, working=False))
                    ArchiveExport.objects.filter(pk=export_id).update(processed=done)
            spool.seek(0)
            export.file.save(f"archives/{uuid.uuid4().hex}.zip", File(spool), save=False)
        ArchiveExport.objects.filter(pk=export_id).update(
            status=Status.DONE, file=export.file.name, finished_at=timezone.now()
        )
    except Exception:  # the person waiting is told; the worker log has the details
        ArchiveExport.objects.filter(pk=export_id).update(
            status=Status.FAILED,
            error=_("生成失败，请稍后重新生成；如仍失败，请联系系统管理员。"),
            finished_at=timezone.now(),
        )
        raise
    return True


def download_name(export) -> str:
    scope = export.department.short_name if export.department_id else _("全部单位")
    return f"{export.session.name}-{scope}-答复归档.zip"


def purge(now=None) -> int:
    """Remove exports older than KEEP_DAYS, files and rows; returns how many. An export still
    "running" after a day lost its worker: it is marked failed so its page stops waiting."""
    now = now or timezone.now()
    ArchiveExport.objects.filter(status=Status.RUNNING, created_at__lt=now - datetime.timedelta(days=1)).update(
        status=Status.FAILED, error=_("生成中断，请重新生成。"), finished_at=now
    )
    cutoff = now - datetime.timedelta(days=KEEP_DAYS)
    old = list(ArchiveExport.objects.filter(created_at__lt=cutoff))
    for export in old:
        if export.file:
            export.file.storage.delete(export.file.name)
    ArchiveExport.objects.filter(pk__in=[e.pk for e in old]).delete()
    return len(old)
