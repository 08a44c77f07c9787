"""Excel exports of filtered lists: start one from a list page (POST), watch its progress,
download it. Only the requester sees an export (others get 404)."""

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import audit
from accounts.models import AuditAction, Role
from accounts.permissions import role_required

from . import exports
from .models import ListExport

EXPORTERS = (Role.DEPUTY, Role.CLERK, Role.LEADER, Role.COORDINATOR)


def _own_export(request, pk):
    return get_object_or_404(ListExport, pk=pk, requested_by=request.user)


def _context(export):
    spec = exports.LISTS.get(export.list_name)
    back = f"{reverse(spec.url_name)}?{export.query}" if spec else ""
    return {"export": export, "title": exports.title_of(export), "back": back}


@require_POST
@role_required(*EXPORTERS)
def export_create(request):
    try:
        export = exports.request_export(request.user, request.POST.get("list", ""), request.POST.get("query", ""))
    except exports.ExportError as error:
        messages.error(request, error.message)
        return redirect("reports:exports")
    messages.success(request, _("已开始导出，完成后可在本页下载。"))
    return redirect("reports:export", pk=export.pk)


@role_required(*EXPORTERS)
def export_list(request):
    rows = [_context(e) for e in ListExport.objects.filter(requested_by=request.user)[:20]]
    return render(request, "reports/exports.html", {"rows": rows, "keep_days": exports.KEEP_DAYS})


@role_required(*EXPORTERS)
def export_detail(request, pk):
    return render(request, "reports/export.html", _context(_own_export(request, pk)))


@role_required(*EXPORTERS)
def export_progress(request, pk):
    return render(request, "reports/_export_progress.html", _context(_own_export(request, pk)))


@role_required(*EXPORTERS)
def export_download(request, pk):
    export = _own_export(request, pk)
    if export.status != ListExport.Status.DONE or not export.file:
        raise Http404
    response = FileResponse(export.file.open("rb"), as_attachment=True, filename=exports.download_name(export))
    response["Cache-Control"] = "private, no-store"
    audit.record(request, AuditAction.DOWNLOAD, obj=export, list=export.list_name)
    return response
