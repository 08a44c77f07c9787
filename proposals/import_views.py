"""The coordinators' spreadsheet import: upload, template, a batch's result and its progress."""

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import Role
from accounts.permissions import role_required

from . import importing, tasks
from .forms import ImportForm
from .models import ImportBatch

RECENT_BATCHES = 20


@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def import_page(request):
    # Bound on POST even when empty: an upload has no POST fields, only FILES.
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    form.fields["file"].widget.attrs["accept"] = f".xlsx,{importing.XLSX_MIME_TYPE}"
    if form.is_bound and form.is_valid():
        uploaded = form.cleaned_data["file"]
        if uploaded.size > importing.MAX_FILE_BYTES:
            limit = importing.MAX_FILE_BYTES // 2**20
            form.add_error("file", _("文件超过 %(n)s MB，请分成几个文件导入。") % {"n": limit})
        else:
            inline = importing.runs_inline(uploaded)
            batch = importing.create_batch(uploaded, uploaded.name, request.user)
            if inline:
                importing.process_batch(batch.pk)
            else:
                transaction.on_commit(lambda: tasks.process_import.defer(batch_id=batch.pk))
                messages.info(request, _("文件较大，已转入后台处理，请在本页查看进度。"))
            return redirect("proposals:import_batch", pk=batch.pk)
    batches = ImportBatch.objects.select_related("uploaded_by").defer("errors")[:RECENT_BATCHES]
    return render(request, "proposals/import.html", {"form": form, "batches": batches, "columns": importing.COLUMNS})


@role_required(Role.COORDINATOR)
@require_GET
def template_download(request):
    return HttpResponse(
        importing.build_template(),
        content_type=importing.XLSX_MIME_TYPE,
        headers={"Content-Disposition": content_disposition_header(True, importing.TEMPLATE_FILENAME)},
    )


def _get_batch(pk):
    # Batches are shared by all coordinators, the only role let in.
    return get_object_or_404(ImportBatch.objects.select_related("uploaded_by"), pk=pk)


@role_required(Role.COORDINATOR)
@require_GET
def batch_detail(request, pk):
    return render(request, "proposals/import_batch.html", {"batch": _get_batch(pk)})


@role_required(Role.COORDINATOR)
@require_GET
def batch_progress(request, pk):
    """The progress fragment alone, polled by the batch page until the batch is finished."""
    return render(request, "proposals/_import_progress.html", {"batch": _get_batch(pk), "polled": True})
