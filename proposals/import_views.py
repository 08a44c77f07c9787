"""The coordinators' spreadsheet import: upload, template, a batch's result and its progress.

One page for both kinds of batch (ImportBatch.Kind): proposals (the default) and assignment
plans (`?kind=assignments`); the kind is chosen at the top of the page and sent with the upload."""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import Role
from accounts.permissions import role_required

from . import assignment_import, importing, tasks
from .forms import ImportForm
from .models import ImportBatch

RECENT_BATCHES = 20
Kind = ImportBatch.Kind


@dataclass(frozen=True)
class _Sheet:
    columns: tuple
    build_template: Callable[[], bytes]
    template_filename: str


SHEETS = {
    Kind.PROPOSALS: _Sheet(importing.COLUMNS, importing.build_template, importing.TEMPLATE_FILENAME),
    Kind.ASSIGNMENTS: _Sheet(
        assignment_import.COLUMNS, assignment_import.build_template, assignment_import.TEMPLATE_FILENAME
    ),
}


def _kind(request):
    """The kind asked for (in the upload, or in the address); proposals unless told."""
    value = request.POST.get("kind") or request.GET.get("kind")
    return Kind(value) if value in Kind.values else Kind.PROPOSALS


def _with_kind(name, kind):
    url = reverse(name)
    return url if kind == Kind.PROPOSALS else f"{url}?{urlencode({'kind': kind})}"


@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def import_page(request):
    kind = _kind(request)
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
            batch = importing.create_batch(uploaded, uploaded.name, request.user, kind=kind)
            if inline:
                importing.process_batch(batch.pk)
            else:
                transaction.on_commit(lambda: tasks.process_import.defer(batch_id=batch.pk))
                messages.info(request, _("文件较大，已转入后台处理，请在本页查看进度。"))
            return redirect("proposals:import_batch", pk=batch.pk)
    batches = ImportBatch.objects.select_related("uploaded_by").defer("errors")[:RECENT_BATCHES]
    context = {
        "form": form,
        "batches": batches,
        "kind": kind,
        "kinds": [(k, k.label, _with_kind("proposals:import", k)) for k in Kind],
        "columns": SHEETS[kind].columns,
        "template_url": _with_kind("proposals:import_template", kind),
    }
    return render(request, "proposals/import.html", context)


@role_required(Role.COORDINATOR)
@require_GET
def template_download(request):
    sheet = SHEETS[_kind(request)]
    return HttpResponse(
        sheet.build_template(),
        content_type=importing.XLSX_MIME_TYPE,
        headers={"Content-Disposition": content_disposition_header(True, sheet.template_filename)},
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
