"""A department's drafting tools: snippets (常用语), its reply settings, and the document
number series, which the office and the department's leader manage."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import audit
from accounts.models import AuditAction, Department, Role
from accounts.permissions import role_required
from proposals.text import parse_id

from . import numbering
from .forms import SeriesForm, SettingsForm, SnippetForm
from .models import DocumentSeries, ReplySettings, Snippet

DEPARTMENT = (Role.CLERK, Role.LEADER)
SERIES_EDITORS = (Role.LEADER, Role.COORDINATOR)


@role_required(*DEPARTMENT)
def snippets(request):
    snippet_set = Snippet.objects.filter(department_id=request.user.department_id)
    form = SnippetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if snippet_set.filter(title=form.cleaned_data["title"]).exists():
            form.add_error("title", _("已有同名的常用语。"))
        else:
            form.instance.department_id = request.user.department_id
            form.instance.updated_by = request.user
            form.save()
            messages.success(request, _("已添加常用语。"))
            return redirect("replies:snippets")
    return render(request, "replies/snippets.html", {"snippets": snippet_set, "form": form})


@role_required(*DEPARTMENT)
def snippet_edit(request, pk):
    snippet = get_object_or_404(Snippet, pk=pk, department_id=request.user.department_id)
    form = SnippetForm(request.POST or None, instance=snippet)
    if request.method == "POST" and form.is_valid():
        form.instance.updated_by = request.user
        try:
            with transaction.atomic():
                form.save()
        except IntegrityError:
            form.add_error("title", _("已有同名的常用语。"))
        else:
            messages.success(request, _("已保存常用语。"))
            return redirect("replies:snippets")
    return render(request, "replies/snippet_form.html", {"form": form, "snippet": snippet})


@require_POST
@role_required(*DEPARTMENT)
def snippet_delete(request, pk):
    snippet = get_object_or_404(Snippet, pk=pk, department_id=request.user.department_id)
    snippet.delete()
    messages.success(request, _("已删除常用语“%(title)s”。") % {"title": snippet.title})
    return redirect("replies:snippets")


@role_required(Role.LEADER)
def reply_settings(request):
    row, _created = ReplySettings.objects.get_or_create(department_id=request.user.department_id)
    form = SettingsForm(request.POST or None, instance=row)
    if request.method == "POST" and form.is_valid():
        form.save()
        audit.record(request, AuditAction.SETTINGS_CHANGED, obj=row, fields=form.changed_data)
        messages.success(request, _("已保存答复设置。"))
        return redirect("replies:settings")
    return render(request, "replies/settings.html", {"form": form})


def _series_visible(user):
    series = DocumentSeries.objects.select_related("department")
    if user.role == Role.COORDINATOR:
        return series
    return series.filter(department_id=user.department_id)


@role_required(Role.CLERK, Role.LEADER, Role.COORDINATOR)
def series_list(request):
    """The series with their next numbers; the office and the leader add one (e.g. before
    the year starts, or to continue numbers used on paper)."""
    user = request.user
    can_edit = user.role in SERIES_EDITORS
    departments = Department.objects.filter(is_active=True) if user.role == Role.COORDINATOR else None
    form = SeriesForm(request.POST or None)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        department = (
            departments.filter(pk=parse_id(request.POST.get("department"))).first()
            if departments is not None
            else user.department
        )
        if department is None:
            form.add_error(None, _("请选择单位。"))
        elif form.is_valid():
            try:
                with transaction.atomic():
                    form.instance.department = department
                    form.instance.last_number = form.cleaned_data["next_number"] - 1
                    form.save()
            except IntegrityError:
                form.add_error(None, _("该单位这一年度的此类文号序列已经存在，请直接修改。"))
            else:
                audit.record(request, AuditAction.SETTINGS_CHANGED, obj=form.instance, created=True)
                messages.success(request, _("已新建文号序列。"))
                return redirect("replies:series")
    return render(
        request,
        "replies/series_list.html",
        {"series": _series_visible(user), "form": form, "can_edit": can_edit, "departments": departments},
    )


@role_required(*SERIES_EDITORS)
def series_edit(request, pk):
    series = get_object_or_404(_series_visible(request.user), pk=pk)
    form = SeriesForm(request.POST or None, instance=series)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                wanted = form.cleaned_data["next_number"]
                if wanted != series.last_number + 1:
                    numbering.set_next_number(series, wanted)
                DocumentSeries.objects.filter(pk=series.pk).update(pattern=form.cleaned_data["pattern"])
        except numbering.NumberingError as error:
            form.add_error("next_number", error.message)
        else:
            audit.record(request, AuditAction.SETTINGS_CHANGED, obj=series, fields=form.changed_data)
            messages.success(request, _("已保存文号序列。"))
            return redirect("replies:series")
    return render(request, "replies/series_form.html", {"form": form, "series": series})
