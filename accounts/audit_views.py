"""The audit viewer (审计日志) for the auditor: a filtered, paginated list and its Excel export.

Only the auditor reads the log (三员分立): not the system or security administrator, whose
own actions are in it.
"""

import datetime
import io

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_safe
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import TYPE_STRING

from . import audit
from .audit_filters import AuditFilter
from .models import AuditAction, AuditEntry, Role
from .pagination import BoundedPaginator
from .permissions import role_required

PAGE_SIZE = 50
# An export is built in the request: beyond this many rows, narrow the filter (or archive).
EXPORT_LIMIT = 20000

# Kept in step with reports.xlsx.safe_value (accounts may not import reports): text a
# spreadsheet would read as a formula is prefixed with a quote and stored as a string.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(sheet, value):
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).replace(tzinfo=None)
    text = "" if value is None else str(value).replace("\x00", "")
    if text.startswith(FORMULA_TRIGGERS):
        text = "'" + text
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = TYPE_STRING
    return cell


@role_required(Role.AUDITOR)
@require_safe
def audit_list(request):
    filterset = AuditFilter(request.GET or None, queryset=AuditEntry.objects.for_list())
    page = BoundedPaginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "accounts/audit_list.html", {"filter": filterset, "page_obj": page})


HEADERS = (
    _lazy("时间"),
    _lazy("用户名"),
    _lazy("姓名"),
    _lazy("来源地址"),
    _lazy("操作"),
    _lazy("对象类型"),
    _lazy("对象编号"),
    _lazy("对象"),
    _lazy("结果"),
    _lazy("详情"),
)


@role_required(Role.AUDITOR)
@require_safe
def audit_export(request):
    """The filtered entries as .xlsx (at most EXPORT_LIMIT, newest first). The export itself
    is recorded."""
    filterset = AuditFilter(request.GET or None, queryset=AuditEntry.objects.for_list())
    if filterset.is_bound and not filterset.is_valid():
        messages.error(request, _("筛选条件有误，请修改后再导出。"))
        return redirect(f"{reverse('audit:list')}?{request.GET.urlencode()}")
    rows = list(filterset.qs[: EXPORT_LIMIT + 1])
    truncated = len(rows) > EXPORT_LIMIT
    rows = rows[:EXPORT_LIMIT]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("审计日志"))
    sheet.append([safe_cell(sheet, str(h)) for h in HEADERS])
    for entry in rows:
        values = (
            entry.time,
            entry.username,
            entry.user.full_name if entry.user else "",
            entry.source_address,
            entry.get_action_display(),
            entry.object_type,
            entry.object_id,
            entry.object_label,
            entry.get_outcome_display(),
            entry.details,
        )
        sheet.append([safe_cell(sheet, v) for v in values])
    buffer = io.BytesIO()
    workbook.save(buffer)
    audit.record(
        request,
        AuditAction.AUDIT_EXPORTED,
        rows=len(rows),
        truncated=truncated,
        filters={k: v for k, v in request.GET.items() if k != "page"},
    )
    name = f"审计日志-{timezone.localtime():%Y%m%d-%H%M}.xlsx"
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name)
    response["Cache-Control"] = "private, no-store"
    return response
