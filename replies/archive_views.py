"""The archive export pages: ask for a session's ZIP, watch its progress, download it."""

from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from accounts import audit
from accounts.models import AuditAction, Department, Role
from accounts.permissions import role_required
from proposals.models import Session

from . import archive
from .models import ArchiveExport

EXPORTERS = (Role.CLERK, Role.LEADER, Role.COORDINATOR)


class ExportForm(forms.Form):
    session = forms.ModelChoiceField(label=_("会次"), queryset=Session.objects.all(), empty_label=None)
    department = forms.ModelChoiceField(
        label=_("单位"), queryset=Department.objects.filter(is_active=True), required=False, empty_label=_("全部单位")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if user.role != Role.COORDINATOR:
            del self.fields["department"]  # a department exports its own replies


def _own_export(request, pk):
    return get_object_or_404(
        ArchiveExport.objects.select_related("session", "department"), pk=pk, requested_by=request.user
    )


@role_required(*EXPORTERS)
@require_http_methods(["GET", "POST"])
def archives(request):
    form = ExportForm(request.POST or None, initial=request.GET.dict(), user=request.user)
    if request.method == "POST" and form.is_valid():
        export = archive.request_export(request.user, form.cleaned_data["session"], form.cleaned_data.get("department"))
        messages.success(request, _("已开始生成归档，完成后可在本页下载。"))
        return redirect("replies:archive", pk=export.pk)
    exports = ArchiveExport.objects.filter(requested_by=request.user).select_related("session", "department")[:20]
    return render(request, "replies/archives.html", {"form": form, "exports": exports, "keep_days": archive.KEEP_DAYS})


@role_required(*EXPORTERS)
def archive_detail(request, pk):
    return render(request, "replies/archive.html", {"export": _own_export(request, pk)})


@role_required(*EXPORTERS)
def archive_progress(request, pk):
    return render(request, "replies/_archive_progress.html", {"export": _own_export(request, pk), "polled": True})


@role_required(*EXPORTERS)
def archive_download(request, pk):
    export = _own_export(request, pk)
    if export.status != ArchiveExport.Status.DONE or not export.file:
        raise Http404
    response = FileResponse(export.file.open("rb"), as_attachment=True, filename=archive.download_name(export))
    response["Cache-Control"] = "private, no-store"
    audit.record(request, AuditAction.DOWNLOAD, obj=export, session=export.session_id, department=export.department_id)
    return response
